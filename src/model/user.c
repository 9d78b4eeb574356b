/* user.c: SQL of users. */
#include "model/user.h"

static const db_stmt q_email = { "user_email", "select email from users where id = $1::uuid" };

const char *user_email(db_tx *tx, const char *user_id)
{
	const char *p[1] = { user_id };
	db_result *res = db_tx_exec(tx, &q_email, 1, p);
	return res && db_rows(res) == 1 ? db_get_dup(tx->a, res, 0, 0) : NULL;
}
