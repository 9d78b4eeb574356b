/* test_account.c: the account page, sessions, notifications and the
 * signed-in header, through the in-process harness against the real
 * PostgreSQL and Redis. Each test makes its own users, so runs and tests
 * never share state. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/crypto.h"
#include "integration/itest.h"
#include "pages/pages.h"

/* A signed-in browser: its session cookie ("sd_session=...") and CSRF token. */
typedef struct {
	char *cookie;
	char csrf[128];
} browser;

static void unique_email(char *out, size_t n, const char *what)
{
	static int seq;
	snprintf(out, n, "%s-%d-%ld-%d@example.com", what, (int)getpid(), (long)time(NULL), ++seq);
}

static char *new_customer(const char *what)
{
	char email[128];
	unique_email(email, sizeof email, what);
	return make_verified_customer(email);
}

/* A request with a User-Agent and a client address of its own. */
static void request_as(app *a, const char *method, const char *uri, const char *cookie, const char *body,
    const char *ua, const char *ip, harness_response *out)
{
	char c[512], u[512], addr[64];
	const char *extra[5] = { NULL };
	int k = 0;
	if (body)
		extra[k++] = "CONTENT_TYPE=application/x-www-form-urlencoded";
	if (cookie) {
		snprintf(c, sizeof c, "HTTP_COOKIE=%s", cookie);
		extra[k++] = c;
	}
	if (ua) {
		snprintf(u, sizeof u, "HTTP_USER_AGENT=%s", ua);
		extra[k++] = u;
	}
	if (ip) {
		snprintf(addr, sizeof addr, "REMOTE_ADDR=%s", ip);
		extra[k++] = addr;
	}
	harness_request(a, method, uri, extra, body, body ? strlen(body) : 0, out);
}

static void sign_in_from(app *a, const char *uid, const char *ua, const char *ip, browser *b)
{
	harness_response r;
	char body[128];
	snprintf(body, sizeof body, "user=%s", uid);
	request_as(a, "POST", "/t/signin", NULL, body, ua, ip, &r);
	ck_assert_int_eq(r.status, 200);
	b->cookie = harness_cookie(&r, "sd_session");
	ck_assert_ptr_nonnull(b->cookie);
	snprintf(b->csrf, sizeof b->csrf, "%s", r.body);
	harness_response_free(&r);
}

static void sign_in(app *a, const char *uid, browser *b)
{
	sign_in_from(a, uid, NULL, NULL, b);
}

static void browser_free(browser *b)
{
	free(b->cookie);
	b->cookie = NULL;
}

/* Who the cookie signs in: a user id or "anonymous" (malloc'd). */
static char *whoami(app *a, const char *cookie)
{
	harness_response r;
	get(a, "/t/whoami", cookie, &r);
	char *who = strdup(r.body);
	harness_response_free(&r);
	return who;
}

static void assert_signed_in_as(app *a, const char *cookie, const char *uid)
{
	char *who = whoami(a, cookie);
	ck_assert_str_eq(who, uid);
	free(who);
}

static void assert_signed_out(app *a, const char *cookie)
{
	char *who = whoami(a, cookie);
	ck_assert_str_eq(who, "anonymous");
	free(who);
}

/* The owner's text value of `sql`, where $1 is the user id; "" for NULL. */
static char *user_value(const char *sql, const char *uid)
{
	char *v = owner_query(sql, uid);
	return v ? v : strdup("");
}

static void assert_user_value(const char *sql, const char *uid, const char *want)
{
	char *v = user_value(sql, uid);
	ck_assert_msg(strcmp(v, want) == 0, "%s: got \"%s\", want \"%s\"", sql, v, want);
	free(v);
}

static void post_as(app *a, const char *uri, const browser *b, const char *fields, harness_response *r)
{
	char body[4096];
	snprintf(body, sizeof body, "_csrf=%s%s%s", b->csrf, *fields ? "&" : "", fields);
	post_form(a, uri, b->cookie, body, r);
}

static char *location(const harness_response *r)
{
	char *l = harness_header(r, "Location");
	return l ? l : strdup("");
}

static void assert_redirect(const harness_response *r, const char *want)
{
	ck_assert_msg(r->status == 303, "status %d, want 303; body: %.300s", r->status, r->body);
	char *l = location(r);
	ck_assert_msg(strcmp(l, want) == 0, "Location \"%s\", want \"%s\"", l, want);
	free(l);
}

static void set_password(const char *uid, const char *password)
{
	char *hash = crypto_password_hash(password, strlen(password));
	ck_assert_ptr_nonnull(hash);
	char sql[512];
	snprintf(sql, sizeof sql,
	    "with u as (update users set password_hash = '%s' where id = $1::uuid returning 1) select count(*) from u", hash);
	free(hash);
	char *n = owner_query(sql, uid);
	ck_assert_str_eq(n, "1");
	free(n);
}

