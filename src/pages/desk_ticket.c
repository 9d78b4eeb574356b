/* desk_ticket.c: the ticket workspace of the support desk,
 * /desk/tickets/{number}: the conversation with internal notes set apart,
 * the requester, SLA clocks, custom fields, the logs; and what staff do
 * there: reply (with the next status), note (with @mentions), update,
 * merge; canned responses by /shortcut; presence (who else has it open).
 *
 * Every route is ROUTE_STAFF (visitors to /login, customers 404). A ticket
 * the user does not work answers 404, page and actions alike. Forms carry
 * the version the page was loaded at: a post against a newer one is
 * refused with 409, the changes since listed and the draft kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "app/page.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "model/automation.h" /* automation (0037) */
#include "model/desk_ticket.h"
#include "model/time_entry.h"
#include "pages/desk_stage.h" /* workflows */
#include "pages/desk_fields.h"
#include "pages/desk_words.h"
#include "pages/flash.h"
#include "pages/pages.h"
#include "pages/ticket_views.h"
#include "pages/uploads.h"
#include "tmpl/tmpl_json.h"

#define CSRF_FORM "desk"
#define BODY_MAX 20000      /* characters of a reply or note */
#define IDEM_LEN 43         /* the form's one-time token */
#define PRESENCE_TTL_S 30   /* the script refreshes every 10 s */
#define TAGS_MAX 20
#define TAG_MAX 40
#define MENTIONS_MAX 10
#define SHORTCUTS_MAX 10
#define CF_MAX 2000         /* characters of a custom field's value */

static const char expired_form[] = "This form has expired or was not sent from this site. Please try again.";

/* ---------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------- */

static int load_ticket(req *r, desk_ticket *t)
{
	str number = req_route_get(r, "number");
	if (!ticket_number_plausible(number))
		return 404;
	int found = desk_ticket_find(page_tx(r), str_dup(r->a, number), t);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static long long now_us(void)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (long long)now.tv_sec * 1000000 + now.tv_usec;
}

/* The posted version: -1 when missing or not a number. */
static int posted_version(req *r)
{
	str v = req_form_get(r, "version");
	if (!v.len || v.len > 9)
		return -1;
	int n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] < '0' || v.ptr[i] > '9')
			return -1;
		n = n * 10 + (v.ptr[i] - '0');
	}
	return n > 0 ? n : -1;
}

static long long posted_loaded_us(req *r)
{
	str v = req_form_get(r, "loaded");
	long long n = 0;
	if (!v.len || v.len > 18)
		return 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] < '0' || v.ptr[i] > '9')
			return 0;
		n = n * 10 + (v.ptr[i] - '0');
	}
	return n;
}

/* ---------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------- */

typedef struct {
	const char *notice;
	const char *refusal;
	const char *posted;          /* "reply", "note", "update", "merge", "time" or NULL */
	const form_errors *errors;
	bool stale;                  /* the post was against an older version */
	long long since_us;          /* changes after this moment are listed */
} desk_opts;

static const struct {
	const char *kind, *message;
} flashes[] = {
	{ "replied", "Your reply was sent." },
	{ "replied_status", "Your reply was sent and the status changed." },
	{ "noted", "Your internal note was added." },
	{ "updated", "The ticket was updated." },
	{ "unchanged", "Nothing was changed." },
	{ "merged", "This ticket was merged." },
	{ "time_added", "Your time was recorded." },
	{ "time_removed", "The time entry was removed." },
	{ "staged", "The ticket moved to another stage." }, /* workflows */
};

static const char *flash_message(req *r, const char *number)
{
	const char *kind = page_flash_take(r, number);
	for (size_t i = 0; kind && i < sizeof flashes / sizeof *flashes; i++)
		if (strcmp(kind, flashes[i].kind) == 0)
			return flashes[i].message;
	return NULL;
}

/* One SLA clock: on track, at risk (inside the policy's warning share of
 * its window), breached, met, or paused while waiting on the customer. */
static tv *sla_view(req *r, const char *label, long long due, long long done, long long created, int warn_pct,
    bool paused)
{
	tv *c = tv_object(r->a);
	tv_set_str(r->a, c, "label", label);
	if (!due) {
		tv_set_str(r->a, c, "state", "none");
		tv_set_str(r->a, c, "state_label", "No target");
		return c;
	}
	long long now = (long long)time(NULL);
	page_set_time(r, c, "due", due);
	const char *state, *words;
	if (done) {
		bool late = done > due;
		state = late ? "breached" : "met";
		words = late ? "Missed" : "Met";
		page_set_time(r, c, "done", done);
	} else if (paused) {
		state = "paused";
		words = "Paused: waiting on the customer";
	} else if (now > due) {
		state = "breached";
		words = "Breached";
	} else {
		long long window = due > created ? due - created : 1;
		bool risk = (due - now) * 100 <= window * (100 - warn_pct);
		state = risk ? "at_risk" : "on_track";
		words = risk ? "At risk" : "On track";
	}
	tv_set_str(r->a, c, "state", state);
	tv_set_str(r->a, c, "state_label", words);
	tv_set_bool(r->a, c, "has_done", done != 0);
	return c;
}

static tv *choices_view(req *r, const desk_choice *c, size_t n, const char *selected)
{
	tv *l = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "value", c[i].id);
		tv_set_str(r->a, o, "label", c[i].label);
		tv_set_bool(r->a, o, "selected", selected && strcmp(selected, c[i].id) == 0);
		tv_push(r->a, l, o);
	}
	return l;
}

static tv *words_view(req *r, const desk_word *w, const char *selected)
{
	tv *l = tv_list(r->a);
	for (; w->value; w++) {
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "value", w->value);
		tv_set_str(r->a, o, "label", w->label);
		tv_set_bool(r->a, o, "selected", selected && strcmp(selected, w->value) == 0);
		tv_push(r->a, l, o);
	}
	return l;
}

/* Who else has the ticket open (the caller is recorded as viewing, or
 * typing when the post says so). Redis being down costs the banner only. */
static tv *presence_view(req *r, const desk_ticket *t, const char *me, bool typing, bool *any)
{
	presence_entry *e;
	size_t n;
	tv *l = tv_list(r->a);
	*any = false;
	if (presence_touch(r->app->kv, r->a, t->id, r->user_id, me, typing, PRESENCE_TTL_S, &e, &n) != KV_OK) {
		log_warn("presence unavailable", "rid=%s", r->request_id);
		return l;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].user_id, r->user_id) == 0)
			continue;
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "name", e[i].name[0] ? e[i].name : "A colleague");
		tv_set_bool(r->a, o, "typing", e[i].typing);
		tv_push(r->a, l, o);
		*any = true;
	}
	return l;
}

