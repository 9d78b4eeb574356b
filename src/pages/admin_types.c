/* admin_types.c: an organization's request types (GET, POST
 * /desk/admin/types), one type (GET, POST /desk/admin/types/{id}, POST
 * .../move, POST .../remove) and the live preview of the public form for
 * it as a chosen role sees it (GET .../preview?role=). Every write leaves
 * a config_audit row (triggers in 0024). */
#include <string.h>

#include "model/field_def.h"
#include "model/request_type.h"
#include "model/workflow.h" /* workflows */
#include "pages/admin.h"
#include "pages/pages.h"
#include "pages/submit_view.h"

#define TYPES_SHOWN 500
#define CATEGORIES_SHOWN 200
#define TYPE_FIELDS_SHOWN 200

static const admin_notice notices[] = {
	{ "created", "The request type is created. It is on the public form for the roles you chose." },
	{ "saved", "The request type is saved." },
	{ "moved", "The order is saved." },
	{ "deleted", "The request type is deleted: no ticket used it." },
	{ "deactivated", "Tickets use this type, so it is deactivated rather than deleted: the public form no longer offers it." },
};

static const char *const routings[] = { "internal", "organization", "hybrid" };
static const char *const routing_labels[] = { "The platform's desk (internal)", "This organization's desk",
	"Both (hybrid)" };
static const char *const priorities[] = { "low", "normal", "high", "urgent" };
static const char *const priority_labels[] = { "Low", "Normal", "High", "Urgent" };
static const char *const role_labels[REQUEST_ROLES] = { "Visitors without an account", "Signed-in customers",
	"Agents", "Admins" };

#define N(a) ((int)(sizeof a / sizeof *a))

static tv *choice_list(req *r, const char *const *values, const char *const *labels, int n, const char *selected)
{
	tv *list = tv_list(r->a);
	for (int i = 0; i < n; i++) {
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "value", values[i]);
		tv_set_str(r->a, o, "label", labels[i]);
		tv_set_bool(r->a, o, "selected", selected && strcmp(selected, values[i]) == 0);
		tv_push(r->a, list, o);
	}
	return list;
}

/* The form of a type (new or existing) as `form`, with t's values. */
static int type_form_view(req *r, tv *v, const admin_ctx *ctx, const request_type *t, const form_errors *errors)
{
	arena *a = r->a;
	category_choice *cats;
	size_t nc;
	if (request_type_categories(page_tx(r), ctx->org->id, CATEGORIES_SHOWN, &cats, &nc) != 0)
		return -1;
	tv *f = tv_object(a);
	admin_field(r, f, "name", t->name, errors);
	admin_field(r, f, "description", t->description, errors);
	admin_field(r, f, "category", NULL, errors);
	admin_field(r, f, "roles", NULL, errors);
	tv *cl = tv_list(a);
	for (size_t i = 0; i < nc; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", cats[i].id);
		tv_set_str(a, o, "label", cats[i].name);
		tv_set_bool(a, o, "selected", t->category_id && strcmp(t->category_id, cats[i].id) == 0);
		tv_push(a, cl, o);
	}
	tv_set(a, f, "categories", cl);
	tv_set(a, f, "routings", choice_list(r, routings, routing_labels, N(routings), t->routing));
	tv_set(a, f, "priorities", choice_list(r, priorities, priority_labels, N(priorities), t->priority));
	tv *rl = tv_list(a);
	for (int i = 0; i < REQUEST_ROLES; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", request_roles[i]);
		tv_set_str(a, o, "label", role_labels[i]);
		tv_set_bool(a, o, "checked", t->roles[i]);
		tv_push(a, rl, o);
	}
	tv_set(a, f, "role_choices", rl);
	tv_set_bool(a, f, "requires_event", t->requires_event);
	tv_set_bool(a, f, "is_active", t->is_active);
	/* workflows: the workflow tickets of the type follow (the posted one
	 * when the form comes back refused) */
	workflow *wfs;
	size_t nw;
	const char *wf_sel = NULL;
	if (workflow_choices(page_tx(r), ctx->org->id, &wfs, &nw) != 0 ||
	    (t->id && workflow_of_request_type(page_tx(r), ctx->org->id, t->id, &wf_sel) != 0))
		return -1;
	if (req_form_get(r, "workflow").ptr)
		wf_sel = str_dup(a, req_form_get(r, "workflow"));
	admin_field(r, f, "workflow", NULL, errors);
	tv *wl = tv_list(a);
	for (size_t i = 0; i < nw; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", wfs[i].id);
		tv_set_str(a, o, "label", wfs[i].name);
		tv_set_bool(a, o, "selected", wf_sel && strcmp(wf_sel, wfs[i].id) == 0);
		tv_push(a, wl, o);
	}
	tv_set(a, f, "workflows", wl);
	tv_set(a, v, "form", f);
	return 0;
}

