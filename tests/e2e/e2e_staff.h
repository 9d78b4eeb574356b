/* e2e_staff.h: what the end-to-end suites for staff pages share: forms
 * posted with the page's CSRF token, the operator's command line, accounts
 * and organizations made as the owner with a known password, and signing in
 * with a password or from an emailed set-password link. One copy, so a
 * change of the login form or the CLI is one change here. */
#ifndef SD_E2E_STAFF_H
#define SD_E2E_STAFF_H

#include <stddef.h>

#include "e2e/e2e_flow.h"

#define E2E_FORM "application/x-www-form-urlencoded"
/* The password of every account staff_account() makes. */
#define E2E_PASSWORD "staff-e2e-password-1"

/* `supportdesk <args>` as the owner ($SUPPORTDESK_BIN, output dropped);
 * its exit status. Every value in args is the test's own: single quotes
 * are enough. */
int e2e_cli(const char *args);
/* POST fields (already urlencoded) with _csrf=csrf in browser j. */
resp post_form(const char *path, jar *j, const char *csrf, const char *fields);
/* The _csrf of the page at path (which must answer 200) in j (malloc'd). */
char *csrf_of(const char *path, jar *j);
/* The status of GET path in j. */
long status_of(const char *path, jar *j);
/* A provisioned organization named and slugged uniquely after what; its
 * id (malloc'd). The slug into slug when not NULL. */
char *org_create(const char *what, char *slug, size_t n);
/* A verified user with E2E_PASSWORD, a member of org with role (agent,
 * admin) when org is not NULL; the address into email, the id returned
 * (malloc'd). */
char *staff_account(const char *what, const char *org, const char *role, char *email, size_t n);
/* Signs browser j in with email and E2E_PASSWORD; the 303's Location into
 * loc. */
void sign_in_password(jar *j, const char *email, char *loc, size_t n);
/* Opens the set-password link of raw_mail in j and chooses password:
 * signed in; the 303's Location into home when not NULL. */
void choose_password(jar *j, const char *raw_mail, const char *password, char *home, size_t n);

#endif
