/* test_integration.c: handlers against a real PostgreSQL and Redis, through
 * the in-process request harness. Needs the environment of var/stack.env. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "harness/harness.h"
#include "integration/itest.h"
#include "model/user.h"

/* ---- test-only routes, beside the real table ---- */

static int t_signin(req *r)
{
	str user = req_form_get(r, "user");
	int st = page_session_signin(r, str_dup(r->a, user), req_form_get(r, "remember").len > 0, 1);
	if (st)
		return st;
	resp_body(r, 200, "text/plain", r->session->csrf, strlen(r->session->csrf));
	return 0;
}

static int t_whoami(req *r)
{
	const char *who = r->user_id ? r->user_id : "anonymous";
	resp_body(r, 200, "text/plain", who, strlen(who));
	return 0;
}

static int t_anon(req *r)
{
	int st = page_session_ensure(r);
	if (st)
		return st;
	resp_body(r, 200, "text/plain", r->session->csrf, strlen(r->session->csrf));
	return 0;
}

static const db_stmt q_context = { "t_context",
	"select coalesce(current_setting('app.user_id', true), ''), current_user" };

static int t_db(req *r)
{
	db_result *res = db_tx_exec(page_tx(r), &q_context, 0, NULL);
	if (!res)
		return page_db_failure(r);
	str uid = db_get(res, 0, 0), role = db_get(res, 0, 1);
	buf_clear(&r->body);
	buf_printf(&r->body, "user=%.*s role=%.*s", (int)uid.len, uid.ptr, (int)role.len, role.ptr);
	r->status = 200;
	resp_header(r, "Content-Type", "text/plain");
	return 0;
}

static int t_rate(req *r)
{
	int st = page_ratelimit(r, "itest", STR_LIT("fixed-subject"), 3, 60);
	if (st)
		return st;
	resp_body(r, 200, "text/plain", "ok", 2);
	return 0;
}

static int t_form(req *r)
{
	str v = req_form_get(r, "title");
	buf_clear(&r->body);
	buf_printf(&r->body, "title=%.*s files=%zu", (int)v.len, v.ptr, r->form.nfiles);
	r->status = 200;
	resp_header(r, "Content-Type", "text/plain");
	return 0;
}

static int t_ip(req *r)
{
	const char *ip = page_client_ip(r);
	resp_body(r, 200, "text/plain", ip, strlen(ip));
	return 0;
}

/* A download's policy, as src/pages/attachments.c sets it. */
static int t_sandboxed(req *r)
{
	resp_csp(r, "default-src 'none'; sandbox");
	resp_body(r, 200, "application/octet-stream", "x", 1);
	return 0;
}

/* A policy that would let any site frame the answer. */
static int t_frameable(req *r)
{
	resp_csp(r, "default-src 'none'; frame-ancestors *");
	resp_body(r, 200, "text/plain", "x", 1);
	return 0;
}

/* The desk's routes and the test routes after them. */
#define TEST_ROUTES 16
static route routes[256 + TEST_ROUTES];
static size_t nroutes;

static void routes_init(void)
{
	if (nroutes)
		return;
	ck_assert_msg(app_nroutes <= 256, "grow routes[] in test_integration.c (%zu routes)", app_nroutes);
	for (size_t i = 0; i < app_nroutes; i++)
		routes[nroutes++] = app_routes[i];
	routes[nroutes++] = (route){ METHOD_POST, "/t/signin", t_signin, ROUTE_SESSION };
	routes[nroutes++] = (route){ METHOD_GET, "/t/whoami", t_whoami, ROUTE_SESSION };
	routes[nroutes++] = (route){ METHOD_GET, "/t/anon", t_anon, ROUTE_SESSION };
	routes[nroutes++] = (route){ METHOD_GET, "/t/db", t_db, 0 };
	routes[nroutes++] = (route){ METHOD_GET, "/t/rate", t_rate, 0 };
	routes[nroutes++] = (route){ METHOD_POST, "/t/form", t_form, 0 };
	routes[nroutes++] = (route){ METHOD_GET, "/t/private", t_whoami, ROUTE_SIGNED_IN };
	routes[nroutes++] = (route){ METHOD_GET, "/t/ip", t_ip, 0 };
	routes[nroutes++] = (route){ METHOD_GET, "/t/sandboxed", t_sandboxed, 0 };
	routes[nroutes++] = (route){ METHOD_GET, "/t/frameable", t_frameable, 0 };
}

app *test_app(const char *db_url, const char *redis_url)
{
	routes_init();
	app *a = db_url || redis_url ? harness_app_with(db_url, redis_url) : harness_app_new();
	a->routes = routes;
	a->nroutes = nroutes;
	return a;
}

void get(app *a, const char *uri, const char *cookie, harness_response *out)
{
	char c[512];
	const char *extra[2] = { NULL, NULL };
	if (cookie) {
		snprintf(c, sizeof c, "HTTP_COOKIE=%s", cookie);
		extra[0] = c;
	}
	harness_request(a, "GET", uri, extra, NULL, 0, out);
}

void post_form(app *a, const char *uri, const char *cookie, const char *body, harness_response *out)
{
	char c[512];
	const char *extra[3] = { "CONTENT_TYPE=application/x-www-form-urlencoded", NULL, NULL };
	if (cookie) {
		snprintf(c, sizeof c, "HTTP_COOKIE=%s", cookie);
		extra[1] = c;
	}
	harness_request(a, "POST", uri, extra, body, strlen(body), out);
}

/* The same from a given client address (a documentation address, never
 * contacted: it only names a rate-limit bucket). */
void post_form_from(app *a, const char *ip, const char *uri, const char *cookie, const char *body,
    harness_response *out)
{
	char c[512], addr[64];
	snprintf(addr, sizeof addr, "REMOTE_ADDR=%s", ip);
	const char *extra[4] = { "CONTENT_TYPE=application/x-www-form-urlencoded", addr, NULL, NULL };
	if (cookie) {
		snprintf(c, sizeof c, "HTTP_COOKIE=%s", cookie);
		extra[2] = c;
	}
	harness_request(a, "POST", uri, extra, body, strlen(body), out);
}

const char *unique_ip(void)
{
	static char ip[32];
	static unsigned n;
	snprintf(ip, sizeof ip, "192.0.2.%u", (unsigned)((getpid() + (int)time(NULL) + (int)n++) % 250 + 1));
	return ip;
}

void assert_security_headers(const harness_response *r)
{
	static const char *const names[] = { "Content-Security-Policy", "X-Content-Type-Options",
		"Referrer-Policy", "X-Frame-Options" };
	for (size_t i = 0; i < 4; i++) {
		char *v = harness_header(r, names[i]);
		ck_assert_msg(v != NULL, "missing %s", names[i]);
		free(v);
	}
	char *csp = harness_header(r, "Content-Security-Policy");
	ck_assert(strstr(csp, "frame-ancestors 'none'") && strstr(csp, "script-src 'self'"));
	ck_assert(!strstr(csp, "unsafe-inline"));
	free(csp);
}

/* ---- pages ---- */

