/* test_http_parse.c: tables of good and bad inputs for the HTTP parsers in src/http/. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/str.h"
#include "http/form.h"
#include "http/http_parse.h"
#include "unit/suites.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* A string literal with its length, embedded NULs included. */
#define LIT(s) (s), (sizeof(s) - 1)

/* Serialises params as "name=value|name=value|" for easy comparison. */
static const char *params_dump(arena *a, const http_params *p)
{
	buf b;
	buf_init(&b, a, 64);
	for (size_t i = 0; i < p->len; i++) {
		buf_put_str(&b, p->items[i].name);
		buf_putc(&b, '=');
		buf_put_str(&b, p->items[i].value);
		buf_putc(&b, '|');
	}
	return b.data;
}

static http_limits test_limits(void)
{
	http_limits l;
	http_limits_default(&l);
	return l;
}

/* ---- percent-decoding ---- */

static const struct {
	const char *in;
	size_t n;
	bool plus;
	const char *out;
	size_t outn;
} percent_valids[] = {
	{ LIT(""), true, LIT("") },
	{ LIT("abc"), true, LIT("abc") },
	{ LIT("a+b"), true, LIT("a b") },
	{ LIT("a+b"), false, LIT("a+b") },
	{ LIT("a%2Bb"), true, LIT("a+b") },
	{ LIT("%41%62%7e"), false, LIT("Ab~") },
	{ LIT("%e2%82%AC"), false, LIT("\xe2\x82\xac") },
	{ LIT("%00"), false, LIT("\0") },  /* decoding is not validation */
	{ LIT("%25%32%35"), false, LIT("%25") }, /* decoded once only */
	{ LIT("100%25"), true, LIT("100%") },
};

static const char *percent_invalids[] = {
	"%", "%4", "a%", "%zz", "%g0", "%0g", "%%41", "abc%2", "% 41", "%-1", "%+1",
};

START_TEST(test_percent_valid)
{
	arena *a = arena_new(1024);
	str out;
	ck_assert_int_eq(http_percent_decode(a, percent_valids[_i].in, percent_valids[_i].n,
	                                     percent_valids[_i].plus, &out), HTTP_OK);
	ck_assert_uint_eq(out.len, percent_valids[_i].outn);
	ck_assert(memcmp(out.ptr, percent_valids[_i].out, out.len) == 0);
	ck_assert_int_eq(out.ptr[out.len], '\0');
	arena_free(a);
}
END_TEST

START_TEST(test_percent_invalid)
{
	arena *a = arena_new(1024);
	str out;
	const char *in = percent_invalids[_i];
	ck_assert_int_eq(http_percent_decode(a, in, strlen(in), true, &out), HTTP_EBADREQ);
	arena_free(a);
}
END_TEST

/* Encoding: only unreserved bytes stay, and decoding gives the input back. */
static const struct {
	const char *in;
	size_t n;
	const char *out;
} percent_encodes[] = {
	{ LIT(""), "" },
	{ LIT("abc-._~XYZ09"), "abc-._~XYZ09" },
	{ LIT("/my/tickets?status=open&q=a b"), "%2Fmy%2Ftickets%3Fstatus%3Dopen%26q%3Da%20b" },
	{ LIT("+#%"), "%2B%23%25" },
	{ LIT("\xe2\x82\xac\r\n"), "%E2%82%AC%0D%0A" },
	{ LIT("a\0b"), "a%00b" },
};

START_TEST(test_percent_encode)
{
	arena *a = arena_new(1024);
	char *enc = http_percent_encode(a, percent_encodes[_i].in, percent_encodes[_i].n);
	ck_assert_str_eq(enc, percent_encodes[_i].out);
	str back;
	ck_assert_int_eq(http_percent_decode(a, enc, strlen(enc), false, &back), HTTP_OK);
	ck_assert_uint_eq(back.len, percent_encodes[_i].n);
	ck_assert(memcmp(back.ptr, percent_encodes[_i].in, back.len) == 0);
	arena_free(a);
}
END_TEST

/* ---- urlencoded ---- */

static const struct {
	const char *in;
	size_t n;
	const char *dump;
} urlenc_valids[] = {
	{ LIT(""), "" },
	{ LIT("a=1"), "a=1|" },
	{ LIT("a=1&b=2"), "a=1|b=2|" },
	{ LIT("a=1&&b=2"), "a=1|b=2|" },
	{ LIT("&&a=1&"), "a=1|" },
	{ LIT("a"), "a=|" },
	{ LIT("a="), "a=|" },
	{ LIT("=v"), "=v|" },
	{ LIT("a=1=2"), "a=1=2|" },
	{ LIT("a+b=c+d"), "a b=c d|" },
	{ LIT("a%2Bb=c%26d%3De"), "a+b=c&d=e|" },
	{ LIT("q=%E2%82%AC+5"), "q=\xe2\x82\xac 5|" },
	{ LIT("q=\xc3\xa9"), "q=\xc3\xa9|" }, /* raw UTF-8 is fine */
	{ LIT("a=1&a=2"), "a=1|a=2|" },
	{ LIT("x=%F0%9F%98%80"), "x=\xf0\x9f\x98\x80|" },
};

static const struct {
	const char *in;
	size_t n;
	http_err err;
} urlenc_invalids[] = {
	{ LIT("a=%"), HTTP_EBADREQ },
	{ LIT("a=%4"), HTTP_EBADREQ },
	{ LIT("a=%zz"), HTTP_EBADREQ },
	{ LIT("%zz=1"), HTTP_EBADREQ },
	{ LIT("a=%00"), HTTP_EBADREQ },
	{ LIT("%00=a"), HTTP_EBADREQ },
	{ LIT("a=x\0y"), HTTP_EBADREQ },           /* raw NUL */
	{ LIT("a=%C0%AF"), HTTP_EBADREQ },         /* overlong '/' */
	{ LIT("a=%E0%80%AF"), HTTP_EBADREQ },      /* overlong, 3 bytes */
	{ LIT("a=%ED%A0%80"), HTTP_EBADREQ },      /* surrogate U+D800 */
	{ LIT("a=%E2%82"), HTTP_EBADREQ },         /* truncated sequence */
	{ LIT("a=%F4%90%80%80"), HTTP_EBADREQ },   /* > U+10FFFF */
	{ LIT("a=%FF"), HTTP_EBADREQ },
	{ LIT("a=\x80"), HTTP_EBADREQ },           /* raw stray continuation */
	{ LIT("\xc3=1"), HTTP_EBADREQ },           /* truncated raw name */
	{ LIT("ok=1&a=%G1"), HTTP_EBADREQ },
};

START_TEST(test_urlenc_valid)
{
	arena *a = arena_new(1024);
	http_limits l = test_limits();
	http_params p = { 0 };
	ck_assert_int_eq(http_urlencoded_parse(a, urlenc_valids[_i].in, urlenc_valids[_i].n, &l, &p), HTTP_OK);
	ck_assert_str_eq(params_dump(a, &p), urlenc_valids[_i].dump);
	arena_free(a);
}
END_TEST

START_TEST(test_urlenc_invalid)
{
	arena *a = arena_new(1024);
	http_limits l = test_limits();
	http_params p = { 0 };
	ck_assert_int_eq(http_urlencoded_parse(a, urlenc_invalids[_i].in, urlenc_invalids[_i].n, &l, &p),
	                 urlenc_invalids[_i].err);
	arena_free(a);
}
END_TEST

START_TEST(test_urlenc_get)
{
	arena *a = arena_new(1024);
	http_limits l = test_limits();
	http_params p = { 0 };
	ck_assert_int_eq(http_urlencoded_parse(a, LIT("a=1&b=&a=2&c"), &l, &p), HTTP_OK);
	ck_assert_str_eq(http_params_get(&p, "a").ptr, "1");
	ck_assert_ptr_nonnull(http_params_get(&p, "b").ptr);
	ck_assert_uint_eq(http_params_get(&p, "b").len, 0);
	ck_assert_ptr_nonnull(http_params_get(&p, "c").ptr);
	ck_assert_ptr_null(http_params_get(&p, "d").ptr);
	ck_assert_ptr_null(http_params_get(&p, "A").ptr);
	arena_free(a);
}
END_TEST

