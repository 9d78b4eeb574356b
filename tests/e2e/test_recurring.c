/* test_recurring.c: recurring tickets and "new from template" end to end,
 * through nginx with libcurl. An organization's admin creates a weekly
 * template on /desk/admin/templates; its slot (today, a minute ago, UTC)
 * has just passed; two `supportdesk scheduler --once` run at the same time
 * beside serve's own scheduler, twice over: one ticket for the slot, no
 * failure. An agent then creates a ticket from the template on
 * /desk/templates and lands on it.
 *
 * Registered from test_e2e.c's main() as the suite "recurring_e2e". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "e2e/e2e_staff.h"

Suite *recurring_e2e_suite(void);

/* Two `scheduler --once` started together; both exit 0 with no failed job. */
static void two_schedulers_once(void)
{
	const char *bin = getenv("SUPPORTDESK_BIN");
	ck_assert_msg(bin && *bin, "SUPPORTDESK_BIN is not set");
	const char *app = getenv("APP_DATABASE_URL");
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' '%s' scheduler --once 2>/dev/null", app ? app : "", bin);
	FILE *p[2];
	for (int i = 0; i < 2; i++) {
		p[i] = popen(cmd, "r");
		ck_assert_ptr_nonnull(p[i]);
	}
	for (int i = 0; i < 2; i++) {
		char line[512] = "";
		ck_assert_ptr_nonnull(fgets(line, sizeof line, p[i]));
		int rc = pclose(p[i]);
		ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "scheduler --once %d: %s", i, line);
		ck_assert_msg(strstr(line, " 0 failed") != NULL, "scheduler --once %d: %s", i, line);
	}
}

START_TEST(test_weekly_template_once_with_two_schedulers)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200");
	char slug[96], admin_email[160], agent_email[160];
	char *org = org_create("e2e-recur", slug, sizeof slug);
	char *admin = staff_account("recur-admin", org, "admin", admin_email, sizeof admin_email);
	char *agent = staff_account("recur-agent", org, "agent", agent_email, sizeof agent_email);
	jar adm = { 0 }, ag = { 0 };
	char loc[512];
	sign_in_password(&adm, admin_email, loc, sizeof loc);
	sign_in_password(&ag, agent_email, loc, sizeof loc);

	/* The slot: today's weekday and a minute ago, in UTC. */
	time_t slot = time(NULL) - 60;
	struct tm tm;
	gmtime_r(&slot, &tm);
	int isodow = tm.tm_wday == 0 ? 7 : tm.tm_wday;
	char list[256], fields[2048];
	snprintf(list, sizeof list, "/desk/admin/templates?org=%s", slug);
	char *csrf = csrf_of(list, &adm);
	snprintf(fields, sizeof fields,
	    "org=%s&name=E2E+weekly&title=Weekly+check&description=Check+the+backups.&priority=normal"
	    "&schedule=weekly&day_%d=1&run_time=%02d%%3A%02d&time_zone=UTC&active=1",
	    slug, isodow, tm.tm_hour, tm.tm_min);
	resp r = post_form("/desk/admin/templates", &adm, csrf, fields);
	ck_status(r, 303, "POST a weekly template");
	resp_free(&r);
	free(csrf);
	char *tpl = owner_sql("select id from ticket_templates where organization_id = $1::uuid and name = 'E2E weekly'", org,
	    NULL, NULL);
	ck_assert_ptr_nonnull(tpl);
	/* Saved now, its next run is next week's slot; as if the scheduler
	 * had been running, the one that has just passed is due. */
	free(owner_sql("update ticket_templates set next_run_at = ticket_template_latest_at(schedule, weekdays, month_day, "
	               "run_time, time_zone, now()) where id = $1::uuid returning id", tpl, NULL, NULL));
	char *due = owner_sql("select (next_run_at <= now() and next_run_at > now() - interval '3 minutes')::text "
	                      "from ticket_templates where id = $1::uuid", tpl, NULL, NULL);
	ck_assert_str_eq(due, "true");
	free(due);

	two_schedulers_once();
	two_schedulers_once();
	ck_assert_int_eq(db_long("select count(*) from tickets where channel_metadata->>'template_id' = $1", tpl), 1);
	ck_assert_int_eq(db_long("select count(*) from tickets where channel_metadata->>'template_id' = $1 "
	                         "and source = 'recurring' and title = 'Weekly check'", tpl), 1);
	ck_assert_int_eq(db_long("select count(*) from ticket_template_runs where template_id = $1::uuid", tpl), 1);
	ck_assert_int_eq(db_long("select count(*) from ticket_templates where id = $1::uuid and next_run_at > now()", tpl), 1);

	/* The admin list shows the schedule and a next run. */
	r = http("GET", list, &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET /desk/admin/templates");
	ck_assert_msg(strstr(r.body.data, "E2E weekly</a>"), "the template is listed");
	ck_assert_msg(strstr(r.body.data, "Every week on"), "with its schedule");
	resp_free(&r);

	/* New from template, as the agent. */
	r = http("GET", "/desk", &ag, NULL, NULL, 0);
	ck_status(r, 200, "GET /desk");
	ck_assert_msg(strstr(r.body.data, "href=\"/desk/templates\""), "the queue page links to the templates");
	resp_free(&r);
	r = http("GET", "/desk/templates", &ag, NULL, NULL, 0);
	ck_status(r, 200, "GET /desk/templates");
	ck_assert_msg(strstr(r.body.data, "E2E weekly"), "the template is offered");
	resp_free(&r);
	char use[160];
	snprintf(use, sizeof use, "/desk/templates/%s/use", tpl);
	csrf = csrf_of("/desk/templates", &ag);
	r = post_form(use, &ag, csrf, "");
	ck_status(r, 303, "POST use the template");
	char where[256] = "";
	ck_assert(resp_header(&r, "Location", where, sizeof where));
	resp_free(&r);
	ck_assert_msg(strncmp(where, "/desk/tickets/", 14) == 0, "Location %s", where);
	ck_assert_int_eq(db_long("select count(*) from tickets where number = $1 and source = 'template'", where + 14), 1);
	r = http("GET", where, &ag, NULL, NULL, 0);
	ck_status(r, 200, "GET the new ticket");
	ck_assert_msg(strstr(r.body.data, "Weekly check"), "the ticket has the template's title");
	resp_free(&r);
	/* Without the token: 403. */
	r = post_form(use, &ag, "not-the-token", "");
	ck_status(r, 403, "POST use without the token");
	resp_free(&r);
	free(csrf);
	free(tpl);
	free(org);
	free(admin);
	free(agent);
}
END_TEST

Suite *recurring_e2e_suite(void)
{
	Suite *s = suite_create("recurring_e2e");
	TCase *tc = tcase_create("recurring");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_weekly_template_once_with_two_schedulers);
	suite_add_tcase(s, tc);
	return s;
}
