/* cookie.c: the Cookie request header (RFC 6265 section 4.2 cookie-string). */
#include "http/http_parse.h"

#include <string.h>

#include "core/utf8.h"

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static str trim_ows(const char *p, size_t n)
{
	while (n && is_ows(p[0])) {
		p++;
		n--;
	}
	while (n && is_ows(p[n - 1]))
		n--;
	return (str){ p, n };
}

/* Control characters other than HTAB never belong in a cookie; refusing them
 * keeps CR/LF out of anything that might echo a cookie into a header. */
static bool has_ctl(str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

http_err http_cookies_parse(arena *a, const char *p, size_t n, const http_limits *l, http_params *out)
{
	size_t count = 0;
	size_t i = 0;
	while (i < n) {
		const char *semi = memchr(p + i, ';', n - i);
		size_t end = semi ? (size_t)(semi - p) : n;
		const char *piece = p + i;
		size_t len = end - i;
		i = end + 1;

		const char *eq = memchr(piece, '=', len);
		if (!eq) {
			/* Still validated: a NUL or stray byte means a broken client. */
			str junk = trim_ows(piece, len);
			if (has_ctl(junk) || !utf8_valid(junk.ptr, junk.len))
				return HTTP_EBADREQ;
			continue;
		}
		str name = trim_ows(piece, (size_t)(eq - piece));
		str value = trim_ows(eq + 1, len - (size_t)(eq - piece) - 1);
		if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"') {
			value.ptr++;
			value.len -= 2;
		}
		if (has_ctl(name) || has_ctl(value) || !utf8_valid(name.ptr, name.len) ||
		    !utf8_valid(value.ptr, value.len))
			return HTTP_EBADREQ;
		if (name.len == 0)
			continue;
		if (++count > l->max_cookies)
			return HTTP_ETOOLARGE;
		if (name.len > l->max_name_size || value.len > l->max_field_size)
			return HTTP_ETOOLARGE;
		name.ptr = str_dup(a, name);
		value.ptr = str_dup(a, value);
		http_params_add(a, out, name, value);
	}
	return HTTP_OK;
}