tv *desk_fields_view(req *r, const desk_field *fields, size_t nfields, bool use_posted, const form_errors *errors)
{
	arena *a = r->a;
	tv *fl = tv_list(a);
	for (size_t i = 0; i < nfields; i++) {
		const desk_field *f = &fields[i];
		tv *x = tv_object(a);
		const char *name = arena_sprintf(a, "cf_%s", f->key);
		tv_set_str(a, x, "name", name);
		tv_set_str(a, x, "id", arena_sprintf(a, "f-cf-%s", f->key));
		tv_set_str(a, x, "label", f->label);
		tv_set_str(a, x, "shown", f->shown && *f->shown ? f->shown : NULL);
		const char *value = f->value;
		if (use_posted) {
			str pv = req_form_get(r, name);
			if (pv.ptr)
				value = str_dup(a, pv);
		}
		tv_set_str(a, x, "value", value);
		bool text = strcmp(f->type, "text") == 0, area = strcmp(f->type, "textarea") == 0,
		     date = strcmp(f->type, "date") == 0, check = strcmp(f->type, "checkbox") == 0,
		     drop = strcmp(f->type, "dropdown_static") == 0;
		tv_set_bool(a, x, "is_text", text || date);
		tv_set_str(a, x, "input_type", date ? "date" : "text");
		tv_set_bool(a, x, "is_textarea", area);
		tv_set_bool(a, x, "is_checkbox", check);
		tv_set_bool(a, x, "checked", check && value && (strcmp(value, "true") == 0 || strcmp(value, "on") == 0));
		tv_set_bool(a, x, "is_dropdown", drop);
		tv_set_bool(a, x, "read_only", !(text || area || date || check || drop));
		if (drop && f->options_json) {
			char err[64];
			tv *opts = tv_from_json(a, f->options_json, strlen(f->options_json), err, sizeof err);
			tv_set(a, x, "options", opts ? opts : tv_list(a));
		}
		/* Set even when NULL, so that no outer "error" is looked up. */
		tv_set_str(a, x, "error", errors ? form_errors_get(errors, name) : NULL);
		tv_set_str(a, x, "error_id", arena_sprintf(a, "f-cf-%s-error", f->key));
		tv_push(a, fl, x);
	}
	return fl;
}

static const char *field_anchor(const char *f)
{
	return strcmp(f, "body") == 0 ? "f-body"
	    : strcmp(f, "attachments") == 0 ? "f-attachments"
	    : strcmp(f, "into") == 0 ? "f-into"
	    : strcmp(f, "status") == 0 ? "f-status"
	    : strcmp(f, "priority") == 0 ? "f-priority"
	    : strcmp(f, "assignee") == 0 ? "f-assignee"
	    : strcmp(f, "team") == 0 ? "f-team"
	    : strcmp(f, "category") == 0 ? "f-category"
	    : strcmp(f, "request_type") == 0 ? "f-request-type"
	    : strcmp(f, "tags") == 0 ? "f-tags"
	    : strcmp(f, "time_minutes") == 0 ? "f-time-minutes"
	    : strcmp(f, "minutes") == 0 ? "f-minutes"
	    : strcmp(f, "work_date") == 0 ? "f-work-date"
	    : strcmp(f, "note") == 0 ? "f-time-note"
	    : strncmp(f, "cf_", 3) == 0 ? "f-fields" : "compose";
}

/* ---------------------------------------------------------------------------
 * Time tracking: minutes with a reply or note, or on their own
 * ------------------------------------------------------------------------- */

/* Whole minutes from 1 to TIME_MINUTES_MAX, or "h:mm"; 0 when empty, -1
 * when not a time. */
static int parse_minutes(str v)
{
	long h = 0, n = 0;
	bool colon = false, digits = false;
	size_t since_colon = 0;
	if (v.len > 8)
		return -1;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.ptr[i];
		if (c == ':' && !colon && digits) {
			colon = true;
			h = n;
			n = 0;
			since_colon = 0;
			continue;
		}
		if (c < '0' || c > '9')
			return -1;
		digits = true;
		n = n * 10 + (c - '0');
		since_colon++;
	}
	if (!digits)
		return 0;
	if (colon && (since_colon != 2 || n > 59))
		return -1;
	long total = colon ? h * 60 + n : n;
	return total >= 1 && total <= TIME_MINUTES_MAX ? (int)total : -1;
}

/* The reply or note form's time spent (time_minutes, time_billable):
 * *minutes 0 when none was given, which a reply may not do when the
 * organization requires it. -1 on a database failure. */
static int time_fields(req *r, const desk_ticket *t, bool reply, int *minutes, bool *billable, form_errors *errors)
{
	str v = form_trim(req_form_get(r, "time_minutes"));
	*minutes = parse_minutes(v);
	*billable = req_form_get(r, "time_billable").len > 0;
	if (*minutes < 0) {
		form_errors_add(r->a, errors, "time_minutes",
		    "Please give the time spent in minutes (1 to 1440) or as hours:minutes, e.g. 1:30.");
		*minutes = 0;
		return 0;
	}
	if (*minutes == 0 && reply) {
		bool required;
		if (time_required_on_reply(page_tx(r), t->org_id, &required))
			return -1;
		if (required)
			form_errors_add(r->a, errors, "time_minutes",
			    "Please give the time you spent: your organization records it with every reply.");
	}
	return 0;
}

/* The time panel (entries and totals, the form to add one) and the compose
 * box's time fields, their input kept after a refusal. */
static void time_view(req *r, tv *v, tv *compose, const ticket_time *tt, const desk_opts *o)
{
	arena *a = r->a;
	const time_entry *e = tt->entries;
	size_t n = tt->n;
	time_totals tot = tt->totals;
	bool required = tt->required;
	tv *p = tv_object(a);
	tv_set_str(a, p, "total", desk_minutes_label(a, tot.minutes));
	tv_set_str(a, p, "billable", desk_minutes_label(a, tot.billable_minutes));
	tv_set_bool(a, p, "has_entries", n > 0);
	tv_set_bool(a, p, "more", tot.entries > (long)n);
	tv *list = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "id", e[i].id);
		tv_set_str(a, x, "who", e[i].user_name);
		tv_set_str(a, x, "date", e[i].work_date);
		tv_set_str(a, x, "spent", desk_minutes_label(a, e[i].minutes));
		tv_set_bool(a, x, "billable", e[i].billable);
		/* Set even when empty: a missing key would show the time form's
		 * posted value from the enclosing context. */
		tv_set_str(a, x, "note", e[i].note);
		tv_set_str(a, x, "message_id", e[i].message_id);
		tv_set_bool(a, x, "mine", e[i].mine);
		tv_push(a, list, x);
	}
	tv_set(a, p, "entries", list);
	tv_set_str(a, p, "csrf", page_csrf_token(r, CSRF_FORM));
	bool posted_time = o->posted && strcmp(o->posted, "time") == 0;
	tv_set_bool(a, p, "billable_checked", posted_time ? req_form_get(r, "billable").len > 0 : true);
	if (posted_time) {
		static const char *const keep[] = { "minutes", "work_date", "note" };
		for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
			str val = req_form_get(r, keep[i]);
			if (val.ptr)
				tv_set_strn(a, p, keep[i], val.ptr, val.len);
			page_field_error(r, p, o->errors, keep[i], field_anchor(keep[i]));
		}
		page_field_error(r, p, o->errors, "form", "time-form");
	}
	tv_set(a, v, "time", p);

	bool posted_compose = o->posted && (strcmp(o->posted, "reply") == 0 || strcmp(o->posted, "note") == 0);
	tv_set_bool(a, compose, "time_required", required);
	tv_set_bool(a, compose, "time_billable", posted_compose ? req_form_get(r, "time_billable").len > 0 : true);
	if (posted_compose) {
		str val = req_form_get(r, "time_minutes");
		if (val.ptr)
			tv_set_strn(a, compose, "time_minutes", val.ptr, val.len);
		page_field_error(r, compose, o->errors, "time_minutes", "f-time-minutes");
	}
}

