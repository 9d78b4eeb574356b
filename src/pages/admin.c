/* admin.c: the organization admin shell: the organization of a request,
 * the navigation every admin page shares (partials/admin_layout), the
 * admin home (GET /desk/admin) and the configuration audit log (GET
 * /desk/admin/audit). The sections themselves live in admin_*.c. */
#include <string.h>

#include "core/log.h"
#include "pages/admin.h"
#include "pages/pages.h"

/* A chooser longer than this would not help anyone: a platform admin names
 * the organization (?org=slug) beyond it. */
#define ORGS_LISTED 200

static const struct {
	const char *key;
	const char *label;
	const char *path;
	const char *summary;
} sections[ADMIN__SECTIONS] = {
	[ADMIN_HOME] = { "home", "Overview", "/desk/admin", NULL },
	[ADMIN_TYPES] = { "types", "Request types", "/desk/admin/types",
		"The kinds of request the public form offers: who may file them, where they go, in which order." },
	[ADMIN_FIELDS] = { "fields", "Custom fields", "/desk/admin/fields",
		"The extra questions of the form, their checks, and for which types and roles they show." },
	[ADMIN_EVENTS] = { "events", "Events", "/desk/admin/events",
		"The events requesters choose from: name, dates, location; deactivate the ones tickets name." },
	[ADMIN_TEAMS] = { "teams", "Teams", "/desk/admin/teams",
		"Create, rename and deactivate teams, and choose who is on each." },
	[ADMIN_MEMBERS] = { "members", "Members", "/desk/admin/members",
		"Invite agents and admins by email, change their role, deactivate them." },
	[ADMIN_CATEGORIES] = { "categories", "Categories", "/desk/admin/categories",
		"The categories tickets are filed under: name, colour, icon, order; deactivate the ones in use." },
	[ADMIN_CANNED] = { "canned", "Canned responses", "/desk/admin/canned",
		"Replies agents insert by typing /shortcut, for everyone, a team or one person." },
	[ADMIN_SLA] = { "sla", "SLA policies", "/desk/admin/sla",
		"First response and resolution targets per priority, business hours, time zone and holidays." },
	/* workflows */
	[ADMIN_WORKFLOWS] = { "workflows", "Workflows", "/desk/admin/workflows",
		"The stages tickets move through, start to end, the hooks that notify on a stage, tickets per stage." },
	/* ticket templates and recurring tickets */
	[ADMIN_TEMPLATES] = { "templates", "Ticket templates", "/desk/admin/templates",
		"Tickets made from a template by agents, or by the scheduler daily, weekly or monthly." },
	[ADMIN_SETTINGS] = { "settings", "Organization settings", "/desk/admin/settings",
		"Auto-assign, email notifications, support contacts, the message customers see, the ticket prefix." },
	[ADMIN_BLOCKS] = { "blocks", "Rate-limit blocks", "/desk/admin/blocks",
		"Who is blocked by a rate limit, for which action, until when; lift a block." },
	/* automation (0037) */
	[ADMIN_TRIGGERS] = { "triggers", "Triggers", "/desk/admin/triggers",
		"Rules that route, tag, prioritise and answer tickets as they arrive or change, by any channel." },
	[ADMIN_RULES] = { "rules", "Time rules", "/desk/admin/rules",
		"Rules the scheduler applies after a time: remind a waiting customer, close what went quiet." },
	[ADMIN_MACROS] = { "macros", "Macros", "/desk/admin/macros",
		"Sets of changes and a reply agents apply in one step, shared or personal." },
	/* webhooks */
	[ADMIN_WEBHOOKS] = { "webhooks", "Webhooks", "/desk/admin/webhooks",
		"Send ticket, message and SLA events to your own systems, signed; see each delivery's outcome." },
	[ADMIN_API_KEYS] = { "api-keys", "API keys", "/desk/admin/api-keys",
		"Keys for the REST API: what each may do, until when, from where; revoke one." },
	[ADMIN_AUDIT] = { "audit", "Audit log", "/desk/admin/audit",
		"Who changed which setting, team or member, with the values before and after." },
};

