/* imap.c: a minimal IMAP client over a libcurl connection (see imap.h). */
#include "mail/imap.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define IMAP_ERR_LEN 512

struct imap {
	CURL *curl;
	curl_socket_t sock;
	int timeout_ms;
	unsigned tag;
	bool dead; /* an I/O failure: no more commands, not even LOGOUT */
	char err[IMAP_ERR_LEN];
	char curl_err[CURL_ERROR_SIZE];
	/* Read buffer: bytes [rpos, rlen) are received and not yet consumed. */
	char rbuf[16384];
	size_t rpos, rlen;
	char line[IMAP_LINE_MAX];
	size_t line_len;
	bool line_truncated;
};

const char *imap_error(const imap *c)
{
	return c ? c->err : "no connection";
}

static void set_err(imap *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(imap *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ pure helpers */

int imap_quote_mailbox(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen < 3 || !*name)
		return -1;
	out[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			return -1;
		const char *rep = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '&' ? "&-" : NULL;
		size_t rl = rep ? 2 : 1;
		if (o + rl + 2 > outlen)
			return -1;
		if (rep) {
			memcpy(out + o, rep, rl);
			o += rl;
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}

size_t imap_parse_search(const char *line, size_t n, bool truncated, uint32_t *uids, size_t max)
{
	if (n < 8 || strncasecmp(line, "* SEARCH", 8) != 0)
		return 0;
	size_t i = 8, count = 0;
	while (i < n && count < max) {
		while (i < n && line[i] == ' ')
			i++;
		size_t start = i;
		unsigned long long v = 0;
		while (i < n && line[i] >= '0' && line[i] <= '9' && v <= UINT32_MAX) {
			v = v * 10 + (unsigned)(line[i] - '0');
			i++;
		}
		if (i == start)
			break; /* "(MODSEQ 12)" or the end */
		if (i < n && line[i] != ' ')
			break;
		if (i == n && truncated)
			break; /* cut in the middle of a number */
		if (v == 0 || v > UINT32_MAX)
			break;
		uids[count++] = (uint32_t)v;
	}
	return count;
}

bool imap_literal_size(const char *line, size_t n, unsigned long long *size)
{
	if (n < 3 || line[n - 1] != '}')
		return false;
	size_t i = n - 1;
	while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9')
		i--;
	if (i == n - 1 || i == 0 || line[i - 1] != '{' || n - 1 - i > 18)
		return false;
	unsigned long long v = 0;
	for (size_t k = i; k < n - 1; k++)
		v = v * 10 + (unsigned)(line[k] - '0');
	*size = v;
	return true;
}

/* ------------------------------------------------------------------ options */

static bool host_is_loopback(const char *host)
{
	if (strcasecmp(host, "localhost") == 0)
		return true;
	unsigned char a[16];
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	size_t n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		char h[64];
		if (n - 2 >= sizeof h)
			return false;
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		static const unsigned char one[16] = { [15] = 1 };
		return inet_pton(AF_INET6, h, a) == 1 && memcmp(a, one, 16) == 0;
	}
	return false;
}

/* Parses o->url: 0 with *tls (imaps) and *loopback, or -1 with err. */
static int parse_url(const imap_opts *o, bool *tls, bool *loopback, char *err, size_t errlen)
{
	if (!o->url || !*o->url) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_URL is not set (imaps://host[:port])");
		return -1;
	}
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL, *user = NULL;
	int rc = -1;
	if (!u || curl_url_set(u, CURLUPART_URL, o->url, 0) != CURLUE_OK) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_URL: '%s' is not a URL", o->url);
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	if (!scheme || (strcmp(scheme, "imaps") != 0 && strcmp(scheme, "imap") != 0)) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_URL must start with imaps:// (or imap:// with STARTTLS)");
		goto out;
	}
	if (!host || !*host) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_URL has no host");
		goto out;
	}
	if ((path && strcmp(path, "/") != 0 && *path) || query || user) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_URL is scheme://host[:port] only: the mailboxes go in "
		                      "SUPPORTDESK_IMAP_MAILBOXES, the login in SUPPORTDESK_IMAP_USER and _PASSWORD");
		goto out;
	}
	*tls = strcmp(scheme, "imaps") == 0;
	*loopback = host_is_loopback(host);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(query);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

