/* mail_in.c: an inbound email decided and written (see mail_in.h). */
#include "model/mail_in.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "auth/crypto.h"
#include "core/log.h"
#include "core/str.h"
#include "model/attachment.h"

static const char *const outcome_names[] = {
	[MAIL_IN_CREATED] = "created",
	[MAIL_IN_REPLIED] = "replied",
	[MAIL_IN_DUPLICATE] = "duplicate",
	[MAIL_IN_IGNORED] = "ignored",
	[MAIL_IN_REFUSED] = "refused",
	[MAIL_IN_FORGED] = "forged",
	[MAIL_IN_UNKNOWN_ADDRESS] = "unknown_address",
	[MAIL_IN_DB] = "temporary",
};

const char *mail_in_outcome_name(mail_in_outcome o)
{
	return (size_t)o < sizeof outcome_names / sizeof *outcome_names ? outcome_names[o] : "temporary";
}

static const db_stmt q_seen = { "mail_in_seen", "select mail_in_seen($1)" };
static const db_stmt q_reply = { "mail_in_reply",
	"select status, message_id, ticket_number from mail_in_reply($1::uuid, $2::citext, $3::citext, $4, "
	"$5::jsonb, $6, $7::boolean)" };
static const db_stmt q_ticket = { "mail_in_ticket",
	"select status, ticket_id, ticket_number from mail_in_ticket($1::citext, $2::citext, $3, $4, $5, "
	"$6::jsonb, $7)" };
static const db_stmt q_count = { "mail_in_count", "select mail_in_count($1)" };
static const db_stmt q_counts = { "mail_in_counts", "select outcome, messages from mail_in_counts()" };

int mail_in_count(db_tx *tx, const char *outcome)
{
	const char *p[] = { outcome };
	return db_tx_exec(tx, &q_count, 1, p) ? 0 : -1;
}

int mail_in_counts(db_tx *tx, const char ***outcomes, long long **messages)
{
	db_result *res = db_tx_exec(tx, &q_counts, 0, NULL);
	if (!res)
		return -1;
	int n = db_rows(res);
	*outcomes = arena_calloc(tx->a, (size_t)n + 1, sizeof **outcomes);
	*messages = arena_calloc(tx->a, (size_t)n + 1, sizeof **messages);
	for (int i = 0; i < n; i++) {
		(*outcomes)[i] = db_get_dup(tx->a, res, i, 0);
		(*messages)[i] = db_get_int(res, i, 1, 0);
	}
	return n;
}

/* Our own mail coming back (a loop through a forwarder or an autoresponder
 * that keeps the id): a signed-shape id, or the outbox's "<uuid@host>". */
static bool id_is_ours(const mail_in_ctx *c, const char *id)
{
	if (!id)
		return false;
	if (mail_msgid_is_ours(id, strlen(id)))
		return true;
	const char *at = strchr(id, '@');
	if (!at || (size_t)(at - id) != 36 || !c->host)
		return false;
	char u[37];
	memcpy(u, id, 36), u[36] = 0;
	return cstr_is_uuid(u) && strcasecmp(at + 1, c->host) == 0;
}

typedef struct {
	char ticket[37];
	bool found;
	bool note;
	bool forged;            /* something claimed a thread and did not verify */
	const char *to_base;    /* the address the token came on (support address) */
} thread_in;

