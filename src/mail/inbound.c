/* inbound.c: RFC 5322 bytes -> mail_in_msg, on GMime 3 (see inbound.h). */
#include "mail/inbound.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "core/utf8.h"

void mail_in_init(void)
{
	static bool done;
	if (!done) {
		g_mime_init();
		done = true;
	}
}

/* ------------------------------------------------------------------ text helpers */

/* Copies p[0..n) with invalid UTF-8 bytes and NULs replaced by '?', and
 * control bytes other than \n and \t dropped (CR too: lines end in \n). */
static char *clean_text(arena *a, const char *p, size_t n, bool one_line)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x80) {
			if (c == '\n' || c == '\t')
				out[o++] = one_line ? ' ' : (char)c;
			else if (c >= 0x20 && c != 0x7f)
				out[o++] = (char)c;
			i++;
			continue;
		}
		size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
		if (len > 1 && i + len <= n && utf8_valid(p + i, len)) {
			memcpy(out + o, p + i, len);
			o += len;
			i += len;
		} else {
			out[o++] = '?';
			i++;
		}
	}
	out[o] = 0;
	return out;
}

static char *clean_cstr(arena *a, const char *s, bool one_line)
{
	return s ? clean_text(a, s, strlen(s), one_line) : NULL;
}

static void lower_ascii(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ------------------------------------------------------------------ HTML to text */

static bool tag_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

static const struct {
	const char *name;
	const char *text;
} entities[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" }, { "nbsp", " " },
	{ "ndash", "\xe2\x80\x93" }, { "mdash", "\xe2\x80\x94" }, { "hellip", "\xe2\x80\xa6" },
	{ "rsquo", "\xe2\x80\x99" }, { "lsquo", "\xe2\x80\x98" }, { "rdquo", "\xe2\x80\x9d" },
	{ "ldquo", "\xe2\x80\x9c" }, { "euro", "\xe2\x82\xac" }, { "copy", "\xc2\xa9" },
};

static void put_codepoint(buf *b, unsigned long cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	char u[4];
	size_t n;
	if (cp < 0x80)
		u[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xc0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xe0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	else
		u[0] = (char)(0xf0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	buf_append(b, u, n);
}

/* Decodes the entity at p (after '&'); returns the bytes consumed (0: none). */
static size_t entity(buf *b, const char *p, size_t n)
{
	size_t semi = 0;
	while (semi < n && semi < 12 && p[semi] != ';')
		semi++;
	if (semi == n || p[semi] != ';' || semi == 0)
		return 0;
	if (p[0] == '#') {
		unsigned long cp = 0;
		size_t i = 1;
		bool hex = i < semi && (p[i] == 'x' || p[i] == 'X');
		if (hex)
			i++;
		if (i == semi)
			return 0;
		for (; i < semi; i++) {
			char c = p[i];
			int d = (c >= '0' && c <= '9') ? c - '0' : hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
			if (d < 0)
				return 0;
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
			if (cp > 0x10ffff)
				cp = 0x110000;
		}
		put_codepoint(b, cp);
		return semi + 1;
	}
	for (size_t k = 0; k < sizeof entities / sizeof *entities; k++)
		if (strlen(entities[k].name) == semi && memcmp(p, entities[k].name, semi) == 0) {
			buf_puts(b, entities[k].text);
			return semi + 1;
		}
	return 0;
}

char *mail_in_html_to_text(arena *a, const char *html, size_t n)
{
	buf b;
	buf_init(&b, a, n / 2 + 16);
	bool space = false;
	for (size_t i = 0; i < n;) {
		char c = html[i];
		if (c == '<') {
			if (i + 3 < n && memcmp(html + i, "<!--", 4) == 0) {
				const char *end = memmem(html + i + 4, n - i - 4, "-->", 3);
				i = end ? (size_t)(end - html) + 3 : n;
				continue;
			}
			size_t j = i + 1;
			bool closing = j < n && html[j] == '/';
			if (closing)
				j++;
			size_t name0 = j;
			while (j < n && ((html[j] | 0x20) >= 'a' && (html[j] | 0x20) <= 'z' ? true : (html[j] >= '0' && html[j] <= '9')))
				j++;
			size_t nlen = j - name0;
			const char *name = html + name0;
			/* The end of the tag, quotes respected. */
			char q = 0;
			while (j < n && (q || html[j] != '>')) {
				if (q && html[j] == q)
					q = 0;
				else if (!q && (html[j] == '"' || html[j] == '\''))
					q = html[j];
				j++;
			}
			i = j < n ? j + 1 : n;
			if (!closing && (tag_is(name, nlen, "script") || tag_is(name, nlen, "style") || tag_is(name, nlen, "head") ||
			        tag_is(name, nlen, "title"))) {
				/* Skip to the matching end tag. */
				char endtag[16];
				snprintf(endtag, sizeof endtag, "</%.*s", (int)nlen, name);
				size_t el = strlen(endtag);
				size_t k = i;
				while (k + el <= n && strncasecmp(html + k, endtag, el) != 0)
					k++;
				if (k + el > n) {
					i = n;
				} else {
					const char *gt = memchr(html + k, '>', n - k);
					i = gt ? (size_t)(gt - html) + 1 : n;
				}
				continue;
			}
			if (closing && tag_is(name, nlen, "li"))
				continue;
			if (tag_is(name, nlen, "br") || tag_is(name, nlen, "p") || tag_is(name, nlen, "div") ||
			    tag_is(name, nlen, "tr") || tag_is(name, nlen, "li") || tag_is(name, nlen, "blockquote") ||
			    tag_is(name, nlen, "h1") || tag_is(name, nlen, "h2") || tag_is(name, nlen, "h3") ||
			    tag_is(name, nlen, "h4") || tag_is(name, nlen, "table") || tag_is(name, nlen, "ul") ||
			    tag_is(name, nlen, "ol") || tag_is(name, nlen, "hr") || tag_is(name, nlen, "pre")) {
				buf_putc(&b, '\n');
				if (!closing && tag_is(name, nlen, "li"))
					buf_puts(&b, "- ");
				space = false;
			} else if (tag_is(name, nlen, "td") || tag_is(name, nlen, "th")) {
				buf_putc(&b, ' ');
			}
			continue;
		}
		if (c == '&') {
			size_t used = entity(&b, html + i + 1, n - i - 1);
			if (used) {
				i += used + 1;
				space = false;
				continue;
			}
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (!space)
				buf_putc(&b, ' ');
			space = true;
			i++;
			continue;
		}
		space = false;
		buf_putc(&b, c);
		i++;
	}
	/* Lines trimmed, at most one blank line in a row. */
	const char *s = b.data;
	buf o;
	buf_init(&o, a, b.len + 1);
	int blank = 0;
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		size_t l0 = 0, l1 = len;
		while (l0 < l1 && s[l0] == ' ')
			l0++;
		while (l1 > l0 && s[l1 - 1] == ' ')
			l1--;
		if (l1 == l0) {
			blank++;
		} else {
			if (o.len && blank)
				buf_putc(&o, '\n');
			if (o.len)
				buf_putc(&o, '\n');
			buf_append(&o, s + l0, l1 - l0);
			blank = 0;
		}
		s += len + (e ? 1 : 0);
	}
	return o.data;
}

/* ------------------------------------------------------------------ quotes and signatures */

static bool starts_ci(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);
	return n >= pn && strncasecmp(s, p, pn) == 0;
}

static bool ends_with(const char *s, size_t n, const char *p)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	size_t pn = strlen(p);
	return n >= pn && strncasecmp(s + n - pn, p, pn) == 0;
}

