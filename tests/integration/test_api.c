/* test_api.c: the REST API (/api/v1/...) through the in-process harness
 * against the real PostgreSQL and Redis. Negative cases first: no key, a
 * malformed, wrong, revoked key (401), a missing scope (403), another
 * organization's ticket (404), bad bodies (400, 413, 415, 422), updates
 * without or with a stale If-Match (428, 412), a reused Idempotency-Key
 * (422), the rate limit (429), PostgreSQL down (503); then every endpoint
 * working, and the OpenAPI document matching the route table. Each test
 * makes its own organizations, keys and users. Registered from
 * test_integration.c's main() as the suite "api". */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/crypto.h"
#include "integration/istaff.h"
#include "integration/itest.h"
#include "model/api_key.h"

#define ALL_SCOPES "{tickets:read,tickets:write,messages:write,customers:read,admin:read}"

typedef struct {
	app *a;
	char slug[96], other_slug[96];
	char *org, *other, *type, *other_type;
	char key[128], other_key[128], read_key[128];
	char *key_id;
} fixture;

/* A key of org with scopes (an SQL array literal), made as the operator
 * makes one; the key to send into out. Its id (malloc'd). */
static char *make_key(const char *slug, const char *scopes, char *out, size_t n)
{
	arena *ar = arena_new(1024);
	char secret[64];
	unsigned char hash[32];
	api_key_secret_new(ar, secret, hash);
	char *hex = arena_sprintf(ar, "\\x%s", crypto_hex(ar, hash, 32));
	char *id = owner3("select key_id from api_key_create_operator($1::citext, 'test key', $2::text[], $3::bytea)",
	    slug, scopes, hex);
	ck_assert_ptr_nonnull(id);
	snprintf(out, n, "%s", api_key_format(ar, id, secret));
	arena_free(ar);
	return id;
}

/* A request type of org routed to it, open to customers, showing the
 * global fields api_plan (a required dropdown: basic, pro) and
 * api_order_ref (text of at most 10), made once (field keys are unique
 * across the platform). */
static char *make_type(const char *org)
{
	char *type = owner3("insert into request_types (organization_id, name, default_routing, allowed_roles) "
	                    "values ($1::uuid, 'API question', 'organization', array['anonymous', 'customer']) returning id",
	    org, NULL, NULL);
	ck_assert_ptr_nonnull(type);
	free(owner3("with f as (insert into field_definitions (field_key, label, field_type, is_required, options) "
	            "values ('api_plan', 'Plan', 'dropdown_static', true, "
	            "'[{\"value\":\"basic\",\"label\":\"Basic\"},{\"value\":\"pro\",\"label\":\"Pro\"}]') "
	            "on conflict (field_key) do update set is_active = true returning id) select count(*) from f",
	    NULL, NULL, NULL));
	free(owner3("with f as (insert into field_definitions (field_key, label, field_type, validation_rules) "
	            "values ('api_order_ref', 'Order', 'text', '{\"max_length\": 10}') "
	            "on conflict (field_key) do update set is_active = true returning id) select count(*) from f",
	    NULL, NULL, NULL));
	free(owner3("with r as (insert into field_visibility_rules (field_definition_id, request_type_ids) "
	            "select id, array[$1::uuid] from field_definitions where field_key in ('api_plan', 'api_order_ref') "
	            "returning 1) select count(*) from r",
	    type, NULL, NULL));
	return type;
}

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, "api");
	f->other = new_org(f->other_slug, sizeof f->other_slug, "api");
	f->type = make_type(f->org);
	f->other_type = make_type(f->other);
	app_config_changed(f->a); /* the form cache sees the new types */
	f->key_id = make_key(f->slug, ALL_SCOPES, f->key, sizeof f->key);
	free(make_key(f->other_slug, ALL_SCOPES, f->other_key, sizeof f->other_key));
	free(make_key(f->slug, "{tickets:read}", f->read_key, sizeof f->read_key));
}

static void teardown(fixture *f)
{
	free(f->org);
	free(f->other);
	free(f->type);
	free(f->other_type);
	free(f->key_id);
	harness_app_free(f->a);
}

/* One API request: key may be NULL (no Authorization), body NULL for none;
 * extra: up to three more CGI parameters. */
static void api(app *a, const char *method, const char *uri, const char *key, const char *body, const char *extra1,
    const char *extra2, harness_response *r)
{
	char auth[200], ct[64] = "CONTENT_TYPE=application/json";
	const char *params[6] = { 0 };
	int k = 0;
	if (key) {
		snprintf(auth, sizeof auth, "HTTP_AUTHORIZATION=Bearer %s", key);
		params[k++] = auth;
	}
	if (body)
		params[k++] = ct;
	if (extra1)
		params[k++] = extra1;
	if (extra2)
		params[k++] = extra2;
	harness_request(a, method, uri, params, body, body ? strlen(body) : 0, r);
}

static void assert_problem(const harness_response *r, int status, const char *type)
{
	assert_status(r, status);
	char *ct = harness_header(r, "Content-Type");
	ck_assert_msg(ct && strcmp(ct, "application/problem+json") == 0, "Content-Type %s", ct ? ct : "(none)");
	free(ct);
	char want[128];
	snprintf(want, sizeof want, "\"type\":\"/api/v1/problems/%s\"", type);
	assert_has(r, want);
	ck_assert_ptr_null(harness_header(r, "Access-Control-Allow-Origin"));
}

/* A ticket made through the API with a custom field, titled title, of the
 * requester email; its number (malloc'd). */
static char *create_ticket_by(fixture *f, const char *key, const char *type, const char *title, const char *email)
{
	char body[1024];
	snprintf(body, sizeof body,
	    "{\"request_type\":\"%s\",\"title\":\"%s\",\"description\":\"Made through the REST API.\","
	    "\"requester\":{\"email\":\"%s\",\"name\":\"Req\"},\"custom_fields\":{\"api_plan\":\"pro\"}}",
	    type, title, email);
	harness_response r;
	api(f->a, "POST", "/api/v1/tickets", key, body, NULL, NULL, &r);
	assert_status(&r, 201);
	char *number = json_field(r.body, "number");
	ck_assert_ptr_nonnull(number);
	harness_response_free(&r);
	return number;
}

static char *create_ticket(fixture *f, const char *key, const char *type, const char *title)
{
	return create_ticket_by(f, key, type, title, "api-req@example.com");
}

/* ---- who gets in ---- */

