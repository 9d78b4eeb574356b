/* mime.c: outbox row -> RFC 5322 message with a multipart/alternative body. */
#include "mail/mime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

/* ------------------------------------------------------------------ cleaning */

/* Length of the UTF-8 sequence that starts with lead byte c, 0 if c can't
 * start one. utf8_valid then checks the continuation bytes and overlongs. */
static size_t utf8_seq_len(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

char *mime_header_clean(arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			/* CR, LF, NUL and every other control byte could end or
			 * forge a header line: a space says the same thing safely. */
			out[o++] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
			i++;
			continue;
		}
		size_t len = utf8_seq_len(c);
		if (len && i + len <= n && utf8_valid(s + i, len)) {
			/* C1 controls (U+0080..U+009F) are as unwelcome as C0 ones. */
			if (len == 2 && c == 0xC2 && (unsigned char)s[i + 1] < 0xA0) {
				out[o++] = ' ';
			} else {
				memcpy(out + o, s + i, len);
				o += len;
			}
			i += len;
		} else {
			out[o++] = '?';
			i++;
		}
	}
	/* Leading and trailing blanks carry no meaning in a header. */
	size_t start = 0;
	while (start < o && out[start] == ' ')
		start++;
	while (o > start && out[o - 1] == ' ')
		o--;
	memmove(out, out + start, o - start);
	out[o - start] = '\0';
	return out;
}

/* ------------------------------------------------------------------ addresses */

static bool is_atext(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool domain_valid(const char *d, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && d[n - 1] != '-';
}

bool mime_addr_valid(const char *addr)
{
	if (!addr)
		return false;
	size_t n = strlen(addr);
	if (n < 3 || n > 254)
		return false;
	const char *at = memchr(addr, '@', n);
	if (!at)
		return false;
	size_t local = (size_t)(at - addr);
	if (local == 0 || local > 64)
		return false;
	/* Dot-atom only: a quoted local part is legal but is also where
	 * header and SMTP command injection would hide. */
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c == '.') {
			if (i == 0 || i + 1 == local || addr[i - 1] == '.')
				return false;
		} else if (!is_atext(c)) {
			return false;
		}
	}
	return domain_valid(at + 1, n - local - 1);
}

char *mime_mailbox_addr(arena *a, const char *mailbox)
{
	if (!mailbox)
		return NULL;
	const char *lt = strrchr(mailbox, '<');
	const char *p = mailbox;
	size_t n = strlen(mailbox);
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt)
			return NULL;
		p = lt + 1;
		n = (size_t)(gt - p);
	}
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	char *addr = arena_strndup(a, p, n);
	return mime_addr_valid(addr) ? addr : NULL;
}

/* The display-name part of "Name <addr>", unquoted; "" when there is none. */
static char *mailbox_name(arena *a, const char *mailbox)
{
	const char *lt = strrchr(mailbox, '<');
	if (!lt)
		return arena_strdup(a, "");
	const char *p = mailbox;
	size_t n = (size_t)(lt - mailbox);
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		/* Undo quoted-pair escapes; we quote again on output. */
		char *out = arena_alloc(a, n);
		size_t o = 0;
		for (size_t i = 1; i + 1 < n; i++) {
			if (p[i] == '\\' && i + 2 < n)
				i++;
			out[o++] = p[i];
		}
		out[o] = '\0';
		return out;
	}
	return arena_strndup(a, p, n);
}

char *mime_host_from_url(arena *a, const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p)
		return arena_strdup(a, "localhost");
	p += 3;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	while (at) { /* userinfo may itself hold '@' once percent-decoded; take the last */
		n -= (size_t)(at + 1 - p);
		p = at + 1;
		at = memchr(p, '@', n);
	}
	const char *colon = memchr(p, ':', n);
	if (colon)
		n = (size_t)(colon - p);
	char *host = arena_strndup(a, p, n);
	for (char *c = host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return domain_valid(host, n) ? host : arena_strdup(a, "localhost");
}

/* ------------------------------------------------------------------ encodings */