int imap_check_opts(const imap_opts *o, char *err, size_t errlen)
{
	bool tls, loopback;
	if (parse_url(o, &tls, &loopback, err, errlen) < 0)
		return -1;
	if (!tls && o->plaintext_loopback && !loopback) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_PLAINTEXT=1 is only for a loopback host (127.0.0.1, ::1, localhost)");
		return -1;
	}
	if (!o->user || !*o->user) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_USER is not set");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ I/O */

static enum imap_status wait_sock(imap *c, short events)
{
	struct pollfd p = { .fd = (int)c->sock, .events = events };
	for (;;) {
		int r = poll(&p, 1, c->timeout_ms);
		if (r > 0)
			return IMAP_OK;
		if (r == 0) {
			set_err(c, "the IMAP server said nothing for %d s", c->timeout_ms / 1000);
			return IMAP_IO;
		}
		if (errno != EINTR) {
			set_err(c, "poll: %s", strerror(errno));
			return IMAP_IO;
		}
	}
}

static enum imap_status send_all(imap *c, const char *p, size_t n)
{
	while (n) {
		size_t sent = 0;
		CURLcode r = curl_easy_send(c->curl, p, n, &sent);
		if (r == CURLE_AGAIN) {
			if (wait_sock(c, POLLOUT) != IMAP_OK)
				return IMAP_IO;
			continue;
		}
		if (r != CURLE_OK) {
			set_err(c, "send: %s", curl_easy_strerror(r));
			return IMAP_IO;
		}
		p += sent, n -= sent;
	}
	return IMAP_OK;
}

/* More bytes into rbuf (only when it is empty). TLS may hold decrypted
 * bytes the socket does not show: receive first, wait only on CURLE_AGAIN. */
static enum imap_status fill(imap *c)
{
	c->rpos = c->rlen = 0;
	for (;;) {
		size_t got = 0;
		CURLcode r = curl_easy_recv(c->curl, c->rbuf, sizeof c->rbuf, &got);
		if (r == CURLE_AGAIN) {
			if (wait_sock(c, POLLIN) != IMAP_OK)
				return IMAP_IO;
			continue;
		}
		if (r != CURLE_OK) {
			set_err(c, "receive: %s", curl_easy_strerror(r));
			return IMAP_IO;
		}
		if (got == 0) {
			set_err(c, "the IMAP server closed the connection");
			return IMAP_IO;
		}
		c->rlen = got;
		return IMAP_OK;
	}
}

/* One line into c->line without its CRLF (its first IMAP_LINE_MAX - 1
 * bytes; line_truncated when there were more). */
static enum imap_status read_line(imap *c)
{
	c->line_len = 0;
	c->line_truncated = false;
	for (;;) {
		if (c->rpos == c->rlen && fill(c) != IMAP_OK)
			return IMAP_IO;
		char ch = c->rbuf[c->rpos++];
		if (ch == '\n')
			break;
		if (c->line_len < sizeof c->line - 1)
			c->line[c->line_len++] = ch;
		else
			c->line_truncated = true;
	}
	if (c->line_len && c->line[c->line_len - 1] == '\r' && !c->line_truncated)
		c->line_len--;
	c->line[c->line_len] = '\0';
	return IMAP_OK;
}

/* The next n bytes of a literal: into out when out is not NULL, else dropped. */
static enum imap_status read_bytes(imap *c, unsigned char *out, unsigned long long n)
{
	while (n) {
		if (c->rpos == c->rlen && fill(c) != IMAP_OK)
			return IMAP_IO;
		size_t have = c->rlen - c->rpos;
		size_t take = n < have ? (size_t)n : have;
		if (out) {
			memcpy(out, c->rbuf + c->rpos, take);
			out += take;
		}
		c->rpos += take;
		n -= take;
	}
	return IMAP_OK;
}

/* ------------------------------------------------------------------ commands */

/* What one command's answer is read for. */
typedef struct {
	uint32_t want_uid;            /* FETCH: only this message's data counts */
	/* SEARCH */
	uint32_t *uids;
	size_t max_uids, n_uids;
	/* FETCH RFC822.SIZE */
	bool size_found;
	unsigned long long size;
	/* FETCH BODY.PEEK[] */
	bool want_body;
	size_t body_max;
	unsigned char *body;
	size_t body_len;
	bool body_found, body_over;
} answer;