static bool password_is(const char *uid, const char *password)
{
	char *hash = owner_query("select password_hash from users where id = $1::uuid", uid);
	bool ok = hash && crypto_password_verify(hash, password, strlen(password));
	free(hash);
	return ok;
}

/* ---- signed out ---- */

START_TEST(signed_out_account_redirects_to_login)
{
	app *a = test_app(NULL, NULL);
	harness_response r;
	get(a, "/account", NULL, &r);
	assert_redirect(&r, "/login?next=/account");
	harness_response_free(&r);
	get(a, "/notifications?after=abc", NULL, &r);
	assert_redirect(&r, "/login?next=/notifications%3Fafter%3Dabc");
	harness_response_free(&r);
	/* A form posted after the session ended leads to the page of its path. */
	post_form(a, "/account", NULL, "name=x", &r);
	assert_redirect(&r, "/login?next=/account");
	harness_response_free(&r);
	post_form(a, "/account/password", NULL, "current_password=a&password=b", &r);
	assert_redirect(&r, "/login");
	harness_response_free(&r);
	/* An anonymous session is no sign-in either. */
	get(a, "/t/anon", NULL, &r);
	char *anon = harness_cookie(&r, "sd_session");
	harness_response_free(&r);
	get(a, "/account", anon, &r);
	assert_redirect(&r, "/login?next=/account");
	harness_response_free(&r);
	free(anon);
	harness_app_free(a);
}
END_TEST

/* Anonymous pages ask the database nothing for the header: with
 * PostgreSQL unreachable, the landing page still answers. */
START_TEST(anonymous_header_needs_no_database)
{
	app *a = test_app("postgresql:///nowhere?host=/nonexistent&connect_timeout=1", NULL);
	harness_response r;
	get(a, "/", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/login\">Sign in</a>"));
	ck_assert_ptr_null(strstr(r.body, "/notifications"));
	harness_response_free(&r);
	harness_app_free(a);
}
END_TEST

/* ---- the profile ---- */

START_TEST(account_page_and_signed_in_header)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-page");
	browser b;
	sign_in(a, uid, &b);
	harness_response r;
	get(a, "/account", b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	char *email = owner_query("select email from users where id = $1::uuid", uid);
	ck_assert_ptr_nonnull(strstr(r.body, email));
	/* The header: my tickets, notifications, account (current), sign out. */
	ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/my/tickets\">My tickets</a>"));
	ck_assert_ptr_nonnull(strstr(r.body, "href=\"/notifications\""));
	ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/account\" aria-current=\"page\">Account</a>"));
	ck_assert_ptr_nonnull(strstr(r.body, "action=\"/logout\""));
	char *csrf = extract(r.body, "action=\"/logout\" class=\"inline\">\n<input type=\"hidden\" name=\"_csrf\" value=\"", '"');
	ck_assert_ptr_nonnull(csrf);
	ck_assert_str_eq(csrf, b.csrf);
	ck_assert_ptr_null(strstr(r.body, "href=\"/login\""));
	/* Defaults: every email preference on; no password, so no change form. */
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"notify_reply\" value=\"1\" checked"));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"notify_closed\" value=\"1\" checked"));
	ck_assert_ptr_null(strstr(r.body, "name=\"current_password\""));
	ck_assert_ptr_nonnull(strstr(r.body, "Where you are signed in"));
	ck_assert_ptr_nonnull(strstr(r.body, "You have not rated a request yet"));
	free(csrf);
	free(email);
	harness_response_free(&r);
	browser_free(&b);
	free(uid);
	harness_app_free(a);
}
END_TEST

START_TEST(profile_update_saves)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-save");
	browser b;
	sign_in(a, uid, &b);
	harness_response r;
	post_as(a, "/account", &b,
	    "name=++Ada+Lovelace++&preferred_language=de&channels=phone&channels=email&notify_reply=1&notify_closed=on", &r);
	assert_redirect(&r, "/account?done=profile");
	harness_response_free(&r);
	assert_user_value("select name || '|' || preferred_language || '|' || array_to_string(communication_channels, ',') "
	                  "from users where id = $1::uuid", uid, "Ada Lovelace|de|email,phone");
	assert_user_value("select preferences->'notify' from users where id = $1::uuid", uid,
	    "{\"reply\": true, \"closed\": true, \"waiting\": false, \"resolved\": false}");
	/* Another engineer's email notices read exactly this. */
	assert_user_value("select string_agg(e || '=' || (coalesce(preferences->'notify'->>e, 'true') <> 'false')::text, ',') "
	                  "from users, unnest(array['reply','waiting','resolved','closed']) e where id = $1::uuid",
	    uid, "reply=true,waiting=false,resolved=false,closed=true");

	get(a, "/account?done=profile", b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "Your profile is saved."));
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"Ada Lovelace\""));
	ck_assert_ptr_nonnull(strstr(r.body, "<option value=\"de\" lang=\"de\" selected>Deutsch</option>"));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"channels\" value=\"phone\" checked"));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"channels\" value=\"chat\">"));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"notify_waiting\" value=\"1\">"));
	harness_response_free(&r);

	/* Everything off and the name cleared is a valid profile too. */
	post_as(a, "/account", &b, "name=&preferred_language=sv", &r);
	assert_redirect(&r, "/account?done=profile");
	harness_response_free(&r);
	assert_user_value("select coalesce(name, '-') || '|' || preferred_language || '|' || array_to_string(communication_channels, ',') "
	                  "from users where id = $1::uuid", uid, "-|sv|");
	browser_free(&b);
	free(uid);
	harness_app_free(a);
}
END_TEST

