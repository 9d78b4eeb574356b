/* kb.c: the public help center. GET /kb (?org= one publisher's articles),
 * /kb/{category}, /kb/articles/{slug}, /kb/search?q=, /kb/suggest?q=
 * (JSON for the submit form's script), and the "Did this help?" vote
 * (GET, POST /kb/articles/{slug}/feedback).
 *
 * Only published articles show here, whoever asks: staff read their drafts
 * on /desk/kb. An article page is the same bytes for every anonymous reader
 * (the vote is a link to its own form page, which carries the CSRF token),
 * so it has an ETag and may be cached briefly. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auth/crypto.h"
#include "core/clock.h"
#include "kv/kb_views.h"
#include "model/kb.h"
#include "model/submit_form.h"
#include "pages/kb.h"
#include "pages/pages.h"

#define KB_LIST_SHOWN 10
#define KB_CATEGORY_ARTICLES 100
#define KB_SEARCH_SHOWN 30
#define FEEDBACK_FORM "/kb/articles/{slug}/feedback"
/* The browser's last suggestion opened from /submit: a later submission
 * from it counts against that article's deflection. */
#define DEFLECT_COOKIE "sd_kb_deflect"

/* page_view with the header's "Help center" marked as the current page. */
static tv *kb_view(req *r)
{
	tv *v = page_view(r);
	tv_set_bool(r->a, v, "nav_kb", true);
	return v;
}

static const char *owner_label(const kb_article *a)
{
	return a->owner_name && *a->owner_name ? a->owner_name : NULL;
}

/* An article in a list: title, link, publisher, when. */
static tv *article_item(req *r, const kb_article *a)
{
	tv *o = tv_object(r->a);
	tv_set_str(r->a, o, "title", a->title);
	tv_set_str(r->a, o, "href", arena_sprintf(r->a, "/kb/articles/%s", a->slug));
	if (owner_label(a))
		tv_set_str(r->a, o, "owner", owner_label(a));
	if (a->published_at)
		page_set_time(r, o, "published", a->published_at);
	return o;
}

static tv *article_items(req *r, const kb_article *list, size_t n)
{
	tv *items = tv_list(r->a);
	for (size_t i = 0; i < n; i++)
		tv_push(r->a, items, article_item(r, &list[i]));
	return items;
}

static tv *category_items(req *r, const kb_category *list, size_t n)
{
	tv *items = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "name", list[i].name);
		tv_set_str(r->a, o, "href", arena_sprintf(r->a, "/kb/%s", list[i].slug));
		if (*list[i].description)
			tv_set_str(r->a, o, "description", list[i].description);
		tv_set_int(r->a, o, "articles", list[i].articles);
		tv_push(r->a, items, o);
	}
	return items;
}

/* Help center > parent > ... > the category (the last one is the page's
 * own when current). */
static int breadcrumbs(req *r, tv *v, const char *category_id, bool current)
{
	tv *crumbs = tv_list(r->a);
	tv *home = tv_object(r->a);
	tv_set_str(r->a, home, "name", "Help center");
	tv_set_str(r->a, home, "href", "/kb");
	tv_push(r->a, crumbs, home);
	if (category_id) {
		kb_category *path;
		size_t n;
		if (kb_category_path(page_tx(r), category_id, &path, &n) != 0)
			return page_db_failure(r);
		for (size_t i = 0; i < n; i++) {
			tv *c = tv_object(r->a);
			tv_set_str(r->a, c, "name", path[i].name);
			if (!(current && i + 1 == n))
				tv_set_str(r->a, c, "href", arena_sprintf(r->a, "/kb/%s", path[i].slug));
			tv_push(r->a, crumbs, c);
		}
	}
	tv_set(r->a, v, "crumbs", crumbs);
	return 0;
}

static void public_cache(req *r)
{
	if (r->user_id) {
		resp_header(r, "Cache-Control", "private, no-cache");
	} else {
		resp_header(r, "Cache-Control", "public, max-age=60");
		resp_header(r, "Vary", "Cookie");
	}
}

