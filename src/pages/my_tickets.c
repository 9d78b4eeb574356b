/* my_tickets.c: the customer portal. The list of a customer's requests
 * (tabs with exact counts, search, keyset pages), and a request's page:
 * the public conversation, its details, and what its requester can do with
 * it: reply with files, close, reopen within the window, rate once.
 *
 * Every route is signed in (the dispatcher sends visitors to /login). A
 * ticket that is not the customer's, or does not exist, or whose number is
 * malformed, answers 404 to the page and to every action alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "model/ticket.h"
#include "pages/flash.h"
#include "pages/pages.h"
#include "pages/ticket_views.h"
#include "pages/uploads.h"

#define PAGE_SIZE 20
#define Q_MAX 200          /* characters of a search */
#define BODY_MAX 20000     /* characters of a reply (the form's description has the same) */
#define COMMENT_MAX 4000   /* characters of a rating's comment (the column's check) */
#define CSRF_FORM "portal" /* signed in: the session's token is what counts */
#define IDEM_LEN 43        /* a form's one-time token: base64url of 32 random bytes */

/* ---------------------------------------------------------------------------
 * Words
 * ------------------------------------------------------------------------- */

static const char *const status_labels[][2] = {
	{ "new", "Received" }, { "open", "Open" }, { "in_progress", "In progress" },
	{ "waiting_customer", "Waiting for your reply" }, { "waiting_internal", "In progress" },
	{ "resolved", "Resolved" }, { "closed", "Closed" }, { "cancelled", "Cancelled" },
};

static const char *status_label(const char *status)
{
	for (size_t i = 0; i < sizeof status_labels / sizeof *status_labels; i++)
		if (status && strcmp(status, status_labels[i][0]) == 0)
			return status_labels[i][1];
	return status;
}

static bool status_in(const char *status, const char *const *set)
{
	for (; *set; set++)
		if (status && strcmp(status, *set) == 0)
			return true;
	return false;
}

static const char *const active_statuses[] = { "new", "open", "in_progress", "waiting_customer", "waiting_internal", NULL };
static const char *const done_statuses[] = { "resolved", "closed", NULL };

static const char *const rating_labels[5] = { "Very poor", "Poor", "Okay", "Good", "Excellent" };

/* "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
static const char *time_ago(req *r, long long t, long long now)
{
	static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec" };
	long long d = now - t;
	if (d < 60)
		return "just now";
	if (d < 3600)
		return arena_sprintf(r->a, "%lld min ago", d / 60);
	if (d < 86400)
		return arena_sprintf(r->a, "%lld h ago", d / 3600);
	if (d < 7 * 86400)
		return d < 2 * 86400 ? "1 day ago" : arena_sprintf(r->a, "%lld days ago", d / 86400);
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	return arena_sprintf(r->a, "%d %s %d", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900);
}

/* {datetime, exact, ago} for <time datetime="…" title="…">ago</time>. */
static tv *time_view(req *r, long long t, long long now)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char iso[32], exact[32];
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(exact, sizeof exact, "%Y-%m-%d %H:%M UTC", &tm);
	tv *v = tv_object(r->a);
	tv_set_str(r->a, v, "datetime", iso);
	tv_set_str(r->a, v, "exact", exact);
	tv_set_str(r->a, v, "ago", time_ago(r, t, now));
	return v;
}

/* ---------------------------------------------------------------------------
 * The list: GET /my/tickets?status=&q=&after=
 * ------------------------------------------------------------------------- */

static const char *const tab_labels[TICKET_TAB__MAX] = { "Open", "Waiting for you", "Resolved", "All" };
static const char *const tab_empty[TICKET_TAB__MAX] = {
	"You have no open requests.", "Nothing is waiting for your reply.", "No request has been resolved yet.",
	"You have not sent any requests yet.",
};

