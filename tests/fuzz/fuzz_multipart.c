/* fuzz_multipart.c: libFuzzer target for the streaming multipart parser and the form collector. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "http/form.h"
#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOUNDARY "----fuzzB"

typedef struct {
	buf trace;
	size_t part_bytes; /* data in the current part */
	const http_limits *l;
	bool in_part;
} fuzz_trace;

static int fz_begin(void *ud, str name, str filename, str content_type)
{
	fuzz_trace *t = ud;
	if (t->in_part || name.len == 0 || name.len > t->l->max_name_size || !utf8_valid(name.ptr, name.len))
		abort();
	if (filename.ptr && !utf8_valid(filename.ptr, filename.len))
		abort();
	t->in_part = true;
	t->part_bytes = 0;
	buf_printf(&t->trace, "<%zu:", name.len);
	buf_put_str(&t->trace, name);
	if (filename.ptr) {
		buf_printf(&t->trace, "{%zu:", filename.len);
		buf_put_str(&t->trace, filename);
	}
	buf_printf(&t->trace, "(%zu:", content_type.len);
	buf_put_str(&t->trace, content_type);
	buf_putc(&t->trace, '>');
	return 0;
}

static int fz_data(void *ud, const char *p, size_t n)
{
	fuzz_trace *t = ud;
	if (!t->in_part || n == 0)
		abort();
	t->part_bytes += n;
	buf_append(&t->trace, p, n);
	return 0;
}

static int fz_end(void *ud)
{
	fuzz_trace *t = ud;
	if (!t->in_part)
		abort();
	t->in_part = false;
	buf_printf(&t->trace, "</%zu>", t->part_bytes);
	return 0;
}

static const multipart_callbacks fz_cb = { fz_begin, fz_data, fz_end };

/* Runs the parser over body in chunks drawn from `seed` (0: one feed). */
static http_err fz_run(arena *a, const http_limits *l, const char *body, size_t n, uint32_t seed, fuzz_trace *t)
{
	*t = (fuzz_trace){ .l = l };
	buf_init(&t->trace, a, 256);
	multipart_parser *mp = multipart_parser_new(a, STR_LIT(BOUNDARY), l, &fz_cb, t);
	size_t i = 0;
	while (i < n) {
		size_t k = n - i;
		if (seed) {
			/* xorshift: chunk sizes 1..16 with the odd big one */
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			size_t c = (seed & 0x100) ? (seed & 0xff) + 1 : (seed & 0xf) + 1;
			if (c < k)
				k = c;
		}
		http_err e = multipart_parser_feed(mp, body + i, k);
		if (e != HTTP_OK)
			return e;
		i += k;
	}
	return multipart_parser_finish(mp);
}

typedef struct {
	const char *p;
	size_t n, off;
	uint32_t seed;
} fz_reader;

static long fz_read(void *ctx, char *dst, size_t n)
{
	fz_reader *r = ctx;
	size_t k = r->n - r->off;
	if (k > n)
		k = n;
	r->seed = r->seed * 1103515245u + 12345u;
	size_t c = ((r->seed >> 16) & 0x3f) + 1;
	if (k > c)
		k = c;
	memcpy(dst, r->p + r->off, k);
	r->off += k;
	return (long)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint32_t seed = (uint32_t)data[0] << 8 | data[1] | 1u;
	const char *body = (const char *)data + 2;
	size_t n = size - 2;
	arena *a = arena_new(4096);
	http_limits l;
	http_limits_default(&l);
	l.max_parts = 6;
	l.max_part_header = 200;
	l.max_name_size = 24;
	l.max_fields = 4;
	l.max_field_size = 64;
	l.max_files = 2;
	l.max_file_size = 128;
	l.max_body = 2048;

	/* One feed and input-driven chunking must agree exactly. */
	fuzz_trace whole, chunked;
	http_err e1 = fz_run(a, &l, body, n, 0, &whole);
	http_err e2 = fz_run(a, &l, body, n, seed, &chunked);
	if (e1 != e2 || !str_eq(buf_str(&whole.trace), buf_str(&chunked.trace)))
		abort();
	if (e1 == HTTP_OK && whole.in_part)
		abort();

	http_form f;
	fz_reader r = { body, n, 0, seed };
	http_err e3 = http_form_read(a, STR_LIT("multipart/form-data; boundary=" BOUNDARY), n, fz_read, &r, &l, &f);
	if (e3 == HTTP_EUNSUPPORTED)
		abort();
	/* The collector can only add reasons to fail. */
	if (e1 != HTTP_OK && e3 == HTTP_OK)
		abort();
	if (f.nfiles > l.max_files || f.fields.len > l.max_fields)
		abort();
	for (size_t i = 0; i < f.fields.len; i++)
		if (f.fields.items[i].value.len > l.max_field_size ||
		    !utf8_valid(f.fields.items[i].value.ptr, f.fields.items[i].value.len))
			abort();
	for (size_t i = 0; i < f.nfiles; i++)
		if (f.files[i].size > l.max_file_size || f.files[i].fd < 0)
			abort();
	arena_free(a); /* closes the spool files */
	return 0;
}
