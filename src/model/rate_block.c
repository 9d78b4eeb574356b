/* rate_block.c: SQL of the rate-limit blocks page. */
#include "model/rate_block.h"

#include <stdio.h>
#include <string.h>

/* Members first, so a member who also filed a ticket is shown as staff.
 * The tickets come newest first from (assigned_org_id, created_at) indexes;
 * their requesters are read under row-level security like every list of
 * the desk. */
static const db_stmt q_people = { "rate_block_people",
	"with m as (select u.id, u.email::text, coalesce(u.name, '') as name, true as member "
	"           from memberships ms join users u on u.id = ms.user_id "
	"           where ms.organization_id = $1::uuid order by ms.created_at, u.id limit $2::int), "
	"t as (select t.requester_id from tickets t where t.assigned_org_id = $1::uuid and t.requester_id is not null "
	"      order by t.created_at desc limit $3::int), "
	"q as (select u.id, u.email::text, coalesce(u.name, '') as name, false as member "
	"      from users u where u.id in (select requester_id from t) "
	"      and u.id not in (select id from m)) "
	"select id, email, name, member from m union all select id, email, name, member from q" };

int rate_block_people(db_tx *tx, const char *org_id, int max_members, int max_tickets, rate_block_person **out,
    size_t *n)
{
	*out = NULL;
	*n = 0;
	char lm[16], lt[16];
	snprintf(lm, sizeof lm, "%d", max_members);
	snprintf(lt, sizeof lt, "%d", max_tickets);
	const char *p[3] = { org_id, lm, lt };
	db_result *res = db_tx_exec(tx, &q_people, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	rate_block_person *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		list[i].user_id = db_get_dup(tx->a, res, (int)i, 0);
		list[i].email = db_get_dup(tx->a, res, (int)i, 1);
		list[i].name = db_get_dup(tx->a, res, (int)i, 2);
		list[i].member = db_get_bool(res, (int)i, 3);
	}
	*out = list;
	*n = rows;
	return 0;
}

static const db_stmt q_lift = { "rate_block_lift_record",
	"select admin_rate_limit_lift_record($1::uuid, $2, jsonb_strip_nulls(jsonb_build_object("
	"  'action', $3::text, 'counted', $4::text, 'who', nullif($5, ''), "
	"  'hits', $6::bigint, 'limit', $7::bigint, 'seconds_left', $8::bigint))) is not null" };

int rate_block_lift_record(db_tx *tx, const char *org_id, const rate_block_lift *l)
{
	char hits[24], limit[24], left[24];
	snprintf(hits, sizeof hits, "%ld", l->hits);
	snprintf(limit, sizeof limit, "%ld", l->limit);
	snprintf(left, sizeof left, "%ld", l->seconds_left);
	const char *p[8] = { org_id, l->key, l->action, l->counted, l->who ? l->who : "", hits, limit, left };
	db_result *res = db_tx_exec(tx, &q_lift, 8, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}
