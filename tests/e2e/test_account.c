/* test_account.c: end-to-end tests of the account page, the sessions, the
 * notifications and the signed-in header, through nginx with libcurl. A
 * customer is made the way a person becomes one (submit, confirm by email);
 * more sessions of the same customer come from the sign-in link of the
 * confirmation email and from confirming a second request. The database is
 * read and set up as the owner ($DATABASE_URL).
 *
 * Every test starts by deleting the rate-limit keys: the submit suite,
 * which runs first, spends the verification limits on purpose.
 *
 * Registered from test_e2e.c's main() as the suite "account". */
#include <check.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_flow.h"

Suite *account_e2e_suite(void);

#define UA_FIREFOX_LINUX "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

/* A request as http() makes it, with a User-Agent and extra header lines of
 * its own (NULL: none). */
static resp http_as(const char *method, const char *path, jar *j, const char *body, const char *ua,
    const char *header)
{
	resp r = { 0 };
	struct curl_slist *hl;
	CURL *c = req_new(method, path, j, body ? "application/x-www-form-urlencoded" : NULL, body,
	    body ? strlen(body) : 0, &r, &hl);
	if (ua)
		curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	if (header) {
		hl = curl_slist_append(hl, header);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	}
	r.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	dbuf_add(&r.body, "", 0);
	dbuf_add(&r.headers, "", 0);
	jar_take(j, &r);
	return r;
}

/* A signed-in customer: submits a request and confirms it in browser j. */
static void customer(jar *j, char *email, size_t n, const char *what)
{
	char title[96];
	uniq(title, sizeof title, what);
	snprintf(email, n, "%s@example.com", title);
	char *ticket = submit_and_confirm(email, "Acct Tester", title, "A request made by the account tests.", NULL, 0, j,
	    NULL);
	free(ticket);
}

/* The page's CSRF token (malloc'd). */
static char *csrf_of(const resp *r)
{
	char *t = attr_after(dbuf_str(&r->body), "name=\"_csrf\"", "value");
	ck_assert_msg(t != NULL, "no _csrf on the page: %.400s", dbuf_str(&r->body));
	return t;
}

static resp post_with_csrf(const char *path, jar *j, const char *csrf, const char *fields)
{
	char *enc = curl_easy_escape(NULL, csrf, 0);
	dbuf body = { 0 };
	dbuf_addf(&body, "_csrf=%s%s%s", enc, *fields ? "&" : "", fields);
	resp r = http("POST", path, j, "application/x-www-form-urlencoded", body.data, body.len);
	curl_free(enc);
	dbuf_free(&body);
	return r;
}

static void assert_location(const resp *r, const char *want, const char *what)
{
	char loc[512] = "";
	resp_header(r, "Location", loc, sizeof loc);
	ck_assert_msg(r->status == 303 && strcmp(loc, want) == 0, "%s: %ld to \"%s\", want 303 to \"%s\"", what,
	    r->status, loc, want);
}

