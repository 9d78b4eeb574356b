/* suites.h: every unit test suite, for the test runner to add. */
#ifndef SD_TEST_SUITES_H
#define SD_TEST_SUITES_H

#include <check.h>

Suite *core_suite(void);
Suite *http_parse_suite(void);
Suite *tmpl_suite(void);
Suite *mail_suite(void);
Suite *captcha_suite(void);
Suite *attachment_suite(void);
Suite *portal_unit_suite(void); /* test_portal.c */

Suite *submit_form_suite(void);
Suite *useragent_suite(void);
Suite *admin_keys_suite(void); /* test_admin_keys.c */
Suite *kb_unit_suite(void); /* test_kb.c */
Suite *reports_unit_suite(void); /* test_reports.c */
Suite *mail_in_suite(void); /* test_mail_in.c: the email channel */
/* webhooks */
Suite *webhook_suite(void); /* test_webhook.c */

#endif
