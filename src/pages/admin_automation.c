/* admin_automation.c: an organization's triggers (/desk/admin/triggers),
 * time rules (/desk/admin/rules) and macros (/desk/admin/macros): the list
 * with the form of a new one, one of them (GET, POST .../{id}), and its
 * move, activation and deletion. The three share one form: a fixed number
 * of condition and action rows (model/automation_form.c), more shown by
 * re-submitting with "more" (no script needed). What a rule names that no
 * longer exists (a custom field, a team) is listed on both pages. Every
 * write leaves a config_audit row (triggers in 0037). */
#include <stdlib.h>
#include <string.h>

#include "model/automation.h"
#include "model/automation_form.h"
#include "pages/admin.h"
#include "pages/pages.h"

typedef struct {
	automation_kind kind;
	enum admin_section section;
	const char *path;       /* /desk/admin/triggers */
	const char *one;        /* "trigger" */
	const char *title;      /* "Triggers" */
	const char *lead;
} kind_info;

static const kind_info infos[] = {
	[AUTO_TRIGGER] = { AUTO_TRIGGER, ADMIN_TRIGGERS, "/desk/admin/triggers", "trigger", "Triggers",
		"Rules that act on a ticket when it is created, updated or receives a message, by any channel, in "
		"the order listed. Each rule runs at most once per ticket and change." },
	[AUTO_TIME] = { AUTO_TIME, ADMIN_RULES, "/desk/admin/rules", "time rule", "Time rules",
		"Rules the scheduler applies to open tickets some time after an event, or before the resolution "
		"is due: once per ticket and occasion." },
	[AUTO_MACRO] = { AUTO_MACRO, ADMIN_MACROS, "/desk/admin/macros", "macro", "Macros",
		"Sets of changes and a reply that agents apply in one step from a ticket or the queue." },
};

static const admin_notice notices[] = {
	{ "created", "Created." },
	{ "saved", "Saved." },
	{ "deleted", "Deleted." },
	{ "moved", "Moved." },
	{ "activated", "Activated." },
	{ "deactivated", "Deactivated." },
};

static const af_choice time_events[] = {
	{ "created", "after the ticket was created" },
	{ "customer_reply", "after the customer's last reply" },
	{ "status_change", "after the last status change" },
	{ "sla_due", "before the resolution is due (SLA)" },
};

static tv *tv_string_s(arena *a, const char *s)
{
	return tv_string(a, s, strlen(s));
}

static const char *getter(void *ctx, const char *name)
{
	req *r = ctx;
	str s = req_form_get(r, name);
	return s.ptr ? str_dup(r->a, s) : NULL;
}

typedef struct {
	automation_input in;
	af_form rows;
	long amount;           /* time rules: in the unit below */
	bool hours;
	bool ev_created, ev_updated, ev_message;
} rule_form;

