/* kb_desk.c: the staff's knowledge base at /desk/kb: the owner's articles
 * (keyset pages), a new article, an article's editing with a preview that
 * saves nothing, publish/archive, its versions compared with a line diff
 * and restored (a new version), and the categories (create, rename, nest,
 * delete unless used).
 *
 * The owner is the `org` parameter (a slug: the platform's own slug means
 * the platform's help center) among those the user edits, else the first
 * of them. An article or a category is found by id among what the user
 * edits (row-level security and kb_is_editor), and its owner is its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/linediff.h"
#include "core/log.h"
#include "core/markdown.h"
#include "kv/kb_views.h"
#include "model/kb.h"
#include "pages/admin.h"
#include "pages/kb.h"
#include "pages/pages.h"

#define DESK_KB_PAGE 25
#define VERSIONS_SHOWN 50
#define COMMENTS_SHOWN 50

static const admin_notice notices[] = {
	{ "created", "The article is saved as a draft (version 1)." },
	{ "saved", "The article is saved as a new version." },
	{ "restored", "The version is restored as a new version." },
	{ "published", "The article is published." },
	{ "archived", "The article is archived: readers no longer find it." },
	{ "draft", "The article is a draft again: readers no longer find it." },
	{ "category_created", "The category is created." },
	{ "category_saved", "The category is saved." },
	{ "category_deleted", "The category is deleted." },
};

typedef struct {
	kb_owner *owners;
	size_t nowners;
	const kb_owner *owner;
} kb_ctx;

/* The owner of the request: `org` (query or form) among the user's, else
 * the first. 404 when the user edits none or names another. */
static int begin(req *r, kb_ctx *c)
{
	if (kb_editor_owners(page_tx(r), &c->owners, &c->nowners) != 0)
		return page_db_failure(r);
	if (c->nowners == 0)
		return 404;
	str org = req_query_get(r, "org");
	if (!org.len)
		org = req_form_get(r, "org");
	c->owner = org.len ? NULL : &c->owners[0];
	for (size_t i = 0; i < c->nowners && !c->owner; i++)
		if (str_eq_cstr(org, c->owners[i].slug))
			c->owner = &c->owners[i];
	return c->owner ? 0 : 404;
}

/* The same for an article's or a category's own owner id. */
static int begin_for(req *r, kb_ctx *c, const char *owner_id)
{
	if (kb_editor_owners(page_tx(r), &c->owners, &c->nowners) != 0)
		return page_db_failure(r);
	c->owner = NULL;
	for (size_t i = 0; i < c->nowners && !c->owner; i++) {
		const char *id = c->owners[i].id;
		if ((!id && !owner_id) || (id && owner_id && strcmp(id, owner_id) == 0))
			c->owner = &c->owners[i];
	}
	return c->owner ? 0 : 404;
}

static const char *href(req *r, const kb_ctx *c, const char *path, const char *done)
{
	const char *sep = strchr(path, '?') ? "&" : "?";
	return done ? arena_sprintf(r->a, "%s%sorg=%s&done=%s", path, sep, c->owner->slug, done)
	            : arena_sprintf(r->a, "%s%sorg=%s", path, sep, c->owner->slug);
}

/* After every write: the public pages cached by the workers (kb.c) are
 * of an older generation from now on. Without Redis they expire by
 * themselves within seconds. */
static int redirect(req *r, const kb_ctx *c, const char *path, const char *done)
{
	if (kb_pages_bump(r->app->kv) != KV_OK)
		log_warn("kb page generation not bumped", "rid=%s", r->request_id);
	kb_page_cache_forget();
	resp_redirect(r, 303, href(r, c, path, done));
	return 0;
}

