/* test_templates.c: ticket templates and recurring tickets through the
 * in-process harness against the real PostgreSQL and Redis. The admin
 * page (/desk/admin/templates): who gets in (visitors to /login, customers
 * and agents 404, another organization's template 404 and unchanged), CSRF
 * (403, nothing made), every bad input (422, the message by its field,
 * what was typed kept; a custom field checked as the desk checks it),
 * create, edit, deactivate, run now and delete. The desk (/desk/templates):
 * the user's organizations' active templates only, a ticket from one (303
 * to it, source 'template', the activity naming it), 404 for anyone
 * else's. The scheduler's job: two at once make one ticket per slot.
 * Each test makes its own organizations and users. Registered from
 * test_integration.c's main() as the suite "templates". */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "db/tx.h"
#include "integration/istaff.h"
#include "integration/itest.h"
#include "sched/jobs.h"

typedef staff_orgs fixture;

static void setup(fixture *f)
{
	staff_orgs_setup(f, "tpl");
}

static void teardown(fixture *f)
{
	staff_orgs_teardown(f);
}

/* A template of org (as the owner): its id. */
static char *owner_template(const char *org, const char *requester, const char *name)
{
	char *id = owner3("insert into ticket_templates (organization_id, name, title, description, requester_id) "
	                  "values ($1::uuid, $3, 'Their title', 'Their description', $2::uuid) returning id",
	    org, requester, name);
	ck_assert_ptr_nonnull(id);
	return id;
}

static char *location_id(const harness_response *r, const char *prefix)
{
	assert_status(r, 303);
	char *l = harness_header(r, "Location");
	ck_assert_msg(l && strncmp(l, prefix, strlen(prefix)) == 0, "Location \"%s\", want %s...", l ? l : "", prefix);
	char *id = strndup(l + strlen(prefix), 36);
	free(l);
	return id;
}

#define GOOD_FORM \
	"name=Weekly+backup+check&title=Check+the+backups&description=Look+at+last+night%%27s+run.&priority=high" \
	"&schedule=weekly&day_1=1&day_4=1&run_time=09%%3A00&time_zone=Europe%%2FParis&active=1"

/* ---- who gets in ---- */

