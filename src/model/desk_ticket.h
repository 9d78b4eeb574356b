/* desk_ticket.h: a ticket as its staff see it in the workspace
 * (/desk/tickets/{number}) and what they do with it: reply, note, update,
 * merge, mention, canned responses. Row-level security decides what the
 * acting user may see; a ticket they do not work (even one they requested)
 * is not found. */
#ifndef SD_MODEL_DESK_TICKET_H
#define SD_MODEL_DESK_TICKET_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"
#include "model/ticket.h"
#include "model/time_entry.h"

typedef struct {
	const char *id, *number, *title, *description, *status, *priority, *routing_type, *source;
	const char *org_id;        /* the organization working it (the platform's for internal routing) */
	const char *org_name;
	const char *assignee_id, *assignee_name;
	const char *team_id, *team_name;
	const char *category_id, *category_name;
	const char *request_type_id, *request_type_name;
	const char *tags;          /* "a, b, c" */
	const char *merged_into;   /* a number, or NULL */
	int version;
	long long created, last_activity;           /* unix seconds */
	long long first_response_due, resolution_due; /* 0: no SLA */
	long long first_response_at, resolved_at, paused_at; /* 0: not yet / not paused */
	int warning_percent;       /* of the SLA policy, 75 without one */
	int first_response_minutes, resolution_minutes; /* the policy's targets, 0 without one */
	/* requester */
	const char *requester_id, *requester_name, *requester_email, *requester_language, *requester_channels;
} desk_ticket;

/* 1 found (and the acting user works it), 0 not, -1 database failure. */
int desk_ticket_find(db_tx *tx, const char *number, desk_ticket *out);

typedef struct {
	const char *id, *type, *body, *author_name;
	bool internal, by_requester, by_system;
	long long created;
	ticket_attachment *attachments;
	size_t nattachments;
} desk_message;

typedef struct {
	const char *number, *title, *status;
	int rating;               /* 0 when not rated */
	const char *comment;
	long long when;           /* last activity, or the rating's time */
} desk_other_ticket;


typedef struct {
	const char *key, *label, *type;
	const char *value;        /* raw (custom_fields ->> key), NULL when unset */
	const char *shown;        /* what to display: option label, event name, "Yes"/"No" */
	const char *options_json; /* dropdown_static: [{"value","label","selected"}] */
	const char *option_values; /* dropdown_static: the values, one per line */
	long max_length;          /* validation_rules.max_length, 0 when none */
} desk_field;

/* The custom fields of the ticket's request type shown on the backend to
 * role ("agent" or "admin"), in the form's order. */
int desk_ticket_fields(db_tx *tx, const char *ticket_id, const char *role, desk_field **out, size_t *n);
/* The same for a request type (NULL or "": none) with the values of the
 * JSON object values_json (a ticket template's custom fields). */
int desk_type_fields(db_tx *tx, const char *request_type_id, const char *role, const char *values_json,
    desk_field **out, size_t *n);

typedef struct {
	const char *type, *description, *field, *old_value, *new_value, *actor;
	long long when;
} desk_activity;

typedef struct {
	const char *from_name, *to_name, *team_name, *by_name, *reason;
	long long when;
} desk_assignment;


typedef struct {
	const char *id, *label;
} desk_choice;


/* How many audit rows the workspace shows. */
#define DESK_ACTIVITY_SHOWN 50

/* Everything the workspace shows besides the ticket itself. */
typedef struct {
	ticket_attachment *attachments; /* the submission's own */
	size_t nattachments;
	desk_message *messages;  /* the whole conversation, notes included, oldest first (at most 1000) */
	size_t nmessages;
	desk_other_ticket *others, *rated; /* the requester's other tickets the acting user may
	                                    * see (newest first, at most 10), and their rated ones
	                                    * (feedback history, at most 10) */
	size_t nothers, nrated;
	desk_field *fields;      /* desk_ticket_fields() */
	size_t nfields;
	desk_activity *activity; /* the last DESK_ACTIVITY_SHOWN audit rows */
	size_t nactivity;
	desk_activity *changes;  /* audit rows after changes_since_us (at most 20) */
	size_t nchanges;
	desk_assignment *assignments; /* newest first, at most 50 */
	size_t nassignments;
	/* What the update form offers: the staff the ticket may be given to,
	 * the teams of its organization, the categories and request types it
	 * may take (global or its organization's, active). At most 200 each. */
	desk_choice *staff, *teams, *cats, *types;
	size_t nstaff, nteams, ncats, ntypes;
	const char *me;          /* desk_me_name() */
	ticket_time time;        /* the Time panel and the compose box's rule */
} desk_workspace;

