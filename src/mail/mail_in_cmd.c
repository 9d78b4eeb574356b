/* mail_in_cmd.c: `supportdesk mail-in` (see mail_in_cmd.h). */
#include "mail/mail_in_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/crypto.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "db/tx.h"
#include "kv/kv.h"
#include "mail/imap_poll.h"
#include "mail/inbound.h"
#include "mail/mime.h"
#include "mail/thread.h"
#include "model/mail_in.h"

#define MAX_RECIPIENTS 16

/* Reads stdin up to max bytes; *over when there was more. NULL on a read
 * error. The buffer is malloc'd. */
static unsigned char *read_all(size_t max, size_t *len, bool *over)
{
	size_t cap = 65536, n = 0;
	unsigned char *b = malloc(cap + 1);
	*over = false;
	while (b) {
		if (n == cap) {
			if (cap > max)
				break;
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			unsigned char *nb = realloc(b, ncap + 1);
			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb, cap = ncap;
		}
		ssize_t r = read(0, b + n, cap - n);
		if (r < 0) {
			free(b);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			*over = true;
			break;
		}
	}
	if (b)
		b[n] = 0;
	*len = n;
	return b;
}

static void count(db *conn, arena *a, const char *outcome)
{
	db_tx tx;
	db_tx_init(&tx, conn, a, NULL, "mail-in", NULL);
	if (mail_in_count(&tx, outcome) == 0)
		db_tx_commit(&tx);
	else
		db_tx_rollback(&tx);
}

static void log_outcome(const char *outcome, const char *reason, const mail_in_msg *m, const char *number,
    int code)
{
	char from[300] = "-", mid[300] = "-", why[200] = "-";
	if (m && m->from_addr)
		log_quote(from, sizeof from, m->from_addr, strlen(m->from_addr));
	if (m && m->message_id)
		log_quote(mid, sizeof mid, m->message_id, strlen(m->message_id));
	if (reason)
		log_quote(why, sizeof why, reason, strlen(reason));
	enum log_level lvl = code == 0 ? LOG_INFO : LOG_WARN;
	log_msg(lvl, "mail in", "outcome=%s exit=%d from=%s message_id=%s ticket=%s reason=%s", outcome, code, from,
	    mid, number ? number : "-", why);
}

/* ------------------------------------------------------------------ one message, whatever brought it */

struct mail_in_session {
	const config *cfg;
	db *conn;
	kv *k; /* made when a message first needs the rate limits */
	unsigned char mk[MAIL_THREAD_KEY_LEN], tk[MAIL_THREAD_KEY_LEN];
};

mail_in_session *mail_in_session_new(const config *cfg)
{
	mail_in_session *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cfg = cfg;
	s->conn = db_new(cfg->database_url, cfg->connect_timeout_s, cfg->statement_timeout_ms, "supportdesk-mail-in");
	if (!s->conn) {
		free(s);
		return NULL;
	}
	mail_thread_keys(cfg->secret, s->mk, s->tk);
	mail_in_init();
	return s;
}

void mail_in_session_free(mail_in_session *s)
{
	if (!s)
		return;
	if (s->k)
		kv_free(s->k);
	db_free(s->conn);
	explicit_bzero(s->mk, sizeof s->mk);
	explicit_bzero(s->tk, sizeof s->tk);
	free(s);
}

