/* api.c: the REST API's authentication, problems, JSON in and out, ETags
 * and idempotency. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/crypto.h"
#include "core/log.h"

/* ---- problems ---- */

static const struct {
	int status;
	const char *type, *title;
} problems[] = {
	{ 400, "bad-request", "The request is malformed" },
	{ 401, "unauthorized", "A valid API key is required" },
	{ 403, "forbidden", "This key may not do that" },
	{ 404, "not-found", "No such resource" },
	{ 405, "method-not-allowed", "Method not allowed on this resource" },
	{ 409, "conflict", "The request conflicts with the resource's state" },
	{ 412, "precondition-failed", "The resource changed since it was read" },
	{ 413, "body-too-large", "The request body is too large" },
	{ 415, "unsupported-media-type", "The body must be application/json" },
	{ 422, "validation-failed", "The request's values are not acceptable" },
	{ 428, "precondition-required", "This update needs If-Match" },
	{ 429, "rate-limited", "Too many requests for this key" },
	{ 500, "internal-error", "Something went wrong" },
	{ 503, "unavailable", "Temporarily unavailable" },
};

static const char *problem_title(int status, const char *type)
{
	for (size_t i = 0; i < sizeof problems / sizeof *problems; i++)
		if (problems[i].status == status && (!type || strcmp(type, problems[i].type) == 0))
			return problems[i].title;
	for (size_t i = 0; i < sizeof problems / sizeof *problems; i++)
		if (problems[i].status == status)
			return problems[i].title;
	return "Error";
}

static void send_json_raw(req *r, int status, const char *content_type, const char *body)
{
	buf_clear(&r->headers);
	resp_body(r, status, content_type, body, strlen(body));
}

int api_problem(req *r, int status, const char *type, const char *detail)
{
	return api_problem_with(r, status, type, detail, NULL);
}

int api_problem_with(req *r, int status, const char *type, const char *detail, json_t *extra)
{
	json_t *j = json_object();
	json_object_set_new(j, "type", json_string(arena_sprintf(r->a, "/api/v1/problems/%s", type)));
	json_object_set_new(j, "title", json_string(problem_title(status, type)));
	json_object_set_new(j, "status", json_integer(status));
	if (detail)
		json_object_set_new(j, "detail", json_string(detail));
	json_object_set_new(j, "instance", json_string(arena_sprintf(r->a, "urn:request:%s", r->request_id)));
	if (extra) {
		json_object_update_missing(j, extra);
		json_decref(extra);
	}
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	/* Keep headers a problem needs (WWW-Authenticate, Allow) written by the
	 * caller before: only the body is replaced. */
	r->status = status;
	r->is_html = false;
	buf_clear(&r->body);
	buf_puts(&r->body, s ? s : "{}");
	free(s);
	resp_header(r, "Content-Type", "application/problem+json");
	if (status == 503 && r->retry_after_s <= 0)
		r->retry_after_s = 5;
	return 0;
}

void api_error(req *r, int status)
{
	const char *type = NULL;
	for (size_t i = 0; i < sizeof problems / sizeof *problems; i++)
		if (problems[i].status == status)
			type = problems[i].type;
	if (!type) {
		status = status >= 500 ? 500 : 400;
		type = status == 500 ? "internal-error" : "bad-request";
	}
	api_problem(r, status, type, NULL);
}

int api_problem_fields(req *r, const char *const *fields, const char *const *messages, size_t n)
{
	json_t *j = json_object();
	json_object_set_new(j, "type", json_string("/api/v1/problems/validation-failed"));
	json_object_set_new(j, "title", json_string(problem_title(422, "validation-failed")));
	json_object_set_new(j, "status", json_integer(422));
	json_object_set_new(j, "instance", json_string(arena_sprintf(r->a, "urn:request:%s", r->request_id)));
	json_t *errs = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "field", json_string(fields[i]));
		json_object_set_new(e, "message", json_string(messages[i]));
		json_array_append_new(errs, e);
	}
	json_object_set_new(j, "errors", errs);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	send_json_raw(r, 422, "application/problem+json", s ? s : "{}");
	free(s);
	return 0;
}