/* The page's view: the staff header, the owner chooser, the section. */
static tv *desk_view(req *r, const kb_ctx *c, const char *section)
{
	tv *v = page_view(r);
	arena *a = r->a;
	tv_set_str(a, v, "org_slug", c->owner->slug);
	tv_set_str(a, v, "owner_name", c->owner->name);
	tv_set_bool(a, v, arena_sprintf(a, "section_%s", section), true);
	tv_set_str(a, v, "articles_href", href(r, c, "/desk/kb", NULL));
	tv_set_str(a, v, "categories_href", href(r, c, "/desk/kb/categories", NULL));
	tv_set_str(a, v, "new_href", href(r, c, "/desk/kb/new", NULL));
	if (c->nowners > 1) {
		tv *list = tv_list(a);
		for (size_t i = 0; i < c->nowners; i++) {
			tv *o = tv_object(a);
			tv_set_str(a, o, "slug", c->owners[i].slug);
			tv_set_str(a, o, "name", c->owners[i].name);
			tv_set_bool(a, o, "selected", &c->owners[i] == c->owner);
			tv_push(a, list, o);
		}
		tv_set(a, v, "owners", list);
		tv_set_bool(a, v, "has_owner_choice", true);
	}
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	return v;
}

static const char *status_label(const char *s)
{
	return strcmp(s, "published") == 0 ? "Published" : strcmp(s, "archived") == 0 ? "Archived" : "Draft";
}

/* "73%" of the votes, or "no votes yet". */
static const char *helpful_pct(req *r, const kb_article *a)
{
	long long votes = a->helpful + a->unhelpful;
	if (votes == 0)
		return "no votes yet";
	return arena_sprintf(r->a, "%lld%% of %lld", (a->helpful * 100 + votes / 2) / votes, votes);
}

static void article_stats(req *r, tv *o, const kb_article *a)
{
	tv_set_int(r->a, o, "views", a->views);
	tv_set_str(r->a, o, "helpful_pct", helpful_pct(r, a));
	tv_set_int(r->a, o, "suggest_opens", a->suggest_opens);
	/* Opened from the form's suggestions and then no submission from
	 * that browser: the visitors the article answered. */
	tv_set_int(r->a, o, "deflected", a->suggest_opens - a->suggest_submits);
}

/* ---- GET /desk/kb ---- */

