/* test_tmpl.c: Mustache engine: escaping, sections, partials, layouts, load errors, caps, memory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/str.h"
#include "tmpl/tmpl.h"
#include "tmpl/tmpl_json.h"
#include "unit/suites.h"

/* Compiles n templates (the first is rendered) and renders with the JSON
 * context; returns the output in the arena, or NULL on render error. */
static const char *render_n(arena *a, size_t n, const char *const *names, const char *const *srcs,
    const char *json)
{
	tmpl_set *set = NULL;
	char err[256];
	int rc = tmpl_set_load_strings(n, names, srcs, &set, err, sizeof err);
	ck_assert_msg(rc == 0, "load failed: %s", err);
	tv *ctx = tv_from_json(a, json, strlen(json), err, sizeof err);
	ck_assert_msg(ctx != NULL, "bad JSON: %s", err);
	buf out;
	buf_init(&out, a, 16);
	rc = tmpl_render(set, names[0], ctx, &out);
	tmpl_set_free(set);
	return rc == 0 ? out.data : NULL;
}

static const char *render1(arena *a, const char *src, const char *json)
{
	const char *names[] = { "t" };
	return render_n(a, 1, names, &src, json);
}

START_TEST(escapes_html_and_keeps_nul)
{
	static const char raw[] = "\0\"&'<>";
	static const char esc[] = "\0&quot;&amp;&#39;&lt;&gt;";
	arena *a = arena_new(4096);
	const char *names[] = { "t" };
	const char *srcs[] = { "[{{x}}|{{{x}}}|{{&x}}]" };
	tmpl_set *set;
	char err[128];
	ck_assert_int_eq(tmpl_set_load_strings(1, names, srcs, &set, err, sizeof err), 0);
	tv *ctx = tv_object(a);
	tv_set(a, ctx, "x", tv_string(a, raw, sizeof raw - 1));
	buf out;
	buf_init(&out, a, 8);
	ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), 0);

	char want[64];
	size_t n = 0;
	want[n++] = '[';
	memcpy(want + n, esc, sizeof esc - 1);
	n += sizeof esc - 1;
	want[n++] = '|';
	memcpy(want + n, raw, sizeof raw - 1);
	n += sizeof raw - 1;
	want[n++] = '|';
	memcpy(want + n, raw, sizeof raw - 1);
	n += sizeof raw - 1;
	want[n++] = ']';
	ck_assert_uint_eq(out.len, n);
	ck_assert_mem_eq(out.data, want, n);
	tmpl_set_free(set);
	arena_free(a);
}
END_TEST

START_TEST(sections_lists_and_inverted)
{
	arena *a = arena_new(4096);
	ck_assert_str_eq(render1(a, "{{#items}}<{{name}}:{{#tags}}{{.}},{{/tags}}>{{/items}}",
	    "{\"items\":[{\"name\":\"a\",\"tags\":[1,2]},{\"name\":\"b&c\",\"tags\":[]}]}"),
	    "<a:1,2,><b&amp;c:>");
	ck_assert_str_eq(render1(a, "{{^items}}none{{/items}}{{^nope}}!{{/nope}}{{^f}}F{{/f}}{{^n}}N{{/n}}",
	    "{\"items\":[],\"f\":false,\"n\":null}"), "none!FN");
	/* Only null, false and [] are falsey: "" and 0 and {} are truthy. */
	ck_assert_str_eq(render1(a, "{{#s}}S{{/s}}{{#z}}Z{{.}}{{/z}}{{#o}}O{{/o}}{{^s}}x{{/s}}",
	    "{\"s\":\"\",\"z\":0,\"o\":{}}"), "SZ0O");
	/* Context stack, dotted names, no masking of broken chains. */
	ck_assert_str_eq(render1(a, "{{#a}}{{b.c}}|{{x}}{{/a}}|{{a.b.c}}|{{a.z.c}}",
	    "{\"a\":{\"b\":{\"c\":\"deep\"}},\"x\":\"outer\",\"z\":{\"c\":\"no\"}}"), "deep|outer|deep|");
	ck_assert_str_eq(render1(a, "{{n}} {{d}} {{i}} {{t}} {{f}} {{nil}}",
	    "{\"n\":85,\"d\":1.210,\"i\":-12345678901234,\"t\":true,\"f\":false,\"nil\":null}"),
	    "85 1.21 -12345678901234 true false ");
	arena_free(a);
}
END_TEST

