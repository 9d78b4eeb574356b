/* test_admin_sla.c: the SLA policies section (/desk/admin/sla) through the
 * in-process harness against the real PostgreSQL and Redis: who gets in
 * (visitors to /login, customers and agents 404, another organization's
 * policy 404 and unchanged), CSRF (403, nothing made), every bad input
 * (422, the message by its field, what was typed kept), and saving: the due
 * times of open tickets move, their version and activity do not (a reply
 * posted against the version loaded before the change is accepted),
 * resolved tickets keep theirs, and removal deactivates a policy tickets
 * were measured by. Each test makes its own organizations and users.
 * Registered from test_integration.c's main() as the suite "admin_sla". */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "integration/istaff.h"
#include "integration/itest.h"

static char *location_id(const harness_response *r, const char *prefix)
{
	assert_status(r, 303);
	char *l = harness_header(r, "Location");
	ck_assert_msg(l && strncmp(l, prefix, strlen(prefix)) == 0, "Location \"%s\", want %s...", l ? l : "", prefix);
	char *id = strndup(l + strlen(prefix), 36);
	free(l);
	return id;
}

typedef staff_orgs fixture;

static void setup(fixture *f)
{
	staff_orgs_setup(f, "sla");
}

static void teardown(fixture *f)
{
	staff_orgs_teardown(f);
}

/* A policy of org (as the owner): its id. */
static char *owner_policy(const char *org, const char *priority)
{
	char *id = owner3("insert into sla_policies (organization_id, priority, display_name, first_response_minutes, "
	                  "resolution_minutes, use_business_hours) values ($1::uuid, $2, 'Theirs', 60, 600, false) returning id",
	    org, priority, NULL);
	ck_assert_ptr_nonnull(id);
	return id;
}

/* 24/7 so the expected due times are plain arithmetic. */
#define GOOD_FORM \
	"display_name=Fast+high&first_response_minutes=30&resolution_minutes=600&warning_percent=80" \
	"&escalate_to_role=admin&time_zone=Europe%%2FParis&color=%%23F59E0B&active=1" \
	"&start_monday=09%%3A00&end_monday=17%%3A00&start_tuesday=09%%3A00&end_tuesday=17%%3A00" \
	"&closed_wednesday=1&closed_thursday=1&closed_friday=1&closed_saturday=1&closed_sunday=1"

/* ---- who gets in ---- */