int admin_begin(req *r, admin_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	if (org_admin_list(page_tx(r), ORGS_LISTED, &ctx->orgs, &ctx->norgs) != 0)
		return page_db_failure(r);
	str slug = r->method == METHOD_POST ? req_form_get(r, "org") : STR_NULL;
	if (!slug.len)
		slug = req_query_get(r, "org");
	if (!slug.len) {
		if (ctx->norgs == 1)
			ctx->org = &ctx->orgs[0];
		return 0;
	}
	if (slug.len > 64)
		return 404;
	for (size_t i = 0; i < ctx->norgs; i++)
		if (str_eq_cstr(slug, ctx->orgs[i].slug)) {
			ctx->org = &ctx->orgs[i];
			return 0;
		}
	if (ctx->norgs < ORGS_LISTED)
		return 404; /* not one of theirs: as if it did not exist */
	org_admin_org *o = arena_alloc(r->a, sizeof *o);
	int found = org_admin_find(page_tx(r), str_dup(r->a, slug), o);
	if (found < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	ctx->org = o;
	return 0;
}

int admin_begin_org(req *r, admin_ctx *ctx)
{
	int st = admin_begin(r, ctx);
	return st ? st : ctx->org ? 0 : 404;
}

const char *admin_href(req *r, const org_admin_org *org, const char *path, const char *done)
{
	/* Slugs are [a-z0-9-]: nothing to escape. */
	if (!org)
		return path;
	return done ? arena_sprintf(r->a, "%s?org=%s&done=%s", path, org->slug, done)
	            : arena_sprintf(r->a, "%s?org=%s", path, org->slug);
}

int admin_redirect(req *r, const org_admin_org *org, const char *path, const char *done)
{
	/* Every admin page redirects so after a saved change: the workers'
	 * caches of the public form (types, fields, categories, events, the
	 * organization's state) start again after the commit, in every worker. */
	r->config_changed = true;
	resp_redirect(r, 303, admin_href(r, org, path, done));
	return 0;
}

tv *admin_view(req *r, const admin_ctx *ctx, enum admin_section current)
{
	arena *a = r->a;
	tv *v = page_view(r);
	tv *nav = tv_list(a);
	for (int i = 0; i < ADMIN__SECTIONS; i++) {
		tv *s = tv_object(a);
		tv_set_str(a, s, "label", sections[i].label);
		tv_set_str(a, s, "href", admin_href(r, ctx->org, sections[i].path, NULL));
		tv_set_bool(a, s, "current", i == (int)current);
		if (sections[i].summary)
			tv_set_str(a, s, "summary", sections[i].summary);
		tv_push(a, nav, s);
	}
	tv_set(a, v, "admin_sections", nav);
	tv_set_str(a, v, "admin_path", sections[current].path);
	if (ctx->org) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", ctx->org->name);
		tv_set_str(a, o, "slug", ctx->org->slug);
		tv_set_bool(a, o, "is_platform", ctx->org->is_platform);
		tv_set_bool(a, o, "is_inactive", !ctx->org->is_active);
		tv_set(a, v, "admin_org", o);
		tv_set_str(a, v, "org_slug", ctx->org->slug);
	}
	if (ctx->norgs > 1 || (ctx->norgs == 1 && !ctx->org)) {
		tv *list = tv_list(a);
		for (size_t i = 0; i < ctx->norgs; i++) {
			tv *o = tv_object(a);
			tv_set_str(a, o, "name", ctx->orgs[i].name);
			tv_set_str(a, o, "slug", ctx->orgs[i].slug);
			tv_set_str(a, o, "href", admin_href(r, &ctx->orgs[i], sections[current].path, NULL));
			tv_set_bool(a, o, "selected", ctx->org && strcmp(ctx->org->id, ctx->orgs[i].id) == 0);
			tv_push(a, list, o);
		}
		tv_set(a, v, "admin_orgs", list);
		tv_set_bool(a, v, "has_org_choice", true);
	}
	return v;
}

int admin_choose(req *r, const admin_ctx *ctx, enum admin_section section)
{
	tv *v = admin_view(r, ctx, section);
	tv_set_bool(r->a, v, "must_choose", true);
	tv_set_str(r->a, v, "section_label", sections[section].label);
	return page_render(r, 200, "admin_home", v);
}

void admin_set_notice(req *r, tv *v, const admin_notice *table, size_t n)
{
	str done = req_query_get(r, "done");
	for (size_t i = 0; done.len && i < n; i++)
		if (str_eq_cstr(done, table[i].key)) {
			tv_set_str(r->a, v, "notice", table[i].message);
			return;
		}
}

