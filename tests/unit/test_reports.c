/* test_reports.c: the reports' pure parts: the CSV writer (RFC 4180
 * quoting, formula cells neutralised), the charts' geometry (round scales,
 * bars and points inside the plot) and the date range parser. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/chart.h"
#include "core/csv.h"
#include "core/daterange.h"
#include "unit/suites.h"

static const char *csv_of(arena *a, const char *const *cells, size_t n)
{
	buf b;
	buf_init(&b, a, 64);
	csv_writer w;
	csv_init(&w, &b);
	for (size_t i = 0; i < n; i++)
		csv_cell(&w, cells[i]);
	csv_end_row(&w);
	return b.data;
}

START_TEST(csv_formulas_are_neutralised)
{
	arena *a = arena_new(4096);
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "=1+1", "\"'=1+1\"\r\n" },
		{ "+41 22", "\"'+41 22\"\r\n" },
		{ "-2", "\"'-2\"\r\n" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"\r\n" },
		{ "\t=1", "\"'\t=1\"\r\n" },
		{ "\r=1", "\"'\r=1\"\r\n" },
		{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n" },
		{ "a=1", "a=1\r\n" },
		{ " =1", " =1\r\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *cells[1] = { cases[i].in };
		ck_assert_str_eq(csv_of(a, cells, 1), cases[i].out);
	}
	arena_free(a);
}
END_TEST

START_TEST(csv_rfc4180_quoting)
{
	arena *a = arena_new(4096);
	const char *cells[] = { "plain", "with, comma", "say \"hi\"", "two\nlines", NULL, "", "crlf\r\nin" };
	ck_assert_str_eq(csv_of(a, cells, 7),
	    "plain,\"with, comma\",\"say \"\"hi\"\"\",\"two\nlines\",,,\"crlf\r\nin\"\r\n");
	buf b;
	buf_init(&b, a, 16);
	csv_writer w;
	csv_init(&w, &b);
	csv_cell_int(&w, -5);   /* our numbers are never formulas */
	csv_cell_dec1(&w, 12.25);
	csv_cell_dec1(&w, -1);  /* none */
	csv_end_row(&w);
	csv_cell(&w, "next");
	csv_end_row(&w);
	ck_assert_str_eq(b.data, "-5,12.2,\r\nnext\r\n");
	arena_free(a);
}
END_TEST

START_TEST(chart_nice_scales)
{
	int steps;
	ck_assert_int_eq(chart_nice_step(0, 5, &steps), 1);
	ck_assert_int_eq(steps, 1);
	ck_assert_int_eq(chart_nice_step(1, 5, &steps), 1);
	ck_assert_int_eq(steps, 1);
	ck_assert_int_eq(chart_nice_step(7, 5, &steps), 2);
	ck_assert_int_eq(steps, 4);
	ck_assert_int_eq(chart_nice_step(100, 5, &steps), 20);
	ck_assert_int_eq(steps, 5);
	ck_assert_int_eq(chart_nice_step(101, 5, &steps), 50);
	ck_assert_int_eq(steps, 3);
	ck_assert_int_eq(chart_nice_step(999999, 4, &steps), 500000);
	ck_assert_int_eq(steps, 2);
}
END_TEST

START_TEST(chart_bars_fit_the_plot)
{
	arena *a = arena_new(4096);
	const long long v[4] = { 0, 5, 10, -3 };
	chart c;
	chart_bars(a, v, 4, &c);
	ck_assert_int_eq((int)c.n, 4);
	ck_assert_int_eq(c.axis_max, 10);
	ck_assert(c.width == CHART_WIDTH);
	ck_assert(c.bars[0].w == 0);
	ck_assert(c.bars[3].w == 0);   /* negative counts as none */
	ck_assert(c.bars[2].w == c.plot_w);
	ck_assert(c.bars[1].w * 2 == c.plot_w);
	for (size_t i = 0; i < 4; i++) {
		ck_assert(c.bars[i].y >= c.plot_y && c.bars[i].y + c.bars[i].h <= c.plot_y + c.plot_h);
		ck_assert(c.bars[i].label_y < c.bars[i].y);
		ck_assert(i == 0 || c.bars[i].y > c.bars[i - 1].y);
	}
	ck_assert(c.height > c.plot_y + c.plot_h);
	ck_assert_int_eq((int)c.nticks, 6);   /* 0, 2, 4, 6, 8, 10 */
	ck_assert(c.ticks[0].pos == c.plot_x && c.ticks[5].pos == c.plot_x + c.plot_w);
	ck_assert_int_eq(c.ticks[5].value, 10);
	arena_free(a);
}
END_TEST

