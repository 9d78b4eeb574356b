/* urlencoded.c: application/x-www-form-urlencoded and query strings, plus the shared limits and param list. */
#include "http/http_parse.h"

#include <string.h>

#include "core/utf8.h"

const char *http_err_str(http_err e)
{
	switch (e) {
	case HTTP_OK: return "ok";
	case HTTP_EBADREQ: return "bad request";
	case HTTP_ETOOLARGE: return "request too large";
	case HTTP_EUNSUPPORTED: return "unsupported media type";
	case HTTP_EINTERNAL: return "internal error";
	}
	return "unknown error";
}

void http_limits_default(http_limits *l)
{
	l->max_body = 26u << 20;
	l->max_fields = 256;
	l->max_field_size = 256u << 10;
	l->max_text = 1u << 20;
	l->max_name_size = 256;
	l->max_parts = 300;
	l->max_part_header = 4096;
	l->max_files = 20;
	l->max_file_size = 25u << 20;
	l->max_cookies = 50;
	l->upload_dir_fd = -1;
}

str http_params_get(const http_params *p, const char *name)
{
	return str_pairs_get(p->items, p->len, name);
}

void http_params_add(arena *a, http_params *p, str name, str value)
{
	if (p->len == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		p->items = arena_realloc(a, p->items, p->cap * sizeof *p->items, cap * sizeof *p->items);
		p->cap = cap;
	}
	p->items[p->len++] = (http_param){ name, value };
}

static http_err decode_text(arena *a, const char *p, size_t n, size_t max, str *out)
{
	/* Each decoded byte costs at least one input byte and at most three, so
	 * anything over 3*max can be refused before decoding. */
	if (max <= (size_t)-1 / 3 && n > 3 * max)
		return HTTP_ETOOLARGE;
	http_err e = http_percent_decode(a, p, n, true, out);
	if (e != HTTP_OK)
		return e;
	if (out->len > max)
		return HTTP_ETOOLARGE;
	if (!utf8_valid(out->ptr, out->len))
		return HTTP_EBADREQ;
	return HTTP_OK;
}

http_err http_urlencoded_parse(arena *a, const char *p, size_t n, const http_limits *l, http_params *out)
{
	if (n > l->max_body)
		return HTTP_ETOOLARGE;
	size_t count = 0;
	size_t i = 0;
	while (i < n) {
		const char *amp = memchr(p + i, '&', n - i);
		size_t end = amp ? (size_t)(amp - p) : n;
		size_t len = end - i;
		if (len > 0) {
			/* Counted before decoding so a flood of tiny pairs costs little. */
			if (++count > l->max_fields)
				return HTTP_ETOOLARGE;
			const char *pair = p + i;
			const char *eq = memchr(pair, '=', len);
			size_t nlen = eq ? (size_t)(eq - pair) : len;
			str name, value;
			http_err e = decode_text(a, pair, nlen, l->max_name_size, &name);
			if (e != HTTP_OK)
				return e;
			if (eq)
				e = decode_text(a, eq + 1, len - nlen - 1, l->max_field_size, &value);
			else
				e = decode_text(a, "", 0, l->max_field_size, &value);
			if (e != HTTP_OK)
				return e;
			http_params_add(a, out, name, value);
		}
		i = end + 1;
	}
	return HTTP_OK;
}