typedef struct {
	const char *p;
	size_t n;
} line;

char *mail_in_strip_quoted(arena *a, const char *text)
{
	size_t tn = strlen(text);
	size_t cap = 1;
	for (size_t i = 0; i < tn; i++)
		cap += text[i] == '\n';
	line *ls = arena_alloc(a, cap * sizeof *ls);
	size_t nl = 0;
	for (const char *s = text; nl < cap;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len && s[len - 1] == '\r')
			ls[nl++] = (line){ s, len - 1 };
		else
			ls[nl++] = (line){ s, len };
		if (!e)
			break;
		s = e + 1;
	}
	size_t cut = nl;
	for (size_t i = 0; i < nl && cut == nl; i++) {
		const char *p = ls[i].p;
		size_t n = ls[i].n;
		size_t k = 0;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		const char *t = p + k;
		size_t tl = n - k;
		if (n == 3 && memcmp(p, "-- ", 3) == 0)
			cut = i;
		else if (tl >= 5 && t[0] == '-' && strstr(arena_strndup(a, t, tl), "Original Message"))
			cut = i;
		else if (starts_ci(t, tl, "On ") && ends_with(t, tl, "wrote:"))
			cut = i;
		else if (starts_ci(t, tl, "On ") && i + 1 < nl && ends_with(ls[i + 1].p, ls[i + 1].n, "wrote:"))
			cut = i;
		else if (starts_ci(t, tl, "Le ") && ends_with(t, tl, "crit :"))
			cut = i;
		else if (starts_ci(t, tl, "Am ") && ends_with(t, tl, "schrieb:"))
			cut = i;
		else if (starts_ci(t, tl, "From:")) {
			/* Outlook's header block: From:, then Sent: or Date: within a few lines. */
			for (size_t j = i + 1; j < nl && j <= i + 4; j++)
				if (starts_ci(ls[j].p, ls[j].n, "Sent:") || starts_ci(ls[j].p, ls[j].n, "Date:")) {
					cut = i;
					/* A rule of underscores just above belongs to it. */
					if (i > 0 && ls[i - 1].n >= 10 && ls[i - 1].p[0] == '_')
						cut = i - 1;
					break;
				}
		}
	}
	buf o;
	buf_init(&o, a, tn + 1);
	int blank = 0;
	for (size_t i = 0; i < cut; i++) {
		const char *p = ls[i].p;
		size_t n = ls[i].n;
		if (n && p[0] == '>')
			continue;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0) {
			blank++;
			continue;
		}
		if (o.len)
			buf_puts(&o, blank ? "\n\n" : "\n");
		buf_append(&o, p, n);
		blank = 0;
	}
	if (o.len == 0) {
		/* All of it was quoted: keep it whole rather than lose the message. */
		size_t l = tn;
		while (l && (text[l - 1] == '\n' || text[l - 1] == '\r' || text[l - 1] == ' '))
			l--;
		return arena_strndup(a, text, l);
	}
	return o.data;
}

