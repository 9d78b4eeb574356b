/* admin_fields.c: an organization's custom fields (GET, POST
 * /desk/admin/fields[?type=]), one field (GET, POST /desk/admin/fields/{id},
 * POST .../remove, POST .../activate) with the visibility rule that says
 * for which request types, roles and ends (the public form, the staff
 * workspace) it shows. Every write leaves a config_audit row (0024). */
#include <string.h>

#include "model/field_def.h"
#include "model/request_type.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define FIELDS_SHOWN 500
#define TYPES_LISTED 200
#define MIN_MAX_LENGTH 100000

static const admin_notice notices[] = {
	{ "created", "The field is created." },
	{ "saved", "The field is saved." },
	{ "deleted", "The field is deleted: no ticket had a value for it." },
	{ "deactivated", "Tickets have values for this field, so it is deactivated rather than deleted: forms no longer show it." },
	{ "activated", "The field is active again." },
};

static const char *const kind_labels[FIELD__MAX] = { "Text (one line)", "Text (several lines)", "Date",
	"Dropdown (fixed options)", "Dropdown of upcoming events", "File upload", "Checkbox" };
static const char *const role_labels[REQUEST_ROLES] = { "Visitors without an account", "Signed-in customers",
	"Agents", "Admins" };

#define N(a) ((int)(sizeof a / sizeof *a))

/* What a field form carries besides field_def: the options as typed. */
typedef struct {
	field_def f;
	const char *options_text;
	const char *min_text, *max_text;
} field_draft;

static const char *options_as_text(req *r, const field_def *f)
{
	const char *out = "";
	for (size_t i = 0; i < f->noptions; i++) {
		const form_option *o = &f->options[i];
		const char *line = strcmp(o->value, o->label) == 0 ? o->label : arena_sprintf(r->a, "%s | %s", o->value, o->label);
		out = *out ? arena_sprintf(r->a, "%s\n%s", out, line) : line;
	}
	return out;
}

static void draft_of(req *r, const field_def *f, field_draft *d)
{
	d->f = *f;
	d->options_text = options_as_text(r, f);
	d->min_text = f->min_length >= 0 ? arena_sprintf(r->a, "%ld", f->min_length) : "";
	d->max_text = f->max_length >= 0 ? arena_sprintf(r->a, "%ld", f->max_length) : "";
}

static int field_form_view(req *r, tv *v, const admin_ctx *ctx, const field_draft *d, bool creating,
    const form_errors *errors)
{
	arena *a = r->a;
	request_type *types;
	size_t nt;
	if (request_type_list(page_tx(r), ctx->org->id, TYPES_LISTED, &types, &nt) != 0)
		return -1;
	const field_def *f = &d->f;
	tv *fv = tv_object(a);
	tv_set_bool(a, fv, "creating", creating);
	admin_field(r, fv, "key", f->key, errors);
	admin_field(r, fv, "label", f->label, errors);
	admin_field(r, fv, "description", f->description, errors);
	admin_field(r, fv, "kind", NULL, errors);
	admin_field(r, fv, "default_value", f->default_value, errors);
	admin_field(r, fv, "placeholder", f->placeholder, errors);
	admin_field(r, fv, "options", d->options_text, errors);
	admin_field(r, fv, "min_length", d->min_text, errors);
	admin_field(r, fv, "max_length", d->max_text, errors);
	admin_field(r, fv, "pattern", f->pattern, errors);
	admin_field(r, fv, "rule", NULL, errors);
	tv_set_bool(a, fv, "required", f->required);
	tv *kl = tv_list(a);
	for (int i = 0; i < FIELD__MAX; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", field_type_names[i]);
		tv_set_str(a, o, "label", kind_labels[i]);
		tv_set_bool(a, o, "selected", (int)f->kind == i);
		tv_push(a, kl, o);
	}
	tv_set(a, fv, "kinds", kl);
	tv *tl = tv_list(a);
	for (size_t i = 0; i < nt; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", arena_sprintf(a, "rt_%s", types[i].id));
		tv_set_str(a, o, "id", arena_sprintf(a, "f-rt-%s", types[i].id));
		tv_set_str(a, o, "label", types[i].is_active ? types[i].name : arena_sprintf(a, "%s (deactivated)", types[i].name));
		bool on = false;
		for (size_t k = 0; k < f->rule.ntypes && !on; k++)
			on = strcmp(f->rule.type_ids[k], types[i].id) == 0;
		tv_set_bool(a, o, "checked", on);
		tv_push(a, tl, o);
	}
	tv_set(a, fv, "rule_types", tl);
	tv_set_bool(a, fv, "has_rule_types", nt > 0);
	tv *rl = tv_list(a);
	for (int i = 0; i < REQUEST_ROLES; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", request_roles[i]);
		tv_set_str(a, o, "label", role_labels[i]);
		tv_set_bool(a, o, "checked", f->rule.roles[i]);
		tv_push(a, rl, o);
	}
	tv_set(a, fv, "rule_roles", rl);
	tv_set_bool(a, fv, "frontend", f->rule.frontend);
	tv_set_bool(a, fv, "backend", f->rule.backend);
	tv_set_bool(a, fv, "several_rules", f->nrules > 1);
	tv_set(a, v, "form", fv);
	return 0;
}

