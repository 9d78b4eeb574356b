/* mailer.c: the outbox delivery loop (claim -> compose -> deliver -> mark). */
#include "mail/mailer.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/crypto.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/stopsig.h"
#include "core/str.h"
#include "db/outbox.h"
#include "mail/mime.h"
#include "mail/render.h"
#include "tmpl/tmpl_json.h"
#include "model/email.h"
#include "mail/transport.h"
#include "mail/thread.h"
#include "mail/webhook.h"

/* Poll even without a NOTIFY: retries and expired leases are only found so. */
#define MAILER_POLL_MS 5000
/* One row per claim, leased for longer than one SMTP transfer may take (60 s
 * plus connect). Claiming singly means a lease never ticks while other rows
 * are being sent, and a stopping mailer holds nothing it hasn't started. */
#define MAILER_LEASE_S 180
#define MAILER_BACKOFF_MAX_S 30
/* mailer_deliver_once gives up after this many rows, so a flood can't keep
 * a test (or an operator's --once) running for ever. */
#define MAILER_ONCE_MAX 10000
#define MAILER_ERR_LEN 512
/* Sent and failed rows (already scrubbed of their bodies) are deleted past
 * outbox_retention_days; looked at this often. */
#define MAILER_PURGE_EVERY_S 3600
/* A webhook delivery takes at most 5 s to connect and 10 s in all: a lease
 * well past that. */
#define WEBHOOK_LEASE_S 60
#define WEBHOOK_CONNECT_TIMEOUT_S 5
#define WEBHOOK_TOTAL_TIMEOUT_S 10

typedef struct {
	const config *cfg;
	db_outbox *db;
	mail_transport *tr;
	arena *keep;        /* lives as long as the mailer: from address, host */
	arena *msg;         /* reset for every message */
	const char *from_addr;
	const char *host;
	tmpl_set *templates;  /* loaded on the first notice that needs them */
	bool templates_failed;
	double next_due;    /* monotonic time of the earliest retry we scheduled; 0 none */
	double next_purge;  /* monotonic time of the next outbox_purge */
	/* A delivered (or failed) row whose mark did not reach PostgreSQL: marked
	 * again before anything new is claimed, so a blip doesn't cause a resend. */
	bool unmarked;
	char unmarked_id[40];
	enum mail_result unmarked_res;
	int unmarked_attempts;
	char unmarked_err[MAILER_ERR_LEN];
	unsigned long sent, retried, failed;
	unsigned long hooks_delivered, hooks_retried, hooks_failed;
} mailer;

/* ------------------------------------------------------------------ waiting (stop signals: core/stopsig.c) */

/* Sleeps until fd is readable (fd < 0: just the timeout) or a stop signal. */
static void mailer_wait(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	if (ppoll(&pfd, fd >= 0 ? 1 : 0, &ts, stopsig_wait_mask()) < 0 && errno != EINTR)
		log_warn("ppoll failed", "err=\"%s\"", strerror(errno));
}

/* ------------------------------------------------------------------ setup */

static int mailer_init(mailer *m, const config *cfg)
{
	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	m->keep = arena_new(1024);
	m->msg = arena_new(64 * 1024);
	char err[256];
	if (!cfg->database_url || !*cfg->database_url) {
		log_error("mailer cannot start", "err=\"DATABASE_URL is not set\"");
		return -1;
	}
	/* A bad From would fail every row; refuse to start instead of burning
	 * their attempts. */
	m->from_addr = mime_mailbox_addr(m->keep, cfg->mail_from);
	if (!m->from_addr) {
		log_error("mailer cannot start", "err=\"SUPPORTDESK_MAIL_FROM has no valid address\"");
		return -1;
	}
	m->host = mime_host_from_url(m->keep, cfg->base_url);
	m->tr = mail_transport_new(cfg, err, sizeof err);
	if (!m->tr) {
		char q[300];
		log_quote(q, sizeof q, err, strlen(err));
		log_error("mailer cannot start", "err=%s", q);
		return -1;
	}
	m->db = db_outbox_new(cfg->database_url, cfg->connect_timeout_s, cfg->statement_timeout_ms);
	if (!m->db) {
		log_error("mailer cannot start", "err=\"out of memory\"");
		return -1;
	}
	return 0;
}