/* The text of a query with one text parameter, as the owner (malloc'd; "" for NULL or no row). */
static char *db_text(const char *sql, const char *param)
{
	const char *p[1] = { param };
	PGresult *res = PQexecParams(db(), sql, 1, NULL, p, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
	char *v = strdup(PQntuples(res) && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return v;
}

/* Signs browser j in as the customer of email, who has had mail before:
 * a new request from j, confirmed with the link of the new verification
 * email (waited for by count, since the newest mail may still be an older
 * one for a moment). */
static void confirm_again(const char *email, jar *j)
{
	int before = mails_to(email, NULL);
	char title[96];
	uniq(title, sizeof title, "acct-e2e-again");
	sform f;
	form_fetch(&f, "General question");
	resp r = submit(&f, &(fill){ .email = email, .name = "Acct Tester", .title = title,
	                             .description = "A second request from the same customer." });
	ck_assert_msg(is_sent_page(&r), "POST /submit: %ld %.600s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	form_free(&f);
	char *path = NULL;
	double t0 = mono_s();
	while (!path && mono_s() - t0 < 30) {
		char *raw = NULL;
		if (mails_to(email, &raw) > before && raw) {
			char *text = mail_part(raw, "text/plain");
			const char *v = text ? strstr(text, "/verify/") : NULL;
			if (v) {
				size_t n = 8;
				while (isalnum((unsigned char)v[n]) || v[n] == '-' || v[n] == '_')
					n++;
				path = strndup(v, n);
			}
			free(text);
		}
		free(raw);
		if (!path)
			nap_ms(200);
	}
	ck_assert_msg(path != NULL, "no new verification email to %s within 30 s", email);
	r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, "GET /verify/{token}");
	char *csrf = csrf_of(&r);
	resp_free(&r);
	r = post_with_csrf(path, j, csrf, "");
	ck_assert_msg(r.status == 303, "POST /verify: %ld", r.status);
	resp_free(&r);
	free(csrf);
	free(path);
}

/* The value of cookie `name` in the jar, or "". */
static const char *jar_value(const jar *j, const char *name)
{
	for (int k = 0; k < j->n; k++)
		if (strcmp(j->names[k], name) == 0)
			return j->values[k];
	return "";
}

/* "/login/link/<token>" from the newest email to addr that has one. */
static char *signin_link_for(const char *addr)
{
	double t0 = mono_s();
	while (mono_s() - t0 < 30) {
		char *raw = NULL;
		mails_to(addr, &raw);
		char *text = raw ? mail_part(raw, "text/plain") : NULL;
		const char *v = text ? strstr(text, "/login/link/") : NULL;
		if (v) {
			size_t n = 12;
			while (isalnum((unsigned char)v[n]) || v[n] == '-' || v[n] == '_')
				n++;
			char *path = strndup(v, n);
			free(text);
			free(raw);
			return path;
		}
		free(text);
		free(raw);
		nap_ms(200);
	}
	ck_abort_msg("no email with a sign-in link to %s within 30 s", addr);
	return NULL;
}

/* ---- the page, the profile, the header, notifications ---- */

START_TEST(test_account_profile_header_notifications)
{
	flush_ratelimits();
	jar me = { 0 };
	char email[160];
	customer(&me, email, sizeof email, "acct-e2e");
	char *uid = db_text("select id::text from users where email = $1", email);

	/* Signed out: the account is behind the sign-in. */
	resp r = http("GET", "/account", NULL, NULL, NULL, 0);
	assert_location(&r, "/login?next=/account", "GET /account signed out");
	resp_free(&r);

	r = http("GET", "/account", &me, NULL, NULL, 0);
	ck_status(r, 200, "GET /account");
	const char *page = dbuf_str(&r.body);
	ck_assert_ptr_nonnull(strstr(page, email));
	ck_assert_ptr_nonnull(strstr(page, "<a href=\"/my/tickets\">My tickets</a>"));
	ck_assert_ptr_nonnull(strstr(page, "<a href=\"/account\" aria-current=\"page\">Account</a>"));
	ck_assert_ptr_nonnull(strstr(page, "action=\"/logout\""));
	ck_assert_int_eq(resp_header_count(&r, "Content-Security-Policy"), 1);
	char *csrf = csrf_of(&r);
	resp_free(&r);

	/* The profile through nginx. */
	r = post_with_csrf("/account", &me, csrf,
	    "name=E2E+Customer&preferred_language=fr&channels=email&channels=chat&notify_reply=1&notify_resolved=1");
	assert_location(&r, "/account?done=profile", "POST /account");
	resp_free(&r);
	char *saved = db_text("select name || '|' || preferred_language || '|' || array_to_string(communication_channels, ',') "
	                      "|| '|' || (preferences->'notify')::text from users where id = $1::uuid", uid);
	ck_assert_str_eq(saved, "E2E Customer|fr|chat,email|{\"reply\": true, \"closed\": false, \"waiting\": false, \"resolved\": true}");
	free(saved);
	r = post_with_csrf("/account", &me, csrf, "name=X&preferred_language=klingon");
	ck_status(r, 422, "POST /account with an unknown language");
	resp_free(&r);
	r = post_with_csrf("/account", &me, "forged-token", "name=Forged&preferred_language=en");
	ck_status(r, 403, "POST /account with a forged token");
	resp_free(&r);
	saved = db_text("select name from users where id = $1::uuid", uid);
	ck_assert_str_eq(saved, "E2E Customer");
	free(saved);

	/* Notifications: the header counts them on every page. */
	char *n1 = db_text("select notification_add($1::uuid, 'reply', 'Staff replied (e2e)', 'Hello', '/account')::text", uid);
	char *n2 = db_text("select notification_add($1::uuid, 'status', 'Waiting for you (e2e)')::text", uid);
	r = http("GET", "/", &me, NULL, NULL, 0);
	ck_status(r, 200, "GET / signed in");
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "Notifications <span class=\"badge\">2<span class=\"visually-hidden\"> unread</span>"));
	resp_free(&r);
	r = http("GET", "/notifications", &me, NULL, NULL, 0);
	ck_status(r, 200, "GET /notifications");
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "<a href=\"/account\">Staff replied (e2e)</a>"));
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "Waiting for you (e2e)"));
	resp_free(&r);
	char fields[128];
	snprintf(fields, sizeof fields, "id=%s", n1);
	r = post_with_csrf("/notifications/read", &me, csrf, fields);
	assert_location(&r, "/notifications?done=read", "POST /notifications/read");
	resp_free(&r);
	r = http("GET", "/notifications", &me, NULL, NULL, 0);
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "Notifications <span class=\"badge\">1<"));
	resp_free(&r);
	r = post_with_csrf("/notifications/read", &me, csrf, "all=1");
	assert_location(&r, "/notifications?done=read", "POST /notifications/read all");
	resp_free(&r);
	r = http("GET", "/notifications", &me, NULL, NULL, 0);
	ck_assert_ptr_null(strstr(dbuf_str(&r.body), "class=\"badge\""));
	resp_free(&r);

	/* An anonymous visitor gets Sign in, and no count. */
	r = http("GET", "/", NULL, NULL, NULL, 0);
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "<a href=\"/login\">Sign in</a>"));
	ck_assert_ptr_null(strstr(dbuf_str(&r.body), "/notifications"));
	resp_free(&r);
	free(n1);
	free(n2);
	free(csrf);
	free(uid);
}
END_TEST

