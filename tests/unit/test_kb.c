/* test_kb.c: the knowledge base's pure parts: the sanitising Markdown
 * renderer (what must never get through, then what must) and the line
 * diff of two versions. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/linediff.h"
#include "core/markdown.h"
#include "unit/suites.h"

static const char *md(arena *a, const char *s)
{
	return markdown_render(a, s, strlen(s));
}

static void refute_has(const char *html, const char *needle)
{
	ck_assert_msg(strstr(html, needle) == NULL, "%s\n  contains %s", html, needle);
}

START_TEST(raw_html_is_text)
{
	arena *a = arena_new(4096);
	const char *h = md(a, "<script>alert(1)</script>\n\nhi <b onclick=x>bold</b> <img src=x onerror=alert(1)>");
	refute_has(h, "<script");
	refute_has(h, "<b ");
	refute_has(h, "<img");
	refute_has(h, "raw HTML omitted");
	ck_assert_ptr_nonnull(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(h, "&lt;b onclick=x&gt;bold&lt;/b&gt;"));
	/* An HTML comment and a processing instruction as blocks, too. */
	h = md(a, "<!-- x --><iframe src=//evil>\n\n<?php x ?>\n\n<div>\n*a*\n</div>");
	refute_has(h, "<iframe");
	refute_has(h, "<div");
	refute_has(h, "<!--");
	refute_has(h, "<?");
	arena_free(a);
}
END_TEST

START_TEST(bad_links_lose_their_destination)
{
	static const char *bad[] = {
		"[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](javascript&#58;alert(1))",
		"[x](<java\tscript:alert(1)>)", "[x](vbscript:msgbox)", "[x](data:text/html;base64,PHNjcmlwdD4=)",
		"[x](file:///etc/passwd)", "[x](//evil.example/)", "[x](/\\evil.example)", "[x](ftp://example.com/)",
		"<javascript:alert(1)>", "[x][r]\n\n[r]: javascript:alert(1)", "[x](http://)", "[x](mailto:)",
		"[x](\\javascript:alert(1))",
	};
	arena *a = arena_new(4096);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *h = md(a, bad[i]);
		ck_assert_msg(strstr(h, "href") == NULL, "%s -> %s", bad[i], h);
		refute_has(h, "href=\"javascript");
	}
	/* The text of an unwrapped link stays. */
	ck_assert_str_eq(md(a, "see [the docs](javascript:void(0)) now"), "<p>see the docs now</p>\n");
	arena_free(a);
}
END_TEST

START_TEST(images_only_from_attachments)
{
	arena *a = arena_new(4096);
	const char *h = md(a, "![cat](https://evil.example/track.png)");
	refute_has(h, "<img");
	ck_assert_str_eq(h, "<p>cat</p>\n");
	refute_has(md(a, "![x](/attachments/../admin)"), "<img");
	refute_has(md(a, "![x](/attachments/123e4567-e89b-12d3-a456-42661417400)"), "<img");
	refute_has(md(a, "![x](data:image/png;base64,AAAA)"), "<img");
	refute_has(md(a, "![x](/static/logo.png)"), "<img");
	h = md(a, "![diagram](/attachments/123e4567-e89b-12d3-a456-426614174000 \"t\")");
	ck_assert_str_eq(h, "<p><img src=\"/attachments/123e4567-e89b-12d3-a456-426614174000\" alt=\"diagram\" title=\"t\" /></p>\n");
	arena_free(a);
}
END_TEST