START_TEST(no_key_malformed_wrong_or_revoked_is_401)
{
	fixture f;
	setup(&f);
	harness_response r;
	api(f.a, "GET", "/api/v1/tickets", NULL, NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	char *www = harness_header(&r, "WWW-Authenticate");
	ck_assert_msg(www && strncmp(www, "Bearer", 6) == 0, "WWW-Authenticate %s", www ? www : "");
	free(www);
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/tickets", "not-a-key", NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	harness_response_free(&r);
	/* The right id with another secret. */
	char wrong[128];
	snprintf(wrong, sizeof wrong, "%s", f.key);
	wrong[40] = wrong[40] == 'A' ? 'B' : 'A';
	api(f.a, "GET", "/api/v1/tickets", wrong, NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	harness_response_free(&r);
	/* Revoked: the key, and its service user, stop at once. */
	free(owner3("with u as (update api_keys set revoked_at = now() where id = $1::uuid returning 1) "
	            "select count(*) from u", f.key_id, NULL, NULL));
	api(f.a, "GET", "/api/v1/tickets", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(missing_scope_is_403_and_nothing_made)
{
	fixture f;
	setup(&f);
	harness_response r;
	char body[512];
	snprintf(body, sizeof body, "{\"request_type\":\"%s\",\"title\":\"No scope\",\"description\":\"Should not exist.\","
	    "\"requester\":{\"email\":\"x@example.com\"},\"custom_fields\":{\"api_plan\":\"pro\"}}", f.type);
	api(f.a, "POST", "/api/v1/tickets", f.read_key, body, NULL, NULL, &r);
	assert_problem(&r, 403, "insufficient-scope");
	harness_response_free(&r);
	assert_owner("select count(*)::text from tickets where organization_id = $1::uuid", f.org, NULL, "0");
	api(f.a, "GET", "/api/v1/config", f.read_key, NULL, NULL, NULL, &r);
	assert_problem(&r, 403, "insufficient-scope");
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(another_organizations_ticket_is_404)
{
	fixture f;
	setup(&f);
	char *number = create_ticket(&f, f.key, f.type, "Ours");
	char uri[160];
	harness_response r;
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s", number);
	api(f.a, "GET", uri, f.other_key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	api(f.a, "PATCH", uri, f.other_key, "{\"status\":\"closed\"}", "HTTP_IF_MATCH=*", NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", number);
	api(f.a, "POST", uri, f.other_key, "{\"body\":\"Not yours\"}", NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	api(f.a, "GET", uri, f.other_key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	/* Nor may a key make a ticket of another organization's type. */
	char body[512];
	snprintf(body, sizeof body, "{\"request_type\":\"%s\",\"title\":\"Theirs\",\"description\":\"Another org's type.\","
	    "\"requester\":{\"email\":\"x@example.com\"},\"custom_fields\":{\"api_plan\":\"pro\"}}", f.other_type);
	api(f.a, "POST", "/api/v1/tickets", f.key, body, NULL, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	assert_has(&r, "\"field\":\"request_type\"");
	harness_response_free(&r);
	assert_owner("select status from tickets where number = $1", number, NULL, "new");
	api(f.a, "GET", "/api/v1/tickets/NOPE-1", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	free(number);
	teardown(&f);
}
END_TEST

/* ---- bad input ---- */

START_TEST(bad_bodies_are_400_413_415_422)
{
	fixture f;
	setup(&f);
	harness_response r;
	api(f.a, "POST", "/api/v1/tickets", f.key, "{\"title\":", NULL, NULL, &r);
	assert_problem(&r, 400, "invalid-json");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/tickets", f.key, "[1,2]", NULL, NULL, &r);
	assert_problem(&r, 400, "invalid-json");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/tickets", f.key, "{\"a\":1,\"a\":2}", NULL, NULL, &r);
	assert_problem(&r, 400, "invalid-json");
	harness_response_free(&r);
	/* Not JSON at all. */
	const char *form[] = { "HTTP_AUTHORIZATION=Bearer x", "CONTENT_TYPE=application/x-www-form-urlencoded", NULL };
	char auth[200];
	snprintf(auth, sizeof auth, "HTTP_AUTHORIZATION=Bearer %s", f.key);
	form[0] = auth;
	harness_request(f.a, "POST", "/api/v1/tickets", form, "title=x", 7, &r);
	assert_problem(&r, 415, "unsupported-media-type");
	harness_response_free(&r);
	/* Over a megabyte. */
	size_t big = 1024 * 1024 + 10; /* API_BODY_MAX + 10 */
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	huge[big] = '\0';
	huge[0] = '{';
	huge[big - 1] = '}';
	api(f.a, "POST", "/api/v1/tickets", f.key, huge, NULL, NULL, &r);
	ck_assert_msg(r.status == 413, "status %d", r.status);
	harness_response_free(&r);
	free(huge);
	/* Every field's problem named. */
	char body[512];
	snprintf(body, sizeof body, "{\"request_type\":\"%s\",\"title\":\"x\",\"description\":\"short\","
	    "\"requester\":{\"email\":\"nope\"},\"custom_fields\":{\"api_plan\":\"gold\",\"api_order_ref\":\"12345678901\","
	    "\"nosuch\":\"1\"}}", f.type);
	api(f.a, "POST", "/api/v1/tickets", f.key, body, NULL, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	assert_has(&r, "\"field\":\"title\"");
	assert_has(&r, "\"field\":\"description\"");
	assert_has(&r, "\"field\":\"requester.email\"");
	assert_has(&r, "\"field\":\"custom_fields.api_plan\"");
	assert_has(&r, "\"field\":\"custom_fields.api_order_ref\"");
	assert_has(&r, "\"field\":\"custom_fields.nosuch\"");
	harness_response_free(&r);
	/* A required field left out. */
	snprintf(body, sizeof body, "{\"request_type\":\"%s\",\"title\":\"No plan\",\"description\":\"Without the plan.\","
	    "\"requester\":{\"email\":\"a@example.com\"}}", f.type);
	api(f.a, "POST", "/api/v1/tickets", f.key, body, NULL, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	assert_has(&r, "\"field\":\"custom_fields.api_plan\"");
	harness_response_free(&r);
	assert_owner("select count(*)::text from tickets where organization_id = $1::uuid", f.org, NULL, "0");
	/* Query parameters. */
	api(f.a, "GET", "/api/v1/tickets?limit=101", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "bad-parameter");
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/tickets?after=garbage", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "bad-cursor");
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/tickets?status=sleeping", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "bad-parameter");
	harness_response_free(&r);
	/* Other methods and paths answer in problems too. */
	api(f.a, "DELETE", "/api/v1/tickets", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 405, "method-not-allowed");
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/nothing-here", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(updates_need_a_current_if_match)
{
	fixture f;
	setup(&f);
	char *number = create_ticket(&f, f.key, f.type, "Versioned");
	char uri[160];
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s", number);
	harness_response r;
	api(f.a, "PATCH", uri, f.key, "{\"status\":\"open\"}", NULL, NULL, &r);
	assert_problem(&r, 428, "precondition-required");
	harness_response_free(&r);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	char *etag = harness_header(&r, "ETag");
	ck_assert_ptr_nonnull(etag);
	harness_response_free(&r);
	api(f.a, "PATCH", uri, f.key, "{\"status\":\"open\"}", "HTTP_IF_MATCH=\"v999\"", NULL, &r);
	assert_problem(&r, 412, "precondition-failed");
	harness_response_free(&r);
	assert_owner("select status from tickets where number = $1", number, NULL, "new");
	char im[64];
	snprintf(im, sizeof im, "HTTP_IF_MATCH=%s", etag);
	api(f.a, "PATCH", uri, f.key, "{\"status\":\"sleeping\",\"colour\":\"red\"}", im, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	assert_has(&r, "\"field\":\"status\"");
	assert_has(&r, "\"field\":\"colour\"");
	harness_response_free(&r);
	api(f.a, "PATCH", uri, f.key, "{\"custom_fields\":{\"api_plan\":\"gold\"}}", im, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	harness_response_free(&r);
	api(f.a, "PATCH", uri, f.key, "{\"assignee\":\"00000000-0000-4000-8000-000000000000\"}", im, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	assert_has(&r, "\"field\":\"assignee\"");
	harness_response_free(&r);
	/* The right one. */
	api(f.a, "PATCH", uri, f.key,
	    "{\"status\":\"in_progress\",\"priority\":\"high\",\"tags\":[\"VIP\",\"api\"],\"custom_fields\":{\"api_plan\":\"basic\"}}",
	    im, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"status\":\"in_progress\"");
	assert_has(&r, "\"priority\":\"high\"");
	assert_has(&r, "\"vip\"");
	assert_has(&r, "\"api_plan\":\"basic\"");
	harness_response_free(&r);
	assert_owner("select status || ' ' || priority || ' ' || (custom_fields->>'api_plan') from tickets where number = $1",
	    number, NULL, "in_progress high basic");
	/* The old ETag is stale now. */
	api(f.a, "PATCH", uri, f.key, "{\"status\":\"closed\"}", im, NULL, &r);
	assert_problem(&r, 412, "precondition-failed");
	harness_response_free(&r);
	free(etag);
	free(number);
	teardown(&f);
}
END_TEST

START_TEST(idempotency_key_replays_and_refuses_another_body)
{
	fixture f;
	setup(&f);
	char body[512];
	snprintf(body, sizeof body, "{\"request_type\":\"%s\",\"title\":\"Once only\",\"description\":\"Sent twice, made once.\","
	    "\"requester\":{\"email\":\"idem@example.com\"},\"custom_fields\":{\"api_plan\":\"pro\"}}", f.type);
	harness_response r;
	api(f.a, "POST", "/api/v1/tickets", f.key, body, "HTTP_IDEMPOTENCY_KEY=abc-1", NULL, &r);
	assert_status(&r, 201);
	char *n1 = json_field(r.body, "number");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/tickets", f.key, body, "HTTP_IDEMPOTENCY_KEY=abc-1", NULL, &r);
	assert_status(&r, 201);
	char *n2 = json_field(r.body, "number");
	char *replayed = harness_header(&r, "Idempotent-Replayed");
	ck_assert_str_eq(n1, n2);
	ck_assert_ptr_nonnull(replayed);
	free(replayed);
	harness_response_free(&r);
	assert_owner("select count(*)::text from tickets where organization_id = $1::uuid", f.org, NULL, "1");
	body[strlen(body) - 3] = 'X';
	api(f.a, "POST", "/api/v1/tickets", f.key, body, "HTTP_IDEMPOTENCY_KEY=abc-1", NULL, &r);
	assert_problem(&r, 422, "idempotency-key-reused");
	harness_response_free(&r);
	/* Another key's same Idempotency-Key is its own. */
	assert_owner("select count(*)::text from tickets where organization_id = $1::uuid", f.org, NULL, "1");
	free(n1);
	free(n2);
	teardown(&f);
}
END_TEST

START_TEST(rate_limit_per_key_is_429)
{
	fixture f;
	setup(&f);
	config *c = (config *)f.a->cfg;
	c->rate_api_key = (config_rate){ 2, 3600 };
	harness_response r;
	for (int i = 0; i < 2; i++) {
		api(f.a, "GET", "/api/v1/tickets", f.key, NULL, NULL, NULL, &r);
		assert_status(&r, 200);
		harness_response_free(&r);
	}
	api(f.a, "GET", "/api/v1/tickets", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 429, "rate-limited");
	char *ra = harness_header(&r, "Retry-After");
	ck_assert_ptr_nonnull(ra);
	free(ra);
	harness_response_free(&r);
	/* Another key counts on its own. */
	api(f.a, "GET", "/api/v1/tickets", f.read_key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

START_TEST(postgres_down_is_503_problem)
{
	app *a = test_app("postgresql:///nope?host=/nonexistent&connect_timeout=1", NULL);
	harness_response r;
	api(a, "GET", "/api/v1/tickets", "sdk_0123456789abcdef0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    NULL, NULL, NULL, &r);
	assert_problem(&r, 503, "unavailable");
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

/* ---- every endpoint ---- */

START_TEST(tickets_list_create_get_with_cursor_and_etag)
{
	fixture f;
	setup(&f);
	char *n[3];
	n[0] = create_ticket(&f, f.key, f.type, "First of three");
	n[1] = create_ticket(&f, f.key, f.type, "Second of three");
	n[2] = create_ticket(&f, f.key, f.type, "Third findable");
	free(create_ticket(&f, f.other_key, f.other_type, "Not ours"));
	assert_owner("select source || ' ' || (custom_fields->>'api_plan') from tickets where number = $1", n[0], NULL, "api pro");
	harness_response r;
	api(f.a, "GET", "/api/v1/tickets?limit=2", f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, n[2]);
	assert_has(&r, n[1]);
	assert_lacks(&r, "Not ours");
	char *next = json_field(r.body, "next");
	ck_assert_ptr_nonnull(next);
	ck_assert_msg(strncmp(next, "/api/v1/tickets?limit=2&after=", 30) == 0, "next %s", next);
	harness_response_free(&r);
	api(f.a, "GET", next, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, n[0]);
	assert_lacks(&r, n[1]);
	assert_has(&r, "\"next\":null");
	harness_response_free(&r);
	free(next);
	/* Full-text search and filters. */
	api(f.a, "GET", "/api/v1/tickets?q=findable", f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, n[2]);
	assert_lacks(&r, n[0]);
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/tickets?status=closed", f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"items\":[]");
	harness_response_free(&r);
	/* One ticket, its ETag and a 304. */
	char uri[160];
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s", n[0]);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"source\":\"api\"");
	assert_has(&r, "\"email\":\"api-req@example.com\"");
	assert_has(&r, "\"api_plan\":\"pro\"");
	char *etag = harness_header(&r, "ETag");
	harness_response_free(&r);
	char inm[80];
	snprintf(inm, sizeof inm, "HTTP_IF_NONE_MATCH=%s", etag);
	api(f.a, "GET", uri, f.key, NULL, inm, NULL, &r);
	assert_status(&r, 304);
	harness_response_free(&r);
	/* A list's ETag too. */
	api(f.a, "GET", "/api/v1/tickets", f.key, NULL, NULL, NULL, &r);
	char *le = harness_header(&r, "ETag");
	ck_assert_ptr_nonnull(le);
	harness_response_free(&r);
	snprintf(inm, sizeof inm, "HTTP_IF_NONE_MATCH=%s", le);
	api(f.a, "GET", "/api/v1/tickets", f.key, NULL, inm, NULL, &r);
	assert_status(&r, 304);
	harness_response_free(&r);
	free(le);
	free(etag);
	/* last_used_at recorded. */
	assert_owner("select (last_used_at is not null)::text from api_keys where id = $1::uuid", f.key_id, NULL, "true");
	for (int i = 0; i < 3; i++)
		free(n[i]);
	teardown(&f);
}
END_TEST

START_TEST(messages_reply_note_and_close)
{
	fixture f;
	setup(&f);
	char *number = create_ticket(&f, f.key, f.type, "Talk to me");
	char uri[160];
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", number);
	harness_response r;
	api(f.a, "POST", uri, f.key, "{\"body\":\"\"}", NULL, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	harness_response_free(&r);
	api(f.a, "POST", uri, f.read_key, "{\"body\":\"Hello\"}", NULL, NULL, &r);
	assert_problem(&r, 403, "insufficient-scope");
	harness_response_free(&r);
	api(f.a, "POST", uri, f.key, "{\"body\":\"We are on it.\",\"status\":\"waiting_customer\"}", NULL, NULL, &r);
	assert_status(&r, 201);
	harness_response_free(&r);
	api(f.a, "POST", uri, f.key, "{\"body\":\"Internal: check the invoice.\",\"internal\":true}", NULL, NULL, &r);
	assert_status(&r, 201);
	assert_has(&r, "\"internal\":true");
	harness_response_free(&r);
	assert_owner("select status from tickets where number = $1", number, NULL, "waiting_customer");
	assert_owner("select string_agg(m.is_internal::text, ',' order by m.created_at) from ticket_messages m "
	             "join tickets t on t.id = m.ticket_id where t.number = $1", number, NULL, "false,true");
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "We are on it.");
	assert_has(&r, "Internal: check the invoice.");
	harness_response_free(&r);
	/* Closed through PATCH. */
	char turi[160];
	snprintf(turi, sizeof turi, "/api/v1/tickets/%s", number);
	api(f.a, "PATCH", turi, f.key, "{\"status\":\"closed\"}", "HTTP_IF_MATCH=*", NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"status\":\"closed\"");
	harness_response_free(&r);
	free(number);
	teardown(&f);
}
END_TEST

START_TEST(config_lists_types_fields_teams)
{
	fixture f;
	setup(&f);
	free(owner3("insert into teams (organization_id, name) values ($1::uuid, 'API team') returning id", f.org, NULL, NULL));
	harness_response r;
	api(f.a, "GET", "/api/v1/config", f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, f.type);
	assert_has(&r, "\"key\":\"api_plan\"");
	assert_has(&r, "\"options\":[\"basic\",\"pro\"]");
	assert_has(&r, "API team");
	assert_lacks(&r, f.other_type);
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

/* Every /api/v1 route of the table is in the OpenAPI document with its
 * method, and every operation of the document is a route. */
/* ---- customers and attachments (api_customers.c, api_messages.c) ---- */

/* A ticket of the key's organization for requester email; its number. */
static char *create_ticket_for(fixture *f, const char *key, const char *type, const char *email)
{
	return create_ticket_by(f, key, type, "For a customer", email);
}

static void unique_email(char *out, size_t n, const char *what)
{
	char u[96];
	unique(u, sizeof u, what);
	snprintf(out, n, "%s@example.com", u);
}

START_TEST(customers_refused_401_403_404_400_422)
{
	fixture f;
	setup(&f);
	char cust_key[128], foreign[160], uri[320];
	free(make_key(f.slug, "{customers:read}", cust_key, sizeof cust_key));
	unique_email(foreign, sizeof foreign, "foreign");
	free(create_ticket_for(&f, f.other_key, f.other_type, foreign));
	char *foreign_id = owner3("select id::text from users where email = $1::citext", foreign, NULL, NULL);
	ck_assert_ptr_nonnull(foreign_id);
	harness_response r;
	/* 401 */
	api(f.a, "GET", "/api/v1/customers", NULL, NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", NULL, "{\"email\":\"a@example.com\"}", NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	harness_response_free(&r);
	/* 403: reading needs customers:read, creating tickets:write, a
	 * customer's tickets tickets:read as well. */
	api(f.a, "GET", "/api/v1/customers", f.read_key, NULL, NULL, NULL, &r);
	assert_problem(&r, 403, "insufficient-scope");
	assert_has(&r, "customers:read");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", cust_key, "{\"email\":\"nope@example.com\"}", NULL, NULL, &r);
	assert_problem(&r, 403, "insufficient-scope");
	harness_response_free(&r);
	assert_owner("select count(*)::text from users where email = 'nope@example.com'", NULL, NULL, "0");
	snprintf(uri, sizeof uri, "/api/v1/customers/%s/tickets", foreign_id);
	api(f.a, "GET", uri, cust_key, NULL, NULL, NULL, &r);
	assert_problem(&r, 403, "insufficient-scope");
	harness_response_free(&r);
	/* 404: another organization's customer, by address, by id, their
	 * tickets; an unknown id and one that is no uuid. */
	snprintf(uri, sizeof uri, "/api/v1/customers?email=%s", foreign);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	api(f.a, "GET", uri, f.other_key, NULL, NULL, NULL, &r);
	assert_status(&r, 200); /* (theirs, they see) */
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/api/v1/customers/%s", foreign_id);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/api/v1/customers/%s/tickets", foreign_id);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	assert_lacks(&r, "For a customer");
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/customers/00000000-0000-4000-8000-000000000000", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/customers/not-a-uuid/tickets", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	/* A service user is nobody's customer. */
	char *svc = owner3("select u.email::text from api_keys k join users u on u.id = k.service_user_id "
	                   "where k.id = $1::uuid", f.key_id, NULL, NULL);
	snprintf(uri, sizeof uri, "/api/v1/customers?email=%s", svc);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	/* 400: a bad address, cursor or limit. */
	api(f.a, "GET", "/api/v1/customers?email=not-an-address", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "bad-parameter");
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/customers?after=bogus", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "bad-cursor");
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/customers?limit=101", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "bad-parameter");
	harness_response_free(&r);
	/* 400 invalid JSON, 415, 422 for a bad or reserved address, a long name. */
	api(f.a, "POST", "/api/v1/customers", f.key, "{\"email\":", NULL, NULL, &r);
	assert_problem(&r, 400, "invalid-json");
	harness_response_free(&r);
	harness_request(f.a, "POST", "/api/v1/customers", (const char *[]){ "CONTENT_TYPE=text/plain", NULL }, "x", 1, &r);
	assert_status(&r, 401); /* (no key: authentication comes first) */
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", f.key, "{\"name\":\"No address\"}", NULL, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	assert_has(&r, "\"field\":\"email\"");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", f.key, "{\"email\":\"two@@example.com\"}", NULL, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", f.key, "{\"email\":\"x@api.invalid\"}", NULL, NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", f.key, "{\"email\":\"ok@example.com\",\"name\":\"Two\\nlines\"}", NULL, NULL,
	    &r);
	assert_problem(&r, 422, "validation-failed");
	assert_has(&r, "\"field\":\"name\"");
	harness_response_free(&r);
	assert_owner("select count(*)::text from users where email in ('x@api.invalid', 'two@@example.com')", NULL, NULL,
	    "0");
	free(svc);
	free(foreign_id);
	teardown(&f);
}
END_TEST

START_TEST(customers_find_create_list_and_their_tickets)
{
	fixture f;
	setup(&f);
	char a_mail[160], b_mail[160], new_mail[160], body[512], uri[320];
	unique_email(a_mail, sizeof a_mail, "cust-a");
	unique_email(b_mail, sizeof b_mail, "cust-b");
	unique_email(new_mail, sizeof new_mail, "cust-new");
	char *na = create_ticket_for(&f, f.key, f.type, a_mail);
	char *nb = create_ticket_for(&f, f.key, f.type, b_mail);
	harness_response r;
	/* Found by address, whatever its case. */
	char upper[160];
	snprintf(upper, sizeof upper, "%s", a_mail);
	for (char *c = upper; *c && *c != '@'; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	snprintf(uri, sizeof uri, "/api/v1/customers?email=%s", upper);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	char want[256];
	snprintf(want, sizeof want, "\"email\":\"%s\"", a_mail);
	assert_has(&r, want);
	assert_has(&r, "\"name\":\"Req\"");
	assert_has(&r, "\"preferred_language\":\"en\"");
	assert_has(&r, "\"created_at\":\"");
	char *a_id = json_field(r.body, "id");
	ck_assert_ptr_nonnull(a_id);
	harness_response_free(&r);
	/* Their tickets: the tickets list's rows, only theirs. */
	snprintf(uri, sizeof uri, "/api/v1/customers/%s/tickets", a_id);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, na);
	assert_lacks(&r, nb);
	assert_has(&r, "\"next\":null");
	harness_response_free(&r);
	/* A second ticket of theirs: a page of one has a next link on the same path. */
	char *na2 = create_ticket_for(&f, f.key, f.type, a_mail);
	snprintf(uri, sizeof uri, "/api/v1/customers/%s/tickets?limit=1", a_id);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	char *next = json_field(r.body, "next");
	ck_assert_ptr_nonnull(next);
	char prefix[200];
	snprintf(prefix, sizeof prefix, "/api/v1/customers/%s/tickets?limit=1&after=", a_id);
	ck_assert_msg(strncmp(next, prefix, strlen(prefix)) == 0, "next %s", next);
	harness_response_free(&r);
	api(f.a, "GET", next, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, na);
	assert_lacks(&r, na2);
	harness_response_free(&r);
	free(next);
	snprintf(uri, sizeof uri, "/api/v1/customers/%s/tickets?after=bogus", a_id);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 400, "bad-cursor");
	harness_response_free(&r);
	/* Created: 201 and Location, and the Idempotency-Key replays it. */
	snprintf(body, sizeof body, "{\"email\":\" %s \",\"name\":\"New Customer\"}", new_mail);
	api(f.a, "POST", "/api/v1/customers", f.key, body, "HTTP_IDEMPOTENCY_KEY=cust-1", NULL, &r);
	assert_status(&r, 201);
	char *loc = harness_header(&r, "Location");
	char *new_id = json_field(r.body, "id");
	ck_assert_ptr_nonnull(loc);
	ck_assert_ptr_nonnull(new_id);
	snprintf(want, sizeof want, "/api/v1/customers/%s", new_id);
	ck_assert_str_eq(loc, want);
	snprintf(want, sizeof want, "\"email\":\"%s\"", new_mail);
	assert_has(&r, want);
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", f.key, body, "HTTP_IDEMPOTENCY_KEY=cust-1", NULL, &r);
	assert_status(&r, 201);
	char *replayed = harness_header(&r, "Idempotent-Replayed");
	ck_assert_msg(replayed && strcmp(replayed, "true") == 0, "Idempotent-Replayed %s", replayed ? replayed : "");
	free(replayed);
	harness_response_free(&r);
	api(f.a, "POST", "/api/v1/customers", f.key, "{\"email\":\"other@example.com\"}", "HTTP_IDEMPOTENCY_KEY=cust-1",
	    NULL, &r);
	assert_problem(&r, 422, "idempotency-key-reused");
	harness_response_free(&r);
	/* The same address again: 409, pointing at the customer. */
	api(f.a, "POST", "/api/v1/customers", f.key, body, NULL, NULL, &r);
	assert_problem(&r, 409, "customer-exists");
	char *loc2 = harness_header(&r, "Location");
	ck_assert_ptr_nonnull(loc2);
	ck_assert_str_eq(loc2, loc);
	snprintf(want, sizeof want, "\"location\":\"%s\"", loc);
	assert_has(&r, want);
	free(loc2);
	harness_response_free(&r);
	/* A requester of a ticket is a customer already. */
	snprintf(body, sizeof body, "{\"email\":\"%s\"}", b_mail);
	api(f.a, "POST", "/api/v1/customers", f.key, body, NULL, NULL, &r);
	assert_problem(&r, 409, "customer-exists");
	harness_response_free(&r);
	assert_owner("select count(*)::text from users where email = $1::citext", new_mail, NULL, "1");
	/* The new customer, by id, with no tickets; another organization
	 * does not see them, and making them there says nothing of here. */
	api(f.a, "GET", loc, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"name\":\"New Customer\"");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "%s/tickets", loc);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"items\":[]");
	harness_response_free(&r);
	api(f.a, "GET", loc, f.other_key, NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	harness_response_free(&r);
	snprintf(body, sizeof body, "{\"email\":\"%s\"}", new_mail);
	api(f.a, "POST", "/api/v1/customers", f.other_key, body, NULL, NULL, &r);
	assert_status(&r, 201);
	harness_response_free(&r);
	/* The list: every customer once, in pages of one, following next. */
	int seen_a = 0, seen_b = 0, seen_new = 0, pages = 0;
	char *page = strdup("/api/v1/customers?limit=1");
	while (page && pages < 10) {
		api(f.a, "GET", page, f.key, NULL, NULL, NULL, &r);
		assert_status(&r, 200);
		seen_a += strstr(r.body, a_mail) != NULL;
		seen_b += strstr(r.body, b_mail) != NULL;
		seen_new += strstr(r.body, new_mail) != NULL;
		free(page);
		page = json_field(r.body, "next");
		harness_response_free(&r);
		pages++;
	}
	free(page);
	/* The fixture's own requester, api-req@example.com, is not among
	 * them: only this test's three. */
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(seen_a, 1);
	ck_assert_int_eq(seen_b, 1);
	ck_assert_int_eq(seen_new, 1);
	free(loc);
	free(new_id);
	free(a_id);
	free(na);
	free(nb);
	free(na2);
	teardown(&f);
}
END_TEST

/* An attachment of message_id (inline bytes, as before 0008); its id. */
static char *attach(const char *message_id, const char *name, const char *bytes)
{
	char *id = owner3("with b as (insert into attachment_blobs (sha256, data, size_bytes) "
	                  "values (sha256(convert_to($3, 'UTF8')), convert_to($3, 'UTF8'), octet_length($3)) "
	                  "on conflict (sha256) do update set last_used_at = now() returning sha256) "
	                  "insert into attachments (ticket_id, message_id, file_name, content_type, size_bytes, sha256) "
	                  "select m.ticket_id, m.id, $2, 'text/plain', octet_length($3), b.sha256 "
	                  "from ticket_messages m, b where m.id = $1::uuid returning id::text",
	    message_id, name, bytes);
	ck_assert_ptr_nonnull(id);
	return id;
}

START_TEST(attachments_listed_and_downloaded)
{
	fixture f;
	setup(&f);
	char cust_key[128];
	free(make_key(f.slug, "{customers:read}", cust_key, sizeof cust_key));
	char *number = create_ticket(&f, f.key, f.type, "With files");
	char *other_number = create_ticket(&f, f.key, f.type, "Other files");
	char *foreign_number = create_ticket(&f, f.other_key, f.other_type, "Foreign files");
	char uri[320];
	harness_response r;
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", number);
	api(f.a, "POST", uri, f.key, "{\"body\":\"The invoice, attached.\"}", NULL, NULL, &r);
	assert_status(&r, 201);
	char *reply = json_field(r.body, "id");
	harness_response_free(&r);
	api(f.a, "POST", uri, f.key, "{\"body\":\"Internal copy.\",\"internal\":true}", NULL, NULL, &r);
	assert_status(&r, 201);
	char *note = json_field(r.body, "id");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", other_number);
	api(f.a, "POST", uri, f.key, "{\"body\":\"Elsewhere.\"}", NULL, NULL, &r);
	char *elsewhere = json_field(r.body, "id");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", foreign_number);
	api(f.a, "POST", uri, f.other_key, "{\"body\":\"Theirs.\"}", NULL, NULL, &r);
	char *theirs = json_field(r.body, "id");
	harness_response_free(&r);
	char *att = attach(reply, "\xc3\x9c" "berweisung \"2026\".txt", "invoice bytes 2026");
	char *natt = attach(note, "note.txt", "internal bytes");
	char *oatt = attach(elsewhere, "other.txt", "other bytes");
	char *fatt = attach(theirs, "foreign.txt", "foreign bytes");
	/* A file of the ticket's submission (no message): not the API's. */
	char *satt = owner3("with b as (insert into attachment_blobs (sha256, data, size_bytes) "
	                    "values (sha256('submission bytes'), 'submission bytes', 16) on conflict (sha256) "
	                    "do update set last_used_at = now() returning sha256) "
	                    "insert into attachments (ticket_id, file_name, content_type, size_bytes, sha256) "
	                    "select t.id, 'form.txt', 'text/plain', 16, b.sha256 from tickets t, b where t.number = $1 "
	                    "returning id::text", number, NULL, NULL);
	ck_assert_ptr_nonnull(satt);
	/* Listed with the message: id, name, type, size, its URL. */
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", number);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	char want[400];
	snprintf(want, sizeof want, "\"url\":\"/api/v1/tickets/%s/attachments/%s\"", number, att);
	assert_has(&r, want);
	assert_has(&r, "\"content_type\":\"text/plain\"");
	assert_has(&r, "\"size\":18");
	harness_response_free(&r);
	/* Downloaded: the bytes, the stored type, a safe disposition. */
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/attachments/%s", number, att);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	ck_assert_msg(r.body_len == 18 && memcmp(r.body, "invoice bytes 2026", 18) == 0, "body %.*s", (int)r.body_len,
	    r.body);
	char *ct = harness_header(&r, "Content-Type");
	ck_assert_msg(ct && strcmp(ct, "text/plain") == 0, "Content-Type %s", ct ? ct : "");
	char *cd = harness_header(&r, "Content-Disposition");
	ck_assert_msg(cd && strncmp(cd, "attachment;", 11) == 0 && strstr(cd, "filename*=UTF-8''%C3%9Cberweisung") &&
	        !strstr(cd, "\"2026\""), "Content-Disposition %s", cd ? cd : "");
	char *cc = harness_header(&r, "Cache-Control");
	ck_assert_msg(cc && strstr(cc, "no-store"), "Cache-Control %s", cc ? cc : "");
	char *csp = harness_header(&r, "Content-Security-Policy");
	ck_assert_msg(csp && strstr(csp, "sandbox"), "Content-Security-Policy %s", csp ? csp : "");
	free(cc);
	free(csp);
	free(ct);
	free(cd);
	harness_response_free(&r);
	/* An internal note's file: the key works the ticket as its agents do. */
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/attachments/%s", number, natt);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	harness_response_free(&r);
	/* 403 without tickets:read; 401 without a key. */
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/attachments/%s", number, att);
	api(f.a, "GET", uri, cust_key, NULL, NULL, NULL, &r);
	assert_problem(&r, 403, "insufficient-scope");
	harness_response_free(&r);
	api(f.a, "GET", uri, NULL, NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	harness_response_free(&r);
	/* 404: a file of another ticket of ours through this one, another
	 * organization's file through ours and through theirs, an unknown id,
	 * no uuid, a foreign ticket. */
	const char *bad[][2] = { { number, oatt }, { number, fatt }, { foreign_number, fatt },
		{ number, "00000000-0000-4000-8000-000000000000" }, { number, "nope" }, { foreign_number, att },
		{ number, satt } };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(uri, sizeof uri, "/api/v1/tickets/%s/attachments/%s", bad[i][0], bad[i][1]);
		api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
		assert_problem(&r, 404, "not-found");
		assert_lacks(&r, "bytes");
		harness_response_free(&r);
	}
	free(att);
	free(natt);
	free(oatt);
	free(fatt);
	free(satt);
	free(reply);
	free(note);
	free(elsewhere);
	free(theirs);
	free(number);
	free(other_number);
	free(foreign_number);
	teardown(&f);
}
END_TEST

/* Service users (0042) in the desk: not offered as assignees, not given a
 * ticket by auto-assign, marked on the members page and not changed as a
 * person there. */
/* Files sent with a reply or note in base64 take the path of a form's
 * files: listed with the message, downloaded as sent; a bad one is a 422
 * by its index, and nothing is posted. */
START_TEST(messages_carry_attachments_in_base64)
{
	fixture f;
	setup(&f);
	char *number = create_ticket(&f, f.key, f.type, "Files by API");
	char uri[320], want[400];
	harness_response r;
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", number);
	/* "hello attachment 2026\n", wrapped as a MIME encoder wraps. */
	api(f.a, "POST", uri, f.key,
	    "{\"body\":\"The log, attached.\",\"attachments\":[{\"filename\":\"log.txt\","
	    "\"data\":\"aGVsbG8gYXR0YWNo\\r\\nbWVudCAyMDI2Cg==\"}]}", NULL, NULL, &r);
	assert_status(&r, 201);
	harness_response_free(&r);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "\"file_name\":\"log.txt\"");
	assert_has(&r, "\"size\":22");
	char *att = json_field(strstr(r.body, "\"attachments\":[{"), "id");
	ck_assert_ptr_nonnull(att);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/attachments/%s", number, att);
	api(f.a, "GET", uri, f.key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	ck_assert_msg(r.body_len == 22 && memcmp(r.body, "hello attachment 2026\n", 22) == 0, "body %.*s",
	    (int)r.body_len, r.body);
	harness_response_free(&r);
	/* An internal note's file too. */
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s/messages", number);
	api(f.a, "POST", uri, f.key,
	    "{\"body\":\"Our copy.\",\"internal\":true,\"attachments\":[{\"filename\":\"copy.txt\",\"data\":\"Y29weQ==\"}]}",
	    NULL, NULL, &r);
	assert_status(&r, 201);
	harness_response_free(&r);
	/* Refused, each by its index, and the message not posted. */
	static const struct {
		const char *attachments, *field, *message;
	} bad[] = {
		{ "{}", "attachments", "Must be an array" },
		{ "[{\"data\":\"Y29weQ==\"}]", "attachments[0]", "filename" },
		{ "[{\"filename\":\"a.txt\",\"data\":\"not base64!\"}]", "attachments[0]", "not base64" },
		{ "[{\"filename\":\"a.txt\",\"data\":\"Y29weQ==\"},{\"filename\":\"b.txt\",\"data\":7}]", "attachments[1]",
		    "base64" },
		/* An ELF header: sniffed, not in the allow-list, whatever its name. */
		{ "[{\"filename\":\"notes.txt\",\"data\":\"f0VMRgIBAQAAAAAAAAAAAA==\"}]", "attachments", "kind of file" },
		{ "[{\"filename\":\"empty.txt\",\"data\":\"\"}]", "attachments", "is empty" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char body[512];
		snprintf(body, sizeof body, "{\"body\":\"Refused %zu.\",\"attachments\":%s}", i, bad[i].attachments);
		api(f.a, "POST", uri, f.key, body, NULL, NULL, &r);
		assert_problem(&r, 422, "validation-failed");
		snprintf(want, sizeof want, "\"field\":\"%s\"", bad[i].field);
		assert_has(&r, want);
		assert_has(&r, bad[i].message);
		harness_response_free(&r);
		char like[64];
		snprintf(like, sizeof like, "Refused %zu.", i);
		assert_owner("select count(*)::text from ticket_messages where body = $1", like, NULL, "0");
	}
	free(att);
	free(number);
	teardown(&f);
}
END_TEST

START_TEST(service_users_are_nobody_to_assign_or_list)
{
	fixture f;
	setup(&f);
	char *svc = owner3("select service_user_id::text from api_keys where id = $1::uuid", f.key_id, NULL, NULL);
	char *svc_membership = owner3("select id::text from memberships where user_id = $1::uuid", svc, NULL, NULL);
	char *agent = new_user("svc-agent", NULL, 0);
	char *admin = new_user("svc-admin", NULL, 0);
	free(add_member(f.org, agent, "agent"));
	free(add_member(f.org, admin, "admin"));
	/* Auto-assign with the people away: nobody, never the keys. */
	free(owner3("with u as (update organization_settings set auto_assign_enabled = true "
	            "where organization_id = $1::uuid returning 1) select count(*) from u", f.org, NULL, NULL));
	free(owner3("with u as (update users set away_since = now() where id in ($1::uuid, $2::uuid) returning 1) "
	            "select count(*) from u", agent, admin, NULL));
	char *lone = create_ticket(&f, f.key, f.type, "Only keys are free");
	assert_owner("select coalesce(assignee_id::text, 'none') from tickets where number = $1", lone, NULL, "none");
	free(owner3("with u as (update users set away_since = null where id = $1::uuid returning 1) "
	            "select count(*) from u", agent, NULL, NULL));
	char *taken = create_ticket(&f, f.key, f.type, "Someone is back");
	assert_owner("select assignee_id::text from tickets where number = $1", taken, NULL, agent);
	/* The desk's choices: the queue filter and the workspace. */
	browser b;
	sign_in(f.a, admin, &b);
	char uri[320], opt[80], agent_opt[80];
	snprintf(opt, sizeof opt, "value=\"%s\"", svc);
	snprintf(agent_opt, sizeof agent_opt, "value=\"%s\"", agent);
	for (int i = 0; i < 2; i++) {
		if (i == 0)
			snprintf(uri, sizeof uri, "/desk?org=%s", f.org);
		else
			snprintf(uri, sizeof uri, "/desk/tickets/%s", lone);
		harness_response r;
		get(f.a, uri, b.cookie, &r);
		assert_status(&r, 200);
		assert_has(&r, agent_opt);
		assert_lacks(&r, opt);
		harness_response_free(&r);
	}
	/* The API's own PATCH may not give a ticket to a key either. */
	char body[200];
	snprintf(body, sizeof body, "{\"assignee\":\"%s\"}", svc);
	snprintf(uri, sizeof uri, "/api/v1/tickets/%s", lone);
	harness_response r;
	api(f.a, "PATCH", uri, f.key, body, "HTTP_IF_MATCH=*", NULL, &r);
	assert_problem(&r, 422, "validation-failed");
	harness_response_free(&r);
	/* The members page: listed as the key's, without a person's forms. */
	snprintf(uri, sizeof uri, "/desk/admin/members?org=%s", f.slug);
	get(f.a, uri, b.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "API: test key");
	assert_has(&r, "The service user of an API key");
	char action[200];
	snprintf(action, sizeof action, "/desk/admin/members/%s/role", svc_membership);
	assert_lacks(&r, action);
	harness_response_free(&r);
	post_as(f.a, action, &b, "role=admin", &r);
	assert_status(&r, 422);
	harness_response_free(&r);
	snprintf(action, sizeof action, "/desk/admin/members/%s/active", svc_membership);
	post_as(f.a, action, &b, "active=0", &r);
	assert_status(&r, 422);
	harness_response_free(&r);
	assert_owner("select role || ' ' || is_active::text from memberships where id = $1::uuid", svc_membership, NULL,
	    "agent true");
	free(b.cookie);
	free(lone);
	free(taken);
	free(agent);
	free(admin);
	free(svc);
	free(svc_membership);
	teardown(&f);
}
END_TEST

START_TEST(openapi_matches_the_route_table)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	harness_request(a, "GET", "/api/v1/openapi.json", NULL, NULL, 0, &r);
	assert_status(&r, 200);
	json_error_t err;
	json_t *doc = json_loads(r.body, 0, &err);
	ck_assert_msg(doc, "openapi.json: %s", err.text);
	harness_response_free(&r);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	json_t *paths = json_object_get(doc, "paths");
	int routes = 0;
	for (size_t i = 0; i < app_nroutes; i++) {
		const route *rt = &app_routes[i];
		if (strncmp(rt->pattern, "/api/", 5) != 0)
			continue;
		static const struct { unsigned m; const char *name; } ms[] = {
			{ METHOD_GET, "get" }, { METHOD_POST, "post" }, { METHOD_PATCH, "patch" } };
		for (size_t k = 0; k < 3; k++)
			if (rt->methods & ms[k].m) {
				json_t *p = json_object_get(paths, rt->pattern);
				ck_assert_msg(p && json_object_get(p, ms[k].name), "%s %s is not in openapi.json", ms[k].name,
				    rt->pattern);
				routes++;
			}
	}
	int ops = 0;
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item) {
		const char *m;
		json_t *op;
		json_object_foreach(item, m, op) {
			unsigned want = strcmp(m, "get") == 0 ? METHOD_GET : strcmp(m, "post") == 0 ? METHOD_POST
			              : strcmp(m, "patch") == 0 ? METHOD_PATCH : 0;
			ck_assert_msg(want, "openapi.json: %s %s is no method the router has", m, path);
			bool found = false;
			for (size_t i = 0; i < app_nroutes && !found; i++)
				found = strcmp(app_routes[i].pattern, path) == 0 && (app_routes[i].methods & want);
			ck_assert_msg(found, "openapi.json: %s %s is not in the route table", m, path);
			ops++;
		}
	}
	ck_assert_int_eq(routes, ops);
	ck_assert_int_ge(routes, 8);
	json_decref(doc);
	harness_app_free(a);
}
END_TEST

/* ---- the admin page ---- */

START_TEST(admin_page_creates_shows_once_and_revokes)
{
	fixture f;
	setup(&f);
	char *admin = new_user("keyadmin", NULL, 0);
	char *agent = new_user("keyagent", NULL, 0);
	char *other_admin = new_user("keyother", NULL, 0);
	free(add_member(f.org, admin, "admin"));
	free(add_member(f.org, agent, "agent"));
	free(add_member(f.other, other_admin, "admin"));
	browser adm, ag, oth;
	sign_in(f.a, admin, &adm);
	sign_in(f.a, agent, &ag);
	sign_in(f.a, other_admin, &oth);
	harness_response r;
	char uri[200], fields[600];
	/* An agent does not see the page; nobody creates without the token. */
	snprintf(uri, sizeof uri, "/desk/admin/api-keys?org=%s", f.slug);
	get(f.a, uri, ag.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Sync&scope=tickets:read", f.slug);
	post_form(f.a, "/desk/admin/api-keys", adm.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	/* Another organization's admin may not name this one. */
	post_as(f.a, "/desk/admin/api-keys", &oth, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select count(*)::text from api_keys where organization_id = $1::uuid and name = 'Sync'", f.org, NULL, "0");
	/* Bad input, each problem by its field. */
	snprintf(fields, sizeof fields, "org=%s&name=&scope=tickets:delete&expires=soon&ip_allow=nowhere", f.slug);
	post_as(f.a, "/desk/admin/api-keys", &adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Name the key");
	assert_has(&r, "Choose scopes from the list.");
	assert_has(&r, "like 2027-01-31");
	assert_has(&r, "192.0.2.10");
	harness_response_free(&r);
	/* Made, shown once. */
	snprintf(fields, sizeof fields, "org=%s&name=Sync&scope=tickets:read&scope=tickets:write&ip_allow=127.0.0.0/8%%0A::1",
	    f.slug);
	post_as(f.a, "/desk/admin/api-keys", &adm, fields, &r);
	assert_status(&r, 200);
	char *key = extract(r.body, "id=\"f-new-key\" class=\"key-once\" readonly value=\"", '"');
	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(strncmp(key, "sdk_", 4), 0);
	harness_response_free(&r);
	get(f.a, uri, adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Sync");
	assert_has(&r, "tickets:read, tickets:write");
	assert_lacks(&r, key);
	assert_lacks(&r, key + 37);
	harness_response_free(&r);
	/* Audited, as the setup's two keys were. */
	assert_owner("select count(*)::text from config_audit where organization_id = $1::uuid and entity = 'api_key'",
	    f.org, NULL, "3");
	/* The key works (the harness's REMOTE_ADDR is loopback, in the list). */
	api(f.a, "GET", "/api/v1/tickets", key, NULL, NULL, NULL, &r);
	assert_status(&r, 200);
	harness_response_free(&r);
	/* Revoked by the admin: refused at once. */
	char *id = owner3("select id from api_keys where organization_id = $1::uuid and name = 'Sync'", f.org, NULL, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/api-keys/%s/revoke", id);
	snprintf(fields, sizeof fields, "org=%s", f.other_slug);
	post_as(f.a, uri, &oth, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	post_as(f.a, uri, &adm, fields, &r);
	char *to = harness_header(&r, "Location");
	ck_assert_msg(to && strstr(to, "done=revoked"), "Location %s", to ? to : "");
	free(to);
	harness_response_free(&r);
	api(f.a, "GET", "/api/v1/tickets", key, NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	harness_response_free(&r);
	assert_owner("select count(*)::text from config_audit where organization_id = $1::uuid and entity = 'api_key'",
	    f.org, NULL, "4");
	free(id);
	free(key);
	free(adm.cookie);
	free(ag.cookie);
	free(oth.cookie);
	free(admin);
	free(agent);
	free(other_admin);
	teardown(&f);
}
END_TEST

START_TEST(address_outside_the_allow_list_is_403)
{
	fixture f;
	setup(&f);
	free(owner3("with u as (update api_keys set ip_allow = '{192.0.2.0/24}' where id = $1::uuid returning 1) "
	            "select count(*) from u", f.key_id, NULL, NULL));
	harness_response r;
	api(f.a, "GET", "/api/v1/tickets", f.key, NULL, NULL, NULL, &r);
	assert_problem(&r, 403, "address-not-allowed");
	harness_response_free(&r);
	teardown(&f);
}
END_TEST

Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *refused = tcase_create("api_refused");
	tcase_set_timeout(refused, 60);
	tcase_add_test(refused, no_key_malformed_wrong_or_revoked_is_401);
	tcase_add_test(refused, missing_scope_is_403_and_nothing_made);
	tcase_add_test(refused, another_organizations_ticket_is_404);
	tcase_add_test(refused, bad_bodies_are_400_413_415_422);
	tcase_add_test(refused, updates_need_a_current_if_match);
	tcase_add_test(refused, idempotency_key_replays_and_refuses_another_body);
	tcase_add_test(refused, rate_limit_per_key_is_429);
	tcase_add_test(refused, postgres_down_is_503_problem);
	suite_add_tcase(s, refused);
	TCase *works = tcase_create("api_endpoints");
	tcase_set_timeout(works, 60);
	tcase_add_test(works, tickets_list_create_get_with_cursor_and_etag);
	tcase_add_test(works, messages_reply_note_and_close);
	tcase_add_test(works, config_lists_types_fields_teams);
	tcase_add_test(works, openapi_matches_the_route_table);
	tcase_add_test(works, admin_page_creates_shows_once_and_revokes);
	tcase_add_test(works, address_outside_the_allow_list_is_403);
	tcase_add_test(refused, customers_refused_401_403_404_400_422);
	tcase_add_test(works, customers_find_create_list_and_their_tickets);
	tcase_add_test(works, attachments_listed_and_downloaded);
	tcase_add_test(works, messages_carry_attachments_in_base64);
	tcase_add_test(works, service_users_are_nobody_to_assign_or_list);
	suite_add_tcase(s, works);
	return s;
}
