/* member.h: an organization's members (memberships) as its admins manage
 * them: the list, invitations, role and deactivation. */
#ifndef SD_MODEL_MEMBER_H
#define SD_MODEL_MEMBER_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

typedef struct {
	const char *id;          /* the membership */
	const char *user_id;
	const char *email;
	const char *name;        /* "" when none */
	const char *role;        /* agent | admin */
	bool is_active;          /* the membership */
	bool user_active;        /* the account */
	const char *away_since;  /* "YYYY-MM-DD HH:MM" UTC while away, "" when available */
	const char *teams;       /* team names, comma-separated, "" when none */
	bool is_service;         /* an API key's service user (0042): listed, never changed as a person */
} member;

/* The organization's members by address, after the address after (NULL:
 * from the first), at most max. 0 or -1. */
int member_list(db_tx *tx, const char *org_id, const char *after, int max, member **out, size_t *n);
/* 1 found, 0 not (another organization's, unknown, not a uuid), -1. */
int member_get(db_tx *tx, const char *org_id, const char *membership_id, member *out);

enum member_outcome {
	MEMBER_OK,             /* invited, reactivated, changed */
	MEMBER_UNCHANGED,
	MEMBER_ALREADY,        /* invite: an active member already */
	MEMBER_USER_INACTIVE,  /* invite: the account is deactivated */
	MEMBER_LAST_ADMIN,     /* the organization would have no admin left */
	MEMBER_NOT_FOUND,
	MEMBER_REFUSED,        /* forbidden or invalid: the pages never offer it */
};

/* admin_member_invite (0021): the account made when new, a membership with
 * role. *user_id is set for MEMBER_OK. 0, or -1 on a failure. */
int member_invite(db_tx *tx, const char *org_id, const char *email, const char *name, const char *role,
    enum member_outcome *outcome, const char **user_id);
/* admin_membership_set (0021): role and active flag, the last admin kept;
 * a deactivation hands the member's open tickets back to the queue
 * (*unassigned of them). *user_id set unless not found. 0 or -1. */
int member_set(db_tx *tx, const char *org_id, const char *membership_id, const char *role, bool active,
    enum member_outcome *outcome, const char **user_id, long *unassigned);

/* Marks the member of membership_id away (or available again): the person,
 * on every desk (users.away_since), audited as a change of the membership
 * (admin_member_set_away, 0030). *outcome MEMBER_OK, MEMBER_UNCHANGED or
 * MEMBER_NOT_FOUND. 0 or -1. */
int member_set_away(db_tx *tx, const char *org_id, const char *membership_id, bool away, enum member_outcome *outcome);

#endif
