/* auth.c: SQL of signing in. */
#include "model/auth.h"

#include <string.h>

static const db_stmt q_lookup = { "auth_login_lookup",
	"select user_id, password_hash, is_active from auth_login_lookup($1::citext)" };

int auth_login_find(db_tx *tx, const char *email, auth_login *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { email };
	db_result *res = db_tx_exec(tx, &q_lookup, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->user_id = db_get_dup(tx->a, res, 0, 0);
	out->password_hash = db_get_dup(tx->a, res, 0, 1);
	out->is_active = db_get_bool(res, 0, 2);
	return 1;
}

static const db_stmt q_check = { "auth_signin_check",
	"select may_sign_in, is_staff from auth_signin_check($1::boolean)" };

int auth_signin_check(db_tx *tx, bool email_proved, bool *may_sign_in, bool *is_staff)
{
	*may_sign_in = *is_staff = false;
	const char *p[1] = { email_proved ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_check, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*may_sign_in = db_get_bool(res, 0, 0);
	*is_staff = db_get_bool(res, 0, 1);
	return 0;
}

static int boolean_answer(db_result *res)
{
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}

static const db_stmt q_rehash = { "auth_password_rehash", "select auth_password_rehash($1, $2)" };

int auth_password_rehash(db_tx *tx, const char *old_hash, const char *new_hash)
{
	const char *p[2] = { old_hash, new_hash };
	return boolean_answer(db_tx_exec(tx, &q_rehash, 2, p));
}

static const db_stmt q_set = { "auth_password_set", "select app_user_set_password($1)" };

int auth_password_set(db_tx *tx, const char *hash)
{
	const char *p[1] = { hash };
	return boolean_answer(db_tx_exec(tx, &q_set, 1, p));
}

/* A transaction id makes COMMIT write and flush its record, as an INSERT
 * does; nothing else is touched. */
static const db_stmt q_decoy = { "auth_decoy_write", "select pg_current_xact_id()" };

int auth_decoy_write(db_tx *tx)
{
	return db_tx_exec(tx, &q_decoy, 0, NULL) ? 0 : -1;
}

static const db_stmt q_add = { "auth_user_add",
	"insert into users (email, name, platform_role, password_hash, email_verified_at) "
	"values (btrim($1), nullif(btrim($2), ''), $3, $4, now()) "
	"on conflict (email) do nothing returning id" };

int auth_user_add(db_tx *tx, const char *email, const char *name, const char *platform_role,
    const char *password_hash, const char **user_id)
{
	*user_id = NULL;
	const char *p[4] = { email, name, platform_role, password_hash };
	db_result *res = db_tx_exec(tx, &q_add, 4, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*user_id = db_get_dup(tx->a, res, 0, 0);
	return 1;
}
