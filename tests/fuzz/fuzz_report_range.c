/* fuzz_report_range.c: libFuzzer target for the reports' date range parser
 * (core/daterange.c) and the CSV writer (core/csv.c): the input split at
 * its first '|' into from and to. A range that parses is ordered, within
 * the limit, and its dates format back to what parses to the same days; a
 * CSV cell never starts a formula and its quotes balance. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/csv.h"
#include "core/daterange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_range(const char *p, size_t n)
{
	const char *bar = memchr(p, '|', n);
	str from = { p, bar ? (size_t)(bar - p) : n };
	str to = bar ? (str){ bar + 1, n - (size_t)(bar - p) - 1 } : (str){ "", 0 };
	long today = 19800, f = 0, t = 0;
	enum range_error e = date_range_parse(from, to, today, 30, 366, &f, &t);
	if (e != RANGE_OK)
		return;
	if (f > t || t - f + 1 > 366)
		abort();
	char out[DATE_LEN + 1];
	long back;
	date_format(f, out);
	if (!date_parse(str_from_cstr(out), &back) || back != f)
		abort();
	date_format(t, out);
	if (!date_parse(str_from_cstr(out), &back) || back != t)
		abort();
	if ((from.len && from.len != DATE_LEN) || (to.len && to.len != DATE_LEN))
		abort();
}

static void check_csv(arena *a, const char *p, size_t n)
{
	buf b;
	buf_init(&b, a, n * 2 + 8);
	csv_writer w;
	csv_init(&w, &b);
	csv_cell_n(&w, p, n);
	csv_end_row(&w);
	if (b.len < 2 || b.data[b.len - 2] != '\r' || b.data[b.len - 1] != '\n')
		abort();
	const char *c = b.data;
	size_t len = b.len - 2;
	if (len && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@' || c[0] == '\t' || c[0] == '\r'))
		abort();
	if (len && c[0] == '"') {
		if (len < 2 || c[len - 1] != '"')
			abort();
		if (len > 2 && (c[1] == '=' || c[1] == '+' || c[1] == '-' || c[1] == '@' || c[1] == '\t' || c[1] == '\r'))
			abort();
		size_t quotes = 0;
		for (size_t i = 1; i + 1 < len; i++)
			if (c[i] == '"')
				quotes++;
		if (quotes % 2)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	arena *a = arena_new(16384);
	check_range((const char *)data, size);
	check_csv(a, (const char *)data, size);
	arena_free(a);
	return 0;
}
