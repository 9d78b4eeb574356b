/* test_admin.c: the organization admin pages (/desk/admin/...) through the
 * in-process harness against the real PostgreSQL and Redis: who gets in
 * (visitors to /login, customers and agents 404), another organization by
 * parameter (404, nothing changed), CSRF (403, nothing changed), every
 * form's bad input (422, the message by its field, what was typed kept),
 * the last admin kept (409 with the reason), and a deactivation that ends
 * the member's sessions at once and hands their tickets back. Each test
 * makes its own organizations and users. Registered from
 * test_integration.c's main() as the suite "admin". */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "integration/istaff.h"
#include "integration/itest.h"

/* An organization with an admin (signed in), an agent, and a second
 * organization the admin has nothing to do with. */
typedef struct {
	app *a;
	char slug[96], other_slug[96];
	char *org, *other;
	char *admin, *agent, *admin_m, *agent_m;
	browser adm;
} fixture;

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, "org");
	f->other = new_org(f->other_slug, sizeof f->other_slug, "org");
	f->admin = new_user("admin", NULL, 0);
	f->agent = new_user("agent", NULL, 0);
	f->admin_m = add_member(f->org, f->admin, "admin");
	f->agent_m = add_member(f->org, f->agent, "agent");
	sign_in(f->a, f->admin, &f->adm);
}

static void teardown(fixture *f)
{
	free(f->org);
	free(f->other);
	free(f->admin);
	free(f->agent);
	free(f->admin_m);
	free(f->agent_m);
	free(f->adm.cookie);
	harness_app_free(f->a);
}

static const char *const admin_gets[] = { "/desk/admin", "/desk/admin/teams", "/desk/admin/members",
	"/desk/admin/settings", "/desk/admin/audit", "/desk/admin/categories", "/desk/admin/canned", "/desk/admin/types",
	"/desk/admin/fields" };

/* ---- who gets in ---- */

START_TEST(visitors_go_to_sign_in)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/desk/admin", NULL, &r);
	assert_redirect(&r, "/login?next=/desk/admin");
	harness_response_free(&r);
	get(a, "/desk/admin/teams?org=acme", NULL, &r);
	assert_redirect(&r, "/login?next=/desk/admin/teams%3Forg%3Dacme");
	harness_response_free(&r);
	post_form(a, "/desk/admin/teams", NULL, "name=x", &r);
	assert_redirect(&r, "/login?next=/desk/admin/teams");
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

