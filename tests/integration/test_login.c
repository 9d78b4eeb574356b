/* test_login.c: signing in with a password (/login), by an email link
 * (/login/link), and choosing a password by link (/password/...), against
 * the real PostgreSQL and Redis through the in-process harness.
 *
 * "Same answer" is checked on status and body (with the per-request tokens
 * and the address typed taken out); "same timing" on the work done (password
 * verifications, Redis commands, statements), never on the clock. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "auth/crypto.h"
#include "integration/istaff.h"
#include "integration/itest.h"
#include "model/api_key.h"
#include "model/email.h"

Suite *login_suite(void); /* registered by test_integration.c's main() */

/* ---- helpers ---- */

/* A client address of its own for each call (IPv6 documentation prefix,
 * random): no rate-limit bucket is shared with another test or run. */
static const char *fresh_ip(void)
{
	static char ip[64];
	unsigned char r[8];
	randombytes_buf(r, sizeof r);
	snprintf(ip, sizeof ip, "2001:db8:%x:%x:%x:%x::1", r[0] << 8 | r[1], r[2] << 8 | r[3], r[4] << 8 | r[5],
	    r[6] << 8 | r[7]);
	return ip;
}

static void fresh_email(char *out, size_t n, const char *what)
{
	static int seq;
	unsigned char r[4];
	randombytes_buf(r, sizeof r);
	snprintf(out, n, "%s-%d-%02x%02x%02x%02x-%d@example.com", what, (int)getpid(), r[0], r[1], r[2], r[3], ++seq);
}

/* The first value of a statement run as the owner with up to two text
 * parameters (NULL when it returns no row); aborts the test on an error. */
static char *owner_sql(const char *sql, const char *p1, const char *p2)
{
	PGconn *c = PQconnectdb(getenv("OWNER_DATABASE_URL"));
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	const char *p[2] = { p1, p2 };
	int n = p2 ? 2 : p1 ? 1 : 0;
	PGresult *res = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(res));
	char *out = st == PGRES_TUPLES_OK && PQntuples(res) && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	PQfinish(c);
	return out;
}

static long owner_count(const char *sql, const char *p1)
{
	char *v = owner_sql(sql, p1, NULL);
	long n = v ? atol(v) : 0;
	free(v);
	return n;
}

enum who { CUSTOMER, PLATFORM_AGENT, ORG_AGENT, NO_PASSWORD };

/* An account with that address and password (hashed as the app hashes);
 * returns its id. */
static char *make_user(const char *email, enum who kind, const char *password)
{
	char *id = make_verified_customer(email);
	if (kind != NO_PASSWORD) {
		char *hash = crypto_password_hash(password, strlen(password));
		ck_assert_ptr_nonnull(hash);
		free(owner_sql("update users set password_hash = $2 where id = $1 returning id", id, hash));
		free(hash);
	}
	if (kind == PLATFORM_AGENT)
		free(owner_sql("update users set platform_role = 'agent' where id = $1 returning id", id, NULL));
	if (kind == ORG_AGENT) {
		char slug[64];
		snprintf(slug, sizeof slug, "login-t-%.8s", id);
		char *org = owner_sql("insert into organizations (name, slug) values ('Login test org', $1) returning id", slug, NULL);
		free(owner_sql("insert into memberships (user_id, organization_id, role) values ($1, $2, 'agent') returning id", id, org));
		free(org);
	}
	return id;
}

/* An app of its own (a copy of the configuration) whose limits are out of
 * reach, so that tests count nothing against each other. */
static app *login_app(void)
{
	app *a = test_app(NULL, NULL);
	config *c = malloc(sizeof *c);
	*c = *a->cfg;
	config_rate roomy = { 100000, 600 };
	c->rate_login_ip = c->rate_login_email = c->rate_login_link_ip = c->rate_login_link_email = roomy;
	a->cfg = c; /* harness_app_free frees it */
	return a;
}

static config *cfg_of(app *a)
{
	return (config *)a->cfg;
}

typedef struct {
	char ip[64];
	char *anon;       /* "sd_anon=..." */
	char *csrf;       /* the password form's */
	char *csrf_link;  /* the link form's */
	char *body;
} shown;

/* GET uri (a form page) as a fresh browser from a fresh address. */
static void show(app *a, const char *uri, const char *cookie, shown *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->ip, sizeof s->ip, "%s", fresh_ip());
	harness_response r;
	get_from(a, s->ip, uri, cookie, &r);
	ck_assert_msg(r.status == 200, "GET %s: %d", uri, r.status);
	s->anon = harness_cookie(&r, "sd_anon");
	s->csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	const char *second = strstr(r.body, "id=\"link-form\"");
	s->csrf_link = second ? extract(second, "name=\"_csrf\" value=\"", '"') : NULL;
	s->body = strdup(r.body);
	ck_assert_ptr_nonnull(s->csrf);
	harness_response_free(&r);
}

static void shown_free(shown *s)
{
	free(s->anon);
	free(s->csrf);
	free(s->csrf_link);
	free(s->body);
}

/* The cookies of a browser: its anonymous cookie and, when given, a session. */
static const char *cookies(const shown *s, const char *sess)
{
	static char c[400];
	snprintf(c, sizeof c, "%s%s%s", s->anon ? s->anon : "", s->anon && sess ? "; " : "", sess ? sess : "");
	return c[0] ? c : NULL;
}

static void post_login(app *a, const shown *s, const char *sess, const char *email, const char *password,
    const char *extra, harness_response *r)
{
	char *e = urlencode(email), *p = urlencode(password);
	char body[4096];
	snprintf(body, sizeof body, "_csrf=%s&email=%s&password=%s%s", s->csrf, e, p, extra ? extra : "");
	post_form_from(a, s->ip, "/login", cookies(s, sess), body, r);
	free(e);
	free(p);
}

static void post_email(app *a, const shown *s, const char *uri, const char *csrf, const char *email,
    const char *extra, harness_response *r)
{
	char *e = urlencode(email);
	char body[2048];
	snprintf(body, sizeof body, "_csrf=%s&email=%s%s", csrf, e, extra ? extra : "");
	post_form_from(a, s->ip, uri, cookies(s, NULL), body, r);
	free(e);
}

static char *location(const harness_response *r)
{
	char *l = harness_header(r, "Location");
	return l ? l : strdup("");
}

/* GET /t/whoami with a cookie: the user id, or "anonymous". */
static char *whoami(app *a, const char *cookie)
{
	harness_response r;
	get(a, "/t/whoami", cookie, &r);
	ck_assert_int_eq(r.status, 200);
	char *who = strdup(r.body);
	harness_response_free(&r);
	return who;
}

static void assert_who(app *a, const char *cookie, const char *want)
{
	char *who = whoami(a, cookie);
	ck_assert_msg(strcmp(who, want) == 0, "session %s is %s, want %s", cookie ? cookie : "(none)", who, want);
	free(who);
}

