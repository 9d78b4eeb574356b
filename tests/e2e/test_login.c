/* test_login.c: end-to-end tests of signing in (SPEC 3 "Sessions and
 * sign-in", "Accounts", 4) through nginx with libcurl: a password, an
 * emailed sign-in link read from $MAIL_DIR, a password chosen by an emailed
 * link, the limits, and `supportdesk user add` ($SUPPORTDESK_BIN, as the
 * owner: $DATABASE_URL).
 *
 * Every test comes from 127.0.0.1, so each starts with the rate-limit keys
 * deleted; the 429 test uses the limits at their defaults and deletes the
 * keys again when it is done, so that later layers start clean.
 *
 * Registered from test_e2e.c's main() as the suite "login_e2e". */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_flow.h"

Suite *login_e2e_suite(void);

#define FORM "application/x-www-form-urlencoded"

static void fresh_address(char *out, size_t n, const char *what)
{
	char tag[96];
	uniq(tag, sizeof tag, what);
	snprintf(out, n, "%s@example.com", tag);
}

static const char *bin(void)
{
	return env_or("SUPPORTDESK_BIN", "build/supportdesk");
}

/* The cli with an explicit command line (no shell quoting problems: every
 * value here is ours). */
static int cli(const char *stdin_text, const char *args, const char *db_url)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "%s%s%s%s%s%s '%s' %s >/dev/null 2>&1", stdin_text ? "printf '%s\\n' '" : "",
	    stdin_text ? stdin_text : "", stdin_text ? "' | " : "", db_url ? "DATABASE_URL='" : "", db_url ? db_url : "",
	    db_url ? "'" : "", bin(), args);
	return run_sh(cmd);
}

static int add_account(const char *email, const char *role, const char *password)
{
	char args[512];
	snprintf(args, sizeof args, "user add --email '%s' --name 'E2E %s'%s%s%s", email, role ? role : "customer",
	    role ? " --platform-role " : "", role ? role : "", password ? " --password-stdin" : "");
	return cli(password, args, NULL);
}

/* GET /login in browser j: the form tokens. */
static void login_tokens(jar *j, char **csrf, char **csrf_link)
{
	resp r = http("GET", "/login", j, NULL, NULL, 0);
	ck_status(r, 200, "GET /login");
	*csrf = attr_after(r.body.data, "action=\"/login\"", "value");
	if (csrf_link)
		*csrf_link = attr_after(r.body.data, "action=\"/login/link\"", "value");
	ck_assert_msg(*csrf && (!csrf_link || *csrf_link), "the sign-in page lacks its tokens");
	resp_free(&r);
}

static resp post_fields(const char *path, jar *j, const char *csrf, const char *k1, const char *v1, const char *k2,
    const char *v2, const char *tail)
{
	dbuf b = { 0 };
	char *c = curl_easy_escape(NULL, csrf, 0);
	dbuf_addf(&b, "_csrf=%s", c);
	curl_free(c);
	if (k1) {
		char *e = curl_easy_escape(NULL, v1, 0);
		dbuf_addf(&b, "&%s=%s", k1, e);
		curl_free(e);
	}
	if (k2) {
		char *e = curl_easy_escape(NULL, v2, 0);
		dbuf_addf(&b, "&%s=%s", k2, e);
		curl_free(e);
	}
	if (tail)
		dbuf_adds(&b, tail);
	resp r = http("POST", path, j, FORM, b.data, b.len);
	dbuf_free(&b);
	return r;
}

static resp login(jar *j, const char *email, const char *password, const char *tail)
{
	char *csrf;
	login_tokens(j, &csrf, NULL);
	resp r = post_fields("/login", j, csrf, "email", email, "password", password, tail);
	free(csrf);
	return r;
}

static bool location_is(const resp *r, const char *want)
{
	char loc[1024] = "";
	resp_header(r, "Location", loc, sizeof loc);
	return strcmp(loc, want) == 0;
}

/* Signed in: GET /login goes on (303); signed out it shows the form. */
static long login_page_status(jar *j)
{
	resp r = http("GET", "/login", j, NULL, NULL, 0);
	long st = r.status;
	resp_free(&r);
	return st;
}

/* The path "/login/link/<token>" (prefix as given) in a mail's text part. */
static char *path_in_mail(const char *raw, const char *prefix)
{
	char *text = mail_part(raw, "text/plain");
	ck_assert_msg(text != NULL, "no text/plain part");
	const char *p = strstr(text, prefix);
	ck_assert_msg(p != NULL, "no %s link in: %s", prefix, text);
	size_t n = strlen(prefix);
	while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_')
		n++;
	char *path = strndup(p, n);
	ck_assert_int_eq(strlen(path) - strlen(prefix), 43);
	free(text);
	return path;
}

