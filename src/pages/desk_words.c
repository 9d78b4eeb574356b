/* desk_words.c: the desk's names for statuses and priorities. */
#include "pages/desk_words.h"

#include <string.h>

const desk_word desk_statuses[] = {
	{ "new", "New" },
	{ "open", "Open" },
	{ "in_progress", "In progress" },
	{ "waiting_customer", "Waiting on customer" },
	{ "waiting_internal", "Waiting internally" },
	{ "resolved", "Resolved" },
	{ "closed", "Closed" },
	{ "cancelled", "Cancelled" },
	{ NULL, NULL },
};

const desk_word desk_priorities[] = {
	{ "low", "Low" },
	{ "normal", "Normal" },
	{ "high", "High" },
	{ "urgent", "Urgent" },
	{ NULL, NULL },
};

const desk_word desk_queues[] = {
	{ "mine", "Mine" },
	{ "unassigned", "Unassigned" },
	{ "open", "All open" },
	{ "waiting", "Waiting" },
	{ "sla", "SLA at risk" },
	{ "resolved", "Resolved" },
	{ "spam", "Spam" },
	{ NULL, NULL },
};

const desk_word desk_sorts[] = {
	{ "updated", "Last activity" },
	{ "created", "Created" },
	{ "priority", "Priority" },
	{ "due", "SLA due" },
	{ NULL, NULL },
};

const desk_word desk_sla_states[] = {
	{ "breached", "Breached" },
	{ "at_risk", "At risk" },
	{ "ok", "On track" },
	{ "paused", "Paused" },
	{ NULL, NULL },
};

const desk_word desk_bulk_actions[] = {
	{ "assign", "Assign to" },
	{ "status", "Set status" },
	{ "priority", "Set priority" },
	{ "tag", "Add tag" },
	{ "spam", "Mark as spam" },
	{ "not_spam", "Not spam" },
	{ "delete", "Delete" },
	{ "macro", "Apply macro" }, /* automation (0037) */
	{ NULL, NULL },
};

const char *desk_word_label_n(const desk_word *list, const char *value, size_t len)
{
	if (!value)
		return NULL;
	for (; list->value; list++)
		if (strlen(list->value) == len && memcmp(list->value, value, len) == 0)
			return list->label;
	return NULL;
}

const char *desk_word_label(const desk_word *list, const char *value)
{
	return value ? desk_word_label_n(list, value, strlen(value)) : NULL;
}

const char *desk_minutes_label(arena *a, long long m)
{
	if (m < 60)
		return arena_sprintf(a, "%lld min", m);
	return m % 60 ? arena_sprintf(a, "%lld h %02lld min", m / 60, m % 60) : arena_sprintf(a, "%lld h", m / 60);
}