int api_problem_form(req *r, const form_errors *e)
{
	const char **f = arena_calloc(r->a, e->len + 1, sizeof *f);
	const char **m = arena_calloc(r->a, e->len + 1, sizeof *m);
	for (size_t i = 0; i < e->len; i++) {
		f[i] = e->items[i].field;
		m[i] = e->items[i].message;
	}
	return api_problem_fields(r, f, m, e->len);
}

int api_require(req *r, unsigned scope)
{
	if (r->api && (r->api->scopes & scope))
		return 0;
	const char *name = "";
	for (int i = 0; i < API_SCOPE_COUNT; i++)
		if (scope == (1u << i))
			name = api_scope_name(i);
	api_problem(r, 403, "insufficient-scope", arena_sprintf(r->a, "This key lacks the scope %s.", name));
	return 1;
}

/* ---- authentication ---- */

int api_authenticate(req *r)
{
	const char *h = req_header(r, "HTTP_AUTHORIZATION");
	api_key_parts parts;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !api_key_parse(str_from_cstr(h + 7), &parts)) {
		resp_header(r, "WWW-Authenticate", "Bearer realm=\"api\"");
		api_problem(r, 401, "unauthorized", h ? "The Authorization header holds no API key." :
		    "Send Authorization: Bearer <key>.");
		return 401;
	}
	db_tx *tx = page_tx(r);
	api_key_auth_info info;
	int found = api_key_authenticate(tx, &parts, page_client_ip(r), &info);
	if (found < 0)
		return page_db_failure(r);
	if (found == 0) {
		resp_header(r, "WWW-Authenticate", "Bearer realm=\"api\", error=\"invalid_token\"");
		api_problem(r, 401, "unauthorized", "The key is unknown, revoked or expired.");
		return 401;
	}
	api_auth *au = arena_calloc(r->a, 1, sizeof *au);
	au->key_id = info.key_id;
	au->org_id = info.org_id;
	au->user_id = info.user_id;
	au->scopes = info.scopes;
	r->api = au;
	if (!info.ip_ok) {
		api_problem(r, 403, "address-not-allowed", "This key may not be used from this address.");
		return 403;
	}
	const config_rate *rate = &r->app->cfg->rate_api_key;
	int st = page_ratelimit(r, "api_key", str_from_cstr(info.key_id), rate->limit, rate->window_s);
	if (st) {
		api_problem(r, st, st == 429 ? "rate-limited" : "unavailable", NULL);
		return st;
	}
	r->user_id = info.user_id;
	if (page_act_as(r, info.user_id))
		return page_db_failure(r);
	/* At most once a minute: no write on every request. */
	if (!info.used_recently && api_key_touch(tx) != 0)
		return page_db_failure(r);
	return 0;
}

/* ---- JSON out ---- */

int api_send(req *r, int status, json_t *j, const char *location)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return 500;
	char *body = arena_strdup(r->a, s);
	free(s);
	bool get = r->method == METHOD_GET || r->method == METHOD_HEAD;
	if (get && status == 200) {
		unsigned char h[32];
		crypto_sha256(h, body, strlen(body));
		char *etag = arena_sprintf(r->a, "\"%s\"", crypto_hex(r->a, h, 12));
		resp_header(r, "ETag", etag);
		resp_header(r, "Cache-Control", "private, no-cache");
		const char *inm = req_header(r, "HTTP_IF_NONE_MATCH");
		if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
			r->status = 304;
			r->is_html = false;
			buf_clear(&r->body);
			return 0;
		}
	}
	if (location)
		resp_header(r, "Location", location);
	resp_body(r, status, "application/json", body, strlen(body));
	if (r->api && r->api->idem_key && status >= 200 && status < 300 &&
	    api_idempotency_put(page_tx(r), r->api->idem_key, r->api->idem_hash, status, location, body) != 0)
		return page_db_failure(r);
	return 0;
}

