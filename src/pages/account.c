/* account.c: the signed-in user's account page: profile and notification
 * preferences (GET, POST /account), the password (POST /account/password,
 * POST /account/password/link), the active sessions (POST
 * /account/sessions/{id}/revoke) and the feedback they gave. Every route is
 * ROUTE_SIGNED_IN (the dispatcher sends anyone else to /login?next=) and
 * every POST is ROUTE_CSRF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "model/account.h"
#include "model/submit_form.h"
#include "pages/pages.h"

#define NAME_MAX_CHARS 200
#define FEEDBACK_SHOWN 50

/* The languages offered, as account_languages() in 0014_account.sql has
 * them; each label in its own language. */
static const struct {
	const char *code;
	const char *label;
} languages[] = {
	{ "en", "English" }, { "de", "Deutsch" }, { "fr", "Français" }, { "es", "Español" },
	{ "it", "Italiano" }, { "nl", "Nederlands" }, { "pt", "Português" }, { "pl", "Polski" },
	{ "sv", "Svenska" },
};

static const char *const channel_labels[ACCOUNT_CHANNEL__MAX] = { "Email", "The support portal",
	"Live chat", "Phone" };

static const char *const notify_labels[ACCOUNT_NOTIFY__MAX] = {
	"A member of staff replies to one of my requests",
	"A request is waiting for my reply",
	"A request is resolved",
	"A request is closed",
};

static const char *const staff_notify_labels[ACCOUNT_STAFF_NOTIFY__MAX] = {
	"A new ticket arrives in a queue I watch",
	"A ticket is assigned to me by someone else",
	"The customer replies on a ticket assigned to me",
	"A colleague mentions me in an internal note",
	"A ticket I work or am escalated to nears its SLA deadline",
	"A ticket I work or am escalated to breaches its SLA",
};

static const char *const watch_labels[ACCOUNT_WATCH__MAX] = {
	"New tickets of my teams",
	"Every new ticket of my organizations",
	"None",
};

/* ?done= after a redirect: a short notice, never text from the URL. */
static const struct {
	const char *key;
	const char *message;
} notices[] = {
	{ "profile", "Your profile is saved." },
	{ "password", "Your password is changed. Every other session is signed out." },
	{ "link", "We sent you an email with a link to set your password." },
	{ "revoked", "That session is signed out." },
};

static const char *field_id(const char *field)
{
	return strcmp(field, "preferred_language") == 0 ? "f-language"
	    : strcmp(field, "channels") == 0 ? "f-channel-email"
	    : strcmp(field, "current_password") == 0 ? "f-current-password"
	    : strcmp(field, "password") == 0 ? "f-password"
	    : strcmp(field, "name") == 0 ? "f-name"
	    : strcmp(field, "watch") == 0 ? "f-watch-teams" : "main";
}

/* A field's error and the ids that tie it to its input. */
static void field_error(req *r, tv *v, const form_errors *errors, const char *field, const char *prefix)
{
	const char *e = form_errors_get(errors, field);
	if (!e)
		return;
	tv_set_str(r->a, v, arena_sprintf(r->a, "%s_error", prefix), e);
}

/* ---- the page ---- */

typedef struct {
	const char *name;
	const char *language;
	bool channels[ACCOUNT_CHANNEL__MAX];
	bool notify[ACCOUNT_NOTIFY__MAX];
	bool away;
	enum account_watch watch;
	bool staff_notify[ACCOUNT_STAFF_NOTIFY__MAX];
} profile_values;

static void profile_from_saved(const account_profile *p, profile_values *out)
{
	out->name = p->name;
	out->language = p->preferred_language;
	memcpy(out->channels, p->channels, sizeof out->channels);
	memcpy(out->notify, p->notify, sizeof out->notify);
	out->away = p->away;
	out->watch = p->watch;
	memcpy(out->staff_notify, p->staff_notify, sizeof out->staff_notify);
}

