/* main.c: runs every unit test suite; Check prints the summary. */
#include <stdlib.h>

#include "core/log.h"
#include "unit/suites.h"

int main(void)
{
	/* Suites exercise failure paths on purpose: keep their log lines out of
	 * the report. */
	log_set_level(LOG_ERROR);
	SRunner *sr = srunner_create(core_suite());
	srunner_add_suite(sr, http_parse_suite());
	srunner_add_suite(sr, tmpl_suite());
	srunner_add_suite(sr, portal_unit_suite());
	srunner_add_suite(sr, captcha_suite());
	srunner_add_suite(sr, mail_suite());
	srunner_add_suite(sr, submit_form_suite());
	srunner_add_suite(sr, attachment_suite());
	srunner_add_suite(sr, useragent_suite());
	srunner_add_suite(sr, admin_keys_suite());
	srunner_add_suite(sr, kb_unit_suite());
	srunner_add_suite(sr, reports_unit_suite());
	srunner_add_suite(sr, mail_in_suite()); /* the email channel */
	srunner_add_suite(sr, webhook_suite()); /* webhooks */
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
