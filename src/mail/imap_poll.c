/* imap_poll.c: `mail-in --imap` (see imap_poll.h). */
#include "mail/imap_poll.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/stopsig.h"
#include "mail/imap.h"
#include "mail/mail_in_cmd.h"
#include "mail/mime.h"

#define MAIL_IN_EXIT_CONFIG 78

/* A logfmt value (the server's words and mailbox names are not ours). */
typedef struct {
	char v[700];
} qv;
static qv q(const char *s)
{
	qv r;
	log_quote(r.v, sizeof r.v, s, strlen(s));
	return r;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

int imap_parse_mailboxes(const char *spec, imap_mailbox *out, size_t max, char *err, size_t errlen)
{
	size_t n = 0;
	const char *p = spec ? spec : "";
	while (*p) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *s = p, *e = end;
		trim(&s, &e);
		p = *end ? end + 1 : end;
		if (s == e)
			continue;
		if (n == max) {
			snprintf(err, errlen, "SUPPORTDESK_IMAP_MAILBOXES: more than %zu mailboxes", max);
			return -1;
		}
		const char *eq = memchr(s, '=', (size_t)(e - s));
		const char *ns = s, *ne = eq ? eq : e;
		trim(&ns, &ne);
		imap_mailbox *m = &out[n];
		memset(m, 0, sizeof *m);
		if (ns == ne || (size_t)(ne - ns) >= sizeof m->name) {
			snprintf(err, errlen, "SUPPORTDESK_IMAP_MAILBOXES: '%.*s' names no mailbox (MAILBOX=ADDRESS, ...)",
			    (int)(e - s), s);
			return -1;
		}
		memcpy(m->name, ns, (size_t)(ne - ns));
		char quoted[600];
		if (imap_quote_mailbox(m->name, quoted, sizeof quoted) < 0) {
			snprintf(err, errlen, "SUPPORTDESK_IMAP_MAILBOXES: mailbox '%s' is not printable ASCII", m->name);
			return -1;
		}
		if (eq) {
			const char *as = eq + 1, *ae = e;
			trim(&as, &ae);
			if (as == ae || (size_t)(ae - as) >= sizeof m->address) {
				snprintf(err, errlen, "SUPPORTDESK_IMAP_MAILBOXES: mailbox '%s' has an empty address", m->name);
				return -1;
			}
			for (size_t i = 0; i < (size_t)(ae - as); i++)
				m->address[i] = (char)tolower((unsigned char)as[i]);
			if (!mime_addr_valid(m->address)) {
				snprintf(err, errlen, "SUPPORTDESK_IMAP_MAILBOXES: '%s' is not an email address", m->address);
				return -1;
			}
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(out[i].name, m->name) == 0) {
				snprintf(err, errlen, "SUPPORTDESK_IMAP_MAILBOXES: mailbox '%s' named twice", m->name);
				return -1;
			}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "SUPPORTDESK_IMAP_MAILBOXES names no mailbox");
		return -1;
	}
	return (int)n;
}

/* ------------------------------------------------------------------ one poll */

typedef struct {
	const config *cfg;
	imap_opts opts;
	imap_mailbox boxes[IMAP_POLL_MAX_MAILBOXES];
	size_t n_boxes;
	mail_in_session *session;
	uint32_t *uids; /* cfg->imap_max_per_poll of them */
} poller;

typedef struct {
	size_t done;     /* taken, refused or duplicate: marked */
	size_t left;     /* failed for now: still unseen */
	bool trouble;    /* the server, a mailbox or a mark failed */
	bool more;       /* the per-poll cap was reached */
} poll_report;

/* Marks one message done with: moved, or \Seen. IMAP_IO ends the poll. */
static enum imap_status mark_done(poller *p, imap *c, uint32_t uid, const char **how)
{
	const char *folder = p->cfg->imap_move_to;
	if (folder && *folder) {
		enum imap_status st = imap_move(c, uid, folder);
		if (st == IMAP_OK) {
			*how = "moved";
			return st;
		}
		if (st == IMAP_IO)
			return st;
		/* No MOVE (or no such folder): \Seen at least, so that it does
		 * not come back on every poll. */
		log_warn("imap move failed", "uid=%u folder=%s err=%s", (unsigned)uid, q(folder).v, q(imap_error(c)).v);
	}
	*how = "seen";
	return imap_mark_seen(c, uid);
}

/* The unseen messages of one mailbox, at most *budget. IMAP_IO: give the
 * connection up. */
