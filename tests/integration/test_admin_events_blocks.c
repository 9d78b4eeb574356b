/* test_admin_events_blocks.c: the events (/desk/admin/events) and
 * rate-limit blocks (/desk/admin/blocks) admin sections through the
 * in-process harness against the real PostgreSQL and Redis: agents 404,
 * another organization's event 404 and unchanged, bad input 422 with the
 * message by its field and the input kept, an event shown on and gone
 * from the public form, delete-or-deactivate, keyset pages; blocks an org
 * admin sees (its people's, by email or user) and does not (IP, other
 * organizations'), what a platform admin sees, a lift that deletes the
 * counter and leaves an audit row, and the refusals (bad key 400, someone
 * else's 404, no CSRF 403: the counter stays). Blocks are made with
 * ratelimit_hit, the function the pages count with, so nothing waits for
 * a window. Registered from test_integration.c's main() as the suite
 * "admin_events_blocks". */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "integration/istaff.h"
#include "integration/itest.h"
#include "kv/kv.h"
#include "model/submit_form.h"

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

/* An organization with an admin (signed in) and an agent, and a second
 * organization with an admin of its own. */
typedef struct {
	app *a;
	char slug[96], other_slug[96];
	char admin_email[160], agent_email[160], other_email[160];
	char *org, *other;
	char *admin, *agent, *other_admin;
	browser adm;
} fixture;

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, "evorg");
	f->other = new_org(f->other_slug, sizeof f->other_slug, "evorg");
	f->admin = new_user("evadmin", f->admin_email, sizeof f->admin_email);
	f->agent = new_user("evagent", f->agent_email, sizeof f->agent_email);
	f->other_admin = new_user("evother", f->other_email, sizeof f->other_email);
	free(add_member(f->org, f->admin, "admin"));
	free(add_member(f->org, f->agent, "agent"));
	free(add_member(f->other, f->other_admin, "admin"));
	sign_in(f->a, f->admin, &f->adm);
}

static void teardown(fixture *f)
{
	free(f->org);
	free(f->other);
	free(f->admin);
	free(f->agent);
	free(f->other_admin);
	free(f->adm.cookie);
	harness_app_free(f->a);
}

static char *new_event(const char *org, const char *name, const char *starts)
{
	char *id = owner_queryv("insert into events (organization_id, name, starts_at) values ($1::uuid, $2, $3::timestamptz) "
	                        "returning id", org, name, starts, NULL);
	ck_assert_ptr_nonnull(id);
	return id;
}

/* ---- events ---- */