int page_kb_desk(req *r)
{
	kb_ctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	str status = req_query_get(r, "status");
	const char *status_s = NULL;
	if (status.len) {
		if (!str_eq_cstr(status, "draft") && !str_eq_cstr(status, "published") && !str_eq_cstr(status, "archived"))
			return 400;
		status_s = str_dup(r->a, status);
	}
	/* after=<updated microseconds>.<id> of the previous page's last row. */
	long long after_us = 0;
	const char *after_id = NULL;
	str after = req_query_get(r, "after");
	if (after.len) {
		const char *s = str_dup(r->a, after);
		char *dot = strchr(s, '.');
		char *end;
		if (!dot)
			return 400;
		*dot = '\0';
		after_us = strtoll(s, &end, 10);
		if (end == s || *end || after_us <= 0 || !str_is_uuid(str_from_cstr(dot + 1)))
			return 400;
		after_id = dot + 1;
	}
	kb_article *list;
	size_t n;
	if (kb_desk_list(page_tx(r), c.owner->id, status_s, after_us, after_id, DESK_KB_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	tv *v = desk_view(r, &c, "articles");
	arena *a = r->a;
	size_t shown = n > DESK_KB_PAGE ? DESK_KB_PAGE : n;
	tv *items = tv_list(a);
	for (size_t i = 0; i < shown; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "title", list[i].title);
		tv_set_str(a, o, "href", arena_sprintf(a, "/desk/kb/articles/%s", list[i].id));
		tv_set_str(a, o, "status", status_label(list[i].status));
		tv_set_str(a, o, "slug", list[i].slug);
		page_set_time(r, o, "updated", list[i].updated_at);
		article_stats(r, o, &list[i]);
		tv_push(a, items, o);
	}
	tv_set(a, v, "articles", items);
	tv_set_bool(a, v, "has_articles", shown > 0);
	static const char *const statuses[] = { "draft", "published", "archived" };
	tv *filters = tv_list(a);
	tv *all = tv_object(a);
	tv_set_str(a, all, "label", "All");
	tv_set_str(a, all, "href", href(r, &c, "/desk/kb", NULL));
	tv_set_bool(a, all, "current", !status_s);
	tv_push(a, filters, all);
	for (int i = 0; i < 3; i++) {
		tv *f = tv_object(a);
		tv_set_str(a, f, "label", status_label(statuses[i]));
		tv_set_str(a, f, "href", href(r, &c, arena_sprintf(a, "/desk/kb?status=%s", statuses[i]), NULL));
		tv_set_bool(a, f, "current", status_s && strcmp(status_s, statuses[i]) == 0);
		tv_push(a, filters, f);
	}
	tv_set(a, v, "filters", filters);
	if (n > DESK_KB_PAGE) {
		const kb_article *last = &list[shown - 1];
		const char *path = arena_sprintf(a, "/desk/kb?%s%s%safter=%lld.%s", status_s ? "status=" : "",
		    status_s ? status_s : "", status_s ? "&" : "", last->updated_us, last->id);
		tv_set_str(a, v, "next_href", href(r, &c, path, NULL));
	}
	return page_render(r, 200, "kb_desk", v);
}

/* ---- the article form ---- */

typedef struct {
	const char *category_id; /* "" for none */
	const char *slug, *title, *content;
} article_form;

static void read_form(req *r, article_form *f, form_errors *errors)
{
	f->title = admin_text(r, "title", KB_TITLE_MAX_CHARS, false, "The title", errors);
	f->slug = admin_text(r, "slug", KB_SLUG_MAX_CHARS, false, "The slug", errors);
	f->content = admin_text(r, "content", KB_CONTENT_MAX_CHARS, true, "The article", errors);
	f->category_id = admin_text(r, "category", 36, false, "The category", errors);
	if (!f->title)
		f->title = "";
	if (!f->slug)
		f->slug = "";
	if (!f->content)
		f->content = "";
	if (!f->category_id)
		f->category_id = "";
	if (!form_errors_get(errors, "title") && !*f->title)
		form_errors_add(r->a, errors, "title", "Enter a title, like “Resetting your password”.");
	if (!form_errors_get(errors, "slug")) {
		if (!*f->slug)
			form_errors_add(r->a, errors, "slug", "Enter a slug for the address, like “reset-password”.");
		else if (!kb_slug_valid(f->slug, KB_SLUG_MAX_CHARS))
			form_errors_add(r->a, errors, "slug",
			    "The slug may have lowercase letters and digits, in words joined by single hyphens, like “reset-password”.");
	}
	if (!form_errors_get(errors, "content") && !*f->content)
		form_errors_add(r->a, errors, "content", "Write the article (Markdown).");
	if (!form_errors_get(errors, "category") && *f->category_id && !str_is_uuid(str_from_cstr(f->category_id)))
		form_errors_add(r->a, errors, "category", "Choose a category from the list.");
}

/* The category options of the owner, the chosen one selected; false when
 * chosen is set and not among them. */
static bool category_options(req *r, tv *v, const kb_ctx *c, const char *chosen, int *failed)
{
	kb_category *cats;
	size_t n;
	*failed = 0;
	if (kb_category_tree(page_tx(r), c->owner->id, &cats, &n) != 0) {
		*failed = page_db_failure(r);
		return false;
	}
	bool found = !chosen || !*chosen;
	tv *list = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "id", cats[i].id);
		char indent[40] = "";
		for (int d = 0; d < cats[i].depth && d < 8; d++)
			strcat(indent, "— ");
		tv_set_str(r->a, o, "label", arena_sprintf(r->a, "%s%s", indent, cats[i].name));
		bool sel = chosen && strcmp(chosen, cats[i].id) == 0;
		found |= sel;
		tv_set_bool(r->a, o, "selected", sel);
		tv_push(r->a, list, o);
	}
	tv_set(r->a, v, "category_options", list);
	return found;
}

