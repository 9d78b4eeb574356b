/* desk.c: the support desk's queues (GET /desk), bulk actions on the
 * tickets of a queue (POST /desk/bulk) and the spam view's two actions
 * (POST /desk/spam/{number}/not-spam and /delete).
 *
 * Every route is ROUTE_STAFF: visitors are sent to /login?next=, anyone
 * who is not staff gets 404. Which tickets exist is row-level security's
 * answer; the filters here only narrow what the agent asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/page.h"
#include "core/log.h"
#include "model/automation.h" /* automation (0037) */
#include "model/queue.h"
#include "model/workflow.h" /* workflows */
#include "model/submit_form.h"
#include "model/ticket.h"
#include "pages/desk_words.h"
#include "pages/flash.h"
#include "pages/pages.h"

#define PAGE_SIZE 50
#define COUNT_CAP 1000      /* counted queues stop here and show "999+" (the kept ones are exact) */
#define Q_MAX 200           /* characters of a search */
#define TAG_MAX 50          /* characters of a tag */
#define BULK_MAX 100        /* tickets in one bulk action */
#define FLASH_COOKIE "sd_desk_flash"

/* ---------------------------------------------------------------------------
 * Input
 * ------------------------------------------------------------------------- */

/* The canonical text form of a uuid (any case), lower-cased into the
 * arena; NULL for anything else. */
static const char *uuid_of(req *r, str s)
{
	if (!str_is_uuid(s))
		return NULL;
	char *out = str_dup(r->a, s);
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	return out;
}

/* A tag: 1-50 of a-z, 0-9, '-', '_', '.' (lower-cased). NULL otherwise. */
static const char *tag_of(req *r, str s)
{
	if (s.len < 1 || s.len > TAG_MAX)
		return NULL;
	char *out = arena_alloc(r->a, s.len + 1);
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return NULL;
		out[i] = c;
	}
	out[s.len] = '\0';
	return out;
}

/* An optional query parameter: NULL when absent or empty. */
static str opt(req *r, const char *name)
{
	str s = form_trim(req_query_get(r, name));
	return s.len ? s : STR_NULL;
}

typedef struct {
	queue_filter f;
	bool queue_given;
	const char *org;           /* as asked (NULL: none) */
	const char *assignee_word; /* "me", "none", a uuid or NULL, as asked */
	bool sort_given, dir_given;
	queue_cursor after;
	bool has_after;
} desk_query;

/* Reads GET /desk's parameters into q. 0, or 400 for a value that is not
 * one of the allowed ones (an unknown sort or direction falls back to the
 * default instead: links outlive sort options). */
static int read_query(req *r, desk_query *q)
{
	memset(q, 0, sizeof *q);
	queue_filter *f = &q->f;
	str s;
	if ((s = opt(r, "queue")).ptr) {
		int k = queue_kind_from_name(s);
		if (k < 0)
			return 400;
		f->queue = (enum queue_kind)k;
		q->queue_given = true;
	}
	if ((s = opt(r, "org")).ptr && !(q->org = uuid_of(r, s)))
		return 400;
	if ((s = opt(r, "status")).ptr) {
		if (!desk_word_label_n(desk_statuses, s.ptr, s.len))
			return 400;
		f->status = str_dup(r->a, s);
	}
	if ((s = opt(r, "priority")).ptr) {
		if (!desk_word_label_n(desk_priorities, s.ptr, s.len))
			return 400;
		f->priority = str_dup(r->a, s);
	}
	if ((s = opt(r, "assignee")).ptr) {
		if (str_eq_cstr(s, "me")) {
			f->assignee = QUEUE_ASSIGNEE_USER;
			f->assignee_id = r->user_id;
			q->assignee_word = "me";
		} else if (str_eq_cstr(s, "none")) {
			f->assignee = QUEUE_ASSIGNEE_NONE;
			q->assignee_word = "none";
		} else if ((f->assignee_id = uuid_of(r, s))) {
			f->assignee = QUEUE_ASSIGNEE_USER;
			q->assignee_word = f->assignee_id;
		} else {
			return 400;
		}
	}
	if ((s = opt(r, "team")).ptr && !(f->team = uuid_of(r, s)))
		return 400;
	if ((s = opt(r, "category")).ptr && !(f->category = uuid_of(r, s)))
		return 400;
	if ((s = opt(r, "type")).ptr && !(f->type = uuid_of(r, s)))
		return 400;
	if ((s = opt(r, "tag")).ptr && !(f->tag = tag_of(r, s)))
		return 400;
	if ((s = opt(r, "stage")).ptr && !(f->stage = uuid_of(r, s))) /* workflows */
		return 400;
	if ((s = opt(r, "q")).ptr) {
		if (form_chars(s) > Q_MAX)
			return 400;
		f->q = str_dup(r->a, s);
	}
	int k = (s = opt(r, "sort")).ptr ? queue_sort_from_name(s) : -1;
	q->sort_given = k >= 0;
	f->sort = k >= 0 ? (enum queue_sort)k : QUEUE_SORT_UPDATED;
	s = opt(r, "dir");
	q->dir_given = s.ptr && (str_eq_cstr(s, "asc") || str_eq_cstr(s, "desc"));
	if ((s = opt(r, "after")).ptr) {
		if (!queue_cursor_decode(s, &q->after))
			return 400;
		q->has_after = true;
	}
	return 0;
}

