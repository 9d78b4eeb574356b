/* test_desk.c: the support desk's queues through nginx with libcurl: a
 * visitor is sent to sign in, a customer gets 404 (page and bulk), an
 * agent signed in with a password sees their organization's queue and
 * changes a ticket by bulk action, and never another organization's.
 * Accounts and tickets are made as the owner ($DATABASE_URL), the password
 * hashed by `supportdesk passwd-hash` ($SUPPORTDESK_BIN).
 *
 * Registered from test_e2e.c's main() as the suite "desk_e2e". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_staff.h"

Suite *desk_e2e_suite(void);

static char *ticket_new(const char *org, const char *requester, const char *title)
{
	return owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                 "description) values ($1, 'organization', $2, $2, $3, 'From the desk e2e test') returning number",
	    requester, org, title);
}

START_TEST(desk_through_nginx)
{
	flush_ratelimits();
	/* Negative first: no session, a customer. */
	jar anon = { 0 };
	resp r = http("GET", "/desk", &anon, NULL, NULL, 0);
	ck_status(r, 303, "GET /desk anonymous");
	char loc[512];
	ck_assert(resp_header(&r, "Location", loc, sizeof loc));
	ck_assert_msg(strcmp(loc, "/login?next=%2Fdesk") == 0 || strcmp(loc, "/login?next=/desk") == 0, "Location %s", loc);
	resp_free(&r);
	r = http("GET", "/desk?queue=open", &anon, NULL, NULL, 0);
	ck_status(r, 303, "GET /desk?queue=open anonymous");
	resp_free(&r);

	char *x = org_create("desk-x", NULL, 0), *y = org_create("desk-y", NULL, 0);
	char agent_email[160], other_email[160], customer_email[160];
	char *agent = staff_account("desk-agent", x, "agent", agent_email, sizeof agent_email);
	char *other = staff_account("desk-other", y, "agent", other_email, sizeof other_email);
	char *customer = staff_account("desk-customer", NULL, "agent", customer_email, sizeof customer_email);
	char *tx = ticket_new(x, customer, "Desk e2e: amplifier hums");
	char *ty = ticket_new(y, customer, "Desk e2e: globex only");

	jar cust = { 0 };
	sign_in_password(&cust, customer_email, loc, sizeof loc);
	r = http("GET", "/desk", &cust, NULL, NULL, 0);
	ck_status(r, 404, "GET /desk as a customer");
	ck_assert(strstr(r.body.data, tx) == NULL);
	resp_free(&r);
	char body[512];
	snprintf(body, sizeof body, "action=status&value=closed&ticket=%s", tx);
	r = http("POST", "/desk/bulk", &cust, E2E_FORM, body, strlen(body));
	ck_status(r, 404, "POST /desk/bulk as a customer");
	resp_free(&r);

	/* The agent: signed in to the desk, which lists X's ticket and not Y's. */
	jar staff = { 0 };
	sign_in_password(&staff, agent_email, loc, sizeof loc);
	ck_assert_str_eq(loc, "/desk");
	r = http("GET", "/desk?queue=open", &staff, NULL, NULL, 0);
	ck_status(r, 200, "GET /desk as an agent");
	ck_assert(strstr(r.body.data, "class=\"dq-queues\"") != NULL);
	ck_assert(strstr(r.body.data, tx) != NULL);
	ck_assert(strstr(r.body.data, ty) == NULL);
	char *csrf = attr_after(r.body.data, "action=\"/desk/bulk\"", "value");
	ck_assert_ptr_nonnull(csrf);
	resp_free(&r);

	/* Bulk through nginx: X's ticket changes, Y's is refused. */
	char *c = curl_easy_escape(NULL, csrf, 0);
	snprintf(body, sizeof body, "_csrf=%s&action=status&value=in_progress&ticket=%s&ticket=%s&return=%%2Fdesk%%3Fqueue%%3Dopen",
	    c, tx, ty);
	curl_free(c);
	r = http("POST", "/desk/bulk", &staff, E2E_FORM, body, strlen(body));
	ck_status(r, 303, "POST /desk/bulk as an agent");
	ck_assert(resp_header(&r, "Location", loc, sizeof loc));
	ck_assert_str_eq(loc, "/desk?queue=open");
	resp_free(&r);
	r = http("GET", loc, &staff, NULL, NULL, 0);
	ck_status(r, 200, "the queue after the bulk action");
	ck_assert_msg(strstr(r.body.data, "1 ticket changed.") && strstr(r.body.data, ty), "%.2000s", r.body.data);
	resp_free(&r);
	char *st = owner_sql("select status from tickets where number = $1", tx, NULL, NULL);
	ck_assert_str_eq(st, "in_progress");
	free(st);
	st = owner_sql("select status from tickets where number = $1", ty, NULL, NULL);
	ck_assert_str_eq(st, "new");
	free(st);
	/* A wrong token: 403, nothing changed. */
	snprintf(body, sizeof body, "_csrf=forged&action=status&value=closed&ticket=%s", tx);
	r = http("POST", "/desk/bulk", &staff, E2E_FORM, body, strlen(body));
	ck_status(r, 403, "POST /desk/bulk with a forged token");
	resp_free(&r);
	st = owner_sql("select status from tickets where number = $1", tx, NULL, NULL);
	ck_assert_str_eq(st, "in_progress");
	free(st);

	/* Y's agent: nothing of X's by search either. */
	jar yj = { 0 };
	sign_in_password(&yj, other_email, loc, sizeof loc);
	snprintf(body, sizeof body, "/desk?queue=open&q=%s", tx);
	r = http("GET", body, &yj, NULL, NULL, 0);
	ck_status(r, 200, "GET /desk as Y's agent");
	ck_assert(strstr(r.body.data, "href=\"/desk/tickets/") == NULL);
	resp_free(&r);

	free(csrf);
	free(x);
	free(y);
	free(agent);
	free(other);
	free(customer);
	free(tx);
	free(ty);
}
END_TEST

Suite *desk_e2e_suite(void)
{
	Suite *s = suite_create("desk_e2e");
	TCase *tc = tcase_create("desk");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, desk_through_nginx);
	suite_add_tcase(s, tc);
	return s;
}