static void mailer_free(mailer *m)
{
	tmpl_set_free(m->templates);
	db_outbox_free(m->db);
	mail_transport_free(m->tr);
	if (m->msg)
		arena_free(m->msg);
	if (m->keep)
		arena_free(m->keep);
}

/* ------------------------------------------------------------------ one row */


/* Backoff of outbox_mark_failed (migration 0006), mirrored so that the loop
 * wakes when the row is due: 1 min * 2^(attempts-1), at most 6 h. */
static double retry_delay_s(int attempts)
{
	double d = 60.0;
	for (int i = 1; i < attempts && d < 6 * 3600.0; i++)
		d *= 2;
	return d < 6 * 3600.0 ? d : 6 * 3600.0;
}

/* Records the outcome of a row in PostgreSQL. 0, or -1 when it could not be
 * recorded (remembered in m->unmarked for the next round). */
static int mailer_mark(mailer *m, const char *id, int attempts, enum mail_result res,
    const char *err)
{
	char status[16] = "";
	int rc;
	char q[MAILER_ERR_LEN + 16];
	if (res == MAIL_SENT) {
		rc = db_outbox_mark_sent(m->db, id);
		if (rc == 0) {
			m->sent++;
			log_info("mail sent", "id=%s attempt=%d", id, attempts);
		}
	} else {
		rc = db_outbox_mark_failed(m->db, id, err, res == MAIL_PERMANENT, status, sizeof status);
		if (rc == 0) {
			log_quote(q, sizeof q, err, strlen(err));
			bool retry = strcmp(status, "pending") == 0;
			if (retry) {
				m->retried++;
				double due = clock_seconds() + retry_delay_s(attempts);
				/* A due time already past was for a row claimed since. */
				if (m->next_due == 0 || m->next_due <= clock_seconds() || due < m->next_due)
					m->next_due = due;
			} else {
				m->failed++;
			}
			log_warn(retry ? "mail deferred" : "mail failed", "id=%s attempt=%d permanent=%s status=%s err=%s",
			    id, attempts, res == MAIL_PERMANENT ? "yes" : "no", status[0] ? status : "lost_lease", q);
		}
	}
	if (rc < 0) {
		m->unmarked = true;
		snprintf(m->unmarked_id, sizeof m->unmarked_id, "%s", id);
		m->unmarked_res = res;
		m->unmarked_attempts = attempts;
		snprintf(m->unmarked_err, sizeof m->unmarked_err, "%s", err ? err : "");
		return -1;
	}
	m->unmarked = false;
	return 0;
}

static int mailer_flush_unmarked(mailer *m)
{
	if (!m->unmarked)
		return 0;
	char id[sizeof m->unmarked_id], err[MAILER_ERR_LEN];
	memcpy(id, m->unmarked_id, sizeof id);
	memcpy(err, m->unmarked_err, sizeof err);
	return mailer_mark(m, id, m->unmarked_attempts, m->unmarked_res, err);
}

/* Composes and delivers one claimed row; err gets the reason on failure. */
/* A notice queued by the database (template + data): rendered now, with
 * the site's name and address added to its data. */
static enum mail_result render_notice(mailer *m, const db_outbox_row *row, const char *note_address,
    mail_rendered *out, char *err, size_t errlen)
{
	if (!m->templates && !m->templates_failed) {
		char why[256];
		if (tmpl_set_load_dir(m->cfg->templates_dir, &m->templates, why, sizeof why) < 0) {
			m->templates_failed = true;
			log_error("mailer templates unreadable", "dir=%s err=\"%s\"", m->cfg->templates_dir, why);
		}
	}
	if (!m->templates) {
		snprintf(err, errlen, "templates: %s unreadable", m->cfg->templates_dir);
		return MAIL_RETRY;
	}
	const char *json = row->template_data ? row->template_data : "{}";
	char why[128];
	tv *view = tv_from_json(m->msg, json, strlen(json), why, sizeof why);
	if (!view || tv_kind_of(view) != TV_OBJECT) {
		snprintf(err, errlen, "template data: %s", view ? "not an object" : why);
		return MAIL_PERMANENT;
	}
	tv_set_str(m->msg, view, "site_name", "Supportdesk");
	tv_set_str(m->msg, view, "base_url", m->cfg->base_url);
	if (note_address)
		tv_set_str(m->msg, view, "note_address", note_address);
	if (mail_render(m->templates, m->msg, row->template_name, view, out) != 0) {
		snprintf(err, errlen, "template %s cannot be rendered", row->template_name);
		return MAIL_PERMANENT;
	}
	return MAIL_SENT;
}