START_TEST(profile_bad_values_save_nothing)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-bad");
	browser b;
	sign_in(a, uid, &b);
	const char *before_sql = "select coalesce(name, '-') || '|' || preferred_language || '|' || "
	                         "array_to_string(communication_channels, ',') || '|' || preferences::text "
	                         "from users where id = $1::uuid";
	char *before = user_value(before_sql, uid);
	harness_response r;

	post_as(a, "/account", &b, "name=Kept+Name&preferred_language=xx&channels=email", &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "Please choose one of the languages in the list."));
	ck_assert_ptr_nonnull(strstr(r.body, "id=\"f-language\" name=\"preferred_language\" aria-describedby=\"f-language-desc f-language-error\" aria-invalid=\"true\""));
	ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"#f-language\">"));
	ck_assert_ptr_nonnull(strstr(r.body, "value=\"Kept Name\""));     /* the input is kept */
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"channels\" value=\"email\" checked"));
	harness_response_free(&r);

	post_as(a, "/account", &b, "name=X&preferred_language=en&channels=email&channels=fax", &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "Please choose only from the channels listed."));
	ck_assert_ptr_nonnull(strstr(r.body, "id=\"f-channels-error\""));
	harness_response_free(&r);

	/* A channel the database allows but the page does not offer. */
	post_as(a, "/account", &b, "name=X&preferred_language=en&channels=api", &r);
	ck_assert_int_eq(r.status, 422);
	harness_response_free(&r);

	char longname[400];
	memset(longname, 'n', 201);
	longname[201] = '\0';
	char body[600];
	snprintf(body, sizeof body, "name=%s&preferred_language=en", longname);
	post_as(a, "/account", &b, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "under 200 characters"));
	harness_response_free(&r);

	post_as(a, "/account", &b, "name=Two%0ALines&preferred_language=en", &r);
	ck_assert_int_eq(r.status, 422);
	harness_response_free(&r);

	char *after = user_value(before_sql, uid);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	browser_free(&b);
	free(uid);
	harness_app_free(a);
}
END_TEST

START_TEST(account_posts_need_csrf)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-csrf");
	char *other = new_customer("acct-csrf-other");
	browser b, o;
	sign_in(a, uid, &b);
	sign_in(a, other, &o);
	set_password(uid, "correct horse battery");
	harness_response r;
	post_form(a, "/account", b.cookie, "name=Forged&preferred_language=fr", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	char body[512];
	snprintf(body, sizeof body, "_csrf=%s&name=Forged&preferred_language=fr", o.csrf); /* another session's */
	post_form(a, "/account", b.cookie, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	post_form(a, "/account/password", b.cookie,
	    "_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&current_password=correct+horse+battery&password=new+password+here", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	post_form(a, "/notifications/read", b.cookie, "all=1", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	assert_user_value("select coalesce(name, '') || '|' || preferred_language from users where id = $1::uuid", uid,
	    "Signed In|en");
	ck_assert(password_is(uid, "correct horse battery"));
	assert_signed_in_as(a, b.cookie, uid);
	browser_free(&b);
	browser_free(&o);
	free(uid);
	free(other);
	harness_app_free(a);
}
END_TEST

/* ---- the password ---- */

START_TEST(password_change_wrong_current)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-pw-wrong");
	set_password(uid, "correct horse battery");
	browser b, other;
	sign_in(a, uid, &b);
	sign_in(a, uid, &other);
	harness_response r;
	post_as(a, "/account/password", &b, "current_password=wrong+horse&password=a+new+password+1", &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "That is not your current password."));
	ck_assert_ptr_nonnull(strstr(r.body, "aria-invalid=\"true\" aria-describedby=\"f-current-password-error\""));
	ck_assert_ptr_null(harness_cookie(&r, "sd_session"));  /* no new session */
	harness_response_free(&r);

	post_as(a, "/account/password", &b, "current_password=correct+horse+battery&password=short", &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "at least 10 characters"));
	harness_response_free(&r);

	post_as(a, "/account/password", &b, "password=a+new+password+1", &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "Please enter your current password."));
	harness_response_free(&r);

	ck_assert(password_is(uid, "correct horse battery"));
	assert_signed_in_as(a, b.cookie, uid);
	assert_signed_in_as(a, other.cookie, uid);
	browser_free(&b);
	browser_free(&other);
	free(uid);
	harness_app_free(a);
}
END_TEST

