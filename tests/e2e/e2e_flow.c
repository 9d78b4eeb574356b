/* e2e_flow.c: the end-to-end suites' shared steps (e2e_flow.h). */
#include "e2e/e2e_flow.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SB_TIMEOUT_S 30L
/* ------------------------------------------------------------ buffers */



double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

const char *base(void)
{
	static char fallback[64];
	const char *b = getenv("BASE_URL");
	if (b && *b)
		return b;
	snprintf(fallback, sizeof fallback, "http://127.0.0.1:%s", env_or("PORT", "8080"));
	return fallback;
}

/* A unique tag per test process: emails and titles carry it. */
const char *run_tag(void)
{
	static char tag[32];
	if (!tag[0]) {
		unsigned char r[5];
		randombytes_buf(r, sizeof r);
		snprintf(tag, sizeof tag, "%lx%02x%02x%02x%02x%02x", (unsigned long)time(NULL) % 100000, r[0], r[1],
		    r[2], r[3], r[4]);
	}
	return tag;
}

/* ------------------------------------------------------------ HTTP client */

/* A browser, as far as these tests need one: its cookies. */


void jar_take(jar *j, const resp *r)
{
	if (!j)
		return;
	const char *p = r->headers.data;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > 11 && strncasecmp(p, "Set-Cookie:", 11) == 0) {
			const char *v = p + 11;
			while (*v == ' ')
				v++;
			const char *eq = strchr(v, '='), *semi = v;
			while (semi < p + len && *semi != ';' && *semi != '\r')
				semi++;
			if (eq && eq < semi && (size_t)(eq - v) < 64 && (size_t)(semi - eq - 1) < 512) {
				char name[64], value[512];
				snprintf(name, sizeof name, "%.*s", (int)(eq - v), v);
				snprintf(value, sizeof value, "%.*s", (int)(semi - eq - 1), eq + 1);
				int k = 0;
				while (k < j->n && strcmp(j->names[k], name) != 0)
					k++;
				if (k < 8) {
					snprintf(j->names[k], sizeof j->names[k], "%s", name);
					snprintf(j->values[k], sizeof j->values[k], "%s", value);
					if (k == j->n)
						j->n++;
				}
			}
		}
		p = eol ? eol + 1 : NULL;
	}
}

void jar_header(const jar *j, char *out, size_t outlen)
{
	size_t o = (size_t)snprintf(out, outlen, "Cookie: ");
	for (int k = 0; j && k < j->n && o < outlen; k++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%s=%s", k ? "; " : "", j->names[k], j->values[k]);
}

/* Sets up an easy handle for one request (no redirects followed). */
CURL *req_new(const char *method, const char *path, jar *j, const char *ctype, const char *body,
    size_t blen, resp *r, struct curl_slist **hl_out)
{
	CURL *c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	char url[4096];
	snprintf(url, sizeof url, "%s%s", base(), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SB_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "supportdesk-e2e-submit");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, resp_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, resp_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
	char line[4600];
	if (j && j->n) {
		jar_header(j, line, sizeof line);
		hl = curl_slist_append(hl, line);
	}
	if (ctype) {
		snprintf(line, sizeof line, "Content-Type: %s", ctype);
		hl = curl_slist_append(hl, line);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? blen : 0));
	}
	*hl_out = hl;
	return c;
}

resp http(const char *method, const char *path, jar *j, const char *ctype, const char *body, size_t blen)
{
	resp r = { 0 };
	struct curl_slist *hl;
	CURL *c = req_new(method, path, j, ctype, body, blen, &r, &hl);
	r.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	dbuf_add(&r.body, "", 0);
	dbuf_add(&r.headers, "", 0);
	jar_take(j, &r);
	return r;
}


/* ------------------------------------------------------------ HTML */

char *html_unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	ck_assert_ptr_nonnull(out);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '&') {
			static const struct { const char *ent, *ch; } ents[] = { { "&amp;", "&" }, { "&quot;", "\"" },
				{ "&#39;", "'" }, { "&#x27;", "'" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&#x2F;", "/" },
				{ "&#47;", "/" }, { "&#34;", "\"" }, { "&#x3D;", "=" }, { "&#61;", "=" }, { "&#x60;", "`" } };
			bool done = false;
			for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
				size_t el = strlen(ents[k].ent);
				if (i + el <= n && strncmp(s + i, ents[k].ent, el) == 0) {
					out[o++] = ents[k].ch[0];
					i += el;
					done = true;
					break;
				}
			}
			if (done)
				continue;
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
	return out;
}