START_TEST(home_renders_with_headers)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "How can we help?") != NULL);
	ck_assert(strstr(r.body, "<!doctype html>") == r.body);
	char *ct = harness_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/html; charset=utf-8");
	free(ct);
	assert_security_headers(&r);
	harness_response_free(&r);
	harness_request(a, "HEAD", "/", NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

START_TEST(errors_are_pages_with_headers)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/no/such/page", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert(strstr(r.body, "Page not found") != NULL);
	assert_security_headers(&r);
	harness_response_free(&r);

	post_form(a, "/", NULL, "a=1", &r);
	ck_assert_int_eq(r.status, 405);
	char *allow = harness_header(&r, "Allow");
	ck_assert_str_eq(allow, "GET, HEAD");
	free(allow);
	assert_security_headers(&r);
	harness_response_free(&r);

	harness_request(a, "DELETE", "/", NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 405);
	harness_response_free(&r);

	static const char *const bad_uris[] = { "/%zz", "/a/../b", "/%00", "/%c0%af", "/\\x", "/a%2e%2e/..", "/?q=%ff" };
	for (size_t i = 0; i < sizeof bad_uris / sizeof *bad_uris; i++) {
		get(a, bad_uris[i], NULL, &r);
		ck_assert_msg(r.status == 400 || r.status == 404, "%s gave %d", bad_uris[i], r.status);
		assert_security_headers(&r);
		harness_response_free(&r);
	}
	get(a, "/%zz", NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert(strstr(r.body, "Bad request") != NULL);
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

/* A handler's stricter policy replaces the site's, and frame-ancestors
 * 'none' stays whatever the handler gives. */
START_TEST(handler_csp_keeps_frame_ancestors)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/t/sandboxed", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	char *csp = harness_header(&r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(csp);
	ck_assert_str_eq(csp, "default-src 'none'; sandbox; frame-ancestors 'none'");
	free(csp);
	harness_response_free(&r);

	get(a, "/t/frameable", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	csp = harness_header(&r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(csp);
	ck_assert_msg(!strstr(csp, "frame-ancestors *") && strstr(csp, "frame-ancestors 'none'"), "CSP: %s", csp);
	free(csp);
	assert_security_headers(&r);
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

START_TEST(bodies_bad_and_oversized)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	post_form(a, "/t/form", NULL, "title=hello+world", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "title=hello world files=0");
	harness_response_free(&r);

	post_form(a, "/t/form", NULL, "title=%ff%fe", &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);

	const char *xml[] = { "CONTENT_TYPE=application/xml", NULL };
	harness_request(a, "POST", "/t/form", xml, "<a/>", 4, &r);
	ck_assert_int_eq(r.status, 415);
	harness_response_free(&r);

	/* A declared length over the limit is refused before reading. */
	const char *big[] = { "CONTENT_TYPE=application/x-www-form-urlencoded", NULL };
	size_t n = (size_t)a->cfg->max_body + 10;
	char *body = malloc(n);
	memset(body, 'a', n);
	harness_request(a, "POST", "/t/form", big, body, n, &r);
	ck_assert_int_eq(r.status, 413);
	ck_assert(strstr(r.body, "larger than we accept") != NULL);
	harness_response_free(&r);
	free(body);

	/* multipart without its closing boundary */
	const char *mp[] = { "CONTENT_TYPE=multipart/form-data; boundary=XyZ", NULL };
	const char *unclosed = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhi\r\n";
	harness_request(a, "POST", "/t/form", mp, unclosed, strlen(unclosed), &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);

	/* 10,000 parts */
	size_t cap = 10000 * 64 + 64, len = 0;
	char *many = malloc(cap);
	for (int i = 0; i < 10000; i++)
		len += (size_t)snprintf(many + len, cap - len,
		    "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n", i);
	len += (size_t)snprintf(many + len, cap - len, "--XyZ--\r\n");
	harness_request(a, "POST", "/t/form", mp, many, len, &r);
	ck_assert_int_eq(r.status, 413);
	harness_response_free(&r);
	free(many);

	const char *ok = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhi\r\n"
	                 "--XyZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.txt\"\r\n"
	                 "Content-Type: text/plain\r\n\r\nfile body\r\n--XyZ--\r\n";
	harness_request(a, "POST", "/t/form", mp, ok, strlen(ok), &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "title=hi files=1");
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

/* ---- database ---- */

START_TEST(transaction_carries_user_and_runs_as_app_role)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/t/db", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "user= role=supportdesk_app") != NULL, "got %s", r.body);
	harness_response_free(&r);

	post_form(a, "/t/signin", NULL, "user=11111111-2222-3333-4444-555555555555", &r);
	char *cookie = harness_cookie(&r, "sd_session");
	harness_response_free(&r);
	get(a, "/t/db", cookie, &r);
	/* /t/db has no session flag: an anonymous transaction. */
	ck_assert(strstr(r.body, "user= ") != NULL);
	harness_response_free(&r);
	free(cookie);
	harness_app_free(a);
}
END_TEST

START_TEST(healthz_reports_dependencies)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/healthz", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "\"status\":\"ok\"") != NULL);
	harness_response_free(&r);
	harness_app_free(a);

	a = test_app("postgresql:///nope?host=/nonexistent&connect_timeout=1", NULL);
	get(a, "/healthz", NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert(strstr(r.body, "\"postgresql\":\"down\"") != NULL);
	harness_response_free(&r);
	get(a, "/t/db", NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert(strstr(r.body, "briefly unavailable") != NULL);
	ck_assert(strstr(r.body, "nonexistent") == NULL); /* no internals shown */
	char *retry = harness_header(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	free(retry);
	harness_response_free(&r);
	harness_app_free(a);

	a = test_app(NULL, "unix:///nonexistent/redis.sock");
	get(a, "/healthz", NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert(strstr(r.body, "\"redis\":\"down\"") != NULL);
	harness_response_free(&r);
	/* Anything that needs a session is refused, nobody is let in. */
	get(a, "/t/whoami", "sd_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
	ck_assert_int_eq(r.status, 503);
	harness_response_free(&r);
	get(a, "/t/rate", NULL, &r);
	ck_assert_int_eq(r.status, 503);
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

/* ---- sessions, CSRF ---- */

START_TEST(session_signin_rotate_signout)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/t/anon", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	char *anon = harness_cookie(&r, "sd_session");
	ck_assert_ptr_nonnull(anon);
	char *setc = harness_header(&r, "Set-Cookie");
	ck_assert(strstr(setc, "HttpOnly") && strstr(setc, "SameSite=Lax") && strstr(setc, "Path=/"));
	free(setc);
	harness_response_free(&r);

	get(a, "/t/whoami", anon, &r);
	ck_assert_str_eq(r.body, "anonymous");
	harness_response_free(&r);

	/* Signing in issues a new id; the old one is dead. */
	post_form(a, "/t/signin", anon, "user=aaaaaaaa-0000-0000-0000-000000000001", &r);
	ck_assert_int_eq(r.status, 200);
	char *signed_in = harness_cookie(&r, "sd_session");
	char csrf[128];
	snprintf(csrf, sizeof csrf, "%s", r.body);
	ck_assert_str_ne(signed_in, anon);
	harness_response_free(&r);
	get(a, "/t/whoami", anon, &r);
	ck_assert_str_eq(r.body, "anonymous");
	harness_response_free(&r);
	get(a, "/t/whoami", signed_in, &r);
	ck_assert_str_eq(r.body, "aaaaaaaa-0000-0000-0000-000000000001");
	harness_response_free(&r);

	/* Signed-in only page: anonymous is sent to /login. */
	get(a, "/t/private", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	get(a, "/t/private", signed_in, &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);

	/* CSRF: missing or wrong token is refused, and the session survives. */
	post_form(a, "/logout", signed_in, "x=1", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	post_form(a, "/logout", signed_in, "_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	get(a, "/t/whoami", signed_in, &r);
	ck_assert_str_eq(r.body, "aaaaaaaa-0000-0000-0000-000000000001");
	harness_response_free(&r);

	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", csrf);
	post_form(a, "/logout", signed_in, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	get(a, "/t/whoami", signed_in, &r);
	ck_assert_str_eq(r.body, "anonymous");
	harness_response_free(&r);
	free(anon);
	free(signed_in);
	harness_app_free(a);
}
END_TEST

START_TEST(signout_everywhere)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	const char *user = "user=bbbbbbbb-0000-0000-0000-000000000002";
	char *cookies[3];
	char csrf[128];
	for (int i = 0; i < 3; i++) {
		post_form(a, "/t/signin", NULL, user, &r);
		cookies[i] = harness_cookie(&r, "sd_session");
		snprintf(csrf, sizeof csrf, "%s", r.body);
		harness_response_free(&r);
	}
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", csrf);
	post_form(a, "/logout/everywhere", cookies[2], body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	for (int i = 0; i < 3; i++) {
		get(a, "/t/whoami", cookies[i], &r);
		ck_assert_str_eq(r.body, "anonymous");
		harness_response_free(&r);
		free(cookies[i]);
	}
	harness_app_free(a);
}
END_TEST

/* ---- rate limits ---- */

START_TEST(ratelimit_answers_429_with_retry_after)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	/* Start from a clean window for this subject. */
	for (int i = 0; i < 10; i++) {
		get(a, "/t/rate", NULL, &r);
		harness_response_free(&r);
	}
	get(a, "/t/rate", NULL, &r);
	ck_assert_int_eq(r.status, 429);
	char *retry = harness_header(&r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_int_ge(atoi(retry), 1);
	ck_assert_int_le(atoi(retry), 60);
	ck_assert(strstr(r.body, "Please wait") != NULL);
	arena *words = arena_new(256);
	const char *when = str_duration_words(words, atol(retry));
	ck_assert_msg(strstr(r.body, when) != NULL, "the 429 page does not say \"%s\"", when);
	arena_free(words);
	free(retry);
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

START_TEST(ratelimit_is_atomic_under_concurrency)
{
	/* 8 processes x 50 hits against a limit of 100: exactly 100 pass. */
	char subject[64];
	snprintf(subject, sizeof subject, "concurrency-%d-%ld", (int)getpid(), (long)time(NULL));
	int pipes[8][2];
	for (int p = 0; p < 8; p++) {
		ck_assert_int_eq(pipe(pipes[p]), 0);
		pid_t pid = fork();
		if (pid == 0) {
			app *a = test_app(NULL, NULL);
			arena *mem = arena_new(4096);
			int allowed = 0;
			for (int i = 0; i < 50; i++) {
				ratelimit_result res;
				if (ratelimit_hit(a->kv, mem, "conc", str_from_cstr(subject), 100, 60, &res) == KV_OK && res.allowed)
					allowed++;
				arena_reset(mem);
			}
			ssize_t w = write(pipes[p][1], &allowed, sizeof allowed);
			_exit(w == sizeof allowed ? 0 : 1);
		}
		close(pipes[p][1]);
	}
	int total = 0;
	for (int p = 0; p < 8; p++) {
		int n = 0;
		ck_assert_int_eq(read(pipes[p][0], &n, sizeof n), (ssize_t)sizeof n);
		total += n;
		close(pipes[p][0]);
	}
	while (wait(NULL) > 0)
		;
	ck_assert_int_eq(total, 100);
}
END_TEST

START_TEST(one_time_keys_claim_once)
{
	app *a = test_app(NULL, NULL);
	char id[64];
	snprintf(id, sizeof id, "once-%d-%ld", (int)getpid(), (long)time(NULL));
	bool granted;
	ck_assert_int_eq(kv_claim_once(a->kv, "itest", str_from_cstr(id), STR_LIT("me"), 60, &granted), KV_OK);
	ck_assert(granted);
	ck_assert_int_eq(kv_claim_once(a->kv, "itest", str_from_cstr(id), STR_LIT("other"), 60, &granted), KV_OK);
	ck_assert(!granted);
	ck_assert_int_eq(kv_claim_once(a->kv, "itest", str_from_cstr(id), STR_LIT(""), 60, &granted), KV_OK);
	ck_assert(!granted);
	ck_assert_int_eq(kv_claim_once(a->kv, "itest", str_from_cstr(id), STR_LIT("me"), 60, &granted), KV_OK);
	ck_assert(granted); /* the same claimant again: a retried form */
	harness_app_free(a);
}
END_TEST

/* ---- the client address ---- */

static void get_ip(app *a, const char *remote, const char *xff, harness_response *out)
{
	char ra[96], xf[256];
	snprintf(ra, sizeof ra, "REMOTE_ADDR=%s", remote);
	snprintf(xf, sizeof xf, "HTTP_X_FORWARDED_FOR=%s", xff);
	const char *extra[3] = { ra, xff ? xf : NULL, NULL };
	harness_request(a, "GET", "/t/ip", extra, NULL, 0, out);
}

START_TEST(client_ip_never_from_untrusted_forwarded_for)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	/* No trusted proxy: whatever the client claims, nginx's address. */
	get_ip(a, "198.51.100.7", "203.0.113.9", &r);
	ck_assert_str_eq(r.body, "198.51.100.7");
	harness_response_free(&r);
	harness_app_free(a);

	/* A copy of the configuration, owned by this app, with two proxies. */
	a = harness_app_with(NULL, NULL);
	a->routes = routes;
	a->nroutes = nroutes;
	((config *)a->cfg)->trusted_proxies = "10.0.0.1, 10.0.0.2";
	/* From a trusted proxy: the last address it did not add itself. */
	get_ip(a, "10.0.0.1", "203.0.113.9, 198.51.100.20, 10.0.0.2", &r);
	ck_assert_str_eq(r.body, "198.51.100.20");
	harness_response_free(&r);
	/* A spoofed first entry changes nothing. */
	get_ip(a, "10.0.0.1", "1.2.3.4, 198.51.100.21", &r);
	ck_assert_str_eq(r.body, "198.51.100.21");
	harness_response_free(&r);
	/* Not from a trusted proxy: the header is ignored. */
	get_ip(a, "198.51.100.8", "203.0.113.9", &r);
	ck_assert_str_eq(r.body, "198.51.100.8");
	harness_response_free(&r);
	/* Only proxies in the header: the proxy itself. */
	get_ip(a, "10.0.0.1", "10.0.0.2", &r);
	ck_assert_str_eq(r.body, "10.0.0.1");
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

/* ---- the public form ---- */

char *extract(const char *html, const char *before, char end)
{
	const char *p = strstr(html, before);
	if (!p)
		return NULL;
	p += strlen(before);
	const char *q = strchr(p, end);
	return q ? strndup(p, (size_t)(q - p)) : NULL;
}

/* A verified customer, made as the owner (the test's own setup). */
char *make_verified_customer(const char *email)
{
	const char *owner = getenv("OWNER_DATABASE_URL");
	PGconn *c = PQconnectdb(owner ? owner : "");
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	const char *p[1] = { email };
	PGresult *res = PQexecParams(c, "select customer_find_or_create($1, 'Signed In')", 1, NULL, p,
	    NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	char *id = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	const char *q[1] = { id };
	res = PQexecParams(c, "update users set email_verified_at = now() where id = $1", 1, NULL, q, NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(c);
	return id;
}

char *html_unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	while (*s) {
		if (strncmp(s, "&quot;", 6) == 0) { *o++ = '"'; s += 6; }
		else if (strncmp(s, "&amp;", 5) == 0) { *o++ = '&'; s += 5; }
		else if (strncmp(s, "&#39;", 5) == 0) { *o++ = '\''; s += 5; }
		else *o++ = *s++;
	}
	*o = '\0';
	return out;
}

char *json_field(const char *json, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	return extract(json, pat, '"');
}

static char *b64(const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		*o++ = t[v >> 18 & 63];
		*o++ = t[v >> 12 & 63];
		*o++ = i + 1 < n ? t[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? t[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* Solves the page's embedded challenge as the browser's worker would. */
static char *solve_captcha(const char *page)
{
	char *raw = extract(page, "data-challenge=\"", '"');
	ck_assert_ptr_nonnull(raw);
	char *json = html_unescape(raw);
	char *salt = json_field(json, "salt"), *challenge = json_field(json, "challenge");
	char *signature = json_field(json, "signature");
	long number = -1;
	for (long n = 0; n <= 10000000 && number < 0; n++) {
		char attempt[256];
		int len = snprintf(attempt, sizeof attempt, "%s%ld", salt, n);
		unsigned char h[32];
		crypto_sha256(h, attempt, (size_t)len);
		arena *a = arena_new(1024);
		if (strcmp(crypto_hex(a, h, 32), challenge) == 0)
			number = n;
		arena_free(a);
	}
	char payload[1024];
	int len = snprintf(payload, sizeof payload,
	    "{\"algorithm\":\"SHA-256\",\"challenge\":\"%s\",\"number\":%ld,\"salt\":\"%s\",\"signature\":\"%s\"}",
	    challenge, number, salt, signature);
	char *out = b64((const unsigned char *)payload, (size_t)len);
	free(raw);
	free(json);
	free(salt);
	free(challenge);
	free(signature);
	return out;
}

char *urlencode(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c))
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

/* The form as a visitor's browser has it after GET /submit: its tokens,
 * the first request type, and (when solve) the captcha solved. */

void form_show(app *a, const char *cookie, bool solve, shown_form *f)
{
	harness_response r;
	get(a, "/submit", cookie, &r);
	ck_assert_int_eq(r.status, 200);
	memset(f, 0, sizeof *f);
	f->anon = harness_cookie(&r, "sd_anon");
	f->csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	f->idem = extract(r.body, "name=\"idem\" value=\"", '"');
	char *started = f->started = extract(r.body, "name=\"started\" value=\"", '"');
	/* The platform's "General question" (no required field), whatever types
	 * other suites' organizations added; else the first real type, after
	 * the select's empty "Choose…" option. */
	const char *general = strstr(r.body, "\">General question</option>");
	const char *opt = NULL;
	for (const char *p = r.body; general && (p = strstr(p, "<option value=\"")) && p < general; p++)
		opt = p;
	const char *choose = strstr(r.body, "<option value=\"\">");
	f->type = opt ? extract(opt, "<option value=\"", '"') : choose ? extract(choose + 1, "<option value=\"", '"') : NULL;
	ck_assert(f->csrf && f->idem && started && f->type);
	f->started_q = urlencode(started);
	if (solve) {
		char *altcha = solve_captcha(r.body);
		f->altcha_q = urlencode(altcha);
		free(altcha);
	}
	harness_response_free(&r);
}

void form_free(shown_form *f)
{
	free(f->anon);
	free(f->csrf);
	free(f->idem);
	free(f->type);
	free(f->started);
	free(f->started_q);
	free(f->altcha_q);
}

START_TEST(submit_form_renders_every_type)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/submit", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "General question") && strstr(r.body, "Technical issue"));
	ck_assert(strstr(r.body, "data-challenge=\"{&quot;algorithm&quot;:&quot;SHA-256&quot;") != NULL);
	ck_assert(strstr(r.body, "name=\"_csrf\"") && strstr(r.body, "name=\"idem\""));
	ck_assert(strstr(r.body, "name=\"website\"") != NULL); /* the honeypot */
	char *anon = harness_cookie(&r, "sd_anon");
	ck_assert_ptr_nonnull(anon);
	free(anon);
	harness_response_free(&r);
	get(a, "/submit?request_type=00000000-0000-0000-0000-000000000000", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "Please choose one of the request types below.") != NULL);
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

START_TEST(submit_errors_keep_input_next_to_fields)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	shown_form f;
	form_show(a, NULL, false, &f);
	const char *anon = f.anon, *csrf = f.csrf, *idem = f.idem, *type = f.type;

	/* Without the form's token: refused, the form shown again. */
	const char *ip = unique_ip();
	post_form_from(a, ip, "/submit", anon, "title=Hello+there", &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert(strstr(r.body, "has expired or was not sent from this site") != NULL);
	harness_response_free(&r);

	char body[1024];
	snprintf(body, sizeof body, "_csrf=%s&idem=%s&request_type=%s&title=%%3Cb%%3EHi%%3C%%2Fb%%3E&description=short&email=not-an-email",
	    csrf, idem, type);
	post_form_from(a, ip, "/submit", anon, body, &r);
	ck_assert_int_eq(r.status, 422);
	/* Each message sits next to its field and is linked to it. */
	ck_assert(strstr(r.body, "Please tell us a little more") != NULL);
	ck_assert(strstr(r.body, "Please enter a valid email address") != NULL);
	ck_assert(strstr(r.body, "aria-describedby=\"f-email-desc f-email-error\"") != NULL);
	ck_assert(strstr(r.body, "id=\"f-email-error\"") != NULL);
	ck_assert(strstr(r.body, "role=\"alert\"") != NULL);
	/* What was typed is kept, escaped. */
	ck_assert(strstr(r.body, "value=\"&lt;b&gt;Hi&lt;/b&gt;\"") != NULL);
	ck_assert(strstr(r.body, "value=\"not-an-email\"") != NULL);
	ck_assert(strstr(r.body, "<b>Hi</b>") == NULL);
	harness_response_free(&r);

	/* Lengths count characters of the trimmed text: blanks are no title,
	 * and 250 characters are refused by the form, not by the database. */
	snprintf(body, sizeof body, "_csrf=%s&idem=%s&request_type=%s&title=+++++&description=Long+enough+text",
	    csrf, idem, type);
	post_form_from(a, ip, "/submit", anon, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "Please give your request a short title.") != NULL);
	harness_response_free(&r);
	char long_title[260];
	memset(long_title, 'x', 250);
	long_title[250] = '\0';
	snprintf(body, sizeof body, "_csrf=%s&idem=%s&request_type=%s&title=%s&description=Long+enough+text",
	    csrf, idem, type, long_title);
	post_form_from(a, ip, "/submit", anon, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "under 200 characters") != NULL);
	harness_response_free(&r);
	form_free(&f);
	harness_app_free(a);
}
END_TEST

START_TEST(signed_in_customer_skips_verification)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	char email[96];
	snprintf(email, sizeof email, "signed-%d-%ld@example.com", (int)getpid(), (long)time(NULL));
	char *uid = make_verified_customer(email);
	char body[4096];
	snprintf(body, sizeof body, "user=%s", uid);
	post_form(a, "/t/signin", NULL, body, &r);
	char *cookie = harness_cookie(&r, "sd_session");
	harness_response_free(&r);

	get(a, "/submit", cookie, &r);
	ck_assert(strstr(r.body, "name=\"email\"") == NULL); /* the account's address is used */
	harness_response_free(&r);
	shown_form f;
	form_show(a, cookie, true, &f);
	snprintf(body, sizeof body,
	    "_csrf=%s&idem=%s&started=%s&request_type=%s&title=Signed+in+request&description=Created+without+a+link"
	    "&altcha=%s&website=", f.csrf, f.idem, f.started_q, f.type, f.altcha_q);
	const char *ip = unique_ip();
	post_form_from(a, ip, "/submit", cookie, body, &r);
	ck_assert_msg(r.status == 303, "status %d: %s", r.status, r.body);
	char *loc = harness_header(&r, "Location");
	ck_assert(strncmp(loc, "/my/tickets/TKT-", 16) == 0);
	harness_response_free(&r);

	/* The same form again (a retry): the same ticket, not a second one. */
	post_form_from(a, ip, "/submit", cookie, body, &r);
	ck_assert_int_eq(r.status, 303);
	char *loc2 = harness_header(&r, "Location");
	ck_assert_str_eq(loc, loc2);
	harness_response_free(&r);

	get(a, loc, cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "Signed in request") != NULL);
	harness_response_free(&r);
	/* Without a session: to the sign-in page, which leads back here. */
	get(a, loc, NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *login = harness_header(&r, "Location");
	ck_assert(strncmp(login, "/login?next=/my/tickets/TKT-", 28) == 0);
	free(login);
	harness_response_free(&r);
	/* Anybody else: 404, as for a ticket that does not exist. */
	char other_email[128];
	snprintf(other_email, sizeof other_email, "other-%s", email);
	char *other = make_verified_customer(other_email);
	snprintf(body, sizeof body, "user=%s", other);
	post_form(a, "/t/signin", NULL, body, &r);
	char *other_cookie = harness_cookie(&r, "sd_session");
	harness_response_free(&r);
	get(a, loc, other_cookie, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	free(other_cookie);
	free(other);
	free(loc);
	free(loc2);
	form_free(&f);
	free(cookie);
	free(uid);
	harness_app_free(a);
}
END_TEST

char *owner_queryv(const char *sql, ...)
{
	const char *p[12];
	int n = 0;
	va_list ap;
	va_start(ap, sql);
	for (const char *v; n < 12 && (v = va_arg(ap, const char *));)
		p[n++] = v;
	va_end(ap);
	PGconn *c = PQconnectdb(getenv("OWNER_DATABASE_URL"));
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	PGresult *res = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql,
	    PQresultErrorMessage(res));
	char *out = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) && !PQgetisnull(res, 0, 0)
	    ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	PQfinish(c);
	return out;
}

char *owner_query(const char *sql, const char *param)
{
	PGconn *c = PQconnectdb(getenv("OWNER_DATABASE_URL"));
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	const char *p[1] = { param };
	PGresult *res = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	char *out = PQntuples(res) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	PQfinish(c);
	return out;
}

/* An anonymous submission straight after the form was shown, with or
 * without the honeypot filled; returns its stored spam_score. */
static char *anonymous_submission_score(app *a, bool honeypot)
{
	harness_response r;
	shown_form f;
	form_show(a, NULL, true, &f);
	char body[4096];
	/* Its own address too: the per-email limit must not carry over runs. */
	snprintf(body, sizeof body,
	    "_csrf=%s&idem=%s&started=%s&request_type=%s&title=Spam+check&description=Checking+the+spam+score"
	    "&email=spam-%d-%ld-%d%%40example.com&altcha=%s&website=%s", f.csrf, f.idem, f.started_q, f.type,
	    (int)getpid(), (long)time(NULL), honeypot, f.altcha_q, honeypot ? "http%3A%2F%2Fbuy.example" : "");
	post_form_from(a, unique_ip(), "/submit", f.anon, body, &r);
	ck_assert_msg(r.status == 200 && strstr(r.body, "Check your email"), "status %d", r.status);
	harness_response_free(&r);
	char *score = owner_query("select spam_score::text from submissions where idempotency_key = $1", f.idem);
	form_free(&f);
	return score;
}

START_TEST(honeypot_and_fill_time_score_spam)
{
	app *a = test_app(NULL, NULL);
	/* Sent at once: too fast (0.40); with the honeypot filled as well: 1.00,
	 * over the database's spam_threshold, so the ticket lands in spam. */
	char *fast = anonymous_submission_score(a, false);
	ck_assert_str_eq(fast, "0.40");
	char *bot = anonymous_submission_score(a, true);
	ck_assert_str_eq(bot, "1.00");
	free(fast);
	free(bot);
	harness_app_free(a);
}
END_TEST

/* ---- memory: run under valgrind by make test ---- */


/* ---- every rate setting limits the action it names ---- */

void get_from(app *a, const char *ip, const char *uri, const char *cookie, harness_response *out)
{
	char c[512], addr[64];
	snprintf(addr, sizeof addr, "REMOTE_ADDR=%s", ip);
	const char *extra[3] = { addr, NULL, NULL };
	if (cookie) {
		snprintf(c, sizeof c, "HTTP_COOKIE=%s", cookie);
		extra[1] = c;
	}
	harness_request(a, "GET", uri, extra, NULL, 0, out);
}

typedef enum {
	LIMIT_SUBMIT_IP, LIMIT_SUBMIT_EMAIL, LIMIT_VERIFY_IP, LIMIT_VERIFY_TOKEN, LIMIT_CHALLENGE_IP,
	LIMIT_LOGIN_LINK_IP, LIMIT_SUBMIT_NOJS_IP, LIMIT_SUBMIT_NOJS_EMAIL,
} limit_case;

/* An app whose every limit is out of reach but the one under test, which
 * allows two hits. */
static app *limited_app(limit_case which)
{
	routes_init();
	app *a = harness_app_with(NULL, NULL);
	a->routes = routes;
	a->nroutes = nroutes;
	config *c = (config *)a->cfg; /* harness_app_with's own copy */
	config_rate roomy = { 100000, 3600 }, two = { 2, 3600 };
	config_rate *all[] = { &c->rate_submit_ip, &c->rate_submit_email, &c->rate_verify_ip, &c->rate_verify_token,
		&c->rate_challenge_ip, &c->rate_login_link_ip, &c->rate_submit_nojs_ip, &c->rate_submit_nojs_email };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		*all[i] = i == (size_t)which ? two : roomy;
	return a;
}

/* A token nobody issued, 43 base64url characters, new for each call. */
const char *fresh_token(void)
{
	static char t[44];
	unsigned char raw[32];
	crypto_random(raw, sizeof raw);
	arena *ar = arena_new(256);
	snprintf(t, sizeof t, "%s", crypto_b64url_encode(ar, raw, sizeof raw));
	arena_free(ar);
	return t;
}

/* Sends the action for `which` three times (from one client address, or
 * from three when the limit counts something else) and expects the third
 * to be refused with 429 and Retry-After, the first two not. */
static void third_hit_is_429(limit_case which)
{
	app *a = limited_app(which);
	harness_response r;
	const char *token = fresh_token();
	char uri[128], body[2048], email[96];
	snprintf(email, sizeof email, "limit-%d-%d-%ld@example.com", (int)which, (int)getpid(), (long)time(NULL));
	shown_form f = { 0 };
	bool per_address = !(which == LIMIT_SUBMIT_EMAIL || which == LIMIT_VERIFY_TOKEN || which == LIMIT_SUBMIT_NOJS_EMAIL);
	bool with_form = which == LIMIT_SUBMIT_EMAIL || which == LIMIT_VERIFY_TOKEN || which == LIMIT_SUBMIT_NOJS_IP ||
	    which == LIMIT_SUBMIT_NOJS_EMAIL;
	if (with_form)
		form_show(a, NULL, which == LIMIT_SUBMIT_EMAIL, &f);
	const char *one_ip = unique_ip();
	char ip[32];
	for (int i = 1; i <= 3; i++) {
		snprintf(ip, sizeof ip, "%s", per_address ? one_ip : unique_ip());
		switch (which) {
		case LIMIT_SUBMIT_IP:
			post_form_from(a, ip, "/submit", NULL, "title=x", &r);
			break;
		case LIMIT_SUBMIT_EMAIL:
			/* A valid form with a spent captcha solution: refused after
			 * the email was counted. */
			snprintf(body, sizeof body, "_csrf=%s&idem=%s&started=%s&request_type=%s&title=Limit+test"
			    "&description=Counting+the+email+address&email=%s&website=&altcha=%s", f.csrf, f.idem, f.started_q,
			    f.type, email, f.altcha_q);
			post_form_from(a, ip, "/submit", f.anon, body, &r);
			break;
		case LIMIT_SUBMIT_NOJS_IP:
		case LIMIT_SUBMIT_NOJS_EMAIL: {
			/* Without scripts: no solution at all, accepted until the
			 * limit (each with its own idempotency token). */
			char other[128];
			snprintf(other, sizeof other, "%d-%s", i, email);
			snprintf(body, sizeof body, "_csrf=%s&idem=%s&started=%s&request_type=%s&title=No+script+%d"
			    "&description=Sent+with+scripts+off&email=%s&website=", f.csrf, fresh_token(), f.started_q, f.type, i,
			    which == LIMIT_SUBMIT_NOJS_IP ? other : email);
			post_form_from(a, ip, "/submit", f.anon, body, &r);
			if (i < 3)
				ck_assert_msg(r.status == 200 && strstr(r.body, email), "no-JS submission %d: %d", i, r.status);
			break;
		}
		case LIMIT_VERIFY_IP:
			snprintf(uri, sizeof uri, "/verify/%s", fresh_token());
			get_from(a, ip, uri, NULL, &r);
			break;
		case LIMIT_VERIFY_TOKEN:
			snprintf(uri, sizeof uri, "/verify/%s", token);
			snprintf(body, sizeof body, "_csrf=%s", f.csrf);
			post_form_from(a, ip, uri, f.anon, body, &r);
			break;
		case LIMIT_CHALLENGE_IP:
			get_from(a, ip, "/captcha/challenge", NULL, &r);
			break;
		case LIMIT_LOGIN_LINK_IP:
			snprintf(uri, sizeof uri, "/login/link/%s", fresh_token());
			get_from(a, ip, uri, NULL, &r);
			break;
		}
		if (i < 3) {
			ck_assert_msg(r.status != 429, "limit %d: hit %d refused already", (int)which, i);
		} else {
			ck_assert_msg(r.status == 429, "limit %d: the third hit got %d, not 429", (int)which, r.status);
			char *ra = harness_header(&r, "Retry-After");
			ck_assert_ptr_nonnull(ra);
			ck_assert_int_gt(atol(ra), 0);
			free(ra);
		}
		harness_response_free(&r);
	}
	if (f.csrf)
		form_free(&f);
	harness_app_free(a);
}

START_TEST(rate_submit_ip_limits_submissions_per_address) { third_hit_is_429(LIMIT_SUBMIT_IP); }
END_TEST
START_TEST(rate_submit_email_limits_submissions_per_email) { third_hit_is_429(LIMIT_SUBMIT_EMAIL); }
END_TEST
START_TEST(rate_verify_ip_limits_verification_per_address) { third_hit_is_429(LIMIT_VERIFY_IP); }
END_TEST
START_TEST(rate_verify_token_limits_attempts_per_token) { third_hit_is_429(LIMIT_VERIFY_TOKEN); }
END_TEST
START_TEST(rate_challenge_ip_limits_challenges_per_address) { third_hit_is_429(LIMIT_CHALLENGE_IP); }
END_TEST
START_TEST(rate_login_link_ip_limits_link_use_per_address) { third_hit_is_429(LIMIT_LOGIN_LINK_IP); }
END_TEST
START_TEST(rate_submit_nojs_ip_limits_unverified_submissions_per_address) { third_hit_is_429(LIMIT_SUBMIT_NOJS_IP); }
END_TEST
START_TEST(rate_submit_nojs_email_limits_unverified_submissions_per_email) { third_hit_is_429(LIMIT_SUBMIT_NOJS_EMAIL); }
END_TEST

/* Behind a trusted proxy, each client has its own challenge budget: the
 * proxy's address is not the bucket. */
START_TEST(challenge_limit_is_per_client_behind_a_proxy)
{
	app *a = limited_app(LIMIT_CHALLENGE_IP);
	config *c = (config *)a->cfg;
	c->trusted_proxies = "10.9.8.7";
	harness_response r;
	char xff[64];
	for (int client = 0; client < 3; client++) {
		snprintf(xff, sizeof xff, "HTTP_X_FORWARDED_FOR=198.51.100.%d", 10 + client + (int)(getpid() % 200));
		const char *extra[3] = { "REMOTE_ADDR=10.9.8.7", xff, NULL };
		for (int i = 1; i <= 2; i++) {
			harness_request(a, "GET", "/captcha/challenge", extra, NULL, 0, &r);
			ck_assert_msg(r.status == 200, "client %d, challenge %d: %d", client, i, r.status);
			harness_response_free(&r);
		}
	}
	harness_app_free(a);
}
END_TEST

/* Scripts off (SPEC "Without JavaScript"): the form is accepted without a
 * captcha solution, unverified and with a higher spam score, still gated by
 * the emailed link; a solution that is sent but wrong is refused. */
START_TEST(form_without_scripts_is_accepted_unverified)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	shown_form f;
	form_show(a, NULL, false, &f);
	char email[96], body[2048];
	snprintf(email, sizeof email, "nojs-%d-%ld@example.com", (int)getpid(), (long)time(NULL));
	snprintf(body, sizeof body, "_csrf=%s&idem=%s&started=%s&request_type=%s&title=Scripts+off"
	    "&description=Sent+from+a+browser+without+JavaScript&email=%s&website=&altcha=", f.csrf, f.idem, f.started_q,
	    f.type, email);
	post_form_from(a, unique_ip(), "/submit", f.anon, body, &r);
	ck_assert_msg(r.status == 200 && strstr(r.body, email), "no-JS POST /submit: %d", r.status);
	harness_response_free(&r);
	char *stored = owner_query("select captcha_verified::text || ' ' || spam_score::text from submissions "
	                           "where email = $1::citext", email);
	ck_assert_ptr_nonnull(stored);
	ck_assert_msg(strncmp(stored, "false ", 6) == 0 && atof(stored + 6) >= 0.30, "stored: %s", stored);
	free(stored);

	/* A solution that is there but wrong is still refused. */
	snprintf(email, sizeof email, "forged-%d-%ld@example.com", (int)getpid(), (long)time(NULL));
	snprintf(body, sizeof body, "_csrf=%s&idem=%s&started=%s&request_type=%s&title=Forged+captcha"
	    "&description=Sent+with+a+made+up+solution&email=%s&website=&altcha=bm90LWEtc29sdXRpb24", f.csrf,
	    fresh_token(), f.started_q, f.type, email);
	post_form_from(a, unique_ip(), "/submit", f.anon, body, &r);
	ck_assert_int_eq(r.status, 422);
	harness_response_free(&r);
	stored = owner_query("select count(*)::text from submissions where email = $1::citext", email);
	ck_assert_str_eq(stored, "0");
	free(stored);

	/* The form tells a visitor without scripts what happens. */
	get(a, "/submit", NULL, &r);
	ck_assert(strstr(r.body, "<noscript><p class=\"hint\">Scripts are off, and that is fine") != NULL);
	harness_response_free(&r);
	form_free(&f);
	harness_app_free(a);
}
END_TEST

/* Refused verification attempts are counted for good: the lockout after
 * submission_max_attempts is reached even though each refusal is a 4xx. */
START_TEST(verify_attempts_are_durable)
{
	const char *token = fresh_token();
	app *a = test_app(NULL, NULL);
	const char *owner = getenv("OWNER_DATABASE_URL");
	PGconn *c = PQconnectdb(owner ? owner : "");
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	const char *p[1] = { token };
	PGresult *res = PQexecParams(c,
	    "insert into submissions (email, request_type_id, title, description, token_hash, expires_at) "
	    "select 'durable@example.com', id, 'Durable attempts', 'Expired already', sha256(convert_to($1, 'UTF8')), "
	    "now() - interval '1 minute' from request_types where organization_id is null and is_active limit 1 "
	    "returning id", 1, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s", PQresultErrorMessage(res));
	char *id = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);

	char uri[128], body[512];
	snprintf(uri, sizeof uri, "/verify/%s", token);
	harness_response r;
	get_from(a, unique_ip(), uri, NULL, &r);
	ck_assert_int_eq(r.status, 410);
	char *anon = harness_cookie(&r, "sd_anon");
	char *csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	ck_assert_ptr_nonnull(anon);
	ck_assert_ptr_nonnull(csrf);
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=%s", csrf);
	long max = 5; /* submission_max_attempts */
	for (long i = 1; i <= max + 1; i++) {
		post_form_from(a, unique_ip(), uri, anon, body, &r);
		ck_assert_int_eq(r.status, 410);
		bool locked = strstr(r.body, "tried too many times") != NULL;
		ck_assert_msg(locked == (i > max), "attempt %ld: %s", i, locked ? "locked too early" : "not locked");
		harness_response_free(&r);
		const char *q[1] = { id };
		res = PQexecParams(c, "select attempts from submissions where id = $1", 1, NULL, q, NULL, NULL, 0);
		ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
		ck_assert_msg(atol(PQgetvalue(res, 0, 0)) == i, "after %ld refused attempts the count is %s", i,
		    PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	free(id);
	free(anon);
	free(csrf);
	PQfinish(c);
	harness_app_free(a);
}
END_TEST

/* The model without a request: a job opens its own transaction, names its
 * acting user, and row-level security applies as it does for a page. */
START_TEST(model_runs_in_a_transaction_without_a_request)
{
	app *a = test_app(NULL, NULL); /* sets OWNER_DATABASE_URL, APP_DATABASE_URL */
	char email[96];
	snprintf(email, sizeof email, "tx-%d-%ld@example.com", (int)getpid(), (long)time(NULL));
	char *uid = make_verified_customer(email);
	db *conn = db_new(getenv("DATABASE_URL"), 5, 5000, "supportdesk-test-job");
	ck_assert_ptr_nonnull(conn);
	arena *mem = arena_new(4096);

	db_tx tx;
	db_tx_init(&tx, conn, mem, NULL, "job-1", NULL);
	ck_assert_ptr_null(user_email(&tx, uid));          /* anonymous: not visible */
	ck_assert_int_eq(db_tx_status(&tx), DB_OK);
	ck_assert_int_eq(db_tx_act_as(&tx, uid), DB_OK);
	const char *seen = user_email(&tx, uid);           /* themselves: visible */
	ck_assert_ptr_nonnull(seen);
	ck_assert_str_eq(seen, email);
	ck_assert_int_eq(db_tx_commit(&tx), DB_OK);

	/* Acting user named before the first statement: carried by BEGIN. */
	db_tx_init(&tx, conn, mem, uid, "job-2", "192.0.2.9");
	ck_assert_ptr_nonnull(user_email(&tx, uid));
	db_tx_rollback(&tx);

	/* Fails once: a bad statement, then every call refused, commit reports it. */
	static const db_stmt bad = { "t_bad_cast", "select 'x'::int" };
	db_tx_init(&tx, conn, mem, uid, "job-3", NULL);
	ck_assert_ptr_null(db_tx_exec(&tx, &bad, 0, NULL));
	ck_assert_int_eq(db_tx_status(&tx), DB_ERROR);
	ck_assert_ptr_null(user_email(&tx, uid));
	ck_assert_int_eq(db_tx_commit(&tx), DB_ERROR);
	/* The connection is fine for the next one. */
	db_tx_init(&tx, conn, mem, uid, "job-4", NULL);
	ck_assert_ptr_nonnull(user_email(&tx, uid));
	ck_assert_int_eq(db_tx_commit(&tx), DB_OK);

	arena_free(mem);
	db_free(conn);
	free(uid);
	harness_app_free(a);
}
END_TEST

/* BEGIN, the context and the first statement travel together (a libpq
 * pipeline), and a new acting user with the next statement: in order, up
 * to the first failure, whose SQLSTATE is the one reported. */
START_TEST(pipelined_statements_run_in_order_and_stop_at_a_failure)
{
	app *a = test_app(NULL, NULL);
	db *conn = db_new(getenv("DATABASE_URL"), 5, 5000, "supportdesk-test-pipeline");
	ck_assert_ptr_nonnull(conn);
	arena *mem = arena_new(4096);
	enum db_status st;

	/* The middle one fails: the last does not run, the first failure
	 * counts, and without a BEGIN the three were one implicit transaction,
	 * which the failure rolled back, the first one's setting with it. */
	static const db_stmt mark = { "t_pipe_mark", "select set_config('app.t_pipe', $1, false)" };
	static const db_stmt div0 = { "t_pipe_div0", "select 1 / 0" };
	static const db_stmt seen = { "t_pipe_seen", "select coalesce(current_setting('app.t_pipe', true), '')" };
	static const db_stmt mark_s = { "t_pipe_mark_s", "select set_config('app.t_pipe_s', $1, false)" };
	static const db_stmt seen_s = { "t_pipe_seen_s", "select coalesce(current_setting('app.t_pipe_s', true), '')" };
	const char *first[1] = { "first" }, *last[1] = { "last" };
	db_call calls[3] = { { &mark, NULL, 1, first }, { &div0, NULL, 0, NULL }, { &mark_s, NULL, 1, last } };
	ck_assert_ptr_null(db_exec_pipeline(conn, mem, calls, 3, &st));
	ck_assert_int_eq(st, DB_ERROR);
	ck_assert_str_eq(db_last_sqlstate(conn), "22012");
	/* Out of pipeline mode, on the same connection: neither is left. */
	db_result *r = db_exec(conn, mem, &seen, 0, NULL, &st);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(db_get_dup(mem, r, 0, 0), "");
	r = db_exec(conn, mem, &seen_s, 0, NULL, &st);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(db_get_dup(mem, r, 0, 0), "");
	ck_assert(!db_in_transaction(conn));

	/* All succeed: the last one's rows come back. */
	db_call ok[3] = { { NULL, "BEGIN", 0, NULL }, { &mark, NULL, 1, last }, { &seen, NULL, 0, NULL } };
	r = db_exec_pipeline(conn, mem, ok, 3, &st);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(st, DB_OK);
	ck_assert_str_eq(db_get_dup(mem, r, 0, 0), "last");
	ck_assert(db_in_transaction(conn));
	db_rollback(conn);

	/* In a transaction: a failing first statement leaves it open (and
	 * failed) for the commit to roll back; its SQLSTATE is kept. */
	db_tx tx;
	db_tx_init(&tx, conn, mem, NULL, "pipe-1", NULL);
	ck_assert_ptr_null(db_tx_exec(&tx, &div0, 0, NULL));
	ck_assert_str_eq(db_tx_sqlstate(&tx), "22012");
	ck_assert(tx.open);
	ck_assert_int_eq(db_tx_commit(&tx), DB_ERROR);
	ck_assert(!db_in_transaction(conn));

	/* A new acting user that nothing used yet goes with the COMMIT. */
	static const db_stmt who = { "t_pipe_who", "select coalesce(current_setting('app.user_id', true), '')" };
	db_tx_init(&tx, conn, mem, NULL, "pipe-2", NULL);
	r = db_tx_exec(&tx, &who, 0, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(db_get_dup(mem, r, 0, 0), "");
	ck_assert_int_eq(db_tx_act_as(&tx, "00000000-0000-4000-8000-000000000001"), DB_OK);
	r = db_tx_exec(&tx, &who, 0, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(db_get_dup(mem, r, 0, 0), "00000000-0000-4000-8000-000000000001");
	ck_assert_int_eq(db_tx_act_as(&tx, NULL), DB_OK);
	ck_assert_int_eq(db_tx_commit(&tx), DB_OK);
	ck_assert(!db_in_transaction(conn));

	arena_free(mem);
	db_free(conn);
	harness_app_free(a);
}
END_TEST

static Suite *integration_suite(void)
{
	Suite *s = suite_create("integration");
	TCase *pages = tcase_create("pages");
	tcase_add_test(pages, home_renders_with_headers);
	tcase_add_test(pages, errors_are_pages_with_headers);
	tcase_add_test(pages, handler_csp_keeps_frame_ancestors);
	tcase_add_test(pages, bodies_bad_and_oversized);
	suite_add_tcase(s, pages);
	TCase *deps = tcase_create("dependencies");
	tcase_set_timeout(deps, 30);
	tcase_add_test(deps, transaction_carries_user_and_runs_as_app_role);
	tcase_add_test(deps, healthz_reports_dependencies);
	tcase_add_test(deps, model_runs_in_a_transaction_without_a_request);
	tcase_add_test(deps, pipelined_statements_run_in_order_and_stop_at_a_failure);
	suite_add_tcase(s, deps);
	TCase *sess = tcase_create("sessions");
	tcase_add_test(sess, session_signin_rotate_signout);
	tcase_add_test(sess, signout_everywhere);
	tcase_add_test(sess, ratelimit_answers_429_with_retry_after);
	tcase_add_test(sess, ratelimit_is_atomic_under_concurrency);
	tcase_add_test(sess, one_time_keys_claim_once);
	suite_add_tcase(s, sess);
	TCase *ip = tcase_create("client_ip");
	tcase_add_test(ip, client_ip_never_from_untrusted_forwarded_for);
	suite_add_tcase(s, ip);
	TCase *submit = tcase_create("submit");
	tcase_add_test(submit, submit_form_renders_every_type);
	tcase_add_test(submit, submit_errors_keep_input_next_to_fields);
	tcase_add_test(submit, signed_in_customer_skips_verification);
	tcase_add_test(submit, honeypot_and_fill_time_score_spam);
	tcase_add_test(submit, form_without_scripts_is_accepted_unverified);
	tcase_set_timeout(submit, 30);
	suite_add_tcase(s, submit);
	TCase *limits = tcase_create("limits");
	tcase_set_timeout(limits, 30);
	tcase_add_test(limits, rate_submit_ip_limits_submissions_per_address);
	tcase_add_test(limits, rate_submit_email_limits_submissions_per_email);
	tcase_add_test(limits, rate_verify_ip_limits_verification_per_address);
	tcase_add_test(limits, rate_verify_token_limits_attempts_per_token);
	tcase_add_test(limits, rate_challenge_ip_limits_challenges_per_address);
	tcase_add_test(limits, rate_login_link_ip_limits_link_use_per_address);
	tcase_add_test(limits, rate_submit_nojs_ip_limits_unverified_submissions_per_address);
	tcase_add_test(limits, rate_submit_nojs_email_limits_unverified_submissions_per_email);
	tcase_add_test(limits, challenge_limit_is_per_client_behind_a_proxy);
	tcase_add_test(limits, verify_attempts_are_durable);
	suite_add_tcase(s, limits);
	return s;
}

Suite *login_suite(void); /* test_login.c */

int main(void)
{
	SRunner *sr = srunner_create(integration_suite());
	srunner_add_suite(sr, leaks_suite());
	srunner_add_suite(sr, account_suite());
	srunner_add_suite(sr, login_suite());
	srunner_add_suite(sr, portal_suite());
	srunner_add_suite(sr, desk_suite());
	srunner_add_suite(sr, desk_ticket_suite());
	srunner_add_suite(sr, sched_suite());
	srunner_add_suite(sr, admin_suite());
	srunner_add_suite(sr, admin_events_blocks_suite());
	srunner_add_suite(sr, admin_sla_suite());
	srunner_add_suite(sr, admin_webhooks_suite()); /* webhooks */
	srunner_add_suite(sr, kb_suite());
	srunner_add_suite(sr, time_suite());
	srunner_add_suite(sr, platform_suite());
	srunner_add_suite(sr, reports_suite());
	srunner_add_suite(sr, workflows_suite()); /* workflows */
	srunner_add_suite(sr, automation_suite()); /* automation (0037) */
	srunner_add_suite(sr, api_suite()); /* REST API */
	srunner_add_suite(sr, templates_suite()); /* ticket templates and recurring tickets */
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