static int show_workspace(req *r, int status, const desk_ticket *t, const desk_opts *o)
{
	arena *a = r->a;
	db_tx *tx = page_tx(r);
	const user_access *ua = page_access(r);
	const char *role = ua && (ua->platform_admin || ua->admin_orgs > 0) ? "admin" : "agent";
	desk_workspace w;
	/* A stale post lists what changed since its page was loaded (all of
	 * the recent changes when it did not say when). */
	long long since = o->stale ? (o->since_us > 0 ? o->since_us : 1) : 0;
	if (!ua || desk_ticket_workspace(tx, t, role, since, &w) != 0)
		return page_db_failure(r);
	const char *me = w.me;
	const desk_message *msgs = w.messages;
	size_t nmsgs = w.nmessages;
	const desk_other_ticket *others = w.others, *rated = w.rated;
	size_t nothers = w.nothers, nrated = w.nrated;
	const desk_field *fields = w.fields;
	size_t nfields = w.nfields;
	const desk_activity *acts = w.activity, *changes = w.changes;
	size_t nacts = w.nactivity, nchanges = w.nchanges;
	const desk_assignment *asg = w.assignments;
	size_t nasg = w.nassignments;
	const desk_choice *staff = w.staff, *teams = w.teams, *cats = w.cats, *types = w.types;
	size_t nstaff = w.nstaff, nteams = w.nteams, ncats = w.ncats, ntypes = w.ntypes;

	tv *v = page_view(r);
	tv_set_bool(a, v, "nav_desk", true);
	tv_set_str(a, v, "number", t->number);
	tv_set_str(a, v, "title", t->title);
	tv_set_str(a, v, "description", t->description);
	tv_set_str(a, v, "status", t->status);
	tv_set_str(a, v, "status_label", desk_word_label(desk_statuses, t->status));
	tv_set_str(a, v, "priority", t->priority);
	tv_set_str(a, v, "priority_label", desk_word_label(desk_priorities, t->priority));
	tv_set_str(a, v, "org_name", t->org_name);
	tv_set_str(a, v, "source", t->source);
	tv_set_str(a, v, "assignee_name", t->assignee_name);
	tv_set_str(a, v, "team_name", t->team_name);
	tv_set_str(a, v, "category_name", t->category_name);
	tv_set_str(a, v, "request_type_name", t->request_type_name);
	tv_set_str(a, v, "merged_into", t->merged_into);
	tv_set_int(a, v, "version", t->version);
	tv_set(a, v, "loaded", tv_int(a, now_us()));
	page_set_time(r, v, "created", t->created);
	page_set_time(r, v, "updated", t->last_activity);
	tv_set(a, v, "attachments", page_attachments_view(r, w.attachments, w.nattachments));
	tv_set_bool(a, v, "has_attachments", w.nattachments > 0);

	bool anyone;
	bool typing = o->posted && (strcmp(o->posted, "reply") == 0 || strcmp(o->posted, "note") == 0);
	tv_set(a, v, "presence", presence_view(r, t, me, typing, &anyone));
	tv_set_bool(a, v, "has_presence", anyone);

	/* The conversation; every key a message's template reads is set on it. */
	tv *ml = tv_list(a);
	for (size_t i = 0; i < nmsgs; i++) {
		const desk_message *m = &msgs[i];
		tv *x = tv_object(a);
		bool escalation = strcmp(m->type, "escalation") == 0;
		bool system = m->by_system || (strcmp(m->type, "reply") != 0 && strcmp(m->type, "note") != 0);
		tv_set_str(a, x, "id", m->id);
		tv_set_bool(a, x, "internal", m->internal);
		tv_set_bool(a, x, "by_requester", m->by_requester);
		tv_set_bool(a, x, "escalation", escalation);
		tv_set_bool(a, x, "system", system && !escalation);
		tv_set_str(a, x, "kind", escalation ? "Escalation" : system ? "System" : m->internal ? "Internal note"
		                       : m->by_requester ? "Customer" : "Reply");
		tv_set_str(a, x, "author", m->by_system ? "System"
		    : m->author_name && *m->author_name ? m->author_name : "Unknown");
		tv_set_str(a, x, "body", m->body);
		page_set_time(r, x, "time", m->created);
		tv_set(a, x, "attachments", page_attachments_view(r, m->attachments, m->nattachments));
		tv_set_bool(a, x, "has_attachments", m->nattachments > 0);
		tv_push(a, ml, x);
	}
	tv_set(a, v, "messages", ml);

	/* Requester */
	tv *rq = tv_object(a);
	tv_set_str(a, rq, "name", t->requester_name && *t->requester_name ? t->requester_name : t->requester_email);
	tv_set_str(a, rq, "email", t->requester_email);
	tv_set_str(a, rq, "language", t->requester_language);
	tv_set_str(a, rq, "channels", t->requester_channels && *t->requester_channels ? t->requester_channels : NULL);
	tv *ol = tv_list(a);
	for (size_t i = 0; i < nothers; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "number", others[i].number);
		tv_set_str(a, x, "title", others[i].title);
		tv_set_str(a, x, "status", others[i].status);
		tv_set_str(a, x, "status_label", desk_word_label(desk_statuses, others[i].status));
		tv_push(a, ol, x);
	}
	tv_set(a, rq, "others", ol);
	tv_set_bool(a, rq, "has_others", nothers > 0);
	tv *rl = tv_list(a);
	for (size_t i = 0; i < nrated; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "number", rated[i].number);
		tv_set_int(a, x, "rating", rated[i].rating);
		tv_set_str(a, x, "comment", rated[i].comment);
		page_set_time(r, x, "when", rated[i].when);
		tv_push(a, rl, x);
	}
	tv_set(a, rq, "ratings", rl);
	tv_set_bool(a, rq, "has_ratings", nrated > 0);
	tv_set(a, v, "requester", rq);

	/* SLA */
	tv *sl = tv_list(a);
	bool paused = t->paused_at != 0;
	tv_push(a, sl, sla_view(r, "First response", t->first_response_due, t->first_response_at, t->created,
	                   t->warning_percent, paused));
	tv_push(a, sl, sla_view(r, "Resolution", t->resolution_due, t->resolved_at, t->created, t->warning_percent,
	                   paused));
	tv_set(a, v, "sla", sl);

	/* Custom fields: shown, and editable in the update form. */
	bool posted_update = o->posted && strcmp(o->posted, "update") == 0;
	tv *fl = desk_fields_view(r, fields, nfields, posted_update, o->errors);
	tv_set(a, v, "fields", fl);
	tv_set_bool(a, v, "has_fields", nfields > 0);

	/* Logs */
	tv *al = tv_list(a);
	for (size_t i = 0; i < nacts; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "description", acts[i].description);
		tv_set_str(a, x, "actor", acts[i].actor ? acts[i].actor : "System");
		page_set_time(r, x, "when", acts[i].when);
		tv_push(a, al, x);
	}
	tv_set(a, v, "activity", al);
	tv *gl = tv_list(a);
	for (size_t i = 0; i < nasg; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "from", asg[i].from_name);
		tv_set_str(a, x, "to", asg[i].to_name ? asg[i].to_name : "nobody");
		tv_set_str(a, x, "team", asg[i].team_name);
		tv_set_str(a, x, "by", asg[i].by_name ? asg[i].by_name : "System");
		tv_set_str(a, x, "reason", asg[i].reason);
		page_set_time(r, x, "when", asg[i].when);
		tv_push(a, gl, x);
	}
	tv_set(a, v, "assignments", gl);
	tv_set_bool(a, v, "has_assignments", nasg > 0);

	/* A stale post: what changed since the form was loaded. */
	if (o->stale) {
		tv *cl = tv_list(a);
		for (size_t i = 0; i < nchanges; i++) {
			tv *x = tv_object(a);
			tv_set_str(a, x, "description", changes[i].description);
			tv_set_str(a, x, "actor", changes[i].actor ? changes[i].actor : "System");
			page_set_time(r, x, "when", changes[i].when);
			tv_push(a, cl, x);
		}
		tv_set(a, v, "changes", cl);
		tv_set_bool(a, v, "stale", true);
		tv_set_bool(a, v, "has_changes", nchanges > 0);
	}

	/* The update form: the ticket's values, or what was posted. */
	str ps = posted_update ? req_form_get(r, "status") : STR_NULL;
	str pp = posted_update ? req_form_get(r, "priority") : STR_NULL;
	str pa = posted_update ? req_form_get(r, "assignee") : STR_NULL;
	str pt = posted_update ? req_form_get(r, "team") : STR_NULL;
	str pc = posted_update ? req_form_get(r, "category") : STR_NULL;
	str pr = posted_update ? req_form_get(r, "request_type") : STR_NULL;
	str pg = posted_update ? req_form_get(r, "tags") : STR_NULL;
	const char *sel_assignee = pa.ptr ? (str_eq_cstr(pa, "me") ? r->user_id : str_dup(a, pa)) : t->assignee_id;
	tv *u = tv_object(a);
	tv_set(a, u, "statuses", words_view(r, desk_statuses, ps.ptr ? str_dup(a, ps) : t->status));
	tv_set(a, u, "priorities", words_view(r, desk_priorities, pp.ptr ? str_dup(a, pp) : t->priority));
	tv_set(a, u, "staff", choices_view(r, staff, nstaff, sel_assignee));
	tv_set(a, u, "teams", choices_view(r, teams, nteams, pt.ptr ? str_dup(a, pt) : t->team_id));
	tv_set(a, u, "categories", choices_view(r, cats, ncats, pc.ptr ? str_dup(a, pc) : t->category_id));
	tv_set(a, u, "types", choices_view(r, types, ntypes, pr.ptr ? str_dup(a, pr) : t->request_type_id));
	tv_set_str(a, u, "tags", pg.ptr ? str_dup(a, pg) : t->tags);
	tv_set_bool(a, u, "unassigned", !sel_assignee || !*sel_assignee);
	tv_set_bool(a, u, "assigned_to_me", t->assignee_id && strcmp(t->assignee_id, r->user_id) == 0);
	static const char *const update_fields[] = { "status", "priority", "assignee", "team", "category",
		"request_type", "tags", "form" };
	for (size_t i = 0; posted_update && i < sizeof update_fields / sizeof *update_fields; i++)
		page_field_error(r, u, o->errors, update_fields[i], field_anchor(update_fields[i]));
	tv_set(a, v, "update", u);

	/* The compose box: reply or note, the draft kept after a refusal. */
	tv *c = tv_object(a);
	bool posted_compose = typing;
	unsigned char raw[CRYPTO_TOKEN_LEN];
	str idem = posted_compose ? req_form_get(r, "idem") : STR_NULL;
	tv_set_str(a, c, "idem", idem.len == IDEM_LEN ? str_dup(a, idem) : crypto_token_new(a, raw));
	tv_set_bool(a, c, "is_note", posted_compose && strcmp(o->posted, "note") == 0);
	str next = posted_compose ? req_form_get(r, "status") : STR_NULL;
	tv *next_list = words_view(r, desk_statuses, next.len ? str_dup(a, next) : NULL);
	tv_set(a, c, "statuses", next_list);
	if (posted_compose) {
		str body = req_form_get(r, "body");
		if (body.ptr)
			tv_set_strn(a, c, "body", body.ptr, body.len);
		page_field_error(r, c, o->errors, "body", "f-body");
		page_field_error(r, c, o->errors, "attachments", "f-attachments");
		page_field_error(r, c, o->errors, "form", "compose");
		uploads_reattach_view(r, c);
	}
	tv_set(a, v, "compose", c);

	time_view(r, v, c, &w.time, o);

	tv *mg = tv_object(a);
	if (o->posted && strcmp(o->posted, "merge") == 0) {
		str into = req_form_get(r, "into");
		if (into.ptr)
			tv_set_strn(a, mg, "into", into.ptr, into.len);
		page_field_error(r, mg, o->errors, "into", "f-into");
		page_field_error(r, mg, o->errors, "form", "merge-form");
	}
	tv_set(a, v, "merge", mg);

	tv_set_str(a, v, "notice", o->notice);
	/* automation (0037): the macros the agent may apply here */
	{
		macro_option *mo;
		size_t nmo;
		if (macro_options(tx, t->org_id, 200, &mo, &nmo) != 0)
			return page_db_failure(r);
		tv *macro_list = tv_list(a);
		for (size_t i = 0; i < nmo; i++) {
			tv *x = tv_object(a);
			tv_set_str(a, x, "id", mo[i].id);
			tv_set_str(a, x, "name", mo[i].name);
			tv_push(a, macro_list, x);
		}
		tv_set(a, v, "macros", macro_list);
		tv_set_bool(a, v, "has_macros", nmo > 0);
	}
	tv_set_str(a, v, "refusal", o->refusal);
	if (o->errors && o->errors->len) {
		tv *list = tv_list(a);
		for (size_t i = 0; i < o->errors->len; i++) {
			tv *e = tv_object(a);
			tv_set_str(a, e, "anchor", field_anchor(o->errors->items[i].field));
			tv_set_str(a, e, "message", o->errors->items[i].message);
			tv_push(a, list, e);
		}
		tv_set(a, v, "errors", list);
		tv_set_bool(a, v, "has_errors", true);
	}
	/* workflows: the stage block (pages/desk_stage.c) */
	if (desk_stage_view(r, v, t) != 0)
		return page_db_failure(r);
	return page_render(r, status, "desk_ticket", v);
}

