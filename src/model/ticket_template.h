/* ticket_template.h: an organization's ticket templates (0038): what a
 * new ticket gets, and optionally a schedule on which the scheduler makes
 * one per occurrence. Admins edit them (/desk/admin/templates); the
 * organization's staff create tickets from them (/desk/templates).
 * Row-level security is the guard. */
#ifndef SD_MODEL_TICKET_TEMPLATE_H
#define SD_MODEL_TICKET_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define TEMPLATE_NAME_MAX_CHARS 200
#define TEMPLATE_TITLE_MAX_CHARS 500
#define TEMPLATE_DESCRIPTION_MAX_BYTES 65536
#define TEMPLATE_EMAIL_MAX_CHARS 254
#define TEMPLATE_TIME_ZONE_MAX_CHARS 64

typedef struct {
	const char *id, *organization_id, *organization_name, *organization_slug;
	const char *name, *title, *description;
	const char *request_type_id, *request_type_name;   /* "" when none */
	const char *priority;
	const char *team_id, *team_name;                   /* "" when none */
	const char *assignee_id, *assignee_name;           /* "" when none */
	const char *requester_email;
	const char *custom_fields;                         /* JSON object */
	bool is_active;
	const char *schedule;                              /* none | daily | weekly | monthly */
	const char *weekdays;                              /* ISO days "1,3" ("" when not weekly) */
	int month_day;                                     /* 0 when not monthly */
	const char *run_time;                              /* "HH:MM" */
	const char *time_zone;
	const char *next_run;                              /* "YYYY-MM-DD HH:MM" in the zone; "" when none */
	const char *last_run;                              /* likewise */
} ticket_template;

/* The organization's templates by name after the one with id after (NULL:
 * from the first); at most max. 0 or -1. */
int ticket_template_list(db_tx *tx, const char *org_id, const char *after, int max, ticket_template **out,
    size_t *n);
/* 1 found, 0 not (another organization's, unknown, not a uuid), -1. */
int ticket_template_get(db_tx *tx, const char *org_id, const char *id, ticket_template *out);

/* The active templates of every organization the user works for (as row-
 * level security shows them), by organization and name, after the one with
 * id after; at most max. 0 or -1. */
int ticket_template_usable(db_tx *tx, const char *after, int max, ticket_template **out, size_t *n);

typedef struct {
	const char *name, *title, *description;
	const char *request_type_id, *priority, *team_id, *assignee_id;   /* "" none */
	const char *requester_email;                                      /* "" keep / me */
	const char *custom_fields;                                        /* JSON object */
	bool is_active;
	const char *schedule, *weekdays_array;   /* "{1,3}" */
	int month_day;                           /* 0 none */
	const char *run_time;                    /* "HH:MM" */
	const char *time_zone;
} ticket_template_input;

typedef enum {
	TEMPLATE_SAVED,
	TEMPLATE_NOT_FOUND,
	TEMPLATE_BAD_TYPE,
	TEMPLATE_BAD_TEAM,
	TEMPLATE_BAD_ASSIGNEE,
	TEMPLATE_NAME_TAKEN,
	TEMPLATE_BAD_TIME_ZONE,
} ticket_template_outcome;

/* Creates (id NULL; *new_id set) or updates one. 0 with *out, or -1. */
int ticket_template_save(db_tx *tx, const char *org_id, const char *id, const ticket_template_input *in,
    ticket_template_outcome *out, const char **new_id);
/* 1 changed, 0 no such template of the organization, -1. */
int ticket_template_set_active(db_tx *tx, const char *org_id, const char *id, bool active);
/* 1 deleted, 0 no such one, -1 (admin_remove_fn). */
int ticket_template_delete(db_tx *tx, const char *org_id, const char *id);

/* A ticket from the template now (source 'template'): 1 with *number, 0
 * when the user may not (or there is no such template), -1. */
int ticket_template_use(db_tx *tx, const char *id, const char **number);

/* The choices of the form. */
typedef struct {
	const char *id, *name;
} template_choice;
/* Active request types the organization may use (its own and global
 * ones), and its active members (agents and admins). 0 or -1. */
int ticket_template_choices(db_tx *tx, const char *org_id, int max, template_choice **types, size_t *ntypes,
    template_choice **people, size_t *npeople);

/* The scheduler's run (ticket_templates_run_due): *created tickets. 0 or -1. */
int ticket_template_run_due(db_tx *tx, int limit, long long *created);

#endif
