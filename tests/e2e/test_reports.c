/* test_reports.c: the reports end to end, through nginx with libcurl: two
 * tickets of a new organization, one answered by its agent from the desk's
 * reply form and resolved there, then rated 4 with a comment by its
 * requester from the portal; the scheduler (`supportdesk scheduler
 * --once`) folds the changes; the agent's reports and CSVs show the
 * numbers (2 tickets, 1 resolved, one rating of 4 with its comment), a
 * customer gets 404, and a bad date is answered 400 with the form again.
 * Accounts and tickets are made as the owner ($DATABASE_URL).
 *
 * Registered from test_e2e.c's main() as the suite "reports_e2e". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "e2e/e2e_flow.h"
#include "e2e/e2e_staff.h"

Suite *reports_e2e_suite(void);

/* Signed in with E2E_PASSWORD, wherever the login sends them. */
static void sign_in(jar *j, const char *email)
{
	char loc[512];
	sign_in_password(j, email, loc, sizeof loc);
}

static void get_has(jar *j, const char *path, int status, const char *needle)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, status, path);
	if (needle)
		ck_assert_msg(strstr(r.body.data, needle) != NULL, "%s lacks %s: %.2000s", path, needle, r.body.data);
	resp_free(&r);
}

START_TEST(reports_through_nginx)
{
	flush_ratelimits();
	char *org = org_create("reports-org", NULL, 0);
	char agent_email[160], customer_email[160];
	char *agent = staff_account("reports-agent", org, "agent", agent_email, sizeof agent_email);
	char *customer = staff_account("reports-customer", NULL, NULL, customer_email, sizeof customer_email);
	char *n1 = owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                     "description, assignee_id, source) values ($1, 'organization', $2, $2, 'Reports e2e: one', "
	                     "'First', $3, 'email') returning number", customer, org, agent);
	char *n2 = owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                     "description, assignee_id, source) values ($1, 'organization', $2, $2, 'Reports e2e: two', "
	                     "'Second', $3, 'email') returning number", customer, org, agent);

	jar cust = { 0 }, staff = { 0 };
	sign_in(&cust, customer_email);
	get_has(&cust, "/desk/reports", 404, NULL);
	get_has(&cust, "/desk/reports/csat.csv", 404, NULL);
	sign_in(&staff, agent_email);

	/* The agent answers ticket one from the desk and resolves it. */
	char path[256];
	snprintf(path, sizeof path, "/desk/tickets/%s", n1);
	resp r = http("GET", path, &staff, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	char *idem = attr_after(r.body.data, "name=\"idem\"", "value");
	char *version = attr_after(r.body.data, "name=\"version\"", "value");
	char *loaded = attr_after(r.body.data, "name=\"loaded\"", "value");
	ck_assert(csrf && idem && version && loaded);
	resp_free(&r);
	dbuf b = { 0 };
	mp_field(&b, "_csrf", csrf);
	mp_field(&b, "idem", idem);
	mp_field(&b, "version", version);
	mp_field(&b, "loaded", loaded);
	mp_field(&b, "body", "Fixed it: please try again.");
	mp_field(&b, "status", "resolved");
	dbuf_addf(&b, "--%s--\r\n", BOUNDARY);
	snprintf(path, sizeof path, "/desk/tickets/%s/reply", n1);
	r = http("POST", path, &staff, MP_CTYPE, b.data, b.len);
	dbuf_free(&b);
	ck_status(r, 303, "the reply that resolves");
	resp_free(&r);
	ck_assert_int_eq(db_long("select count(*) from tickets where number = $1 and status = 'resolved' "
	                         "and first_response_at is not null", n1), 1);

	/* The requester rates it from the portal. */
	snprintf(path, sizeof path, "/my/tickets/%s", n1);
	r = http("GET", path, &cust, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *ccsrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	ck_assert_ptr_nonnull(ccsrf);
	resp_free(&r);
	char *c = curl_easy_escape(NULL, ccsrf, 0);
	dbuf_addf(&b, "_csrf=%s&rating=4&comment=%%3DSUM%%28A1%%29+quick", c);
	curl_free(c);
	snprintf(path, sizeof path, "/my/tickets/%s/rating", n1);
	r = http("POST", path, &cust, E2E_FORM, b.data, b.len);
	dbuf_free(&b);
	ck_status(r, 303, "the rating");
	resp_free(&r);

	/* The scheduler folds the changes: this one, or serve's own when it
	 * holds the job's lock at that moment (then the next round finds the
	 * log empty). */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' '%s' scheduler --once >/dev/null 2>&1",
	    env_or("APP_DATABASE_URL", ""), env_or("SUPPORTDESK_BIN", "build/supportdesk"));
	double deadline = mono_s() + 90;
	long pending = 1;
	while (pending > 0 && mono_s() < deadline) {
		int rc = run_sh(cmd);
		ck_assert_msg(rc == 0, "scheduler --once: %d", rc);
		pending = db_long("select count(*) from report_delta where org_id = $1::uuid", org);
		if (pending > 0)
			nap_ms(200);
	}
	ck_assert_msg(pending == 0, "%ld changes of the organization still not folded", pending);

	get_has(&staff, "/desk/reports", 200, "Figures as of");
	get_has(&staff, "/desk/reports/volume", 200, "<th scope=\"row\">Email</th><td class=\"num\">2</td><td class=\"num\">1</td>");
	get_has(&staff, "/desk/reports/sla", 200, "2 tickets.");
	get_has(&staff, "/desk/reports/agents", 200, "<td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td>");
	get_has(&staff, "/desk/reports/csat", 200, "Average satisfaction 4.00 of 5 from 1 ratings.");
	get_has(&staff, "/desk/reports/csat", 200, "=SUM(A1) quick");
	get_has(&staff, "/desk/reports/volume.csv", 200, "channel,email,Email,2,1\r\n");
	get_has(&staff, "/desk/reports/csat.csv", 200, "4,1,,,\r\n");
	get_has(&staff, "/desk/reports/csat.csv", 200, ",\"'=SUM(A1) quick\",");
	get_has(&staff, "/desk/reports/agents.csv", 200, ",reports-agent,2,1,1,");
	get_has(&staff, "/desk/reports/sla?from=2024-02-30", 400, "Enter the start date as YYYY-MM-DD");

	free(csrf);
	free(idem);
	free(version);
	free(loaded);
	free(ccsrf);
	free(n1);
	free(n2);
	free(agent);
	free(customer);
	free(org);
}
END_TEST

Suite *reports_e2e_suite(void)
{
	Suite *s = suite_create("reports_e2e");
	TCase *tc = tcase_create("reports");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, reports_through_nginx);
	suite_add_tcase(s, tc);
	return s;
}
