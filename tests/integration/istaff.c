/* istaff.c: the shared helpers of the staff pages' suites (istaff.h). */
#include "integration/istaff.h"

#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *owner3(const char *sql, const char *p1, const char *p2, const char *p3)
{
	PGconn *c = PQconnectdb(getenv("OWNER_DATABASE_URL"));
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	const char *p[3] = { p1, p2, p3 };
	int n = p3 ? 3 : p2 ? 2 : p1 ? 1 : 0; /* a NULL before the last one given is SQL NULL */
	PGresult *res = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	char *out = PQntuples(res) && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	PQfinish(c);
	return out;
}

void assert_owner(const char *sql, const char *p1, const char *p2, const char *want)
{
	char *v = owner3(sql, p1, p2, NULL);
	ck_assert_msg(v && strcmp(v, want) == 0, "%s: got \"%s\", want \"%s\"", sql, v ? v : "(null)", want);
	free(v);
}

void unique(char *out, size_t n, const char *what)
{
	static int seq;
	snprintf(out, n, "%s-%d-%ld-%d", what, (int)getpid(), (long)time(NULL), ++seq);
}

void sign_in(app *a, const char *uid, browser *b)
{
	harness_response r;
	char body[128];
	snprintf(body, sizeof body, "user=%s", uid);
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	b->cookie = harness_cookie(&r, "sd_session");
	ck_assert_ptr_nonnull(b->cookie);
	snprintf(b->csrf, sizeof b->csrf, "%s", r.body);
	harness_response_free(&r);
}

void post_as(app *a, const char *uri, const browser *b, const char *fields, harness_response *r)
{
	char body[16384];
	snprintf(body, sizeof body, "_csrf=%s%s%s", b->csrf, *fields ? "&" : "", fields);
	post_form(a, uri, b->cookie, body, r);
}

void assert_status(const harness_response *r, int want)
{
	ck_assert_msg(r->status == want, "status %d, want %d; body: %.600s", r->status, want, r->body);
}

void assert_redirect(const harness_response *r, const char *want)
{
	assert_status(r, 303);
	char *l = harness_header(r, "Location");
	ck_assert_msg(l && strcmp(l, want) == 0, "Location \"%s\", want \"%s\"", l ? l : "", want);
	free(l);
}

void assert_has(const harness_response *r, const char *needle)
{
	ck_assert_msg(r->body && strstr(r->body, needle), "body lacks \"%s\": %.800s", needle, r->body);
}

void assert_lacks(const harness_response *r, const char *needle)
{
	ck_assert_msg(!r->body || !strstr(r->body, needle), "body has \"%s\"", needle);
}

char *new_org(char *slug, size_t n, const char *what)
{
	unique(slug, n, what);
	char name[160];
	snprintf(name, sizeof name, "Org %s", slug);
	char *id = owner3("select organization_id from org_create($1, $2, null)", name, slug, NULL);
	ck_assert_ptr_nonnull(id);
	free(owner3("with u as (update organization_settings set is_provisioned = true, provisioned_at = now() "
	            "where organization_id = $1::uuid returning 1) select count(*) from u", id, NULL, NULL));
	return id;
}

char *new_user(const char *what, char *email_out, size_t n)
{
	char base[120], email[160];
	unique(base, sizeof base, what);
	snprintf(email, sizeof email, "%s@example.com", base);
	if (email_out)
		snprintf(email_out, n, "%s", email);
	return make_verified_customer(email);
}

char *add_member(const char *org, const char *user, const char *role)
{
	char *m = owner3("insert into memberships (user_id, organization_id, role) values ($1::uuid, $2::uuid, $3) returning id",
	    user, org, role);
	ck_assert_ptr_nonnull(m);
	return m;
}

void staff_orgs_setup(staff_orgs *f, const char *what)
{
	char name[64];
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, what);
	f->other = new_org(f->other_slug, sizeof f->other_slug, what);
	snprintf(name, sizeof name, "%s-admin", what);
	f->admin = new_user(name, f->admin_email, sizeof f->admin_email);
	snprintf(name, sizeof name, "%s-agent", what);
	f->agent = new_user(name, f->agent_email, sizeof f->agent_email);
	snprintf(name, sizeof name, "%s-other", what);
	f->other_admin = new_user(name, f->other_email, sizeof f->other_email);
	free(add_member(f->org, f->admin, "admin"));
	free(add_member(f->org, f->agent, "agent"));
	free(add_member(f->other, f->other_admin, "admin"));
	sign_in(f->a, f->admin, &f->adm);
}

void staff_orgs_teardown(staff_orgs *f)
{
	free(f->org);
	free(f->other);
	free(f->admin);
	free(f->agent);
	free(f->other_admin);
	free(f->adm.cookie);
	harness_app_free(f->a);
}
