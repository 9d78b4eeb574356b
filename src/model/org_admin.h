/* org_admin.h: the organizations the acting user administers, their
 * settings, and their configuration audit log (row-level security decides
 * what each statement sees and may change). */
#ifndef SD_MODEL_ORG_ADMIN_H
#define SD_MODEL_ORG_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

typedef struct {
	const char *id;
	const char *name;
	const char *slug;
	bool is_platform;
	bool is_active;
} org_admin_org;

/* The organizations the acting user may administer (org admin of, or all
 * for a platform admin), platform first then by name, at most max. 0 or -1. */
int org_admin_list(db_tx *tx, int max, org_admin_org **out, size_t *n);
/* The one with that slug when the acting user administers it: 1 found,
 * 0 not (unknown or someone else's), -1 failure. */
int org_admin_find(db_tx *tx, const char *slug, org_admin_org *out);

/* An organization's settings (seed 000 support_organization_settings). */
typedef struct {
	bool exists;                 /* a settings row: organizations are made with one */
	bool is_provisioned;
	bool auto_assign;
	bool email_notifications;
	bool require_time;           /* a time entry with every reply */
	const char *support_email;   /* "" when none */
	const char *support_phone;
	const char *custom_message;
	const char *ticket_prefix;   /* "" = the system default */
	const char *default_team_id; /* "" = none */
	const char *system_prefix;   /* the system default prefix */
} org_settings;

/* 0 (out->exists false when there is no row) or -1. */
int org_settings_load(db_tx *tx, const char *org_id, org_settings *out);
/* Saves every field of s (empty strings stored as NULL). 1 saved, 0 no
 * row the acting user may change, -1 failure. */
int org_settings_save(db_tx *tx, const char *org_id, const org_settings *s);
/* Whether another organization uses email as its support address (each
 * belongs to one: mail to it opens tickets there). 0 or -1. */
int org_support_email_taken(db_tx *tx, const char *org_id, const char *email, bool *taken);

/* One row of the configuration audit log. */
typedef struct {
	const char *id;
	const char *actor;      /* the actor's name or address; NULL: the command line or a migration */
	const char *entity;
	const char *entity_id;
	const char *action;
	const char *before;     /* jsonb text, NULL when none; for an update only the changed columns */
	const char *after;
	const char *created_at; /* ISO 8601 UTC, also the keyset cursor with id */
	long long created_epoch;
	const char *org_name;   /* config_audit_list_all only: NULL for global rows (system settings) */
} config_audit_row;

/* The organization's audit log newest first, after the cursor (created_at
 * ISO text and id, both NULL for the first page), at most max rows. */
int config_audit_list(db_tx *tx, const char *org_id, const char *after_at, const char *after_id, int max,
    config_audit_row **out, size_t *n);
/* Every organization's log and the global rows, as a platform admin reads
 * it (row-level security shows the rest nothing), with each row's
 * organization name. */
int config_audit_list_all(db_tx *tx, const char *after_at, const char *after_id, int max, config_audit_row **out,
    size_t *n);

#endif
