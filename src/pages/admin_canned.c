/* admin_canned.c: an organization's canned responses (GET, POST
 * /desk/admin/canned), one of them (GET, POST .../{id}) and its removal
 * (POST .../{id}/delete). The shortcut is checked as the workspace reads a
 * /shortcut token (desk_ticket.c: lowercase letters, digits, '-' and '_',
 * at most 48). Every write leaves a config_audit row (trigger in 0023). */
#include <string.h>

#include "model/canned.h"
#include "model/category.h"
#include "model/team.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define CANNED_PAGE 100
#define OPTIONS_SHOWN 500

static const admin_notice notices[] = {
	{ "created", "The canned response is created." },
	{ "saved", "The canned response is saved." },
	{ "deleted", "The canned response is deleted." },
};

static bool shortcut_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CANNED_SHORTCUT_MAX_CHARS || s[0] == '-' || s[0] == '_')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

/* "a, b ,c" into "a,b,c", each tag checked; NULL after adding a message. */
static const char *tags_csv(req *r, const char *typed, form_errors *errors)
{
	buf b;
	buf_init(&b, r->a, 64);
	int count = 0;
	const char *p = typed;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		str tag = form_trim((str){ p, len });
		if (tag.len) {
			if (form_chars(tag) > CANNED_TAG_MAX_CHARS) {
				form_errors_add(r->a, errors, "tags",
				    arena_sprintf(r->a, "Each tag can be at most %d characters.", CANNED_TAG_MAX_CHARS));
				return NULL;
			}
			if (++count > CANNED_TAGS_MAX) {
				form_errors_add(r->a, errors, "tags",
				    arena_sprintf(r->a, "At most %d tags, separated by commas.", CANNED_TAGS_MAX));
				return NULL;
			}
			if (b.len)
				buf_putc(&b, ',');
			buf_put_str(&b, tag);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return b.len ? b.data : "";
}

typedef struct {
	canned_input in;
	const char *tags;     /* as typed */
} canned_form;

static void canned_posted(req *r, canned_form *f, form_errors *errors)
{
	canned_input *in = &f->in;
	in->title = admin_text(r, "title", CANNED_TITLE_MAX_CHARS, false, "The title", errors);
	in->shortcut = admin_text(r, "shortcut", CANNED_SHORTCUT_MAX_CHARS + 1, false, "The shortcut", errors);
	in->content = admin_text(r, "content", CANNED_CONTENT_MAX_BYTES, true, "The text", errors);
	f->tags = admin_text(r, "tags", 2000, false, "The tags", errors);
	in->category_id = str_dup(r->a, req_form_get(r, "category"));
	in->team_id = str_dup(r->a, req_form_get(r, "team"));
	in->is_public = !str_eq_cstr(req_form_get(r, "visibility"), "personal");
	in->is_active = admin_checked(r, "active");
	if (!in->title)
		in->title = "";
	if (!in->shortcut)
		in->shortcut = "";
	if (!in->content)
		in->content = "";
	if (!f->tags)
		f->tags = "";
	if (!form_errors_get(errors, "title") && !*in->title)
		form_errors_add(r->a, errors, "title", "Enter a title, like “Password reset steps”.");
	if (in->shortcut[0] == '/')
		in->shortcut++; /* agents type the '/': it is not part of the shortcut */
	if (!form_errors_get(errors, "shortcut") && *in->shortcut && !shortcut_valid(in->shortcut))
		form_errors_add(r->a, errors, "shortcut",
		    arena_sprintf(r->a, "The shortcut may have lowercase letters, digits, “-” and “_”, at most %d, "
		                        "starting with a letter or digit, like “reset-password”.", CANNED_SHORTCUT_MAX_CHARS));
	if (!form_errors_get(errors, "content") && !*in->content)
		form_errors_add(r->a, errors, "content", "Enter the text the response inserts.");
	in->tags_csv = form_errors_get(errors, "tags") ? "" : tags_csv(r, f->tags, errors);
	if (!in->tags_csv)
		in->tags_csv = "";
}

/* The form: fields, the category and team menus, public or personal. */
static int form_view(req *r, tv *v, const admin_ctx *ctx, const canned_form *f, const form_errors *errors)
{
	arena *a = r->a;
	category *cats;
	team *teams;
	size_t nc, nt;
	if (category_options(page_tx(r), ctx->org->id, OPTIONS_SHOWN, &cats, &nc) != 0 ||
	    team_list(page_tx(r), ctx->org->id, OPTIONS_SHOWN, &teams, &nt) != 0)
		return -1;
	admin_field(r, v, "title", f->in.title, errors);
	admin_field(r, v, "shortcut", f->in.shortcut, errors);
	admin_field(r, v, "content", f->in.content, errors);
	admin_field(r, v, "tags", f->tags, errors);
	admin_field(r, v, "category", NULL, errors);
	admin_field(r, v, "team", NULL, errors);
	tv *cl = tv_list(a);
	for (size_t i = 0; i < nc; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", cats[i].id);
		tv_set_str(a, o, "name", cats[i].name);
		tv_set_bool(a, o, "selected", strcmp(cats[i].id, f->in.category_id) == 0);
		tv_push(a, cl, o);
	}
	tv_set(a, v, "category_options", cl);
	tv *tl = tv_list(a);
	for (size_t i = 0; i < nt; i++) {
		if (!teams[i].is_active && strcmp(teams[i].id, f->in.team_id) != 0)
			continue;
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", teams[i].id);
		tv_set_str(a, o, "name", teams[i].name);
		tv_set_bool(a, o, "selected", strcmp(teams[i].id, f->in.team_id) == 0);
		tv_push(a, tl, o);
	}
	tv_set(a, v, "team_options", tl);
	tv_set_bool(a, v, "is_public", f->in.is_public);
	tv_set_bool(a, v, "active", f->in.is_active);
	admin_summary(r, v, errors);
	return 0;
}

/* The refusal of a save as a message by its field; false when saved. */
static bool refused(req *r, canned_outcome out, form_errors *errors)
{
	switch (out) {
	case CANNED_SAVED:
	case CANNED_NOT_FOUND:
		return false;
	case CANNED_SHORTCUT_TAKEN:
		form_errors_add(r->a, errors, "shortcut",
		    "Another canned response of the organization has this shortcut. Choose another one.");
		break;
	case CANNED_BAD_CATEGORY:
		form_errors_add(r->a, errors, "category", "Choose one of the categories listed.");
		break;
	case CANNED_BAD_TEAM:
		form_errors_add(r->a, errors, "team", "Choose one of the organization's teams.");
		break;
	}
	return true;
}

/* ---- the list ---- */

static int list_page(req *r, int status, const admin_ctx *ctx, const canned_form *f, const form_errors *errors)
{
	str after_s = req_query_get(r, "after");
	const char *after = after_s.len ? str_dup(r->a, after_s) : NULL;
	if (after && !str_is_uuid(after_s))
		return 400;
	canned *list;
	size_t n;
	if (canned_list(page_tx(r), ctx->org->id, after, CANNED_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_CANNED);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	size_t shown = n > CANNED_PAGE ? CANNED_PAGE : n;
	tv *items = tv_list(a);
	for (size_t i = 0; i < shown; i++) {
		tv *c = tv_object(a);
		tv_set_str(a, c, "title", list[i].title);
		admin_set_opt(a, c, "shortcut", list[i].shortcut);
		admin_set_opt(a, c, "category", list[i].category_name);
		admin_set_opt(a, c, "tags", list[i].tags);
		admin_set_opt(a, c, "team", list[i].team_name);
		tv_set_bool(a, c, "is_public", list[i].is_public);
		tv_set_bool(a, c, "is_active", list[i].is_active);
		admin_set_opt(a, c, "author", list[i].author);
		tv_set_int(a, c, "uses", list[i].usage_count);
		tv_set_str(a, c, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/canned/%s", list[i].id), NULL));
		tv_push(a, items, c);
	}
	tv_set(a, v, "responses", items);
	tv_set_bool(a, v, "has_responses", shown > 0);
	if (n > CANNED_PAGE)
		tv_set_str(a, v, "next_href",
		    arena_sprintf(a, "%s&after=%s", admin_href(r, ctx->org, "/desk/admin/canned", NULL), list[CANNED_PAGE - 1].id));
	if (after)
		tv_set_str(a, v, "first_href", admin_href(r, ctx->org, "/desk/admin/canned", NULL));
	canned_form none = { { "", "", "", "", "", "", true, true }, "" };
	if (form_view(r, v, ctx, f ? f : &none, errors) != 0)
		return page_db_failure(r);
	return page_render(r, status, "admin_canned_list", v);
}

int page_admin_canned_list(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_CANNED);
	form_errors none = { 0 };
	return list_page(r, 200, &ctx, NULL, &none);
}

int page_admin_canned_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	canned_form f;
	canned_posted(r, &f, &errors);
	if (errors.len)
		return list_page(r, 422, &ctx, &f, &errors);
	canned_outcome out;
	const char *id;
	if (canned_save(page_tx(r), ctx.org->id, NULL, &f.in, &out, &id) != 0)
		return page_db_failure(r);
	if (refused(r, out, &errors))
		return list_page(r, 422, &ctx, &f, &errors);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/canned/%s", id), "created");
}

/* ---- one response ---- */

static int load_canned(req *r, const admin_ctx *ctx, canned *c)
{
	int found = canned_get(page_tx(r), ctx->org->id, admin_route_id(r), c);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int canned_page(req *r, int status, const admin_ctx *ctx, const canned *c, const canned_form *f,
    const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_CANNED);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	const char *base = arena_sprintf(a, "/desk/admin/canned/%s", c->id);
	tv *cv = tv_object(a);
	tv_set_str(a, cv, "title", c->title);
	tv_set_str(a, cv, "action", base);
	tv_set_str(a, cv, "delete_action", arena_sprintf(a, "%s/delete", base));
	admin_set_opt(a, cv, "author", c->author);
	tv_set_int(a, cv, "uses", c->usage_count);
	tv_set(a, v, "response", cv);
	tv_set_str(a, v, "canned_href", admin_href(r, ctx->org, "/desk/admin/canned", NULL));
	canned_form current = { { c->title, c->shortcut, c->content, c->category_id, c->team_id, "", c->is_public,
		                        c->is_active },
		c->tags };
	if (form_view(r, v, ctx, f ? f : &current, errors) != 0)
		return page_db_failure(r);
	return page_render(r, status, "admin_canned", v);
}

int page_admin_canned(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	canned c;
	if ((st = load_canned(r, &ctx, &c)))
		return st;
	form_errors none = { 0 };
	return canned_page(r, 200, &ctx, &c, NULL, &none);
}

int page_admin_canned_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	canned c;
	if ((st = load_canned(r, &ctx, &c)))
		return st;
	form_errors errors = { 0 };
	canned_form f;
	canned_posted(r, &f, &errors);
	if (errors.len)
		return canned_page(r, 422, &ctx, &c, &f, &errors);
	canned_outcome out;
	const char *id;
	if (canned_save(page_tx(r), ctx.org->id, c.id, &f.in, &out, &id) != 0)
		return page_db_failure(r);
	if (out == CANNED_NOT_FOUND)
		return 404;
	if (refused(r, out, &errors))
		return canned_page(r, 422, &ctx, &c, &f, &errors);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/canned/%s", c.id), "saved");
}

int page_admin_canned_delete(req *r)
{
	return admin_remove(r, canned_delete, "/desk/admin/canned"); /* never deactivates: nothing refers to one */
}
