/* test_kb.c: the knowledge base through the in-process harness against the
 * real PostgreSQL and Redis. Negative cases first: who reaches /desk/kb
 * (visitors to /login, customers 404, another organization's staff 404 on
 * an article), drafts never public, CSRF (403, nothing saved), bad input
 * (422, input kept); then the staff's round (create, preview that saves
 * nothing, publish, two edits, compare, restore), the stored sanitised
 * HTML, the ETag and 304, search with escaped marked matches, the suggest
 * JSON and the submit form's second step, votes (one per user and per
 * anonymous browser), deflection counting, and categories (nest, refuse a
 * cycle, refuse deleting a used one). Registered from test_integration.c's
 * main() as the suite "kb". */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "integration/istaff.h"
#include "integration/itest.h"
#include "sched/scheduler.h"

static void post_as_from(app *a, const char *ip, const char *uri, const browser *b, const char *fields,
    harness_response *r)
{
	char body[4096];
	snprintf(body, sizeof body, "_csrf=%s%s%s", b->csrf, *fields ? "&" : "", fields);
	post_form_from(a, ip, uri, b->cookie, body, r);
}

static void assert_owner1(const char *sql, const char *p1, const char *want)
{
	char *v = owner_queryv(sql, p1, NULL);
	ck_assert_msg(v && strcmp(v, want) == 0, "%s: got \"%s\", want \"%s\"", sql, v ? v : "(null)", want);
	free(v);
}

/* An organization with an agent (signed in), and another organization
 * with its own agent. */
typedef struct {
	app *a;
	char slug[96], other_slug[96];
	char *org, *other, *agent, *other_agent;
	browser ag, oth;
} fixture;

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, "kborg");
	f->other = new_org(f->other_slug, sizeof f->other_slug, "kborg");
	f->agent = new_user("kbagent", NULL, 0);
	f->other_agent = new_user("kbother", NULL, 0);
	free(add_member(f->org, f->agent, "agent"));
	free(add_member(f->other, f->other_agent, "agent"));
	sign_in(f->a, f->agent, &f->ag);
	sign_in(f->a, f->other_agent, &f->oth);
}

static void teardown(fixture *f)
{
	free(f->org);
	free(f->other);
	free(f->agent);
	free(f->other_agent);
	free(f->ag.cookie);
	free(f->oth.cookie);
	harness_app_free(f->a);
}

/* Creates an article through the page; its id (malloc'd). */
static char *create_article(fixture *f, const char *slug, const char *title, const char *content)
{
	char fields[8192];
	char *t = urlencode(title), *c = urlencode(content);
	snprintf(fields, sizeof fields, "org=%s&title=%s&slug=%s&content=%s&action=save", f->slug, t, slug, c);
	free(t);
	free(c);
	harness_response r;
	post_as(f->a, "/desk/kb/new", &f->ag, fields, &r);
	assert_status(&r, 303);
	char *loc = harness_header(&r, "Location");
	ck_assert_ptr_nonnull(loc);
	char *id = extract(loc, "/desk/kb/articles/", '?');
	ck_assert_ptr_nonnull(id);
	free(loc);
	harness_response_free(&r);
	return id;
}

