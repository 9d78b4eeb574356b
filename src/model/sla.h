/* sla.h: an organization's SLA policies (seed 002 support_sla_config, one
 * per priority) as its admins edit them, and the global defaults that apply
 * to a priority without one. Row-level security is the guard for the
 * policies; saving one recomputes the due times of the organization's open
 * tickets of that priority in the same transaction (sla_policy_recompute(),
 * 0025), without bumping their version. */
#ifndef SD_MODEL_SLA_H
#define SD_MODEL_SLA_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define SLA_NAME_MAX_CHARS 100
#define SLA_TIME_ZONE_MAX_CHARS 64
/* The table's own cap (0018). */
#define SLA_HOLIDAYS_MAX 1000
#define SLA_DAYS 7
#define SLA_PRIORITIES 4

/* monday .. sunday, as the business_hours keys (0002). */
extern const char *const sla_day_keys[SLA_DAYS];
/* low, normal, high, urgent: the table's priorities, most urgent last. */
extern const char *const sla_priorities[SLA_PRIORITIES];

typedef struct {
	bool open;
	const char *start; /* "HH:MM" ("" when closed) */
	const char *end;   /* "HH:MM", up to "24:00" */
} sla_day;

typedef struct {
	const char *id;
	const char *priority;
	const char *display_name;
	const char *color;            /* "#RRGGBB" */
	long first_response_minutes;
	long resolution_minutes;
	long warning_percent;
	const char *escalate_to_role; /* "" when nobody but the assignee */
	bool use_business_hours;
	sla_day days[SLA_DAYS];
	const char *time_zone;
	const char *holidays;         /* "YYYY-MM-DD" one a line, in order; "" none */
	bool raise_priority_on_breach;
	bool is_active;
	long open_tickets;            /* open tickets measured by it, up to 1001 */
} sla_policy;

/* The organization's own policies (organization_id = org), most urgent
 * first, and the global defaults (organization_id NULL) likewise: at most
 * SLA_PRIORITIES each. 0 or -1. */
int sla_policy_list(db_tx *tx, const char *org_id, sla_policy **out, size_t *n);
int sla_default_list(db_tx *tx, sla_policy **out, size_t *n);
/* 1 found, 0 not (another organization's, a global one, unknown, not a
 * uuid), -1. */
int sla_policy_get(db_tx *tx, const char *org_id, const char *id, sla_policy *out);

/* Whether PostgreSQL knows the time zone (pg_timezone_names). 1, 0, -1. */
int sla_time_zone_valid(db_tx *tx, const char *tz);

/* Fields of a create or an update (id, open_tickets ignored; the priority
 * too on update: a policy keeps the priority it was made for). The days,
 * times, dates and role must be checked already (the page does). */
typedef sla_policy sla_input;

/* 1 created (*id set), 0 the organization has a policy for that priority
 * already, -1. *recomputed: the open tickets whose due times moved. */
int sla_policy_create(db_tx *tx, const char *org_id, const sla_input *in, const char **id, long *recomputed);
/* 1 saved, 0 no such policy may be changed, -1. */
int sla_policy_update(db_tx *tx, const char *org_id, const char *id, const sla_input *in, long *recomputed);

typedef enum { SLA_DELETED, SLA_DEACTIVATED, SLA_NOT_FOUND } sla_delete_outcome;
/* Deletes it, or deactivates it when tickets were measured by it; its open
 * tickets move to the global default either way. 0 or -1. */
int sla_policy_delete(db_tx *tx, const char *org_id, const char *id, sla_delete_outcome *out);

#endif