static bool channel_index(str v, int *out)
{
	for (int i = 0; i < ACCOUNT_CHANNEL__MAX; i++)
		if (str_eq_cstr(v, account_channel_keys[i])) {
			*out = i;
			return true;
		}
	return false;
}

static bool language_known(str code)
{
	for (size_t i = 0; i < sizeof languages / sizeof *languages; i++)
		if (str_eq_cstr(code, languages[i].code))
			return true;
	return false;
}

static int sessions_view(req *r, tv *v)
{
	session_info *list;
	size_t n;
	if (session_list(r->app->kv, r->a, r->user_id, r->session ? r->session->key_hash : NULL, &list, &n) != KV_OK)
		return 503;
	tv *items = tv_list(r->a);
	size_t others = 0;
	for (size_t i = 0; i < n; i++) {
		tv *s = tv_object(r->a);
		tv_set_str(r->a, s, "device", *list[i].device ? list[i].device : "Unknown device");
		tv_set_str(r->a, s, "address", *list[i].ip ? list[i].ip : "Unknown address");
		page_set_time(r, s, "last_seen", list[i].last_seen);
		page_set_time(r, s, "signed_in", list[i].created);
		tv_set_bool(r->a, s, "current", list[i].current);
		if (!list[i].current) {
			others++;
			if (list[i].public_id)
				tv_set_str(r->a, s, "public_id", list[i].public_id);
		}
		tv_push(r->a, items, s);
	}
	tv_set(r->a, v, "sessions", items);
	tv_set_bool(r->a, v, "has_other_sessions", others > 0);
	return 0;
}

static int feedback_view(req *r, tv *v)
{
	account_feedback *list;
	size_t n;
	if (account_feedback_list(page_tx(r), FEEDBACK_SHOWN, &list, &n) != 0)
		return page_db_failure(r);
	tv *items = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *f = tv_object(r->a);
		tv_set_str(r->a, f, "number", list[i].number);
		tv_set_str(r->a, f, "title", list[i].title);
		tv_set_int(r->a, f, "rating", list[i].rating);
		char stars[5 * 3 + 1];
		size_t sl = 0;
		for (int k = 1; k <= 5; k++) {
			memcpy(stars + sl, k <= list[i].rating ? "\u2605" : "\u2606", 3); /* ★ ☆ */
			sl += 3;
		}
		stars[sl] = '\0';
		tv_set_str(r->a, f, "stars", stars);
		tv_set_str(r->a, f, "comment", list[i].comment);
		page_set_time(r, f, "submitted", list[i].submitted_epoch);
		tv_push(r->a, items, f);
	}
	tv_set(r->a, v, "feedback", items);
	tv_set_bool(r->a, v, "has_feedback", n > 0);
	return 0;
}

/* The whole page: the saved profile (or, after a POST that needs fixing,
 * what was posted, each error beside its field), the password form, the
 * sessions and the feedback. */