/* workflows: the posted workflow, "" for none; NULL when the form sends
 * none (left as it is) or (a message added) one that is not the
 * organization's active workflow. */
static const char *workflow_input(req *r, const admin_ctx *ctx, form_errors *errors, int *failed)
{
	*failed = 0;
	if (!req_form_get(r, "workflow").ptr)
		return NULL;
	const char *id = str_dup(r->a, form_trim(req_form_get(r, "workflow")));
	if (!*id)
		return "";
	workflow *wfs;
	size_t nw;
	if (workflow_choices(page_tx(r), ctx->org->id, &wfs, &nw) != 0) {
		*failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < nw; i++)
		if (strcmp(wfs[i].id, id) == 0)
			return id;
	form_errors_add(r->a, errors, "workflow", "Choose one of the listed workflows, or none.");
	return NULL;
}

/* ---- the list ---- */

static int types_page(req *r, int status, const admin_ctx *ctx, const request_type *draft, const form_errors *errors)
{
	request_type *list;
	size_t n;
	if (request_type_list(page_tx(r), ctx->org->id, TYPES_SHOWN + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_TYPES);
	admin_set_notice(r, v, notices, N(notices));
	size_t shown = n < TYPES_SHOWN ? n : TYPES_SHOWN;
	tv *items = tv_list(a);
	for (size_t i = 0; i < shown; i++) {
		tv *t = tv_object(a);
		const char *base = arena_sprintf(a, "/desk/admin/types/%s", list[i].id);
		tv_set_str(a, t, "id", list[i].id);
		tv_set_str(a, t, "name", list[i].name);
		if (*list[i].category_name)
			tv_set_str(a, t, "category", list[i].category_name);
		int pi = admin_choice(str_from_cstr(list[i].priority), priorities, N(priorities));
		tv_set_str(a, t, "priority", priority_labels[pi < 0 ? 1 : pi]);
		const char *roles = "";
		for (int k = 0; k < REQUEST_ROLES; k++)
			if (list[i].roles[k])
				roles = *roles ? arena_sprintf(a, "%s, %s", roles, request_roles[k]) : request_roles[k];
		tv_set_str(a, t, "roles", *roles ? roles : "nobody");
		tv_set_bool(a, t, "is_active", list[i].is_active);
		tv_set_str(a, t, "href", admin_href(r, ctx->org, base, NULL));
		tv_set_str(a, t, "preview_href", admin_href(r, ctx->org, arena_sprintf(a, "%s/preview", base), NULL));
		tv_set_str(a, t, "move_action", arena_sprintf(a, "%s/move", base));
		tv_set_bool(a, t, "can_up", i > 0);
		tv_set_bool(a, t, "can_down", i + 1 < shown);
		tv_push(a, items, t);
	}
	tv_set(a, v, "types", items);
	tv_set_bool(a, v, "has_types", n > 0);
	tv_set_bool(a, v, "more_types", n > TYPES_SHOWN);
	request_type fresh = { .name = NULL, .routing = "organization", .priority = "normal",
		.roles = { true, true, false, false }, .is_active = true };
	if (type_form_view(r, v, ctx, draft ? draft : &fresh, errors) != 0)
		return page_db_failure(r);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_types", v);
}

int page_admin_types(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_TYPES);
	form_errors none = { 0 };
	return types_page(r, 200, &ctx, NULL, &none);
}

/* A type form, read and checked into *t (categories asked of the
 * database: one of the organization's or a global one). 0, or -1 on a
 * database failure. */