START_TEST(password_change_ends_other_sessions_and_rotates_this_one)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-pw");
	char *bystander = new_customer("acct-pw-bystander");
	set_password(uid, "correct horse battery");
	browser here, phone, laptop, them;
	sign_in(a, uid, &here);
	sign_in(a, uid, &phone);
	sign_in(a, uid, &laptop);
	sign_in(a, bystander, &them);
	harness_response r;
	post_as(a, "/account/password", &here, "current_password=correct+horse+battery&password=staple+battery+horse", &r);
	assert_redirect(&r, "/account?done=password");
	char *fresh = harness_cookie(&r, "sd_session");
	harness_response_free(&r);
	ck_assert_ptr_nonnull(fresh);
	ck_assert_str_ne(fresh, here.cookie);            /* a new id for this browser */
	ck_assert(password_is(uid, "staple battery horse"));
	ck_assert(!password_is(uid, "correct horse battery"));

	assert_signed_out(a, here.cookie);                /* the old id is dead */
	assert_signed_out(a, phone.cookie);               /* every other session ended */
	assert_signed_out(a, laptop.cookie);
	assert_signed_in_as(a, fresh, uid);               /* this browser stays signed in */
	assert_signed_in_as(a, them.cookie, bystander);   /* nobody else is touched */

	/* The new session has a new CSRF token; the old one is refused. */
	get(a, "/account?done=password", fresh, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "Your password is changed."));
	char *csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	ck_assert_ptr_nonnull(csrf);
	ck_assert_str_ne(csrf, here.csrf);
	/* Only this device is listed now. */
	ck_assert_ptr_nonnull(strstr(r.body, "This device"));
	ck_assert_ptr_null(strstr(r.body, "/revoke\""));
	harness_response_free(&r);
	browser b2 = { .cookie = fresh };
	snprintf(b2.csrf, sizeof b2.csrf, "%s", here.csrf);
	post_as(a, "/account", &b2, "name=Old+token&preferred_language=en", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	free(csrf);
	browser_free(&b2);
	browser_free(&here);
	browser_free(&phone);
	browser_free(&laptop);
	browser_free(&them);
	free(uid);
	free(bystander);
	harness_app_free(a);
}
END_TEST

START_TEST(no_password_offers_a_link_not_a_change)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-nopw");
	browser b;
	sign_in(a, uid, &b);
	harness_response r;
	get(a, "/account", b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "You sign in with links we email you."));
	ck_assert_ptr_null(strstr(r.body, "name=\"current_password\""));
	ck_assert_ptr_nonnull(strstr(r.body, "action=\"/account/password/link\""));
	harness_response_free(&r);
	/* "Set a password" sends the link and says so. */
	post_form(a, "/account/password/link", b.cookie, "_csrf=wrong", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	post_as(a, "/account/password/link", &b, "", &r);
	assert_redirect(&r, "/account?done=link");
	harness_response_free(&r);
	get(a, "/account?done=link", b.cookie, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "We sent you an email with a link to set your password."));
	harness_response_free(&r);
	/* Without a password there is nothing to change. */
	post_as(a, "/account/password", &b, "current_password=x&password=a+long+new+password", &r);
	ck_assert_int_eq(r.status, 422);
	harness_response_free(&r);
	assert_user_value("select (password_hash is null)::text from users where id = $1::uuid", uid, "true");
	browser_free(&b);
	free(uid);
	harness_app_free(a);
}
END_TEST

/* ---- sessions ---- */

#define UA_FIREFOX_LINUX "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
#define UA_CHROME_ANDROID "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"

/* The public id in the first revoke form after `marker` (malloc'd), or NULL. */
static char *revoke_id_after(const char *html, const char *marker)
{
	const char *p = strstr(html, marker);
	if (!p)
		return NULL;
	return extract(p, "action=\"/account/sessions/", '/');
}