/* ------------------------------------------------------------------ GMime walk */

typedef struct {
	arena *a;
	mail_in_msg *m;
	char *plain;
	char *html;
	int images;
} walk_ctx;

/* The decoded bytes of a part (transfer encoding undone); text parts are
 * also converted to UTF-8 from their charset. Returned in the arena. */
static unsigned char *part_bytes(walk_ctx *w, GMimePart *part, bool to_utf8, size_t *len)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	*len = 0;
	if (!dw)
		return NULL;
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeStream *target = mem;
	GMimeStream *filtered = NULL;
	if (to_utf8) {
		const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
		if (cs && g_ascii_strcasecmp(cs, "utf-8") != 0 && g_ascii_strcasecmp(cs, "us-ascii") != 0) {
			GMimeFilter *f = g_mime_filter_charset_new(cs, "UTF-8");
			if (f) {
				filtered = g_mime_stream_filter_new(mem);
				g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
				g_object_unref(f);
				target = filtered;
			}
		}
	}
	g_mime_data_wrapper_write_to_stream(dw, target);
	if (filtered) {
		g_mime_stream_flush(filtered);
		g_object_unref(filtered);
	}
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	unsigned char *out = arena_alloc(w->a, ba->len + 1);
	if (ba->len)
		memcpy(out, ba->data, ba->len);
	out[ba->len] = 0;
	*len = ba->len;
	g_object_unref(mem);
	return out;
}

static void add_part(walk_ctx *w, const char *name, const char *type, unsigned char *data, size_t n, bool is_inline)
{
	mail_in_msg *m = w->m;
	if (m->n_parts == MAIL_IN_MAX_PARTS) {
		m->parts_dropped++;
		return;
	}
	mail_in_part *p = &m->parts[m->n_parts++];
	p->file_name = arena_strdup(w->a, name);
	p->content_type = arena_strdup(w->a, type);
	lower_ascii(p->content_type);
	p->data = data;
	p->size = n;
	p->is_inline = is_inline;
}