static enum imap_status poll_mailbox(poller *p, imap *c, const imap_mailbox *box, size_t *budget, poll_report *r)
{
	enum imap_status st = imap_select(c, box->name);
	if (st != IMAP_OK) {
		log_warn("imap mailbox unusable", "mailbox=%s err=%s", q(box->name).v, q(imap_error(c)).v);
		r->trouble = true;
		return st;
	}
	size_t n = 0;
	if ((st = imap_search_unseen(c, p->uids, *budget, &n)) != IMAP_OK) {
		log_warn("imap search failed", "mailbox=%s err=%s", q(box->name).v, q(imap_error(c)).v);
		r->trouble = true;
		return st;
	}
	if (n == *budget)
		r->more = true;
	*budget -= n;
	const char *rcpt[1] = { box->address };
	size_t nr = box->address[0] ? 1 : 0;
	size_t max = (size_t)p->cfg->mail_in_max_bytes;
	for (size_t i = 0; i < n; i++) {
		if (stopsig_requested()) {
			r->more = false;
			return IMAP_OK;
		}
		uint32_t uid = p->uids[i];
		bool found = false, over = false;
		unsigned long long size = 0;
		unsigned char *raw = NULL;
		size_t len = 0;
		if ((st = imap_fetch_size(c, uid, &found, &size)) == IMAP_OK && found && size <= max)
			st = imap_fetch_peek(c, uid, max, &raw, &len, &found, &over);
		else if (found)
			over = true; /* not downloaded at all */
		if (st != IMAP_OK) {
			log_warn("imap fetch failed", "mailbox=%s uid=%u err=%s", q(box->name).v, (unsigned)uid, q(imap_error(c)).v);
			r->trouble = true;
			free(raw);
			if (st == IMAP_IO)
				return st;
			continue;
		}
		if (!found)
			continue; /* expunged since the search */
		int code = mail_in_session_take(p->session, raw, len, over, rcpt, nr, NULL);
		free(raw);
		const char *how = "left";
		if (code == MAIL_IN_EXIT_TEMPFAIL) {
			r->left++;
		} else if ((st = mark_done(p, c, uid, &how)) != IMAP_OK) {
			/* Taken but not marked: the next poll finds it again, and it
			 * is a duplicate then (the Message-ID or its bytes). */
			log_warn("imap mark failed", "mailbox=%s uid=%u err=%s", q(box->name).v, (unsigned)uid, q(imap_error(c)).v);
			r->trouble = true;
			if (st == IMAP_IO)
				return st;
			how = "unmarked";
		} else {
			r->done++;
		}
		log_info("imap message", "mailbox=%s uid=%u exit=%d then=%s", q(box->name).v, (unsigned)uid, code, how);
	}
	return IMAP_OK;
}

static void poll_once(poller *p, poll_report *r)
{
	memset(r, 0, sizeof *r);
	char err[512];
	imap *c = imap_open(&p->opts, err, sizeof err);
	if (!c) {
		log_warn("imap unreachable", "err=%s", q(err).v);
		r->trouble = true;
		return;
	}
	size_t budget = (size_t)p->cfg->imap_max_per_poll;
	for (size_t i = 0; i < p->n_boxes && budget > 0 && !stopsig_requested(); i++)
		if (poll_mailbox(p, c, &p->boxes[i], &budget, r) == IMAP_IO)
			break;
	imap_close(c);
	log_info("imap poll", "mailboxes=%zu done=%zu left=%zu trouble=%s more=%s", p->n_boxes, r->done, r->left,
	    r->trouble ? "yes" : "no", r->more ? "yes" : "no");
}

/* Sleeps s seconds, or until a stop signal. */
static void wait_or_stop(int s)
{
	struct timespec ts = { s, 0 };
	if (ppoll(NULL, 0, &ts, stopsig_wait_mask()) < 0 && errno != EINTR)
		log_warn("ppoll failed", "err=\"%s\"", strerror(errno));
}

int mail_in_imap_run(const config *cfg, bool once)
{
	poller p = {
		.cfg = cfg,
		.opts = {
			.url = cfg->imap_url,
			.user = cfg->imap_user,
			.password = cfg->imap_password,
			.plaintext_loopback = cfg->imap_plaintext == 1,
			.timeout_s = cfg->imap_timeout_s,
		},
	};
	char err[512];
	int n = imap_parse_mailboxes(cfg->imap_mailboxes, p.boxes, IMAP_POLL_MAX_MAILBOXES, err, sizeof err);
	if (n < 0 || imap_check_opts(&p.opts, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: mail-in --imap: %s\n", err);
		return MAIL_IN_EXIT_CONFIG;
	}
	if (cfg->imap_move_to[0]) {
		char q[600];
		if (imap_quote_mailbox(cfg->imap_move_to, q, sizeof q) < 0) {
			fprintf(stderr, "supportdesk: mail-in --imap: SUPPORTDESK_IMAP_MOVE_TO is not printable ASCII\n");
			return MAIL_IN_EXIT_CONFIG;
		}
	}
	p.n_boxes = (size_t)n;
	/* A signal lets the message in hand finish: it is taken only while we wait. */
	stopsig_install();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	p.uids = calloc((size_t)cfg->imap_max_per_poll, sizeof *p.uids);
	p.session = mail_in_session_new(cfg);
	int code = MAIL_IN_EXIT_OK;
	if (!p.uids || !p.session) {
		fprintf(stderr, "supportdesk: mail-in --imap: out of memory\n");
		code = MAIL_IN_EXIT_TEMPFAIL;
		goto out;
	}
	if (!once)
		log_info("mail-in imap started", "url=%s mailboxes=%zu interval=%d", q(cfg->imap_url).v, p.n_boxes,
		    cfg->imap_interval_s);
	while (!stopsig_requested()) {
		poll_report r;
		poll_once(&p, &r);
		if (once) {
			code = r.trouble || r.left ? MAIL_IN_EXIT_TEMPFAIL : MAIL_IN_EXIT_OK;
			break;
		}
		/* A full poll that took messages: there is more waiting, take it
		 * now. Anything else waits (nothing taken must not spin). */
		if (!(r.more && r.done > 0 && !r.trouble && !r.left))
			wait_or_stop(cfg->imap_interval_s);
	}
	if (!once)
		log_info("mail-in imap stopped", "mailboxes=%zu", p.n_boxes);
out:
	mail_in_session_free(p.session);
	free(p.uids);
	curl_global_cleanup();
	return code;
}