static int article_page(req *r, int status, const kb_ctx *c, const kb_article *art, const article_form *f,
    const form_errors *errors, bool preview)
{
	tv *v = desk_view(r, c, "articles");
	arena *a = r->a;
	int failed;
	category_options(r, v, c, f->category_id, &failed);
	if (failed)
		return failed;
	admin_field(r, v, "title", f->title, errors);
	admin_field(r, v, "slug", f->slug, errors);
	admin_field(r, v, "content", f->content, errors);
	const char *cat_err = form_errors_get(errors, "category");
	if (cat_err)
		tv_set_str(a, v, "category_error", cat_err);
	admin_summary(r, v, errors);
	if (preview) {
		/* The sanitising renderer's output (core/markdown.c), the same a
		 * save stores: shown with triple mustache for that reason only. */
		tv_set_str(a, v, "preview_html", markdown_render(a, f->content, strlen(f->content)));
		tv_set_bool(a, v, "preview", true);
	}
	if (!art) {
		tv_set_str(a, v, "action", "/desk/kb/new");
		tv_set_bool(a, v, "is_new", true);
		return page_render(r, status, "kb_desk_article", v);
	}
	const char *base = arena_sprintf(a, "/desk/kb/articles/%s", art->id);
	tv *o = tv_object(a);
	tv_set_str(a, o, "title", art->title);
	tv_set_str(a, o, "status", status_label(art->status));
	tv_set_bool(a, o, "is_published", strcmp(art->status, "published") == 0);
	tv_set_bool(a, o, "is_archived", strcmp(art->status, "archived") == 0);
	tv_set_bool(a, o, "is_draft", strcmp(art->status, "draft") == 0);
	tv_set_str(a, o, "public_href", arena_sprintf(a, "/kb/articles/%s", art->slug));
	tv_set_str(a, o, "status_action", arena_sprintf(a, "%s/status", base));
	tv_set_str(a, o, "restore_action", arena_sprintf(a, "%s/restore", base));
	tv_set_str(a, o, "compare_action", arena_sprintf(a, "%s/compare", base));
	tv_set_str(a, o, "author", art->author_name);
	tv_set_int(a, o, "version", art->version_count);
	page_set_time(r, o, "updated", art->updated_at);
	article_stats(r, o, art);
	tv_set(a, v, "article", o);
	tv_set_str(a, v, "action", base);

	kb_version *vers;
	size_t nv;
	kb_feedback *fb;
	size_t nf;
	if (kb_versions(page_tx(r), art->id, VERSIONS_SHOWN, &vers, &nv) != 0 ||
	    kb_feedback_comments(page_tx(r), art->id, COMMENTS_SHOWN, &fb, &nf) != 0)
		return page_db_failure(r);
	tv *vl = tv_list(a);
	for (size_t i = 0; i < nv; i++) {
		tv *x = tv_object(a);
		tv_set_int(a, x, "no", vers[i].no);
		tv_set_str(a, x, "title", vers[i].title);
		tv_set_str(a, x, "author", vers[i].author_name);
		page_set_time(r, x, "created", vers[i].created_at);
		if (vers[i].restored_from)
			tv_set_int(a, x, "restored_from", vers[i].restored_from);
		tv_set_bool(a, x, "is_current", vers[i].no == art->version_count);
		tv_set_str(a, x, "compare_href", arena_sprintf(a, "%s/compare?from=%d&to=%ld", base, vers[i].no,
		    art->version_count));
		tv_push(a, vl, x);
	}
	tv_set(a, v, "versions", vl);
	tv_set_bool(a, v, "has_compare", nv > 1);
	tv *cl = tv_list(a);
	for (size_t i = 0; i < nf; i++) {
		tv *x = tv_object(a);
		tv_set_bool(a, x, "helpful", fb[i].helpful);
		tv_set_str(a, x, "comment", fb[i].comment);
		page_set_time(r, x, "created", fb[i].created_at);
		tv_push(a, cl, x);
	}
	tv_set(a, v, "comments", cl);
	tv_set_bool(a, v, "has_comments", nf > 0);
	return page_render(r, status, "kb_desk_article", v);
}

