/* mail_in.h: what an inbound email becomes (SPEC 3 "Email channel"), in the
 * caller's transaction. The parser (mail/inbound.h) made the struct; this
 * decides (loop and auto-reply signs, signatures, dedupe) and writes through
 * the SECURITY DEFINER functions of migration 0032, which check the sender
 * against the ticket themselves. */
#ifndef SD_MODEL_MAIL_IN_H
#define SD_MODEL_MAIL_IN_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"
#include "mail/inbound.h"
#include "mail/thread.h"

typedef enum {
	MAIL_IN_CREATED,          /* a new ticket */
	MAIL_IN_REPLIED,          /* a reply (or a staff note) on a ticket */
	MAIL_IN_DUPLICATE,        /* this Message-ID was taken in before */
	MAIL_IN_IGNORED,          /* an auto-reply, a bounce, our own mail: nothing done on purpose */
	MAIL_IN_REFUSED,          /* taken but not storable (an empty reply on a closed ticket...) */
	MAIL_IN_FORGED,           /* a reply whose signature or sender does not verify */
	MAIL_IN_UNKNOWN_ADDRESS,  /* no support address, no verified reply */
	MAIL_IN_DB,               /* the database failed (db_tx_status) */
} mail_in_outcome;

/* The name counted in mail_in_counters and logged. */
const char *mail_in_outcome_name(mail_in_outcome o);

typedef struct {
	const unsigned char *msgid_key;   /* mail_thread_keys */
	const unsigned char *token_key;
	const char *host;                 /* our Message-ID host: "<uuid@host>" is ours too */
	const char *const *recipients;    /* envelope recipients (the MTA's), may be none */
	size_t n_recipients;
	const unsigned char *raw;         /* the whole message, kept as original.eml */
	size_t raw_len;
} mail_in_ctx;

typedef struct {
	mail_in_outcome outcome;
	const char *reason;        /* for the log: the SQL status or the header that decided */
	const char *ticket_number; /* created or replied, else NULL */
	size_t attachments;        /* stored */
	size_t attachments_skipped;
} mail_in_result;

/* Decides and writes. Returns 0 with out filled (commit on CREATED and
 * REPLIED, roll back otherwise), or -1 when the database failed. */
int mail_in_take(db_tx *tx, const mail_in_ctx *c, const mail_in_msg *m, mail_in_result *out);

/* Counts one message of this outcome (its own short transaction). */
int mail_in_count(db_tx *tx, const char *outcome);

/* "<outcome> <messages>" rows of mail_in_counters for /metrics, in the
 * arena as parallel arrays. Returns the row count, or -1. */
int mail_in_counts(db_tx *tx, const char ***outcomes, long long **messages);

#endif
