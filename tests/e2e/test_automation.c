/* test_automation.c: automation end to end, through nginx: an org admin
 * (signed in with a password) creates from /desk/admin/triggers the trigger
 * "title contains 'invoice' → team Billing, tag billing, priority high"; a
 * visitor's request through /submit (verified from the emailed link)
 * arrives routed and tagged, and its activity log names the trigger. A time
 * rule "1 minute after creation, in waiting_customer: remind" made on
 * /desk/admin/rules fires once for a ticket filed two minutes ago, however
 * many times `supportdesk scheduler --once` runs. A macro made on
 * /desk/admin/macros is applied from the queue's bulk bar to three tickets.
 *
 * Registered from test_e2e.c's main() as the suite "automation_e2e". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "e2e/e2e_flow.h"
#include "e2e/e2e_staff.h"

Suite *automation_e2e_suite(void);

static const char *bin(void)
{
	return env_or("SUPPORTDESK_BIN", "build/supportdesk");
}

/* Signed in with E2E_PASSWORD, wherever the login sends them. */
static void sign_in(jar *j, const char *email)
{
	char loc[512];
	sign_in_password(j, email, loc, sizeof loc);
}

/* POST fields to path with the _csrf of the page at form_page. */
static resp post_from(const char *form_page, const char *path, jar *j, const char *fields)
{
	char *csrf = csrf_of(form_page, j);
	resp r = post_form(path, j, csrf, fields);
	free(csrf);
	return r;
}

static void scheduler_once(void)
{
	char cmd[2048];
	const char *app = getenv("APP_DATABASE_URL");
	snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' '%s' scheduler --once >/dev/null 2>&1", app ? app : "", bin());
	ck_assert_int_eq(run_sh(cmd), 0);
}

