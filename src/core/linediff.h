/* linediff.h: a line diff of two texts (for comparing article versions). */
#ifndef SD_LINEDIFF_H
#define SD_LINEDIFF_H

#include <stddef.h>

#include "core/arena.h"

typedef enum { LINEDIFF_SAME, LINEDIFF_DEL, LINEDIFF_ADD } linediff_op;

typedef struct {
	linediff_op op;
	const char *text; /* points into a or b; not NUL-terminated, no '\n' */
	size_t len;
	size_t old_no, new_no; /* 1-based line numbers; 0 where it has none */
} linediff_line;

/* Above this many cells (changed lines of a times changed lines of b) the
 * middle is shown as deleted then added instead of aligned: the table is
 * two bytes a cell, so a diff costs at most 8 MB of the request's arena. */
#define LINEDIFF_MAX_CELLS 4000000u

/* The shortest edit script from a to b, line by line (a longest common
 * subsequence after the common head and tail are set aside). "\r\n" and
 * "\n" end lines alike; a last line without an end counts as a line.
 * Returns the number of entries in *out (in a's and b's order: at each
 * change, deletions before additions). */
size_t linediff(arena *ar, const char *a, size_t alen, const char *b, size_t blen, linediff_line **out);

#endif