/* The direction, once the queue (and its default sort) is known. */
static void settle_sort(req *r, desk_query *q)
{
	queue_filter *f = &q->f;
	if (!q->sort_given)
		f->sort = f->queue == QUEUE_SLA ? QUEUE_SORT_DUE : QUEUE_SORT_UPDATED;
	f->asc = q->dir_given ? str_eq_cstr(opt(r, "dir"), "asc") : queue_sort_default_asc(f->sort);
}

/* ---------------------------------------------------------------------------
 * Links
 * ------------------------------------------------------------------------- */

static void add_param(buf *b, arena *a, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	buf_printf(b, "%c%s=%s", b->len && memchr(b->data, '?', b->len) ? '&' : '?', name,
	    http_percent_encode(a, value, strlen(value)));
}

/* /desk with the queue and, when with_filters, every filter of q; the
 * cursor when after is not NULL. */
static const char *desk_href(req *r, const desk_query *q, enum queue_kind queue, bool with_filters,
    const char *after)
{
	arena *a = r->a;
	const queue_filter *f = &q->f;
	buf b;
	buf_init(&b, a, 160);
	buf_puts(&b, "/desk");
	add_param(&b, a, "queue", queue_kind_name(queue));
	add_param(&b, a, "org", q->org);
	if (with_filters) {
		add_param(&b, a, "status", f->status);
		add_param(&b, a, "priority", f->priority);
		add_param(&b, a, "assignee", q->assignee_word);
		add_param(&b, a, "team", f->team);
		add_param(&b, a, "category", f->category);
		add_param(&b, a, "type", f->type);
		add_param(&b, a, "tag", f->tag);
		add_param(&b, a, "stage", f->stage); /* workflows */
		add_param(&b, a, "q", f->q);
		if (q->sort_given)
			add_param(&b, a, "sort", queue_sort_name(f->sort));
		if (q->dir_given)
			add_param(&b, a, "dir", f->asc ? "asc" : "desc");
		add_param(&b, a, "after", after);
	}
	return b.data;
}

/* ---------------------------------------------------------------------------
 * The flash after a bulk action: "<changed>.<unchanged>.<not found>.<invalid>"
 * with the numbers of each list joined by '_' (cookie-safe).
 * ------------------------------------------------------------------------- */

typedef struct {
	long changed, unchanged;
	buf not_found, invalid;     /* numbers joined by '_' */
	long nnot_found, ninvalid;
	enum queue_action action;
} bulk_result;

static void flash_set(req *r, const bulk_result *b)
{
	page_flash_put(r, FLASH_COOKIE, arena_sprintf(r->a, "%s.%ld.%ld.%s.%s", queue_action_name(b->action), b->changed,
	    b->unchanged, b->not_found.len ? b->not_found.data : "", b->invalid.len ? b->invalid.data : ""));
}