/* Waits for the count-th email to addr; returns the newest. */
static char *nth_mail(const char *addr, int count)
{
	char *raw = NULL;
	double t0 = mono_s();
	while (mono_s() - t0 < 30) {
		free(raw);
		raw = NULL;
		if (mails_to(addr, &raw) >= count && raw)
			return raw;
		nap_ms(150);
	}
	ck_abort_msg("fewer than %d emails to %s within 30 s", count, addr);
	return NULL;
}

/* GET the link's page in j, then press its button: the POST's answer. */
static resp open_link(jar *j, const char *path, long *get_status)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	*get_status = r.status;
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	resp_free(&r);
	r = post_fields(path, j, csrf ? csrf : "", NULL, NULL, NULL, NULL, NULL);
	free(csrf);
	return r;
}

/* The body with the address and the form tokens taken out. */
static char *same_page(const char *body, const char *email)
{
	dbuf b = { 0 };
	size_t el = strlen(email);
	static const char tok[] = "name=\"_csrf\" value=\"";
	for (const char *p = body; *p;) {
		if (strncmp(p, email, el) == 0) {
			dbuf_adds(&b, "EMAIL");
			p += el;
		} else if (strncmp(p, tok, sizeof tok - 1) == 0) {
			dbuf_adds(&b, tok);
			p += sizeof tok - 1;
			while (*p && *p != '"')
				p++;
		} else {
			dbuf_add(&b, p++, 1);
		}
	}
	dbuf_add(&b, "", 0);
	return b.data;
}

/* Before each test: fresh rate-limit counters, and a stack that answers
 * (the outage tests run just before this suite). */
static void fresh_limits(void)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200: the stack did not recover from an earlier test");
	nap_ms(800); /* past the workers' reconnect pace (core/retry.h) */
}

/* ------------------------------------------------------------ password */

START_TEST(test_password_signin_and_logout)
{
	char staff[128], customer[128];
	fresh_address(staff, sizeof staff, "e2e-staff");
	fresh_address(customer, sizeof customer, "e2e-cust");
	static const char pw[] = "e2e staff password";
	ck_assert_int_eq(add_account(staff, "agent", pw), 0);
	ck_assert_int_eq(add_account(customer, NULL, pw), 0);
	ck_assert_int_eq(db_long("select count(*) from users where email = $1::citext and platform_role = 'agent' "
	                         "and email_verified_at is not null and password_hash like '$argon2id$%'", staff), 1);

	/* Wrong password, then unknown address: one answer. */
	jar j = { 0 };
	resp r = login(&j, staff, "not the password", NULL);
	ck_status(r, 422, "POST /login, wrong password");
	char *wrong = same_page(r.body.data, staff);
	char hdr[512];
	ck_assert(!resp_header(&r, "Set-Cookie", hdr, sizeof hdr) || !strstr(hdr, "sd_session="));
	resp_free(&r);
	char unknown[128];
	fresh_address(unknown, sizeof unknown, "e2e-nobody");
	r = login(&j, unknown, "not the password", NULL);
	ck_status(r, 422, "POST /login, unknown address");
	char *nobody = same_page(r.body.data, unknown);
	ck_assert_msg(strcmp(wrong, nobody) == 0, "a wrong password and an unknown address answer differently");
	resp_free(&r);
	free(wrong);
	free(nobody);

	/* For the record: the time of each (not a test: CI is loaded). */
	double tw = 0, tu = 0;
	for (int i = 0; i < 3; i++) {
		double t0 = mono_s();
		r = login(&j, staff, "not the password", NULL);
		tw += mono_s() - t0;
		resp_free(&r);
		t0 = mono_s();
		r = login(&j, unknown, "not the password", NULL);
		tu += mono_s() - t0;
		resp_free(&r);
	}
	fprintf(stderr, "test_login: wrong password %.1f ms, unknown address %.1f ms (mean of 3, GET and POST)\n",
	    tw / 3 * 1000, tu / 3 * 1000);

	/* Staff: the desk, a cookie that lasts the browser session only even
	 * when asked to remember, and next kept when it is a local path. */
	r = login(&j, staff, pw, "&remember=1&next=%2F%2Fevil.test");
	ck_status(r, 303, "POST /login, staff");
	ck_assert_msg(location_is(&r, "/desk"), "staff land on /desk");
	ck_assert(resp_header(&r, "Set-Cookie", hdr, sizeof hdr));
	ck_assert_msg(strstr(hdr, "sd_session=") && strstr(hdr, "HttpOnly") && strstr(hdr, "SameSite=Lax") &&
	                  strstr(hdr, "Path=/") && !strstr(hdr, "Max-Age"), "Set-Cookie: %s", hdr);
	resp_free(&r);
	ck_assert_int_eq(login_page_status(&j), 303);

	/* A customer, remembered, to the page asked for. */
	jar c = { 0 };
	r = login(&c, customer, pw, "&remember=1&next=%2Fmy%2Ftickets%3Fstatus%3Dall");
	ck_status(r, 303, "POST /login, customer");
	ck_assert(location_is(&r, "/my/tickets?status=all"));
	ck_assert(resp_header(&r, "Set-Cookie", hdr, sizeof hdr) && strstr(hdr, "Max-Age=2592000"));
	resp_free(&r);

	/* Sign out; the old cookie replayed is nobody. */
	jar before = c;
	r = http("GET", "/", &c, NULL, NULL, 0);
	char *csrf = attr_after(r.body.data, "action=\"/logout\"", "value");
	ck_assert_ptr_nonnull(csrf);
	resp_free(&r);
	r = post_fields("/logout", &c, csrf, NULL, NULL, NULL, NULL, NULL);
	ck_status(r, 303, "POST /logout");
	resp_free(&r);
	free(csrf);
	ck_assert_int_eq(login_page_status(&before), 200);
	ck_assert_int_eq(login_page_status(&c), 200);
}
END_TEST