START_TEST(numbers_shortest_round_trip)
{
	arena *a = arena_new(4096);
	tv *o = tv_object(a);
	tv_set(a, o, "a", tv_number(a, 1.210));
	tv_set(a, o, "b", tv_number(a, 85));
	tv_set(a, o, "c", tv_number(a, 0.1 + 0.2));
	tv_set(a, o, "d", tv_number(a, -0.0));
	tv_set(a, o, "e", tv_number(a, 1e300));
	tv_set_int(a, o, "f", 9007199254740993LL);
	const char *names[] = { "t" }, *srcs[] = { "{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}" };
	tmpl_set *set;
	ck_assert_int_eq(tmpl_set_load_strings(1, names, srcs, &set, NULL, 0), 0);
	buf out;
	buf_init(&out, a, 8);
	ck_assert_int_eq(tmpl_render(set, "t", o, &out), 0);
	ck_assert_str_eq(out.data, "1.21 85 0.30000000000000004 0 1e+300 9007199254740993");
	tmpl_set_free(set);
	arena_free(a);
}
END_TEST

START_TEST(tv_api_basics)
{
	arena *a = arena_new(1024);
	tv *o = tv_object(a);
	tv_set_str(a, o, "k", "v1");
	tv_set_str(a, o, "k", "v2"); /* replaces */
	tv_set_str(a, o, "n", NULL);
	tv_set_bool(a, o, "b", true);
	ck_assert_uint_eq(tv_len(o), 3);
	ck_assert_int_eq(tv_kind_of(tv_get(o, "n")), TV_NULL);
	ck_assert_int_eq(tv_kind_of(tv_get(o, "b")), TV_BOOL);
	ck_assert_ptr_null(tv_get(o, "missing"));
	tv *l = tv_list(a);
	for (int i = 0; i < 100; i++)
		tv_push(a, l, tv_int(a, i));
	ck_assert_uint_eq(tv_len(l), 100);
	ck_assert_ptr_null(tv_at(l, 100));
	tv_set(a, o, "l", l);
	ck_assert_ptr_eq(tv_get(o, "l"), l);
	ck_assert_ptr_eq(tv_bool(true), tv_bool(true));
	char err[128];
	ck_assert_ptr_null(tv_from_json(a, "{\"a\":", 5, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, ":"));
	arena_free(a);
}
END_TEST

START_TEST(partials_resolve_and_indent)
{
	arena *a = arena_new(4096);
	const char *names[] = { "page", "email/row", "box" };
	const char *srcs[] = {
		"<ul>\n  {{>box}}\n</ul>\n{{>missing}}{{#rows}}{{>email/row}}{{/rows}}",
		"[{{.}}]",
		"<li>\n{{{html}}}\n</li>\n",
	};
	ck_assert_str_eq(render_n(a, 3, names, srcs, "{\"rows\":[1,2],\"html\":\"a\\nb\"}"),
	    "<ul>\n  <li>\n  a\nb\n  </li>\n</ul>\n[1][2]");

	/* Recursion that ends with the data works. Leaves need "kids":[] or
	 * the lookup walks up the context stack to their parent's kids. */
	const char *tn[] = { "tree", "node" };
	const char *ts[] = { "{{>node}}", "{{name}}({{#kids}}{{>node}}{{/kids}})" };
	ck_assert_str_eq(render_n(a, 2, tn, ts,
	    "{\"name\":\"r\",\"kids\":[{\"name\":\"x\",\"kids\":[{\"name\":\"y\",\"kids\":[]}]},"
	    "{\"name\":\"z\",\"kids\":[]}]}"),
	    "r(x(y())z())");
	arena_free(a);
}
END_TEST