int page_kb_desk_new(req *r)
{
	kb_ctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	article_form f = { "", "", "", "" };
	form_errors none = { 0 };
	return article_page(r, 200, &c, NULL, &f, &none, false);
}

/* Checks what the form alone cannot: that the category is the owner's. */
static int check_category(req *r, const kb_ctx *c, article_form *f, form_errors *errors)
{
	if (!*f->category_id || form_errors_get(errors, "category"))
		return 0;
	kb_category cat;
	int found = kb_category_get(page_tx(r), f->category_id, &cat);
	if (found < 0)
		return page_db_failure(r);
	bool same = found && ((!cat.owner_id && !c->owner->id) ||
	                      (cat.owner_id && c->owner->id && strcmp(cat.owner_id, c->owner->id) == 0));
	if (!same)
		form_errors_add(r->a, errors, "category", "Choose a category from the list.");
	return 0;
}

static bool wants_preview(req *r)
{
	return str_eq_cstr(req_form_get(r, "action"), "preview");
}

static const char *const slug_taken = "Another article has this slug. Choose another one.";

int page_kb_desk_create(req *r)
{
	kb_ctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	form_errors errors = { 0 };
	article_form f;
	read_form(r, &f, &errors);
	if ((st = check_category(r, &c, &f, &errors)))
		return st;
	if (wants_preview(r))
		return article_page(r, errors.len ? 422 : 200, &c, NULL, &f, &errors, !form_errors_get(&errors, "content"));
	if (errors.len)
		return article_page(r, 422, &c, NULL, &f, &errors, false);
	kb_article_input in = { *f.category_id ? f.category_id : NULL, f.slug, f.title, f.content,
		markdown_render(r->a, f.content, strlen(f.content)) };
	const char *id;
	int rc = kb_article_create(page_tx(r), c.owner->id, &in, &id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, "slug", slug_taken);
		return article_page(r, 422, &c, NULL, &f, &errors, false);
	}
	return redirect(r, &c, arena_sprintf(r->a, "/desk/kb/articles/%s", id), "created");
}

/* The article of the route (one the user edits) and its owner. */
static int load_article(req *r, kb_ctx *c, kb_article *art)
{
	int found = kb_desk_article(page_tx(r), str_dup(r->a, req_route_get(r, "id")), art);
	if (found < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	return begin_for(r, c, art->owner_id);
}

int page_kb_desk_article(req *r)
{
	kb_ctx c;
	kb_article art;
	int st = load_article(r, &c, &art);
	if (st)
		return st;
	article_form f = { art.category_id ? art.category_id : "", art.slug, art.title, art.content };
	form_errors none = { 0 };
	return article_page(r, 200, &c, &art, &f, &none, false);
}

int page_kb_desk_save(req *r)
{
	kb_ctx c;
	kb_article art;
	int st = load_article(r, &c, &art);
	if (st)
		return st;
	form_errors errors = { 0 };
	article_form f;
	read_form(r, &f, &errors);
	if ((st = check_category(r, &c, &f, &errors)))
		return st;
	if (wants_preview(r))
		return article_page(r, errors.len ? 422 : 200, &c, &art, &f, &errors, !form_errors_get(&errors, "content"));
	if (errors.len)
		return article_page(r, 422, &c, &art, &f, &errors, false);
	kb_article_input in = { *f.category_id ? f.category_id : NULL, f.slug, f.title, f.content,
		markdown_render(r->a, f.content, strlen(f.content)) };
	int version;
	int rc = kb_article_update(page_tx(r), art.id, &in, 0, &version);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, "slug", slug_taken);
		return article_page(r, 422, &c, &art, &f, &errors, false);
	}
	return redirect(r, &c, arena_sprintf(r->a, "/desk/kb/articles/%s", art.id), "saved");
}

int page_kb_desk_status(req *r)
{
	kb_ctx c;
	kb_article art;
	int st = load_article(r, &c, &art);
	if (st)
		return st;
	str s = req_form_get(r, "status");
	const char *status = str_eq_cstr(s, "published") ? "published"
	                   : str_eq_cstr(s, "archived")  ? "archived"
	                   : str_eq_cstr(s, "draft")     ? "draft" : NULL;
	if (!status)
		return 400;
	int rc = kb_article_set_status(page_tx(r), art.id, status);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return redirect(r, &c, arena_sprintf(r->a, "/desk/kb/articles/%s", art.id), status);
}

