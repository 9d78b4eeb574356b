/* istaff.h: what the suites of the staff's pages share (the admin
 * sections, the platform admin, the knowledge base): a browser signed in
 * through the harness's /t/signin, its posts with the session's CSRF token,
 * the owner's view of the database, and the assertions on a response. The
 * definitions are in istaff.c. */
#ifndef SD_ISTAFF_H
#define SD_ISTAFF_H

#include <stddef.h>

#include "integration/itest.h"

typedef struct {
	char *cookie;
	char csrf[128];
} browser;

/* The owner's first value of sql with up to three parameters: as many as
 * up to the last non-NULL one (a NULL before it is SQL NULL); NULL when no
 * row (malloc'd). Statements that return nothing are wrapped by the caller
 * in "with ... returning". */
char *owner3(const char *sql, const char *p1, const char *p2, const char *p3);
/* owner3(sql, p1, p2) is want. */
void assert_owner(const char *sql, const char *p1, const char *p2, const char *want);
/* "<what>-<pid>-<time>-<n>": unique across processes and runs. */
void unique(char *out, size_t n, const char *what);
/* b signed in as user uid (its cookie malloc'd, its CSRF token). */
void sign_in(app *a, const char *uid, browser *b);
/* POST uri with fields (urlencoded, may be "") and b's session and token. */
void post_as(app *a, const char *uri, const browser *b, const char *fields, harness_response *r);
/* A provisioned organization named after a unique slug starting with what
 * (into slug); its id (malloc'd). */
char *new_org(char *slug, size_t n, const char *what);
/* A verified customer account with a unique address starting with what
 * (into email_out when not NULL); its id (malloc'd). */
char *new_user(const char *what, char *email_out, size_t n);
/* user made a member of org with role; the membership's id (malloc'd). */
char *add_member(const char *org, const char *user, const char *role);

/* What the admin sections' suites start from: two organizations (org and
 * other), an admin and an agent of org, an admin of other, and org's admin
 * signed in (adm). The names start with what. */
typedef struct {
	app *a;
	char slug[96], other_slug[96];
	char admin_email[160], agent_email[160], other_email[160];
	char *org, *other, *admin, *agent, *other_admin;
	browser adm;
} staff_orgs;
void staff_orgs_setup(staff_orgs *f, const char *what);
void staff_orgs_teardown(staff_orgs *f);

void assert_status(const harness_response *r, int want);
/* 303 to exactly want. */
void assert_redirect(const harness_response *r, const char *want);
void assert_has(const harness_response *r, const char *needle);
void assert_lacks(const harness_response *r, const char *needle);

#endif
