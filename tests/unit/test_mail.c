/* test_mail.c: MIME composition: header injection, RFC 2047, quoted-printable, structure. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "mail/mime.h"
#include "unit/suites.h"

#define TEST_ID "0b7e3c1a-5d2f-4e8b-9a6c-1f2e3d4c5b6a"

/* ------------------------------------------------------------------ helpers */

static mime_message base_msg(void)
{
	mime_message m = {
		.id = TEST_ID,
		.from = "Supportdesk <support@desk.example>",
		.to_email = "alice@example.test",
		.to_name = "Alice",
		.subject = "Your ticket",
		.body_text = "Hello\n",
		.body_html = "<p>Hello</p>\n",
		.host = "desk.example",
		.date = 1700000000,
	};
	return m;
}

static const char *compose_ok(arena *a, const mime_message *m)
{
	buf out;
	buf_init(&out, a, 256);
	const char *err = NULL;
	int rc = mime_compose(&out, m, &err);
	ck_assert_msg(rc == 0, "compose failed: %s", err ? err : "?");
	return out.data;
}

/* Every line ends in CRLF; no bare CR or LF anywhere; no NUL before the end. */
static void assert_crlf_only(const char *s)
{
	size_t n = strlen(s);
	ck_assert_uint_ge(n, 2);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			ck_assert_msg(i + 1 < n && s[i + 1] == '\n', "bare CR at %zu", i);
		if (s[i] == '\n')
			ck_assert_msg(i > 0 && s[i - 1] == '\r', "bare LF at %zu", i);
	}
	ck_assert(s[n - 2] == '\r' && s[n - 1] == '\n');
}

/* The header block (up to the blank line), in the arena. */
static char *header_block(arena *a, const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	ck_assert_ptr_nonnull(end);
	return arena_strndup(a, msg, (size_t)(end - msg) + 2);
}

/* Names of the header fields in order, comma-joined; every line must be a
 * field start "Name:" or a continuation starting with a space. */
static char *header_names(arena *a, const char *hdrs)
{
	buf names;
	buf_init(&names, a, 128);
	for (const char *p = hdrs; *p;) {
		const char *eol = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(eol);
		if (*p != ' ' && *p != '\t') {
			const char *colon = memchr(p, ':', (size_t)(eol - p));
			ck_assert_msg(colon != NULL, "header line without a colon: %.*s", (int)(eol - p), p);
			for (const char *c = p; c < colon; c++)
				ck_assert_msg(*c > 32 && *c < 127, "bad header name byte");
			if (names.len)
				buf_putc(&names, ',');
			buf_append(&names, p, (size_t)(colon - p));
		}
		p = eol + 2;
	}
	return names.data;
}

/* The unfolded value of header name (first occurrence), or NULL. */
static char *header_value(arena *a, const char *hdrs, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = hdrs; *p;) {
		const char *eol = strstr(p, "\r\n");
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			buf v;
			buf_init(&v, a, 64);
			const char *s = p + nl + 1;
			for (;;) {
				buf_append(&v, s, (size_t)(eol - s));
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				s = eol + 2; /* unfold: drop the CRLF, keep the blank */
				eol = strstr(s, "\r\n");
			}
			const char *t = v.data;
			while (*t == ' ')
				t++;
			return arena_strdup(a, t);
		}
		p = eol + 2;
	}
	return NULL;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes an unfolded value made of =?UTF-8?B?..?= words (white space
 * between adjacent words ignored, RFC 2047 6.2) and plain text. */
