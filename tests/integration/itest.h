/* itest.h: what the integration suites share (defined in
 * test_integration.c, whose main() runs every suite): an app over the real
 * PostgreSQL and Redis with the test routes, requests through the in-process
 * harness, the public form shown and its captcha solved, and the owner's
 * view of the database for setup and checks. */
#ifndef SD_ITEST_H
#define SD_ITEST_H

#include <check.h>
#include <stdbool.h>

#include "app/page.h"
#include "harness/harness.h"

typedef struct {
	char *anon;       /* the sd_anon cookie set for an anonymous visitor */
	char *csrf, *idem, *type;
	char *started;    /* as in the form */
	char *started_q;  /* url-encoded */
	char *altcha_q;   /* url-encoded; NULL unless solved */
} shown_form;

app *test_app(const char *db_url, const char *redis_url);
void get(app *a, const char *uri, const char *cookie, harness_response *out);
void post_form(app *a, const char *uri, const char *cookie, const char *body, harness_response *out);
void post_form_from(app *a, const char *ip, const char *uri, const char *cookie, const char *body,
    harness_response *out);
const char *unique_ip(void);
void assert_security_headers(const harness_response *r);
char *extract(const char *html, const char *before, char end);
char *make_verified_customer(const char *email);
char *html_unescape(const char *s);
char *json_field(const char *json, const char *key);
char *urlencode(const char *s);
void form_show(app *a, const char *cookie, bool solve, shown_form *f);
void form_free(shown_form *f);
char *owner_query(const char *sql, const char *param);
/* The first value of the first row of sql run as the owner, with the
 * NULL-terminated text parameters (at most 12); NULL when no row or NULL
 * (malloc'd). A statement that fails fails the test. */
char *owner_queryv(const char *sql, ...);
void get_from(app *a, const char *ip, const char *uri, const char *cookie, harness_response *out);
const char *fresh_token(void);
Suite *portal_suite(void); /* test_portal.c, registered by main() */

/* The suites of the other files, registered by main(). */
Suite *leaks_suite(void);   /* test_leaks.c */
Suite *account_suite(void);       /* test_account.c */
Suite *desk_suite(void);          /* test_desk.c */
Suite *desk_ticket_suite(void);   /* test_desk_ticket.c */
Suite *sched_suite(void);         /* test_sched.c */
Suite *admin_suite(void);         /* test_admin.c */
Suite *admin_events_blocks_suite(void); /* test_admin_events_blocks.c */
Suite *automation_suite(void); /* test_automation.c (0037) */
Suite *admin_sla_suite(void);     /* test_admin_sla.c */
/* webhooks */
Suite *admin_webhooks_suite(void); /* test_admin_webhooks.c */
Suite *kb_suite(void);            /* test_kb.c */
Suite *reports_suite(void);       /* test_reports.c */
Suite *platform_suite(void);      /* test_platform.c */
Suite *time_suite(void);          /* test_time.c */
Suite *workflows_suite(void);     /* test_workflows.c */
Suite *api_suite(void);           /* test_api.c: the REST API */
Suite *templates_suite(void);     /* test_templates.c: ticket templates and recurring tickets */

#endif