/* A body with every occurrence of `email` and every _csrf value replaced. */
static char *normalized(const char *body, const char *email)
{
	size_t n = strlen(body);
	char *out = malloc(n + 1), *o = out;
	size_t el = email ? strlen(email) : 0;
	static const char tok[] = "name=\"_csrf\" value=\"";
	for (const char *p = body; *p;) {
		if (el && strncmp(p, email, el) == 0) {
			memcpy(o, "EMAIL", 5);
			o += 5;
			p += el;
		} else if (strncmp(p, tok, sizeof tok - 1) == 0) {
			memcpy(o, tok, sizeof tok - 1);
			o += sizeof tok - 1;
			p += sizeof tok - 1;
			while (*p && *p != '"')
				p++;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* The work an answer took, as counters. */
typedef struct {
	unsigned long verifications, kv, db;
} work;

static work work_now(app *a)
{
	return (work){ crypto_password_verifications(), kv_commands(a->kv), db_statements(a->db) };
}

static work work_since(app *a, work before)
{
	work now = work_now(a);
	return (work){ now.verifications - before.verifications, now.kv - before.kv, now.db - before.db };
}

/* The path of the newest link to `email` in the outbox ("/login/link/..."
 * or "/password/reset/..."), opened as the mailer opens it; NULL when none. */
static char *mailed_path(app *a, const char *email, const char *prefix)
{
	char *sealed = owner_sql("select body_text from outbox where to_email = $1::citext "
	                         "order by created_at desc limit 1", email, NULL);
	if (!sealed)
		return NULL;
	arena *ar = arena_new(4096);
	char *text = crypto_open_text(ar, a->cfg->secret, OUTBOX_SEAL_CONTEXT, sealed);
	ck_assert_msg(text != NULL, "the outbox row for %s does not open", email);
	const char *p = strstr(text, prefix);
	char *path = NULL;
	if (p) {
		size_t n = strlen(prefix);
		while (p[n] && (strchr("-_", p[n]) || (p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'z') ||
		                   (p[n] >= 'A' && p[n] <= 'Z')))
			n++;
		path = strndup(p, n);
	}
	arena_free(ar);
	free(sealed);
	return path;
}

static long outbox_to(const char *email)
{
	return owner_count("select count(*) from outbox where to_email = $1::citext", email);
}

/* Signs in with a password from a fresh browser; returns the session cookie. */
static char *signin(app *a, const char *email, const char *password, const char *extra, char **where)
{
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	post_login(a, &s, NULL, email, password, extra, &r);
	ck_assert_msg(r.status == 303, "sign-in of %s: %d %.300s", email, r.status, r.body);
	char *cookie = harness_cookie(&r, "sd_session");
	ck_assert_ptr_nonnull(cookie);
	if (where)
		*where = location(&r);
	harness_response_free(&r);
	shown_free(&s);
	return cookie;
}

static const char *const PASSWORD = "correct horse battery";

/* ---- the page ---- */

START_TEST(login_page_offers_password_link_and_reset)
{
	app *a = login_app();
	shown s;
	show(a, "/login", NULL, &s);
	ck_assert(strstr(s.body, "<h1>Sign in</h1>") != NULL);
	ck_assert(strstr(s.body, "action=\"/login\"") && strstr(s.body, "action=\"/login/link\""));
	ck_assert(strstr(s.body, "href=\"/password/forgot\"") != NULL);
	ck_assert(strstr(s.body, "href=\"#link-form\"") != NULL);
	ck_assert(strstr(s.body, "name=\"remember\"") && strstr(s.body, "autocomplete=\"current-password\""));
	ck_assert(strstr(s.body, "<label for=\"f-email\">") && strstr(s.body, "<label for=\"f-password\">"));
	ck_assert_ptr_nonnull(s.csrf_link);
	ck_assert_str_ne(s.csrf, s.csrf_link); /* one token per form */
	ck_assert(strstr(s.body, "name=\"next\"") == NULL);
	shown_free(&s);

	/* A good next is carried in both forms; a foreign one is dropped. */
	show(a, "/login?next=%2Fmy%2Ftickets%3Fstatus%3Dall", NULL, &s);
	ck_assert(strstr(s.body, "name=\"next\" value=\"/my/tickets?status=all\"") != NULL);
	shown_free(&s);
	show(a, "/login?next=%2F%2Fevil.test", NULL, &s);
	ck_assert(strstr(s.body, "name=\"next\"") == NULL && strstr(s.body, "evil.test") == NULL);
	shown_free(&s);

	/* The landing page links here. */
	harness_response r;
	get(a, "/", NULL, &r);
	ck_assert(strstr(r.body, "href=\"/login\"") != NULL);
	harness_response_free(&r);

	/* A page that needs a session sends a visitor here; the page asked
	 * for comes back as next (the dispatcher's /login?next=...). */
	get(a, "/t/private?tab=open&x=%2F", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *loc = location(&r);
	ck_assert_msg(strncmp(loc, "/login", 6) == 0, "to %s", loc);
	harness_response_free(&r);
	show(a, "/login?next=%2Ft%2Fprivate%3Ftab%3Dopen%26x%3D%252F", NULL, &s);
	ck_assert(strstr(s.body, "name=\"next\" value=\"/t/private?tab=open&amp;x=%2F\"") != NULL);
	shown_free(&s);
	free(loc);
	harness_app_free(a);
}
END_TEST

START_TEST(login_form_errors_are_linked_to_fields)
{
	app *a = login_app();
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	post_login(a, &s, NULL, "", "", NULL, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "id=\"error-summary\"") && strstr(r.body, "href=\"#f-email\">Enter your email address."));
	ck_assert(strstr(r.body, "href=\"#f-password\">Enter your password."));
	ck_assert(strstr(r.body, "aria-describedby=\"f-email-error\" aria-invalid=\"true\""));
	ck_assert(strstr(r.body, "aria-describedby=\"f-password-error\" aria-invalid=\"true\""));
	ck_assert(strstr(r.body, "id=\"f-email-error\""));
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);

	post_login(a, &s, NULL, "not-an-address", "whatever it is", NULL, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "Enter an email address like name@example.com."));
	ck_assert(strstr(r.body, "value=\"not-an-address\"")); /* the input is kept */
	harness_response_free(&r);

	char *longpw = malloc(1100);
	memset(longpw, 'p', 1099);
	longpw[1099] = '\0';
	post_login(a, &s, NULL, "someone@example.com", longpw, NULL, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "at most 1024 bytes"));
	harness_response_free(&r);
	free(longpw);

	/* The link form's own errors sit by its own field. */
	post_email(a, &s, "/login/link", s.csrf_link, "nope", NULL, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "href=\"#f-link-email\">Enter an email address like"));
	ck_assert(strstr(r.body, "aria-describedby=\"f-link-email-desc f-link-email-error\" aria-invalid=\"true\""));
	harness_response_free(&r);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

