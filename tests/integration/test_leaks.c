/* test_leaks.c: every route of the desk, again and again, in one process:
 * run under valgrind by the leaks layer (scripts/test.sh), where any leak
 * or memory error fails it. Each route is sent a plausible request as an
 * anonymous visitor and as a signed-in customer who owns a ticket with an
 * attachment (made through the multipart form), and the desk's routes
 * (/desk/...) also as an agent of the organization working a ticket of
 * that customer, with the ticket's current version, a canned response's
 * /shortcut and a fresh ticket to merge each time, with the rate limits out
 * of reach so that the handlers' real work runs, not their 429. The
 * expensive sign-in paths (argon2id) run in the first rounds only.
 * Registered from test_integration.c's main() as the suite "leaks". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/crypto.h"
#include "integration/itest.h"
#include "model/api_key.h"

/* desk: admin: an organization with an admin (signed in for the admin
 * routes), a team and an agent, so that /desk/admin/... do their real work.
 * The POST body's fields keep the agent as it is (role agent, active 1). */
typedef struct {
	char slug[64];
	char *cookie, *csrf;
	char *team, *agent_m;
	char *category, *canned;
	char *type, *field;  /* used by a ticket: "remove" deactivates them, the pages go on working */
	char *event;         /* named by a ticket, likewise */
	char *sla;           /* a closed ticket was measured by it: "delete" deactivates it */
	char *webhook;       /* webhooks: with a delivery to list */
	/* ticket templates: one the routes work on, and a fresh one for each delete */
	char *tpl, *tpl_del;
	/* platform admin: a platform admin (signed in for /admin/...), the
	 * organization and the user its {id} routes change */
	char *p_cookie, *p_csrf;
	char *p_org, *p_user;
	/* workflows: a workflow of the admin's organization, a stage and a hook
	 * of it; the step the desk ticket's stage route moves it to */
	char *wf, *wf_stage, *wf_hook, *desk_step;
	/* automation (0037): a trigger, a time rule and a macro of the organization */
	char *trigger, *time_rule, *macro;
	/* REST API: a key of the organization (all scopes), another one for the
	 * revoke route, and a ticket it works */
	char api_key[128];
	char *api_revoke_id, *api_number;
	/* REST API customers and attachments: the ticket's requester, and a
	 * file on a message of the ticket */
	char *api_customer, *api_attachment;
} leak_admin;

