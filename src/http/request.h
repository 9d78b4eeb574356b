/* request.h: one HTTP request as a worker sees it, and the response it builds.
 * Everything hangs off the request's arena and dies with it. */
#ifndef SD_REQUEST_H
#define SD_REQUEST_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/str.h"
#include "http/form.h"
#include "http/http_parse.h"

struct app;
struct db_tx;
struct session;
struct api_auth;

/* Where a request comes from: libfcgi in production (src/app/fcgi_io.c), a
 * memory buffer in the in-process test harness. */
typedef struct {
	/* A CGI/FastCGI parameter (REQUEST_METHOD, HTTP_COOKIE...) or NULL. */
	const char *(*param)(void *ctx, const char *name);
	/* NULL-terminated "NAME=value" array of every parameter. */
	char **(*params)(void *ctx);
	/* Reads up to n body bytes: >0 bytes, 0 at end, -1 on error. */
	long (*read)(void *ctx, char *dst, size_t n);
	/* Writes all of p; 0 or -1. */
	int (*write)(void *ctx, const char *p, size_t n);
	void *ctx;
} req_io;

/* What req_init needs from the configuration. */
typedef struct {
	http_limits limits;
	size_t max_header_size; /* all HTTP_* parameters together */
	bool secure_cookies;    /* behind TLS: Secure on every cookie */
} req_settings;

enum http_method { METHOD_GET = 1, METHOD_HEAD = 2, METHOD_POST = 4, METHOD_OTHER = 8, METHOD_PATCH = 16 };

typedef struct req {
	arena *a;
	struct app *app;
	const req_io *io;
	http_limits limits;
	bool secure_cookies;
	double started;           /* monotonic seconds */
	char request_id[24];

	/* request */
	enum http_method method;
	str method_name;
	str path;                 /* percent-decoded and normalised */
	str raw_path;             /* as sent, for logs */
	str query_string;
	str content_type;
	long content_length;
	str remote_addr;
	str user_agent;
	http_params query;
	http_params cookies;
	http_params route;        /* {name} captures of the matched pattern */
	http_form form;
	bool form_read;
	unsigned route_flags;

	/* per-request state filled by the dispatcher */
	struct session *session;
	const char *user_id;      /* NULL when anonymous */
	const char *anon_id;      /* sd_anon cookie set by this response */
	const char *client_ip;    /* page_client_ip's answer, once asked */
	const struct user_access *access; /* page_access's answer, once asked */
	struct db_tx *tx;         /* page_tx: made on first use, finished by the dispatcher */
	bool config_changed;      /* after the commit: app_config_changed (the workers' caches) */
	bool tx_keep_refusal;     /* commit even though the answer is >= 400 (page_keep_writes) */
	long retry_after_s;       /* > 0: sent as Retry-After (429, 503) */
	struct api_auth *api;     /* /api/v1: the request's key (src/api/api.h), NULL elsewhere */

	/* response */
	int status;
	buf headers;              /* extra "Name: value\r\n" lines */
	buf body;
	bool has_cache_control;
	bool is_html;
	bool streamed;            /* the handler wrote the response itself */
	const char *csp;          /* NULL: the site's policy */
} req;

/* Reads method, URI, headers and cookies through io. Returns 0, or the HTTP
 * status to answer (400 for malformed input, 413/431-as-400 for oversize). */
int req_init(req *r, struct app *app, const req_io *io, arena *a, const req_settings *settings);

/* A parameter, cookie or form field sent more than once counts once: these
 * return the first, and the rest are ignored (lists such as attachments are
 * read whole by their handlers). */
str req_query_get(const req *r, const char *name);
str req_cookie_get(const req *r, const char *name);
str req_route_get(const req *r, const char *name);
const char *req_header(const req *r, const char *cgi_name); /* "HTTP_USER_AGENT" */

/* Reads and parses the body once (urlencoded or multipart). Returns 0, or the
 * status to answer: 400, 413 or 415. */
int req_read_form(req *r);
/* Reads the body whole (at most max bytes, the API's JSON) into *out.
 * Returns 0, or 400 (short) or 413 (longer than max). */
int req_read_body(req *r, size_t max, str *out);
str req_form_get(const req *r, const char *name);

/* ---- response ---- */

/* Adds a header line. Names and values with CR, LF or NUL are refused (and
 * logged): no header injection whatever a caller passes. */
void resp_header(req *r, const char *name, const char *value);
void resp_redirect(req *r, int status, const char *location);
/* Replaces the site's Content-Security-Policy for this response with a
 * stricter one (downloads: "default-src 'none'; sandbox"). "frame-ancestors
 * 'none'" is always appended; a policy that names frame-ancestors itself, or
 * holds CR/LF, is refused (and logged) and the site's policy stays. */
void resp_csp(req *r, const char *policy);
void resp_body(req *r, int status, const char *content_type, const char *p, size_t n);

enum cookie_flags { COOKIE_SESSION_ONLY = 1, COOKIE_DELETE = 2 };
/* Sets an HttpOnly, SameSite=Lax, Path=/ cookie, Secure behind TLS. */
void resp_cookie(req *r, const char *name, const char *value, long max_age, unsigned flags);

/* Writes status line, security headers, extra headers and the body. HEAD
 * gets the headers only. Returns 0 or -1 when the client went away. */
int resp_send(req *r);

/* For large bodies (attachment downloads): sends status and headers now,
 * with Content-Length: length; the handler then writes exactly length bytes
 * with resp_stream_write, and the dispatcher sends nothing more. */
int resp_stream_begin(req *r, int status, size_t length);
int resp_stream_write(req *r, const char *p, size_t n);

const char *http_status_text(int status);

#endif