/* /my/tickets with the tab, the search and the cursor, each encoded. */
static const char *list_href(req *r, enum ticket_tab tab, const char *q, const char *after)
{
	buf b;
	buf_init(&b, r->a, 128);
	buf_printf(&b, "/my/tickets?status=%s", ticket_tab_name(tab));
	if (q)
		buf_printf(&b, "&q=%s", http_percent_encode(r->a, q, strlen(q)));
	if (after)
		buf_printf(&b, "&after=%s", after);
	return b.data;
}

int page_my_tickets(req *r)
{
	str s = req_query_get(r, "status");
	int tab = s.ptr && s.len ? ticket_tab_from_name(s) : TICKET_TAB_OPEN;
	if (tab < 0)
		return 400;
	str qs = form_trim(req_query_get(r, "q"));
	if (form_chars(qs) > Q_MAX)
		return 400;
	const char *q = qs.len ? str_dup(r->a, qs) : NULL;
	ticket_cursor after;
	str as = req_query_get(r, "after");
	bool has_after = as.ptr && as.len;
	if (has_after && !ticket_cursor_decode(as, &after))
		return 400;

	db_tx *tx = page_tx(r);
	long counts[TICKET_TAB__MAX];
	ticket_page pg;
	if (ticket_list_and_count_mine(tx, (enum ticket_tab)tab, q, has_after ? &after : NULL, PAGE_SIZE, &pg,
	        counts) != 0)
		return page_db_failure(r);

	arena *a = r->a;
	long long now = (long long)time(NULL);
	tv *v = page_view(r);
	tv_set_bool(a, v, "nav_my", true); /* the header's "My tickets" is this page */
	tv *tabs = tv_list(a);
	for (int i = 0; i < TICKET_TAB__MAX; i++) {
		tv *t = tv_object(a);
		tv_set_str(a, t, "href", list_href(r, (enum ticket_tab)i, q, NULL));
		tv_set_str(a, t, "label", tab_labels[i]);
		tv_set_int(a, t, "count", counts[i]);
		tv_set_bool(a, t, "current", i == tab);
		tv_push(a, tabs, t);
	}
	tv_set(a, v, "tabs", tabs);
	tv_set_str(a, v, "status", ticket_tab_name((enum ticket_tab)tab));
	tv_set_str(a, v, "tab_label", tab_labels[tab]);
	if (q) {
		tv_set_str(a, v, "q", q);
		tv_set_int(a, v, "matches", counts[tab]);
		tv_set_bool(a, v, "one_match", counts[tab] == 1);
		tv_set_str(a, v, "clear_href", list_href(r, (enum ticket_tab)tab, NULL, NULL));
	}
	tv *rows = tv_list(a);
	for (size_t i = 0; i < pg.n; i++) {
		const ticket_row *row = &pg.rows[i];
		tv *t = tv_object(a);
		tv_set_str(a, t, "number", row->number);
		tv_set_str(a, t, "title", row->title);
		tv_set_str(a, t, "status", row->status);
		tv_set_str(a, t, "status_label", status_label(row->status));
		tv_set(a, t, "updated", time_view(r, row->last_activity, now));
		tv_push(a, rows, t);
	}
	tv_set(a, v, "tickets", rows);
	tv_set_bool(a, v, "has_tickets", pg.n > 0);
	tv_set_str(a, v, "empty", q ? NULL : tab_empty[tab]);
	if (pg.more)
		tv_set_str(a, v, "next_href", list_href(r, (enum ticket_tab)tab, q,
		    ticket_cursor_encode(a, &pg.rows[pg.n - 1].pos)));
	if (has_after)
		tv_set_str(a, v, "first_href", list_href(r, (enum ticket_tab)tab, q, NULL));
	tv_set_bool(a, v, "has_pager", pg.more || has_after);
	return page_render(r, 200, "my_tickets", v);
}

/* ---------------------------------------------------------------------------
 * One ticket
 * ------------------------------------------------------------------------- */

/* The customer's ticket named in the path; 404 for a malformed number, an
 * unknown ticket or someone else's (one answer: whether it exists is never
 * told); 500 or 503 when the database fails. */