START_TEST(sla_access)
{
	fixture f;
	setup(&f);
	harness_response r;
	get(f.a, "/desk/admin/sla", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);

	char *theirs = owner_policy(f.other, "urgent");
	char *customer = new_user("sla-customer", NULL, 0);
	browser cust, ag;
	sign_in(f.a, customer, &cust);
	sign_in(f.a, f.agent, &ag);
	char uri[256], fields[1024];
	const browser *who[2] = { &cust, &ag };
	for (int k = 0; k < 2; k++) {
		snprintf(uri, sizeof uri, "/desk/admin/sla?org=%s", f.slug);
		get(f.a, uri, who[k]->cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		snprintf(fields, sizeof fields, "org=%s&priority=high&" GOOD_FORM, f.slug);
		post_as(f.a, "/desk/admin/sla", who[k], fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	assert_owner("select count(*) from sla_policies where organization_id = $1::uuid", f.org, NULL, "0");

	/* Another organization: by slug, or its policy's id under ours. */
	snprintf(uri, sizeof uri, "/desk/admin/sla?org=%s", f.other_slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/sla/%s?org=%s", theirs, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/sla/%s", theirs);
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM, f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/sla/%s/delete", theirs);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s", f.other_slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select display_name || first_response_minutes from sla_policies where id = $1::uuid", theirs, NULL,
	    "Theirs60");
	get(f.a, "/desk/admin/sla/not-a-uuid", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	/* A foreign token: 403, nothing made. */
	snprintf(fields, sizeof fields, "_csrf=%s&org=%s&priority=high&" GOOD_FORM, ag.csrf, f.slug);
	post_form(f.a, "/desk/admin/sla", f.adm.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner("select count(*) from sla_policies where organization_id = $1::uuid", f.org, NULL, "0");

	/* The admin sees every priority, none of its own yet. */
	snprintf(uri, sizeof uri, "/desk/admin/sla?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "None of its own: the platform's default applies (Urgent)");
	assert_has(&r, "<option value=\"high\">High</option>");
	assert_lacks(&r, "Theirs");
	harness_response_free(&r);
	free(theirs);
	free(customer);
	free(cust.cookie);
	free(ag.cookie);
	teardown(&f);
}
END_TEST

/* ---- bad input ---- */

START_TEST(sla_validates)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[2048];
	snprintf(fields, sizeof fields,
	    "org=%s&priority=high&display_name=&first_response_minutes=abc&resolution_minutes=600"
	    "&warning_percent=100&escalate_to_role=root&time_zone=Mars%%2FBase&color=red&use_business_hours=1"
	    "&start_monday=17%%3A00&end_monday=09%%3A00&start_tuesday=9am&end_tuesday=17%%3A00"
	    "&start_wednesday=08%%3A00&end_wednesday=24%%3A00"
	    "&closed_thursday=1&closed_friday=1&closed_saturday=1&closed_sunday=1"
	    "&holidays=2026-12-25%%0A2026-02-30",
	    f.slug);
	post_as(f.a, "/desk/admin/sla", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Please check the form");
	assert_has(&r, "Enter a name for the policy");
	assert_has(&r, "id=\"f-first_response_minutes-error\"");
	assert_has(&r, "The first response time must be a whole number from 1 to 43200.");
	assert_has(&r, "The warning threshold must be a whole number from 1 to 99.");
	assert_has(&r, "Choose who is told of a warning or a breach.");
	assert_has(&r, "This is not a time zone PostgreSQL knows.");
	assert_has(&r, "The colour must be # and six hexadecimal digits");
	assert_has(&r, "id=\"f-end_monday-error\"");
	assert_has(&r, "Monday: the closing time must be after the opening time (17:00).");
	assert_has(&r, "id=\"f-start_tuesday-error\"");
	assert_has(&r, "Tuesday: the opening time must be HH:MM");
	assert_lacks(&r, "f-end_wednesday-error"); /* 24:00 closes at midnight */
	assert_has(&r, "“2026-02-30” is not a date.");
	/* What was typed stays. */
	assert_has(&r, "value=\"Mars/Base\"");
	assert_has(&r, "value=\"abc\"");
	assert_has(&r, "value=\"9am\"");
	assert_has(&r, "2026-12-25\n2026-02-30</textarea>");
	assert_has(&r, "<option value=\"high\" selected>High</option>");
	assert_has(&r, "id=\"f-closed_thursday\" name=\"closed_thursday\" value=\"1\" checked");
	harness_response_free(&r);

	/* Resolution shorter than first response; every day closed with business hours. */
	snprintf(fields, sizeof fields,
	    "org=%s&priority=low&display_name=Low&first_response_minutes=600&resolution_minutes=60&warning_percent=75"
	    "&escalate_to_role=&time_zone=UTC&use_business_hours=1&closed_monday=1&closed_tuesday=1&closed_wednesday=1"
	    "&closed_thursday=1&closed_friday=1&closed_saturday=1&closed_sunday=1",
	    f.slug);
	post_as(f.a, "/desk/admin/sla", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "The resolution time cannot be shorter than the first response time.");
	assert_has(&r, "Counting business hours needs at least one open day");
	harness_response_free(&r);

	/* The platform's roles are not an organization's to page. */
	snprintf(fields, sizeof fields,
	    "org=%s&priority=high&display_name=Paging&first_response_minutes=30&resolution_minutes=600&warning_percent=80"
	    "&escalate_to_role=platform_admin&time_zone=UTC&closed_monday=1&closed_tuesday=1&closed_wednesday=1"
	    "&closed_thursday=1&closed_friday=1&closed_saturday=1&closed_sunday=1",
	    f.slug);
	post_as(f.a, "/desk/admin/sla", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose who is told of a warning or a breach.");
	assert_lacks(&r, "value=\"platform_admin\"");
	harness_response_free(&r);

	/* A priority that is not one. */
	snprintf(fields, sizeof fields, "org=%s&priority=critical&" GOOD_FORM, f.slug);
	post_as(f.a, "/desk/admin/sla", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose the priority the policy is for.");
	harness_response_free(&r);
	assert_owner("select count(*) from sla_policies where organization_id = $1::uuid", f.org, NULL, "0");
	teardown(&f);
}
END_TEST

/* ---- saving recomputes, quietly ---- */

START_TEST(sla_save_recomputes_open_tickets)
{
	fixture f;
	setup(&f);
	browser ag;
	sign_in(f.a, f.agent, &ag);
	char *customer = new_user("sla-requester", NULL, 0);
	char *open = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                    "description, priority) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Slow printer', "
	                    "'Please', 'high') returning id", customer, f.org, NULL);
	char *done = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                    "description, priority, status) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Fixed', "
	                    "'Thanks', 'high', 'resolved') returning id", customer, f.org, NULL);
	ck_assert_ptr_nonnull(open);
	ck_assert_ptr_nonnull(done);
	char *number = owner3("select number from tickets where id = $1::uuid", open, NULL, NULL);
	char *version = owner3("select version from tickets where id = $1::uuid", open, NULL, NULL);
	char *activity = owner3("select last_activity_at::text || updated_at::text from tickets where id = $1::uuid", open,
	    NULL, NULL);
	char *done_due = owner3("select sla_resolution_due::text from tickets where id = $1::uuid", done, NULL, NULL);

	harness_response r;
	char fields[2048], uri[256], want[256];
	snprintf(fields, sizeof fields, "org=%s&priority=high&raise_priority=1&" GOOD_FORM, f.slug);
	post_as(f.a, "/desk/admin/sla", &f.adm, fields, &r);
	char *id = location_id(&r, "/desk/admin/sla/");
	harness_response_free(&r);

	/* 24/7 ("use_business_hours" not posted): created_at + the minutes. */
	assert_owner("select (sla_resolution_due = created_at + interval '600 minutes' "
	             "and sla_first_response_due = created_at + interval '30 minutes' and sla_policy_id = $2::uuid)::text "
	             "from tickets where id = $1::uuid", open, id, "true");
	assert_owner("select version::text from tickets where id = $1::uuid", open, NULL, version);
	assert_owner("select last_activity_at::text || updated_at::text from tickets where id = $1::uuid", open, NULL,
	    activity);
	assert_owner("select sla_resolution_due::text from tickets where id = $1::uuid", done, NULL, done_due);
	assert_owner("select count(*) from config_audit where entity = 'sla_policy' and entity_id = $1 and actor_id = $2::uuid",
	    id, f.admin, "1");

	snprintf(uri, sizeof uri, "/desk/admin/sla/%s?org=%s&done=created", id, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The policy is created");
	assert_has(&r, "value=\"Fast high\"");
	assert_has(&r, "value=\"Europe/Paris\"");
	assert_has(&r, "<option value=\"admin\" selected>");
	assert_has(&r, "It measures 1 open tickets.");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/sla?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_has(&r, ">Fast high</a>");
	assert_has(&r, "600 min (10 h)");
	assert_lacks(&r, "<option value=\"high\">");
	harness_response_free(&r);

	/* An edit: new targets, business hours and holidays (sorted, once each). */
	snprintf(uri, sizeof uri, "/desk/admin/sla/%s", id);
	snprintf(fields, sizeof fields,
	    "org=%s&display_name=Fast+high&first_response_minutes=45&resolution_minutes=900&warning_percent=80"
	    "&escalate_to_role=agent&time_zone=UTC&color=%%23F59E0B&active=1"
	    "&start_monday=08%%3A30&end_monday=24%%3A00&closed_tuesday=1&closed_wednesday=1&closed_thursday=1"
	    "&closed_friday=1&closed_saturday=1&closed_sunday=1"
	    "&holidays=2027-01-01%%0D%%0A2026-12-25%%0D%%0A%%0D%%0A2027-01-01",
	    f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/sla/%s?org=%s&done=saved", id, f.slug);
	assert_status(&r, 303);
	char *loc = harness_header(&r, "Location");
	ck_assert_str_eq(loc, want);
	free(loc);
	harness_response_free(&r);
	assert_owner("select (sla_resolution_due = created_at + interval '900 minutes')::text from tickets where id = $1::uuid",
	    open, NULL, "true");
	assert_owner("select version::text from tickets where id = $1::uuid", open, NULL, version);
	assert_owner("select holidays::text from sla_policies where id = $1::uuid", id, NULL, "{2026-12-25,2027-01-01}");
	assert_owner("select business_hours::text from sla_policies where id = $1::uuid", id, NULL,
	    "{\"monday\": {\"end\": \"24:00\", \"start\": \"08:30\"}}");

	/* The agent's draft loaded at the old version still goes through. */
	snprintf(uri, sizeof uri, "/desk/tickets/%s/reply", number);
	snprintf(fields, sizeof fields, "body=On+it&version=%s", version);
	post_as(f.a, uri, &ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/tickets/%s", number);
	get(f.a, uri, ag.cookie, &r);
	assert_status(&r, 200);
	harness_response_free(&r);

	/* Removal: a closed ticket was measured by it, so it is deactivated;
	 * the open one moves to the default. */
	char *second = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                      "description, priority, status) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Closed', "
	                      "'Thanks', 'high', 'closed') returning id", customer, f.org, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/sla/%s/delete", id);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/sla/%s?org=%s&done=deactivated", id, f.slug);
	assert_status(&r, 303);
	loc = harness_header(&r, "Location");
	ck_assert_str_eq(loc, want);
	free(loc);
	harness_response_free(&r);
	assert_owner("select is_active::text from sla_policies where id = $1::uuid", id, NULL, "false");
	assert_owner("select (p.organization_id is null)::text from tickets t join sla_policies p on p.id = t.sla_policy_id "
	             "where t.id = $1::uuid", open, NULL, "true");
	get(f.a, want, f.adm.cookie, &r);
	assert_has(&r, "so it is deactivated instead of deleted");
	assert_has(&r, "(deactivated)");
	harness_response_free(&r);
	/* Creating another for the same priority: refused by the field. */
	snprintf(fields, sizeof fields, "org=%s&priority=high&" GOOD_FORM, f.slug);
	post_as(f.a, "/desk/admin/sla", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "The organization has a policy for this priority already");
	harness_response_free(&r);

	/* One nobody was measured by is deleted. */
	snprintf(fields, sizeof fields, "org=%s&priority=low&" GOOD_FORM, f.slug);
	post_as(f.a, "/desk/admin/sla", &f.adm, fields, &r);
	char *low = location_id(&r, "/desk/admin/sla/");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/sla/%s/delete", low);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/sla?org=%s&done=deleted", f.slug);
	loc = harness_header(&r, "Location");
	ck_assert_str_eq(loc, want);
	free(loc);
	harness_response_free(&r);
	assert_owner("select count(*) from sla_policies where id = $1::uuid", low, NULL, "0");

	free(low);
	free(second);
	free(id);
	free(open);
	free(done);
	free(number);
	free(version);
	free(activity);
	free(done_due);
	free(customer);
	free(ag.cookie);
	teardown(&f);
}
END_TEST

/* ---- SLA events are not sent again ---- */

static void run_sla_jobs(void)
{
	/* As the owner, no acting user: what the scheduler's job calls. */
	free(owner3("select sum(e) from (select (sla_escalate_batch('first_response', null, null, 1000)).events e "
	            "union all select (sla_escalate_batch('resolution', null, null, 1000)).events) x", NULL, NULL, NULL));
}

START_TEST(sla_events_are_not_sent_again)
{
	fixture f;
	setup(&f);
	char *policy = owner_policy(f.org, "high"); /* 60 / 600 minutes, around the clock */
	char *customer = new_user("sla-events", NULL, 0);
	char *t = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                 "description, priority, created_at) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Late', "
	                 "'x', 'high', now() - interval '2 hours') returning id", customer, f.org, NULL);
	ck_assert_ptr_nonnull(t);
	run_sla_jobs();
	/* First response 60 min: warned and breached; resolution 600: not yet. */
	const char *events_sql = "select string_agg(kind, ',' order by kind) from sla_events where ticket_id = $1::uuid";
	const char *messages_sql = "select count(*) from ticket_messages where ticket_id = $1::uuid and message_type = 'escalation'";
	assert_owner(events_sql, t, NULL, "first_response_breach,first_response_warning");
	assert_owner(messages_sql, t, NULL, "2");

	/* Shorter still: breached anyway, nothing new. Longer: no longer due,
	 * nothing taken back or sent. */
	harness_response r;
	char uri[256], fields[2048];
	snprintf(uri, sizeof uri, "/desk/admin/sla/%s", policy);
	const long targets[][2] = { { 30, 600 }, { 300, 600 } };
	for (int i = 0; i < 2; i++) {
		snprintf(fields, sizeof fields,
		    "org=%s&display_name=Theirs&first_response_minutes=%ld&resolution_minutes=%ld&warning_percent=75"
		    "&escalate_to_role=agent&time_zone=UTC&active=1&closed_monday=1&closed_tuesday=1&closed_wednesday=1"
		    "&closed_thursday=1&closed_friday=1&closed_saturday=1&closed_sunday=1",
		    f.slug, targets[i][0], targets[i][1]);
		post_as(f.a, uri, &f.adm, fields, &r);
		assert_status(&r, 303);
		harness_response_free(&r);
		run_sla_jobs();
		assert_owner(events_sql, t, NULL, "first_response_breach,first_response_warning");
		assert_owner(messages_sql, t, NULL, "2");
	}
	assert_owner("select (sla_first_response_due = created_at + interval '300 minutes')::text from tickets where id = $1::uuid",
	    t, NULL, "true");

	/* A resolution moved into the past fires its own events, once. */
	snprintf(fields, sizeof fields,
	    "org=%s&display_name=Theirs&first_response_minutes=30&resolution_minutes=60&warning_percent=75"
	    "&escalate_to_role=agent&time_zone=UTC&active=1&closed_monday=1&closed_tuesday=1&closed_wednesday=1"
	    "&closed_thursday=1&closed_friday=1&closed_saturday=1&closed_sunday=1",
	    f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	run_sla_jobs();
	run_sla_jobs();
	assert_owner(events_sql, t, NULL,
	    "first_response_breach,first_response_warning,resolution_breach,resolution_warning");
	assert_owner(messages_sql, t, NULL, "4");
	free(t);
	free(customer);
	free(policy);
	teardown(&f);
}
END_TEST

Suite *admin_sla_suite(void)
{
	Suite *s = suite_create("admin_sla");
	TCase *tc = tcase_create("sla");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sla_access);
	tcase_add_test(tc, sla_validates);
	tcase_add_test(tc, sla_save_recomputes_open_tickets);
	tcase_add_test(tc, sla_events_are_not_sent_again);
	suite_add_tcase(s, tc);
	return s;
}
