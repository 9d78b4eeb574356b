/* test_kb.c: the knowledge base end to end, through nginx with libcurl.
 * An agent of an organization writes an article in Markdown with a link
 * and a list, previews it, saves, publishes, edits it twice, compares the
 * first and third versions and restores the first; then a visitor without
 * an account finds it on the organization's help center and by search,
 * reads the restored text, votes once (a second vote from the same browser
 * is refused), and sees it suggested on the request form's second step and
 * by /kb/suggest.
 *
 * Registered from test_e2e.c's main() as the suite "kb_e2e". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_staff.h"

Suite *kb_e2e_suite(void);

/* The body of a page that must answer 200 in j (malloc'd). */
static char *page_of(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *body = strdup(r.body.data);
	resp_free(&r);
	return body;
}

static void assert_in(const char *html, const char *want, const char *what)
{
	ck_assert_msg(strstr(html, want) != NULL, "%s: no %s in %.1200s", what, want, html);
}

/* Saves the article form at path (title, slug, Markdown content, all plain
 * text) with action; the response. */
static resp save_article(const char *path, jar *j, const char *csrf, const char *org, const char *title,
    const char *slug, const char *content, const char *action)
{
	char *t = curl_easy_escape(NULL, title, 0), *c = curl_easy_escape(NULL, content, 0);
	dbuf b = { 0 };
	dbuf_addf(&b, "org=%s&title=%s&slug=%s&content=%s&action=%s", org, t, slug, c, action);
	curl_free(t);
	curl_free(c);
	resp r = post_form(path, j, csrf, b.data);
	dbuf_free(&b);
	return r;
}

