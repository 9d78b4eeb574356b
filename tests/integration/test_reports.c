/* test_reports.c: /desk/reports through the in-process harness against the
 * real PostgreSQL and Redis: who gets in (customers 404), each report and
 * each CSV with the numbers of a small fixture folded by report_fold(),
 * the date range's validation (400, the page again with the message and
 * what was typed), the filters' allow-lists, an organization's figures
 * never another's, and the CSV's formula neutralisation. Each test makes
 * its own organizations and users; tickets count on today (UTC), the
 * default range. Registered from test_integration.c's main() as "reports". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration/istaff.h"
#include "integration/itest.h"

typedef struct {
	app *a;
	char slug[96], other_slug[96];
	char *org, *other, *agent, *other_agent, *customer, *team;
	browser ag, oth, cust;
} fixture;

/* A ticket of org, of its "Reports team", from the web form; assignee ""
 * for none (owner3's parameters end at the first NULL). */
static char *ticket(const char *customer, const char *org, const char *assignee)
{
	char *id = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                  "description, assignee_id, team_id) values ($1::uuid, 'organization', $2::uuid, $2::uuid, "
	                  "'Report me', 'Please', nullif($3, '')::uuid, (select id from teams where name = 'Reports team' and "
	                  "organization_id = $2::uuid)) returning id",
	    customer, org, assignee);
	ck_assert_ptr_nonnull(id);
	return id;
}

static void fold(void)
{
	/* As the owner: no acting user, as the scheduler. Other suites' changes
	 * may be folded too: every test counts only its own organization's. */
	for (int i = 0; i < 100; i++) {
		char *n = owner3("select report_fold(10000)::text", NULL, NULL, NULL);
		ck_assert_ptr_nonnull(n);
		int folded = atoi(n);
		free(n);
		if (folded < 10000)
			return;
	}
}

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, "rep");
	f->other = new_org(f->other_slug, sizeof f->other_slug, "rep");
	f->agent = new_user("rep-agent", NULL, 0);
	f->other_agent = new_user("rep-other", NULL, 0);
	f->customer = new_user("rep-cust", NULL, 0);
	free(add_member(f->org, f->agent, "agent"));
	free(add_member(f->other, f->other_agent, "agent"));
	f->team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Reports team') returning id",
	    f->org, NULL, NULL);
	ck_assert_ptr_nonnull(f->team);
	sign_in(f->a, f->agent, &f->ag);
	sign_in(f->a, f->other_agent, &f->oth);
	sign_in(f->a, f->customer, &f->cust);
}

static void teardown(fixture *f)
{
	free(f->org);
	free(f->other);
	free(f->agent);
	free(f->other_agent);
	free(f->customer);
	free(f->team);
	free(f->ag.cookie);
	free(f->oth.cookie);
	free(f->cust.cookie);
	harness_app_free(f->a);
}

static void expect(fixture *f, const browser *b, const char *uri, int status, const char *needle)
{
	harness_response r;
	get(f->a, uri, b->cookie, &r);
	ck_assert_msg(r.status == status, "%s: status %d, want %d", uri, r.status, status);
	if (needle)
		assert_has(&r, needle);
	harness_response_free(&r);
}