/* Standard base64 of p[0..n) into dst, which holds 4 * ceil(n / 3) bytes. */
static size_t base64_encode(char *dst, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		dst[o++] = tab[(v >> 18) & 63];
		dst[o++] = tab[(v >> 12) & 63];
		dst[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	return o;
}

/* Writes one header token preceded by a space, or by CRLF + space when the
 * token would push the line past MIME_LINE_SOFT. Folding only ever happens
 * at a space we were going to write anyway, so unfolding restores the text. */
static void header_space(buf *out, size_t *col, size_t n)
{
	if (*col + 1 + n > MIME_LINE_SOFT && *col > 1) {
		buf_append(out, "\r\n ", 3);
		*col = 1;
	} else {
		buf_putc(out, ' ');
		(*col)++;
	}
	*col += n;
}

static void header_token(buf *out, size_t *col, const char *tok, size_t n)
{
	header_space(out, col, n);
	buf_append(out, tok, n);
}

/* Raw bytes per encoded word: 36 -> 48 base64 chars -> a 60-char word, so a
 * folded line of words stays under RFC 2047's 76 even after "Subject: ". */
#define EW_RAW 36

void mime_encoded_words(buf *out, size_t *col, const char *value, size_t n)
{
	size_t i = 0;
	do {
		size_t take = n - i < EW_RAW ? n - i : EW_RAW;
		/* Never split a UTF-8 sequence across two words (RFC 2047 5). */
		while (take > 0 && i + take < n && ((unsigned char)value[i + take] & 0xC0) == 0x80)
			take--;
		if (take == 0 && i < n)
			take = n - i < EW_RAW ? n - i : EW_RAW; /* not UTF-8 after all: cut anyway */
		/* "=?UTF-8?B?" + 48 + "?=" = 60 bytes at most. */
		char word[10 + 4 * ((EW_RAW + 2) / 3) + 2];
		memcpy(word, "=?UTF-8?B?", 10);
		size_t wl = 10 + base64_encode(word + 10, (const unsigned char *)value + i, take);
		memcpy(word + wl, "?=", 2);
		wl += 2;
		header_token(out, col, word, wl);
		i += take;
	} while (i < n);
}

static bool needs_encoding(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80)
			return true;
	/* Plain text that looks like an encoded word would be decoded by the
	 * reader into something we never wrote. */
	return strstr(s, "=?") != NULL;
}

/* Unstructured header value (Subject): ASCII words folded at spaces, else
 * encoded words. A word too long to fold is encoded too, so no line we write
 * exceeds MIME_LINE_SOFT. */
static void header_unstructured(buf *out, const char *name, const char *value)
{
	size_t col = strlen(name) + 1;
	buf_puts(out, name);
	buf_putc(out, ':');
	size_t n = strlen(value);
	bool encode = needs_encoding(value);
	for (size_t i = 0, w = 0; !encode && i <= n; i++) {
		if (i == n || value[i] == ' ') {
			if (i - w > MIME_LINE_SOFT - 2)
				encode = true;
			w = i + 1;
		}
	}
	if (encode && n > 0) {
		mime_encoded_words(out, &col, value, n);
	} else {
		size_t w = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i == n || value[i] == ' ') {
				header_token(out, &col, value + w, i - w);
				w = i + 1;
			}
		}
	}
	buf_append(out, "\r\n", 2);
}

/* Address header: name (quoted-string, or encoded words when non-ASCII) and
 * <addr>, or the bare address when there is no name. addr is already valid;
 * name is already cleaned. */
static void header_mailbox(buf *out, const char *hname, const char *name, const char *addr)
{
	size_t col = strlen(hname) + 1;
	buf_puts(out, hname);
	buf_putc(out, ':');
	if (!name || !*name) {
		header_token(out, &col, addr, strlen(addr));
		buf_append(out, "\r\n", 2);
		return;
	}
	if (needs_encoding(name)) {
		mime_encoded_words(out, &col, name, strlen(name));
	} else {
		/* Quoted-string: only '"' and '\\' need a backslash. */
		size_t qn = 2;
		for (const char *p = name; *p; p++)
			qn += (*p == '"' || *p == '\\') ? 2 : 1;
		header_space(out, &col, qn);
		buf_putc(out, '"');
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(out, '\\');
			buf_putc(out, *p);
		}
		buf_putc(out, '"');
	}
	size_t al = strlen(addr);
	header_space(out, &col, al + 2);
	buf_putc(out, '<');
	buf_append(out, addr, al);
	buf_putc(out, '>');
	buf_append(out, "\r\n", 2);
}

void mime_qp_encode(buf *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\n') {
			buf_append(out, "\r\n", 2);
			col = 0;
			continue;
		}
		if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue; /* the LF writes the CRLF */
		bool eol = i + 1 == n || p[i + 1] == '\n' ||
		    (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n');
		bool literal = (c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol);
		/* A line that starts with '.' is SMTP's end-of-data marker
		 * when alone; encoding it costs nothing and relies on no
		 * transport's dot-stuffing. */
		if (c == '.' && col == 0)
			literal = false;
		size_t need = literal ? 1 : 3;
		/* Keep room for the '=' of a soft break: at most 76 per line. */
		if (col + need > MIME_QP_LINE - 1) {
			buf_append(out, "=\r\n", 3);
			col = 0;
			if (c == '.')
				literal = false, need = 3;
		}
		if (literal) {
			buf_putc(out, (char)c);
		} else {
			char e[3] = { '=', hex[c >> 4], hex[c & 15] };
			buf_append(out, e, 3);
		}
		col += need;
	}
}

