/* member.c: SQL of memberships as the admin pages see them. */
#include "model/member.h"
#include "model/attachment.h"

#include <stdio.h>
#include <string.h>

#define MEMBER_COLS \
	"m.id, u.id, u.email, coalesce(u.name, ''), m.role, m.is_active, u.is_active, " \
	"coalesce(to_char(u.away_since at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), ''), " \
	"coalesce((select string_agg(t.name, ', ' order by t.name) from membership_teams mt " \
	"          join teams t on t.id = mt.team_id where mt.membership_id = m.id), ''), u.is_service"

static const db_stmt q_list = { "member_list",
	"select " MEMBER_COLS " from memberships m join users u on u.id = m.user_id "
	"where m.organization_id = $1::uuid and ($2::citext is null or u.email > $2::citext) "
	"order by u.email limit $3::int" };
static const db_stmt q_get = { "member_get",
	"select " MEMBER_COLS " from memberships m join users u on u.id = m.user_id "
	"where m.organization_id = $1::uuid and m.id = $2::uuid" };

static void member_row(db_tx *tx, db_result *res, int r, member *m)
{
	m->id = db_get_dup(tx->a, res, r, 0);
	m->user_id = db_get_dup(tx->a, res, r, 1);
	m->email = db_get_dup(tx->a, res, r, 2);
	m->name = db_get_dup(tx->a, res, r, 3);
	m->role = db_get_dup(tx->a, res, r, 4);
	m->is_active = db_get_bool(res, r, 5);
	m->user_active = db_get_bool(res, r, 6);
	m->away_since = db_get_dup(tx->a, res, r, 7);
	m->teams = db_get_dup(tx->a, res, r, 8);
	m->is_service = db_get_bool(res, r, 9);
}

int member_list(db_tx *tx, const char *org_id, const char *after, int max, member **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { org_id, after, lim };
	db_result *res = db_tx_exec(tx, &q_list, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	member *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		member_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int member_get(db_tx *tx, const char *org_id, const char *membership_id, member *out)
{
	memset(out, 0, sizeof *out);
	if (!membership_id || !str_is_uuid(str_from_cstr(membership_id)))
		return 0;
	const char *p[2] = { org_id, membership_id };
	db_result *res = db_tx_exec(tx, &q_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	member_row(tx, res, 0, out);
	return 1;
}

static enum member_outcome outcome_of(const char *s)
{
	static const struct {
		const char *word;
		enum member_outcome o;
	} words[] = {
		{ "invited", MEMBER_OK }, { "reactivated", MEMBER_OK }, { "ok", MEMBER_OK },
		{ "unchanged", MEMBER_UNCHANGED }, { "already_member", MEMBER_ALREADY },
		{ "user_inactive", MEMBER_USER_INACTIVE }, { "last_admin", MEMBER_LAST_ADMIN },
		{ "not_found", MEMBER_NOT_FOUND },
	};
	for (size_t i = 0; s && i < sizeof words / sizeof *words; i++)
		if (strcmp(s, words[i].word) == 0)
			return words[i].o;
	return MEMBER_REFUSED;
}

static const db_stmt q_invite = { "member_invite",
	"select outcome, user_id from admin_member_invite($1::uuid, $2::citext, nullif($3, ''), $4)" };

int member_invite(db_tx *tx, const char *org_id, const char *email, const char *name, const char *role,
    enum member_outcome *outcome, const char **user_id)
{
	*outcome = MEMBER_REFUSED;
	*user_id = NULL;
	const char *p[4] = { org_id, email, name, role };
	db_result *res = db_tx_exec(tx, &q_invite, 4, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*outcome = outcome_of(db_get_dup(tx->a, res, 0, 0));
	*user_id = db_get_dup(tx->a, res, 0, 1);
	return 0;
}

static const db_stmt q_set = { "member_set",
	"select outcome, user_id, unassigned from admin_membership_set($1::uuid, $2::uuid, $3, $4::boolean)" };

int member_set(db_tx *tx, const char *org_id, const char *membership_id, const char *role, bool active,
    enum member_outcome *outcome, const char **user_id, long *unassigned)
{
	*outcome = MEMBER_NOT_FOUND;
	*user_id = NULL;
	*unassigned = 0;
	if (!membership_id || !str_is_uuid(str_from_cstr(membership_id)))
		return 0;
	const char *p[4] = { org_id, membership_id, role, active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_set, 4, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*outcome = outcome_of(db_get_dup(tx->a, res, 0, 0));
	*user_id = db_get_dup(tx->a, res, 0, 1);
	*unassigned = (long)db_get_int(res, 0, 2, 0);
	return 0;
}

static const db_stmt q_away = { "member_set_away", "select admin_member_set_away($1::uuid, $2::uuid, $3::boolean)" };

int member_set_away(db_tx *tx, const char *org_id, const char *membership_id, bool away, enum member_outcome *outcome)
{
	*outcome = MEMBER_NOT_FOUND;
	if (!cstr_is_uuid(membership_id))
		return 0;
	const char *p[3] = { org_id, membership_id, away ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_away, 3, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*outcome = outcome_of(db_get_dup(tx->a, res, 0, 0));
	return 0;
}
