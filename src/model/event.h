/* event.h: an organization's events (seed 000's event reference; the
 * options of a dropdown_dynamic_event field and what a request type with
 * requires_event asks for) as its admins edit them. Row-level security is
 * the guard; every statement names the organization as well. Times are
 * UTC, written "YYYY-MM-DDTHH:MM" (the value of a datetime-local input). */
#ifndef SD_MODEL_EVENT_H
#define SD_MODEL_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define EVENT_NAME_MAX_CHARS 200
#define EVENT_LOCATION_MAX_CHARS 200

typedef struct {
	const char *id;
	const char *name;
	const char *starts_at;   /* "YYYY-MM-DDTHH:MM", UTC */
	const char *ends_at;     /* the same, or "" when open-ended */
	const char *location;    /* "" when none */
	bool is_active;
	bool is_past;            /* started before now: the public form no longer lists it */
	long tickets;            /* tickets naming it, counted up to 1001 */
} event;

/* The organization's events, latest start first, after the one with id
 * after (NULL: from the first; an id that is not the organization's: from
 * the first too); at most max. 0 or -1. */
int event_list(db_tx *tx, const char *org_id, const char *after, int max, event **out, size_t *n);
/* 1 found, 0 not (another organization's, unknown, not a uuid), -1. */
int event_get(db_tx *tx, const char *org_id, const char *id, event *out);

/* Fields of a create or an update; ends_at and location "" when none. */
typedef struct {
	const char *name, *starts_at, *ends_at, *location;
	bool is_active;
} event_input;

/* 0 created (*id set), -1. */
int event_create(db_tx *tx, const char *org_id, const event_input *in, const char **id);
/* 1 saved, 0 no such event may be changed, -1. */
int event_update(db_tx *tx, const char *org_id, const char *id, const event_input *in);

typedef enum { EVENT_DELETED, EVENT_DEACTIVATED, EVENT_NOT_FOUND } event_remove_outcome;
/* Deletes it, or deactivates it when tickets or pending submissions name
 * it (admin_event_remove, 0026). 0 or -1. */
int event_remove(db_tx *tx, const char *org_id, const char *id, event_remove_outcome *out);

/* "YYYY-MM-DDTHH:MM" (seconds ":SS" accepted and dropped) or "YYYY-MM-DD"
 * (midnight) into out (17 bytes: "YYYY-MM-DDTHH:MM"): a real calendar
 * date and time of day, year 2000 to 2999. False for anything else. */
bool event_time_parse(const char *s, char out[17]);

#endif
