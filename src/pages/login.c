/* login.c: signing in (GET, POST /login) with a password, and asking for a
 * sign-in link by email (POST /login/link). An unknown address, a wrong
 * password and a deactivated account get the same answer after the same
 * work: one argon2id verification (against a dummy hash when there is no
 * real one), and for links the same Redis, template and database work with
 * nothing queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "model/auth.h"
#include "model/email.h"
#include "model/submit_form.h"
#include "pages/pages.h"

#define FORM_LOGIN "login"
#define FORM_LINK "login_link_request"
#define NEXT_MAX 2048

/* Session levels: a change of level issues a new session id. */
#define LEVEL_CUSTOMER 1
#define LEVEL_STAFF 2

#define WRONG_CREDENTIALS "The email address or the password is not right. Check both, or get a sign-in link by email below."

/* ---- shared with login_link.c and password.c (pages.h) ---- */

bool page_local_path(const char *p)
{
	if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\')
		return false;
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)p; *c; c++, n++)
		/* Browsers drop tabs and newlines from URLs ("/\t/evil" is
		 * "//evil") and read a backslash as a slash. */
		if (*c < 0x20 || *c == 0x7f || *c == '\\' || n >= NEXT_MAX)
			return false;
	return true;
}

static const char *home_of(bool is_staff)
{
	return is_staff ? "/desk" : "/my/tickets";
}

int page_signin_finish(req *r, bool email_proved, bool remember, const char *next, bool *refused)
{
	*refused = false;
	bool may, staff;
	if (auth_signin_check(page_tx(r), email_proved, &may, &staff) != 0)
		return page_db_failure(r);
	if (!may) {
		*refused = true;
		/* Back to whoever the browser was: nobody was signed in. */
		return page_act_as(r, r->session ? r->session->user_id : NULL);
	}
	/* Staff sessions end after the idle timeout whatever the box says; a
	 * remembered customer stays signed in for the remember lifetime. */
	int st = page_session_signin(r, r->user_id, remember && !staff, staff ? LEVEL_STAFF : LEVEL_CUSTOMER);
	if (st)
		return st;
	resp_redirect(r, 303, page_local_path(next) ? next : home_of(staff));
	return 0;
}

/* "2 hours", "1 hour", "90 minutes": a lifetime in the words of the form. */
static const char *lifetime_words(arena *a, long s)
{
	if (s % 3600 == 0)
		return s == 3600 ? "1 hour" : arena_sprintf(a, "%ld hours", s / 3600);
	return arena_sprintf(a, "%ld minutes", (s + 59) / 60);
}

/* ---- the page ---- */

typedef struct {
	str email;          /* trimmed */
	str password;
	str link_email;     /* the link form's address */
	bool remember;
	const char *next;   /* a local path, or NULL */
} login_input;

static const char *next_of(req *r, str posted)
{
	if (!posted.len || posted.len > NEXT_MAX)
		return NULL;
	char *p = str_dup(r->a, posted);
	return page_local_path(p) ? p : NULL;
}

static void field(req *r, tv *view, const char *key, const char *id, str value, const form_errors *errors,
    const char *also_describedby)
{
	arena *a = r->a;
	tv *f = tv_object(a);
	if (value.ptr)
		tv_set_strn(a, f, "value", value.ptr, value.len);
	const char *err = form_errors_get(errors, key);
	const char *err_id = arena_sprintf(a, "%s-error", id);
	if (err) {
		tv_set_str(a, f, "error", err);
		tv_set_str(a, f, "error_id", err_id);
	}
	const char *dby = err && also_describedby ? arena_sprintf(a, "%s %s", also_describedby, err_id)
	                  : err ? err_id : also_describedby;
	if (dby)
		tv_set_str(a, f, "describedby", dby);
	tv_set(a, view, key, f);
}

