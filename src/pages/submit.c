/* submit.c: the public submission form (GET, POST /submit). Anonymous
 * visitors get a "check your email" page and a verification link; a
 * signed-in customer gets the ticket at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/page.h"
#include "auth/captcha.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "core/utf8.h"
#include "model/attachment.h"
#include "model/submission.h"
#include "model/submit_form.h"
#include "pages/kb.h"
#include "pages/pages.h"
#include "pages/submit_view.h"
#include "pages/uploads.h"

#define FORM_NAME "submit"
#define TITLE_MIN 3
#define TITLE_MAX 200
#define DESCRIPTION_MIN 10
#define DESCRIPTION_MAX 20000
#define NAME_MAX 100

/* Spam signals, added up into tickets.spam_score (numeric(3,2), 0..1); the
 * database flags is_spam at its spam_threshold. */
#define SPAM_HONEYPOT 0.80
#define SPAM_TOO_FAST 0.40
/* Sent without the proof of work (scripts off, or the solver failed). */
#define SPAM_NO_CAPTCHA 0.30

static enum form_role role_of(const req *r)
{
	return r->user_id ? FORM_ROLE_CUSTOMER : FORM_ROLE_ANONYMOUS;
}

/* The form for this visitor's role, from the worker's cache. */
static const form_doc *form_get(req *r)
{
	return submit_form_get(page_tx(r), &r->app->form_cache, r->app->cfg->form_cache_s,
	    app_config_generation(r->app), role_of(r));
}

/* The custom field values as posted, for form_data. */
static char *form_data_json(req *r, const form_type *t)
{
	str_pair *files = arena_calloc(r->a, r->form.nfiles + 1, sizeof *files);
	for (size_t i = 0; i < r->form.nfiles; i++)
		files[i] = (str_pair){ r->form.files[i].field, r->form.files[i].filename };
	return submit_form_data_json(r->a, t, r->form.fields.items, r->form.fields.len, files, r->form.nfiles);
}

/* ---- the signed start time: how long the visitor took to fill it in ---- */

static const char *started_stamp(req *r, long now)
{
	char msg[64];
	int n = snprintf(msg, sizeof msg, "started|%ld", now);
	unsigned char mac[CRYPTO_HMAC_LEN];
	crypto_hmac(mac, r->app->cfg->secret, msg, (size_t)n);
	return arena_sprintf(r->a, "%ld.%s", now, crypto_b64url_encode(r->a, mac, 16));
}

/* Seconds since the form was rendered, or -1 when the stamp is missing or
 * forged (which counts as "too fast"). */
static long started_elapsed(req *r, long now)
{
	str s = req_form_get(r, "started");
	if (!s.ptr || s.len > 40)
		return -1;
	char *copy = str_dup(r->a, s);
	char *dot = strchr(copy, '.');
	if (!dot)
		return -1;
	*dot = '\0';
	char *end;
	long ts = strtol(copy, &end, 10);
	if (*end || ts <= 0 || ts > now)
		return -1;
	const char *want = started_stamp(r, ts);
	size_t wl = strlen(want);
	if (wl != s.len || !crypto_equal(want, s.ptr, wl))
		return -1;
	return now - ts;
}

/* ---- the view ---- */

static void common_field(req *r, tv *view, const char *key, bool posted, const form_errors *errors)
{
	arena *a = r->a;
	tv *v = tv_object(a);
	if (posted) {
		str value = req_form_get(r, key);
		if (value.ptr)
			tv_set_strn(a, v, "value", value.ptr, value.len);
		const char *err = form_errors_get(errors, key);
		const char *id = arena_sprintf(a, "f-%s", key);
		submit_set_error(r, v, id, err);
	}
	tv_set(a, view, key, v);
}

/* Everything the form shows: built for GET and for a POST that needs fixing
 * (posted: the visitor's input is kept and each error sits by its field). */
