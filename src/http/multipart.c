/* multipart.c: streaming multipart/form-data parser (RFC 7578, RFC 2046) and header parameter parsing. */
#include "http/http_parse.h"

#include <string.h>

#include "core/utf8.h"

#define HEADER_PARAMS_MAX 16
#define BOUNDARY_MAX 70

/* ---- header values: type; name=value; name="value" ---- */

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

http_err http_header_value_parse(arena *a, str value, str *type, http_params *params)
{
	const char *p = value.ptr;
	size_t n = value.len, i = 0;
	while (i < n && is_ows(p[i]))
		i++;
	size_t tstart = i;
	while (i < n && (is_tchar((unsigned char)p[i]) || p[i] == '/'))
		i++;
	*type = (str){ p + tstart, i - tstart };
	if (type->len == 0)
		return HTTP_EBADREQ;
	for (;;) {
		while (i < n && is_ows(p[i]))
			i++;
		if (i == n)
			return HTTP_OK;
		if (p[i] != ';')
			return HTTP_EBADREQ;
		i++;
		while (i < n && is_ows(p[i]))
			i++;
		if (i == n)
			return HTTP_OK; /* a trailing ';' is common and harmless */
		size_t nstart = i;
		while (i < n && is_tchar((unsigned char)p[i]))
			i++;
		str name = { p + nstart, i - nstart };
		while (i < n && is_ows(p[i]))
			i++;
		if (name.len == 0 || i == n || p[i] != '=')
			return HTTP_EBADREQ;
		i++;
		while (i < n && is_ows(p[i]))
			i++;
		str val;
		if (i < n && p[i] == '"') {
			const char *q = memchr(p + i + 1, '"', n - i - 1);
			if (!q)
				return HTTP_EBADREQ;
			val = (str){ p + i + 1, (size_t)(q - (p + i + 1)) };
			i = (size_t)(q - p) + 1;
		} else {
			size_t vstart = i;
			while (i < n && p[i] != ';' && !is_ows(p[i]) && p[i] != '"' &&
			       (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f)
				i++;
			val = (str){ p + vstart, i - vstart };
		}
		for (size_t k = 0; k < val.len; k++) {
			unsigned char c = (unsigned char)val.ptr[k];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return HTTP_EBADREQ;
		}
		if (params->len >= HEADER_PARAMS_MAX)
			return HTTP_EBADREQ;
		http_params_add(a, params, name, val);
	}
}

str http_header_param(const http_params *p, const char *name)
{
	str want = str_from_cstr(name);
	for (size_t i = 0; i < p->len; i++)
		if (str_eq_nocase(p->items[i].name, want))
			return p->items[i].value;
	return STR_NULL;
}

/* Number of parameters called `name`, to refuse ambiguous duplicates. */
static size_t header_param_count(const http_params *p, const char *name)
{
	str want = str_from_cstr(name);
	size_t c = 0;
	for (size_t i = 0; i < p->len; i++)
		if (str_eq_nocase(p->items[i].name, want))
			c++;
	return c;
}

bool http_multipart_boundary_valid(str b)
{
	if (b.len < 1 || b.len > BOUNDARY_MAX || b.ptr[b.len - 1] == ' ')
		return false;
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.ptr[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          (c && strchr("'()+_,-./:=? ", c) != NULL);
		if (!ok)
			return false;
	}
	return true;
}

http_err http_multipart_boundary(str content_type, str *boundary)
{
	/* The parameter list is tiny and bounded; a scratch arena keeps this
	 * function free of an arena argument. */
	arena *a = arena_new(1024);
	http_err e;
	str type;
	http_params params = { 0 };
	e = http_header_value_parse(a, content_type, &type, &params);
	if (e != HTTP_OK)
		goto out;
	e = HTTP_EBADREQ;
	if (header_param_count(&params, "boundary") != 1)
		goto out;
	str b = http_header_param(&params, "boundary");
	if (!http_multipart_boundary_valid(b))
		goto out;
	*boundary = b; /* points into content_type, not the scratch arena */
	e = HTTP_OK;
out:
	arena_free(a);
	return e;
}

/* ---- the streaming parser ---- */

enum mp_state {
	MP_PREAMBLE,   /* matching the first delimiter, discarding bytes */
	MP_AFTER_DELIM,/* just read a delimiter: CRLF or "--" must follow */
	MP_AFTER_CR,   /* read CR after delimiter: LF must follow */
	MP_AFTER_DASH, /* read '-' after delimiter: '-' must follow */
	MP_HEADERS,    /* accumulating a part's header block */
	MP_BODY,       /* emitting part data, matching the next delimiter */
	MP_EPILOGUE,   /* after the close delimiter: discard */
	MP_ERROR,
};

struct multipart_parser {
	arena *a;
	const multipart_callbacks *cb;
	void *ud;
	http_limits lim;
	enum mp_state state;
	http_err err;
	/* "\r\n--" boundary. Bytes that might begin a delimiter are held back
	 * and, on mismatch, re-emitted from here: they equal delim[0..match). */
	char *delim;
	size_t dlen;
	size_t match;
	char *hbuf; /* one part header block, at most lim.max_part_header bytes */
	size_t hlen;
	size_t nparts;
};

multipart_parser *multipart_parser_new(arena *a, str boundary, const http_limits *l, const multipart_callbacks *cb, void *ud)
{
	multipart_parser *mp = arena_calloc(a, 1, sizeof *mp);
	mp->a = a;
	mp->cb = cb;
	mp->ud = ud;
	mp->lim = *l;
	if (!http_multipart_boundary_valid(boundary)) {
		mp->state = MP_ERROR;
		mp->err = HTTP_EBADREQ;
		return mp;
	}
	mp->dlen = boundary.len + 4;
	mp->delim = arena_alloc(a, mp->dlen);
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary.ptr, boundary.len);
	mp->hbuf = arena_alloc(a, mp->lim.max_part_header);
	/* The body may open with the dash-boundary itself: pretend a CRLF came
	 * first so one matcher handles both cases. */
	mp->state = MP_PREAMBLE;
	mp->match = 2;
	return mp;
}