/* ---- the list ---- */

static int fields_page(req *r, int status, const admin_ctx *ctx, const field_draft *draft, const form_errors *errors)
{
	arena *a = r->a;
	str type_s = req_query_get(r, "type");
	const char *type_id = type_s.len ? str_dup(a, type_s) : NULL;
	request_type filter;
	if (type_id) {
		int found = request_type_get(page_tx(r), ctx->org->id, type_id, &filter);
		if (found < 0)
			return page_db_failure(r);
		if (!found)
			return 404;
	}
	field_def *list;
	size_t n;
	if (field_def_list(page_tx(r), ctx->org->id, type_id, FIELDS_SHOWN + 1, &list, &n) != 0)
		return page_db_failure(r);
	tv *v = admin_view(r, ctx, ADMIN_FIELDS);
	admin_set_notice(r, v, notices, N(notices));
	if (type_id) {
		tv_set_str(a, v, "filter_type", filter.name);
		tv_set_str(a, v, "filter_type_id", filter.id);
		tv_set_str(a, v, "all_fields_href", admin_href(r, ctx->org, "/desk/admin/fields", NULL));
		tv_set_str(a, v, "type_href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/types/%s", filter.id), NULL));
	}
	tv *items = tv_list(a);
	for (size_t i = 0; i < n && i < FIELDS_SHOWN; i++) {
		tv *f = tv_object(a);
		tv_set_str(a, f, "label", list[i].label);
		tv_set_str(a, f, "key", list[i].key);
		tv_set_str(a, f, "kind", kind_labels[list[i].kind]);
		tv_set_bool(a, f, "required", list[i].required);
		tv_set_bool(a, f, "is_active", list[i].is_active);
		tv_set_str(a, f, "shown_for", *list[i].shown_for ? list[i].shown_for : "Every type");
		tv_set_str(a, f, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/fields/%s", list[i].id), NULL));
		tv_push(a, items, f);
	}
	tv_set(a, v, "fields", items);
	tv_set_bool(a, v, "has_fields", n > 0);
	tv_set_bool(a, v, "more_fields", n > FIELDS_SHOWN);
	field_draft fresh = { .f = { .kind = FIELD_TEXT, .min_length = -1, .max_length = -1,
		.rule = { .frontend = true, .backend = true } } };
	if (!draft && type_id) {
		fresh.f.rule.type_ids = arena_calloc(a, 1, sizeof *fresh.f.rule.type_ids);
		fresh.f.rule.type_ids[0] = filter.id;
		fresh.f.rule.ntypes = 1;
	}
	if (field_form_view(r, v, ctx, draft ? draft : &fresh, true, errors) != 0)
		return page_db_failure(r);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_fields", v);
}