START_TEST(test_urlenc_limits)
{
	arena *a = arena_new(1024);
	http_limits l = test_limits();
	l.max_fields = 3;
	l.max_name_size = 4;
	l.max_field_size = 5;
	l.max_body = 64;
	static const struct {
		const char *in;
		http_err err;
	} t[] = {
		{ "a=1&b=2&c=3", HTTP_OK },
		{ "a=1&&b=2&&c=3&&", HTTP_OK },     /* empty pairs don't count */
		{ "a=1&b=2&c=3&d=4", HTTP_ETOOLARGE },
		{ "abcd=12345", HTTP_OK },
		{ "abcde=1", HTTP_ETOOLARGE },
		{ "a=123456", HTTP_ETOOLARGE },
		{ "a=%31%32%33%34%35", HTTP_OK },   /* limit is on decoded bytes */
		{ "a=%31%32%33%34%35%36", HTTP_ETOOLARGE },
		{ "%61%62%63%64=1", HTTP_OK },
		{ "a=1&b=1234567890123456789012345678901234567890123456789012345678901234", HTTP_ETOOLARGE },
	};
	for (size_t i = 0; i < NELEMS(t); i++) {
		http_params p = { 0 };
		ck_assert_msg(http_urlencoded_parse(a, t[i].in, strlen(t[i].in), &l, &p) == t[i].err,
		              "input %s", t[i].in);
	}
	arena_free(a);
}
END_TEST

START_TEST(test_urlenc_many_fields_fast)
{
	/* 100,000 pairs must be refused after max_fields, not decoded. */
	arena *a = arena_new(1 << 16);
	http_limits l = test_limits();
	size_t n = 100000 * 4;
	char *in = malloc(n);
	for (size_t i = 0; i < n; i += 4)
		memcpy(in + i, "a=1&", 4);
	http_params p = { 0 };
	ck_assert_int_eq(http_urlencoded_parse(a, in, n, &l, &p), HTTP_ETOOLARGE);
	ck_assert_uint_eq(p.len, l.max_fields);
	free(in);
	arena_free(a);
}
END_TEST

/* ---- cookies ---- */

static const struct {
	const char *in;
	size_t n;
	const char *dump;
} cookie_valids[] = {
	{ LIT(""), "" },
	{ LIT("sid=abc"), "sid=abc|" },
	{ LIT("sid=abc; theme=dark"), "sid=abc|theme=dark|" },
	{ LIT("sid=abc;theme=dark"), "sid=abc|theme=dark|" },
	{ LIT("  sid = abc ;  theme=dark  ;"), "sid=abc|theme=dark|" },
	{ LIT("\tsid=abc\t"), "sid=abc|" },
	{ LIT("sid=\"quoted value\""), "sid=quoted value|" },
	{ LIT("sid=\"\""), "sid=|" },
	{ LIT("sid=\""), "sid=\"|" },             /* a lone quote is kept */
	{ LIT("sid="), "sid=|" },
	{ LIT("a=1; a=2"), "a=1|a=2|" },          /* duplicates kept in order */
	{ LIT("a=%41"), "a=%41|" },               /* not percent-decoded */
	{ LIT("a=b=c"), "a=b=c|" },
	{ LIT("flag; a=1"), "a=1|" },             /* no '=': skipped */
	{ LIT("=x; a=1"), "a=1|" },               /* empty name: skipped */
	{ LIT(";;; a=1 ;;"), "a=1|" },
	{ LIT("n=caf\xc3\xa9"), "n=caf\xc3\xa9|" },
};

static const struct {
	const char *in;
	size_t n;
	http_err err;
} cookie_invalids[] = {
	{ LIT("a=\xff"), HTTP_EBADREQ },
	{ LIT("a=\xc0\xaf"), HTTP_EBADREQ },       /* overlong */
	{ LIT("a=\xed\xa0\x80"), HTTP_EBADREQ },   /* surrogate */
	{ LIT("a=\xe2\x82"), HTTP_EBADREQ },       /* truncated */
	{ LIT("a=x\0y"), HTTP_EBADREQ },
	{ LIT("a\0=1"), HTTP_EBADREQ },
	{ LIT("a=1\r\nSet-Cookie: x=1"), HTTP_EBADREQ },
	{ LIT("junk\x01; a=1"), HTTP_EBADREQ },
};

START_TEST(test_cookie_valid)
{
	arena *a = arena_new(1024);
	http_limits l = test_limits();
	http_params p = { 0 };
	ck_assert_int_eq(http_cookies_parse(a, cookie_valids[_i].in, cookie_valids[_i].n, &l, &p), HTTP_OK);
	ck_assert_str_eq(params_dump(a, &p), cookie_valids[_i].dump);
	arena_free(a);
}
END_TEST

START_TEST(test_cookie_invalid)
{
	arena *a = arena_new(1024);
	http_limits l = test_limits();
	http_params p = { 0 };
	ck_assert_int_eq(http_cookies_parse(a, cookie_invalids[_i].in, cookie_invalids[_i].n, &l, &p),
	                 cookie_invalids[_i].err);
	arena_free(a);
}
END_TEST

START_TEST(test_cookie_limits)
{
	arena *a = arena_new(1024);
	http_limits l = test_limits();
	l.max_cookies = 3;
	l.max_name_size = 3;
	l.max_field_size = 4;
	static const struct {
		const char *in;
		http_err err;
	} t[] = {
		{ "a=1; b=2; c=3", HTTP_OK },
		{ "a=1; b=2; c=3; flag; =x", HTTP_OK },
		{ "a=1; b=2; c=3; d=4", HTTP_ETOOLARGE },
		{ "a=1; a=2; a=3; a=4", HTTP_ETOOLARGE }, /* duplicates count */
		{ "abc=1234", HTTP_OK },
		{ "abcd=1", HTTP_ETOOLARGE },
		{ "a=12345", HTTP_ETOOLARGE },
		{ "a=\"1234\"", HTTP_OK },                /* quotes are not value bytes */
	};
	for (size_t i = 0; i < NELEMS(t); i++) {
		http_params p = { 0 };
		ck_assert_msg(http_cookies_parse(a, t[i].in, strlen(t[i].in), &l, &p) == t[i].err,
		              "input %s", t[i].in);
	}
	arena_free(a);
}
END_TEST

/* ---- paths ---- */

static const struct {
	const char *in;
	const char *out;
} path_valids[] = {
	{ "/", "/" },
	{ "/a", "/a" },
	{ "/a/b", "/a/b" },
	{ "/a/b/", "/a/b/" },
	{ "//a///b", "/a/b" },
	{ "//", "/" },
	{ "/./a/./b/.", "/a/b/" },
	{ "/a/./", "/a/" },
	{ "/.", "/" },
	{ "/a%20b", "/a b" },
	{ "/a+b", "/a+b" },                     /* no '+' rule in paths */
	{ "/a%2Fb", "/a/b" },                   /* %2F is a separator */
	{ "/a%2f%2fb", "/a/b" },
	{ "/%2e/a", "/a" },                     /* %2e is "." */
	{ "/...", "/..." },                     /* only ".." itself is refused */
	{ "/..a/b..", "/..a/b.." },
	{ "/.hidden", "/.hidden" },
	{ "/caf%C3%A9", "/caf\xc3\xa9" },
	{ "/caf\xc3\xa9", "/caf\xc3\xa9" },
	{ "/kb/100%25", "/kb/100%" },
	{ "/t/1;x=y", "/t/1;x=y" },
};