/* "UID <n>" in an untagged FETCH line. */
static bool fetch_uid(const char *line, uint32_t *uid)
{
	const char *p = strstr(line, "UID ");
	while (p && p > line && p[-1] != '(' && p[-1] != ' ')
		p = strstr(p + 1, "UID ");
	if (!p)
		return false;
	char *end;
	unsigned long v = strtoul(p + 4, &end, 10);
	if (end == p + 4 || v == 0 || v > UINT32_MAX)
		return false;
	*uid = (uint32_t)v;
	return true;
}

/* Handles one untagged response (its first line is in c->line), with its
 * literals and the lines that follow them. */
static enum imap_status untagged(imap *c, answer *a)
{
	if (a->uids && a->n_uids == 0)
		a->n_uids = imap_parse_search(c->line, c->line_len, c->line_truncated, a->uids, a->max_uids);
	bool is_fetch = strstr(c->line, " FETCH (") != NULL;
	uint32_t uid = 0;
	bool ours = is_fetch && fetch_uid(c->line, &uid) && uid == a->want_uid;
	if (ours) {
		const char *sz = strstr(c->line, "RFC822.SIZE ");
		if (sz) {
			char *end;
			unsigned long long v = strtoull(sz + 12, &end, 10);
			if (end != sz + 12) {
				a->size_found = true;
				a->size = v;
			}
		}
	}
	for (;;) {
		unsigned long long n;
		if (c->line_truncated || !imap_literal_size(c->line, c->line_len, &n))
			return IMAP_OK;
		/* "BODY[] {N}": the message itself. */
		size_t ll = c->line_len;
		size_t brace = ll;
		while (brace > 0 && c->line[brace - 1] != '{')
			brace--;
		bool body = ours && a->want_body && !a->body_found && brace >= 8 &&
		    strncasecmp(c->line + brace - 8, "BODY[] {", 8) == 0;
		unsigned char *into = NULL;
		if (body) {
			a->body_found = true;
			if (n > a->body_max) {
				a->body_over = true;
			} else {
				a->body = malloc((size_t)n + 1);
				if (!a->body) {
					set_err(c, "out of memory for a %llu-byte message", n);
					return IMAP_IO;
				}
				a->body_len = (size_t)n;
				a->body[n] = '\0';
				into = a->body;
			}
		}
		if (read_bytes(c, into, n) != IMAP_OK || read_line(c) != IMAP_OK)
			return IMAP_IO;
	}
}

static enum imap_status exchange(imap *c, answer *a, const char *tag, const char *name, size_t cmdlen,
    const char *cmd);

/* Sends "<tag> <command>\r\n" and reads the answer up to its tagged line. */
static enum imap_status command(imap *c, answer *a, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum imap_status command(imap *c, answer *a, const char *fmt, ...)
{
	char tag[16], cmd[1200];
	snprintf(tag, sizeof tag, "sd%u", ++c->tag);
	int tl = snprintf(cmd, sizeof cmd, "%s ", tag);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd + tl, sizeof cmd - (size_t)tl - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)(tl + n) >= sizeof cmd - 2) {
		set_err(c, "command too long");
		return IMAP_NO;
	}
	memcpy(cmd + tl + n, "\r\n", 3);
	if (c->dead)
		return IMAP_IO;
	enum imap_status st = exchange(c, a, tag, cmd + tl, (size_t)(tl + n + 2), cmd);
	if (st == IMAP_IO)
		c->dead = true;
	return st;
}

static enum imap_status exchange(imap *c, answer *a, const char *tag, const char *name, size_t cmdlen,
    const char *cmd)
{
	if (send_all(c, cmd, cmdlen) != IMAP_OK)
		return IMAP_IO;
	size_t tlen = strlen(tag);
	for (;;) {
		if (read_line(c) != IMAP_OK)
			return IMAP_IO;
		if (c->line_len > tlen && strncmp(c->line, tag, tlen) == 0 && c->line[tlen] == ' ') {
			const char *st = c->line + tlen + 1;
			if (strncasecmp(st, "OK", 2) == 0)
				return IMAP_OK;
			set_err(c, "%.*s: %.300s", (int)strcspn(name, "\r"), name, st);
			return IMAP_NO;
		}
		if (c->line[0] == '*') {
			if (strncasecmp(c->line, "* BYE", 5) == 0)
				set_err(c, "%.300s", c->line);
			if (untagged(c, a) != IMAP_OK)
				return IMAP_IO;
			continue;
		}
		/* A continuation request ("+") or anything else: we send no
		 * literals, so this is not a server we understand. */
		set_err(c, "unexpected answer: %.200s", c->line);
		return IMAP_IO;
	}
}