static void walk(walk_ctx *w, GMimeObject *obj, int depth)
{
	if (!obj || depth > MAIL_IN_MAX_DEPTH)
		return;
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (GMIME_IS_MULTIPART(obj)) {
		if (ct && g_mime_content_type_is_type(ct, "multipart", "report") && w->m->auto_kind == MAIL_AUTO_NONE) {
			w->m->auto_kind = MAIL_AUTO_REPORT;
			w->m->auto_reason = "Content-Type: multipart/report";
		}
		int cnt = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (int i = 0; i < cnt && i < 64; i++)
			walk(w, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		/* An attached message is kept whole, as an .eml file. */
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (!inner)
			return;
		GMimeStream *mem = g_mime_stream_mem_new();
		g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
		GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		unsigned char *data = arena_alloc(w->a, ba->len + 1);
		if (ba->len)
			memcpy(data, ba->data, ba->len);
		size_t n = ba->len;
		g_object_unref(mem);
		add_part(w, "attached-message.eml", "message/rfc822", data, n, false);
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	GMimePart *part = GMIME_PART(obj);
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
	bool attachment = disp && g_mime_content_disposition_is_attachment(disp);
	const char *fname = g_mime_part_get_filename(part);
	bool is_text = ct && g_mime_content_type_is_type(ct, "text", "plain");
	bool is_html = ct && g_mime_content_type_is_type(ct, "text", "html");
	if (!attachment && !fname && is_text && !w->plain) {
		size_t n;
		unsigned char *d = part_bytes(w, part, true, &n);
		w->plain = d ? clean_text(w->a, (const char *)d, n, false) : NULL;
		return;
	}
	if (!attachment && !fname && is_html && !w->html) {
		size_t n;
		unsigned char *d = part_bytes(w, part, true, &n);
		w->html = d ? clean_text(w->a, (const char *)d, n, false) : NULL;
		return;
	}
	if (!attachment && !fname && (is_text || is_html))
		return; /* a second body (another alternative) */
	size_t n;
	unsigned char *d = part_bytes(w, part, false, &n);
	if (!d)
		return;
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	char made[64];
	const char *name = fname;
	bool is_inline = !attachment;
	if (!name || !*name) {
		const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
		snprintf(made, sizeof made, "%s-%d.%s", is_inline ? "inline" : "attachment", ++w->images,
		    sub && strlen(sub) <= 10 && strspn(sub, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(sub) ? sub : "bin");
		name = made;
	}
	char *clean_name = clean_cstr(w->a, name, true);
	add_part(w, clean_name, type ? type : "application/octet-stream", d, n, is_inline);
	g_free(type);
}

/* ------------------------------------------------------------------ headers */

static const char *header(GMimeObject *o, const char *name)
{
	return g_mime_object_get_header(o, name);
}

static char *address_of(arena *a, InternetAddress *ia)
{
	if (!ia || !INTERNET_ADDRESS_IS_MAILBOX(ia))
		return NULL;
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	if (!addr || !*addr || strlen(addr) > 254 || !strchr(addr, '@'))
		return NULL;
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '<' || *p == '>' || *p == '"')
			return NULL;
	char *s = arena_strdup(a, addr);
	lower_ascii(s);
	return s;
}

static void add_recipients(arena *a, mail_in_msg *m, InternetAddressList *l)
{
	if (!l)
		return;
	int n = internet_address_list_length(l);
	for (int i = 0; i < n && m->n_to < MAIL_IN_MAX_ADDRS; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			add_recipients(a, m, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
			continue;
		}
		char *s = address_of(a, ia);
		if (s)
			m->to[m->n_to++] = s;
	}
}

static void add_header_recipients(arena *a, mail_in_msg *m, GMimeObject *o, const char *name)
{
	const char *v = header(o, name);
	if (!v)
		return;
	InternetAddressList *l = internet_address_list_parse(NULL, v);
	if (l) {
		add_recipients(a, m, l);
		g_object_unref(l);
	}
}

/* An id as we keep it: bounded, printable, no <> or spaces. */
static char *clean_id(arena *a, const char *id)
{
	if (!id || !*id || strlen(id) > 250)
		return NULL;
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '<' || *p == '>')
			return NULL;
	return arena_strdup(a, id);
}

static void auto_signs(mail_in_msg *m, GMimeObject *o)
{
	const char *v;
	if ((v = header(o, "Auto-Submitted"))) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (g_ascii_strncasecmp(v, "no", 2) != 0 || (v[2] && v[2] != ' ' && v[2] != ';' && v[2] != '(')) {
			m->auto_kind = MAIL_AUTO_SUBMITTED;
			m->auto_reason = "Auto-Submitted";
			return;
		}
	}
	if ((v = header(o, "Precedence"))) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (g_ascii_strncasecmp(v, "bulk", 4) == 0 || g_ascii_strncasecmp(v, "list", 4) == 0 ||
		    g_ascii_strncasecmp(v, "junk", 4) == 0) {
			m->auto_kind = MAIL_AUTO_PRECEDENCE;
			m->auto_reason = "Precedence";
			return;
		}
	}
	if (header(o, "X-Autoreply") || header(o, "X-Autorespond") || header(o, "X-Autoresponder")) {
		m->auto_kind = MAIL_AUTO_AUTOREPLY;
		m->auto_reason = "X-Autoreply";
		return;
	}
	if ((v = header(o, "Return-Path")) && strstr(v, "<>")) {
		m->auto_kind = MAIL_AUTO_DAEMON;
		m->auto_reason = "Return-Path: <>";
		return;
	}
	if (m->from_addr) {
		if (strncmp(m->from_addr, "mailer-daemon@", 14) == 0 || strncmp(m->from_addr, "postmaster@", 11) == 0) {
			m->auto_kind = MAIL_AUTO_DAEMON;
			m->auto_reason = "From: mailer-daemon/postmaster";
		}
	}
}