static tv *form_view(req *r, const form_doc *d, const form_type *selected, bool posted,
    const form_errors *errors)
{
	arena *a = r->a;
	const config *cfg = r->app->cfg;
	long now = (long)time(NULL);
	tv *view = page_view(r);
	tv_set_str(a, view, "csrf", page_csrf_token(r, FORM_NAME));
	unsigned char raw[CRYPTO_TOKEN_LEN];
	str idem = posted ? req_form_get(r, "idem") : STR_NULL;
	tv_set_str(a, view, "idem", idem.len == 43 ? str_dup(a, idem) : crypto_token_new(a, raw));
	tv_set_str(a, view, "started", posted && req_form_get(r, "started").ptr
	    ? str_dup(a, req_form_get(r, "started")) : started_stamp(r, now));
	tv_set_str(a, view, "captcha_challenge", captcha_challenge_json(a, cfg->secret, FORM_NAME,
	    cfg->captcha_max_number, now, cfg->captcha_ttl_s));
	tv_set_bool(a, view, "anonymous", r->user_id == NULL);
	tv_set_bool(a, view, "step_two", selected != NULL);
	if (selected)
		tv_set_str(a, view, "selected_type", selected->id);

	/* The select lists every type; only the chosen one's fields are on the
	 * page (the others come from /submit/fields when a script asks). */
	tv *types = tv_list(a);
	for (size_t i = 0; i < d->ntypes; i++) {
		tv *tt = tv_object(a);
		tv_set_str(a, tt, "id", d->types[i].id);
		tv_set_str(a, tt, "name", d->types[i].name);
		tv_set_bool(a, tt, "selected", &d->types[i] == selected);
		tv_push(a, types, tt);
	}
	if (selected)
		tv_set(a, view, "chosen", submit_type_view(r, selected, posted, errors));
	tv_set(a, view, "types", types);
	tv_set_bool(a, view, "no_types", d->ntypes == 0);

	static const char *const common[] = { "title", "description", "email", "name" };
	for (size_t i = 0; i < sizeof common / sizeof *common; i++)
		common_field(r, view, common[i], posted, errors);
	const char *e;
	if ((e = form_errors_get(errors, "request_type")))
		tv_set_str(a, view, "request_type_error", e);
	if (posted) {
		if ((e = form_errors_get(errors, "attachments")))
			tv_set_str(a, view, "attachments_error", e);
		if ((e = form_errors_get(errors, "form")))
			tv_set_str(a, view, "form_error", e);
		/* Files are not kept across a failed POST: say so, by name. */
		uploads_reattach_view(r, view);
		tv *summary = tv_list(a);
		for (size_t i = 0; i < errors->len; i++) {
			const char *f = errors->items[i].field;
			tv *s = tv_object(a);
			const char *anchor = strcmp(f, "form") == 0 ? "submit-form"
			    : strcmp(f, "request_type") == 0 ? "request_type"
			    : strcmp(f, "attachments") == 0 ? "f-attachments"
			    : strncmp(f, "cf_", 3) == 0 ? arena_sprintf(a, "cf-%s", f + 3)
			    : arena_sprintf(a, "f-%s", f);
			tv_set_str(a, s, "anchor", anchor);
			tv_set_str(a, s, "message", errors->items[i].message);
			tv_push(a, summary, s);
		}
		tv_set(a, view, "errors", summary);
		tv_set_bool(a, view, "has_errors", errors->len > 0);
	}
	return view;
}

/* ---- GET /submit ---- */

int page_submit_form(req *r)
{
	const form_doc *d = form_get(r);
	if (!d)
		return page_db_failure(r);
	const form_type *selected = submit_form_type(d, req_query_get(r, "request_type"));
	form_errors errors = { 0 };
	/* A stale or hand-made link: say so instead of ignoring it. */
	if (!selected && req_query_get(r, "request_type").len)
		form_errors_add(r->a, &errors, "request_type", "Please choose one of the request types below.");
	tv *view = form_view(r, d, selected, false, &errors);
	/* The first step's title (scripts off): kept, and the help center's
	 * matching articles listed above the fields (the deflection). */
	str title = form_trim(req_query_get(r, "title"));
	if (title.len) {
		tv *t = tv_object(r->a);
		tv_set_strn(r->a, t, "value", title.ptr, title.len);
		tv_set(r->a, view, "title", t);
		tv_set_strn(r->a, view, "pick_title", title.ptr, title.len);
		int st = kb_suggestions_view(r, view, title);
		if (st)
			return st;
	}
	return page_render(r, 200, "submit", view);
}