START_TEST(login_without_csrf_is_403)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "csrf");
	free(make_user(email, CUSTOMER, PASSWORD));
	shown s;
	show(a, "/login", NULL, &s);
	char body[1024];
	char *e = urlencode(email), *p = urlencode(PASSWORD);
	static const char *const forged[] = { "", "_csrf=&", "_csrf=AAAAAGsOzWq-9PqkJKCY8UcsSVtaReTPXN7PPCQoJC6nZl8of7vsLg&" };
	for (size_t i = 0; i < sizeof forged / sizeof *forged; i++) {
		harness_response r;
		snprintf(body, sizeof body, "%semail=%s&password=%s", forged[i], e, p);
		post_form_from(a, s.ip, "/login", s.anon, body, &r);
		ck_assert_msg(r.status == 403, "forged token %zu: %d", i, r.status);
		ck_assert(harness_cookie(&r, "sd_session") == NULL);
		ck_assert(strstr(r.body, "class=\"form-error\""));
		harness_response_free(&r);
	}
	/* The link form's token is not the password form's. */
	harness_response r;
	snprintf(body, sizeof body, "_csrf=%s&email=%s&password=%s", s.csrf_link, e, p);
	post_form_from(a, s.ip, "/login", s.anon, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	/* Another browser's token: refused. */
	shown other;
	show(a, "/login", NULL, &other);
	snprintf(body, sizeof body, "_csrf=%s&email=%s&password=%s", other.csrf, e, p);
	post_form_from(a, s.ip, "/login", s.anon, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	/* And the link request without a token. */
	post_email(a, &s, "/login/link", "", email, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	ck_assert_int_eq(outbox_to(email), 0);
	free(e);
	free(p);
	shown_free(&other);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

/* ---- signing in ---- */

START_TEST(good_signin_goes_home_or_next_and_rotates_the_session)
{
	app *a = login_app();
	char customer[128], staff[128], member[128];
	fresh_email(customer, sizeof customer, "cust");
	fresh_email(staff, sizeof staff, "staff");
	fresh_email(member, sizeof member, "member");
	char *cid = make_user(customer, CUSTOMER, PASSWORD);
	char *sid = make_user(staff, PLATFORM_AGENT, PASSWORD);
	char *mid = make_user(member, ORG_AGENT, PASSWORD);

	/* An anonymous session first: signing in replaces its id. */
	harness_response r;
	get(a, "/t/anon", NULL, &r);
	char *anon_session = harness_cookie(&r, "sd_session");
	harness_response_free(&r);
	shown s;
	show(a, "/login", NULL, &s);
	post_login(a, &s, anon_session, customer, PASSWORD, NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *loc = location(&r);
	ck_assert_str_eq(loc, "/my/tickets");
	char *first = harness_cookie(&r, "sd_session");
	ck_assert_ptr_nonnull(first);
	ck_assert_str_ne(first, anon_session);
	char *setc = harness_header(&r, "Set-Cookie");
	harness_response_free(&r);
	assert_who(a, anon_session, "anonymous");
	assert_who(a, first, cid);
	free(loc);

	/* Signing in again from a signed-in browser: a new id again. */
	post_login(a, &s, first, customer, PASSWORD, "&next=%2Fmy%2Ftickets%2FTKT-2026-01-00001", &r);
	ck_assert_int_eq(r.status, 303);
	loc = location(&r);
	ck_assert_str_eq(loc, "/my/tickets/TKT-2026-01-00001");
	char *second = harness_cookie(&r, "sd_session");
	harness_response_free(&r);
	assert_who(a, first, "anonymous");
	assert_who(a, second, cid);
	free(loc);

	/* Staff go to the desk: a platform role or a membership. */
	char *c = signin(a, staff, PASSWORD, NULL, &loc);
	ck_assert_str_eq(loc, "/desk");
	assert_who(a, c, sid);
	free(loc);
	free(c);
	c = signin(a, member, PASSWORD, NULL, &loc);
	ck_assert_str_eq(loc, "/desk");
	assert_who(a, c, mid);
	free(loc);

	/* Signed in, GET /login goes on. */
	get(a, "/login?next=%2Fdesk%2Ftickets%2FX", c, &r);
	ck_assert_int_eq(r.status, 303);
	loc = location(&r);
	ck_assert_str_eq(loc, "/desk/tickets/X");
	harness_response_free(&r);
	free(loc);
	free(c);

	/* The address is case-insensitive, and blanks around it do not count. */
	char upper[160];
	snprintf(upper, sizeof upper, "  %s ", customer);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	c = signin(a, upper, PASSWORD, NULL, NULL);
	assert_who(a, c, cid);
	free(c);

	ck_assert(setc && strstr(setc, "HttpOnly") && strstr(setc, "SameSite=Lax") && strstr(setc, "Path=/"));
	free(setc);
	free(first);
	free(second);
	free(anon_session);
	shown_free(&s);
	free(cid);
	free(sid);
	free(mid);
	harness_app_free(a);
}
END_TEST

START_TEST(remember_me_chooses_the_lifetime)
{
	app *a = login_app();
	char customer[128], staff[128];
	fresh_email(customer, sizeof customer, "rem");
	fresh_email(staff, sizeof staff, "remstaff");
	free(make_user(customer, CUSTOMER, PASSWORD));
	free(make_user(staff, PLATFORM_AGENT, PASSWORD));
	struct {
		const char *email, *extra;
		bool persistent;
	} cases[] = {
		{ customer, "&remember=1", true },
		{ customer, NULL, false },
		{ staff, "&remember=1", false }, /* staff: 2 h idle whatever the box says */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		shown s;
		show(a, "/login", NULL, &s);
		harness_response r;
		post_login(a, &s, NULL, cases[i].email, PASSWORD, cases[i].extra, &r);
		ck_assert_int_eq(r.status, 303);
		char *setc = NULL;
		/* The session cookie's own Set-Cookie line. */
		for (const char *p = r.headers; (p = strstr(p, "Set-Cookie: sd_session=")); p++) {
			const char *eol = strstr(p, "\r\n");
			setc = strndup(p, (size_t)(eol - p));
			break;
		}
		ck_assert_ptr_nonnull(setc);
		char want[48];
		snprintf(want, sizeof want, "Max-Age=%d", a->cfg->session_remember_s);
		if (cases[i].persistent)
			ck_assert_msg(strstr(setc, want) != NULL, "case %zu: %s", i, setc);
		else
			ck_assert_msg(strstr(setc, "Max-Age") == NULL, "case %zu: %s", i, setc);
		free(setc);
		harness_response_free(&r);
		shown_free(&s);
	}
	harness_app_free(a);
}
END_TEST

/* Unknown address, wrong password, deactivated account, an account without
 * a password: one answer, one password verification each. */
START_TEST(wrong_password_and_unknown_email_are_one_answer)
{
	app *a = login_app();
	char known[128], unknown[128], inactive[128], nopw[128];
	fresh_email(known, sizeof known, "known");
	fresh_email(unknown, sizeof unknown, "unknown");
	fresh_email(inactive, sizeof inactive, "inactive");
	fresh_email(nopw, sizeof nopw, "nopw");
	free(make_user(known, CUSTOMER, PASSWORD));
	char *iid = make_user(inactive, CUSTOMER, PASSWORD);
	free(owner_sql("update users set is_active = false where id = $1 returning id", iid, NULL));
	free(make_user(nopw, NO_PASSWORD, NULL));

	/* Warm up: the dummy hash is made once per worker, and every statement
	 * is prepared once per connection. */
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	post_login(a, &s, NULL, unknown, "warming up", NULL, &r);
	harness_response_free(&r);
	post_login(a, &s, NULL, known, "warming up", NULL, &r);
	harness_response_free(&r);

	struct {
		const char *email, *password;
	} cases[] = {
		{ known, "not the password" }, { unknown, "not the password" }, { inactive, PASSWORD }, { nopw, PASSWORD },
	};
	char *first = NULL;
	work w0 = { 0 };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		work before = work_now(a);
		post_login(a, &s, NULL, cases[i].email, cases[i].password, NULL, &r);
		work w = work_since(a, before);
		ck_assert_msg(r.status == 422, "case %zu: %d", i, r.status);
		ck_assert(harness_cookie(&r, "sd_session") == NULL);
		ck_assert(strstr(r.body, "The email address or the password is not right."));
		ck_assert(strstr(r.body, "aria-describedby=\"login-error\""));
		char *norm = normalized(r.body, cases[i].email);
		ck_assert_msg(w.verifications == 1, "case %zu: %lu password verifications", i, w.verifications);
		if (!first) {
			first = norm;
			w0 = w;
		} else {
			ck_assert_msg(strcmp(norm, first) == 0, "case %zu answers another page", i);
			ck_assert_msg(w.kv == w0.kv && w.db == w0.db, "case %zu: %lu Redis commands and %lu statements, not %lu and %lu",
			    i, w.kv, w.db, w0.kv, w0.db);
			free(norm);
		}
		harness_response_free(&r);
	}
	free(first);
	shown_free(&s);
	free(iid);
	harness_app_free(a);
}
END_TEST

START_TEST(next_is_a_local_path_or_nothing)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "next");
	free(make_user(email, CUSTOMER, PASSWORD));
	static const char *const refused[] = {
		"%2F%2Fevil.test", "%2F%5Cevil.test", "https%3A%2F%2Fevil.test", "http:evil.test", "javascript%3Aalert(1)",
		"evil.test", "%2F%0D%0ASet-Cookie%3A+x%3D1", "%2Fa%0Ab", "%2F%09%2Fevil.test", "%2Fa%5Cb", "%20%2Fx",
		"%2F%2F%2Fevil.test", "%2F%7F",
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		char extra[160], *loc;
		snprintf(extra, sizeof extra, "&next=%s", refused[i]);
		char *c = signin(a, email, PASSWORD, extra, &loc);
		ck_assert_msg(strcmp(loc, "/my/tickets") == 0, "next=%s led to %s", refused[i], loc);
		free(loc);
		free(c);
	}
	static const struct {
		const char *sent, *want;
	} kept[] = {
		{ "%2Fmy%2Ftickets%3Fstatus%3Dwaiting", "/my/tickets?status=waiting" },
		{ "%2F", "/" },
		{ "%2Fkb%2Farticles%2Fa%252F%252Fb", "/kb/articles/a%2F%2Fb" },
	};
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
		char extra[160], *loc;
		snprintf(extra, sizeof extra, "&next=%s", kept[i].sent);
		char *c = signin(a, email, PASSWORD, extra, &loc);
		ck_assert_str_eq(loc, kept[i].want);
		free(loc);
		free(c);
	}
	harness_app_free(a);
}
END_TEST

