/* canned.h: an organization's canned responses (seed 002) as its admins
 * edit them: the replies agents insert by typing /shortcut in the
 * workspace (desk_ticket.c). Row-level security is the guard. */
#ifndef SD_MODEL_CANNED_H
#define SD_MODEL_CANNED_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define CANNED_TITLE_MAX_CHARS 200
/* The workspace reads a /shortcut token of at most 48 characters. */
#define CANNED_SHORTCUT_MAX_CHARS 48
#define CANNED_CONTENT_MAX_BYTES 65536
#define CANNED_TAGS_MAX 20
#define CANNED_TAG_MAX_CHARS 50

typedef struct {
	const char *id;
	const char *title;
	const char *shortcut;      /* without the '/'; "" when none */
	const char *content;
	const char *category_id;   /* "" when none */
	const char *category_name;
	const char *tags;          /* "a, b" */
	bool is_public;
	bool is_active;
	const char *team_id;       /* "" when for every team */
	const char *team_name;
	const char *author;        /* name or address; "" when unknown */
	long usage_count;
} canned;

/* The organization's canned responses by title, after the one with id
 * after (NULL: from the first); at most max. 0 or -1. */
int canned_list(db_tx *tx, const char *org_id, const char *after, int max, canned **out, size_t *n);
/* 1 found, 0 not (another organization's, unknown, not a uuid), -1. */
int canned_get(db_tx *tx, const char *org_id, const char *id, canned *out);

typedef struct {
	const char *title, *shortcut, *content, *category_id, *team_id;
	const char *tags_csv;      /* checked tags joined by ',' ("" none) */
	bool is_public, is_active;
} canned_input;

typedef enum {
	CANNED_SAVED,
	CANNED_SHORTCUT_TAKEN,
	CANNED_BAD_CATEGORY,       /* not one the organization may use */
	CANNED_BAD_TEAM,           /* not one of the organization's teams */
	CANNED_NOT_FOUND,
} canned_outcome;

/* Creates (id NULL; *new_id set) or updates one. 0 with *out, or -1. */
int canned_save(db_tx *tx, const char *org_id, const char *id, const canned_input *in, canned_outcome *out,
    const char **new_id);
/* 1 deleted, 0 no such one, -1. */
int canned_delete(db_tx *tx, const char *org_id, const char *id);

#endif
