/* platform.h: what the platform admin pages (/admin) read and store beyond
 * operator.h's changes: every organization with its state, users found by
 * address or name, and the system settings, with the run-time limits the
 * workers lay over their environment defaults. Row-level security lets
 * only a platform admin see all of it and write the settings. */
#ifndef SD_MODEL_PLATFORM_H
#define SD_MODEL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "db/db.h"
#include "db/tx.h"

typedef struct {
	const char *id;
	const char *name;
	const char *slug;
	const char *ticket_prefix; /* "" = the system default */
	bool is_platform;
	bool is_active;
	bool is_provisioned;
	long members;             /* active memberships */
} platform_org;

/* Organizations by name then id, after the one with the id after_id
 * (NULL: from the first), at most max. 0 or -1. */
int platform_org_list(db_tx *tx, const char *after_id, int max, platform_org **out, size_t *n);
/* 1 found, 0 not (unknown or not a uuid), -1. */
int platform_org_get(db_tx *tx, const char *id, platform_org *out);

typedef struct {
	const char *id;
	const char *email;
	const char *name;          /* "" when none */
	const char *platform_role; /* "admin", "agent" or "" */
	bool is_active;
	long memberships;          /* active memberships */
} platform_user;

/* Users whose address or name contains q (case-insensitive; "" for all)
 * by address, after the address after (NULL: from the first), at most
 * max. 0 or -1. */
int platform_user_search(db_tx *tx, const char *q, const char *after, int max, platform_user **out, size_t *n);
/* 1 found, 0 not, -1. */
int platform_user_get(db_tx *tx, const char *id, platform_user *out);

/* ---- system settings ---- */

enum system_setting_kind {
	SETTING_PREFIX,  /* a ticket prefix (ticket_prefix_valid), stored as a JSON string */
	SETTING_NUMBER,  /* a whole number in [min, max], stored as a JSON number */
};

typedef struct {
	const char *key;       /* system_settings.key */
	const char *group;     /* the form's fieldset */
	const char *label;
	const char *hint;
	enum system_setting_kind kind;
	long min, max;
	/* The environment default the stored value replaces (an offset of an
	 * int, a long, or a config_rate's limit or window in config), or -1:
	 * a database-only setting, which always has a row. */
	long env_offset;
	bool env_is_int;
} system_setting_def;

extern const system_setting_def system_setting_defs[];
extern const size_t system_setting_ndefs;

/* The stored value of every definition, as text (NULL when no row), in
 * the order of system_setting_defs. 0 or -1. */
int system_settings_load(db_tx *tx, const char **values);
/* Stores value as the setting (NULL: removes the row, so the environment
 * default applies again). The audit trigger records the change. 1, or 0
 * when nothing changed, -1. */
int system_setting_store(db_tx *tx, const system_setting_def *d, const char *value);
/* The environment default of d as text ("" for a database-only one). */
const char *system_setting_env(arena *a, const system_setting_def *d, const config *env);

/* The stored run-time limits (the definitions with an environment
 * default), in one statement outside any transaction
 * (system_settings_runtime, which needs no signed-in user): values[i] for
 * system_setting_defs[i], -1 when none is stored (or it is out of range).
 * 0, or -1 on a failure. */
int system_settings_runtime(db *d, arena *a, long *values);
/* Reads and writes the environment default of d in c (NULL for a
 * database-only setting). */
long system_setting_get(const config *c, const system_setting_def *d);
void system_setting_put(config *c, const system_setting_def *d, long v);

#endif