/* ---- GET /kb ---- */

int page_kb_home(req *r)
{
	db_tx *tx = page_tx(r);
	kb_owner *pubs;
	size_t npubs;
	if (kb_publishers(tx, &pubs, &npubs) != 0)
		return page_db_failure(r);
	str org = req_query_get(r, "org");
	const kb_owner *owner = NULL;
	if (org.ptr && org.len) {
		for (size_t i = 0; i < npubs && !owner; i++)
			if (str_eq_cstr(org, pubs[i].slug))
				owner = &pubs[i];
		if (!owner)
			return 404;
	}
	bool filter = owner != NULL;
	const char *owner_id = owner ? owner->id : NULL;
	kb_category *cats;
	size_t ncats;
	kb_article *helpful, *recent;
	size_t nhelpful, nrecent;
	if (kb_category_children(tx, NULL, filter, owner_id, &cats, &ncats) != 0 ||
	    kb_article_list(tx, NULL, filter, owner_id, KB_ORDER_HELPFUL, KB_LIST_SHOWN, &helpful, &nhelpful) != 0 ||
	    kb_article_list(tx, NULL, filter, owner_id, KB_ORDER_RECENT, KB_LIST_SHOWN, &recent, &nrecent) != 0)
		return page_db_failure(r);
	tv *v = kb_view(r);
	arena *a = r->a;
	if (owner) {
		tv_set_str(a, v, "owner_name", owner->name);
		tv_set_str(a, v, "owner_slug", owner->slug);
	}
	tv *pl = tv_list(a);
	for (size_t i = 0; i < npubs; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", pubs[i].name);
		tv_set_str(a, o, "href", arena_sprintf(a, "/kb?org=%s", pubs[i].slug));
		tv_set_bool(a, o, "current", owner == &pubs[i]);
		tv_push(a, pl, o);
	}
	tv_set(a, v, "publishers", pl);
	tv_set_bool(a, v, "has_publishers", npubs > 0);
	tv_set(a, v, "categories", category_items(r, cats, ncats));
	tv_set_bool(a, v, "has_categories", ncats > 0);
	tv_set(a, v, "helpful", article_items(r, helpful, nhelpful));
	tv_set_bool(a, v, "has_helpful", nhelpful > 0);
	tv_set(a, v, "recent", article_items(r, recent, nrecent));
	tv_set_bool(a, v, "has_recent", nrecent > 0);
	public_cache(r);
	return page_render(r, 200, "kb_home", v);
}

/* ---- GET /kb/{category} ---- */

