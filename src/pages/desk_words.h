/* desk_words.h: what the support desk calls a ticket's statuses and
 * priorities, in one place for the queues, the workspace, bulk actions and
 * filters. The values are the database's (tickets.status, .priority); the
 * labels are the staff's words (the customer portal has its own, kinder
 * ones, in my_tickets.c). */
#ifndef SD_DESK_WORDS_H
#define SD_DESK_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct desk_word {
	const char *value;
	const char *label;
} desk_word;

/* In workflow order; each list ends with { NULL, NULL }. */
extern const desk_word desk_statuses[];
extern const desk_word desk_priorities[];   /* low to urgent */

/* The queues of GET /desk (their names are the model's, queue.h), in the
 * side nav's order; the sorts of a queue; the SLA states of a row
 * (desk_sla_state() in 0019); the bulk actions of POST /desk/bulk. */
extern const desk_word desk_queues[];
extern const desk_word desk_sorts[];
extern const desk_word desk_sla_states[];
extern const desk_word desk_bulk_actions[];

/* The label of value in list, or NULL when value is not one of them
 * (which also serves as the allow-list check of a posted value). */
const char *desk_word_label(const desk_word *list, const char *value);
/* The same for a length-delimited value (a form field). */
const char *desk_word_label_n(const desk_word *list, const char *value, size_t len);

/* Minutes as staff read a time spent: "45 min", "2 h", "2 h 05 min". */
const char *desk_minutes_label(arena *a, long long minutes);

#endif
