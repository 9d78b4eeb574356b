/* test_e2e.c: black-box tests of the whole stack (nginx -> supportdesk
 * workers -> PostgreSQL, Redis) over HTTP with libcurl.
 *
 * Runs against the stack described by $VAR_DIR/stack.env (scripts/test.sh
 * exports it): BASE_URL, SUPPORTDESK_PIDFILE (the master's pid),
 * SUPPORTDESK_STACK (scripts/stack.sh, used to stop and start PostgreSQL and
 * Redis). `supportdesk serve` must already run.
 *
 * The outage tests stop PostgreSQL or Redis; they start them again on every
 * path out: at the end of the test, from an unchecked teardown that Check
 * runs in the parent after the forked test (also when it failed or timed
 * out), and unconditionally from main() after the run. */
#include <check.h>
#include <curl/curl.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e/e2e_common.h"

#define REQ_TIMEOUT_S 15L
#define BIG_TIMEOUT_S 120L
#define MAX_PIDS 1024

/* ------------------------------------------------------------ utilities */

static const char *base_url(void)
{
	const char *b = getenv("BASE_URL");
	if (b && *b)
		return b;
	const char *port = getenv("PORT");
	static char fallback[64];
	snprintf(fallback, sizeof fallback, "http://127.0.0.1:%s", port && *port ? port : "8080");
	return fallback;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static CURL *easy_new(void)
{
	CURL *c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, REQ_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "supportdesk-e2e");
	return c;
}

static void easy_target(CURL *c, const char *path, resp *r)
{
	char url[4096];
	snprintf(url, sizeof url, "%s%s", base_url(), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, resp_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, resp_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
}

/* One request. body may be NULL (no body). extra headers: NULL-terminated. */
static resp http_req(const char *method, const char *path, const char *const *headers,
    const char *body, size_t body_len, long timeout_s)
{
	resp r = { 0 };
	CURL *c = easy_new();
	easy_target(c, path, &r);
	struct curl_slist *hl = NULL;
	/* No Expect: 100-continue round trip for big bodies. */
	hl = curl_slist_append(hl, "Expect:");
	for (const char *const *h = headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (timeout_s)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		}
	}
	r.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	if (!r.body.data)
		dbuf_add(&r.body, "", 0);
	if (!r.headers.data)
		dbuf_add(&r.headers, "", 0);
	return r;
}

static resp http_get(const char *path)
{
	return http_req("GET", path, NULL, NULL, 0, 0);
}

static long status_of_get(const char *path)
{
	resp r = http_get(path);
	long st = r.rc == CURLE_OK ? r.status : -1;
	resp_free(&r);
	return st;
}

#define ck_assert_transfer_ok(r, what) \
	ck_assert_msg((r).rc == CURLE_OK, "%s: curl error %d (%s)", (what), (int)(r).rc, \
	    curl_easy_strerror((r).rc))

#define ck_assert_status(r, want, what) \
	do { \
		ck_assert_transfer_ok(r, what); \
		ck_assert_msg((r).status == (want), "%s: status %ld, want %d", (what), (r).status, (want)); \
	} while (0)

/* The security headers every answer must carry (SPEC section 4). */
static void assert_security_headers(const resp *r, const char *what)
{
	char v[2048];
	ck_assert_msg(resp_header(r, "Content-Security-Policy", v, sizeof v), "%s: no CSP", what);
	ck_assert_msg(strstr(v, "frame-ancestors 'none'"), "%s: CSP without frame-ancestors 'none': %s", what, v);
	ck_assert_msg(strstr(v, "script-src 'self'"), "%s: CSP without script-src 'self': %s", what, v);
	ck_assert_msg(!strstr(v, "unsafe-inline"), "%s: CSP allows unsafe-inline: %s", what, v);
	ck_assert_msg(!strstr(v, "unsafe-eval"), "%s: CSP allows unsafe-eval: %s", what, v);
	ck_assert_msg(resp_header(r, "X-Content-Type-Options", v, sizeof v), "%s: no X-Content-Type-Options", what);
	ck_assert_msg(strcasecmp(v, "nosniff") == 0, "%s: X-Content-Type-Options: %s", what, v);
	ck_assert_msg(resp_header(r, "Referrer-Policy", v, sizeof v), "%s: no Referrer-Policy", what);
	ck_assert_msg(strcasecmp(v, "same-origin") == 0, "%s: Referrer-Policy: %s", what, v);
}

static void assert_html(const resp *r, const char *what)
{
	char v[256];
	ck_assert_msg(resp_header(r, "Content-Type", v, sizeof v), "%s: no Content-Type", what);
	ck_assert_msg(strcasecmp(v, "text/html; charset=utf-8") == 0, "%s: Content-Type: %s", what, v);
}

/* An answer written by supportdesk itself (not an nginx error page): it
 * carries the request id. */
static void assert_app_page(const resp *r, const char *what)
{
	char v[128];
	ck_assert_msg(resp_header(r, "X-Request-Id", v, sizeof v) && *v,
	    "%s: no X-Request-Id, so not the app's page (status %ld)", what, r->status);
	assert_security_headers(r, what);
	assert_html(r, what);
}

/* ------------------------------------------------------------ processes */

static pid_t master_pid(void)
{
	const char *path = getenv("SUPPORTDESK_PIDFILE");
	ck_assert_msg(path && *path, "SUPPORTDESK_PIDFILE is not set");
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	int pid = 0;
	int n = fscanf(f, "%d", &pid);
	fclose(f);
	ck_assert_msg(n == 1 && pid > 1, "no pid in %s", path);
	ck_assert_msg(kill(pid, 0) == 0, "master %d from %s is not running", pid, path);
	return pid;
}

typedef struct {
	int n;
	pid_t pid[MAX_PIDS];
} pidset;

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static bool pidset_has(const pidset *s, pid_t p)
{
	for (int i = 0; i < s->n; i++)
		if (s->pid[i] == p)
			return true;
	return false;
}

