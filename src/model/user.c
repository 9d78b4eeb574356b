/* user.c: SQL of users. */
#include <stdio.h>

#include "model/user.h"

static const db_stmt q_email = { "user_email", "select email from users where id = $1::uuid" };

const char *user_email(db_tx *tx, const char *user_id)
{
	const char *p[1] = { user_id };
	db_result *res = db_tx_exec(tx, &q_email, 1, p);
	return res && db_rows(res) == 1 ? db_get_dup(tx->a, res, 0, 0) : NULL;
}

/* app_access() (0029) once rather than the four helpers that read it:
 * each is a SECURITY DEFINER call with its own search_path to set. */
static const db_stmt q_access = { "user_access",
	"select x.a[2] <> '', x.a[2] = 'admin', cardinality(x.a[3]::uuid[]), cardinality(x.a[4]::uuid[]), "
	"(select count(*) from (select 1 from notifications "
	" where user_id = app_user_id() and not read and (expires_at is null or expires_at > now()) "
	" limit $1::int) n), "
	"coalesce(x.a[5] = 'true', false) " /* a service user (0046) */
	"from (select app_access() a) x" };

int user_access_get(db_tx *tx, long unread_cap, user_access *out)
{
	*out = (user_access){ 0 };
	char cap[24];
	snprintf(cap, sizeof cap, "%ld", unread_cap);
	const char *p[1] = { cap };
	db_result *res = db_tx_exec(tx, &q_access, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	out->platform_staff = db_get_bool(res, 0, 0);
	out->platform_admin = db_get_bool(res, 0, 1);
	out->staff_orgs = (int)db_get_int(res, 0, 2, 0);
	out->admin_orgs = (int)db_get_int(res, 0, 3, 0);
	out->unread = (long)db_get_int(res, 0, 4, 0);
	out->service = db_get_bool(res, 0, 5);
	return 0;
}
