/* queue.h: the support desk's queues (GET /desk) and what bulk actions and
 * the spam view do to the tickets listed there. Row-level security decides
 * which tickets exist for the acting user; the scope below only narrows
 * the desk to the tickets routed to the agent's organizations (an agent
 * who also requested a ticket as a customer does not see it here). */
#ifndef SD_MODEL_QUEUE_H
#define SD_MODEL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "db/tx.h"

enum queue_kind {
	QUEUE_MINE,        /* "mine": active, assigned to the acting user */
	QUEUE_UNASSIGNED,  /* "unassigned": active, nobody assigned */
	QUEUE_OPEN,        /* "open": every active ticket (new .. waiting_internal) */
	QUEUE_WAITING,     /* "waiting": waiting_customer or waiting_internal */
	QUEUE_SLA,         /* "sla": a running clock at risk or breached (desk_sla_state) */
	QUEUE_RESOLVED,    /* "resolved": resolved, closed or cancelled */
	QUEUE_SPAM,        /* "spam": is_spam, any status (every other queue leaves spam out) */
	QUEUE__MAX
};
/* The queue's name in URLs, and back (-1 for an unknown name). */
const char *queue_kind_name(enum queue_kind k);
int queue_kind_from_name(str name);

enum queue_sort {
	QUEUE_SORT_UPDATED,  /* "updated": last activity (default: newest first) */
	QUEUE_SORT_CREATED,  /* "created" (default: newest first) */
	QUEUE_SORT_PRIORITY, /* "priority": urgent first by default, then last activity */
	QUEUE_SORT_DUE,      /* "due": the next SLA due time, soonest first by default; none last */
	QUEUE_SORT__MAX
};
const char *queue_sort_name(enum queue_sort s);
int queue_sort_from_name(str name);
/* The direction a sort takes when none is asked for. */
bool queue_sort_default_asc(enum queue_sort s);

/* Which organizations' tickets the desk shows. */
typedef struct {
	bool all;            /* platform staff without an organization filter: every ticket */
	const char *org;     /* an organization id: only tickets routed to it; NULL with all false: the
	                        acting user's staff organizations */
} queue_scope;


enum queue_assignee { QUEUE_ASSIGNEE_ANY, QUEUE_ASSIGNEE_NONE, QUEUE_ASSIGNEE_USER };

typedef struct {
	queue_scope scope;
	enum queue_kind queue;
	const char *status;        /* a tickets.status value, or NULL */
	const char *priority;      /* a tickets.priority value, or NULL */
	enum queue_assignee assignee;
	const char *assignee_id;   /* with QUEUE_ASSIGNEE_USER */
	const char *team;          /* uuid or NULL */
	const char *category;      /* uuid or NULL */
	const char *type;          /* request type uuid or NULL */
	const char *tag;           /* an exact tag or NULL */
	const char *stage;         /* workflows: a workflow stage uuid or NULL */
	const char *q;             /* search: number, requester email or words; NULL */
	const char *requester;     /* the API's customer tickets: an exact requester address, or NULL */
	enum queue_sort sort;
	bool asc;
} queue_filter;

/* Where a page ended, for the next one: the sort key(s) and the id. */
typedef struct {
	unsigned char sort;        /* enum queue_sort */
	bool asc;
	long long k1, k2;          /* microseconds, or a priority rank then microseconds */
	char id[37];
} queue_cursor;
/* The opaque after= value (base64url), and back: false for anything that
 * is not one. */
char *queue_cursor_encode(arena *a, const queue_cursor *c);
bool queue_cursor_decode(str s, queue_cursor *out);

typedef struct {
	const char *id;
	const char *number;
	const char *title;
	const char *status;
	const char *priority;
	const char *requester;     /* name, else email */
	const char *assignee_id;   /* NULL when unassigned */
	const char *assignee;      /* name (email when nameless); NULL when unassigned */
	const char *team;          /* NULL when none */
	const char *org;           /* the routing organization's name (NULL: internal) */
	const char *sla;           /* desk_sla_state(): breached, at_risk, ok, paused or NULL */
	long long sla_due;         /* unix seconds of the clock that state is about; 0 when none */
	long long updated;         /* unix seconds of the last activity */
	bool is_spam;
	queue_cursor pos;
} queue_row;

typedef struct {
	queue_row *rows;
	size_t n;
	bool more;                 /* another page follows rows[n - 1].pos */
} queue_page;

/* What a queue page does first, in one round trip: every statement of the
 * transaction is planned for its own parameters (a generic plan of "param
 * IS NULL OR ..." filters reads far more than it needs), and an agent of
 * exactly one organization gets it as scope->org (the same tickets, one
 * index range in the queue's order). With scope->org given it does
 * nothing: queue_list() and queue_counts() set the planning their own
 * statements need in their own round trips, and leave the transaction
 * planning per call. 0, or -1 on a database failure. */
int queue_begin(db_tx *tx, queue_scope *scope);

/* Up to limit tickets of the filter's queue, in its sort, after *after
 * (NULL: the first page). A cursor of another sort or direction is the
 * caller's to refuse. 0 or -1. */
int queue_list(db_tx *tx, const queue_filter *f, const queue_cursor *after, int limit, queue_page *out);

/* The number of tickets in each queue of the scope (no other filter).
 * exact[k] says counts[k] is the whole count (one organization's queues but
 * the SLA one, kept by a trigger, 0045); the others are counted up to cap
 * (so at most cap index entries per queue) and may be more when they reach
 * it. 0 or -1. */
int queue_counts(db_tx *tx, const queue_scope *scope, long cap, long counts[QUEUE__MAX], bool exact[QUEUE__MAX]);

/* What the filter selects offer. */
typedef struct {
	const char *id;
	const char *name;
} queue_option;

typedef struct {
	queue_option *teams, *categories, *types, *agents, *orgs;
	size_t nteams, ncategories, ntypes, nagents, norgs;
} queue_options;

/* The scope's active teams, categories and request types (global ones
 * too), the active staff who may be assigned (at most 500), and the
 * organizations the acting user works for (every active one for platform
 * staff; at most 500). 0 or -1. */
int queue_options_get(db_tx *tx, const queue_scope *scope, queue_options *out);

/* ---- bulk actions and the spam view ----
 * Each applies to one ticket by number, under row-level security, and
 * answers:
 *   "ok"         changed;
 *   "unchanged"  it was so already;
 *   "not_found"  unknown, not visible, or not the acting user's to change
 *                (one answer);
 *   "invalid"    the value does not apply to it (an assignee who is not
 *                active staff of its organization; "not spam" of a ticket
 *                that is not spam);
 *   NULL         the database failed (db_tx_status says how). */
enum queue_action {
	QUEUE_ACTION_ASSIGN,   /* value: a user id, or NULL to unassign */
	QUEUE_ACTION_STATUS,   /* value: a tickets.status value */
	QUEUE_ACTION_PRIORITY, /* value: a tickets.priority value */
	QUEUE_ACTION_TAG,      /* value: a tag to add, or "-tag" to remove */
	QUEUE_ACTION_SPAM,     /* mark as spam */
	QUEUE_ACTION_NOT_SPAM, /* back to its queue */
	QUEUE_ACTION_DELETE,   /* delete a spam ticket (desk_spam_delete) */
	QUEUE_ACTION_MACRO,    /* automation (0037): value: a macro id (macro_apply) */
	QUEUE_ACTION__MAX
};
const char *queue_action_name(enum queue_action a);
int queue_action_from_name(str name);

const char *queue_apply(db_tx *tx, const char *number, enum queue_action action, const char *value);

#endif