int mail_in_session_take(mail_in_session *s, const unsigned char *raw, size_t len, bool over,
    const char *const *rcpt, size_t nr, const char *sender)
{
	const config *cfg = s->cfg;
	db *conn = s->conn;
	int code = MAIL_IN_EXIT_TEMPFAIL;
	arena *a = arena_new(64 * 1024);
	mail_in_msg m;
	if (!a) {
		log_outcome("temporary", "out of memory", NULL, NULL, code);
		return code;
	}
	if (over) {
		code = MAIL_IN_EXIT_REFUSED;
		log_outcome("too_large", "over SUPPORTDESK_MAIL_IN_MAX_BYTES", NULL, NULL, code);
		count(conn, a, "too_large");
		goto out;
	}
	if (mail_in_parse(a, raw, len, &m) < 0) {
		code = MAIL_IN_EXIT_REFUSED;
		log_outcome("malformed", "no message, or no From address", NULL, NULL, code);
		count(conn, a, "malformed");
		goto out;
	}
	/* An empty envelope sender is a bounce (RFC 5321 4.5.5). */
	if (sender && (!*sender || strcmp(sender, "<>") == 0) && m.auto_kind == MAIL_AUTO_NONE) {
		m.auto_kind = MAIL_AUTO_DAEMON;
		m.auto_reason = "empty envelope sender";
	}
	if (m.auto_kind == MAIL_AUTO_NONE) {
		if (!s->k)
			s->k = kv_new(cfg->redis_url, cfg->redis_timeout_ms);
		kv *k = s->k;
		ratelimit_result rl = { .allowed = true };
		ratelimit_result rl2 = { .allowed = true };
		enum kv_status ks = !k ? KV_UNAVAILABLE
		    : cfg->rate_mail_in_sender.limit > 0
		    ? ratelimit_hit(k, a, "mail_in_sender", str_from_cstr(m.from_addr), cfg->rate_mail_in_sender.limit,
		          cfg->rate_mail_in_sender.window_s, &rl)
		    : KV_OK;
		const char *to = nr ? rcpt[0] : m.n_to ? m.to[0] : NULL;
		if (ks == KV_OK && to && cfg->rate_mail_in_address.limit > 0) {
			char *base, *detail;
			if (mail_address_split(a, to, &base, &detail))
				ks = ratelimit_hit(k, a, "mail_in_address", str_from_cstr(base), cfg->rate_mail_in_address.limit,
				    cfg->rate_mail_in_address.window_s, &rl2);
		}
		if (ks != KV_OK) {
			log_outcome("temporary", "Redis unreachable (rate limits)", &m, NULL, code);
			count(conn, a, "temporary");
			goto out;
		}
		if (!rl.allowed || !rl2.allowed) {
			log_outcome("rate_limited", !rl.allowed ? "per sender" : "per address", &m, NULL, code);
			count(conn, a, "rate_limited");
			goto out;
		}
	}
	mail_in_ctx ctx = {
		.msgid_key = s->mk,
		.token_key = s->tk,
		.host = mime_host_from_url(a, cfg->base_url),
		.recipients = rcpt,
		.n_recipients = nr,
		.raw = raw,
		.raw_len = len,
	};
	db_tx tx;
	db_tx_init(&tx, conn, a, NULL, "mail-in", NULL);
	mail_in_result res;
	if (mail_in_take(&tx, &ctx, &m, &res) < 0) {
		db_tx_rollback(&tx);
		code = MAIL_IN_EXIT_TEMPFAIL;
		log_outcome("temporary", db_tx_status(&tx) == DB_UNAVAILABLE ? "PostgreSQL unreachable" : "database error",
		    &m, NULL, code);
		count(conn, a, "temporary");
		goto out;
	}
	if (res.outcome == MAIL_IN_CREATED || res.outcome == MAIL_IN_REPLIED) {
		if (db_tx_commit(&tx) != DB_OK) {
			code = MAIL_IN_EXIT_TEMPFAIL;
			log_outcome("temporary", "the commit failed", &m, NULL, code);
			count(conn, a, "temporary");
			goto out;
		}
	} else {
		db_tx_rollback(&tx);
	}
	switch (res.outcome) {
	case MAIL_IN_FORGED: code = MAIL_IN_EXIT_FORGED; break;
	case MAIL_IN_UNKNOWN_ADDRESS: code = MAIL_IN_EXIT_NOUSER; break;
	case MAIL_IN_DB: code = MAIL_IN_EXIT_TEMPFAIL; break;
	default: code = MAIL_IN_EXIT_OK; break;
	}
	log_outcome(mail_in_outcome_name(res.outcome), res.reason, &m, res.ticket_number, code);
	if (res.attachments_skipped)
		log_info("mail in attachments skipped", "count=%zu kept=%zu", res.attachments_skipped, res.attachments);
	count(conn, a, mail_in_outcome_name(res.outcome));
out:
	arena_free(a);
	return code;
}

/* ------------------------------------------------------------------ the command */

int mail_in_main(int argc, char **argv)
{
	log_set_component("mail-in");
	const char *rcpt[MAX_RECIPIENTS];
	size_t nr = 0;
	const char *sender = NULL;
	bool imap = false, once = false;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--recipient") == 0 && i + 1 < argc && nr < MAX_RECIPIENTS) {
			rcpt[nr++] = argv[++i];
		} else if (strcmp(argv[i], "--sender") == 0 && i + 1 < argc) {
			sender = argv[++i];
		} else if (strcmp(argv[i], "--imap") == 0) {
			imap = true;
		} else if (strcmp(argv[i], "--once") == 0) {
			once = true;
		} else {
			fprintf(stderr, "supportdesk: mail-in: unknown or incomplete option '%s' "
			                "(--recipient ADDR, repeatable; --sender ADDR; or --imap [--once])\n", argv[i]);
			return MAIL_IN_EXIT_USAGE;
		}
	}
	if (imap && (nr || sender)) {
		fprintf(stderr, "supportdesk: mail-in: --imap takes the recipient from SUPPORTDESK_IMAP_MAILBOXES, "
		                "not --recipient or --sender\n");
		return MAIL_IN_EXIT_USAGE;
	}
	if (once && !imap) {
		fprintf(stderr, "supportdesk: mail-in: --once goes with --imap\n");
		return MAIL_IN_EXIT_USAGE;
	}
	config cfg;
	char err[512];
	if (crypto_init() < 0 || config_load(&cfg, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: mail-in: %s\n", err);
		return MAIL_IN_EXIT_TEMPFAIL;
	}
	if (config_load_secret(&cfg, err, sizeof err) < 0 || !cfg.have_secret) {
		/* Without the secret no reply can be verified: keep the message
		 * queued at the MTA (or unseen in its mailbox) until the setting
		 * is fixed. */
		fprintf(stderr, "supportdesk: mail-in: %s\n", err[0] ? err : "no server secret");
		config_free(&cfg);
		return MAIL_IN_EXIT_TEMPFAIL;
	}
	int code = MAIL_IN_EXIT_TEMPFAIL;
	if (imap) {
		code = mail_in_imap_run(&cfg, once);
		config_free(&cfg);
		return code;
	}
	size_t len = 0;
	bool over = false;
	unsigned char *raw = read_all((size_t)cfg.mail_in_max_bytes, &len, &over);
	mail_in_session *s = mail_in_session_new(&cfg);
	if (!s) {
		log_outcome("temporary", "out of memory", NULL, NULL, code);
	} else if (!raw) {
		log_outcome("temporary", "stdin unreadable", NULL, NULL, code);
	} else {
		code = mail_in_session_take(s, raw, len, over, rcpt, nr, sender);
	}
	mail_in_session_free(s);
	free(raw);
	config_free(&cfg);
	return code;
}
