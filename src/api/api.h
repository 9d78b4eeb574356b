/* api.h: what the REST API's handlers (src/api/api_*.c, one file per
 * resource) share: the key of the request, JSON in and out, errors as
 * application/problem+json (RFC 9457), ETags, idempotency. The handlers
 * call the same model functions the pages call, in the request's
 * transaction (page_tx), acting as the key's service user. */
#ifndef SD_API_H
#define SD_API_H

#include <jansson.h>

#include "app/page.h"
#include "model/api_key.h"
#include "model/submit_form.h"

typedef struct api_auth {
	const char *key_id, *org_id, *user_id;
	unsigned scopes;
	/* A POST with Idempotency-Key: stored with its answer by api_send. */
	const char *idem_key;
	unsigned char idem_hash[32];
} api_auth;

/* The dispatcher, for every ROUTE_API route before the handler: checks
 * Authorization: Bearer, the key's address allow-list and its rate limit,
 * and makes the request's transaction act as the key's service user.
 * 0, or a status with the problem written. */
int api_authenticate(req *r);

/* Writes a problem: type is the stable slug ("not-found"), sent as
 * "/api/v1/problems/<slug>"; detail may be NULL. Returns 0, for
 * `return api_problem(...)` (the status is the response's: >= 400 rolls
 * the transaction back). */
int api_problem(req *r, int status, const char *type, const char *detail);
/* The same with extension members (RFC 9457 section 3.2) from extra
 * (stolen; the standard members win). */
int api_problem_with(req *r, int status, const char *type, const char *detail, json_t *extra);
/* The problem for a status a handler or the dispatcher returned. */
void api_error(req *r, int status);
/* 422 with the fields' messages as "errors": [{"field","message"}]. */
int api_problem_fields(req *r, const char *const *fields, const char *const *messages, size_t n);
/* The same for a form's errors (the checks the pages share). */
int api_problem_form(req *r, const form_errors *e);

/* 403 insufficient-scope unless the key has scope: 0, or 1 when refused
 * (the problem written; the handler returns 0). */
int api_require(req *r, unsigned scope);

/* Sends j (stolen) as application/json with status. A 200 to a GET gets
 * an ETag, and a 304 when If-None-Match names it; a 2xx to a POST with an
 * Idempotency-Key is stored for replay. location may be NULL. Returns 0. */
int api_send(req *r, int status, json_t *j, const char *location);

/* The request's JSON object: 415 without Content-Type application/json,
 * 413 beyond API_BODY_MAX, 400 for what is not one JSON object. A POST
 * with an Idempotency-Key seen before with the same body gets the stored
 * answer again; with another body, 422 idempotency-key-reused. 0 with
 * *out set (the caller's to json_decref), or 1 when answered already (the
 * handler returns 0). */
#define API_BODY_MAX (1024 * 1024)
int api_body(req *r, json_t **out);
/* The same with a larger bound, for a body that carries files in base64
 * (a message's attachments): what the worker holds of it is bounded by
 * max, the JSON's copy and the decoded bytes (spooled to disk before they
 * are stored). */
#define API_FILES_BODY_MAX (16 * 1024 * 1024)
int api_body_max(req *r, size_t max, json_t **out);
/* The JSON parsing and its bounds, without a request (fuzzed): NULL and
 * *why set for what is not one JSON object of at most 10 levels. */
json_t *api_json_parse(const char *p, size_t n, const char **why);

/* Sets out's "next": the link to the page after, path with the request's
 * parameters named in keep (NULL-terminated; those it has, in keep's
 * order, percent-encoded) and after=cursor; null when cursor is NULL (the
 * last page). */
void api_next_link(req *r, json_t *out, const char *path, const char *const *keep, const char *cursor);

/* A string member (NULL when absent or not a string). */
const char *api_json_str(json_t *o, const char *name);
/* Microseconds-free ISO 8601 UTC time of unix seconds, NULL for 0. */
json_t *api_time(long long epoch);

#endif