static void admin_fixture(app *a, leak_admin *ad)
{
	snprintf(ad->slug, sizeof ad->slug, "leaks-%d-%ld", (int)getpid(), (long)time(NULL));
	char sql[512], email[128];
	/* owner_query takes one parameter, which each statement must use. */
	free(owner_query("select organization_id from org_create('Leak Org', $1, null)", ad->slug));
	snprintf(email, sizeof email, "%s-admin@example.com", ad->slug);
	snprintf(sql, sizeof sql, "select user_id from org_provision('%s', $1, 'Leak Admin')", ad->slug);
	char *admin = owner_query(sql, email);
	ck_assert_ptr_nonnull(admin);
	ad->team = owner_query("insert into teams (organization_id, name) select id, 'Leak team' from organizations "
	                       "where slug = $1 returning id", ad->slug);
	snprintf(email, sizeof email, "%s-agent@example.com", ad->slug);
	char *agent = make_verified_customer(email);
	snprintf(sql, sizeof sql, "insert into memberships (user_id, organization_id, role) select $1::uuid, id, 'agent' "
	                          "from organizations where slug = '%s' returning id", ad->slug);
	ad->agent_m = owner_query(sql, agent);
	ad->category = owner_query("insert into categories (organization_id, name, slug) select id, 'Leak category', 'leak' "
	                           "from organizations where slug = $1 returning id", ad->slug);
	ad->canned = owner_query("insert into canned_responses (organization_id, title, shortcut, content) "
	                         "select id, 'Leak reply', 'leak-reply', 'Hello' from organizations where slug = $1 returning id",
	    ad->slug);
	ck_assert_ptr_nonnull(ad->team);
	ck_assert_ptr_nonnull(ad->agent_m);
	ck_assert_ptr_nonnull(ad->category);
	ck_assert_ptr_nonnull(ad->canned);
	ad->type = owner_query("insert into request_types (organization_id, name) select id, 'Leak type' from organizations "
	                       "where slug = $1 returning id", ad->slug);
	snprintf(sql, sizeof sql, "insert into field_definitions (organization_id, field_key, label, field_type, options) "
	                          "select id, 'leak_%d', 'Leak field', 'dropdown_static', '[{\"value\": \"a\", \"label\": \"A\"}]' "
	                          "from organizations where slug = $1 returning id", (int)getpid());
	ad->field = owner_query(sql, ad->slug);
	ck_assert_ptr_nonnull(ad->type);
	ck_assert_ptr_nonnull(ad->field);
	snprintf(sql, sizeof sql, "insert into field_visibility_rules (field_definition_id, request_type_ids) "
	                          "values ($1::uuid, array['%s'::uuid]) returning id", ad->type);
	free(owner_query(sql, ad->field));
	ad->event = owner_query("insert into events (organization_id, name, starts_at) select id, 'Leak event', "
	                        "now() + interval '1 day' from organizations where slug = $1 returning id", ad->slug);
	ck_assert_ptr_nonnull(ad->event);
	snprintf(sql, sizeof sql, "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                          "description, event_id) select m.user_id, 'organization', m.organization_id, m.organization_id, "
	                          "'Leak event ticket', 'x', '%s'::uuid from memberships m where m.id = $1::uuid returning id",
	    ad->event);
	free(owner_query(sql, ad->agent_m));
	ad->sla = owner_query("insert into sla_policies (organization_id, priority, display_name, first_response_minutes, "
	                      "resolution_minutes, use_business_hours) select id, 'normal', 'Leak SLA', 60, 600, false "
	                      "from organizations where slug = $1 returning id", ad->slug);
	ck_assert_ptr_nonnull(ad->sla);
	/* automation (0037) */
	ad->trigger = owner_query("insert into automation_triggers (organization_id, name, conditions, actions) select id, "
	                          "'Leak trigger', '[{\"field\": \"title\", \"op\": \"contains\", \"value\": \"leak\"}, "
	                          "{\"field\": \"cf:gone\", \"op\": \"is\", \"value\": \"x\"}]', "
	                          "'[{\"type\": \"add_tag\", \"value\": \"leak\"}]' from organizations where slug = $1 returning id",
	    ad->slug);
	ad->time_rule = owner_query("insert into automation_time_rules (organization_id, name, time_event, minutes, actions) "
	                            "select id, 'Leak rule', 'created', 60, '[{\"type\": \"priority\", \"value\": \"high\"}]' "
	                            "from organizations where slug = $1 returning id", ad->slug);
	ad->macro = owner_query("insert into macros (organization_id, name, actions, reply) select id, 'Leak macro', "
	                        "'[{\"type\": \"status\", \"value\": \"open\"}]', 'Hi {{requester.name}}' "
	                        "from organizations where slug = $1 returning id", ad->slug);
	ck_assert_ptr_nonnull(ad->trigger);
	ck_assert_ptr_nonnull(ad->time_rule);
	ck_assert_ptr_nonnull(ad->macro);
	/* webhooks */
	ad->webhook = owner_query("insert into webhooks (organization_id, url, events, secret_sealed) select id, "
	                          "'https://leak.example/h', '{ticket.updated}', 'sealed' from organizations where slug = $1 "
	                          "returning id", ad->slug);
	ck_assert_ptr_nonnull(ad->webhook);
	free(owner_query("insert into webhook_deliveries (id, webhook_id, organization_id, event, payload, status, attempts, "
	                 "response_code, last_error) select gen_random_uuid(), id, organization_id, 'ping', '{}', 'failed', 3, "
	                 "500, 'HTTP 500' from webhooks where id = $1::uuid returning id", ad->webhook));
	/* ticket templates */
	ad->tpl = owner_query("insert into ticket_templates (organization_id, name, title, description, requester_id, "
	                      "schedule, weekdays) select o.id, 'Leak template', 'Leak', 'x', m.user_id, 'weekly', '{1}' "
	                      "from organizations o join memberships m on m.organization_id = o.id and m.role = 'admin' "
	                      "where o.slug = $1 returning id", ad->slug);
	ck_assert_ptr_nonnull(ad->tpl);
	snprintf(sql, sizeof sql, "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                          "description, priority, status) select $1::uuid, 'organization', id, id, 'Leak SLA', 'x', "
	                          "'normal', 'closed' from organizations where slug = '%s' returning id", ad->slug);
	free(owner_query(sql, agent));
	char body[128];
	snprintf(body, sizeof body, "user=%s", admin);
	harness_response r;
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	ad->cookie = harness_cookie(&r, "sd_session");
	ad->csrf = strdup(r.body);
	harness_response_free(&r);
	free(admin);
	free(agent);

	snprintf(email, sizeof email, "%s-padmin@example.com", ad->slug);
	char *padmin = make_verified_customer(email);
	free(owner_query("with u as (update users set platform_role = 'admin' where id = $1::uuid returning 1) "
	                 "select count(*) from u", padmin));
	snprintf(email, sizeof email, "%s-puser@example.com", ad->slug);
	ad->p_user = make_verified_customer(email);
	ad->p_org = owner_query("select organization_id from org_create('Leak platform org', ('p' || $1)::citext, null)", ad->slug);
	ck_assert_ptr_nonnull(ad->p_org);
	snprintf(body, sizeof body, "user=%s", padmin);
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	ad->p_cookie = harness_cookie(&r, "sd_session");
	ad->p_csrf = strdup(r.body);
	harness_response_free(&r);
	free(padmin);
}

/* REST API: a key of ad's organization with every scope (its id). */
static char *api_key_fixture(leak_admin *ad, char *out, size_t n)
{
	arena *ar = arena_new(1024);
	char secret[64];
	unsigned char hash[32];
	api_key_secret_new(ar, secret, hash);
	char sql[512];
	snprintf(sql, sizeof sql, "select key_id from api_key_create_operator($1::citext, 'leak key', "
	    "'{tickets:read,tickets:write,messages:write,customers:read,admin:read}', '\\x%s'::bytea)",
	    crypto_hex(ar, hash, 32));
	char *id = owner_query(sql, ad->slug);
	ck_assert_ptr_nonnull(id);
	if (out)
		snprintf(out, n, "%s", api_key_format(ar, id, secret));
	arena_free(ar);
	return id;
}

static bool api_route(const char *pattern)
{
	return strncmp(pattern, "/api/", 5) == 0;
}

/* One API request with the key (or none, every third round) and a JSON
 * body that does the real work, or fails validation, in turn. */