void admin_field(req *r, tv *v, const char *key, const char *value, const form_errors *errors)
{
	tv *f = tv_object(r->a);
	if (value)
		tv_set_str(r->a, f, "value", value);
	const char *err = errors ? form_errors_get(errors, key) : NULL;
	if (err) {
		tv_set_str(r->a, f, "error", err);
		tv_set_str(r->a, f, "error_id", arena_sprintf(r->a, "f-%s-error", key));
	}
	tv_set(r->a, v, key, f);
}

void admin_summary(req *r, tv *v, const form_errors *errors)
{
	tv *list = tv_list(r->a);
	for (size_t i = 0; i < errors->len; i++) {
		tv *s = tv_object(r->a);
		tv_set_str(r->a, s, "anchor", arena_sprintf(r->a, "f-%s", errors->items[i].field));
		tv_set_str(r->a, s, "message", errors->items[i].message);
		tv_push(r->a, list, s);
	}
	tv_set(r->a, v, "errors", list);
	tv_set_bool(r->a, v, "has_errors", errors->len > 0);
}

const char *admin_text(req *r, const char *field, long max_chars, bool multiline, const char *label,
    form_errors *errors)
{
	str s = req_form_get(r, field);
	if (!s.ptr)
		return NULL;
	s = form_trim(s);
	const char *out = str_dup(r->a, s);
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f) {
			form_errors_add(r->a, errors, field,
			    arena_sprintf(r->a, multiline ? "%s has a character that cannot be shown. Remove it."
			                                  : "%s must be one line, without tabs or control characters.",
			        label));
			return out;
		}
	}
	if (form_chars(s) > max_chars)
		form_errors_add(r->a, errors, field,
		    arena_sprintf(r->a, "%s can be at most %ld characters (this is %ld).", label, max_chars, form_chars(s)));
	return out;
}

void admin_set_opt(arena *a, tv *o, const char *key, const char *s)
{
	if (s && *s)
		tv_set_str(a, o, key, s);
	else
		tv_set_bool(a, o, key, false);
}

bool admin_checked(req *r, const char *field)
{
	return str_eq_cstr(req_form_get(r, field), "1");
}

bool admin_direction(req *r, bool *up)
{
	str dir = req_form_get(r, "dir");
	*up = str_eq_cstr(dir, "up");
	return *up || str_eq_cstr(dir, "down");
}

const char *admin_route_id(req *r)
{
	return str_dup(r->a, req_route_get(r, "id"));
}

int admin_remove(req *r, admin_remove_fn *remove, const char *section)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	const char *id = admin_route_id(r);
	int rc = remove(page_tx(r), ctx.org->id, id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	if (rc == 2)
		return admin_redirect(r, ctx.org, arena_sprintf(r->a, "%s/%s", section, id), "deactivated");
	return admin_redirect(r, ctx.org, section, "deleted");
}

bool admin_number(req *r, const char *field, long min, long max, const char *label, long *out, form_errors *errors)
{
	*out = -1;
	str s = form_trim(req_form_get(r, field));
	if (!s.len)
		return true;
	long v = 0;
	bool ok = s.len <= 9;
	for (size_t i = 0; ok && i < s.len; i++) {
		ok = s.ptr[i] >= '0' && s.ptr[i] <= '9';
		v = v * 10 + (s.ptr[i] - '0');
	}
	if (!ok || v < min || v > max) {
		form_errors_add(r->a, errors, field,
		    arena_sprintf(r->a, "%s must be a whole number from %ld to %ld.", label, min, max));
		return false;
	}
	*out = v;
	return true;
}

int admin_choice(str value, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (str_eq_cstr(value, names[i]))
			return i;
	return -1;
}

/* ---- GET /desk/admin ---- */

int page_admin_home(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	tv *v = admin_view(r, &ctx, ADMIN_HOME);
	if (!ctx.org)
		tv_set_bool(r->a, v, "must_choose", true);
	return page_render(r, 200, "admin_home", v);
}

/* ---- GET /desk/admin/audit ---- */

static const char *const entity_labels[][2] = {
	{ "organization", "Organization" }, { "organization_settings", "Settings" }, { "team", "Team" },
	{ "membership", "Member" }, { "membership_team", "Team member" }, { "category", "Category" },
	{ "canned_response", "Canned response" }, { "request_type", "Request type" },
	{ "field_definition", "Custom field" }, { "field_visibility_rule", "Field visibility" }, { "event", "Event" },
	{ "rate_limit_block", "Rate-limit block" },
	{ "sla_policy", "SLA policy" },
	{ "system_setting", "System setting" }, { "user", "User" },
	/* automation (0037) */
	{ "trigger", "Trigger" }, { "time_rule", "Time rule" }, { "macro", "Macro" },
	{ "webhook", "Webhook" }, /* webhooks */
};