static bool pidset_equal(const pidset *a, const pidset *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->pid[i] != b->pid[i])
			return false;
	return true;
}

static bool pidset_disjoint(const pidset *a, const pidset *b)
{
	for (int i = 0; i < a->n; i++)
		if (pidset_has(b, a->pid[i]))
			return false;
	return true;
}

static void pidset_str(const pidset *s, char *out, size_t outlen)
{
	size_t off = 0;
	out[0] = '\0';
	for (int i = 0; i < s->n && off + 16 < outlen; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%s%d", i ? " " : "", (int)s->pid[i]);
}

/* ppid of pid from /proc/pid/stat (the comm field may hold spaces). */
static pid_t ppid_of(pid_t pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = '\0';
	char *rp = strrchr(line, ')');
	if (!rp)
		return -1;
	char state;
	int ppid;
	if (sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	if (state == 'Z' || state == 'X')
		return -1; /* a dead worker not reaped yet is no worker */
	return ppid;
}

/* The live children of the master: /proc/<m>/task/<m>/children when the
 * kernel has it, else a scan of /proc. */
static pidset workers_of(pid_t m)
{
	pidset s = { 0 };
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)m, (int)m);
	FILE *f = fopen(path, "r");
	if (f) {
		int p;
		while (s.n < MAX_PIDS && fscanf(f, "%d", &p) == 1)
			if (ppid_of(p) == m)
				s.pid[s.n++] = p;
		fclose(f);
	} else {
		DIR *d = opendir("/proc");
		ck_assert_ptr_nonnull(d);
		struct dirent *e;
		while ((e = readdir(d)) && s.n < MAX_PIDS) {
			if (!isdigit((unsigned char)e->d_name[0]))
				continue;
			pid_t p = (pid_t)atoi(e->d_name);
			if (ppid_of(p) == m)
				s.pid[s.n++] = p;
		}
		closedir(d);
	}
	qsort(s.pid, (size_t)s.n, sizeof s.pid[0], cmp_pid);
	return s;
}

/* Workers of m once their number settles at a non-zero count (a restart
 * of an earlier test may still be in progress). */
static pidset settled_workers(pid_t m)
{
	pidset prev = workers_of(m), cur = prev;
	for (int i = 0; i < 60; i++) {
		sleep_ms(100);
		cur = workers_of(m);
		if (cur.n > 0 && pidset_equal(&cur, &prev))
			return cur;
		prev = cur;
	}
	return cur;
}

/* ------------------------------------------------------------ metrics */

/* Value of the sample whose line starts with `series` + ' ', or -1. */
static double metric_value(const char *series)
{
	resp r = http_get("/metrics");
	ck_assert_status(r, 200, "GET /metrics");
	double v = -1;
	size_t sl = strlen(series);
	for (const char *p = r.body.data; p && *p;) {
		const char *eol = strchr(p, '\n');
		if (strncmp(p, series, sl) == 0 && p[sl] == ' ') {
			v = strtod(p + sl + 1, NULL);
			break;
		}
		p = eol ? eol + 1 : NULL;
	}
	resp_free(&r);
	return v;
}

/* ------------------------------------------------------------ the stack */

/* Runs `$SUPPORTDESK_STACK <verb>`; returns its exit status. Its output goes
 * to our stderr so a failing start is explained in the log. */