static void api_request(app *a, const route *rt, const leak_admin *ad, long rounds, long *sent)
{
	char uri[512], auth[200], body[1024];
	size_t o = 0;
	for (const char *p = rt->pattern; *p && o + 64 < sizeof uri;) {
		if (strncmp(p, "{number}", 8) == 0) {
			o += (size_t)snprintf(uri + o, sizeof uri - o, "%s", ad->api_number);
			p += 8;
		} else if (strncmp(p, "{id}", 4) == 0) { /* REST API customers and attachments */
			o += (size_t)snprintf(uri + o, sizeof uri - o, "%s",
			    strstr(rt->pattern, "/attachments/") ? ad->api_attachment : ad->api_customer);
			p += 4;
		} else {
			uri[o++] = *p++;
		}
	}
	uri[o] = '\0';
	snprintf(auth, sizeof auth, "HTTP_AUTHORIZATION=Bearer %s", rounds % 3 == 2 ? "sdk_nope" : ad->api_key);
	const char *params[4] = { auth, "CONTENT_TYPE=application/json", rounds % 2 ? "HTTP_IF_MATCH=*" : NULL, NULL };
	static const struct { unsigned m; const char *name; } ms[] = {
		{ METHOD_GET, "GET" }, { METHOD_POST, "POST" }, { METHOD_PATCH, "PATCH" } };
	for (size_t k = 0; k < 3; k++) {
		if (!(rt->methods & ms[k].m))
			continue;
		const char *b = NULL;
		if (ms[k].m == METHOD_PATCH)
			b = rounds % 2 ? "{\"status\":\"open\",\"priority\":\"high\",\"tags\":[\"leak\"]}" : "{\"status\":1}";
		else if (ms[k].m == METHOD_POST && strstr(rt->pattern, "messages"))
			/* A note with a file in base64 (spooled and stored), a reply
			 * with one refused (not base64), a body cut short. */
			b = rounds % 3 == 0 ? "{\"body\":\"Leak reply\",\"internal\":true,\"attachments\":[{\"filename\":"
			                      "\"leak.txt\",\"data\":\"bGVhayBieXRlcw==\"}]}"
			    : rounds % 3 == 1 ? "{\"body\":\"Leak reply\",\"attachments\":[{\"filename\":\"x\",\"data\":\"!\"}]}"
			                      : "{\"body\":";
		else if (ms[k].m == METHOD_POST && strstr(rt->pattern, "customers")) /* 201, then 409; or 422 */
			b = rounds % 2 ? "{\"email\":\"leak-customer@example.com\",\"name\":\"Leak\"}" : "{\"email\":\"x\"}";
		else if (ms[k].m == METHOD_POST) {
			snprintf(body, sizeof body, "{\"request_type\":\"%s\",\"title\":\"Leak api\",\"description\":"
			    "\"Every route, again.\",\"requester\":{\"email\":\"leak-api@example.com\"},\"custom_fields\":"
			    "{\"x\":\"y\"}}", ad->type);
			b = body;
		}
		char q[600];
		snprintf(q, sizeof q, "%s%s", uri,
		    ms[k].m == METHOD_GET && strcmp(rt->pattern, "/api/v1/customers") == 0 /* by address, or a page */
		        ? (rounds % 2 ? "?email=leak-api@example.com" : "?limit=1")
		    : ms[k].m == METHOD_GET && rounds % 2 ? "?limit=1&q=leak&sort=created" : "");
		harness_response r;
		harness_request(a, ms[k].name, q, params, b, b ? strlen(b) : 0, &r);
		ck_assert_int_gt(r.status, 0);
		harness_response_free(&r);
		(*sent)++;
	}
}

static bool platform_route(const char *pattern)
{
	return strcmp(pattern, "/admin") == 0 || strncmp(pattern, "/admin/", 7) == 0;
}

static bool admin_route(const char *pattern)
{
	return strncmp(pattern, "/desk/admin", 11) == 0;
}
/* ticket templates: a fresh template of the admin's organization to delete */
static char *fresh_template(const leak_admin *ad, long n)
{
	char sql[512];
	snprintf(sql, sizeof sql, "insert into ticket_templates (organization_id, name, title, description, requester_id) "
	                          "select o.id, 'Leak delete %ld', 'Leak', 'x', m.user_id from organizations o join memberships m "
	                          "on m.organization_id = o.id and m.role = 'admin' where o.slug = $1 returning id", n);
	char *id = owner_query(sql, ad->slug);
	ck_assert_ptr_nonnull(id);
	return id;
}
/* end desk: admin */

typedef struct {
	char *cookie;       /* "sd_session=..." of the signed-in customer */
	char *csrf;
	char *user_id;
	char *email;
	char *number;       /* the customer's ticket */
	char *attachment;   /* an attachment of it */
	char *staff_cookie, *staff_csrf, *staff_id;
	char *desk_number;  /* the customer's ticket the agent works */
	char *desk_macro;   /* automation (0037): a shared macro of its organization (adds a tag) */
	char *org_id;
	/* knowledge base: the agent's published article (in a category) and
	 * a fresh unused category for each delete */
	char *kb_article, *kb_slug, *kb_category, *kb_cat_slug, *kb_del_cat;
	char *time_entry;   /* the agent's own, removed by .../time/{id}/remove */
	char *desk_template;  /* ticket templates: one of the agent's organization */
} leak_fixture;

static bool kb_desk_route(const char *pattern)
{
	return strncmp(pattern, "/desk/kb", 8) == 0;
}

static void sign_in_as(app *a, const char *user_id, char **cookie, char **csrf)
{
	char body[128];
	snprintf(body, sizeof body, "user=%s", user_id);
	harness_response r;
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	free(*cookie);
	free(*csrf);
	*cookie = harness_cookie(&r, "sd_session");
	*csrf = strdup(r.body);
	harness_response_free(&r);
}

static void sign_in(app *a, leak_fixture *fx)
{
	sign_in_as(a, fx->user_id, &fx->cookie, &fx->csrf);
}