START_TEST(events_agents_404_foreign_404_csrf_403)
{
	fixture f;
	setup(&f);
	char *theirs = new_event(f.other, "Their event", "2030-05-01 10:00+00");
	browser ag;
	sign_in(f.a, f.agent, &ag);
	harness_response r;
	const char *gets[] = { "/desk/admin/events", "/desk/admin/blocks" };
	for (int i = 0; i < 2; i++) {
		get(f.a, gets[i], ag.cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		get(f.a, gets[i], f.adm.cookie, &r);
		assert_status(&r, 200);
		harness_response_free(&r);
	}
	post_as(f.a, "/desk/admin/events", &ag, "name=Agents&starts_at=2030-01-01T10:00", &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	/* Another organization's event, named through ours or through theirs. */
	char uri[256], fields[512];
	snprintf(uri, sizeof uri, "/desk/admin/events/%s?org=%s", theirs, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/events/%s?org=%s", theirs, f.other_slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/events/%s", theirs);
	snprintf(fields, sizeof fields, "org=%s&name=Pwned&starts_at=2030-01-01T10:00&active=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/events/%s/remove", theirs);
	snprintf(fields, sizeof fields, "org=%s", f.other_slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_ownerv("Their event|true", "select name || '|' || is_active from events where id = $1::uuid", theirs, NULL);

	/* Without the CSRF token: 403 and nothing made. */
	post_form(f.a, "/desk/admin/events", f.adm.cookie, "name=NoCsrf&starts_at=2030-01-01T10:00", &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_ownerv("0", "select count(*) from events where organization_id = $1::uuid", f.org, NULL);
	free(theirs);
	free(ag.cookie);
	teardown(&f);
}
END_TEST

START_TEST(events_validate_create_edit_and_reach_the_form)
{
	fixture f;
	setup(&f);
	harness_response r;
	/* Bad input: each message by its field, what was typed kept. */
	post_as(f.a, "/desk/admin/events", &f.adm, "name=&starts_at=someday&location=Hall+B", &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a name for the event");
	assert_has(&r, "id=\"f-name-error\"");
	assert_has(&r, "must be a date and time like 2027-06-14T09:00");
	assert_has(&r, "href=\"#f-starts_at\"");
	assert_has(&r, "value=\"Hall B\"");
	harness_response_free(&r);
	post_as(f.a, "/desk/admin/events", &f.adm, "name=Backwards&starts_at=2030-06-14T09:00&ends_at=2030-06-13T18:00", &r);
	assert_status(&r, 422);
	assert_has(&r, "The end is before the start");
	assert_has(&r, "id=\"f-ends_at-error\"");
	assert_has(&r, "value=\"Backwards\"");
	assert_has(&r, "value=\"2030-06-13T18:00\"");
	harness_response_free(&r);
	post_as(f.a, "/desk/admin/events", &f.adm, "name=Leap&starts_at=2031-02-29", &r);
	assert_status(&r, 422);
	harness_response_free(&r);
	assert_ownerv("0", "select count(*) from events where organization_id = $1::uuid", f.org, NULL);

	/* Created: starting tomorrow, so the public form offers it. */
	char starts[32], name[96], fields[512];
	time_t tomorrow = time(NULL) + 86400;
	struct tm tm;
	gmtime_r(&tomorrow, &tm);
	strftime(starts, sizeof starts, "%Y-%m-%dT%H:%M", &tm);
	unique(name, sizeof name, "Finals");
	snprintf(fields, sizeof fields, "name=%s&starts_at=%s&location=Arena+1&active=1", name, starts);
	post_as(f.a, "/desk/admin/events", &f.adm, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/desk/admin/events?org=%s&done=created", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	char *id = owner_queryv("select id from events where organization_id = $1::uuid and name = $2", f.org, name, NULL);
	ck_assert_ptr_nonnull(id);
	assert_ownerv("1", "select count(*) from config_audit where entity = 'event' and entity_id = $1 and action = 'insert' "
	                  "and actor_id = $2::uuid", id, f.admin, NULL);
	get(f.a, want, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The event is created.");
	assert_has(&r, name);
	assert_has(&r, "Arena 1");
	harness_response_free(&r);

	/* The global "Event inquiry" type's event field lists every organization's upcoming events. */
	char *type = owner_queryv("select id from request_types where organization_id is null and requires_event "
	                          "and is_active order by sort_order limit 1", NULL);
	ck_assert_ptr_nonnull(type);
	char uri[256];
	snprintf(uri, sizeof uri, "/submit/fields?request_type=%s", type);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, name);
	harness_response_free(&r);

	/* Edited: the end before the start is refused on the edit page too. */
	char path[160];
	snprintf(path, sizeof path, "/desk/admin/events/%s", id);
	snprintf(fields, sizeof fields, "org=%s&name=%s&starts_at=%s&ends_at=2001-01-01T00:00&active=1", f.slug, name, starts);
	post_as(f.a, path, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "The end is before the start");
	harness_response_free(&r);
	/* Deactivated by the checkbox: gone from the public form. */
	snprintf(fields, sizeof fields, "org=%s&name=%s+renamed&starts_at=%s&location=", f.slug, name, starts);
	post_as(f.a, path, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/events/%s?org=%s&done=saved", id, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_ownerv("false||", "select is_active || '|' || coalesce(location, '') || '|' || coalesce(ends_at::text, '') "
	                    "from events where id = $1::uuid", id, NULL);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	assert_lacks(&r, name);
	harness_response_free(&r);
	free(type);
	free(id);
	teardown(&f);
}
END_TEST

START_TEST(events_remove_deletes_or_deactivates)
{
	fixture f;
	setup(&f);
	char *unused = new_event(f.org, "Unused", "2030-05-01 10:00+00");
	char *used = new_event(f.org, "Used", "2030-05-02 10:00+00");
	char *customer = new_user("evcust", NULL, 0);
	free(owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                  "description, event_id) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'About the event', "
	                  "'x', $3::uuid) returning id", customer, f.org, used, NULL));
	harness_response r;
	char path[200], fields[128], want[256];
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	snprintf(path, sizeof path, "/desk/admin/events/%s?org=%s", used, f.slug);
	get(f.a, path, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Deactivate the event");
	harness_response_free(&r);

	snprintf(path, sizeof path, "/desk/admin/events/%s/remove", used);
	post_as(f.a, path, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/events/%s?org=%s&done=deactivated", used, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_ownerv("false", "select is_active::text from events where id = $1::uuid", used, NULL);

	snprintf(path, sizeof path, "/desk/admin/events/%s/remove", unused);
	post_as(f.a, path, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/events?org=%s&done=deleted", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_ownerv("0", "select count(*) from events where id = $1::uuid", unused, NULL);
	assert_ownerv("1", "select count(*) from config_audit where entity = 'event' and entity_id = $1 and action = 'delete'",
	    unused, NULL);
	/* Gone already: 404, never a 500. */
	post_as(f.a, path, &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	post_as(f.a, "/desk/admin/events/not-a-uuid/remove", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(unused);
	free(used);
	free(customer);
	teardown(&f);
}
END_TEST

START_TEST(events_pages_by_keyset)
{
	fixture f;
	setup(&f);
	/* 55 events, in the past (the public form does not list them). */
	free(owner_queryv("with i as (insert into events (organization_id, name, starts_at) "
	                  "select $1::uuid, 'Past ' || lpad(g::text, 2, '0'), timestamptz '2001-01-01 00:00+00' + g * interval '1 day' "
	                  "from generate_series(1, 55) g returning 1) select count(*) from i", f.org, NULL));
	harness_response r;
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/admin/events?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, ">Past 55<");
	assert_has(&r, ">Past 06<");
	assert_lacks(&r, ">Past 05<");
	char *next = extract(r.body, "<a href=\"", '"');
	harness_response_free(&r);
	free(next);
	char *last = owner_queryv("select id from events where organization_id = $1::uuid and name = 'Past 06'", f.org, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/events?org=%s&after=%s", f.slug, last);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, ">Past 05<");
	assert_has(&r, ">Past 01<");
	assert_lacks(&r, ">Past 06<");
	assert_has(&r, "First page");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/events?org=%s&after=junk", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	free(last);
	teardown(&f);
}
END_TEST

/* ---- rate-limit blocks ---- */

/* Counts action by subject up to limit hits, as the pages do: a block. */
static void block(app *a, const char *action, const char *subject, long limit)
{
	arena *ar = arena_new(4096);
	ratelimit_result res;
	for (long i = 0; i < limit; i++)
		ck_assert_int_eq(ratelimit_hit(a->kv, ar, action, str_from_cstr(subject), limit, 600, &res), KV_OK);
	ck_assert_int_eq(res.count, limit);
	arena_free(ar);
}

static const char *email_bucket(app *a, arena *ar, const char *email)
{
	return form_email_bucket(ar, str_from_cstr(email), a->cfg->email_strip_plus);
}

/* The counter's key as the page's forms carry it. */
static char *key_of(const char *action, const char *subject)
{
	char hash[RATELIMIT_HASH_HEX + 1];
	ratelimit_subject_hash(str_from_cstr(subject), hash);
	char *k = malloc(RATELIMIT_KEY_MAX);
	snprintf(k, RATELIMIT_KEY_MAX, "sd:rl:%s:%s", action, hash);
	return k;
}

static bool counter_exists(app *a, const char *action, const char *subject)
{
	ratelimit_key k;
	char *key = key_of(action, subject);
	ck_assert(ratelimit_key_parse(key, strlen(key), &k));
	free(key);
	arena *ar = arena_new(1024);
	bool found;
	long count, ttl;
	ck_assert_int_eq(ratelimit_peek(a->kv, ar, &k, &found, &count, &ttl), KV_OK);
	arena_free(ar);
	return found;
}

START_TEST(blocks_org_admin_sees_its_people_only)
{
	fixture f;
	setup(&f);
	arena *ar = arena_new(4096);
	const config *cfg = f.a->cfg;
	/* The agent (a member) is blocked signing in; a requester of the
	 * organization's ticket replying; the other organization's admin
	 * signing in; an address by IP. */
	char *requester = new_user("evreq", NULL, 0);
	free(owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	                  "values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Help', 'x') returning id", requester, f.org, NULL));
	const char *ip = unique_ip();
	block(f.a, "login_email", email_bucket(f.a, ar, f.agent_email), cfg->rate_login_email.limit);
	block(f.a, "reply_user", requester, cfg->rate_reply_user.limit);
	block(f.a, "login_email", email_bucket(f.a, ar, f.other_email), cfg->rate_login_email.limit);
	block(f.a, "login_ip", ip, cfg->rate_login_ip.limit);
	/* Under its limit: no block. */
	ratelimit_result res;
	ck_assert_int_eq(ratelimit_hit(f.a->kv, ar, "login_email", str_from_cstr(email_bucket(f.a, ar, f.admin_email)),
	                     cfg->rate_login_email.limit, 600, &res), KV_OK);

	harness_response r;
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/admin/blocks?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<h1>Rate-limit blocks</h1>");
	assert_has(&r, f.agent_email);
	assert_has(&r, "Signing in");
	assert_has(&r, "Email address · member");
	assert_has(&r, "Replying to tickets");
	assert_has(&r, "User · requester");
	char *agent_key = key_of("login_email", email_bucket(f.a, ar, f.agent_email));
	char *ip_key = key_of("login_ip", ip);
	char *other_key = key_of("login_email", email_bucket(f.a, ar, f.other_email));
	assert_has(&r, agent_key);
	assert_lacks(&r, ip_key);
	assert_lacks(&r, other_key);
	assert_lacks(&r, f.other_email);
	assert_lacks(&r, f.admin_email); /* under the limit */
	harness_response_free(&r);

	/* The other organization's admin sees theirs and not ours. */
	browser oth;
	sign_in(f.a, f.other_admin, &oth);
	get(f.a, "/desk/admin/blocks", oth.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, other_key);
	assert_lacks(&r, agent_key);
	harness_response_free(&r);

	/* A platform admin sees every block, IP ones too. */
	char *pa = new_user("evplatform", NULL, 0);
	free(owner_queryv("with u as (update users set platform_role = 'admin' where id = $1::uuid returning 1) "
	                  "select count(*) from u", pa, NULL));
	browser pb;
	sign_in(f.a, pa, &pb);
	get(f.a, uri, pb.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, agent_key);
	assert_has(&r, other_key);
	assert_has(&r, "Not known to this organization");
	/* The IP block may sit past the first rounds of SCAN on a busy Redis:
	 * follow "look further" until it shows or the walk ends. */
	bool seen = strstr(r.body, ip_key) != NULL;
	char *next = strstr(r.body, "cursor=") ? extract(r.body, "&amp;cursor=", '"') : NULL;
	harness_response_free(&r);
	for (int i = 0; !seen && next && i < 1000; i++) {
		snprintf(uri, sizeof uri, "/desk/admin/blocks?org=%s&cursor=%s", f.slug, next);
		free(next);
		get(f.a, uri, pb.cookie, &r);
		assert_status(&r, 200);
		seen = strstr(r.body, ip_key) != NULL;
		next = strstr(r.body, "cursor=") ? extract(r.body, "&amp;cursor=", '"') : NULL;
		harness_response_free(&r);
	}
	free(next);
	ck_assert_msg(seen, "the platform admin never saw the IP block");
	snprintf(uri, sizeof uri, "/desk/admin/blocks?org=%s&cursor=x1", f.slug);
	get(f.a, uri, pb.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);

	free(agent_key);
	free(ip_key);
	free(other_key);
	free(requester);
	free(pa);
	free(pb.cookie);
	free(oth.cookie);
	arena_free(ar);
	teardown(&f);
}
END_TEST

START_TEST(blocks_lift_deletes_and_audits)
{
	fixture f;
	setup(&f);
	arena *ar = arena_new(4096);
	const config *cfg = f.a->cfg;
	const char *agent_bucket = email_bucket(f.a, ar, f.agent_email);
	const char *other_bucket = email_bucket(f.a, ar, f.other_email);
	char ip[32];
	snprintf(ip, sizeof ip, "%s", unique_ip());
	block(f.a, "login_email", agent_bucket, cfg->rate_login_email.limit);
	block(f.a, "login_email", other_bucket, cfg->rate_login_email.limit);
	block(f.a, "login_ip", ip, cfg->rate_login_ip.limit);
	char *agent_key = key_of("login_email", agent_bucket);
	char *other_key = key_of("login_email", other_bucket);
	char *ip_key = key_of("login_ip", ip);
	harness_response r;
	char fields[512], want[256];

	/* Refusals first: nothing lifted by any of them. */
	snprintf(fields, sizeof fields, "org=%s&key=%s", f.slug, agent_key);
	post_form(f.a, "/desk/admin/blocks/lift", f.adm.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	const char *bad[] = { "sd:rl:login_email:XYZ", "sd:rl:nosuchaction:00000000000000000000000000000000", "",
		"sd:ses:00000000000000000000000000000000" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(fields, sizeof fields, "org=%s&key=%s", f.slug, bad[i]);
		post_as(f.a, "/desk/admin/blocks/lift", &f.adm, fields, &r);
		assert_status(&r, 400);
		harness_response_free(&r);
	}
	snprintf(fields, sizeof fields, "org=%s&key=%s", f.slug, other_key);
	post_as(f.a, "/desk/admin/blocks/lift", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&key=%s", f.slug, ip_key);
	post_as(f.a, "/desk/admin/blocks/lift", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&key=%s", f.other_slug, other_key);
	post_as(f.a, "/desk/admin/blocks/lift", &f.adm, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	browser ag;
	sign_in(f.a, f.agent, &ag);
	snprintf(fields, sizeof fields, "key=%s", agent_key);
	post_as(f.a, "/desk/admin/blocks/lift", &ag, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	ck_assert(counter_exists(f.a, "login_email", agent_bucket));
	ck_assert(counter_exists(f.a, "login_email", other_bucket));
	ck_assert(counter_exists(f.a, "login_ip", ip));
	assert_ownerv("0", "select count(*) from config_audit where entity = 'rate_limit_block' and organization_id = $1::uuid",
	    f.org, NULL);

	/* The lift: the counter is gone, the next attempt counts from one. */
	snprintf(fields, sizeof fields, "org=%s&key=%s", f.slug, agent_key);
	post_as(f.a, "/desk/admin/blocks/lift", &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/blocks?org=%s&done=lifted", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	ck_assert(!counter_exists(f.a, "login_email", agent_bucket));
	ratelimit_result res;
	ck_assert_int_eq(ratelimit_hit(f.a->kv, ar, "login_email", str_from_cstr(agent_bucket), cfg->rate_login_email.limit,
	                     600, &res), KV_OK);
	ck_assert(res.allowed);
	ck_assert_int_eq(res.count, 1);
	char expect[256];
	snprintf(expect, sizeof expect, "login_email|email|%s|%ld|%ld", f.agent_email, cfg->rate_login_email.limit,
	    cfg->rate_login_email.limit);
	assert_ownerv(expect, "select (before->>'action') || '|' || (before->>'counted') || '|' || (before->>'who') || '|' || "
	                     "(before->>'hits') || '|' || (before->>'limit') from config_audit "
	                     "where entity = 'rate_limit_block' and organization_id = $1::uuid and entity_id = $2 "
	                     "and action = 'delete' and actor_id = $3::uuid and after is null",
	    f.org, agent_key, f.admin, NULL);
	get(f.a, want, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "The block is lifted");
	assert_lacks(&r, agent_key);
	harness_response_free(&r);
	snprintf(want, sizeof want, "/desk/admin/audit?org=%s", f.slug);
	get(f.a, want, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Rate-limit block");
	harness_response_free(&r);

	/* Lifted already (a counter under its limit now): nothing to lift. */
	snprintf(fields, sizeof fields, "org=%s&key=%s", f.slug, agent_key);
	post_as(f.a, "/desk/admin/blocks/lift", &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/blocks?org=%s&done=gone", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_ownerv("1", "select count(*) from config_audit where entity = 'rate_limit_block' and organization_id = $1::uuid",
	    f.org, NULL);

	/* A platform admin lifts an IP block. */
	char *pa = new_user("evplatform", NULL, 0);
	free(owner_queryv("with u as (update users set platform_role = 'admin' where id = $1::uuid returning 1) "
	                  "select count(*) from u", pa, NULL));
	browser pb;
	sign_in(f.a, pa, &pb);
	snprintf(fields, sizeof fields, "org=%s&key=%s", f.slug, ip_key);
	post_as(f.a, "/desk/admin/blocks/lift", &pb, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	ck_assert(!counter_exists(f.a, "login_ip", ip));
	assert_ownerv("ip", "select before->>'counted' from config_audit where entity = 'rate_limit_block' and entity_id = $1 "
	                   "and actor_id = $2::uuid", ip_key, pa, NULL);

	free(agent_key);
	free(other_key);
	free(ip_key);
	free(pa);
	free(pb.cookie);
	free(ag.cookie);
	arena_free(ar);
	teardown(&f);
}
END_TEST

Suite *admin_events_blocks_suite(void)
{
	Suite *s = suite_create("admin_events_blocks");
	TCase *events = tcase_create("events");
	tcase_set_timeout(events, 60);
	tcase_add_test(events, events_agents_404_foreign_404_csrf_403);
	tcase_add_test(events, events_validate_create_edit_and_reach_the_form);
	tcase_add_test(events, events_remove_deletes_or_deactivates);
	tcase_add_test(events, events_pages_by_keyset);
	suite_add_tcase(s, events);
	TCase *blocks = tcase_create("blocks");
	tcase_set_timeout(blocks, 60);
	tcase_add_test(blocks, blocks_org_admin_sees_its_people_only);
	tcase_add_test(blocks, blocks_lift_deletes_and_audits);
	suite_add_tcase(s, blocks);
	return s;
}