static int load_mine(req *r, ticket_view *t)
{
	str number = req_route_get(r, "number");
	if (!r->user_id || !ticket_number_plausible(number))
		return 404;
	int found = ticket_find_mine(page_tx(r), str_dup(r->a, number), t);
	if (found < 0)
		return page_db_failure(r);
	if (!found || !t->requester_id || strcmp(t->requester_id, r->user_id) != 0)
		return 404;
	return 0;
}

/* The notices after a redirect (pages/flash.h), by kind. */
static const struct {
	const char *kind, *message;
} flashes[] = {
	{ "replied", "Your reply was sent." },
	{ "closed", "Your request is closed. Thank you for letting us know." },
	{ "reopened", "Your request is open again. Tell us below what is still wrong." },
	{ "rated", "Thank you for your rating." },
};

static void flash_set(req *r, const char *kind, const char *number)
{
	page_flash_set(r, kind, number);
}

static const char *flash_take(req *r, const char *number)
{
	const char *kind = page_flash_take(r, number);
	for (size_t i = 0; kind && i < sizeof flashes / sizeof *flashes; i++)
		if (strcmp(kind, flashes[i].kind) == 0)
			return flashes[i].message;
	return NULL;
}

/* What the page shows besides the ticket: after a POST that needs fixing,
 * the form that was sent with its errors and input; after a refused action,
 * why. */
typedef struct {
	const char *notice;        /* a success (flash) */
	const char *refusal;       /* an action that was refused, and why */
	bool refusal_new_request;  /* the refusal offers a new request */
	const char *posted;        /* "reply", "rating" or NULL */
	const form_errors *errors; /* of the posted form */
	int rating_choice;         /* 1-5: the rating preselected */
} ticket_opts;

/* The summary at the top (GOV.UK): every error, linked to its field. */
static void error_summary(req *r, tv *v, const ticket_opts *o)
{
	if (!o->errors || !o->errors->len)
		return;
	tv *list = tv_list(r->a);
	for (size_t i = 0; i < o->errors->len; i++) {
		const char *f = o->errors->items[i].field;
		tv *e = tv_object(r->a);
		const char *anchor = strcmp(f, "body") == 0 ? "f-body"
		    : strcmp(f, "attachments") == 0 ? "f-attachments"
		    : strcmp(f, "rating") == 0 ? "rating-1"
		    : strcmp(f, "comment") == 0 ? "f-comment"
		    : o->posted && strcmp(o->posted, "rating") == 0 ? "rating-form" : "reply-form";
		tv_set_str(r->a, e, "anchor", anchor);
		tv_set_str(r->a, e, "message", o->errors->items[i].message);
		tv_push(r->a, list, e);
	}
	tv_set(r->a, v, "errors", list);
	tv_set_bool(r->a, v, "has_errors", true);
}

/* The rating form's radios, comment and errors (partials/rating_form). */
static tv *rating_form_view(req *r, const ticket_view *t, const ticket_opts *o)
{
	arena *a = r->a;
	tv *f = tv_object(a);
	bool posted = o->posted && strcmp(o->posted, "rating") == 0;
	tv_set_str(a, f, "number", t->number);
	tv *opts = tv_list(a);
	for (int i = 1; i <= 5; i++) {
		tv *x = tv_object(a);
		tv_set_int(a, x, "value", i);
		tv_set_str(a, x, "label", rating_labels[i - 1]);
		tv_set_bool(a, x, "checked", o->rating_choice == i);
		tv_push(a, opts, x);
	}
	tv_set(a, f, "options", opts);
	if (posted) {
		str c = req_form_get(r, "comment");
		if (c.ptr)
			tv_set_strn(a, f, "comment", c.ptr, c.len);
		page_field_error(r, f, o->errors, "rating", "rating");
		page_field_error(r, f, o->errors, "comment", "f-comment");
		page_field_error(r, f, o->errors, "form", "rating-form");
	}
	return f;
}

