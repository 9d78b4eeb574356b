/* request_type.c: SQL of an organization's request types. */
#include "model/request_type.h"
#include "model/attachment.h"

#include <stdio.h>
#include <string.h>

const char *const request_roles[REQUEST_ROLES] = { "anonymous", "customer", "agent", "admin" };

#define TYPE_COLS \
	"rt.id, rt.name, coalesce(rt.description, ''), coalesce(rt.category_id::text, ''), coalesce(c.name, ''), " \
	"rt.default_routing, rt.default_priority, " \
	"'anonymous' = any (rt.allowed_roles), 'customer' = any (rt.allowed_roles), " \
	"'agent' = any (rt.allowed_roles), 'admin' = any (rt.allowed_roles), " \
	"rt.requires_event, rt.is_active, rt.sort_order"

static const db_stmt q_list = { "request_type_list",
	"select " TYPE_COLS " from request_types rt left join categories c on c.id = rt.category_id "
	"where rt.organization_id = $1::uuid order by rt.sort_order, rt.name, rt.id limit $2::int" };
static const db_stmt q_get = { "request_type_get",
	"select " TYPE_COLS " from request_types rt left join categories c on c.id = rt.category_id "
	"where rt.organization_id = $1::uuid and rt.id = $2::uuid" };

static void type_row(db_tx *tx, db_result *res, int r, request_type *t)
{
	t->id = db_get_dup(tx->a, res, r, 0);
	t->name = db_get_dup(tx->a, res, r, 1);
	t->description = db_get_dup(tx->a, res, r, 2);
	t->category_id = db_get_dup(tx->a, res, r, 3);
	t->category_name = db_get_dup(tx->a, res, r, 4);
	t->routing = db_get_dup(tx->a, res, r, 5);
	t->priority = db_get_dup(tx->a, res, r, 6);
	for (int i = 0; i < REQUEST_ROLES; i++)
		t->roles[i] = db_get_bool(res, r, 7 + i);
	t->requires_event = db_get_bool(res, r, 11);
	t->is_active = db_get_bool(res, r, 12);
	t->sort_order = (long)db_get_int(res, r, 13, 0);
}

int request_type_list(db_tx *tx, const char *org_id, int max, request_type **out, size_t *n)
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
	request_type *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		type_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int request_type_get(db_tx *tx, const char *org_id, const char *id, request_type *out)
{
	memset(out, 0, sizeof *out);
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	type_row(tx, res, 0, out);
	return 1;
}

/* The name check and the write in one statement, as team_update does.
 * $2 is the type (NULL on create). Columns: the type exists, written, id. */
#define TYPE_VALUES "$3, nullif($4, ''), nullif($5, '')::uuid, $6, $7, $8::text[], $9::boolean"
static const db_stmt q_create = { "request_type_create",
	"with taken as (select 1 from request_types where organization_id = $1::uuid and lower(name) = lower($3)), "
	"w as (insert into request_types (organization_id, name, description, category_id, default_routing, "
	"      default_priority, allowed_roles, requires_event, sort_order) "
	"      select $1::uuid, " TYPE_VALUES ", "
	"      coalesce((select max(sort_order) from request_types where organization_id = $1::uuid), 0) + 10 "
	"      where not exists (select 1 from taken) and $2::uuid is null returning id) "
	"select true, exists (select 1 from w), (select id from w)" };
static const db_stmt q_update = { "request_type_update",
	"with t as (select id from request_types where id = $2::uuid and organization_id = $1::uuid), "
	"taken as (select 1 from request_types where organization_id = $1::uuid and lower(name) = lower($3) "
	"          and id <> $2::uuid), "
	"w as (update request_types set (name, description, category_id, default_routing, default_priority, "
	"      allowed_roles, requires_event, is_active) = (" TYPE_VALUES ", $10::boolean) "
	"      where id = (select id from t) and not exists (select 1 from taken) returning id) "
	"select exists (select 1 from t), exists (select 1 from w), (select id from w)" };

int request_type_save(db_tx *tx, const char *org_id, const char *id, const request_type *in, const char **new_id)
{
	if (new_id)
		*new_id = NULL;
	if (id && !cstr_is_uuid(id))
		return 2;
	char roles[64] = "{";
	for (int i = 0; i < REQUEST_ROLES; i++)
		if (in->roles[i]) {
			if (roles[1])
				strcat(roles, ",");
			strcat(roles, request_roles[i]);
		}
	strcat(roles, "}");
	const char *p[10] = { org_id, id, in->name, in->description, in->category_id, in->routing, in->priority,
		roles, in->requires_event ? "true" : "false", in->is_active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, id ? &q_update : &q_create, id ? 10 : 9, p);
	if (!res || db_rows(res) != 1)
		return -1;
	if (!db_get_bool(res, 0, 0))
		return 2;
	if (!db_get_bool(res, 0, 1))
		return 0;
	if (new_id)
		*new_id = db_get_dup(tx->a, res, 0, 2);
	return 1;
}

static const db_stmt q_move = { "request_type_move",
	"select admin_request_type_move($1::uuid, $2::uuid, $3::boolean)" };

int request_type_move(db_tx *tx, const char *org_id, const char *id, bool up)
{
	if (!cstr_is_uuid(id))
		return 2;
	const char *p[3] = { org_id, id, up ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_move, 3, p);
	if (!res || db_rows(res) != 1)
		return -1;
	str o = db_get(res, 0, 0);
	return str_eq_cstr(o, "ok") ? 1 : str_eq_cstr(o, "edge") ? 0 : 2;
}

static const db_stmt q_remove = { "request_type_remove",
	"select admin_request_type_remove($1::uuid, $2::uuid)" };

int request_type_remove(db_tx *tx, const char *org_id, const char *id)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_remove, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	str o = db_get(res, 0, 0);
	return str_eq_cstr(o, "deleted") ? 1 : str_eq_cstr(o, "deactivated") ? 2 : 0;
}

static const db_stmt q_categories = { "request_type_categories",
	"select id, name from categories where (organization_id = $1::uuid or organization_id is null) and is_active "
	"order by sort_order, name, id limit $2::int" };

int request_type_categories(db_tx *tx, const char *org_id, int max, category_choice **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id, lim };
	db_result *res = db_tx_exec(tx, &q_categories, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	category_choice *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		list[i].id = db_get_dup(tx->a, res, (int)i, 0);
		list[i].name = db_get_dup(tx->a, res, (int)i, 1);
	}
	*out = list;
	*n = rows;
	return 0;
}