/* ---- sessions and the password ---- */

START_TEST(test_account_sessions_revoke_and_password)
{
	flush_ratelimits();
	jar laptop = { 0 }, other = { 0 }, third = { 0 };
	char email[160];
	customer(&laptop, email, sizeof email, "acct-e2e-sess");
	char *uid = db_text("select id::text from users where email = $1", email);

	/* A second browser signs in with the confirmation email's link, as
	 * Firefox, claiming an address of its own: not believed. */
	char *link = signin_link_for(email);
	resp r = http_as("GET", link, &other, NULL, UA_FIREFOX_LINUX, "X-Forwarded-For: 203.0.113.9");
	ck_status(r, 200, "GET the sign-in link");
	char *csrf = csrf_of(&r);
	resp_free(&r);
	char *enc = curl_easy_escape(NULL, csrf, 0);
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", enc);
	curl_free(enc);
	free(csrf);
	r = http_as("POST", link, &other, body, UA_FIREFOX_LINUX, "X-Forwarded-For: 203.0.113.9");
	ck_assert_msg(r.status == 303, "POST the sign-in link: %ld", r.status);
	resp_free(&r);
	r = http_as("GET", "/account", &other, NULL, UA_FIREFOX_LINUX, "X-Forwarded-For: 203.0.113.9");
	ck_status(r, 200, "GET /account in the second browser");
	resp_free(&r);

	/* The first browser lists both, and offers to sign the other out. */
	r = http("GET", "/account", &laptop, NULL, NULL, 0);
	ck_status(r, 200, "GET /account");
	const char *page = dbuf_str(&r.body);
	ck_assert_ptr_nonnull(strstr(page, "Unknown device <span class=\"tag\">This device</span>"));
	const char *ff = strstr(page, "Firefox on Linux</p>");
	ck_assert_msg(ff != NULL, "the Firefox session is listed: %.2000s", page);
	ck_assert_ptr_nonnull(strstr(ff, "127.0.0.1 · last seen"));
	ck_assert_ptr_null(strstr(page, "203.0.113.9"));
	char *revoke = attr_after(ff, "<form method=\"post\"", "action");
	ck_assert_ptr_nonnull(revoke);
	ck_assert(strncmp(revoke, "/account/sessions/", 18) == 0);
	char *lcsrf = csrf_of(&r);
	resp_free(&r);

	r = post_with_csrf(revoke, &laptop, lcsrf, "");
	assert_location(&r, "/account?done=revoked", "POST revoke");
	resp_free(&r);
	r = http("GET", "/account", &other, NULL, NULL, 0);
	assert_location(&r, "/login?next=/account", "the revoked browser");
	resp_free(&r);
	r = post_with_csrf(revoke, &laptop, lcsrf, "");
	ck_status(r, 404, "revoking it again");
	resp_free(&r);

	/* A third browser: the same customer confirming another request. */
	confirm_again(email, &third);
	r = http("GET", "/account", &third, NULL, NULL, 0);
	ck_status(r, 200, "GET /account in the third browser");
	resp_free(&r);

	/* A password (set as the owner), then changed from the laptop: the
	 * third browser is signed out, the laptop carries on with a new id. */
	char hash[crypto_pwhash_STRBYTES];
	const char *pw = "e2e old password";
	ck_assert_int_eq(crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
	char sql[512];
	snprintf(sql, sizeof sql, "with u as (update users set password_hash = '%s' where id = $1::uuid returning 1) "
	    "select count(*)::text from u", hash);
	char *n = db_text(sql, uid);
	ck_assert_str_eq(n, "1");
	free(n);
	r = http("GET", "/account", &laptop, NULL, NULL, 0);
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "name=\"current_password\""));
	resp_free(&r);
	char before[512];
	snprintf(before, sizeof before, "%s", jar_value(&laptop, "sd_session"));
	ck_assert(before[0]);
	r = post_with_csrf("/account/password", &laptop, lcsrf, "current_password=wrong+one&password=e2e+new+password");
	ck_status(r, 422, "a wrong current password");
	resp_free(&r);
	r = post_with_csrf("/account/password", &laptop, lcsrf, "current_password=e2e+old+password&password=e2e+new+password");
	assert_location(&r, "/account?done=password", "POST /account/password");
	resp_free(&r);
	ck_assert_msg(*jar_value(&laptop, "sd_session") && strcmp(before, jar_value(&laptop, "sd_session")) != 0,
	    "the laptop got a new session id");
	r = http("GET", "/account", &third, NULL, NULL, 0);
	assert_location(&r, "/login?next=/account", "the third browser after the password change");
	resp_free(&r);
	r = http("GET", "/account?done=password", &laptop, NULL, NULL, 0);
	ck_status(r, 200, "the laptop after the password change");
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "Your password is changed."));
	ck_assert_ptr_null(strstr(dbuf_str(&r.body), "/revoke\""));
	resp_free(&r);
	char *stored = db_text("select password_hash from users where id = $1::uuid", uid);
	ck_assert_int_eq(crypto_pwhash_str_verify(stored, "e2e new password", 16), 0);
	free(stored);
	free(revoke);
	free(lcsrf);
	free(link);
	free(uid);
}
END_TEST

Suite *account_e2e_suite(void)
{
	if (sodium_init() < 0)
		fprintf(stderr, "test_account: sodium_init failed\n");
	Suite *s = suite_create("account");
	TCase *tc = tcase_create("account");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_account_profile_header_notifications);
	tcase_add_test(tc, test_account_sessions_revoke_and_password);
	suite_add_tcase(s, tc);
	return s;
}