static int show_ticket(req *r, int status, const ticket_view *t, const ticket_opts *o)
{
	arena *a = r->a;
	db_tx *tx = page_tx(r);
	ticket_message *msgs;
	size_t nmsgs;
	ticket_field *fields;
	size_t nfields;
	if (ticket_messages_public(tx, t->id, &msgs, &nmsgs) != 0 ||
	    ticket_fields_frontend(tx, t->id, &fields, &nfields) != 0)
		return page_db_failure(r);
	long long now = (long long)time(NULL);

	tv *v = page_view(r);
	tv_set_bool(a, v, "nav_my", true);
	tv_set_str(a, v, "number", t->number);
	tv_set_str(a, v, "title", t->title);
	tv_set_str(a, v, "description", t->description);
	tv_set_str(a, v, "status", t->status);
	tv_set_str(a, v, "status_label", status_label(t->status));
	tv_set_str(a, v, "created_at", t->created_at);
	tv_set(a, v, "created", time_view(r, t->created, now));
	tv_set(a, v, "updated", time_view(r, t->last_activity, now));
	tv_set_str(a, v, "request_type", t->request_type);
	tv_set(a, v, "attachments", page_attachments_view(r, t->attachments, t->nattachments));
	tv_set_bool(a, v, "has_attachments", t->nattachments > 0);

	tv *fl = tv_list(a);
	for (size_t i = 0; i < nfields; i++) {
		tv *f = tv_object(a);
		tv_set_str(a, f, "label", fields[i].label);
		bool check = fields[i].type && strcmp(fields[i].type, "checkbox") == 0;
		tv_set_str(a, f, "value", check ? (fields[i].value && strcmp(fields[i].value, "true") == 0 ? "Yes" : "No")
		                                : fields[i].value);
		tv_push(a, fl, f);
	}
	tv_set(a, v, "fields", fl);
	tv_set_bool(a, v, "has_fields", nfields > 0);

	/* Every key a message's template reads is set on the message, so that
	 * none is looked up further up the context (the ticket's own). */
	tv *ml = tv_list(a);
	for (size_t i = 0; i < nmsgs; i++) {
		const ticket_message *m = &msgs[i];
		tv *x = tv_object(a);
		tv_set_str(a, x, "id", m->id);
		bool system = m->by_system || (m->type && strcmp(m->type, "reply") != 0);
		tv_set_bool(a, x, "by_requester", m->by_requester);
		tv_set_bool(a, x, "is_system", system && !m->by_requester);
		const char *author = m->by_requester ? "You"
		    : m->by_system ? "Support"
		    : m->author_name && *m->author_name ? m->author_name : "Support team";
		tv_set_str(a, x, "author", author);
		tv_set_str(a, x, "desk", !m->by_requester && !m->by_system ? t->desk_name : NULL);
		tv_set_str(a, x, "body", m->body);
		tv_set(a, x, "time", time_view(r, m->created, now));
		tv_set(a, x, "attachments", page_attachments_view(r, m->attachments, m->nattachments));
		tv_set_bool(a, x, "has_attachments", m->nattachments > 0);
		tv_push(a, ml, x);
	}
	tv_set(a, v, "messages", ml);

	bool active = status_in(t->status, active_statuses), done = status_in(t->status, done_statuses);
	tv_set_bool(a, v, "can_reply", active);
	tv_set_bool(a, v, "can_close", active || strcmp(t->status, "resolved") == 0);
	tv_set_bool(a, v, "can_reopen", done && t->reopen_allowed);
	tv_set_bool(a, v, "reopen_expired", done && !t->reopen_allowed);
	tv_set_bool(a, v, "is_cancelled", strcmp(t->status, "cancelled") == 0);
	tv_set_int(a, v, "reopen_window_days", t->reopen_window_days);
	tv_set_bool(a, v, "can_rate", done && t->rating == 0);
	if (t->rating >= 1 && t->rating <= 5) {
		tv_set_bool(a, v, "rated", true);
		tv_set_int(a, v, "rating", t->rating);
		tv_set_str(a, v, "rating_label", rating_labels[t->rating - 1]);
		tv_set_str(a, v, "rating_comment", t->rating_comment);
	}
	if (done && t->rating == 0)
		tv_set(a, v, "rating_form", rating_form_view(r, t, o));

	/* The reply form: after a POST that needs fixing, what was typed and
	 * the errors; files are not kept, and the page names them. Its one-time
	 * token stays the same until a reply is made with it. */
	tv *reply = tv_object(a);
	unsigned char raw[CRYPTO_TOKEN_LEN];
	str idem = o->posted && strcmp(o->posted, "reply") == 0 ? req_form_get(r, "idem") : STR_NULL;
	tv_set_str(a, reply, "idem", idem.len == IDEM_LEN ? str_dup(a, idem) : crypto_token_new(a, raw));
	if (o->posted && strcmp(o->posted, "reply") == 0) {
		str body = req_form_get(r, "body");
		if (body.ptr)
			tv_set_strn(a, reply, "body", body.ptr, body.len);
		page_field_error(r, reply, o->errors, "body", "f-body");
		page_field_error(r, reply, o->errors, "attachments", "f-attachments");
		page_field_error(r, reply, o->errors, "form", "reply-form");
		uploads_reattach_view(r, reply);
	}
	tv_set(a, v, "reply", reply);

	tv_set_str(a, v, "notice", o->notice);
	tv_set_str(a, v, "refusal", o->refusal);
	tv_set_bool(a, v, "refusal_new_request", o->refusal_new_request);
	error_summary(r, v, o);
	return page_render(r, status, "my_ticket", v);
}

