/* desk_stage.c: workflows in the ticket workspace. The current stage and
 * the moves (next, previous, any stage of the ticket's workflow) are a
 * block of /desk/tickets/{number}; POST /desk/tickets/{number}/stage
 * (stage, version, _csrf) moves it, the stage's hooks running in the same
 * transaction (trigger, 0036); GET /desk/tickets/{number}/history lists
 * the ticket's versions, ?at=<entry> shows the ticket as it was then.
 * ROUTE_STAFF; a ticket the user does not work answers 404. */
#include <string.h>

#include <jansson.h>

#include "model/desk_ticket.h"
#include "model/workflow.h"
#include "pages/desk_stage.h"
#include "pages/desk_words.h"
#include "pages/flash.h"
#include "pages/pages.h"
#include "pages/ticket_views.h"

#define CSRF_FORM "desk"
#define HISTORY_SHOWN 200

int desk_stage_view(req *r, tv *v, const desk_ticket *t)
{
	arena *a = r->a;
	tv_set_str(a, v, "history_href", arena_sprintf(a, "/desk/tickets/%s/history", t->number));
	ticket_stage ts;
	int rc = ticket_stage_get(page_tx(r), t->id, &ts);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	tv *s = tv_object(a);
	tv_set_str(a, s, "workflow", ts.workflow_name);
	tv_set_str(a, s, "action", arena_sprintf(a, "/desk/tickets/%s/stage", t->number));
	const workflow_stage *cur = NULL;
	for (size_t i = 0; i < ts.nstages; i++)
		if (ts.stage_id && strcmp(ts.stages[i].id, ts.stage_id) == 0)
			cur = &ts.stages[i];
	tv *line = tv_list(a), *opts = tv_list(a);
	for (size_t i = 0; i < ts.nstages; i++) {
		const workflow_stage *st = &ts.stages[i];
		bool here = cur == st;
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", st->name);
		tv_set_bool(a, o, "current", here);
		tv_set_bool(a, o, "is_other", strcmp(st->kind, "other") == 0);
		tv_push(a, line, o);
		if (here)
			continue;
		tv *op = tv_object(a);
		tv_set_str(a, op, "value", st->id);
		tv_set_str(a, op, "label", st->name);
		tv_push(a, opts, op);
		if (cur && cur->next_id && strcmp(cur->next_id, st->id) == 0) {
			tv_set_str(a, s, "next_id", st->id);
			tv_set_str(a, s, "next_name", st->name);
		}
		if (cur && cur->prev_id && strcmp(cur->prev_id, st->id) == 0) {
			tv_set_str(a, s, "prev_id", st->id);
			tv_set_str(a, s, "prev_name", st->name);
		}
	}
	if (cur)
		tv_set_str(a, s, "current", cur->name);
	tv_set(a, s, "line", line);
	tv_set(a, s, "options", opts);
	tv_set_bool(a, s, "has_options", ts.nstages > (cur ? 1u : 0u));
	tv_set(a, v, "stage", s);
	return 0;
}

static int load(req *r, desk_ticket *t)
{
	str number = req_route_get(r, "number");
	if (!ticket_number_plausible(number))
		return 404;
	int found = desk_ticket_find(page_tx(r), str_dup(r->a, number), t);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

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

int page_desk_ticket_stage(req *r)
{
	desk_ticket t;
	int st = load(r, &t);
	if (st)
		return st;
	if (!page_csrf_ok(r, CSRF_FORM))
		return desk_ticket_show_refused(r, 403,
		    "This form has expired or was not sent from this site. Please try again.");
	int version = posted_version(r);
	if (version < 0)
		return desk_ticket_show_refused(r, 422, "This form is missing the ticket's version. Please reload the page.");
	const char *stage = str_dup(r->a, form_trim(req_form_get(r, "stage")));
	if (!cstr_is_uuid(stage))
		return desk_ticket_show_refused(r, 422, "Please choose a stage of the ticket's workflow.");
	const char *res = ticket_stage_move(page_tx(r), t.id, version, stage);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "conflict") == 0)
		return desk_ticket_show_refused(r, 409, "This ticket changed since you loaded it: its stage was not "
		                                        "changed. Check the ticket as it is now, then move it again.");
	if (strcmp(res, "invalid") == 0)
		return desk_ticket_show_refused(r, 422, "Please choose a stage of the ticket's workflow.");
	page_flash_set(r, strcmp(res, "moved") == 0 ? "staged" : "unchanged", t.number);
	resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s", t.number));
	return 0;
}