static const char *path_invalids[] = {
	"", "a", "a/b", "%2Fa",
	"/..", "/../etc/passwd", "/a/../b", "/a/..", "/a/../",
	"/%2e%2e", "/%2E%2E/x", "/.%2e/x", "/a%2F..%2Fb", "/a/%2e%2e%2f",
	"/a\\b", "/a%5Cb", "/..\\x",
	"/a%00b", "/a%", "/a%zz", "/a%4",
	"/a%0d%0aSet-Cookie:x", "/a\tb", "/a%09b", "/a%7F",
	"/%C0%AF", "/%C0%AE%C0%AE/x",           /* overlong '/' and '.' */
	"/%ED%A0%80", "/%E2%82", "/\xff",
};

START_TEST(test_path_valid)
{
	arena *a = arena_new(1024);
	str out;
	const char *in = path_valids[_i].in;
	ck_assert_int_eq(http_path_normalize(a, in, strlen(in), &out), HTTP_OK);
	ck_assert_str_eq(out.ptr, path_valids[_i].out);
	ck_assert_uint_eq(out.len, strlen(path_valids[_i].out));
	arena_free(a);
}
END_TEST

START_TEST(test_path_invalid)
{
	arena *a = arena_new(1024);
	str out;
	const char *in = path_invalids[_i];
	ck_assert_msg(http_path_normalize(a, in, strlen(in), &out) == HTTP_EBADREQ, "path %s", in);
	arena_free(a);
}
END_TEST

START_TEST(test_path_nul_and_length)
{
	arena *a = arena_new(1024);
	str out;
	ck_assert_int_eq(http_path_normalize(a, LIT("/a\0b"), &out), HTTP_EBADREQ);
	char *p = malloc(HTTP_PATH_MAX + 1);
	memset(p, 'a', HTTP_PATH_MAX + 1);
	p[0] = '/';
	ck_assert_int_eq(http_path_normalize(a, p, HTTP_PATH_MAX, &out), HTTP_OK);
	ck_assert_uint_eq(out.len, HTTP_PATH_MAX);
	ck_assert_int_eq(http_path_normalize(a, p, HTTP_PATH_MAX + 1, &out), HTTP_EBADREQ);
	free(p);
	arena_free(a);
}
END_TEST

/* ---- multipart boundary ---- */

static const struct {
	const char *ct;
	const char *boundary;
} boundary_valids[] = {
	{ "multipart/form-data; boundary=abc", "abc" },
	{ "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
	{ "multipart/form-data;boundary=abc", "abc" },
	{ "multipart/form-data; BOUNDARY=abc", "abc" },
	{ "multipart/form-data; boundary=\"a b:c\"", "a b:c" },
	{ "multipart/form-data; charset=utf-8; boundary=\"x\"", "x" },
	{ "multipart/form-data; boundary=abc;", "abc" },
	{ "multipart/form-data; boundary = abc", "abc" },
	{ "multipart/form-data; boundary=a'()+_,-./:=?", "a'()+_,-./:=?" },
	{ "multipart/form-data; boundary=1234567890123456789012345678901234567890123456789012345678901234567890",
	  "1234567890123456789012345678901234567890123456789012345678901234567890" },
};

static const char *boundary_invalids[] = {
	"multipart/form-data",
	"multipart/form-data;",
	"multipart/form-data; boundary=",
	"multipart/form-data; boundary=\"\"",
	"multipart/form-data; boundary=\"abc",
	"multipart/form-data; boundary=\"abc \"",            /* ends in space */
	"multipart/form-data; boundary=a;boundary=b",        /* ambiguous */
	"multipart/form-data; boundary=ab\\c",
	"multipart/form-data; boundary=\"a\"b\"\"",
	"multipart/form-data; boundary=a@b",
	"multipart/form-data; boundary=\"a\r\nb\"",
	"multipart/form-data; boundary=12345678901234567890123456789012345678901234567890123456789012345678901",
	"multipart/form-data boundary=abc",
	"; boundary=abc",
};

START_TEST(test_boundary_valid)
{
	str b;
	ck_assert_int_eq(http_multipart_boundary(str_from_cstr(boundary_valids[_i].ct), &b), HTTP_OK);
	ck_assert(str_eq_cstr(b, boundary_valids[_i].boundary));
}
END_TEST

START_TEST(test_boundary_invalid)
{
	str b;
	ck_assert_msg(http_multipart_boundary(str_from_cstr(boundary_invalids[_i]), &b) == HTTP_EBADREQ,
	              "content-type %s", boundary_invalids[_i]);
}
END_TEST

/* ---- multipart parser ---- */

/* Records callbacks as "name{filename}(type)=data;" ({} only for files, ()
 * only with a type) so whole and chunked feeding can be compared. */
typedef struct {
	buf trace;
	size_t nparts;
	int fail_on_begin; /* make on_part_begin return this */
} mp_trace;

static int trace_begin(void *ud, str name, str filename, str content_type)
{
	mp_trace *t = ud;
	t->nparts++;
	ck_assert_ptr_nonnull(name.ptr);
	ck_assert_int_eq(name.ptr[name.len], '\0');
	buf_put_str(&t->trace, name);
	if (filename.ptr) {
		buf_putc(&t->trace, '{');
		buf_put_str(&t->trace, filename);
		buf_putc(&t->trace, '}');
	}
	if (content_type.len) {
		buf_putc(&t->trace, '(');
		buf_put_str(&t->trace, content_type);
		buf_putc(&t->trace, ')');
	}
	buf_putc(&t->trace, '=');
	return t->fail_on_begin;
}

static int trace_data(void *ud, const char *p, size_t n)
{
	mp_trace *t = ud;
	ck_assert_uint_gt(n, 0);
	buf_append(&t->trace, p, n);
	return 0;
}

static int trace_end(void *ud)
{
	mp_trace *t = ud;
	buf_putc(&t->trace, ';');
	return 0;
}

static const multipart_callbacks trace_cb = { trace_begin, trace_data, trace_end };

/* Feeds body in chunks of `chunk` bytes (0: all at once), then finishes. */
static http_err mp_run(arena *a, const http_limits *l, const char *body, size_t n, size_t chunk, mp_trace *t)
{
	buf_init(&t->trace, a, 64);
	t->nparts = 0;
	multipart_parser *mp = multipart_parser_new(a, STR_LIT("XyZ"), l, &trace_cb, t);
	if (chunk == 0)
		chunk = n ? n : 1;
	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		http_err e = multipart_parser_feed(mp, body + i, k);
		if (e != HTTP_OK)
			return e;
	}
	return multipart_parser_finish(mp);
}

#define D "--XyZ"
#define CRLF "\r\n"
#define FIELD(name) "Content-Disposition: form-data; name=\"" name "\"" CRLF

