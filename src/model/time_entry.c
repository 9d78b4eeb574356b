/* time_entry.c: see time_entry.h. */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "model/time_entry.h"

/* The message must be the ticket's own (the trigger checks it), and a
 * message carries one entry: a form sent twice adds nothing the second
 * time (on conflict). */
static const db_stmt q_add = { "time_entry_add",
	"insert into time_entries (ticket_id, message_id, user_id, minutes, billable, note, work_date) "
	"select t.id, $2::uuid, app_user_id(), $3::int, $4::boolean, nullif($5, ''), coalesce($6::date, current_date) "
	"from tickets t where t.id = $1::uuid and (app_is_platform_staff() "
	"  or (t.routing_type <> 'internal' and t.assigned_org_id = any (app_staff_org_ids()))) "
	"on conflict (message_id) do nothing returning id" };

int time_entry_add(db_tx *tx, const char *ticket_id, const char *message_id, int minutes, bool billable,
    const char *note, const char *work_date)
{
	char m[16];
	snprintf(m, sizeof m, "%d", minutes);
	const char *p[6] = { ticket_id, message_id, m, billable ? "true" : "false", note, work_date };
	db_result *res = db_tx_exec(tx, &q_add, 6, p);
	if (!res)
		return -1;
	/* No row: a ticket the user does not work (asked here, so the policy
	 * never has to refuse and abort the transaction), or a message that
	 * has its entry already. */
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_list = { "time_entries_of_ticket",
	"select e.id, e.user_id, coalesce(nullif(u.name, ''), u.email::text), e.work_date::text, coalesce(e.note, ''), "
	"coalesce(e.message_id::text, ''), e.minutes, e.billable, e.user_id = app_user_id(), "
	"extract(epoch from e.created_at)::bigint "
	"from time_entries e join users u on u.id = e.user_id "
	"where e.ticket_id = $1::uuid order by e.created_at desc, e.id desc limit 50" };
static const db_stmt q_totals = { "time_totals_of_ticket",
	"select coalesce(sum(minutes), 0), coalesce(sum(minutes) filter (where billable), 0), count(*) "
	"from time_entries where ticket_id = $1::uuid" };

static const db_stmt q_required = { "time_required_on_reply",
	"select coalesce((select require_time_on_reply from organization_settings where organization_id = "
	"coalesce($1::uuid, (select id from organizations where is_platform))), false)" };

void ticket_time_calls(const char *const *ticket_id, const char *const *org_id, db_call *calls)
{
	calls[0] = (db_call){ &q_totals, NULL, 1, ticket_id };
	calls[1] = (db_call){ &q_list, NULL, 1, ticket_id };
	calls[2] = (db_call){ &q_required, NULL, 1, org_id };
}

void ticket_time_from(arena *a, db_result *const *res, ticket_time *out)
{
	memset(out, 0, sizeof *out);
	db_result *tot = res[0], *list = res[1], *req = res[2];
	if (db_rows(tot) == 1) {
		out->totals.minutes = db_get_int(tot, 0, 0, 0);
		out->totals.billable_minutes = db_get_int(tot, 0, 1, 0);
		out->totals.entries = (long)db_get_int(tot, 0, 2, 0);
	}
	int rows = db_rows(list);
	out->entries = arena_alloc(a, sizeof *out->entries * (size_t)(rows > 0 ? rows : 1));
	for (int i = 0; i < rows; i++) {
		out->entries[i] = (time_entry){
			.id = db_get_dup(a, list, i, 0),
			.user_id = db_get_dup(a, list, i, 1),
			.user_name = db_get_dup(a, list, i, 2),
			.work_date = db_get_dup(a, list, i, 3),
			.note = db_get_dup(a, list, i, 4),
			.message_id = db_get_dup(a, list, i, 5),
			.minutes = (int)db_get_int(list, i, 6, 0),
			.billable = db_get_bool(list, i, 7),
			.mine = db_get_bool(list, i, 8),
			.created = db_get_int(list, i, 9, 0),
		};
	}
	out->n = (size_t)rows;
	out->required = db_rows(req) == 1 && db_get_bool(req, 0, 0);
}

static const db_stmt q_remove = { "time_entry_remove",
	"delete from time_entries where id = $2::uuid and ticket_id = $1::uuid returning id" };

int time_entry_remove(db_tx *tx, const char *ticket_id, const char *id)
{
	const char *p[2] = { ticket_id, id };
	db_result *res = db_tx_exec(tx, &q_remove, 2, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

int time_required_on_reply(db_tx *tx, const char *org_id, bool *required)
{
	const char *p[1] = { org_id };
	db_result *res = db_tx_exec(tx, &q_required, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*required = db_get_bool(res, 0, 0);
	return 0;
}