START_TEST(inheritance_layouts)
{
	arena *a = arena_new(4096);
	const char *names[] = { "page", "base", "layout" };
	const char *srcs[] = {
		"{{<base}}\n{{$title}}Inbox ({{count}}){{/title}}\n{{$main}}\n  <p>{{msg}}</p>\n{{/main}}\n{{/base}}\n",
		"{{<layout}}{{$head}}<meta base>{{/head}}{{/layout}}",
		"<title>{{$title}}Supportdesk{{/title}}</title>{{$head}}{{/head}}\n<main>\n  {{$main}}\n  default\n  {{/main}}\n</main>\n",
	};
	ck_assert_str_eq(render_n(a, 3, names, srcs, "{\"count\":3,\"msg\":\"<hi>\"}"),
	    "<title>Inbox (3)</title><meta base>\n<main>\n  <p>&lt;hi&gt;</p>\n</main>\n");
	/* The layout alone renders its defaults, indentation intact. */
	const char *ln[] = { "layout" };
	ck_assert_str_eq(render_n(a, 1, ln, &srcs[2], "{}"),
	    "<title>Supportdesk</title>\n<main>\n  default\n</main>\n");
	arena_free(a);
}
END_TEST

static const struct {
	const char *src;
	const char *want; /* prefix of the error: "t:line:col: message" */
} bad_templates[] = {
	{ "{{#a}}x", "t:1:1: unclosed section 'a'" },
	{ "ok\n  {{^inv}}\n{{#a}}{{/a}}", "t:2:3: unclosed section 'inv'" },
	{ "a\n  {{#a}}{{/b}}", "t:2:9: mismatched close tag 'b'" },
	{ "x\n\n{{/a}}", "t:3:1: unexpected close tag 'a'" },
	{ "ab{{x", "t:1:3: unclosed tag" },
	{ "{{{x}}", "t:1:1: unclosed tag" },
	{ "line\n{{=<% %>=}}\n<%x%> <%y", "t:3:7: unclosed tag" },
	{ "{{=<% =}}", "t:1:1: bad delimiter" },
	{ "  {{= a b c =}}", "t:1:3: bad delimiter" },
	{ "{{=a= b=}}", "t:1:1: bad delimiter" },
	{ "{{}}", "t:1:1: empty tag name" },
	{ "\t{{# }}{{/ }}", "t:1:2: empty tag name" },
	{ "{{a b}}", "t:1:1: invalid tag name" },
	{ "x{{a..b}}", "t:1:2: invalid dotted name" },
	{ "{{<p}}{{$b}}{{/p}}{{/b}}", "t:1:13: mismatched close tag 'p'" },
	{ "{{! a\nmultiline comment}}\n{{/x}}", "t:3:1: unexpected close tag" },
};

START_TEST(syntax_errors_name_line_col)
{
	const char *names[] = { "t" };
	const char *srcs[] = { bad_templates[_i].src };
	tmpl_set *set = (tmpl_set *)1;
	char err[256];
	ck_assert_int_eq(tmpl_set_load_strings(1, names, srcs, &set, err, sizeof err), -1);
	ck_assert_ptr_null(set);
	ck_assert_msg(strncmp(err, bad_templates[_i].want, strlen(bad_templates[_i].want)) == 0,
	    "template %d: got \"%s\", want \"%s...\"", _i, err, bad_templates[_i].want);
}
END_TEST

START_TEST(caps_nesting_and_name_length)
{
	char src[1024] = "";
	for (int i = 0; i <= TMPL_NEST_MAX; i++)
		strcat(src, "{{#a}}");
	const char *names[] = { "t" };
	const char *srcs[] = { src };
	tmpl_set *set;
	char err[256];
	ck_assert_int_eq(tmpl_set_load_strings(1, names, srcs, &set, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "t:1:385: sections nested deeper") == err, "%s", err);

	char name[TMPL_NAME_MAX + 8];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	snprintf(src, sizeof src, "{{%s}}", name);
	ck_assert_int_eq(tmpl_set_load_strings(1, names, srcs, &set, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "longer than") != NULL, "%s", err);
}
END_TEST