static int account_page(req *r, int status, const account_profile *p, const profile_values *shown,
    const form_errors *errors)
{
	arena *a = r->a;
	tv *v = page_view(r);
	tv_set_str(a, v, "email", p->email);
	tv_set_str(a, v, "name", shown->name);

	tv *langs = tv_list(a);
	for (size_t i = 0; i < sizeof languages / sizeof *languages; i++) {
		tv *l = tv_object(a);
		tv_set_str(a, l, "code", languages[i].code);
		tv_set_str(a, l, "label", languages[i].label);
		tv_set_bool(a, l, "selected", shown->language && strcmp(shown->language, languages[i].code) == 0);
		tv_push(a, langs, l);
	}
	tv_set(a, v, "languages", langs);

	tv *chans = tv_list(a);
	for (int i = 0; i < ACCOUNT_CHANNEL__MAX; i++) {
		tv *c = tv_object(a);
		tv_set_str(a, c, "key", account_channel_keys[i]);
		tv_set_str(a, c, "label", channel_labels[i]);
		tv_set_bool(a, c, "checked", shown->channels[i]);
		tv_push(a, chans, c);
	}
	tv_set(a, v, "channels", chans);

	tv *notify = tv_list(a);
	for (int i = 0; i < ACCOUNT_NOTIFY__MAX; i++) {
		tv *n = tv_object(a);
		tv_set_str(a, n, "key", account_notify_keys[i]);
		tv_set_str(a, n, "label", notify_labels[i]);
		tv_set_bool(a, n, "checked", shown->notify[i]);
		tv_push(a, notify, n);
	}
	tv_set(a, v, "notify", notify);

	/* Staff only: availability for auto-assign, what they watch, and the
	 * desk's events. */
	tv_set_bool(a, v, "is_staff", p->is_staff);
	if (p->is_staff) {
		tv_set_bool(a, v, "away", shown->away);
		tv *watch = tv_list(a);
		for (int i = 0; i < ACCOUNT_WATCH__MAX; i++) {
			tv *w = tv_object(a);
			tv_set_str(a, w, "key", account_watch_keys[i]);
			tv_set_str(a, w, "label", watch_labels[i]);
			tv_set_bool(a, w, "checked", shown->watch == (enum account_watch)i);
			tv_push(a, watch, w);
		}
		tv_set(a, v, "watch", watch);
		tv *staff = tv_list(a);
		for (int i = 0; i < ACCOUNT_STAFF_NOTIFY__MAX; i++) {
			tv *n = tv_object(a);
			tv_set_str(a, n, "key", account_staff_notify_keys[i]);
			tv_set_str(a, n, "label", staff_notify_labels[i]);
			tv_set_bool(a, n, "checked", shown->staff_notify[i]);
			tv_push(a, staff, n);
		}
		tv_set(a, v, "staff_notify", staff);
	}

	tv_set_bool(a, v, "has_password", p->has_password);
	tv_set_bool(a, v, "can_set_password", true);
	tv_set_int(a, v, "password_min", CRYPTO_PASSWORD_MIN_CHARS);

	static const char *const fields[][2] = { { "name", "name" }, { "preferred_language", "language" },
		{ "channels", "channels" }, { "current_password", "current_password" }, { "password", "password" },
		{ "watch", "watch" }, { "form", "form" } };
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		field_error(r, v, errors, fields[i][0], fields[i][1]);
	if (errors->len) {
		tv *summary = tv_list(a);
		for (size_t i = 0; i < errors->len; i++) {
			tv *s = tv_object(a);
			tv_set_str(a, s, "anchor", field_id(errors->items[i].field));
			tv_set_str(a, s, "message", errors->items[i].message);
			tv_push(a, summary, s);
		}
		tv_set(a, v, "errors", summary);
		tv_set_bool(a, v, "has_errors", true);
	}

	str done = req_query_get(r, "done");
	for (size_t i = 0; !errors->len && i < sizeof notices / sizeof *notices; i++)
		if (str_eq_cstr(done, notices[i].key))
			tv_set_str(a, v, "notice", notices[i].message);

	int st;
	if ((st = sessions_view(r, v)) || (st = feedback_view(r, v)))
		return st;
	return page_render(r, status, "account", v);
}

/* The signed-in user's profile: 0, or the status to answer. */
static int profile_load(req *r, account_profile *p)
{
	int found = account_load(page_tx(r), r->user_id, p);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404; /* a session of a user who is gone */
}

int page_account(req *r)
{
	account_profile p;
	int st = profile_load(r, &p);
	if (st)
		return st;
	profile_values shown;
	profile_from_saved(&p, &shown);
	form_errors none = { 0 };
	return account_page(r, 200, &p, &shown, &none);
}

/* ---- POST /account ---- */

/* Reads and checks the posted profile; every problem goes to errors. The
 * staff fields (away, watch, notify_<staff event>) count for staff only. */
