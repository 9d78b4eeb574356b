/* fuzz_cookie.c: libFuzzer target for the Cookie header parser and request path normalisation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cookies(arena *a, const char *p, size_t n)
{
	http_limits l;
	http_limits_default(&l);
	l.max_cookies = 6;
	l.max_name_size = 12;
	l.max_field_size = 40;
	http_params ps = { 0 };
	http_err e = http_cookies_parse(a, p, n, &l, &ps);
	if (e != HTTP_OK && e != HTTP_EBADREQ && e != HTTP_ETOOLARGE)
		abort();
	if (ps.len > l.max_cookies)
		abort();
	for (size_t i = 0; i < ps.len; i++) {
		str k = ps.items[i].name, v = ps.items[i].value;
		if (k.len == 0 || k.len > l.max_name_size || v.len > l.max_field_size)
			abort();
		if (!utf8_valid(k.ptr, k.len) || !utf8_valid(v.ptr, v.len))
			abort();
		for (size_t j = 0; j < v.len; j++)
			if ((unsigned char)v.ptr[j] < 0x20 && v.ptr[j] != '\t')
				abort();
		if (memchr(k.ptr, ';', k.len) || memchr(v.ptr, ';', v.len) || memchr(k.ptr, '=', k.len))
			abort();
	}
}

static void check_path(arena *a, const char *p, size_t n)
{
	str out;
	http_err e = http_path_normalize(a, p, n, &out);
	if (e == HTTP_ETOOLARGE || e == HTTP_EUNSUPPORTED)
		abort();
	if (e != HTTP_OK)
		return;
	if (out.len == 0 || out.len > n || out.ptr[0] != '/' || out.ptr[out.len] != '\0')
		abort();
	if (!utf8_valid(out.ptr, out.len) || memchr(out.ptr, '\\', out.len))
		abort();
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.ptr[i] < 0x20 || out.ptr[i] == 0x7f)
			abort();
	/* No empty, "." or ".." segment survives. */
	size_t i = 1;
	while (i < out.len) {
		size_t s = i;
		while (i < out.len && out.ptr[i] != '/')
			i++;
		size_t len = i - s;
		if (len == 0 || (len == 1 && out.ptr[s] == '.') || (len == 2 && out.ptr[s] == '.' && out.ptr[s + 1] == '.'))
			abort();
		i++;
	}
	/* Normalising is idempotent when nothing is left to decode. */
	if (!memchr(out.ptr, '%', out.len)) {
		str again;
		if (http_path_normalize(a, out.ptr, out.len, &again) != HTTP_OK || !str_eq(again, out))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena *a = arena_new(4096);
	check_cookies(a, (const char *)data, size);
	check_path(a, (const char *)data, size);
	/* Most fuzz inputs don't start with '/': also try them as one. */
	char *slash = arena_alloc(a, size + 1);
	slash[0] = '/';
	if (size)
		memcpy(slash + 1, data, size);
	check_path(a, slash, size + 1);
	arena_free(a);
	return 0;
}
