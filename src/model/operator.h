/* operator.h: what the command line does as the owner role (row-level
 * security does not apply to it, and the application role may do none of
 * this): platform roles, deactivating accounts, adding and provisioning
 * organizations (`supportdesk user set-role|deactivate`, `supportdesk org
 * add|provision`). Each returns 1 done, 0 refused (*why says which), -1 on
 * a failure (db_tx_sqlstate says which). */
#ifndef SD_MODEL_OPERATOR_H
#define SD_MODEL_OPERATOR_H

#include <stdbool.h>

#include "db/tx.h"

/* platform_role: "admin", "agent" or NULL for none. 0: no such account. */
int operator_set_platform_role(db_tx *tx, const char *email, const char *platform_role, const char **user_id);
/* Deactivates the account (it may not sign in; its memberships stay, for
 * the record). 0: no such account. *was_active false when it was already. */
int operator_deactivate_user(db_tx *tx, const char *email, const char **user_id, bool *was_active);
/* org_create (0021). 0: *why "slug_taken" or "invalid". */
int operator_org_add(db_tx *tx, const char *name, const char *slug, const char *prefix, const char **org_id,
    const char **why);
/* org_provision (0021). 0: *why "no_org", "user_inactive" or "invalid". */
int operator_org_provision(db_tx *tx, const char *slug, const char *email, const char *name, const char **org_id,
    const char **org_name, const char **user_id, bool *user_created, const char **why);

#endif
