/* e2e_flow.h: what the end-to-end suites share to act as a visitor would:
 * a cookie jar and requests through nginx, HTML attribute lookups, the
 * captcha solved as the browser does, the public form filled and sent, the
 * owner's view of the database, the emails in $MAIL_DIR, and the stack's
 * pieces started and stopped. The definitions, with what each does, are in
 * e2e_flow.c. */
#ifndef SD_E2E_FLOW_H
#define SD_E2E_FLOW_H

#include <check.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "e2e/e2e_common.h"

#define ck_status(r, want, what) \
	ck_assert_msg((r).rc == CURLE_OK && (r).status == (want), "%s: status %ld (curl %d: %s), want %d; body: %.600s", \
	    (what), (r).status, (int)(r).rc, curl_easy_strerror((r).rc), (want), dbuf_str(&(r).body))
#define BOUNDARY "----sde2eBoundary7MA4YWxkTrZu0gW"
#define MP_CTYPE "multipart/form-data; boundary=" BOUNDARY

typedef struct {
	char names[8][64];
	char values[8][512];
	int n;
} jar;

typedef struct {
	char salt[256], challenge[65], signature[65];
	long maxnumber;
} challenge;

typedef struct {
	jar j;
	char *csrf, *idem, *started, *type_id;
	challenge ch;
	long number;
	char *altcha; /* SHA-256, solved */
} sform;

typedef struct {
	const char *field, *filename, *ctype;
	const void *data;
	size_t len;
} upload;

typedef struct {
	const char *email, *name, *title, *description, *altcha, *idem;
	const upload *files;
	int nfiles;
	const char *const (*extra)[2]; /* more fields: name, value (custom fields) */
	int nextra;
} fill;

double mono_s(void);
void nap_ms(long ms);
const char *env_or(const char *name, const char *dflt);
const char *base(void);
const char *run_tag(void);
void jar_take(jar *j, const resp *r);
void jar_header(const jar *j, char *out, size_t outlen);
resp http(const char *method, const char *path, jar *j, const char *ctype, const char *body, size_t blen);
char *html_unescape(const char *s, size_t n);
char *attr_after(const char *html, const char *marker, const char *attr);
bool challenge_parse(const char *json, challenge *c);
long solve(const challenge *c);
char *altcha_payload(const char *algorithm, const challenge *c, long number);
void server_key(unsigned char key[32]);
void forge_challenge(challenge *c, const char *form, long expires, long number);
char *attr_before(const char *html, const char *after, const char *attr);
char *type_id_named(const char *html, const char *name);
void form_fetch(sform *f, const char *type_name);
void form_free(sform *f);
void mp_field(dbuf *b, const char *name, const char *value);
void mp_file(dbuf *b, const upload *u);
void submit_body(dbuf *b, const sform *f, const fill *x);
resp submit(sform *f, const fill *x);
bool is_sent_page(const resp *r);
bool has_form_error(const resp *r);
PGconn *db(void);
/* The first value of the first row of sql as the owner, with up to three
 * text parameters (NULL ends them); NULL when no row or NULL (malloc'd).
 * A statement that fails fails the test. */
char *owner_sql(const char *sql, const char *p1, const char *p2, const char *p3);
long db_long(const char *sql, const char *param);
long submissions_for(const char *email);
long outbox_for(const char *email);
char *tables_holding(const char *token);
void wait_outbox_sent(const char *email, long want);
char *slurp(const char *path, size_t *len);
bool mail_to_is(const char *raw, const char *addr);
int mails_to(const char *addr, char **newest);
char *wait_mail(const char *addr, double limit_s);
char *qp_decode(const char *s);
char *mail_part(const char *raw, const char *ctype);
char *verify_path_for(const char *addr, char **raw_out);
int run_sh(const char *cmd);
void flush_ratelimits(void);
int stack(const char *verb);
void restart_redis(void);
bool healthz_is(long want, double limit_s);
void uniq(char *out, size_t n, const char *what);
char *submit_for_verify_link(const char *what, char *email, char *title);
dbuf csrf_form_of(const char *path, jar *j);
char *submit_and_confirm(const char *email, const char *name, const char *title, const char *description,
    const upload *files, int nfiles, jar *person, char **raw_mail);
char *attachment_href(const char *page, const char *name);
CURL *req_new(const char *method, const char *path, jar *j, const char *ctype, const char *body,
    size_t blen, resp *r, struct curl_slist **hl_out);

#endif