static void find_thread(arena *a, const mail_in_ctx *c, const mail_in_msg *m, const char *const *rcpt, size_t nr,
    thread_in *t)
{
	memset(t, 0, sizeof *t);
	/* 1. The reply token in a recipient's +detail. */
	for (size_t i = 0; i < nr && !t->found; i++) {
		char *base, *detail;
		if (!mail_address_split(a, rcpt[i], &base, &detail) || !detail)
			continue;
		size_t dn = strlen(detail);
		if (dn != MAIL_REPLY_TOKEN_LEN)
			continue;
		enum mail_reply_kind kind;
		if (mail_reply_token_verify(c->token_key, detail, dn, m->from_addr, t->ticket, &kind)) {
			t->found = true;
			t->note = kind == MAIL_REPLY_NOTE;
			t->to_base = base;
		} else {
			t->forged = true;
		}
	}
	/* 2. A signed Message-ID we sent to this sender, newest first. */
	const char *ids[MAIL_IN_MAX_REFS + 1];
	size_t n = 0;
	if (m->in_reply_to)
		ids[n++] = m->in_reply_to;
	for (size_t i = m->n_references; i > 0 && n < MAIL_IN_MAX_REFS + 1; i--)
		ids[n++] = m->references[i - 1];
	for (size_t i = 0; i < n && !t->found; i++) {
		if (!mail_msgid_is_ours(ids[i], strlen(ids[i])))
			continue;
		if (mail_msgid_verify(c->msgid_key, ids[i], strlen(ids[i]), m->from_addr, t->ticket))
			t->found = true;
		else
			t->forged = true;
	}
	if (t->found)
		t->forged = false;
}

/* Stores one part through the uploads' limits and sniffing. */
static enum attach_status store_bytes(db_tx *tx, const attachment_limits *lim, const char *name,
    const unsigned char *data, size_t n, attachment_ref *ref)
{
	if (n == 0)
		return ATTACH_EMPTY;
	if ((long)n > lim->max_bytes)
		return ATTACH_TOO_LARGE;
	int fd = memfd_create("mail-in-part", MFD_CLOEXEC);
	if (fd < 0)
		return ATTACH_DB;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w <= 0) {
			close(fd);
			return ATTACH_DB;
		}
		off += (size_t)w;
	}
	attachment_upload up = { .fd = fd, .size = n, .filename = str_from_cstr(name) };
	enum attach_status st = attachment_store(tx, &up, lim, ref);
	close(fd);
	return st;
}

/* The parts (then the original as original.eml, text/plain when its bytes
 * are text) as the refs JSON; NULL on a database failure. */
static char *store_parts(db_tx *tx, const mail_in_ctx *c, const mail_in_msg *m, mail_in_result *out)
{
	attachment_limits lim;
	if (attachment_limits_load(tx, &lim) < 0)
		return NULL;
	size_t max = lim.max_per_message > 0 ? (size_t)lim.max_per_message : 0;
	attachment_ref *refs = arena_calloc(tx->a, m->n_parts + 2, sizeof *refs);
	size_t nref = 0;
	/* One place is kept for the original. */
	for (size_t i = 0; i < m->n_parts; i++) {
		if (nref + 1 >= max) {
			out->attachments_skipped++;
			continue;
		}
		enum attach_status st = store_bytes(tx, &lim, m->parts[i].file_name, m->parts[i].data, m->parts[i].size,
		    &refs[nref]);
		if (st == ATTACH_OK)
			nref++;
		else if (st == ATTACH_DB && db_tx_status(tx) != DB_OK)
			return NULL;
		else
			out->attachments_skipped++;
	}
	out->attachments_skipped += m->parts_dropped;
	if (c->raw && c->raw_len && nref < max) {
		enum attach_status st = store_bytes(tx, &lim, "original.eml", c->raw, c->raw_len, &refs[nref]);
		if (st == ATTACH_OK)
			nref++;
		else if (st == ATTACH_DB && db_tx_status(tx) != DB_OK)
			return NULL;
		else
			out->attachments_skipped++;
	}
	out->attachments = nref;
	return attachment_refs_json(tx->a, refs, nref);
}