/* The numbers of a flash list, each checked to be a ticket number's shape
 * (the cookie is the browser's to change), joined by ", ". */
static const char *numbers_words(req *r, str list, long *count)
{
	buf b;
	buf_init(&b, r->a, 64);
	*count = 0;
	for (size_t i = 0; i < list.len && *count < BULK_MAX;) {
		const char *end = memchr(list.ptr + i, '_', list.len - i);
		size_t n = end ? (size_t)(end - (list.ptr + i)) : list.len - i;
		str num = { list.ptr + i, n };
		if (ticket_number_plausible(num)) {
			if (b.len)
				buf_puts(&b, ", ");
			buf_put_str(&b, num);
			(*count)++;
		}
		i += n + 1;
	}
	return b.len ? b.data : NULL;
}

static void flash_take(req *r, tv *v)
{
	str c = page_flash_get(r, FLASH_COOKIE);
	if (!c.ptr)
		return;
	str part[5];
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= c.len && k < 5; i++)
		if (i == c.len || (c.ptr[i] == '.' && k < 4)) {
			part[k++] = (str){ c.ptr + start, i - start };
			start = i + 1;
		}
	if (k != 5)
		return;
	int action = queue_action_from_name(part[0]);
	char tmp[24];
	snprintf(tmp, sizeof tmp, "%.*s", (int)(part[1].len < 20 ? part[1].len : 20), part[1].ptr);
	long changed = strtol(tmp, NULL, 10);
	snprintf(tmp, sizeof tmp, "%.*s", (int)(part[2].len < 20 ? part[2].len : 20), part[2].ptr);
	long unchanged = strtol(tmp, NULL, 10);
	if (action < 0 || changed < 0 || changed > BULK_MAX || unchanged < 0 || unchanged > BULK_MAX)
		return;
	arena *a = r->a;
	tv *fl = tv_object(a);
	tv_set_str(a, fl, "changed", changed == 1 ? "1 ticket changed." : arena_sprintf(a, "%ld tickets changed.", changed));
	if (unchanged)
		tv_set_str(a, fl, "unchanged", unchanged == 1 ? "1 was so already." : arena_sprintf(a, "%ld were so already.",
		    unchanged));
	long n;
	const char *nf = numbers_words(r, part[3], &n);
	if (nf)
		tv_set_str(a, fl, "not_found", arena_sprintf(a, "Refused, not found or not yours to change: %s.", nf));
	const char *inv = numbers_words(r, part[4], &n);
	if (inv)
		tv_set_str(a, fl, "invalid", arena_sprintf(a, "%s %s.", action == QUEUE_ACTION_ASSIGN
		    ? "Refused, that person is not active staff of the ticket's organization:"
		    : action == QUEUE_ACTION_DELETE ? "Refused, not spam:" : "Refused:", inv));
	tv_set_bool(a, fl, "refused", nf || inv);
	tv_set(a, v, "flash", fl);
}

/* ---------------------------------------------------------------------------
 * GET /desk
 * ------------------------------------------------------------------------- */

static tv *options_view(req *r, const queue_option *o, size_t n, const char *selected)
{
	tv *list = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *x = tv_object(r->a);
		tv_set_str(r->a, x, "value", o[i].id);
		tv_set_str(r->a, x, "label", o[i].name);
		tv_set_bool(r->a, x, "selected", selected && o[i].id && strcmp(o[i].id, selected) == 0);
		tv_push(r->a, list, x);
	}
	return list;
}

static tv *words_view(req *r, const desk_word *w, const char *selected)
{
	tv *list = tv_list(r->a);
	for (; w->value; w++) {
		tv *x = tv_object(r->a);
		tv_set_str(r->a, x, "value", w->value);
		tv_set_str(r->a, x, "label", w->label);
		tv_set_bool(r->a, x, "selected", selected && strcmp(w->value, selected) == 0);
		tv_push(r->a, list, x);
	}
	return list;
}