static void posted(req *r, const kind_info *k, rule_form *f, form_errors *errors, bool more)
{
	memset(f, 0, sizeof *f);
	automation_input *in = &f->in;
	in->name = admin_text(r, "name", AUTOMATION_NAME_MAX_CHARS, false, "The name", errors);
	if (!in->name)
		in->name = "";
	if (!form_errors_get(errors, "name") && !*in->name && !more)
		form_errors_add(r->a, errors, "name", "Enter a name, like “Route invoices to Billing”.");
	in->is_active = admin_checked(r, "active");
	in->match_all = !str_eq_cstr(req_form_get(r, "match"), "any");
	in->personal = str_eq_cstr(req_form_get(r, "visibility"), "personal");
	f->ev_created = admin_checked(r, "event_created");
	f->ev_updated = admin_checked(r, "event_updated");
	f->ev_message = admin_checked(r, "event_message");
	if (k->kind == AUTO_TRIGGER) {
		buf b;
		buf_init(&b, r->a, 64);
		buf_putc(&b, '[');
		if (f->ev_created)
			buf_puts(&b, "\"created\"");
		if (f->ev_updated)
			buf_puts(&b, b.len > 1 ? ", \"updated\"" : "\"updated\"");
		if (f->ev_message)
			buf_puts(&b, b.len > 1 ? ", \"message\"" : "\"message\"");
		buf_putc(&b, ']');
		in->events_json = b.data;
		if (b.len == 2 && !more)
			form_errors_add(r->a, errors, "event_created", "Choose when the trigger runs: at least one of the three.");
	}
	if (k->kind == AUTO_TIME) {
		str te = req_form_get(r, "time_event");
		int i = -1;
		for (int j = 0; j < 4; j++)
			if (str_eq_cstr(te, time_events[j].value))
				i = j;
		in->time_event = i >= 0 ? time_events[i].value : "";
		if (i < 0 && !more)
			form_errors_add(r->a, errors, "time_event", "Choose the event the time counts from.");
		f->hours = !str_eq_cstr(req_form_get(r, "unit"), "minutes");
		long amount = -1;
		if (admin_number(r, "amount", 0, AUTOMATION_MINUTES_MAX, "The time", &amount, errors) && amount < 0 && !more)
			form_errors_add(r->a, errors, "amount", "Enter how long, like 72 (hours).");
		f->amount = amount < 0 ? 0 : amount;
		in->minutes = f->hours ? f->amount * 60 : f->amount;
		if (in->minutes > AUTOMATION_MINUTES_MAX && !form_errors_get(errors, "amount"))
			form_errors_add(r->a, errors, "amount", "At most a year (8760 hours).");
	}
	if (k->kind == AUTO_MACRO) {
		in->reply = admin_text(r, "reply", AUTOMATION_REPLY_MAX_BYTES, true, "The reply", errors);
		if (!in->reply)
			in->reply = "";
	}
	af_parse(r->a, getter, r, more, &f->rows, errors);
	in->conditions = k->kind == AUTO_MACRO ? "[]" : f->rows.conditions_json;
	in->actions = f->rows.actions_json;
	if (!more && f->rows.nactions == 0 && !(k->kind == AUTO_MACRO && *in->reply))
		form_errors_add(r->a, errors, "a0_type",
		    k->kind == AUTO_MACRO ? "Choose at least one action, or write a reply." : "Choose at least one action.");
}

static tv *choices(arena *a, const af_choice *c, int n, const char *selected)
{
	tv *l = tv_list(a);
	for (int i = 0; i < n; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", c[i].value);
		tv_set_str(a, o, "label", c[i].label);
		tv_set_bool(a, o, "selected", selected && strcmp(selected, c[i].value) == 0);
		tv_push(a, l, o);
	}
	return l;
}

static void row_field(req *r, tv *o, const char *key, const char *name, const char *value, const form_errors *errors)
{
	arena *a = r->a;
	tv *f = tv_object(a);
	tv_set_str(a, f, "name", name);
	tv_set_str(a, f, "value", value);
	const char *e = form_errors_get(errors, name);
	if (e) {
		tv_set_str(a, f, "error", e);
		tv_set_str(a, f, "error_id", arena_sprintf(a, "f-%s-error", name));
	}
	tv_set(a, o, key, f);
}