START_TEST(customers_and_agents_get_404)
{
	fixture f;
	setup(&f);
	char *customer = new_user("customer", NULL, 0);
	browser cust, ag;
	sign_in(f.a, customer, &cust);
	sign_in(f.a, f.agent, &ag);
	char uri[256];
	for (size_t i = 0; i < sizeof admin_gets / sizeof *admin_gets; i++) {
		const browser *who[2] = { &cust, &ag };
		for (int k = 0; k < 2; k++) {
			harness_response r;
			snprintf(uri, sizeof uri, "%s?org=%s", admin_gets[i], f.slug);
			get(f.a, uri, who[k]->cookie, &r);
			assert_status(&r, 404);
			assert_lacks(&r, f.slug);
			harness_response_free(&r);
		}
	}
	/* A post too, with a valid token: nothing is made. */
	harness_response r;
	char fields[256];
	snprintf(fields, sizeof fields, "org=%s&name=Agents+rule", f.slug);
	post_as(f.a, "/desk/admin/teams", &ag, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select count(*) from teams where organization_id = $1::uuid", f.org, NULL, "0");
	/* The header offers the admin link to admins only. */
	get(f.a, "/account", ag.cookie, &r);
	assert_lacks(&r, "href=\"/desk/admin\"");
	harness_response_free(&r);
	get(f.a, "/account", f.adm.cookie, &r);
	assert_has(&r, "href=\"/desk/admin\"");
	harness_response_free(&r);
	free(cust.cookie);
	free(ag.cookie);
	free(customer);
	teardown(&f);
}
END_TEST

START_TEST(admin_sees_every_section)
{
	fixture f;
	setup(&f);
	char uri[256];
	for (size_t i = 0; i < sizeof admin_gets / sizeof *admin_gets; i++) {
		harness_response r;
		/* With and without the parameter: one organization needs none. */
		for (int with = 0; with < 2; with++) {
			snprintf(uri, sizeof uri, "%s%s%s", admin_gets[i], with ? "?org=" : "", with ? f.slug : "");
			get(f.a, uri, f.adm.cookie, &r);
			assert_status(&r, 200);
			assert_security_headers(&r);
			assert_has(&r, "aria-label=\"Administration\"");
			assert_has(&r, "Org ");
			assert_lacks(&r, "name=\"org\" id"); /* no chooser for one organization */
			assert_lacks(&r, f.other_slug);
			harness_response_free(&r);
		}
	}
	teardown(&f);
}
END_TEST

START_TEST(foreign_organization_is_404_and_unchanged)
{
	fixture f;
	setup(&f);
	char *other_team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Theirs') returning id",
	    f.other, NULL, NULL);
	char *other_admin = new_user("other-admin", NULL, 0);
	char *other_m = add_member(f.other, other_admin, "admin");
	char uri[512], fields[512];
	harness_response r;
	for (size_t i = 0; i < sizeof admin_gets / sizeof *admin_gets; i++) {
		snprintf(uri, sizeof uri, "%s?org=%s", admin_gets[i], f.other_slug);
		get(f.a, uri, f.adm.cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	snprintf(uri, sizeof uri, "/desk/admin/teams/%s?org=%s", other_team, f.other_slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	/* Their team through our organization: not ours, 404 too. */
	snprintf(uri, sizeof uri, "/desk/admin/teams/%s?org=%s", other_team, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	snprintf(fields, sizeof fields, "org=%s&name=Ours+now", f.other_slug);
	post_as(f.a, "/desk/admin/teams", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/teams/%s", other_team);
	snprintf(fields, sizeof fields, "org=%s&name=Pwned", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/active", other_m);
	snprintf(fields, sizeof fields, "org=%s&active=0", f.other_slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&active=0", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&email=mole%%40example.com&role=admin", f.other_slug);
	post_as(f.a, "/desk/admin/members", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&support_phone=0", f.other_slug);
	post_as(f.a, "/desk/admin/settings", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	assert_owner("select name from teams where id = $1::uuid", other_team, NULL, "Theirs");
	assert_owner("select count(*) from teams where organization_id = $1::uuid", f.other, NULL, "1");
	assert_owner("select is_active::text from memberships where id = $1::uuid", other_m, NULL, "true");
	assert_owner("select count(*) from memberships where organization_id = $1::uuid", f.other, NULL, "1");
	assert_owner("select coalesce(support_phone, 'none') from organization_settings where organization_id = $1::uuid",
	    f.other, NULL, "none");
	free(other_team);
	free(other_admin);
	free(other_m);
	teardown(&f);
}
END_TEST

START_TEST(wrong_csrf_is_403_and_unchanged)
{
	fixture f;
	setup(&f);
	const char *posts[][2] = {
		{ "/desk/admin/teams", "name=Sneaky" },
		{ "/desk/admin/members", "email=sneaky%40example.com&role=admin" },
		{ "/desk/admin/settings", "support_phone=123456" },
		{ "/desk/admin/categories", "name=Sneaky&slug=sneaky" },
		{ "/desk/admin/canned", "title=Sneaky&content=x" },
		{ "/desk/admin/types", "name=Sneaky&routing=organization&priority=normal&role_customer=1" },
		{ "/desk/admin/fields", "key=sneaky&label=Sneaky&kind=text&frontend=1&backend=1" },
	};
	for (size_t i = 0; i < sizeof posts / sizeof *posts; i++) {
		char body[512];
		snprintf(body, sizeof body, "_csrf=not-the-token&org=%s&%s", f.slug, posts[i][1]);
		harness_response r;
		post_form(f.a, posts[i][0], f.adm.cookie, body, &r);
		assert_status(&r, 403);
		harness_response_free(&r);
		snprintf(body, sizeof body, "org=%s&%s", f.slug, posts[i][1]); /* none at all */
		post_form(f.a, posts[i][0], f.adm.cookie, body, &r);
		assert_status(&r, 403);
		harness_response_free(&r);
	}
	char uri[256], body[256];
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/active", f.agent_m);
	snprintf(body, sizeof body, "_csrf=x&org=%s&active=0", f.slug);
	harness_response r;
	post_form(f.a, uri, f.adm.cookie, body, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner("select count(*) from teams where organization_id = $1::uuid", f.org, NULL, "0");
	assert_owner("select count(*) from categories where organization_id = $1::uuid", f.org, NULL, "0");
	assert_owner("select count(*) from canned_responses where organization_id = $1::uuid", f.org, NULL, "0");
	assert_owner("select count(*) from request_types where organization_id = $1::uuid", f.org, NULL, "0");
	assert_owner("select count(*) from field_definitions where field_key = 'sneaky'", NULL, NULL, "0");
	assert_owner("select count(*) from memberships where organization_id = $1::uuid", f.org, NULL, "2");
	assert_owner("select is_active::text from memberships where id = $1::uuid", f.agent_m, NULL, "true");
	assert_owner("select coalesce(support_phone, 'none') from organization_settings where organization_id = $1::uuid",
	    f.org, NULL, "none");
	teardown(&f);
}
END_TEST

/* ---- teams ---- */

START_TEST(teams_create_rename_deactivate_members)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024], uri[256], want[256];

	/* Bad input: 422, the message by the field, the input kept. */
	snprintf(fields, sizeof fields, "org=%s&name=++&description=Kept+text", f.slug);
	post_as(f.a, "/desk/admin/teams", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a name for the team");
	assert_has(&r, "href=\"#f-name\"");
	assert_has(&r, "aria-invalid=\"true\"");
	assert_has(&r, ">Kept text</textarea>");
	harness_response_free(&r);
	char longname[160];
	memset(longname, 'x', 101);
	longname[101] = '\0';
	snprintf(fields, sizeof fields, "org=%s&name=%s", f.slug, longname);
	post_as(f.a, "/desk/admin/teams", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "at most 100 characters");
	assert_has(&r, longname);
	harness_response_free(&r);

	snprintf(fields, sizeof fields, "org=%s&name=Billing&description=Money+matters", f.slug);
	post_as(f.a, "/desk/admin/teams", &f.adm, fields, &r);
	assert_status(&r, 303);
	char *team = owner3("select id from teams where organization_id = $1::uuid and name = 'Billing'", f.org, NULL, NULL);
	ck_assert_ptr_nonnull(team);
	snprintf(want, sizeof want, "/desk/admin/teams/%s?org=%s&done=created", team, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	char who[128];
	snprintf(who, sizeof who, "%s/insert", f.admin);
	assert_owner("select actor_id::text || '/' || action from config_audit where entity = 'team' and entity_id = $1",
	    team, NULL, who);

	/* A second team of the same name. */
	snprintf(fields, sizeof fields, "org=%s&name=Billing", f.slug);
	post_as(f.a, "/desk/admin/teams", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "There is a team with this name already");
	harness_response_free(&r);

	snprintf(uri, sizeof uri, "/desk/admin/teams/%s?org=%s&done=created", team, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The team is created.");
	assert_has(&r, "Billing");
	harness_response_free(&r);

	/* Rename, with an empty name first. */
	snprintf(uri, sizeof uri, "/desk/admin/teams/%s", team);
	snprintf(fields, sizeof fields, "org=%s&name=&description=Still+here", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, ">Still here</textarea>");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Billing+and+refunds", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select name from teams where id = $1::uuid", team, NULL, "Billing and refunds");
	assert_owner("select before->>'name' || ' -> ' || (after->>'name') from config_audit where entity_id = $1 and action = 'update'",
	    team, NULL, "Billing -> Billing and refunds");

	/* Members. */
	snprintf(uri, sizeof uri, "/desk/admin/teams/%s/members", team);
	snprintf(fields, sizeof fields, "org=%s&action=add&member=", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose the member to add");
	harness_response_free(&r);
	char *stranger = new_user("stranger", NULL, 0);
	char *stranger_m = add_member(f.other, stranger, "agent");
	snprintf(fields, sizeof fields, "org=%s&action=add&member=%s", f.slug, stranger_m);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422); /* another organization's member */
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&action=add&member=%s", f.slug, f.agent_m);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select count(*) from membership_teams where team_id = $1::uuid and membership_id = $2::uuid", team,
	    f.agent_m, "1");
	get(f.a, "/desk/admin/members", f.adm.cookie, &r);
	assert_has(&r, "Billing and refunds");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&action=remove&member=%s", f.slug, f.agent_m);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select count(*) from membership_teams where team_id = $1::uuid", team, NULL, "0");
	assert_owner("select count(*) from config_audit where entity = 'membership_team' and organization_id = $1::uuid",
	    f.org, NULL, "2");
	snprintf(fields, sizeof fields, "org=%s&action=juggle&member=%s", f.slug, f.agent_m);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);

	/* Deactivate and back. */
	snprintf(uri, sizeof uri, "/desk/admin/teams/%s/active", team);
	snprintf(fields, sizeof fields, "org=%s&active=0", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select is_active::text from teams where id = $1::uuid", team, NULL, "false");
	snprintf(fields, sizeof fields, "org=%s&active=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select is_active::text from teams where id = $1::uuid", team, NULL, "true");

	/* An unknown or malformed team id: 404. */
	snprintf(uri, sizeof uri, "/desk/admin/teams/not-a-uuid?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/teams/00000000-0000-4000-8000-000000000000?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	/* The audit log page shows the changes. */
	get(f.a, "/desk/admin/audit", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Team changed");
	assert_has(&r, "Billing and refunds");
	harness_response_free(&r);
	free(stranger);
	free(stranger_m);
	free(team);
	teardown(&f);
}
END_TEST

/* ---- members ---- */

START_TEST(invite_validates_and_sends)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024], base[120], email[160], enc[200];

	snprintf(fields, sizeof fields, "org=%s&email=not-an-address&name=Kept+Name&role=admin", f.slug);
	post_as(f.a, "/desk/admin/members", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter an email address like name@example.com.");
	assert_has(&r, "value=\"not-an-address\"");
	assert_has(&r, "value=\"Kept Name\"");
	assert_has(&r, "id=\"f-role-admin\" name=\"role\" value=\"admin\" checked");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&email=&role=owner", f.slug);
	post_as(f.a, "/desk/admin/members", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter the email address of the person to invite.");
	assert_has(&r, "Choose a role: agent or admin.");
	harness_response_free(&r);

	unique(base, sizeof base, "invitee");
	snprintf(email, sizeof email, "%s@example.com", base);
	snprintf(enc, sizeof enc, "%s%%40example.com", base);
	snprintf(fields, sizeof fields, "org=%s&email=%s&name=New+Agent&role=agent", f.slug, enc);
	post_as(f.a, "/desk/admin/members", &f.adm, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/desk/admin/members?org=%s&done=invited", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select m.role || '/' || m.is_active from memberships m join users u on u.id = m.user_id "
	             "where u.email = $1 and m.organization_id = $2::uuid", email, f.org, "agent/true");
	assert_owner("select count(*) from outbox where to_email = $1 and subject like 'You are invited to %'", email, NULL, "1");
	/* No link token in the clear: the outbox holds the bodies sealed. */
	assert_owner("select count(*) from outbox where to_email = $1 and body_text like '%/password/reset/%'", email, NULL, "0");

	snprintf(fields, sizeof fields, "org=%s&email=%s&role=admin", f.slug, enc);
	post_as(f.a, "/desk/admin/members", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "This person is a member already");
	harness_response_free(&r);

	get(f.a, want, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The invitation is sent");
	assert_has(&r, "New Agent");
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(last_admin_is_kept)
{
	fixture f;
	setup(&f);
	harness_response r;
	char uri[256], fields[256];
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/role", f.admin_m);
	snprintf(fields, sizeof fields, "org=%s&role=agent", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 409);
	assert_has(&r, "You are the last admin of");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/active", f.admin_m);
	snprintf(fields, sizeof fields, "org=%s&active=0", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 409);
	assert_has(&r, "last admin");
	harness_response_free(&r);
	assert_owner("select role || '/' || is_active from memberships where id = $1::uuid", f.admin_m, NULL, "admin/true");

	/* With a second admin, the first may step down. */
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/role", f.agent_m);
	snprintf(fields, sizeof fields, "org=%s&role=admin", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/role", f.admin_m);
	snprintf(fields, sizeof fields, "org=%s&role=agent", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select role from memberships where id = $1::uuid", f.admin_m, NULL, "agent");
	/* Now an agent: the admin pages are gone for them. */
	get(f.a, "/desk/admin", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

/* An admin marks a member away (auto-assign passes them over) and back. */
START_TEST(member_away_and_back)
{
	fixture f;
	setup(&f);
	harness_response r;
	char uri[256], fields[256];
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/away", f.agent_m);
	snprintf(fields, sizeof fields, "org=%s&away=maybe", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	assert_owner("select (away_since is null)::text from users where id = $1::uuid", f.agent, NULL, "true");
	snprintf(fields, sizeof fields, "org=%s&away=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/desk/admin/members?org=%s&done=away", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select (away_since is not null)::text from users where id = $1::uuid", f.agent, NULL, "true");
	get(f.a, want, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Away since");
	assert_has(&r, "Mark available");
	assert_has(&r, "auto-assign passes them over");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&away=0", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/members?org=%s&done=available", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select (away_since is null)::text from users where id = $1::uuid", f.agent, NULL, "true");
	/* Another organization's admin: 404, unchanged. */
	char *theirs = owner3("insert into memberships (user_id, organization_id, role) values ($1::uuid, $2::uuid, 'agent') "
	                      "returning id", f.agent, f.other, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/away", theirs);
	snprintf(fields, sizeof fields, "org=%s&away=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select (away_since is null)::text from users where id = $1::uuid", f.agent, NULL, "true");
	free(theirs);
	teardown(&f);
}
END_TEST

START_TEST(deactivation_ends_sessions_and_unassigns)
{
	fixture f;
	setup(&f);
	browser ag;
	sign_in(f.a, f.agent, &ag);
	browser ag2;
	sign_in(f.a, f.agent, &ag2);
	char *customer = new_user("requester", NULL, 0);
	char *ticket = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                      "description, assignee_id) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Help', "
	                      "'Please', $3::uuid) returning id", customer, f.org, f.agent);
	ck_assert_ptr_nonnull(ticket);
	harness_response r;
	get(f.a, "/t/whoami", ag.cookie, &r);
	ck_assert_str_eq(r.body, f.agent);
	harness_response_free(&r);

	char uri[256], fields[256], want[256];
	snprintf(uri, sizeof uri, "/desk/admin/members/%s/active", f.agent_m);
	snprintf(fields, sizeof fields, "org=%s&active=2", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&active=0", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/members?org=%s&done=deactivated", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);

	/* Both of the agent's browsers are signed out at once. */
	get(f.a, "/t/whoami", ag.cookie, &r);
	ck_assert_str_eq(r.body, "anonymous");
	harness_response_free(&r);
	get(f.a, "/t/whoami", ag2.cookie, &r);
	ck_assert_str_eq(r.body, "anonymous");
	harness_response_free(&r);
	get(f.a, "/my/tickets", ag.cookie, &r);
	assert_redirect(&r, "/login?next=/my/tickets");
	harness_response_free(&r);
	/* The admin's own session goes on. */
	get(f.a, "/t/whoami", f.adm.cookie, &r);
	ck_assert_str_eq(r.body, f.admin);
	harness_response_free(&r);

	assert_owner("select is_active::text from memberships where id = $1::uuid", f.agent_m, NULL, "false");
	assert_owner("select coalesce(assignee_id::text, 'queue') from tickets where id = $1::uuid", ticket, NULL, "queue");
	assert_owner("select count(*) from ticket_activity where ticket_id = $1::uuid and activity_type = 'unassigned'",
	    ticket, NULL, "1");
	assert_owner("select actor_id::text from config_audit where entity = 'membership' and entity_id = $1 and action = 'update'",
	    f.agent_m, NULL, f.admin);

	/* Signing in again, they are no longer staff. */
	browser back;
	sign_in(f.a, f.agent, &back);
	get(f.a, "/desk/admin", back.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	get(f.a, want, f.adm.cookie, &r);
	assert_has(&r, "The member is deactivated");
	assert_has(&r, "Reactivate");
	harness_response_free(&r);

	free(back.cookie);
	free(ag.cookie);
	free(ag2.cookie);
	free(customer);
	free(ticket);
	teardown(&f);
}
END_TEST

/* ---- settings ---- */

START_TEST(settings_validate_and_save)
{
	fixture f;
	setup(&f);
	char *team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Front desk') returning id", f.org,
	    NULL, NULL);
	char *other_team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Not yours') returning id",
	    f.other, NULL, NULL);
	harness_response r;
	char fields[4096];
	snprintf(fields, sizeof fields,
	    "org=%s&auto_assign=1&support_email=nope&support_phone=call+me&custom_message=Kept+message"
	    "&ticket_prefix=1AB&default_team=%s",
	    f.slug, other_team);
	post_as(f.a, "/desk/admin/settings", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter the support email like help@example.com");
	assert_has(&r, "Enter the phone number with digits");
	assert_has(&r, "Use 2 to 10 letters and digits, starting with a letter");
	assert_has(&r, "Choose one of the organization");
	assert_has(&r, "value=\"nope\"");
	assert_has(&r, "value=\"call me\"");
	assert_has(&r, "value=\"1AB\"");
	assert_has(&r, ">Kept message</textarea>");
	assert_has(&r, "name=\"auto_assign\" value=\"1\" checked");
	assert_has(&r, "href=\"#f-ticket_prefix\"");
	harness_response_free(&r);
	assert_owner("select auto_assign_enabled::text || coalesce(ticket_prefix, '-') from organization_settings "
	             "where organization_id = $1::uuid", f.org, NULL, "false-");

	char msg[2100];
	memset(msg, 'm', 2001);
	msg[2001] = '\0';
	snprintf(fields, sizeof fields, "org=%s&custom_message=%s", f.slug, msg);
	post_as(f.a, "/desk/admin/settings", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "at most 2000 characters");
	harness_response_free(&r);

	/* Another organization's support address: refused by the field, the
	 * input kept, nothing saved. */
	char theirs[160];
	snprintf(theirs, sizeof theirs, "support-%s@example.com", f.other_slug);
	free(owner3("update organization_settings set support_email = $2 where organization_id = $1::uuid returning 1",
	    f.other, theirs, NULL));
	snprintf(fields, sizeof fields, "org=%s&support_email=%s", f.slug, theirs);
	post_as(f.a, "/desk/admin/settings", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another organization uses this address");
	harness_response_free(&r);
	assert_owner("select coalesce(support_email::text, '-') from organization_settings where organization_id = $1::uuid",
	    f.org, NULL, "-");

	snprintf(fields, sizeof fields,
	    "org=%s&auto_assign=1&support_email=help%%40example.com&support_phone=%%2B1+555+0100"
	    "&custom_message=We+answer+within+a+day.&ticket_prefix=help2&default_team=%s",
	    f.slug, team);
	post_as(f.a, "/desk/admin/settings", &f.adm, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/desk/admin/settings?org=%s&done=saved", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select auto_assign_enabled::text || ' ' || email_notifications_enabled::text || ' ' || support_email || ' ' "
	             "|| support_phone || ' ' || custom_message || ' ' || ticket_prefix || ' ' || (default_team_id = $2::uuid)::text "
	             "from organization_settings where organization_id = $1::uuid",
	    f.org, team, "true false help@example.com +1 555 0100 We answer within a day. HELP2 true");
	assert_owner("select after->>'ticket_prefix' from config_audit where entity = 'organization_settings' "
	             "and organization_id = $1::uuid and action = 'update' and actor_id is not null",
	    f.org, NULL, "HELP2");
	get(f.a, want, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The settings are saved.");
	assert_has(&r, "value=\"HELP2\"");
	harness_response_free(&r);

	/* A ticket routed here now carries the prefix. */
	char *customer = new_user("prefix", NULL, 0);
	char *number = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                      "description) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Prefix', 'check') "
	                      "returning number", customer, f.org, NULL);
	ck_assert_msg(number && strncmp(number, "HELP2-", 6) == 0, "number %s", number ? number : "(null)");

	/* Emptied, the optional fields go back to none. */
	snprintf(fields, sizeof fields, "org=%s&email_notifications=1&support_email=&support_phone=&custom_message=&ticket_prefix=",
	    f.slug);
	post_as(f.a, "/desk/admin/settings", &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select coalesce(support_email::text, '-') || coalesce(ticket_prefix, '-') || auto_assign_enabled::text "
	             "from organization_settings where organization_id = $1::uuid", f.org, NULL, "--false");
	free(number);
	free(customer);
	free(team);
	free(other_team);
	teardown(&f);
}
END_TEST

/* ---- several organizations ---- */

START_TEST(admin_of_two_chooses)
{
	fixture f;
	setup(&f);
	char *m = add_member(f.other, f.admin, "admin");
	harness_response r;
	get(f.a, "/desk/admin/teams", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Choose the organization to work on");
	assert_has(&r, f.slug);
	assert_has(&r, f.other_slug);
	harness_response_free(&r);
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/admin/teams?org=%s", f.other_slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<h1>Teams</h1>");
	assert_has(&r, "name=\"org\"");
	harness_response_free(&r);
	/* A form without its organization is refused, not guessed. */
	char fields[128];
	snprintf(fields, sizeof fields, "name=Guess");
	post_as(f.a, "/desk/admin/teams", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	get(f.a, "/desk/admin/teams?org=no-such-org", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(m);
	teardown(&f);
}
END_TEST

START_TEST(platform_admin_reaches_every_organization)
{
	fixture f;
	setup(&f);
	char *pa = new_user("platform", NULL, 0);
	free(owner3("with u as (update users set platform_role = 'admin' where id = $1::uuid returning 1) select count(*) from u",
	    pa, NULL, NULL));
	browser b;
	sign_in(f.a, pa, &b);
	harness_response r;
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/admin/members?org=%s", f.other_slug);
	get(f.a, uri, b.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<h1>Members</h1>");
	harness_response_free(&r);
	char fields[256];
	snprintf(fields, sizeof fields, "org=%s&name=Platform+made", f.other_slug);
	post_as(f.a, "/desk/admin/teams", &b, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select count(*) from teams where organization_id = $1::uuid and name = 'Platform made'", f.other, NULL, "1");
	free(b.cookie);
	free(pa);
	teardown(&f);
}
END_TEST

/* ---- categories ---- */

/* The slugs of the organization's categories in their order, "a,b,c". */
static void assert_category_order(const fixture *f, const char *want)
{
	assert_owner("select string_agg(slug, ',' order by sort_order, name, id) from categories where organization_id = $1::uuid",
	    f->org, NULL, want);
}

START_TEST(categories_create_edit_order_delete)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024], uri[256], want[256];

	/* Bad input: 422, messages by the fields, the input kept. */
	snprintf(fields, sizeof fields, "org=%s&name=+&slug=Not+A+Slug&color=blue&icon=Bad+icon&description=Kept+words", f.slug);
	post_as(f.a, "/desk/admin/categories", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a name for the category");
	assert_has(&r, "The slug may have lowercase letters");
	assert_has(&r, "The colour must be #");
	assert_has(&r, "The icon is a name");
	assert_has(&r, "href=\"#f-slug\"");
	assert_has(&r, "value=\"Not A Slug\"");
	assert_has(&r, ">Kept words</textarea>");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Double&slug=double--hyphen", f.slug);
	post_as(f.a, "/desk/admin/categories", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "single hyphens");
	harness_response_free(&r);

	const char *slugs[] = { "billing", "access", "bugs" };
	for (int i = 0; i < 3; i++) {
		snprintf(fields, sizeof fields, "org=%s&name=Cat+%s&slug=%s&color=%%233B82F6&icon=credit-card&active=1", f.slug,
		    slugs[i], slugs[i]);
		post_as(f.a, "/desk/admin/categories", &f.adm, fields, &r);
		snprintf(want, sizeof want, "/desk/admin/categories?org=%s&done=created", f.slug);
		assert_redirect(&r, want);
		harness_response_free(&r);
	}
	assert_category_order(&f, "billing,access,bugs");
	char *billing = owner3("select id from categories where organization_id = $1::uuid and slug = 'billing'", f.org, NULL, NULL);
	char *bugs = owner3("select id from categories where organization_id = $1::uuid and slug = 'bugs'", f.org, NULL, NULL);
	char who[128];
	snprintf(who, sizeof who, "%s/insert", f.admin);
	assert_owner("select actor_id::text || '/' || action from config_audit where entity = 'category' and entity_id = $1",
	    billing, NULL, who);
	/* Another organization may use the same slug; this one may not twice. */
	snprintf(fields, sizeof fields, "org=%s&name=Again&slug=billing", f.slug);
	post_as(f.a, "/desk/admin/categories", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another category of the organization has this slug");
	assert_has(&r, "value=\"Again\"");
	harness_response_free(&r);
	free(owner3("insert into categories (organization_id, name, slug) values ($1::uuid, 'Theirs', 'theirs') returning id",
	    f.other, NULL, NULL));

	/* The list, in order, with the move buttons. */
	snprintf(uri, sizeof uri, "/desk/admin/categories?org=%s&done=created", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The category is created.");
	assert_has(&r, "Cat billing");
	assert_has(&r, "name=\"dir\" value=\"up\"");
	assert_lacks(&r, "Theirs");
	harness_response_free(&r);

	/* Up and down, without scripts: a form per row. */
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s/move", bugs);
	snprintf(fields, sizeof fields, "org=%s&dir=up", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/categories?org=%s&done=moved", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_category_order(&f, "billing,bugs,access");
	post_as(f.a, uri, &f.adm, fields, &r);
	harness_response_free(&r);
	assert_category_order(&f, "bugs,billing,access");
	post_as(f.a, uri, &f.adm, fields, &r); /* first already: nothing moves */
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_category_order(&f, "bugs,billing,access");
	snprintf(fields, sizeof fields, "org=%s&dir=down", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	harness_response_free(&r);
	assert_category_order(&f, "billing,bugs,access");
	snprintf(fields, sizeof fields, "org=%s&dir=sideways", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);

	/* Edit: bad, then good. */
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s", billing);
	snprintf(fields, sizeof fields, "org=%s&name=Money&slug=bugs&active=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another category of the organization has this slug");
	assert_has(&r, "value=\"Money\"");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Money&slug=money&color=%%23112233&icon=&active=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select name || '/' || slug || '/' || color || '/' || (icon is null)::text from categories where id = $1::uuid",
	    billing, NULL, "Money/money/#112233/true");
	assert_owner("select before->>'slug' || '>' || (after->>'slug') from config_audit where entity_id = $1 and action = 'update' "
	             "and before->>'slug' <> after->>'slug'", billing, NULL, "billing>money");
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s?org=%s&done=saved", billing, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The category is saved.");
	assert_has(&r, "value=\"#112233\"");
	assert_has(&r, "Delete the category");
	harness_response_free(&r);

	/* Delete: one in use is deactivated instead, an unused one goes. */
	char *ticket = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                      "description, category_id) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Uses it', "
	                      "'Body', $3::uuid) returning id", f.agent, f.org, billing);
	ck_assert_ptr_nonnull(ticket);
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s?org=%s", billing, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_has(&r, "Deactivate the category");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s/delete", billing);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/categories/%s?org=%s&done=deactivated", billing, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select is_active::text from categories where id = $1::uuid", billing, NULL, "false");
	assert_owner("select category_id::text from tickets where id = $1::uuid", ticket, NULL, billing);
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s/delete", bugs);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/categories?org=%s&done=deleted", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select count(*) from categories where id = $1::uuid", bugs, NULL, "0");
	assert_owner("select count(*) from config_audit where entity = 'category' and entity_id = $1 and action = 'delete'", bugs,
	    NULL, "1");
	post_as(f.a, uri, &f.adm, fields, &r); /* gone already */
	assert_status(&r, 404);
	harness_response_free(&r);

	/* Another organization's category, through ours or theirs: 404. */
	char *theirs = owner3("select id from categories where organization_id = $1::uuid", f.other, NULL, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s?org=%s", theirs, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s", theirs);
	snprintf(fields, sizeof fields, "org=%s&name=Pwned&slug=pwned", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Pwned&slug=pwned", f.other_slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/categories/%s/delete", theirs);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/categories/not-a-uuid?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select name from categories where id = $1::uuid", theirs, NULL, "Theirs");

	/* An agent's post, with a valid token: 404, nothing made. */
	browser ag;
	sign_in(f.a, f.agent, &ag);
	snprintf(fields, sizeof fields, "org=%s&name=Agent&slug=agent", f.slug);
	post_as(f.a, "/desk/admin/categories", &ag, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select count(*) from categories where organization_id = $1::uuid and slug = 'agent'", f.org, NULL, "0");

	get(f.a, "/desk/admin/audit", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Category removed");
	harness_response_free(&r);
	free(ag.cookie);
	free(theirs);
	free(ticket);
	free(billing);
	free(bugs);
	teardown(&f);
}
END_TEST

/* ---- canned responses ---- */

START_TEST(canned_create_validate_edit_delete)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[2048], uri[256], want[256];
	char *team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Billing') returning id", f.org, NULL, NULL);
	char *their_team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Theirs') returning id", f.other,
	    NULL, NULL);
	char *cat = owner3("insert into categories (organization_id, name, slug) values ($1::uuid, 'Refunds', 'refunds') returning id",
	    f.org, NULL, NULL);
	char *their_cat = owner3("insert into categories (organization_id, name, slug) values ($1::uuid, 'Theirs', 'theirs') "
	                         "returning id", f.other, NULL, NULL);

	/* The placeholders are listed as help. */
	get(f.a, "/desk/admin/canned", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "&#123;&#123;ticket.number&#125;&#125;");
	assert_has(&r, "&#123;&#123;requester.name&#125;&#125;");
	assert_has(&r, "&#123;&#123;agent.name&#125;&#125;");
	assert_has(&r, ">Refunds</option>");
	assert_has(&r, ">Billing</option>");
	assert_lacks(&r, ">Theirs</option>");
	harness_response_free(&r);

	/* Bad input. */
	snprintf(fields, sizeof fields, "org=%s&title=&shortcut=Reset+Password&content=&tags=a,b", f.slug);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a title");
	assert_has(&r, "The shortcut may have lowercase letters");
	assert_has(&r, "Enter the text the response inserts");
	assert_has(&r, "value=\"Reset Password\"");
	assert_has(&r, "value=\"a,b\"");
	harness_response_free(&r);
	char longcut[64];
	memset(longcut, 'a', 49);
	longcut[49] = '\0';
	snprintf(fields, sizeof fields, "org=%s&title=Long&shortcut=%s&content=x&tags=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
	    f.slug, longcut);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "at most 48");
	assert_has(&r, "At most 20 tags");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&title=Cat&content=x&category=%s", f.slug, their_cat);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose one of the categories listed");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&title=Team&content=x&team=%s", f.slug, their_team);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose one of the organization");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&title=Team&content=x&team=garbage", f.slug);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 422);
	harness_response_free(&r);
	assert_owner("select count(*) from canned_responses where organization_id = $1::uuid", f.org, NULL, "0");

	/* Created, the typed '/' dropped, tags split. */
	snprintf(fields, sizeof fields,
	    "org=%s&title=Refund+steps&shortcut=%%2Frefund&content=Hi+%%7B%%7Brequester.name%%7D%%7D%%2C+ticket+"
	    "%%7B%%7Bticket.number%%7D%%7D.&category=%s&team=%s&tags=billing%%2C+refund+&visibility=public&active=1",
	    f.slug, cat, team);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 303);
	char *canned = owner3("select id from canned_responses where organization_id = $1::uuid", f.org, NULL, NULL);
	ck_assert_ptr_nonnull(canned);
	snprintf(want, sizeof want, "/desk/admin/canned/%s?org=%s&done=created", canned, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select shortcut || '|' || array_to_string(tags, ';') || '|' || is_public::text || '|' || "
	             "(team_id = $2::uuid)::text || '|' || content from canned_responses where id = $1::uuid",
	    canned, team, "refund|billing;refund|true|true|Hi {{requester.name}}, ticket {{ticket.number}}.");
	char who[128];
	snprintf(who, sizeof who, "%s/insert", f.admin);
	assert_owner("select actor_id::text || '/' || action from config_audit where entity = 'canned_response' and entity_id = $1",
	    canned, NULL, who);

	/* The shortcut is the organization's, with or without the '/'. */
	snprintf(fields, sizeof fields, "org=%s&title=Again&shortcut=refund&content=x", f.slug);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another canned response of the organization has this shortcut");
	harness_response_free(&r);
	free(owner3("insert into canned_responses (organization_id, title, shortcut, content) values ($1::uuid, 'Old', '/legacy', 'x') "
	            "returning id", f.org, NULL, NULL));
	snprintf(fields, sizeof fields, "org=%s&title=Again&shortcut=legacy&content=x", f.slug);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 422);
	harness_response_free(&r);
	/* Another organization's shortcut does not count. */
	snprintf(fields, sizeof fields, "org=%s&title=Same+elsewhere&shortcut=refund&content=x", f.other_slug);
	char *other_admin = new_user("other-admin", NULL, 0);
	free(add_member(f.other, other_admin, "admin"));
	browser oa;
	sign_in(f.a, other_admin, &oa);
	post_as(f.a, "/desk/admin/canned", &oa, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);

	/* The list and the page. */
	get(f.a, "/desk/admin/canned?done=created", f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The canned response is created.");
	assert_has(&r, "<code>/refund</code>");
	assert_has(&r, "Team Billing");
	assert_lacks(&r, "Same elsewhere");
	harness_response_free(&r);
	get(f.a, "/desk/admin/canned?after=bad", f.adm.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);

	/* Edit: personal, no team; a bad shortcut keeps the rest typed. */
	snprintf(uri, sizeof uri, "/desk/admin/canned/%s", canned);
	snprintf(fields, sizeof fields, "org=%s&title=Kept+title&shortcut=-dash&content=Kept+text", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "value=\"Kept title\"");
	assert_has(&r, ">Kept text</textarea>");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&title=Refund+steps&shortcut=refund&content=Mine&visibility=personal&active=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select is_public::text || '/' || coalesce(team_id::text, 'none') || '/' || content from canned_responses "
	             "where id = $1::uuid", canned, NULL, "false/none/Mine");
	assert_owner("select before->>'content' || '>' || (after->>'content') from config_audit where entity_id = $1 and action = 'update'",
	    canned, NULL, "Hi {{requester.name}}, ticket {{ticket.number}}.>Mine");

	/* Another organization's response: 404, unchanged. */
	char *theirs = owner3("select id from canned_responses where organization_id = $1::uuid", f.other, NULL, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/canned/%s?org=%s", theirs, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/canned/%s", theirs);
	snprintf(fields, sizeof fields, "org=%s&title=Pwned&content=Pwned", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/canned/%s/delete", theirs);
	snprintf(fields, sizeof fields, "org=%s", f.other_slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select title from canned_responses where id = $1::uuid", theirs, NULL, "Same elsewhere");

	/* Delete. */
	snprintf(uri, sizeof uri, "/desk/admin/canned/%s/delete", canned);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/canned?org=%s&done=deleted", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select count(*) from canned_responses where id = $1::uuid", canned, NULL, "0");
	assert_owner("select count(*) from config_audit where entity_id = $1 and action = 'delete'", canned, NULL, "1");
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	free(oa.cookie);
	free(other_admin);
	free(theirs);
	free(canned);
	free(team);
	free(their_team);
	free(cat);
	free(their_cat);
	teardown(&f);
}
END_TEST

/* A public response made here is what an agent's /shortcut finds. */
START_TEST(canned_reaches_the_workspace)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[512];
	snprintf(fields, sizeof fields, "org=%s&title=Greeting&shortcut=greet-admin&content=Hello+there&active=1", f.slug);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	browser ag;
	sign_in(f.a, f.agent, &ag);
	get(f.a, "/desk/canned?q=greet-ad", ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"shortcut\" : \"greet-admin\"");
	harness_response_free(&r);

	/* One kept to a team: offered to its members (and the admins) only,
	 * and on a ticket only the ticket's organization's. */
	char *team = owner3("insert into teams (organization_id, name) values ($1::uuid, 'Billing') returning id", f.org, NULL,
	    NULL);
	snprintf(fields, sizeof fields, "org=%s&title=Billing+hello&shortcut=greet-billing&content=Hi&team=%s&active=1", f.slug,
	    team);
	post_as(f.a, "/desk/admin/canned", &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	free(owner3("insert into canned_responses (organization_id, title, shortcut, content) values ($1::uuid, 'Theirs', "
	            "'greet-theirs', 'Not here') returning id", f.other, NULL, NULL));
	free(owner3("insert into memberships (user_id, organization_id, role) values ($1::uuid, $2::uuid, 'agent') returning id",
	    f.agent, f.other, NULL));
	char *customer = new_user("canned", NULL, 0);
	char *number = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                      "description) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Canned', 'check') "
	                      "returning number", customer, f.org, NULL);
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/canned?q=greet&ticket=%s", number);
	get(f.a, uri, ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "greet-admin");
	assert_lacks(&r, "greet-billing");
	assert_lacks(&r, "greet-theirs");
	harness_response_free(&r);
	get(f.a, "/desk/canned?q=greet", ag.cookie, &r); /* no ticket: any of the agent's organizations */
	assert_has(&r, "greet-theirs");
	assert_lacks(&r, "greet-billing");
	harness_response_free(&r);
	get(f.a, uri, f.adm.cookie, &r);
	assert_has(&r, "greet-billing");
	harness_response_free(&r);
	free(owner3("insert into membership_teams (membership_id, team_id, organization_id) values ($1::uuid, $2::uuid, "
	            "$3::uuid) returning team_id", f.agent_m, team, f.org));
	get(f.a, uri, ag.cookie, &r);
	assert_has(&r, "greet-billing");
	assert_lacks(&r, "greet-theirs");
	harness_response_free(&r);
	get(f.a, "/desk/canned?q=greet&ticket=NOPE-000001", ag.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(number);
	free(customer);
	free(team);
	free(ag.cookie);
	teardown(&f);
}
END_TEST

/* ---- request types ---- */

/* The id in a Location "/desk/admin/<what>/<id>?org=..." (malloc'd). */
static char *location_id(const harness_response *r, const char *prefix)
{
	char *l = harness_header(r, "Location");
	ck_assert_msg(l && strncmp(l, prefix, strlen(prefix)) == 0, "Location \"%s\", want %s...", l ? l : "", prefix);
	char *id = strndup(l + strlen(prefix), 36);
	free(l);
	return id;
}

#define TYPE_FORM "routing=organization&priority=normal&role_anonymous=1&role_customer=1&active=1"

START_TEST(types_create_edit_order_remove)
{
	fixture f;
	setup(&f);
	char fields[1024], uri[256], want[512];
	harness_response r;
	/* Nothing to go on: each message by its field, what was typed kept. */
	snprintf(fields, sizeof fields, "org=%s&name=&description=Kept+text&routing=nowhere&priority=normal", f.slug);
	post_as(f.a, "/desk/admin/types", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a name");
	assert_has(&r, "Choose where tickets of this type go.");
	assert_has(&r, "Choose at least one role who may file this type");
	assert_has(&r, "Kept text");
	assert_has(&r, "href=\"#f-roles\"");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Broken+device&description=Tell+us&" TYPE_FORM, f.slug);
	post_as(f.a, "/desk/admin/types", &f.adm, fields, &r);
	char *t1 = location_id(&r, "/desk/admin/types/");
	snprintf(want, sizeof want, "/desk/admin/types/%s?org=%s&done=created", t1, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	/* The same name again (in any case): refused by the field. */
	snprintf(fields, sizeof fields, "org=%s&name=broken+DEVICE&" TYPE_FORM, f.slug);
	post_as(f.a, "/desk/admin/types", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "There is a request type with this name already.");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Billing&" TYPE_FORM, f.slug);
	post_as(f.a, "/desk/admin/types", &f.adm, fields, &r);
	char *t2 = location_id(&r, "/desk/admin/types/");
	harness_response_free(&r);
	assert_owner("select string_agg(name, ',' order by sort_order, name) from request_types where organization_id = $1::uuid",
	    f.org, NULL, "Broken device,Billing");

	/* Edit: a bad priority is refused, then a good save. */
	snprintf(uri, sizeof uri, "/desk/admin/types/%s?org=%s", t1, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Broken device");
	assert_has(&r, "Preview the public form");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/types/%s", t1);
	snprintf(fields, sizeof fields, "org=%s&name=Billing&" TYPE_FORM, f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another request type has this name already.");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Broken+thing&routing=hybrid&priority=urgent&role_customer=1&"
	    "requires_event=1&active=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/types/%s?org=%s&done=saved", t1, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select name || '/' || default_routing || '/' || default_priority || '/' || allowed_roles::text || '/' "
	             "|| requires_event from request_types where id = $1::uuid", t1, NULL,
	    "Broken thing/hybrid/urgent/{customer}/true");

	/* Order: Billing up, then a bad direction. */
	snprintf(uri, sizeof uri, "/desk/admin/types/%s/move", t2);
	snprintf(fields, sizeof fields, "org=%s&dir=up", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/types?org=%s&done=moved", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select string_agg(name, ',' order by sort_order, name) from request_types where organization_id = $1::uuid",
	    f.org, NULL, "Billing,Broken thing");
	snprintf(fields, sizeof fields, "org=%s&dir=sideways", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/types?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "name=\"dir\" value=\"down\"");
	harness_response_free(&r);

	/* Remove: a type a ticket uses is deactivated, an unused one deleted. */
	free(owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, "
	            "request_type_id) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Uses it', 'A ticket of the type', "
	            "$3::uuid) returning id", f.admin, f.org, t1));
	snprintf(uri, sizeof uri, "/desk/admin/types/%s/remove", t1);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/types/%s?org=%s&done=deactivated", t1, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select is_active::text from request_types where id = $1::uuid", t1, NULL, "false");
	snprintf(uri, sizeof uri, "/desk/admin/types/%s/remove", t2);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/types?org=%s&done=deleted", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select count(*) from request_types where id = $1::uuid", t2, NULL, "0");
	assert_owner("select count(*) from config_audit where organization_id = $1::uuid and entity = 'request_type' "
	             "and actor_id = $2::uuid", f.org, f.admin, "7");
	snprintf(uri, sizeof uri, "/desk/admin/audit?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_has(&r, "Request type");
	harness_response_free(&r);
	free(t1);
	free(t2);
	teardown(&f);
}
END_TEST

/* ---- custom fields ---- */

START_TEST(fields_validate_and_save)
{
	fixture f;
	setup(&f);
	char *type = owner3("insert into request_types (organization_id, name) values ($1::uuid, 'Order question') returning id",
	    f.org, NULL, NULL);
	char fields[2048], uri[256], want[512], key[80];
	harness_response r;
	/* A bad key, a pattern that does not compile, min above max. */
	snprintf(fields, sizeof fields, "org=%s&key=Bad-Key&label=Order&kind=text&pattern=%%28unclosed&min_length=9&"
	    "max_length=3&frontend=1&backend=1", f.slug);
	post_as(f.a, "/desk/admin/fields", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "The key must start with a small letter");
	assert_has(&r, "The pattern is not a valid regular expression");
	assert_has(&r, "The maximum length must be at least the minimum length.");
	assert_has(&r, "value=\"(unclosed\"");
	assert_has(&r, "value=\"Bad-Key\"");
	harness_response_free(&r);
	/* POSIX-only trouble: PostgreSQL reads \d, regcomp does not mind; a
	 * reversed range fails both. */
	snprintf(fields, sizeof fields, "org=%s&key=ok_key&label=Order&kind=text&pattern=%%5Bz-a%%5D&frontend=1&backend=1",
	    f.slug);
	post_as(f.a, "/desk/admin/fields", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "The pattern is not a valid regular expression");
	harness_response_free(&r);
	/* A dropdown without options; an option twice; lengths on a checkbox. */
	snprintf(fields, sizeof fields, "org=%s&key=ok_key&label=Colour&kind=dropdown_static&options=+%%0A&frontend=1&backend=1",
	    f.slug);
	post_as(f.a, "/desk/admin/fields", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "A dropdown needs at least one option");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&key=ok_key&label=Colour&kind=dropdown_static&options=red%%0Ared&frontend=1",
	    f.slug);
	post_as(f.a, "/desk/admin/fields", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "is listed twice");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&key=ok_key&label=Agree&kind=checkbox&max_length=5", f.slug);
	post_as(f.a, "/desk/admin/fields", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Lengths and patterns apply to text fields only.");
	assert_has(&r, "Show the field on the public form, in the staff workspace, or both.");
	harness_response_free(&r);
	assert_owner("select count(*) from field_definitions where organization_id = $1::uuid", f.org, NULL, "0");

	/* A good one, for the type and customers only. */
	unique(key, sizeof key, "k");
	for (char *p = key; *p; p++)
		if (*p == '-')
			*p = '_';
	snprintf(fields, sizeof fields, "org=%s&key=%s&label=Order+number&kind=text&required=1&placeholder=AB123456&"
	    "pattern=%%5E%%5BA-Z%%5D%%7B2%%7D%%5B0-9%%5D%%7B6%%7D%%24&max_length=8&rt_%s=1&vrole_customer=1&frontend=1&backend=1",
	    f.slug, key, type);
	post_as(f.a, "/desk/admin/fields", &f.adm, fields, &r);
	char *fid = location_id(&r, "/desk/admin/fields/");
	snprintf(want, sizeof want, "/desk/admin/fields/%s?org=%s&done=created", fid, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select field_type || '/' || is_required || '/' || (validation_rules->>'pattern') || '/' || "
	             "(validation_rules->>'max_length') from field_definitions where id = $1::uuid", fid, NULL,
	    "text/true/^[A-Z]{2}[0-9]{6}$/8");
	assert_owner("select request_type_ids::text || '/' || user_roles::text from field_visibility_rules "
	             "where field_definition_id = $1::uuid", fid, NULL,
	    (snprintf(want, sizeof want, "{%s}/{customer}", type), want));
	/* The same key again: refused by the field. */
	post_as(f.a, "/desk/admin/fields", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "A field with this key exists already");
	harness_response_free(&r);

	/* Edit: the page shows it; a save with a broken pattern keeps the old. */
	snprintf(uri, sizeof uri, "/desk/admin/fields/%s?org=%s", fid, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Order number");
	assert_has(&r, "AB123456");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/fields/%s", fid);
	snprintf(fields, sizeof fields, "org=%s&label=Order+number&kind=text&pattern=a%%7B2%%2C1%%7D&frontend=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "The pattern is not a valid regular expression");
	harness_response_free(&r);
	assert_owner("select validation_rules->>'pattern' from field_definitions where id = $1::uuid", fid, NULL,
	    "^[A-Z]{2}[0-9]{6}$");
	snprintf(fields, sizeof fields, "org=%s&label=Order+no.&kind=dropdown_static&options=a+%%7C+First%%0Ab&"
	    "default_value=b&frontend=1&backend=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/fields/%s?org=%s&done=saved", fid, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select label || '/' || options::text || '/' || default_value || '/' || validation_rules::text "
	             "from field_definitions where id = $1::uuid", fid, NULL,
	    "Order no./[{\"label\": \"First\", \"value\": \"a\"}, {\"label\": \"b\", \"value\": \"b\"}]/b/{}");
	assert_owner("select count(*) from field_visibility_rules where field_definition_id = $1::uuid", fid, NULL, "0");

	/* Used by a ticket: deactivated, never deleted; then active again. */
	char cf[160];
	snprintf(cf, sizeof cf, "{\"%s\": \"a\"}", key);
	free(owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, "
	            "custom_fields) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Has a value', 'A ticket with it', "
	            "$3::jsonb) returning id", f.admin, f.org, cf));
	snprintf(uri, sizeof uri, "/desk/admin/fields/%s/remove", fid);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/fields/%s?org=%s&done=deactivated", fid, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select is_active::text from field_definitions where id = $1::uuid", fid, NULL, "false");
	snprintf(uri, sizeof uri, "/desk/admin/fields/%s/activate", fid);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select is_active::text from field_definitions where id = $1::uuid", fid, NULL, "true");
	assert_owner("select count(*) from config_audit where organization_id = $1::uuid and entity = 'field_definition' "
	             "and actor_id = $2::uuid", f.org, f.admin, "4");
	/* The type's page lists it; the fields list filters by type. */
	snprintf(uri, sizeof uri, "/desk/admin/fields?org=%s&type=%s", f.slug, type);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Order no.");
	harness_response_free(&r);
	free(fid);
	free(type);
	teardown(&f);
}
END_TEST

START_TEST(foreign_types_and_fields_are_404)
{
	fixture f;
	setup(&f);
	char *type = owner3("insert into request_types (organization_id, name) values ($1::uuid, 'Theirs') returning id",
	    f.other, NULL, NULL);
	char key[80];
	unique(key, sizeof key, "their");
	for (char *p = key; *p; p++)
		if (*p == '-')
			*p = '_';
	char *field = owner3("insert into field_definitions (organization_id, field_key, label, field_type) "
	                     "values ($1::uuid, $2, 'Theirs', 'text') returning id", f.other, key, NULL);
	char uri[256], fields[512];
	harness_response r;
	const char *const gets[] = { "", "/preview" };
	for (int i = 0; i < 2; i++) {
		snprintf(uri, sizeof uri, "/desk/admin/types/%s%s?org=%s", type, gets[i], f.slug);
		get(f.a, uri, f.adm.cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	snprintf(uri, sizeof uri, "/desk/admin/fields/%s?org=%s", field, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/fields?org=%s&type=%s", f.slug, type);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	const char *const posts[] = { "", "/move", "/remove" };
	for (int i = 0; i < 3; i++) {
		snprintf(uri, sizeof uri, "/desk/admin/types/%s%s", type, posts[i]);
		snprintf(fields, sizeof fields, "org=%s&name=Pwned&dir=up&" TYPE_FORM, f.slug);
		post_as(f.a, uri, &f.adm, fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	const char *const fposts[] = { "", "/remove", "/activate" };
	for (int i = 0; i < 3; i++) {
		snprintf(uri, sizeof uri, "/desk/admin/fields/%s%s", field, fposts[i]);
		snprintf(fields, sizeof fields, "org=%s&label=Pwned&kind=text&frontend=1", f.slug);
		post_as(f.a, uri, &f.adm, fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	snprintf(fields, sizeof fields, "org=%s&name=Ours&" TYPE_FORM, f.other_slug);
	post_as(f.a, "/desk/admin/types", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select name || '/' || is_active from request_types where id = $1::uuid", type, NULL, "Theirs/true");
	assert_owner("select label || '/' || is_active from field_definitions where id = $1::uuid", field, NULL, "Theirs/true");
	assert_owner("select count(*) from request_types where organization_id = $1::uuid", f.other, NULL, "1");
	free(type);
	free(field);
	teardown(&f);
}
END_TEST

/* The ids of the custom field inputs in a page, in order ("cf-a,cf-b,"). */
static void cf_ids(const char *body, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	for (const char *p = body; (p = strstr(p, " id=\"cf-")); ) {
		p += 5;
		const char *end = strchr(p, '"');
		if (!end || o + (size_t)(end - p) + 2 >= n)
			break;
		if (strncmp(end - 5, "-desc", 5) != 0 && strncmp(end - 6, "-error", 6) != 0) {
			memcpy(out + o, p, (size_t)(end - p));
			o += (size_t)(end - p);
			out[o++] = ',';
			out[o] = '\0';
		}
		p = end;
	}
}

START_TEST(preview_matches_the_public_form)
{
	fixture f;
	setup(&f);
	char *type = owner3("insert into request_types (organization_id, name, allowed_roles) "
	                    "values ($1::uuid, 'Preview me', array['anonymous', 'customer']) returning id", f.org, NULL, NULL);
	char k[3][80];
	const char *const sql[] = {
		"with f as (insert into field_definitions (organization_id, field_key, label, field_type, placeholder) "
		"values ($1::uuid, $2, 'For all', 'text', 'Type here') returning id) "
		"insert into field_visibility_rules (field_definition_id, request_type_ids) select id, array[$3::uuid] from f returning 1",
		"with f as (insert into field_definitions (organization_id, field_key, label, field_type) "
		"values ($1::uuid, $2, 'Customers only', 'checkbox') returning id) "
		"insert into field_visibility_rules (field_definition_id, request_type_ids, user_roles) "
		"select id, array[$3::uuid], array['customer'] from f returning 1",
		"with f as (insert into field_definitions (organization_id, field_key, label, field_type) "
		"values ($1::uuid, $2, 'Staff only', 'textarea') returning id) "
		"insert into field_visibility_rules (field_definition_id, request_type_ids, show_on_frontend) "
		"select id, array[$3::uuid], false from f returning 1",
	};
	for (int i = 0; i < 3; i++) {
		unique(k[i], sizeof k[i], "pv");
		for (char *p = k[i]; *p; p++)
			if (*p == '-')
				*p = '_';
		free(owner3(sql[i], f.org, k[i], type));
	}
	char uri[256], want[256], got[1024], public_ids[1024];
	harness_response r;
	/* Anonymous: the preview's fields are /submit/fields' for a visitor. */
	snprintf(uri, sizeof uri, "/desk/admin/types/%s/preview?org=%s&role=anonymous", type, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_security_headers(&r);
	assert_has(&r, "placeholder=\"Type here\"");
	cf_ids(r.body, got, sizeof got);
	harness_response_free(&r);
	snprintf(want, sizeof want, "cf-%s,", k[0]);
	ck_assert_str_eq(got, want);
	snprintf(uri, sizeof uri, "/submit/fields?request_type=%s", type);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	cf_ids(r.body, public_ids, sizeof public_ids);
	harness_response_free(&r);
	ck_assert_str_eq(got, public_ids);
	/* A customer sees the checkbox too, as /submit/fields shows a customer. */
	snprintf(uri, sizeof uri, "/desk/admin/types/%s/preview?org=%s&role=customer", type, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	cf_ids(r.body, got, sizeof got);
	harness_response_free(&r);
	/* By sort order, then label: "Customers only" before "For all". */
	snprintf(want, sizeof want, "cf-%s,cf-%s,", k[1], k[0]);
	ck_assert_str_eq(got, want);
	char *customer = new_user("cust", NULL, 0);
	browser cust;
	sign_in(f.a, customer, &cust);
	snprintf(uri, sizeof uri, "/submit/fields?request_type=%s", type);
	get(f.a, uri, cust.cookie, &r);
	assert_status(&r, 200);
	cf_ids(r.body, public_ids, sizeof public_ids);
	harness_response_free(&r);
	ck_assert_str_eq(got, public_ids);
	/* A role that may not file it: said so, no fields. A made-up role: 400. */
	snprintf(uri, sizeof uri, "/desk/admin/types/%s/preview?org=%s&role=agent", type, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "This role may not file the type");
	assert_lacks(&r, " id=\"cf-");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/types/%s/preview?org=%s&role=root", type, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	free(customer);
	free(cust.cookie);
	free(type);
	teardown(&f);
}
END_TEST

Suite *admin_suite(void)
{
	Suite *s = suite_create("admin");
	TCase *access = tcase_create("access");
	tcase_set_timeout(access, 60);
	tcase_add_test(access, visitors_go_to_sign_in);
	tcase_add_test(access, customers_and_agents_get_404);
	tcase_add_test(access, admin_sees_every_section);
	tcase_add_test(access, foreign_organization_is_404_and_unchanged);
	tcase_add_test(access, wrong_csrf_is_403_and_unchanged);
	tcase_add_test(access, admin_of_two_chooses);
	tcase_add_test(access, platform_admin_reaches_every_organization);
	suite_add_tcase(s, access);
	TCase *pages = tcase_create("admin_pages");
	tcase_set_timeout(pages, 60);
	tcase_add_test(pages, teams_create_rename_deactivate_members);
	tcase_add_test(pages, invite_validates_and_sends);
	tcase_add_test(pages, last_admin_is_kept);
	tcase_add_test(pages, deactivation_ends_sessions_and_unassigns);
	tcase_add_test(pages, member_away_and_back);
	tcase_add_test(pages, settings_validate_and_save);
	tcase_add_test(pages, categories_create_edit_order_delete);
	tcase_add_test(pages, canned_create_validate_edit_delete);
	tcase_add_test(pages, canned_reaches_the_workspace);
	tcase_add_test(pages, types_create_edit_order_remove);
	tcase_add_test(pages, fields_validate_and_save);
	tcase_add_test(pages, foreign_types_and_fields_are_404);
	tcase_add_test(pages, preview_matches_the_public_form);
	suite_add_tcase(s, pages);
	return s;
}