static const char *count_label(req *r, long n, bool exact)
{
	return !exact && n >= COUNT_CAP ? "999+" : arena_sprintf(r->a, "%ld", n);
}

static const char *const queue_empty[QUEUE__MAX] = {
	[QUEUE_MINE] = "Nothing is assigned to you.",
	[QUEUE_UNASSIGNED] = "Every open ticket has someone on it.",
	[QUEUE_OPEN] = "No open tickets.",
	[QUEUE_WAITING] = "Nothing is waiting.",
	[QUEUE_SLA] = "No ticket is at risk of missing its SLA.",
	[QUEUE_RESOLVED] = "No resolved tickets.",
	[QUEUE_SPAM] = "No spam.",
};

int page_desk(req *r)
{
	const user_access *ua = page_access(r);
	if (!ua)
		return page_db_failure(r);
	desk_query q;
	int st = read_query(r, &q);
	if (st)
		return st;
	queue_filter *f = &q.f;
	f->scope.all = ua->platform_staff && !q.org;
	f->scope.org = q.org;

	db_tx *tx = page_tx(r);
	long counts[QUEUE__MAX];
	bool exact[QUEUE__MAX];
	if (queue_begin(tx, &f->scope) != 0 ||
	    queue_counts(tx, &f->scope, COUNT_CAP, counts, exact) != 0)
		return page_db_failure(r);
	/* An agent's day starts with their own tickets; with none, every open one. */
	if (!q.queue_given)
		f->queue = counts[QUEUE_MINE] > 0 ? QUEUE_MINE : QUEUE_OPEN;
	settle_sort(r, &q);
	if (q.has_after && (q.after.sort != f->sort || q.after.asc != f->asc))
		return 400;

	queue_page pg;
	queue_options opts;
	if (queue_list(tx, f, q.has_after ? &q.after : NULL, PAGE_SIZE, &pg) != 0 ||
	    queue_options_get(tx, &f->scope, &opts) != 0)
		return page_db_failure(r);

	arena *a = r->a;
	tv *v = page_view(r);
	tv_set_bool(a, v, "nav_desk", true);
	const char *queue_label = desk_word_label(desk_queues, queue_kind_name(f->queue));
	tv_set_str(a, v, "queue", queue_kind_name(f->queue));
	tv_set_str(a, v, "queue_label", queue_label);
	tv_set_bool(a, v, "is_spam_queue", f->queue == QUEUE_SPAM);

	tv *queues = tv_list(a);
	for (int i = 0; i < QUEUE__MAX; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "href", desk_href(r, &q, (enum queue_kind)i, false, NULL));
		tv_set_str(a, x, "label", desk_word_label(desk_queues, queue_kind_name((enum queue_kind)i)));
		tv_set_str(a, x, "count", count_label(r, counts[i], exact[i]));
		tv_set_bool(a, x, "current", (int)f->queue == i);
		tv_push(a, queues, x);
	}
	tv_set(a, v, "queues", queues);

	/* The filter form. */
	tv_set(a, v, "statuses", words_view(r, desk_statuses, f->status));
	tv_set(a, v, "priorities", words_view(r, desk_priorities, f->priority));
	tv_set(a, v, "sorts", words_view(r, desk_sorts, queue_sort_name(f->sort)));
	tv_set_bool(a, v, "dir_asc", f->asc);
	tv_set_bool(a, v, "assignee_me", q.assignee_word && strcmp(q.assignee_word, "me") == 0);
	tv_set_bool(a, v, "assignee_none", q.assignee_word && strcmp(q.assignee_word, "none") == 0);
	tv_set(a, v, "agents", options_view(r, opts.agents, opts.nagents,
	    f->assignee == QUEUE_ASSIGNEE_USER && !(q.assignee_word && strcmp(q.assignee_word, "me") == 0)
	        ? f->assignee_id : NULL));
	tv_set(a, v, "teams", options_view(r, opts.teams, opts.nteams, f->team));
	tv_set(a, v, "categories", options_view(r, opts.categories, opts.ncategories, f->category));
	tv_set(a, v, "types", options_view(r, opts.types, opts.ntypes, f->type));
	tv_set_bool(a, v, "has_teams", opts.nteams > 0);
	/* Platform staff and staff of several organizations choose one. */
	if (ua->platform_staff || opts.norgs > 1) {
		tv_set_bool(a, v, "has_orgs", true);
		tv_set(a, v, "orgs", options_view(r, opts.orgs, opts.norgs, q.org));
	}
	tv_set_str(a, v, "org", q.org);
	tv_set_str(a, v, "tag", f->tag);
	tv_set_str(a, v, "q", f->q);
	bool filtered = f->status || f->priority || q.assignee_word || f->team || f->category || f->type || f->tag ||
	    f->q || f->stage /* workflows */;
	{
		/* workflows: the stages of the active workflows the user sees */
		workflow_stage_option *so;
		size_t nso;
		if (workflow_stage_options(page_tx(r), &so, &nso) != 0)
			return page_db_failure(r);
		tv *sl = tv_list(a);
		for (size_t i = 0; i < nso; i++) {
			tv *o = tv_object(a);
			tv_set_str(a, o, "value", so[i].id);
			tv_set_str(a, o, "label", so[i].label);
			tv_set_bool(a, o, "selected", f->stage && strcmp(f->stage, so[i].id) == 0);
			tv_push(a, sl, o);
		}
		tv_set(a, v, "stages", sl);
		tv_set_bool(a, v, "has_stages", nso > 0);
	}
	tv_set_bool(a, v, "filtered", filtered);
	/* The filters fold away (at 360 px they would push the list off the
	 * screen), open when one is in use. */
	tv_set_bool(a, v, "filters_open", filtered || q.sort_given || q.dir_given);
	tv_set_str(a, v, "clear_href", desk_href(r, &q, f->queue, false, NULL));
	tv_set_str(a, v, "return_to", desk_href(r, &q, f->queue, true, q.has_after ? queue_cursor_encode(a, &q.after)
	                                                                          : NULL));

	/* The rows. */
	tv *rows = tv_list(a);
	for (size_t i = 0; i < pg.n; i++) {
		const queue_row *row = &pg.rows[i];
		tv *x = tv_object(a);
		tv_set_str(a, x, "number", row->number);
		tv_set_str(a, x, "title", row->title);
		tv_set_str(a, x, "requester", row->requester ? row->requester : "Unknown");
		tv_set_str(a, x, "status", row->status);
		tv_set_str(a, x, "status_label", desk_word_label(desk_statuses, row->status));
		tv_set_str(a, x, "priority", row->priority);
		tv_set_str(a, x, "priority_label", desk_word_label(desk_priorities, row->priority));
		tv_set_str(a, x, "assignee", row->assignee);
		tv_set_str(a, x, "team", row->team);
		tv_set_str(a, x, "org_name", f->scope.all ? (row->org ? row->org : "Platform") : NULL);
		tv_set_str(a, x, "sla", row->sla);
		tv_set_str(a, x, "sla_label", row->sla ? desk_word_label(desk_sla_states, row->sla) : NULL);
		if (row->sla && row->sla_due && strcmp(row->sla, "paused") != 0)
			page_set_time(r, x, "sla_due", row->sla_due);
		else
			tv_set_str(a, x, "sla_due", NULL);
		page_set_time(r, x, "updated", row->updated);
		tv_push(a, rows, x);
	}
	tv_set(a, v, "tickets", rows);
	tv_set_bool(a, v, "has_tickets", pg.n > 0);
	tv_set_bool(a, v, "show_org", f->scope.all);
	tv_set_str(a, v, "empty", filtered ? "No ticket in this queue matches these filters." : queue_empty[f->queue]);
	if (pg.more)
		tv_set_str(a, v, "next_href", desk_href(r, &q, f->queue, true, queue_cursor_encode(a, &pg.rows[pg.n - 1].pos)));
	if (q.has_after)
		tv_set_str(a, v, "first_href", desk_href(r, &q, f->queue, true, NULL));
	tv_set_bool(a, v, "has_pager", pg.more || q.has_after);

	/* The bulk bar's choices. */
	tv *actions = tv_list(a);
	for (const desk_word *w = desk_bulk_actions; w->value; w++) {
		bool spam_only = strcmp(w->value, "not_spam") == 0 || strcmp(w->value, "delete") == 0;
		if (spam_only != (f->queue == QUEUE_SPAM) && strcmp(w->value, "spam") != 0)
			continue;
		if (strcmp(w->value, "spam") == 0 && f->queue == QUEUE_SPAM)
			continue;
		tv *x = tv_object(a);
		tv_set_str(a, x, "value", w->value);
		tv_set_str(a, x, "label", w->label);
		tv_push(a, actions, x);
	}
	tv_set(a, v, "bulk_actions", actions);
	tv_set(a, v, "bulk_agents", options_view(r, opts.agents, opts.nagents, NULL));
	tv_set(a, v, "bulk_statuses", words_view(r, desk_statuses, NULL));
	tv_set(a, v, "bulk_priorities", words_view(r, desk_priorities, NULL));
	/* automation (0037): the macros for "Apply macro" */
	{
		macro_option *mo;
		size_t nmo;
		if (macro_options(page_tx(r), NULL, 200, &mo, &nmo) != 0)
			return page_db_failure(r);
		tv *ml = tv_list(a);
		for (size_t i = 0; i < nmo; i++) {
			tv *x = tv_object(a);
			tv_set_str(a, x, "value", mo[i].id);
			tv_set_str(a, x, "label", mo[i].name);
			tv_push(a, ml, x);
		}
		tv_set(a, v, "bulk_macros", ml);
		tv_set_bool(a, v, "has_bulk_macros", nmo > 0);
	}
	flash_take(r, v);
	return page_render(r, 200, "desk", v);
}

