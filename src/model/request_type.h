/* request_type.h: an organization's request types (seed 000
 * support_request_types) as its admins shape them, the categories they may
 * name, and the fields that apply to one. Row-level security is the guard;
 * every statement names the organization too. */
#ifndef SD_MODEL_REQUEST_TYPE_H
#define SD_MODEL_REQUEST_TYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define REQUEST_TYPE_NAME_MAX_CHARS 200
#define REQUEST_TYPE_DESCRIPTION_MAX_CHARS 2000

/* The roles of allowed_roles and of visibility rules, in display order. */
#define REQUEST_ROLES 4
extern const char *const request_roles[REQUEST_ROLES];

typedef struct {
	const char *id;
	const char *name;
	const char *description;     /* "" when none */
	const char *category_id;     /* "" when none */
	const char *category_name;   /* "" when none */
	const char *routing;         /* internal | organization | hybrid */
	const char *priority;        /* low | normal | high | urgent */
	bool roles[REQUEST_ROLES];   /* allowed_roles, by request_roles */
	bool requires_event;
	bool is_active;
	long sort_order;
} request_type;

/* The organization's types in the public form's order; at most max. 0/-1. */
int request_type_list(db_tx *tx, const char *org_id, int max, request_type **out, size_t *n);
/* 1 found, 0 not the organization's (or not a uuid), -1 failure. */
int request_type_get(db_tx *tx, const char *org_id, const char *id, request_type *out);

/* Creates (id NULL) or saves the type from in's fields (not id, is_active
 * on create: a new type is active, last in the order). 1 done (*new_id
 * set on create), 0 another type of the organization has the name, 2 no
 * such type (update), -1 failure. */
int request_type_save(db_tx *tx, const char *org_id, const char *id, const request_type *in, const char **new_id);
/* One place up or down: 1 moved, 0 already first or last, 2 no such type, -1. */
int request_type_move(db_tx *tx, const char *org_id, const char *id, bool up);
/* Deleted when nothing uses it, else deactivated: 1 deleted, 2
 * deactivated, 0 no such type, -1 failure. */
int request_type_remove(db_tx *tx, const char *org_id, const char *id);

typedef struct {
	const char *id;
	const char *name;
} category_choice;
/* The categories a type of the organization may name (its own and the
 * global ones, active), at most max. 0 or -1. */
int request_type_categories(db_tx *tx, const char *org_id, int max, category_choice **out, size_t *n);

#endif