static int login_page(req *r, int status, const login_input *in, const form_errors *errors)
{
	arena *a = r->a;
	const config *cfg = r->app->cfg;
	tv *v = page_view(r);
	tv_set_str(a, v, "csrf", page_csrf_token(r, FORM_LOGIN));
	tv_set_str(a, v, "csrf_link", page_csrf_token(r, FORM_LINK));
	if (in->next)
		tv_set_str(a, v, "next", in->next);
	tv_set_bool(a, v, "remember", in->remember);
	tv_set_int(a, v, "remember_days", cfg->session_remember_s / 86400);
	tv_set_str(a, v, "staff_idle", lifetime_words(a, cfg->session_idle_s));
	tv_set_int(a, v, "link_minutes", cfg->login_link_ttl_s / 60);
	/* A wrong password is no one field's fault: the message sits above the
	 * form, and both fields point at it. */
	const char *form = form_errors_get(errors, "form");
	const char *cred = form_errors_get(errors, "credentials");
	if (form || cred)
		tv_set_str(a, v, "form_error", form ? form : cred);
	field(r, v, "email", "f-email", in->email, errors, cred || form ? "login-error" : NULL);
	field(r, v, "password", "f-password", STR_NULL, errors, cred || form ? "login-error" : NULL);
	field(r, v, "link_email", "f-link-email", in->link_email, errors, NULL);
	const char *lf = form_errors_get(errors, "link_form");
	if (lf)
		tv_set_str(a, v, "link_form_error", lf);
	tv *summary = tv_list(a);
	for (size_t i = 0; i < errors->len; i++) {
		const char *f = errors->items[i].field;
		tv *s = tv_object(a);
		tv_set_str(a, s, "anchor", strcmp(f, "link_email") == 0 || strcmp(f, "link_form") == 0 ? "f-link-email"
		    : strcmp(f, "password") == 0 ? "f-password" : "f-email");
		tv_set_str(a, s, "message", errors->items[i].message);
		tv_push(a, summary, s);
	}
	tv_set(a, v, "errors", summary);
	tv_set_bool(a, v, "has_errors", errors->len > 0);
	return page_render(r, status, "login", v);
}

static void check_email(req *r, str email, const char *key, form_errors *errors)
{
	if (!email.len)
		form_errors_add(r->a, errors, key, "Enter your email address.");
	else if (!form_email_valid(email))
		form_errors_add(r->a, errors, key, "Enter an email address like name@example.com.");
}

/* The bucket an address counts against for the per-email limits. */
static str email_bucket(req *r, str email)
{
	return str_from_cstr(form_email_bucket(r->a, email, r->app->cfg->email_strip_plus));
}

int page_login_form(req *r)
{
	login_input in = { .next = next_of(r, req_query_get(r, "next")) };
	if (r->user_id) {
		/* Signed in already: on to where the visitor was going. */
		bool may, staff;
		if (auth_signin_check(page_tx(r), false, &may, &staff) != 0)
			return page_db_failure(r);
		if (may) {
			resp_redirect(r, 303, in.next ? in.next : home_of(staff));
			return 0;
		}
	}
	str email = form_trim(req_query_get(r, "email"));
	if (email.len && form_email_valid(email))
		in.email = in.link_email = email;
	form_errors none = { 0 };
	return login_page(r, 200, &in, &none);
}

/* ---- POST /login ---- */

/* A hash of a random password, made once per worker: an address without an
 * account (or without a password) is verified against it, so that it takes
 * what a wrong password takes. */
static const char *dummy_hash(void)
{
	static char *hash;
	if (!hash) {
		unsigned char raw[32];
		crypto_random(raw, sizeof raw);
		hash = crypto_password_hash((const char *)raw, sizeof raw);
	}
	return hash;
}