int page_my_ticket(req *r)
{
	ticket_view t;
	int st = load_mine(r, &t);
	if (st)
		return st;
	return show_ticket(r, 200, &t, &(ticket_opts){ .notice = flash_take(r, t.number) });
}

static const char expired_form[] =
    "This form has expired or was not sent from this site. Please try again.";

/* ---------------------------------------------------------------------------
 * POST /my/tickets/{number}/reply: body, attachments, _csrf
 * ------------------------------------------------------------------------- */

int page_my_ticket_reply(req *r)
{
	const config *cfg = r->app->cfg;
	int st = page_ratelimit(r, "reply_user", str_from_cstr(r->user_id), cfg->rate_reply_user.limit,
	    cfg->rate_reply_user.window_s);
	if (st)
		return st;
	ticket_view t;
	if ((st = load_mine(r, &t)))
		return st;
	form_errors errors = { 0 };
	ticket_opts o = { .posted = "reply", .errors = &errors };
	if (!page_csrf_ok(r, CSRF_FORM)) {
		form_errors_add(r->a, &errors, "form",
		    "This form has expired or was not sent from this site. Your reply is below: please send it again.");
		return show_ticket(r, 403, &t, &o);
	}
	if (!status_in(t.status, active_statuses)) {
		o = (ticket_opts){ .refusal = t.reopen_allowed
		    ? "This request is closed, so it takes no more replies. Reopen it below if you still need help."
		    : "This request is closed and can no longer take replies. Please submit a new request.",
			.refusal_new_request = !t.reopen_allowed };
		return show_ticket(r, 409, &t, &o);
	}
	str body = form_trim(req_form_get(r, "body"));
	long chars = form_chars(body);
	if (chars == 0)
		form_errors_add(r->a, &errors, "body", "Please write your reply.");
	else if (chars > BODY_MAX)
		form_errors_add(r->a, &errors, "body", "Please keep your reply under 20,000 characters, or attach the rest as a file.");
	uploads up;
	if ((st = uploads_check_count(r, &up, "reply", &errors)))
		return st;
	if (errors.len)
		return show_ticket(r, 422, &t, &o);
	if ((st = uploads_store(r, &up, &errors)))
		return st;
	if (errors.len)
		return show_ticket(r, 422, &t, &o);

	/* A form sent again (a double click, a retry after a network error)
	 * makes no second message: its token says it was sent. */
	str idem = req_form_get(r, "idem");
	const char *message_id;
	const char *res = ticket_reply_mine(page_tx(r), t.id, str_dup(r->a, body), uploads_refs_json(r, &up),
	    idem.len == IDEM_LEN ? str_dup(r->a, idem) : NULL, &message_id);
	if (!res)
		return page_db_failure(r);
	if ((strcmp(res, "ok") == 0 || strcmp(res, "duplicate") == 0) && message_id) {
		flash_set(r, "replied", t.number);
		resp_redirect(r, 303, arena_sprintf(r->a, "/my/tickets/%s#m-%s", t.number, message_id));
		return 0;
	}
	if (strcmp(res, "not_found") == 0)
		return 404;
	log_warn("reply refused", "rid=%s status=%s", r->request_id, res);
	if (strcmp(res, "invalid_state") == 0)
		return show_ticket(r, 409, &t, &(ticket_opts){ .refusal = "This request no longer takes replies." });
	form_errors_add(r->a, &errors, strcmp(res, "empty") == 0 || strcmp(res, "too_long") == 0 ? "body" : "attachments",
	    strcmp(res, "empty") == 0 ? "Please write your reply."
	    : strcmp(res, "too_long") == 0 ? "Please keep your reply shorter."
	    : "These files could not be attached. Please attach them again.");
	return show_ticket(r, 422, &t, &o);
}

