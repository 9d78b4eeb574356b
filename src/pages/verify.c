/* verify.c: the email verification link (GET, POST /verify/{token}). A GET
 * only shows a confirm button, because mail scanners fetch links; the POST
 * consumes the token once, creates the ticket, signs the browser in and
 * goes to the ticket. */
#include <string.h>
#include <time.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "model/submission.h"
#include "model/user.h"
#include "pages/pages.h"

#define FORM_NAME "verify"
#define TOKEN_LEN 43 /* base64url of 32 bytes */

/* The token from the path, hashed as stored; false for a malformed one
 * (answered like an unknown token). */
static bool token_hash(req *r, unsigned char hash[CRYPTO_SHA256_LEN], const char **token)
{
	str t = req_route_get(r, "token");
	unsigned char raw[CRYPTO_TOKEN_LEN + 1];
	if (t.len != TOKEN_LEN || crypto_b64url_decode(t.ptr, t.len, raw, sizeof raw) != CRYPTO_TOKEN_LEN)
		return false;
	crypto_sha256(hash, t.ptr, t.len);
	*token = str_dup(r->a, t);
	return true;
}

static int verify_limits(req *r, const char *token);
static int state_page(req *r, int status, const char *state, const char *token);

/* The POST handlers' common start: the token from the path (hashed), the
 * rate limits and the form's CSRF token. False when *answer is the
 * response to give instead. */
static bool token_checked(req *r, unsigned char hash[CRYPTO_SHA256_LEN], const char **token, int *answer)
{
	if (!token_hash(r, hash, token)) {
		*answer = state_page(r, 404, "unknown", NULL);
		return false;
	}
	if ((*answer = verify_limits(r, *token)))
		return false;
	return true;
}

static int verify_limits(req *r, const char *token)
{
	const config *cfg = r->app->cfg;
	int st = page_ratelimit(r, "verify_ip", str_from_cstr(page_client_ip(r)), cfg->rate_verify_ip.limit,
	    cfg->rate_verify_ip.window_s);
	if (!st && token)
		st = page_ratelimit(r, "verify_token", str_from_cstr(token), cfg->rate_verify_token.limit,
		    cfg->rate_verify_token.window_s);
	return st;
}

/* One page for every state of a link: valid (confirm), used, expired,
 * locked, unknown, renewed. */
static int state_page(req *r, int status, const char *state, const char *token)
{
	tv *v = page_view(r);
	tv_set_bool(r->a, v, arena_sprintf(r->a, "is_%s", state), true);
	tv_set_str(r->a, v, "csrf", page_csrf_token(r, FORM_NAME));
	if (token)
		tv_set_str(r->a, v, "token", token);
	return page_render(r, status, "verify", v);
}

int page_verify_show(req *r)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	const char *token = NULL;
	int st = verify_limits(r, NULL);
	if (st)
		return st;
	if (!token_hash(r, hash, &token))
		return state_page(r, 404, "unknown", NULL);
	const char *state = submission_peek(page_tx(r), hash);
	if (!state)
		return page_db_failure(r);
	if (strcmp(state, "valid") == 0)
		return state_page(r, 200, "valid", token);
	return state_page(r, strcmp(state, "unknown") == 0 ? 404 : 410, state, token);
}

static int send_confirmation(req *r, const submission_ticket *tk, const char *email)
{
	tv *v = tv_object(r->a);
	tv_set_str(r->a, v, "site_name", "Supportdesk");
	tv_set_str(r->a, v, "number", tk->ticket_number);
	/* A sign-in link, so the email leads to the ticket from any device. */
	char *token;
	if (signin_link_create(r->app->kv, r->a, tk->user_id, arena_sprintf(r->a, "/my/tickets/%s",
	        tk->ticket_number), r->app->cfg->signin_link_ttl_s, &token) != KV_OK)
		return 503;
	tv_set_str(r->a, v, "link", arena_sprintf(r->a, "%s/login/link/%s", r->app->cfg->base_url, token));
	tv_set_int(r->a, v, "link_hours", r->app->cfg->signin_link_ttl_s / 3600);
	return page_email(r, "ticket_created", v, email, NULL, tk->ticket_id, tk->user_id,
	    arena_sprintf(r->a, "ticket-created:%s", tk->ticket_id));
}

int page_verify_confirm(req *r)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	const char *token = NULL;
	int st;
	if (!token_checked(r, hash, &token, &st))
		return st;
	if (!page_csrf_ok(r, FORM_NAME)) {
		tv *v = page_view(r);
		tv_set_bool(r->a, v, "is_valid", true);
		tv_set_bool(r->a, v, "expired_form", true);
		tv_set_str(r->a, v, "csrf", page_csrf_token(r, FORM_NAME));
		tv_set_str(r->a, v, "token", token);
		return page_render(r, 403, "verify", v);
	}
	submission_ticket tk;
	const char *state = submission_verify(page_tx(r), hash, &tk);
	if (!state)
		return page_db_failure(r);
	if (strcmp(state, "used") == 0 && tk.user_id && r->user_id && strcmp(tk.user_id, r->user_id) == 0) {
		/* A double click: the first POST already did it all. */
		resp_redirect(r, 303, arena_sprintf(r->a, "/my/tickets/%s", tk.ticket_number));
		return 0;
	}
	if (strcmp(state, "created") != 0) {
		/* submission_verify counted this attempt: keep the count, or the
		 * lockout after submission_max_attempts could never be reached. */
		page_keep_writes(r);
		if (strcmp(state, "used") == 0 || strcmp(state, "expired") == 0 ||
		    strcmp(state, "locked") == 0 || strcmp(state, "unknown") == 0)
			return state_page(r, strcmp(state, "unknown") == 0 ? 404 : 410, state, token);
		log_warn("verification refused", "rid=%s status=%s", r->request_id, state);
		return state_page(r, 410, "unavailable", token);
	}
	/* The customer's address, as stored, for the confirmation. */
	if ((st = page_act_as(r, tk.user_id)))
		return st;
	const char *email = user_email(page_tx(r), tk.user_id);
	if (!email)
		return page_db_failure(r);
	if ((st = send_confirmation(r, &tk, email)))
		return st;
	/* Confirming the address proves it: the browser is signed in as the
	 * customer, with a new session id. */
	if ((st = page_session_signin(r, tk.user_id, false, 1)))
		return st;
	resp_redirect(r, 303, arena_sprintf(r->a, "/my/tickets/%s", tk.ticket_number));
	return 0;
}

int page_verify_renew(req *r)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	const char *token = NULL;
	int st;
	if (!token_checked(r, hash, &token, &st))
		return st;
	if (!page_csrf_ok(r, FORM_NAME))
		return state_page(r, 403, "expired", token);
	unsigned char raw[CRYPTO_TOKEN_LEN], new_hash[CRYPTO_SHA256_LEN];
	char *fresh = crypto_token_new(r->a, raw);
	crypto_sha256(new_hash, fresh, strlen(fresh));
	submission_contact c;
	const char *state = submission_renew(page_tx(r), hash, new_hash, &c);
	if (!state)
		return page_db_failure(r);
	if (strcmp(state, "renewed") != 0)
		return state_page(r, strcmp(state, "unknown") == 0 ? 404 : 410, strcmp(state, "valid") == 0
		    ? "valid" : state, token);
	if ((st = page_send_verification(r, c.email, c.name, c.title, fresh)))
		return st;
	return state_page(r, 200, "renewed", NULL);
}
