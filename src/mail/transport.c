/* transport.c: .eml files for development, SMTP through libcurl for real. */
#include "mail/transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SMTP_TOTAL_TIMEOUT_S 60L

enum transport_kind { TRANSPORT_FILE, TRANSPORT_SMTP, TRANSPORT__MAX };

struct mail_transport {
	enum transport_kind kind;
	const config *cfg;
	CURL *curl; /* kept between messages so libcurl can reuse the connection */
	long use_ssl;
};

mail_transport *mail_transport_new(const config *cfg, char *err, size_t errlen)
{
	mail_transport *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->cfg = cfg;
	if (strcmp(cfg->mail_transport, "file") == 0) {
		t->kind = TRANSPORT_FILE;
		if (!cfg->mail_dir || !*cfg->mail_dir) {
			snprintf(err, errlen, "MAIL_DIR is empty");
			free(t);
			return NULL;
		}
		return t;
	}
	if (strcmp(cfg->mail_transport, "smtp") != 0) {
		snprintf(err, errlen, "SUPPORTDESK_MAIL_TRANSPORT must be file or smtp");
		free(t);
		return NULL;
	}
	t->kind = TRANSPORT_SMTP;
	if (strncmp(cfg->smtp_url, "smtp://", 7) != 0 && strncmp(cfg->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errlen, "SUPPORTDESK_SMTP_URL must start with smtp:// or smtps://");
		free(t);
		return NULL;
	}
	if (strcmp(cfg->smtp_tls, "off") == 0)
		t->use_ssl = CURLUSESSL_NONE;
	else if (strcmp(cfg->smtp_tls, "required") == 0)
		t->use_ssl = CURLUSESSL_ALL;
	else
		t->use_ssl = CURLUSESSL_TRY;
	t->curl = curl_easy_init();
	if (!t->curl) {
		snprintf(err, errlen, "curl_easy_init failed");
		free(t);
		return NULL;
	}
	return t;
}

void mail_transport_free(mail_transport *t)
{
	if (!t)
		return;
	if (t->curl)
		curl_easy_cleanup(t->curl);
	free(t);
}

/* ------------------------------------------------------------------ file */

/* mkdir -p with 0755 directories. */
static int mkdir_parents(const char *dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static enum mail_result file_send(mail_transport *t, const char *id, str msg, time_t now,
    char *err, size_t errlen)
{
	const char *dir = t->cfg->mail_dir;
	struct tm tm;
	char stamp[32];
	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0) {
		snprintf(err, errlen, "file: cannot format the time");
		return MAIL_RETRY;
	}
	char final[PATH_MAX], tmp[PATH_MAX];
	int n1 = snprintf(final, sizeof final, "%s/%s-%s.eml", dir, stamp, id);
	int n2 = snprintf(tmp, sizeof tmp, "%s/.%s-%s.eml.tmp", dir, stamp, id);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof final || (size_t)n2 >= sizeof tmp) {
		snprintf(err, errlen, "file: MAIL_DIR path too long");
		return MAIL_RETRY;
	}
	if (mkdir_parents(dir) < 0) {
		snprintf(err, errlen, "file: cannot create MAIL_DIR: %s", strerror(errno));
		return MAIL_RETRY;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "file: open: %s", strerror(errno));
		return MAIL_RETRY;
	}
	/* 0644 whatever the umask: the developer reads these with any tool. */
	bool ok = fchmod(fd, 0644) == 0;
	for (size_t off = 0; ok && off < msg.len;) {
		ssize_t w = write(fd, msg.ptr + off, msg.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ok = false;
		else
			off += (size_t)w;
	}
	/* Readers of MAIL_DIR see a whole message or none (the rename). */
	if (ok)
		ok = fsync(fd) == 0;
	int saved = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp, final) < 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp);
		snprintf(err, errlen, "file: write: %s", strerror(saved));
		return MAIL_RETRY;
	}
	return MAIL_SENT;
}

/* ------------------------------------------------------------------ smtp */

typedef struct {
	const char *p;
	size_t left;
} upload;

static size_t upload_read(char *dst, size_t size, size_t nitems, void *arg)
{
	upload *u = arg;
	size_t n = size * nitems;
	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A 5xx reply is permanent only when it is about this message: the RCPT
 * (unknown or refused recipient) or the end of DATA (content refused). A 5xx
 * to the greeting, EHLO, STARTTLS, AUTH or MAIL FROM is our configuration or
 * the server's state, which a retry after the operator fixes it can cure. */
static bool smtp_permanent(CURLcode rc, long code, const char *errbuf)
{
	if (code < 500 || code > 599)
		return false;
	if (has_prefix(errbuf, "RCPT failed"))
		return true;
	/* libcurl reports a refused end-of-data as a weird reply with no text
	 * of its own; the greeting's refusal says "Got unexpected...". */
	return rc == CURLE_WEIRD_SERVER_REPLY && !has_prefix(errbuf, "Got unexpected");
}

static enum mail_result smtp_send(mail_transport *t, const char *from, const char *rcpt, str msg,
    char *err, size_t errlen)
{
	const config *cfg = t->cfg;
	CURL *c = t->curl;
	char errbuf[CURL_ERROR_SIZE];
	errbuf[0] = '\0';
	upload u = { msg.ptr, msg.len };
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	if (!rcpts) {
		snprintf(err, errlen, "smtp: out of memory");
		return MAIL_RETRY;
	}
	/* reset keeps the connection cache, drops every option of the last mail */
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 10));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TOTAL_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_USE_SSL, t->use_ssl);
	if (cfg->smtp_user && *cfg->smtp_user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);

	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	/* errbuf lives on this stack frame: unhook it before returning */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	if (rc == CURLE_OK)
		return MAIL_SENT;
	snprintf(err, errlen, "smtp: %s%s%s (reply %ld)", curl_easy_strerror(rc),
	    errbuf[0] ? ": " : "", errbuf, code);
	/* A message must stay one line in last_error and in the log. */
	for (char *p = err; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	return smtp_permanent(rc, code, errbuf) ? MAIL_PERMANENT : MAIL_RETRY;
}

enum mail_result mail_transport_send(mail_transport *t, const char *id, const char *from,
    const char *rcpt, str msg, time_t now, char *err, size_t errlen)
{
	err[0] = '\0';
	if (t->kind == TRANSPORT_FILE)
		return file_send(t, id, msg, now, err, errlen);
	return smtp_send(t, from, rcpt, msg, err, errlen);
}
