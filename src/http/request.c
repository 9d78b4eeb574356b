/* request.c: reading a request (through req_io) and writing its response. */
#include "http/request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/utf8.h"

static str param_str(const req *r, const char *name)
{
	const char *v = r->io->param(r->io->ctx, name);
	return v ? str_from_cstr(v) : STR_NULL;
}

const char *req_header(const req *r, const char *cgi_name)
{
	return r->io->param(r->io->ctx, cgi_name);
}

static int status_of(http_err e)
{
	switch (e) {
	case HTTP_OK: return 0;
	case HTTP_EBADREQ: return 400;
	case HTTP_ETOOLARGE: return 413;
	case HTTP_EUNSUPPORTED: return 415;
	case HTTP_EINTERNAL: break;
	}
	return 500;
}

static void request_id_new(req *r)
{
	/* Not a secret: only has to be unique enough to find a request in the
	 * logs, across workers and restarts. No system call: the clock is in
	 * the vDSO and the pid is cached. */
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";
	static unsigned long long counter;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long x = (unsigned long long)ts.tv_sec * 1000000007ULL ^
	    (unsigned long long)ts.tv_nsec * 2654435761ULL ^
	    ((unsigned long long)log_process_id() << 40) ^ ++counter * 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < 16; i++) {
		x ^= x >> 29;
		x *= 0xBF58476D1CE4E5B9ULL;
		x ^= x >> 32;
		r->request_id[i] = alphabet[x & 31];
	}
	r->request_id[16] = '\0';
}

static bool parse_content_length(str s, long max, long *out)
{
	if (s.len == 0) {
		*out = 0;
		return true;
	}
	long n = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
		if (n > (max + 1) / 10 + 1) {
			*out = max + 1; /* too large; clamped, answered 413 */
			return true;
		}
		n = n * 10 + (s.ptr[i] - '0');
	}
	*out = n;
	return true;
}

int req_init(req *r, struct app *app, const req_io *io, arena *a, const req_settings *settings)
{
	memset(r, 0, sizeof *r);
	r->a = a;
	r->app = app;
	r->io = io;
	r->limits = settings->limits;
	r->secure_cookies = settings->secure_cookies;
	r->started = clock_seconds();
	r->status = 200;
	r->content_length = 0;
	buf_init(&r->headers, a, 512);
	buf_init(&r->body, a, 8192);
	request_id_new(r);

	r->method_name = param_str(r, "REQUEST_METHOD");
	if (str_eq_cstr(r->method_name, "GET"))
		r->method = METHOD_GET;
	else if (str_eq_cstr(r->method_name, "POST"))
		r->method = METHOD_POST;
	else if (str_eq_cstr(r->method_name, "HEAD"))
		r->method = METHOD_HEAD;
	else if (str_eq_cstr(r->method_name, "PATCH"))
		r->method = METHOD_PATCH; /* the API's updates */
	else
		r->method = METHOD_OTHER;
	if (r->method_name.len == 0 || r->method_name.len > 16)
		r->method_name = STR_LIT("-");
	r->remote_addr = param_str(r, "REMOTE_ADDR");
	r->user_agent = param_str(r, "HTTP_USER_AGENT");

	/* All headers together are bounded: nginx has its own cap, but a worker
	 * must not trust what sits in front of it. */
	size_t header_bytes = 0;
	for (char **p = io->params(io->ctx); p && *p; p++)
		if (strncmp(*p, "HTTP_", 5) == 0)
			header_bytes += strlen(*p);
	if (header_bytes > settings->max_header_size)
		return 400;

	/* Only the raw REQUEST_URI: nginx's DOCUMENT_URI is already decoded, and
	 * decoding it again would turn %252e%252e into "..". */
	str uri = param_str(r, "REQUEST_URI");
	if (uri.len == 0)
		return 400;
	const char *q = memchr(uri.ptr ? uri.ptr : "", '?', uri.len);
	r->raw_path = q ? (str){ uri.ptr, (size_t)(q - uri.ptr) } : uri;
	r->query_string = q ? (str){ q + 1, uri.len - (size_t)(q - uri.ptr) - 1 } : STR_LIT("");
	http_err e = http_path_normalize(a, r->raw_path.ptr ? r->raw_path.ptr : "", r->raw_path.len, &r->path);
	if (e != HTTP_OK) {
		r->path = STR_LIT("-");
		return 400;
	}
	e = http_urlencoded_parse(a, r->query_string.ptr, r->query_string.len, &r->limits, &r->query);
	if (e != HTTP_OK)
		return e == HTTP_ETOOLARGE ? 400 : status_of(e);
	str cookie = param_str(r, "HTTP_COOKIE");
	if (cookie.len) {
		e = http_cookies_parse(a, cookie.ptr, cookie.len, &r->limits, &r->cookies);
		if (e != HTTP_OK)
			return 400;
	}
	r->content_type = param_str(r, "CONTENT_TYPE");
	if (!parse_content_length(param_str(r, "CONTENT_LENGTH"), (long)r->limits.max_body, &r->content_length))
		return 400;
	if (r->content_length > (long)r->limits.max_body)
		return 413;
	return 0;
}

str req_query_get(const req *r, const char *name) { return http_params_get(&r->query, name); }
str req_cookie_get(const req *r, const char *name) { return http_params_get(&r->cookies, name); }
str req_route_get(const req *r, const char *name) { return http_params_get(&r->route, name); }
str req_form_get(const req *r, const char *name) { return http_form_field(&r->form, name); }

static long body_read(void *ctx, char *dst, size_t n)
{
	const req *r = ctx;
	return r->io->read(r->io->ctx, dst, n);
}

