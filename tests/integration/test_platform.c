/* test_platform.c: the platform admin pages (/admin/...) through the
 * in-process harness against the real PostgreSQL and Redis: who gets in
 * (visitors to /login; customers, agents, org admins and platform agents
 * 404), CSRF (403, nothing changed), every form's bad input (422, the
 * message by its field, what was typed kept), organizations created,
 * provisioned (the invitation queued) and deactivated (its request types
 * off the public form at once, its staff signed out, the platform's own
 * kept: 409), platform roles and accounts (the last platform admin kept:
 * 409), system settings the workers apply at once (a rate limit), and the
 * audit log across organizations. Registered from test_integration.c's
 * main() as the suite "platform". */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "integration/istaff.h"
#include "integration/itest.h"

static char *new_platform_admin(char *email, size_t n)
{
	char *id = new_user("padmin", email, n);
	free(owner_queryv("with u as (update users set platform_role = 'admin' where id = $1::uuid returning 1) "
	                  "select count(*) from u", id, NULL));
	return id;
}

static char *location(const harness_response *r)
{
	assert_status(r, 303);
	char *l = harness_header(r, "Location");
	ck_assert_ptr_nonnull(l);
	return l;
}

static bool signed_in(app *a, const browser *b)
{
	harness_response r;
	get(a, "/t/whoami", b->cookie, &r);
	bool in = strcmp(r.body, "anonymous") != 0;
	harness_response_free(&r);
	return in;
}

typedef struct {
	app *a;
	char *pa;
	char pa_email[160];
	browser adm;
} fixture;

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL); /* first: it sets OWNER_DATABASE_URL */
	/* Run-time limits a failed run may have left: every suite expects the
	 * environment's. */
	free(owner_queryv("with d as (delete from system_settings where key like 'rate.%' or key like 'session.%' "
	                  "returning 1) select count(*) from d", NULL));
	f->pa = new_platform_admin(f->pa_email, sizeof f->pa_email);
	sign_in(f->a, f->pa, &f->adm);
}

static void teardown(fixture *f)
{
	free(f->pa);
	free(f->adm.cookie);
	harness_app_free(f->a);
}

static const char *const platform_gets[] = { "/admin", "/admin/organizations", "/admin/users", "/admin/settings",
	"/admin/audit" };

/* ---- who gets in ---- */

START_TEST(visitors_go_to_sign_in)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/admin", NULL, &r);
	assert_redirect(&r, "/login?next=/admin");
	harness_response_free(&r);
	get(a, "/admin/users?q=x", NULL, &r);
	assert_redirect(&r, "/login?next=/admin/users%3Fq%3Dx");
	harness_response_free(&r);
	post_form(a, "/admin/organizations", NULL, "name=x&slug=x", &r);
	assert_redirect(&r, "/login?next=/admin/organizations");
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