START_TEST(test_user_add_refusals)
{
	char email[128];
	fresh_address(email, sizeof email, "e2e-cli");
	ck_assert_int_eq(add_account(email, "admin", "long enough password"), 0);
	ck_assert_int_eq(add_account(email, NULL, NULL), 1);             /* taken */
	char args[512];
	snprintf(args, sizeof args, "user add --email '%s' --name 'X' --platform-role root", email);
	ck_assert_int_eq(cli(NULL, args, NULL), 2);                       /* no such role */
	char other[128];
	fresh_address(other, sizeof other, "e2e-cli-short");
	snprintf(args, sizeof args, "user add --email '%s' --name 'X' --password-stdin", other);
	ck_assert_int_eq(cli("short", args, NULL), 1);                   /* too short */
	const char *app_url = getenv("APP_DATABASE_URL");
	if (app_url && *app_url) {
		snprintf(args, sizeof args, "user add --email '%s' --name 'X'", other);
		ck_assert_int_eq(cli(NULL, args, app_url), 1);               /* not the owner */
	}
	ck_assert_int_eq(db_long("select count(*) from users where email = $1::citext", other), 0);
}
END_TEST

/* ------------------------------------------------------------ links */

START_TEST(test_signin_link_by_email)
{
	char known[128], unknown[128];
	fresh_address(known, sizeof known, "e2e-link");
	fresh_address(unknown, sizeof unknown, "e2e-link-nobody");
	ck_assert_int_eq(add_account(known, NULL, NULL), 0);

	jar j = { 0 };
	char *csrf, *csrf_link;
	login_tokens(&j, &csrf, &csrf_link);
	resp r = post_fields("/login/link", &j, csrf_link, "email", known, NULL, NULL, "&next=%2Fmy%2Ftickets%3Fstatus%3Dall");
	ck_status(r, 200, "POST /login/link, known");
	ck_assert(strstr(r.body.data, "<h1>Check your email</h1>"));
	char *page_known = same_page(r.body.data, known);
	resp_free(&r);
	r = post_fields("/login/link", &j, csrf_link, "email", unknown, NULL, NULL, "&next=%2Fmy%2Ftickets%3Fstatus%3Dall");
	ck_status(r, 200, "POST /login/link, unknown");
	char *page_unknown = same_page(r.body.data, unknown);
	resp_free(&r);
	ck_assert_msg(strcmp(page_known, page_unknown) == 0, "a known and an unknown address answer differently");

	char *raw = nth_mail(known, 1);
	ck_assert(strstr(raw, "Subject: Your sign-in link"));
	char *first = path_in_mail(raw, "/login/link/");
	free(raw);
	wait_outbox_sent(known, 1);
	ck_assert_int_eq(mails_to(unknown, NULL), 0);
	ck_assert_int_eq(outbox_for(unknown), 0);
	char *where = tables_holding(first + strlen("/login/link/"));
	ck_assert_msg(!where, "the sign-in token is stored in clear in: %s", where);

	/* A second request replaces the first link. */
	r = post_fields("/login/link", &j, csrf_link, "email", known, NULL, NULL, NULL);
	ck_status(r, 200, "POST /login/link, again");
	resp_free(&r);
	raw = nth_mail(known, 2);
	char *second = path_in_mail(raw, "/login/link/");
	free(raw);
	ck_assert_str_ne(first, second);
	jar other = { 0 };
	r = http("GET", first, &other, NULL, NULL, 0);
	ck_status(r, 410, "GET of the replaced link");
	resp_free(&r);

	/* The GET shows a button and consumes nothing; the POST signs in, once. */
	jar phone = { 0 };
	long get_status;
	r = http("GET", second, &phone, NULL, NULL, 0);
	ck_status(r, 200, "GET /login/link/{token}");
	resp_free(&r);
	r = open_link(&phone, second, &get_status);
	ck_status(r, 303, "POST /login/link/{token}");
	ck_assert_msg(get_status == 200, "GET of the link: %ld", get_status);
	ck_assert_msg(location_is(&r, "/my/tickets"), "a link without next leads to the customer's home");
	resp_free(&r);
	ck_assert_int_eq(login_page_status(&phone), 303);
	ck_assert_int_eq(login_page_status(&other), 200);
	/* Once only: pressed again in another browser, nothing. */
	r = open_link(&other, second, &get_status);
	ck_assert_msg(get_status == 410 && r.status != 303, "a used link: GET %ld, POST %ld", get_status, r.status);
	resp_free(&r);
	ck_assert_int_eq(db_long("select count(*) from users where email = $1::citext and email_verified_at is not null",
	                     known), 1);
	free(page_known);
	free(page_unknown);
	free(first);
	free(second);
	free(csrf);
	free(csrf_link);
}
END_TEST