static void assert_429(const harness_response *r, const char *what)
{
	ck_assert_msg(r->status == 429, "%s: %d, not 429", what, r->status);
	char *ra = harness_header(r, "Retry-After");
	ck_assert_msg(ra && atol(ra) > 0 && atol(ra) <= 600, "%s: Retry-After %s", what, ra ? ra : "(none)");
	ck_assert(strstr(r->body, "Please wait") != NULL);
	free(ra);
}

START_TEST(login_limited_per_address_and_per_email)
{
	/* Per client address: the third attempt, whatever the account. */
	app *a = login_app();
	cfg_of(a)->rate_login_ip = (config_rate){ 2, 600 };
	char email[128];
	fresh_email(email, sizeof email, "limit");
	free(make_user(email, CUSTOMER, PASSWORD));
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	for (int i = 1; i <= 3; i++) {
		char other[128];
		fresh_email(other, sizeof other, "limit-other");
		post_login(a, &s, NULL, i == 3 ? email : other, i == 3 ? PASSWORD : "nope nope nope", NULL, &r);
		if (i < 3)
			ck_assert_int_eq(r.status, 422);
		else
			assert_429(&r, "third attempt from one address");
		ck_assert(harness_cookie(&r, "sd_session") == NULL);
		harness_response_free(&r);
	}
	shown_free(&s);
	harness_app_free(a);

	/* Per address: the third attempt on one account, from three clients;
	 * the right password does not get past it. */
	a = login_app();
	cfg_of(a)->rate_login_email = (config_rate){ 2, 600 };
	for (int i = 1; i <= 3; i++) {
		show(a, "/login", NULL, &s);
		work before = work_now(a);
		post_login(a, &s, NULL, email, i == 3 ? PASSWORD : "nope nope nope", NULL, &r);
		if (i < 3) {
			ck_assert_int_eq(r.status, 422);
		} else {
			assert_429(&r, "third attempt on one address");
			ck_assert_msg(work_since(a, before).verifications == 0, "a refused attempt verified a password");
		}
		harness_response_free(&r);
		shown_free(&s);
	}
	harness_app_free(a);
}
END_TEST

START_TEST(weaker_hash_is_upgraded_at_signin)
{
	app *a = login_app();
	struct {
		const char *what;
		unsigned long long ops;
		size_t mem;
		int alg;
		bool upgraded;
	} cases[] = {
		{ "argon2id at the minimum", crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13, true },
		{ "argon2id with one pass", 1, crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13, true },
		{ "argon2i", 3, crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2I13, true },
		{ "argon2id stronger than now", 3, crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char email[128];
		fresh_email(email, sizeof email, "rehash");
		char *id = make_user(email, NO_PASSWORD, NULL);
		char old[crypto_pwhash_STRBYTES];
		ck_assert_int_eq(crypto_pwhash_str_alg(old, PASSWORD, strlen(PASSWORD), cases[i].ops, cases[i].mem, cases[i].alg), 0);
		free(owner_sql("update users set password_hash = $2 where id = $1 returning id", id, old));
		ck_assert_int_eq(crypto_password_needs_rehash(old), cases[i].upgraded);
		char *c = signin(a, email, PASSWORD, NULL, NULL);
		assert_who(a, c, id);
		free(c);
		char *now = owner_sql("select password_hash from users where id = $1", id, NULL);
		if (cases[i].upgraded) {
			ck_assert_msg(strcmp(now, old) != 0, "%s: not upgraded", cases[i].what);
			ck_assert_msg(strncmp(now, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0, "%s: now %s", cases[i].what, now);
			ck_assert(!crypto_password_needs_rehash(now));
		} else {
			ck_assert_msg(strcmp(now, old) == 0, "%s: replaced by %s", cases[i].what, now);
		}
		/* The password still works, once more without an upgrade. */
		c = signin(a, email, PASSWORD, NULL, NULL);
		char *again = owner_sql("select password_hash from users where id = $1", id, NULL);
		ck_assert_str_eq(again, now);
		free(again);
		free(c);
		free(now);
		free(id);
	}
	harness_app_free(a);
}
END_TEST

START_TEST(deactivated_account_cannot_sign_in_at_all)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "deact");
	char *id = make_user(email, PLATFORM_AGENT, PASSWORD);
	char *c = signin(a, email, PASSWORD, NULL, NULL);
	free(c);
	/* A sign-in link sent while active stops working too. */
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	post_email(a, &s, "/login/link", s.csrf_link, email, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);
	char *link = mailed_path(a, email, "/login/link/");
	ck_assert_ptr_nonnull(link);
	free(owner_sql("update users set is_active = false where id = $1 returning id", id, NULL));

	post_login(a, &s, NULL, email, PASSWORD, NULL, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);

	shown l;
	show(a, link, NULL, &l);
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", l.csrf);
	post_form_from(a, l.ip, link, l.anon, body, &r);
	ck_assert_int_eq(r.status, 410);
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);

	/* And asking for a new link sends nothing. */
	long mails = outbox_to(email);
	post_email(a, &s, "/login/link", s.csrf_link, email, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);
	ck_assert_int_eq(outbox_to(email), mails);
	shown_free(&l);
	shown_free(&s);
	free(link);
	free(id);
	harness_app_free(a);
}
END_TEST