static http_err cb_result(int rc)
{
	if (rc == 0)
		return HTTP_OK;
	if (rc < 0 || rc > HTTP_EINTERNAL)
		return HTTP_EBADREQ;
	return (http_err)rc;
}

/* A header field name is a token followed directly by ':'. */
static bool header_split(str line, str *name, str *value)
{
	const char *colon = memchr(line.ptr, ':', line.len);
	if (!colon || colon == line.ptr)
		return false;
	*name = (str){ line.ptr, (size_t)(colon - line.ptr) };
	for (size_t i = 0; i < name->len; i++)
		if (!is_tchar((unsigned char)name->ptr[i]))
			return false;
	const char *v = colon + 1, *end = line.ptr + line.len;
	while (v < end && is_ows(*v))
		v++;
	while (end > v && is_ows(end[-1]))
		end--;
	*value = (str){ v, (size_t)(end - v) };
	return true;
}

/* RFC 5987 ext-value: charset "'" [language] "'" pct-encoded. Only UTF-8 is
 * accepted; other charsets report EUNSUPPORTED so the caller can fall back
 * to the plain filename. */
static http_err ext_value_decode(arena *a, str v, str *out)
{
	const char *q1 = memchr(v.ptr, '\'', v.len);
	if (!q1)
		return HTTP_EBADREQ;
	size_t rest = v.len - (size_t)(q1 - v.ptr) - 1;
	const char *q2 = memchr(q1 + 1, '\'', rest);
	if (!q2)
		return HTTP_EBADREQ;
	str charset = { v.ptr, (size_t)(q1 - v.ptr) };
	if (!str_eq_nocase(charset, STR_LIT("UTF-8")))
		return HTTP_EUNSUPPORTED;
	const char *val = q2 + 1;
	size_t vlen = (size_t)(v.ptr + v.len - val);
	http_err e = http_percent_decode(a, val, vlen, false, out);
	if (e != HTTP_OK)
		return e;
	if (!utf8_valid(out->ptr, out->len))
		return HTTP_EBADREQ;
	return HTTP_OK;
}

