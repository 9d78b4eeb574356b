/* workflow.h: an organization's workflows (seed 004), their stages and
 * stage hooks as the admin page shapes them; a ticket's stage and its move;
 * the versioned history (ticket_history). Row-level security is the guard
 * (sql/migrations/0036_workflows.sql); every statement also names the
 * organization or the ticket, so an id from elsewhere finds nothing. */
#ifndef SD_MODEL_WORKFLOW_H
#define SD_MODEL_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define WORKFLOW_NAME_MAX_CHARS 200
#define WORKFLOW_DESCRIPTION_MAX_CHARS 2000
#define WORKFLOW_MESSAGE_MAX_CHARS 2000

typedef struct {
	const char *id;
	const char *name;
	const char *description; /* "" when none */
	bool is_active;
	long stages;
} workflow;

/* The stage kinds the admin page offers: "start", "step", "end", "other". */
typedef struct {
	const char *id;
	const char *name;
	const char *description; /* "" when none */
	const char *kind;
	const char *next_id;     /* NULL when none */
	const char *prev_id;
	long hooks;
} workflow_stage;

typedef struct {
	const char *id;
	const char *stage_id;
	const char *target_type;   /* specific_user, role, ticket_creator, org_admins */
	const char *target_user_id; /* NULL unless specific_user */
	const char *target_label;  /* the user's name or address, the role, or "" */
	const char *target_role;   /* NULL unless role */
	const char *message;
	bool is_active;
} workflow_hook;

typedef struct {
	const char *stage_id;
	long tickets, open;
	long avg_seconds;          /* -1: no open ticket */
	long long refreshed_at;    /* epoch seconds; 0 when never */
} workflow_stage_stat;

int workflow_list(db_tx *tx, const char *org_id, int max, workflow **out, size_t *n);
/* 1 found, 0 not, -1 failure. */
int workflow_get(db_tx *tx, const char *org_id, const char *id, workflow *out);
/* 1 created (*id), 0 the name is taken, -1. */
int workflow_create(db_tx *tx, const char *org_id, const char *name, const char *description, const char **id);
/* 1 saved, 0 name taken, -1; *found false when not found. */
int workflow_update(db_tx *tx, const char *org_id, const char *id, const char *name, const char *description,
    bool active, bool *found);
/* The organization's active workflows (for the request type's select). */
int workflow_choices(db_tx *tx, const char *org_id, workflow **out, size_t *n);

/* A request type's workflow: *workflow_id NULL when it names none. 0, -1. */
int workflow_of_request_type(db_tx *tx, const char *org_id, const char *type_id, const char **workflow_id);
/* Names the workflow ("" or NULL: none) of the organization's request
 * type. 1 done, 0 the workflow is not the organization's active one, -1. */
int workflow_set_request_type(db_tx *tx, const char *org_id, const char *type_id, const char *workflow_id);

/* The stages in order: start, the steps, end, then other. */
int workflow_stages(db_tx *tx, const char *workflow_id, workflow_stage **out, size_t *n);
/* 1 added, 0 the workflow has a stage of that kind already, -1. */
int workflow_stage_add(db_tx *tx, const char *org_id, const char *workflow_id, const char *name,
    const char *description, const char *kind);
/* 1 saved, 0 not found, -1. */
int workflow_stage_update(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id,
    const char *name, const char *description);
/* One place earlier (up) or later among the steps. 1 moved or already
 * first/last, 0 not found, -1. */
int workflow_stage_move(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id, bool up);
/* 1 removed, 0 not found, 2 tickets are on it, -1. */
int workflow_stage_remove(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id);

int workflow_hooks(db_tx *tx, const char *workflow_id, workflow_hook **out, size_t *n);
/* 1 saved, 0 the stage (or the hook, for an update) or the target user is
 * not found, -1. hook_id NULL adds one. */
int workflow_hook_save(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id,
    const char *hook_id, const char *target_type, const char *target_user_id, const char *target_role,
    const char *message, bool active);
int workflow_hook_remove(db_tx *tx, const char *org_id, const char *workflow_id, const char *hook_id);

/* The organization's active members as hook targets. */
typedef struct {
	const char *user_id;
	const char *label;
} workflow_person;
int workflow_people(db_tx *tx, const char *org_id, int max, workflow_person **out, size_t *n);

/* From workflow_stage_stats (through its definer function). */
int workflow_stats(db_tx *tx, const char *workflow_id, workflow_stage_stat **out, size_t *n);

/* The stages of the active workflows the acting user sees (the queue's
 * stage filter), "Workflow: Stage", at most 200. */
typedef struct {
	const char *id;
	const char *label;
} workflow_stage_option;
int workflow_stage_options(db_tx *tx, workflow_stage_option **out, size_t *n);

/* ---- a ticket's stage ---- */
typedef struct {
	const char *workflow_name; /* NULL: the ticket follows no workflow */
	const char *stage_id;      /* NULL: on no stage */
	workflow_stage *stages;
	size_t nstages;
} ticket_stage;

int ticket_stage_get(db_tx *tx, const char *ticket_id, ticket_stage *out);
/* "moved", "unchanged", "conflict" (version is not the ticket's),
 * "invalid" (not a stage of its workflow), or NULL on failure. */
const char *ticket_stage_move(db_tx *tx, const char *ticket_id, int version, const char *stage_id);

/* ---- the history ---- */
typedef struct {
	const char *id;
	long long changed_at;
	const char *changed_by;  /* a name, or "" for the system */
	const char *changes_json;
	const char *title;
	const char *priority;
	const char *assignee;    /* a name or address, "" when unassigned */
	const char *stage;       /* "" when none */
} ticket_history_entry;

/* Newest first, at most max. */
int ticket_history_list(db_tx *tx, const char *ticket_id, int max, ticket_history_entry **out, size_t *n);
/* The ticket as it was at one entry, with its description then. 1, 0, -1. */
int ticket_history_at(db_tx *tx, const char *ticket_id, const char *history_id, ticket_history_entry *out,
    const char **description);

#endif