/* ---------------------------------------------------------------------------
 * POST /desk/bulk: ticket (repeated), action, value, _csrf; return (the
 * queue to go back to)
 * ------------------------------------------------------------------------- */

/* Where to go back to: a /desk path of this site, else /desk. */
static const char *return_path(req *r)
{
	str s = req_form_get(r, "return");
	const char *p = s.len && s.len <= 2048 ? str_dup(r->a, s) : NULL;
	if (p && page_local_path(p) && strncmp(p, "/desk", 5) == 0 && (p[5] == '\0' || p[5] == '?'))
		return p;
	return "/desk";
}

static void note(bulk_result *b, const char *res, const char *number)
{
	if (strcmp(res, "ok") == 0) {
		b->changed++;
	} else if (strcmp(res, "unchanged") == 0) {
		b->unchanged++;
	} else {
		buf *list = strcmp(res, "invalid") == 0 ? &b->invalid : &b->not_found;
		long *n = strcmp(res, "invalid") == 0 ? &b->ninvalid : &b->nnot_found;
		if (list->len)
			buf_putc(list, '_');
		buf_puts(list, number);
		(*n)++;
	}
}

/* The value an action takes, checked: NULL with *bad set when it is not
 * one; NULL without for "no value" (unassign, spam). */
static const char *action_value(req *r, enum queue_action action, bool *bad)
{
	*bad = false;
	str v = form_trim(req_form_get(r, "value"));
	switch (action) {
	case QUEUE_ACTION_ASSIGN:
		if (!v.len)
			return NULL;
		if (str_eq_cstr(v, "me"))
			return r->user_id;
		{
			const char *id = uuid_of(r, v);
			*bad = !id;
			return id;
		}
	case QUEUE_ACTION_STATUS:
		*bad = !desk_word_label_n(desk_statuses, v.ptr, v.len);
		return *bad ? NULL : str_dup(r->a, v);
	case QUEUE_ACTION_PRIORITY:
		*bad = !desk_word_label_n(desk_priorities, v.ptr, v.len);
		return *bad ? NULL : str_dup(r->a, v);
	case QUEUE_ACTION_TAG: {
		/* The queue's form has a text box of its own for the tag (one
		 * form, no script: the value select holds the other actions'). */
		str t = form_trim(req_form_get(r, "tag"));
		if (t.len)
			v = t;
		bool remove = v.len > 1 && v.ptr[0] == '-';
		const char *tag = tag_of(r, remove ? (str){ v.ptr + 1, v.len - 1 } : v);
		*bad = !tag;
		return tag && remove ? arena_sprintf(r->a, "-%s", tag) : tag;
	}
	/* automation (0037): a macro's id */
	case QUEUE_ACTION_MACRO: {
		const char *id = uuid_of(r, v);
		*bad = !id;
		return id;
	}
	default:
		return NULL;
	}
}

