/* fuzz_urlencoded.c: libFuzzer target for percent-decoding and x-www-form-urlencoded parsing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	arena *a = arena_new(4096);
	/* Small limits so inputs of a few hundred bytes reach every limit. */
	http_limits l;
	http_limits_default(&l);
	l.max_fields = 8;
	l.max_name_size = 16;
	l.max_field_size = 64;
	l.max_body = 1024;

	str d;
	for (int plus = 0; plus < 2; plus++) {
		if (http_percent_decode(a, p, size, plus, &d) == HTTP_OK) {
			if (d.len > size || d.ptr[d.len] != '\0')
				abort();
		}
	}

	http_params ps = { 0 };
	http_err e = http_urlencoded_parse(a, p, size, &l, &ps);
	if (e != HTTP_OK && e != HTTP_EBADREQ && e != HTTP_ETOOLARGE)
		abort();
	if (ps.len > l.max_fields)
		abort();
	for (size_t i = 0; i < ps.len; i++) {
		str n = ps.items[i].name, v = ps.items[i].value;
		if (n.len > l.max_name_size || v.len > l.max_field_size)
			abort();
		if (!utf8_valid(n.ptr, n.len) || !utf8_valid(v.ptr, v.len))
			abort();
		if (n.ptr[n.len] != '\0' || v.ptr[v.len] != '\0')
			abort();
		if (e == HTTP_OK && http_params_get(&ps, str_dup(a, n)).ptr == NULL)
			abort();
	}
	arena_free(a);
	return 0;
}