/* GET /submit/fields?request_type=ID: one type's heading and fields, for
 * the form's script to put in place when the visitor picks a type. */
int page_submit_fields(req *r)
{
	const form_doc *d = form_get(r);
	if (!d)
		return page_db_failure(r);
	const form_type *t = submit_form_type(d, req_query_get(r, "request_type"));
	if (!t)
		return 404;
	form_errors none = { 0 };
	tv *v = tv_object(r->a);
	tv_set(r->a, v, "chosen", submit_type_view(r, t, false, &none));
	return page_render(r, 200, "submit_fields", v);
}

/* ---- POST /submit ---- */

static int refuse(req *r, int status, const form_doc *d, const form_type *t, form_errors *errors)
{
	return page_render(r, status, "submit", form_view(r, d, t, true, errors));
}

static size_t files_named(const http_form *form, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < form->nfiles; i++)
		if (str_eq_cstr(form->files[i].field, name))
			n++;
	return n;
}

/* Title, description and the visitor's name and address. Lengths count
 * characters of the trimmed text, as the database will store it. */
static void validate_common(req *r, form_errors *errors)
{
	arena *a = r->a;
	str title = req_form_get(r, "title");
	long tl = form_chars(form_trim(title));
	if (tl == 0)
		form_errors_add(a, errors, "title", "Please give your request a short title.");
	else if (tl < TITLE_MIN)
		form_errors_add(a, errors, "title", "Please use at least 3 characters for the title.");
	else if (tl > TITLE_MAX || memchr(title.ptr, '\n', title.len))
		form_errors_add(a, errors, "title", "Please keep the title on one line, under 200 characters.");
	long dl = form_chars(form_trim(req_form_get(r, "description")));
	if (dl == 0)
		form_errors_add(a, errors, "description", "Please describe what you need.");
	else if (dl < DESCRIPTION_MIN)
		form_errors_add(a, errors, "description", "Please tell us a little more (at least 10 characters).");
	else if (dl > DESCRIPTION_MAX)
		form_errors_add(a, errors, "description", "Please keep the description under 20,000 characters.");
	if (!r->user_id) {
		str email = form_trim(req_form_get(r, "email"));
		if (!email.len)
			form_errors_add(a, errors, "email", "Please enter your email address: we send a confirmation link there.");
		else if (!form_email_valid(email))
			form_errors_add(a, errors, "email", "Please enter a valid email address, like name@example.com.");
		str name = req_form_get(r, "name");
		if (form_chars(form_trim(name)) > NAME_MAX || (name.ptr && memchr(name.ptr, '\n', name.len)))
			form_errors_add(a, errors, "name", "Please keep your name on one line, under 100 characters.");
	}
}

static const char *spam_score(req *r, bool captcha_solved)
{
	double score = captcha_solved ? 0 : SPAM_NO_CAPTCHA;
	if (req_form_get(r, "website").len)
		score += SPAM_HONEYPOT;
	long elapsed = started_elapsed(r, (long)time(NULL));
	if (elapsed < r->app->cfg->submit_min_fill_s)
		score += SPAM_TOO_FAST;
	if (score > 1)
		score = 1;
	return arena_sprintf(r->a, "%.2f", score);
}

static const char *user_agent(req *r)
{
	str ua = r->user_agent;
	if (!ua.ptr || !utf8_valid(ua.ptr, ua.len))
		return NULL;
	return str_dup(r->a, (str){ ua.ptr, ua.len > 1000 ? 1000 : ua.len });
}