int page_kb_category(req *r)
{
	const char *slug = str_dup(r->a, req_route_get(r, "category"));
	if (!kb_slug_valid(slug, 64))
		return 404;
	db_tx *tx = page_tx(r);
	kb_category c;
	int found = kb_category_by_slug(tx, slug, &c);
	if (found < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	kb_category *subs;
	size_t nsubs;
	kb_article *list;
	size_t n;
	if (kb_category_children(tx, c.id, false, NULL, &subs, &nsubs) != 0 ||
	    kb_article_list(tx, c.id, false, NULL, KB_ORDER_RECENT, KB_CATEGORY_ARTICLES, &list, &n) != 0)
		return page_db_failure(r);
	tv *v = kb_view(r);
	int st = breadcrumbs(r, v, c.id, true);
	if (st)
		return st;
	tv_set_str(r->a, v, "name", c.name);
	if (*c.description)
		tv_set_str(r->a, v, "description", c.description);
	tv_set(r->a, v, "categories", category_items(r, subs, nsubs));
	tv_set_bool(r->a, v, "has_categories", nsubs > 0);
	tv_set(r->a, v, "articles", article_items(r, list, n));
	tv_set_bool(r->a, v, "has_articles", n > 0);
	public_cache(r);
	return page_render(r, 200, "kb_category", v);
}

/* ---- GET /kb/articles/{slug} ---- */

/* The published article of the route, or 404 (a draft included: even its
 * own staff read drafts on the desk). */
static int load_published(req *r, kb_article *a)
{
	const char *slug = str_dup(r->a, req_route_get(r, "slug"));
	if (!kb_slug_valid(slug, KB_SLUG_MAX_CHARS))
		return 404;
	int found = kb_article_by_slug(page_tx(r), slug, a);
	if (found < 0)
		return page_db_failure(r);
	if (!found || strcmp(a->status, "published") != 0)
		return 404;
	return 0;
}

static bool etag_matches(req *r, const char *etag)
{
	const char *inm = req_header(r, "HTTP_IF_NONE_MATCH");
	if (!inm)
		return false;
	/* A list of tags, or *; weak comparison (RFC 9110 13.1.2). */
	if (strcmp(inm, "*") == 0)
		return true;
	/* etag is W/"...": its quoted part, with or without the W/, matches
	 * only itself (the quotes delimit it). */
	return strstr(inm, etag + 2) != NULL;
}

/* ---- the worker's cache of article pages for anonymous readers ----
 *
 * An anonymous reader's article page is the same bytes for everyone, so
 * each worker keeps the last few it rendered for KB_PAGE_TTL seconds, as
 * long as the pages' generation in Redis (bumped by every staff write,
 * kv/kb_views.h) has not moved: a cached page costs one Redis command (the
 * view; the generation is read at most once a second) and no PostgreSQL
 * round trip. Without Redis nothing is cached. Workers are single-threaded
 * processes. */
#define KB_PAGE_CACHE 64
#define KB_PAGE_TTL 10.0
#define KB_PAGE_MAX_BYTES (256 * 1024)

typedef struct {
	char slug[KB_SLUG_MAX_CHARS + 1];
	char id[37];
	char etag[128];
	long long gen;
	double expires;
	char *body;
	size_t len;
} cached_page;

static cached_page page_cache[KB_PAGE_CACHE];
static size_t page_cache_next;

/* The generation as this worker last read it, asked again after a second:
 * another worker's write shows here within a second; this worker's own
 * writes at once (kb_page_cache_forget). */
static long long known_gen = -1;
static double known_gen_until;

static bool pages_gen(req *r, long long *gen)
{
	double now = clock_seconds();
	if (known_gen >= 0 && now < known_gen_until) {
		*gen = known_gen;
		return true;
	}
	if (kb_pages_gen(r->app->kv, gen) != KV_OK)
		return false;
	known_gen = *gen;
	known_gen_until = now + 1.0;
	return true;
}

void kb_page_cache_forget(void)
{
	known_gen = -1;
}

static const cached_page *cache_find(const char *slug, long long gen)
{
	double now = clock_seconds();
	for (size_t i = 0; i < KB_PAGE_CACHE; i++)
		if (page_cache[i].body && page_cache[i].gen == gen && page_cache[i].expires > now &&
		    strcmp(page_cache[i].slug, slug) == 0)
			return &page_cache[i];
	return NULL;
}

static void cache_put(const char *slug, const char *id, const char *etag, long long gen, const buf *body)
{
	if (body->len > KB_PAGE_MAX_BYTES || strlen(slug) > KB_SLUG_MAX_CHARS || strlen(etag) >= 128)
		return;
	cached_page *e = NULL;
	for (size_t i = 0; i < KB_PAGE_CACHE && !e; i++)
		if (page_cache[i].body && strcmp(page_cache[i].slug, slug) == 0)
			e = &page_cache[i];
	if (!e) {
		e = &page_cache[page_cache_next];
		page_cache_next = (page_cache_next + 1) % KB_PAGE_CACHE;
	}
	char *copy = malloc(body->len ? body->len : 1);
	if (!copy)
		return;
	memcpy(copy, body->data, body->len);
	free(e->body);
	snprintf(e->slug, sizeof e->slug, "%s", slug);
	snprintf(e->id, sizeof e->id, "%s", id);
	snprintf(e->etag, sizeof e->etag, "%s", etag);
	e->gen = gen;
	e->expires = clock_seconds() + KB_PAGE_TTL;
	e->body = copy;
	e->len = body->len;
}

static void count_view(req *r, const char *article_id)
{
	/* Counted in Redis and added to the row by the scheduler: a popular
	 * article is not one row every reader updates. Without Redis, the
	 * row after all (a failure then fails the page through its
	 * transaction). */
	if (kb_views_hit(r->app->kv, article_id) != KV_OK)
		kb_view_count(page_tx(r), article_id);
}

static int not_modified(req *r)
{
	r->status = 304;
	r->is_html = false;
	buf_clear(&r->body);
	return 0;
}

int page_kb_article(req *r)
{
	bool from_submit = str_eq_cstr(req_query_get(r, "from"), "submit");
	bool cacheable = !r->user_id && !from_submit;
	long long gen = 0;
	if (cacheable && !pages_gen(r, &gen))
		cacheable = false;
	const char *slug = str_dup(r->a, req_route_get(r, "slug"));
	const cached_page *hit = cacheable ? cache_find(slug, gen) : NULL;
	if (hit) {
		count_view(r, hit->id);
		resp_header(r, "ETag", hit->etag);
		public_cache(r);
		if (etag_matches(r, hit->etag))
			return not_modified(r);
		buf_clear(&r->body);
		buf_append(&r->body, hit->body, hit->len);
		r->status = 200;
		r->is_html = true;
		return 0;
	}
	kb_article a;
	int st = load_published(r, &a);
	if (st)
		return st;
	db_tx *tx = page_tx(r);
	count_view(r, a.id);
	const char *etag = NULL;
	/* Counted in Redis and added to the row by the scheduler: a popular
	 * article is not one row every reader updates. Without Redis, the
	 * row after all. */
	if (from_submit) {
		/* Opened from the form's suggestions: counted, and remembered so a
		 * submission from this browser counts as not deflected. */
		if (kb_deflection_count(tx, a.id, "open") != 0)
			return page_db_failure(r);
		resp_cookie(r, DEFLECT_COOKIE, a.id, 3600, 0);
		resp_header(r, "Cache-Control", "no-store");
	} else if (!r->user_id) {
		/* The same bytes for every anonymous reader until the article
		 * changes (its last change is to the microsecond). */
		etag = arena_sprintf(r->a, "W/\"kb-%s-%lld\"", a.id, a.updated_us);
		resp_header(r, "ETag", etag);
		public_cache(r);
		if (etag_matches(r, etag))
			return not_modified(r);
	} else {
		public_cache(r);
	}
	tv *v = kb_view(r);
	if ((st = breadcrumbs(r, v, a.category_id, false)))
		return st;
	tv_set_str(r->a, v, "title", a.title);
	/* The stored rendering of the sanitising renderer (core/markdown.c:
	 * no raw HTML, allow-listed links and images), made once on save. The
	 * template outputs it with triple mustache for that reason only. */
	tv_set_str(r->a, v, "content_html", a.content_html);
	if (owner_label(&a))
		tv_set_str(r->a, v, "owner", owner_label(&a));
	page_set_time(r, v, "updated", a.updated_at);
	const char *base = arena_sprintf(r->a, "/kb/articles/%s/feedback", a.slug);
	tv_set_str(r->a, v, "feedback_yes", arena_sprintf(r->a, "%s?helpful=yes", base));
	tv_set_str(r->a, v, "feedback_no", arena_sprintf(r->a, "%s?helpful=no", base));
	tv_set_bool(r->a, v, "from_submit", from_submit);
	if ((st = page_render(r, 200, "kb_article", v)))
		return st;
	/* Only what every anonymous reader gets, and only once the view
	 * count and everything else of this request went well. */
	if (cacheable && etag && !tx->failed)
		cache_put(a.slug, a.id, etag, gen, &r->body);
	return 0;
}

/* ---- GET /kb/search?q= ---- */

int page_kb_search(req *r)
{
	str q = form_trim(req_query_get(r, "q"));
	tv *v = kb_view(r);
	arena *a = r->a;
	tv_set_str(a, v, "q", str_dup(a, q));
	if (form_chars(q) > KB_QUERY_MAX_CHARS) {
		tv_set_str(a, v, "error", "Search for at most 200 characters.");
		return page_render(r, 400, "kb_search", v);
	}
	if (q.len == 0) {
		tv_set_bool(a, v, "asked", false);
		return page_render(r, 200, "kb_search", v);
	}
	kb_hit *hits;
	size_t n;
	if (kb_search(page_tx(r), str_dup(a, q), KB_SEARCH_SHOWN, &hits, &n) != 0)
		return page_db_failure(r);
	tv *items = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *o = article_item(r, &hits[i].article);
		tv *parts = tv_list(a);
		for (size_t k = 0; k < hits[i].npieces; k++) {
			tv *p = tv_object(a);
			tv_set_str(a, p, "text", hits[i].pieces[k].text);
			tv_set_bool(a, p, "match", hits[i].pieces[k].match);
			tv_push(a, parts, p);
		}
		tv_set(a, o, "parts", parts);
		tv_push(a, items, o);
	}
	tv_set_bool(a, v, "asked", true);
	tv_set(a, v, "results", items);
	tv_set_bool(a, v, "has_results", n > 0);
	tv_set_int(a, v, "count", (long long)n);
	tv_set_bool(a, v, "capped", n == KB_SEARCH_SHOWN);
	public_cache(r);
	return page_render(r, 200, "kb_search", v);
}