static char *decode_2047(arena *a, const char *v)
{
	buf out;
	buf_init(&out, a, 64);
	bool prev_word = false;
	const char *p = v;
	while (*p) {
		const char *ws = p;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			if (!prev_word)
				buf_append(&out, ws, (size_t)(p - ws));
			p += 10;
			const char *end = strstr(p, "?=");
			ck_assert_ptr_nonnull(end);
			unsigned acc = 0;
			int bits = 0;
			for (; p < end; p++) {
				if (*p == '=')
					continue;
				int d = b64val(*p);
				ck_assert_int_ge(d, 0);
				acc = (acc << 6) | (unsigned)d;
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					buf_putc(&out, (char)((acc >> bits) & 0xFF));
				}
			}
			p = end + 2;
			prev_word = true;
		} else {
			buf_append(&out, ws, (size_t)(p - ws));
			const char *s = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			buf_append(&out, s, (size_t)(p - s));
			prev_word = false;
		}
	}
	return out.data;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* the encoder writes upper case only */
}

/* Strict quoted-printable decoder: soft breaks, =XX; checks line rules. */
static char *decode_qp(arena *a, const char *s, size_t n)
{
	buf out;
	buf_init(&out, a, n + 1);
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\r') {
			ck_assert_msg(i + 1 < n && s[i + 1] == '\n', "bare CR in QP");
			ck_assert_msg(i == 0 || (s[i - 1] != ' ' && s[i - 1] != '\t'), "trailing white space in QP");
			buf_append(&out, "\r\n", 2);
			i++;
			col = 0;
			continue;
		}
		col++;
		ck_assert_msg(col <= MIME_QP_LINE, "QP line longer than 76");
		ck_assert_msg((c >= 33 && c <= 126) || c == ' ' || c == '\t', "raw byte 0x%02x in QP", (unsigned char)c);
		if (c == '=') {
			ck_assert_uint_lt(i + 2, n + 1);
			if (s[i + 1] == '\r') {
				ck_assert(s[i + 2] == '\n');
				i += 2;
				col = 0;
				continue;
			}
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			ck_assert_msg(hi >= 0 && lo >= 0, "bad QP escape");
			buf_putc(&out, (char)(hi * 16 + lo));
			i += 2;
			col += 2;
			ck_assert_msg(col <= MIME_QP_LINE, "QP line longer than 76");
			continue;
		}
		buf_putc(&out, c);
	}
	return out.data;
}

/* s with every LF not preceded by CR turned into CRLF: what the encoder's
 * text mode promises to deliver. */
static char *crlf(arena *a, const char *s)
{
	buf out;
	buf_init(&out, a, strlen(s) * 2 + 1);
	for (const char *p = s; *p; p++) {
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			buf_putc(&out, '\r');
		buf_putc(&out, *p);
	}
	return out.data;
}

/* The decoded body of the part with the given content type. */
static char *part_body(arena *a, const char *msg, const char *boundary, const char *type)
{
	char *delim = arena_sprintf(a, "\r\n--%s", boundary);
	char *want = arena_sprintf(a, "Content-Type: %s; charset=utf-8\r\n", type);
	const char *p = strstr(msg, want);
	if (!p)
		return NULL;
	const char *body = strstr(p, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	const char *end = strstr(body, delim);
	ck_assert_ptr_nonnull(end);
	return decode_qp(a, body, (size_t)(end - body));
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, nl = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += nl)
		n++;
	return n;
}

/* ------------------------------------------------------------------ injection */

static const char *const hostile_strings[] = {
	"Eve\r\nBcc: victim@x",
	"x\nSubject: hi",
	"x\rSubject: hi",
	"a@b.c\r\nBcc: z@z",
	"Eve\r\n\r\n<html>body injection",
	"tab\there\x01\x1f\x7f del",
	"trailing CRLF\r\n",
	"\r\nBcc: leading@x",
	"Ünïcödé\r\nBcc: victim@x",
	("\xc2\x85NEL\xc2\x85" "Bcc: nel@x"), /* U+0085 NEXT LINE */
	"bad utf8 \xff\xfe\r\nX-Evil: 1",
	"=?UTF-8?B?QmNjOiB2aWN0aW1AeA==?=\r\nBcc: x@x",
};
#define HOSTILE_N ((int)(sizeof hostile_strings / sizeof *hostile_strings))