int mail_in_parse(arena *a, const unsigned char *data, size_t n, mail_in_msg *out)
{
	memset(out, 0, sizeof *out);
	out->subject = "";
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer((const char *)data, n);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (!msg)
		return -1;
	GMimeObject *o = GMIME_OBJECT(msg);
	int rc = -1;

	InternetAddressList *from = g_mime_message_get_from(msg);
	if (from && internet_address_list_length(from) > 0) {
		InternetAddress *ia = internet_address_list_get_address(from, 0);
		out->from_addr = address_of(a, ia);
		const char *name = internet_address_get_name(ia);
		if (name && *name)
			out->from_name = clean_cstr(a, name, true);
	}
	if (!out->from_addr)
		goto done;

	out->message_id = clean_id(a, g_mime_message_get_message_id(msg));
	const char *irt = header(o, "In-Reply-To");
	if (irt) {
		char *id = g_mime_utils_decode_message_id(irt);
		out->in_reply_to = clean_id(a, id);
		g_free(id);
	}
	const char *refs = header(o, "References");
	if (refs) {
		GMimeReferences *r = g_mime_references_parse(NULL, refs);
		if (r) {
			int cnt = g_mime_references_length(r);
			/* The newest are at the end: keep the last MAIL_IN_MAX_REFS. */
			for (int i = cnt > MAIL_IN_MAX_REFS ? cnt - MAIL_IN_MAX_REFS : 0; i < cnt; i++) {
				char *id = clean_id(a, g_mime_references_get_message_id(r, i));
				if (id)
					out->references[out->n_references++] = id;
			}
			g_mime_references_free(r);
		}
	}
	const char *subj = g_mime_message_get_subject(msg);
	if (subj) {
		char *s = clean_cstr(a, subj, true);
		size_t l = strlen(s);
		if (l > 500) {
			/* Cut on a character boundary. */
			l = 500;
			while (l && ((unsigned char)s[l] & 0xc0) == 0x80)
				l--;
			s[l] = 0;
		}
		out->subject = s;
	}
	add_recipients(a, out, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO));
	add_recipients(a, out, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC));
	add_header_recipients(a, out, o, "Delivered-To");
	add_header_recipients(a, out, o, "X-Original-To");

	auto_signs(out, o);

	walk_ctx w = { .a = a, .m = out };
	walk(&w, g_mime_message_get_mime_part(msg), 0);
	const char *text = w.plain;
	if (!text && w.html) {
		text = mail_in_html_to_text(a, w.html, strlen(w.html));
		out->body_from_html = true;
	}
	char *body = mail_in_strip_quoted(a, text ? text : "");
	size_t bl = strlen(body);
	if (bl > MAIL_IN_MAX_BODY) {
		bl = MAIL_IN_MAX_BODY;
		while (bl && ((unsigned char)body[bl] & 0xc0) == 0x80)
			bl--;
		body[bl] = 0;
	}
	out->body = body;
	rc = 0;
done:
	g_object_unref(msg);
	return rc;
}