imap *imap_open(const imap_opts *o, char *err, size_t errlen)
{
	bool tls, loopback;
	if (imap_check_opts(o, err, errlen) < 0 || parse_url(o, &tls, &loopback, err, errlen) < 0)
		return NULL;
	imap *c = calloc(1, sizeof *c);
	if (!c || !(c->curl = curl_easy_init())) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	c->timeout_ms = o->timeout_s * 1000;
	CURL *h = c->curl;
	curl_easy_setopt(h, CURLOPT_URL, o->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
	/* imap://: STARTTLS or nothing, unless plaintext to loopback was asked for. */
	if (!tls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)(o->plaintext_loopback && loopback ? CURLUSESSL_NONE : CURLUSESSL_ALL));
	CURLcode r = curl_easy_perform(h);
	if (r != CURLE_OK) {
		snprintf(err, errlen, "IMAP connect or login failed: %s", c->curl_err[0] ? c->curl_err : curl_easy_strerror(r));
		curl_easy_cleanup(h);
		free(c);
		return NULL;
	}
	if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &c->sock) != CURLE_OK || c->sock == CURL_SOCKET_BAD) {
		snprintf(err, errlen, "IMAP connection has no socket");
		curl_easy_cleanup(h);
		free(c);
		return NULL;
	}
	return c;
}

void imap_close(imap *c)
{
	if (!c)
		return;
	answer a = { 0 };
	if (!c->dead)
		command(c, &a, "LOGOUT");
	/* libcurl says LOGOUT too as it closes, and would wait for an answer
	 * from a server gone silent: the socket is closed under it first. */
	shutdown((int)c->sock, SHUT_RDWR);
	curl_easy_cleanup(c->curl);
	explicit_bzero(c->rbuf, sizeof c->rbuf);
	free(c);
}

enum imap_status imap_select(imap *c, const char *mailbox)
{
	char q[600];
	if (imap_quote_mailbox(mailbox, q, sizeof q) < 0) {
		set_err(c, "mailbox name not usable (ASCII only, no control characters)");
		return IMAP_NO;
	}
	answer a = { 0 };
	return command(c, &a, "SELECT %s", q);
}

enum imap_status imap_search_unseen(imap *c, uint32_t *uids, size_t max, size_t *n)
{
	answer a = { .uids = uids, .max_uids = max };
	enum imap_status st = command(c, &a, "UID SEARCH UNSEEN");
	*n = st == IMAP_OK ? a.n_uids : 0;
	return st;
}

enum imap_status imap_fetch_size(imap *c, uint32_t uid, bool *found, unsigned long long *size)
{
	answer a = { .want_uid = uid };
	enum imap_status st = command(c, &a, "UID FETCH %u (RFC822.SIZE)", (unsigned)uid);
	*found = st == IMAP_OK && a.size_found;
	*size = a.size;
	return st;
}

enum imap_status imap_fetch_peek(imap *c, uint32_t uid, size_t max, unsigned char **data, size_t *len,
    bool *found, bool *over)
{
	answer a = { .want_uid = uid, .want_body = true, .body_max = max };
	enum imap_status st = command(c, &a, "UID FETCH %u BODY.PEEK[]", (unsigned)uid);
	if (st != IMAP_OK) {
		free(a.body);
		a.body = NULL;
	}
	*data = a.body;
	*len = a.body ? a.body_len : 0;
	*found = st == IMAP_OK && a.body_found;
	*over = st == IMAP_OK && a.body_over;
	return st;
}

enum imap_status imap_mark_seen(imap *c, uint32_t uid)
{
	answer a = { 0 };
	return command(c, &a, "UID STORE %u +FLAGS.SILENT (\\Seen)", (unsigned)uid);
}

enum imap_status imap_move(imap *c, uint32_t uid, const char *folder)
{
	char q[600];
	if (imap_quote_mailbox(folder, q, sizeof q) < 0) {
		set_err(c, "folder name not usable (ASCII only, no control characters)");
		return IMAP_NO;
	}
	answer a = { 0 };
	return command(c, &a, "UID MOVE %u %s", (unsigned)uid, q);
}