/* What an entry changed, in words. */
static tv *changes_view(req *r, const ticket_history_entry *e)
{
	arena *a = r->a;
	tv *l = tv_list(a);
	json_t *j = json_loads(e->changes_json, 0, NULL);
	if (!j)
		return l;
	struct {
		const char *key, *label, *value;
	} keys[] = {
		{ "baseline", "How the ticket was before its history began", NULL },
		{ "created", "Created", NULL },
		{ "title", "Title", e->title },
		{ "description", "Description changed", NULL },
		{ "priority", "Priority", desk_word_label(desk_priorities, e->priority) },
		{ "assignee_id", "Assignee", *e->assignee ? e->assignee : "nobody" },
		{ "stage_id", "Stage", *e->stage ? e->stage : "none" },
	};
	bool created = json_object_get(j, "created") != NULL;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		if (!json_object_get(j, keys[i].key))
			continue;
		if (created && i > 1 && i != 2)
			continue; /* a creation lists its title; the rest is the state shown */
		tv *o = tv_object(a);
		tv_set_str(a, o, "label", keys[i].label);
		if (keys[i].value)
			tv_set_str(a, o, "value", keys[i].value);
		tv_push(a, l, o);
	}
	json_decref(j);
	return l;
}

int page_desk_ticket_history(req *r)
{
	desk_ticket t;
	int st = load(r, &t);
	if (st)
		return st;
	arena *a = r->a;
	ticket_history_entry *list;
	size_t n;
	if (ticket_history_list(page_tx(r), t.id, HISTORY_SHOWN, &list, &n) != 0)
		return page_db_failure(r);
	tv *v = page_view(r);
	tv_set_bool(a, v, "nav_desk", true);
	tv_set_str(a, v, "number", t.number);
	tv_set_str(a, v, "title", t.title);
	str at = req_query_get(r, "at");
	if (at.ptr) {
		const char *at_id = str_dup(a, at);
		ticket_history_entry e;
		const char *description;
		int rc = ticket_history_at(page_tx(r), t.id, at_id, &e, &description);
		if (rc < 0)
			return page_db_failure(r);
		if (rc == 0)
			return 404;
		tv *s = tv_object(a);
		tv_set_str(a, s, "title", e.title);
		tv_set_str(a, s, "description", description);
		tv_set_str(a, s, "priority", desk_word_label(desk_priorities, e.priority));
		tv_set_str(a, s, "assignee", *e.assignee ? e.assignee : "Nobody");
		tv_set_str(a, s, "stage", *e.stage ? e.stage : "None");
		page_set_time(r, s, "when", e.changed_at);
		tv_set(a, v, "snapshot", s);
	}
	tv *items = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(a);
		tv_set_int(a, o, "version", (long)(n - i));
		page_set_time(r, o, "when", list[i].changed_at);
		tv_set_str(a, o, "by", *list[i].changed_by ? list[i].changed_by : "The system");
		tv_set(a, o, "changes", changes_view(r, &list[i]));
		tv_set_str(a, o, "href", arena_sprintf(a, "/desk/tickets/%s/history?at=%s", t.number, list[i].id));
		tv_set_bool(a, o, "shown", at.ptr && str_eq_cstr(at, list[i].id));
		tv_push(a, items, o);
	}
	tv_set(a, v, "entries", items);
	tv_set_bool(a, v, "has_entries", n > 0);
	tv_set_bool(a, v, "more_entries", n >= HISTORY_SHOWN);
	return page_render(r, 200, "desk_ticket_history", v);
}