/* A version number from the query or the form: 1..current, else 0. */
static int version_param(str s, long current)
{
	if (!s.len || s.len > 9)
		return 0;
	long v = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return 0;
		v = v * 10 + (s.ptr[i] - '0');
	}
	return v >= 1 && v <= current ? (int)v : 0;
}

int page_kb_desk_compare(req *r)
{
	kb_ctx c;
	kb_article art;
	int st = load_article(r, &c, &art);
	if (st)
		return st;
	int from = version_param(req_query_get(r, "from"), art.version_count);
	str to_s = req_query_get(r, "to");
	int to = to_s.len ? version_param(to_s, art.version_count) : (int)art.version_count;
	if (!from || !to)
		return 400;
	kb_version vf, vt;
	int f1 = kb_version_get(page_tx(r), art.id, from, &vf);
	int f2 = kb_version_get(page_tx(r), art.id, to, &vt);
	if (f1 < 0 || f2 < 0)
		return page_db_failure(r);
	if (!f1 || !f2)
		return 404;
	arena *a = r->a;
	/* The title is compared as a line above the text. */
	const char *old_text = arena_sprintf(a, "# %s\n\n%s", vf.title, vf.content);
	const char *new_text = arena_sprintf(a, "# %s\n\n%s", vt.title, vt.content);
	linediff_line *d;
	size_t n = linediff(a, old_text, strlen(old_text), new_text, strlen(new_text), &d);
	tv *v = desk_view(r, &c, "articles");
	tv *lines = tv_list(a);
	long added = 0, removed = 0;
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(a);
		tv_set_strn(a, o, "text", d[i].text, d[i].len);
		tv_set_bool(a, o, "del", d[i].op == LINEDIFF_DEL);
		tv_set_bool(a, o, "add", d[i].op == LINEDIFF_ADD);
		if (d[i].old_no)
			tv_set_int(a, o, "old_no", (long long)d[i].old_no);
		if (d[i].new_no)
			tv_set_int(a, o, "new_no", (long long)d[i].new_no);
		added += d[i].op == LINEDIFF_ADD;
		removed += d[i].op == LINEDIFF_DEL;
		tv_push(a, lines, o);
	}
	tv_set(a, v, "lines", lines);
	tv_set_int(a, v, "from", from);
	tv_set_int(a, v, "to", to);
	tv_set_int(a, v, "added", added);
	tv_set_int(a, v, "removed", removed);
	tv_set_bool(a, v, "same", added == 0 && removed == 0);
	tv_set_str(a, v, "title", art.title);
	tv_set_str(a, v, "article_href", href(r, &c, arena_sprintf(a, "/desk/kb/articles/%s", art.id), NULL));
	tv_set_str(a, v, "restore_action", arena_sprintf(a, "/desk/kb/articles/%s/restore", art.id));
	tv_set_bool(a, v, "can_restore", from != art.version_count);
	tv *opts = tv_list(a);
	for (long i = art.version_count; i >= 1 && i > art.version_count - VERSIONS_SHOWN; i--) {
		tv *o = tv_object(a);
		tv_set_int(a, o, "no", i);
		tv_set_bool(a, o, "from_selected", i == from);
		tv_set_bool(a, o, "to_selected", i == to);
		tv_push(a, opts, o);
	}
	tv_set(a, v, "version_options", opts);
	tv_set_str(a, v, "compare_action", arena_sprintf(a, "/desk/kb/articles/%s/compare", art.id));
	return page_render(r, 200, "kb_desk_compare", v);
}

