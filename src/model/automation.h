/* automation.h: an organization's triggers, time rules and macros (0037) as
 * its admins edit them and its agents apply macros. Conditions and actions
 * travel as JSON arrays ([{"field", "op", "value"}], [{"type", "value",
 * "role"}]) with teams, categories and request types by name and people by
 * address; the database resolves them to ids and back. Row-level security
 * is the guard. */
#ifndef SD_MODEL_AUTOMATION_H
#define SD_MODEL_AUTOMATION_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

typedef enum { AUTO_TRIGGER, AUTO_TIME, AUTO_MACRO } automation_kind;

#define AUTOMATION_NAME_MAX_CHARS 200
#define AUTOMATION_REPLY_MAX_BYTES 65536
#define AUTOMATION_MINUTES_MAX 525600

typedef struct {
	const char *id, *name;
	int position;
	bool is_active, match_all;
	const char *events;        /* "created,message" (triggers) */
	const char *time_event;    /* created | customer_reply | status_change | sla_due (time rules) */
	long minutes;
	const char *reply;         /* macros */
	bool personal;             /* macros: the user's own */
	long usage_count;
	const char *conditions;    /* JSON, names for ids */
	const char *actions;       /* JSON, names for ids */
	const char *problems;      /* what it names that no longer exists, one per line; "" */
} automation_rule;

typedef struct {
	const char *name;
	bool is_active, match_all, personal;
	const char *events_json;   /* ["created", ...] */
	const char *time_event;
	long minutes;
	const char *reply;
	const char *conditions;    /* JSON array */
	const char *actions;       /* JSON array */
} automation_input;

typedef enum {
	AUTOMATION_SAVED,
	AUTOMATION_NOT_FOUND,
	AUTOMATION_UNRESOLVED,     /* *bad: the names not found */
	AUTOMATION_INVALID,
} automation_outcome;

/* The kind's rules of the organization, in order (at most 500). 0 or -1. */
int automation_list(db_tx *tx, automation_kind kind, const char *org_id, automation_rule **out, size_t *n);
/* 1 found, 0 not, -1. */
int automation_get(db_tx *tx, automation_kind kind, const char *org_id, const char *id, automation_rule *out);
/* Creates (id NULL) or updates one. 0 with *out (and *new_id, *bad), or -1. */
int automation_save(db_tx *tx, automation_kind kind, const char *org_id, const char *id, const automation_input *in,
    automation_outcome *out, const char **new_id, const char **bad);
/* op: delete, activate, deactivate, up, down. 1 done, 0 not found, -1. */
int automation_op(db_tx *tx, automation_kind kind, const char *org_id, const char *id, const char *op);

/* ---- macros in the desk ---- */

/* Applies macro_id to the ticket as the acting agent: "ok", "not_found"
 * (the ticket), "no_macro", "reply_failed"; NULL on a database failure. */
const char *macro_apply(db_tx *tx, const char *macro_id, const char *ticket_id);

typedef struct {
	const char *id, *name;
} macro_option;
/* The active macros the acting user may apply (shared ones of their
 * organizations and their own; org_id NULL: of every organization), by
 * name, at most max. 0 or -1. */
int macro_options(db_tx *tx, const char *org_id, int max, macro_option **out, size_t *n);

typedef struct {
	const char *name;
	const char *actions;       /* JSON, names for ids */
	const char *reply;         /* placeholders filled in; "" when none */
} macro_preview;
/* 1 with *out, 0 when the user may not apply it to the ticket, -1. */
int macro_preview_get(db_tx *tx, const char *macro_id, const char *ticket_id, macro_preview *out);

#endif