static int type_input(req *r, const admin_ctx *ctx, request_type *t, form_errors *errors)
{
	t->name = admin_text(r, "name", REQUEST_TYPE_NAME_MAX_CHARS, false, "The name", errors);
	t->description = admin_text(r, "description", REQUEST_TYPE_DESCRIPTION_MAX_CHARS, true, "The description", errors);
	if (!t->description)
		t->description = "";
	if (!form_errors_get(errors, "name") && (!t->name || !*t->name))
		form_errors_add(r->a, errors, "name", "Enter a name, like “Billing question” or “Broken device”.");
	t->category_id = str_dup(r->a, form_trim(req_form_get(r, "category")));
	if (*t->category_id) {
		category_choice *cats;
		size_t nc;
		if (request_type_categories(page_tx(r), ctx->org->id, CATEGORIES_SHOWN, &cats, &nc) != 0)
			return -1;
		bool known = false;
		for (size_t i = 0; i < nc && !known; i++)
			known = strcmp(cats[i].id, t->category_id) == 0;
		if (!known)
			form_errors_add(r->a, errors, "category", "Choose one of the listed categories, or none.");
	}
	int ri = admin_choice(req_form_get(r, "routing"), routings, N(routings));
	int pi = admin_choice(req_form_get(r, "priority"), priorities, N(priorities));
	t->routing = routings[ri < 0 ? 1 : ri];
	t->priority = priorities[pi < 0 ? 1 : pi];
	if (ri < 0)
		form_errors_add(r->a, errors, "routing", "Choose where tickets of this type go.");
	if (pi < 0)
		form_errors_add(r->a, errors, "priority", "Choose the priority new tickets of this type get.");
	bool any = false;
	for (int i = 0; i < REQUEST_ROLES; i++) {
		t->roles[i] = admin_checked(r, arena_sprintf(r->a, "role_%s", request_roles[i]));
		any |= t->roles[i];
	}
	if (!any)
		form_errors_add(r->a, errors, "roles",
		    "Choose at least one role who may file this type. To hide it from everyone, deactivate it.");
	t->requires_event = admin_checked(r, "requires_event");
	t->is_active = admin_checked(r, "active");
	return 0;
}

int page_admin_type_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	request_type t = { 0 };
	if (type_input(r, &ctx, &t, &errors) != 0)
		return page_db_failure(r);
	int wf_failed; /* workflows */
	const char *wf = workflow_input(r, &ctx, &errors, &wf_failed);
	if (wf_failed)
		return page_db_failure(r);
	if (errors.len)
		return types_page(r, 422, &ctx, &t, &errors);
	const char *id;
	int rc = request_type_save(page_tx(r), ctx.org->id, NULL, &t, &id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc != 1) {
		form_errors_add(r->a, &errors, "name", "There is a request type with this name already. Choose another name.");
		return types_page(r, 422, &ctx, &t, &errors);
	}
	if (wf && workflow_set_request_type(page_tx(r), ctx.org->id, id, wf) < 0) /* workflows */
		return page_db_failure(r);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/types/%s", id), "created");
}

/* ---- one type ---- */

static int load_type(req *r, const admin_ctx *ctx, request_type *t)
{
	const char *id = admin_route_id(r);
	int found = request_type_get(page_tx(r), ctx->org->id, id, t);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int type_page(req *r, int status, const admin_ctx *ctx, const request_type *t, const request_type *draft,
    const form_errors *errors)
{
	arena *a = r->a;
	field_def *fields;
	size_t nf;
	if (field_def_list(page_tx(r), ctx->org->id, t->id, TYPE_FIELDS_SHOWN, &fields, &nf) != 0)
		return page_db_failure(r);
	tv *v = admin_view(r, ctx, ADMIN_TYPES);
	admin_set_notice(r, v, notices, N(notices));
	const char *base = arena_sprintf(a, "/desk/admin/types/%s", t->id);
	tv *tt = tv_object(a);
	tv_set_str(a, tt, "name", t->name);
	tv_set_bool(a, tt, "is_active", t->is_active);
	tv_set_str(a, tt, "action", base);
	tv_set_str(a, tt, "remove_action", arena_sprintf(a, "%s/remove", base));
	tv_set_str(a, tt, "preview_href", admin_href(r, ctx->org, arena_sprintf(a, "%s/preview", base), NULL));
	tv_set_str(a, tt, "new_field_href", arena_sprintf(a, "%s&type=%s",
	    admin_href(r, ctx->org, "/desk/admin/fields", NULL), t->id));
	tv_set(a, v, "type", tt);
	tv_set_str(a, v, "types_href", admin_href(r, ctx->org, "/desk/admin/types", NULL));
	tv *fl = tv_list(a);
	for (size_t i = 0; i < nf; i++) {
		tv *f = tv_object(a);
		tv_set_str(a, f, "label", fields[i].label);
		tv_set_str(a, f, "key", fields[i].key);
		tv_set_str(a, f, "kind", field_type_names[fields[i].kind]);
		tv_set_bool(a, f, "required", fields[i].required);
		tv_set_bool(a, f, "is_active", fields[i].is_active);
		tv_set_str(a, f, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/fields/%s", fields[i].id), NULL));
		tv_push(a, fl, f);
	}
	tv_set(a, v, "fields", fl);
	tv_set_bool(a, v, "has_fields", nf > 0);
	if (type_form_view(r, v, ctx, draft ? draft : t, errors) != 0)
		return page_db_failure(r);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_type", v);
}

int page_admin_type(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	request_type t;
	if ((st = load_type(r, &ctx, &t)))
		return st;
	form_errors none = { 0 };
	return type_page(r, 200, &ctx, &t, NULL, &none);
}

int page_admin_type_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	request_type t;
	if ((st = load_type(r, &ctx, &t)))
		return st;
	form_errors errors = { 0 };
	request_type in = { .id = t.id };
	if (type_input(r, &ctx, &in, &errors) != 0)
		return page_db_failure(r);
	int wf_failed; /* workflows */
	const char *wf = workflow_input(r, &ctx, &errors, &wf_failed);
	if (wf_failed)
		return page_db_failure(r);
	if (errors.len)
		return type_page(r, 422, &ctx, &t, &in, &errors);
	int rc = request_type_save(page_tx(r), ctx.org->id, t.id, &in, NULL);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 2)
		return 404;
	if (rc == 0) {
		form_errors_add(r->a, &errors, "name", "Another request type has this name already. Choose another name.");
		return type_page(r, 422, &ctx, &t, &in, &errors);
	}
	if (wf && workflow_set_request_type(page_tx(r), ctx.org->id, t.id, wf) < 0) /* workflows */
		return page_db_failure(r);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/types/%s", t.id), "saved");
}

