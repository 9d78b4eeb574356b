/* test_headers.c: the security headers on every answer through nginx,
 * whoever makes it (SPEC section 4): the app's pages, the static files, and
 * what nginx answers by itself: TRACE (405), a long URI (414), headers or a
 * cookie too large (494, sent as 400), a request it cannot parse (400), a
 * body over client_max_body_size (413), a transfer coding it does not know
 * (501), a failed precondition (412), a missing static file (404), a
 * directory (403) and a directory without its slash (301).
 *
 * Each answer must carry exactly one Content-Security-Policy (a browser
 * applies every one it gets, so nginx's and the app's must not both be
 * sent) with frame-ancestors 'none', and exactly one nosniff,
 * Referrer-Policy: same-origin and X-Frame-Options: DENY; a text answer has
 * a Content-Type with charset=utf-8.
 *
 * Requests nginx must see exactly as written (a bad request line, no Host)
 * go over a plain socket; the rest through libcurl.
 *
 * Registered from test_e2e.c's main() as the suite "headers". */
#include <check.h>

#include "e2e/e2e_common.h"
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

Suite *headers_suite(void);

#define HDR_TIMEOUT_S 15L

static const char *base(void)
{
	static char fallback[64];
	const char *b = getenv("BASE_URL");
	if (b && *b)
		return b;
	const char *port = getenv("PORT");
	snprintf(fallback, sizeof fallback, "http://127.0.0.1:%s", port && *port ? port : "8080");
	return fallback;
}

/* A string of n copies of c. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------------ libcurl */

/* One request; headers: NULL-terminated, may be NULL. */
static resp fetch(const char *method, const char *path, const char *const *headers)
{
	resp r = { 0 };
	CURL *c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	dbuf url = { 0 };
	dbuf_addf(&url, "%s%s", base(), path);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, HDR_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "supportdesk-e2e-headers");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, resp_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, resp_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
	struct curl_slist *hl = NULL;
	for (const char *const *h = headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "a=b");
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	r.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	dbuf_free(&url);
	dbuf_add(&r.body, "", 0);
	dbuf_add(&r.headers, "", 0);
	return r;
}

/* ------------------------------------------------------------ raw socket */