/* Parses hbuf[0..hlen) (lines ending CRLF, the last one empty) and starts
 * the part. */
static http_err part_headers_done(multipart_parser *mp)
{
	arena *a = mp->a;
	str disp = STR_NULL, ctype = STR_LIT("");
	bool have_ctype = false;
	size_t i = 0, n = mp->hlen;
	const char *h = mp->hbuf;
	/* The block always ends with an empty CRLF line; stop there. */
	while (n - i > 2) {
		const char *crlf = memchr(h + i, '\r', n - i);
		/* header bytes were checked for bare CR/LF while streaming */
		str line = { h + i, (size_t)(crlf - (h + i)) };
		i = (size_t)(crlf - h) + 2;
		if (line.len && is_ows(line.ptr[0]))
			return HTTP_EBADREQ; /* obsolete line folding */
		str name, value;
		if (!header_split(line, &name, &value))
			return HTTP_EBADREQ;
		for (size_t k = 0; k < value.len; k++) {
			unsigned char c = (unsigned char)value.ptr[k];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return HTTP_EBADREQ;
		}
		if (!utf8_valid(value.ptr, value.len))
			return HTTP_EBADREQ;
		if (str_eq_nocase(name, STR_LIT("Content-Disposition"))) {
			if (disp.ptr)
				return HTTP_EBADREQ;
			disp = value;
		} else if (str_eq_nocase(name, STR_LIT("Content-Type"))) {
			if (have_ctype)
				return HTTP_EBADREQ;
			have_ctype = true;
			ctype = value;
		}
		/* Other headers (Content-Transfer-Encoding...) are ignored, as
		 * RFC 7578 4.7 lets us. */
	}
	if (!disp.ptr)
		return HTTP_EBADREQ;

	str type;
	http_params params = { 0 };
	http_err e = http_header_value_parse(a, disp, &type, &params);
	if (e != HTTP_OK)
		return e;
	if (!str_eq_nocase(type, STR_LIT("form-data")))
		return HTTP_EBADREQ;
	if (header_param_count(&params, "name") != 1 || header_param_count(&params, "filename") > 1 ||
	    header_param_count(&params, "filename*") > 1)
		return HTTP_EBADREQ;
	str fname = http_header_param(&params, "name");
	if (fname.len == 0)
		return HTTP_EBADREQ;
	if (fname.len > mp->lim.max_name_size)
		return HTTP_ETOOLARGE;
	str filename = http_header_param(&params, "filename");
	str fstar = http_header_param(&params, "filename*");
	if (fstar.ptr) {
		str decoded;
		e = ext_value_decode(a, fstar, &decoded);
		if (e == HTTP_OK)
			filename = decoded;
		else if (e != HTTP_EUNSUPPORTED || !filename.ptr)
			return HTTP_EBADREQ;
	}
	/* Already UTF-8 checked as part of the header value, but filename* was
	 * decoded separately (and checked there). */
	str name_copy = { str_dup(a, fname), fname.len };
	str file_copy = filename.ptr ? (str){ str_dup(a, filename), filename.len } : STR_NULL;
	str ctype_copy = { str_dup(a, ctype), ctype.len };
	if (!mp->cb->on_part_begin)
		return HTTP_OK;
	return cb_result(mp->cb->on_part_begin(mp->ud, name_copy, file_copy, ctype_copy));
}

static http_err emit(multipart_parser *mp, const char *p, size_t n)
{
	if (n == 0 || mp->state != MP_BODY || !mp->cb->on_part_data)
		return HTTP_OK;
	return cb_result(mp->cb->on_part_data(mp->ud, p, n));
}

/* One delimiter fully matched in PREAMBLE or BODY. */
static http_err delimiter_found(multipart_parser *mp)
{
	http_err e = HTTP_OK;
	if (mp->state == MP_BODY && mp->cb->on_part_end)
		e = cb_result(mp->cb->on_part_end(mp->ud));
	mp->state = MP_AFTER_DELIM;
	mp->match = 0;
	return e;
}