int req_read_form(req *r)
{
	if (r->form_read)
		return 0;
	r->form_read = true;
	if (r->method != METHOD_POST)
		return 0;
	http_err e = http_form_read(r->a, r->content_type, (size_t)r->content_length, body_read, r,
	    &r->limits, &r->form);
	if (e != HTTP_OK)
		log_warn("bad body", "rid=%s err=\"%s\"", r->request_id, http_err_str(e));
	return status_of(e);
}

int req_read_body(req *r, size_t max, str *out)
{
	*out = STR_LIT("");
	if (r->content_length <= 0)
		return 0;
	if ((size_t)r->content_length > max)
		return 413;
	size_t n = (size_t)r->content_length, got = 0;
	char *p = arena_alloc(r->a, n + 1);
	while (got < n) {
		long k = r->io->read(r->io->ctx, p + got, n - got);
		if (k <= 0)
			return 400;
		got += (size_t)k;
	}
	p[n] = '\0';
	*out = (str){ p, n };
	return 0;
}

/* ---- response ---- */

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static bool header_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

void resp_header(req *r, const char *name, const char *value)
{
	if (!header_safe(name) || !header_safe(value)) {
		log_error("refused header with CR/LF", "rid=%s name=%s", r->request_id, name);
		return;
	}
	if (strcasecmp(name, "Cache-Control") == 0)
		r->has_cache_control = true;
	buf_puts(&r->headers, name);
	buf_append(&r->headers, ": ", 2);
	buf_puts(&r->headers, value);
	buf_append(&r->headers, "\r\n", 2);
}

void resp_redirect(req *r, int status, const char *location)
{
	r->status = status;
	r->is_html = false;
	buf_clear(&r->body);
	resp_header(r, "Location", location);
}

void resp_body(req *r, int status, const char *content_type, const char *p, size_t n)
{
	r->status = status;
	r->is_html = false;
	buf_clear(&r->body);
	buf_append(&r->body, p, n);
	resp_header(r, "Content-Type", content_type);
}

void resp_cookie(req *r, const char *name, const char *value, long max_age, unsigned flags)
{
	const bool secure = r->secure_cookies;
	char line[512];
	int n;
	if (flags & COOKIE_DELETE)
		n = snprintf(line, sizeof line, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s",
		    name, secure ? "; Secure" : "");
	else if (flags & COOKIE_SESSION_ONLY)
		n = snprintf(line, sizeof line, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s",
		    name, value, secure ? "; Secure" : "");
	else
		n = snprintf(line, sizeof line, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
		    name, value, max_age, secure ? "; Secure" : "");
	if (n < 0 || (size_t)n >= sizeof line) {
		log_error("cookie too long", "rid=%s name=%s", r->request_id, name);
		return;
	}
	resp_header(r, "Set-Cookie", line);
}

/* Sent on every response, error pages included. nginx adds the same to the
 * answers it makes itself. A handler may only make the policy stricter
 * (resp_csp); frame-ancestors 'none' follows whichever policy goes out, so
 * no handler can let a page be framed by leaving it out. */
static const char site_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'";
#define CSP_NO_FRAMING "frame-ancestors 'none'"
static const char security_headers[] =
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: same-origin\r\n"
    "X-Frame-Options: DENY\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n";

static void resp_head(req *r, buf *out, size_t length)
{
	buf_printf(out, "Status: %d %s\r\n", r->status, http_status_text(r->status));
	buf_printf(out, "Content-Security-Policy: %s; " CSP_NO_FRAMING "\r\n", r->csp ? r->csp : site_csp);
	buf_append(out, security_headers, sizeof security_headers - 1);
	if (r->is_html)
		buf_puts(out, "Content-Type: text/html; charset=utf-8\r\n");
	if (!r->has_cache_control)
		buf_puts(out, "Cache-Control: no-store\r\n");
	buf_printf(out, "X-Request-Id: %s\r\n", r->request_id);
	if (r->retry_after_s > 0)
		buf_printf(out, "Retry-After: %ld\r\n", r->retry_after_s);
	buf_append(out, r->headers.data, r->headers.len);
	buf_printf(out, "Content-Length: %zu\r\n\r\n", length);
}

void resp_csp(req *r, const char *policy)
{
	/* Of two frame-ancestors a browser obeys the first: the handler's would
	 * override ours. */
	if (!header_safe(policy) || strcasestr(policy, "frame-ancestors")) {
		log_error("refused Content-Security-Policy with CR/LF or frame-ancestors", "rid=%s", r->request_id);
		return;
	}
	r->csp = policy;
}

int resp_send(req *r)
{
	if (r->streamed)
		return 0;
	buf out;
	buf_init(&out, r->a, 1024 + r->headers.len);
	resp_head(r, &out, r->body.len);
	if (r->method == METHOD_HEAD)
		return r->io->write(r->io->ctx, out.data, out.len);
	/* One write for small pages keeps it to a single FastCGI record. */
	if (r->body.len < 65536) {
		buf_append(&out, r->body.data, r->body.len);
		return r->io->write(r->io->ctx, out.data, out.len);
	}
	if (r->io->write(r->io->ctx, out.data, out.len) < 0)
		return -1;
	return r->io->write(r->io->ctx, r->body.data, r->body.len);
}

int resp_stream_begin(req *r, int status, size_t length)
{
	r->status = status;
	r->is_html = false;
	r->streamed = true;
	buf_clear(&r->body);
	buf out;
	buf_init(&out, r->a, 1024 + r->headers.len);
	resp_head(r, &out, length);
	return r->io->write(r->io->ctx, out.data, out.len);
}

int resp_stream_write(req *r, const char *p, size_t n)
{
	if (r->method == METHOD_HEAD)
		return 0;
	return r->io->write(r->io->ctx, p, n);
}