START_TEST(sessions_listed_with_device_address_and_last_seen)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-sess");
	browser laptop, phone;
	sign_in_from(a, uid, UA_FIREFOX_LINUX, "192.0.2.10", &laptop);
	sign_in_from(a, uid, UA_CHROME_ANDROID, "198.51.100.7", &phone);
	harness_response r;
	/* The phone comes back from another address: the list shows the latest. */
	request_as(a, "GET", "/t/whoami", phone.cookie, NULL, UA_CHROME_ANDROID, "198.51.100.8", &r);
	harness_response_free(&r);
	request_as(a, "GET", "/account", laptop.cookie, NULL, UA_FIREFOX_LINUX, "192.0.2.10", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "Firefox on Linux <span class=\"tag\">This device</span>"));
	ck_assert_ptr_nonnull(strstr(r.body, "Chrome on Android</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "198.51.100.8 · last seen <time datetime=\"20"));
	ck_assert_ptr_nonnull(strstr(r.body, "192.0.2.10 · last seen"));
	ck_assert_ptr_nonnull(strstr(r.body, ">just now</time>"));
	/* One revoke form: the other session's; named by a public id that is
	 * neither cookie nor key hash. */
	char *pid = revoke_id_after(r.body, "Chrome on Android");
	ck_assert_ptr_nonnull(pid);
	ck_assert_int_eq((int)strlen(pid), 22);
	ck_assert_ptr_null(strstr(laptop.cookie, pid));
	ck_assert_ptr_null(strstr(phone.cookie, pid));
	ck_assert_ptr_null(revoke_id_after(strstr(r.body, "Chrome on Android") + 1, "Firefox on Linux"));
	free(pid);
	harness_response_free(&r);
	browser_free(&laptop);
	browser_free(&phone);
	free(uid);
	harness_app_free(a);
}
END_TEST

START_TEST(revoke_a_session_and_never_another_users)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-revoke");
	char *eve = new_customer("acct-revoke-eve");
	browser laptop, phone, eve_laptop, eve_phone;
	sign_in_from(a, uid, UA_FIREFOX_LINUX, NULL, &laptop);
	sign_in_from(a, uid, UA_CHROME_ANDROID, NULL, &phone);
	sign_in_from(a, eve, UA_FIREFOX_LINUX, NULL, &eve_laptop);
	sign_in_from(a, eve, UA_CHROME_ANDROID, NULL, &eve_phone);
	harness_response r;

	/* Eve's phone session, as her own page names it. */
	get(a, "/account", eve_laptop.cookie, &r);
	char *eve_phone_id = revoke_id_after(r.body, "Chrome on Android");
	ck_assert_ptr_nonnull(eve_phone_id);
	harness_response_free(&r);

	/* Her id on our revoke route: 404, and nothing is signed out. */
	char uri[256];
	snprintf(uri, sizeof uri, "/account/sessions/%s/revoke", eve_phone_id);
	post_as(a, uri, &laptop, "", &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	assert_signed_in_as(a, eve_phone.cookie, eve);
	assert_signed_in_as(a, phone.cookie, uid);
	post_as(a, "/account/sessions/AAAAAAAAAAAAAAAAAAAAAA/revoke", &laptop, "", &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	post_as(a, "/account/sessions/not..valid/revoke", &laptop, "", &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);

	/* Our own phone: signed out, the laptop stays. */
	get(a, "/account", laptop.cookie, &r);
	char *phone_id = revoke_id_after(r.body, "Chrome on Android");
	ck_assert_ptr_nonnull(phone_id);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/account/sessions/%s/revoke", phone_id);
	post_form(a, uri, laptop.cookie, "_csrf=wrong", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	assert_signed_in_as(a, phone.cookie, uid);
	post_as(a, uri, &laptop, "", &r);
	assert_redirect(&r, "/account?done=revoked");
	harness_response_free(&r);
	assert_signed_out(a, phone.cookie);
	assert_signed_in_as(a, laptop.cookie, uid);
	assert_signed_in_as(a, eve_phone.cookie, eve);
	/* Revoked once is gone: a second time is 404. */
	post_as(a, uri, &laptop, "", &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	get(a, "/account?done=revoked", laptop.cookie, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "That session is signed out."));
	ck_assert_ptr_null(strstr(r.body, "Chrome on Android"));
	harness_response_free(&r);

	/* The laptop's own id (as another of our sessions lists it), posted
	 * from the laptop: that is signing out here. */
	browser tablet;
	sign_in_from(a, uid, UA_CHROME_ANDROID, NULL, &tablet);
	get(a, "/account", tablet.cookie, &r);
	char *laptop_id = revoke_id_after(r.body, "Firefox on Linux");
	ck_assert_ptr_nonnull(laptop_id);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/account/sessions/%s/revoke", laptop_id);
	post_as(a, uri, &laptop, "", &r);
	assert_redirect(&r, "/");
	char *cleared = harness_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(cleared);
	ck_assert_ptr_nonnull(strstr(cleared, "Max-Age=0"));
	free(cleared);
	harness_response_free(&r);
	assert_signed_out(a, laptop.cookie);
	assert_signed_in_as(a, tablet.cookie, uid);
	free(laptop_id);
	browser_free(&tablet);
	free(phone_id);
	free(eve_phone_id);
	browser_free(&laptop);
	browser_free(&phone);
	browser_free(&eve_laptop);
	browser_free(&eve_phone);
	free(uid);
	free(eve);
	harness_app_free(a);
}
END_TEST

/* redis-cli against $REDIS_URL with args; its first line of output
 * (malloc'd, "" when none). */
static char *redis_cli(const char *args)
{
	const char *url = getenv("REDIS_URL");
	ck_assert_ptr_nonnull(url);
	char cmd[1024];
	if (strncmp(url, "unix://", 7) == 0)
		snprintf(cmd, sizeof cmd, "redis-cli -s '%s' %s", url + 7, args);
	else
		snprintf(cmd, sizeof cmd, "redis-cli -u '%s' %s", url, args);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[512] = "";
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	line[strcspn(line, "\r\n")] = '\0';
	return strdup(line);
}

/* The hex sha256 of a session cookie's id: the session's key in Redis. */
static char *cookie_hash(const char *cookie)
{
	const char *v = strchr(cookie, '=') + 1;
	unsigned char raw[64];
	long n = crypto_b64url_decode(v, strlen(v), raw, sizeof raw);
	ck_assert_int_eq(n, CRYPTO_TOKEN_LEN);
	arena *a = arena_new(256);
	char *hex = strdup(crypto_sha256_hex(a, raw, (size_t)n));
	arena_free(a);
	return hex;
}

/* A session whose key expired (deleted here, as Redis would) is not
 * listed, and its id leaves the user's set when the list is read. */
START_TEST(expired_sessions_are_dropped_from_the_list)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-expired");
	browser here, gone;
	sign_in_from(a, uid, UA_FIREFOX_LINUX, NULL, &here);
	sign_in_from(a, uid, UA_CHROME_ANDROID, NULL, &gone);
	char *hash = cookie_hash(gone.cookie);
	char args[256], *out;
	snprintf(args, sizeof args, "SISMEMBER 'sd:us:{%s}' %s", uid, hash);
	out = redis_cli(args);
	ck_assert_str_eq(out, "1");
	free(out);
	snprintf(args, sizeof args, "DEL 'sd:s:{%s}'", hash);
	free(redis_cli(args));
	assert_signed_out(a, gone.cookie);

	harness_response r;
	get(a, "/account", here.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "Firefox on Linux <span class=\"tag\">This device</span>"));
	ck_assert_ptr_null(strstr(r.body, "Chrome on Android"));
	harness_response_free(&r);
	snprintf(args, sizeof args, "SISMEMBER 'sd:us:{%s}' %s", uid, hash);
	out = redis_cli(args);
	ck_assert_str_eq(out, "0");
	free(out);
	free(hash);
	browser_free(&here);
	browser_free(&gone);
	free(uid);
	harness_app_free(a);
}
END_TEST