START_TEST(everyone_but_platform_admins_gets_404)
{
	fixture f;
	setup(&f);
	char *customer = new_user("customer", NULL, 0);
	char *agent = new_user("agent", NULL, 0);
	char *org_admin = new_user("orgadmin", NULL, 0);
	char *pagent = new_user("pagent", NULL, 0);
	char slug[96];
	unique(slug, sizeof slug, "org");
	char *org = owner_queryv("select organization_id from org_create($1, $2, null)", slug, slug, NULL);
	free(owner_queryv("insert into memberships (user_id, organization_id, role) values ($1::uuid, $2::uuid, 'agent') "
	                  "returning id", agent, org, NULL));
	free(owner_queryv("insert into memberships (user_id, organization_id, role) values ($1::uuid, $2::uuid, 'admin') "
	                  "returning id", org_admin, org, NULL));
	free(owner_queryv("with u as (update users set platform_role = 'agent' where id = $1::uuid returning 1) "
	                  "select count(*) from u", pagent, NULL));
	const char *who[] = { customer, agent, org_admin, pagent };
	for (size_t k = 0; k < 4; k++) {
		browser b;
		sign_in(f.a, who[k], &b);
		for (size_t i = 0; i < sizeof platform_gets / sizeof *platform_gets; i++) {
			harness_response r;
			get(f.a, platform_gets[i], b.cookie, &r);
			ck_assert_msg(r.status == 404, "%s as user %zu: %d", platform_gets[i], k, r.status);
			assert_lacks(&r, "Platform admin");
			harness_response_free(&r);
		}
		harness_response r;
		char uri[200];
		snprintf(uri, sizeof uri, "/admin/organizations/%s/active", org);
		post_as(f.a, uri, &b, "active=0", &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		post_as(f.a, "/admin/settings", &b, "ticket_number_prefix=PWN", &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		free(b.cookie);
	}
	assert_owner("select is_active::text from organizations where id = $1::uuid", org, NULL, "true");
	assert_owner("select value #>> '{}' from system_settings where key = 'ticket_number_prefix'", NULL, NULL, "TKT");
	free(customer);
	free(agent);
	free(org_admin);
	free(pagent);
	free(org);
	teardown(&f);
}
END_TEST

START_TEST(platform_admin_sees_every_section_and_the_header_link)
{
	fixture f;
	setup(&f);
	for (size_t i = 0; i < sizeof platform_gets / sizeof *platform_gets; i++) {
		harness_response r;
		get(f.a, platform_gets[i], f.adm.cookie, &r);
		ck_assert_msg(r.status == 200, "%s: %d", platform_gets[i], r.status);
		assert_has(&r, "<a href=\"/admin\" aria-current=\"page\">Platform admin</a>");
		assert_has(&r, "href=\"/admin/settings\"");
		assert_security_headers(&r);
		harness_response_free(&r);
	}
	/* Org admins' pages keep their own Admin link for a platform admin. */
	harness_response r;
	get(f.a, "/my/tickets", f.adm.cookie, &r);
	assert_has(&r, "<a href=\"/admin\">Platform admin</a>");
	assert_has(&r, "<a href=\"/desk/admin\">Admin</a>");
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(wrong_csrf_is_403_and_unchanged)
{
	fixture f;
	setup(&f);
	char slug[96], body[512];
	unique(slug, sizeof slug, "csrf");
	harness_response r;
	snprintf(body, sizeof body, "_csrf=nope&name=Nope&slug=%s", slug);
	post_form(f.a, "/admin/organizations", f.adm.cookie, body, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	post_form(f.a, "/admin/settings", f.adm.cookie, "ticket_number_prefix=NOPE", &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner("select count(*) from organizations where slug = $1", slug, NULL, "0");
	assert_owner("select value #>> '{}' from system_settings where key = 'ticket_number_prefix'", NULL, NULL, "TKT");
	teardown(&f);
}
END_TEST

/* ---- organizations ---- */

START_TEST(create_validates_and_keeps_the_input)
{
	fixture f;
	setup(&f);
	harness_response r;
	post_as(f.a, "/admin/organizations", &f.adm, "name=Kept+Name&slug=Bad+Slug&prefix=x1", &r);
	assert_status(&r, 422);
	assert_has(&r, "The slug can have lowercase letters, digits and hyphens");
	assert_has(&r, "The ticket prefix needs 2 to 10 capital letters");
	assert_has(&r, "value=\"Kept Name\"");
	assert_has(&r, "value=\"Bad Slug\"");
	assert_has(&r, "aria-invalid=\"true\"");
	assert_has(&r, "href=\"#f-slug\"");
	harness_response_free(&r);
	post_as(f.a, "/admin/organizations", &f.adm, "name=&slug=", &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter the organization&#39;s name.");
	assert_has(&r, "Enter a slug, like acme-support.");
	harness_response_free(&r);
	/* The platform's slug is taken. */
	post_as(f.a, "/admin/organizations", &f.adm, "name=Again&slug=platform", &r);
	assert_status(&r, 422);
	assert_has(&r, "Another organization has this slug.");
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(create_provision_deactivate)
{
	fixture f;
	setup(&f);
	char slug[96], fields[512], uri[256], email[160], base[120];
	unique(slug, sizeof slug, "initech");
	harness_response r;
	snprintf(fields, sizeof fields, "name=Initech+%s&slug=%s&prefix=INI", slug, slug);
	post_as(f.a, "/admin/organizations", &f.adm, fields, &r);
	char *loc = location(&r);
	harness_response_free(&r);
	char *org = owner_queryv("select id from organizations where slug = $1", slug, NULL);
	ck_assert_ptr_nonnull(org);
	snprintf(uri, sizeof uri, "/admin/organizations/%s?done=created", org);
	ck_assert_str_eq(loc, uri);
	free(loc);
	assert_owner("select ticket_prefix || '/' || is_provisioned from organization_settings where organization_id = $1::uuid",
	    org, NULL, "INI/false");
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Provision it with a first admin");
	assert_has(&r, "Not provisioned");
	harness_response_free(&r);
	get(f.a, "/admin/organizations", f.adm.cookie, &r);
	assert_has(&r, slug);
	harness_response_free(&r);

	/* Provisioning: a bad address is refused by its field, kept. */
	snprintf(uri, sizeof uri, "/admin/organizations/%s/provision", org);
	post_as(f.a, uri, &f.adm, "email=not-an-address&name=Bill", &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter an email address like name@example.com.");
	assert_has(&r, "value=\"not-an-address\"");
	harness_response_free(&r);
	unique(base, sizeof base, "boss");
	snprintf(email, sizeof email, "%s@example.com", base);
	snprintf(fields, sizeof fields, "email=%s&name=Bill+Boss", email);
	post_as(f.a, uri, &f.adm, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/admin/organizations/%s?done=provisioned", org);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select m.role || '/' || s.is_provisioned from memberships m join users u on u.id = m.user_id "
	             "join organization_settings s on s.organization_id = m.organization_id "
	             "where u.email = $1 and m.organization_id = $2::uuid", email, org, "admin/true");
	assert_owner("select count(*) from outbox where to_email = $1 and subject like 'You are invited to %'", email, NULL,
	    "1");
	assert_owner("select count(*) from config_audit where organization_id = $1::uuid and actor_id = $2::uuid",
	    org, f.pa, "4"); /* organization, settings, membership, settings provisioned */

	/* A request type routed to it shows on the public form... */
	char type_name[160];
	snprintf(type_name, sizeof type_name, "Initech request %s", slug);
	free(owner_queryv("insert into request_types (organization_id, name, sort_order) values ($1::uuid, $2, 0) returning id",
	    org, type_name, NULL));
	app *visitor = test_app(NULL, NULL); /* another worker: its own form cache */
	get(visitor, "/submit", NULL, &r);
	assert_has(&r, type_name);
	harness_response_free(&r);
	get(f.a, "/submit", NULL, &r); /* this worker caches the form with it */
	assert_has(&r, type_name);
	harness_response_free(&r);

	/* ...the new admin is signed in... */
	char *boss = owner_queryv("select id from users where email = $1", email, NULL);
	browser bb;
	sign_in(f.a, boss, &bb);
	ck_assert(signed_in(f.a, &bb));

	/* Deactivating: a value the buttons never send is 400. */
	snprintf(uri, sizeof uri, "/admin/organizations/%s/active", org);
	post_as(f.a, uri, &f.adm, "active=maybe", &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	post_as(f.a, uri, &f.adm, "active=0", &r);
	snprintf(want, sizeof want, "/admin/organizations/%s?done=deactivated", org);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select is_active::text from organizations where id = $1::uuid", org, NULL, "false");
	/* ...its staff are signed out, and its type leaves the form at once
	 * (the worker's cache follows the generation). */
	ck_assert(!signed_in(f.a, &bb));
	get(f.a, "/submit", NULL, &r);
	assert_status(&r, 200);
	assert_lacks(&r, type_name);
	harness_response_free(&r);
	get(f.a, want, f.adm.cookie, &r);
	assert_has(&r, "Reactivate Initech");
	harness_response_free(&r);

	post_as(f.a, uri, &f.adm, "active=1", &r);
	snprintf(want, sizeof want, "/admin/organizations/%s?done=activated", org);
	assert_redirect(&r, want);
	harness_response_free(&r);
	get(f.a, "/submit", NULL, &r);
	assert_has(&r, type_name);
	harness_response_free(&r);

	free(owner_queryv("with d as (update organizations set is_active = false where id = $1::uuid returning 1) "
	                  "select count(*) from d", org, NULL)); /* out of the other suites' forms */
	free(bb.cookie);
	free(boss);
	free(org);
	harness_app_free(visitor);
	teardown(&f);
}
END_TEST

START_TEST(the_platform_organization_is_kept)
{
	fixture f;
	setup(&f);
	char *p = owner_queryv("select id from organizations where is_platform", NULL);
	char uri[256];
	snprintf(uri, sizeof uri, "/admin/organizations/%s/active", p);
	harness_response r;
	post_as(f.a, uri, &f.adm, "active=0", &r);
	assert_status(&r, 409);
	assert_has(&r, "The platform&#39;s own organization cannot be deactivated");
	harness_response_free(&r);
	assert_owner("select is_active::text from organizations where is_platform", NULL, NULL, "true");
	snprintf(uri, sizeof uri, "/admin/organizations/%s", p);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_lacks(&r, "Deactivate Platform");
	harness_response_free(&r);
	get(f.a, "/admin/organizations/not-a-uuid", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	get(f.a, "/admin/organizations/00000000-0000-4000-8000-000000000000", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(p);
	teardown(&f);
}
END_TEST

/* ---- users ---- */

START_TEST(users_search_role_and_deactivate)
{
	fixture f;
	setup(&f);
	char email[160], uri[256], fields[256], q[64];
	char *u = new_user("findme", email, sizeof email);
	/* The search finds a part of the address (LIKE's wildcards literal). */
	snprintf(q, sizeof q, "%.*s", 20, email);
	harness_response r;
	char *enc = urlencode(q);
	snprintf(uri, sizeof uri, "/admin/users?q=%s", enc);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, email);
	harness_response_free(&r);
	get(f.a, "/admin/users?q=%25%25nobody-has-this%25", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "No account matches.");
	harness_response_free(&r);

	browser ub;
	sign_in(f.a, u, &ub);
	snprintf(uri, sizeof uri, "/admin/users/%s/role", u);
	post_as(f.a, uri, &f.adm, "platform_role=owner", &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose a platform role: admin, agent or none.");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "platform_role=agent&q=%s", enc);
	post_as(f.a, uri, &f.adm, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/admin/users?q=%s&done=role", enc);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select platform_role from users where id = $1::uuid", u, NULL, "agent");
	ck_assert(!signed_in(f.a, &ub)); /* a privilege change: a new session */

	browser ub2;
	sign_in(f.a, u, &ub2);
	snprintf(uri, sizeof uri, "/admin/users/%s/active", u);
	post_as(f.a, uri, &f.adm, "active=0", &r);
	assert_redirect(&r, "/admin/users?done=deactivated");
	harness_response_free(&r);
	assert_owner("select is_active::text from users where id = $1::uuid", u, NULL, "false");
	ck_assert(!signed_in(f.a, &ub2));
	post_as(f.a, uri, &f.adm, "active=1", &r);
	assert_redirect(&r, "/admin/users?done=activated");
	harness_response_free(&r);
	assert_owner("select is_active::text from users where id = $1::uuid", u, NULL, "true");
	/* Each change is in the audit log (0031), and never the password hash. */
	assert_owner("select count(*) from config_audit where entity = 'user' and entity_id = $1", u, NULL, "3");
	assert_owner("select count(*) from config_audit where entity = 'user' and (before ? 'password_hash' or after ? 'password_hash')",
	    NULL, NULL, "0");
	get(f.a, "/admin/audit", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "User");
	harness_response_free(&r);
	get(f.a, "/admin/users/x/role", f.adm.cookie, &r);
	assert_status(&r, 405);
	harness_response_free(&r);
	post_as(f.a, "/admin/users/00000000-0000-4000-8000-000000000000/role", &f.adm, "platform_role=none", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(enc);
	free(ub.cookie);
	free(ub2.cookie);
	free(u);
	teardown(&f);
}
END_TEST

START_TEST(the_last_platform_admin_is_kept)
{
	fixture f;
	setup(&f);
	/* This admin alone, for the test: the others step down and come back. */
	char *others = owner_queryv("select coalesce(string_agg(id::text, ','), '') from users "
	                            "where platform_role = 'admin' and is_active and id <> $1::uuid", f.pa, NULL);
	free(owner_queryv("with u as (update users set platform_role = 'agent' where id = any(string_to_array($1, ',')::uuid[]) "
	                  "returning 1) select count(*) from u", others, NULL));
	char uri[256];
	harness_response r;
	snprintf(uri, sizeof uri, "/admin/users/%s/role", f.pa);
	post_as(f.a, uri, &f.adm, "platform_role=agent", &r);
	assert_status(&r, 409);
	assert_has(&r, "You are the last platform admin");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/admin/users/%s/active", f.pa);
	post_as(f.a, uri, &f.adm, "active=0", &r);
	assert_status(&r, 409);
	assert_has(&r, "You are the last platform admin");
	harness_response_free(&r);
	assert_owner("select platform_role || '/' || is_active from users where id = $1::uuid", f.pa, NULL, "admin/true");
	ck_assert(signed_in(f.a, &f.adm));

	/* With a second admin, the first may step down (and keeps the session). */
	char email2[160];
	char *second = new_platform_admin(email2, sizeof email2);
	snprintf(uri, sizeof uri, "/admin/users/%s/role", f.pa);
	post_as(f.a, uri, &f.adm, "platform_role=none", &r);
	assert_redirect(&r, "/admin/users?done=role");
	harness_response_free(&r);
	assert_owner("select coalesce(platform_role, 'none') from users where id = $1::uuid", f.pa, NULL, "none");
	get(f.a, "/admin", f.adm.cookie, &r);
	assert_status(&r, 404); /* no longer a platform admin */
	harness_response_free(&r);

	free(owner_queryv("with u as (update users set platform_role = 'admin' where id = any(string_to_array($1, ',')::uuid[]) "
	                  "returning 1) select count(*) from u", others, NULL));
	free(others);
	free(second);
	teardown(&f);
}
END_TEST

/* ---- system settings ---- */

static void login_attempt(app *a, const char *ip, harness_response *r)
{
	post_form_from(a, ip, "/login", NULL, "email=nobody%40example.com&password=x", r);
}

START_TEST(settings_validate_save_and_apply)
{
	fixture f;
	setup(&f);
	harness_response r;
	get(f.a, "/admin/settings", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "name=\"rate.login_ip.limit\"");
	assert_has(&r, "value=\"TKT\"");
	assert_has(&r, "Blank: 7200 (the environment's).");
	harness_response_free(&r);

	/* Every field's own message, the input kept. */
	post_as(f.a, "/admin/settings", &f.adm,
	    "ticket_number_prefix=tk&reopen_window_days=&attachment_max_bytes=999999999999&attachment_max_per_message=3"
	    "&session.idle_s=5&rate.login_ip.limit=abc",
	    &r);
	assert_status(&r, 422);
	assert_has(&r, "The prefix needs 2 to 10 capital letters");
	assert_has(&r, "Enter a value for &quot;Days a customer may reopen a resolved ticket&quot;.");
	assert_has(&r, "&quot;Largest attachment, in bytes&quot; must be a whole number from 1 to 26214400.");
	assert_has(&r, "&quot;Idle timeout, in seconds&quot; must be a whole number from 60 to 31536000.");
	assert_has(&r, "&quot;Sign-in attempts per address: how many&quot; must be a whole number");
	assert_has(&r, "value=\"abc\"");
	assert_has(&r, "value=\"tk\"");
	assert_has(&r, "href=\"#f-rate.login_ip.limit\"");
	harness_response_free(&r);
	assert_owner("select value #>> '{}' from system_settings where key = 'ticket_number_prefix'", NULL, NULL, "TKT");

	/* Saved: one sign-in attempt per address, applied at the next request. */
	const char *keep = "ticket_number_prefix=TKT&reopen_window_days=14&attachment_max_bytes=26214400"
	                   "&attachment_max_per_message=10";
	char body[1024];
	snprintf(body, sizeof body, "%s&rate.login_ip.limit=1&rate.login_ip.window_s=600", keep);
	post_as(f.a, "/admin/settings", &f.adm, body, &r);
	assert_redirect(&r, "/admin/settings?done=saved");
	harness_response_free(&r);
	assert_owner("select count(*) from config_audit where entity = 'system_setting' and entity_id = 'rate.login_ip.limit' "
	             "and action = 'insert' and actor_id = $1::uuid", f.pa, NULL, "1");
	const char *ip = unique_ip();
	login_attempt(f.a, ip, &r);
	ck_assert_int_ne(r.status, 429);
	harness_response_free(&r);
	login_attempt(f.a, ip, &r);
	assert_status(&r, 429);
	harness_response_free(&r);
	/* Another worker reads the stored value on its first request. */
	app *other = test_app(NULL, NULL);
	const char *ip2 = unique_ip();
	login_attempt(other, ip2, &r);
	ck_assert_int_ne(r.status, 429);
	harness_response_free(&r);
	login_attempt(other, ip2, &r);
	assert_status(&r, 429);
	harness_response_free(&r);
	harness_app_free(other);

	/* Blank again: the environment's limit applies (30 per address). */
	post_as(f.a, "/admin/settings", &f.adm, keep, &r);
	assert_redirect(&r, "/admin/settings?done=saved");
	harness_response_free(&r);
	assert_owner("select count(*) from system_settings where key like 'rate.%'", NULL, NULL, "0");
	const char *ip3 = unique_ip();
	for (int i = 0; i < 3; i++) {
		login_attempt(f.a, ip3, &r);
		ck_assert_int_ne(r.status, 429);
		harness_response_free(&r);
	}
	teardown(&f);
}
END_TEST

/* ---- the audit log ---- */

START_TEST(audit_across_organizations)
{
	fixture f;
	setup(&f);
	char slug[96], fields[256];
	unique(slug, sizeof slug, "audited");
	harness_response r;
	snprintf(fields, sizeof fields, "name=Audited+%s&slug=%s", slug, slug);
	post_as(f.a, "/admin/organizations", &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	get(f.a, "/admin/audit", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<th scope=\"col\">Organization</th>");
	assert_has(&r, slug);
	assert_has(&r, "Organization added");
	harness_response_free(&r);
	char uri[256];
	snprintf(uri, sizeof uri, "/admin/audit?org=%s", slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Organization added");
	assert_lacks(&r, "<th scope=\"col\">Organization</th>");
	harness_response_free(&r);
	get(f.a, "/admin/audit?org=no-such-org-here", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	get(f.a, "/admin/audit?after=garbage", f.adm.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	free(owner_queryv("with d as (update organizations set is_active = false where slug = $1 returning 1) "
	                  "select count(*) from d", slug, NULL));
	teardown(&f);
}
END_TEST

Suite *platform_suite(void)
{
	Suite *s = suite_create("platform");
	TCase *access = tcase_create("platform_access");
	tcase_set_timeout(access, 60);
	tcase_add_test(access, visitors_go_to_sign_in);
	tcase_add_test(access, everyone_but_platform_admins_gets_404);
	tcase_add_test(access, platform_admin_sees_every_section_and_the_header_link);
	tcase_add_test(access, wrong_csrf_is_403_and_unchanged);
	suite_add_tcase(s, access);
	TCase *pages = tcase_create("platform_pages");
	tcase_set_timeout(pages, 60);
	tcase_add_test(pages, create_validates_and_keeps_the_input);
	tcase_add_test(pages, create_provision_deactivate);
	tcase_add_test(pages, the_platform_organization_is_kept);
	tcase_add_test(pages, users_search_role_and_deactivate);
	tcase_add_test(pages, the_last_platform_admin_is_kept);
	tcase_add_test(pages, settings_validate_save_and_apply);
	tcase_add_test(pages, audit_across_organizations);
	suite_add_tcase(s, pages);
	return s;
}
