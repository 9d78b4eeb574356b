/* time_entry.h: the minutes staff spend on a ticket (time tracking):
 * recorded with a reply or note or on their own, billable or not, totalled
 * on the ticket. Row-level security is the guard: staff of the
 * organization working the ticket read its entries, add their own, and
 * remove their own (an admin of the organization any). */
#ifndef SD_MODEL_TIME_ENTRY_H
#define SD_MODEL_TIME_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "db/tx.h"

#define TIME_MINUTES_MAX 1440 /* one entry is at most a day */
#define TIME_NOTE_MAX_CHARS 500
/* The workspace lists the latest entries; the totals count them all. */
#define TIME_ENTRIES_SHOWN 50

typedef struct {
	const char *id;
	const char *user_id, *user_name;
	const char *work_date;  /* YYYY-MM-DD */
	const char *note;       /* "" when none */
	const char *message_id; /* "" when on its own */
	int minutes;
	bool billable;
	bool mine;              /* the acting user's own */
	long long created;      /* unix seconds */
} time_entry;

typedef struct {
	long long minutes, billable_minutes;
	long entries;
} time_totals;

/* Adds an entry for the acting user on ticket_id; message_id (a reply or
 * note of the ticket) and note may be NULL, work_date NULL for today. 1
 * added, 0 refused (not a ticket the user works, or the message already
 * has one), -1 database failure. */
int time_entry_add(db_tx *tx, const char *ticket_id, const char *message_id, int minutes, bool billable,
    const char *note, const char *work_date);

/* What the workspace shows of a ticket's time. */
typedef struct {
	time_entry *entries; /* the latest, at most TIME_ENTRIES_SHOWN, newest first */
	size_t n;
	time_totals totals;  /* over every entry */
	bool required;       /* its organization wants time with every reply */
} ticket_time;

/* The statements that load it, for the workspace's single round trip
 * (desk_ticket_workspace): TICKET_TIME_CALLS calls into calls, given the
 * ticket's id as ticket_id[0] and its organization's as org_id[0] (NULL:
 * the platform); ticket_time_from() reads their results in that order. */
#define TICKET_TIME_CALLS 3
void ticket_time_calls(const char *const *ticket_id, const char *const *org_id, db_call *calls);
void ticket_time_from(arena *a, db_result *const *res, ticket_time *out);

/* Removes entry id of ticket_id when the acting user may: 1 removed, 0 not
 * found (or not theirs to remove), -1. */
int time_entry_remove(db_tx *tx, const char *ticket_id, const char *id);

/* Whether the organization org_id (NULL: the platform) requires a time
 * entry with every reply. 0 or -1. */
int time_required_on_reply(db_tx *tx, const char *org_id, bool *required);

#endif