/* The form's fields and rows in the view. */
static void form_view(req *r, tv *v, const kind_info *k, const rule_form *f, const form_errors *errors)
{
	arena *a = r->a;
	admin_field(r, v, "name", f->in.name, errors);
	tv_set_bool(a, v, "active", f->in.is_active);
	tv_set_bool(a, v, "match_any", !f->in.match_all);
	tv_set_bool(a, v, "is_trigger", k->kind == AUTO_TRIGGER);
	tv_set_bool(a, v, "is_time", k->kind == AUTO_TIME);
	tv_set_bool(a, v, "is_macro", k->kind == AUTO_MACRO);
	tv_set_bool(a, v, "with_conditions", k->kind != AUTO_MACRO);
	if (k->kind == AUTO_TRIGGER) {
		admin_field(r, v, "event_created", NULL, errors);
		tv_set_bool(a, v, "ev_created", f->ev_created);
		tv_set_bool(a, v, "ev_updated", f->ev_updated);
		tv_set_bool(a, v, "ev_message", f->ev_message);
	}
	if (k->kind == AUTO_TIME) {
		admin_field(r, v, "time_event", NULL, errors);
		tv_set(a, v, "time_events", choices(a, time_events, 4, f->in.time_event));
		admin_field(r, v, "amount", arena_sprintf(a, "%ld", f->amount), errors);
		tv_set_bool(a, v, "unit_minutes", !f->hours);
	}
	if (k->kind == AUTO_MACRO)
		admin_field(r, v, "reply", f->in.reply, errors);
	tv_set_bool(a, v, "personal", f->in.personal);
	tv_set_int(a, v, "crows", f->rows.ncond);
	tv_set_int(a, v, "arows", f->rows.nact);
	tv *cl = tv_list(a);
	for (int i = 0; i < f->rows.ncond; i++) {
		const af_condition *c = &f->rows.cond[i];
		tv *o = tv_object(a);
		tv_set_int(a, o, "n", i);
		tv_set_int(a, o, "shown", i + 1);
		tv_set(a, o, "fields", choices(a, af_fields, af_nfields, c->field));
		bool custom = c->field && strncmp(c->field, "cf:", 3) == 0;
		tv_set_bool(a, o, "custom", custom);
		if (custom)
			tv_set_str(a, o, "custom_value", c->field);
		tv_set(a, o, "ops", choices(a, af_ops, af_nops, c->op));
		row_field(r, o, "field", arena_sprintf(a, "c%d_field", i), c->field, errors);
		row_field(r, o, "op", arena_sprintf(a, "c%d_op", i), c->op, errors);
		row_field(r, o, "value", arena_sprintf(a, "c%d_value", i), c->value, errors);
		tv_push(a, cl, o);
	}
	tv_set(a, v, "condition_rows", cl);
	tv *al = tv_list(a);
	for (int i = 0; i < f->rows.nact; i++) {
		const af_action *x = &f->rows.act[i];
		tv *o = tv_object(a);
		tv_set_int(a, o, "n", i);
		tv_set_int(a, o, "shown", i + 1);
		tv_set(a, o, "types", choices(a, af_types, af_ntypes, x->type));
		tv_set(a, o, "roles", choices(a, af_roles, af_nroles, x->role));
		row_field(r, o, "type", arena_sprintf(a, "a%d_type", i), x->type, errors);
		row_field(r, o, "value", arena_sprintf(a, "a%d_value", i), x->value, errors);
		row_field(r, o, "role", arena_sprintf(a, "a%d_role", i), x->role, errors);
		tv_push(a, al, o);
	}
	tv_set(a, v, "action_rows", al);
	admin_summary(r, v, errors);
}

/* The rule's conditions and actions as sentences, and its problems. */
static void describe(req *r, tv *o, const automation_rule *rule)
{
	arena *a = r->a;
	af_form f;
	af_from_json(a, rule->conditions, rule->actions, &f);
	tv *cl = tv_list(a), *al = tv_list(a), *pl = tv_list(a);
	for (int i = 0; i < f.ncond; i++)
		if (*f.cond[i].field)
			tv_push(a, cl, tv_string_s(a, af_describe_condition(a, &f.cond[i])));
	for (int i = 0; i < f.nact; i++)
		if (*f.act[i].type)
			tv_push(a, al, tv_string_s(a, af_describe_action(a, &f.act[i])));
	for (const char *p = rule->problems; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		tv_push(a, pl, tv_string_s(a, arena_strndup(a, p, n)));
		p += n + (nl ? 1 : 0);
	}
	tv_set(a, o, "conditions", cl);
	tv_set(a, o, "actions", al);
	tv_set_bool(a, o, "has_conditions", f.ncond > 0 && *f.cond[0].field);
	tv_set(a, o, "problems", pl);
	tv_set_bool(a, o, "has_problems", rule->problems && *rule->problems);
	tv_set_bool(a, o, "match_any", !rule->match_all);
}

static const char *time_label(const automation_rule *rule)
{
	for (int j = 0; j < 4; j++)
		if (strcmp(rule->time_event, time_events[j].value) == 0)
			return time_events[j].label;
	return rule->time_event;
}

/* ---- the list ---- */