/* ---- GET /kb/suggest?q= ---- */

int page_kb_suggest(req *r)
{
	str q = form_trim(req_query_get(r, "q"));
	if (form_chars(q) > KB_QUERY_MAX_CHARS) {
		static const char err[] = "{\"error\":\"q is at most 200 characters\"}";
		resp_body(r, 400, "application/json", err, sizeof err - 1);
		return 0;
	}
	kb_article *list = NULL;
	size_t n = 0;
	if (q.len >= 3 && kb_suggest(page_tx(r), str_dup(r->a, q), &list, &n) != 0)
		return page_db_failure(r);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "title", list[i].title, "url",
		    arena_sprintf(r->a, "/kb/articles/%s", list[i].slug)));
	char *json = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (!json)
		return 500;
	resp_header(r, "Cache-Control", "public, max-age=60");
	resp_body(r, 200, "application/json", json, strlen(json));
	free(json);
	return 0;
}

/* ---- the vote ---- */

static int feedback_page(req *r, int status, const kb_article *a, const char *helpful, const char *comment,
    const form_errors *errors, const char *done)
{
	tv *v = kb_view(r);
	arena *ar = r->a;
	tv_set_str(ar, v, "title", a->title);
	tv_set_str(ar, v, "article_href", arena_sprintf(ar, "/kb/articles/%s", a->slug));
	tv_set_str(ar, v, "action", arena_sprintf(ar, "/kb/articles/%s/feedback", a->slug));
	tv_set_str(ar, v, "csrf", page_csrf_token(r, FEEDBACK_FORM));
	if (done) {
		tv_set_str(ar, v, "done", done);
		return page_render(r, status, "kb_feedback", v);
	}
	tv_set_bool(ar, v, "yes", helpful && strcmp(helpful, "yes") == 0);
	tv_set_bool(ar, v, "no", helpful && strcmp(helpful, "no") == 0);
	tv *c = tv_object(ar);
	tv_set_str(ar, c, "value", comment ? comment : "");
	const char *err = form_errors_get(errors, "comment");
	if (err) {
		tv_set_str(ar, c, "error", err);
		tv_set_str(ar, c, "error_id", "f-comment-error");
	}
	tv_set(ar, v, "comment", c);
	err = form_errors_get(errors, "helpful");
	if (err)
		tv_set_str(ar, v, "helpful_error", err);
	return page_render(r, status, "kb_feedback", v);
}