static int connect_base(void)
{
	/* BASE_URL is http://HOST:PORT (scripts/test.sh). */
	const char *b = base();
	ck_assert_msg(strncmp(b, "http://", 7) == 0, "BASE_URL %s is not http://HOST:PORT", b);
	char host[256];
	snprintf(host, sizeof host, "%s", b + 7);
	host[strcspn(host, "/")] = '\0';
	char *colon = strrchr(host, ':');
	const char *port = "80";
	if (colon) {
		*colon = '\0';
		port = colon + 1;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	ck_assert_msg(rc == 0, "getaddrinfo %s:%s: %s", host, port, gai_strerror(rc));
	int fd = -1;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	ck_assert_msg(fd >= 0, "cannot connect to %s: %s", b, strerror(errno));
	return fd;
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends the bytes as they are and reads one answer: the header block into
 * headers (status line included, so resp_header works on it), then the body
 * up to its Content-Length or the end of the connection. */
static resp raw(const char *request)
{
	resp r = { 0 };
	int fd = connect_base();
	size_t n = strlen(request), off = 0;
	while (off < n) {
		ssize_t w = send(fd, request + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break; /* nginx may answer and close before it has it all */
		off += (size_t)w;
	}
	dbuf in = { 0 };
	const char *end = NULL;
	long want = -1;
	double t0 = mono_now();
	for (;;) {
		if (!end && in.data && (end = strstr(in.data, "\r\n\r\n"))) {
			end += 4;
			const char *cl = strcasestr(in.data, "\r\nContent-Length:");
			if (cl && cl < end)
				want = strtol(cl + 17, NULL, 10);
		}
		if (end && want >= 0 && in.len - (size_t)(end - in.data) >= (size_t)want)
			break;
		double left = (double)HDR_TIMEOUT_S - (mono_now() - t0);
		ck_assert_msg(left > 0, "no complete answer to %.60s within %ld s", request, HDR_TIMEOUT_S);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0) {
			ck_assert_msg(errno == EINTR, "poll: %s", strerror(errno));
			continue;
		}
		char chunk[8192];
		ssize_t got = recv(fd, chunk, sizeof chunk, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		size_t at = end && in.data ? (size_t)(end - in.data) : 0;
		dbuf_add(&in, chunk, (size_t)got);
		if (end)
			end = in.data + at;
	}
	close(fd);
	ck_assert_msg(end != NULL, "no header block in the answer to %.60s: %s", request, dbuf_str(&in));
	size_t hlen = (size_t)(end - in.data);
	dbuf_add(&r.headers, in.data, hlen);
	dbuf_add(&r.body, in.data + hlen, in.len - hlen);
	dbuf_free(&in);
	int st = 0;
	r.rc = sscanf(r.headers.data, "HTTP/1.%*d %d", &st) == 1 ? CURLE_OK : CURLE_WEIRD_SERVER_REPLY;
	r.status = st;
	return r;
}

/* ------------------------------------------------------------ assertions */

#define ck_status(r, want, what) \
	ck_assert_msg((r).rc == CURLE_OK && (r).status == (want), "%s: status %ld (curl %d: %s), want %d", \
	    (what), (r).status, (int)(r).rc, curl_easy_strerror((r).rc), (want))

/* Exactly one `name`, and its value; the message names every duplicate. */
static void one_header(const resp *r, const char *name, char *v, size_t vlen, const char *what)
{
	int n = resp_header_count(r, name);
	ck_assert_msg(n == 1, "%s: %d %s headers, want exactly one; headers:\n%s", what, n, name, r->headers.data);
	resp_header(r, name, v, vlen);
}

/* SPEC section 4: what every answer carries, once. */
static void assert_security_headers(const resp *r, const char *what)
{
	char v[2048];
	one_header(r, "Content-Security-Policy", v, sizeof v, what);
	ck_assert_msg(strstr(v, "frame-ancestors 'none'"), "%s: CSP without frame-ancestors 'none': %s", what, v);
	ck_assert_msg(strstr(v, "default-src 'self'") || strstr(v, "default-src 'none'"),
	    "%s: CSP without a strict default-src: %s", what, v);
	ck_assert_msg(!strstr(v, "unsafe-inline") && !strstr(v, "unsafe-eval"), "%s: CSP allows unsafe-*: %s", what, v);
	one_header(r, "X-Content-Type-Options", v, sizeof v, what);
	ck_assert_msg(strcasecmp(v, "nosniff") == 0, "%s: X-Content-Type-Options: %s", what, v);
	one_header(r, "Referrer-Policy", v, sizeof v, what);
	ck_assert_msg(strcasecmp(v, "same-origin") == 0, "%s: Referrer-Policy: %s", what, v);
	one_header(r, "X-Frame-Options", v, sizeof v, what);
	ck_assert_msg(strcasecmp(v, "DENY") == 0, "%s: X-Frame-Options: %s", what, v);
}

/* A text answer says which charset it is in. */
static void assert_charset(const resp *r, const char *type, const char *what)
{
	char v[256];
	one_header(r, "Content-Type", v, sizeof v, what);
	ck_assert_msg(strncasecmp(v, type, strlen(type)) == 0, "%s: Content-Type %s, want %s", what, v, type);
	ck_assert_msg(strcasestr(v, "charset=utf-8"), "%s: Content-Type without charset=utf-8: %s", what, v);
}

/* An answer nginx made itself: the headers, HTML with its charset, never
 * cached, and no X-Request-Id (the app did not see it). page: a phrase of
 * our error page in static/errors/, or NULL for nginx's built-in one. */
static void assert_nginx_answer(const resp *r, const char *page, const char *what)
{
	assert_security_headers(r, what);
	assert_charset(r, "text/html", what);
	char v[256];
	one_header(r, "Cache-Control", v, sizeof v, what);
	ck_assert_msg(strstr(v, "no-store"), "%s: Cache-Control: %s", what, v);
	ck_assert_msg(resp_header_count(r, "X-Request-Id") == 0, "%s: an X-Request-Id, so the app answered", what);
	if (page)
		ck_assert_msg(strstr(r->body.data, "Supportdesk</title>") && strstr(r->body.data, page),
		    "%s: not our error page (no \"%s\"): %.300s", what, page, r->body.data);
}

/* An answer the app wrote: the headers once, nginx added none of its own. */
static void assert_app_answer(const resp *r, const char *what)
{
	char v[128];
	ck_assert_msg(resp_header(r, "X-Request-Id", v, sizeof v) && *v, "%s: no X-Request-Id, so not the app's", what);
	assert_security_headers(r, what);
	one_header(r, "Cache-Control", v, sizeof v, what);
}

/* ------------------------------------------------------------ nginx's own */

START_TEST(test_trace_is_405_with_headers)
{
	resp r = fetch("TRACE", "/", NULL);
	ck_status(r, 405, "TRACE /");
	assert_nginx_answer(&r, "Error 405", "TRACE / (405)");
	resp_free(&r);

	r = fetch("TRACE", "/static/css/site.css", NULL);
	ck_status(r, 405, "TRACE /static/css/site.css");
	assert_nginx_answer(&r, "Error 405", "TRACE a static file (405)");
	resp_free(&r);

	/* The static files take GET and HEAD only. */
	r = fetch("POST", "/static/css/site.css", NULL);
	ck_status(r, 405, "POST /static/css/site.css");
	assert_nginx_answer(&r, "Error 405", "POST a static file (405)");
	resp_free(&r);
}
END_TEST

START_TEST(test_long_uri_is_414_with_headers)
{
	/* Over large_client_header_buffers (8k by default). */
	char *tail = repeat('a', 20000);
	dbuf path = { 0 };
	dbuf_addf(&path, "/kb/search?q=%s", tail);
	resp r = fetch("GET", path.data, NULL);
	ck_status(r, 414, "GET a 20,000-byte URI");
	assert_nginx_answer(&r, "Error 414", "long URI (414)");
	resp_free(&r);
	dbuf_free(&path);
	free(tail);
}
END_TEST

START_TEST(test_headers_too_large_with_headers)
{
	char *big = repeat('a', 20000);
	dbuf line = { 0 };

	/* nginx's 494 "Request Header Or Cookie Too Large" goes out as 400. */
	dbuf_addf(&line, "X-Filler: %s", big);
	const char *h1[] = { line.data, NULL };
	resp r = fetch("GET", "/", h1);
	ck_status(r, 400, "one 20,000-byte header");
	assert_nginx_answer(&r, "Request headers too large", "one huge header (494)");
	resp_free(&r);

	line.len = 0;
	dbuf_addf(&line, "Cookie: sd_theme=%s", big);
	const char *h2[] = { line.data, NULL };
	r = fetch("GET", "/", h2);
	ck_status(r, 400, "a 20,000-byte cookie");
	assert_nginx_answer(&r, "Request headers too large", "huge cookie (494)");
	resp_free(&r);

	/* Each header fits, all of them together do not (4 x 8k). */
	char *piece = repeat('b', 7000);
	dbuf lines[6] = { 0 };
	const char *h3[7] = { 0 };
	for (int i = 0; i < 6; i++) {
		dbuf_addf(&lines[i], "X-Filler-%d: %s", i, piece);
		h3[i] = lines[i].data;
	}
	r = fetch("GET", "/static/css/site.css", h3);
	ck_status(r, 400, "six 7,000-byte headers");
	assert_nginx_answer(&r, "Request headers too large", "headers too large in all (494)");
	resp_free(&r);
	for (int i = 0; i < 6; i++)
		dbuf_free(&lines[i]);
	free(piece);
	dbuf_free(&line);
	free(big);
}
END_TEST

START_TEST(test_unparsable_requests_are_400_with_headers)
{
	resp r = raw("G(T / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
	ck_status(r, 400, "a method with a bad character");
	assert_nginx_answer(&r, "Error 400", "bad request line (400)");
	resp_free(&r);

	r = raw("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	ck_status(r, 400, "HTTP/1.1 without Host");
	assert_nginx_answer(&r, "Error 400", "no Host (400)");
	resp_free(&r);

	/* %00 in the path: nginx refuses it before any location. */
	r = fetch("GET", "/a%00b", NULL);
	ck_status(r, 400, "GET /a%00b");
	assert_nginx_answer(&r, "Error 400", "%00 in the path (400)");
	resp_free(&r);
}
END_TEST

START_TEST(test_body_over_nginx_limit_is_413_with_headers)
{
	/* Refused from its Content-Length (over client_max_body_size, 70m in
	 * the test stack): nothing of the body needs sending. */
	resp r = raw("POST /submit HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		     "Content-Length: 1073741824\r\nConnection: close\r\n\r\n");
	ck_status(r, 413, "a 1 GiB Content-Length");
	assert_nginx_answer(&r, "Error 413", "body over client_max_body_size (413)");
	resp_free(&r);
}
END_TEST

/* Statuses with no page of ours keep nginx's built-in one, with the
 * headers: those are set for the whole server, not per error page. */
START_TEST(test_other_nginx_errors_with_headers)
{
	resp r = raw("POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n");
	ck_status(r, 501, "an unknown Transfer-Encoding");
	assert_nginx_answer(&r, NULL, "unknown Transfer-Encoding (501)");
	resp_free(&r);

	/* A precondition that fails: the file changed since 1970. */
	static const char *const unmodified[] = { "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT", NULL };
	r = fetch("GET", "/static/css/site.css", unmodified);
	ck_status(r, 412, "If-Unmodified-Since 1970 on site.css");
	assert_nginx_answer(&r, NULL, "failed precondition (412)");
	resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------ static files */

START_TEST(test_static_files_with_headers)
{
	resp r = fetch("GET", "/static/css/site.css", NULL);
	ck_status(r, 200, "GET /static/css/site.css");
	assert_security_headers(&r, "site.css");
	assert_charset(&r, "text/css", "site.css");
	char v[256];
	one_header(&r, "Cache-Control", v, sizeof v, "site.css");
	ck_assert_msg(strstr(v, "max-age="), "site.css: Cache-Control: %s", v);
	ck_assert_msg(r.body.len > 0, "site.css is empty");
	resp_free(&r);

	/* Ranges are not served (the whole file is): a range past the end
	 * would be a 416 made after the headers were added, with them twice. */
	static const char *const range[] = { "Range: bytes=999999999-", NULL };
	r = fetch("GET", "/static/css/site.css", range);
	ck_status(r, 200, "a range past the end of site.css");
	assert_security_headers(&r, "site.css with a Range");
	resp_free(&r);

	r = fetch("HEAD", "/static/css/site.css", NULL);
	ck_status(r, 200, "HEAD /static/css/site.css");
	assert_security_headers(&r, "HEAD site.css");
	resp_free(&r);

	r = fetch("GET", "/static/css/no-such-file.css", NULL);
	ck_status(r, 404, "a missing static file");
	assert_nginx_answer(&r, "Error 404", "missing static file (404)");
	resp_free(&r);

	/* A directory: no listing. */
	r = fetch("GET", "/static/css/", NULL);
	ck_status(r, 403, "GET /static/css/");
	assert_nginx_answer(&r, "Error 403", "static directory (403)");
	resp_free(&r);

	/* A directory without its slash: nginx redirects, and the redirect
	 * has a charset too. */
	r = fetch("GET", "/static/css", NULL);
	ck_status(r, 301, "GET /static/css");
	ck_assert_msg(resp_header(&r, "Location", v, sizeof v) && strstr(v, "/static/css/"), "301 Location: %s", v);
	assert_nginx_answer(&r, "<h1>Moved</h1>", "static directory without its slash (301)");
	resp_free(&r);

	/* The error pages themselves are not addressable. */
	r = fetch("GET", "/__errors/502.html", NULL);
	ck_assert_msg(r.rc == CURLE_OK && r.status == 404, "GET /__errors/502.html: %ld", r.status);
	resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------ the app's */

START_TEST(test_app_answers_carry_one_set)
{
	resp r = fetch("GET", "/", NULL);
	ck_status(r, 200, "GET /");
	assert_app_answer(&r, "GET /");
	assert_charset(&r, "text/html", "GET /");
	char v[2048];
	resp_header(&r, "Content-Security-Policy", v, sizeof v);
	ck_assert_msg(strstr(v, "script-src 'self'"), "GET /: CSP %s", v);
	resp_free(&r);

	r = fetch("HEAD", "/", NULL);
	ck_status(r, 200, "HEAD /");
	assert_app_answer(&r, "HEAD /");
	resp_free(&r);

	r = fetch("GET", "/no/such/page", NULL);
	ck_status(r, 404, "GET /no/such/page");
	assert_app_answer(&r, "app 404");
	assert_charset(&r, "text/html", "app 404");
	resp_free(&r);

	r = fetch("DELETE", "/", NULL);
	ck_status(r, 405, "DELETE /");
	assert_app_answer(&r, "app 405");
	resp_free(&r);

	/* A well-formed id nobody has: the download route's 404 page. */
	r = fetch("GET", "/attachments/00000000-0000-4000-8000-000000000000", NULL);
	ck_status(r, 404, "GET an unknown attachment");
	assert_app_answer(&r, "unknown attachment (404)");
	resp_free(&r);

	/* JSON keeps the app's own Content-Type: nginx relabels nothing the
	 * app sends. */
	r = fetch("GET", "/healthz", NULL);
	ck_status(r, 200, "GET /healthz");
	assert_app_answer(&r, "GET /healthz");
	one_header(&r, "Content-Type", v, sizeof v, "GET /healthz");
	ck_assert_msg(strcmp(v, "application/json") == 0, "GET /healthz: Content-Type %s", v);
	resp_free(&r);

	r = fetch("GET", "/metrics", NULL);
	ck_status(r, 200, "GET /metrics");
	assert_app_answer(&r, "GET /metrics");
	resp_free(&r);
}
END_TEST

Suite *headers_suite(void)
{
	Suite *s = suite_create("headers");
	TCase *tc = tcase_create("nginx");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_trace_is_405_with_headers);
	tcase_add_test(tc, test_long_uri_is_414_with_headers);
	tcase_add_test(tc, test_headers_too_large_with_headers);
	tcase_add_test(tc, test_unparsable_requests_are_400_with_headers);
	tcase_add_test(tc, test_body_over_nginx_limit_is_413_with_headers);
	tcase_add_test(tc, test_other_nginx_errors_with_headers);
	tcase_add_test(tc, test_static_files_with_headers);
	tcase_add_test(tc, test_app_answers_carry_one_set);
	suite_add_tcase(s, tc);
	return s;
}
