/* sla.c: SQL of an organization's SLA policies. Every statement names the
 * organization, so an id from another one finds nothing; writes are
 * followed by sla_policy_recompute() (0025) in the same transaction. */
#include "model/sla.h"

#include <string.h>

const char *const sla_day_keys[SLA_DAYS] = { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday" };
const char *const sla_priorities[SLA_PRIORITIES] = { "low", "normal", "high", "urgent" };

#define DAY_COLS(d) "coalesce(p.business_hours->'" d "'->>'start', ''), coalesce(p.business_hours->'" d "'->>'end', ''), "
/* The open-ticket count stops at 1001, like the categories' ("1000+"). */
#define SLA_COLS \
	"p.id, p.priority, p.display_name, p.color, p.first_response_minutes, p.resolution_minutes, " \
	"p.warning_threshold_percent, coalesce(p.escalate_to_role, ''), p.use_business_hours, " \
	DAY_COLS("monday") DAY_COLS("tuesday") DAY_COLS("wednesday") DAY_COLS("thursday") DAY_COLS("friday") \
	DAY_COLS("saturday") DAY_COLS("sunday") \
	"p.time_zone, coalesce((select string_agg(d::text, E'\\n' order by d) from unnest(p.holidays) d), ''), " \
	"p.raise_priority_on_breach, p.is_active, " \
	"(select count(*) from (select 1 from tickets t where t.sla_policy_id = p.id " \
	"  and t.status in ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') limit 1001) u)"
#define SLA_ORDER "order by array_position(array['urgent', 'high', 'normal', 'low'], p.priority)"

static const db_stmt q_list = { "sla_policy_list",
	"select " SLA_COLS " from sla_policies p where p.organization_id = $1::uuid " SLA_ORDER " limit 4" };
static const db_stmt q_defaults = { "sla_default_list",
	"select " SLA_COLS " from sla_policies p where p.organization_id is null " SLA_ORDER " limit 4" };
static const db_stmt q_get = { "sla_policy_get",
	"select " SLA_COLS " from sla_policies p where p.organization_id = $1::uuid and p.id = $2::uuid" };

static void sla_row(db_tx *tx, db_result *res, int r, sla_policy *p)
{
	int c = 0;
	p->id = db_get_dup(tx->a, res, r, c++);
	p->priority = db_get_dup(tx->a, res, r, c++);
	p->display_name = db_get_dup(tx->a, res, r, c++);
	p->color = db_get_dup(tx->a, res, r, c++);
	p->first_response_minutes = (long)db_get_int(res, r, c++, 0);
	p->resolution_minutes = (long)db_get_int(res, r, c++, 0);
	p->warning_percent = (long)db_get_int(res, r, c++, 0);
	p->escalate_to_role = db_get_dup(tx->a, res, r, c++);
	p->use_business_hours = db_get_bool(res, r, c++);
	for (int d = 0; d < SLA_DAYS; d++) {
		p->days[d].start = db_get_dup(tx->a, res, r, c++);
		p->days[d].end = db_get_dup(tx->a, res, r, c++);
		p->days[d].open = *p->days[d].start != '\0';
	}
	p->time_zone = db_get_dup(tx->a, res, r, c++);
	p->holidays = db_get_dup(tx->a, res, r, c++);
	p->raise_priority_on_breach = db_get_bool(res, r, c++);
	p->is_active = db_get_bool(res, r, c++);
	p->open_tickets = (long)db_get_int(res, r, c++, 0);
}

static int list(db_tx *tx, const db_stmt *s, int np, const char *const *params, sla_policy **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	db_result *res = db_tx_exec(tx, s, np, params);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	sla_policy *l = arena_calloc(tx->a, rows + 1, sizeof *l);
	for (size_t i = 0; i < rows; i++)
		sla_row(tx, res, (int)i, &l[i]);
	*out = l;
	*n = rows;
	return 0;
}

int sla_policy_list(db_tx *tx, const char *org_id, sla_policy **out, size_t *n)
{
	const char *p[1] = { org_id };
	return list(tx, &q_list, 1, p, out, n);
}

int sla_default_list(db_tx *tx, sla_policy **out, size_t *n)
{
	return list(tx, &q_defaults, 0, NULL, out, n);
}

int sla_policy_get(db_tx *tx, const char *org_id, const char *id, sla_policy *out)
{
	memset(out, 0, sizeof *out);
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	sla_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_tz = { "sla_time_zone_valid", "select sla_time_zone_valid($1)" };

int sla_time_zone_valid(db_tx *tx, const char *tz)
{
	const char *p[1] = { tz };
	db_result *res = db_tx_exec(tx, &q_tz, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}

/* {"monday":{"start":"09:00","end":"17:00"},...}: the open days only (a
 * missing day is closed, 0002). The times are checked "HH:MM" already. */
static const char *hours_json(arena *a, const sla_input *in)
{
	const char *j = "{";
	bool first = true;
	for (int d = 0; d < SLA_DAYS; d++) {
		if (!in->days[d].open)
			continue;
		j = arena_sprintf(a, "%s%s\"%s\":{\"start\":\"%s\",\"end\":\"%s\"}", j, first ? "" : ",", sla_day_keys[d],
		    in->days[d].start, in->days[d].end);
		first = false;
	}
	return arena_sprintf(a, "%s}", j);
}

static const db_stmt q_recompute = { "sla_policy_recompute", "select sla_policy_recompute($1::uuid, $2)" };

static int recompute(db_tx *tx, const char *org_id, const char *priority, long *recomputed)
{
	const char *p[2] = { org_id, priority };
	db_result *res = db_tx_exec(tx, &q_recompute, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	long n = (long)db_get_int(res, 0, 0, -1);
	if (n < 0)
		return -1; /* not an admin of it: the page never gets this far */
	*recomputed = n;
	return 0;
}

/* $3.. of the create and the update, in this order. */
#define SLA_VALUE_PARAMS 13
static void value_params(db_tx *tx, const sla_input *in, const char **p)
{
	p[0] = in->display_name;
	p[1] = in->color;
	p[2] = arena_sprintf(tx->a, "%ld", in->first_response_minutes);
	p[3] = arena_sprintf(tx->a, "%ld", in->resolution_minutes);
	p[4] = arena_sprintf(tx->a, "%ld", in->warning_percent);
	p[5] = in->escalate_to_role;
	p[6] = in->use_business_hours ? "true" : "false";
	p[7] = hours_json(tx->a, in);
	p[8] = in->time_zone;
	p[9] = in->holidays;
	p[10] = in->raise_priority_on_breach ? "true" : "false";
	p[11] = in->is_active ? "true" : "false";
	p[12] = in->priority;
}

static const db_stmt q_create = { "sla_policy_create",
	"insert into sla_policies (organization_id, display_name, color, first_response_minutes, resolution_minutes, "
	"  warning_threshold_percent, escalate_to_role, use_business_hours, business_hours, time_zone, holidays, "
	"  raise_priority_on_breach, is_active, priority, sort_order) "
	"values ($1::uuid, $2, $3, $4::int, $5::int, $6::int, nullif($7, ''), $8::boolean, $9::jsonb, $10, "
	"  coalesce(string_to_array(nullif($11, ''), E'\\n')::date[], '{}'), $12::boolean, $13::boolean, $14, "
	"  array_position(array['urgent', 'high', 'normal', 'low'], $14)) "
	"on conflict on constraint sla_policies_org_priority_key do nothing returning id" };

int sla_policy_create(db_tx *tx, const char *org_id, const sla_input *in, const char **id, long *recomputed)
{
	*id = NULL;
	*recomputed = 0;
	const char *p[1 + SLA_VALUE_PARAMS] = { org_id };
	value_params(tx, in, p + 1);
	db_result *res = db_tx_exec(tx, &q_create, 1 + SLA_VALUE_PARAMS, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*id = db_get_dup(tx->a, res, 0, 0);
	return recompute(tx, org_id, in->priority, recomputed) == 0 ? 1 : -1;
}

/* The priority is not passed: a policy keeps its own, returned. */
static const db_stmt q_update = { "sla_policy_update",
	"update sla_policies set display_name = $3, color = $4, first_response_minutes = $5::int, "
	"  resolution_minutes = $6::int, warning_threshold_percent = $7::int, escalate_to_role = nullif($8, ''), "
	"  use_business_hours = $9::boolean, business_hours = $10::jsonb, time_zone = $11, "
	"  holidays = coalesce(string_to_array(nullif($12, ''), E'\\n')::date[], '{}'), "
	"  raise_priority_on_breach = $13::boolean, is_active = $14::boolean "
	"where organization_id = $1::uuid and id = $2::uuid returning priority" };

int sla_policy_update(db_tx *tx, const char *org_id, const char *id, const sla_input *in, long *recomputed)
{
	*recomputed = 0;
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[2 + SLA_VALUE_PARAMS] = { org_id, id };
	value_params(tx, in, p + 2);
	db_result *res = db_tx_exec(tx, &q_update, 2 + SLA_VALUE_PARAMS - 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	const char *priority = db_get_dup(tx->a, res, 0, 0);
	return recompute(tx, org_id, priority, recomputed) == 0 ? 1 : -1;
}

static const db_stmt q_delete = { "sla_policy_delete", "select admin_sla_policy_delete($1::uuid, $2::uuid)" };

int sla_policy_delete(db_tx *tx, const char *org_id, const char *id, sla_delete_outcome *out)
{
	*out = SLA_NOT_FOUND;
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_delete, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	const char *o = db_get_dup(tx->a, res, 0, 0);
	if (strcmp(o, "deleted") == 0)
		*out = SLA_DELETED;
	else if (strcmp(o, "deactivated") == 0)
		*out = SLA_DEACTIVATED;
	else if (strcmp(o, "not_found") != 0)
		return -1; /* forbidden: the pages never offer it */
	return 0;
}