void mime_date(char out[MIME_DATE_LEN], time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	/* Spelled out rather than strftime so the locale can't change it. */
	snprintf(out, MIME_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ------------------------------------------------------------------ compose */

static void body_part(buf *out, const char *boundary, const char *type, const char *body)
{
	buf_printf(out, "--%s\r\n", boundary);
	buf_printf(out, "Content-Type: %s; charset=utf-8\r\n", type);
	buf_puts(out, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp_encode(out, body, strlen(body));
	/* The CRLF before the next delimiter belongs to the delimiter (RFC
	 * 2046 5.1.1), so the body decodes to exactly what was enqueued. */
	buf_append(out, "\r\n", 2);
}

bool mime_msgid_valid(const char *id)
{
	if (!id)
		return false;
	size_t n = strlen(id), ats = 0;
	if (n < 3 || n > 250)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\')
			return false;
		ats += c == '@';
	}
	return ats == 1 && id[0] != '@' && id[n - 1] != '@';
}

int mime_compose(buf *out, const mime_message *m, const char **err)
{
	if (!str_is_uuid(str_from_cstr(m->id))) {
		*err = "invalid outbox id";
		return -1;
	}
	if (!mime_addr_valid(m->to_email)) {
		*err = "invalid recipient address";
		return -1;
	}
	if (!m->subject || !m->body_text) {
		*err = "row has no subject or text body (templates are rendered by the web workers)";
		return -1;
	}
	arena *a = out->a;
	char *from_addr = mime_mailbox_addr(a, m->from);
	if (!from_addr) {
		*err = "invalid sender address (SUPPORTDESK_MAIL_FROM)";
		return -1;
	}
	const char *fn = mailbox_name(a, m->from);
	char *from_name = mime_header_clean(a, fn, strlen(fn));
	char *to_name = m->to_name ? mime_header_clean(a, m->to_name, strlen(m->to_name)) : NULL;
	char *subject = mime_header_clean(a, m->subject, strlen(m->subject));
	const char *host = m->host && domain_valid(m->host, strlen(m->host)) ? m->host : "localhost";
	/* QP output never contains "=_" (a '=' is always followed by a hex
	 * digit or CRLF), so this boundary cannot occur inside a part. */
	char *boundary = arena_sprintf(a, "=_sd.%s", m->id);
	char date[MIME_DATE_LEN];
	mime_date(date, m->date);

	buf_printf(out, "Date: %s\r\n", date);
	header_mailbox(out, "From", from_name, from_addr);
	header_mailbox(out, "To", to_name, m->to_email);
	header_unstructured(out, "Subject", subject);
	/* Stable per row: a retry after a crash carries the same id, so the
	 * recipient's client can drop the duplicate. */
	if (mime_msgid_valid(m->message_id))
		buf_printf(out, "Message-ID: <%s>\r\n", m->message_id);
	else
		buf_printf(out, "Message-ID: <%s@%s>\r\n", m->id, host);
	if (mime_msgid_valid(m->in_reply_to))
		buf_printf(out, "In-Reply-To: <%s>\r\n", m->in_reply_to);
	bool refs = false;
	for (size_t i = 0; i < m->n_references; i++) {
		if (!mime_msgid_valid(m->references[i]))
			continue;
		/* One id per line: ours are about 120 bytes. */
		buf_printf(out, "%s<%s>", refs ? "\r\n " : "References: ", m->references[i]);
		refs = true;
	}
	if (refs)
		buf_puts(out, "\r\n");
	if (m->reply_to && mime_addr_valid(m->reply_to))
		buf_printf(out, "Reply-To: <%s>\r\n", m->reply_to);
	buf_puts(out, "MIME-Version: 1.0\r\n");
	/* RFC 3834: every message we send is automatic; vacation responders
	 * must not answer it (the second header is Exchange's equivalent). */
	buf_puts(out, "Auto-Submitted: auto-generated\r\n");
	buf_puts(out, "X-Auto-Response-Suppress: All\r\n");
	/* Folded: the boundary makes the line longer than 78. */
	buf_printf(out, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n", boundary);
	buf_puts(out, "\r\n");
	buf_puts(out, "This is a multi-part message in MIME format.\r\n\r\n");
	body_part(out, boundary, "text/plain", m->body_text);
	if (m->body_html && *m->body_html)
		body_part(out, boundary, "text/html", m->body_html);
	buf_printf(out, "--%s--\r\n", boundary);
	return 0;
}
