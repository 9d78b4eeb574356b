/* auth.h: signing in: the password lookup, the check once a visitor proved
 * who they are, password changes, and accounts the operator adds. */
#ifndef SD_MODEL_AUTH_H
#define SD_MODEL_AUTH_H

#include <stdbool.h>

#include "db/tx.h"

/* What auth_login_lookup() (0006) answers for an email address. */
typedef struct {
	const char *user_id;
	const char *password_hash;  /* NULL: the account signs in by email links only */
	bool is_active;
} auth_login;

/* 1 and *out filled when an account has that address (any case), 0 when
 * none does, -1 on a database failure. Runs for anonymous visitors. */
int auth_login_find(db_tx *tx, const char *email, auth_login *out);

/* For the acting user, who just proved who they are (with email_proved: by
 * opening a link sent to their address, which then counts as verified):
 * *may_sign_in is false for a deactivated account, *is_staff says whether
 * the desk is home. 0, or -1 on a database failure. */
int auth_signin_check(db_tx *tx, bool email_proved, bool *may_sign_in, bool *is_staff);

/* Replaces the acting user's hash old_hash (the one just verified) with
 * new_hash. 1 done, 0 not (the password changed meanwhile), -1 failure. */
int auth_password_rehash(db_tx *tx, const char *old_hash, const char *new_hash);
/* Sets the acting user's password hash. 1 done, 0 refused (deactivated),
 * -1 failure. */
int auth_password_set(db_tx *tx, const char *hash);

/* The same work for the database as queuing an email, for an address that
 * gets none: the transaction writes its commit record, as one that queues
 * a row does. 0 or -1. */
int auth_decoy_write(db_tx *tx);

/* `supportdesk user add`, as the owner role (row-level security does not
 * apply to it, and the application role may not set platform roles):
 * an active account with a verified address. platform_role and
 * password_hash may be NULL. 1 and *user_id on success, 0 when the address
 * is taken, -1 on a failure (db_tx_sqlstate says which). */
int auth_user_add(db_tx *tx, const char *email, const char *name, const char *platform_role,
    const char *password_hash, const char **user_id);

#endif