/* ------------------------------------------------------------ passwords */

START_TEST(test_password_reset_by_email)
{
	char email[128], unknown[128];
	fresh_address(email, sizeof email, "e2e-reset");
	fresh_address(unknown, sizeof unknown, "e2e-reset-nobody");
	static const char old_pw[] = "the old password", new_pw[] = "the brand new password";
	ck_assert_int_eq(add_account(email, NULL, old_pw), 0);
	jar laptop = { 0 };
	resp r = login(&laptop, email, old_pw, NULL);
	ck_status(r, 303, "POST /login before the reset");
	resp_free(&r);
	ck_assert_int_eq(login_page_status(&laptop), 303);

	/* "Forgot password": the same page for any address, one email. */
	jar j = { 0 };
	r = http("GET", "/password/forgot", &j, NULL, NULL, 0);
	ck_status(r, 200, "GET /password/forgot");
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	resp_free(&r);
	r = post_fields("/password/forgot", &j, csrf, "email", email, NULL, NULL, NULL);
	ck_status(r, 200, "POST /password/forgot, known");
	char *pk = same_page(r.body.data, email);
	resp_free(&r);
	r = post_fields("/password/forgot", &j, csrf, "email", unknown, NULL, NULL, NULL);
	ck_status(r, 200, "POST /password/forgot, unknown");
	char *pu = same_page(r.body.data, unknown);
	resp_free(&r);
	ck_assert_msg(strcmp(pk, pu) == 0, "a known and an unknown address answer differently");
	char *raw = nth_mail(email, 1);
	char *path = path_in_mail(raw, "/password/reset/");
	free(raw);
	wait_outbox_sent(email, 1);
	ck_assert_int_eq(outbox_for(unknown), 0);
	char *where = tables_holding(path + strlen("/password/reset/"));
	ck_assert_msg(!where, "the reset token is stored in clear in: %s", where);

	/* The link's page: GET twice consumes nothing; a mismatch keeps it. */
	jar phone = { 0 };
	for (int i = 0; i < 2; i++) {
		r = http("GET", path, &phone, NULL, NULL, 0);
		ck_status(r, 200, "GET /password/reset/{token}");
		resp_free(&r);
	}
	r = http("GET", path, &phone, NULL, NULL, 0);
	char *rcsrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	resp_free(&r);
	r = post_fields(path, &phone, rcsrf, "password", new_pw, "password_confirm", "something else entirely", NULL);
	ck_status(r, 422, "POST /password/reset, mismatch");
	ck_assert(strstr(r.body.data, "are not the same"));
	resp_free(&r);
	r = post_fields(path, &phone, rcsrf, "password", new_pw, "password_confirm", new_pw, NULL);
	ck_status(r, 303, "POST /password/reset");
	ck_assert(location_is(&r, "/my/tickets"));
	resp_free(&r);

	/* Signed in here, signed out on the laptop; once only. */
	ck_assert_int_eq(login_page_status(&phone), 303);
	ck_assert_int_eq(login_page_status(&laptop), 200);
	r = post_fields(path, &phone, rcsrf, "password", new_pw, "password_confirm", new_pw, NULL);
	ck_status(r, 410, "POST /password/reset again");
	resp_free(&r);
	jar fresh = { 0 };
	r = login(&fresh, email, old_pw, NULL);
	ck_status(r, 422, "the old password");
	resp_free(&r);
	r = login(&fresh, email, new_pw, NULL);
	ck_status(r, 303, "the new password");
	resp_free(&r);
	free(rcsrf);
	free(path);
	free(pk);
	free(pu);
	free(csrf);
}
END_TEST