json_t *api_time(long long epoch)
{
	if (epoch <= 0)
		return json_null();
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	char s[32];
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

void api_next_link(req *r, json_t *out, const char *path, const char *const *keep, const char *cursor)
{
	if (!cursor) {
		json_object_set_new(out, "next", json_null());
		return;
	}
	buf next;
	buf_init(&next, r->a, 256);
	buf_printf(&next, "%s?", path);
	for (; *keep; keep++) {
		str v = req_query_get(r, *keep);
		if (!v.len)
			continue;
		buf_printf(&next, "%s=", *keep);
		for (size_t c = 0; c < v.len; c++) {
			unsigned char ch = (unsigned char)v.ptr[c];
			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			    ch == '.' || ch == '_' || ch == '~')
				buf_putc(&next, (char)ch);
			else
				buf_printf(&next, "%%%02X", ch);
		}
		buf_putc(&next, '&');
	}
	buf_printf(&next, "after=%s", cursor);
	json_object_set_new(out, "next", json_string(next.data));
}

const char *api_json_str(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- JSON in ---- */

static int depth_of(json_t *j, int limit)
{
	if (limit < 0)
		return 1;
	size_t i;
	const char *k;
	json_t *v;
	int d = 0, x;
	if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			if ((x = depth_of(v, limit - 1)) > d)
				d = x;
		return d + 1;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((x = depth_of(v, limit - 1)) > d)
				d = x;
		return d + 1;
	}
	return 0;
}

json_t *api_json_parse(const char *p, size_t n, const char **why)
{
	*why = NULL;
	json_error_t err;
	json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		*why = "The body is not valid JSON (or names a member twice).";
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*why = "The body must be a JSON object.";
		return NULL;
	}
	if (depth_of(j, 10) > 10) {
		json_decref(j);
		*why = "The body nests too deeply.";
		return NULL;
	}
	return j;
}

int api_body(req *r, json_t **out)
{
	return api_body_max(r, API_BODY_MAX, out);
}

int api_body_max(req *r, size_t max, json_t **out)
{
	*out = NULL;
	str ct = r->content_type;
	if (!(ct.len >= 16 && strncasecmp(ct.ptr, "application/json", 16) == 0 &&
	        (ct.len == 16 || ct.ptr[16] == ';' || ct.ptr[16] == ' '))) {
		api_problem(r, 415, "unsupported-media-type", "Send Content-Type: application/json.");
		return 1;
	}
	str body;
	int st = req_read_body(r, max, &body);
	if (st) {
		api_problem(r, st, st == 413 ? "body-too-large" : "bad-request", NULL);
		return 1;
	}
	const char *idem = req_header(r, "HTTP_IDEMPOTENCY_KEY");
	if (idem && r->method == METHOD_POST && r->api) {
		size_t len = strlen(idem);
		if (len == 0 || len > 200) {
			api_problem(r, 400, "bad-idempotency-key", "An Idempotency-Key has 1 to 200 characters.");
			return 1;
		}
		crypto_sha256_state hs;
		crypto_sha256_init(&hs);
		crypto_sha256_update(&hs, r->path.ptr, r->path.len);
		crypto_sha256_update(&hs, "\n", 1);
		crypto_sha256_update(&hs, body.ptr, body.len);
		crypto_sha256_final(&hs, r->api->idem_hash);
		api_idem stored;
		if (api_idempotency_get(page_tx(r), idem, r->api->idem_hash, &stored) != 0) {
			api_error(r, page_db_failure(r));
			return 1;
		}
		if (stored.found && !stored.same_request) {
			api_problem(r, 422, "idempotency-key-reused",
			    "This Idempotency-Key was used with another request; use a new key.");
			return 1;
		}
		if (stored.found) {
			if (stored.location)
				resp_header(r, "Location", stored.location);
			resp_header(r, "Idempotent-Replayed", "true");
			resp_body(r, stored.status, "application/json", stored.body, strlen(stored.body));
			return 1;
		}
		r->api->idem_key = arena_strdup(r->a, idem);
	}
	const char *why;
	json_t *j = api_json_parse(body.ptr ? body.ptr : "", body.len, &why);
	if (!j) {
		api_problem(r, 400, "invalid-json", why);
		return 1;
	}
	*out = j;
	return 0;
}