int page_admin_type_move(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	bool up;
	if (!admin_direction(r, &up))
		return 400; /* the page's buttons send up or down */
	int rc = request_type_move(page_tx(r), ctx.org->id, admin_route_id(r), up);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 2)
		return 404;
	/* Already first (or last): the order is as asked. */
	return admin_redirect(r, ctx.org, "/desk/admin/types", "moved");
}

int page_admin_type_remove(req *r)
{
	return admin_remove(r, request_type_remove, "/desk/admin/types");
}

/* ---- the preview ---- */

int page_admin_type_preview(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	request_type t;
	if ((st = load_type(r, &ctx, &t)))
		return st;
	str role_s = req_query_get(r, "role");
	int role = role_s.len ? admin_choice(role_s, request_roles, REQUEST_ROLES) : 0;
	if (role < 0)
		return 400; /* the page's select sends one of the four */
	/* Uncached: the preview shows a change the moment it is saved. */
	form_doc *d = field_form_preview(page_tx(r), request_roles[role]);
	if (!d)
		return page_db_failure(r);
	const form_type *ft = submit_form_type(d, str_from_cstr(t.id));
	arena *a = r->a;
	tv *v = admin_view(r, &ctx, ADMIN_TYPES);
	tv *tt = tv_object(a);
	tv_set_str(a, tt, "name", t.name);
	tv_set_str(a, tt, "href", admin_href(r, ctx.org, arena_sprintf(a, "/desk/admin/types/%s", t.id), NULL));
	tv_set_str(a, tt, "action", arena_sprintf(a, "/desk/admin/types/%s/preview", t.id));
	tv_set(a, v, "type", tt);
	tv *rl = tv_list(a);
	for (int i = 0; i < REQUEST_ROLES; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", request_roles[i]);
		tv_set_str(a, o, "label", role_labels[i]);
		tv_set_bool(a, o, "selected", i == role);
		tv_push(a, rl, o);
	}
	tv_set(a, v, "roles", rl);
	tv_set_str(a, v, "role_label", role_labels[role]);
	if (ft) {
		form_errors none = { 0 };
		tv_set(a, v, "chosen", submit_type_view(r, ft, false, &none));
		tv_set_int(a, v, "field_count", (long long)ft->nfields);
	} else {
		tv_set_str(a, v, "hidden_reason", !t.is_active ? "The type is deactivated: the public form offers it to nobody."
		    : !t.roles[role] ? "This role may not file the type: the public form does not offer it to them."
		    : !ctx.org->is_active ? "The organization is deactivated: the public form offers none of its types."
		    : "The public form does not offer this type to this role.");
	}
	return page_render(r, 200, "admin_type_preview", v);
}
