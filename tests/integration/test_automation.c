/* test_automation.c: triggers (/desk/admin/triggers), time rules
 * (/desk/admin/rules) and macros (/desk/admin/macros, the workspace's
 * preview and apply, the queue's bulk action) through the in-process
 * harness against the real PostgreSQL: agents 404 on the admin pages,
 * another organization's rule 404 and unchanged, no CSRF 403, bad rows 422
 * with the message by their input, names resolved (a team by name), a
 * condition on a field that no longer exists reported on the list and the
 * edit page, "more" rows, reorder/deactivate/delete, a trigger acting on a
 * new ticket, a macro applied to one ticket and in bulk, another
 * organization's macro refused. Registered from test_integration.c's
 * main() as the suite "automation". */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration/istaff.h"
#include "integration/itest.h"

static void assert_ownerv(const char *want, const char *sql, ...)
{
	const char *p[4] = { NULL, NULL, NULL, NULL };
	va_list ap;
	va_start(ap, sql);
	for (int i = 0; i < 3; i++)
		if (!(p[i] = va_arg(ap, const char *)))
			break;
	va_end(ap);
	char *v = owner_queryv(sql, p[0], p[1], p[2], NULL);
	ck_assert_msg(v && strcmp(v, want) == 0, "%s: got \"%s\", want \"%s\"", sql, v ? v : "(null)", want);
	free(v);
}

typedef struct {
	staff_orgs s; /* and its agent signed in too (ag), a customer, org's team Billing */
	char cust_email[160];
	char *customer, *team;
	browser ag;
} fixture;

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	staff_orgs_setup(&f->s, "auto");
	f->customer = new_user("auto-cust", f->cust_email, sizeof f->cust_email);
	f->team = owner_queryv("insert into teams (organization_id, name) values ($1::uuid, 'Billing') returning id",
	    f->s.org, NULL);
	ck_assert_ptr_nonnull(f->team);
	sign_in(f->s.a, f->s.agent, &f->ag);
}

static void teardown(fixture *f)
{
	free(f->customer);
	free(f->team);
	free(f->ag.cookie);
	staff_orgs_teardown(&f->s);
}

/* A ticket of the customer that org works; its number (malloc'd). */
static char *new_ticket(const fixture *f, const char *org, const char *title)
{
	char *n = owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                       "description) values ($1::uuid, 'organization', $2::uuid, $2::uuid, $3, 'from the test') "
	                       "returning number", f->customer, org, title, NULL);
	ck_assert_ptr_nonnull(n);
	return n;
}