/* ---------------------------------------------------------------------------
 * POST /my/tickets/{number}/close and /reopen: _csrf
 * ------------------------------------------------------------------------- */

/* What close and reopen share: the ticket, the form's token, the model's
 * call, and on "ok" a notice and a 303 back to the ticket (anchor after the
 * number). Any other outcome comes back for refusal() to word. */
static int ticket_action(req *r, const char *(*act)(db_tx *, const char *), const char *done, const char *anchor,
    int (*refusal)(req *r, ticket_view *t, const char *res))
{
	ticket_view t;
	int st = load_mine(r, &t);
	if (st)
		return st;
	if (!page_csrf_ok(r, CSRF_FORM))
		return show_ticket(r, 403, &t, &(ticket_opts){ .refusal = expired_form });
	const char *res = act(page_tx(r), t.id);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "ok") == 0) {
		flash_set(r, done, t.number);
		resp_redirect(r, 303, arena_sprintf(r->a, "/my/tickets/%s%s", t.number, anchor));
		return 0;
	}
	if (strcmp(res, "not_found") == 0)
		return 404;
	return refusal(r, &t, res);
}

static int close_refused(req *r, ticket_view *t, const char *res)
{
	(void)res;
	return show_ticket(r, 409, t, &(ticket_opts){ .refusal = "This request is closed already." });
}

static int reopen_refused(req *r, ticket_view *t, const char *res)
{
	if (strcmp(res, "window_passed") == 0)
		return show_ticket(r, 409, t, &(ticket_opts){ .refusal = arena_sprintf(r->a,
		    "This request was resolved or closed more than %d days ago, so it can no longer be reopened. "
		    "Please submit a new request and mention %s.", t->reopen_window_days, t->number),
			.refusal_new_request = true });
	return show_ticket(r, 409, t, &(ticket_opts){ .refusal = strcmp(t->status, "cancelled") == 0
	    ? "This request was cancelled and cannot be reopened."
	    : "This request is open already." });
}

int page_my_ticket_close(req *r)
{
	return ticket_action(r, ticket_close_mine, "closed", "", close_refused);
}

int page_my_ticket_reopen(req *r)
{
	return ticket_action(r, ticket_reopen_mine, "reopened", "#reply", reopen_refused);
}

/* ---------------------------------------------------------------------------
 * GET, POST /my/tickets/{number}/rating: rating (1-5), comment, _csrf
 *
 * The resolution email links to GET ?rating=N: mail scanners fetch links,
 * so a GET only shows the form with that choice made; the POST records it.
 * ------------------------------------------------------------------------- */