/* Loads it in one round trip; role as for desk_ticket_fields();
 * changes_since_us > 0 also loads the changes since then (a stale post).
 * 0 or -1. */
int desk_ticket_workspace(db_tx *tx, const desk_ticket *t, const char *role, long long changes_since_us,
    desk_workspace *w);

/* ---- actions ----
 * Each answers the SQL function's status, or NULL on a database failure. */

/* desk_ticket_post(): a reply (internal false; next_status may be NULL) or a
 * note, checked against version (< 0: not checked). *message_id and
 * *new_version are set on "ok" and "duplicate". */
const char *desk_ticket_post(db_tx *tx, const char *ticket_id, int version, const char *body, bool internal,
    const char *refs_json, const char *next_status, const char *idempotency_key, const char **message_id,
    int *new_version);

typedef struct {
	const char *status, *priority;
	const char *assignee_id;    /* NULL: unassigned */
	const char *team_id, *category_id, *request_type_id; /* NULL: none */
	const char *tags_csv;       /* normalised tags joined by ",", "" for none */
	const char *custom_json;    /* {"key": "value", ...} to merge into custom_fields; "{}" for none */
} desk_update;

/* Which of the update's references are refused: an assignee who is not
 * active staff of the ticket's organization, a team of another
 * organization, a category or request type it may not take. 0 or -1. */
int desk_update_check(db_tx *tx, const desk_ticket *t, const desk_update *u, bool *assignee_ok, bool *team_ok,
    bool *category_ok, bool *type_ok);

/* The update in one statement, only when the ticket is still at version:
 * "ok" (*new_version set) or "stale" (someone changed it first; nothing
 * written). Each change is audited by the triggers, with the actor. */
const char *desk_ticket_update(db_tx *tx, const char *ticket_id, int version, const desk_update *u,
    int *new_version);

/* Merges the ticket into the one numbered target (desk_ticket_merge()). */
const char *desk_ticket_merge(db_tx *tx, const char *ticket_id, const char *target);

/* Notifies the colleagues whose addresses are listed (comma-separated,
 * already checked to be plain addresses) of a mention on the ticket:
 * only active staff of its organization (ticket_mention_notify() decides);
 * anyone else is silently ignored. *notified counts them. 0 or -1. */
int desk_mentions_notify(db_tx *tx, const char *ticket_id, const char *emails_csv, int *notified);

typedef struct {
	const char *id, *shortcut, *content;
} desk_canned;

/* The active canned responses of the listed shortcuts (comma-separated,
 * without '/'), the organization's own before global ones, visible to the
 * acting user and, when kept to a team, of a team they are in (admins of
 * the organization get all); org_id the ticket's organization. */
int desk_canned_lookup(db_tx *tx, const char *org_id, const char *shortcuts_csv, desk_canned **out, size_t *n);
/* Records a use (usage_count, last_used_at). 0 or -1. */
int desk_canned_use(db_tx *tx, const char *id);
/* JSON [{"shortcut","title","content"}] of at most 10 canned responses
 * whose shortcut starts with prefix (by shortcut) that the acting user is
 * offered on a ticket of org_id (NULL: of any of their organizations), as
 * desk_canned_lookup() expands them. NULL on a database failure. */
const char *desk_canned_search_json(db_tx *tx, const char *org_id, const char *prefix);

/* The acting user's name (or the local part of their address) as the
 * workspace shows it; "" when unknown, NULL on a database failure. */
const char *desk_me_name(db_tx *tx);

#endif
