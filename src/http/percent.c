/* percent.c: RFC 3986 percent-decoding shared by the query, form and path
 * parsers, and percent-encoding for the links the pages build. */
#include "http/http_parse.h"

http_err http_percent_decode(arena *a, const char *p, size_t n, bool plus_is_space, str *out)
{
	/* Decoding only shrinks, so n + 1 bytes always suffice. */
	char *d = arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '%') {
			if (n - i < 3)
				return HTTP_EBADREQ;
			int hi = str_hex_value((unsigned char)p[i + 1]);
			int lo = str_hex_value((unsigned char)p[i + 2]);
			if (hi < 0 || lo < 0)
				return HTTP_EBADREQ;
			d[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			d[o++] = ' ';
		} else {
			d[o++] = (char)c;
		}
	}
	d[o] = '\0';
	*out = (str){ d, o };
	return HTTP_OK;
}

char *http_percent_encode(arena *a, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *d = arena_alloc(a, 3 * n + 1), *o = d;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return d;
}
