/* harness.c: the in-process request harness for integration tests. */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/crypto.h"
#include "core/log.h"

typedef struct {
	char *params[64];
	const char *body;
	size_t body_len, body_pos;
	char *out;
	size_t out_len, out_cap;
} mem_io;

static const char *mem_param(void *ctx, const char *name)
{
	mem_io *m = ctx;
	size_t n = strlen(name);
	for (char **p = m->params; *p; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

static char **mem_params(void *ctx)
{
	return ((mem_io *)ctx)->params;
}

static long mem_read(void *ctx, char *dst, size_t n)
{
	mem_io *m = ctx;
	size_t left = m->body_len - m->body_pos;
	if (n > left)
		n = left;
	memcpy(dst, m->body + m->body_pos, n);
	m->body_pos += n;
	return (long)n;
}

static int mem_write(void *ctx, const char *p, size_t n)
{
	mem_io *m = ctx;
	if (m->out_len + n + 1 > m->out_cap) {
		size_t cap = (m->out_len + n + 1) * 2;
		m->out = realloc(m->out, cap);
		m->out_cap = cap;
	}
	memcpy(m->out + m->out_len, p, n);
	m->out_len += n;
	m->out[m->out_len] = '\0';
	return 0;
}

void harness_request(app *a, const char *method, const char *uri, const char *const *extra,
    const char *body, size_t body_len, harness_response *out)
{
	mem_io m = { 0 };
	char clen[64];
	int k = 0;
	/* Extra parameters first: the first match wins, so a test may set its
	 * own REMOTE_ADDR (its own rate-limit bucket). */
	for (; extra && *extra && k < 58; extra++)
		m.params[k++] = strdup(*extra);
	m.params[k++] = strdup("REMOTE_ADDR=127.0.0.1");
	char *mp = malloc(strlen(method) + 16);
	sprintf(mp, "REQUEST_METHOD=%s", method);
	m.params[k++] = mp;
	char *up = malloc(strlen(uri) + 16);
	sprintf(up, "REQUEST_URI=%s", uri);
	m.params[k++] = up;
	snprintf(clen, sizeof clen, "CONTENT_LENGTH=%zu", body_len);
	m.params[k++] = strdup(clen);
	m.params[k] = NULL;
	m.body = body ? body : "";
	m.body_len = body ? body_len : 0;
	req_io io = { mem_param, mem_params, mem_read, mem_write, &m };

	arena *mem = arena_new(64 * 1024);
	app_handle(a, &io, mem);
	arena_free(mem);
	for (int i = 0; i < k; i++)
		free(m.params[i]);

	memset(out, 0, sizeof *out);
	char *sep = m.out ? strstr(m.out, "\r\n\r\n") : NULL;
	if (!sep) {
		out->status = -1;
		free(m.out);
		return;
	}
	out->headers = strndup(m.out, (size_t)(sep - m.out) + 2);
	out->body_len = m.out_len - (size_t)(sep + 4 - m.out);
	out->body = malloc(out->body_len + 1);
	memcpy(out->body, sep + 4, out->body_len);
	out->body[out->body_len] = '\0';
	out->status = strncmp(m.out, "Status: ", 8) == 0 ? atoi(m.out + 8) : -1;
	free(m.out);
}

void harness_response_free(harness_response *r)
{
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof *r);
}

char *harness_header(const harness_response *r, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = r->headers; p && *p;) {
		const char *eol = strstr(p, "\r\n");
		if (!eol)
			break;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return strndup(p + n + 2, (size_t)(eol - p - n - 2));
		p = eol + 2;
	}
	return NULL;
}

char *harness_cookie(const harness_response *r, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = r->headers; p && *p;) {
		const char *eol = strstr(p, "\r\n");
		if (!eol)
			break;
		if (strncasecmp(p, "Set-Cookie: ", 12) == 0 && strncmp(p + 12, name, n) == 0 && p[12 + n] == '=') {
			const char *v = p + 12;
			const char *semi = strchr(v, ';');
			return strndup(v, (size_t)((semi && semi < eol ? semi : eol) - v));
		}
		p = eol + 2;
	}
	return NULL;
}

static config cfg;
static tmpl_set *templates;

static tmpl_set *cfg_templates(void)
{
	return templates;
}

app *harness_app_new(void)
{
	char err[512];
	if (crypto_init() < 0)
		abort();
	/* One log line per request would drown the test output. */
	if (!getenv("SD_TEST_VERBOSE"))
		log_set_level(LOG_WARN);
	/* stack.env's DATABASE_URL is the owner: keep it for test setup, and
	 * run the app as the row-level-security role. */
	if (getenv("DATABASE_URL") && !getenv("OWNER_DATABASE_URL"))
		setenv("OWNER_DATABASE_URL", getenv("DATABASE_URL"), 1);
	const char *app_url = getenv("APP_DATABASE_URL");
	if (app_url)
		setenv("DATABASE_URL", app_url, 1);
	if (!templates) {
		if (config_load(&cfg, err, sizeof err) < 0) {
			fprintf(stderr, "harness: %s\n", err);
			abort();
		}
		memset(cfg.secret, 7, sizeof cfg.secret);
		cfg.have_secret = true;
		/* A worker reads the system settings again every few seconds; here
		 * that read would fall between any two requests of a test, in
		 * whichever one a loaded machine reaches it, and the cases that
		 * count a request's statements would count it too. A change made
		 * through the pages moves the generation, which still reloads at
		 * once. */
		cfg.settings_cache_s = 3600;
		if (tmpl_set_load_dir(cfg.templates_dir, &templates, err, sizeof err) < 0) {
			fprintf(stderr, "harness: %s\n", err);
			abort();
		}
	}
	app *a = calloc(1, sizeof *a);
	if (app_init(a, &cfg, templates, NULL) < 0)
		abort();
	return a;
}

app *harness_app_with(const char *db_url, const char *redis_url)
{
	harness_app_free(harness_app_new());
	config *c = malloc(sizeof *c);
	*c = cfg; /* shallow: the strings stay the static config's */
	if (db_url)
		c->database_url = (char *)db_url;
	if (redis_url)
		c->redis_url = (char *)redis_url;
	app *a = calloc(1, sizeof *a);
	if (app_init(a, c, cfg_templates(), NULL) < 0)
		abort();
	return a;
}

void harness_app_free(app *a)
{
	if (a->cfg != &cfg)
		free((config *)a->cfg);
	app_free(a);
	free(a);
}