static const char *entity_label(const char *e)
{
	for (size_t i = 0; i < sizeof entity_labels / sizeof *entity_labels; i++)
		if (strcmp(e, entity_labels[i][0]) == 0)
			return entity_labels[i][1];
	return e;
}

static const char *action_label(const char *a)
{
	return strcmp(a, "insert") == 0 ? "added" : strcmp(a, "delete") == 0 ? "removed" : "changed";
}

bool admin_audit_cursor(req *r, const char **at, const char **id)
{
	*at = *id = NULL;
	str after = req_query_get(r, "after");
	if (!after.len)
		return true;
	const char *s = str_dup(r->a, after);
	const char *sep = strrchr(s, '_');
	if (!sep || after.len > 80 || sep - s < 20 || strlen(sep + 1) != 36)
		return false;
	for (const char *p = s; p < sep; p++)
		if (!strchr("0123456789-:.TZ", *p))
			return false;
	for (const char *p = sep + 1; *p; p++)
		if (!strchr("0123456789abcdef-", *p))
			return false;
	*at = arena_sprintf(r->a, "%.*s", (int)(sep - s), s);
	*id = sep + 1;
	return true;
}

int page_admin_audit(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_AUDIT);
	const char *at, *id;
	if (!admin_audit_cursor(r, &at, &id))
		return 400;
	config_audit_row *rows;
	size_t n;
	if (config_audit_list(page_tx(r), ctx.org->id, at, id, ADMIN_AUDIT_PAGE + 1, &rows, &n) != 0)
		return page_db_failure(r);
	tv *v = admin_view(r, &ctx, ADMIN_AUDIT);
	admin_audit_entries(r, v, rows, n, admin_href(r, ctx.org, "/desk/admin/audit", NULL));
	return page_render(r, 200, "admin_audit", v);
}

void admin_audit_entries(req *r, tv *v, const config_audit_row *rows, size_t n, const char *base_href)
{
	arena *a = r->a;
	tv *list = tv_list(a);
	size_t shown = n > ADMIN_AUDIT_PAGE ? ADMIN_AUDIT_PAGE : n;
	for (size_t i = 0; i < shown; i++) {
		tv *e = tv_object(a);
		tv_set_str(a, e, "actor", rows[i].actor ? rows[i].actor : "The command line or a migration");
		tv_set_str(a, e, "entity", entity_label(rows[i].entity));
		tv_set_str(a, e, "entity_id", rows[i].entity_id);
		tv_set_str(a, e, "action", action_label(rows[i].action));
		if (rows[i].before)
			tv_set_str(a, e, "before", rows[i].before);
		if (rows[i].after)
			tv_set_str(a, e, "after", rows[i].after);
		if (rows[i].org_name)
			tv_set_str(a, e, "org_name", rows[i].org_name);
		page_set_time(r, e, "at", rows[i].created_epoch);
		tv_push(a, list, e);
	}
	tv_set(a, v, "entries", list);
	tv_set_bool(a, v, "has_entries", shown > 0);
	if (n > ADMIN_AUDIT_PAGE)
		tv_set_str(a, v, "next_href",
		    arena_sprintf(a, "%s%cafter=%s_%s", base_href, strchr(base_href, '?') ? '&' : '?',
		        rows[ADMIN_AUDIT_PAGE - 1].created_at, rows[ADMIN_AUDIT_PAGE - 1].id));
}

int admin_send_invite(req *r, const char *org_name, const char *user_id, const char *email, const char *name,
    bool as_admin)
{
	tv *v;
	int st = page_password_link_view(r, user_id, &v);
	if (st)
		return st;
	tv_set_str(r->a, v, "org_name", org_name);
	tv_set_bool(r->a, v, "as_admin", as_admin);
	tv_set_str(r->a, v, "forgot_link", arena_sprintf(r->a, "%s/password/forgot", r->app->cfg->base_url));
	return page_email(r, "member_invite", v, email, name && *name ? name : NULL, NULL, user_id, NULL);
}