START_TEST(good_markdown_survives)
{
	arena *a = arena_new(4096);
	ck_assert_str_eq(md(a, "[site](https://example.com/a?b=1&c=2)"),
	                 "<p><a href=\"https://example.com/a?b=1&amp;c=2\">site</a></p>\n");
	ck_assert_str_eq(md(a, "[mail](mailto:help@example.com)"), "<p><a href=\"mailto:help@example.com\">mail</a></p>\n");
	ck_assert_str_eq(md(a, "[rel](/kb/articles/reset)"), "<p><a href=\"/kb/articles/reset\">rel</a></p>\n");
	ck_assert_str_eq(md(a, "[rel](reset-password)"), "<p><a href=\"reset-password\">rel</a></p>\n");
	ck_assert_str_eq(md(a, "[top](#top)"), "<p><a href=\"#top\">top</a></p>\n");
	ck_assert_str_eq(md(a, "- one\n- two\n"), "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
	ck_assert_str_eq(md(a, "# T\n\n`<b>`"), "<h1>T</h1>\n<p><code>&lt;b&gt;</code></p>\n");
	ck_assert_str_eq(md(a, "a \"quote\" & <"), "<p>a &quot;quote&quot; &amp; &lt;</p>\n");
	/* Attribute breaking attempts are escaped by the renderer. */
	refute_has(md(a, "[x](https://e.example/\"onmouseover=\"alert(1))"), "\"onmouseover");
	ck_assert_str_eq(md(a, ""), "");
	arena_free(a);
}
END_TEST

START_TEST(bad_bytes_are_replaced)
{
	arena *a = arena_new(4096);
	const char in[] = { 'a', '\0', 'b', (char)0xff, 'c', '\n' };
	const char *h = markdown_render(a, in, sizeof in);
	ck_assert_str_eq(h, "<p>a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c</p>\n");
	arena_free(a);
}
END_TEST

START_TEST(url_allow_list)
{
	ck_assert(markdown_url_allowed("http://x", false));
	ck_assert(markdown_url_allowed("HTTPS://x/y", false));
	ck_assert(markdown_url_allowed("a/b:c", false));
	ck_assert(!markdown_url_allowed("a:b/c", false));
	ck_assert(!markdown_url_allowed("", false));
	ck_assert(!markdown_url_allowed(NULL, false));
	ck_assert(!markdown_url_allowed("https://x/\x01", false));
	ck_assert(!markdown_url_allowed("https://x", true));
}
END_TEST

/* The diff as one string: " same", "-del", "+add", one a line. */
static const char *diff_str(arena *a, const char *x, const char *y)
{
	linediff_line *d;
	size_t n = linediff(a, x, strlen(x), y, strlen(y), &d);
	char *out = arena_alloc(a, strlen(x) + strlen(y) + 2 * n + 1);
	char *p = out;
	for (size_t i = 0; i < n; i++) {
		*p++ = d[i].op == LINEDIFF_SAME ? ' ' : d[i].op == LINEDIFF_DEL ? '-' : '+';
		memcpy(p, d[i].text, d[i].len);
		p += d[i].len;
		*p++ = '|';
	}
	*p = '\0';
	return out;
}

START_TEST(diff_lines)
{
	arena *a = arena_new(4096);
	ck_assert_str_eq(diff_str(a, "", ""), "");
	ck_assert_str_eq(diff_str(a, "a\nb\n", "a\nb\n"), " a| b|");
	ck_assert_str_eq(diff_str(a, "", "a\nb"), "+a|+b|");
	ck_assert_str_eq(diff_str(a, "a\nb", ""), "-a|-b|");
	ck_assert_str_eq(diff_str(a, "a\nb\nc\n", "a\nx\nc\n"), " a|-b|+x| c|");
	ck_assert_str_eq(diff_str(a, "a\nb\nc\nd\n", "b\nc\ne\n"), "-a| b| c|-d|+e|");
	ck_assert_str_eq(diff_str(a, "x\r\ny\r\n", "x\ny\nz"), " x| y|+z|");
	ck_assert_str_eq(diff_str(a, "a\n\nb\n", "a\nb\n\n"), " a|-| b|+|");
	/* Line numbers on each side. */
	linediff_line *d;
	size_t n = linediff(a, "a\nb\nc", 5, "a\nc\nd", 5, &d);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(d[1].op, LINEDIFF_DEL);
	ck_assert_uint_eq(d[1].old_no, 2);
	ck_assert_uint_eq(d[1].new_no, 0);
	ck_assert_uint_eq(d[2].old_no, 3);
	ck_assert_uint_eq(d[2].new_no, 2);
	ck_assert_uint_eq(d[3].op, LINEDIFF_ADD);
	ck_assert_uint_eq(d[3].new_no, 3);
	arena_free(a);
}
END_TEST

START_TEST(diff_over_the_cap_is_still_a_diff)
{
	/* 2,500 changed lines on each side is over LINEDIFF_MAX_CELLS: the
	 * middle comes as all deleted then all added, head and tail kept. */
	arena *a = arena_new(1 << 16);
	size_t lines = 2500;
	char *x = arena_alloc(a, lines * 8 + 16), *y = arena_alloc(a, lines * 8 + 16);
	char *px = x, *py = y;
	px += sprintf(px, "head\n");
	py += sprintf(py, "head\n");
	for (size_t i = 0; i < lines; i++) {
		px += sprintf(px, "a%zu\n", i);
		py += sprintf(py, "b%zu\n", i);
	}
	sprintf(px, "tail\n");
	sprintf(py, "tail\n");
	linediff_line *d;
	size_t n = linediff(a, x, strlen(x), y, strlen(y), &d);
	ck_assert_uint_eq(n, 2 * lines + 2);
	ck_assert_uint_eq(d[0].op, LINEDIFF_SAME);
	ck_assert_uint_eq(d[1].op, LINEDIFF_DEL);
	ck_assert_uint_eq(d[lines].op, LINEDIFF_DEL);
	ck_assert_uint_eq(d[lines + 1].op, LINEDIFF_ADD);
	ck_assert_uint_eq(d[n - 1].op, LINEDIFF_SAME);
	arena_free(a);
}
END_TEST

Suite *kb_unit_suite(void)
{
	Suite *s = suite_create("kb");
	TCase *tc = tcase_create("markdown");
	tcase_add_test(tc, raw_html_is_text);
	tcase_add_test(tc, bad_links_lose_their_destination);
	tcase_add_test(tc, images_only_from_attachments);
	tcase_add_test(tc, good_markdown_survives);
	tcase_add_test(tc, bad_bytes_are_replaced);
	tcase_add_test(tc, url_allow_list);
	suite_add_tcase(s, tc);
	tc = tcase_create("linediff");
	tcase_add_test(tc, diff_lines);
	tcase_add_test(tc, diff_over_the_cap_is_still_a_diff);
	suite_add_tcase(s, tc);
	return s;
}
