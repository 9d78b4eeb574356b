/* team.h: an organization's teams (seed 001 departments) and who is on
 * them, as an org admin manages them; row-level security is the guard. */
#ifndef SD_MODEL_TEAM_H
#define SD_MODEL_TEAM_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define TEAM_NAME_MAX_CHARS 100
#define TEAM_DESCRIPTION_MAX_CHARS 500

typedef struct {
	const char *id;
	const char *name;
	const char *description; /* "" when none */
	bool is_active;
	long members;            /* active members on it */
} team;

/* The organization's teams, active first, by name; at most max. 0 or -1. */
int team_list(db_tx *tx, const char *org_id, int max, team **out, size_t *n);
/* 1 found, 0 not (another organization's, unknown or not a uuid), -1. */
int team_get(db_tx *tx, const char *org_id, const char *team_id, team *out);

/* 1 created (*id set), 0 the name is taken in the organization, -1 failure
 * (a refusal by row-level security is a failure: the pages never offer it). */
int team_create(db_tx *tx, const char *org_id, const char *name, const char *description, const char **id);
/* 1 saved, 0 the name is taken by another team, -1 failure; *found false
 * when no such team may be changed. */
int team_update(db_tx *tx, const char *org_id, const char *team_id, const char *name, const char *description,
    bool *found);
/* 1 done, 0 no such team, -1 failure. */
int team_set_active(db_tx *tx, const char *org_id, const char *team_id, bool active);

typedef struct {
	const char *membership_id;
	const char *name;       /* "" when none */
	const char *email;
	const char *role;
	bool is_active;
} team_member;

/* The members of a team, by address; at most max. 0 or -1. */
int team_members(db_tx *tx, const char *org_id, const char *team_id, int max, team_member **out, size_t *n);
/* The organization's active members who are not on the team, by address;
 * at most max: what the "add" menu offers. 0 or -1. */
int team_candidates(db_tx *tx, const char *org_id, const char *team_id, int max, team_member **out, size_t *n);
/* 1 added (or removed), 0 nothing to do (not a member of the
 * organization, already on it, not on it), -1 failure. */
int team_member_add(db_tx *tx, const char *org_id, const char *team_id, const char *membership_id);
int team_member_remove(db_tx *tx, const char *org_id, const char *team_id, const char *membership_id);

#endif