/* The owner's answer to sql with "a|b|c" split into $1 by the query. */
static char *owner(const char *sql, const char *packed)
{
	char *out = owner_query(sql, packed);
	ck_assert_msg(out != NULL, "%s", sql);
	return out;
}

/* An organization, its agent (signed in), a ticket of the customer it
 * works, a canned response with a placeholder. */
static void desk_fixture(app *a, leak_fixture *fx)
{
	char packed[256];
	fx->org_id = owner("insert into organizations (name, slug) values ('Leak desk', 'leaks-' || left(md5($1), 16)) "
	                 "returning id", fx->email);
	char agent_email[128];
	snprintf(agent_email, sizeof agent_email, "agent-%s", fx->email);
	fx->staff_id = owner("insert into users (email, name, email_verified_at) values ($1, 'Lea Agent', now()) returning id",
	    agent_email);
	snprintf(packed, sizeof packed, "%s|%s", fx->staff_id, fx->org_id);
	free(owner("insert into memberships (user_id, organization_id, role) values (split_part($1, '|', 1)::uuid, "
	           "split_part($1, '|', 2)::uuid, 'agent') returning id", packed));
	snprintf(packed, sizeof packed, "%s|%s", fx->user_id, fx->org_id);
	fx->desk_number = owner("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                        "description) values (split_part($1, '|', 1)::uuid, 'organization', split_part($1, '|', 2)::uuid, "
	                        "split_part($1, '|', 2)::uuid, 'Worked under valgrind', 'Desk routes') returning number",
	    packed);
	free(owner("insert into canned_responses (organization_id, title, shortcut, content) values ($1::uuid, "
	           "'Leak greeting', 'leak', 'Hello {{requester.name}}, {{agent.name}} here about {{ticket.number}}.') "
	           "returning id", fx->org_id));
	/* automation (0037) */
	fx->desk_macro = owner("insert into macros (organization_id, name, actions) values ($1::uuid, 'Leak desk macro', "
	                       "'[{\"type\": \"add_tag\", \"value\": \"leak-macro\"}]') returning id", fx->org_id);
	sign_in_as(a, fx->staff_id, &fx->staff_cookie, &fx->staff_csrf);
	fx->kb_cat_slug = owner("select 'leak-kb-' || left(md5($1), 12)", fx->org_id);
	snprintf(packed, sizeof packed, "%s|%s", fx->org_id, fx->kb_cat_slug);
	fx->kb_category = owner("insert into kb_categories (organization_id, slug, name) values (split_part($1, '|', 1)::uuid, "
	                        "split_part($1, '|', 2), 'Leak category') returning id", packed);
	fx->kb_slug = owner("select 'leak-kb-article-' || left(md5($1), 12)", fx->org_id);
	snprintf(packed, sizeof packed, "%s|%s|%s|%s", fx->org_id, fx->kb_category, fx->kb_slug, fx->staff_id);
	fx->kb_article = owner("insert into kb_articles (organization_id, category_id, slug, title, content, content_html, "
	                       "author_id, status, version_count) values (split_part($1, '|', 1)::uuid, split_part($1, '|', 2)::uuid, "
	                       "split_part($1, '|', 3), 'Leak article', 'Leak *text*', '<p>Leak <em>text</em></p>', "
	                       "split_part($1, '|', 4)::uuid, 'published', 1) returning id", packed);
	snprintf(packed, sizeof packed, "%s|%s", fx->kb_article, fx->staff_id);
	free(owner("insert into kb_article_versions (article_id, version_no, title, content, content_html, changed_by) "
	           "values (split_part($1, '|', 1)::uuid, 1, 'Leak article', 'Leak *text*', '<p>Leak <em>text</em></p>', "
	           "split_part($1, '|', 2)::uuid) returning 1", packed));
}

/* An unused category of the agent's, for one delete. */
static char *kb_fresh_category(const leak_fixture *fx, long n)
{
	char packed[160];
	snprintf(packed, sizeof packed, "%s|leak-del-%d-%ld", fx->org_id, (int)getpid(), n);
	return owner("insert into kb_categories (organization_id, slug, name) values (split_part($1, '|', 1)::uuid, "
	             "split_part($1, '|', 2), 'Leak delete') returning id", packed);
}