int page_send_verification(req *r, const char *email, const char *name, const char *title, const char *token)
{
	tv *v = tv_object(r->a);
	tv_set_str(r->a, v, "site_name", "Supportdesk");
	tv_set_str(r->a, v, "name", name);
	tv_set_str(r->a, v, "title", title);
	tv_set_str(r->a, v, "link", arena_sprintf(r->a, "%s/verify/%s", r->app->cfg->base_url, token));
	tv_set_int(r->a, v, "minutes", r->app->cfg->verify_ttl_s / 60);
	return page_email(r, "verify", v, email, name, NULL, NULL, NULL);
}

static int sent_page(req *r, const char *email)
{
	tv *v = page_view(r);
	tv_set_str(r->a, v, "email", email);
	tv_set_int(r->a, v, "minutes", r->app->cfg->verify_ttl_s / 60);
	return page_render(r, 200, "submit_sent", v);
}

/* The tighter limits of a form sent without the captcha: per client
 * address, and per email address (or, signed in, per user). */
static int nojs_limits(req *r, str email)
{
	const config *cfg = r->app->cfg;
	int st = page_ratelimit(r, "submit_nojs_ip", str_from_cstr(page_client_ip(r)), cfg->rate_submit_nojs_ip.limit,
	    cfg->rate_submit_nojs_ip.window_s);
	if (st)
		return st;
	str who = r->user_id ? str_from_cstr(r->user_id)
	                     : str_from_cstr(form_email_bucket(r->a, email, cfg->email_strip_plus));
	return page_ratelimit(r, "submit_nojs_email", who, cfg->rate_submit_nojs_email.limit,
	    cfg->rate_submit_nojs_email.window_s);
}