int page_kb_desk_restore(req *r)
{
	kb_ctx c;
	kb_article art;
	int st = load_article(r, &c, &art);
	if (st)
		return st;
	int no = version_param(req_form_get(r, "version"), art.version_count);
	if (!no)
		return 400;
	kb_version ver;
	int found = kb_version_get(page_tx(r), art.id, no, &ver);
	if (found < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	/* The old text and title, rendered again by today's renderer (its
	 * rules may have tightened since); category and slug stay. */
	kb_article_input in = { art.category_id, art.slug, ver.title, ver.content,
		markdown_render(r->a, ver.content, strlen(ver.content)) };
	int version;
	int rc = kb_article_update(page_tx(r), art.id, &in, no, &version);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 409;
	return redirect(r, &c, arena_sprintf(r->a, "/desk/kb/articles/%s", art.id), "restored");
}

/* ---- categories ---- */

typedef struct {
	const char *name, *slug, *description, *parent_id;
} category_form;

static void read_category(req *r, category_form *f, form_errors *errors)
{
	f->name = admin_text(r, "name", KB_CATEGORY_NAME_MAX_CHARS, false, "The name", errors);
	f->slug = admin_text(r, "slug", 64, false, "The slug", errors);
	f->description = admin_text(r, "description", KB_CATEGORY_DESCRIPTION_MAX_CHARS, true, "The description", errors);
	f->parent_id = admin_text(r, "parent", 36, false, "The parent", errors);
	if (!f->name)
		f->name = "";
	if (!f->slug)
		f->slug = "";
	if (!f->description)
		f->description = "";
	if (!f->parent_id)
		f->parent_id = "";
	if (!form_errors_get(errors, "name") && !*f->name)
		form_errors_add(r->a, errors, "name", "Enter a name, like “Billing”.");
	if (!form_errors_get(errors, "slug")) {
		if (!*f->slug)
			form_errors_add(r->a, errors, "slug", "Enter a slug, like “billing”.");
		else if (!kb_slug_valid(f->slug, 64))
			form_errors_add(r->a, errors, "slug",
			    "The slug may have lowercase letters and digits, in words joined by single hyphens, like “billing”.");
	}
	if (!form_errors_get(errors, "parent") && *f->parent_id && !str_is_uuid(str_from_cstr(f->parent_id)))
		form_errors_add(r->a, errors, "parent", "Choose a parent from the list.");
}

static int categories_page(req *r, int status, const kb_ctx *c, const kb_category *cur, const category_form *f,
    const form_errors *errors)
{
	kb_category *cats;
	size_t n;
	if (kb_category_tree(page_tx(r), c->owner->id, &cats, &n) != 0)
		return page_db_failure(r);
	tv *v = desk_view(r, c, "categories");
	arena *a = r->a;
	tv *list = tv_list(a), *parents = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", cats[i].name);
		tv_set_str(a, o, "slug", cats[i].slug);
		tv_set_int(a, o, "depth", cats[i].depth);
		tv_set_str(a, o, "indent", arena_sprintf(a, "kb-depth-%d", cats[i].depth > 7 ? 7 : cats[i].depth));
		tv_set_int(a, o, "articles", cats[i].articles);
		tv_set_str(a, o, "href", href(r, c, arena_sprintf(a, "/desk/kb/categories/%s", cats[i].id), NULL));
		tv_push(a, list, o);
		if (cur && strcmp(cur->id, cats[i].id) == 0)
			continue;
		tv *p = tv_object(a);
		tv_set_str(a, p, "id", cats[i].id);
		char indent[40] = "";
		for (int d = 0; d < cats[i].depth && d < 8; d++)
			strcat(indent, "— ");
		tv_set_str(a, p, "label", arena_sprintf(a, "%s%s", indent, cats[i].name));
		tv_set_bool(a, p, "selected", strcmp(f->parent_id, cats[i].id) == 0);
		tv_push(a, parents, p);
	}
	tv_set(a, v, "categories", list);
	tv_set_bool(a, v, "has_categories", n > 0);
	tv_set(a, v, "parent_options", parents);
	admin_field(r, v, "name", f->name, errors);
	admin_field(r, v, "slug", f->slug, errors);
	admin_field(r, v, "description", f->description, errors);
	const char *perr = form_errors_get(errors, "parent");
	if (perr)
		tv_set_str(a, v, "parent_error", perr);
	admin_summary(r, v, errors);
	if (cur) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", cur->name);
		tv_set_str(a, o, "action", arena_sprintf(a, "/desk/kb/categories/%s", cur->id));
		tv_set_str(a, o, "delete_action", arena_sprintf(a, "/desk/kb/categories/%s/delete", cur->id));
		tv_set_int(a, o, "articles", cur->articles);
		tv_set_int(a, o, "children", cur->children);
		tv_set_bool(a, o, "in_use", cur->articles > 0 || cur->children > 0);
		tv_set_str(a, o, "public_href", arena_sprintf(a, "/kb/%s", cur->slug));
		tv_set(a, v, "category", o);
		return page_render(r, status, "kb_desk_category", v);
	}
	return page_render(r, status, "kb_desk_categories", v);
}

