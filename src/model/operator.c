/* operator.c: SQL of the command line's owner-role commands. */
#include "model/operator.h"

#include <string.h>

static const db_stmt q_role = { "operator_set_platform_role",
	"update users set platform_role = $2 where email = $1::citext returning id" };

int operator_set_platform_role(db_tx *tx, const char *email, const char *platform_role, const char **user_id)
{
	*user_id = NULL;
	const char *p[2] = { email, platform_role };
	db_result *res = db_tx_exec(tx, &q_role, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*user_id = db_get_dup(tx->a, res, 0, 0);
	return 1;
}

static const db_stmt q_deactivate = { "operator_deactivate_user",
	"with old as (select id, is_active from users where email = $1::citext for update), "
	"u as (update users set is_active = false where id = (select id from old) returning id) "
	"select (select id from u), (select is_active from old)" };

int operator_deactivate_user(db_tx *tx, const char *email, const char **user_id, bool *was_active)
{
	*user_id = NULL;
	*was_active = false;
	const char *p[1] = { email };
	db_result *res = db_tx_exec(tx, &q_deactivate, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*user_id = db_get_dup(tx->a, res, 0, 0);
	*was_active = db_get_bool(res, 0, 1);
	return *user_id ? 1 : 0;
}

static const db_stmt q_org_add = { "operator_org_add",
	"select outcome, organization_id from org_create($1, $2::citext, nullif($3, ''))" };

int operator_org_add(db_tx *tx, const char *name, const char *slug, const char *prefix, const char **org_id,
    const char **why)
{
	*org_id = *why = NULL;
	const char *p[3] = { name, slug, prefix ? prefix : "" };
	db_result *res = db_tx_exec(tx, &q_org_add, 3, p);
	if (!res || db_rows(res) != 1)
		return -1;
	const char *outcome = db_get_dup(tx->a, res, 0, 0);
	if (strcmp(outcome, "created") != 0) {
		*why = outcome;
		return 0;
	}
	*org_id = db_get_dup(tx->a, res, 0, 1);
	return 1;
}

static const db_stmt q_provision = { "operator_org_provision",
	"select p.outcome, p.organization_id, o.name, p.user_id, p.user_created "
	"from org_provision($1::citext, $2::citext, nullif($3, '')) p "
	"left join organizations o on o.id = p.organization_id" };

int operator_org_provision(db_tx *tx, const char *slug, const char *email, const char *name, const char **org_id,
    const char **org_name, const char **user_id, bool *user_created, const char **why)
{
	*org_id = *org_name = *user_id = *why = NULL;
	*user_created = false;
	const char *p[3] = { slug, email, name ? name : "" };
	db_result *res = db_tx_exec(tx, &q_provision, 3, p);
	if (!res || db_rows(res) != 1)
		return -1;
	const char *outcome = db_get_dup(tx->a, res, 0, 0);
	if (strcmp(outcome, "provisioned") != 0) {
		*why = outcome;
		return 0;
	}
	*org_id = db_get_dup(tx->a, res, 0, 1);
	*org_name = db_get_dup(tx->a, res, 0, 2);
	*user_id = db_get_dup(tx->a, res, 0, 3);
	*user_created = db_get_bool(res, 0, 4);
	return 1;
}