int page_admin_fields(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_FIELDS);
	form_errors none = { 0 };
	return fields_page(r, 200, &ctx, NULL, &none);
}

static bool key_valid(const char *k)
{
	size_t n = strlen(k);
	if (n < 1 || n > 63 || k[0] < 'a' || k[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

/* The options textarea: one per line, "value | label" or just the label
 * (which is then the value too). */
static void options_input(req *r, field_draft *d, form_errors *errors)
{
	arena *a = r->a;
	field_def *f = &d->f;
	const char *text = admin_text(r, "options", FIELD_OPTIONS_MAX * (FIELD_OPTION_MAX_CHARS * 2 + 4), true,
	    "The options", errors);
	d->options_text = text ? text : "";
	f->options = arena_calloc(a, FIELD_OPTIONS_MAX + 1, sizeof *f->options);
	f->noptions = 0;
	if (f->kind != FIELD_SELECT || form_errors_get(errors, "options"))
		return;
	const char *p = d->options_text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		str line = form_trim((str){ p, len });
		p += len + (nl ? 1 : 0);
		if (!line.len)
			continue;
		if (f->noptions == FIELD_OPTIONS_MAX) {
			form_errors_add(a, errors, "options", arena_sprintf(a, "A dropdown can have at most %d options.", FIELD_OPTIONS_MAX));
			return;
		}
		const char *bar = memchr(line.ptr, '|', line.len);
		str value = bar ? form_trim((str){ line.ptr, (size_t)(bar - line.ptr) }) : line;
		str label = bar ? form_trim((str){ bar + 1, line.len - (size_t)(bar - line.ptr) - 1 }) : line;
		if (!value.len || !label.len || form_chars(value) > FIELD_OPTION_MAX_CHARS || form_chars(label) > FIELD_OPTION_MAX_CHARS) {
			form_errors_add(a, errors, "options", arena_sprintf(a,
			    "Each option needs a value and a label of at most %d characters: “value | label”, or just the label.",
			    FIELD_OPTION_MAX_CHARS));
			return;
		}
		const char *vs = str_dup(a, value);
		for (size_t i = 0; i < f->noptions; i++)
			if (strcmp(f->options[i].value, vs) == 0) {
				form_errors_add(a, errors, "options", arena_sprintf(a, "The option “%s” is listed twice. Each value once.", vs));
				return;
			}
		f->options[f->noptions].value = vs;
		f->options[f->noptions].label = str_dup(a, label);
		f->noptions++;
	}
	if (!f->noptions)
		form_errors_add(a, errors, "options", "A dropdown needs at least one option: one per line.");
}

/* A field form read and checked into *d. 0, or -1 on a database failure. */
static int field_input(req *r, const admin_ctx *ctx, bool creating, field_draft *d, form_errors *errors)
{
	arena *a = r->a;
	field_def *f = &d->f;
	if (creating) {
		f->key = admin_text(r, "key", 63, false, "The key", errors);
		if (!form_errors_get(errors, "key") && (!f->key || !key_valid(f->key)))
			form_errors_add(a, errors, "key", "The key must start with a small letter and have only small letters, "
			    "digits and underscores (at most 63), like “order_number”.");
	}
	f->label = admin_text(r, "label", FIELD_LABEL_MAX_CHARS, false, "The label", errors);
	if (!form_errors_get(errors, "label") && (!f->label || !*f->label))
		form_errors_add(a, errors, "label", "Enter the label the form shows, like “Order number”.");
	f->description = admin_text(r, "description", FIELD_TEXT_MAX_CHARS, true, "The help text", errors);
	f->default_value = admin_text(r, "default_value", FIELD_TEXT_MAX_CHARS, false, "The default", errors);
	f->placeholder = admin_text(r, "placeholder", FIELD_TEXT_MAX_CHARS, false, "The placeholder", errors);
	f->pattern = admin_text(r, "pattern", FIELD_PATTERN_MAX_CHARS, false, "The pattern", errors);
	if (!f->description) f->description = "";
	if (!f->default_value) f->default_value = "";
	if (!f->placeholder) f->placeholder = "";
	if (!f->pattern) f->pattern = "";
	int kind = admin_choice(req_form_get(r, "kind"), field_type_names, FIELD__MAX);
	f->kind = kind < 0 ? FIELD_TEXT : (enum field_kind)kind;
	if (kind < 0)
		form_errors_add(a, errors, "kind", "Choose one of the seven kinds of field.");
	f->required = admin_checked(r, "required");
	options_input(r, d, errors);
	d->min_text = str_dup(a, form_trim(req_form_get(r, "min_length")));
	d->max_text = str_dup(a, form_trim(req_form_get(r, "max_length")));
	bool min_ok = admin_number(r, "min_length", 0, MIN_MAX_LENGTH, "The minimum length", &f->min_length, errors);
	bool max_ok = admin_number(r, "max_length", 1, MIN_MAX_LENGTH, "The maximum length", &f->max_length, errors);
	if (min_ok && max_ok && f->min_length >= 0 && f->max_length >= 0 && f->min_length > f->max_length)
		form_errors_add(a, errors, "max_length", "The maximum length must be at least the minimum length.");
	bool texty = f->kind == FIELD_TEXT || f->kind == FIELD_TEXTAREA;
	if (!texty && (f->min_length >= 0 || f->max_length >= 0 || *f->pattern) && kind >= 0)
		form_errors_add(a, errors, "pattern", "Lengths and patterns apply to text fields only. Clear them, or choose a text kind.");
	if (*f->pattern && !form_errors_get(errors, "pattern")) {
		int pg = field_pattern_compiles(page_tx(r), f->pattern);
		if (pg < 0)
			return -1;
		if (!pg || !form_pattern_valid(f->pattern))
			form_errors_add(a, errors, "pattern",
			    "The pattern is not a valid regular expression (check its brackets, parentheses and repetitions), "
			    "like ^[A-Z]{2}[0-9]{6}$.");
	}
	if (f->kind == FIELD_SELECT && *f->default_value && !form_errors_get(errors, "options")) {
		bool known = false;
		for (size_t i = 0; i < f->noptions && !known; i++)
			known = strcmp(f->options[i].value, f->default_value) == 0;
		if (!known)
			form_errors_add(a, errors, "default_value", "The default must be one of the options' values, or empty.");
	}
	if (f->kind == FIELD_CHECKBOX && *f->default_value && strcmp(f->default_value, "true") != 0)
		form_errors_add(a, errors, "default_value", "A checkbox's default is “true” (ticked) or empty.");

	/* The rule: types of the organization only. */
	request_type *types;
	size_t nt;
	if (request_type_list(page_tx(r), ctx->org->id, TYPES_LISTED, &types, &nt) != 0)
		return -1;
	f->rule.type_ids = arena_calloc(a, nt + 1, sizeof *f->rule.type_ids);
	f->rule.ntypes = 0;
	for (size_t i = 0; i < nt; i++)
		if (admin_checked(r, arena_sprintf(a, "rt_%s", types[i].id)))
			f->rule.type_ids[f->rule.ntypes++] = types[i].id;
	for (int i = 0; i < REQUEST_ROLES; i++)
		f->rule.roles[i] = admin_checked(r, arena_sprintf(a, "vrole_%s", request_roles[i]));
	f->rule.frontend = admin_checked(r, "frontend");
	f->rule.backend = admin_checked(r, "backend");
	if (!f->rule.frontend && !f->rule.backend)
		form_errors_add(a, errors, "rule",
		    "Show the field on the public form, in the staff workspace, or both. To hide it everywhere, deactivate it.");
	return 0;
}

int page_admin_field_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	field_draft d = { 0 };
	if (field_input(r, &ctx, true, &d, &errors) != 0)
		return page_db_failure(r);
	if (errors.len)
		return fields_page(r, 422, &ctx, &d, &errors);
	const char *id;
	int rc = field_def_save(page_tx(r), ctx.org->id, NULL, &d.f, &id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc != 1) {
		form_errors_add(r->a, &errors, "key", "A field with this key exists already (keys are unique on the whole "
		    "platform). Choose another key.");
		return fields_page(r, 422, &ctx, &d, &errors);
	}
	if (field_def_set_rule(page_tx(r), id, &d.f.rule) != 0)
		return page_db_failure(r);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/fields/%s", id), "created");
}

/* ---- one field ---- */

static int load_field(req *r, const admin_ctx *ctx, field_def *f)
{
	const char *id = admin_route_id(r);
	int found = field_def_get(page_tx(r), ctx->org->id, id, f);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int field_page(req *r, int status, const admin_ctx *ctx, const field_def *f, const field_draft *draft,
    const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_FIELDS);
	admin_set_notice(r, v, notices, N(notices));
	const char *base = arena_sprintf(a, "/desk/admin/fields/%s", f->id);
	tv *fv = tv_object(a);
	tv_set_str(a, fv, "label", f->label);
	tv_set_str(a, fv, "key", f->key);
	tv_set_bool(a, fv, "is_active", f->is_active);
	tv_set_str(a, fv, "action", base);
	tv_set_str(a, fv, "remove_action", arena_sprintf(a, "%s/remove", base));
	tv_set_str(a, fv, "activate_action", arena_sprintf(a, "%s/activate", base));
	tv_set(a, v, "field", fv);
	tv_set_str(a, v, "fields_href", admin_href(r, ctx->org, "/desk/admin/fields", NULL));
	field_draft own;
	if (!draft) {
		draft_of(r, f, &own);
		draft = &own;
	}
	if (field_form_view(r, v, ctx, draft, false, errors) != 0)
		return page_db_failure(r);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_field", v);
}

int page_admin_field(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	field_def f;
	if ((st = load_field(r, &ctx, &f)))
		return st;
	form_errors none = { 0 };
	return field_page(r, 200, &ctx, &f, NULL, &none);
}

static bool same_rule(const field_def *old, const field_rule *rule)
{
	if (old->nrules > 1)
		return false;
	field_rule any = { .frontend = true, .backend = true };
	const field_rule *o = old->has_rule ? &old->rule : &any;
	if (o->ntypes != rule->ntypes || o->frontend != rule->frontend || o->backend != rule->backend)
		return false;
	for (int i = 0; i < REQUEST_ROLES; i++)
		if (o->roles[i] != rule->roles[i])
			return false;
	for (size_t i = 0; i < rule->ntypes; i++) {
		bool found = false;
		for (size_t k = 0; k < o->ntypes && !found; k++)
			found = strcmp(o->type_ids[k], rule->type_ids[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

int page_admin_field_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	field_def f;
	if ((st = load_field(r, &ctx, &f)))
		return st;
	form_errors errors = { 0 };
	field_draft d = { .f = { .key = f.key, .nrules = f.nrules } };
	if (field_input(r, &ctx, false, &d, &errors) != 0)
		return page_db_failure(r);
	if (errors.len)
		return field_page(r, 422, &ctx, &f, &d, &errors);
	int rc = field_def_save(page_tx(r), ctx.org->id, f.id, &d.f, NULL);
	if (rc < 0)
		return page_db_failure(r);
	if (rc != 1)
		return 404;
	/* An unchanged rule is not rewritten: the audit log shows real changes. */
	if (!same_rule(&f, &d.f.rule) && field_def_set_rule(page_tx(r), f.id, &d.f.rule) != 0)
		return page_db_failure(r);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/fields/%s", f.id), "saved");
}

int page_admin_field_remove(req *r)
{
	return admin_remove(r, field_def_remove, "/desk/admin/fields");
}

int page_admin_field_activate(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	const char *id = admin_route_id(r);
	int rc = field_def_activate(page_tx(r), ctx.org->id, id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/fields/%s", id), "activated");
}
