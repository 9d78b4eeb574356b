/* test_time.c: time tracking in the ticket workspace through the
 * in-process harness, against the real PostgreSQL and Redis. Negative cases
 * first: a customer and another organization's agent get 404 on the time
 * form, a missing CSRF token is 403 with nothing recorded, bad minutes and
 * days are 422 with the input kept, a reply without time is refused when
 * the organization requires it (a note is not); then minutes with a reply
 * and a note (h:mm too), the panel's totals, an entry on its own, and its
 * removal by its author only. Registered from test_integration.c's main()
 * as the suite "time". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "integration/istaff.h"
#include "integration/itest.h"

typedef struct {
	app *a;
	char slug[96], other_slug[96], number[64], uri[160];
	char *org, *other, *agent, *colleague, *other_agent, *customer, *ticket;
	browser ag, col, oth, cust;
} fixture;

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, "timeorg");
	f->other = new_org(f->other_slug, sizeof f->other_slug, "timeorg");
	f->agent = new_user("timeagent", NULL, 0);
	f->colleague = new_user("timecolleague", NULL, 0);
	f->other_agent = new_user("timeother", NULL, 0);
	f->customer = new_user("timecustomer", NULL, 0);
	free(add_member(f->org, f->agent, "agent"));
	free(add_member(f->org, f->colleague, "agent"));
	free(add_member(f->other, f->other_agent, "agent"));
	char *number = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                      "description) values ($1, 'organization', $2, $2, 'Time test', 'It broke') returning number",
	    f->customer, f->org, NULL);
	snprintf(f->number, sizeof f->number, "%s", number);
	free(number);
	f->ticket = owner3("select id from tickets where number = $1", f->number, NULL, NULL);
	snprintf(f->uri, sizeof f->uri, "/desk/tickets/%s", f->number);
	sign_in(f->a, f->agent, &f->ag);
	sign_in(f->a, f->colleague, &f->col);
	sign_in(f->a, f->other_agent, &f->oth);
	sign_in(f->a, f->customer, &f->cust);
}

static void teardown(fixture *f)
{
	free(f->org);
	free(f->other);
	free(f->agent);
	free(f->colleague);
	free(f->other_agent);
	free(f->customer);
	free(f->ticket);
	free(f->ag.cookie);
	free(f->col.cookie);
	free(f->oth.cookie);
	free(f->cust.cookie);
	harness_app_free(f->a);
}

static char *action(const fixture *f, const char *what)
{
	char *p = malloc(256);
	snprintf(p, 256, "%s/%s", f->uri, what);
	return p;
}

static char *minutes_of(const fixture *f)
{
	return owner3("select coalesce(string_agg(minutes || ':' || billable, ',' order by minutes), '') from time_entries "
	              "where ticket_id = $1::uuid", f->ticket, NULL, NULL);
}

static void assert_minutes(const fixture *f, const char *want)
{
	char *got = minutes_of(f);
	ck_assert_msg(got && strcmp(got, want) == 0, "time entries %s, want %s", got ? got : "(null)", want);
	free(got);
}

START_TEST(refusals_record_nothing)
{
	fixture f;
	setup(&f);
	harness_response r;
	char *time_uri = action(&f, "time");
	/* Who may not: a customer, another organization's agent. */
	post_as(f.a, time_uri, &f.cust, "minutes=5", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	post_as(f.a, time_uri, &f.oth, "minutes=5", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	/* Without the form's token. */
	post_form(f.a, time_uri, f.ag.cookie, "minutes=5", &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	/* Bad input, kept. */
	post_as(f.a, time_uri, &f.ag, "minutes=lots&note=kept+note", &r);
	assert_status(&r, 422);
	assert_has(&r, "id=\"f-minutes-error\"");
	assert_has(&r, "value=\"lots\"");
	assert_has(&r, "value=\"kept note\"");
	harness_response_free(&r);
	static const char *const bad[] = { "minutes=0", "minutes=1441", "minutes=1:75", "minutes=-3", "minutes=24:01" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		post_as(f.a, time_uri, &f.ag, bad[i], &r);
		ck_assert_msg(r.status == 422, "%s: status %d", bad[i], r.status);
		harness_response_free(&r);
	}
	post_as(f.a, time_uri, &f.ag, "minutes=5&work_date=2026-02-30", &r);
	assert_status(&r, 422);
	assert_has(&r, "id=\"f-work-date-error\"");
	harness_response_free(&r);
	/* A reply with bad minutes is refused, the draft kept. */
	char *reply = action(&f, "reply");
	char *v = owner3("select version::text from tickets where id = $1::uuid", f.ticket, NULL, NULL);
	char fields[512];
	snprintf(fields, sizeof fields, "body=My+draft&version=%s&time_minutes=soon", v);
	post_as(f.a, reply, &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, ">My draft</textarea>");
	assert_has(&r, "id=\"f-time-minutes-error\"");
	harness_response_free(&r);
	assert_minutes(&f, "");
	assert_owner("select count(*)::text from ticket_messages where ticket_id = $1::uuid", f.ticket, NULL, "0");

	/* Required by the organization: a reply without time is refused, a
	 * note is not. */
	free(owner3("update organization_settings set require_time_on_reply = true where organization_id = $1::uuid "
	            "returning 1", f.org, NULL, NULL));
	snprintf(fields, sizeof fields, "body=No+time+given&version=%s", v);
	post_as(f.a, reply, &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "your organization records it with every reply");
	assert_has(&r, "(required with a reply)");
	harness_response_free(&r);
	char *note = action(&f, "note");
	post_as(f.a, note, &f.ag, "body=A+note+without+time", &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select count(*)::text from ticket_messages where ticket_id = $1::uuid", f.ticket, NULL, "1");
	assert_minutes(&f, "");
	free(v);
	free(note);
	free(reply);
	free(time_uri);
	teardown(&f);
}
END_TEST

START_TEST(minutes_with_messages_and_alone)
{
	fixture f;
	setup(&f);
	harness_response r;
	char *reply = action(&f, "reply"), *note = action(&f, "note"), *time_uri = action(&f, "time");
	char *v = owner3("select version::text from tickets where id = $1::uuid", f.ticket, NULL, NULL);
	char fields[512];
	snprintf(fields, sizeof fields, "body=Fixed+it&version=%s&time_minutes=1:30&time_billable=1", v);
	post_as(f.a, reply, &f.ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	post_as(f.a, note, &f.ag, "body=Checked+the+logs&time_minutes=15", &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_minutes(&f, "15:false,90:true");
	/* Each entry is tied to its message. */
	assert_owner("select count(*)::text from time_entries e join ticket_messages m on m.id = e.message_id "
	             "where e.ticket_id = $1::uuid", f.ticket, NULL, "2");

	post_as(f.a, time_uri, &f.col, "minutes=20&billable=1&work_date=2026-11-30&note=Phone+call", &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select work_date::text || ' ' || note from time_entries where ticket_id = $1::uuid and minutes = 20",
	    f.ticket, NULL, "2026-11-30 Phone call");

	get(f.a, f.uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<strong>2 h 05 min</strong> in all · 1 h 50 min billable");
	assert_has(&r, "Phone call");
	assert_has(&r, "(not billable)");
	harness_response_free(&r);

	/* Removal: not a colleague's, their own yes. */
	char *col_entry = owner3("select id from time_entries where ticket_id = $1::uuid and minutes = 20", f.ticket, NULL, NULL);
	char uri[256];
	snprintf(uri, sizeof uri, "%s/time/%s/remove", f.uri, col_entry);
	post_as(f.a, uri, &f.ag, "", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	post_as(f.a, uri, &f.oth, "", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "%s/time/not-a-uuid/remove", f.uri);
	post_as(f.a, uri, &f.col, "", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "%s/time/%s/remove", f.uri, col_entry);
	post_as(f.a, uri, &f.col, "", &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_minutes(&f, "15:false,90:true");

	/* The time report: by agent, organization, requester's domain and
	 * ticket, for the days the work was done; the CSV the same. Another
	 * organization's agent sees none of it. */
	/* The range ends today (UTC, as current_date on the server) and starts
	 * 300 days before: the report takes at most 366. */
	char range[64], uri2[160];
	time_t now = time(NULL), start = now - 300 * 86400;
	struct tm tn, ts;
	gmtime_r(&now, &tn);
	gmtime_r(&start, &ts);
	strftime(range, 32, "from=%Y-%m-%d", &ts);
	strftime(range + strlen(range), 32, "&to=%Y-%m-%d", &tn);
	snprintf(uri2, sizeof uri2, "/desk/reports/time?%s", range);
	get(f.a, uri2, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "1 h 45 min spent in all (105 minutes), 1 h 30 min billable, in 2 entries.");
	assert_has(&r, "By requester&#39;s domain");
	harness_response_free(&r);
	snprintf(uri2, sizeof uri2, "/desk/reports/time.csv?%s", range);
	get(f.a, uri2, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "group,key,name,minutes,billable_minutes,entries\r\n");
	assert_has(&r, "\r\ntotal,,All tickets,105,90,2\r\n");
	assert_has(&r, "\r\nrequester_domain,example.com,example.com,105,90,2\r\n");
	char want[256];
	snprintf(want, sizeof want, "ticket,%s,%s Time test,105,90,2\r\n", f.number, f.number);
	assert_has(&r, want);
	harness_response_free(&r);
	get(f.a, uri2, f.oth.cookie, &r);
	assert_status(&r, 200);
	assert_lacks(&r, f.number);
	assert_lacks(&r, "total,,All tickets,105");
	harness_response_free(&r);
	get(f.a, "/desk/reports/time", f.cust.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(col_entry);
	free(v);
	free(reply);
	free(note);
	free(time_uri);
	teardown(&f);
}
END_TEST

Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("time");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, refusals_record_nothing);
	tcase_add_test(tc, minutes_with_messages_and_alone);
	suite_add_tcase(s, tc);
	return s;
}