START_TEST(session_replayed_after_logout_is_dead)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "logout");
	char *id = make_user(email, CUSTOMER, PASSWORD);
	char *c = signin(a, email, PASSWORD, NULL, NULL);
	assert_who(a, c, id);
	/* The session's CSRF token is on every page (the header's sign-out). */
	harness_response r;
	get(a, "/", c, &r);
	char *csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	ck_assert_ptr_nonnull(csrf);
	harness_response_free(&r);
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", csrf);
	post_form(a, "/logout", c, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	assert_who(a, c, "anonymous");
	/* Replayed: nothing, not even a second sign-out. */
	post_form(a, "/logout", c, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	get(a, "/login", c, &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);
	free(csrf);
	free(c);
	free(id);
	harness_app_free(a);
}
END_TEST

static void roomy(app *a)
{
	config *c = malloc(sizeof *c);
	*c = *a->cfg;
	free((config *)a->cfg); /* harness_app_with's own copy */
	config_rate lots = { 100000, 600 };
	c->rate_login_ip = c->rate_login_email = c->rate_login_link_ip = c->rate_login_link_email = lots;
	a->cfg = c;
}

START_TEST(login_answers_503_when_a_dependency_is_down)
{
	char email[128];
	fresh_email(email, sizeof email, "down");
	harness_app_free(test_app(NULL, NULL)); /* the environment */
	app *a = test_app("postgresql:///nosuchdb?host=/nonexistent&connect_timeout=1", NULL);
	roomy(a);
	shown s;
	show(a, "/login", NULL, &s); /* no database needed to show it */
	harness_response r;
	post_login(a, &s, NULL, email, PASSWORD, NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);
	post_email(a, &s, "/login/link", s.csrf_link, email, NULL, &r);
	ck_assert_int_eq(r.status, 503);
	harness_response_free(&r);
	shown_free(&s);
	harness_app_free(a);

	a = test_app(NULL, "unix:///nonexistent/redis.sock");
	roomy(a);
	show(a, "/login", NULL, &s);
	post_login(a, &s, NULL, email, PASSWORD, NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);
	shown_free(&s);
	show(a, "/password/forgot", NULL, &s);
	post_email(a, &s, "/password/forgot", s.csrf, email, NULL, &r);
	ck_assert_int_eq(r.status, 503);
	harness_response_free(&r);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

/* ---- sign-in links ---- */

START_TEST(link_request_is_one_answer_and_one_email)
{
	app *a = login_app();
	char known[128], unknown[128];
	fresh_email(known, sizeof known, "linkknown");
	fresh_email(unknown, sizeof unknown, "linkunknown");
	free(make_user(known, NO_PASSWORD, NULL));
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	/* Warm up the statements on this connection. */
	char warm[128];
	fresh_email(warm, sizeof warm, "linkwarm");
	post_email(a, &s, "/login/link", s.csrf_link, warm, NULL, &r);
	harness_response_free(&r);
	post_email(a, &s, "/login/link", s.csrf_link, known, NULL, &r);
	harness_response_free(&r);
	long known_before = outbox_to(known);

	work before = work_now(a);
	post_email(a, &s, "/login/link", s.csrf_link, known, NULL, &r);
	work wk = work_since(a, before);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "<h1>Check your email</h1>"));
	char *page_known = normalized(r.body, known);
	harness_response_free(&r);

	before = work_now(a);
	post_email(a, &s, "/login/link", s.csrf_link, unknown, NULL, &r);
	work wu = work_since(a, before);
	ck_assert_int_eq(r.status, 200);
	char *page_unknown = normalized(r.body, unknown);
	harness_response_free(&r);

	ck_assert_str_eq(page_known, page_unknown);
	ck_assert_msg(wk.kv == wu.kv && wk.db == wu.db && wk.verifications == wu.verifications,
	    "known: %lu Redis commands, %lu statements; unknown: %lu, %lu", wk.kv, wk.db, wu.kv, wu.db);
	ck_assert_int_eq(outbox_to(known), known_before + 1);
	ck_assert_int_eq(outbox_to(unknown), 0);
	/* What is queued is sealed: no link in clear in the database. */
	char *clear = owner_sql("select count(*) from outbox where to_email = $1::citext and body_text like '%/login/link/%'",
	    known, NULL);
	ck_assert_str_eq(clear, "0");
	free(clear);
	free(page_known);
	free(page_unknown);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

/* GET the page of link `form_from` (a live link, for the form's token), then
 * press the button of `path` from that browser. The POST's status;
 * *sess_out gets the new session cookie (or NULL). */
static int use_link_with(app *a, const char *path, const char *form_from, char **sess_out)
{
	char ip[64];
	snprintf(ip, sizeof ip, "%s", fresh_ip());
	harness_response r;
	get_from(a, ip, form_from, NULL, &r);
	int get_status = r.status;
	char *anon = harness_cookie(&r, "sd_anon");
	char *csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	harness_response_free(&r);
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", csrf ? csrf : "");
	post_form_from(a, ip, path, anon, body, &r);
	int st = r.status;
	if (sess_out)
		*sess_out = harness_cookie(&r, "sd_session");
	if (st == 303)
		ck_assert_msg(get_status == 200, "the link's GET answered %d, its POST 303", get_status);
	harness_response_free(&r);
	free(anon);
	free(csrf);
	return st;
}

/* One browser opens a live link and presses its button twice (a double
 * click, or a replay): the second POST's status. */
static int use_link_twice(app *a, const char *path, char **sess_out)
{
	char ip[64];
	snprintf(ip, sizeof ip, "%s", fresh_ip());
	harness_response r;
	get_from(a, ip, path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	char *anon = harness_cookie(&r, "sd_anon");
	char *csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	harness_response_free(&r);
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", csrf);
	post_form_from(a, ip, path, anon, body, &r);
	ck_assert_int_eq(r.status, 303);
	*sess_out = harness_cookie(&r, "sd_session");
	harness_response_free(&r);
	post_form_from(a, ip, path, anon, body, &r);
	int st = r.status;
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);
	free(anon);
	free(csrf);
	return st;
}

START_TEST(link_is_single_use_and_a_new_one_replaces_it)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "linkuse");
	char *id = make_verified_customer(email);
	free(owner_sql("update users set email_verified_at = null where id = $1 returning id", id, NULL));
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	post_email(a, &s, "/login/link", s.csrf_link, email, "&next=%2Fmy%2Ftickets%3Fstatus%3Dall", &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);
	char *old = mailed_path(a, email, "/login/link/");
	ck_assert_ptr_nonnull(old);
	post_email(a, &s, "/login/link", s.csrf_link, email, "&next=%2Fmy%2Ftickets%3Fstatus%3Dall", &r);
	harness_response_free(&r);
	char *fresh = mailed_path(a, email, "/login/link/");
	ck_assert_str_ne(old, fresh);

	/* The old one is dead, for GET and POST alike. */
	get_from(a, fresh_ip(), old, NULL, &r);
	ck_assert_int_eq(r.status, 410);
	ck_assert(strstr(r.body, "This sign-in link no longer works"));
	harness_response_free(&r);
	ck_assert_int_eq(use_link_with(a, old, fresh, NULL), 410);
	/* Without the form's token: refused before anything is spent. */
	ck_assert_int_eq(use_link_with(a, fresh, old, NULL), 403);

	/* GET shows a button and consumes nothing (mail scanners). */
	for (int i = 0; i < 3; i++) {
		get_from(a, fresh_ip(), fresh, NULL, &r);
		ck_assert_int_eq(r.status, 200);
		harness_response_free(&r);
	}
	char *c = NULL;
	/* Once only: the second press finds it spent. */
	ck_assert_int_eq(use_link_twice(a, fresh, &c), 410);
	ck_assert_ptr_nonnull(c);
	assert_who(a, c, id);
	/* Opening it proved the address. */
	char *verified = owner_sql("select (email_verified_at is not null)::text from users where id = $1", id, NULL);
	ck_assert_str_eq(verified, "true");
	free(verified);
	free(c);
	free(old);
	free(fresh);
	free(id);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

