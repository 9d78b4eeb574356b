/* str.c: string views and the arena-backed buffer builder. */
#include "str.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

bool str_eq_nocase(str a, str b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp(a.ptr, b.ptr, a.len) == 0);
}

bool str_has_prefix(str s, str prefix)
{
	return prefix.len == 0 || (s.len >= prefix.len && memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

int str_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool str_is_uuid(str s)
{
	if (s.len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s.ptr[i] != '-' : str_hex_value((unsigned char)s.ptr[i]) < 0)
			return false;
	}
	return true;
}

bool cstr_is_uuid(const char *s)
{
	return s && str_is_uuid(str_from_cstr(s));
}

bool str_uuid_to_bytes(const char *uuid, unsigned char out[16])
{
	if (!str_is_uuid(str_from_cstr(uuid)))
		return false;
	size_t k = 0;
	for (const char *p = uuid; *p; p += 2) {
		if (*p == '-')
			p++;
		out[k++] = (unsigned char)(str_hex_value((unsigned char)p[0]) << 4 | str_hex_value((unsigned char)p[1]));
	}
	return k == 16;
}

void str_uuid_from_bytes(const unsigned char in[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[in[i] >> 4];
		*o++ = hex[in[i] & 15];
	}
	*o = '\0';
}

void str_put_be64(unsigned char *p, long long v)
{
	unsigned long long u = (unsigned long long)v;
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (56 - 8 * i));
}

long long str_get_be64(const unsigned char *p)
{
	unsigned long long u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return (long long)u;
}

char *str_dup(arena *a, str s)
{
	return arena_strndup(a, s.ptr ? s.ptr : "", s.len);
}

void buf_init(buf *b, arena *a, size_t initial_cap)
{
	b->a = a;
	b->len = 0;
	b->cap = initial_cap ? initial_cap : 64;
	b->data = arena_alloc(a, b->cap + 1);
	b->data[0] = '\0';
}

void buf_reserve(buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return;
	size_t cap = b->cap * 2;
	while (cap - b->len < extra)
		cap *= 2;
	b->data = arena_realloc(b->a, b->data, b->cap + 1, cap + 1);
	b->cap = cap;
}

void buf_append(buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_putc(buf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->data + b->len, b->cap - b->len + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > b->cap - b->len) {
		buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void buf_append_html(buf *b, const char *p, size_t n)
{
	buf_reserve(b, n);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_append(b, p + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_append(b, p + start, n - start);
}

const char *str_duration_words(arena *a, long seconds)
{
	if (seconds < 10)
		return "a few seconds";
	if (seconds < 60)
		return arena_sprintf(a, "%ld seconds", seconds);
	static const struct {
		long unit;
		const char *one, *name;
	} units[] = { { 60, "about a minute", "minute" }, { 3600, "about an hour", "hour" },
		{ 86400, "about a day", "day" } };
	size_t i = 0;
	/* The larger unit once the count would reach it: 59.5 minutes is
	 * "about an hour", 23.5 hours "about a day". */
	while (i + 1 < sizeof units / sizeof units[0] && seconds * 2 >= units[i + 1].unit * 2 - units[i].unit)
		i++;
	long n = (seconds + units[i].unit / 2) / units[i].unit;
	return n <= 1 ? units[i].one : arena_sprintf(a, "about %ld %ss", n, units[i].name);
}

str str_pairs_get(const str_pair *pairs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq_cstr(pairs[i].name, name))
			return pairs[i].value;
	return STR_NULL;
}