/* The value of attribute `attr` right after `marker` in html (unescaped), or NULL. */
char *attr_after(const char *html, const char *marker, const char *attr)
{
	const char *p = strstr(html, marker);
	if (!p)
		return NULL;
	char pat[64];
	snprintf(pat, sizeof pat, "%s=\"", attr);
	const char *v = strstr(p, pat);
	if (!v)
		return NULL;
	v += strlen(pat);
	const char *e = strchr(v, '"');
	if (!e)
		return NULL;
	return html_unescape(v, (size_t)(e - v));
}

/* ------------------------------------------------------------ captcha */


bool challenge_parse(const char *json, challenge *c)
{
	json_error_t err;
	json_t *root = json_loads(json, 0, &err);
	if (!root)
		return false;
	const char *salt = json_string_value(json_object_get(root, "salt"));
	const char *ch = json_string_value(json_object_get(root, "challenge"));
	const char *sig = json_string_value(json_object_get(root, "signature"));
	json_t *mx = json_object_get(root, "maxnumber");
	bool ok = salt && ch && sig && json_is_integer(mx) && strlen(salt) < sizeof c->salt && strlen(ch) == 64 &&
	    strlen(sig) == 64;
	if (ok) {
		snprintf(c->salt, sizeof c->salt, "%s", salt);
		snprintf(c->challenge, sizeof c->challenge, "%s", ch);
		snprintf(c->signature, sizeof c->signature, "%s", sig);
		c->maxnumber = (long)json_integer_value(mx);
	}
	json_decref(root);
	return ok;
}

/* The number n in 0..max with hex(SHA-256(salt || n)) == challenge, or -1. */
long solve(const challenge *c)
{
	unsigned char want[32];
	size_t bl;
	if (sodium_hex2bin(want, sizeof want, c->challenge, 64, NULL, &bl, NULL) != 0 || bl != 32)
		return -1;
	char input[320];
	size_t sl = strlen(c->salt);
	memcpy(input, c->salt, sl);
	unsigned char h[32];
	for (long n = 0; n <= c->maxnumber; n++) {
		int k = snprintf(input + sl, sizeof input - sl, "%ld", n);
		crypto_hash_sha256(h, (const unsigned char *)input, sl + (size_t)k);
		if (memcmp(h, want, 32) == 0)
			return n;
	}
	return -1;
}

