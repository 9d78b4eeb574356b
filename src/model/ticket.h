/* ticket.h: tickets as the acting user sees them (row-level security
 * decides; a ticket they may not see does not exist), and what a customer
 * does with their own: the portal's list, a ticket's page, reply, close,
 * reopen, rate, and guest access by email and number. */
#ifndef SD_TICKET_H
#define SD_TICKET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "db/tx.h"

typedef struct {
	const char *id;
	const char *file_name;
	const char *content_type;
	long long size;
} ticket_attachment;

/* The files of a ticket's submission (not of a message): id, file_name,
 * content_type, size_bytes, oldest first, for ticket_attachment_from. One
 * parameter: the ticket's id. */
extern const db_stmt ticket_submission_attachments;
/* Reads row of a result with those four columns first. */
void ticket_attachment_from(arena *a, db_result *res, int row, ticket_attachment *out);

typedef struct {
	const char *id;
	const char *number;
	const char *title;
	const char *description;
	const char *status;
	const char *priority;
	const char *created_at;   /* "YYYY-MM-DD HH:MI UTC" */
	const char *request_type;
	const char *requester_id;
	long long created;        /* unix seconds */
	long long last_activity;  /* unix seconds */
	int rating;               /* 1-5, 0 when not rated */
	const char *rating_comment;
	bool reopen_allowed;      /* resolved or closed, within reopen_window_days */
	int reopen_window_days;
	const char *desk_name;    /* the organization working it (platform for internal routing) */
	ticket_attachment *attachments; /* the submission's own (not a message's) */
	size_t nattachments;
} ticket_view;

/* Whether n has the shape of a ticket number ({PREFIX}-{YYYY}-{MM}-{NNNNN},
 * upper case): anything else is answered without a query. */
bool ticket_number_plausible(str n);
/* Whether p may start ticket numbers (organization_settings.ticket_prefix,
 * ticket_number_counters.prefix in 0002 and 0003): ^[A-Z][A-Z0-9]{1,9}$. */
bool ticket_prefix_valid(const char *p);

/* 1 found, 0 not visible or unknown, -1 database failure. */
int ticket_find_by_number(db_tx *tx, const char *number, ticket_view *out);
/* The same, only when the acting user is the ticket's requester (staff who
 * may see it otherwise get 0, as everybody else): what the portal shows. */
int ticket_find_mine(db_tx *tx, const char *number, ticket_view *out);

/* ---- the portal's list: the acting user's own tickets ---- */

/* The tabs of GET /my/tickets?status=: each an allow-listed set of statuses. */
enum ticket_tab {
	TICKET_TAB_OPEN,      /* "open": new, open, in_progress, waiting_customer, waiting_internal */
	TICKET_TAB_WAITING,   /* "waiting": waiting_customer */
	TICKET_TAB_RESOLVED,  /* "resolved": resolved, closed, cancelled */
	TICKET_TAB_ALL,       /* "all" */
	TICKET_TAB__MAX
};
/* The tab's name in URLs, and back (-1 for an unknown name). */
const char *ticket_tab_name(enum ticket_tab tab);
int ticket_tab_from_name(str name);

/* A position in the list: (last_activity_at, id), what keyset pagination
 * continues after. */
typedef struct {
	long long activity_us;    /* microseconds since the epoch */
	char id[37];
} ticket_cursor;
/* The opaque after= value of a position (32 base64url characters), and
 * back: false for anything that is not one. */
char *ticket_cursor_encode(arena *a, const ticket_cursor *c);
bool ticket_cursor_decode(str s, ticket_cursor *out);

typedef struct {
	const char *number;
	const char *title;
	const char *status;
	long long last_activity;  /* unix seconds */
	ticket_cursor pos;
} ticket_row;

typedef struct {
	ticket_row *rows;
	size_t n;
	bool more;                /* another page follows rows[n - 1].pos */
} ticket_page;

/* Up to limit of the acting user's tickets in tab, by last activity (newest
 * first, id as tiebreak), after *after when not NULL; q (NULL: every
 * ticket) matches the number, or every word as a prefix in the title, the
 * description or a public message (never an internal note). And how many
 * of their tickets each tab holds (matching q), exact. One round trip to
 * PostgreSQL. 0 or -1. */
int ticket_list_and_count_mine(db_tx *tx, enum ticket_tab tab, const char *q, const ticket_cursor *after,
    int limit, ticket_page *out, long counts[TICKET_TAB__MAX]);

/* ---- a ticket's page ---- */

typedef struct {
	const char *id;
	const char *type;         /* message_type: reply, status_change, system, ... */
	const char *body;
	long long created;        /* unix seconds */
	bool by_requester;
	bool by_system;           /* no author */
	const char *author_name;  /* a staff author's name (never an address); NULL when unknown */
	ticket_attachment *attachments;
	size_t nattachments;
} ticket_message;

/* The public conversation of ticket_id, oldest first (internal notes never,
 * whoever asks), each message with its attachments; at most 1000 messages.
 * 0 or -1. */
int ticket_messages_public(db_tx *tx, const char *ticket_id, ticket_message **out, size_t *n);

typedef struct {
	const char *key;
	const char *label;
	const char *type;         /* field_type */
	const char *value;        /* option label, event name, file names; "true"/"false" for a checkbox */
} ticket_field;

/* The ticket's custom fields its requester may see (frontend visibility),
 * in the form's order. 0 or -1. */
int ticket_fields_frontend(db_tx *tx, const char *ticket_id, ticket_field **out, size_t *n);

/* ---- a customer's actions on their own ticket ----
 * Each answers the SQL function's status ("ok", "not_found",
 * "invalid_state", ...; see sql/README.md), or NULL when the database
 * failed (db_tx_status says how). */

/* A public reply with the attachments already stored as blobs
 * (attachment_refs_json), once per idempotency key (the form's token, or
 * NULL): the same key again answers "duplicate" and makes no message.
 * *message_id is set on "ok" and "duplicate". */
const char *ticket_reply_mine(db_tx *tx, const char *ticket_id, const char *body, const char *refs_json,
    const char *idempotency_key, const char **message_id);
const char *ticket_close_mine(db_tx *tx, const char *ticket_id);
const char *ticket_reopen_mine(db_tx *tx, const char *ticket_id);
const char *ticket_rate_mine(db_tx *tx, const char *ticket_id, int rating, const char *comment);

/* ---- guest access ---- */

typedef struct {
	const char *ticket_id;
	const char *number;
	const char *user_id;
	const char *email;        /* as stored */
	const char *name;         /* may be NULL */
} ticket_track_match;

/* Whether ticket `number` was requested by an active account with address
 * `email` (any case); records the attempt either way (the same statements
 * for a match and a mismatch). 1 matched (out filled), 0 not, -1 database
 * failure. */
int ticket_track_request(db_tx *tx, const char *email, const char *number, const char *ip,
    ticket_track_match *out);

#endif
