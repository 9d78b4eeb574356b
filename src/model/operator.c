/* operator.c: SQL of the organizations and accounts the command line and
 * the platform admin pages manage. Without an acting user (the command
 * line, as the owner role) the statements change the tables or call the
 * owner-only functions of 0021 directly; with one (a page, as the
 * application role) they go through 0027's platform_* functions, which
 * refuse anyone but a platform admin and keep the last one. */
#include "model/operator.h"

#include <string.h>

bool org_slug_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 64 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* The statement for the transaction's caller: owner (no acting user) or
 * platform admin. */
static const db_stmt *pick(const db_tx *tx, const db_stmt *owner, const db_stmt *platform)
{
	return tx->user_id ? platform : owner;
}

static const db_stmt q_role = { "operator_set_platform_role",
	"with u as (update users set platform_role = $2 where email = $1::citext returning id) select 'done', id from u" };
static const db_stmt q_role_platform = { "operator_set_platform_role_platform",
	"select outcome, user_id from platform_user_set_role($1::citext, $2)" };

/* 1 done, 0 refused (*why), -1: the rows of a two-column (outcome, id) answer. */
static int outcome_of(db_tx *tx, db_result *res, const char *done, const char **id, const char **why)
{
	if (!res)
		return -1;
	if (db_rows(res) != 1) {
		*why = "no_user";
		return 0;
	}
	const char *outcome = db_get_dup(tx->a, res, 0, 0);
	*id = db_is_null(res, 0, 1) ? NULL : db_get_dup(tx->a, res, 0, 1);
	if (strcmp(outcome, done) != 0) {
		*why = outcome;
		return 0;
	}
	return 1;
}

int operator_set_platform_role(db_tx *tx, const char *email, const char *platform_role, const char **user_id,
    const char **why)
{
	*user_id = *why = NULL;
	const char *p[2] = { email, platform_role };
	return outcome_of(tx, db_tx_exec(tx, pick(tx, &q_role, &q_role_platform), 2, p), "done", user_id, why);
}

static const db_stmt q_active = { "operator_set_user_active",
	"with old as (select id, is_active from users where email = $1::citext for update), "
	"u as (update users set is_active = $2::boolean where id = (select id from old) returning id) "
	"select case when (select id from u) is null then 'no_user' else 'done' end, "
	"(select id from u), (select is_active from old)" };
static const db_stmt q_active_platform = { "operator_set_user_active_platform",
	"select outcome, user_id, was_active from platform_user_set_active($1::citext, $2::boolean)" };

int operator_set_user_active(db_tx *tx, const char *email, bool active, const char **user_id, bool *was_active,
    const char **why)
{
	*user_id = *why = NULL;
	*was_active = false;
	const char *p[2] = { email, active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, pick(tx, &q_active, &q_active_platform), 2, p);
	int rc = outcome_of(tx, res, "done", user_id, why);
	if (rc >= 0 && res && db_rows(res) == 1)
		*was_active = db_get_bool(res, 0, 2);
	return rc;
}

int operator_deactivate_user(db_tx *tx, const char *email, const char **user_id, bool *was_active)
{
	const char *why;
	int rc = operator_set_user_active(tx, email, false, user_id, was_active, &why);
	return rc == 0 && strcmp(why, "no_user") != 0 ? -1 : rc;
}

static const db_stmt q_org_add = { "operator_org_add",
	"select outcome, organization_id from org_create($1, $2::citext, nullif($3, ''))" };
static const db_stmt q_org_add_platform = { "operator_org_add_platform",
	"select outcome, organization_id from platform_org_create($1, $2::citext, nullif($3, ''))" };

int operator_org_add(db_tx *tx, const char *name, const char *slug, const char *prefix, const char **org_id,
    const char **why)
{
	*org_id = *why = NULL;
	const char *p[3] = { name, slug, prefix ? prefix : "" };
	db_result *res = db_tx_exec(tx, pick(tx, &q_org_add, &q_org_add_platform), 3, p);
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

#define PROVISION_SQL(fn) \
	"select p.outcome, p.organization_id, o.name, p.user_id, p.user_created " \
	"from " fn "($1::citext, $2::citext, nullif($3, '')) p " \
	"left join organizations o on o.id = p.organization_id"
static const db_stmt q_provision = { "operator_org_provision", PROVISION_SQL("org_provision") };
static const db_stmt q_provision_platform = { "operator_org_provision_platform", PROVISION_SQL("platform_org_provision") };

int operator_org_provision(db_tx *tx, const char *slug, const char *email, const char *name, const char **org_id,
    const char **org_name, const char **user_id, bool *user_created, const char **why)
{
	*org_id = *org_name = *user_id = *why = NULL;
	*user_created = false;
	const char *p[3] = { slug, email, name ? name : "" };
	db_result *res = db_tx_exec(tx, pick(tx, &q_provision, &q_provision_platform), 3, p);
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

static const db_stmt q_org_active = { "operator_org_set_active",
	"select outcome, array_to_string(staff, ',') from platform_org_set_active($1::uuid, $2::boolean)" };

int operator_org_set_active(db_tx *tx, const char *org_id, bool active, const char **staff, const char **why)
{
	*staff = *why = NULL;
	const char *p[2] = { org_id, active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_org_active, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	const char *outcome = db_get_dup(tx->a, res, 0, 0);
	*staff = db_get_dup(tx->a, res, 0, 1);
	if (strcmp(outcome, "done") != 0) {
		*why = outcome;
		return 0;
	}
	return 1;
}