static void profile_from_form(req *r, bool is_staff, profile_values *out, form_errors *errors)
{
	arena *a = r->a;
	memset(out, 0, sizeof *out);
	str name = form_trim(req_form_get(r, "name"));
	out->name = str_dup(a, name);
	bool control = false;
	for (size_t i = 0; i < name.len; i++)
		if ((unsigned char)name.ptr[i] < 0x20 || name.ptr[i] == 0x7f)
			control = true;
	if (control || form_chars(name) > NAME_MAX_CHARS)
		form_errors_add(a, errors, "name", "Please keep your name on one line, under 200 characters.");

	str lang = req_form_get(r, "preferred_language");
	out->language = str_dup(a, lang);
	if (!language_known(lang))
		form_errors_add(a, errors, "preferred_language", "Please choose one of the languages in the list.");

	/* channels is a list by design: every value counts. */
	bool unknown = false;
	for (size_t i = 0; i < r->form.fields.len; i++) {
		const http_param *f = &r->form.fields.items[i];
		int k;
		if (!str_eq_cstr(f->name, "channels"))
			continue;
		if (channel_index(f->value, &k))
			out->channels[k] = true;
		else
			unknown = true;
	}
	if (unknown)
		form_errors_add(a, errors, "channels", "Please choose only from the channels listed.");

	for (int i = 0; i < ACCOUNT_NOTIFY__MAX; i++)
		out->notify[i] = req_form_get(r, arena_sprintf(a, "notify_%s", account_notify_keys[i])).len > 0;
	if (!is_staff)
		return;
	out->away = req_form_get(r, "away").len > 0;
	for (int i = 0; i < ACCOUNT_STAFF_NOTIFY__MAX; i++)
		out->staff_notify[i] = req_form_get(r, arena_sprintf(a, "notify_%s", account_staff_notify_keys[i])).len > 0;
	str watch = req_form_get(r, "watch");
	bool known = false;
	for (int i = 0; i < ACCOUNT_WATCH__MAX; i++)
		if (str_eq_cstr(watch, account_watch_keys[i])) {
			out->watch = (enum account_watch)i;
			known = true;
		}
	if (!known)
		form_errors_add(a, errors, "watch", "Please choose which new tickets you want to hear of.");
}

int page_account_update(req *r)
{
	account_profile p;
	int st = profile_load(r, &p);
	if (st)
		return st;
	form_errors errors = { 0 };
	profile_values posted;
	profile_from_form(r, p.is_staff, &posted, &errors);
	if (errors.len)
		return account_page(r, 422, &p, &posted, &errors);

	account_changes c = { .name = posted.name, .preferred_language = posted.language };
	memcpy(c.channels, posted.channels, sizeof c.channels);
	memcpy(c.notify, posted.notify, sizeof c.notify);
	c.is_staff = p.is_staff;
	c.away = posted.away;
	c.watch = posted.watch;
	memcpy(c.staff_notify, posted.staff_notify, sizeof c.staff_notify);
	const char *status = account_update(page_tx(r), &c);
	if (!status)
		return page_db_failure(r);
	if (strcmp(status, "ok") != 0) {
		/* The database checks the same rules; a disagreement is ours. */
		log_warn("account update refused", "rid=%s status=%s", r->request_id, status);
		const char *field = strcmp(status, "invalid_name") == 0 ? "name"
		    : strcmp(status, "invalid_language") == 0 ? "preferred_language"
		    : strcmp(status, "invalid_channels") == 0 ? "channels"
		    : strcmp(status, "invalid_watch") == 0 ? "watch" : "form";
		form_errors_add(r->a, &errors, field, "This could not be saved. Please check it and try again.");
		return account_page(r, 422, &p, &posted, &errors);
	}
	resp_redirect(r, 303, "/account?done=profile");
	return 0;
}

/* ---- POST /account/password ---- */

static int password_limit(req *r)
{
	const config_rate *rate = &r->app->cfg->rate_password_user;
	return page_ratelimit(r, "password_user", str_from_cstr(r->user_id), rate->limit, rate->window_s);
}

/* Changes the password after checking the current one, then ends every
 * other session and gives this one a new id (and CSRF token): 303 to
 * /account; 422 with the problem beside its field; 403, 429, 503. */