int page_kb_feedback_form(req *r)
{
	kb_article a;
	int st = load_published(r, &a);
	if (st)
		return st;
	str h = req_query_get(r, "helpful");
	form_errors none = { 0 };
	return feedback_page(r, 200, &a, str_dup(r->a, h), NULL, &none, NULL);
}

int page_kb_feedback_post(req *r)
{
	kb_article a;
	int st = load_published(r, &a);
	if (st)
		return st;
	if ((st = page_ratelimit(r, "kb_feedback_ip", str_from_cstr(page_client_ip(r)), 30, 3600)))
		return st;
	form_errors errors = { 0 };
	str h = req_form_get(r, "helpful");
	bool yes = str_eq_cstr(h, "yes"), no = str_eq_cstr(h, "no");
	if (!yes && !no)
		form_errors_add(r->a, &errors, "helpful", "Choose yes or no.");
	str c = form_trim(req_form_get(r, "comment"));
	const char *comment = str_dup(r->a, c);
	for (size_t i = 0; i < c.len; i++) {
		unsigned char ch = (unsigned char)c.ptr[i];
		if ((ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') || ch == 0x7f) {
			form_errors_add(r->a, &errors, "comment", "The comment has a character that cannot be shown. Remove it.");
			break;
		}
	}
	if (form_chars(c) > KB_COMMENT_MAX_CHARS)
		form_errors_add(r->a, &errors, "comment",
		    arena_sprintf(r->a, "The comment can be at most %d characters (this is %ld).", KB_COMMENT_MAX_CHARS,
		        form_chars(c)));
	if (errors.len)
		return feedback_page(r, 422, &a, yes ? "yes" : no ? "no" : NULL, comment, &errors, NULL);
	/* Signed out: the browser's anonymous cookie (which the CSRF check
	 * just tied to this form) stands for the visitor, stored only as a
	 * keyed hash. */
	unsigned char hash[32];
	const unsigned char *anon = NULL;
	if (!r->user_id) {
		str cookie = req_cookie_get(r, "sd_anon");
		if (!cookie.len)
			return 403;
		buf b;
		buf_init(&b, r->a, 64);
		buf_puts(&b, "kb-feedback:");
		buf_put_str(&b, cookie);
		crypto_hmac(hash, r->app->cfg->secret, b.data, b.len);
		anon = hash;
	}
	const char *out = kb_feedback_record(page_tx(r), a.id, yes, comment, anon);
	if (!out)
		return page_db_failure(r);
	if (strcmp(out, "not_found") == 0)
		return 404;
	if (strcmp(out, "invalid") == 0)
		return 400;
	return feedback_page(r, 200, &a, NULL, NULL, NULL,
	    strcmp(out, "recorded") == 0 ? "Thank you: your answer is recorded."
	                                 : "You have already answered for this article; the first answer counts.");
}

/* ---- deflection, for the submit form ---- */

int kb_suggestions_view(req *r, tv *view, str title)
{
	if (form_chars(title) > KB_QUERY_MAX_CHARS)
		return 0; /* the form says what is wrong with the title when it is sent */
	kb_article *list;
	size_t n;
	if (kb_suggest(page_tx(r), str_dup(r->a, title), &list, &n) != 0)
		return page_db_failure(r);
	tv *items = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "title", list[i].title);
		tv_set_str(r->a, o, "href", arena_sprintf(r->a, "/kb/articles/%s?from=submit", list[i].slug));
		tv_push(r->a, items, o);
	}
	tv_set(r->a, view, "kb_suggestions", items);
	tv_set_bool(r->a, view, "has_kb_suggestions", n > 0);
	return 0;
}

int kb_deflection_submitted(req *r)
{
	str id = req_cookie_get(r, DEFLECT_COOKIE);
	if (!id.len)
		return 0;
	resp_cookie(r, DEFLECT_COOKIE, "", 0, COOKIE_DELETE);
	if (!str_is_uuid(id))
		return 0;
	return kb_deflection_count(page_tx(r), str_dup(r->a, id), "submit") == 0 ? 0 : page_db_failure(r);
}