/* base64(JSON) as captcha.js posts it. */
char *altcha_payload(const char *algorithm, const challenge *c, long number)
{
	char json[1024];
	int n = snprintf(json, sizeof json,
	    "{\"algorithm\":\"%s\",\"challenge\":\"%s\",\"number\":%ld,\"salt\":\"%s\",\"signature\":\"%s\"}",
	    algorithm, c->challenge, number, c->salt, c->signature);
	ck_assert(n > 0 && (size_t)n < sizeof json);
	size_t cap = sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	sodium_bin2base64(out, cap, (const unsigned char *)json, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

void server_key(unsigned char key[32])
{
	const char *path = getenv("SUPPORTDESK_SECRET_FILE");
	ck_assert_msg(path && *path, "SUPPORTDESK_SECRET_FILE is not set");
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	char hex[65] = { 0 };
	size_t n = fread(hex, 1, 64, f);
	fclose(f);
	size_t bl = 0;
	ck_assert_msg(n == 64 && sodium_hex2bin(key, 32, hex, 64, NULL, &bl, NULL) == 0 && bl == 32,
	    "%s does not start with 64 hex digits", path);
}

/* A challenge signed with the server key, as the server would issue one
 * for `form` expiring at `expires`; number is known. */
void forge_challenge(challenge *c, const char *form, long expires, long number)
{
	unsigned char key[32], rnd[12], h[32], mac[32];
	char rnd_hex[25];
	server_key(key);
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
	snprintf(c->salt, sizeof c->salt, "%s?form=%s&expires=%ld&", rnd_hex, form, expires);
	char input[320];
	int n = snprintf(input, sizeof input, "%s%ld", c->salt, number);
	crypto_hash_sha256(h, (const unsigned char *)input, (size_t)n);
	sodium_bin2hex(c->challenge, sizeof c->challenge, h, sizeof h);
	crypto_auth_hmacsha256(mac, (const unsigned char *)c->challenge, 64, key);
	sodium_bin2hex(c->signature, sizeof c->signature, mac, sizeof mac);
	c->maxnumber = 100000;
	sodium_memzero(key, sizeof key);
}

/* ------------------------------------------------------------ the form */


/* The value of attribute attr (`value="`, `href="`) in the tag that ends
 * just before the text `after`, e.g. the option whose label is `after`. */
char *attr_before(const char *html, const char *after, const char *attr)
{
	const char *p = strstr(html, after);
	size_t al = strlen(attr);
	if (!p)
		return NULL;
	const char *v = p;
	while (v > html && strncmp(v, attr, al) != 0)
		v--;
	if (strncmp(v, attr, al) != 0)
		return NULL;
	v += al;
	const char *e = strchr(v, '"');
	return e ? strndup(v, (size_t)(e - v)) : NULL;
}

char *type_id_named(const char *html, const char *name)
{
	char marker[128];
	snprintf(marker, sizeof marker, ">%s</option>", name);
	char *id = attr_before(html, marker, "value=\"");
	if (id && strlen(id) != 36) {
		free(id);
		id = NULL;
	}
	return id;
}

/* GET /submit?request_type=<"General question"> in a fresh browser, and
 * solve its embedded challenge. */
void form_fetch(sform *f, const char *type_name)
{
	memset(f, 0, sizeof *f);
	static char *cached_name, *cached_id;
	if (!cached_id || strcmp(cached_name, type_name) != 0) {
		resp r = http("GET", "/submit", NULL, NULL, NULL, 0);
		ck_status(r, 200, "GET /submit");
		free(cached_name);
		free(cached_id);
		cached_name = strdup(type_name);
		cached_id = type_id_named(r.body.data, type_name);
		ck_assert_msg(cached_id != NULL, "no request type \"%s\" on /submit", type_name);
		resp_free(&r);
	}
	f->type_id = strdup(cached_id);
	char path[128];
	snprintf(path, sizeof path, "/submit?request_type=%s", f->type_id);
	resp r = http("GET", path, &f->j, NULL, NULL, 0);
	ck_status(r, 200, "GET /submit?request_type=");
	f->csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	f->idem = attr_after(r.body.data, "name=\"idem\"", "value");
	f->started = attr_after(r.body.data, "name=\"started\"", "value");
	char *cj = attr_after(r.body.data, "class=\"captcha\"", "data-challenge");
	ck_assert_msg(f->csrf && f->idem && f->started && cj, "the form lacks _csrf, idem, started or data-challenge");
	ck_assert_msg(strlen(f->idem) == 43, "idem: %s", f->idem);
	ck_assert_msg(challenge_parse(cj, &f->ch), "data-challenge is not a challenge: %s", cj);
	free(cj);
	resp_free(&r);
	f->number = solve(&f->ch);
	ck_assert_msg(f->number >= 0, "no solution for the embedded challenge");
	f->altcha = altcha_payload("SHA-256", &f->ch, f->number);
}

void form_free(sform *f)
{
	free(f->csrf);
	free(f->idem);
	free(f->started);
	free(f->type_id);
	free(f->altcha);
}



void mp_field(dbuf *b, const char *name, const char *value)
{
	dbuf_addf(b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n", BOUNDARY, name);
	dbuf_adds(b, value ? value : "");
	dbuf_adds(b, "\r\n");
}

void mp_file(dbuf *b, const upload *u)
{
	dbuf_addf(b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
	    BOUNDARY, u->field, u->filename, u->ctype);
	dbuf_add(b, u->data, u->len);
	dbuf_adds(b, "\r\n");
}


/* The multipart body of POST /submit for form f filled with x (altcha and
 * idem default to the form's own). */
void submit_body(dbuf *b, const sform *f, const fill *x)
{
	mp_field(b, "_csrf", f->csrf);
	mp_field(b, "idem", x->idem ? x->idem : f->idem);
	mp_field(b, "started", f->started);
	mp_field(b, "request_type", f->type_id);
	mp_field(b, "email", x->email);
	mp_field(b, "name", x->name ? x->name : "E2E Tester");
	mp_field(b, "title", x->title);
	mp_field(b, "description", x->description ? x->description : "Something to look at, from the e2e tests.");
	mp_field(b, "website", "");
	mp_field(b, "altcha", x->altcha ? x->altcha : f->altcha);
	for (int i = 0; i < x->nextra; i++)
		mp_field(b, x->extra[i][0], x->extra[i][1]);
	for (int i = 0; i < x->nfiles; i++)
		mp_file(b, &x->files[i]);
	dbuf_addf(b, "--%s--\r\n", BOUNDARY);
}

resp submit(sform *f, const fill *x)
{
	dbuf b = { 0 };
	submit_body(&b, f, x);
	resp r = http("POST", "/submit", &f->j, MP_CTYPE, b.data, b.len);
	dbuf_free(&b);
	return r;
}

bool is_sent_page(const resp *r)
{
	return r->rc == CURLE_OK && r->status == 200 && strstr(dbuf_str(&r->body), "<h1>Check your email</h1>");
}

bool has_form_error(const resp *r)
{
	return strstr(dbuf_str(&r->body), "class=\"form-error\"") != NULL;
}

/* ------------------------------------------------------------ database */

PGconn *db(void)
{
	static PGconn *c;
	if (c && PQstatus(c) == CONNECTION_OK)
		return c;
	if (c)
		PQfinish(c);
	const char *url = getenv("DATABASE_URL");
	ck_assert_msg(url && *url, "DATABASE_URL (the owner) is not set");
	c = PQconnectdb(url);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect to %s: %s", url, PQerrorMessage(c));
	return c;
}

char *owner_sql(const char *sql, const char *p1, const char *p2, const char *p3)
{
	const char *p[3] = { p1, p2, p3 };
	int n = !p1 ? 0 : !p2 ? 1 : !p3 ? 2 : 3;
	PGresult *res = PQexecParams(db(), sql, n, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql,
	    PQresultErrorMessage(res));
	char *out = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) && !PQgetisnull(res, 0, 0)
	    ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	return out;
}

/* The single integer a query with up to one text parameter returns. */
long db_long(const char *sql, const char *param)
{
	const char *p[1] = { param };
	PGresult *res = PQexecParams(db(), sql, param ? 1 : 0, NULL, param ? p : NULL, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", sql,
	    PQresultErrorMessage(res));
	long v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

long submissions_for(const char *email)
{
	return db_long("select count(*) from submissions where email = $1::citext", email);
}

long outbox_for(const char *email)
{
	return db_long("select count(*) from outbox where to_email = $1::citext", email);
}

/* The tables (comma-separated, malloc'd) any of whose rows, as text,
 * contains the token: as sent, as the hex of its characters, or as the hex
 * of the 32 bytes it encodes (a bytea column would show one of those).
 * NULL when none does. Run as the owner, so row-level security hides
 * nothing. */
char *tables_holding(const char *token)
{
	static const char sql[] =
	    "with needle(n) as (select unnest(array[$1::text, encode(convert_to($1, 'UTF8'), 'hex'), "
	    "  encode(decode(translate($1, '-_', '+/') || '=', 'base64'), 'hex')])), "
	    "tbl as (select c.oid::regclass::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace "
	    "  where n.nspname = 'public' and c.relkind in ('r', 'p', 'm')) "
	    "select string_agg(distinct t, ',') from tbl, needle "
	    "where (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %s x where x::text like %L', "
	    "  t, '%' || n || '%'), false, true, '')))[1]::text::int > 0";
	const char *p[1] = { token };
	PGresult *res = PQexecParams(db(), sql, 1, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "token scan: %s",
	    PQresultErrorMessage(res));
	char *out = PQgetisnull(res, 0, 0) ? NULL : strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

/* Waits until the outbox has `want` sent rows for email (the mailer marks a
 * row after writing the file the test reads). */
void wait_outbox_sent(const char *email, long want)
{
	double t0 = mono_s();
	long n = 0;
	while (mono_s() - t0 < 30) {
		n = db_long("select count(*) from outbox where to_email = $1::citext and status = 'sent'", email);
		if (n >= want)
			return;
		nap_ms(100);
	}
	ck_abort_msg("%ld of %ld emails to %s marked sent within 30 s", n, want, email);
}

/* ------------------------------------------------------------ mail */

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	dbuf b = { 0 };
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		dbuf_add(&b, buf, n);
	fclose(f);
	dbuf_add(&b, "", 0);
	if (len)
		*len = b.len;
	return b.data;
}

/* The header block of a message (up to the first empty line). */
bool mail_to_is(const char *raw, const char *addr)
{
	const char *end = strstr(raw, "\r\n\r\n");
	if (!end)
		end = strstr(raw, "\n\n");
	size_t hl = end ? (size_t)(end - raw) : strlen(raw);
	for (const char *p = raw; p && p < raw + hl;) {
		if (strncasecmp(p, "To:", 3) == 0) {
			const char *eol = strchr(p, '\n');
			size_t n = eol ? (size_t)(eol - p) : strlen(p);
			char line[1024];
			snprintf(line, sizeof line, "%.*s", (int)(n < 1023 ? n : 1023), p);
			return strcasestr(line, addr) != NULL;
		}
		const char *eol = strchr(p, '\n');
		p = eol ? eol + 1 : NULL;
	}
	return false;
}

/* .eml files in $MAIL_DIR addressed to addr; *newest gets the newest's content (or NULL). */
int mails_to(const char *addr, char **newest)
{
	const char *dir = getenv("MAIL_DIR");
	ck_assert_msg(dir && *dir, "MAIL_DIR is not set");
	DIR *d = opendir(dir);
	if (newest)
		*newest = NULL;
	if (!d)
		return 0;
	int count = 0;
	struct timespec best = { 0, 0 };
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl < 5 || strcmp(e->d_name + nl - 4, ".eml") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		char *raw = slurp(path, NULL);
		if (!raw)
			continue;
		if (mail_to_is(raw, addr)) {
			count++;
			struct stat st;
			if (newest && stat(path, &st) == 0 &&
			    (st.st_mtim.tv_sec > best.tv_sec ||
			        (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec >= best.tv_nsec))) {
				best = st.st_mtim;
				free(*newest);
				*newest = raw;
				raw = NULL;
			}
		}
		free(raw);
	}
	closedir(d);
	return count;
}

char *wait_mail(const char *addr, double limit_s)
{
	double t0 = mono_s();
	char *m = NULL;
	while (mono_s() - t0 < limit_s) {
		if (mails_to(addr, &m) > 0 && m)
			return m;
		nap_ms(200);
	}
	ck_abort_msg("no email to %s in %s within %.0f s", addr, getenv("MAIL_DIR"), limit_s);
	return NULL;
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Quoted-printable decoding of s (soft breaks removed, =XX decoded). */
char *qp_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	ck_assert_ptr_nonnull(out);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (s[i + 1] == '\r' && s[i + 2] == '\n') {
				i += 2;
				continue;
			}
			if (s[i + 1] == '\n') {
				i += 1;
				continue;
			}
			int a = hexv(s[i + 1]), b = a >= 0 ? hexv(s[i + 2]) : -1;
			if (a >= 0 && b >= 0) {
				out[o++] = (char)(a * 16 + b);
				i += 2;
				continue;
			}
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/* The body of the part with that Content-Type, QP-decoded (malloc'd), or NULL. */
char *mail_part(const char *raw, const char *ctype)
{
	char marker[64];
	snprintf(marker, sizeof marker, "Content-Type: %s", ctype);
	const char *p = strcasestr(raw, marker);
	if (!p)
		return NULL;
	const char *b = strstr(p, "\r\n\r\n");
	size_t skip = 4;
	if (!b) {
		b = strstr(p, "\n\n");
		skip = 2;
	}
	if (!b)
		return NULL;
	b += skip;
	const char *e = strstr(b, "\n--");
	char *part = strndup(b, e ? (size_t)(e - b) : strlen(b));
	char *dec = qp_decode(part);
	free(part);
	return dec;
}

/* "/verify/<token>" from the text part of the newest email to addr. */
char *verify_path_for(const char *addr, char **raw_out)
{
	char *raw = wait_mail(addr, 30);
	char *text = mail_part(raw, "text/plain");
	ck_assert_msg(text != NULL, "no text/plain part in the email to %s", addr);
	const char *v = strstr(text, "/verify/");
	ck_assert_msg(v != NULL, "no /verify/ link in: %s", text);
	size_t n = 8;
	while (isalnum((unsigned char)v[n]) || v[n] == '-' || v[n] == '_')
		n++;
	char *path = strndup(v, n);
	free(text);
	if (raw_out)
		*raw_out = raw;
	else
		free(raw);
	return path;
}

/* ------------------------------------------------------------ stack */

int run_sh(const char *cmd)
{
	fflush(NULL);
	int st = system(cmd);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Deletes the rate-limit counters: every test comes from 127.0.0.1. */
void flush_ratelimits(void)
{
	const char *url = env_or("REDIS_URL", "");
	char target[600], cmd[1600];
	if (strncmp(url, "unix://", 7) == 0)
		snprintf(target, sizeof target, "-s '%s'", url + 7);
	else if (*url)
		snprintf(target, sizeof target, "-u '%s'", url);
	else
		return;
	snprintf(cmd, sizeof cmd,
	    "redis-cli %s --scan --pattern 'sd:rl:*' 2>/dev/null | xargs -r redis-cli %s DEL >/dev/null 2>&1", target,
	    target);
	if (run_sh(cmd) != 0)
		fprintf(stderr, "test_submit: flushing the rate-limit keys failed\n");
}

int stack(const char *verb)
{
	const char *s = getenv("SUPPORTDESK_STACK");
	if (!s || !*s)
		return -1;
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' %s </dev/null 1>&2", s, verb);
	return run_sh(cmd);
}

void restart_redis(void)
{
	if (stack("redis-start") != 0)
		fprintf(stderr, "test_submit: redis-start failed\n");
}

bool healthz_is(long want, double limit_s)
{
	double t0 = mono_s();
	while (mono_s() - t0 < limit_s) {
		resp r = http("GET", "/healthz", NULL, NULL, NULL, 0);
		bool ok = r.rc == CURLE_OK && r.status == want;
		resp_free(&r);
		if (ok)
			return true;
		nap_ms(100);
	}
	return false;
}


void uniq(char *out, size_t n, const char *what)
{
	static int seq;
	snprintf(out, n, "%s-%s-%d", what, run_tag(), ++seq);
}

/* A "General question" sent as a new visitor, its title and address made
 * unique from what (email holds 160 bytes, title 96): the path of its
 * verification link, from the email. */
char *submit_for_verify_link(const char *what, char *email, char *title)
{
	uniq(title, 96, what);
	snprintf(email, 160, "%s@example.com", title);
	sform f;
	form_fetch(&f, "General question");
	resp r = submit(&f, &(fill){ .email = email, .title = title });
	ck_assert_msg(is_sent_page(&r), "POST /submit: %ld", r.status);
	resp_free(&r);
	form_free(&f);
	return verify_path_for(email, NULL);
}

/* The body of a POST of the form on the page at path, as the browser j
 * sends it: "_csrf=<the page's token>". GET path must answer 200. */
dbuf csrf_form_of(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	ck_assert_msg(csrf != NULL, "no _csrf on %s", path);
	resp_free(&r);
	char *enc = curl_easy_escape(NULL, csrf, 0);
	dbuf body = { 0 };
	dbuf_addf(&body, "_csrf=%s", enc);
	curl_free(enc);
	free(csrf);
	return body;
}

/* Submits through to the ticket; returns the browser (signed in) and the ticket path. */
char *submit_and_confirm(const char *email, const char *name, const char *title, const char *description,
    const upload *files, int nfiles, jar *person, char **raw_mail)
{
	sform f;
	form_fetch(&f, "General question");
	resp r = submit(&f, &(fill){ .email = email, .name = name, .title = title, .description = description,
	                                .files = files, .nfiles = nfiles });
	ck_assert_msg(is_sent_page(&r), "POST /submit: %ld %.600s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	form_free(&f);
	char *path = verify_path_for(email, raw_mail);
	dbuf body = csrf_form_of(path, person);
	r = http("POST", path, person, "application/x-www-form-urlencoded", body.data, body.len);
	char loc[512] = "";
	resp_header(&r, "Location", loc, sizeof loc);
	ck_assert_msg(r.status == 303 && strncmp(loc, "/my/tickets/", 12) == 0, "POST /verify: %ld", r.status);
	resp_free(&r);
	free(path);
	dbuf_free(&body);
	return strdup(loc);
}

/* The href of the attachment named `name` on a ticket page. */
char *attachment_href(const char *page, const char *name)
{
	char marker[256];
	snprintf(marker, sizeof marker, ">%s</a>", name);
	return attr_before(page, marker, "href=\"");
}