/* workflows: a refused stage move shows the workspace (pages/desk_stage.c). */
int desk_ticket_show_refused(req *r, int status, const char *refusal)
{
	desk_ticket t;
	int st = load_ticket(r, &t);
	if (st)
		return st;
	return show_workspace(r, status, &t, &(desk_opts){ .refusal = refusal });
}

int page_desk_ticket(req *r)
{
	desk_ticket t;
	int st = load_ticket(r, &t);
	if (st)
		return st;
	return show_workspace(r, 200, &t, &(desk_opts){ .notice = flash_message(r, t.number) });
}

/* The opening every form of the workspace shares: the ticket (404 when not
 * one the user works), then the form's CSRF token, whose refusal shows the
 * workspace again at 403 with the draft of the form o->posted kept (errors
 * is o's). True to go on; false when *answer is the handler's answer. */
static bool post_begin(req *r, desk_ticket *t, form_errors *errors, const desk_opts *o, int *answer)
{
	if ((*answer = load_ticket(r, t)))
		return false;
	if (!page_csrf_ok(r, CSRF_FORM)) {
		form_errors_add(r->a, errors, "form", expired_form);
		*answer = show_workspace(r, 403, t, o);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Compose: canned responses and mentions
 * ------------------------------------------------------------------------- */

static bool shortcut_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool token_start(const char *body, size_t i)
{
	return i == 0 || body[i - 1] == ' ' || body[i - 1] == '\n' || body[i - 1] == '\t' || body[i - 1] == '\r';
}

/* The length of the /shortcut token at body[i] (without the '/'), or 0. */
static size_t shortcut_at(const char *body, size_t len, size_t i)
{
	if (body[i] != '/' || !token_start(body, i))
		return 0;
	size_t k = i + 1;
	while (k < len && k - i <= 49 && shortcut_char(body[k]))
		k++;
	if (k == i + 1 || k - i > 49)
		return 0;
	if (k < len && !(body[k] == ' ' || body[k] == '\n' || body[k] == '\r' || body[k] == '\t' || body[k] == '.' ||
	                 body[k] == ',' || body[k] == '!' || body[k] == '?'))
		return 0;
	return k - i - 1;
}

static void put_placeholders(buf *b, const char *content, const desk_ticket *t, const char *me)
{
	static const char *const keys[] = { "{{ticket.number}}", "{{requester.name}}", "{{agent.name}}" };
	const char *vals[3] = { t->number, t->requester_name && *t->requester_name ? t->requester_name : "there",
		me && *me ? me : "" };
	for (const char *p = content; *p;) {
		bool done = false;
		for (int k = 0; k < 3 && !done; k++) {
			size_t kl = strlen(keys[k]);
			if (strncmp(p, keys[k], kl) == 0) {
				buf_puts(b, vals[k]);
				p += kl;
				done = true;
			}
		}
		if (!done)
			buf_putc(b, *p++);
	}
}

/* Expands every known /shortcut in body with its canned response (the
 * placeholders filled in as plain text: the body is escaped at render like
 * any message) and counts each use. Unknown tokens stay as typed. NULL on a
 * database failure. */
static const char *expand_canned(req *r, const desk_ticket *t, const char *body)
{
	size_t len = strlen(body);
	buf names;
	buf_init(&names, r->a, 128);
	int found = 0;
	for (size_t i = 0; i < len && found < SHORTCUTS_MAX; i++) {
		size_t n = shortcut_at(body, len, i);
		if (n) {
			if (names.len)
				buf_putc(&names, ',');
			buf_append(&names, body + i + 1, n);
			found++;
			i += n;
		}
	}
	if (!found)
		return body;
	db_tx *tx = page_tx(r);
	desk_canned *c;
	size_t nc;
	const char *me = desk_me_name(tx);
	if (!me || desk_canned_lookup(tx, t->org_id, names.data, &c, &nc) != 0)
		return NULL;
	if (!nc)
		return body;
	bool *used = arena_calloc(r->a, nc + 1, sizeof *used);
	buf out;
	buf_init(&out, r->a, len + 256);
	for (size_t i = 0; i < len;) {
		size_t n = shortcut_at(body, len, i);
		size_t k = nc;
		for (size_t j = 0; n && j < nc; j++)
			if (strlen(c[j].shortcut) == n && memcmp(c[j].shortcut, body + i + 1, n) == 0)
				k = j;
		if (k < nc) {
			put_placeholders(&out, c[k].content, t, me);
			used[k] = true;
			i += n + 1;
		} else {
			buf_putc(&out, body[i++]);
		}
	}
	for (size_t j = 0; j < nc; j++)
		if (used[j] && desk_canned_use(tx, c[j].id) != 0)
			return NULL;
	return out.data;
}

static bool email_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	    c == '%' || c == '+' || c == '-';
}

/* The addresses mentioned in body ("@" + a colleague's address, e.g.
 * "@amy@acme.example"), comma-joined, at most MENTIONS_MAX, or NULL. */
static const char *mentions_in(req *r, const char *body)
{
	size_t len = strlen(body);
	buf b;
	buf_init(&b, r->a, 128);
	int n = 0;
	for (size_t i = 0; i < len && n < MENTIONS_MAX; i++) {
		if (body[i] != '@' || (!token_start(body, i) && body[i - 1] != '('))
			continue;
		size_t s = i + 1, k = s;
		while (k < len && email_char(body[k]))
			k++;
		if (k == s || k >= len || body[k] != '@')
			continue;
		size_t at = k++;
		while (k < len && email_char(body[k]) && body[k] != '%' && body[k] != '+')
			k++;
		while (k > at + 1 && body[k - 1] == '.')
			k--; /* a sentence's full stop */
		if (!memchr(body + at + 1, '.', k - at - 1) || k - s > 254)
			continue;
		str addr = { body + s, k - s };
		bool dup = false;
		for (const char *p = b.data; p && *p && !dup;) {
			const char *e = strchr(p, ',');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			dup = str_eq_nocase((str){ p, l }, addr);
			p = e ? e + 1 : p + l;
		}
		if (dup)
			continue;
		if (b.len)
			buf_putc(&b, ',');
		buf_put_str(&b, addr);
		n++;
		i = k - 1;
	}
	return n ? b.data : NULL;
}

/* ---------------------------------------------------------------------------
 * POST .../reply and .../note
 * ------------------------------------------------------------------------- */

static int stale_reply(req *r, desk_ticket *t, const char *posted)
{
	/* The ticket as it is now, and what changed since the form was loaded. */
	if (load_ticket(r, t))
		return page_db_failure(r);
	return show_workspace(r, 409, t, &(desk_opts){ .posted = posted, .stale = true,
	                                       .since_us = posted_loaded_us(r),
	                                       .refusal = "This ticket changed while you were writing. "
	                                                  "Your draft is below: check the changes, then send it again." });
}

static int compose_post(req *r, bool internal)
{
	const char *posted = internal ? "note" : "reply";
	desk_ticket t;
	form_errors errors = { 0 };
	desk_opts o = { .posted = posted, .errors = &errors };
	int st;
	if (!post_begin(r, &t, &errors, &o, &st))
		return st;
	int version = internal ? -1 : posted_version(r);
	str next = internal ? STR_NULL : req_form_get(r, "status");
	const char *next_status = NULL;
	if (next.len) {
		if (!desk_word_label_n(desk_statuses, next.ptr, next.len))
			form_errors_add(r->a, &errors, "status", "Please choose a status from the list.");
		else
			next_status = str_dup(r->a, next);
	}
	if (!internal && version < 0)
		form_errors_add(r->a, &errors, "form", "This form is missing the ticket's version. Please reload the page.");
	str body = form_trim(req_form_get(r, "body"));
	long chars = form_chars(body);
	if (chars == 0)
		form_errors_add(r->a, &errors, "body", internal ? "Please write your note." : "Please write your reply.");
	else if (chars > BODY_MAX)
		form_errors_add(r->a, &errors, "body", "Please keep it under 20,000 characters, or attach the rest as a file.");
	int minutes;
	bool billable;
	if (time_fields(r, &t, !internal, &minutes, &billable, &errors))
		return page_db_failure(r);
	uploads up;
	if ((st = uploads_check_count(r, &up, posted, &errors)))
		return st;
	if (errors.len)
		return show_workspace(r, 422, &t, &o);
	if (!internal && version != t.version)
		return stale_reply(r, &t, posted);
	if ((st = uploads_store(r, &up, &errors)))
		return st;
	if (errors.len)
		return show_workspace(r, 422, &t, &o);
	const char *text = expand_canned(r, &t, str_dup(r->a, body));
	if (!text)
		return page_db_failure(r);
	str idem = req_form_get(r, "idem");
	const char *message_id;
	int new_version;
	const char *res = desk_ticket_post(page_tx(r), t.id, version, text, internal, uploads_refs_json(r, &up),
	    next_status, idem.len == IDEM_LEN ? str_dup(r->a, idem) : NULL, &message_id, &new_version);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "stale") == 0)
		return stale_reply(r, &t, posted);
	if (strcmp(res, "not_found") == 0)
		return 404;
	if (strcmp(res, "ok") == 0 || strcmp(res, "duplicate") == 0) {
		const char *who = internal && strcmp(res, "ok") == 0 ? mentions_in(r, text) : NULL;
		int notified;
		if (who && desk_mentions_notify(page_tx(r), t.id, who, &notified) != 0)
			return page_db_failure(r);
		/* The time goes with the message; a resent form has its entry. */
		if (minutes > 0 && strcmp(res, "ok") == 0
		    && time_entry_add(page_tx(r), t.id, message_id, minutes, billable, NULL, NULL) < 0)
			return page_db_failure(r);
		page_flash_set(r, internal ? "noted" : next_status && strcmp(next_status, t.status) != 0
		                                            ? "replied_status" : "replied", t.number);
		resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s#m-%s", t.number, message_id));
		return 0;
	}
	log_warn("desk post refused", "rid=%s status=%s", r->request_id, res);
	form_errors_add(r->a, &errors, strcmp(res, "empty") == 0 || strcmp(res, "too_long") == 0 ? "body"
	    : strcmp(res, "invalid_status") == 0 ? "status" : "attachments",
	    strcmp(res, "empty") == 0 ? "Please write something."
	    : strcmp(res, "too_long") == 0 ? "Please keep it shorter."
	    : strcmp(res, "invalid_status") == 0 ? "Please choose a status from the list."
	    : "These files could not be attached. Please attach them again.");
	return show_workspace(r, 422, &t, &o);
}