/* Threading of a mail about a ticket (SPEC 3 "Email channel"): a Message-ID
 * signed for (ticket, this row, recipient), In-Reply-To and References to
 * the recipient's earlier mail about the ticket (their ids rebuilt, signed
 * the same way), a Reply-To carrying a signed reply token on the routing
 * organization's support address, and the ticket number in the subject.
 * Staff also get a note address (the 'n' token) in their notice's data.
 * Nothing is added without a server secret or a ticket. */
typedef struct {
	const char *message_id;
	const char *in_reply_to;
	const char **references;
	size_t n_references;
	const char *reply_to;
	const char *note_address;
	const char *number;
} mail_threading;

static int mailer_thread(mailer *m, const db_outbox_row *row, mail_threading *t)
{
	memset(t, 0, sizeof *t);
	if (!m->cfg->have_secret)
		return 0;
	db_outbox_thread th;
	if (db_outbox_thread_load(m->db, m->msg, row->id, &th) < 0)
		return -1;
	if (!th.ticket_id)
		return 0;
	unsigned char mk[MAIL_THREAD_KEY_LEN], tk[MAIL_THREAD_KEY_LEN];
	mail_thread_keys(m->cfg->secret, mk, tk);
	t->number = th.ticket_number;
	t->message_id = mail_msgid_sign(m->msg, mk, th.ticket_id, row->id, row->to_email, m->host);
	t->references = arena_calloc(m->msg, th.n_previous + 1, sizeof *t->references);
	for (size_t i = 0; i < th.n_previous; i++) {
		char *id = mail_msgid_sign(m->msg, mk, th.ticket_id, th.previous[i], row->to_email, m->host);
		if (id)
			t->references[t->n_references++] = id;
	}
	if (t->n_references)
		t->in_reply_to = t->references[t->n_references - 1];
	if (th.support_email) {
		char *tok = mail_reply_token_sign(m->msg, tk, th.ticket_id, row->to_email, MAIL_REPLY_PUBLIC);
		t->reply_to = mail_reply_address(m->msg, th.support_email, tok);
		if (th.recipient_is_staff) {
			tok = mail_reply_token_sign(m->msg, tk, th.ticket_id, row->to_email, MAIL_REPLY_NOTE);
			t->note_address = mail_reply_address(m->msg, th.support_email, tok);
		}
	}
	explicit_bzero(mk, sizeof mk);
	explicit_bzero(tk, sizeof tk);
	return 0;
}

static enum mail_result mailer_deliver(mailer *m, const db_outbox_row *row, char *err, size_t errlen)
{
	const char *text = row->body_text, *html = row->body_html, *subject = row->subject;
	mail_threading th;
	if (mailer_thread(m, row, &th) < 0) {
		snprintf(err, errlen, "database: threading of the row unreadable");
		return MAIL_RETRY;
	}
	if (row->template_name && !row->subject) {
		mail_rendered notice;
		enum mail_result res = render_notice(m, row, th.note_address, &notice, err, errlen);
		if (res != MAIL_SENT)
			return res;
		subject = notice.subject;
		text = notice.text;
		html = notice.html;
	}
	if (row->sealed) {
		/* Opened here, in memory, for this delivery only. A row sealed
		 * under another server secret can never be opened: say so once. */
		const unsigned char *key = m->cfg->secret;
		text = text && m->cfg->have_secret ? crypto_open_text(m->msg, key, OUTBOX_SEAL_CONTEXT, text) : NULL;
		if (html && text)
			html = crypto_open_text(m->msg, key, OUTBOX_SEAL_CONTEXT, html);
		if (!text || (row->body_html && !html)) {
			snprintf(err, errlen, "sealed body cannot be opened (%s)",
			    m->cfg->have_secret ? "sealed under another server secret, or altered" : "no server secret");
			return MAIL_PERMANENT;
		}
	}
	mime_message msg = {
		.id = row->id,
		.from = m->cfg->mail_from,
		.to_email = row->to_email,
		.to_name = row->to_name,
		.subject = subject,
		.body_text = text,
		.body_html = html,
		.host = m->host,
		.date = time(NULL),
		.message_id = th.message_id,
		.in_reply_to = th.in_reply_to,
		.references = th.references,
		.n_references = th.n_references,
		.reply_to = th.reply_to,
	};
	/* Every mail about a ticket names it, so that a person can find it
	 * (only the signed ids thread it: anyone can type a number). */
	if (th.number && subject && !strstr(subject, th.number))
		msg.subject = arena_sprintf(m->msg, "[%s] %s", th.number, subject);
	buf out;
	buf_init(&out, m->msg, 4096);
	const char *why = NULL;
	/* Every compose failure is a property of the row (an address with a
	 * CR in it, a template-only row): retrying can't help. */
	if (mime_compose(&out, &msg, &why) < 0) {
		snprintf(err, errlen, "mime: %s", why);
		return MAIL_PERMANENT;
	}
	return mail_transport_send(m->tr, row->id, m->from_addr, row->to_email, buf_str(&out),
	    msg.date, err, errlen);
}