static const char already_rated[] = "You have rated this request already: a request is rated once.";
static const char not_yet_rateable[] = "You can rate this request once it is resolved.";

/* 1-5, or 0 for anything else. */
static int rating_value(str s)
{
	return s.len == 1 && s.ptr[0] >= '1' && s.ptr[0] <= '5' ? s.ptr[0] - '0' : 0;
}

static int show_rating(req *r, int status, const ticket_view *t, const ticket_opts *o)
{
	arena *a = r->a;
	tv *v = page_view(r);
	tv_set_bool(a, v, "nav_my", true);
	tv_set_str(a, v, "number", t->number);
	tv_set_str(a, v, "title", t->title);
	tv_set_str(a, v, "status", t->status);
	tv_set_str(a, v, "status_label", status_label(t->status));
	bool done = status_in(t->status, done_statuses);
	if (t->rating >= 1 && t->rating <= 5) {
		tv_set_bool(a, v, "rated", true);
		tv_set_int(a, v, "rating", t->rating);
		tv_set_str(a, v, "rating_label", rating_labels[t->rating - 1]);
		tv_set_str(a, v, "rating_comment", t->rating_comment);
	} else if (done) {
		tv_set_bool(a, v, "can_rate", true);
		tv_set(a, v, "rating_form", rating_form_view(r, t, o));
	} else {
		tv_set_bool(a, v, "not_yet", true);
	}
	tv_set_str(a, v, "refusal", o->refusal);
	error_summary(r, v, o);
	return page_render(r, status, "my_ticket_rating", v);
}

int page_my_ticket_rating_form(req *r)
{
	ticket_view t;
	int st = load_mine(r, &t);
	if (st)
		return st;
	return show_rating(r, 200, &t, &(ticket_opts){ .rating_choice = rating_value(req_query_get(r, "rating")) });
}

int page_my_ticket_rate(req *r)
{
	ticket_view t;
	int st = load_mine(r, &t);
	if (st)
		return st;
	form_errors errors = { 0 };
	int rating = rating_value(req_form_get(r, "rating"));
	ticket_opts o = { .posted = "rating", .errors = &errors, .rating_choice = rating };
	if (!page_csrf_ok(r, CSRF_FORM)) {
		form_errors_add(r->a, &errors, "form", expired_form);
		return show_rating(r, 403, &t, &o);
	}
	if (t.rating)
		return show_rating(r, 409, &t, &(ticket_opts){ .refusal = already_rated });
	if (!status_in(t.status, done_statuses))
		return show_rating(r, 409, &t, &(ticket_opts){ .refusal = not_yet_rateable });
	if (!rating)
		form_errors_add(r->a, &errors, "rating", "Please choose a rating from 1 (very poor) to 5 (excellent).");
	str comment = form_trim(req_form_get(r, "comment"));
	if (form_chars(comment) > COMMENT_MAX)
		form_errors_add(r->a, &errors, "comment", "Please keep your comment under 4,000 characters.");
	if (errors.len)
		return show_rating(r, 422, &t, &o);
	const char *res = ticket_rate_mine(page_tx(r), t.id, rating, comment.len ? str_dup(r->a, comment) : NULL);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "ok") == 0) {
		flash_set(r, "rated", t.number);
		resp_redirect(r, 303, arena_sprintf(r->a, "/my/tickets/%s#rating", t.number));
		return 0;
	}
	if (strcmp(res, "not_found") == 0)
		return 404;
	/* Changed since it was loaded (a double click, another tab). */
	if (strcmp(res, "already_rated") == 0 || strcmp(res, "invalid_state") == 0) {
		if (ticket_find_mine(page_tx(r), t.number, &t) != 1)
			return page_db_failure(r);
		return show_rating(r, 409, &t, &(ticket_opts){ .refusal = strcmp(res, "already_rated") == 0
		    ? already_rated : not_yet_rateable });
	}
	form_errors_add(r->a, &errors, "rating", "Please choose a rating from 1 (very poor) to 5 (excellent).");
	return show_rating(r, 422, &t, &o);
}
