/* filename.c: sanitising upload names, and Content-Disposition for them. */
#include "model/filename.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/str.h"

#define EXT_MAX 16 /* bytes of an extension kept when a name is cut */

/* Decodes one code point at p[0..n) strictly (no overlongs, surrogates or
 * values past U+10FFFF). Returns its length, or 0 when the byte at p does
 * not start a well-formed sequence. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	unsigned lo = 0x80, hi = 0xBF;
	uint32_t v;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[k] & 0x3F);
	}
	*cp = v;
	return len;
}

/* Bidi controls and invisible format characters: they make "exe.pdf" look
 * like "fdp.exe" or hide what a name says. Also noncharacters. */
static bool is_dropped(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x180E ||
	    (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
	    (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF ||
	    (c >= 0xFFF9 && c <= 0xFFFB) || c == 0xFFFE || c == 0xFFFF;
}

static bool is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	    c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Start of the character that contains byte i of the valid UTF-8 s. */
static size_t char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

char *filename_sanitize(arena *a, const char *p, size_t n)
{
	/* basename: '/' and '\\' are ASCII and never inside a multi-byte sequence */
	for (size_t i = n; i > 0; i--)
		if (p[i - 1] == '/' || p[i - 1] == '\\') {
			p += i;
			n -= i;
			break;
		}
	buf b;
	buf_init(&b, a, n + 1);
	const unsigned char *u = (const unsigned char *)p;
	bool space = false;
	size_t i = 0;
	while (i < n) {
		uint32_t c;
		size_t len = utf8_decode(u + i, n - i, &c);
		bool invalid = len == 0;
		if (invalid) {
			c = '_';
			len = 1;
		} else if (is_space(c)) {
			space = true;
			i += len;
			continue;
		} else if (is_dropped(c)) {
			i += len;
			continue;
		}
		/* leading spaces vanish; a run inside becomes one */
		if (space && b.len > 0)
			buf_putc(&b, ' ');
		space = false;
		if (invalid || c == '"' || c == '*' || c == ':' || c == '<' || c == '>' || c == '?' || c == '|')
			buf_putc(&b, '_');
		else
			buf_append(&b, u + i, len);
		i += len;
	}
	/* strip leading dots (and the spaces after them), trailing dots/spaces */
	size_t s = 0, e = b.len;
	while (s < e && (b.data[s] == '.' || b.data[s] == ' '))
		s++;
	while (e > s && (b.data[e - 1] == '.' || b.data[e - 1] == ' '))
		e--;
	const char *name = b.data + s;
	size_t len = e - s;
	if (len == 0)
		return arena_strdup(a, "attachment");
	if (len <= FILENAME_MAX_BYTES)
		return arena_strndup(a, name, len);

	/* Too long: keep the extension, cut the stem on a character boundary. */
	const char *dot = NULL;
	for (size_t k = len; k > 1; k--)
		if (name[k - 1] == '.') {
			dot = name + k - 1;
			break;
		}
	size_t ext = dot ? (size_t)(name + len - dot) : 0;
	if (ext > EXT_MAX + 1 || memchr(dot ? dot : name, ' ', ext))
		ext = 0;
	size_t stem = char_start(name, FILENAME_MAX_BYTES - ext);
	while (stem > 0 && (name[stem - 1] == ' ' || name[stem - 1] == '.'))
		stem--;
	if (stem == 0) {
		/* nothing left of the stem: cut the whole name instead */
		size_t cut = char_start(name, FILENAME_MAX_BYTES);
		while (cut > 0 && (name[cut - 1] == ' ' || name[cut - 1] == '.'))
			cut--;
		return cut ? arena_strndup(a, name, cut) : arena_strdup(a, "attachment");
	}
	char *out = arena_alloc(a, stem + ext + 1);
	memcpy(out, name, stem);
	memcpy(out + stem, name + len - ext, ext);
	out[stem + ext] = '\0';
	return out;
}

/* RFC 5987 attr-char */
static bool attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != 0 && strchr("!#$&+-.^_`|~", c) != NULL);
}

char *filename_content_disposition(arena *a, const char *disposition, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(name);
	buf b;
	buf_init(&b, a, 64 + n * 4);
	buf_puts(&b, disposition);
	buf_puts(&b, "; filename=\"");
	const unsigned char *u = (const unsigned char *)name;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c >= 0x80) {
			/* one '_' per character, not per byte */
			buf_putc(&b, '_');
			i++;
			while (i < n && (u[i] & 0xC0) == 0x80)
				i++;
			continue;
		}
		buf_putc(&b, c < 0x20 || c == 0x7F || c == '"' || c == '\\' || c == '%' ? '_' : (char)c);
		i++;
	}
	buf_puts(&b, "\"; filename*=UTF-8''");
	for (size_t i = 0; i < n; i++) {
		if (attr_char(u[i])) {
			buf_putc(&b, (char)u[i]);
		} else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[u[i] >> 4]);
			buf_putc(&b, hex[u[i] & 15]);
		}
	}
	return b.data;
}