static void set_status(fixture *f, const char *id, const char *status)
{
	char uri[128], fields[64];
	snprintf(uri, sizeof uri, "/desk/kb/articles/%s/status", id);
	snprintf(fields, sizeof fields, "status=%s", status);
	harness_response r;
	post_as(f->a, uri, &f->ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
}

static void slug_of(char *out, size_t n, const char *what)
{
	unique(out, n, what);
}

/* ---- who gets in, and what stays hidden ---- */

START_TEST(visitors_customers_and_other_staff_are_kept_out)
{
	fixture f;
	setup(&f);
	harness_response r;
	get(f.a, "/desk/kb", NULL, &r);
	assert_status(&r, 303);
	char *l = harness_header(&r, "Location");
	ck_assert_str_eq(l, "/login?next=/desk/kb");
	free(l);
	harness_response_free(&r);

	char *cust = new_user("kbcust", NULL, 0);
	browser cb;
	sign_in(f.a, cust, &cb);
	static const char *const staff_gets[] = { "/desk/kb", "/desk/kb/new", "/desk/kb/categories" };
	for (size_t i = 0; i < 3; i++) {
		get(f.a, staff_gets[i], cb.cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}

	char slug[96];
	slug_of(slug, sizeof slug, "draft");
	char *id = create_article(&f, slug, "SECRET draft title", "Not yet.");
	char uri[160];
	/* A draft: not public to anyone, its own staff included. */
	snprintf(uri, sizeof uri, "/kb/articles/%s", slug);
	const char *cookies[3] = { NULL, cb.cookie, f.ag.cookie };
	for (int k = 0; k < 3; k++) {
		get(f.a, uri, cookies[k], &r);
		assert_status(&r, 404);
		assert_lacks(&r, "SECRET");
		harness_response_free(&r);
	}
	get(f.a, "/kb/search?q=SECRET", NULL, &r);
	assert_status(&r, 200);
	assert_lacks(&r, "SECRET draft");
	harness_response_free(&r);
	get(f.a, "/kb/suggest?q=SECRET+draft", NULL, &r);
	ck_assert_str_eq(r.body, "[]");
	harness_response_free(&r);

	/* Another organization's staff: 404 on the article, its list, and
	 * nothing changed by a post. */
	snprintf(uri, sizeof uri, "/desk/kb/articles/%s", id);
	get(f.a, uri, f.oth.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	char fields[256];
	snprintf(fields, sizeof fields, "title=pwned&slug=%s&content=pwned&action=save", slug);
	post_as(f.a, uri, &f.oth, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "/desk/kb?org=%s", f.slug);
	get(f.a, fields, f.oth.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner1("select title || '/' || version_count from kb_articles where id = $1::uuid", id, "SECRET draft title/1");

	/* Without a valid CSRF token: 403, nothing saved. */
	snprintf(fields, sizeof fields, "_csrf=nope&title=Changed&slug=%s&content=changed&action=save", slug);
	post_form(f.a, uri, f.ag.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner1("select title || '/' || version_count from kb_articles where id = $1::uuid", id, "SECRET draft title/1");

	free(id);
	free(cust);
	free(cb.cookie);
	teardown(&f);
}
END_TEST

START_TEST(bad_input_is_422_with_input_kept)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[512];
	snprintf(fields, sizeof fields, "org=%s&title=&slug=Bad+Slug&content=kept+%%3Ctext%%3E&action=save", f.slug);
	post_as(f.a, "/desk/kb/new", &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a title");
	assert_has(&r, "The slug may have lowercase letters");
	assert_has(&r, "value=\"Bad Slug\"");
	assert_has(&r, "kept &lt;text&gt;</textarea>");
	harness_response_free(&r);
	char slug[96];
	slug_of(slug, sizeof slug, "taken");
	char *id = create_article(&f, slug, "First", "one");
	snprintf(fields, sizeof fields, "org=%s&title=Second&slug=%s&content=two&action=save", f.slug, slug);
	post_as(f.a, "/desk/kb/new", &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another article has this slug");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&title=T&slug=x-%s&content=c&category=not-a-uuid&action=save", f.slug, slug);
	post_as(f.a, "/desk/kb/new", &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose a category from the list");
	harness_response_free(&r);
	/* Another organization's category. */
	char cslug[96];
	slug_of(cslug, sizeof cslug, "foreign-cat");
	char *cat = owner_queryv("insert into kb_categories (organization_id, slug, name) values ($1::uuid, $2, 'Theirs') returning id",
	    f.other, cslug, NULL);
	snprintf(fields, sizeof fields, "org=%s&title=T&slug=y-%s&content=c&category=%s&action=save", f.slug, slug, cat);
	post_as(f.a, "/desk/kb/new", &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose a category from the list");
	harness_response_free(&r);
	assert_owner1("select count(*)::text from kb_articles where organization_id = $1::uuid", f.org, "1");
	free(cat);
	free(id);
	teardown(&f);
}
END_TEST

/* ---- the staff's round ---- */

START_TEST(write_preview_publish_edit_compare_restore)
{
	fixture f;
	setup(&f);
	harness_response r;
	char slug[96], fields[2048], uri[160];
	slug_of(slug, sizeof slug, "round");
	/* A preview renders and saves nothing. */
	snprintf(fields, sizeof fields, "org=%s&title=Round&slug=%s&content=%s&action=preview", f.slug, slug,
	    "Hello+*world*%0A%0A-+one%0A-+two%0A%0A%3Cscript%3Ealert(1)%3C%2Fscript%3E%0A%0A[bad](javascript:alert(1))+[ok](https://example.com)");
	post_as(f.a, "/desk/kb/new", &f.ag, fields, &r);
	assert_status(&r, 200);
	assert_has(&r, "Preview (not saved)");
	assert_has(&r, "<p>Hello <em>world</em></p>");
	assert_has(&r, "<li>one</li>");
	assert_has(&r, "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_has(&r, "<p>bad <a href=\"https://example.com\">ok</a></p>");
	assert_lacks(&r, "href=\"javascript");
	harness_response_free(&r);
	assert_owner1("select count(*)::text from kb_articles where slug = $1", slug, "0");

	char *id = create_article(&f, slug, "Round v1",
	    "Hello *world*\n\n- one\n- two\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) [ok](https://example.com)\n");
	set_status(&f, id, "published");
	for (int v = 2; v <= 3; v++) {
		snprintf(uri, sizeof uri, "/desk/kb/articles/%s", id);
		snprintf(fields, sizeof fields, "title=Round+v%d&slug=%s&content=Hello+*world*%%0A%%0A-+one%%0A-+two+v%d%%0A-+three&action=save",
		    v, slug, v);
		post_as(f.a, uri, &f.ag, fields, &r);
		assert_status(&r, 303);
		harness_response_free(&r);
	}
	assert_owner1("select string_agg(version_no || ':' || title || ':' || (changed_by is not null), ',' order by version_no) "
	             "from kb_article_versions where article_id = $1::uuid", id,
	    "1:Round v1:true,2:Round v2:true,3:Round v3:true");

	snprintf(uri, sizeof uri, "/desk/kb/articles/%s/compare?from=1&to=3", id);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<code>- # Round v1</code>");
	assert_has(&r, "<code>+ # Round v3</code>");
	assert_has(&r, "<code>+ - two v3</code>");
	assert_has(&r, "<code>- &lt;script&gt;alert(1)&lt;/script&gt;</code>");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/kb/articles/%s/compare?from=9", id);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);

	snprintf(uri, sizeof uri, "/desk/kb/articles/%s/restore", id);
	post_as(f.a, uri, &f.ag, "version=1", &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	post_as(f.a, uri, &f.ag, "version=0", &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	assert_owner1("select version_no || ':' || title || ':' || restored_from from kb_article_versions "
	             "where article_id = $1::uuid order by version_no desc limit 1", id, "4:Round v1:1");

	/* The public page shows the stored, sanitised rendering of version 4. */
	snprintf(uri, sizeof uri, "/kb/articles/%s", slug);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	assert_security_headers(&r);
	assert_has(&r, "<h1 id=\"kb-article-title\">Round v1</h1>");
	assert_has(&r, "<p>Hello <em>world</em></p>");
	assert_has(&r, "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_lacks(&r, "<script>alert");
	assert_lacks(&r, "href=\"javascript");
	harness_response_free(&r);

	/* Archived: gone from the public pages. */
	set_status(&f, id, "archived");
	get(f.a, uri, NULL, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(id);
	teardown(&f);
}
END_TEST

/* ---- readers ---- */

START_TEST(etag_and_304_for_anonymous_readers)
{
	fixture f;
	setup(&f);
	char slug[96], uri[160], inm[200];
	slug_of(slug, sizeof slug, "etag");
	char *id = create_article(&f, slug, "Cached", "Same bytes.");
	set_status(&f, id, "published");
	snprintf(uri, sizeof uri, "/kb/articles/%s", slug);
	harness_response r;
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	char *etag = harness_header(&r, "ETag");
	char *cc = harness_header(&r, "Cache-Control");
	ck_assert_ptr_nonnull(etag);
	ck_assert_str_eq(cc, "public, max-age=60");
	free(cc);
	ck_assert_ptr_null(harness_header(&r, "Set-Cookie"));
	harness_response_free(&r);

	snprintf(inm, sizeof inm, "HTTP_IF_NONE_MATCH=%s", etag);
	const char *extra[2] = { inm, NULL };
	harness_request(f.a, "GET", uri, extra, NULL, 0, &r);
	assert_status(&r, 304);
	ck_assert_uint_eq(strlen(r.body ? r.body : ""), 0);
	harness_response_free(&r);

	/* Signed in: no ETag, private. */
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	ck_assert_ptr_null(harness_header(&r, "ETag"));
	cc = harness_header(&r, "Cache-Control");
	ck_assert_str_eq(cc, "private, no-cache");
	free(cc);
	harness_response_free(&r);

	/* An edit changes the tag: the old one gets the new page. */
	char fields[256], euri[160];
	snprintf(euri, sizeof euri, "/desk/kb/articles/%s", id);
	snprintf(fields, sizeof fields, "title=Cached+again&slug=%s&content=Other+bytes.&action=save", slug);
	post_as(f.a, euri, &f.ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	harness_request(f.a, "GET", uri, extra, NULL, 0, &r);
	assert_status(&r, 200);
	assert_has(&r, "Other bytes.");
	harness_response_free(&r);
	/* The views are counted in Redis, not on the row, until the
	 * scheduler adds them. */
	assert_owner1("select view_count::text from kb_articles where id = $1::uuid", id, "0");
	config cfg;
	char err[256];
	ck_assert_int_eq(config_load(&cfg, err, sizeof err), 0);
	sched_report report;
	ck_assert_int_eq(sched_run_once(&cfg, &report), 0);
	ck_assert_int_eq(report.failed, 0);
	config_free(&cfg);
	assert_owner1("select (view_count >= 4)::text from kb_articles where id = $1::uuid", id, "true");
	free(etag);
	free(id);
	teardown(&f);
}
END_TEST

START_TEST(search_marks_matches_as_text_and_suggest_answers_json)
{
	fixture f;
	setup(&f);
	char slug[96], word[64];
	slug_of(slug, sizeof slug, "search");
	/* A word of its own so other tests' articles do not match. */
	snprintf(word, sizeof word, "zebrafoo%d", (int)getpid());
	char title[160], content[256];
	snprintf(title, sizeof title, "Feeding the %s <b>now</b>", word);
	snprintf(content, sizeof content, "The %s eats <i>grass</i> & hay.", word);
	char *id = create_article(&f, slug, title, content);
	set_status(&f, id, "published");
	harness_response r;
	char uri[512];
	snprintf(uri, sizeof uri, "/kb/search?q=%s", word);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	char want[160];
	/* The title is text; the headline (ts_headline drops what looks like
	 * tags) marks the word and nothing else is markup. */
	snprintf(want, sizeof want, "Feeding the %s &lt;b&gt;now&lt;/b&gt;</a>", word);
	assert_has(&r, want);
	snprintf(want, sizeof want, "The <mark>%s</mark> eats", word);
	assert_has(&r, want);
	assert_lacks(&r, "<b>now");
	assert_lacks(&r, "<i>grass");
	harness_response_free(&r);

	/* Hostile queries are queries, not errors. */
	get(f.a, "/kb/search?q=%27%29%7C%26%21%3A*%22", NULL, &r);
	assert_status(&r, 200);
	harness_response_free(&r);
	char longq[260];
	memset(longq, 'a', 250);
	longq[250] = '\0';
	snprintf(uri, sizeof uri, "/kb/search?q=%s", longq);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 400);
	assert_has(&r, "at most 200 characters");
	harness_response_free(&r);

	snprintf(uri, sizeof uri, "/kb/suggest?q=how+to+feed+a+%s", word);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	char *ct = harness_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "application/json"));
	free(ct);
	char *t = json_field(r.body, "title");
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t, title);
	free(t);
	char *u = json_field(r.body, "url");
	char wurl[160];
	snprintf(wurl, sizeof wurl, "/kb/articles/%s", slug);
	ck_assert_str_eq(u, wurl);
	free(u);
	harness_response_free(&r);
	get(f.a, "/kb/suggest?q=ab", NULL, &r);
	ck_assert_str_eq(r.body, "[]");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/kb/suggest?q=%s", longq);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 400);
	harness_response_free(&r);

	/* The submit form's second step lists it, linked with from=submit. */
	char *type = owner_queryv("select id from request_types where is_active order by id limit 1", NULL);
	if (type) {
		snprintf(uri, sizeof uri, "/submit?request_type=%s&title=my+%s+is+hungry", type, word);
		get(f.a, uri, NULL, &r);
		assert_status(&r, 200);
		snprintf(want, sizeof want, "href=\"/kb/articles/%s?from=submit\"", slug);
		assert_has(&r, want);
		snprintf(want, sizeof want, "value=\"my %s is hungry\"", word);
		assert_has(&r, want);
		harness_response_free(&r);
		free(type);
	}
	free(id);
	teardown(&f);
}
END_TEST

START_TEST(one_vote_per_user_and_per_browser)
{
	fixture f;
	setup(&f);
	char slug[96], uri[160], fuze[200];
	slug_of(slug, sizeof slug, "vote");
	char *id = create_article(&f, slug, "Votes", "Did it?");
	set_status(&f, id, "published");
	snprintf(uri, sizeof uri, "/kb/articles/%s/feedback", slug);
	harness_response r;
	/* An address of its own: the vote's rate limit counts per address. */
	char ip[32];
	snprintf(ip, sizeof ip, "%s", unique_ip());

	/* Anonymous: the form page hands out the browser cookie and token. */
	snprintf(fuze, sizeof fuze, "%s?helpful=no", uri);
	get(f.a, fuze, NULL, &r);
	assert_status(&r, 200);
	assert_has(&r, "id=\"f-helpful-no\" name=\"helpful\" value=\"no\" checked");
	char *anon = harness_cookie(&r, "sd_anon");
	char *csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	ck_assert_ptr_nonnull(anon);
	ck_assert_ptr_nonnull(csrf);
	harness_response_free(&r);

	post_form_from(f.a, ip, uri, anon, "helpful=no&comment=x", &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	char body[512];
	snprintf(body, sizeof body, "_csrf=%s&helpful=maybe&comment=kept", csrf);
	post_form_from(f.a, ip, uri, anon, body, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose yes or no.");
	assert_has(&r, ">kept</textarea>");
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=%s&helpful=no&comment=%%3Cb%%3EToo+short%%3C%%2Fb%%3E", csrf);
	post_form_from(f.a, ip, uri, anon, body, &r);
	assert_status(&r, 200);
	assert_has(&r, "your answer is recorded");
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=%s&helpful=yes", csrf);
	post_form_from(f.a, ip, uri, anon, body, &r);
	assert_status(&r, 200);
	assert_has(&r, "already answered");
	harness_response_free(&r);

	/* A signed-in customer: once. */
	char *cust = new_user("voter", NULL, 0);
	browser cb;
	sign_in(f.a, cust, &cb);
	post_as_from(f.a, ip, uri, &cb, "helpful=yes", &r);
	assert_status(&r, 200);
	assert_has(&r, "your answer is recorded");
	harness_response_free(&r);
	post_as_from(f.a, ip, uri, &cb, "helpful=no", &r);
	assert_has(&r, "already answered");
	harness_response_free(&r);
	assert_owner1("select helpful_count || '/' || unhelpful_count from kb_articles where id = $1::uuid", id, "1/1");

	/* Staff see the counts and the comment, escaped. */
	char duri[160];
	snprintf(duri, sizeof duri, "/desk/kb/articles/%s", id);
	get(f.a, duri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "50% of 2");
	assert_has(&r, "&lt;b&gt;Too short&lt;/b&gt;");
	harness_response_free(&r);

	/* 30 answers an hour from one address, then 429 with Retry-After. */
	char ip2[32];
	snprintf(ip2, sizeof ip2, "%s", unique_ip());
	snprintf(body, sizeof body, "_csrf=%s&helpful=maybe", csrf);
	for (int i = 0; i < 30; i++) {
		post_form_from(f.a, ip2, uri, anon, body, &r);
		assert_status(&r, 422);
		harness_response_free(&r);
	}
	post_form_from(f.a, ip2, uri, anon, body, &r);
	assert_status(&r, 429);
	char *ra = harness_header(&r, "Retry-After");
	ck_assert_ptr_nonnull(ra);
	free(ra);
	harness_response_free(&r);

	/* No vote on what is not published. */
	set_status(&f, id, "draft");
	post_as_from(f.a, ip, uri, &cb, "helpful=yes", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(anon);
	free(csrf);
	free(cust);
	free(cb.cookie);
	free(id);
	teardown(&f);
}
END_TEST

START_TEST(deflection_counts_opens_from_the_form)
{
	fixture f;
	setup(&f);
	char slug[96], uri[160];
	slug_of(slug, sizeof slug, "deflect");
	char *id = create_article(&f, slug, "Deflect", "Answered.");
	set_status(&f, id, "published");
	snprintf(uri, sizeof uri, "/kb/articles/%s?from=submit", slug);
	harness_response r;
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	char *c = harness_cookie(&r, "sd_kb_deflect");
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(strstr(c, id));
	char *cc = harness_header(&r, "Cache-Control");
	ck_assert_str_eq(cc, "no-store");
	free(cc);
	harness_response_free(&r);
	assert_owner1("select suggest_open_count || '/' || suggest_submit_count from kb_articles where id = $1::uuid", id, "1/0");
	char duri[160];
	snprintf(duri, sizeof duri, "/desk/kb?org=%s", f.slug);
	get(f.a, duri, f.ag.cookie, &r);
	assert_has(&r, "1 of 1");
	harness_response_free(&r);
	free(c);
	free(id);
	teardown(&f);
}
END_TEST

START_TEST(categories_nest_and_refuse_deleting_what_is_used)
{
	fixture f;
	setup(&f);
	harness_response r;
	char top[96], sub[96], fields[512];
	slug_of(top, sizeof top, "top");
	slug_of(sub, sizeof sub, "sub");
	snprintf(fields, sizeof fields, "org=%s&name=Top&slug=%s", f.slug, top);
	post_as(f.a, "/desk/kb/categories", &f.ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	char *top_id = owner_queryv("select id from kb_categories where slug = $1", top, NULL);
	snprintf(fields, sizeof fields, "org=%s&name=Sub&slug=%s&parent=%s", f.slug, sub, top_id);
	post_as(f.a, "/desk/kb/categories", &f.ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	char *sub_id = owner_queryv("select id from kb_categories where slug = $1", sub, NULL);
	/* Same slug again: 422. */
	post_as(f.a, "/desk/kb/categories", &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Another category has this slug");
	harness_response_free(&r);
	/* A cycle: top inside sub. */
	char uri[160];
	snprintf(uri, sizeof uri, "/desk/kb/categories/%s", top_id);
	snprintf(fields, sizeof fields, "name=Top&slug=%s&parent=%s", top, sub_id);
	post_as(f.a, uri, &f.ag, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "nor one inside it");
	harness_response_free(&r);
	/* Another organization's staff cannot see or delete it. */
	get(f.a, uri, f.oth.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	char duri[200];
	snprintf(duri, sizeof duri, "/desk/kb/categories/%s/delete", sub_id);
	post_as(f.a, duri, &f.oth, "", &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	/* Used (a child): refused with the reason. */
	snprintf(duri, sizeof duri, "/desk/kb/categories/%s/delete", top_id);
	post_as(f.a, duri, &f.ag, "", &r);
	assert_status(&r, 409);
	assert_has(&r, "nested in this one");
	harness_response_free(&r);
	/* The public page shows the breadcrumbs. */
	snprintf(uri, sizeof uri, "/kb/%s", sub);
	get(f.a, uri, NULL, &r);
	assert_status(&r, 200);
	char want[200];
	snprintf(want, sizeof want, "<li><a href=\"/kb/%s\">Top</a></li><li><span aria-current=\"page\">Sub</span></li>", top);
	assert_has(&r, want);
	harness_response_free(&r);
	/* Unused: deleted. */
	snprintf(duri, sizeof duri, "/desk/kb/categories/%s/delete", sub_id);
	post_as(f.a, duri, &f.ag, "", &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner1("select count(*)::text from kb_categories where id = $1::uuid", sub_id, "0");
	get(f.a, "/kb/no-such-category", NULL, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(top_id);
	free(sub_id);
	teardown(&f);
}
END_TEST

Suite *kb_suite(void)
{
	Suite *s = suite_create("kb");
	TCase *tc = tcase_create("kb");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, visitors_customers_and_other_staff_are_kept_out);
	tcase_add_test(tc, bad_input_is_422_with_input_kept);
	tcase_add_test(tc, write_preview_publish_edit_compare_restore);
	tcase_add_test(tc, etag_and_304_for_anonymous_readers);
	tcase_add_test(tc, search_marks_matches_as_text_and_suggest_answers_json);
	tcase_add_test(tc, one_vote_per_user_and_per_browser);
	tcase_add_test(tc, deflection_counts_opens_from_the_form);
	tcase_add_test(tc, categories_nest_and_refuse_deleting_what_is_used);
	suite_add_tcase(s, tc);
	return s;
}
