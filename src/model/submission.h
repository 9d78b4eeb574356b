/* submission.h: public submissions waiting for email verification, and the
 * tickets they become. Every call runs in the caller's transaction through
 * SECURITY DEFINER functions that check their own preconditions. */
#ifndef SD_SUBMISSION_H
#define SD_SUBMISSION_H

#include <stdbool.h>

#include "db/tx.h"

typedef struct {
	const char *email;
	const char *name;          /* NULL when not given */
	const char *request_type;  /* uuid */
	const char *title;
	const char *description;
	const char *event;         /* uuid or NULL */
	const char *form_data;     /* JSON object of custom field values */
	const char *attachments;   /* JSON array of attachment refs */
	const char *ip;
	const char *user_agent;
	const char *idempotency_key;
	const char *spam_score;    /* "0.00".."1.00" */
	bool captcha_verified;
} submission_input;

/* Outcome codes are the SQL functions' status strings ("created",
 * "duplicate", "expired", ...); NULL means the database failed (db_tx_status
 * says how). */

/* Stores a submission with the hash of its emailed token (32 bytes). */
const char *submission_create(db_tx *tx, const submission_input *in, const unsigned char token_hash[32]);
/* What a verification link would do, without consuming it. */
const char *submission_peek(db_tx *tx, const unsigned char token_hash[32]);

typedef struct {
	const char *ticket_id;
	const char *ticket_number;
	const char *user_id;
} submission_ticket;
/* Consumes the token once and creates the ticket (and the customer). */
const char *submission_verify(db_tx *tx, const unsigned char token_hash[32], submission_ticket *out);

typedef struct {
	const char *email;
	const char *name;
	const char *title;
} submission_contact;
/* A new token for an expired one; out is filled when "renewed". */
const char *submission_renew(db_tx *tx, const unsigned char old_hash[32], const unsigned char new_hash[32],
    submission_contact *out);

/* A signed-in customer with a verified email: the ticket at once. */
const char *ticket_create_for_customer(db_tx *tx, const submission_input *in, submission_ticket *out);

#endif