int page_desk_ticket_reply(req *r)
{
	return compose_post(r, false);
}

int page_desk_ticket_note(req *r)
{
	return compose_post(r, true);
}

/* ---------------------------------------------------------------------------
 * POST .../update
 * ------------------------------------------------------------------------- */

/* An optional uuid field: NULL when empty; *bad when it is not a uuid. */
static const char *uuid_field(req *r, const char *name, bool *bad)
{
	str s = form_trim(req_form_get(r, name));
	if (!s.len)
		return NULL;
	if (!str_is_uuid(s)) {
		*bad = true;
		return NULL;
	}
	return str_dup(r->a, s);
}

/* The tags as "a,b,c": trimmed, lower case, letters, digits, ' ', '-',
 * '_' and '.', at most TAGS_MAX of TAG_MAX characters. NULL when refused. */
static const char *tags_csv(req *r, str in)
{
	buf b;
	buf_init(&b, r->a, in.len + 1);
	buf_puts(&b, "");
	int n = 0;
	size_t i = 0;
	while (i <= in.len) {
		size_t j = i;
		while (j < in.len && in.ptr[j] != ',')
			j++;
		str tag = form_trim((str){ in.ptr + i, j - i });
		if (tag.len) {
			if (tag.len > TAG_MAX || ++n > TAGS_MAX)
				return NULL;
			if (b.len)
				buf_putc(&b, ',');
			for (size_t k = 0; k < tag.len; k++) {
				char c = tag.ptr[k];
				if (c >= 'A' && c <= 'Z')
					c = (char)(c - 'A' + 'a');
				if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '_' ||
				        c == '.'))
					return NULL;
				buf_putc(&b, c);
			}
		}
		i = j + 1;
	}
	return b.data;
}

