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

#include "e2e/e2e_flow.h"

Suite *desk_e2e_suite(void);

#define FORM "application/x-www-form-urlencoded"
#define PASSWORD "desk-e2e-password-1"

static const char *password_hash(void)
{
	static char hash[256];
	if (hash[0])
		return hash;
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "printf '%%s' '%s' | '%s' passwd-hash", PASSWORD,
	    env_or("SUPPORTDESK_BIN", "build/supportdesk"));
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(hash, sizeof hash, f));
	pclose(f);
	hash[strcspn(hash, "\r\n")] = '\0';
	ck_assert_msg(strncmp(hash, "$argon2id$", 10) == 0, "passwd-hash printed %s", hash);
	return hash;
}

/* A user with the e2e password, staff of org when not NULL; their id. */
static char *account(const char *what, const char *org, char *email, size_t n)
{
	char tag[96];
	uniq(tag, sizeof tag, what);
	snprintf(email, n, "%s@desk.example", tag);
	char *id = owner_sql("insert into users (email, name, password_hash, email_verified_at) "
	                     "values ($1, $2, $3, now()) returning id", email, what, password_hash());
	if (org)
		free(owner_sql("insert into memberships (user_id, organization_id, role) values ($1, $2, 'agent')", id, org,
		    NULL));
	return id;
}

static char *org_new(const char *what)
{
	char tag[96];
	uniq(tag, sizeof tag, what);
	char *id = owner_sql("insert into organizations (name, slug) values ($1::text, $1::citext) returning id", tag, NULL, NULL);
	free(owner_sql("insert into organization_settings (organization_id, is_provisioned, provisioned_at) "
	               "values ($1, true, now())", id, NULL, NULL));
	return id;
}

static char *ticket_new(const char *org, const char *requester, const char *title)
{
	return owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                 "description) values ($1, 'organization', $2, $2, $3, 'From the desk e2e test') returning number",
	    requester, org, title);
}

/* Signs browser j in with the password; the answer's Location. */
static void sign_in(jar *j, const char *email, char *loc, size_t n)
{
	resp r = http("GET", "/login", j, NULL, NULL, 0);
	ck_status(r, 200, "GET /login");
	char *csrf = attr_after(r.body.data, "action=\"/login\"", "value");
	ck_assert_ptr_nonnull(csrf);
	resp_free(&r);
	dbuf b = { 0 };
	char *c = curl_easy_escape(NULL, csrf, 0), *e = curl_easy_escape(NULL, email, 0);
	dbuf_addf(&b, "_csrf=%s&email=%s&password=%s", c, e, PASSWORD);
	curl_free(c);
	curl_free(e);
	free(csrf);
	r = http("POST", "/login", j, FORM, b.data, b.len);
	dbuf_free(&b);
	ck_status(r, 303, "POST /login");
	ck_assert(resp_header(&r, "Location", loc, n));
	resp_free(&r);
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

	char *x = org_new("desk-x"), *y = org_new("desk-y");
	char agent_email[160], other_email[160], customer_email[160];
	char *agent = account("desk-agent", x, agent_email, sizeof agent_email);
	char *other = account("desk-other", y, other_email, sizeof other_email);
	char *customer = account("desk-customer", NULL, customer_email, sizeof customer_email);
	char *tx = ticket_new(x, customer, "Desk e2e: amplifier hums");
	char *ty = ticket_new(y, customer, "Desk e2e: globex only");

	jar cust = { 0 };
	sign_in(&cust, customer_email, loc, sizeof loc);
	r = http("GET", "/desk", &cust, NULL, NULL, 0);
	ck_status(r, 404, "GET /desk as a customer");
	ck_assert(strstr(r.body.data, tx) == NULL);
	resp_free(&r);
	char body[512];
	snprintf(body, sizeof body, "action=status&value=closed&ticket=%s", tx);
	r = http("POST", "/desk/bulk", &cust, FORM, body, strlen(body));
	ck_status(r, 404, "POST /desk/bulk as a customer");
	resp_free(&r);

	/* The agent: signed in to the desk, which lists X's ticket and not Y's. */
	jar staff = { 0 };
	sign_in(&staff, agent_email, loc, sizeof loc);
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
	r = http("POST", "/desk/bulk", &staff, FORM, body, strlen(body));
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
	r = http("POST", "/desk/bulk", &staff, FORM, body, strlen(body));
	ck_status(r, 403, "POST /desk/bulk with a forged token");
	resp_free(&r);
	st = owner_sql("select status from tickets where number = $1", tx, NULL, NULL);
	ck_assert_str_eq(st, "in_progress");
	free(st);

	/* Y's agent: nothing of X's by search either. */
	jar yj = { 0 };
	sign_in(&yj, other_email, loc, sizeof loc);
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
