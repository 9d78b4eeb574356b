/* user.h: users as the acting user may see them (row-level security). */
#ifndef SD_MODEL_USER_H
#define SD_MODEL_USER_H

#include <stdbool.h>

#include "db/tx.h"

/* The user's email address as stored, or NULL when not visible or on a
 * database failure (db_tx_status tells which). */
const char *user_email(db_tx *tx, const char *user_id);

/* What the acting user may do beyond a customer's portal. */
typedef struct user_access {
	bool platform_staff;   /* platform agent or admin: every organization */
	bool platform_admin;
	int staff_orgs;        /* active organizations where they are active staff */
	int admin_orgs;        /* ... where they are an admin */
	long unread;           /* unread notifications, counted up to the cap */
	bool service;          /* an API key's service user (0042): no person, signs in nowhere (0046) */
} user_access;

/* The acting user's access (inactive users and organizations count as
 * none), with their unread notifications counted up to unread_cap: what
 * the header shows, in one round trip. 0, or -1 on a database failure. */
int user_access_get(db_tx *tx, long unread_cap, user_access *out);

/* Whether the access opens the support desk. */
static inline bool user_access_is_staff(const user_access *u)
{
	return u->platform_staff || u->staff_orgs > 0;
}

/* Whether the access opens the organization admin pages. */
static inline bool user_access_is_org_admin(const user_access *u)
{
	return u->platform_admin || u->admin_orgs > 0;
}

#endif