static void json_string(buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static bool line_in(const char *lines, str v)
{
	for (const char *p = lines; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (str_eq((str){ p, l }, v))
			return true;
		p = e ? e + 1 : p + l;
	}
	return false;
}

const char *desk_fields_json(req *r, const desk_field *f, size_t nf, bool changes_only, form_errors *errors)
{
	buf b;
	buf_init(&b, r->a, 64);
	buf_putc(&b, '{');
	for (size_t i = 0; i < nf; i++) {
		const char *name = arena_sprintf(r->a, "cf_%s", f[i].key);
		str v = req_form_get(r, name);
		if (!v.ptr)
			continue;
		v = form_trim(v);
		const char *type = f[i].type;
		const char *bad = NULL;
		if (strcmp(type, "checkbox") == 0) {
			v = str_eq_cstr(v, "true") || str_eq_cstr(v, "on") ? str_from_cstr("true") : str_from_cstr("false");
		} else if (strcmp(type, "dropdown_static") == 0) {
			if (v.len && !line_in(f[i].option_values, v))
				bad = "Please choose one of the options.";
		} else if (strcmp(type, "date") == 0) {
			bool ok = v.len == 0 || v.len == 10;
			for (size_t k = 0; ok && k < v.len; k++)
				ok = k == 4 || k == 7 ? v.ptr[k] == '-' : v.ptr[k] >= '0' && v.ptr[k] <= '9';
			if (!ok)
				bad = "Please give a date as YYYY-MM-DD.";
		} else if (strcmp(type, "text") == 0 || strcmp(type, "textarea") == 0) {
			long chars = form_chars(v);
			if (chars > CF_MAX || (f[i].max_length > 0 && chars > f[i].max_length))
				bad = "This value is too long.";
		} else {
			continue; /* files and event references are not edited here */
		}
		if (bad) {
			form_errors_add(r->a, errors, name, arena_sprintf(r->a, "%s: %s", f[i].label, bad));
			continue;
		}
		if (changes_only ? (f[i].value ? str_eq_cstr(v, f[i].value) : v.len == 0 || str_eq_cstr(v, "false"))
		                 : v.len == 0 || str_eq_cstr(v, "false"))
			continue;
		if (b.len > 1)
			buf_putc(&b, ',');
		json_string(&b, f[i].key, strlen(f[i].key));
		buf_putc(&b, ':');
		json_string(&b, v.ptr, v.len);
	}
	buf_putc(&b, '}');
	return b.data;
}

/* The posted custom fields of the ticket's editable fields, as a JSON
 * object to merge; each bad value adds a form error. A field not posted
 * keeps its value. */
static const char *custom_json(req *r, const desk_ticket *t, form_errors *errors, int *st)
{
	desk_field *f;
	size_t nf;
	const user_access *ua = page_access(r);
	const char *role = ua && (ua->platform_admin || ua->admin_orgs > 0) ? "admin" : "agent";
	*st = 0;
	if (desk_ticket_fields(page_tx(r), t->id, role, &f, &nf) != 0) {
		*st = page_db_failure(r);
		return NULL;
	}
	return desk_fields_json(r, f, nf, true, errors);
}

static bool same(const char *a, const char *b)
{
	return (!a || !*a) ? (!b || !*b) : (b && strcmp(a, b) == 0);
}

int page_desk_ticket_update(req *r)
{
	desk_ticket t;
	form_errors errors = { 0 };
	desk_opts o = { .posted = "update", .errors = &errors };
	int st;
	if (!post_begin(r, &t, &errors, &o, &st))
		return st;
	int version = posted_version(r);
	if (version < 0)
		form_errors_add(r->a, &errors, "form", "This form is missing the ticket's version. Please reload the page.");
	desk_update u = { 0 };
	str s = req_form_get(r, "status");
	u.status = !s.len ? t.status : desk_word_label_n(desk_statuses, s.ptr, s.len) ? str_dup(r->a, s) : NULL;
	if (!u.status)
		form_errors_add(r->a, &errors, "status", "Please choose a status from the list.");
	str p = req_form_get(r, "priority");
	u.priority = !p.len ? t.priority : desk_word_label_n(desk_priorities, p.ptr, p.len) ? str_dup(r->a, p) : NULL;
	if (!u.priority)
		form_errors_add(r->a, &errors, "priority", "Please choose a priority from the list.");
	bool bad = false;
	/* The form's "Assign to me" button (assign=me) wins over the select it
	 * is sent with: a browser sends the select's value first. */
	bool assign_me = str_eq_cstr(req_form_get(r, "assign"), "me");
	str as = assign_me ? str_from_cstr("me") : form_trim(req_form_get(r, "assignee"));
	u.assignee_id = assign_me || req_form_get(r, "assignee").ptr
	    ? (str_eq_cstr(as, "me") ? r->user_id : uuid_field(r, "assignee", &bad))
	                                                : t.assignee_id;
	if (bad)
		form_errors_add(r->a, &errors, "assignee", "Please choose an assignee from the list.");
	bad = false;
	u.team_id = req_form_get(r, "team").ptr ? uuid_field(r, "team", &bad) : t.team_id;
	if (bad)
		form_errors_add(r->a, &errors, "team", "Please choose a team from the list.");
	bad = false;
	u.category_id = req_form_get(r, "category").ptr ? uuid_field(r, "category", &bad) : t.category_id;
	if (bad)
		form_errors_add(r->a, &errors, "category", "Please choose a category from the list.");
	bad = false;
	u.request_type_id = req_form_get(r, "request_type").ptr ? uuid_field(r, "request_type", &bad) : t.request_type_id;
	if (bad)
		form_errors_add(r->a, &errors, "request_type", "Please choose a request type from the list.");
	str tg = req_form_get(r, "tags");
	u.tags_csv = tg.ptr ? tags_csv(r, tg) : NULL;
	if (tg.ptr && !u.tags_csv)
		form_errors_add(r->a, &errors, "tags", "Tags are separated by commas: at most 20, each up to 40 letters, "
		                                   "digits, spaces, '-', '_' or '.'.");
	if (!tg.ptr) {
		/* Not posted: the ticket's own, as "a,b". */
		buf b;
		buf_init(&b, r->a, 64);
		for (const char *q = t.tags; q && *q; q++)
			if (*q != ' ' || (q > t.tags && q[-1] != ','))
				buf_putc(&b, *q);
		u.tags_csv = b.data ? b.data : "";
	}
	u.custom_json = custom_json(r, &t, &errors, &st);
	if (st)
		return st;
	if (errors.len)
		return show_workspace(r, 422, &t, &o);

	bool aok, tok, cok, rok;
	if (desk_update_check(page_tx(r), &t, &u, &aok, &tok, &cok, &rok) != 0)
		return page_db_failure(r);
	if (!aok && !same(u.assignee_id, t.assignee_id))
		form_errors_add(r->a, &errors, "assignee", "That person is not active staff of this ticket's organization.");
	if (!tok && !same(u.team_id, t.team_id))
		form_errors_add(r->a, &errors, "team", "That team does not belong to this ticket's organization.");
	if (!cok && !same(u.category_id, t.category_id))
		form_errors_add(r->a, &errors, "category", "That category is not available to this ticket's organization.");
	if (!rok && !same(u.request_type_id, t.request_type_id))
		form_errors_add(r->a, &errors, "request_type",
		    "That request type is not available to this ticket's organization.");
	if (errors.len)
		return show_workspace(r, 422, &t, &o);

	/* The tags as the ticket holds them, to tell whether they changed. */
	buf old;
	buf_init(&old, r->a, 64);
	for (const char *q = t.tags; q && *q; q++)
		if (*q != ' ' || (q > t.tags && q[-1] != ','))
			buf_putc(&old, *q);
	bool changed = !same(u.status, t.status) || !same(u.priority, t.priority) || !same(u.assignee_id, t.assignee_id) ||
	    !same(u.team_id, t.team_id) || !same(u.category_id, t.category_id) ||
	    !same(u.request_type_id, t.request_type_id) || !same(u.tags_csv, old.data) || strcmp(u.custom_json, "{}") != 0;
	if (version != t.version)
		return stale_reply(r, &t, "update");
	if (!changed) {
		page_flash_set(r, "unchanged", t.number);
		resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s", t.number));
		return 0;
	}
	int new_version;
	const char *res = desk_ticket_update(page_tx(r), t.id, version, &u, &new_version);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "stale") == 0)
		return stale_reply(r, &t, "update");
	page_flash_set(r, "updated", t.number);
	resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s", t.number));
	return 0;
}