START_TEST(depth_cap_stops_infinite_recursion)
{
	arena *a = arena_new(4096);
	const char *names[] = { "loop", "self", "blk", "p" };
	const char *srcs[] = {
		"x{{>loop}}",
		"  {{>self}}\n",
		"{{<p}}{{$b}}({{$b}}{{/b}}){{/b}}{{/p}}", /* an argument that expands itself */
		"{{$b}}{{/b}}",
	};
	tmpl_set *set;
	char err[256];
	ck_assert_int_eq(tmpl_set_load_strings(4, names, srcs, &set, err, sizeof err), 0);
	for (int i = 0; i < 3; i++) {
		buf out;
		buf_init(&out, a, 16);
		ck_assert_int_eq(tmpl_render(set, names[i], tv_object(a), &out), -1);
		ck_assert_uint_le(out.len, 64 * 64 * 4);
	}
	buf out;
	buf_init(&out, a, 16);
	ck_assert_int_eq(tmpl_render(set, "nope", NULL, &out), -1);
	ck_assert(!tmpl_exists(set, "nope"));
	ck_assert(tmpl_exists(set, "loop"));
	tmpl_set_free(set);
	arena_free(a);
}
END_TEST

START_TEST(work_cap_stops_runaway_sections)
{
	/* 8^12 iterations: the depth is small, the work is not. */
	char src[512] = "";
	for (int i = 0; i < 12; i++)
		strcat(src, "{{#l}}");
	for (int i = 0; i < 12; i++)
		strcat(src, "{{/l}}");
	arena *a = arena_new(4096);
	const char *names[] = { "t" };
	const char *srcs[] = { src };
	tmpl_set *set;
	ck_assert_int_eq(tmpl_set_load_strings(1, names, srcs, &set, NULL, 0), 0);
	tv *ctx = tv_object(a), *l = tv_list(a);
	for (int i = 0; i < 8; i++)
		tv_push(a, l, tv_bool(true));
	tv_set(a, ctx, "l", l);
	buf out;
	buf_init(&out, a, 16);
	ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), -1);
	ck_assert_uint_eq(out.len, 0);
	tmpl_set_free(set);
	arena_free(a);
}
END_TEST

START_TEST(render_uses_only_the_buffer)
{
	arena *a = arena_new(8192);
	const char *names[] = { "t", "row" };
	const char *srcs[] = { "{{#rows}}\n  {{>row}}\n{{/rows}}", "<td>{{n}}</td><td>{{s}}</td>\n" };
	tmpl_set *set;
	ck_assert_int_eq(tmpl_set_load_strings(2, names, srcs, &set, NULL, 0), 0);
	for (int round = 0; round < 50; round++) {
		tv *ctx = tv_object(a);
		tv *rows = tv_list(a);
		for (int i = 0; i < 200; i++) {
			tv *r = tv_object(a);
			tv_set_int(a, r, "n", i);
			tv_set_str(a, r, "s", "<&>");
			tv_push(a, rows, r);
		}
		tv_set(a, ctx, "rows", rows);
		size_t before = arena_used(a);
		buf out;
		buf_init(&out, a, 64);
		ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), 0);
		ck_assert_uint_eq(out.len, strlen(out.data));
		ck_assert_ptr_nonnull(strstr(out.data, "  <td>199</td><td>&lt;&amp;&gt;</td>\n"));
		/* Growth of the one buffer is the only allocation a render makes. */
		ck_assert_uint_le(arena_used(a) - before, 2 * (out.cap + 1) + 16 * 32);
		arena_reset(a);
		ck_assert_uint_eq(arena_used(a), 0);
	}
	tmpl_set_free(set);
	arena_free(a);
}
END_TEST

START_TEST(big_render_into_fresh_arena_frees_everything)
{
	/* A page larger than the arena block makes buf grow into oversize
	 * blocks; arena_free must release them all (run under ASan/valgrind). */
	arena *a = arena_new(1024);
	const char *names[] = { "t" };
	const char *srcs[] = { "{{#l}}<tr><td>{{.}}</td><td>some padding text here</td></tr>\n{{/l}}" };
	tmpl_set *set;
	ck_assert_int_eq(tmpl_set_load_strings(1, names, srcs, &set, NULL, 0), 0);
	arena *data = arena_new(4096);
	tv *ctx = tv_object(data), *l = tv_list(data);
	for (int i = 0; i < 2000; i++)
		tv_push(data, l, tv_int(data, i));
	tv_set(data, ctx, "l", l);
	buf out;
	buf_init(&out, a, 16);
	ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), 0);
	ck_assert_uint_gt(out.len, 100000);
	/* Drop our pointer into the blocks so a leak checker sees any block
	 * arena_free misses as lost, not as still reachable from the stack. */
	explicit_bzero(&out, sizeof out);
	tmpl_set_free(set);
	arena_free(data);
	arena_free(a);
}
END_TEST

