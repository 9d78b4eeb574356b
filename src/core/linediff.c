/* linediff.c: see linediff.h. */
#include "core/linediff.h"

#include <stdint.h>
#include <string.h>

typedef struct {
	const char *p;
	size_t len;
} line;

static size_t split(arena *ar, const char *s, size_t n, line **out)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			count++;
	if (n > 0 && s[n - 1] != '\n')
		count++;
	line *v = arena_alloc(ar, (count ? count : 1) * sizeof *v);
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n ? i > start : s[i] == '\n') {
			size_t len = i - start;
			if (len > 0 && s[start + len - 1] == '\r')
				len--;
			v[k++] = (line){ s + start, len };
			start = i + 1;
		}
	}
	*out = v;
	return k;
}

static int same(line x, line y)
{
	return x.len == y.len && (x.len == 0 || memcmp(x.p, y.p, x.len) == 0);
}

static void emit(linediff_line *o, size_t *k, linediff_op op, line l, size_t old_no, size_t new_no)
{
	o[(*k)++] = (linediff_line){ op, l.p, l.len, old_no, new_no };
}

size_t linediff(arena *ar, const char *a, size_t alen, const char *b, size_t blen, linediff_line **out)
{
	line *la, *lb;
	size_t n = split(ar, a, alen, &la);
	size_t m = split(ar, b, blen, &lb);
	linediff_line *o = arena_alloc(ar, (n + m ? n + m : 1) * sizeof *o);
	size_t k = 0;

	size_t head = 0;
	while (head < n && head < m && same(la[head], lb[head]))
		head++;
	size_t tail = 0;
	while (tail < n - head && tail < m - head && same(la[n - 1 - tail], lb[m - 1 - tail]))
		tail++;
	for (size_t i = 0; i < head; i++)
		emit(o, &k, LINEDIFF_SAME, la[i], i + 1, i + 1);

	size_t cn = n - head - tail, cm = m - head - tail;
	const line *xa = la + head, *xb = lb + head;
	if (cn > 0 && cm > 0 && (uint64_t)cn * cm <= LINEDIFF_MAX_CELLS && cn < 65535 && cm < 65535) {
		/* L[i][j]: the LCS length of xa[i..] and xb[j..]; below the cap
		 * min(cn, cm) <= 2000, so it fits in 16 bits. */
		size_t w = cm + 1;
		uint16_t *L = arena_calloc(ar, (cn + 1) * w, sizeof *L);
		for (size_t i = cn; i-- > 0;)
			for (size_t j = cm; j-- > 0;)
				L[i * w + j] = same(xa[i], xb[j]) ? (uint16_t)(L[(i + 1) * w + j + 1] + 1)
				               : (L[(i + 1) * w + j] >= L[i * w + j + 1] ? L[(i + 1) * w + j] : L[i * w + j + 1]);
		size_t i = 0, j = 0;
		while (i < cn || j < cm) {
			if (i < cn && j < cm && same(xa[i], xb[j])) {
				emit(o, &k, LINEDIFF_SAME, xa[i], head + i + 1, head + j + 1);
				i++, j++;
			} else if (i < cn && (j == cm || L[(i + 1) * w + j] >= L[i * w + j + 1])) {
				emit(o, &k, LINEDIFF_DEL, xa[i], head + i + 1, 0);
				i++;
			} else {
				emit(o, &k, LINEDIFF_ADD, xb[j], 0, head + j + 1);
				j++;
			}
		}
	} else {
		for (size_t i = 0; i < cn; i++)
			emit(o, &k, LINEDIFF_DEL, xa[i], head + i + 1, 0);
		for (size_t j = 0; j < cm; j++)
			emit(o, &k, LINEDIFF_ADD, xb[j], 0, head + j + 1);
	}

	for (size_t t = 0; t < tail; t++)
		emit(o, &k, LINEDIFF_SAME, la[n - tail + t], n - tail + t + 1, m - tail + t + 1);
	*out = o;
	return k;
}