/* ---------------------------------------------------------------------------
 * POST .../merge
 * ------------------------------------------------------------------------- */

int page_desk_ticket_merge(req *r)
{
	desk_ticket t;
	form_errors errors = { 0 };
	desk_opts o = { .posted = "merge", .errors = &errors };
	int st;
	if (!post_begin(r, &t, &errors, &o, &st))
		return st;
	str into = form_trim(req_form_get(r, "into"));
	char *target = str_dup(r->a, into);
	for (char *q = target; q && *q; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 'a' + 'A');
	const char *res = !into.len ? "empty"
	    : !ticket_number_plausible(str_from_cstr(target)) ? "target_not_found"
	    : desk_ticket_merge(page_tx(r), t.id, target);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "ok") == 0) {
		page_flash_set(r, "merged", target);
		resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s", target));
		return 0;
	}
	if (strcmp(res, "not_found") == 0)
		return 404;
	const char *msg = strcmp(res, "empty") == 0 ? "Please give the number of the ticket to merge into."
	    : strcmp(res, "target_not_found") == 0 ? "There is no ticket with that number that you work on."
	    : strcmp(res, "same_ticket") == 0 ? "A ticket cannot be merged into itself."
	    : strcmp(res, "other_organization") == 0 ? "That ticket is worked by another organization: "
	                                               "only tickets of the same organization can be merged."
	    : strcmp(res, "already_merged") == 0 ? "This ticket was merged already."
	    : strcmp(res, "target_merged") == 0 ? "That ticket was itself merged into another: merge into that one."
	                                        : "This ticket cannot be merged.";
	form_errors_add(r->a, &errors, "into", msg);
	return show_workspace(r, 422, &t, &o);
}