static const struct {
	const char *body;
	size_t n;
	const char *trace;
	size_t tn;
} mp_valids[] = {
	{ LIT(D CRLF FIELD("a") CRLF "1" CRLF D "--" CRLF), LIT("a=1;") },
	{ LIT(D CRLF FIELD("a") CRLF "1" CRLF D CRLF FIELD("b") CRLF "two" CRLF D "--"), LIT("a=1;b=two;") },
	/* a file with a type, plus a text field */
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"a.txt\"" CRLF
	      "Content-Type: text/plain" CRLF CRLF "hello\r\nworld" CRLF
	      D CRLF FIELD("subject") CRLF "Hi" CRLF D "--" CRLF),
	  LIT("f{a.txt}(text/plain)=hello\r\nworld;subject=Hi;") },
	/* empty value, empty file with empty filename */
	{ LIT(D CRLF FIELD("a") CRLF CRLF D CRLF
	      "Content-Disposition: form-data; name=\"f\"; filename=\"\"" CRLF
	      "Content-Type: application/octet-stream" CRLF CRLF CRLF D "--" CRLF),
	  LIT("a=;f{}(application/octet-stream)=;") },
	/* preamble and epilogue are ignored */
	{ LIT("This is a preamble" CRLF "--XyY is not our boundary" CRLF "x--XyZ" CRLF D CRLF FIELD("a") CRLF "1" CRLF D "--" CRLF
	      "epilogue" CRLF D CRLF "ignored"),
	  LIT("a=1;") },
	{ LIT(CRLF D CRLF FIELD("a") CRLF "1" CRLF D "--"), LIT("a=1;") },
	/* things that look like a delimiter but are not */
	{ LIT(D CRLF FIELD("a") CRLF "x--XyZ" CRLF "--XyY" CRLF "--Xy" "\r\r\n-" "\n--XyZ" "\r" CRLF D "--"),
	  LIT("a=x--XyZ" CRLF "--XyY" CRLF "--Xy\r\r\n-\n--XyZ\r;") },
	/* binary data with NULs and CRs */
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"bin\"; filename=\"b\"" CRLF CRLF
	      "\0\r\0\n\r\r\n-" CRLF D "--"),
	  LIT("bin{b}=\0\r\0\n\r\r\n-;") },
	/* filename* wins over filename */
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"EUR rates.txt\"; "
	      "filename*=UTF-8''%e2%82%ac%20rates.txt" CRLF CRLF "x" CRLF D "--"),
	  LIT("f{\xe2\x82\xac rates.txt}=x;") },
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"f\"; filename*=utf-8'en'a%2Fb" CRLF CRLF "x" CRLF D "--"),
	  LIT("f{a/b}=x;") },
	/* an unknown charset in filename* falls back to filename */
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"a\"; filename*=ISO-8859-1''%e9" CRLF CRLF
	      "x" CRLF D "--"),
	  LIT("f{a}=x;") },
	/* header names are case-insensitive, spacing is lenient, unknown headers ignored */
	{ LIT(D CRLF "content-disposition:FORM-DATA;name=a ;filename=x.bin" CRLF "X-Whatever: 1" CRLF
	      "CONTENT-TYPE:   image/png  " CRLF CRLF "p" CRLF D "--"),
	  LIT("a{x.bin}(image/png)=p;") },
	/* raw UTF-8 in names and filenames (what browsers send); backslash literal */
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"caf\xc3\xa9\"; filename=\"C:\\dir\\r\xc3\xa9sum\xc3\xa9.pdf\"" CRLF CRLF
	      "x" CRLF D "--"),
	  LIT("caf\xc3\xa9{C:\\dir\\r\xc3\xa9sum\xc3\xa9.pdf}=x;") },
	/* no parts at all */
	{ LIT(D "--" CRLF), LIT("") },
	{ LIT(D CRLF FIELD("a") CRLF "1" CRLF D "--trailing junk"), LIT("a=1;") },
};