START_TEST(trigger_time_rule_and_bulk_macro)
{
	flush_ratelimits();
	char tag[96], slug[96], admin_email[160], page[256], fields[1024];
	char *org = org_create("auto", slug, sizeof slug);
	snprintf(tag, sizeof tag, "%s", slug);
	free(owner_sql("insert into teams (organization_id, name) values ($1, 'Billing') returning id", org, NULL, NULL));
	char type_name[160];
	snprintf(type_name, sizeof type_name, "Automation %s", tag);
	free(owner_sql("insert into request_types (organization_id, name, default_routing) values ($1, $2, 'organization') "
	               "returning id", org, type_name, NULL));
	char *admin = staff_account("auto-admin", org, "admin", admin_email, sizeof admin_email);
	jar boss = { 0 };
	sign_in(&boss, admin_email);

	/* The trigger, from the admin page. */
	snprintf(page, sizeof page, "/desk/admin/triggers?org=%s", slug);
	snprintf(fields, sizeof fields, "org=%s&name=Invoices+to+Billing&event_created=1&match=all&c0_field=title"
	                                "&c0_op=contains&c0_value=invoice&a0_type=team&a0_value=Billing&a1_type=add_tag"
	                                "&a1_value=billing&a2_type=priority&a2_value=high&active=1", slug);
	resp r = post_from(page, "/desk/admin/triggers", &boss, fields);
	ck_status(r, 303, "POST /desk/admin/triggers");
	resp_free(&r);

	/* A visitor's request through /submit, confirmed from the email. */
	char requester[160], title[128];
	snprintf(requester, sizeof requester, "%s-visitor@example.com", tag);
	snprintf(title, sizeof title, "Invoice %s is wrong", tag);
	sform f;
	form_fetch(&f, type_name);
	r = submit(&f, &(fill){ .email = requester, .title = title });
	ck_assert_msg(is_sent_page(&r), "POST /submit: %ld %.600s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	form_free(&f);
	char *verify = verify_path_for(requester, NULL);
	jar visitor = { 0 };
	dbuf body = csrf_form_of(verify, &visitor);
	r = http("POST", verify, &visitor, E2E_FORM, body.data, body.len);
	ck_status(r, 303, "POST /verify");
	resp_free(&r);
	dbuf_free(&body);
	free(verify);
	char *routed = owner_sql("select tm.name || '|' || t.tags::text || '|' || t.priority from tickets t "
	                         "join teams tm on tm.id = t.team_id where t.assigned_org_id = $1 and t.title = $2",
	    org, title, NULL);
	ck_assert_msg(routed && strcmp(routed, "Billing|{billing}|high") == 0, "routed: %s", routed ? routed : "(none)");
	free(routed);
	char *logged = owner_sql("select a.description from ticket_activity a join tickets t on t.id = a.ticket_id "
	                         "where t.title = $1 and a.activity_type = 'automation'", title, NULL, NULL);
	ck_assert_msg(logged && strcmp(logged, "Trigger: Invoices to Billing") == 0, "activity: %s", logged ? logged : "(none)");
	free(logged);

	/* The time rule: one minute after creation, waiting for the customer. */
	snprintf(page, sizeof page, "/desk/admin/rules?org=%s", slug);
	snprintf(fields, sizeof fields, "org=%s&name=Remind&time_event=created&amount=1&unit=minutes&c0_field=status"
	                                "&c0_op=is&c0_value=waiting_customer&a0_type=email_requester"
	                                "&a0_value=Still+there%%3F&active=1", slug);
	r = post_from(page, "/desk/admin/rules", &boss, fields);
	ck_status(r, 303, "POST /desk/admin/rules");
	resp_free(&r);
	char *cust = owner_sql("select id from users where email = $1::citext", requester, NULL, NULL);
	char *waiting = owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                          "description, status, created_at) values ($1, 'organization', $2, $2, 'Waiting', 'x', "
	                          "'waiting_customer', now() - interval '2 minutes') returning id", cust, org, NULL);
	for (int i = 0; i < 3; i++)
		scheduler_once();
	char *fired = owner_sql("select count(*)::text from outbox where ticket_id = $1 and template = 'automation_email'",
	    waiting, NULL, NULL);
	ck_assert_msg(fired && strcmp(fired, "1") == 0, "reminders queued: %s", fired ? fired : "(none)");
	free(fired);

	/* A macro, applied from the queue's bulk bar to three tickets. */
	snprintf(page, sizeof page, "/desk/admin/macros?org=%s", slug);
	snprintf(fields, sizeof fields, "org=%s&name=Escalate&visibility=shared&a0_type=priority&a0_value=urgent"
	                                "&a1_type=add_tag&a1_value=escalated&active=1", slug);
	r = post_from(page, "/desk/admin/macros", &boss, fields);
	ck_status(r, 303, "POST /desk/admin/macros");
	resp_free(&r);
	char *macro = owner_sql("select id from macros where organization_id = $1", org, NULL, NULL);
	char *n[3];
	for (int i = 0; i < 3; i++)
		n[i] = owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
		                 "description) values ($1, 'organization', $2, $2, 'Bulk macro', 'x') returning number",
		    cust, org, NULL);
	snprintf(fields, sizeof fields, "action=macro&value=%s&ticket=%s&ticket=%s&ticket=%s&return=%%2Fdesk", macro, n[0],
	    n[1], n[2]);
	r = post_from("/desk?queue=open", "/desk/bulk", &boss, fields);
	ck_status(r, 303, "POST /desk/bulk action=macro");
	resp_free(&r);
	char *done = owner_sql("select count(*)::text from tickets where number in ($1, $2, $3) and priority = 'urgent' "
	                       "and 'escalated' = any (tags)", n[0], n[1], n[2]);
	ck_assert_msg(done && strcmp(done, "3") == 0, "tickets changed by the macro: %s", done ? done : "(none)");
	free(done);
	char *uses = owner_sql("select usage_count::text from macros where id = $1", macro, NULL, NULL);
	ck_assert_str_eq(uses, "3");
	free(uses);
	for (int i = 0; i < 3; i++)
		free(n[i]);
	free(macro);
	free(waiting);
	free(cust);
	free(admin);
	free(org);
}
END_TEST

Suite *automation_e2e_suite(void)
{
	Suite *s = suite_create("automation_e2e");
	TCase *tc = tcase_create("automation_e2e");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, trigger_time_rule_and_bulk_macro);
	suite_add_tcase(s, tc);
	return s;
}
