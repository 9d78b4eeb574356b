/* track.c: guest access (GET, POST /track), as osTicket's "check ticket
 * status": a visitor gives an email address and a ticket number; when they
 * belong together, that ticket's requester gets an email with a one-time
 * sign-in link leading to it. The answer is the same page with the same
 * status whether or not they matched, and both cases do the same work
 * (track_request records every attempt; one Redis round trip each). */
#include <string.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "model/submit_form.h"
#include "model/ticket.h"
#include "pages/pages.h"

#define FORM_NAME "track"
#define NUMBER_MAX 40

static void field(req *r, tv *view, const char *key, const form_errors *errors)
{
	tv *v = tv_object(r->a);
	str value = req_form_get(r, key);
	if (value.ptr)
		tv_set_strn(r->a, v, "value", value.ptr, value.len);
	const char *err = errors ? form_errors_get(errors, key) : NULL;
	if (err) {
		tv_set_str(r->a, v, "error", err);
		tv_set_str(r->a, v, "error_id", arena_sprintf(r->a, "f-%s-error", key));
	}
	tv_set(r->a, view, key, v);
}

/* The form (again, with errors and input), or "sent". */
static int track_page(req *r, int status, bool sent, const form_errors *errors)
{
	tv *v = page_view(r);
	tv_set_str(r->a, v, "csrf", page_csrf_token(r, FORM_NAME));
	tv_set_bool(r->a, v, "sent", sent);
	tv_set_int(r->a, v, "link_hours", r->app->cfg->signin_link_ttl_s / 3600);
	if (errors && errors->len) {
		field(r, v, "email", errors);
		field(r, v, "number", errors);
		tv *list = tv_list(r->a);
		for (size_t i = 0; i < errors->len; i++) {
			tv *e = tv_object(r->a);
			const char *f = errors->items[i].field;
			tv_set_str(r->a, e, "anchor", strcmp(f, "form") == 0 ? "track-form" : arena_sprintf(r->a, "f-%s", f));
			tv_set_str(r->a, e, "message", errors->items[i].message);
			tv_push(r->a, list, e);
		}
		tv_set(r->a, v, "errors", list);
		tv_set_bool(r->a, v, "has_errors", true);
		const char *fe = form_errors_get(errors, "form");
		if (fe)
			tv_set_str(r->a, v, "form_error", fe);
	}
	return page_render(r, status, "track", v);
}

int page_track_form(req *r)
{
	return track_page(r, 200, false, NULL);
}

/* The number as typed, upper-cased (ticket numbers are). */
static str number_upper(req *r, str n)
{
	char *u = str_dup(r->a, n);
	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return (str){ u, n.len };
}

int page_track_post(req *r)
{
	const config *cfg = r->app->cfg;
	const char *ip = page_client_ip(r);
	int st = page_ratelimit(r, "track_ip", str_from_cstr(ip), cfg->rate_track_ip.limit, cfg->rate_track_ip.window_s);
	if (st)
		return st;
	form_errors errors = { 0 };
	if (!page_csrf_ok(r, FORM_NAME)) {
		form_errors_add(r->a, &errors, "form",
		    "This form has expired or was not sent from this site. Please check your entries and send it again.");
		return track_page(r, 403, false, &errors);
	}
	str email = form_trim(req_form_get(r, "email"));
	str number = form_trim(req_form_get(r, "number"));
	if (!email.len)
		form_errors_add(r->a, &errors, "email", "Please enter the email address you used for your request.");
	else if (!form_email_valid(email))
		form_errors_add(r->a, &errors, "email", "Please enter a valid email address, like name@example.com.");
	if (number.len <= NUMBER_MAX)
		number = number_upper(r, number);
	if (!number.len)
		form_errors_add(r->a, &errors, "number", "Please enter your request number, as in our emails.");
	else if (!ticket_number_plausible(number))
		form_errors_add(r->a, &errors, "number", "Please enter the request number as in our emails, like TKT-2024-05-00042.");
	if (errors.len)
		return track_page(r, 422, false, &errors);
	/* Counted before anything is looked up: a refusal says nothing about
	 * the address. */
	st = page_ratelimit(r, "track_email", str_from_cstr(form_email_bucket(r->a, email, cfg->email_strip_plus)),
	    cfg->rate_track_email.limit, cfg->rate_track_email.window_s);
	if (st)
		return st;

	ticket_track_match m;
	int found = ticket_track_request(page_tx(r), str_dup(r->a, email), number.ptr, ip, &m);
	if (found < 0)
		return page_db_failure(r);
	if (found) {
		char *token;
		if (signin_link_create(r->app->kv, r->a, m.user_id, arena_sprintf(r->a, "/my/tickets/%s", m.number),
		        cfg->signin_link_ttl_s, &token) != KV_OK)
			return 503;
		tv *v = tv_object(r->a);
		tv_set_str(r->a, v, "site_name", "Supportdesk");
		tv_set_str(r->a, v, "name", m.name);
		tv_set_str(r->a, v, "number", m.number);
		tv_set_str(r->a, v, "link", arena_sprintf(r->a, "%s/login/link/%s", cfg->base_url, token));
		tv_set_int(r->a, v, "link_hours", cfg->signin_link_ttl_s / 3600);
		if ((st = page_email(r, "track_link", v, m.email, m.name, m.ticket_id, m.user_id, NULL)))
			return st;
	} else {
		/* The same Redis round trip as a link costs, for a link nobody has. */
		unsigned char raw[CRYPTO_TOKEN_LEN];
		bool valid;
		if (signin_link_peek(r->app->kv, r->a, str_from_cstr(crypto_token_new(r->a, raw)), &valid) != KV_OK)
			return 503;
	}
	return track_page(r, 200, true, NULL);
}