static const struct {
	const char *body;
	size_t n;
	http_err err;
} mp_invalids[] = {
	{ LIT(""), HTTP_EBADREQ },
	{ LIT("no boundary at all"), HTTP_EBADREQ },
	{ LIT(D CRLF FIELD("a") CRLF "1"), HTTP_EBADREQ },                      /* missing closing boundary */
	{ LIT(D CRLF FIELD("a") CRLF "1" CRLF D CRLF), HTTP_EBADREQ },
	{ LIT(D CRLF FIELD("a") CRLF "1" CRLF D), HTTP_EBADREQ },
	{ LIT(D CRLF FIELD("a") CRLF "1" CRLF D "-"), HTTP_EBADREQ },
	{ LIT(D CRLF FIELD("a")), HTTP_EBADREQ },                               /* headers never end */
	/* LF-only line endings */
	{ LIT(D "\n" "Content-Disposition: form-data; name=\"a\"\n\n1\n" D "--\n"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"a\"\n\n1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"a\"\r\r\n1" CRLF D "--"), HTTP_EBADREQ },
	/* the boundary must not occur in content or preamble (RFC 2046 5.1.1) */
	{ LIT(D CRLF FIELD("a") CRLF "x" CRLF D "\rz" CRLF D "--"), HTTP_EBADREQ },
	{ LIT("preamble" CRLF D "junk" CRLF D CRLF FIELD("a") CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	/* transport padding after the boundary is refused */
	{ LIT(D " " CRLF FIELD("a") CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	/* boundary inside content followed by junk */
	{ LIT(D CRLF FIELD("a") CRLF "1" CRLF D "x" CRLF D "--"), HTTP_EBADREQ },
	/* no name, empty name, duplicate name, no disposition, wrong disposition */
	{ LIT(D CRLF "Content-Disposition: form-data" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; filename=\"a\"" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"\"" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a; name=b" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Type: text/plain" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: attachment; name=\"a\"" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF FIELD("a") FIELD("b") CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF FIELD("a") "Content-Type: a" CRLF "Content-Type: b" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	/* malformed headers */
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"a" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition form-data; name=a" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition : form-data; name=a" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data;" CRLF " name=a" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a\0b" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	/* invalid UTF-8 in names and filenames */
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"\xff\"" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=\"\xc0\xaf\"" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a; filename=\"\xed\xa0\x80\"" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a; filename*=UTF-8''%ff" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a; filename*=UTF-8''a%00b" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a; filename*=UTF-8''%zz" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a; filename*=UTF-8'x" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	{ LIT(D CRLF "Content-Disposition: form-data; name=a; filename*=ISO-8859-1''%e9" CRLF CRLF "1" CRLF D "--"), HTTP_EBADREQ },
	/* LF-delimited closing boundary is not a delimiter */
	{ LIT(D CRLF FIELD("a") CRLF "1\n" D "--"), HTTP_EBADREQ },
};

static void mp_check_valid(size_t idx, size_t chunk)
{
	arena *a = arena_new(4096);
	http_limits l = test_limits();
	mp_trace t = { 0 };
	http_err e = mp_run(a, &l, mp_valids[idx].body, mp_valids[idx].n, chunk, &t);
	ck_assert_msg(e == HTTP_OK, "valid #%zu chunk %zu: %s", idx, chunk, http_err_str(e));
	ck_assert_msg(t.trace.len == mp_valids[idx].tn && memcmp(t.trace.data, mp_valids[idx].trace, t.trace.len) == 0,
	              "valid #%zu chunk %zu: trace %s", idx, chunk, t.trace.data);
	arena_free(a);
}

START_TEST(test_mp_valid)
{
	mp_check_valid((size_t)_i, 0);
}
END_TEST

START_TEST(test_mp_valid_chunked)
{
	/* Every chunk size, 1 byte included: delimiters split at every offset
	 * must give the identical trace. */
	for (size_t chunk = 1; chunk <= mp_valids[_i].n; chunk++)
		mp_check_valid((size_t)_i, chunk);
}
END_TEST

START_TEST(test_mp_invalid)
{
	http_limits l = test_limits();
	for (size_t chunk = 0; chunk <= mp_invalids[_i].n; chunk++) {
		arena *a = arena_new(4096);
		mp_trace t = { 0 };
		http_err e = mp_run(a, &l, mp_invalids[_i].body, mp_invalids[_i].n, chunk, &t);
		ck_assert_msg(e == mp_invalids[_i].err, "invalid #%d chunk %zu: got %s", _i, chunk, http_err_str(e));
		arena_free(a);
	}
}
END_TEST

START_TEST(test_mp_split_points)
{
	/* Two-chunk feeds at every split point of a body whose content holds
	 * near-delimiters. */
	static const char body[] = D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"x\"" CRLF CRLF
	                           "\r\n-X-XyZ_" "\r\n--Xy" "\r\n-" "\r" CRLF D CRLF FIELD("g") CRLF "v" CRLF D "--" CRLF;
	static const char want[] = "f{x}=\r\n-X-XyZ_\r\n--Xy\r\n-\r;g=v;";
	http_limits l = test_limits();
	for (size_t split = 0; split <= sizeof body - 1; split++) {
		arena *a = arena_new(4096);
		mp_trace t = { 0 };
		buf_init(&t.trace, a, 64);
		multipart_parser *mp = multipart_parser_new(a, STR_LIT("XyZ"), &l, &trace_cb, &t);
		ck_assert_int_eq(multipart_parser_feed(mp, body, split), HTTP_OK);
		ck_assert_int_eq(multipart_parser_feed(mp, body + split, sizeof body - 1 - split), HTTP_OK);
		ck_assert_int_eq(multipart_parser_finish(mp), HTTP_OK);
		ck_assert_str_eq(t.trace.data, want);
		arena_free(a);
	}
}
END_TEST

START_TEST(test_mp_many_parts)
{
	/* 10,000 tiny parts: refused at max_parts + 1, headers of later parts
	 * never looked at. */
	arena *a = arena_new(1 << 16);
	http_limits l = test_limits();
	buf b;
	buf_init(&b, a, 1 << 20);
	for (int i = 0; i < 10000; i++)
		buf_puts(&b, D CRLF FIELD("a") CRLF "1" CRLF);
	buf_puts(&b, D "--" CRLF);
	mp_trace t = { 0 };
	clock_t t0 = clock();
	ck_assert_int_eq(mp_run(a, &l, b.data, b.len, 0, &t), HTTP_ETOOLARGE);
	ck_assert_uint_eq(t.nparts, l.max_parts);
	ck_assert((clock() - t0) < CLOCKS_PER_SEC);
	/* byte by byte too */
	ck_assert_int_eq(mp_run(a, &l, b.data, b.len, 1, &t), HTTP_ETOOLARGE);
	ck_assert_uint_eq(t.nparts, l.max_parts);
	arena_free(a);
}
END_TEST

START_TEST(test_mp_header_too_large)
{
	arena *a = arena_new(4096);
	http_limits l = test_limits();
	l.max_part_header = 64;
	/* The header block is "Content-Disposition: form-data; name=\"a\"\r\n\r\n":
	 * 43 bytes plus the name; pad the name to hit exactly 64 and then 65. */
	static const char fits[] = D CRLF "Content-Disposition: form-data; name=\"aaaaaaaaaaaaaaaaaaaaa\"" CRLF CRLF "1" CRLF D "--";
	static const char over[] = D CRLF "Content-Disposition: form-data; name=\"aaaaaaaaaaaaaaaaaaaaaa\"" CRLF CRLF "1" CRLF D "--";
	mp_trace t = { 0 };
	ck_assert_int_eq(mp_run(a, &l, fits, sizeof fits - 1, 0, &t), HTTP_OK);
	ck_assert_int_eq(mp_run(a, &l, over, sizeof over - 1, 0, &t), HTTP_ETOOLARGE);
	ck_assert_int_eq(mp_run(a, &l, over, sizeof over - 1, 1, &t), HTTP_ETOOLARGE);
	/* endless header line: refused after 64 bytes, not at the end */
	buf b;
	buf_init(&b, a, 1 << 16);
	buf_puts(&b, D CRLF "X-Junk: ");
	for (int i = 0; i < 10000; i++)
		buf_puts(&b, "junkjunk");
	ck_assert_int_eq(mp_run(a, &l, b.data, b.len, 0, &t), HTTP_ETOOLARGE);
	/* name over max_name_size */
	l = test_limits();
	l.max_name_size = 3;
	static const char name4[] = D CRLF FIELD("abcd") CRLF "1" CRLF D "--";
	ck_assert_int_eq(mp_run(a, &l, name4, sizeof name4 - 1, 0, &t), HTTP_ETOOLARGE);
	arena_free(a);
}
END_TEST

START_TEST(test_mp_callback_abort)
{
	arena *a = arena_new(4096);
	http_limits l = test_limits();
	mp_trace t = { .fail_on_begin = HTTP_EUNSUPPORTED };
	buf_init(&t.trace, a, 64);
	static const char body[] = D CRLF FIELD("a") CRLF "1" CRLF D "--";
	multipart_parser *mp = multipart_parser_new(a, STR_LIT("XyZ"), &l, &trace_cb, &t);
	ck_assert_int_eq(multipart_parser_feed(mp, body, sizeof body - 1), HTTP_EUNSUPPORTED);
	/* sticky */
	ck_assert_int_eq(multipart_parser_feed(mp, "x", 1), HTTP_EUNSUPPORTED);
	ck_assert_int_eq(multipart_parser_finish(mp), HTTP_EUNSUPPORTED);
	ck_assert_uint_eq(t.nparts, 1);
	/* an invalid boundary gives a parser that only fails */
	mp = multipart_parser_new(a, STR_LIT("bad\r\n"), &l, &trace_cb, &t);
	ck_assert_int_eq(multipart_parser_feed(mp, body, sizeof body - 1), HTTP_EBADREQ);
	ck_assert_int_eq(multipart_parser_finish(mp), HTTP_EBADREQ);
	arena_free(a);
}
END_TEST

/* ---- form collector ---- */

typedef struct {
	const char *p;
	size_t n, off;
	size_t max_chunk; /* the reader may return less than asked */
	size_t asked_total;
	int fail_at;      /* return -1 once off reaches this (if > 0) */
} mem_reader;

static long mem_read(void *ctx, char *dst, size_t n)
{
	mem_reader *r = ctx;
	ck_assert_uint_le(n, 64 * 1024);
	r->asked_total += n;
	if (r->fail_at > 0 && r->off >= (size_t)r->fail_at)
		return -1;
	size_t k = r->n - r->off;
	if (k > n)
		k = n;
	if (r->max_chunk && k > r->max_chunk)
		k = r->max_chunk;
	memcpy(dst, r->p + r->off, k);
	r->off += k;
	return (long)k;
}

/* A fresh directory for spool files, under $TMPDIR or /tmp (out: its path). */
static int spool_dir_make(char *out, size_t outlen)
{
	const char *t = getenv("TMPDIR");
	snprintf(out, outlen, "%s/sdspoolXXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(out));
	char err[512];
	int fd = http_upload_dir_open(out, NULL, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	return fd;
}

/* Entries of dir other than . and .. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* True when fd is an unlinked regular file, mode 0600, close-on-exec, whose
 * (former) path is in dir. */
static bool is_spool_file_in(int fd, const char *dir)
{
	struct stat st;
	char link[64], target[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (fstat(fd, &st) != 0 || n <= 0)
		return false;
	target[n] = '\0';
	size_t dl = strlen(dir);
	return S_ISREG(st.st_mode) && st.st_nlink == 0 && (st.st_mode & 0777) == 0600 &&
	       (fcntl(fd, F_GETFD) & FD_CLOEXEC) && strncmp(target, dir, dl) == 0 && target[dl] == '/' &&
	       strstr(target, " (deleted)") != NULL;
}

static const char *fd_slurp(arena *a, int fd, size_t size)
{
	char *p = arena_alloc(a, size + 1);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	ck_assert_int_eq(read(fd, p, size + 1), (ssize_t)size);
	p[size] = '\0';
	return p;
}

/* 1 when fd is no longer open. */
static int fcntl_probe_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

#define MP_CT "multipart/form-data; boundary=XyZ"

static http_err form_run(arena *a, const char *ct, const char *body, size_t n, size_t clen, size_t max_chunk,
                         const http_limits *l, http_form *f)
{
	mem_reader r = { .p = body, .n = n, .max_chunk = max_chunk };
	return http_form_read(a, str_from_cstr(ct), clen, mem_read, &r, l, f);
}

START_TEST(test_form_multipart)
{
	static const char body[] =
	    "preamble" CRLF D CRLF FIELD("subject") CRLF "Printer on fire" CRLF
	    D CRLF "Content-Disposition: form-data; name=\"att\"; filename=\"log.txt\"" CRLF
	    "Content-Type: text/plain" CRLF CRLF "line1\r\nline2" CRLF
	    D CRLF "Content-Disposition: form-data; name=\"att\"; filename=\"\"" CRLF
	    "Content-Type: application/octet-stream" CRLF CRLF CRLF
	    D CRLF "Content-Disposition: form-data; name=\"att\"; filename=\"empty.bin\"" CRLF CRLF CRLF
	    D CRLF FIELD("body") CRLF "caf\xc3\xa9" CRLF D "--" CRLF;
	http_limits l = test_limits();
	char dir[4096];
	l.upload_dir_fd = spool_dir_make(dir, sizeof dir);
	for (size_t mc = 0; mc <= 7; mc++) {
		arena *a = arena_new(4096);
		http_form f;
		ck_assert_int_eq(form_run(a, MP_CT, body, sizeof body - 1, sizeof body - 1, mc, &l, &f), HTTP_OK);
		ck_assert_uint_eq(f.fields.len, 2);
		ck_assert_str_eq(http_form_field(&f, "subject").ptr, "Printer on fire");
		ck_assert_str_eq(http_form_field(&f, "body").ptr, "caf\xc3\xa9");
		ck_assert_uint_eq(f.nfiles, 2); /* "no file chosen" skipped */
		ck_assert_str_eq(f.files[0].field.ptr, "att");
		ck_assert_str_eq(f.files[0].filename.ptr, "log.txt");
		ck_assert_str_eq(f.files[0].content_type.ptr, "text/plain");
		ck_assert_uint_eq(f.files[0].size, 12);
		ck_assert_str_eq(fd_slurp(a, f.files[0].fd, 12), "line1\r\nline2");
		ck_assert_str_eq(f.files[1].filename.ptr, "empty.bin");
		ck_assert_uint_eq(f.files[1].size, 0);
		ck_assert_str_eq(f.files[1].content_type.ptr, "");
		/* spooled to the upload directory, with no name left there */
		ck_assert(is_spool_file_in(f.files[0].fd, dir));
		ck_assert(is_spool_file_in(f.files[1].fd, dir));
		ck_assert_int_eq(dir_entries(dir), 0);
		int fd = f.files[0].fd;
		arena_free(a);
		/* the arena cleanup closed it */
		ck_assert_int_eq(fcntl_probe_closed(fd), 1);
	}
	close(l.upload_dir_fd);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_form_urlencoded)
{
	static const char body[] = "subject=Printer+on+fire&body=caf%C3%A9&&x";
	http_limits l = test_limits();
	arena *a = arena_new(4096);
	http_form f;
	ck_assert_int_eq(form_run(a, "application/x-www-form-urlencoded; charset=UTF-8", body, sizeof body - 1,
	                          sizeof body - 1, 5, &l, &f), HTTP_OK);
	ck_assert_str_eq(http_form_field(&f, "subject").ptr, "Printer on fire");
	ck_assert_str_eq(http_form_field(&f, "body").ptr, "caf\xc3\xa9");
	ck_assert_uint_eq(http_form_field(&f, "x").len, 0);
	ck_assert_uint_eq(f.nfiles, 0);
	/* content length 0 = unknown: read to EOF */
	ck_assert_int_eq(form_run(a, "Application/X-WWW-Form-Urlencoded", body, sizeof body - 1, 0, 0, &l, &f), HTTP_OK);
	ck_assert_uint_eq(f.fields.len, 3);
	arena_free(a);
}
END_TEST

START_TEST(test_form_errors)
{
	static const char mp_body[] = D CRLF FIELD("a") CRLF "1" CRLF D "--" CRLF;
	static const struct {
		const char *ct;
		const char *body;
		size_t n;
		size_t clen;
		http_err err;
	} t[] = {
		{ "text/plain", LIT("a=1"), 3, HTTP_EUNSUPPORTED },
		{ "application/json", LIT("{}"), 2, HTTP_EUNSUPPORTED },
		{ "multipart/mixed; boundary=XyZ", LIT(mp_body), sizeof mp_body - 1, HTTP_EUNSUPPORTED },
		{ "", LIT("a=1"), 3, HTTP_EUNSUPPORTED },
		{ "", LIT(""), 0, HTTP_OK },
		{ "multipart/form-data", LIT(mp_body), sizeof mp_body - 1, HTTP_EBADREQ },
		{ "multipart/form-data; boundary=Other", LIT(mp_body), sizeof mp_body - 1, HTTP_EBADREQ },
		{ "@@@", LIT("a=1"), 3, HTTP_EBADREQ },
		{ "application/x-www-form-urlencoded", LIT("a=1"), 5, HTTP_EBADREQ },  /* short body */
		{ "application/x-www-form-urlencoded", LIT("a=%zz"), 5, HTTP_EBADREQ },
		{ MP_CT, LIT(D CRLF FIELD("a") CRLF "1"), 0, HTTP_EBADREQ },            /* no close */
		{ MP_CT, LIT(D CRLF FIELD("a") CRLF "\xff" CRLF D "--"), 0, HTTP_EBADREQ }, /* field not UTF-8 */
		{ MP_CT, LIT(D CRLF FIELD("a") CRLF "x\0y" CRLF D "--"), 0, HTTP_EBADREQ },
	};
	http_limits l = test_limits();
	for (size_t i = 0; i < NELEMS(t); i++) {
		arena *a = arena_new(4096);
		http_form f;
		http_err e = form_run(a, t[i].ct, t[i].body, t[i].n, t[i].clen, 0, &l, &f);
		ck_assert_msg(e == t[i].err, "case %zu: got %s", i, http_err_str(e));
		arena_free(a);
	}
}
END_TEST

START_TEST(test_form_limits)
{
	http_limits l = test_limits();
	l.max_file_size = 10;
	l.max_files = 2;
	l.max_fields = 2;
	l.max_field_size = 4;
	l.max_body = 400;
#define FILEPART(name, data) D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"" name "\"" CRLF CRLF data CRLF
	static const struct {
		const char *ct;
		const char *body;
		size_t n;
		http_err err;
	} t[] = {
		{ MP_CT, LIT(FILEPART("a", "0123456789") D "--"), HTTP_OK },
		{ MP_CT, LIT(FILEPART("a", "0123456789X") D "--"), HTTP_ETOOLARGE },
		{ MP_CT, LIT(FILEPART("a", "1") FILEPART("b", "2") D "--"), HTTP_OK },
		{ MP_CT, LIT(FILEPART("a", "1") FILEPART("b", "2") FILEPART("c", "3") D "--"), HTTP_ETOOLARGE },
		{ MP_CT, LIT(FILEPART("a", "1") FILEPART("b", "2") FILEPART("", "") D "--"), HTTP_OK },
		{ MP_CT, LIT(FILEPART("a", "1") FILEPART("b", "2") FILEPART("", "3") D "--"), HTTP_ETOOLARGE },
		{ MP_CT, LIT(D CRLF FIELD("a") CRLF "1234" CRLF D "--"), HTTP_OK },
		{ MP_CT, LIT(D CRLF FIELD("a") CRLF "12345" CRLF D "--"), HTTP_ETOOLARGE },
		{ MP_CT, LIT(D CRLF FIELD("a") CRLF CRLF D CRLF FIELD("b") CRLF CRLF D "--"), HTTP_OK },
		{ MP_CT, LIT(D CRLF FIELD("a") CRLF CRLF D CRLF FIELD("b") CRLF CRLF D CRLF FIELD("c") CRLF CRLF D "--"),
		  HTTP_ETOOLARGE },
		{ "application/x-www-form-urlencoded", LIT("a=1&b=2"), HTTP_OK },
		{ "application/x-www-form-urlencoded", LIT("a=1&b=2&c=3"), HTTP_ETOOLARGE },
		{ "application/x-www-form-urlencoded", LIT("a=12345"), HTTP_ETOOLARGE },
	};
	for (size_t i = 0; i < NELEMS(t); i++) {
		for (size_t mc = 0; mc <= 3; mc++) {
			arena *a = arena_new(4096);
			http_form f;
			http_err e = form_run(a, t[i].ct, t[i].body, t[i].n, t[i].n, mc, &l, &f);
			ck_assert_msg(e == t[i].err, "case %zu chunk %zu: got %s", i, mc, http_err_str(e));
			arena_free(a);
		}
	}
#undef FILEPART
}
END_TEST

START_TEST(test_form_max_body)
{
	/* A body over max_body is refused as soon as the limit is passed: the
	 * reader is asked for at most max_body + 1 bytes in total. */
	http_limits l = test_limits();
	l.max_body = 100000;
	size_t n = 1 << 20;
	char *body = malloc(n);
	memset(body, 'a', n);
	memcpy(body, "a=", 2);
	arena *a = arena_new(4096);
	http_form f;
	mem_reader r = { .p = body, .n = n };
	ck_assert_int_eq(http_form_read(a, STR_LIT("application/x-www-form-urlencoded"), 0, mem_read, &r, &l, &f),
	                 HTTP_ETOOLARGE);
	ck_assert_uint_le(r.asked_total, l.max_body + 1);
	ck_assert_uint_le(r.off, l.max_body + 1);
	/* a declared length over the limit: nothing read at all */
	r = (mem_reader){ .p = body, .n = n };
	ck_assert_int_eq(http_form_read(a, STR_LIT(MP_CT), n, mem_read, &r, &l, &f), HTTP_ETOOLARGE);
	ck_assert_uint_eq(r.asked_total, 0);
	/* multipart without a declared length */
	r = (mem_reader){ .p = body, .n = n };
	ck_assert_int_eq(http_form_read(a, STR_LIT(MP_CT), 0, mem_read, &r, &l, &f), HTTP_ETOOLARGE);
	ck_assert_uint_le(r.off, l.max_body + 1);
	/* read errors */
	r = (mem_reader){ .p = body, .n = n, .fail_at = 10, .max_chunk = 5 };
	ck_assert_int_eq(http_form_read(a, STR_LIT("application/x-www-form-urlencoded"), 0, mem_read, &r, &l, &f),
	                 HTTP_EBADREQ);
	free(body);
	arena_free(a);
}
END_TEST

START_TEST(test_form_text_limit)
{
	/* Text is held in memory, so all of it together is bounded by
	 * max_text, far below max_body (which is sized for files). */
	http_limits l = test_limits();
	l.max_text = 1000;
	l.max_field_size = 600;
	size_t n = 100000;
	char *body = malloc(n);
	ck_assert_ptr_nonnull(body);
	memset(body, 'a', n);
	memcpy(body, "a=", 2);
	body[500] = '&';
	body[501] = 'b';
	body[502] = '=';
	arena *a = arena_new(4096);
	http_form f;
	/* urlencoded: exactly max_text is fine, one more byte is not */
	ck_assert_int_eq(form_run(a, "application/x-www-form-urlencoded", body, 1000, 1000, 0, &l, &f), HTTP_OK);
	ck_assert_uint_eq(f.fields.len, 2);
	mem_reader r = { .p = body, .n = 1001 };
	ck_assert_int_eq(http_form_read(a, STR_LIT("application/x-www-form-urlencoded"), 1001, mem_read, &r, &l, &f),
	                 HTTP_ETOOLARGE);
	ck_assert_uint_eq(r.asked_total, 0); /* refused from its declared length */
	r = (mem_reader){ .p = body, .n = n };
	ck_assert_int_eq(http_form_read(a, STR_LIT("application/x-www-form-urlencoded"), 0, mem_read, &r, &l, &f),
	                 HTTP_ETOOLARGE);
	ck_assert_uint_le(r.asked_total, l.max_text + 1);

	/* multipart: two fields, each within max_field_size, over max_text
	 * together; a file of any size does not count. */
	buf b;
	buf_init(&b, a, 8192);
	buf_puts(&b, D CRLF FIELD("a") CRLF);
	buf_append(&b, body + 3, 500);
	buf_puts(&b, CRLF D CRLF FIELD("b") CRLF);
	buf_append(&b, body + 3, 500);
	buf_puts(&b, CRLF D "--" CRLF);
	ck_assert_int_eq(form_run(a, MP_CT, b.data, b.len, b.len, 0, &l, &f), HTTP_OK);
	buf_init(&b, a, 8192);
	buf_puts(&b, D CRLF FIELD("a") CRLF);
	buf_append(&b, body + 3, 500);
	buf_puts(&b, CRLF D CRLF FIELD("b") CRLF);
	buf_append(&b, body + 3, 501);
	buf_puts(&b, CRLF D "--" CRLF);
	ck_assert_int_eq(form_run(a, MP_CT, b.data, b.len, b.len, 0, &l, &f), HTTP_ETOOLARGE);
	buf_init(&b, a, 8192);
	buf_puts(&b, D CRLF FIELD("a") CRLF);
	buf_append(&b, body + 3, 500);
	buf_puts(&b, CRLF D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"x.txt\"" CRLF CRLF);
	buf_append(&b, body + 3, 5000);
	buf_puts(&b, CRLF D "--" CRLF);
	ck_assert_int_eq(form_run(a, MP_CT, b.data, b.len, b.len, 0, &l, &f), HTTP_OK);
	ck_assert_uint_eq(f.nfiles, 1);
	ck_assert_uint_eq(f.files[0].size, 5000);
	arena_free(a);
	free(body);
}
END_TEST

START_TEST(test_form_big_file)
{
	/* A file much larger than the chunk size streams through the spool file
	 * intact, CRs (where the parser cuts its pieces) included. */
	http_limits l = test_limits();
	arena *a = arena_new(4096);
	buf b;
	buf_init(&b, a, 1 << 20);
	buf_puts(&b, D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"big\"" CRLF CRLF);
	size_t start = b.len, fsize = 300000;
	for (size_t i = 0; i < fsize; i++)
		buf_putc(&b, (char)(i % 251 == 0 ? '\r' : (i % 7 == 0 ? '\n' : 'a' + i % 26)));
	buf_puts(&b, CRLF D "--" CRLF);
	http_form f;
	ck_assert_int_eq(form_run(a, MP_CT, b.data, b.len, b.len, 0, &l, &f), HTTP_OK);
	ck_assert_uint_eq(f.nfiles, 1);
	ck_assert_uint_eq(f.files[0].size, fsize);
	const char *got = fd_slurp(a, f.files[0].fd, fsize);
	ck_assert(memcmp(got, b.data + start, fsize) == 0);
	arena_free(a);
}
END_TEST

/* ---- the upload spool ---- */

START_TEST(test_upload_dir_open)
{
	const char *t = getenv("TMPDIR");
	char parent[4096], dir[4200], err[512];
	snprintf(parent, sizeof parent, "%s/sdspoolXXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(parent));
	snprintf(dir, sizeof dir, "%s/uploads", parent);

	/* A missing directory is made, private. */
	bool in_memory = true;
	int dfd = http_upload_dir_open(dir, &in_memory, err, sizeof err);
	ck_assert_msg(dfd >= 0, "%s", err);
	ck_assert_int_eq(fcntl(dfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	struct stat st;
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	struct statfs sf;
	ck_assert_int_eq(statfs(dir, &sf), 0);
	ck_assert(in_memory == (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC));
	/* An existing one is fine too. */
	int again = http_upload_dir_open(dir, NULL, err, sizeof err);
	ck_assert_msg(again >= 0, "%s", err);
	close(again);

	/* O_TMPFILE and the named fallback: an unlinked private file in dir. */
	for (int named = 0; named < 2; named++) {
		int fd = named ? http_upload_spool_open_named(dfd) : http_upload_spool_open(dfd);
		ck_assert_msg(fd >= 0, "spool file (named %d): %s", named, strerror(errno));
		ck_assert_msg(is_spool_file_in(fd, dir), "named %d", named);
		ck_assert_int_eq(dir_entries(dir), 0);
		ck_assert_int_eq(write(fd, "abc", 3), 3);
		char back[4] = "";
		ck_assert_int_eq(pread(fd, back, 3, 0), 3);
		ck_assert_str_eq(back, "abc");
		close(fd);
	}
	close(dfd);

	/* Refused, with the path in the message. */
	ck_assert_int_eq(http_upload_dir_open("", NULL, err, sizeof err), -1);
	char file[4200], bad[4300];
	snprintf(file, sizeof file, "%s/plain-file", parent);
	int ffd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(ffd, 0);
	close(ffd);
	snprintf(bad, sizeof bad, "%s/uploads", file);
	ck_assert_int_eq(http_upload_dir_open(bad, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, bad) != NULL, "%s", err);
	ck_assert_int_eq(http_upload_dir_open(file, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, file) != NULL, "%s", err);
	snprintf(bad, sizeof bad, "%s/no/such", parent);
	ck_assert_int_eq(http_upload_dir_open(bad, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, bad) != NULL, "%s", err);
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(rmdir(parent), 0);

	/* tmpfs is reported, for the start-up warning. */
	char shm[] = "/dev/shm/sdspoolXXXXXX";
	if (statfs("/dev/shm", &sf) == 0 && sf.f_type == TMPFS_MAGIC && mkdtemp(shm)) {
		dfd = http_upload_dir_open(shm, &in_memory, err, sizeof err);
		ck_assert_msg(dfd >= 0, "%s", err);
		ck_assert(in_memory);
		close(dfd);
		ck_assert_int_eq(rmdir(shm), 0);
	}
}
END_TEST

START_TEST(test_upload_spool_default_dir)
{
	/* No upload directory (tests, fuzzing): $TMPDIR, looked up each time. */
	char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	char dir[] = "/tmp/sdspoolXXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);
	int fd = http_upload_spool_open(-1);
	ck_assert_int_ge(fd, 0);
	ck_assert(is_spool_file_in(fd, dir));
	close(fd);
	fd = http_upload_spool_open_named(-1);
	ck_assert_int_ge(fd, 0);
	ck_assert(is_spool_file_in(fd, dir));
	close(fd);
	ck_assert_int_eq(dir_entries(dir), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(http_upload_spool_open(-1), -1); /* $TMPDIR is gone */
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
}
END_TEST

#define ONE_FILE(data) D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"a.bin\"" CRLF CRLF data CRLF D "--" CRLF

START_TEST(test_form_spool_failures)
{
	/* Spooling is the server's problem, never the client's: 500. */
	http_limits l = test_limits();
	char dir[4096];
	int dfd = spool_dir_make(dir, sizeof dir);

	/* No file can be made (the "directory" is a plain file). */
	char file[4200];
	snprintf(file, sizeof file, "%s/plain-file", dir);
	int ffd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(ffd, 0);
	l.upload_dir_fd = ffd;
	arena *a = arena_new(4096);
	http_form f;
	ck_assert_int_eq(form_run(a, MP_CT, LIT(ONE_FILE("x")), sizeof ONE_FILE("x") - 1, 0, &l, &f), HTTP_EINTERNAL);
	/* A form without files needs no spool file. */
	static const char text_only[] = D CRLF FIELD("a") CRLF "1" CRLF D "--" CRLF;
	ck_assert_int_eq(form_run(a, MP_CT, LIT(text_only), sizeof text_only - 1, 0, &l, &f), HTTP_OK);
	arena_free(a);
	close(ffd);
	ck_assert_int_eq(unlink(file), 0);

	/* A write fails half-way (as on a full disk): a file size limit below
	 * the upload, its SIGXFSZ ignored so that write reports EFBIG. */
	l.upload_dir_fd = dfd;
	a = arena_new(4096);
	buf b;
	buf_init(&b, a, 1 << 20);
	buf_puts(&b, D CRLF "Content-Disposition: form-data; name=\"f\"; filename=\"big\"" CRLF CRLF);
	for (size_t i = 0; i < 300000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	buf_puts(&b, CRLF D "--" CRLF);
	struct rlimit old, small = { 100000, 0 };
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	http_err e = form_run(a, MP_CT, b.data, b.len, b.len, 0, &l, &f);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	ck_assert_int_eq(e, HTTP_EINTERNAL);
	arena_free(a);
	close(dfd);
	ck_assert_int_eq(dir_entries(dir), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST
#undef ONE_FILE

static void add_loop(Suite *s, const char *name, const TTest *fn, size_t n)
{
	TCase *tc = tcase_create(name);
	tcase_add_loop_test(tc, fn, 0, (int)n);
	suite_add_tcase(s, tc);
}

static void add_one(Suite *s, const char *name, const TTest *fn)
{
	TCase *tc = tcase_create(name);
	tcase_add_test(tc, fn);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
}

Suite *http_parse_suite(void)
{
	Suite *s = suite_create("http_parse");
	add_loop(s, "percent_valid", test_percent_valid, NELEMS(percent_valids));
	add_loop(s, "percent_invalid", test_percent_invalid, NELEMS(percent_invalids));
	add_loop(s, "percent_encode", test_percent_encode, NELEMS(percent_encodes));
	add_loop(s, "urlenc_valid", test_urlenc_valid, NELEMS(urlenc_valids));
	add_loop(s, "urlenc_invalid", test_urlenc_invalid, NELEMS(urlenc_invalids));
	add_one(s, "urlenc_get", test_urlenc_get);
	add_one(s, "urlenc_limits", test_urlenc_limits);
	add_one(s, "urlenc_many_fields_fast", test_urlenc_many_fields_fast);
	add_loop(s, "cookie_valid", test_cookie_valid, NELEMS(cookie_valids));
	add_loop(s, "cookie_invalid", test_cookie_invalid, NELEMS(cookie_invalids));
	add_one(s, "cookie_limits", test_cookie_limits);
	add_loop(s, "path_valid", test_path_valid, NELEMS(path_valids));
	add_loop(s, "path_invalid", test_path_invalid, NELEMS(path_invalids));
	add_one(s, "path_nul_and_length", test_path_nul_and_length);
	add_loop(s, "boundary_valid", test_boundary_valid, NELEMS(boundary_valids));
	add_loop(s, "boundary_invalid", test_boundary_invalid, NELEMS(boundary_invalids));
	add_loop(s, "mp_valid", test_mp_valid, NELEMS(mp_valids));
	add_loop(s, "mp_valid_chunked", test_mp_valid_chunked, NELEMS(mp_valids));
	add_loop(s, "mp_invalid", test_mp_invalid, NELEMS(mp_invalids));
	add_one(s, "mp_split_points", test_mp_split_points);
	add_one(s, "mp_many_parts", test_mp_many_parts);
	add_one(s, "mp_header_too_large", test_mp_header_too_large);
	add_one(s, "mp_callback_abort", test_mp_callback_abort);
	add_one(s, "form_multipart", test_form_multipart);
	add_one(s, "form_urlencoded", test_form_urlencoded);
	add_one(s, "form_errors", test_form_errors);
	add_one(s, "form_limits", test_form_limits);
	add_one(s, "form_max_body", test_form_max_body);
	add_one(s, "form_text_limit", test_form_text_limit);
	add_one(s, "form_big_file", test_form_big_file);
	add_one(s, "upload_dir_open", test_upload_dir_open);
	add_one(s, "upload_spool_default_dir", test_upload_spool_default_dir);
	add_one(s, "form_spool_failures", test_form_spool_failures);
	return s;
}