/* PREAMBLE/BODY: consumes bytes from p, returns how many. */
static size_t scan_body(multipart_parser *mp, const char *p, size_t n, http_err *err)
{
	size_t i = 0;
	*err = HTTP_OK;
	while (i < n) {
		if (mp->match == 0) {
			/* Fast path: nothing held back, everything before the next
			 * CR is plain data. */
			const char *cr = memchr(p + i, '\r', n - i);
			size_t upto = cr ? (size_t)(cr - p) : n;
			*err = emit(mp, p + i, upto - i);
			if (*err != HTTP_OK)
				return upto;
			i = upto;
			if (i == n)
				return i;
			mp->match = 1;
			i++;
			continue;
		}
		if (p[i] == mp->delim[mp->match]) {
			i++;
			if (++mp->match == mp->dlen) {
				*err = delimiter_found(mp);
				return i;
			}
			continue;
		}
		/* Mismatch. CR occurs only at delim[0], so no proper suffix of the
		 * held bytes can start a delimiter: release them all. The current
		 * byte is looked at again with match == 0. */
		*err = emit(mp, mp->delim, mp->match);
		mp->match = 0;
		if (*err != HTTP_OK)
			return i;
	}
	return i;
}

/* HEADERS: consumes bytes into hbuf until the empty line. */
static size_t scan_headers(multipart_parser *mp, const char *p, size_t n, http_err *err)
{
	size_t i = 0;
	*err = HTTP_OK;
	while (i < n) {
		char c = p[i++];
		char prev = mp->hlen ? mp->hbuf[mp->hlen - 1] : '\n';
		/* LF only after CR, and CR only before LF: no bare line ends. */
		if ((c == '\n') != (prev == '\r')) {
			*err = HTTP_EBADREQ;
			return i;
		}
		if (mp->hlen >= mp->lim.max_part_header) {
			*err = HTTP_ETOOLARGE;
			return i;
		}
		mp->hbuf[mp->hlen++] = c;
		bool done = (mp->hlen == 2 && c == '\n') ||
		            (mp->hlen >= 4 && c == '\n' && mp->hbuf[mp->hlen - 3] == '\n');
		if (done) {
			*err = part_headers_done(mp);
			mp->state = MP_BODY;
			mp->match = 0;
			return i;
		}
	}
	return i;
}

http_err multipart_parser_feed(multipart_parser *mp, const char *p, size_t n)
{
	size_t i = 0;
	http_err e = HTTP_OK;
	if (mp->state == MP_ERROR)
		return mp->err;
	while (i < n && e == HTTP_OK) {
		switch (mp->state) {
		case MP_PREAMBLE:
		case MP_BODY:
			i += scan_body(mp, p + i, n - i, &e);
			break;
		case MP_HEADERS:
			i += scan_headers(mp, p + i, n - i, &e);
			break;
		case MP_AFTER_DELIM:
			if (p[i] == '\r')
				mp->state = MP_AFTER_CR;
			else if (p[i] == '-')
				mp->state = MP_AFTER_DASH;
			else
				e = HTTP_EBADREQ;
			i++;
			break;
		case MP_AFTER_CR:
			if (p[i++] != '\n') {
				e = HTTP_EBADREQ;
				break;
			}
			/* Counted before the headers are read, so a flood of empty
			 * parts stops at the limit. */
			if (++mp->nparts > mp->lim.max_parts) {
				e = HTTP_ETOOLARGE;
				break;
			}
			mp->state = MP_HEADERS;
			mp->hlen = 0;
			break;
		case MP_AFTER_DASH:
			if (p[i++] != '-')
				e = HTTP_EBADREQ;
			else
				mp->state = MP_EPILOGUE;
			break;
		case MP_EPILOGUE:
			i = n;
			break;
		case MP_ERROR:
			return mp->err;
		}
	}
	if (e != HTTP_OK) {
		mp->state = MP_ERROR;
		mp->err = e;
	}
	return e;
}

http_err multipart_parser_finish(multipart_parser *mp)
{
	if (mp->state == MP_EPILOGUE)
		return HTTP_OK;
	if (mp->state != MP_ERROR) {
		mp->state = MP_ERROR;
		mp->err = HTTP_EBADREQ;
	}
	return mp->err;
}