START_TEST(chart_line_points)
{
	arena *a = arena_new(4096);
	const long long v[3] = { 0, 4, 8 };
	chart c;
	chart_line(a, v, 3, &c);
	ck_assert_int_eq(c.axis_max, 8);
	double bottom = c.plot_y + c.plot_h;
	ck_assert(c.points[0].x == c.plot_x && c.points[0].y == bottom);
	ck_assert(c.points[2].x == c.plot_x + c.plot_w && c.points[2].y == c.plot_y);
	ck_assert(c.points[1].y == bottom - c.plot_h / 2);
	ck_assert(c.ticks[0].pos == bottom && c.ticks[c.nticks - 1].pos == c.plot_y);
	chart_line(a, v, 1, &c);   /* one point: in the middle */
	ck_assert(c.points[0].x == c.plot_x + c.plot_w / 2);
	chart_line(a, NULL, 0, &c);
	ck_assert_int_eq((int)c.n, 0);
	ck_assert_int_eq(c.axis_max, 1);
	arena_free(a);
}
END_TEST

static enum range_error range(const char *from, const char *to, long *f, long *t)
{
	long today;
	ck_assert(date_parse(str_from_cstr("2024-03-15"), &today));
	return date_range_parse(str_from_cstr(from), str_from_cstr(to), today, 30, 366, f, t);
}

START_TEST(date_range_parsing)
{
	long d, f, t;
	static const char *const bad[] = { "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01",
		"24-01-01", "2024/01/01", "2024-01-01x", "1999-12-31", "+024-01-01", "2024-01-0a", "", "2024-04-31" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!date_parse(str_from_cstr(bad[i]), &d), "%s parsed", bad[i]);
	ck_assert(date_parse(str_from_cstr("1970-01-01"), &d) == false);
	ck_assert(date_parse(str_from_cstr("2000-01-01"), &d));
	ck_assert_int_eq(d, 10957);
	ck_assert(date_parse(str_from_cstr("2024-02-29"), &d));
	char out[DATE_LEN + 1];
	date_format(d, out);
	ck_assert_str_eq(out, "2024-02-29");
	ck_assert_int_eq(date_of_epoch(86400 * 2 + 5), 2);
	ck_assert_int_eq(date_of_epoch(-1), -1);

	ck_assert_int_eq(range("", "", &f, &t), RANGE_OK);
	date_format(f, out);
	ck_assert_str_eq(out, "2024-02-15");   /* 30 days, today included */
	date_format(t, out);
	ck_assert_str_eq(out, "2024-03-15");
	ck_assert_int_eq(range("", "2024-01-31", &f, &t), RANGE_OK);
	date_format(f, out);
	ck_assert_str_eq(out, "2024-01-02");
	/* The default start never before the first date the form takes back
	 * (found by fuzz_report_range). */
	ck_assert_int_eq(range("", "2000-01-24", &f, &t), RANGE_OK);
	date_format(f, out);
	ck_assert_str_eq(out, "2000-01-01");
	ck_assert_int_eq(range("2024-01-01", "2024-01-01", &f, &t), RANGE_OK);
	ck_assert_int_eq(range("x", "", &f, &t), RANGE_BAD_FROM);
	ck_assert_int_eq(range("2024-01-01", "2024-02-30", &f, &t), RANGE_BAD_TO);
	ck_assert_int_eq(range("2024-01-02", "2024-01-01", &f, &t), RANGE_REVERSED);
	ck_assert_int_eq(range("2023-01-01", "2024-01-02", &f, &t), RANGE_TOO_LONG);   /* 367 days */
	ck_assert_int_eq(range("2023-01-02", "2024-01-02", &f, &t), RANGE_OK);   /* 366 */
}
END_TEST

Suite *reports_unit_suite(void)
{
	Suite *s = suite_create("reports_unit");
	TCase *tc = tcase_create("reports");
	tcase_add_test(tc, csv_formulas_are_neutralised);
	tcase_add_test(tc, csv_rfc4180_quoting);
	tcase_add_test(tc, chart_nice_scales);
	tcase_add_test(tc, chart_bars_fit_the_plot);
	tcase_add_test(tc, chart_line_points);
	tcase_add_test(tc, date_range_parsing);
	suite_add_tcase(s, tc);
	return s;
}
