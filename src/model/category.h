/* category.h: an organization's ticket categories (seed 002) as its admins
 * edit them; row-level security is the guard. Global categories
 * (organization_id NULL) are the platform's and are not edited here. */
#ifndef SD_MODEL_CATEGORY_H
#define SD_MODEL_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define CATEGORY_NAME_MAX_CHARS 100
#define CATEGORY_SLUG_MAX_CHARS 100
#define CATEGORY_DESCRIPTION_MAX_CHARS 500
#define CATEGORY_ICON_MAX_CHARS 50

typedef struct {
	const char *id;
	const char *name;
	const char *slug;
	const char *description; /* "" when none */
	const char *color;       /* "#RRGGBB" or "" */
	const char *icon;        /* "" when none */
	bool is_active;
	long sort_order;
	long tickets;            /* tickets naming it, capped: see category_list */
} category;

/* The organization's categories in their order (sort_order, name); at most
 * max. tickets counts at most 1000 per category (the page says "1000+"). */
int category_list(db_tx *tx, const char *org_id, int max, category **out, size_t *n);
/* 1 found, 0 not (another organization's, unknown, not a uuid), -1. */
int category_get(db_tx *tx, const char *org_id, const char *id, category *out);

/* What a form may file under: the organization's active categories and
 * the platform's (global) active ones, in their order; at most max. Only
 * id and name are set. 0 or -1. */
int category_options(db_tx *tx, const char *org_id, int max, category **out, size_t *n);

/* Fields of a create or an update (id ignored on create). */
typedef struct {
	const char *name, *slug, *description, *color, *icon;
	bool is_active;
} category_input;

/* 1 created (*id set; last in the order), 0 the slug is taken in the
 * organization, -1 failure. */
int category_create(db_tx *tx, const char *org_id, const category_input *in, const char **id);
/* 1 saved, 0 the slug is taken by another category, -1; *found false when
 * no such category may be changed. */
int category_update(db_tx *tx, const char *org_id, const char *id, const category_input *in, bool *found);
/* Moves it one place up (up true) or down in the order, renumbering the
 * organization's categories 10, 20, ... 1 moved, 0 already first or last
 * or no such category, -1. */
int category_move(db_tx *tx, const char *org_id, const char *id, bool up);

/* Deletes it, or deactivates it when tickets name it: 1 deleted, 2
 * deactivated, 0 no such category of the organization, -1 (the
 * admin_remove_fn convention of the admin pages). */
int category_remove(db_tx *tx, const char *org_id, const char *id);

#endif