START_TEST(test_article_written_found_voted_suggested)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200");
	char org_slug[96], email[160], word[64], slug[128], title[160], path[256], loc[512];
	char *org = org_create("kb-e2e", org_slug, sizeof org_slug);
	free(staff_account("kb-writer", org, "agent", email, sizeof email));
	/* A word no other test writes, so search and suggestions find this article. */
	uniq(word, sizeof word, "wombat");
	for (char *c = word; *c; c++)
		if (*c == '-' || *c == '_')
			*c = 'x';
	snprintf(slug, sizeof slug, "feed-the-%s", word);
	for (char *c = slug; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	snprintf(title, sizeof title, "Feeding the %s", word);

	jar ag = { 0 };
	sign_in_password(&ag, email, loc, sizeof loc);
	ck_assert_str_eq(loc, "/desk");
	char newp[256];
	snprintf(newp, sizeof newp, "/desk/kb/new?org=%s", org_slug);
	char *csrf = csrf_of(newp, &ag);

	/* The preview renders the Markdown, makes raw HTML text, saves nothing. */
	char v1[512];
	snprintf(v1, sizeof v1, "The %s eats leaves.\n\n- in the morning\n- at night\n\nSee [the guide](https://example.com/guide).\n\n<script>alert(1)</script>\n", word);
	resp r = save_article("/desk/kb/new", &ag, csrf, org_slug, title, slug, v1, "preview");
	ck_status(r, 200, "preview");
	assert_in(r.body.data, "<li>in the morning</li>", "the preview's list");
	assert_in(r.body.data, "<a href=\"https://example.com/guide\">the guide</a>", "the preview's link");
	assert_in(r.body.data, "&lt;script&gt;", "raw HTML as text");
	ck_assert_msg(!strstr(r.body.data, "<script>alert"), "no live script in the preview");
	resp_free(&r);
	ck_assert_int_eq(db_long("select count(*) from kb_articles where slug = $1", slug), 0);

	r = save_article("/desk/kb/new", &ag, csrf, org_slug, title, slug, v1, "save");
	ck_status(r, 303, "save the first version");
	ck_assert(resp_header(&r, "Location", loc, sizeof loc));
	resp_free(&r);
	const char *id_at = strstr(loc, "/desk/kb/articles/");
	ck_assert_msg(id_at != NULL, "saved to %s", loc);
	char id[64];
	snprintf(id, sizeof id, "%.36s", id_at + strlen("/desk/kb/articles/"));
	ck_assert_msg(strlen(id) == 36 && id[8] == '-', "article id %s", id);

	/* Not public while a draft. */
	jar anon = { 0 };
	snprintf(path, sizeof path, "/kb/articles/%s", slug);
	ck_assert_int_eq(status_of(path, &anon), 404);

	char edit[128];
	snprintf(edit, sizeof edit, "/desk/kb/articles/%s", id);
	snprintf(path, sizeof path, "%s/status", edit);
	r = post_form(path, &ag, csrf, "status=published");
	ck_status(r, 303, "publish");
	resp_free(&r);

	/* Two edits: versions 2 and 3. */
	for (int v = 2; v <= 3; v++) {
		char body[512], t[200];
		snprintf(t, sizeof t, "%s (v%d)", title, v);
		snprintf(body, sizeof body, "The %s eats grass, version %d.\n\n- in the morning\n- at noon\n", word, v);
		r = save_article(edit, &ag, csrf, org_slug, t, slug, body, "save");
		ck_status(r, 303, "edit");
		resp_free(&r);
	}
	ck_assert_int_eq(db_long("select count(*) from kb_article_versions where article_id = $1::uuid", id), 3);

	snprintf(path, sizeof path, "%s/compare?from=1&to=3", edit);
	char *cmp = page_of(path, &ag);
	assert_in(cmp, "<code>- - at night</code>", "the comparison's removed line");
	assert_in(cmp, "<code>+ - at noon</code>", "the comparison's added line");
	free(cmp);

	snprintf(path, sizeof path, "%s/restore", edit);
	r = post_form(path, &ag, csrf, "version=1");
	ck_status(r, 303, "restore the first version");
	resp_free(&r);
	char *restored = owner_sql("select version_no || ':' || restored_from from kb_article_versions "
	                           "where article_id = $1::uuid order by version_no desc limit 1", id, NULL, NULL);
	ck_assert_str_eq(restored, "4:1");
	free(restored);
	free(csrf);

	/* A visitor: the organization's help center lists it, the article reads
	 * as the first version, search finds it. */
	snprintf(path, sizeof path, "/kb?org=%s", org_slug);
	char *home = page_of(path, &anon);
	snprintf(loc, sizeof loc, "href=\"/kb/articles/%s\"", slug);
	assert_in(home, loc, "the help center's list");
	free(home);
	snprintf(path, sizeof path, "/kb/articles/%s", slug);
	char *art = page_of(path, &anon);
	assert_in(art, title, "the restored title");
	assert_in(art, "<li>at night</li>", "the restored list");
	assert_in(art, "<a href=\"https://example.com/guide\">the guide</a>", "the restored link");
	ck_assert_msg(!strstr(art, "<script>alert"), "no live script on the public page");
	ck_assert_msg(!strstr(art, "(v3)"), "the third version is gone from the page");
	free(art);
	snprintf(path, sizeof path, "/kb/search?q=%s", word);
	char *found = page_of(path, &anon);
	assert_in(found, loc, "the search results");
	free(found);

	/* One vote from this browser; the second is refused. */
	snprintf(path, sizeof path, "/kb/articles/%s/feedback?helpful=yes", slug);
	char *vcsrf = csrf_of(path, &anon);
	snprintf(path, sizeof path, "/kb/articles/%s/feedback", slug);
	r = post_form(path, &anon, vcsrf, "helpful=yes&comment=Clear+steps");
	ck_status(r, 200, "vote");
	assert_in(r.body.data, "your answer is recorded", "the vote's answer");
	resp_free(&r);
	r = post_form(path, &anon, vcsrf, "helpful=no");
	ck_status(r, 200, "vote again");
	assert_in(r.body.data, "already answered", "the second vote's answer");
	resp_free(&r);
	free(vcsrf);
	char *votes = owner_sql("select helpful_count || '/' || unhelpful_count from kb_articles where id = $1::uuid", id,
	    NULL, NULL);
	ck_assert_str_eq(votes, "1/0");
	free(votes);

	/* Suggested on the request form's second step (no scripts) and by the
	 * script's JSON. */
	snprintf(path, sizeof path, "/submit?title=how+to+feed+a+%s", word);
	char *form = page_of(path, &anon);
	snprintf(loc, sizeof loc, "href=\"/kb/articles/%s?from=submit\"", slug);
	assert_in(form, loc, "the form's suggestions");
	free(form);
	snprintf(path, sizeof path, "/kb/suggest?q=feed+a+%s", word);
	char *json = page_of(path, &anon);
	snprintf(loc, sizeof loc, "/kb/articles/%s", slug);
	assert_in(json, loc, "the suggestions' JSON");
	free(json);
	free(org);
}
END_TEST

Suite *kb_e2e_suite(void)
{
	Suite *s = suite_create("kb_e2e");
	TCase *tc = tcase_create("kb_e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_article_written_found_voted_suggested);
	suite_add_tcase(s, tc);
	return s;
}