/* ---- notifications ---- */

static char *add_notification(const char *uid, const char *title, const char *extra_sql)
{
	char sql[1024];
	snprintf(sql, sizeof sql, "select notification_add($1::uuid, 'reply', '%s', 'Content of %s', '/my/tickets/T-%s'%s)",
	    title, title, title, extra_sql ? extra_sql : "");
	char *id = owner_query(sql, uid);
	ck_assert_ptr_nonnull(id);
	return id;
}

static char *badge_of(const char *html)
{
	return extract(html, "Notifications <span class=\"badge\">", '<');
}

START_TEST(notifications_list_only_own_and_not_expired)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-notes");
	char *bob = new_customer("acct-notes-bob");
	char *n1 = add_notification(uid, "First-for-ada", NULL);
	char *n2 = add_notification(uid, "Second-for-ada", NULL);
	char *gone = add_notification(uid, "Expired-for-ada", ", '{}', now() - interval '1 minute'");
	char *later = add_notification(uid, "Expires-later-for-ada", ", '{}', now() + interval '1 day'");
	char *nb = add_notification(bob, "Private-for-bob", NULL);
	browser b;
	sign_in(a, uid, &b);
	harness_response r;
	get(a, "/notifications", b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "First-for-ada"));
	ck_assert_ptr_nonnull(strstr(r.body, "Second-for-ada"));
	ck_assert_ptr_nonnull(strstr(r.body, "Expires-later-for-ada"));
	ck_assert_ptr_null(strstr(r.body, "Expired-for-ada"));
	ck_assert_ptr_null(strstr(r.body, "Private-for-bob"));
	ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/my/tickets/T-First-for-ada\">First-for-ada</a>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<span class=\"tag tag-unread\">Unread</span>"));
	/* Newest first. */
	ck_assert(strstr(r.body, "Expires-later-for-ada") < strstr(r.body, "Second-for-ada"));
	ck_assert(strstr(r.body, "Second-for-ada") < strstr(r.body, "First-for-ada"));
	/* The header counts the three unread, unexpired ones, accessibly. */
	char *badge = badge_of(r.body);
	ck_assert_ptr_nonnull(badge);
	ck_assert_str_eq(badge, "3");
	ck_assert_ptr_nonnull(strstr(r.body, "<span class=\"visually-hidden\"> unread</span>"));
	ck_assert_ptr_nonnull(strstr(r.body, "href=\"/notifications\" class=\"nav-notifications\" aria-current=\"page\""));
	free(badge);
	harness_response_free(&r);
	/* On any page. */
	get(a, "/", b.cookie, &r);
	badge = badge_of(r.body);
	ck_assert_ptr_nonnull(badge);
	ck_assert_str_eq(badge, "3");
	free(badge);
	harness_response_free(&r);

	/* Bob's page knows nothing of Ada's. */
	browser bb;
	sign_in(a, bob, &bb);
	get(a, "/notifications", bb.cookie, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "Private-for-bob"));
	ck_assert_ptr_null(strstr(r.body, "for-ada"));
	badge = badge_of(r.body);
	ck_assert_str_eq(badge, "1");
	free(badge);
	harness_response_free(&r);
	free(n1);
	free(n2);
	free(gone);
	free(later);
	free(nb);
	browser_free(&b);
	browser_free(&bb);
	free(uid);
	free(bob);
	harness_app_free(a);
}
END_TEST