static void assert_no_injection(arena *a, const char *msg)
{
	assert_crlf_only(msg);
	char *hdrs = header_block(a, msg);
	ck_assert_str_eq(header_names(a, hdrs),
	    "Date,From,To,Subject,Message-ID,MIME-Version,Auto-Submitted,"
	    "X-Auto-Response-Suppress,Content-Type");
	ck_assert_ptr_null(strcasestr(hdrs, "\nBcc"));
	ck_assert_ptr_null(strcasestr(hdrs, "\nX-Evil"));
	/* Decoded, the value is still one line: an encoded CRLF would be as bad. */
	char *subj = decode_2047(a, header_value(a, hdrs, "Subject"));
	char *to = decode_2047(a, header_value(a, hdrs, "To"));
	ck_assert_ptr_null(strpbrk(subj, "\r\n"));
	ck_assert_ptr_null(strpbrk(to, "\r\n"));
	for (const char *p = subj; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "control byte in decoded subject");
}

START_TEST(injection_in_name_is_neutralised)
{
	arena *a = arena_new(4096);
	mime_message m = base_msg();
	m.to_name = hostile_strings[_i];
	assert_no_injection(a, compose_ok(a, &m));
	arena_free(a);
}
END_TEST

START_TEST(injection_in_subject_is_neutralised)
{
	arena *a = arena_new(4096);
	mime_message m = base_msg();
	m.subject = hostile_strings[_i];
	const char *msg = compose_ok(a, &m);
	assert_no_injection(a, msg);
	/* The words survive, on one line: "Eve Bcc: victim@x" is a harmless subject. */
	if (_i == 0) {
		char *hdrs = header_block(a, msg);
		ck_assert_str_eq(decode_2047(a, header_value(a, hdrs, "Subject")), "Eve  Bcc: victim@x");
	}
	arena_free(a);
}
END_TEST

START_TEST(injection_in_from_setting_is_neutralised)
{
	arena *a = arena_new(4096);
	mime_message m = base_msg();
	m.from = "Desk\r\nBcc: victim@x <support@desk.example>";
	assert_no_injection(a, compose_ok(a, &m));
	m.from = "support@desk.example\r\nBcc: victim@x";
	buf out;
	buf_init(&out, a, 64);
	const char *err = NULL;
	ck_assert_int_eq(mime_compose(&out, &m, &err), -1);
	arena_free(a);
}
END_TEST

static const char *const bad_addresses[] = {
	"a@b.c\r\nBcc: z@z",
	"a@b.c\nBcc: z@z",
	"a@b.c\r",
	"x\nSubject: hi",
	"Eve <eve@x.test>",
	"eve@x.test>",
	"<eve@x.test",
	"eve@x.test, mallory@x.test",
	"eve@x.test\tfoo",
	"eve @x.test",
	"\"quoted local\"@x.test",
	"eve@@x.test",
	"eve@x@y.test",
	"@x.test",
	"eve@",
	"eve",
	"",
	".eve@x.test",
	"eve.@x.test",
	"e..ve@x.test",
	"eve@-x.test",
	"eve@x-.test",
	"eve@x..test",
	"eve@x.test.",
	"eve@[127.0.0.1]",
	"ev\xc3\xa9@x.test",
	"eve@x_y.test",
	"eve@x.test\x7f",
};

START_TEST(bad_recipient_is_refused)
{
	arena *a = arena_new(4096);
	mime_message m = base_msg();
	m.to_email = bad_addresses[_i];
	ck_assert_msg(!mime_addr_valid(m.to_email), "accepted: %s", m.to_email);
	buf out;
	buf_init(&out, a, 64);
	const char *err = NULL;
	ck_assert_int_eq(mime_compose(&out, &m, &err), -1);
	ck_assert_str_eq(err, "invalid recipient address");
	arena_free(a);
}
END_TEST

static const char *const good_addresses[] = {
	"alice@example.test",
	"a@b.c",
	"first.last+tag@sub.example.co.uk",
	"o'brien@example.test",
	"x!#$%&'*+-/=?^_`{|}~@localhost",
	"reject-me@127.0.0.1",
};

