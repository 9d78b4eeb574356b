/* admin_categories.c: an organization's ticket categories (GET, POST
 * /desk/admin/categories), one category (GET, POST .../{id}), its place in
 * the order (POST .../{id}/move, dir=up|down: buttons, no script needed)
 * and its removal (POST .../{id}/delete: deactivated instead when tickets
 * name it). Every write leaves a config_audit row (trigger in 0023). */
#include <string.h>

#include "model/category.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define CATEGORIES_SHOWN 500

static const admin_notice notices[] = {
	{ "created", "The category is created." },
	{ "saved", "The category is saved." },
	{ "moved", "The order is saved." },
	{ "deleted", "The category is deleted." },
	{ "deactivated", "Tickets are filed under this category, so it is deactivated instead of deleted: "
	                 "the tickets keep it, new tickets cannot choose it." },
};

static bool slug_valid(const char *s)
{
	/* The table's rule: lowercase words joined by single hyphens. */
	if (!*s || *s == '-')
		return false;
	for (const char *p = s; *p; p++) {
		bool word = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (!word && !(*p == '-' && p[1] && p[1] != '-'))
			return false;
	}
	return true;
}

static bool color_valid(const char *s)
{
	if (strlen(s) != 7 || s[0] != '#')
		return false;
	for (int i = 1; i < 7; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static bool icon_valid(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* The posted category, checked; the fields stay as typed for the form. */
static void category_form(req *r, category_input *in, form_errors *errors)
{
	in->name = admin_text(r, "name", CATEGORY_NAME_MAX_CHARS, false, "The name", errors);
	in->slug = admin_text(r, "slug", CATEGORY_SLUG_MAX_CHARS, false, "The slug", errors);
	in->description = admin_text(r, "description", CATEGORY_DESCRIPTION_MAX_CHARS, true, "The description", errors);
	in->color = admin_text(r, "color", 7, false, "The colour", errors);
	in->icon = admin_text(r, "icon", CATEGORY_ICON_MAX_CHARS, false, "The icon", errors);
	in->is_active = admin_checked(r, "active");
	if (!in->name)
		in->name = "";
	if (!in->slug)
		in->slug = "";
	if (!in->description)
		in->description = "";
	if (!in->color)
		in->color = "";
	if (!in->icon)
		in->icon = "";
	if (!form_errors_get(errors, "name") && !*in->name)
		form_errors_add(r->a, errors, "name", "Enter a name for the category, like “Billing”.");
	if (!form_errors_get(errors, "slug")) {
		if (!*in->slug)
			form_errors_add(r->a, errors, "slug", "Enter a slug, like “billing” or “account-access”.");
		else if (!slug_valid(in->slug))
			form_errors_add(r->a, errors, "slug",
			    "The slug may have lowercase letters and digits, in words joined by single hyphens, like “account-access”.");
	}
	if (!form_errors_get(errors, "color") && *in->color && !color_valid(in->color))
		form_errors_add(r->a, errors, "color", "The colour must be # and six hexadecimal digits, like #3B82F6.");
	if (!form_errors_get(errors, "icon") && !icon_valid(in->icon))
		form_errors_add(r->a, errors, "icon",
		    "The icon is a name of lowercase letters, digits and hyphens, like “credit-card”.");
}

static void input_fields(req *r, tv *v, const category_input *in, const form_errors *errors)
{
	admin_field(r, v, "name", in->name, errors);
	admin_field(r, v, "slug", in->slug, errors);
	admin_field(r, v, "description", in->description, errors);
	admin_field(r, v, "color", in->color, errors);
	admin_field(r, v, "icon", in->icon, errors);
	tv_set_bool(r->a, v, "active", in->is_active);
}

/* ---- the list ---- */

static int categories_page(req *r, int status, const admin_ctx *ctx, const category_input *in,
    const form_errors *errors)
{
	category *list;
	size_t n;
	if (category_list(page_tx(r), ctx->org->id, CATEGORIES_SHOWN + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_CATEGORIES);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	size_t shown = n > CATEGORIES_SHOWN ? CATEGORIES_SHOWN : n;
	tv *items = tv_list(a);
	for (size_t i = 0; i < shown; i++) {
		tv *c = tv_object(a);
		const char *base = arena_sprintf(a, "/desk/admin/categories/%s", list[i].id);
		tv_set_str(a, c, "id", list[i].id);
		tv_set_str(a, c, "name", list[i].name);
		tv_set_str(a, c, "slug", list[i].slug);
		admin_set_opt(a, c, "color", list[i].color);
		admin_set_opt(a, c, "icon", list[i].icon);
		tv_set_bool(a, c, "is_active", list[i].is_active);
		tv_set_str(a, c, "tickets", list[i].tickets > 1000 ? "1000+" : arena_sprintf(a, "%ld", list[i].tickets));
		tv_set_str(a, c, "href", admin_href(r, ctx->org, base, NULL));
		tv_set_str(a, c, "move_action", arena_sprintf(a, "%s/move", base));
		tv_set_bool(a, c, "can_up", i > 0);
		tv_set_bool(a, c, "can_down", i + 1 < n);
		tv_push(a, items, c);
	}
	tv_set(a, v, "categories", items);
	tv_set_bool(a, v, "has_categories", n > 0);
	tv_set_bool(a, v, "more_categories", n > CATEGORIES_SHOWN);
	category_input none = { .is_active = true };
	input_fields(r, v, in ? in : &none, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_categories", v);
}

int page_admin_categories(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_CATEGORIES);
	form_errors none = { 0 };
	return categories_page(r, 200, &ctx, NULL, &none);
}

static const char *const slug_taken = "Another category of the organization has this slug. Choose another one.";

int page_admin_category_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	category_input in;
	category_form(r, &in, &errors);
	if (errors.len)
		return categories_page(r, 422, &ctx, &in, &errors);
	const char *id;
	int rc = category_create(page_tx(r), ctx.org->id, &in, &id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, "slug", slug_taken);
		return categories_page(r, 422, &ctx, &in, &errors);
	}
	return admin_redirect(r, ctx.org, "/desk/admin/categories", "created");
}

/* ---- one category ---- */

static int load_category(req *r, const admin_ctx *ctx, category *c)
{
	int found = category_get(page_tx(r), ctx->org->id, admin_route_id(r), c);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int category_page(req *r, int status, const admin_ctx *ctx, const category *c, const category_input *in,
    const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_CATEGORIES);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	const char *base = arena_sprintf(a, "/desk/admin/categories/%s", c->id);
	tv *cv = tv_object(a);
	tv_set_str(a, cv, "name", c->name);
	tv_set_bool(a, cv, "is_active", c->is_active);
	tv_set_str(a, cv, "action", base);
	tv_set_str(a, cv, "delete_action", arena_sprintf(a, "%s/delete", base));
	tv_set_bool(a, cv, "in_use", c->tickets > 0);
	tv_set_str(a, cv, "tickets", c->tickets > 1000 ? "more than 1000" : arena_sprintf(a, "%ld", c->tickets));
	tv_set(a, v, "category", cv);
	tv_set_str(a, v, "categories_href", admin_href(r, ctx->org, "/desk/admin/categories", NULL));
	category_input current = { c->name, c->slug, c->description, c->color, c->icon, c->is_active };
	input_fields(r, v, in ? in : &current, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_category", v);
}

int page_admin_category(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	category c;
	if ((st = load_category(r, &ctx, &c)))
		return st;
	form_errors none = { 0 };
	return category_page(r, 200, &ctx, &c, NULL, &none);
}

int page_admin_category_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	category c;
	if ((st = load_category(r, &ctx, &c)))
		return st;
	form_errors errors = { 0 };
	category_input in;
	category_form(r, &in, &errors);
	if (errors.len)
		return category_page(r, 422, &ctx, &c, &in, &errors);
	bool found;
	int rc = category_update(page_tx(r), ctx.org->id, c.id, &in, &found);
	if (rc < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	if (rc == 0) {
		form_errors_add(r->a, &errors, "slug", slug_taken);
		return category_page(r, 422, &ctx, &c, &in, &errors);
	}
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/categories/%s", c.id), "saved");
}

int page_admin_category_move(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	bool up;
	if (!admin_direction(r, &up))
		return 400;
	category c;
	if ((st = load_category(r, &ctx, &c)))
		return st;
	/* First moved up, or last down: nothing to do, and the list as it is. */
	if (category_move(page_tx(r), ctx.org->id, c.id, up) < 0)
		return page_db_failure(r);
	return admin_redirect(r, ctx.org, "/desk/admin/categories", "moved");
}

int page_admin_category_delete(req *r)
{
	return admin_remove(r, category_remove, "/desk/admin/categories");
}