START_TEST(templates_access)
{
	fixture f;
	setup(&f);
	harness_response r;
	get(f.a, "/desk/admin/templates", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	get(f.a, "/desk/templates", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);

	char *theirs = owner_template(f.other, f.other_admin, "Theirs");
	char *customer = new_user("tpl-customer", NULL, 0);
	browser cust, ag;
	sign_in(f.a, customer, &cust);
	sign_in(f.a, f.agent, &ag);
	char uri[256], fields[1024];
	const browser *who[2] = { &cust, &ag };
	for (int k = 0; k < 2; k++) {
		snprintf(uri, sizeof uri, "/desk/admin/templates?org=%s", f.slug);
		get(f.a, uri, who[k]->cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM, f.slug);
		post_as(f.a, "/desk/admin/templates", who[k], fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	assert_owner("select count(*) from ticket_templates where organization_id = $1::uuid", f.org, NULL, "0");
	/* A customer has no desk. */
	get(f.a, "/desk/templates", cust.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	/* Another organization's: by slug, or its template's id under ours. */
	snprintf(uri, sizeof uri, "/desk/admin/templates?org=%s", f.other_slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/templates/%s?org=%s", theirs, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	static const char *const actions[] = { "", "/active", "/delete", "/run" };
	for (int k = 0; k < 4; k++) {
		snprintf(uri, sizeof uri, "/desk/admin/templates/%s%s", theirs, actions[k]);
		snprintf(fields, sizeof fields, "org=%s&active=0&" GOOD_FORM, f.slug);
		post_as(f.a, uri, &f.adm, fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		snprintf(fields, sizeof fields, "org=%s&active=0&" GOOD_FORM, f.other_slug);
		post_as(f.a, uri, &f.adm, fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	assert_owner("select name || title || is_active from ticket_templates where id = $1::uuid", theirs, NULL,
	    "TheirsTheir titletrue");
	assert_owner("select count(*) from tickets where channel_metadata->>'template_id' = $1", theirs, NULL, "0");
	get(f.a, "/desk/admin/templates/not-a-uuid", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	/* A foreign token: 403, nothing made. */
	snprintf(fields, sizeof fields, "_csrf=%s&org=%s&" GOOD_FORM, ag.csrf, f.slug);
	post_form(f.a, "/desk/admin/templates", f.adm.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner("select count(*) from ticket_templates where organization_id = $1::uuid", f.org, NULL, "0");

	/* The admin's page: empty, with the form, in the navigation. */
	snprintf(uri, sizeof uri, "/desk/admin/templates?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "There are no ticket templates");
	assert_has(&r, "Ticket templates</a>");
	assert_has(&r, "name=\"schedule\" value=\"weekly\"");
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

START_TEST(templates_validate)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[2048];
	snprintf(fields, sizeof fields,
	    "org=%s&name=&title=&description=&priority=extreme&schedule=weekly&run_time=9am&time_zone=Mars%%2FBase"
	    "&requester=not-an-address",
	    f.slug);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Please check the form");
	assert_has(&r, "Enter a name for the template");
	assert_has(&r, "Enter the title the tickets get.");
	assert_has(&r, "Enter the description the tickets get.");
	assert_has(&r, "Choose one of the priorities listed.");
	assert_has(&r, "Tick at least one day of the week");
	assert_has(&r, "Enter the time as HH:MM");
	assert_has(&r, "This is not a time zone PostgreSQL knows.");
	assert_has(&r, "Enter an email address like name@example.com");
	assert_has(&r, "value=\"Mars/Base\"");
	assert_has(&r, "value=\"9am\"");
	harness_response_free(&r);

	snprintf(fields, sizeof fields,
	    "org=%s&name=Monthly&title=t&description=d&priority=normal&schedule=monthly&month_day=32&run_time=25%%3A00"
	    "&time_zone=UTC",
	    f.slug);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a day of the month from 1 to 31");
	assert_has(&r, "Enter the time as HH:MM");
	harness_response_free(&r);

	/* Another organization's team, type or member: refused by its field. */
	char *their_team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Their team') returning id",
	    f.other, NULL, NULL);
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM "&team=%s", f.slug, their_team);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "s active teams.");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM "&assignee=%s", f.slug, f.other_admin);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "s active members.");
	harness_response_free(&r);
	/* Staff-only types: the public form (and the browser suite's keyboard
	 * walk through its menu) never lists them. */
	char *their_type = owner3("insert into request_types (organization_id, name, default_routing, allowed_roles) "
	                          "values ($1::uuid, 'Their type', 'organization', '{agent,admin}') returning id", f.other,
	    NULL, NULL);
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM "&request_type=%s", f.slug, their_type);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose one of the request types listed.");
	harness_response_free(&r);

	/* A custom field of the type: checked as the desk checks it. */
	char *type = owner3("insert into request_types (organization_id, name, default_routing, allowed_roles) "
	                    "values ($1::uuid, 'Checks', 'organization', '{agent,admin}') returning id", f.org, NULL, NULL);
	char key[64];
	snprintf(key, sizeof key, "site_%d", (int)getpid());
	char *field = owner3("insert into field_definitions (organization_id, field_key, label, field_type, options) "
	                     "values ($1::uuid, $2, 'Site', 'dropdown_static', "
	                     "'[{\"value\": \"paris\", \"label\": \"Paris\"}, {\"value\": \"lyon\", \"label\": \"Lyon\"}]') "
	                     "returning id", f.org, key, NULL);
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM "&request_type=%s&cf_%s=rome", f.slug, type, key);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Site: Please choose one of the options.");
	harness_response_free(&r);
	assert_owner("select count(*) from ticket_templates where organization_id = $1::uuid", f.org, NULL, "0");

	/* Saved with a good value; then the same name again is refused. */
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM "&request_type=%s&cf_%s=lyon", f.slug, type, key);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	char *id = location_id(&r, "/desk/admin/templates/");
	harness_response_free(&r);
	assert_owner("select custom_fields->>$2 from ticket_templates where id = $1::uuid", id, key, "lyon");
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM, f.slug);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another template of the organization has this name.");
	harness_response_free(&r);
	/* Its page shows the type's field with the value chosen. */
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/admin/templates/%s?org=%s", id, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<option value=\"lyon\" selected>Lyon</option>");
	harness_response_free(&r);
	free(id);
	free(their_team);
	free(their_type);
	free(type);
	free(field);
	teardown(&f);
}
END_TEST

/* ---- create, edit, deactivate, run now, delete ---- */

START_TEST(templates_lifecycle)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[2048], uri[256];
	char *team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Ops') returning id", f.org, NULL, NULL);
	char req_email[128];
	char *cust = new_user("tpl-req", req_email, sizeof req_email);
	snprintf(fields, sizeof fields, "org=%s&" GOOD_FORM "&team=%s&assignee=%s&requester=%s", f.slug, team, f.agent,
	    req_email);
	post_as(f.a, "/desk/admin/templates", &f.adm, fields, &r);
	char *id = location_id(&r, "/desk/admin/templates/");
	harness_response_free(&r);
	assert_owner("select requester_id::text from ticket_templates where id = $1::uuid", id, NULL, cust);
	assert_owner("select (next_run_at > now() and extract(isodow from next_run_at at time zone 'Europe/Paris') in (1, 4))::text "
	             "from ticket_templates where id = $1::uuid", id, NULL, "true");
	assert_owner("select count(*) from config_audit where entity = 'ticket_template' and entity_id = $1 and action = 'insert'",
	    id, NULL, "1");

	/* The list: its schedule and next run. */
	snprintf(uri, sizeof uri, "/desk/admin/templates?org=%s&done=created", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Weekly backup check</a>");
	assert_has(&r, "Every week on Monday, Thursday at 09:00 (Europe/Paris)");
	assert_has(&r, "Team Ops");
	harness_response_free(&r);

	/* Edit: monthly on the 31st; an address nobody has becomes a customer. */
	snprintf(uri, sizeof uri, "/desk/admin/templates/%s", id);
	snprintf(fields, sizeof fields,
	    "org=%s&name=Month+end&title=Close+the+month&description=Books.&priority=normal&schedule=monthly&month_day=31"
	    "&run_time=18%%3A30&time_zone=UTC&active=1&requester=new-%d@example.com",
	    f.slug, (int)getpid());
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	char want_email[64];
	snprintf(want_email, sizeof want_email, "new-%d@example.com", (int)getpid());
	assert_owner("select u.email::text from ticket_templates t join users u on u.id = t.requester_id where t.id = $1::uuid",
	    id, NULL, want_email);
	assert_owner("select (to_char(next_run_at at time zone 'UTC', 'HH24:MI') = '18:30' and "
	             "(next_run_at at time zone 'UTC')::date = (date_trunc('month', next_run_at at time zone 'UTC') "
	             "+ interval '1 month - 1 day')::date)::text from ticket_templates where id = $1::uuid",
	    id, NULL, "true");
	snprintf(uri, sizeof uri, "/desk/admin/templates/%s?org=%s&done=saved", id, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The template is saved.");
	assert_has(&r, "Every month on day 31 at 18:30 (UTC)");
	harness_response_free(&r);

	/* Deactivate: no next run, not offered in the desk; then back. */
	snprintf(uri, sizeof uri, "/desk/admin/templates/%s/active", id);
	snprintf(fields, sizeof fields, "org=%s&active=0", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select (next_run_at is null and not is_active)::text from ticket_templates where id = $1::uuid", id,
	    NULL, "true");
	snprintf(fields, sizeof fields, "org=%s&active=maybe", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&active=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select (next_run_at is not null and is_active)::text from ticket_templates where id = $1::uuid", id,
	    NULL, "true");

	/* Run now: a ticket at once, and its page. */
	snprintf(uri, sizeof uri, "/desk/admin/templates/%s/run", id);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	char *loc = harness_header(&r, "Location");
	harness_response_free(&r);
	ck_assert_ptr_nonnull(loc);
	ck_assert_msg(strncmp(loc, "/desk/tickets/", 14) == 0, "Location %s", loc);
	char want[256];
	snprintf(want, sizeof want, "template|Close the month|%s", f.org);
	assert_owner("select source || '|' || title || '|' || assigned_org_id from tickets where number = $1", loc + 14, NULL,
	    want);
	free(loc);

	/* Delete. */
	snprintf(uri, sizeof uri, "/desk/admin/templates/%s/delete", id);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select count(*) from ticket_templates where id = $1::uuid", id, NULL, "0");
	assert_owner("select count(*) from config_audit where entity = 'ticket_template' and entity_id = $1 and action = 'delete'",
	    id, NULL, "1");
	free(id);
	free(team);
	free(cust);
	teardown(&f);
}
END_TEST

/* ---- new from template in the desk ---- */

START_TEST(templates_desk_use)
{
	fixture f;
	setup(&f);
	harness_response r;
	char *ours = owner_template(f.org, f.admin, "Ours");
	char *off = owner_template(f.org, f.admin, "Switched off");
	free(owner3("with u as (update ticket_templates set is_active = false where id = $1::uuid returning 1) "
	            "select count(*) from u", off, NULL, NULL));
	char *theirs = owner_template(f.other, f.other_admin, "Theirs");
	browser ag;
	sign_in(f.a, f.agent, &ag);

	get(f.a, "/desk", ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "href=\"/desk/templates\"");
	harness_response_free(&r);
	get(f.a, "/desk/templates", ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, ">Ours</span>");
	assert_lacks(&r, "Switched off");
	assert_lacks(&r, "Theirs");
	harness_response_free(&r);
	get(f.a, "/desk/templates?after=bogus", ag.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);

	char uri[256];
	/* Another organization's, an inactive one, not a uuid: 404, no ticket. */
	const char *refused[3] = { theirs, off, "not-a-uuid" };
	for (int k = 0; k < 3; k++) {
		snprintf(uri, sizeof uri, "/desk/templates/%s/use", refused[k]);
		post_as(f.a, uri, &ag, "", &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	assert_owner("select count(*) from tickets where channel_metadata->>'template_id' in ($1, $2)", theirs, off, "0");
	/* Without the token: 403, no ticket. */
	snprintf(uri, sizeof uri, "/desk/templates/%s/use", ours);
	post_form(f.a, uri, ag.cookie, "", &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner("select count(*) from tickets where channel_metadata->>'template_id' = $1", ours, NULL, "0");

	post_as(f.a, uri, &ag, "", &r);
	assert_status(&r, 303);
	char *loc = harness_header(&r, "Location");
	harness_response_free(&r);
	ck_assert_ptr_nonnull(loc);
	ck_assert_msg(strncmp(loc, "/desk/tickets/", 14) == 0, "Location %s", loc);
	char want[256];
	snprintf(want, sizeof want, "template|Their title|%s|%s", f.org, f.admin);
	assert_owner("select source || '|' || title || '|' || assigned_org_id || '|' || requester_id from tickets "
	             "where number = $1", loc + 14, NULL, want);
	assert_owner("select a.new_value from ticket_activity a join tickets t on t.id = a.ticket_id "
	             "where t.number = $1 and a.activity_type = 'from_template'", loc + 14, NULL, "Ours");
	get(f.a, loc, ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Their title");
	harness_response_free(&r);
	free(loc);

	/* The other organization's admin cannot use ours. */
	browser oth;
	sign_in(f.a, f.other_admin, &oth);
	post_as(f.a, uri, &oth, "", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select count(*) from tickets where channel_metadata->>'template_id' = $1", ours, NULL, "1");
	free(oth.cookie);
	free(ag.cookie);
	free(ours);
	free(off);
	free(theirs);
	teardown(&f);
}
END_TEST

/* ---- the job with two schedulers ---- */

typedef struct {
	pthread_barrier_t *start;
	enum sched_outcome outcome;
	long long created;
} tpl_runner;

static void *tpl_run(void *arg)
{
	tpl_runner *s = arg;
	db *conn = db_new(getenv("APP_DATABASE_URL"), 5, 60000, "supportdesk-test-scheduler");
	arena *mem = arena_new(4096);
	db_ensure(conn);
	pthread_barrier_wait(s->start);
	db_tx tx;
	db_tx_init(&tx, conn, mem, NULL, "test-templates", NULL);
	s->outcome = sched_job_templates(&tx, 0, 1000, &s->created);
	if (s->outcome == SCHED_RAN && db_tx_commit(&tx) != DB_OK)
		s->outcome = SCHED_FAILED;
	else if (s->outcome != SCHED_RAN)
		db_tx_rollback(&tx);
	arena_free(mem);
	db_free(conn);
	return NULL;
}

START_TEST(templates_job_once_with_two_schedulers)
{
	fixture f;
	setup(&f);
	/* Five weekly templates whose slot (today, a minute ago, UTC) has just
	 * passed, as if the scheduler had been running. */
	char *ids[5];
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "Weekly %d", i);
		ids[i] = owner3("insert into ticket_templates (organization_id, name, title, description, requester_id, schedule, "
		                "weekdays, run_time, time_zone) values ($1::uuid, $3, 'Weekly', 'd', $2::uuid, 'weekly', "
		                "array[extract(isodow from (now() at time zone 'UTC') - interval '1 minute')::smallint], "
		                "((now() at time zone 'UTC') - interval '1 minute')::time, 'UTC') returning id",
		    f.org, f.admin, name);
		ck_assert_ptr_nonnull(ids[i]);
		free(owner3("with u as (update ticket_templates set next_run_at = ticket_template_latest_at(schedule, weekdays, "
		            "month_day, run_time, time_zone, now()) where id = $1::uuid returning 1) select count(*) from u",
		    ids[i], NULL, NULL));
	}
	for (int round = 0; round < 3; round++) {
		pthread_barrier_t start;
		pthread_barrier_init(&start, NULL, 2);
		tpl_runner r[2] = { { &start, 0, 0 }, { &start, 0, 0 } };
		pthread_t th[2];
		for (int i = 0; i < 2; i++)
			ck_assert_int_eq(pthread_create(&th[i], NULL, tpl_run, &r[i]), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);
		for (int i = 0; i < 2; i++)
			ck_assert_msg(r[i].outcome != SCHED_FAILED, "scheduler %d failed in round %d", i, round);
	}
	for (int i = 0; i < 5; i++) {
		assert_owner("select count(*) from tickets where channel_metadata->>'template_id' = $1 and source = 'recurring'",
		    ids[i], NULL, "1");
		assert_owner("select count(*) from ticket_template_runs where template_id = $1::uuid", ids[i], NULL, "1");
		assert_owner("select (next_run_at > now())::text from ticket_templates where id = $1::uuid", ids[i], NULL, "true");
		free(ids[i]);
	}
	teardown(&f);
}
END_TEST

Suite *templates_suite(void)
{
	Suite *s = suite_create("templates");
	TCase *tc = tcase_create("templates");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, templates_access);
	tcase_add_test(tc, templates_validate);
	tcase_add_test(tc, templates_lifecycle);
	tcase_add_test(tc, templates_desk_use);
	tcase_add_test(tc, templates_job_once_with_two_schedulers);
	suite_add_tcase(s, tc);
	return s;
}
