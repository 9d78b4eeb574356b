/* admin_workflows.c: an organization's workflows (GET, POST
 * /desk/admin/workflows), one workflow drawn as its line of stages, start
 * to end, with "other" apart, their hooks and their statistics (GET, POST
 * /desk/admin/workflows/{id}); a stage added (POST .../stages), saved,
 * moved or removed (POST .../stages/{stage}, action=save|up|down|remove);
 * a hook added (POST .../hooks) or saved or removed (POST
 * .../hooks/{hook}, action=save|remove). Every write leaves a config_audit
 * row (triggers in 0036). */
#include <string.h>

#include "model/workflow.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define WORKFLOWS_SHOWN 200
#define PEOPLE_SHOWN 500

static const admin_notice notices[] = {
	{ "created", "The workflow is created. Add its stages below: a start, the steps, an end." },
	{ "saved", "The workflow is saved." },
	{ "stage_added", "The stage is added." },
	{ "stage_saved", "The stage is saved." },
	{ "stage_moved", "The stage is moved." },
	{ "stage_removed", "The stage is removed." },
	{ "hook_added", "The hook is added." },
	{ "hook_saved", "The hook is saved." },
	{ "hook_removed", "The hook is removed." },
};

static const char *const kinds[] = { "start", "step", "end", "other" };
static const char *const kind_labels[] = { "Start", "Step", "End", "Other (apart from the line)" };
static const char *const targets[] = { "specific_user", "role", "ticket_creator", "org_admins" };
static const char *const target_labels[] = { "A specific member", "Everyone with a role",
	"The ticket's requester", "The organization's admins" };
static const char *const roles[] = { "agent", "admin" };

/* ---- the list ---- */

static int workflows_page(req *r, int status, const admin_ctx *ctx, const char *name, const char *description,
    const form_errors *errors)
{
	workflow *list;
	size_t n;
	if (workflow_list(page_tx(r), ctx->org->id, WORKFLOWS_SHOWN + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_WORKFLOWS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv *items = tv_list(a);
	for (size_t i = 0; i < n && i < WORKFLOWS_SHOWN; i++) {
		tv *t = tv_object(a);
		tv_set_str(a, t, "name", list[i].name);
		admin_set_opt(a, t, "description", list[i].description);
		tv_set_bool(a, t, "is_active", list[i].is_active);
		tv_set_int(a, t, "stages", list[i].stages);
		tv_set_bool(a, t, "one_stage", list[i].stages == 1);
		tv_set_str(a, t, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/workflows/%s", list[i].id), NULL));
		tv_push(a, items, t);
	}
	tv_set(a, v, "workflows", items);
	tv_set_bool(a, v, "has_workflows", n > 0);
	tv_set_bool(a, v, "more_workflows", n > WORKFLOWS_SHOWN);
	admin_field(r, v, "name", name, errors);
	admin_field(r, v, "description", description, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_workflows", v);
}

int page_admin_workflows(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_WORKFLOWS);
	form_errors none = { 0 };
	return workflows_page(r, 200, &ctx, NULL, NULL, &none);
}

static void name_input(req *r, const char *what, const char **name, const char **description, form_errors *errors)
{
	*name = admin_text(r, "name", WORKFLOW_NAME_MAX_CHARS, false, arena_sprintf(r->a, "The %s's name", what), errors);
	*description = admin_text(r, "description", WORKFLOW_DESCRIPTION_MAX_CHARS, true, "The description", errors);
	if (!form_errors_get(errors, "name") && (!*name || !**name))
		form_errors_add(r->a, errors, "name", arena_sprintf(r->a, "Enter a name for the %s.", what));
	if (!*description)
		*description = "";
}

int page_admin_workflow_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	const char *name, *description;
	name_input(r, "workflow", &name, &description, &errors);
	if (errors.len)
		return workflows_page(r, 422, &ctx, name, description, &errors);
	const char *id;
	int rc = workflow_create(page_tx(r), ctx.org->id, name, description, &id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, "name", "There is a workflow with this name already. Choose another name.");
		return workflows_page(r, 422, &ctx, name, description, &errors);
	}
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/workflows/%s", id), "created");
}

/* ---- one workflow ---- */

typedef struct {
	const char *name, *description, *kind;           /* the new stage form */
	const char *hook_stage, *target_type, *target_user, *target_role, *message; /* the new hook form */
	const char *refusal;                              /* for the per-row forms */
} wf_form;

static tv *options(arena *a, const char *const *values, const char *const *labels, size_t n, const char *selected)
{
	tv *l = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", values[i]);
		tv_set_str(a, o, "label", labels[i]);
		tv_set_bool(a, o, "selected", selected && strcmp(selected, values[i]) == 0);
		tv_push(a, l, o);
	}
	return l;
}

