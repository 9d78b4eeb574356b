/* operator.h: platform roles, accounts' active flag, adding, provisioning
 * and deactivating organizations: what the command line does as the owner
 * role (`supportdesk user set-role|deactivate`, `supportdesk org
 * add|provision`) and the platform admin pages (/admin) as a platform admin
 * (a transaction with an acting user goes through 0027's platform_*
 * functions, which refuse anyone else). Each returns 1 done, 0 refused
 * (*why says which), -1 on a failure (db_tx_sqlstate says which). */
#ifndef SD_MODEL_OPERATOR_H
#define SD_MODEL_OPERATOR_H

#include <stdbool.h>

#include "db/tx.h"

/* An organization's slug: lowercase letters, digits and hyphens, 1 to 64,
 * no hyphen at either end (organizations_slug_check). */
bool org_slug_valid(const char *s);

/* platform_role: "admin", "agent" or NULL for none. 0: *why "no_user",
 * and for a platform admin also "last_admin" (the platform would have
 * none left), "invalid" or "forbidden". */
int operator_set_platform_role(db_tx *tx, const char *email, const char *platform_role, const char **user_id,
    const char **why);
/* Deactivates or reactivates the account (a deactivated one may not sign
 * in; its memberships stay, for the record; the caller ends its sessions).
 * 0: *why as for the role. *was_active: before the change. */
int operator_set_user_active(db_tx *tx, const char *email, bool active, const char **user_id, bool *was_active,
    const char **why);
/* operator_set_user_active(..., false, ...) for the command line: 0 when
 * there is no such account. */
int operator_deactivate_user(db_tx *tx, const char *email, const char **user_id, bool *was_active);
/* org_create (0021). 0: *why "slug_taken" or "invalid". */
int operator_org_add(db_tx *tx, const char *name, const char *slug, const char *prefix, const char **org_id,
    const char **why);
/* org_provision (0021). 0: *why "no_org", "user_inactive" or "invalid". */
int operator_org_provision(db_tx *tx, const char *slug, const char *email, const char *name, const char **org_id,
    const char **org_name, const char **user_id, bool *user_created, const char **why);

/* A platform admin's platform_org_set_active (0027): 0: *why "no_org",
 * "platform" (the platform's own organization stays active), "unchanged"
 * or "forbidden". *staff: the ids of its active members, comma-separated
 * ("" when none), whose sessions the caller ends on a deactivation. */
int operator_org_set_active(db_tx *tx, const char *org_id, bool active, const char **staff, const char **why);

#endif