START_TEST(notifications_mark_read_own_only)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-read");
	char *bob = new_customer("acct-read-bob");
	char *n1 = add_notification(uid, "One", NULL);
	char *n2 = add_notification(uid, "Two", NULL);
	char *n3 = add_notification(uid, "Three", NULL);
	char *nb = add_notification(bob, "Bobs", NULL);
	browser b;
	sign_in(a, uid, &b);
	harness_response r;
	char fields[512];
	/* Ours, Bob's, and junk: only ours changes. */
	snprintf(fields, sizeof fields, "id=%s&id=%s&id=not-a-uuid", n1, nb);
	post_as(a, "/notifications/read", &b, fields, &r);
	assert_redirect(&r, "/notifications?done=read");
	harness_response_free(&r);
	assert_user_value("select read::text from notifications where id = $1::uuid", n1, "true");
	assert_user_value("select (read_at is not null)::text from notifications where id = $1::uuid", n1, "true");
	assert_user_value("select read::text from notifications where id = $1::uuid", nb, "false");
	assert_user_value("select read::text from notifications where id = $1::uuid", n2, "false");
	get(a, "/notifications?done=read", b.cookie, &r);
	char *badge = badge_of(r.body);
	ck_assert_str_eq(badge, "2");
	free(badge);
	ck_assert_ptr_nonnull(strstr(r.body, "Marked as read."));
	ck_assert_ptr_nonnull(strstr(r.body, "<span class=\"tag\">Read</span> <a href=\"/my/tickets/T-One\">"));
	harness_response_free(&r);

	/* Nothing chosen: nothing changes. */
	post_as(a, "/notifications/read", &b, "", &r);
	assert_redirect(&r, "/notifications?done=none");
	harness_response_free(&r);

	/* All: every one of ours, none of Bob's; the badge goes away. */
	post_as(a, "/notifications/read", &b, "all=1", &r);
	assert_redirect(&r, "/notifications?done=read");
	harness_response_free(&r);
	assert_user_value("select count(*)::text from notifications where user_id = $1::uuid and not read", uid, "0");
	assert_user_value("select read::text from notifications where id = $1::uuid", nb, "false");
	get(a, "/notifications", b.cookie, &r);
	ck_assert_ptr_null(strstr(r.body, "class=\"badge\""));
	harness_response_free(&r);
	free(n1);
	free(n2);
	free(n3);
	free(nb);
	browser_free(&b);
	free(uid);
	free(bob);
	harness_app_free(a);
}
END_TEST