int mail_in_take(db_tx *tx, const mail_in_ctx *c, const mail_in_msg *m, mail_in_result *out)
{
	memset(out, 0, sizeof *out);
	arena *a = tx->a;
	if (m->auto_kind != MAIL_AUTO_NONE) {
		out->outcome = MAIL_IN_IGNORED;
		out->reason = m->auto_reason ? m->auto_reason : "automatic";
		return 0;
	}
	if (id_is_ours(c, m->message_id)) {
		out->outcome = MAIL_IN_IGNORED;
		out->reason = "our own Message-ID";
		return 0;
	}
	/* Without a Message-ID the bytes name the message, so a redelivery of
	 * the same bytes is still one. */
	const char *msgid = m->message_id;
	if (!msgid) {
		unsigned char h[CRYPTO_SHA256_LEN];
		crypto_sha256(h, c->raw, c->raw_len);
		msgid = arena_sprintf(a, "sha256.%s@mail-in.invalid", crypto_hex(a, h, sizeof h));
	}
	const char *p1[] = { msgid };
	db_result *res = db_tx_exec(tx, &q_seen, 1, p1);
	if (!res)
		return -1;
	if (db_get_bool(res, 0, 0)) {
		out->outcome = MAIL_IN_DUPLICATE;
		out->reason = "Message-ID taken in before";
		return 0;
	}

	/* The envelope recipients first (what the MTA was asked to deliver),
	 * then the header ones. */
	size_t nr = 0;
	const char **rcpt = arena_calloc(a, c->n_recipients + m->n_to + 1, sizeof *rcpt);
	for (size_t i = 0; i < c->n_recipients; i++)
		rcpt[nr++] = c->recipients[i];
	for (size_t i = 0; i < m->n_to; i++)
		rcpt[nr++] = m->to[i];

	thread_in t;
	find_thread(a, c, m, rcpt, nr, &t);
	if (t.forged) {
		out->outcome = MAIL_IN_FORGED;
		out->reason = "signature does not verify for this sender";
		return 0;
	}
	bool reopen_as_new = false;
	char *refs = NULL;
	if (t.found) {
		refs = store_parts(tx, c, m, out);
		if (!refs)
			return -1;
		char *to_base = (char *)t.to_base, *detail;
		if (!to_base && nr)
			mail_address_split(a, rcpt[0], &to_base, &detail);
		const char *p[] = { t.ticket, m->from_addr, to_base, m->body, refs, msgid, t.note ? "true" : "false" };
		res = db_tx_exec(tx, &q_reply, 7, p);
		if (!res)
			return -1;
		const char *st = db_get_dup(a, res, 0, 0);
		out->reason = st;
		out->ticket_number = db_get_dup(a, res, 0, 2);
		if (!st) {
			out->outcome = MAIL_IN_REFUSED;
		} else if (strcmp(st, "ok") == 0) {
			out->outcome = MAIL_IN_REPLIED;
		} else if (strcmp(st, "duplicate") == 0) {
			out->outcome = MAIL_IN_DUPLICATE;
		} else if (strcmp(st, "forged") == 0 || strcmp(st, "wrong_organization") == 0 ||
		           strcmp(st, "note_forbidden") == 0 || strcmp(st, "not_found") == 0) {
			out->outcome = MAIL_IN_FORGED;
		} else if (strcmp(st, "invalid_state") == 0) {
			/* A reply on a closed ticket: a new ticket, when it came to a
			 * support address (the blobs stored above are reused). */
			reopen_as_new = true;
		} else {
			out->outcome = MAIL_IN_REFUSED;
		}
		if (!reopen_as_new)
			return 0;
	}

	/* A new ticket; the parts stored once (a closed ticket's reply reuses them). */
	if (!refs && !(refs = store_parts(tx, c, m, out)))
		return -1;
	out->outcome = MAIL_IN_UNKNOWN_ADDRESS;
	out->reason = reopen_as_new ? "ticket closed, and no support address" : "no support address among the recipients";
	for (size_t i = 0; i < nr; i++) {
		char *base, *detail;
		if (!mail_address_split(a, rcpt[i], &base, &detail))
			continue;
		const char *p[] = { base, m->from_addr, m->from_name, m->subject, m->body, refs, msgid };
		res = db_tx_exec(tx, &q_ticket, 7, p);
		if (!res)
			return -1;
		const char *st = db_get_dup(a, res, 0, 0);
		if (st && strcmp(st, "unknown_address") == 0)
			continue;
		out->reason = st;
		if (st && strcmp(st, "created") == 0) {
			out->outcome = MAIL_IN_CREATED;
			out->ticket_number = db_get_dup(a, res, 0, 2);
		} else if (st && strcmp(st, "duplicate") == 0) {
			out->outcome = MAIL_IN_DUPLICATE;
		} else {
			out->outcome = MAIL_IN_REFUSED;
		}
		break;
	}
	return 0;
}