static int list_page(req *r, int status, const kind_info *k, const admin_ctx *ctx, const rule_form *f,
    const form_errors *errors)
{
	automation_rule *list;
	size_t n;
	if (automation_list(page_tx(r), k->kind, ctx->org->id, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, k->section);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv_set_str(a, v, "kind_title", k->title);
	tv_set_str(a, v, "kind_one", k->one);
	tv_set_str(a, v, "kind_lead", k->lead);
	tv_set_str(a, v, "kind_path", k->path);
	tv *items = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", list[i].name);
		tv_set_str(a, o, "href", admin_href(r, ctx->org, arena_sprintf(a, "%s/%s", k->path, list[i].id), NULL));
		tv_set_str(a, o, "base", arena_sprintf(a, "%s/%s", k->path, list[i].id));
		tv_set_bool(a, o, "is_active", list[i].is_active);
		tv_set_bool(a, o, "first", i == 0);
		tv_set_bool(a, o, "last", i + 1 == n);
		tv_set_bool(a, o, "personal", list[i].personal);
		tv_set_int(a, o, "uses", list[i].usage_count);
		if (k->kind == AUTO_TRIGGER)
			tv_set_str(a, o, "events", list[i].events);
		if (k->kind == AUTO_TIME)
			tv_set_str(a, o, "when", arena_sprintf(a, "%ld minutes %s", list[i].minutes, time_label(&list[i])));
		describe(r, o, &list[i]);
		tv_push(a, items, o);
	}
	tv_set(a, v, "rules", items);
	tv_set_bool(a, v, "has_rules", n > 0);
	tv_set_bool(a, v, "reorder", k->kind != AUTO_MACRO);
	rule_form none;
	memset(&none, 0, sizeof none);
	none.in.name = "";
	none.in.reply = "";
	none.in.is_active = true;
	none.in.match_all = true;
	none.in.time_event = "";
	none.hours = true;
	none.ev_created = true;
	af_from_json(a, "[]", "[]", &none.rows);
	form_view(r, v, k, f ? f : &none, errors);
	tv_set_str(a, v, "form_action", k->path);
	return page_render(r, status, "admin_automation_list", v);
}

static int list_get(req *r, const kind_info *k)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, k->section);
	form_errors none = { 0 };
	return list_page(r, 200, k, &ctx, NULL, &none);
}

static int outcome_errors(req *r, automation_outcome out, const char *bad, form_errors *errors)
{
	if (out == AUTOMATION_UNRESOLVED) {
		form_errors_add(r->a, errors, "a0_value",
		    arena_sprintf(r->a, "Not found in the organization: %s. Name a team, category or request type as it "
		                        "is called, and a person by their email address.", bad));
		return 1;
	}
	if (out == AUTOMATION_INVALID) {
		form_errors_add(r->a, errors, "a0_value", "A value is outside what the rule accepts. Check each row.");
		return 1;
	}
	return 0;
}

static int list_post(req *r, const kind_info *k)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	bool more = str_eq_cstr(req_form_get(r, "more"), "1");
	form_errors errors = { 0 };
	rule_form f;
	posted(r, k, &f, &errors, more);
	if (more) {
		form_errors none = { 0 };
		return list_page(r, 200, k, &ctx, &f, &none);
	}
	if (errors.len)
		return list_page(r, 422, k, &ctx, &f, &errors);
	automation_outcome out;
	const char *id, *bad;
	if (automation_save(page_tx(r), k->kind, ctx.org->id, NULL, &f.in, &out, &id, &bad) != 0)
		return page_db_failure(r);
	if (outcome_errors(r, out, bad, &errors))
		return list_page(r, 422, k, &ctx, &f, &errors);
	if (out != AUTOMATION_SAVED)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "%s/%s", k->path, id), "created");
}

/* ---- one rule ---- */

static int rule_page(req *r, int status, const kind_info *k, const admin_ctx *ctx, const automation_rule *rule,
    const rule_form *f, const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, k->section);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv_set_str(a, v, "kind_title", k->title);
	tv_set_str(a, v, "kind_one", k->one);
	tv_set_str(a, v, "list_href", admin_href(r, ctx->org, k->path, NULL));
	tv *o = tv_object(a);
	tv_set_str(a, o, "name", rule->name);
	tv_set_str(a, o, "base", arena_sprintf(a, "%s/%s", k->path, rule->id));
	tv_set_bool(a, o, "is_active", rule->is_active);
	tv_set_int(a, o, "uses", rule->usage_count);
	tv_set_bool(a, o, "personal", rule->personal);
	describe(r, o, rule);
	tv_set(a, v, "rule", o);
	tv_set_str(a, v, "form_action", arena_sprintf(a, "%s/%s", k->path, rule->id));
	rule_form current;
	memset(&current, 0, sizeof current);
	current.in.name = rule->name;
	current.in.is_active = rule->is_active;
	current.in.match_all = rule->match_all;
	current.in.time_event = rule->time_event;
	current.in.reply = rule->reply;
	current.in.personal = rule->personal;
	current.hours = rule->minutes % 60 == 0 && rule->minutes > 0;
	current.amount = current.hours ? rule->minutes / 60 : rule->minutes;
	current.ev_created = strstr(rule->events, "created") != NULL;
	current.ev_updated = strstr(rule->events, "updated") != NULL;
	current.ev_message = strstr(rule->events, "message") != NULL;
	af_from_json(a, rule->conditions, rule->actions, &current.rows);
	form_view(r, v, k, f ? f : &current, errors);
	tv_set_bool(a, v, "editing", true);
	return page_render(r, status, "admin_automation", v);
}