int page_account_password(req *r)
{
	int st = password_limit(r);
	if (st)
		return st;
	account_profile p;
	if ((st = profile_load(r, &p)))
		return st;
	profile_values shown;
	profile_from_saved(&p, &shown);
	form_errors errors = { 0 };
	if (!p.has_password) {
		form_errors_add(r->a, &errors, "form", "You have no password yet: ask for an email to set one below.");
		return account_page(r, 422, &p, &shown, &errors);
	}
	str current = req_form_get(r, "current_password");
	str fresh = req_form_get(r, "password");
	if (!current.len)
		form_errors_add(r->a, &errors, "current_password", "Please enter your current password.");
	/* The same rule as a reset (password.c). */
	const char *problem = page_password_problem(fresh);
	if (problem)
		form_errors_add(r->a, &errors, "password", problem);
	else if (str_eq(fresh, current))
		form_errors_add(r->a, &errors, "password", "Please choose a password other than your current one.");
	if (errors.len)
		return account_page(r, 422, &p, &shown, &errors);

	char *hash;
	if (account_password_hash(page_tx(r), p.email, &hash) != 0)
		return page_db_failure(r);
	if ((st = page_tx_end_reads(r)))
		return st;
	if (!hash || current.len > CRYPTO_PASSWORD_MAX_BYTES || !crypto_password_verify(hash, current.ptr, current.len)) {
		log_info("password change refused", "rid=%s reason=current", r->request_id);
		form_errors_add(r->a, &errors, "current_password", "That is not your current password.");
		return account_page(r, 422, &p, &shown, &errors);
	}
	char *made = crypto_password_hash(fresh.ptr, fresh.len);
	if (!made)
		return 500;
	char *stored = arena_strdup(r->a, made);
	free(made);
	int set = account_set_password(page_tx(r), stored);
	if (set < 0)
		return page_db_failure(r);
	if (set == 0)
		return 500;

	/* Every other session ends; this one carries on under a new id. */
	long ended;
	if (session_destroy_others(r->app->kv, r->a, r->user_id, r->session->key_hash, &ended) != KV_OK)
		return 503;
	if ((st = page_session_signin(r, r->user_id, r->session->remember, r->session->level)))
		return st;
	log_info("password changed", "rid=%s other_sessions_ended=%ld", r->request_id, ended);
	resp_redirect(r, 303, "/account?done=password");
	return 0;
}

/* ---- POST /account/password/link ---- */

/* "Set a password" for an account that has none: the same email link as a
 * reset (password.c). 303 to /account; 403, 429, 503. */
int page_account_password_link(req *r)
{
	int st = password_limit(r);
	if (st)
		return st;
	account_profile p;
	if ((st = profile_load(r, &p)))
		return st;
	if (p.has_password) {
		resp_redirect(r, 303, "/account");
		return 0;
	}
	if ((st = page_send_password_link(r, r->user_id, p.email)))
		return st;
	resp_redirect(r, 303, "/account?done=link");
	return 0;
}

/* ---- POST /account/sessions/{id}/revoke ---- */

static bool public_id_plausible(str id)
{
	if (id.len < 16 || id.len > 64)
		return false;
	for (size_t i = 0; i < id.len; i++) {
		char c = id.ptr[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Signs out one of the user's own sessions, named by its public id: 303 to
 * /account (to / when it was this one); 404 for an id that is not one of
 * theirs, whoever's it is; 403, 503. */
int page_account_session_revoke(req *r)
{
	str id = req_route_get(r, "id");
	if (!public_id_plausible(id))
		return 404;
	bool found, current;
	if (session_revoke(r->app->kv, r->a, r->user_id, id, r->session->key_hash, &found, &current) != KV_OK)
		return 503;
	if (!found)
		return 404;
	if (current) {
		/* Its key is gone already; this also clears the cookie. */
		int st = page_session_signout(r, false);
		if (st)
			return st;
		resp_redirect(r, 303, "/");
		return 0;
	}
	resp_redirect(r, 303, "/account?done=revoked");
	return 0;
}
