/* outbox.h: the mailer's PostgreSQL connection: LISTEN outbox, claim rows,
 * mark them sent or failed (the SECURITY DEFINER functions of migration 0006).
 * A connection of its own rather than db.h's, because the mailer sleeps on its
 * socket and reads notifications, which db.h does not expose. */
#ifndef SD_DB_OUTBOX_H
#define SD_DB_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct db_outbox db_outbox;

/* One claimed row. Strings live in the arena given to db_outbox_claim; the
 * optional ones are NULL when SQL NULL. */
typedef struct {
	char *id;
	char *to_email;
	char *to_name;
	char *subject;
	char *body_text;
	char *body_html;
	char *template_name;   /* a notice rendered at send time, NULL for a rendered row */
	char *template_data;   /* its data: a JSON object */
	bool sealed;   /* body_text and body_html are sealed (crypto_open_text) */
	int attempts;  /* including this one (claim increments it) */
} db_outbox_row;

/* Does not connect; db_outbox_ensure does. url is the app role's
 * (supportdesk_app): the functions need no app.user_id. */
db_outbox *db_outbox_new(const char *url, int connect_timeout_s, int statement_timeout_ms);
void db_outbox_free(db_outbox *o);

/* Connects when needed and issues LISTEN outbox. 0, or -1 when PostgreSQL is
 * unreachable (logged). */
int db_outbox_ensure(db_outbox *o);
/* Drops the connection (after an error) so the next ensure reconnects. */
void db_outbox_disconnect(db_outbox *o);
/* The socket to poll(2) for notifications, or -1 when not connected. */
int db_outbox_socket(const db_outbox *o);
/* Reads what arrived on the socket and discards pending notifications.
 * Returns how many there were, or -1 when the connection broke. */
int db_outbox_drain(db_outbox *o);

/* outbox_claim(limit, lease_s seconds). Returns the number of rows (0..limit)
 * with *rows in the arena, or -1 on a database error (connection dropped). */
int db_outbox_claim(db_outbox *o, arena *a, int limit, int lease_s, db_outbox_row **rows);
/* outbox_mark_sent(id). 0 (also when the row was no longer ours: its lease
 * expired and another mailer took it), or -1 on a database error. */
int db_outbox_mark_sent(db_outbox *o, const char *id);
/* outbox_mark_failed(id, error, permanent) (migration 0009): permanent
 * stops retries at once; otherwise the row is retried with backoff until
 * outbox_max_attempts. The resulting status ("pending" or "failed") goes to
 * status (may be NULL). 0, or -1 on a database error. */
/* What a notice about a ticket threads to (outbox_thread, migration 0032). */
typedef struct {
	char *ticket_id;        /* NULL: the row is about no ticket */
	char *ticket_number;
	char *support_email;    /* the routing organization's, NULL when none */
	bool recipient_is_staff;
	char **previous;        /* earlier outbox ids to the same address, oldest first */
	size_t n_previous;
} db_outbox_thread;

/* 0 (out filled, every field NULL/0 when the row is about no ticket), or -1
 * on a database error. */
int db_outbox_thread_load(db_outbox *o, arena *a, const char *id, db_outbox_thread *out);

/* Deletes sent and failed rows past outbox_retention_days: how many, or -1. */
long db_outbox_purge(db_outbox *o);
int db_outbox_mark_failed(db_outbox *o, const char *id, const char *error, bool permanent,
    char *status, size_t status_len);


/* ---- webhook deliveries (migration 0034): the same queue shape, the same
 * connection and NOTIFY, their own table ---- */
typedef struct {
	char *id;
	char *event;
	char *body;           /* the payload, sent as stored */
	char *url;
	char *secret_sealed;  /* crypto_open_text(WEBHOOK_SEAL_CONTEXT) */
	bool allow_internal;
	bool is_active;       /* false: the webhook was switched off since */
	int attempts;
} db_hook_row;

/* webhook_claim(1, lease): 1 with *row in the arena, 0 none due, -1. */
int db_outbox_hook_claim(db_outbox *o, arena *a, int lease_s, db_hook_row *row);
/* webhook_mark_delivered. 0 or -1. */
int db_outbox_hook_delivered(db_outbox *o, const char *id, int code);
/* webhook_mark_failed: status gets "pending" or "failed" ("" when the row
 * was no longer ours), *retry_in_s the delay of the next attempt (0 none).
 * 0 or -1. */
int db_outbox_hook_failed(db_outbox *o, const char *id, int code, const char *error, bool permanent, char *status,
    size_t status_len, double *retry_in_s);
/* webhook_purge(): how many, or -1. */
long db_outbox_hook_purge(db_outbox *o);

#endif