START_TEST(notifications_pages_and_capped_count)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-many");
	/* 120 unread, a second apart, so the order is certain. */
	char *n = owner_query("select count(notification_add($1::uuid, 'bulk', 'Bulk ' || lpad(g::text, 3, '0'))) "
	                      "from generate_series(1, 120) g", uid);
	ck_assert_str_eq(n, "120");
	free(n);
	n = owner_query("with u as (update notifications set created_at = now() - (interval '1 second' * (200 - "
	                "substr(title, 6)::int)) where user_id = $1::uuid returning 1) select count(*) from u", uid);
	ck_assert_str_eq(n, "120");
	free(n);
	browser b;
	sign_in(a, uid, &b);
	harness_response r;
	get(a, "/notifications", b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	char *badge = badge_of(r.body);
	ck_assert_str_eq(badge, "99+");
	free(badge);
	ck_assert_ptr_nonnull(strstr(r.body, " Bulk 120</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, " Bulk 101</p>"));
	ck_assert_ptr_null(strstr(r.body, " Bulk 100</p>"));
	char *next = extract(r.body, "href=\"/notifications?after=", '"');
	ck_assert_ptr_nonnull(next);
	harness_response_free(&r);

	/* Page 2 starts right after page 1: no gap, no repeat. */
	char uri[128];
	snprintf(uri, sizeof uri, "/notifications?after=%s", next);
	get(a, uri, b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, " Bulk 100</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, " Bulk 081</p>"));
	ck_assert_ptr_null(strstr(r.body, " Bulk 101</p>"));
	ck_assert_ptr_null(strstr(r.body, " Bulk 080</p>"));
	/* Marking from page 2 comes back to page 2. */
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"after\" value=\""));
	harness_response_free(&r);
	char fields[256];
	snprintf(fields, sizeof fields, "after=%s&all=1", next);
	post_as(a, "/notifications/read", &b, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/notifications?after=%s&done=read", next);
	assert_redirect(&r, want);
	harness_response_free(&r);

	get(a, "/notifications?after=nonsense", b.cookie, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	/* Someone else's (or an unknown) id as a cursor gives an empty page. */
	get(a, "/notifications?after=00000000-0000-4000-8000-000000000000", b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "No older notifications."));
	harness_response_free(&r);
	free(next);
	browser_free(&b);
	free(uid);
	harness_app_free(a);
}
END_TEST

/* ---- feedback ---- */

START_TEST(feedback_history_newest_first)
{
	app *a = test_app(NULL, NULL);
	char *uid = new_customer("acct-fb");
	char *other = new_customer("acct-fb-other");
	/* Three resolved tickets: two rated by the user (one with a comment),
	 * one rated by someone else. */
#define MK_TICKET(title) "with t as (insert into tickets (requester_id, title, description, status) " \
	"values ($1::uuid, '" title "', 'description here', 'resolved') returning id) select id from t"
	char *t1 = owner_query(MK_TICKET("Older rated <b>ticket</b>"), uid);
	char *t2 = owner_query(MK_TICKET("Newer rated ticket"), uid);
	char *t3 = owner_query(MK_TICKET("Not mine"), other);
#undef MK_TICKET
	ck_assert(t1 && t2 && t3);
	char *x = owner_query("with u as (update tickets set satisfaction_rating = 2, satisfaction_comment = null, "
	                      "satisfaction_submitted_at = now() - interval '3 days' where id = $1::uuid returning 1) "
	                      "select count(*) from u", t1);
	free(x);
	x = owner_query("with u as (update tickets set satisfaction_rating = 5, satisfaction_comment = 'Quick & <kind>', "
	                "satisfaction_submitted_at = now() - interval '1 day' where id = $1::uuid returning 1) "
	                "select count(*) from u", t2);
	free(x);
	x = owner_query("with u as (update tickets set satisfaction_rating = 1, satisfaction_comment = 'Someone else', "
	                "satisfaction_submitted_at = now() where id = $1::uuid returning 1) select count(*) from u", t3);
	free(x);
	browser b;
	sign_in(a, uid, &b);
	harness_response r;
	get(a, "/account", b.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	const char *newer = strstr(r.body, "Newer rated ticket");
	const char *older = strstr(r.body, "Older rated &lt;b&gt;ticket&lt;/b&gt;");
	ck_assert_ptr_nonnull(newer);
	ck_assert_ptr_nonnull(older);
	ck_assert(newer < older);
	ck_assert_ptr_nonnull(strstr(r.body, "Rated 5 out of 5"));
	ck_assert_ptr_nonnull(strstr(r.body, "Rated 2 out of 5"));
	ck_assert_ptr_nonnull(strstr(r.body, "Quick &amp; &lt;kind&gt;"));
	ck_assert_ptr_nonnull(strstr(r.body, ">about a day ago</time>"));
	ck_assert_ptr_null(strstr(r.body, "Someone else"));
	ck_assert_ptr_null(strstr(r.body, "Not mine"));
	harness_response_free(&r);
	free(t1);
	free(t2);
	free(t3);
	browser_free(&b);
	free(uid);
	free(other);
	harness_app_free(a);
}
END_TEST

Suite *account_suite(void)
{
	Suite *s = suite_create("account");
	TCase *tc = tcase_create("account");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, signed_out_account_redirects_to_login);
	tcase_add_test(tc, anonymous_header_needs_no_database);
	tcase_add_test(tc, account_page_and_signed_in_header);
	tcase_add_test(tc, profile_update_saves);
	tcase_add_test(tc, profile_bad_values_save_nothing);
	tcase_add_test(tc, account_posts_need_csrf);
	tcase_add_test(tc, password_change_wrong_current);
	tcase_add_test(tc, password_change_ends_other_sessions_and_rotates_this_one);
	tcase_add_test(tc, no_password_offers_a_link_not_a_change);
	tcase_add_test(tc, sessions_listed_with_device_address_and_last_seen);
	tcase_add_test(tc, revoke_a_session_and_never_another_users);
	tcase_add_test(tc, expired_sessions_are_dropped_from_the_list);
	tcase_add_test(tc, notifications_list_only_own_and_not_expired);
	tcase_add_test(tc, notifications_mark_read_own_only);
	tcase_add_test(tc, notifications_pages_and_capped_count);
	tcase_add_test(tc, feedback_history_newest_first);
	suite_add_tcase(s, tc);
	return s;
}