int page_login_post(req *r)
{
	const config *cfg = r->app->cfg;
	int st = page_ratelimit(r, "login_ip", str_from_cstr(page_client_ip(r)), cfg->rate_login_ip.limit,
	    cfg->rate_login_ip.window_s);
	if (st)
		return st;
	login_input in = {
		.email = form_trim(req_form_get(r, "email")),
		.password = req_form_get(r, "password"),
		.remember = req_form_get(r, "remember").len > 0,
		.next = next_of(r, req_form_get(r, "next")),
	};
	form_errors errors = { 0 };
	if (!page_csrf_ok(r, FORM_LOGIN)) {
		form_errors_add(r->a, &errors, "form",
		    "This page had expired or was not sent from this site. Please enter your password again.");
		return login_page(r, 403, &in, &errors);
	}
	check_email(r, in.email, "email", &errors);
	if (!in.password.len)
		form_errors_add(r->a, &errors, "password", "Enter your password.");
	else if (in.password.len > CRYPTO_PASSWORD_MAX_BYTES)
		form_errors_add(r->a, &errors, "password", "Passwords here have at most 1024 bytes: this one is longer.");
	if (errors.len)
		return login_page(r, 422, &in, &errors);
	if ((st = page_ratelimit(r, "login_email", email_bucket(r, in.email), cfg->rate_login_email.limit,
	         cfg->rate_login_email.window_s)))
		return st;

	const char *dummy = dummy_hash();
	if (!dummy)
		return 500;
	auth_login acct;
	int found = auth_login_find(page_tx(r), str_dup(r->a, in.email), &acct);
	if (found < 0)
		return page_db_failure(r);
	const char *hash = found && acct.password_hash ? acct.password_hash : dummy;
	if ((st = page_tx_end_reads(r)))
		return st;
	/* One verification whatever the account: the answer and its time say
	 * nothing about which of the three was wrong. */
	bool good = crypto_password_verify(hash, in.password.ptr, in.password.len);
	if (!good || !found || !acct.password_hash || !acct.is_active) {
		log_info("sign-in refused", "rid=%s", r->request_id);
		form_errors_add(r->a, &errors, "credentials", WRONG_CREDENTIALS);
		in.link_email = in.email; /* "or get a link below": ready to send */
		return login_page(r, 422, &in, &errors);
	}
	if ((st = page_act_as(r, acct.user_id)))
		return st;
	if (crypto_password_needs_rehash(acct.password_hash)) {
		/* Made under weaker parameters than today's: now that we hold the
		 * password, store a current hash. */
		char *fresh = crypto_password_hash(in.password.ptr, in.password.len);
		if (!fresh)
			return 500;
		int rc = auth_password_rehash(page_tx(r), acct.password_hash, fresh);
		free(fresh);
		if (rc < 0)
			return page_db_failure(r);
		log_info("password hash upgraded", "rid=%s done=%d", r->request_id, rc);
	}
	bool refused;
	if ((st = page_signin_finish(r, false, in.remember, in.next, &refused)))
		return st;
	if (refused) {
		form_errors_add(r->a, &errors, "credentials", WRONG_CREDENTIALS);
		return login_page(r, 422, &in, &errors);
	}
	return 0;
}

/* ---- POST /login/link ---- */

/* Queues the sign-in email for user_id (NULL: an address with no active
 * account, which gets the same work and nothing queued). */
static int send_signin_link(req *r, const char *user_id, const char *email, const char *next)
{
	const config *cfg = r->app->cfg;
	char *token;
	if (signin_link_create_sole(r->app->kv, r->a, user_id, next ? next : "", cfg->login_link_ttl_s, &token) != KV_OK)
		return 503;
	tv *v = tv_object(r->a);
	tv_set_str(r->a, v, "site_name", "Supportdesk");
	tv_set_str(r->a, v, "link", arena_sprintf(r->a, "%s/login/link/%s", cfg->base_url, token));
	tv_set_int(r->a, v, "minutes", cfg->login_link_ttl_s / 60);
	if (!user_id) {
		int st = page_email_decoy(r, "signin_link", v);
		return st ? st : auth_decoy_write(page_tx(r)) == 0 ? 0 : page_db_failure(r);
	}
	return page_email(r, "signin_link", v, email, NULL, NULL, user_id, NULL);
}

int page_auth_sent(req *r, const char *kind, const char *email, int minutes)
{
	tv *v = page_view(r);
	tv_set_bool(r->a, v, kind, true);
	tv_set_str(r->a, v, "email", email);
	tv_set_int(r->a, v, "minutes", minutes);
	return page_render(r, 200, "auth_sent", v);
}

int page_login_link_request(req *r)
{
	const config *cfg = r->app->cfg;
	int st = page_ratelimit(r, "link_request_ip", str_from_cstr(page_client_ip(r)), cfg->rate_login_link_ip.limit,
	    cfg->rate_login_link_ip.window_s);
	if (st)
		return st;
	login_input in = {
		.link_email = form_trim(req_form_get(r, "email")),
		.next = next_of(r, req_form_get(r, "next")),
	};
	form_errors errors = { 0 };
	if (!page_csrf_ok(r, FORM_LINK)) {
		form_errors_add(r->a, &errors, "link_form",
		    "This page had expired or was not sent from this site. Please ask for the link again.");
		return login_page(r, 403, &in, &errors);
	}
	check_email(r, in.link_email, "link_email", &errors);
	if (errors.len)
		return login_page(r, 422, &in, &errors);
	if ((st = page_ratelimit(r, "link_request_email", email_bucket(r, in.link_email),
	         cfg->rate_login_link_email.limit, cfg->rate_login_link_email.window_s)))
		return st;
	const char *email = str_dup(r->a, in.link_email);
	auth_login acct;
	int found = auth_login_find(page_tx(r), email, &acct);
	if (found < 0)
		return page_db_failure(r);
	if ((st = send_signin_link(r, found && acct.is_active ? acct.user_id : NULL, email, in.next)))
		return st;
	return page_auth_sent(r, "is_signin", email, cfg->login_link_ttl_s / 60);
}
