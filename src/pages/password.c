/* password.c: choosing a password by email link: "forgot password"
 * (GET, POST /password/forgot), the link itself (GET, POST
 * /password/reset/{token}), and the email the account page sends for "set a
 * password". A GET of the link only shows the form; the POST consumes it,
 * ends every session of the user and signs this browser in afresh. */
#include <stdlib.h>
#include <string.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "model/auth.h"
#include "model/submit_form.h"
#include "pages/pages.h"

#define FORM_FORGOT "password_forgot"
#define FORM_RESET "password_reset"

const char *page_password_problem(str password)
{
	if (!password.len)
		return "Enter a new password.";
	if (password.len > CRYPTO_PASSWORD_MAX_BYTES)
		return "Use at most 1024 bytes (about 1,000 letters) for the password.";
	if (form_chars(password) < CRYPTO_PASSWORD_MIN_CHARS)
		return "Use at least 10 characters for the password. A few words you will remember make a good one.";
	return NULL;
}

int page_password_link_view(req *r, const char *user_id, tv **view)
{
	const config *cfg = r->app->cfg;
	char *token;
	if (reset_link_create(r->app->kv, r->a, user_id, cfg->password_reset_ttl_s, &token) != KV_OK)
		return 503;
	tv *v = tv_object(r->a);
	tv_set_str(r->a, v, "site_name", "Supportdesk");
	tv_set_str(r->a, v, "link", arena_sprintf(r->a, "%s/password/reset/%s", cfg->base_url, token));
	tv_set_int(r->a, v, "minutes", cfg->password_reset_ttl_s / 60);
	*view = v;
	return 0;
}

int page_send_password_link(req *r, const char *user_id, const char *email)
{
	tv *v;
	int st = page_password_link_view(r, user_id, &v);
	if (st)
		return st;
	if (!user_id) {
		st = page_email_decoy(r, "password_reset", v);
		return st ? st : auth_decoy_write(page_tx(r)) == 0 ? 0 : page_db_failure(r);
	}
	return page_email(r, "password_reset", v, email, NULL, NULL, user_id, NULL);
}

/* The view's error summary: each message linked to its field. */
static void summary(req *r, tv *v, const form_errors *errors)
{
	tv *list = tv_list(r->a);
	for (size_t i = 0; i < errors->len; i++) {
		tv *s = tv_object(r->a);
		const char *f = errors->items[i].field;
		tv_set_str(r->a, s, "anchor", strcmp(f, "form") == 0 ? "f-email" : arena_sprintf(r->a, "f-%s", f));
		tv_set_str(r->a, s, "message", errors->items[i].message);
		tv_push(r->a, list, s);
	}
	tv_set(r->a, v, "errors", list);
	tv_set_bool(r->a, v, "has_errors", errors->len > 0);
	const char *form = form_errors_get(errors, "form");
	if (form)
		tv_set_str(r->a, v, "form_error", form);
}

static void field(req *r, tv *v, const char *key, str value, const form_errors *errors)
{
	tv *f = tv_object(r->a);
	if (value.ptr)
		tv_set_strn(r->a, f, "value", value.ptr, value.len);
	const char *err = form_errors_get(errors, key);
	if (err) {
		tv_set_str(r->a, f, "error", err);
		tv_set_str(r->a, f, "error_id", arena_sprintf(r->a, "f-%s-error", key));
	}
	tv_set(r->a, v, key, f);
}

/* ---- /password/forgot ---- */

static int forgot_page(req *r, int status, str email, const form_errors *errors)
{
	tv *v = page_view(r);
	tv_set_str(r->a, v, "csrf", page_csrf_token(r, FORM_FORGOT));
	tv_set_int(r->a, v, "minutes", r->app->cfg->password_reset_ttl_s / 60);
	field(r, v, "email", email, errors);
	summary(r, v, errors);
	return page_render(r, status, "password_forgot", v);
}

int page_password_forgot_form(req *r)
{
	str email = form_trim(req_query_get(r, "email"));
	form_errors none = { 0 };
	return forgot_page(r, 200, email.len && form_email_valid(email) ? email : STR_NULL, &none);
}