START_TEST(admin_pages_agents_404_foreign_404_csrf_403)
{
	fixture f;
	setup(&f);
	char *theirs = owner_queryv("insert into automation_triggers (organization_id, name, actions) values ($1::uuid, "
	                            "'Their trigger', '[{\"type\": \"priority\", \"value\": \"low\"}]') returning id",
	    f.s.other, NULL);
	harness_response r;
	const char *gets[] = { "/desk/admin/triggers", "/desk/admin/rules", "/desk/admin/macros" };
	for (int i = 0; i < 3; i++) {
		get(f.s.a, gets[i], f.ag.cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		get(f.s.a, gets[i], f.s.adm.cookie, &r);
		assert_status(&r, 200);
		assert_has(&r, "/desk/admin/triggers");   /* in the admin navigation */
		harness_response_free(&r);
	}
	char uri[256], fields[512];
	snprintf(uri, sizeof uri, "/desk/admin/triggers/%s?org=%s", theirs, f.s.slug);
	get(f.s.a, uri, f.s.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/triggers/%s?org=%s", theirs, f.s.other_slug);
	get(f.s.a, uri, f.s.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/triggers/%s", theirs);
	snprintf(fields, sizeof fields, "org=%s&name=Pwned&event_created=1&a0_type=priority&a0_value=urgent&active=1", f.s.slug);
	post_as(f.s.a, uri, &f.s.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	const char *ops[] = { "delete", "active", "move" };
	for (int i = 0; i < 3; i++) {
		snprintf(uri, sizeof uri, "/desk/admin/triggers/%s/%s", theirs, ops[i]);
		snprintf(fields, sizeof fields, "org=%s&active=0&dir=up", f.s.slug);
		post_as(f.s.a, uri, &f.s.adm, fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	assert_ownerv("Their trigger|true", "select name || '|' || is_active from automation_triggers where id = $1::uuid",
	    theirs, NULL);
	/* An agent's post, and a post without the token. */
	snprintf(fields, sizeof fields, "org=%s&name=Agent&event_created=1&a0_type=priority&a0_value=low&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/triggers", &f.ag, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	post_form(f.s.a, "/desk/admin/triggers", f.s.adm.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_ownerv("0", "select count(*) from automation_triggers where organization_id = $1::uuid", f.s.org, NULL);
	free(theirs);
	teardown(&f);
}
END_TEST

START_TEST(trigger_form_validation_and_engine)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024];
	/* Bad rows: a message by each input, the input kept, nothing saved. */
	snprintf(fields, sizeof fields, "org=%s&name=Bad&event_created=1&c0_field=colour&c0_op=is&c0_value=x"
	                                "&c1_field=status&c1_op=is&c1_value=sleeping&a0_type=priority&a0_value=extreme"
	                                "&a1_type=notify&a1_value=hi&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/triggers", &f.s.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose one of the fields listed.");
	assert_has(&r, "A status is one of");
	assert_has(&r, "Enter a priority");
	assert_has(&r, "Choose whom to notify.");
	assert_has(&r, "value=\"colour\"");
	harness_response_free(&r);
	/* No event, no action. */
	snprintf(fields, sizeof fields, "org=%s&name=Nothing&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/triggers", &f.s.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose when the trigger runs");
	assert_has(&r, "Choose at least one action.");
	harness_response_free(&r);
	/* A team that does not exist. */
	snprintf(fields, sizeof fields, "org=%s&name=Nowhere&event_created=1&a0_type=team&a0_value=Nowhere&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/triggers", &f.s.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Not found in the organization: Nowhere");
	harness_response_free(&r);
	/* More rows, without saving. */
	snprintf(fields, sizeof fields, "org=%s&name=Later&crows=4&arows=4&more=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/triggers", &f.s.adm, fields, &r);
	assert_status(&r, 200);
	assert_has(&r, "name=\"c6_field\"");
	assert_lacks(&r, "name=\"c7_field\"");
	harness_response_free(&r);
	assert_ownerv("0", "select count(*) from automation_triggers where organization_id = $1::uuid", f.s.org, NULL);

	/* The acceptance's trigger, the team by name. */
	snprintf(fields, sizeof fields, "org=%s&name=Invoices&event_created=1&match=all&c0_field=title&c0_op=contains"
	                                "&c0_value=invoice&a0_type=team&a0_value=billing&a1_type=add_tag&a1_value=billing"
	                                "&a2_type=priority&a2_value=high&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/triggers", &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	char *id = owner_queryv("select id from automation_triggers where organization_id = $1::uuid and name = 'Invoices'",
	    f.s.org, NULL);
	ck_assert_ptr_nonnull(id);
	assert_ownerv("1", "select count(*) from config_audit where entity = 'trigger' and entity_id = $1", id, NULL);
	char *n = new_ticket(&f, f.s.org, "Your INVOICE is wrong");
	assert_ownerv("Billing|{billing}|high",
	    "select tm.name || '|' || t.tags::text || '|' || t.priority from tickets t join teams tm on tm.id = t.team_id "
	    "where t.number = $1", n, NULL);
	assert_ownerv("Trigger: Invoices", "select a.description from ticket_activity a join tickets t on t.id = a.ticket_id "
	                                   "where t.number = $1 and a.activity_type = 'automation'", n, NULL);
	char *other = new_ticket(&f, f.s.other, "Their invoice");
	assert_ownerv("{}|normal", "select tags::text || '|' || priority from tickets where number = $1", other, NULL);

	/* The edit page shows the team by name; a condition on a field that
	 * no longer exists is reported on the list and the page. */
	free(owner_queryv("with u as (update automation_triggers set conditions = conditions || "
	             "'[{\"field\": \"cf:gone_field\", \"op\": \"is\", \"value\": \"x\"}]' where id = $1::uuid returning 1) "
	             "select 1 from u", id, NULL));
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/admin/triggers/%s?org=%s", id, f.s.slug);
	get(f.s.a, uri, f.s.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, ">Billing</textarea>");
	assert_has(&r, "custom field that no longer exists: gone_field");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/triggers?org=%s", f.s.slug);
	get(f.s.a, uri, f.s.adm.cookie, &r);
	assert_has(&r, "custom field that no longer exists: gone_field");
	harness_response_free(&r);

	/* Deactivated, it no longer acts; deleted, it is gone (audited). */
	snprintf(uri, sizeof uri, "/desk/admin/triggers/%s/active", id);
	snprintf(fields, sizeof fields, "org=%s&active=0", f.s.slug);
	post_as(f.s.a, uri, &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	char *n2 = new_ticket(&f, f.s.org, "Another invoice");
	assert_ownerv("{}", "select tags::text from tickets where number = $1", n2, NULL);
	snprintf(fields, sizeof fields, "org=%s&active=2", f.s.slug);
	post_as(f.s.a, uri, &f.s.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/triggers/%s/delete", id);
	snprintf(fields, sizeof fields, "org=%s", f.s.slug);
	post_as(f.s.a, uri, &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_ownerv("insert,update,update,delete", "select string_agg(action, ',' order by created_at) from config_audit "
	                                             "where entity = 'trigger' and entity_id = $1", id, NULL);
	free(id);
	free(n);
	free(n2);
	free(other);
	teardown(&f);
}
END_TEST

START_TEST(time_rules_form_and_order)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024], uri[256];
	snprintf(fields, sizeof fields, "org=%s&name=Remind&time_event=status_change&amount=72&unit=hours"
	                                "&c0_field=status&c0_op=is&c0_value=waiting_customer"
	                                "&a0_type=email_requester&a0_value=Still+there%%3F&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/rules", &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Close&time_event=status_change&amount=168&unit=hours"
	                                "&a0_type=status&a0_value=closed&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/rules", &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_ownerv("Remind:4320,Close:10080", "select string_agg(name || ':' || minutes, ',' order by position) "
	                                         "from automation_time_rules where organization_id = $1::uuid", f.s.org, NULL);
	snprintf(fields, sizeof fields, "org=%s&name=Bad&time_event=never&amount=-1&a0_type=status&a0_value=closed", f.s.slug);
	post_as(f.s.a, "/desk/admin/rules", &f.s.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose the event the time counts from.");
	harness_response_free(&r);
	char *close = owner_queryv("select id from automation_time_rules where organization_id = $1::uuid and name = 'Close'",
	    f.s.org, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/rules/%s/move", close);
	snprintf(fields, sizeof fields, "org=%s&dir=up", f.s.slug);
	post_as(f.s.a, uri, &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_ownerv("Close,Remind", "select string_agg(name, ',' order by position) from automation_time_rules "
	                              "where organization_id = $1::uuid", f.s.org, NULL);
	snprintf(fields, sizeof fields, "org=%s&dir=sideways", f.s.slug);
	post_as(f.s.a, uri, &f.s.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	/* The edit keeps minutes as typed. */
	snprintf(uri, sizeof uri, "/desk/admin/rules/%s", close);
	snprintf(fields, sizeof fields, "org=%s&name=Close+soon&time_event=created&amount=1&unit=minutes"
	                                "&a0_type=status&a0_value=closed&active=1", f.s.slug);
	post_as(f.s.a, uri, &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_ownerv("Close soon|created|1", "select name || '|' || time_event || '|' || minutes from automation_time_rules "
	                                      "where id = $1::uuid", close, NULL);
	free(close);
	teardown(&f);
}
END_TEST

START_TEST(macros_single_bulk_and_isolation)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024], uri[256];
	snprintf(fields, sizeof fields, "org=%s&name=Need+details&visibility=shared&a0_type=status&a0_value=waiting_customer"
	                                "&a1_type=add_tag&a1_value=asked&reply=Hello+%%7B%%7Brequester.name%%7D%%7D%%2C+"
	                                "about+%%7B%%7Bticket.number%%7D%%7D.&active=1", f.s.slug);
	post_as(f.s.a, "/desk/admin/macros", &f.s.adm, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	char *mac = owner_queryv("select id from macros where organization_id = $1::uuid", f.s.org, NULL);
	ck_assert_ptr_nonnull(mac);
	char *theirs = owner_queryv("insert into macros (organization_id, name, actions) values ($1::uuid, 'Theirs', "
	                            "'[{\"type\": \"status\", \"value\": \"closed\"}]') returning id", f.s.other, NULL);
	char *t1 = new_ticket(&f, f.s.org, "One"), *t2 = new_ticket(&f, f.s.org, "Two"), *t3 = new_ticket(&f, f.s.org, "Three");

	/* The workspace offers it; the preview says what it will do. */
	snprintf(uri, sizeof uri, "/desk/tickets/%s", t1);
	get(f.s.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Need details");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/tickets/%s/macro?macro=%s", t1, mac);
	get(f.s.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Set status: waiting_customer");
	assert_has(&r, "about ");
	assert_has(&r, t1);
	harness_response_free(&r);
	assert_ownerv("new", "select status from tickets where number = $1", t1, NULL);
	snprintf(uri, sizeof uri, "/desk/tickets/%s/macro?macro=%s", t1, theirs);
	get(f.s.a, uri, f.ag.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	/* Applied: the changes, the reply, the count. */
	snprintf(uri, sizeof uri, "/desk/tickets/%s/macro", t1);
	snprintf(fields, sizeof fields, "macro=%s", mac);
	post_as(f.s.a, uri, &f.ag, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_ownerv("waiting_customer|{asked}", "select status || '|' || tags::text from tickets where number = $1", t1, NULL);
	assert_ownerv("1", "select count(*) from ticket_messages m join tickets t on t.id = m.ticket_id where t.number = $1 "
	                   "and not m.is_internal and m.body like 'Hello % about ' || t.number || '.'", t1, NULL);
	/* Another organization's macro: 404, nothing changed; no token: 403. */
	snprintf(fields, sizeof fields, "macro=%s", theirs);
	post_as(f.s.a, uri, &f.ag, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "macro=%s", mac);
	post_form(f.s.a, uri, f.ag.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_ownerv("1", "select usage_count::text from macros where id = $1::uuid", mac, NULL);

	/* In bulk from the queue: two more tickets; their macro changes none. */
	snprintf(fields, sizeof fields, "ticket=%s&ticket=%s&action=macro&value=%s&return=/desk", t2, t3, mac);
	post_as(f.s.a, "/desk/bulk", &f.ag, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_ownerv("waiting_customer,waiting_customer", "select string_agg(status, ',') from tickets where number in ($1, $2)",
	    t2, t3, NULL);
	assert_ownerv("3", "select usage_count::text from macros where id = $1::uuid", mac, NULL);
	snprintf(fields, sizeof fields, "ticket=%s&action=macro&value=%s&return=/desk", t2, theirs);
	post_as(f.s.a, "/desk/bulk", &f.ag, fields, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_ownerv("waiting_customer", "select status from tickets where number = $1", t2, NULL);
	snprintf(fields, sizeof fields, "ticket=%s&action=macro&value=not-a-uuid", t2);
	post_as(f.s.a, "/desk/bulk", &f.ag, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	/* The queue offers it in the bulk bar. */
	get(f.s.a, "/desk?queue=open", f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<optgroup label=\"Macro\">");
	harness_response_free(&r);
	free(mac);
	free(theirs);
	free(t1);
	free(t2);
	free(t3);
	teardown(&f);
}
END_TEST

Suite *automation_suite(void)
{
	Suite *s = suite_create("automation");
	TCase *tc = tcase_create("automation");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, admin_pages_agents_404_foreign_404_csrf_403);
	tcase_add_test(tc, trigger_form_validation_and_engine);
	tcase_add_test(tc, time_rules_form_and_order);
	tcase_add_test(tc, macros_single_bulk_and_isolation);
	suite_add_tcase(s, tc);
	return s;
}