static int load(req *r, const kind_info *k, const admin_ctx *ctx, automation_rule *rule)
{
	int found = automation_get(page_tx(r), k->kind, ctx->org->id, admin_route_id(r), rule);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int one_get(req *r, const kind_info *k)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	automation_rule rule;
	if ((st = load(r, k, &ctx, &rule)))
		return st;
	form_errors none = { 0 };
	return rule_page(r, 200, k, &ctx, &rule, NULL, &none);
}

static int one_post(req *r, const kind_info *k)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	automation_rule rule;
	if ((st = load(r, k, &ctx, &rule)))
		return st;
	bool more = str_eq_cstr(req_form_get(r, "more"), "1");
	form_errors errors = { 0 };
	rule_form f;
	posted(r, k, &f, &errors, more);
	f.in.personal = rule.personal;
	if (more) {
		form_errors none = { 0 };
		return rule_page(r, 200, k, &ctx, &rule, &f, &none);
	}
	if (errors.len)
		return rule_page(r, 422, k, &ctx, &rule, &f, &errors);
	automation_outcome out;
	const char *id, *bad;
	if (automation_save(page_tx(r), k->kind, ctx.org->id, rule.id, &f.in, &out, &id, &bad) != 0)
		return page_db_failure(r);
	if (outcome_errors(r, out, bad, &errors))
		return rule_page(r, 422, k, &ctx, &rule, &f, &errors);
	if (out != AUTOMATION_SAVED)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "%s/%s", k->path, rule.id), "saved");
}

/* POST .../{id}/move (dir), .../active (active=1|0), .../delete. */
static int one_op(req *r, const kind_info *k, const char *what)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	const char *op = what, *done = "deleted";
	if (strcmp(what, "move") == 0) {
		bool up;
		if (!admin_direction(r, &up))
			return 400;
		op = up ? "up" : "down";
		done = "moved";
	} else if (strcmp(what, "active") == 0) {
		str v = req_form_get(r, "active");
		if (!str_eq_cstr(v, "1") && !str_eq_cstr(v, "0"))
			return 400;
		op = str_eq_cstr(v, "1") ? "activate" : "deactivate";
		done = str_eq_cstr(v, "1") ? "activated" : "deactivated";
	}
	int ok = automation_op(page_tx(r), k->kind, ctx.org->id, admin_route_id(r), op);
	if (ok < 0)
		return page_db_failure(r);
	if (!ok)
		return 404;
	return admin_redirect(r, ctx.org, k->path, done);
}

#define KIND_PAGES(fn, kind)                                                           \
	int page_admin_##fn##_list(req *r) { return list_get(r, &infos[kind]); }           \
	int page_admin_##fn##_create(req *r) { return list_post(r, &infos[kind]); }        \
	int page_admin_##fn(req *r) { return one_get(r, &infos[kind]); }                   \
	int page_admin_##fn##_update(req *r) { return one_post(r, &infos[kind]); }         \
	int page_admin_##fn##_move(req *r) { return one_op(r, &infos[kind], "move"); }     \
	int page_admin_##fn##_active(req *r) { return one_op(r, &infos[kind], "active"); } \
	int page_admin_##fn##_delete(req *r) { return one_op(r, &infos[kind], "delete"); }

KIND_PAGES(trigger, AUTO_TRIGGER)
KIND_PAGES(rule, AUTO_TIME)
KIND_PAGES(macro, AUTO_MACRO)