int page_password_forgot_post(req *r)
{
	const config *cfg = r->app->cfg;
	/* The same budget as sign-in links: both send an email with a link. */
	int st = page_ratelimit(r, "link_request_ip", str_from_cstr(page_client_ip(r)), cfg->rate_login_link_ip.limit,
	    cfg->rate_login_link_ip.window_s);
	if (st)
		return st;
	str email = form_trim(req_form_get(r, "email"));
	form_errors errors = { 0 };
	if (!page_csrf_ok(r, FORM_FORGOT)) {
		form_errors_add(r->a, &errors, "form",
		    "This page had expired or was not sent from this site. Please send it again.");
		return forgot_page(r, 403, email, &errors);
	}
	if (!email.len)
		form_errors_add(r->a, &errors, "email", "Enter your email address.");
	else if (!form_email_valid(email))
		form_errors_add(r->a, &errors, "email", "Enter an email address like name@example.com.");
	if (errors.len)
		return forgot_page(r, 422, email, &errors);
	if ((st = page_ratelimit(r, "link_request_email",
	         str_from_cstr(form_email_bucket(r->a, email, cfg->email_strip_plus)),
	         cfg->rate_login_link_email.limit, cfg->rate_login_link_email.window_s)))
		return st;
	const char *addr = str_dup(r->a, email);
	auth_login acct;
	int found = auth_login_find(page_tx(r), addr, &acct);
	if (found < 0)
		return page_db_failure(r);
	if ((st = page_send_password_link(r, found && acct.is_active ? acct.user_id : NULL, addr)))
		return st;
	return page_auth_sent(r, "is_reset", addr, cfg->password_reset_ttl_s / 60);
}

/* ---- /password/reset/{token} ---- */

static int reset_limit(req *r)
{
	const config *cfg = r->app->cfg;
	return page_ratelimit(r, "reset_ip", str_from_cstr(page_client_ip(r)), cfg->rate_login_link_ip.limit,
	    cfg->rate_login_link_ip.window_s);
}

static int reset_page(req *r, int status, bool valid, const form_errors *errors)
{
	tv *v = page_view(r);
	tv_set_bool(r->a, v, valid ? "is_valid" : "is_invalid", true);
	tv_set_str(r->a, v, "csrf", page_csrf_token(r, FORM_RESET));
	tv_set_str(r->a, v, "token", str_dup(r->a, req_route_get(r, "token")));
	tv_set_int(r->a, v, "min_chars", CRYPTO_PASSWORD_MIN_CHARS);
	field(r, v, "password", STR_NULL, errors);
	field(r, v, "password_confirm", STR_NULL, errors);
	summary(r, v, errors);
	return page_render(r, status, "password_reset", v);
}

int page_password_reset_form(req *r)
{
	int st = reset_limit(r);
	if (st)
		return st;
	bool valid;
	if (reset_link_peek(r->app->kv, r->a, req_route_get(r, "token"), &valid) != KV_OK)
		return 503;
	form_errors none = { 0 };
	return reset_page(r, valid ? 200 : 410, valid, &none);
}

int page_password_reset_post(req *r)
{
	int st = reset_limit(r);
	if (st)
		return st;
	form_errors errors = { 0 };
	str token = req_route_get(r, "token");
	bool valid;
	if (reset_link_peek(r->app->kv, r->a, token, &valid) != KV_OK)
		return 503;
	if (!valid)
		return reset_page(r, 410, false, &errors);
	if (!page_csrf_ok(r, FORM_RESET)) {
		form_errors_add(r->a, &errors, "form",
		    "This page had expired or was not sent from this site. Please type your new password again.");
		return reset_page(r, 403, true, &errors);
	}
	/* The form is checked before the link is spent: a typo costs nothing. */
	str pw = req_form_get(r, "password"), confirm = req_form_get(r, "password_confirm");
	const char *problem = page_password_problem(pw);
	if (problem)
		form_errors_add(r->a, &errors, "password", problem);
	else if (!confirm.len)
		form_errors_add(r->a, &errors, "password_confirm", "Enter the new password a second time, to be sure of it.");
	else if (pw.len != confirm.len || !crypto_equal(pw.ptr, confirm.ptr, pw.len))
		form_errors_add(r->a, &errors, "password_confirm", "The two passwords are not the same. Type them again.");
	if (errors.len)
		return reset_page(r, 422, true, &errors);

	char *user_id;
	if (reset_link_consume(r->app->kv, r->a, token, &user_id) != KV_OK)
		return 503;
	if (!user_id) /* used by a second tab a moment ago */
		return reset_page(r, 410, false, &errors);
	char *hash = crypto_password_hash(pw.ptr, pw.len);
	if (!hash)
		return 500;
	char *stored = arena_strdup(r->a, hash);
	free(hash);
	if ((st = page_act_as(r, user_id)))
		return st;
	int rc = auth_password_set(page_tx(r), stored);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) /* deactivated meanwhile */
		return reset_page(r, 410, false, &errors);
	/* A new password ends every session of the account, and every link
	 * sent before it; this browser is signed in with a new one. */
	long ended;
	if (session_destroy_all(r->app->kv, r->a, user_id, &ended) != KV_OK ||
	    user_links_revoke(r->app->kv, r->a, user_id) != KV_OK)
		return 503;
	log_info("password changed by link", "rid=%s sessions_ended=%ld", r->request_id, ended);
	bool refused;
	if ((st = page_signin_finish(r, true, false, NULL, &refused)))
		return st;
	return refused ? reset_page(r, 410, false, &errors) : 0;
}