/* ------------------------------------------------------------ limits */

static void check_429(resp *r, const char *what)
{
	ck_status(*r, 429, what);
	char ra[32];
	ck_assert_msg(resp_header(r, "Retry-After", ra, sizeof ra) && atol(ra) > 0, "%s: no Retry-After", what);
	ck_assert_msg(strstr(r->body.data, "Please wait"), "%s: not the 429 page", what);
}

START_TEST(test_login_limits_429)
{
	/* Per email address (SUPPORTDESK_RATE_LOGIN_EMAIL, 10/600). */
	long per_email = strtol(env_or("SUPPORTDESK_RATE_LOGIN_EMAIL", "10/600"), NULL, 10);
	long per_ip = strtol(env_or("SUPPORTDESK_RATE_LOGIN_IP", "30/600"), NULL, 10);
	char email[128];
	fresh_address(email, sizeof email, "e2e-limit");
	static const char pw[] = "limit test password";
	ck_assert_int_eq(add_account(email, NULL, pw), 0);
	jar j = { 0 };
	for (long i = 1; i <= per_email; i++) {
		resp r = login(&j, email, "wrong wrong wrong", NULL);
		ck_status(r, 422, "a wrong password under the limit");
		resp_free(&r);
	}
	resp r = login(&j, email, pw, NULL);
	check_429(&r, "POST /login over the per-email limit, with the right password");
	resp_free(&r);

	/* Per client address (SUPPORTDESK_RATE_LOGIN_IP, 30/600): every
	 * attempt so far counted, whatever the address typed. */
	flush_ratelimits();
	long first = -1;
	for (long i = 1; i <= per_ip + 1; i++) {
		char other[128];
		fresh_address(other, sizeof other, "e2e-limit-ip");
		r = login(&j, other, "wrong wrong wrong", NULL);
		if (r.status == 429 && first < 0) {
			check_429(&r, "POST /login over the per-address limit");
			first = i;
		}
		resp_free(&r);
	}
	ck_assert_msg(first == per_ip + 1, "the first 429 came at attempt %ld, want %ld", first, per_ip + 1);

	/* Sign-in links per address typed (SUPPORTDESK_RATE_LOGIN_LINK_EMAIL, 3/600). */
	flush_ratelimits();
	long per_link = strtol(env_or("SUPPORTDESK_RATE_LOGIN_LINK_EMAIL", "3/600"), NULL, 10);
	char *csrf, *csrf_link;
	login_tokens(&j, &csrf, &csrf_link);
	for (long i = 1; i <= per_link + 1; i++) {
		r = post_fields("/login/link", &j, csrf_link, "email", email, NULL, NULL, NULL);
		if (i <= per_link)
			ck_status(r, 200, "POST /login/link under the limit");
		else
			check_429(&r, "POST /login/link over the per-email limit");
		resp_free(&r);
	}
	free(csrf);
	free(csrf_link);
}
END_TEST

Suite *login_e2e_suite(void)
{
	Suite *s = suite_create("login_e2e");
	TCase *tc = tcase_create("login_flows");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_test(tc, test_password_signin_and_logout);
	tcase_add_test(tc, test_user_add_refusals);
	tcase_add_test(tc, test_signin_link_by_email);
	tcase_add_test(tc, test_password_reset_by_email);
	suite_add_tcase(s, tc);
	tc = tcase_create("login_limits");
	tcase_set_timeout(tc, 180);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_unchecked_fixture(tc, NULL, flush_ratelimits);
	tcase_add_test(tc, test_login_limits_429);
	suite_add_tcase(s, tc);
	return s;
}
