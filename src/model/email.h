/* email.h: putting an email in the outbox, in the caller's transaction, so
 * it is sent if and only if the change that causes it commits. */
#ifndef SD_MODEL_EMAIL_H
#define SD_MODEL_EMAIL_H

#include "db/tx.h"

typedef struct {
	const char *to;
	const char *to_name;     /* may be NULL */
	const char *subject;
	const char *text;
	const char *html;        /* may be NULL */
	const char *ticket_id;   /* may be NULL */
	const char *user_id;     /* may be NULL */
	const char *dedupe_key;  /* may be NULL: the same key is queued once */
	bool sealed;             /* text and html are sealed (crypto_seal_text, OUTBOX_SEAL_CONTEXT) */
} email_message;

/* The purpose under which bodies in the outbox are sealed. */
#define OUTBOX_SEAL_CONTEXT "sdoutbox"

/* 0, or -1 on a database failure (the transaction says why). */
int email_enqueue(db_tx *tx, const email_message *m);

#endif