START_TEST(good_addresses_are_accepted)
{
	for (size_t i = 0; i < sizeof good_addresses / sizeof *good_addresses; i++)
		ck_assert_msg(mime_addr_valid(good_addresses[i]), "refused: %s", good_addresses[i]);
	/* Length limits: 64 for the local part, 254 overall. */
	char addr[400];
	memset(addr, 'a', 64);
	strcpy(addr + 64, "@x.test");
	ck_assert(mime_addr_valid(addr));
	memset(addr, 'a', 65);
	strcpy(addr + 65, "@x.test");
	ck_assert(!mime_addr_valid(addr));
	/* 60-char labels: 4 of them make a 248-byte domain (fine), 5 a
	 * 309-byte one (too long). */
	strcpy(addr, "a@");
	for (int i = 0; i < 4; i++)
		strcat(addr, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.");
	strcat(addr, "test");
	ck_assert(mime_addr_valid(addr));
	strcpy(addr, "a@");
	for (int i = 0; i < 5; i++)
		strcat(addr, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.");
	strcat(addr, "test");
	ck_assert(!mime_addr_valid(addr));
	ck_assert(!mime_addr_valid("a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.test")); /* 64-char label */
	ck_assert(!mime_addr_valid(NULL));
}
END_TEST

START_TEST(header_clean_replaces_controls)
{
	arena *a = arena_new(1024);
	ck_assert_str_eq(mime_header_clean(a, "a\r\nb", 4), "a  b");
	ck_assert_str_eq(mime_header_clean(a, "a\0b", 3), "a b"); /* embedded NUL */
	ck_assert_str_eq(mime_header_clean(a, "  x\t", 4), "x");
	ck_assert_str_eq(mime_header_clean(a, "\xc2\x85x", 3), "x");       /* C1 NEL, trimmed */
	ck_assert_str_eq(mime_header_clean(a, "\xe2\x80\x94", 3), "\xe2\x80\x94"); /* em dash kept */
	ck_assert_str_eq(mime_header_clean(a, "a\xff" "b", 3), "a?b");
	ck_assert_str_eq(mime_header_clean(a, "\xe2\x80", 2), "??");       /* truncated sequence */
	ck_assert_str_eq(mime_header_clean(a, "\xc0\xaf", 2), "??");       /* overlong '/' */
	arena_free(a);
}
END_TEST

/* ------------------------------------------------------------------ RFC 2047 */

static const char *const unicode_subjects[] = {
	"Héllo wörld",
	"Ваш запрос TKT-2024-01-00042 получен",
	"工单已创建：您的请求已收到，我们会尽快回复您。谢谢您的耐心等待！这是一个很长的主题行",
	"emoji 🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫🎫 end",
	"  leading and trailing blanks é  ",
	"looks =?encoded?= but is ascii",
};

START_TEST(non_ascii_subject_is_encoded_and_round_trips)
{
	arena *a = arena_new(8192);
	mime_message m = base_msg();
	m.subject = unicode_subjects[_i];
	const char *msg = compose_ok(a, &m);
	assert_crlf_only(msg);
	char *hdrs = header_block(a, msg);
	/* Raw header bytes are ASCII, and lines with encoded words stay <= 76. */
	for (const char *p = hdrs; *p; p++)
		ck_assert_msg((unsigned char)*p < 0x80, "raw 8-bit byte in headers");
	for (const char *p = hdrs; *p;) {
		const char *eol = strstr(p, "\r\n");
		ck_assert_uint_le((size_t)(eol - p), MIME_LINE_SOFT);
		p = eol + 2;
	}
	char *raw = header_value(a, hdrs, "Subject");
	ck_assert_ptr_nonnull(strstr(raw, "=?UTF-8?B?"));
	char *want = mime_header_clean(a, m.subject, strlen(m.subject));
	ck_assert_str_eq(decode_2047(a, raw), want);
	arena_free(a);
}
END_TEST

START_TEST(non_ascii_name_is_encoded_ascii_name_quoted)
{
	arena *a = arena_new(4096);
	mime_message m = base_msg();
	m.to_name = "Zoë Ångström";
	char *hdrs = header_block(a, compose_ok(a, &m));
	char *to = header_value(a, hdrs, "To");
	ck_assert_ptr_nonnull(strstr(to, "=?UTF-8?B?"));
	ck_assert_str_eq(decode_2047(a, to), "Zoë Ångström <alice@example.test>");

	m.to_name = "Smith, John \"JJ\" \\o/";
	hdrs = header_block(a, compose_ok(a, &m));
	ck_assert_str_eq(header_value(a, hdrs, "To"),
	    "\"Smith, John \\\"JJ\\\" \\\\o/\" <alice@example.test>");

	m.to_name = NULL;
	hdrs = header_block(a, compose_ok(a, &m));
	ck_assert_str_eq(header_value(a, hdrs, "To"), "alice@example.test");
	m.to_name = " \r\n ";
	hdrs = header_block(a, compose_ok(a, &m));
	ck_assert_str_eq(header_value(a, hdrs, "To"), "alice@example.test");
	ck_assert_str_eq(header_value(a, hdrs, "From"), "\"Supportdesk\" <support@desk.example>");
	arena_free(a);
}
END_TEST

START_TEST(long_ascii_subject_folds_at_spaces)
{
	arena *a = arena_new(8192);
	mime_message m = base_msg();
	char subject[600] = "";
	for (int i = 0; i < 40; i++)
		strcat(subject, i ? " word" : "Start");
	strcat(subject, "  double  spaces end");
	m.subject = subject;
	char *hdrs = header_block(a, compose_ok(a, &m));
	ck_assert_ptr_null(strstr(hdrs, "=?UTF-8?"));
	ck_assert_uint_ge(count(hdrs, "\r\n "), 2);
	for (const char *p = hdrs; *p;) {
		const char *eol = strstr(p, "\r\n");
		ck_assert_uint_le((size_t)(eol - p), MIME_LINE_SOFT);
		p = eol + 2;
	}
	ck_assert_str_eq(header_value(a, hdrs, "Subject"), subject);
	/* A word too long to fold goes out encoded rather than as a long line. */
	char word[200];
	memset(word, 'x', 150);
	word[150] = '\0';
	m.subject = word;
	hdrs = header_block(a, compose_ok(a, &m));
	ck_assert_str_eq(decode_2047(a, header_value(a, hdrs, "Subject")), word);
	arena_free(a);
}
END_TEST

/* ------------------------------------------------------------------ quoted-printable */

static const char *const qp_inputs[] = {
	"",
	"plain ascii",
	"a = b == c\n",
	"trailing space \nand tab\t\nend with space ",
	"crlf\r\ninput\r\n",
	"bare\rcr",
	"héllo wörld — ünïcode ✓\n",
	".\n.leading dot\n..two\n",
	"From the start\n",
	"=\n==\n=3D\n",
	"\t\t\n  \n",
	"line with = at col 75: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=bbbbbbbbbb\n",
};

START_TEST(qp_round_trip)
{
	arena *a = arena_new(8192);
	const char *in = qp_inputs[_i];
	buf out;
	buf_init(&out, a, 16);
	mime_qp_encode(&out, in, strlen(in));
	ck_assert_str_eq(decode_qp(a, out.data, out.len), crlf(a, in));
	arena_free(a);
}
END_TEST

START_TEST(qp_long_lines_all_lengths)
{
	/* Every line length around the 76 limit, with '=', spaces and
	 * multibyte characters at every position of the break. */
	arena *a = arena_new(1 << 16);
	const char *fill[] = { "a", "=", " ", "é", "\t", "." };
	for (size_t f = 0; f < sizeof fill / sizeof *fill; f++) {
		for (int len = 60; len < 240; len++) {
			arena_reset(a);
			buf in;
			buf_init(&in, a, 1024);
			for (int i = 0; i < len; i++)
				buf_puts(&in, i % 7 == 3 ? fill[f] : "x");
			buf_puts(&in, fill[f]);
			buf_puts(&in, "\nnext ");
			buf out;
			buf_init(&out, a, 1024);
			mime_qp_encode(&out, in.data, in.len);
			ck_assert_str_eq(decode_qp(a, out.data, out.len), crlf(a, in.data));
		}
	}
	arena_free(a);
}
END_TEST

/* ------------------------------------------------------------------ structure */

static char *boundary_of(arena *a, const char *hdrs)
{
	char *ct = header_value(a, hdrs, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert(strncmp(ct, "multipart/alternative; boundary=\"", 33) == 0);
	char *b = ct + 33;
	char *q = strchr(b, '"');
	ck_assert_ptr_nonnull(q);
	*q = '\0';
	ck_assert_uint_ge(strlen(b), 1);
	ck_assert_uint_le(strlen(b), 70);
	return b;
}

START_TEST(boundary_parts_and_bodies)
{
	arena *a = arena_new(8192);
	mime_message m = base_msg();
	m.body_text = "Hi Alice,\n\nYour ticket TKT-1 = open.   \n-- \nSupportdesk";
	m.body_html = "<p>Hi Alice,</p>\n<p>caf\xc3\xa9</p>";
	const char *msg = compose_ok(a, &m);
	assert_crlf_only(msg);
	char *hdrs = header_block(a, msg);
	char *b = boundary_of(a, hdrs);
	char *delim = arena_sprintf(a, "\r\n--%s\r\n", b);
	char *close = arena_sprintf(a, "\r\n--%s--\r\n", b);
	ck_assert_uint_eq(count(msg, delim), 2);
	ck_assert_uint_eq(count(msg, close), 1);
	/* The close delimiter ends the message; the boundary occurs nowhere else. */
	ck_assert_str_eq(msg + strlen(msg) - strlen(close), close);
	ck_assert_uint_eq(count(msg, b), 1 + 2 + 1);
	ck_assert_str_eq(part_body(a, msg, b, "text/plain"), crlf(a, m.body_text));
	ck_assert_str_eq(part_body(a, msg, b, "text/html"), crlf(a, m.body_html));
	ck_assert_uint_eq(count(msg, "Content-Transfer-Encoding: quoted-printable\r\n"), 2);

	/* Without HTML: one text part. */
	m.body_html = NULL;
	msg = compose_ok(a, &m);
	b = boundary_of(a, header_block(a, msg));
	ck_assert_uint_eq(count(msg, arena_sprintf(a, "\r\n--%s\r\n", b)), 1);
	ck_assert_ptr_null(part_body(a, msg, b, "text/html"));
	ck_assert_str_eq(part_body(a, msg, b, "text/plain"), crlf(a, m.body_text));
	arena_free(a);
}
END_TEST

START_TEST(message_id_stable_and_headers_present)
{
	arena *a = arena_new(8192);
	mime_message m = base_msg();
	char *h1 = header_block(a, compose_ok(a, &m));
	m.date += 3600; /* a retry an hour later */
	m.subject = "Other";
	char *h2 = header_block(a, compose_ok(a, &m));
	ck_assert_str_eq(header_value(a, h1, "Message-ID"), "<" TEST_ID "@desk.example>");
	ck_assert_str_eq(header_value(a, h1, "Message-ID"), header_value(a, h2, "Message-ID"));
	ck_assert_str_ne(header_value(a, h1, "Date"), header_value(a, h2, "Date"));
	ck_assert_str_eq(header_value(a, h1, "Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
	ck_assert_str_eq(header_value(a, h1, "Auto-Submitted"), "auto-generated");
	ck_assert_str_eq(header_value(a, h1, "MIME-Version"), "1.0");
	ck_assert_str_eq(header_value(a, h1, "From"), "\"Supportdesk\" <support@desk.example>");

	/* The id must be a uuid: it goes into Message-ID and file names. */
	m.id = "../../etc/passwd";
	buf out;
	buf_init(&out, a, 64);
	const char *err = NULL;
	ck_assert_int_eq(mime_compose(&out, &m, &err), -1);
	/* A row with only a template can't be sent by the mailer. */
	m = base_msg();
	m.body_text = NULL;
	ck_assert_int_eq(mime_compose(&out, &m, &err), -1);
	arena_free(a);
}
END_TEST

START_TEST(host_and_mailbox_parsing)
{
	arena *a = arena_new(1024);
	ck_assert_str_eq(mime_host_from_url(a, "https://Help.Example.COM/desk"), "help.example.com");
	ck_assert_str_eq(mime_host_from_url(a, "http://127.0.0.1:8080"), "127.0.0.1");
	ck_assert_str_eq(mime_host_from_url(a, "https://user:pw@desk.example:443/x?y#z"), "desk.example");
	ck_assert_str_eq(mime_host_from_url(a, "https://[::1]:8080/"), "localhost");
	ck_assert_str_eq(mime_host_from_url(a, "https://evil\r\nhost/"), "localhost");
	ck_assert_str_eq(mime_host_from_url(a, "no scheme"), "localhost");
	ck_assert_str_eq(mime_host_from_url(a, NULL), "localhost");
	ck_assert_str_eq(mime_mailbox_addr(a, "Supportdesk <support@localhost>"), "support@localhost");
	ck_assert_str_eq(mime_mailbox_addr(a, "\"Desk <x>\" <desk@x.test>"), "desk@x.test");
	ck_assert_str_eq(mime_mailbox_addr(a, "  bare@x.test "), "bare@x.test");
	ck_assert_ptr_null(mime_mailbox_addr(a, "Desk <desk@x.test"));
	ck_assert_ptr_null(mime_mailbox_addr(a, "Desk <a@b.c\r\nBcc: z@z>"));
	char d[MIME_DATE_LEN];
	mime_date(d, 0);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	arena_free(a);
}
END_TEST

Suite *mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *ti = tcase_create("injection");
	tcase_add_loop_test(ti, injection_in_name_is_neutralised, 0, HOSTILE_N);
	tcase_add_loop_test(ti, injection_in_subject_is_neutralised, 0, HOSTILE_N);
	tcase_add_test(ti, injection_in_from_setting_is_neutralised);
	tcase_add_loop_test(ti, bad_recipient_is_refused, 0,
	    (int)(sizeof bad_addresses / sizeof *bad_addresses));
	tcase_add_test(ti, good_addresses_are_accepted);
	tcase_add_test(ti, header_clean_replaces_controls);
	suite_add_tcase(s, ti);

	TCase *te = tcase_create("encoding");
	tcase_add_loop_test(te, non_ascii_subject_is_encoded_and_round_trips, 0,
	    (int)(sizeof unicode_subjects / sizeof *unicode_subjects));
	tcase_add_test(te, non_ascii_name_is_encoded_ascii_name_quoted);
	tcase_add_test(te, long_ascii_subject_folds_at_spaces);
	tcase_add_loop_test(te, qp_round_trip, 0, (int)(sizeof qp_inputs / sizeof *qp_inputs));
	tcase_add_test(te, qp_long_lines_all_lengths);
	/* Every line length through the encoder and back: seconds under ASan
	 * on a loaded machine, over Check's default of 4. */
	tcase_set_timeout(te, 60);
	suite_add_tcase(s, te);

	TCase *tm = tcase_create("message");
	tcase_add_test(tm, boundary_parts_and_bodies);
	tcase_add_test(tm, message_id_stable_and_headers_present);
	tcase_add_test(tm, host_and_mailbox_parsing);
	suite_add_tcase(s, tm);
	return s;
}