/* Claims and delivers due rows one by one until none is due, a stop signal
 * (run mode) or max rows. Returns the number sent, or -1 on a database error. */
static int mailer_process_due(mailer *m, int max)
{
	int sent = 0;
	for (int i = 0; i < max; i++) {
		if (stopsig_requested())
			break;
		arena_reset(m->msg);
		db_outbox_row *rows = NULL;
		int n = db_outbox_claim(m->db, m->msg, 1, MAILER_LEASE_S, &rows);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		char err[MAILER_ERR_LEN] = "";
		enum mail_result res = mailer_deliver(m, &rows[0], err, sizeof err);
		if (res == MAIL_SENT)
			sent++;
		if (mailer_mark(m, rows[0].id, rows[0].attempts, res, err) < 0)
			return -1;
	}
	arena_reset(m->msg);
	return sent;
}

/* ------------------------------------------------------------------ webhook deliveries */

/* Webhook deliveries share the mailer: the same LISTEN outbox wakes it
 * (0034's trigger), the same claim-lease-mark shape retries them, and one
 * process keeps the outbound network traffic of the application in one
 * place. Each is sent at least once: a mark lost with the connection
 * lets the lease expire and the delivery go again, with the same
 * X-Supportdesk-Delivery id for the receiver to recognize. */
static void hook_note_retry(mailer *m, double retry_in_s)
{
	double now = clock_seconds();
	double due = now + (retry_in_s > 0 ? retry_in_s : 1);
	/* A due time already past was for a row claimed since: replace it, or
	 * the loop would sleep a whole poll interval before this retry. */
	if (m->next_due == 0 || m->next_due <= now || due < m->next_due)
		m->next_due = due;
}

static int mailer_process_hooks(mailer *m, int max)
{
	int delivered = 0;
	for (int i = 0; i < max; i++) {
		if (stopsig_requested())
			break;
		arena_reset(m->msg);
		db_hook_row row;
		int n = db_outbox_hook_claim(m->db, m->msg, WEBHOOK_LEASE_S, &row);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		char err[MAILER_ERR_LEN] = "";
		int code = 0;
		webhook_outcome res;
		const char *secret = m->cfg->have_secret && row.secret_sealed
		    ? crypto_open_text(m->msg, m->cfg->secret, WEBHOOK_SEAL_CONTEXT, row.secret_sealed)
		    : NULL;
		if (!row.is_active) {
			snprintf(err, sizeof err, "the webhook was deactivated");
			res = WEBHOOK_PERMANENT;
		} else if (!secret) {
			snprintf(err, sizeof err, "the signing secret cannot be opened (%s); rotate it",
			    m->cfg->have_secret ? "sealed under another server secret" : "no server secret");
			res = WEBHOOK_PERMANENT;
		} else {
			webhook_request rq = {
				.url = row.url,
				.secret = secret,
				.event = row.event,
				.delivery_id = row.id,
				.body = row.body,
				.body_len = strlen(row.body),
				.allow_internal = row.allow_internal,
				.connect_timeout_s = WEBHOOK_CONNECT_TIMEOUT_S,
				.total_timeout_s = WEBHOOK_TOTAL_TIMEOUT_S,
			};
			res = webhook_deliver(&rq, &code, err, sizeof err);
		}
		char q[MAILER_ERR_LEN + 16];
		if (res == WEBHOOK_DELIVERED) {
			if (db_outbox_hook_delivered(m->db, row.id, code) < 0)
				return -1;
			delivered++;
			m->hooks_delivered++;
			log_info("webhook delivered", "id=%s event=%s attempt=%d code=%d", row.id, row.event, row.attempts, code);
			continue;
		}
		char status[16] = "";
		double retry_in = 0;
		if (db_outbox_hook_failed(m->db, row.id, code, err, res == WEBHOOK_PERMANENT, status, sizeof status,
		        &retry_in) < 0)
			return -1;
		bool retry = strcmp(status, "pending") == 0;
		if (retry) {
			m->hooks_retried++;
			hook_note_retry(m, retry_in);
		} else {
			m->hooks_failed++;
		}
		log_quote(q, sizeof q, err, strlen(err));
		log_warn(retry ? "webhook deferred" : "webhook failed", "id=%s event=%s attempt=%d code=%d status=%s err=%s",
		    row.id, row.event, row.attempts, code, status[0] ? status : "lost_lease", q);
	}
	arena_reset(m->msg);
	return delivered;
}