START_TEST(link_leads_to_next_or_home)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "linknext");
	free(make_user(email, PLATFORM_AGENT, PASSWORD));
	shown s;
	show(a, "/login", NULL, &s);
	static const struct {
		const char *extra, *want;
	} cases[] = {
		{ "&next=%2Fdesk%2Ftickets%2FTKT-1", "/desk/tickets/TKT-1" },
		{ "&next=%2F%2Fevil.test", "/desk" },
		{ NULL, "/desk" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		harness_response r;
		post_email(a, &s, "/login/link", s.csrf_link, email, cases[i].extra, &r);
		ck_assert_int_eq(r.status, 200);
		harness_response_free(&r);
		char *path = mailed_path(a, email, "/login/link/");
		shown l;
		show(a, path, NULL, &l);
		char body[256];
		snprintf(body, sizeof body, "_csrf=%s", l.csrf);
		post_form_from(a, l.ip, path, l.anon, body, &r);
		ck_assert_int_eq(r.status, 303);
		char *loc = location(&r);
		ck_assert_msg(strcmp(loc, cases[i].want) == 0, "case %zu: %s", i, loc);
		free(loc);
		harness_response_free(&r);
		shown_free(&l);
		free(path);
	}
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

START_TEST(link_requests_limited_per_address_and_per_email)
{
	app *a = login_app();
	cfg_of(a)->rate_login_link_ip = (config_rate){ 2, 600 };
	shown s, f;
	show(a, "/login", NULL, &s);
	show(a, "/password/forgot", NULL, &f);
	snprintf(f.ip, sizeof f.ip, "%s", s.ip); /* one client, two pages */
	harness_response r;
	for (int i = 1; i <= 3; i++) {
		char email[128];
		fresh_email(email, sizeof email, "linkip");
		/* Sign-in links and password links share the budget. */
		if (i == 2)
			post_email(a, &f, "/password/forgot", f.csrf, email, NULL, &r);
		else
			post_email(a, &s, "/login/link", s.csrf_link, email, NULL, &r);
		if (i < 3)
			ck_assert_msg(r.status == 200, "hit %d: %d", i, r.status);
		else
			assert_429(&r, "third link request from one address");
		harness_response_free(&r);
	}
	shown_free(&s);
	shown_free(&f);
	harness_app_free(a);

	a = login_app();
	cfg_of(a)->rate_login_link_email = (config_rate){ 2, 600 };
	char email[128];
	fresh_email(email, sizeof email, "linkmail");
	free(make_user(email, CUSTOMER, PASSWORD));
	for (int i = 1; i <= 3; i++) {
		show(a, i == 2 ? "/password/forgot" : "/login", NULL, &s);
		if (i == 2)
			post_email(a, &s, "/password/forgot", s.csrf, email, NULL, &r);
		else
			post_email(a, &s, "/login/link", s.csrf_link, email, NULL, &r);
		if (i < 3)
			ck_assert_int_eq(r.status, 200);
		else
			assert_429(&r, "third link request for one address");
		harness_response_free(&r);
		shown_free(&s);
	}
	ck_assert_int_eq(outbox_to(email), 2);
	harness_app_free(a);
}
END_TEST

/* ---- choosing a password by link ---- */

/* GET the reset page (its form token, when it shows the form), then POST. */
static void reset_post(app *a, const char *path, const char *password, const char *confirm, harness_response *r)
{
	char ip[64];
	snprintf(ip, sizeof ip, "%s", fresh_ip());
	get_from(a, ip, path, NULL, r);
	char *anon = harness_cookie(r, "sd_anon");
	char *csrf = extract(r->body, "name=\"_csrf\" value=\"", '"');
	harness_response_free(r);
	char *p = urlencode(password), *c = urlencode(confirm);
	char body[4096];
	snprintf(body, sizeof body, "_csrf=%s&password=%s&password_confirm=%s", csrf ? csrf : "", p, c);
	post_form_from(a, ip, path, anon, body, r);
	free(p);
	free(c);
	free(anon);
	free(csrf);
}

static char *ask_reset(app *a, const char *email)
{
	shown s;
	show(a, "/password/forgot", NULL, &s);
	harness_response r;
	post_email(a, &s, "/password/forgot", s.csrf, email, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);
	shown_free(&s);
	return mailed_path(a, email, "/password/reset/");
}

START_TEST(forgot_password_is_one_answer_and_one_email)
{
	app *a = login_app();
	char known[128], unknown[128];
	fresh_email(known, sizeof known, "forgotknown");
	fresh_email(unknown, sizeof unknown, "forgotunknown");
	free(make_user(known, CUSTOMER, PASSWORD));
	shown s;
	show(a, "/password/forgot", NULL, &s);
	ck_assert(strstr(s.body, "<label for=\"f-email\">"));
	harness_response r;
	char warm[128];
	fresh_email(warm, sizeof warm, "forgotwarm");
	post_email(a, &s, "/password/forgot", s.csrf, warm, NULL, &r);
	harness_response_free(&r);
	post_email(a, &s, "/password/forgot", s.csrf, known, NULL, &r);
	harness_response_free(&r);
	long before_mail = outbox_to(known);

	work before = work_now(a);
	post_email(a, &s, "/password/forgot", s.csrf, known, NULL, &r);
	work wk = work_since(a, before);
	ck_assert_int_eq(r.status, 200);
	char *pk = normalized(r.body, known);
	harness_response_free(&r);
	before = work_now(a);
	post_email(a, &s, "/password/forgot", s.csrf, unknown, NULL, &r);
	work wu = work_since(a, before);
	ck_assert_int_eq(r.status, 200);
	char *pu = normalized(r.body, unknown);
	harness_response_free(&r);
	ck_assert_str_eq(pk, pu);
	ck_assert(strstr(pk, "a link to choose a new password"));
	ck_assert_msg(wk.kv == wu.kv && wk.db == wu.db, "known: %lu, %lu; unknown: %lu, %lu", wk.kv, wk.db, wu.kv, wu.db);
	ck_assert_int_eq(outbox_to(known), before_mail + 1);
	ck_assert_int_eq(outbox_to(unknown), 0);

	/* Errors and refusals. */
	post_email(a, &s, "/password/forgot", s.csrf, "", NULL, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "href=\"#f-email\">Enter your email address."));
	ck_assert(strstr(r.body, "aria-describedby=\"f-email-desc f-email-error\" aria-invalid=\"true\""));
	harness_response_free(&r);
	post_email(a, &s, "/password/forgot", "", known, NULL, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	ck_assert_int_eq(outbox_to(known), before_mail + 1);
	free(pk);
	free(pu);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

START_TEST(reset_form_errors_keep_the_link)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "reseterr");
	free(make_user(email, CUSTOMER, PASSWORD));
	char *path = ask_reset(a, email);
	ck_assert_ptr_nonnull(path);
	harness_response r;
	/* GET, again and again: the form, nothing spent. */
	for (int i = 0; i < 3; i++) {
		get_from(a, fresh_ip(), path, NULL, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert(strstr(r.body, "<label for=\"f-password\">") && strstr(r.body, "<label for=\"f-password_confirm\">"));
		ck_assert(strstr(r.body, "autocomplete=\"new-password\""));
		harness_response_free(&r);
	}
	char *longpw = malloc(1100);
	memset(longpw, 'x', 1099);
	longpw[1099] = '\0';
	static const char *const same_but_short = "short pw";
	struct {
		const char *password, *confirm, *field, *message;
	} cases[] = {
		{ "", "", "password", "Enter a new password." },
		{ same_but_short, same_but_short, "password", "Use at least 10 characters" },
		{ "ééééééééé", "ééééééééé", "password", "Use at least 10 characters" }, /* 18 bytes, 9 characters */
		{ longpw, longpw, "password", "at most 1024 bytes" },
		{ "a long enough password", "", "password_confirm", "Enter the new password a second time" },
		{ "a long enough password", "a long enough passwore", "password_confirm", "are not the same" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		reset_post(a, path, cases[i].password, cases[i].confirm, &r);
		ck_assert_msg(r.status == 422, "case %zu: %d", i, r.status);
		ck_assert_msg(strstr(r.body, cases[i].message), "case %zu: no \"%s\"", i, cases[i].message);
		char anchor[96];
		snprintf(anchor, sizeof anchor, "href=\"#f-%s\"", cases[i].field);
		ck_assert_msg(strstr(r.body, anchor), "case %zu: the summary does not link to %s", i, cases[i].field);
		snprintf(anchor, sizeof anchor, "id=\"f-%s-error\"", cases[i].field);
		ck_assert(strstr(r.body, anchor));
		ck_assert(harness_cookie(&r, "sd_session") == NULL);
		harness_response_free(&r);
	}
	/* Without the form's token: 403, and the link still works. */
	char body[256];
	snprintf(body, sizeof body, "password=%s&password_confirm=%s", "a+long+enough+password", "a+long+enough+password");
	post_form_from(a, fresh_ip(), path, NULL, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	/* Nothing was spent, and the password is unchanged. */
	get_from(a, fresh_ip(), path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);
	free(signin(a, email, PASSWORD, NULL, NULL));
	free(longpw);
	free(path);
	harness_app_free(a);
}
END_TEST

START_TEST(reset_ends_other_sessions_and_signs_in_afresh)
{
	app *a = login_app();
	char email[128];
	fresh_email(email, sizeof email, "reset");
	char *id = make_user(email, CUSTOMER, PASSWORD);
	char *phone = signin(a, email, PASSWORD, "&remember=1", NULL);
	char *laptop = signin(a, email, PASSWORD, NULL, NULL);
	assert_who(a, phone, id);
	/* A sign-in link asked for before: the reset kills it too. */
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	post_email(a, &s, "/login/link", s.csrf_link, email, NULL, &r);
	harness_response_free(&r);
	char *link = mailed_path(a, email, "/login/link/");
	ck_assert_ptr_nonnull(link);
	/* Its page, opened before the reset (the form's token for later). */
	char lip[64];
	snprintf(lip, sizeof lip, "%s", fresh_ip());
	get_from(a, lip, link, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	char *lanon = harness_cookie(&r, "sd_anon");
	char *lcsrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	harness_response_free(&r);

	char *old_reset = ask_reset(a, email);
	char *path = ask_reset(a, email);
	ck_assert_str_ne(old_reset, path);
	/* The newer link replaced the older. */
	get_from(a, fresh_ip(), old_reset, NULL, &r);
	ck_assert_int_eq(r.status, 410);
	ck_assert(strstr(r.body, "This link no longer works") && strstr(r.body, "href=\"/password/forgot\""));
	harness_response_free(&r);
	reset_post(a, old_reset, "the new password here", "the new password here", &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);

	static const char *const fresh_pw = "the new password here";
	reset_post(a, path, fresh_pw, fresh_pw, &r);
	ck_assert_int_eq(r.status, 303);
	char *loc = location(&r);
	ck_assert_str_eq(loc, "/my/tickets");
	char *here = harness_cookie(&r, "sd_session");
	ck_assert_ptr_nonnull(here);
	harness_response_free(&r);
	assert_who(a, here, id);
	assert_who(a, phone, "anonymous");
	assert_who(a, laptop, "anonymous");
	/* Single use. */
	reset_post(a, path, "yet another password", "yet another password", &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	get_from(a, fresh_ip(), path, NULL, &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	/* The old password is gone, the new one works; the old link is dead. */
	post_login(a, &s, NULL, email, PASSWORD, NULL, &r);
	ck_assert_int_eq(r.status, 422);
	harness_response_free(&r);
	free(signin(a, email, fresh_pw, NULL, NULL));
	char lbody[256];
	snprintf(lbody, sizeof lbody, "_csrf=%s", lcsrf);
	post_form_from(a, lip, link, lanon, lbody, &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	free(lanon);
	free(lcsrf);
	/* Still the app's own hash. */
	char *hash = owner_sql("select password_hash from users where id = $1", id, NULL);
	ck_assert(strncmp(hash, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
	free(hash);

	/* An account that only ever used links chooses its first password. */
	char nopw[128];
	fresh_email(nopw, sizeof nopw, "firstpw");
	char *nid = make_user(nopw, NO_PASSWORD, NULL);
	char *first = ask_reset(a, nopw);
	reset_post(a, first, fresh_pw, fresh_pw, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	char *c = signin(a, nopw, fresh_pw, NULL, NULL);
	assert_who(a, c, nid);
	free(c);
	free(first);
	free(nid);

	free(loc);
	free(here);
	free(phone);
	free(laptop);
	free(link);
	free(old_reset);
	free(path);
	free(id);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

START_TEST(reset_link_expires)
{
	app *a = login_app();
	cfg_of(a)->password_reset_ttl_s = 1;
	cfg_of(a)->login_link_ttl_s = 1;
	char email[128];
	fresh_email(email, sizeof email, "expire");
	free(make_user(email, CUSTOMER, PASSWORD));
	char *path = ask_reset(a, email);
	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	post_email(a, &s, "/login/link", s.csrf_link, email, NULL, &r);
	harness_response_free(&r);
	char *link = mailed_path(a, email, "/login/link/");
	/* Well past a one-second expiry (Redis expires keys to the millisecond). */
	sleep(3);
	get_from(a, fresh_ip(), path, NULL, &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	reset_post(a, path, "a long enough password", "a long enough password", &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	get_from(a, fresh_ip(), link, NULL, &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	free(signin(a, email, PASSWORD, NULL, NULL)); /* unchanged */
	/* A token nobody issued, or not even a token. */
	char unknown[80];
	snprintf(unknown, sizeof unknown, "/password/reset/%s", fresh_token());
	get_from(a, fresh_ip(), unknown, NULL, &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	get_from(a, fresh_ip(), "/password/reset/short", NULL, &r);
	ck_assert_int_eq(r.status, 410);
	harness_response_free(&r);
	free(path);
	free(link);
	shown_free(&s);
	harness_app_free(a);
}
END_TEST

/* ---- an API key's service user (0046) ---- */

typedef struct {
	char *org, *id, *email;
	char slug[96];
	char key[128];  /* what an API client sends */
} service_user;

/* A key of a new organization, made as the operator makes one, whose
 * service user is given the hash of PASSWORD (as a benchmark once did). */
static void service_user_make(service_user *u)
{
	u->org = new_org(u->slug, sizeof u->slug, "svc");
	arena *ar = arena_new(1024);
	char secret[64];
	unsigned char h[32];
	api_key_secret_new(ar, secret, h);
	char *kid = owner_sql("select key_id from api_key_create_operator($1::citext, 'login test key', '{tickets:read}', "
	                      "$2::bytea)", u->slug, arena_sprintf(ar, "\\x%s", crypto_hex(ar, h, 32)));
	ck_assert_ptr_nonnull(kid);
	snprintf(u->key, sizeof u->key, "%s", api_key_format(ar, kid, secret));
	u->id = owner_sql("select service_user_id from api_keys where id = $1", kid, NULL);
	u->email = owner_sql("select email from users where id = $1 and is_service", u->id, NULL);
	ck_assert_ptr_nonnull(u->email);
	char *hash = crypto_password_hash(PASSWORD, strlen(PASSWORD));
	ck_assert_ptr_nonnull(hash);
	free(owner_sql("update users set password_hash = $2 where id = $1 returning id", u->id, hash));
	free(hash);
	free(kid);
	arena_free(ar);
}

static void service_user_free(service_user *u)
{
	free(u->org);
	free(u->id);
	free(u->email);
}

/* GET /api/v1/tickets with the key: its status. */
static int api_status(app *a, const service_user *u)
{
	char auth[200];
	snprintf(auth, sizeof auth, "HTTP_AUTHORIZATION=Bearer %s", u->key);
	const char *params[] = { auth, NULL };
	harness_response r;
	harness_request(a, "GET", "/api/v1/tickets", params, NULL, 0, &r);
	int st = r.status;
	harness_response_free(&r);
	return st;
}

/* The right password of a service user gets what a wrong one gets: the
 * same page and status after the same work, and no session. */
START_TEST(service_user_with_a_password_is_a_wrong_password)
{
	app *a = login_app();
	service_user u;
	service_user_make(&u);
	char known[128];
	fresh_email(known, sizeof known, "svcknown");
	free(make_user(known, CUSTOMER, PASSWORD));
	ck_assert_int_eq(api_status(a, &u), 200); /* the key is good */

	shown s;
	show(a, "/login", NULL, &s);
	harness_response r;
	/* Warm up, as wrong_password_and_unknown_email_are_one_answer does. */
	post_login(a, &s, NULL, known, "warming up", NULL, &r);
	harness_response_free(&r);
	post_login(a, &s, NULL, u.email, "warming up", NULL, &r);
	harness_response_free(&r);

	work before = work_now(a);
	post_login(a, &s, NULL, known, "not the password", NULL, &r);
	work wk = work_since(a, before);
	ck_assert_int_eq(r.status, 422);
	char *page_known = normalized(r.body, known);
	harness_response_free(&r);

	before = work_now(a);
	post_login(a, &s, NULL, u.email, PASSWORD, NULL, &r);
	work ws = work_since(a, before);
	ck_assert_int_eq(r.status, 422);
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	ck_assert(strstr(r.body, "The email address or the password is not right."));
	char *page_service = normalized(r.body, u.email);
	harness_response_free(&r);

	ck_assert_str_eq(page_service, page_known);
	ck_assert_msg(ws.verifications == 1 && wk.verifications == 1, "%lu and %lu password verifications",
	    ws.verifications, wk.verifications);
	ck_assert_msg(ws.kv == wk.kv && ws.db == wk.db, "service user: %lu Redis commands, %lu statements; "
	    "wrong password: %lu, %lu", ws.kv, ws.db, wk.kv, wk.db);
	/* In another case of its address too. */
	char upper[200];
	snprintf(upper, sizeof upper, "%s", u.email);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	post_login(a, &s, NULL, upper, PASSWORD, NULL, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);
	/* Nothing was upgraded or changed, and the key still works. */
	char *hash = owner_sql("select password_hash from users where id = $1", u.id, NULL);
	ck_assert(crypto_password_verify(hash, PASSWORD, strlen(PASSWORD)));
	free(hash);
	ck_assert_int_eq(api_status(a, &u), 200);
	free(page_known);
	free(page_service);
	shown_free(&s);
	service_user_free(&u);
	harness_app_free(a);
}
END_TEST

/* Asking for a sign-in link or a new password for a service user's
 * address is asking for an unknown one's: the same page after the same
 * work, and nothing queued. */
START_TEST(service_user_is_sent_no_link)
{
	app *a = login_app();
	service_user u;
	service_user_make(&u);
	static const struct {
		const char *uri;
		bool link_form;
	} forms[] = { { "/login/link", true }, { "/password/forgot", false } };
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		char unknown[128], warm[128];
		fresh_email(unknown, sizeof unknown, "svcunknown");
		fresh_email(warm, sizeof warm, "svcwarm");
		shown s;
		show(a, forms[i].link_form ? "/login" : "/password/forgot", NULL, &s);
		const char *csrf = forms[i].link_form ? s.csrf_link : s.csrf;
		harness_response r;
		post_email(a, &s, forms[i].uri, csrf, warm, NULL, &r);
		harness_response_free(&r);
		post_email(a, &s, forms[i].uri, csrf, u.email, NULL, &r);
		harness_response_free(&r);

		work before = work_now(a);
		post_email(a, &s, forms[i].uri, csrf, unknown, NULL, &r);
		work wu = work_since(a, before);
		ck_assert_int_eq(r.status, 200);
		char *page_unknown = normalized(r.body, unknown);
		harness_response_free(&r);
		before = work_now(a);
		post_email(a, &s, forms[i].uri, csrf, u.email, NULL, &r);
		work ws = work_since(a, before);
		ck_assert_int_eq(r.status, 200);
		char *page_service = normalized(r.body, u.email);
		harness_response_free(&r);

		ck_assert_msg(strcmp(page_service, page_unknown) == 0, "%s: another page for the service user", forms[i].uri);
		ck_assert_msg(ws.kv == wu.kv && ws.db == wu.db && ws.verifications == wu.verifications,
		    "%s: service user %lu Redis commands, %lu statements; unknown %lu, %lu", forms[i].uri, ws.kv, ws.db,
		    wu.kv, wu.db);
		ck_assert_int_eq(outbox_to(u.email), 0);
		ck_assert_int_eq(outbox_to(unknown), 0);
		free(page_unknown);
		free(page_service);
		shown_free(&s);
	}
	service_user_free(&u);
	harness_app_free(a);
}
END_TEST

/* What may exist from before 0046: a sign-in link, a reset link, sessions.
 * None is honoured; a person's session is; the key still works. */
START_TEST(service_user_links_and_sessions_are_refused)
{
	app *a = login_app();
	service_user u;
	service_user_make(&u);
	arena *ar = arena_new(1024);
	char *token;

	ck_assert_int_eq(signin_link_create(a->kv, ar, u.id, "", 3600, &token), KV_OK);
	char *path = arena_sprintf(ar, "/login/link/%s", token);
	char *sess = NULL;
	ck_assert_int_eq(use_link_with(a, path, path, &sess), 410);
	ck_assert_ptr_null(sess);

	ck_assert_int_eq(reset_link_create(a->kv, ar, u.id, 3600, &token), KV_OK);
	path = arena_sprintf(ar, "/password/reset/%s", token);
	harness_response r;
	reset_post(a, path, "a new password here", "a new password here", &r);
	ck_assert_int_eq(r.status, 410);
	ck_assert(harness_cookie(&r, "sd_session") == NULL);
	harness_response_free(&r);
	reset_post(a, path, "a new password here", "a new password here", &r);
	ck_assert_int_eq(r.status, 410); /* spent for nothing */
	harness_response_free(&r);
	char *hash = owner_sql("select password_hash from users where id = $1", u.id, NULL);
	ck_assert(crypto_password_verify(hash, PASSWORD, strlen(PASSWORD))); /* not the new one */
	free(hash);

	/* A session of one, at its first use: ended, and the desk asks for a
	 * sign-in as it asks an anonymous visitor. */
	browser b;
	sign_in(a, u.id, &b);
	get(a, "/desk", b.cookie, &r);
	assert_redirect(&r, "/login?next=/desk");
	ck_assert_msg(strstr(r.headers, "Set-Cookie: sd_session=; Path=/; Max-Age=0;") != NULL,
	    "the session cookie is not deleted: %s", r.headers);
	harness_response_free(&r);
	assert_who(a, b.cookie, "anonymous");
	free(b.cookie);
	/* Every session of it ends at once. */
	browser b2, b3;
	sign_in(a, u.id, &b2);
	sign_in(a, u.id, &b3);
	get(a, "/my/tickets", b2.cookie, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_who(a, b3.cookie, "anonymous");
	free(b2.cookie);
	free(b3.cookie);
	/* Signing out asks nothing of the database, and works as for anyone. */
	sign_in(a, u.id, &b);
	post_as(a, "/logout", &b, "", &r);
	assert_redirect(&r, "/");
	harness_response_free(&r);
	assert_who(a, b.cookie, "anonymous");
	free(b.cookie);

	/* A person's session is honoured; its admin invites the key's user
	 * nowhere (no link to choose a password); the key still works. */
	char *admin = new_user("svcadmin", NULL, 0);
	free(add_member(u.org, admin, "admin"));
	sign_in(a, admin, &b);
	get(a, "/desk", b.cookie, &r);
	assert_status(&r, 200);
	harness_response_free(&r);
	assert_who(a, b.cookie, admin);
	char *e = urlencode(u.email);
	char fields[512];
	snprintf(fields, sizeof fields, "org=%s&email=%s&role=admin", u.slug, e);
	free(e);
	post_as(a, "/desk/admin/members", &b, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "This invitation cannot be sent.");
	harness_response_free(&r);
	ck_assert_int_eq(outbox_to(u.email), 0);
	ck_assert_int_eq(owner_count("select count(*) from memberships where user_id = $1 and role = 'agent'", u.id), 1);
	ck_assert_int_eq(owner_count("select count(*) from memberships where user_id = $1", u.id), 1);
	free(b.cookie);
	free(admin);
	ck_assert_int_eq(api_status(a, &u), 200);
	arena_free(ar);
	service_user_free(&u);
	harness_app_free(a);
}
END_TEST

Suite *login_suite(void)
{
	Suite *s = suite_create("login");
	TCase *page = tcase_create("page");
	tcase_set_timeout(page, 60);
	tcase_add_test(page, login_page_offers_password_link_and_reset);
	tcase_add_test(page, login_form_errors_are_linked_to_fields);
	tcase_add_test(page, login_without_csrf_is_403);
	tcase_add_test(page, login_answers_503_when_a_dependency_is_down);
	suite_add_tcase(s, page);
	TCase *pw = tcase_create("password");
	tcase_set_timeout(pw, 120);
	tcase_add_test(pw, good_signin_goes_home_or_next_and_rotates_the_session);
	tcase_add_test(pw, remember_me_chooses_the_lifetime);
	tcase_add_test(pw, wrong_password_and_unknown_email_are_one_answer);
	tcase_add_test(pw, next_is_a_local_path_or_nothing);
	tcase_add_test(pw, login_limited_per_address_and_per_email);
	tcase_add_test(pw, weaker_hash_is_upgraded_at_signin);
	tcase_add_test(pw, deactivated_account_cannot_sign_in_at_all);
	tcase_add_test(pw, session_replayed_after_logout_is_dead);
	suite_add_tcase(s, pw);
	TCase *link = tcase_create("link");
	tcase_set_timeout(link, 60);
	tcase_add_test(link, link_request_is_one_answer_and_one_email);
	tcase_add_test(link, link_is_single_use_and_a_new_one_replaces_it);
	tcase_add_test(link, link_leads_to_next_or_home);
	tcase_add_test(link, link_requests_limited_per_address_and_per_email);
	suite_add_tcase(s, link);
	TCase *reset = tcase_create("reset");
	tcase_set_timeout(reset, 120);
	tcase_add_test(reset, forgot_password_is_one_answer_and_one_email);
	tcase_add_test(reset, reset_form_errors_keep_the_link);
	tcase_add_test(reset, reset_ends_other_sessions_and_signs_in_afresh);
	tcase_add_test(reset, reset_link_expires);
	suite_add_tcase(s, reset);
	/* an API key's service user (0046) */
	TCase *service = tcase_create("service");
	tcase_set_timeout(service, 60);
	tcase_add_test(service, service_user_with_a_password_is_a_wrong_password);
	tcase_add_test(service, service_user_is_sent_no_link);
	tcase_add_test(service, service_user_links_and_sessions_are_refused);
	suite_add_tcase(s, service);
	return s;
}
