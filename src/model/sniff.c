/* sniff.c: content types from magic numbers and the WHATWG MIME sniffing
 * patterns. Pure: no I/O, no database. */
#include "model/sniff.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "core/utf8.h"

#define T_OCTET "application/octet-stream"
#define T_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define T_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static bool starts(const unsigned char *p, size_t n, const char *magic, size_t m)
{
	return n >= m && memcmp(p, magic, m) == 0;
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Case-insensitive ASCII prefix match. */
static bool starts_nocase(const unsigned char *p, size_t n, const char *pat)
{
	size_t m = strlen(pat);
	if (n < m)
		return false;
	for (size_t i = 0; i < m; i++)
		if (lower(p[i]) != lower((unsigned char)pat[i]))
			return false;
	return true;
}

static bool contains_nocase(const unsigned char *p, size_t n, const char *pat)
{
	size_t m = strlen(pat);
	for (size_t i = 0; i + m <= n; i++)
		if (lower(p[i]) == lower((unsigned char)pat[0]) && starts_nocase(p + i, n - i, pat))
			return true;
	return false;
}

static bool has_ext(str name, const char *ext)
{
	size_t m = strlen(ext);
	if (name.len <= m)
		return false;
	return starts_nocase((const unsigned char *)name.ptr + name.len - m, m, ext);
}

/* WHATWG "binary data byte". */
static bool is_binary_byte(unsigned char c)
{
	return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F);
}

/* Valid UTF-8 and no binary byte. When the head is a truncated prefix, a
 * multi-byte character cut at its end is forgiven. */
static bool is_text(const unsigned char *p, size_t n, bool truncated)
{
	for (size_t i = 0; i < n; i++)
		if (is_binary_byte(p[i]))
			return false;
	size_t m = n;
	if (truncated) {
		size_t j = n, back = 0;
		while (j > 0 && back < 3 && (p[j - 1] & 0xC0) == 0x80) {
			j--;
			back++;
		}
		if (j > 0 && p[j - 1] >= 0xC0) {
			unsigned c = p[j - 1];
			size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			if (n - (j - 1) < len)
				m = j - 1;
		}
	}
	return utf8_valid((const char *)p, m);
}

/* The WHATWG HTML patterns; each must be followed by a tag-terminating byte.
 * Space, '>' and the other whitespace bytes count (browsers' parsers accept
 * them, and calling more files HTML costs nothing: HTML is never rendered). */
static const char *const html_patterns[] = {
	"<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font",
	"<table", "<a", "<style", "<title", "<b", "<body", "<br", "<p",
};

static bool tag_end(unsigned char c)
{
	return c == ' ' || c == '>' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/';
}

static bool html_start(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < sizeof html_patterns / sizeof html_patterns[0]; i++) {
		size_t m = strlen(html_patterns[i]);
		if (n > m && starts_nocase(p, n, html_patterns[i]) && tag_end(p[m]))
			return true;
	}
	return false;
}

static const char *sniff_markup(const unsigned char *t, size_t n)
{
	if (html_start(t, n))
		return "text/html";
	if (n > 4 && starts_nocase(t, n, "<svg") && tag_end(t[4]))
		return "image/svg+xml";
	if (starts_nocase(t, n, "<!doctype svg"))
		return "image/svg+xml";
	bool xml = starts_nocase(t, n, "<?xml") || starts_nocase(t, n, "<!doctype");
	bool comment = starts(t, n, "<!--", 4);
	if (!xml && !comment)
		return NULL;
	bool svg = contains_nocase(t, n, "<svg"), html = contains_nocase(t, n, "<html");
	if (svg && !html)
		return "image/svg+xml";
	if (html)
		return "text/html";
	if (svg)
		return "image/svg+xml";
	return comment ? "text/html" : "application/xml";
}

static bool json_whole(const unsigned char *p, size_t n)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)p, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!j)
		return false;
	json_decref(j);
	return true;
}

static const char *sniff_text(const unsigned char *p, size_t n, size_t total, str filename)
{
	if (starts(p, n, "\xEF\xBB\xBF", 3)) {
		p += 3;
		n -= 3;
		total -= 3;
	}
	if (!is_text(p, n, n < total))
		return T_OCTET;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '\f'))
		i++;
	const unsigned char *t = p + i;
	size_t tn = n - i;
	if (tn > 0 && t[0] == '<') {
		const char *m = sniff_markup(t, tn);
		if (m)
			return m;
	}
	if (tn > 0 && (t[0] == '{' || t[0] == '[')) {
		if (n == total && json_whole(p, n))
			return "application/json";
		if (has_ext(filename, ".json"))
			return "application/json";
	}
	if (has_ext(filename, ".csv"))
		return "text/csv";
	return "text/plain";
}

static const char *sniff_zip(const unsigned char *p, size_t n, str filename)
{
	static const char ct[] = "[Content_Types].xml";
	if (!memmem(p, n, ct, sizeof ct - 1))
		return "application/zip";
	if (memmem(p, n, "word/", 5))
		return T_DOCX;
	if (memmem(p, n, "xl/", 3))
		return T_XLSX;
	if (has_ext(filename, ".docx"))
		return T_DOCX;
	if (has_ext(filename, ".xlsx"))
		return T_XLSX;
	return "application/zip";
}

const char *sniff_content_type(const unsigned char *head, size_t n, size_t total, str filename)
{
	if (n > total)
		n = total;
	if (n == 0)
		return T_OCTET;
	if (starts(head, n, "\x89PNG\r\n\x1A\n", 8))
		return "image/png";
	if (starts(head, n, "\xFF\xD8\xFF", 3))
		return "image/jpeg";
	if (starts(head, n, "GIF87a", 6) || starts(head, n, "GIF89a", 6))
		return "image/gif";
	if (n >= 12 && starts(head, n, "RIFF", 4) && memcmp(head + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (starts(head, n, "%PDF-", 5))
		return "application/pdf";
	if (starts(head, n, "PK\x03\x04", 4) || starts(head, n, "PK\x05\x06", 4))
		return sniff_zip(head, n, filename);
	if (starts(head, n, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
		if (has_ext(filename, ".doc"))
			return "application/msword";
		if (has_ext(filename, ".xls"))
			return "application/vnd.ms-excel";
		return T_OCTET;
	}
	return sniff_text(head, n, total, filename);
}
