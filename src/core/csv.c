/* csv.c: see csv.h. */
#include "core/csv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void csv_init(csv_writer *w, buf *out)
{
	w->out = out;
	w->row_started = false;
}

/* Spreadsheets run a cell starting with these as a formula (OWASP "CSV
 * injection"); tab and CR too, since some strip them first. */
static bool formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void csv_cell_n(csv_writer *w, const char *s, size_t n)
{
	if (w->row_started)
		buf_putc(w->out, ',');
	w->row_started = true;
	if (!s || n == 0)
		return;
	bool neutralise = formula_start(s[0]);
	bool quote = neutralise;
	for (size_t i = 0; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = true;
	if (!quote) {
		buf_append(w->out, s, n);
		return;
	}
	buf_putc(w->out, '"');
	if (neutralise)
		buf_putc(w->out, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_putc(w->out, '"');
		buf_putc(w->out, s[i]);
	}
	buf_putc(w->out, '"');
}

void csv_cell(csv_writer *w, const char *s)
{
	csv_cell_n(w, s, s ? strlen(s) : 0);
}

/* Numbers are ours, never a formula: a negative one is written as it is. */
void csv_cell_int(csv_writer *w, long long v)
{
	if (w->row_started)
		buf_putc(w->out, ',');
	w->row_started = true;
	buf_printf(w->out, "%lld", v);
}

void csv_cell_dec1(csv_writer *w, double v)
{
	if (w->row_started)
		buf_putc(w->out, ',');
	w->row_started = true;
	if (isnan(v) || v < 0)
		return;
	buf_printf(w->out, "%.1f", v);
}

void csv_end_row(csv_writer *w)
{
	buf_puts(w->out, "\r\n");
	w->row_started = false;
}