static int stack_cmd(const char *verb)
{
	const char *stack = getenv("SUPPORTDESK_STACK");
	if (!stack || !*stack)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(2, 1);
		execl(stack, stack, verb, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Unchecked teardowns: Check runs them in the parent process after the
 * forked test ended, whether it passed, failed (a failed assertion _exit()s
 * the child, so no atexit handler or checked teardown runs there) or was
 * killed by its timeout. Both are no-ops when the piece runs. */
static void restore_postgresql(void)
{
	if (stack_cmd("pg-start") != 0)
		fprintf(stderr, "test_e2e: pg-start failed\n");
}

static void restore_redis(void)
{
	if (stack_cmd("redis-start") != 0)
		fprintf(stderr, "test_e2e: redis-start failed\n");
}

/* Polls /healthz until it answers want_status and its body contains
 * want_body; returns the seconds it took, or -1. */
static double wait_healthz(long want_status, const char *want_body, double limit_s, char *last, size_t lastlen)
{
	double t0 = now_s();
	last[0] = '\0';
	while (now_s() - t0 < limit_s) {
		resp r = http_get("/healthz");
		snprintf(last, lastlen, "rc=%d status=%ld body=%s", (int)r.rc, r.status, r.body.data);
		bool ok = r.rc == CURLE_OK && r.status == want_status && strstr(r.body.data, want_body);
		resp_free(&r);
		if (ok)
			return now_s() - t0;
		sleep_ms(100);
	}
	return -1;
}

/* ------------------------------------------------------------ 1. headers */

START_TEST(test_landing_and_security_headers)
{
	resp r = http_get("/");
	ck_assert_status(r, 200, "GET /");
	ck_assert_msg(strstr(r.body.data, "How can we help?"), "landing page without its heading");
	assert_app_page(&r, "GET /");
	resp_free(&r);

	r = http_req("HEAD", "/", NULL, NULL, 0, 0);
	ck_assert_status(r, 200, "HEAD /");
	assert_security_headers(&r, "HEAD /");
	resp_free(&r);

	r = http_get("/no/such");
	ck_assert_status(r, 404, "GET /no/such");
	assert_app_page(&r, "GET /no/such");
	resp_free(&r);

	/* A 400 written by the app: invalid UTF-8 in the path. */
	r = http_get("/%c0%af");
	ck_assert_status(r, 400, "GET /%c0%af");
	assert_app_page(&r, "GET /%c0%af (400)");
	resp_free(&r);

	r = http_get("/?q=%ff");
	ck_assert_status(r, 400, "GET /?q=%ff");
	assert_app_page(&r, "GET /?q=%ff (400)");
	resp_free(&r);

	/* Served by nginx directly. */
	r = http_get("/static/css/site.css");
	ck_assert_status(r, 200, "GET /static/css/site.css");
	assert_security_headers(&r, "GET /static/css/site.css");
	char v[256];
	ck_assert(resp_header(&r, "Content-Type", v, sizeof v));
	ck_assert_msg(strncasecmp(v, "text/css", 8) == 0, "site.css Content-Type: %s", v);
	ck_assert_msg(r.body.len > 0, "site.css is empty");
	resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------ 2. bad input */

static const char *const form_ct[] = { "Content-Type: application/x-www-form-urlencoded", NULL };

START_TEST(test_malformed_input)
{
	pid_t m = master_pid();
	pidset before = settled_workers(m);
	ck_assert_int_gt(before.n, 0);
	double crashes0 = metric_value("supportdesk_worker_crashes_total");
	char v[256];
	resp r;

	/* Paths: nginx rejects some itself; either 400 will do. */
	static const char *const bad_paths[] = { "/%zz", "/%c0%af", "/a%00b", "/a/../b", "/?q=%ff", "/a/..",
		"/%2e%2e/etc/passwd", "/?a=%zz", NULL };
	for (const char *const *p = bad_paths; *p; p++) {
		r = http_get(*p);
		ck_assert_status(r, 400, *p);
		resp_free(&r);
	}

	r = http_req("POST", "/", form_ct, "a=b", 3, 0);
	ck_assert_status(r, 405, "POST /");
	ck_assert_msg(resp_header(&r, "Allow", v, sizeof v), "405 without Allow");
	ck_assert_str_eq(v, "GET, HEAD");
	assert_app_page(&r, "POST / (405)");
	resp_free(&r);

	r = http_req("DELETE", "/", NULL, NULL, 0, 0);
	ck_assert_status(r, 405, "DELETE /");
	ck_assert_msg(resp_header(&r, "Allow", v, sizeof v) && strcmp(v, "GET, HEAD") == 0, "DELETE /: Allow");
	resp_free(&r);

	/* The session is loaded and the body read before CSRF is checked: a
	 * well-formed body without a valid token is refused with 403 ... */
	r = http_req("POST", "/logout", form_ct, "_csrf=x", 7, 0);
	ck_assert_status(r, 403, "POST /logout with a wrong token");
	assert_app_page(&r, "POST /logout (403)");
	resp_free(&r);

	/* ... while a bad body is answered for what it is. 2 MiB in one field,
	 * over the 64 KiB field limit: */
	{
		size_t n = 2u << 20;
		char *body = malloc(n);
		ck_assert_ptr_nonnull(body);
		memcpy(body, "_csrf=x&f=", 10);
		memset(body + 10, 'a', n - 10);
		r = http_req("POST", "/logout", form_ct, body, n, BIG_TIMEOUT_S);
		free(body);
		ck_assert_status(r, 413, "POST /logout with a 2 MiB field");
		assert_app_page(&r, "POST /logout 2 MiB field (413)");
		resp_free(&r);
	}

	/* Multipart without its closing boundary. */
	{
		static const char mp[] = "--XYZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nx\r\n"
					 "--XYZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n";
		static const char *const h[] = { "Content-Type: multipart/form-data; boundary=XYZ", NULL };
		r = http_req("POST", "/logout", h, mp, sizeof mp - 1, 0);
		ck_assert_status(r, 400, "multipart without closing boundary");
		assert_app_page(&r, "multipart unclosed (400)");
		resp_free(&r);
	}

	/* Multipart with 10,000 parts. */
	{
		dbuf b = { 0 };
		for (int i = 0; i < 10000; i++)
			dbuf_addf(&b, "--XYZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv\r\n", i);
		dbuf_add(&b, "--XYZ--\r\n", 9);
		static const char *const h[] = { "Content-Type: multipart/form-data; boundary=XYZ", NULL };
		r = http_req("POST", "/logout", h, b.data, b.len, BIG_TIMEOUT_S);
		dbuf_free(&b);
		ck_assert_status(r, 413, "multipart with 10,000 parts");
		assert_app_page(&r, "multipart 10,000 parts (413)");
		resp_free(&r);
	}

	{
		static const char *const h[] = { "Content-Type: application/xml", NULL };
		static const char xml[] = "<?xml version=\"1.0\"?><a>_csrf=x</a>";
		r = http_req("POST", "/logout", h, xml, sizeof xml - 1, 0);
		ck_assert_status(r, 415, "POST application/xml");
		assert_app_page(&r, "POST application/xml (415)");
		resp_free(&r);
	}

	/* Invalid UTF-8 in a form body. */
	r = http_req("POST", "/logout", form_ct, "_csrf=x&a=%ff%fe", 16, 0);
	ck_assert_status(r, 400, "form field with invalid UTF-8");
	resp_free(&r);

	/* A Cookie header with no NUL but invalid UTF-8. */
	{
		static const char *const h[] = { "Cookie: theme=\xff\xfe\xc0\xaf", NULL };
		r = http_req("GET", "/", h, NULL, 0, 0);
		ck_assert_status(r, 400, "Cookie with invalid UTF-8");
		assert_app_page(&r, "Cookie with invalid UTF-8 (400)");
		resp_free(&r);
	}

	/* The workers answered all that and are still the same processes. */
	r = http_get("/");
	ck_assert_status(r, 200, "GET / after the bad input");
	resp_free(&r);
	pidset after = workers_of(m);
	char sb[512], sa[512];
	pidset_str(&before, sb, sizeof sb);
	pidset_str(&after, sa, sizeof sa);
	ck_assert_msg(pidset_equal(&before, &after), "workers changed: before [%s] after [%s]", sb, sa);
	ck_assert_msg(metric_value("supportdesk_worker_crashes_total") == crashes0, "a worker crashed");
	ck_assert_int_eq(master_pid(), m);
}
END_TEST

/* A body over SUPPORTDESK_MAX_BODY (default 26 MiB; nginx allows 30m) is
 * refused from its Content-Length, before it is read; the worker must still
 * take in the whole body nginx sends, or nginx answers 502 ("writev() failed
 * (32: Broken pipe) while sending request to upstream") or cuts the 413
 * short. Tried just over the limit and just under nginx's 30m, three times
 * each: the failure is a race. */
START_TEST(test_body_over_max)
{
	const char *mb = getenv("SUPPORTDESK_MAX_BODY");
	size_t max_body = mb && *mb ? (size_t)strtoull(mb, NULL, 10) : 27262976u;
	size_t sizes[2] = { max_body + (1u << 20), (29u << 20) };
	int nsizes = sizes[1] > sizes[0] ? 2 : 1;
	char *body = malloc(sizes[nsizes - 1]);
	ck_assert_ptr_nonnull(body);
	memcpy(body, "_csrf=x&f=", 10);
	memset(body + 10, 'a', sizes[nsizes - 1] - 10);
	for (int k = 0; k < nsizes; k++) {
		long got[3] = { 0 };
		for (int i = 0; i < 3; i++) {
			resp r = http_req("POST", "/logout", form_ct, body, sizes[k], 30);
			got[i] = r.rc == CURLE_OK ? r.status : -(long)r.rc;
			if (r.rc == CURLE_OK && r.status == 413)
				assert_security_headers(&r, "POST /logout over max body (413)");
			resp_free(&r);
		}
		ck_assert_msg(got[0] == 413 && got[1] == 413 && got[2] == 413,
		    "POST /logout with %zu bytes (SUPPORTDESK_MAX_BODY %zu): got %ld %ld %ld, want 413 each "
		    "(negative: curl error, e.g. -18 a cut-short answer, -28 a timeout)",
		    sizes[k], max_body, got[0], got[1], got[2]);
	}
	free(body);
	ck_assert_int_eq(status_of_get("/"), 200);
}
END_TEST

/* ------------------------------------------------------------ 3. health, metrics */

START_TEST(test_healthz_and_metrics)
{
	resp r = http_get("/healthz");
	ck_assert_status(r, 200, "GET /healthz");
	ck_assert_msg(strstr(r.body.data, "\"status\":\"ok\""), "/healthz body: %s", r.body.data);
	ck_assert_msg(strstr(r.body.data, "\"postgresql\":\"ok\""), "/healthz body: %s", r.body.data);
	ck_assert_msg(strstr(r.body.data, "\"redis\":\"ok\""), "/healthz body: %s", r.body.data);
	assert_security_headers(&r, "GET /healthz");
	resp_free(&r);

	/* At least one 200 is counted before /metrics renders. */
	r = http_get("/");
	ck_assert_status(r, 200, "GET /");
	resp_free(&r);

	r = http_get("/metrics");
	ck_assert_status(r, 200, "GET /metrics");
	char v[256];
	ck_assert(resp_header(&r, "Content-Type", v, sizeof v));
	ck_assert_msg(strncmp(v, "text/plain", 10) == 0, "/metrics Content-Type: %s", v);
	ck_assert_msg(strstr(r.body.data, "\nsupportdesk_http_requests_total{code=\"200\"} "),
	    "/metrics lacks supportdesk_http_requests_total{code=\"200\"}");
	ck_assert_msg(strstr(r.body.data, "\nsupportdesk_http_request_duration_seconds_bucket{"),
	    "/metrics lacks supportdesk_http_request_duration_seconds_bucket");
	ck_assert_msg(strstr(r.body.data, "\nsupportdesk_worker_restarts_total "),
	    "/metrics lacks supportdesk_worker_restarts_total");
	ck_assert_msg(strstr(r.body.data, "# TYPE supportdesk_http_requests_total counter"),
	    "/metrics lacks the TYPE line");
	resp_free(&r);
	ck_assert_msg(metric_value("supportdesk_http_requests_total{code=\"200\"}") >= 1,
	    "200s are not counted");
}
END_TEST

/* ------------------------------------------------------------ parallel load */

typedef struct {
	long ok, non2xx, errors;
	long n503;               /* of non2xx */
	long first_bad_status;
	long first_other_status; /* the first non-2xx that is not a 503 */
	CURLcode first_err;
} load_stats;

typedef struct {
	CURL *c;
	dbuf body;
} slot;

static void slot_start(CURLM *mh, slot *s, const char *url)
{
	s->body.len = 0;
	curl_easy_setopt(s->c, CURLOPT_URL, url);
	curl_easy_setopt(s->c, CURLOPT_WRITEFUNCTION, resp_on_body);
	curl_easy_setopt(s->c, CURLOPT_WRITEDATA, &s->body);
	curl_easy_setopt(s->c, CURLOPT_PRIVATE, s);
	curl_multi_add_handle(mh, s->c);
}

/* Drives nconc concurrent GETs of path until `total` requests are done
 * (total > 0) or `seconds` have passed (total == 0). tick (may be NULL) is
 * called between polls with the elapsed time. */
static load_stats run_load(const char *path, int nconc, long total, double seconds,
    void (*tick)(double elapsed, void *ud), void *ud)
{
	load_stats st = { 0 };
	char url[1024];
	snprintf(url, sizeof url, "%s%s", base_url(), path);
	CURLM *mh = curl_multi_init();
	ck_assert_ptr_nonnull(mh);
	slot *slots = calloc((size_t)nconc, sizeof *slots);
	ck_assert_ptr_nonnull(slots);
	long started = 0;
	double t0 = now_s();
	for (int i = 0; i < nconc; i++) {
		slots[i].c = easy_new();
		if (total == 0 || started < total) {
			slot_start(mh, &slots[i], url);
			started++;
		}
	}
	for (;;) {
		int running = 0;
		curl_multi_perform(mh, &running);
		/* Every transfer that ended in that call has its message queued:
		 * read them all before deciding the load is over. */
		bool added = false;
		int left;
		CURLMsg *msg;
		while ((msg = curl_multi_info_read(mh, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *c = msg->easy_handle;
			CURLcode result = msg->data.result;
			slot *s = NULL;
			curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&s);
			long code = 0;
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
			if (result != CURLE_OK) {
				if (!st.errors)
					st.first_err = result;
				st.errors++;
			} else if (code >= 200 && code < 300) {
				st.ok++;
			} else {
				if (!st.non2xx)
					st.first_bad_status = code;
				if (code == 503)
					st.n503++;
				else if (!st.first_other_status)
					st.first_other_status = code;
				st.non2xx++;
			}
			curl_multi_remove_handle(mh, c);
			bool more = total ? started < total : now_s() - t0 < seconds;
			if (more) {
				slot_start(mh, s, url);
				started++;
				added = true;
			}
		}
		if (tick)
			tick(now_s() - t0, ud);
		if (!running && !added)
			break;
		curl_multi_poll(mh, NULL, 0, 20, NULL);
		if (now_s() - t0 > seconds + 60)
			break; /* a hung transfer: the counts fail the test */
	}
	for (int i = 0; i < nconc; i++) {
		curl_multi_remove_handle(mh, slots[i].c);
		curl_easy_cleanup(slots[i].c);
		dbuf_free(&slots[i].body);
	}
	free(slots);
	curl_multi_cleanup(mh);
	return st;
}

/* ------------------------------------------------------------ 4. crash */

typedef struct {
	pid_t master;
	pidset before;
	double killed_at;
	double respawned_after; /* -1 until a new worker is seen */
	double last_check;
} crash_watch;

static void crash_tick(double elapsed, void *ud)
{
	(void)elapsed;
	crash_watch *w = ud;
	double t = now_s();
	if (w->respawned_after >= 0 || t - w->last_check < 0.05)
		return;
	w->last_check = t;
	pidset cur = workers_of(w->master);
	for (int i = 0; i < cur.n; i++)
		if (!pidset_has(&w->before, cur.pid[i])) {
			w->respawned_after = t - w->killed_at;
			return;
		}
}

START_TEST(test_worker_crash_respawn)
{
	pid_t m = master_pid();
	pidset before = settled_workers(m);
	ck_assert_int_gt(before.n, 0);
	double restarts0 = metric_value("supportdesk_worker_restarts_total");
	ck_assert_msg(restarts0 >= 0, "no supportdesk_worker_restarts_total");

	pid_t victim = before.pid[0];
	crash_watch w = { .master = m, .before = before, .respawned_after = -1 };
	w.killed_at = now_s();
	ck_assert_int_eq(kill(victim, SIGKILL), 0);

	/* 200 requests, 4 at a time, while the master notices and respawns. */
	load_stats st = run_load("/", 4, 200, 30, crash_tick, &w);
	/* Not seen yet: keep polling every 50 ms up to 1 s after the kill. */
	while (w.respawned_after < 0 && now_s() - w.killed_at < 1.0) {
		sleep_ms(50);
		crash_tick(0, &w);
	}
	ck_assert_msg(w.respawned_after >= 0 && w.respawned_after <= 1.0,
	    "no new worker within 1 s of killing %d (seen after %.3f s)", (int)victim, w.respawned_after);
	ck_assert_msg(st.errors == 0, "%ld transfer errors (first: %s)", st.errors, curl_easy_strerror(st.first_err));
	ck_assert_msg(st.non2xx == 0, "%ld non-2xx answers (first: %ld)", st.non2xx, st.first_bad_status);
	ck_assert_int_eq(st.ok, 200);

	/* And afterwards. */
	st = run_load("/", 4, 100, 30, NULL, NULL);
	ck_assert_msg(st.ok == 100, "after the respawn: ok %ld, non-2xx %ld, errors %ld", st.ok, st.non2xx, st.errors);

	pidset after = settled_workers(m);
	ck_assert_msg(!pidset_has(&after, victim), "killed worker %d is still listed", (int)victim);
	ck_assert_int_eq(after.n, before.n);
	ck_assert_int_eq(master_pid(), m);
	double restarts1 = metric_value("supportdesk_worker_restarts_total");
	ck_assert_msg(restarts1 > restarts0, "supportdesk_worker_restarts_total %.0f -> %.0f", restarts0, restarts1);
}
END_TEST

/* A worker that keeps dying right after it starts is not respawned
 * thousands of times a second: each replacement waits longer. */
START_TEST(test_crash_loop_is_throttled)
{
	pid_t m = master_pid();
	pidset seen = settled_workers(m);
	int usual = seen.n;
	ck_assert_int_gt(usual, 1);
	double gaps[6];
	int ngaps = 0;
	double last_kill = now_s();
	ck_assert_int_eq(kill(seen.pid[0], SIGKILL), 0);
	/* Kill each replacement as soon as it appears. */
	while (ngaps < 6 && now_s() - last_kill < 10) {
		sleep_ms(2);
		pidset cur = workers_of(m);
		for (int i = 0; i < cur.n; i++) {
			if (pidset_has(&seen, cur.pid[i]) || seen.n == MAX_PIDS)
				continue;
			seen.pid[seen.n++] = cur.pid[i];
			gaps[ngaps++] = now_s() - last_kill;
			last_kill = now_s();
			ck_assert_int_eq(kill(cur.pid[i], SIGKILL), 0);
			break;
		}
	}
	ck_assert_msg(ngaps == 6, "only %d respawns seen", ngaps);
	/* The first replacement comes at once; then the wait doubles (0.1 s,
	 * 0.2 s, ... up to 5 s). */
	ck_assert_msg(gaps[0] < 1.0, "first respawn after %.3f s", gaps[0]);
	ck_assert_msg(gaps[5] >= 0.75 && gaps[5] > 3 * gaps[1],
	    "no back-off: gaps %.3f %.3f %.3f %.3f %.3f %.3f", gaps[0], gaps[1], gaps[2], gaps[3], gaps[4], gaps[5]);
	/* The other worker kept serving, and the master recovers by itself. */
	load_stats st = run_load("/", 2, 50, 30, NULL, NULL);
	ck_assert_msg(st.ok == 50, "during the crash loop: ok %ld, non-2xx %ld, errors %ld", st.ok, st.non2xx, st.errors);
	double t0 = now_s();
	while (workers_of(m).n < usual && now_s() - t0 < 15)
		sleep_ms(100);
	ck_assert_int_eq(workers_of(m).n, usual);
	ck_assert_int_eq(master_pid(), m);
}
END_TEST

/* ------------------------------------------------------------ 5. reload */

typedef struct {
	pid_t master;
	bool hup1, hup2;
	int kill_err;
} reload_plan;

static void reload_tick(double elapsed, void *ud)
{
	reload_plan *p = ud;
	if (!p->hup1 && elapsed >= 1.0) {
		p->hup1 = true;
		if (kill(p->master, SIGHUP) < 0)
			p->kill_err = errno;
	}
	if (!p->hup2 && elapsed >= 2.5) {
		p->hup2 = true;
		if (kill(p->master, SIGHUP) < 0)
			p->kill_err = errno;
	}
}

START_TEST(test_graceful_reload_under_load)
{
	pid_t m = master_pid();
	pidset before = settled_workers(m);
	ck_assert_int_gt(before.n, 0);
	double reloads0 = metric_value("supportdesk_reloads_total");

	reload_plan plan = { .master = m };
	load_stats st = run_load("/", 16, 0, 4.0, reload_tick, &plan);
	ck_assert_msg(plan.hup1 && plan.hup2, "the SIGHUPs were not sent");
	ck_assert_msg(plan.kill_err == 0, "kill(SIGHUP): %s", strerror(plan.kill_err));
	ck_assert_msg(st.ok > 100, "only %ld requests answered in 4 s", st.ok);
	ck_assert_msg(st.errors == 0, "%ld socket/transfer errors during reload (first: %s)", st.errors,
	    curl_easy_strerror(st.first_err));
	ck_assert_msg(st.non2xx == 0, "%ld non-2xx answers during reload (first: %ld)", st.non2xx,
	    st.first_bad_status);

	/* A new generation: none of the old workers is left, as many new. */
	pidset after = workers_of(m);
	double t0 = now_s();
	while (now_s() - t0 < 10 && !(after.n == before.n && pidset_disjoint(&before, &after))) {
		sleep_ms(100);
		after = workers_of(m);
	}
	char sb[512], sa[512];
	pidset_str(&before, sb, sizeof sb);
	pidset_str(&after, sa, sizeof sa);
	ck_assert_msg(pidset_disjoint(&before, &after), "old workers left after reload: before [%s] after [%s]", sb, sa);
	ck_assert_msg(after.n == before.n, "%d workers after reload, %d before ([%s] / [%s])", after.n, before.n, sb, sa);
	ck_assert_int_eq(master_pid(), m);
	ck_assert_msg(metric_value("supportdesk_reloads_total") >= reloads0 + 2, "reloads were not counted");
	ck_assert_int_eq(status_of_get("/"), 200);
}
END_TEST

/* The same master and the same workers as before: an outage was ridden
 * out, not restarted through. */
static void assert_same_workers(pid_t m, const pidset *before)
{
	ck_assert_int_eq(master_pid(), m);
	pidset after = workers_of(m);
	char sb[512], sa[512];
	pidset_str(before, sb, sizeof sb);
	pidset_str(&after, sa, sizeof sa);
	ck_assert_msg(pidset_equal(before, &after), "workers restarted: before [%s] after [%s]", sb, sa);
}

/* ------------------------------------------------------------ 6, 7. outages */

START_TEST(test_postgresql_outage)
{
	pid_t m = master_pid();
	pidset before = settled_workers(m);
	char last[512];
	ck_assert_msg(wait_healthz(200, "\"status\":\"ok\"", 10, last, sizeof last) >= 0,
	    "not healthy before the test: %s", last);

	ck_assert_int_eq(stack_cmd("pg-stop"), 0);
	double t = wait_healthz(503, "\"postgresql\":\"down\"", 5, last, sizeof last);
	ck_assert_msg(t >= 0, "/healthz did not report PostgreSQL down within 5 s: %s", last);
	{
		resp r = http_get("/healthz");
		ck_assert_status(r, 503, "GET /healthz with PostgreSQL down");
		ck_assert_msg(strstr(r.body.data, "\"redis\":\"ok\""), "/healthz: %s", r.body.data);
		ck_assert_msg(!strstr(r.body.data, "\"status\":\"ok\""), "/healthz: %s", r.body.data);
		resp_free(&r);
	}
	/* The landing page needs no database. */
	for (int i = 0; i < 20; i++) {
		resp r = http_get("/");
		ck_assert_status(r, 200, "GET / with PostgreSQL down");
		ck_assert_msg(strstr(r.body.data, "How can we help?"), "landing page body with PostgreSQL down");
		resp_free(&r);
	}

	int rc = stack_cmd("pg-start");
	ck_assert_int_eq(rc, 0);
	t = wait_healthz(200, "\"status\":\"ok\"", 10, last, sizeof last);
	ck_assert_msg(t >= 0, "/healthz not back to 200 within 10 s of pg-start: %s", last);

	assert_same_workers(m, &before);
}
END_TEST

/* PostgreSQL killed (immediate stop: no goodbye to the clients) while
 * requests that open, use and commit a transaction are in flight. Every
 * answer is a page or a 503, never a 500; while it is down and starting up
 * the workers try to reconnect at the documented pace (each at most once
 * per 0.5 s), and they are back by themselves once it answers. */
typedef struct {
	double kill_at, start_at;
	double killed, started;     /* elapsed when done, -1 before */
	double attempts_at_kill;
	int rc_kill, rc_start;
} pg_kill_plan;

static const char attempts_series[] = "supportdesk_connect_attempts_total{dependency=\"postgresql\"}";

static void pg_kill_tick(double elapsed, void *ud)
{
	pg_kill_plan *p = ud;
	if (p->killed < 0 && elapsed >= p->kill_at) {
		p->attempts_at_kill = metric_value(attempts_series);
		p->rc_kill = stack_cmd("pg-kill");
		p->killed = elapsed;
	} else if (p->killed >= 0 && p->started < 0 && elapsed >= p->start_at) {
		p->rc_start = stack_cmd("pg-start");
		p->started = elapsed;
	}
}

/* After an outage each worker reconnects at its own pace (up to 0.75 s
 * after its last failed attempt), so one healthy /healthz does not mean
 * every worker is back: wait until a page that needs the database answers
 * 200 enough times in a row to have met each worker. */
static bool database_pages_back(double limit_s)
{
	double t0 = now_s();
	int in_a_row = 0;
	while (now_s() - t0 < limit_s) {
		if (status_of_get("/submit") == 200) {
			if (++in_a_row >= 30)
				return true;
		} else {
			in_a_row = 0;
			sleep_ms(100);
		}
	}
	return false;
}

START_TEST(test_postgresql_killed_under_load)
{
	pid_t m = master_pid();
	pidset before = settled_workers(m);
	char last[512];
	ck_assert_msg(wait_healthz(200, "\"status\":\"ok\"", 10, last, sizeof last) >= 0,
	    "not healthy before the test: %s", last);
	ck_assert_msg(database_pages_back(20), "GET /submit not steadily 200 before the test");

	pg_kill_plan p = { .kill_at = 1.0, .start_at = 4.0, .killed = -1, .started = -1 };
	double t0 = now_s();
	load_stats st = run_load("/submit", 8, 0, 9.0, pg_kill_tick, &p);
	ck_assert_int_eq(p.rc_kill, 0);
	ck_assert_int_eq(p.rc_start, 0);
	ck_assert_msg(wait_healthz(200, "\"status\":\"ok\"", 20, last, sizeof last) >= 0,
	    "workers did not reconnect within 20 s of pg-start: %s", last);
	double down_s = now_s() - t0 - p.killed;
	double attempts = metric_value(attempts_series) - p.attempts_at_kill;

	fprintf(stderr, "test_e2e: PostgreSQL killed under load: %ld x 200, %ld x 503, %ld others "
	    "(first %ld), %ld transport errors; %.0f connection attempts by %d workers in %.1f s\n",
	    st.ok, st.n503, st.non2xx - st.n503, st.first_other_status, st.errors, attempts, before.n, down_s);
	ck_assert_msg(st.non2xx == st.n503, "%ld answers were neither 200 nor 503 (first: %ld)",
	    st.non2xx - st.n503, st.first_other_status);
	ck_assert_msg(st.errors == 0, "%ld transport errors (first curl code %d)", st.errors, (int)st.first_err);
	ck_assert_msg(st.n503 > 0, "no 503 while PostgreSQL was down: the outage was not under load");
	ck_assert_msg(st.ok > 0, "no 200 at all");
	/* Per worker: the first try on the dead connection, then one per
	 * 0.5 s at most; one more of slack for the moment it came back. */
	double bound = before.n * (down_s / 0.5 + 2);
	ck_assert_msg(attempts >= 1, "no reconnect attempt counted");
	ck_assert_msg(attempts <= bound, "%.0f connection attempts in %.1f s by %d workers (at most %.0f)",
	    attempts, down_s, before.n, bound);
	ck_assert_msg(database_pages_back(20), "GET /submit not steadily 200 again after the restart");

	assert_same_workers(m, &before);
}
END_TEST

START_TEST(test_redis_outage)
{
	pid_t m = master_pid();
	pidset before = settled_workers(m);
	char last[512];
	ck_assert_msg(wait_healthz(200, "\"status\":\"ok\"", 10, last, sizeof last) >= 0,
	    "not healthy before the test: %s", last);

	/* A well-formed session cookie for a session that does not exist. */
	static const char *const h[] = { "Content-Type: application/x-www-form-urlencoded",
		"Cookie: sd_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL };
	ck_assert_int_eq(strlen(h[1]) - strlen("Cookie: sd_session="), 43);
	{
		resp r = http_req("POST", "/logout", h, "_csrf=x", 7, 0);
		ck_assert_status(r, 403, "POST /logout with an unknown session, Redis up");
		resp_free(&r);
	}

	ck_assert_int_eq(stack_cmd("redis-stop"), 0);
	double t = wait_healthz(503, "\"redis\":\"down\"", 5, last, sizeof last);
	ck_assert_msg(t >= 0, "/healthz did not report Redis down within 5 s: %s", last);
	{
		resp r = http_get("/healthz");
		ck_assert_status(r, 503, "GET /healthz with Redis down");
		ck_assert_msg(strstr(r.body.data, "\"postgresql\":\"ok\""), "/healthz: %s", r.body.data);
		resp_free(&r);
	}
	/* Nobody is let in on an unknown session state, nothing is accepted. */
	for (int i = 0; i < 3; i++) {
		resp r = http_req("POST", "/logout", h, "_csrf=x", 7, 0);
		ck_assert_status(r, 503, "POST /logout with Redis down");
		assert_app_page(&r, "POST /logout with Redis down (503)");
		resp_free(&r);
	}
	ck_assert_int_eq(status_of_get("/"), 200);

	int rc = stack_cmd("redis-start");
	ck_assert_int_eq(rc, 0);
	t = wait_healthz(200, "\"status\":\"ok\"", 10, last, sizeof last);
	ck_assert_msg(t >= 0, "/healthz not back to 200 within 10 s of redis-start: %s", last);
	/* Past every worker's reconnect pace (at most 0.75 s, core/retry.h). */
	sleep_ms(800);
	{
		resp r = http_req("POST", "/logout", h, "_csrf=x", 7, 0);
		ck_assert_status(r, 403, "POST /logout after Redis is back");
		resp_free(&r);
	}

	assert_same_workers(m, &before);
}
END_TEST

/* ------------------------------------------------------------ 8. keep-alive */

START_TEST(test_keepalive_2000)
{
	CURL *c = easy_new();
	resp r = { 0 };
	easy_target(c, "/", &r);
	long connects = 0, non200 = 0, errors = 0, first_bad = 0;
	CURLcode first_err = CURLE_OK;
	for (int i = 0; i < 2000; i++) {
		r.body.len = 0;
		r.headers.len = 0;
		CURLcode rc = curl_easy_perform(c);
		long code = 0, nc = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc);
		connects += nc;
		if (rc != CURLE_OK) {
			if (!errors)
				first_err = rc;
			errors++;
		} else if (code != 200 || !r.body.data || !strstr(r.body.data, "How can we help?")) {
			if (!non200)
				first_bad = code;
			non200++;
		}
	}
	curl_easy_cleanup(c);
	resp_free(&r);
	ck_assert_msg(errors == 0, "%ld transfer errors (first: %s)", errors, curl_easy_strerror(first_err));
	ck_assert_msg(non200 == 0, "%ld answers other than the 200 landing page (first: %ld)", non200, first_bad);
	/* keepalive_requests is 10000: one connection should carry them all. */
	ck_assert_msg(connects <= 2, "%ld connections for 2000 keep-alive requests", connects);
}
END_TEST

/* ------------------------------------------------------------ main */

Suite *login_e2e_suite(void); /* test_login.c */
Suite *admin_e2e_suite(void); /* test_admin.c */
Suite *admin_sla_e2e_suite(void); /* test_admin_sla.c */
/* webhooks */
Suite *webhooks_e2e_suite(void); /* test_webhooks.c */
Suite *platform_e2e_suite(void); /* test_platform.c */
Suite *submit_suite(void); /* test_submit.c */
Suite *headers_suite(void); /* test_headers.c */
Suite *notices_suite(void); /* test_notices.c */
Suite *account_e2e_suite(void); /* test_account.c */
Suite *portal_e2e_suite(void); /* test_portal.c */
Suite *desk_e2e_suite(void); /* test_desk.c */
Suite *reports_e2e_suite(void); /* test_reports.c */
Suite *sched_e2e_suite(void); /* test_sched.c */
Suite *kb_e2e_suite(void); /* test_kb.c */
Suite *workflows_e2e_suite(void); /* test_workflows.c (workflows) */
Suite *automation_e2e_suite(void); /* test_automation.c (0037) */
Suite *mail_in_e2e_suite(void); /* test_mail_in.c: the email channel */
Suite *api_e2e_suite(void); /* test_api.c: the REST API */
Suite *recurring_e2e_suite(void); /* test_recurring.c: ticket templates and recurring tickets */

static Suite *e2e_suite(void)
{
	Suite *s = suite_create("e2e");

	TCase *tc = tcase_create("http");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_landing_and_security_headers);
	tcase_add_test(tc, test_healthz_and_metrics);
	tcase_add_test(tc, test_keepalive_2000);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad_input");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_malformed_input);
	tcase_add_test(tc, test_body_over_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("workers");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_worker_crash_respawn);
	tcase_add_test(tc, test_crash_loop_is_throttled);
	tcase_add_test(tc, test_graceful_reload_under_load);
	suite_add_tcase(s, tc);

	/* One test per tcase, so each has its own unchecked teardown. */
	tc = tcase_create("outage_postgresql");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, restore_postgresql);
	tcase_add_test(tc, test_postgresql_outage);
	tcase_add_test(tc, test_postgresql_killed_under_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("outage_redis");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, restore_redis);
	tcase_add_test(tc, test_redis_outage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "test_e2e: curl_global_init failed\n");
		return 2;
	}
	SRunner *sr = srunner_create(e2e_suite());
	srunner_add_suite(sr, login_e2e_suite());
	srunner_add_suite(sr, submit_suite());
	srunner_add_suite(sr, headers_suite());
	srunner_add_suite(sr, notices_suite());
	srunner_add_suite(sr, account_e2e_suite());
	srunner_add_suite(sr, portal_e2e_suite());
	srunner_add_suite(sr, desk_e2e_suite());
	srunner_add_suite(sr, reports_e2e_suite());
	srunner_add_suite(sr, sched_e2e_suite());
	srunner_add_suite(sr, automation_e2e_suite()); /* automation (0037) */
	srunner_add_suite(sr, mail_in_e2e_suite()); /* the email channel */
	srunner_add_suite(sr, admin_e2e_suite());
	srunner_add_suite(sr, admin_sla_e2e_suite());
	srunner_add_suite(sr, webhooks_e2e_suite()); /* webhooks */
	srunner_add_suite(sr, platform_e2e_suite());
	srunner_add_suite(sr, kb_e2e_suite());
	srunner_add_suite(sr, workflows_e2e_suite()); /* workflows */
	srunner_add_suite(sr, api_e2e_suite()); /* REST API */
	srunner_add_suite(sr, recurring_e2e_suite()); /* ticket templates and recurring tickets */
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* A test killed by its timeout ran no cleanup: start PostgreSQL and
	 * Redis whatever happened (both are no-ops when they run). */
	if (getenv("SUPPORTDESK_STACK")) {
		if (stack_cmd("pg-start") != 0 || stack_cmd("redis-start") != 0) {
			fprintf(stderr, "test_e2e: could not restart PostgreSQL or Redis\n");
			failed++;
		}
	}
	curl_global_cleanup();
	return failed ? 1 : 0;
}