/* ---------------------------------------------------------------------------
 * POST .../time (minutes, billable, work_date, note, _csrf) and
 * POST .../time/{id}/remove (_csrf)
 * ------------------------------------------------------------------------- */

/* YYYY-MM-DD between 2000 and 2099, a real day of its month: PostgreSQL
 * would refuse 2026-02-30 with an error, so the page refuses it first. */
static bool plausible_date(str v)
{
	if (v.len != 10 || v.ptr[4] != '-' || v.ptr[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (v.ptr[i] < '0' || v.ptr[i] > '9'))
			return false;
	int y = (v.ptr[0] - '0') * 1000 + (v.ptr[1] - '0') * 100 + (v.ptr[2] - '0') * 10 + (v.ptr[3] - '0');
	int m = (v.ptr[5] - '0') * 10 + (v.ptr[6] - '0'), d = (v.ptr[8] - '0') * 10 + (v.ptr[9] - '0');
	if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max = days[m - 1] + (m == 2 && y % 4 == 0 ? 1 : 0);
	return d <= max;
}

int page_desk_ticket_time(req *r)
{
	desk_ticket t;
	form_errors errors = { 0 };
	desk_opts o = { .posted = "time", .errors = &errors };
	int st;
	if (!post_begin(r, &t, &errors, &o, &st))
		return st;
	int minutes = parse_minutes(form_trim(req_form_get(r, "minutes")));
	if (minutes <= 0)
		form_errors_add(r->a, &errors, "minutes",
		    "Please give the time spent in minutes (1 to 1440) or as hours:minutes, e.g. 1:30.");
	str date = form_trim(req_form_get(r, "work_date"));
	if (date.len && !plausible_date(date))
		form_errors_add(r->a, &errors, "work_date", "Please give the day as YYYY-MM-DD, e.g. 2026-12-01.");
	str note = form_trim(req_form_get(r, "note"));
	if (form_chars(note) > TIME_NOTE_MAX_CHARS)
		form_errors_add(r->a, &errors, "note", "Please keep the note under 500 characters.");
	if (errors.len)
		return show_workspace(r, 422, &t, &o);
	int added = time_entry_add(page_tx(r), t.id, NULL, minutes, req_form_get(r, "billable").len > 0,
	    note.len ? str_dup(r->a, note) : NULL, date.len ? str_dup(r->a, date) : NULL);
	if (added < 0)
		return page_db_failure(r);
	if (added == 0)
		return 404;
	page_flash_set(r, "time_added", t.number);
	resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s#time-title", t.number));
	return 0;
}

int page_desk_ticket_time_remove(req *r)
{
	desk_ticket t;
	form_errors errors = { 0 };
	desk_opts o = { .posted = "time", .errors = &errors };
	int st;
	if (!post_begin(r, &t, &errors, &o, &st))
		return st;
	str id = req_route_get(r, "id");
	char *idc = str_dup(r->a, id);
	if (!cstr_is_uuid(idc))
		return 404;
	int removed = time_entry_remove(page_tx(r), t.id, idc);
	if (removed < 0)
		return page_db_failure(r);
	if (removed == 0)
		return 404;
	page_flash_set(r, "time_removed", t.number);
	resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s#time-title", t.number));
	return 0;
}

/* ---------------------------------------------------------------------------
 * POST .../presence (_csrf, typing=1|0): JSON, for the script
 * ------------------------------------------------------------------------- */

int page_desk_ticket_presence(req *r)
{
	desk_ticket t;
	int st = load_ticket(r, &t);
	if (st)
		return st;
	if (!page_csrf_ok(r, CSRF_FORM))
		return 403;
	const char *me = desk_me_name(page_tx(r));
	if (!me)
		return page_db_failure(r);
	bool typing = str_eq_cstr(req_form_get(r, "typing"), "1");
	presence_entry *e;
	size_t n;
	if (presence_touch(r->app->kv, r->a, t.id, r->user_id, me, typing, PRESENCE_TTL_S, &e, &n) != KV_OK)
		return 503;
	buf b;
	buf_init(&b, r->a, 256);
	buf_printf(&b, "{\"version\":%d,\"others\":[", t.version);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].user_id, r->user_id) == 0)
			continue;
		buf_puts(&b, first ? "{\"name\":" : ",{\"name\":");
		const char *name = e[i].name[0] ? e[i].name : "A colleague";
		json_string(&b, name, strlen(name));
		buf_printf(&b, ",\"typing\":%s}", e[i].typing ? "true" : "false");
		first = false;
	}
	buf_puts(&b, "]}");
	resp_body(r, 200, "application/json", b.data, b.len);
	resp_header(r, "Cache-Control", "no-store");
	return 0;
}

/* ---------------------------------------------------------------------------
 * GET /desk/canned?q=[&ticket=]: JSON matches by shortcut prefix, those
 * offered on that ticket (its organization, the agent's teams) when given
 * ------------------------------------------------------------------------- */

int page_desk_canned(req *r)
{
	const char *org_id = NULL;
	str number = req_query_get(r, "ticket");
	if (number.len) {
		desk_ticket t;
		if (!ticket_number_plausible(number))
			return 404;
		int found = desk_ticket_find(page_tx(r), str_dup(r->a, number), &t);
		if (found < 0)
			return page_db_failure(r);
		if (!found)
			return 404;
		org_id = t.org_id;
	}
	str q = form_trim(req_query_get(r, "q"));
	if (q.len && q.ptr[0] == '/') {
		q.ptr++;
		q.len--;
	}
	for (size_t i = 0; i < q.len; i++)
		if (!shortcut_char(q.ptr[i]))
			return 400;
	if (q.len > 49)
		return 400;
	const char *json = desk_canned_search_json(page_tx(r), org_id, str_dup(r->a, q));
	if (!json)
		return page_db_failure(r);
	resp_body(r, 200, "application/json", json, strlen(json));
	resp_header(r, "Cache-Control", "no-store");
	return 0;
}
