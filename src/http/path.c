/* path.c: request path normalisation, so routers and file lookups see one canonical form. */
#include "http/http_parse.h"

#include <string.h>

#include "core/utf8.h"

http_err http_path_normalize(arena *a, const char *p, size_t n, str *out)
{
	if (n > HTTP_PATH_MAX)
		return HTTP_EBADREQ;
	if (n == 0 || p[0] != '/')
		return HTTP_EBADREQ;
	str dec;
	http_err e = http_percent_decode(a, p, n, false, &dec);
	if (e != HTTP_OK)
		return e;
	for (size_t i = 0; i < dec.len; i++) {
		unsigned char c = (unsigned char)dec.ptr[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			return HTTP_EBADREQ;
	}
	if (!utf8_valid(dec.ptr, dec.len))
		return HTTP_EBADREQ;

	/* Rebuilt in a fresh buffer; the output is never longer than dec. */
	char *o = arena_alloc(a, dec.len + 1);
	size_t olen = 0;
	bool trailing_slash = false;
	size_t i = 0;
	while (i < dec.len) {
		while (i < dec.len && dec.ptr[i] == '/')
			i++;
		size_t start = i;
		while (i < dec.len && dec.ptr[i] != '/')
			i++;
		size_t seglen = i - start;
		const char *seg = dec.ptr + start;
		if (seglen == 0) {
			trailing_slash = true;
			continue;
		}
		if (seglen == 2 && seg[0] == '.' && seg[1] == '.')
			return HTTP_EBADREQ;
		/* A final "." behaves like a trailing slash ("/a/." is "/a/"). */
		trailing_slash = seglen == 1 && seg[0] == '.';
		if (trailing_slash)
			continue;
		o[olen++] = '/';
		memcpy(o + olen, seg, seglen);
		olen += seglen;
	}
	if (olen == 0 || trailing_slash)
		o[olen++] = '/';
	o[olen] = '\0';
	*out = (str){ o, olen };
	return HTTP_OK;
}
