/* workflow.c: SQL of workflows, stages, hooks, a ticket's stage and its
 * history (0036). Ids that are not uuids find nothing rather than fail the
 * transaction. Next/previous links, the audit, the start stage, the hooks
 * of a move and the history entries are the triggers' work. */
#include "model/workflow.h"

#include <stdio.h>
#include <string.h>

static bool uuid_ok(const char *s)
{
	return s && str_is_uuid(str_from_cstr(s));
}

static const char *dup0(db_tx *tx, db_result *res, int r, int c)
{
	const char *s = db_get_dup(tx->a, res, r, c);
	return s ? s : "";
}

/* ---- workflows ---- */

#define WF_COLS "w.id, w.name, coalesce(w.description, ''), w.is_active, " \
	"(select count(*) from workflow_stages s where s.workflow_id = w.id)"

static const db_stmt q_list = { "workflow_list",
	"select " WF_COLS " from workflows w where w.organization_id = $1::uuid "
	"order by w.is_active desc, w.created_at, w.id limit $2::int" };
static const db_stmt q_choices = { "workflow_choices",
	"select " WF_COLS " from workflows w where w.organization_id = $1::uuid and w.is_active "
	"order by w.created_at, w.id limit 200" };
static const db_stmt q_get = { "workflow_get",
	"select " WF_COLS " from workflows w where w.organization_id = $1::uuid and w.id = $2::uuid" };

static void wf_row(db_tx *tx, db_result *res, int r, workflow *w)
{
	w->id = dup0(tx, res, r, 0);
	w->name = dup0(tx, res, r, 1);
	w->description = dup0(tx, res, r, 2);
	w->is_active = db_get_bool(res, r, 3);
	w->stages = (long)db_get_int(res, r, 4, 0);
}

static int wf_rows(db_tx *tx, db_result *res, workflow **out, size_t *n)
{
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	workflow *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++)
		wf_row(tx, res, (int)i, &l[i]);
	*out = l;
	*n = rows;
	return 0;
}

int workflow_list(db_tx *tx, const char *org_id, int max, workflow **out, size_t *n)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id, lim };
	return wf_rows(tx, db_tx_exec(tx, &q_list, 2, p), out, n);
}

int workflow_choices(db_tx *tx, const char *org_id, workflow **out, size_t *n)
{
	const char *p[1] = { org_id };
	return wf_rows(tx, db_tx_exec(tx, &q_choices, 1, p), out, n);
}