/* Another ticket of the desk's organization: a merge's source, once. */
static char *desk_ticket_new(const leak_fixture *fx)
{
	char packed[128];
	snprintf(packed, sizeof packed, "%s|%s", fx->user_id, fx->org_id);
	return owner("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	             "values (split_part($1, '|', 1)::uuid, 'organization', split_part($1, '|', 2)::uuid, "
	             "split_part($1, '|', 2)::uuid, 'Merged away', 'A duplicate') returning number",
	    packed);
}

static bool desk_route(const char *pattern)
{
	return strncmp(pattern, "/desk", 5) == 0;
}

static bool merge_route(const char *pattern)
{
	size_t n = strlen(pattern);
	return n > 6 && strcmp(pattern + n - 6, "/merge") == 0;
}

/* A ticket of the signed-in customer with one attachment, sent as the
 * browser sends the form: multipart, a PNG file. */
static void ticket_with_attachment(app *a, leak_fixture *fx)
{
	shown_form f;
	form_show(a, fx->cookie, false, &f);
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
		0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89 };
	static const char bd[] = "leaksBoundary42";
	char head[4096];
	int n = snprintf(head, sizeof head,
	    "--%s\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n%s\r\n"
	    "--%s\r\nContent-Disposition: form-data; name=\"idem\"\r\n\r\n%s\r\n"
	    "--%s\r\nContent-Disposition: form-data; name=\"started\"\r\n\r\n%s\r\n"
	    "--%s\r\nContent-Disposition: form-data; name=\"request_type\"\r\n\r\n%s\r\n"
	    "--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nEvery route under valgrind\r\n"
	    "--%s\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nA ticket for the leak test.\r\n"
	    "--%s\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"dot.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n",
	    bd, fx->csrf, bd, f.idem, bd, f.started, bd, f.type, bd, bd, bd);
	ck_assert(n > 0 && (size_t)n < sizeof head);
	size_t len = (size_t)n + sizeof png + 64;
	char *body = malloc(len);
	memcpy(body, head, (size_t)n);
	memcpy(body + n, png, sizeof png);
	int tail = snprintf(body + n + sizeof png, 64, "\r\n--%s--\r\n", bd);
	len = (size_t)n + sizeof png + (size_t)tail;
	char ct[128], ck[512];
	snprintf(ct, sizeof ct, "CONTENT_TYPE=multipart/form-data; boundary=%s", bd);
	snprintf(ck, sizeof ck, "HTTP_COOKIE=%s", fx->cookie);
	const char *extra[3] = { ct, ck, NULL };
	harness_response r;
	harness_request(a, "POST", "/submit", extra, body, len, &r);
	char *loc = harness_header(&r, "Location");
	ck_assert_msg(r.status == 303 && loc && strncmp(loc, "/my/tickets/", 12) == 0, "POST /submit signed in: %d %.300s",
	    r.status, r.body);
	fx->number = strdup(loc + 12);
	free(loc);
	harness_response_free(&r);
	free(body);
	form_free(&f);
	fx->attachment = owner_query("select a.id::text from attachments a join tickets t on t.id = a.ticket_id "
	                             "where t.number = $1", fx->number);
	ck_assert_ptr_nonnull(fx->attachment);
}

/* The route's pattern with each {placeholder} filled in. */
static void fill(char *out, size_t n, const char *pattern, const char *number, const leak_fixture *fx,
    const char *token, const leak_admin *ad)
{
	size_t o = 0;
	for (const char *p = pattern; *p && o + 1 < n;) {
		if (*p != '{') {
			out[o++] = *p++;
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end)
			break;
		/* reports: each report and each CSV in turn */
		static const char *const reports[] = { "sla", "agents", "volume", "csat", "time", "stages", "sla.csv",
			"agents.csv", "volume.csv", "csat.csv", "time.csv", "stages.csv" };
		static unsigned report_turn;
		const char *v = strncmp(p, "{name}", 6) == 0 && strncmp(pattern, "/desk/reports/", 14) == 0
		                    ? reports[report_turn++ % (sizeof reports / sizeof *reports)]
		    : strncmp(p, "{number}", 8) == 0 ? number
		    : strncmp(p, "{token}", 7) == 0          ? token
		    : strncmp(p, "{slug}", 6) == 0           ? fx->kb_slug
		    : strncmp(p, "{category}", 10) == 0      ? fx->kb_cat_slug
		    : strncmp(p, "{id}", 4) == 0 && strstr(pattern, "/time/{id}/remove") && fx->time_entry ? fx->time_entry
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/kb/articles/", 18) == 0 ? fx->kb_article
		    : strncmp(p, "{id}", 4) == 0 && strstr(pattern, "/desk/kb/categories/{id}/delete") ? fx->kb_del_cat
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/kb/categories/", 20) == 0 ? fx->kb_category
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/teams/", 18) == 0   ? ad->team
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/members/", 20) == 0 ? ad->agent_m
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/categories/", 23) == 0 ? ad->category
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/canned/", 19) == 0 ? ad->canned
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/types/", 18) == 0   ? ad->type
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/fields/", 19) == 0  ? ad->field
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/events/", 19) == 0  ? ad->event
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/sla/", 16) == 0     ? ad->sla
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/workflows/", 22) == 0 ? ad->wf /* workflows */
		    : strncmp(p, "{stage}", 7) == 0 ? ad->wf_stage
		    : strncmp(p, "{hook}", 6) == 0 ? ad->wf_hook
		    /* automation (0037) */
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/triggers/", 21) == 0 ? ad->trigger
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/rules/", 18) == 0   ? ad->time_rule
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/macros/", 19) == 0  ? ad->macro
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/webhooks/", 21) == 0 ? ad->webhook
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/api-keys/", 21) == 0 ? ad->api_revoke_id
		    : strncmp(p, "{id}", 4) == 0 && strstr(pattern, "/desk/admin/templates/{id}/delete") ? ad->tpl_del
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/admin/templates/", 22) == 0 ? ad->tpl
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/desk/templates/", 16) == 0 ? fx->desk_template
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/admin/organizations/", 21) == 0 ? ad->p_org
		    : strncmp(p, "{id}", 4) == 0 && strncmp(pattern, "/admin/users/", 13) == 0 ? ad->p_user
		    : strncmp(p, "{id}", 4) == 0             ? fx->attachment
		                                             : "x";
		size_t vl = strlen(v);
		if (o + vl >= n)
			break;
		memcpy(out + o, v, vl);
		o += vl;
		p = end + 1;
	}
	out[o] = '\0';
}

/* Sign-in paths hash or verify a password (argon2id): slow under valgrind. */
static bool expensive(const char *pattern, unsigned methods)
{
	return (methods & METHOD_POST) && (strcmp(pattern, "/login") == 0 || strncmp(pattern, "/password", 9) == 0 ||
	                                      strcmp(pattern, "/account/password") == 0);
}

/* Whatever may end or rotate the customer's session. */
static bool ends_session(const char *pattern)
{
	return strncmp(pattern, "/logout", 7) == 0 || strncmp(pattern, "/account", 8) == 0 ||
	    strncmp(pattern, "/login", 6) == 0 || strncmp(pattern, "/password", 9) == 0;
}