START_TEST(customers_get_404)
{
	fixture f;
	setup(&f);
	static const char *const uris[] = { "/desk/reports", "/desk/reports/sla", "/desk/reports/agents",
		"/desk/reports/volume", "/desk/reports/csat", "/desk/reports/stages", "/desk/reports/sla.csv",
		"/desk/reports/csat.csv", "/desk/reports/stages.csv" };
	for (size_t i = 0; i < sizeof uris / sizeof *uris; i++)
		expect(&f, &f.cust, uris[i], 404, NULL);
	/* A visitor is sent to sign in. */
	harness_response r;
	get(f.a, "/desk/reports", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	/* An unknown report is not found, for staff too. */
	expect(&f, &f.ag, "/desk/reports/stage", 404, NULL);
	expect(&f, &f.ag, "/desk/reports/nope.csv", 404, NULL);
	teardown(&f);
}
END_TEST

START_TEST(date_range_validated)
{
	fixture f;
	setup(&f);
	expect(&f, &f.ag, "/desk/reports/sla?from=2024-13-01&to=2024-12-31", 400, "Enter the start date as YYYY-MM-DD");
	expect(&f, &f.ag, "/desk/reports/sla?from=2024-13-01&to=2024-12-31", 400, "value=\"2024-13-01\"");
	expect(&f, &f.ag, "/desk/reports/volume?from=2024-02-01&to=2023-02-30", 400, "Enter the end date");
	expect(&f, &f.ag, "/desk/reports/agents?from=2024-03-01&to=2024-02-01", 400,
	    "The start date must be on or before the end date.");
	expect(&f, &f.ag, "/desk/reports/csat?from=2022-01-01&to=2024-01-01", 400, "at most 366 days");
	expect(&f, &f.ag, "/desk/reports/sla?from=%3Cscript%3E", 400, "value=\"&lt;script&gt;\"");
	expect(&f, &f.ag, "/desk/reports/sla.csv?from=2024-02-30", 400, NULL);
	expect(&f, &f.ag, "/desk/reports/sla?from=2024-02-29&to=2024-03-01", 200, "value=\"2024-02-29\"");
	teardown(&f);
}
END_TEST

START_TEST(filters_from_allow_lists)
{
	fixture f;
	setup(&f);
	char uri[512];
	/* Another organization's id is not found; a team or agent not on the
	 * lists is refused. */
	snprintf(uri, sizeof uri, "/desk/reports/sla?org=%s", f.other);
	expect(&f, &f.ag, uri, 404, NULL);
	snprintf(uri, sizeof uri, "/desk/reports/sla.csv?org=%s", f.other);
	expect(&f, &f.ag, uri, 404, NULL);
	snprintf(uri, sizeof uri, "/desk/reports/sla?agent=%s", f.other_agent);
	expect(&f, &f.ag, uri, 400, NULL);
	expect(&f, &f.ag, "/desk/reports/sla?team=not-a-uuid", 400, NULL);
	snprintf(uri, sizeof uri, "/desk/reports/sla?org=%s&team=%s&agent=%s", f.org, f.team, f.agent);
	expect(&f, &f.ag, uri, 200, "By priority");
	teardown(&f);
}
END_TEST

START_TEST(reports_show_the_org_numbers_only)
{
	fixture f;
	setup(&f);
	char *t1 = ticket(f.customer, f.org, f.agent);
	char *t2 = ticket(f.customer, f.org, f.agent);
	char *t3 = ticket(f.customer, f.org, "");
	char *o1 = ticket(f.customer, f.other, f.other_agent);
	/* t1 answered in time, then resolved and rated 5 with a comment. */
	free(owner3("with u as (update tickets set first_response_at = created_at + interval '1 minute', "
	            "response_minutes = 1, sla_first_response_due = created_at + interval '1 hour', "
	            "status = 'resolved', resolved_at = created_at + interval '2 minutes', resolution_minutes = 2, "
	            "satisfaction_rating = 5, satisfaction_comment = '=HYPERLINK(\"http://x\")', "
	            "satisfaction_submitted_at = now() where id = $1::uuid returning 1) select count(*)::text from u",
	    t1, NULL, NULL));
	/* t2 answered late. */
	free(owner3("with u as (update tickets set sla_first_response_due = created_at - interval '1 hour', "
	            "first_response_at = created_at + interval '1 minute', response_minutes = 61 "
	            "where id = $1::uuid returning 1) select count(*)::text from u", t2, NULL, NULL));
	fold();

	expect(&f, &f.ag, "/desk/reports", 200, "href=\"/desk/reports/sla?from=");
	expect(&f, &f.ag, "/desk/reports", 200, "Download CSV");
	expect(&f, &f.ag, "/desk/reports/sla", 200,
	    "3 tickets. First response met 50.0% of measured (1 of 2)");
	expect(&f, &f.ag, "/desk/reports/sla", 200, "role=\"img\"");
	expect(&f, &f.ag, "/desk/reports/sla", 200, "Reports team");
	expect(&f, &f.ag, "/desk/reports/agents", 200, "Resolved tickets per agent");
	expect(&f, &f.ag, "/desk/reports/volume", 200, "Tickets created per day");
	expect(&f, &f.ag, "/desk/reports/volume", 200, "<th scope=\"row\">Web form</th><td class=\"num\">3</td>");
	expect(&f, &f.ag, "/desk/reports/csat", 200, "Average satisfaction 5.00 of 5 from 1 ratings.");
	expect(&f, &f.ag, "/desk/reports/csat", 200, "=HYPERLINK(&quot;http://x&quot;)");
	/* The other organization's agent sees only theirs. */
	expect(&f, &f.oth, "/desk/reports/sla", 200, "1 tickets.");
	expect(&f, &f.oth, "/desk/reports/csat", 200, "No ratings in this range.");

	/* The CSVs: attachments, the same numbers, formulas neutralised. */
	harness_response r;
	get(f.a, "/desk/reports/sla.csv", f.ag.cookie, &r);
	assert_status(&r, 200);
	char *cd = harness_header(&r, "Content-Disposition");
	ck_assert_ptr_nonnull(cd);
	ck_assert_msg(strncmp(cd, "attachment; filename=\"sla-", 26) == 0, "Content-Disposition %s", cd);
	free(cd);
	char *ct = harness_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_msg(strncmp(ct, "text/csv", 8) == 0, "Content-Type %s", ct);
	free(ct);
	assert_has(&r, "group,key,name,tickets,first_response_met,first_response_breached,resolution_met,"
	               "resolution_breached\r\n");
	assert_has(&r, "total,,All tickets,3,1,1,");
	harness_response_free(&r);
	get(f.a, "/desk/reports/csat.csv", f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "5,1,,,\r\n");
	assert_has(&r, ",\"'=HYPERLINK(\"\"http://x\"\")\",");
	harness_response_free(&r);
	get(f.a, "/desk/reports/volume.csv", f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "channel,web,Web form,3,1\r\n");
	harness_response_free(&r);
	get(f.a, "/desk/reports/agents.csv", f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, ",2,1,1,31.0,2.0,5.00,1\r\n");
	harness_response_free(&r);
	get(f.a, "/desk/reports/volume.csv", f.oth.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "channel,web,Web form,1,0\r\n");
	harness_response_free(&r);
	free(t1);
	free(t2);
	free(t3);
	free(o1);
	teardown(&f);
}
END_TEST

/* A workflow of three stages; two tickets start on the first, one moves
 * on to the second after two hours there. */
START_TEST(stages_report_counts_the_stays)
{
	fixture f;
	setup(&f);
	char *wf = owner3("insert into workflows (organization_id, name) values ($1::uuid, 'Flow') returning id", f.org,
	    NULL, NULL);
	ck_assert_ptr_nonnull(wf);
	char *triage = owner3("insert into workflow_stages (workflow_id, name, is_start, position) values ($1::uuid, "
	                      "'Triage', true, 0) returning id", wf, NULL, NULL);
	char *work = owner3("insert into workflow_stages (workflow_id, name, position) values ($1::uuid, 'Work', 1) "
	                    "returning id", wf, NULL, NULL);
	free(owner3("insert into workflow_stages (workflow_id, name, is_end, position) values ($1::uuid, 'Done', true, 2) "
	            "returning id", wf, NULL, NULL));
	char *t1 = ticket(f.customer, f.org, f.agent);
	char *t2 = ticket(f.customer, f.org, "");
	assert_owner("select current_stage_id::text from tickets where id = $1::uuid", t2, NULL, triage);
	/* Both on Triage still: no average of no stays. */
	expect(&f, &f.ag, "/desk/reports/stages", 200, "2 stays began in this range; none moved on.</p>");
	/* t1 came onto Triage two hours ago, and moves on to Work now. */
	free(owner3("with u as (update ticket_history set changed_at = now() - interval '2 hours' "
	            "where ticket_id = $1::uuid and changes ? 'stage_id' returning 1) select count(*)::text from u",
	    t1, NULL, NULL));
	free(owner3("with u as (update tickets set current_stage_id = $2::uuid where id = $1::uuid returning 1) "
	            "select count(*)::text from u", t1, work, NULL));
	/* The stays need no snapshot. */
	expect(&f, &f.ag, "/desk/reports/stages", 200, "3 stays began in this range; 1 moved on, after 2 h on average.");
	free(owner3("select workflow_views_refresh()::text", NULL, NULL, NULL));
	expect(&f, &f.ag, "/desk/reports/stages", 200, "<th scope=\"row\">Flow: Triage</th>");
	expect(&f, &f.ag, "/desk/reports/stages", 200, "Tickets that entered each stage");
	expect(&f, &f.ag, "/desk/reports/stages", 200, "Open now is every open ticket on the stage");
	/* A range without stays lists the stages for their open tickets, and
	 * says so without an average. */
	expect(&f, &f.ag, "/desk/reports/stages?from=2020-01-01&to=2020-01-31", 200, "<th scope=\"row\">Flow: Triage</th>");
	expect(&f, &f.ag, "/desk/reports/stages?from=2020-01-01&to=2020-01-31", 200,
	    "No ticket entered a workflow stage in this range.");
	harness_response r;
	get(f.a, "/desk/reports/stages.csv", f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "stage_id,stage,entered,moved_on,avg_stay_minutes,still_there,open_now\r\n");
	char want[256];
	snprintf(want, sizeof want, "%s,Flow: Triage,2,1,120.0,1,1\r\n", triage);
	assert_has(&r, want);
	snprintf(want, sizeof want, "%s,Flow: Work,1,0,,1,1\r\n", work);
	assert_has(&r, want);
	assert_lacks(&r, "Flow: Done");
	harness_response_free(&r);
	/* A team narrows the stays; the other organization sees none of them. */
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/reports/stages.csv?team=%s", f.team);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	snprintf(want, sizeof want, "%s,Flow: Triage,2,1,120.0,1,1\r\n", triage);
	assert_has(&r, want);
	harness_response_free(&r);
	expect(&f, &f.oth, "/desk/reports/stages", 200, "No ticket entered a workflow stage in this range.");
	get(f.a, "/desk/reports/stages.csv", f.oth.cookie, &r);
	assert_status(&r, 200);
	assert_lacks(&r, "Flow");
	harness_response_free(&r);
	/* Staff of two organizations choose one: stages are an organization's. */
	free(add_member(f.other, f.agent, "agent"));
	expect(&f, &f.ag, "/desk/reports/stages", 200, "Choose an organization above");
	expect(&f, &f.ag, "/desk/reports/stages.csv", 400, NULL);
	snprintf(uri, sizeof uri, "/desk/reports/stages.csv?org=%s", f.org);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, want);
	harness_response_free(&r);
	free(t1);
	free(t2);
	free(triage);
	free(work);
	free(wf);
	teardown(&f);
}
END_TEST

Suite *reports_suite(void)
{
	Suite *s = suite_create("reports");
	TCase *tc = tcase_create("reports");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, customers_get_404);
	tcase_add_test(tc, date_range_validated);
	tcase_add_test(tc, filters_from_allow_lists);
	tcase_add_test(tc, reports_show_the_org_numbers_only);
	tcase_add_test(tc, stages_report_counts_the_stays);
	suite_add_tcase(s, tc);
	return s;
}