/* ------------------------------------------------------------------ entry points */

int mailer_deliver_once(const config *cfg, int *delivered)
{
	if (delivered)
		*delivered = 0;
	mailer m;
	int rc = 1;
	log_set_component("mailer");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mailer_init(&m, cfg) < 0)
		goto out;
	if (db_outbox_ensure(m.db) < 0)
		goto out;
	int sent = mailer_process_due(&m, MAILER_ONCE_MAX);
	if (sent < 0 || mailer_flush_unmarked(&m) < 0 || mailer_process_hooks(&m, MAILER_ONCE_MAX) < 0)
		goto out;
	if (delivered)
		*delivered = sent;
	rc = 0;
out:
	mailer_free(&m);
	curl_global_cleanup();
	return rc;
}

int mailer_run(const config *cfg)
{
	log_set_component("mailer");
	stopsig_install();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	mailer m;
	if (mailer_init(&m, cfg) < 0) {
		mailer_free(&m);
		curl_global_cleanup();
		return 1;
	}
	log_info("mailer started", "transport=%s", cfg->mail_transport);
	int backoff_s = 1;
	while (!stopsig_requested()) {
		if (db_outbox_ensure(m.db) < 0) {
			mailer_wait(-1, backoff_s * 1000);
			backoff_s = backoff_s * 2 > MAILER_BACKOFF_MAX_S ? MAILER_BACKOFF_MAX_S : backoff_s * 2;
			continue;
		}
		backoff_s = 1;
		if (mailer_flush_unmarked(&m) < 0 || db_outbox_drain(m.db) < 0 ||
		    mailer_process_due(&m, MAILER_ONCE_MAX) < 0 || mailer_process_hooks(&m, MAILER_ONCE_MAX) < 0) {
			db_outbox_disconnect(m.db);
			continue;
		}
		/* A NOTIFY read while we were busy is in libpq's queue, not on the
		 * socket: look before sleeping, or it would wait for the poll. */
		if (db_outbox_drain(m.db) != 0)
			continue; /* lost (reconnect) or woken again (claim again) */
		if (clock_seconds() >= m.next_purge) {
			long purged = db_outbox_purge(m.db);
			if (purged > 0)
				log_info("outbox purged", "rows=%ld", purged);
			long hooks = db_outbox_hook_purge(m.db);
			if (hooks > 0)
				log_info("webhook deliveries purged", "rows=%ld", hooks);
			m.next_purge = clock_seconds() + MAILER_PURGE_EVERY_S;
		}
		int timeout = MAILER_POLL_MS;
		if (m.next_due > 0) {
			double left = m.next_due - clock_seconds();
			if (left <= 0) {
				m.next_due = 0;
				timeout = 0;
			} else if (left * 1000 < timeout) {
				timeout = (int)(left * 1000) + 1;
			}
		}
		mailer_wait(db_outbox_socket(m.db), timeout);
	}
	/* One last try to record the message we finished before the signal. */
	if (m.unmarked && db_outbox_ensure(m.db) == 0)
		mailer_flush_unmarked(&m);
	log_info("mailer stopped", "sent=%lu deferred=%lu failed=%lu hooks_delivered=%lu hooks_deferred=%lu hooks_failed=%lu",
	    m.sent, m.retried, m.failed, m.hooks_delivered, m.hooks_retried, m.hooks_failed);
	mailer_free(&m);
	curl_global_cleanup();
	return 0;
}