START_TEST(every_route_many_times)
{
	app *a = test_app(NULL, NULL);
	config *c = (config *)a->cfg; /* test_app's own copy is the harness's static config: restore below */
	config saved = *c;
	config_rate roomy = { 1000000, 3600 };
	config_rate *all[] = { &c->rate_submit_ip, &c->rate_submit_email, &c->rate_submit_nojs_ip,
		&c->rate_submit_nojs_email, &c->rate_verify_ip, &c->rate_verify_token, &c->rate_challenge_ip,
		&c->rate_login_ip, &c->rate_login_email, &c->rate_login_link_ip, &c->rate_login_link_email,
		&c->rate_reply_user, &c->rate_api_key };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		*all[i] = roomy;

	leak_fixture fx = { 0 };
	char email[96];
	snprintf(email, sizeof email, "leaks-%d-%ld@example.com", (int)getpid(), (long)time(NULL));
	fx.email = email;
	fx.user_id = make_verified_customer(email);
	sign_in(a, &fx);
	ticket_with_attachment(a, &fx);
	desk_fixture(a, &fx);
	const char *token = fresh_token();
	leak_admin ad = { 0 };
	admin_fixture(a, &ad);
	free(api_key_fixture(&ad, ad.api_key, sizeof ad.api_key));
	ad.api_revoke_id = api_key_fixture(&ad, NULL, 0);
	ad.api_number = owner_query("select t.number from tickets t join organizations o on o.id = t.organization_id "
	                            "where o.slug = $1 order by t.created_at limit 1", ad.slug);
	ck_assert_ptr_nonnull(ad.api_number);
	/* REST API customers and attachments */
	ad.api_customer = owner_query("select requester_id::text from tickets where number = $1", ad.api_number);
	ck_assert_ptr_nonnull(ad.api_customer);
	ad.api_attachment = owner_query(
	    "with m as (insert into ticket_messages (ticket_id, body, is_internal, message_type) "
	    "  select id, 'Leak file', false, 'reply' from tickets where number = $1 returning id, ticket_id), "
	    "b as (insert into attachment_blobs (sha256, data, size_bytes) values (sha256('leak file'), 'leak file', 9) "
	    "  on conflict (sha256) do update set last_used_at = now() returning sha256) "
	    "insert into attachments (ticket_id, message_id, file_name, content_type, size_bytes, sha256) "
	    "select m.ticket_id, m.id, 'leak.txt', 'text/plain', 9, b.sha256 from m, b returning id::text",
	    ad.api_number);
	ck_assert_ptr_nonnull(ad.api_attachment);
	{
		/* ticket templates: the agent's organization's, for /desk/templates */
		char sql[256];
		snprintf(sql, sizeof sql, "insert into ticket_templates (organization_id, name, title, description, requester_id) "
		                          "values ($1::uuid, 'Leak desk template', 'Leak', 'x', '%s') returning id", fx.staff_id);
		fx.desk_template = owner_query(sql, fx.org_id);
		ck_assert_ptr_nonnull(fx.desk_template);
	}
	{
		char sql[256];
		snprintf(sql, sizeof sql, "update tickets set request_type_id = '%s', custom_fields = '{\"leak_%d\": \"a\"}' "
		                          "where number = $1 returning id", ad.type, (int)getpid());
		free(owner_query(sql, fx.number));
	}
	{
		/* workflows: the desk ticket on a workflow of its organization;
		 * the admin's organization has one with a stage and a hook. */
		char sql[512];
		char *wf = owner_query("insert into workflows (organization_id, name) values ($1::uuid, 'Leak flow') returning id",
		    fx.org_id);
		snprintf(sql, sizeof sql, "insert into workflow_stages (workflow_id, name, is_start) values ($1::uuid, 'Leak start', "
		                          "true) returning id");
		char *start = owner_query(sql, wf);
		ad.desk_step = owner_query("insert into workflow_stages (workflow_id, name) values ($1::uuid, 'Leak step') "
		                           "returning id", wf);
		snprintf(sql, sizeof sql, "update tickets set workflow_id = '%s', current_stage_id = '%s' where number = $1 "
		                          "returning id", wf, start);
		free(owner_query(sql, fx.desk_number));
		ad.wf = owner_query("insert into workflows (organization_id, name) select id, 'Leak admin flow' from organizations "
		                    "where slug = $1 returning id", ad.slug);
		ad.wf_stage = owner_query("insert into workflow_stages (workflow_id, name) values ($1::uuid, 'Leak admin stage') "
		                          "returning id", ad.wf);
		ad.wf_hook = owner_query("insert into workflow_stage_hooks (stage_id, hook_type, config) values ($1::uuid, "
		                         "'notification', '{\"target_type\": \"org_admins\", \"message\": \"Leak\"}') returning id",
		    ad.wf_stage);
		ck_assert_ptr_nonnull(ad.desk_step);
		ck_assert_ptr_nonnull(ad.wf_hook);
		free(wf);
		free(start);
	}

	long n = getenv("SD_LEAK_REQUESTS") ? atol(getenv("SD_LEAK_REQUESTS")) : 10000;
	long sent = 0, rounds = 0;
	char uri[512], body[2048], cookie[600];
	while (sent < n) {
		for (size_t k = 0; k < app_nroutes && sent < n; k++) {
			const route *rt = &app_routes[k];
			if (expensive(rt->pattern, rt->methods) && rounds >= 2)
				continue;
			if (api_route(rt->pattern)) {
				api_request(a, rt, &ad, rounds, &sent);
				continue;
			}
			/* The desk's routes as the agent, the customer and a visitor in
			 * turn; the admin pages as an org admin and a visitor; the others
			 * as the customer and a visitor. */
			bool admin = admin_route(rt->pattern);
			bool platform = platform_route(rt->pattern);
			bool desk = desk_route(rt->pattern) && !admin;
			int who = desk ? (int)((rounds + k) % 3) : (rounds + k) % 2 == 0 ? 1 : 2;
			char *merged = desk && who == 0 && merge_route(rt->pattern) ? desk_ticket_new(&fx) : NULL;
			bool kb_desk = kb_desk_route(rt->pattern);
			/* The agent removes a time entry of their own each time. */
			free(fx.time_entry);
			fx.time_entry = desk && who == 0 && strstr(rt->pattern, "/time/{id}/remove")
			    ? owner_queryv("insert into time_entries (ticket_id, user_id, minutes) select id, $2::uuid, 5 "
			                   "from tickets where number = $1 returning id", fx.desk_number, fx.staff_id, NULL)
			    : NULL;
			if (strstr(rt->pattern, "/desk/admin/templates/{id}/delete")) { /* ticket templates */
				free(ad.tpl_del);
				ad.tpl_del = fresh_template(&ad, sent);
			}
			if (kb_desk && strstr(rt->pattern, "/delete")) {
				free(fx.kb_del_cat);
				fx.kb_del_cat = kb_fresh_category(&fx, sent);
			}
			fill(uri, sizeof uri, rt->pattern, merged ? merged : desk ? fx.desk_number : fx.number, &fx, token, &ad);
			bool signed_in = who == 1;
			bool as_admin = signed_in && admin;
			snprintf(cookie, sizeof cookie, "%s; sd_anon=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%s",
			    signed_in && platform ? ad.p_cookie : as_admin ? ad.cookie : who == 0 ? fx.staff_cookie : signed_in ? fx.cookie : "other=1",
			    desk ? "; sd_desk_flash=tag.1.0.ACME-2020-01-00001.x" : "");
			harness_response r;
			if (rt->methods & METHOD_GET) {
				char q[600];
				if (admin)
					snprintf(q, sizeof q, "%s?org=%s%s", uri, ad.slug, (rounds / 2) % 2 ? "&after=x&done=saved" : "&done=created");
				else if (kb_desk)
					snprintf(q, sizeof q, "%.400s?from=1&to=1&status=%s&after=%s", uri, rounds % 2 ? "published" : "",
					    rounds % 3 == 2 ? "1796142017000000.00000000-0000-4000-8000-000000000000" : "");
				else if (platform)
					snprintf(q, sizeof q, "%s?q=leak&%s%s", uri, rounds % 2 ? "org=p" : "done=saved&org=",
					    rounds % 2 ? ad.slug : "");
				else if (desk)
					/* The queue's filters, sorts and three queues in turn. */
					snprintf(q, sizeof q, "%s?queue=%s&q=%s&sort=%s&assignee=me&tag=vip&macro=%s", uri,
					    rounds % 3 == 0 ? "open" : rounds % 3 == 1 ? "sla" : "spam",
					    rounds % 2 ? "printer" : "le", rounds % 2 ? "priority" : "updated", fx.desk_macro);
				else
					snprintf(q, sizeof q, "%s?q=printer&status=all&after=x&rating=4&request_type=x&form=submit", uri);
				get(a, q, cookie, &r);
				ck_assert_int_gt(r.status, 0);
				if (who == 0)
					ck_assert_msg(r.status == 200, "GET %s as the agent: %d", q, r.status);
				if (platform && signed_in)
					ck_assert_msg(r.status == 200, "GET %s as the platform admin: %d", q, r.status);
				harness_response_free(&r);
				sent++;
			}
			if (rt->methods & METHOD_POST) {
				if (kb_desk) {
					/* A new article or category needs a slug of its own; an
					 * edit keeps the article's or the category's. */
					bool creates = strcmp(rt->pattern, "/desk/kb/new") == 0 || strcmp(rt->pattern, "/desk/kb/categories") == 0;
					char slug[96];
					if (creates)
						snprintf(slug, sizeof slug, "leak-new-%d-%ld", (int)getpid(), sent);
					else
						snprintf(slug, sizeof slug, "%s", strstr(rt->pattern, "categories") ? fx.kb_cat_slug : fx.kb_slug);
					snprintf(body, sizeof body,
					    "_csrf=%s&title=Leak+%ld&name=Leak+%ld&slug=%s&content=Leak+*text*+%%3Cb%%3E%%0A%%0A-+a%%0A-+b"
					    "&action=%s&status=published&version=1&category=%s&description=Leak&helpful=yes&comment=Leak",
					    who == 0 ? fx.staff_csrf : signed_in ? fx.csrf : "x", sent, sent, slug,
					    rounds % 2 ? "preview" : "save", fx.kb_category);
				} else if (platform) {
					/* Nothing here changes the other routes' users: the
					 * invitee is nobody else, the role and active flag are
					 * the platform user's, the settings fail validation. */
					snprintf(body, sizeof body,
					    "_csrf=%s&name=Leak+org&slug=leak-p%ld&prefix=%s&email=invitee-%s&active=1"
					    "&platform_role=%s&q=leak&ticket_number_prefix=%s",
					    signed_in ? ad.p_csrf : "x", rounds % 2, rounds % 3 ? "LK" : "lk", email,
					    rounds % 2 ? "agent" : "bogus", rounds % 2 ? "tk" : "");
				} else if (desk) {
					char *version = owner_query("select version::text from tickets where number = $1", fx.desk_number);
					snprintf(body, sizeof body,
					    "_csrf=%s&version=%s&loaded=%lld&idem=leak%039ld&body=Hello+%%2Fleak+and+%%40agent-%s"
					    "&status=open&priority=high&assignee=me&tags=leak%%2C+valgrind&typing=1&into=%s"
					    "&ticket=%s&ticket=ACME-2020-01-00001&action=tag&value=leak-%ld&return=/desk%%3Fqueue%%3Dopen"
					    "&minutes=5&time_minutes=1%%3A05&billable=1&time_billable=1&note=Leak"
					    "&macro=%s" /* automation (0037) */,
					    who == 0 ? fx.staff_csrf : signed_in ? fx.csrf : "x", version ? version : "1",
					    (long long)time(NULL) * 1000000LL, sent, email, fx.desk_number, fx.desk_number, rounds % 2,
					    fx.desk_macro);
					/* workflows: the stage route's stage */
					snprintf(body + strlen(body), sizeof body - strlen(body), "&stage=%s", ad.desk_step);
					free(version);
				} else {
					snprintf(body, sizeof body,
					    "_csrf=%s&email=%s&password=not-the-password-1&password_confirm=not-the-password-1"
					    "&current_password=x&body=Hello+from+the+leak+test&rating=4&comment=Fine&name=Leak"
					    "&title=Leak+test&description=Every+route&number=%s&id=%s&all=1&remember=1&next=/my/tickets"
					    "&org=%s&role=agent&active=1&action=add&member=%s&support_phone=%%2B1+555+0100&ticket_prefix=lk"
					    "&slug=leak-cat&color=%%23112233&icon=bug&dir=up&shortcut=leak&content=Leak+reply&tags=a%%2C+b"
					    "&routing=organization&priority=normal&role_customer=1&label=Leak&kind=%s"
					    "&options=a+%%7C+A%%0Ab&pattern=%s&min_length=1&max_length=50&frontend=1&backend=1&key=leak_k%ld"
					    "&rt_%s=1&vrole_customer=1&starts_at=2030-06-14T09:00&ends_at=2030-06-15T18:00&location=Hall&away=1"
					    "&display_name=Leak+SLA&first_response_minutes=30&resolution_minutes=600&warning_percent=75"
					    "&escalate_to_role=agent&time_zone=UTC&start_monday=09%%3A00&end_monday=17%%3A00"
					    "&closed_tuesday=1&closed_wednesday=1&closed_thursday=1&closed_friday=1&closed_saturday=1"
					    "&closed_sunday=1&holidays=2026-12-25"
					    "&url=https%%3A%%2F%%2Fleak.example%%2Fh&event_ticket_created=1&event_message_added=1"
					    "&scope=tickets:read&ip_allow=127.0.0.1"
					    "&schedule=weekly&day_1=1&day_4=1&run_time=09%%3A00&month_day=31&request_type=%s",
					    as_admin ? ad.csrf : signed_in ? fx.csrf : "x", email, fx.number, fx.attachment, ad.slug,
					    ad.agent_m, rounds % 2 ? "text" : "dropdown_static", rounds % 3 ? "%5E%5Ba-z%5D%2B%24" : "%28bad",
					    rounds, ad.type, ad.type);
				}
				post_form(a, uri, cookie, body, &r);
				ck_assert_int_gt(r.status, 0);
				/* The agent's posts do their work: a redirect after the change
				 * (or the presence JSON), never a refusal. */
				if (who == 0)
					ck_assert_msg(r.status == 303 || r.status == 200, "POST %s as the agent: %d %.300s", uri,
					    r.status, r.body);
				harness_response_free(&r);
				sent++;
				if (signed_in && ends_session(rt->pattern))
					sign_in(a, &fx);
			}
			free(merged);
		}
		rounds++;
	}
	fprintf(stderr, "leaks: %ld requests over %zu routes in %ld rounds\n", sent, app_nroutes, rounds);
	*c = saved;
	free(fx.cookie);
	free(fx.csrf);
	free(fx.user_id);
	free(fx.number);
	free(fx.attachment);
	free(fx.staff_cookie);
	free(fx.staff_csrf);
	free(fx.staff_id);
	free(fx.time_entry);
	free(fx.desk_number);
	free(fx.desk_macro); /* automation (0037) */
	free(fx.org_id);
	free(fx.kb_article);
	free(fx.kb_slug);
	free(fx.kb_category);
	free(fx.kb_cat_slug);
	free(fx.kb_del_cat);
	free(fx.desk_template); /* ticket templates */
	free(ad.tpl);
	free(ad.tpl_del);
	free(ad.cookie);
	free(ad.csrf);
	free(ad.team);
	free(ad.agent_m);
	free(ad.category);
	free(ad.canned);
	free(ad.type);
	free(ad.field);
	free(ad.event);
	free(ad.sla);
	free(ad.trigger); /* automation (0037) */
	free(ad.time_rule);
	free(ad.macro);
	free(ad.webhook);
	free(ad.p_cookie);
	free(ad.p_csrf);
	free(ad.p_org);
	free(ad.p_user);
	free(ad.wf); /* workflows */
	free(ad.wf_stage);
	free(ad.wf_hook);
	free(ad.desk_step);
	free(ad.api_revoke_id);
	free(ad.api_number);
	free(ad.api_customer); /* REST API customers and attachments */
	free(ad.api_attachment);
	harness_app_free(a);
}
END_TEST

Suite *leaks_suite(void)
{
	Suite *s = suite_create("leaks");
	TCase *tc = tcase_create("leaks");
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, every_route_many_times);
	suite_add_tcase(s, tc);
	return s;
}