static const char *hook_target_text(arena *a, const workflow_hook *h)
{
	if (strcmp(h->target_type, "specific_user") == 0)
		return arena_sprintf(a, "Notify %s", *h->target_label ? h->target_label : "a member");
	if (strcmp(h->target_type, "role") == 0)
		return arena_sprintf(a, "Notify every %s", h->target_role && strcmp(h->target_role, "admin") == 0 ? "admin" : "agent");
	if (strcmp(h->target_type, "ticket_creator") == 0)
		return "Notify the ticket's requester";
	return "Notify the organization's admins";
}

static const char *duration_text(arena *a, long s)
{
	if (s < 0)
		return "—";
	if (s < 3600)
		return arena_sprintf(a, "%ld min", s / 60);
	if (s < 86400 * 2)
		return arena_sprintf(a, "%ld h %ld min", s / 3600, (s % 3600) / 60);
	return arena_sprintf(a, "%ld days", s / 86400);
}

static int workflow_page(req *r, int status, const admin_ctx *ctx, const workflow *w, const wf_form *f,
    const form_errors *errors)
{
	arena *a = r->a;
	workflow_stage *stages;
	workflow_hook *hooks;
	workflow_person *people;
	workflow_stage_stat *stats;
	size_t ns, nh, np, nst;
	db_tx *tx = page_tx(r);
	if (workflow_stages(tx, w->id, &stages, &ns) != 0 || workflow_hooks(tx, w->id, &hooks, &nh) != 0 ||
	    workflow_people(tx, ctx->org->id, PEOPLE_SHOWN, &people, &np) != 0 ||
	    workflow_stats(tx, w->id, &stats, &nst) != 0)
		return page_db_failure(r);
	tv *v = admin_view(r, ctx, ADMIN_WORKFLOWS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	if (f->refusal)
		tv_set_str(a, v, "refusal", f->refusal);
	const char *base = arena_sprintf(a, "/desk/admin/workflows/%s", w->id);
	tv *wv = tv_object(a);
	tv_set_str(a, wv, "name", w->name);
	tv_set_bool(a, wv, "is_active", w->is_active);
	tv_set_str(a, wv, "action", base);
	tv_set_str(a, wv, "stages_action", arena_sprintf(a, "%s/stages", base));
	tv_set_str(a, wv, "hooks_action", arena_sprintf(a, "%s/hooks", base));
	tv_set(a, v, "workflow", wv);
	tv_set_str(a, v, "workflows_href", admin_href(r, ctx->org, "/desk/admin/workflows", NULL));

	long long refreshed = 0;
	tv *line = tv_list(a), *other = tv_list(a), *stage_opts = tv_list(a), *stat_rows = tv_list(a);
	size_t steps = 0, step_i = 0;
	for (size_t i = 0; i < ns; i++)
		if (strcmp(stages[i].kind, "step") == 0)
			steps++;
	for (size_t i = 0; i < ns; i++) {
		const workflow_stage *s = &stages[i];
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", s->id);
		tv_set_str(a, o, "name", s->name);
		admin_set_opt(a, o, "stage_description", s->description);
		tv_set_str(a, o, "edit_description", s->description);
		tv_set_str(a, o, "kind", s->kind);
		for (size_t k = 0; k < 4; k++)
			if (strcmp(s->kind, kinds[k]) == 0)
				tv_set_str(a, o, "kind_label", k == 3 ? "Other" : kind_labels[k]);
		bool is_step = strcmp(s->kind, "step") == 0;
		if (is_step) {
			tv_set_bool(a, o, "can_up", step_i > 0);
			tv_set_bool(a, o, "can_down", step_i + 1 < steps);
			step_i++;
		}
		tv_set_str(a, o, "action", arena_sprintf(a, "%s/stages/%s", base, s->id));
		tv *hl = tv_list(a);
		for (size_t j = 0; j < nh; j++) {
			if (strcmp(hooks[j].stage_id, s->id) != 0)
				continue;
			tv *h = tv_object(a);
			tv_set_str(a, h, "id", hooks[j].id);
			tv_set_str(a, h, "target_text", hook_target_text(a, &hooks[j]));
			tv_set_str(a, h, "message", hooks[j].message);
			tv_set_bool(a, h, "is_active", hooks[j].is_active);
			tv_set_str(a, h, "action", arena_sprintf(a, "%s/hooks/%s", base, hooks[j].id));
			tv_set(a, h, "target_options", options(a, targets, target_labels, 4, hooks[j].target_type));
			tv *pl = tv_list(a);
			for (size_t p = 0; p < np; p++) {
				tv *po = tv_object(a);
				tv_set_str(a, po, "value", people[p].user_id);
				tv_set_str(a, po, "label", people[p].label);
				tv_set_bool(a, po, "selected", hooks[j].target_user_id && strcmp(hooks[j].target_user_id, people[p].user_id) == 0);
				tv_push(a, pl, po);
			}
			tv_set(a, h, "people", pl);
			tv_set(a, h, "role_options", options(a, roles, (const char *const[]){ "Agent", "Admin" }, 2, hooks[j].target_role));
			tv_push(a, hl, h);
		}
		tv_set(a, o, "hooks", hl);
		tv_set_bool(a, o, "has_hooks", s->hooks > 0);
		tv_push(a, strcmp(s->kind, "other") == 0 ? other : line, o);

		tv *so = tv_object(a);
		tv_set_str(a, so, "value", s->id);
		tv_set_str(a, so, "label", s->name);
		tv_set_bool(a, so, "selected", f->hook_stage && strcmp(f->hook_stage, s->id) == 0);
		tv_push(a, stage_opts, so);

		tv *st = tv_object(a);
		tv_set_str(a, st, "name", s->name);
		long tickets = 0, open = 0, avg = -1;
		for (size_t k = 0; k < nst; k++)
			if (strcmp(stats[k].stage_id, s->id) == 0) {
				tickets = stats[k].tickets;
				open = stats[k].open;
				avg = stats[k].avg_seconds;
				if (stats[k].refreshed_at > refreshed)
					refreshed = stats[k].refreshed_at;
			}
		tv_set_int(a, st, "tickets", tickets);
		tv_set_int(a, st, "open", open);
		tv_set_str(a, st, "avg", duration_text(a, avg));
		tv_push(a, stat_rows, st);
	}
	tv_set(a, v, "line", line);
	tv_set_bool(a, v, "has_line", ns > 0);
	tv_set(a, v, "other", other);
	tv_set(a, v, "stage_options", stage_opts);
	tv_set_bool(a, v, "has_stages", ns > 0);
	tv_set(a, v, "stats", stat_rows);
	tv_set_bool(a, v, "has_refreshed", refreshed > 0);
	if (refreshed > 0)
		page_set_time(r, v, "refreshed", refreshed);
	tv_set_int(a, v, "refresh_minutes", r->app->cfg->scheduler_views_interval_s >= 60
	    ? r->app->cfg->scheduler_views_interval_s / 60 : 1);

	tv_set(a, v, "kind_options", options(a, kinds, kind_labels, 4, f->kind ? f->kind : "step"));
	tv_set(a, v, "target_options", options(a, targets, target_labels, 4, f->target_type));
	tv_set(a, v, "role_options", options(a, roles, (const char *const[]){ "Agent", "Admin" }, 2, f->target_role));
	tv *pl = tv_list(a);
	for (size_t p = 0; p < np; p++) {
		tv *po = tv_object(a);
		tv_set_str(a, po, "value", people[p].user_id);
		tv_set_str(a, po, "label", people[p].label);
		tv_set_bool(a, po, "selected", f->target_user && strcmp(f->target_user, people[p].user_id) == 0);
		tv_push(a, pl, po);
	}
	tv_set(a, v, "people", pl);

	admin_field(r, v, "name", f->name, errors);
	admin_field(r, v, "description", f->description, errors);
	admin_field(r, v, "kind", f->kind, errors);
	admin_field(r, v, "stage", f->hook_stage, errors);
	admin_field(r, v, "target_type", f->target_type, errors);
	admin_field(r, v, "target_user", f->target_user, errors);
	admin_field(r, v, "message", f->message, errors);
	admin_field(r, v, "wf_name", w->name, errors);
	admin_field(r, v, "wf_description", w->description, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_workflow", v);
}

static int load_workflow(req *r, const admin_ctx *ctx, workflow *w)
{
	int found = workflow_get(page_tx(r), ctx->org->id, admin_route_id(r), w);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int begin_workflow(req *r, admin_ctx *ctx, workflow *w)
{
	int st = admin_begin_org(r, ctx);
	if (st)
		return st;
	return load_workflow(r, ctx, w);
}

int page_admin_workflow(req *r)
{
	admin_ctx ctx;
	workflow w;
	int st = begin_workflow(r, &ctx, &w);
	if (st)
		return st;
	form_errors none = { 0 };
	return workflow_page(r, 200, &ctx, &w, &(wf_form){ 0 }, &none);
}

static int back(req *r, const admin_ctx *ctx, const workflow *w, const char *done)
{
	return admin_redirect(r, ctx->org, arena_sprintf(r->a, "/desk/admin/workflows/%s", w->id), done);
}

int page_admin_workflow_update(req *r)
{
	admin_ctx ctx;
	workflow w;
	int st = begin_workflow(r, &ctx, &w);
	if (st)
		return st;
	form_errors errors = { 0 };
	const char *name = admin_text(r, "wf_name", WORKFLOW_NAME_MAX_CHARS, false, "The workflow's name", &errors);
	const char *description = admin_text(r, "wf_description", WORKFLOW_DESCRIPTION_MAX_CHARS, true, "The description", &errors);
	if (!form_errors_get(&errors, "wf_name") && (!name || !*name))
		form_errors_add(r->a, &errors, "wf_name", "Enter a name for the workflow.");
	if (errors.len)
		return workflow_page(r, 422, &ctx, &w, &(wf_form){ 0 }, &errors);
	bool found;
	int rc = workflow_update(page_tx(r), ctx.org->id, w.id, name, description ? description : "",
	    admin_checked(r, "active"), &found);
	if (rc < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	if (rc == 0) {
		form_errors_add(r->a, &errors, "wf_name", "Another workflow has this name already. Choose another name.");
		return workflow_page(r, 422, &ctx, &w, &(wf_form){ 0 }, &errors);
	}
	return back(r, &ctx, &w, "saved");
}

int page_admin_workflow_stage_add(req *r)
{
	admin_ctx ctx;
	workflow w;
	int st = begin_workflow(r, &ctx, &w);
	if (st)
		return st;
	form_errors errors = { 0 };
	wf_form f = { 0 };
	name_input(r, "stage", &f.name, &f.description, &errors);
	int k = admin_choice(req_form_get(r, "kind"), kinds, 4);
	f.kind = k >= 0 ? kinds[k] : NULL;
	if (k < 0)
		form_errors_add(r->a, &errors, "kind", "Choose what kind of stage this is.");
	if (errors.len)
		return workflow_page(r, 422, &ctx, &w, &f, &errors);
	int rc = workflow_stage_add(page_tx(r), ctx.org->id, w.id, f.name, f.description, f.kind);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, "kind",
		    arena_sprintf(r->a, "This workflow has its %s stage already: a workflow has one start, one end "
		                        "and at most one other stage. Choose another kind, or edit that stage.", f.kind));
		return workflow_page(r, 422, &ctx, &w, &f, &errors);
	}
	return back(r, &ctx, &w, "stage_added");
}

int page_admin_workflow_stage(req *r)
{
	admin_ctx ctx;
	workflow w;
	int st = begin_workflow(r, &ctx, &w);
	if (st)
		return st;
	const char *stage = str_dup(r->a, req_route_get(r, "stage"));
	str action = req_form_get(r, "action");
	db_tx *tx = page_tx(r);
	int rc;
	const char *done;
	if (str_eq_cstr(action, "save")) {
		form_errors errors = { 0 };
		const char *name, *description;
		name_input(r, "stage", &name, &description, &errors);
		if (errors.len) {
			return workflow_page(r, 422, &ctx, &w, &(wf_form){ .refusal = "The stage was not saved: "
			    "its name is required (up to 200 characters) and its description is up to 2000 characters." },
			    &(form_errors){ 0 });
		}
		rc = workflow_stage_update(tx, ctx.org->id, w.id, stage, name, description);
		done = "stage_saved";
	} else if (str_eq_cstr(action, "up") || str_eq_cstr(action, "down")) {
		rc = workflow_stage_move(tx, ctx.org->id, w.id, stage, str_eq_cstr(action, "up"));
		done = "stage_moved";
	} else if (str_eq_cstr(action, "remove")) {
		rc = workflow_stage_remove(tx, ctx.org->id, w.id, stage);
		done = "stage_removed";
		if (rc == 2)
			return workflow_page(r, 409, &ctx, &w, &(wf_form){ .refusal = "This stage was not removed: "
			    "tickets are on it. Move them to another stage first." }, &(form_errors){ 0 });
	} else {
		return 400; /* the page's buttons send one of these */
	}
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return back(r, &ctx, &w, done);
}

/* The hook form's fields, checked: 0 with the values set, or errors. */
static void hook_input(req *r, wf_form *f, form_errors *errors)
{
	int t = admin_choice(req_form_get(r, "target_type"), targets, 4);
	f->target_type = t >= 0 ? targets[t] : NULL;
	if (t < 0)
		form_errors_add(r->a, errors, "target_type", "Choose whom the hook notifies.");
	f->target_user = str_dup(r->a, form_trim(req_form_get(r, "target_user")));
	if (t == 0 && !cstr_is_uuid(f->target_user))
		form_errors_add(r->a, errors, "target_user", "Choose the member to notify.");
	int ro = admin_choice(req_form_get(r, "target_role"), roles, 2);
	f->target_role = ro >= 0 ? roles[ro] : NULL;
	if (t == 1 && ro < 0)
		form_errors_add(r->a, errors, "target_type", "Choose the role to notify: agents or admins.");
	f->message = admin_text(r, "message", WORKFLOW_MESSAGE_MAX_CHARS, true, "The message", errors);
	if (!form_errors_get(errors, "message") && (!f->message || !*f->message))
		form_errors_add(r->a, errors, "message", "Write the message the notification carries.");
}

int page_admin_workflow_hook_add(req *r)
{
	admin_ctx ctx;
	workflow w;
	int st = begin_workflow(r, &ctx, &w);
	if (st)
		return st;
	form_errors errors = { 0 };
	wf_form f = { 0 };
	f.hook_stage = str_dup(r->a, req_form_get(r, "stage"));
	if (!cstr_is_uuid(f.hook_stage))
		form_errors_add(r->a, &errors, "stage", "Choose the stage the hook belongs to.");
	hook_input(r, &f, &errors);
	if (errors.len)
		return workflow_page(r, 422, &ctx, &w, &f, &errors);
	int rc = workflow_hook_save(page_tx(r), ctx.org->id, w.id, f.hook_stage, NULL, f.target_type, f.target_user,
	    f.target_role, f.message, true);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, f.target_type && strcmp(f.target_type, "specific_user") == 0 ? "target_user" : "stage",
		    "That stage or member is not this workflow's or this organization's. Choose again.");
		return workflow_page(r, 422, &ctx, &w, &f, &errors);
	}
	return back(r, &ctx, &w, "hook_added");
}

int page_admin_workflow_hook(req *r)
{
	admin_ctx ctx;
	workflow w;
	int st = begin_workflow(r, &ctx, &w);
	if (st)
		return st;
	const char *hook = str_dup(r->a, req_route_get(r, "hook"));
	str action = req_form_get(r, "action");
	int rc;
	const char *done;
	if (str_eq_cstr(action, "save")) {
		form_errors errors = { 0 };
		wf_form f = { 0 };
		hook_input(r, &f, &errors);
		if (errors.len)
			return workflow_page(r, 422, &ctx, &w, &(wf_form){ .refusal = "The hook was not saved: it needs "
			    "whom to notify (a member or a role when those are chosen) and a message of up to 2000 characters." },
			    &(form_errors){ 0 });
		rc = workflow_hook_save(page_tx(r), ctx.org->id, w.id, NULL, hook, f.target_type, f.target_user,
		    f.target_role, f.message, admin_checked(r, "active"));
		done = "hook_saved";
	} else if (str_eq_cstr(action, "remove")) {
		rc = workflow_hook_remove(page_tx(r), ctx.org->id, w.id, hook);
		done = "hook_removed";
	} else {
		return 400;
	}
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return back(r, &ctx, &w, done);
}