static void file_put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	fclose(f);
}

START_TEST(load_dir_names_and_errors)
{
	char dir[] = "/tmp/sdtmpl.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char p[256], sub[256];
	snprintf(sub, sizeof sub, "%s/email", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(p, sizeof p, "%s/layout.mustache", dir);
	file_put(p, "<b>{{$body}}{{/body}}</b>");
	snprintf(p, sizeof p, "%s/email/verify.mustache", dir);
	file_put(p, "{{<layout}}{{$body}}{{>email/link}}{{/body}}{{/layout}}");
	snprintf(p, sizeof p, "%s/email/link.mustache", dir);
	file_put(p, "<a href=\"{{url}}\">verify</a>");
	snprintf(p, sizeof p, "%s/notes.txt", dir);
	file_put(p, "{{#not a template");

	tmpl_set *set;
	char err[512];
	ck_assert_msg(tmpl_set_load_dir(dir, &set, err, sizeof err) == 0, "%s", err);
	ck_assert(tmpl_exists(set, "email/verify"));
	ck_assert(tmpl_exists(set, "layout"));
	ck_assert(!tmpl_exists(set, "notes"));
	arena *a = arena_new(1024);
	tv *ctx = tv_object(a);
	tv_set_str(a, ctx, "url", "/v?a=1&b=2");
	buf out;
	buf_init(&out, a, 16);
	ck_assert_int_eq(tmpl_render(set, "email/verify", ctx, &out), 0);
	ck_assert_str_eq(out.data, "<b><a href=\"/v?a=1&amp;b=2\">verify</a></b>");
	tmpl_set_free(set);
	arena_free(a);

	snprintf(p, sizeof p, "%s/email/broken.mustache", dir);
	file_put(p, "ok\n{{#open}}\n");
	ck_assert_int_eq(tmpl_set_load_dir(dir, &set, err, sizeof err), -1);
	char want[300];
	snprintf(want, sizeof want, "%s/email/broken.mustache:2:1: unclosed section 'open'", dir);
	ck_assert_str_eq(err, want);

	const char *files[] = { "email/broken", "email/verify", "email/link", "layout" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s.mustache", dir, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/notes.txt", dir);
	unlink(p);
	rmdir(sub);
	rmdir(dir);
}
END_TEST

Suite *tmpl_suite(void)
{
	Suite *s = suite_create("tmpl");
	TCase *tc = tcase_create("render");
	/* The work cap counts steps, not time: its test spends about 2 s of CPU,
	 * which Check's default 4 s outlasts only on an idle machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, escapes_html_and_keeps_nul);
	tcase_add_test(tc, sections_lists_and_inverted);
	tcase_add_test(tc, numbers_shortest_round_trip);
	tcase_add_test(tc, tv_api_basics);
	tcase_add_test(tc, partials_resolve_and_indent);
	tcase_add_test(tc, inheritance_layouts);
	tcase_add_test(tc, depth_cap_stops_infinite_recursion);
	tcase_add_test(tc, work_cap_stops_runaway_sections);
	tcase_add_test(tc, render_uses_only_the_buffer);
	tcase_add_test(tc, big_render_into_fresh_arena_frees_everything);
	suite_add_tcase(s, tc);

	TCase *tl = tcase_create("load");
	tcase_add_loop_test(tl, syntax_errors_name_line_col, 0,
	    (int)(sizeof bad_templates / sizeof *bad_templates));
	tcase_add_test(tl, caps_nesting_and_name_length);
	tcase_add_test(tl, load_dir_names_and_errors);
	suite_add_tcase(s, tl);
	return s;
}