/* Applies action to each number and goes back with the flash. Numbers of
 * the wrong shape are refused as unknown, without a query. */
static int apply_all(req *r, enum queue_action action, const char *value, const char *const *numbers, size_t n)
{
	bulk_result b = { .action = action };
	buf_init(&b.not_found, r->a, 64);
	buf_init(&b.invalid, r->a, 64);
	db_tx *tx = page_tx(r);
	for (size_t i = 0; i < n; i++) {
		const char *res = ticket_number_plausible(str_from_cstr(numbers[i])) ? queue_apply(tx, numbers[i], action, value)
		                                                                        : "not_found";
		if (!res)
			return page_db_failure(r);
		note(&b, res, numbers[i]);
	}
	log_info("desk bulk", "rid=%s action=%s changed=%ld unchanged=%ld not_found=%ld invalid=%ld", r->request_id,
	    queue_action_name(action), b.changed, b.unchanged, b.nnot_found, b.ninvalid);
	flash_set(r, &b);
	resp_redirect(r, 303, return_path(r));
	return 0;
}

int page_desk_bulk(req *r)
{
	int a = queue_action_from_name(form_trim(req_form_get(r, "action")));
	if (a < 0)
		return 400;
	bool bad;
	const char *value = action_value(r, (enum queue_action)a, &bad);
	if (bad)
		return 400;
	/* Each number once, in the order sent; at most BULK_MAX. */
	const char **numbers = arena_calloc(r->a, BULK_MAX + 1, sizeof *numbers);
	size_t n = 0;
	for (size_t i = 0; i < r->form.fields.len; i++) {
		const http_param *p = &r->form.fields.items[i];
		if (!str_eq_cstr(p->name, "ticket"))
			continue;
		str num = form_trim(p->value);
		if (!num.len)
			continue;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = str_eq_cstr(num, numbers[k]);
		if (seen)
			continue;
		if (n == BULK_MAX)
			return 413;
		numbers[n++] = str_dup(r->a, num.len > 40 ? (str){ num.ptr, 40 } : num);
	}
	if (n == 0) {
		/* Nothing chosen: back to the queue, saying so. */
		bulk_result b = { .action = (enum queue_action)a };
		buf_init(&b.not_found, r->a, 8);
		buf_init(&b.invalid, r->a, 8);
		flash_set(r, &b);
		resp_redirect(r, 303, return_path(r));
		return 0;
	}
	return apply_all(r, (enum queue_action)a, value, numbers, n);
}

/* ---------------------------------------------------------------------------
 * POST /desk/spam/{number}/not-spam and /delete: _csrf (the spam queue's
 * row buttons)
 * ------------------------------------------------------------------------- */

static int spam_action(req *r, enum queue_action action)
{
	str number = req_route_get(r, "number");
	if (!ticket_number_plausible(number))
		return 404;
	const char *num = str_dup(r->a, number);
	const char *res = queue_apply(page_tx(r), num, action, NULL);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "not_found") == 0)
		return 404;
	bulk_result b = { .action = action };
	buf_init(&b.not_found, r->a, 8);
	buf_init(&b.invalid, r->a, 64);
	note(&b, res, num);
	flash_set(r, &b);
	resp_redirect(r, 303, return_path(r));
	return 0;
}

int page_desk_spam_not_spam(req *r)
{
	return spam_action(r, QUEUE_ACTION_NOT_SPAM);
}

int page_desk_spam_delete(req *r)
{
	return spam_action(r, QUEUE_ACTION_DELETE);
}