int page_submit_post(req *r)
{
	const config *cfg = r->app->cfg;
	const char *ip = page_client_ip(r);
	int st = page_ratelimit(r, "submit_ip", str_from_cstr(ip), cfg->rate_submit_ip.limit,
	    cfg->rate_submit_ip.window_s);
	if (st)
		return st;
	const form_doc *d = form_get(r);
	if (!d)
		return page_db_failure(r);
	form_errors errors = { 0 };
	const form_type *t = submit_form_type(d, req_form_get(r, "request_type"));
	if (!page_csrf_ok(r, FORM_NAME)) {
		form_errors_add(r->a, &errors, "form",
		    "This form has expired or was not sent from this site. Please check your entries and send it again.");
		return refuse(r, 403, d, t, &errors);
	}
	str idem = req_form_get(r, "idem");
	if (idem.len != 43) {
		form_errors_add(r->a, &errors, "form", "This form is incomplete. Please send it again.");
		return refuse(r, 400, d, t, &errors);
	}

	/* Every field, each problem next to its field. */
	if (!t)
		form_errors_add(r->a, &errors, "request_type", "Please choose what your request is about.");
	validate_common(r, &errors);
	const char *event = NULL;
	if (t) {
		for (size_t i = 0; i < t->nfields; i++) {
			const form_field *f = &t->fields[i];
			char *name = arena_sprintf(r->a, "cf_%s", f->key);
			str value = req_form_get(r, name);
			if (!form_field_check(r->a, f, value, files_named(&r->form, name), &errors))
				continue;
			if (f->kind == FIELD_EVENT && value.len) {
				const form_event *e = submit_form_event(t, value);
				if (!e)
					form_errors_add(r->a, &errors, name, "Please choose one of the events listed.");
				else
					event = e->id;
			}
		}
		if (t->requires_event && !event && !form_errors_get(&errors, "request_type"))
			form_errors_add(r->a, &errors, "request_type", "This kind of request needs an event: please choose one.");
	}
	uploads up;
	if ((st = uploads_check_count(r, &up, "request", &errors)))
		return st;
	if (errors.len)
		return refuse(r, 422, d, t, &errors);

	str email = r->user_id ? STR_NULL : form_trim(req_form_get(r, "email"));
	if (!r->user_id) {
		st = page_ratelimit(r, "submit_email", str_from_cstr(form_email_bucket(r->a, email,
		    cfg->email_strip_plus)), cfg->rate_submit_email.limit, cfg->rate_submit_email.window_s);
		if (st)
			return st;
	}

	/* Without scripts there is no solution to send (SPEC "Without
	 * JavaScript"): the form is accepted all the same, unverified, with a
	 * higher spam score and limits of its own, and the emailed link still
	 * gates it. A solution that is sent must be right. */
	str altcha = req_form_get(r, "altcha");
	bool solved = altcha.len > 0;
	if (!solved && (st = nojs_limits(r, email)))
		return st;
	/* The captcha last: only a form that would be accepted spends it. The
	 * same form sent again may reuse it: its idempotency token makes the
	 * database answer "duplicate" instead of storing it twice. */
	captcha_status cs = solved ? captcha_check_and_claim(r->app->kv, r->a, cfg->secret, FORM_NAME, altcha, idem,
	    cfg->captcha_max_number, (long)time(NULL), cfg->captcha_ttl_s) : CAPTCHA_OK;
	if (cs == CAPTCHA_UNAVAILABLE)
		return 503;
	if (cs != CAPTCHA_OK) {
		log_info("captcha refused", "rid=%s status=%s", r->request_id, captcha_status_str(cs));
		form_errors_add(r->a, &errors, "form",
		    "We could not confirm you are not a robot. Please wait until the check below says "
		    "“Verified” and send the form again.");
		return refuse(r, 422, d, t, &errors);
	}

	/* Attachments: sniffed, checked and stored in this transaction. */
	if ((st = uploads_store(r, &up, &errors)))
		return st;
	if (errors.len)
		return refuse(r, 422, d, t, &errors);

	submission_input in = {
		.email = r->user_id ? NULL : str_dup(r->a, email),
		.name = req_form_get(r, "name").len ? str_dup(r->a, req_form_get(r, "name")) : NULL,
		.request_type = t->id,
		.title = str_dup(r->a, req_form_get(r, "title")),
		.description = str_dup(r->a, req_form_get(r, "description")),
		.event = event,
		.form_data = form_data_json(r, t),
		.attachments = uploads_refs_json(r, &up),
		.ip = ip && *ip ? ip : NULL,
		.user_agent = user_agent(r),
		.idempotency_key = str_dup(r->a, idem),
		.spam_score = spam_score(r, solved),
		.captcha_verified = solved,
	};

	if (r->user_id) {
		submission_ticket tk;
		const char *status = ticket_create_for_customer(page_tx(r), &in, &tk);
		if (!status)
			return page_db_failure(r);
		if (strcmp(status, "created") == 0 || strcmp(status, "duplicate") == 0) {
			if ((st = kb_deflection_submitted(r)))
				return st;
			resp_redirect(r, 303, arena_sprintf(r->a, "/my/tickets/%s", tk.ticket_number));
			return 0;
		}
		if (strcmp(status, "email_not_verified") == 0)
			form_errors_add(r->a, &errors, "form", "Please confirm your email address first: use the link we sent you.");
		else
			form_errors_add(r->a, &errors, "request_type", "This request type is no longer available. Please choose another.");
		return refuse(r, 422, d, t, &errors);
	}

	unsigned char raw[CRYPTO_TOKEN_LEN], hash[CRYPTO_SHA256_LEN];
	char *token = crypto_token_new(r->a, raw);
	crypto_sha256(hash, token, strlen(token));
	const char *status = submission_create(page_tx(r), &in, hash);
	if (!status)
		return page_db_failure(r);
	if (strcmp(status, "created") == 0) {
		if ((st = page_send_verification(r, in.email, in.name, in.title, token)))
			return st;
	} else if (strcmp(status, "duplicate") != 0) {
		log_warn("submission refused", "rid=%s status=%s", r->request_id, status);
		form_errors_add(r->a, &errors, "request_type", "This request type is no longer available. Please choose another.");
		return refuse(r, 422, d, t, &errors);
	}
	if ((st = kb_deflection_submitted(r)))
		return st;
	return sent_page(r, in.email);
}
