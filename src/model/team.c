/* team.c: SQL of teams and team membership. Every statement names the
 * organization, so an id from another one finds nothing, and row-level
 * security refuses what the acting user may not change. */
#include "model/team.h"

#include <stdio.h>
#include <string.h>

#define TEAM_COLS \
	"t.id, t.name, coalesce(t.description, ''), t.is_active, " \
	"(select count(*) from membership_teams mt join memberships m on m.id = mt.membership_id and m.is_active " \
	" where mt.team_id = t.id)"

static const db_stmt q_list = { "team_list",
	"select " TEAM_COLS " from teams t where t.organization_id = $1::uuid "
	"order by t.is_active desc, t.name, t.id limit $2::int" };
static const db_stmt q_get = { "team_get",
	"select " TEAM_COLS " from teams t where t.organization_id = $1::uuid and t.id = $2::uuid" };

static void team_row(db_tx *tx, db_result *res, int r, team *t)
{
	t->id = db_get_dup(tx->a, res, r, 0);
	t->name = db_get_dup(tx->a, res, r, 1);
	t->description = db_get_dup(tx->a, res, r, 2);
	t->is_active = db_get_bool(res, r, 3);
	t->members = (long)db_get_int(res, r, 4, 0);
}

int team_list(db_tx *tx, const char *org_id, int max, team **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id, lim };
	db_result *res = db_tx_exec(tx, &q_list, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	team *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		team_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

/* An id that is not a uuid would fail the statement (and the transaction):
 * it finds nothing instead. */
int team_get(db_tx *tx, const char *org_id, const char *team_id, team *out)
{
	memset(out, 0, sizeof *out);
	if (!str_is_uuid(str_from_cstr(team_id)))
		return 0;
	const char *p[2] = { org_id, team_id };
	db_result *res = db_tx_exec(tx, &q_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	team_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_create = { "team_create",
	"insert into teams (organization_id, name, description) values ($1::uuid, $2, nullif($3, '')) "
	"on conflict (organization_id, name) do nothing returning id" };

int team_create(db_tx *tx, const char *org_id, const char *name, const char *description, const char **id)
{
	*id = NULL;
	const char *p[3] = { org_id, name, description };
	db_result *res = db_tx_exec(tx, &q_create, 3, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*id = db_get_dup(tx->a, res, 0, 0);
	return 1;
}

/* The name check and the update in one statement; the unique constraint
 * stays the last word under concurrency. Column 1: the team exists. */
static const db_stmt q_update = { "team_update",
	"with t as (select id from teams where id = $2::uuid and organization_id = $1::uuid), "
	"taken as (select 1 from teams where organization_id = $1::uuid and name = $3 and id <> $2::uuid), "
	"u as (update teams set name = $3, description = nullif($4, '') "
	"      where id = (select id from t) and not exists (select 1 from taken) returning 1) "
	"select exists (select 1 from t), exists (select 1 from u)" };

int team_update(db_tx *tx, const char *org_id, const char *team_id, const char *name, const char *description,
    bool *found)
{
	*found = false;
	if (!str_is_uuid(str_from_cstr(team_id)))
		return 0;
	const char *p[4] = { org_id, team_id, name, description };
	db_result *res = db_tx_exec(tx, &q_update, 4, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*found = db_get_bool(res, 0, 0);
	return db_get_bool(res, 0, 1) ? 1 : 0;
}

static const db_stmt q_active = { "team_set_active",
	"update teams set is_active = $3::boolean where organization_id = $1::uuid and id = $2::uuid returning 1" };

int team_set_active(db_tx *tx, const char *org_id, const char *team_id, bool active)
{
	if (!str_is_uuid(str_from_cstr(team_id)))
		return 0;
	const char *p[3] = { org_id, team_id, active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_active, 3, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

#define MEMBER_COLS "m.id, coalesce(u.name, ''), u.email, m.role, m.is_active and u.is_active"

static const db_stmt q_members = { "team_members",
	"select " MEMBER_COLS " from membership_teams mt "
	"join memberships m on m.id = mt.membership_id join users u on u.id = m.user_id "
	"where mt.team_id = $2::uuid and mt.organization_id = $1::uuid and not u.is_service "
	"order by u.email limit $3::int" };
static const db_stmt q_candidates = { "team_candidates",
	"select " MEMBER_COLS " from memberships m join users u on u.id = m.user_id "
	"where m.organization_id = $1::uuid and m.is_active and u.is_active and not u.is_service "
	"and not exists (select 1 from membership_teams mt where mt.membership_id = m.id and mt.team_id = $2::uuid) "
	"order by u.email limit $3::int" };

static int member_rows(db_tx *tx, const db_stmt *q, const char *org_id, const char *team_id, int max,
    team_member **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { org_id, team_id, lim };
	db_result *res = db_tx_exec(tx, q, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	team_member *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		list[i].membership_id = db_get_dup(tx->a, res, r, 0);
		list[i].name = db_get_dup(tx->a, res, r, 1);
		list[i].email = db_get_dup(tx->a, res, r, 2);
		list[i].role = db_get_dup(tx->a, res, r, 3);
		list[i].is_active = db_get_bool(res, r, 4);
	}
	*out = list;
	*n = rows;
	return 0;
}

int team_members(db_tx *tx, const char *org_id, const char *team_id, int max, team_member **out, size_t *n)
{
	return member_rows(tx, &q_members, org_id, team_id, max, out, n);
}

int team_candidates(db_tx *tx, const char *org_id, const char *team_id, int max, team_member **out, size_t *n)
{
	return member_rows(tx, &q_candidates, org_id, team_id, max, out, n);
}

/* Both rows must belong to the organization; the composite foreign keys
 * say so again. */
static const db_stmt q_add = { "team_member_add",
	"insert into membership_teams (membership_id, team_id, organization_id) "
	"select m.id, t.id, t.organization_id from memberships m join teams t on t.organization_id = m.organization_id "
	"where m.id = $3::uuid and t.id = $2::uuid and t.organization_id = $1::uuid and m.is_active "
	"and not exists (select 1 from users u where u.id = m.user_id and u.is_service) "
	"on conflict do nothing returning 1" };
static const db_stmt q_remove = { "team_member_remove",
	"delete from membership_teams where organization_id = $1::uuid and team_id = $2::uuid "
	"and membership_id = $3::uuid returning 1" };

static int member_change(db_tx *tx, const db_stmt *q, const char *org_id, const char *team_id,
    const char *membership_id)
{
	if (!str_is_uuid(str_from_cstr(team_id)) || !str_is_uuid(str_from_cstr(membership_id)))
		return 0;
	const char *p[3] = { org_id, team_id, membership_id };
	db_result *res = db_tx_exec(tx, q, 3, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

int team_member_add(db_tx *tx, const char *org_id, const char *team_id, const char *membership_id)
{
	return member_change(tx, &q_add, org_id, team_id, membership_id);
}

int team_member_remove(db_tx *tx, const char *org_id, const char *team_id, const char *membership_id)
{
	return member_change(tx, &q_remove, org_id, team_id, membership_id);
}