int page_kb_desk_categories(req *r)
{
	kb_ctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	category_form f = { "", "", "", "" };
	form_errors none = { 0 };
	return categories_page(r, 200, &c, NULL, &f, &none);
}

static const char *const category_slug_taken = "Another category has this slug (slugs are shared by every help center). "
                                               "Choose another one.";
static const char *const bad_parent = "Choose a parent of this help center that is not the category itself, "
                                      "nor one inside it (at most 8 levels).";

static int save_category(req *r, const kb_ctx *c, const kb_category *cur)
{
	form_errors errors = { 0 };
	category_form f;
	read_category(r, &f, &errors);
	if (errors.len)
		return categories_page(r, 422, c, cur, &f, &errors);
	const char *id;
	bool bad;
	int rc = kb_category_save(page_tx(r), c->owner->id, cur ? cur->id : NULL, *f.parent_id ? f.parent_id : NULL,
	    f.slug, f.name, f.description, &id, &bad);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, bad ? "parent" : "slug", bad ? bad_parent : category_slug_taken);
		return categories_page(r, 422, c, cur, &f, &errors);
	}
	return redirect(r, c, "/desk/kb/categories", cur ? "category_saved" : "category_created");
}

int page_kb_desk_category_create(req *r)
{
	kb_ctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	return save_category(r, &c, NULL);
}

static int load_category(req *r, kb_ctx *c, kb_category *cat)
{
	int found = kb_category_get(page_tx(r), str_dup(r->a, req_route_get(r, "id")), cat);
	if (found < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	return begin_for(r, c, cat->owner_id);
}

int page_kb_desk_category(req *r)
{
	kb_ctx c;
	kb_category cat;
	int st = load_category(r, &c, &cat);
	if (st)
		return st;
	category_form f = { cat.name, cat.slug, cat.description, cat.parent_id ? cat.parent_id : "" };
	form_errors none = { 0 };
	return categories_page(r, 200, &c, &cat, &f, &none);
}

int page_kb_desk_category_save(req *r)
{
	kb_ctx c;
	kb_category cat;
	int st = load_category(r, &c, &cat);
	if (st)
		return st;
	return save_category(r, &c, &cat);
}

int page_kb_desk_category_delete(req *r)
{
	kb_ctx c;
	kb_category cat;
	int st = load_category(r, &c, &cat);
	if (st)
		return st;
	const char *out = kb_category_delete(page_tx(r), cat.id);
	if (!out)
		return page_db_failure(r);
	if (strcmp(out, "not_found") == 0)
		return 404;
	if (strcmp(out, "deleted") != 0) {
		form_errors errors = { 0 };
		form_errors_add(r->a, &errors, "name", strcmp(out, "has_articles") == 0
		    ? "Articles are filed under this category: move them to another one first."
		    : "Other categories are nested in this one: move or delete them first.");
		category_form f = { cat.name, cat.slug, cat.description, cat.parent_id ? cat.parent_id : "" };
		return categories_page(r, 409, &c, &cat, &f, &errors);
	}
	return redirect(r, &c, "/desk/kb/categories", "category_deleted");
}
