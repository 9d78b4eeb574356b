/* e2e_common.c: buffers and libcurl response helpers shared by the suites. */
#include "e2e/e2e_common.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void dbuf_add(dbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		ck_assert_ptr_nonnull(d);
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void dbuf_adds(dbuf *b, const char *s)
{
	dbuf_add(b, s, strlen(s));
}

void dbuf_addf(dbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert(n >= 0);
	char *tmp = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(tmp);
	va_start(ap, fmt);
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	va_end(ap);
	dbuf_add(b, tmp, (size_t)n);
	free(tmp);
}

void dbuf_free(dbuf *b)
{
	free(b->data);
	*b = (dbuf){ 0 };
}

const char *dbuf_str(const dbuf *b)
{
	return b->data ? b->data : "";
}

size_t resp_on_body(char *p, size_t size, size_t n, void *ud)
{
	dbuf_add(ud, p, size * n);
	return size * n;
}

size_t resp_on_header(char *p, size_t size, size_t n, void *ud)
{
	dbuf *h = ud;
	/* A new status line (after 100 Continue) starts the headers over. */
	if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		h->len = 0;
	dbuf_add(h, p, size * n);
	return size * n;
}

void resp_free(resp *r)
{
	dbuf_free(&r->body);
	dbuf_free(&r->headers);
}

/* The header line that starts at p and ends before eol names `name`. */
static bool line_names(const char *p, size_t len, const char *name, size_t nl)
{
	return len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':';
}

int resp_header_count(const resp *r, const char *name)
{
	size_t nl = strlen(name);
	int n = 0;
	for (const char *p = r->headers.data; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (line_names(p, len, name, nl))
			n++;
		p = eol ? eol + 1 : NULL;
	}
	return n;
}

bool resp_header(const resp *r, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = r->headers.data;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (line_names(p, len, name, nl)) {
			const char *v = p + nl + 1, *end = p + len;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' '))
				end--;
			size_t vl = (size_t)(end - v);
			if (vl >= outlen)
				vl = outlen - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return true;
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}