int workflow_get(db_tx *tx, const char *org_id, const char *id, workflow *out)
{
	memset(out, 0, sizeof *out);
	if (!uuid_ok(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	wf_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_create = { "workflow_create",
	"insert into workflows (organization_id, name, description) values ($1::uuid, $2, nullif($3, '')) "
	"on conflict (organization_id, name) do nothing returning id" };

int workflow_create(db_tx *tx, const char *org_id, const char *name, const char *description, const char **id)
{
	*id = NULL;
	const char *p[3] = { org_id, name, description ? description : "" };
	db_result *res = db_tx_exec(tx, &q_create, 3, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*id = db_get_dup(tx->a, res, 0, 0);
	return 1;
}

static const db_stmt q_update = { "workflow_update",
	"with w as (select id from workflows where id = $2::uuid and organization_id = $1::uuid), "
	"taken as (select 1 from workflows where organization_id = $1::uuid and name = $3 and id <> $2::uuid), "
	"u as (update workflows set name = $3, description = nullif($4, ''), is_active = $5::boolean "
	"      where id = (select id from w) and not exists (select 1 from taken) returning 1) "
	"select exists (select 1 from w), exists (select 1 from u)" };

int workflow_update(db_tx *tx, const char *org_id, const char *id, const char *name, const char *description,
    bool active, bool *found)
{
	*found = false;
	if (!uuid_ok(id))
		return 0;
	const char *p[5] = { org_id, id, name, description ? description : "", active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_update, 5, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*found = db_get_bool(res, 0, 0);
	return db_get_bool(res, 0, 1) ? 1 : 0;
}

static const db_stmt q_type_wf = { "workflow_of_request_type",
	"select workflow_id from request_types where id = $2::uuid and organization_id = $1::uuid" };

int workflow_of_request_type(db_tx *tx, const char *org_id, const char *type_id, const char **workflow_id)
{
	*workflow_id = NULL;
	if (!uuid_ok(type_id))
		return 0;
	const char *p[2] = { org_id, type_id };
	db_result *res = db_tx_exec(tx, &q_type_wf, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) == 1)
		*workflow_id = db_get_dup(tx->a, res, 0, 0);
	return 0;
}

static const db_stmt q_type_wf_set = { "workflow_set_request_type",
	"update request_types set workflow_id = nullif($3, '')::uuid "
	"where id = $2::uuid and organization_id = $1::uuid "
	"and ($3 = '' or exists (select 1 from workflows w where w.id = nullif($3, '')::uuid "
	"     and w.organization_id = $1::uuid and w.is_active)) "
	"and workflow_id is distinct from nullif($3, '')::uuid returning 1" };

int workflow_set_request_type(db_tx *tx, const char *org_id, const char *type_id, const char *workflow_id)
{
	if (!workflow_id)
		workflow_id = "";
	if (!uuid_ok(type_id) || (*workflow_id && !uuid_ok(workflow_id)))
		return 0;
	const char *p[3] = { org_id, type_id, workflow_id };
	return db_tx_exec(tx, &q_type_wf_set, 3, p) ? 1 : -1;
}

/* ---- stages ---- */

static const db_stmt q_stages = { "workflow_stages",
	"select s.id, s.name, coalesce(s.description, ''), "
	"case when s.is_start then 'start' when s.is_end then 'end' when s.is_other then 'other' else 'step' end, "
	"s.next_stage_id, s.prev_stage_id, "
	"(select count(*) from workflow_stage_hooks h where h.stage_id = s.id) "
	"from workflow_stages s where s.workflow_id = $1::uuid "
	"order by s.is_other, s.is_start desc, s.is_end, s.position, s.created_at, s.id limit 200" };

int workflow_stages(db_tx *tx, const char *workflow_id, workflow_stage **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!uuid_ok(workflow_id))
		return 0;
	const char *p[1] = { workflow_id };
	db_result *res = db_tx_exec(tx, &q_stages, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	workflow_stage *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		l[i].id = dup0(tx, res, r, 0);
		l[i].name = dup0(tx, res, r, 1);
		l[i].description = dup0(tx, res, r, 2);
		l[i].kind = dup0(tx, res, r, 3);
		l[i].next_id = db_get_dup(tx->a, res, r, 4);
		l[i].prev_id = db_get_dup(tx->a, res, r, 5);
		l[i].hooks = (long)db_get_int(res, r, 6, 0);
	}
	*out = l;
	*n = rows;
	return 0;
}

/* The kind's flags; a step goes after the last step. ON CONFLICT DO
 * NOTHING catches the one-start/one-end/one-other indexes without failing
 * the transaction. */
static const db_stmt q_stage_add = { "workflow_stage_add",
	"insert into workflow_stages (workflow_id, name, description, is_start, is_end, is_other, position) "
	"select w.id, $3, nullif($4, ''), $5 = 'start', $5 = 'end', $5 = 'other', "
	"       coalesce((select max(position) + 1 from workflow_stages where workflow_id = w.id), 0) "
	"from workflows w where w.id = $2::uuid and w.organization_id = $1::uuid "
	"on conflict do nothing returning id" };
static const db_stmt q_wf_exists = { "workflow_exists",
	"select 1 from workflows where id = $2::uuid and organization_id = $1::uuid" };

int workflow_stage_add(db_tx *tx, const char *org_id, const char *workflow_id, const char *name,
    const char *description, const char *kind)
{
	if (!uuid_ok(workflow_id))
		return 0;
	const char *p[5] = { org_id, workflow_id, name, description ? description : "", kind };
	db_result *res = db_tx_exec(tx, &q_stage_add, 5, p);
	if (!res)
		return -1;
	if (db_rows(res) == 1)
		return 1;
	/* Nothing inserted: an unknown workflow is a failure of the caller
	 * (the page loaded it), so 0 means the kind is taken. */
	res = db_tx_exec(tx, &q_wf_exists, 2, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 0 : -1;
}

static const db_stmt q_stage_update = { "workflow_stage_update",
	"update workflow_stages s set name = $4, description = nullif($5, '') "
	"from workflows w where w.id = s.workflow_id and w.organization_id = $1::uuid "
	"and s.workflow_id = $2::uuid and s.id = $3::uuid returning 1" };

int workflow_stage_update(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id,
    const char *name, const char *description)
{
	if (!uuid_ok(workflow_id) || !uuid_ok(stage_id))
		return 0;
	const char *p[5] = { org_id, workflow_id, stage_id, name, description ? description : "" };
	db_result *res = db_tx_exec(tx, &q_stage_update, 5, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

/* Swaps the positions of the step and its neighbour among the steps (the
 * positions made distinct first, so that equal ones still move). */
static const db_stmt q_stage_move = { "workflow_stage_move",
	"with me as (select s.id from workflow_stages s join workflows w on w.id = s.workflow_id "
	"            where w.organization_id = $1::uuid and s.workflow_id = $2::uuid and s.id = $3::uuid), "
	"steps as (select id, (row_number() over (order by position, created_at, id))::int * 2 as pos "
	"          from workflow_stages where workflow_id = $2::uuid and not (is_start or is_end or is_other)), "
	"mine as (select pos from steps where id = (select id from me)), "
	"other as (select id, pos from steps where case when $4::boolean then pos < (select pos from mine) "
	"          else pos > (select pos from mine) end "
	"          order by case when $4::boolean then -pos else pos end limit 1), "
	"target as (select s.id, case when s.id = (select id from me) then coalesce((select pos from other), s.pos) "
	"                             when s.id = (select id from other) then (select pos from mine) "
	"                             else s.pos end as pos from steps s), "
	"u as (update workflow_stages ws set position = t.pos from target t "
	"      where ws.id = t.id and ws.position is distinct from t.pos returning 1) "
	"select exists (select 1 from me), (select count(*) from u)" };

int workflow_stage_move(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id, bool up)
{
	if (!uuid_ok(workflow_id) || !uuid_ok(stage_id))
		return 0;
	const char *p[4] = { org_id, workflow_id, stage_id, up ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_stage_move, 4, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}

static const db_stmt q_stage_remove = { "workflow_stage_remove",
	"with me as (select s.id from workflow_stages s join workflows w on w.id = s.workflow_id "
	"            where w.organization_id = $1::uuid and s.workflow_id = $2::uuid and s.id = $3::uuid), "
	"busy as (select 1 from tickets t where t.current_stage_id = (select id from me) limit 1), "
	"d as (delete from workflow_stages where id = (select id from me) and not exists (select 1 from busy) "
	"      returning 1) "
	"select exists (select 1 from me), exists (select 1 from busy), exists (select 1 from d)" };

int workflow_stage_remove(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id)
{
	if (!uuid_ok(workflow_id) || !uuid_ok(stage_id))
		return 0;
	const char *p[3] = { org_id, workflow_id, stage_id };
	db_result *res = db_tx_exec(tx, &q_stage_remove, 3, p);
	if (!res || db_rows(res) != 1)
		return -1;
	if (!db_get_bool(res, 0, 0))
		return 0;
	return db_get_bool(res, 0, 1) ? 2 : 1;
}

/* ---- hooks ---- */

static const db_stmt q_hooks = { "workflow_hooks",
	"select h.id, h.stage_id, h.config->>'target_type', h.config->>'target_user_id', "
	"coalesce(case h.config->>'target_type' when 'specific_user' then coalesce(nullif(u.name, ''), u.email::text, 'a former member') "
	"              when 'role' then h.config->>'target_role' end, ''), "
	"h.config->>'target_role', coalesce(h.config->>'message', ''), h.is_active "
	"from workflow_stage_hooks h join workflow_stages s on s.id = h.stage_id "
	"left join users u on h.config->>'target_type' = 'specific_user' "
	"     and u.id::text = h.config->>'target_user_id' "
	"where s.workflow_id = $1::uuid order by h.created_at, h.id limit 500" };

int workflow_hooks(db_tx *tx, const char *workflow_id, workflow_hook **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!uuid_ok(workflow_id))
		return 0;
	const char *p[1] = { workflow_id };
	db_result *res = db_tx_exec(tx, &q_hooks, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	workflow_hook *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		l[i].id = dup0(tx, res, r, 0);
		l[i].stage_id = dup0(tx, res, r, 1);
		l[i].target_type = dup0(tx, res, r, 2);
		l[i].target_user_id = db_get_dup(tx->a, res, r, 3);
		l[i].target_label = dup0(tx, res, r, 4);
		l[i].target_role = db_get_dup(tx->a, res, r, 5);
		l[i].message = dup0(tx, res, r, 6);
		l[i].is_active = db_get_bool(res, r, 7);
	}
	*out = l;
	*n = rows;
	return 0;
}

/* The config built in SQL (never by pasting text); a specific user must be
 * an active member of the organization. */
#define HOOK_CONFIG \
	"jsonb_strip_nulls(jsonb_build_object('target_type', $4::text, " \
	"  'target_user_id', case when $4 = 'specific_user' then $5 end, " \
	"  'target_role', case when $4 = 'role' then $6 end, 'message', $7::text))"
#define HOOK_TARGET_OK \
	"($4 <> 'specific_user' or exists (select 1 from memberships m where m.organization_id = $1::uuid " \
	" and m.is_active and m.user_id::text = $5 " \
	" and not exists (select 1 from users u where u.id = m.user_id and u.is_service)))"

static const db_stmt q_hook_add = { "workflow_hook_add",
	"insert into workflow_stage_hooks (stage_id, hook_type, config, is_active) "
	"select s.id, 'notification', " HOOK_CONFIG ", $8::boolean "
	"from workflow_stages s join workflows w on w.id = s.workflow_id "
	"where w.organization_id = $1::uuid and s.workflow_id = $2::uuid and s.id = $3::uuid and " HOOK_TARGET_OK
	" returning 1" };
static const db_stmt q_hook_update = { "workflow_hook_update",
	"update workflow_stage_hooks h set config = " HOOK_CONFIG ", is_active = $8::boolean "
	"from workflow_stages s join workflows w on w.id = s.workflow_id "
	"where s.id = h.stage_id and w.organization_id = $1::uuid and s.workflow_id = $2::uuid "
	"and h.id = $3::uuid and " HOOK_TARGET_OK " returning 1" };

int workflow_hook_save(db_tx *tx, const char *org_id, const char *workflow_id, const char *stage_id,
    const char *hook_id, const char *target_type, const char *target_user_id, const char *target_role,
    const char *message, bool active)
{
	if (!uuid_ok(workflow_id) || (hook_id ? !uuid_ok(hook_id) : !uuid_ok(stage_id)))
		return 0;
	const char *p[8] = { org_id, workflow_id, hook_id ? hook_id : stage_id, target_type,
		target_user_id ? target_user_id : "", target_role ? target_role : "", message, active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, hook_id ? &q_hook_update : &q_hook_add, 8, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_hook_remove = { "workflow_hook_remove",
	"delete from workflow_stage_hooks h using workflow_stages s, workflows w "
	"where s.id = h.stage_id and w.id = s.workflow_id and w.organization_id = $1::uuid "
	"and s.workflow_id = $2::uuid and h.id = $3::uuid returning 1" };

int workflow_hook_remove(db_tx *tx, const char *org_id, const char *workflow_id, const char *hook_id)
{
	if (!uuid_ok(workflow_id) || !uuid_ok(hook_id))
		return 0;
	const char *p[3] = { org_id, workflow_id, hook_id };
	db_result *res = db_tx_exec(tx, &q_hook_remove, 3, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_people = { "workflow_people",
	"select u.id, case when coalesce(u.name, '') = '' then u.email::text "
	"                  else u.name || ' (' || u.email || ')' end "
	"from memberships m join users u on u.id = m.user_id and u.is_active and not u.is_service "
	"where m.organization_id = $1::uuid and m.is_active order by u.name, u.email limit $2::int" };

int workflow_people(db_tx *tx, const char *org_id, int max, workflow_person **out, size_t *n)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id, lim };
	db_result *res = db_tx_exec(tx, &q_people, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	workflow_person *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++) {
		l[i].user_id = dup0(tx, res, (int)i, 0);
		l[i].label = dup0(tx, res, (int)i, 1);
	}
	*out = l;
	*n = rows;
	return 0;
}

static const db_stmt q_stats = { "workflow_stats",
	"select stage_id, ticket_count, open_count, coalesce(avg_seconds_in_stage::bigint, -1), "
	"extract(epoch from refreshed_at)::bigint from workflow_stage_stats_for($1::uuid)" };

int workflow_stats(db_tx *tx, const char *workflow_id, workflow_stage_stat **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!uuid_ok(workflow_id))
		return 0;
	const char *p[1] = { workflow_id };
	db_result *res = db_tx_exec(tx, &q_stats, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	workflow_stage_stat *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		l[i].stage_id = dup0(tx, res, r, 0);
		l[i].tickets = (long)db_get_int(res, r, 1, 0);
		l[i].open = (long)db_get_int(res, r, 2, 0);
		l[i].avg_seconds = (long)db_get_int(res, r, 3, -1);
		l[i].refreshed_at = db_get_int(res, r, 4, 0);
	}
	*out = l;
	*n = rows;
	return 0;
}

static const db_stmt q_stage_options = { "workflow_stage_options",
	"select s.id, w.name || ': ' || s.name from workflow_stages s join workflows w on w.id = s.workflow_id "
	"where w.is_active order by w.name, w.id, s.is_other, s.is_start desc, s.is_end, s.position, s.id limit 200" };

int workflow_stage_options(db_tx *tx, workflow_stage_option **out, size_t *n)
{
	db_result *res = db_tx_exec(tx, &q_stage_options, 0, NULL);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	workflow_stage_option *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++) {
		l[i].id = dup0(tx, res, (int)i, 0);
		l[i].label = dup0(tx, res, (int)i, 1);
	}
	*out = l;
	*n = rows;
	return 0;
}

/* ---- a ticket's stage ---- */

static const db_stmt q_ticket_stage = { "ticket_stage_get",
	"select w.id, w.name, t.current_stage_id from tickets t left join workflows w on w.id = t.workflow_id "
	"where t.id = $1::uuid" };

int ticket_stage_get(db_tx *tx, const char *ticket_id, ticket_stage *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { ticket_id };
	db_result *res = db_tx_exec(tx, &q_ticket_stage, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1 || db_is_null(res, 0, 0))
		return 0;
	const char *wf = db_get_dup(tx->a, res, 0, 0);
	out->workflow_name = dup0(tx, res, 0, 1);
	out->stage_id = db_get_dup(tx->a, res, 0, 2);
	return workflow_stages(tx, wf, &out->stages, &out->nstages) < 0 ? -1 : 1;
}

/* Row-level security decides who may move it; the stage must be one of
 * the ticket's workflow (the trigger would refuse it too, failing the
 * transaction: checked here first). */
static const db_stmt q_move = { "ticket_stage_move",
	"with t as (select id, version, current_stage_id, workflow_id from tickets where id = $1::uuid), "
	"ok as (select 1 from workflow_stages s, t where s.id = $3::uuid and s.workflow_id = t.workflow_id), "
	"u as (update tickets set current_stage_id = $3::uuid where id = $1::uuid and version = $2::int "
	"      and exists (select 1 from ok) and current_stage_id is distinct from $3::uuid returning 1) "
	"select (select version from t), exists (select 1 from ok), "
	"       (select current_stage_id from t) = $3::uuid, exists (select 1 from u)" };

const char *ticket_stage_move(db_tx *tx, const char *ticket_id, int version, const char *stage_id)
{
	if (!uuid_ok(stage_id))
		return "invalid";
	char v[16];
	snprintf(v, sizeof v, "%d", version);
	const char *p[3] = { ticket_id, v, stage_id };
	db_result *res = db_tx_exec(tx, &q_move, 3, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	if (db_get_bool(res, 0, 3))
		return "moved";
	if (!db_get_bool(res, 0, 1))
		return "invalid";
	if (db_get_int(res, 0, 0, -1) != version)
		return "conflict";
	return "unchanged";
}

/* ---- history ---- */

#define HIST_COLS \
	"h.id, extract(epoch from h.changed_at)::bigint, coalesce(nullif(cb.name, ''), cb.email::text, ''), " \
	"h.changes::text, h.title, h.priority, coalesce(nullif(a.name, ''), a.email::text, ''), coalesce(h.stage_name, '')"
#define HIST_FROM \
	"from ticket_history h left join users cb on cb.id = h.changed_by left join users a on a.id = h.assignee_id "

static const db_stmt q_hist = { "ticket_history_list",
	"select " HIST_COLS " " HIST_FROM "where h.ticket_id = $1::uuid order by h.seq desc limit $2::int" };
static const db_stmt q_hist_at = { "ticket_history_at",
	"select " HIST_COLS ", (select d.description from ticket_history d where d.ticket_id = h.ticket_id "
	"  and d.seq <= h.seq and d.description is not null order by d.seq desc limit 1) "
	HIST_FROM "where h.ticket_id = $1::uuid and h.id = $2::uuid" };

static void hist_row(db_tx *tx, db_result *res, int r, ticket_history_entry *e)
{
	e->id = dup0(tx, res, r, 0);
	e->changed_at = db_get_int(res, r, 1, 0);
	e->changed_by = dup0(tx, res, r, 2);
	e->changes_json = dup0(tx, res, r, 3);
	e->title = dup0(tx, res, r, 4);
	e->priority = dup0(tx, res, r, 5);
	e->assignee = dup0(tx, res, r, 6);
	e->stage = dup0(tx, res, r, 7);
}

int ticket_history_list(db_tx *tx, const char *ticket_id, int max, ticket_history_entry **out, size_t *n)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { ticket_id, lim };
	db_result *res = db_tx_exec(tx, &q_hist, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	ticket_history_entry *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++)
		hist_row(tx, res, (int)i, &l[i]);
	*out = l;
	*n = rows;
	return 0;
}

int ticket_history_at(db_tx *tx, const char *ticket_id, const char *history_id, ticket_history_entry *out,
    const char **description)
{
	memset(out, 0, sizeof *out);
	*description = "";
	if (!uuid_ok(history_id))
		return 0;
	const char *p[2] = { ticket_id, history_id };
	db_result *res = db_tx_exec(tx, &q_hist_at, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	hist_row(tx, res, 0, out);
	*description = dup0(tx, res, 0, 8);
	return 1;
}
