/* csv.h: RFC 4180 CSV (comma, CRLF, double quotes doubled) that a
 * spreadsheet cannot take for a formula: a cell starting with = + - @, a
 * tab or a carriage return is written quoted with a single quote in front
 * ("'=1+1"), so the cell shows the text. */
#ifndef SD_CORE_CSV_H
#define SD_CORE_CSV_H

#include <stdbool.h>

#include "core/str.h"

typedef struct {
	buf *out;
	bool row_started;   /* a cell was written on the current row */
} csv_writer;

void csv_init(csv_writer *w, buf *out);
/* One cell of the current row (NULL: an empty cell). */
void csv_cell(csv_writer *w, const char *s);
void csv_cell_n(csv_writer *w, const char *s, size_t n);
void csv_cell_int(csv_writer *w, long long v);
/* A number with one decimal ("12.5"); a negative or NaN value is empty. */
void csv_cell_dec1(csv_writer *w, double v);
/* Ends the row with CRLF. */
void csv_end_row(csv_writer *w);

#endif
