/* category.c: SQL of an organization's categories. Every statement names
 * the organization, so an id from another one finds nothing. */
#include "model/category.h"

#include <stdio.h>
#include <string.h>

/* The ticket count stops at 1001: enough to say "in use" and "1000+"
 * without counting a busy category's every ticket. */
#define CATEGORY_COLS \
	"c.id, c.name, c.slug, coalesce(c.description, ''), coalesce(c.color, ''), coalesce(c.icon, ''), " \
	"c.is_active, c.sort_order, " \
	"(select count(*) from (select 1 from tickets t where t.category_id = c.id limit 1001) u)"

static const db_stmt q_list = { "category_list",
	"select " CATEGORY_COLS " from categories c where c.organization_id = $1::uuid "
	"order by c.sort_order, c.name, c.id limit $2::int" };
static const db_stmt q_get = { "category_get",
	"select " CATEGORY_COLS " from categories c where c.organization_id = $1::uuid and c.id = $2::uuid" };

static void category_row(db_tx *tx, db_result *res, int r, category *c)
{
	c->id = db_get_dup(tx->a, res, r, 0);
	c->name = db_get_dup(tx->a, res, r, 1);
	c->slug = db_get_dup(tx->a, res, r, 2);
	c->description = db_get_dup(tx->a, res, r, 3);
	c->color = db_get_dup(tx->a, res, r, 4);
	c->icon = db_get_dup(tx->a, res, r, 5);
	c->is_active = db_get_bool(res, r, 6);
	c->sort_order = (long)db_get_int(res, r, 7, 0);
	c->tickets = (long)db_get_int(res, r, 8, 0);
}

int category_list(db_tx *tx, const char *org_id, int max, category **out, size_t *n)
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
	category *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		category_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int category_get(db_tx *tx, const char *org_id, const char *id, category *out)
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
	category_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_options = { "category_options",
	"select c.id, c.name from categories c where c.is_active and (c.organization_id = $1::uuid or c.organization_id is null) "
	"order by c.organization_id nulls last, c.sort_order, c.name, c.id limit $2::int" };

int category_options(db_tx *tx, const char *org_id, int max, category **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id, lim };
	db_result *res = db_tx_exec(tx, &q_options, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	category *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		list[i].id = db_get_dup(tx->a, res, (int)i, 0);
		list[i].name = db_get_dup(tx->a, res, (int)i, 1);
	}
	*out = list;
	*n = rows;
	return 0;
}

static const db_stmt q_create = { "category_create",
	"insert into categories (organization_id, name, slug, description, color, icon, is_active, sort_order, created_by) "
	"values ($1::uuid, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), $7::boolean, "
	"        (select coalesce(max(sort_order), 0) + 10 from categories where organization_id = $1::uuid), "
	"        nullif(current_setting('app.user_id', true), '')::uuid) "
	"on conflict (organization_id, slug) do nothing returning id" };

int category_create(db_tx *tx, const char *org_id, const category_input *in, const char **id)
{
	*id = NULL;
	const char *p[7] = { org_id, in->name, in->slug, in->description, in->color, in->icon,
		in->is_active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_create, 7, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*id = db_get_dup(tx->a, res, 0, 0);
	return 1;
}

static const db_stmt q_update = { "category_update",
	"with c as (select id from categories where id = $2::uuid and organization_id = $1::uuid), "
	"taken as (select 1 from categories where organization_id = $1::uuid and slug = $4 and id <> $2::uuid), "
	"u as (update categories set name = $3, slug = $4, description = nullif($5, ''), color = nullif($6, ''), "
	"      icon = nullif($7, ''), is_active = $8::boolean "
	"      where id = (select id from c) and not exists (select 1 from taken) returning 1) "
	"select exists (select 1 from c), exists (select 1 from u)" };

int category_update(db_tx *tx, const char *org_id, const char *id, const category_input *in, bool *found)
{
	*found = false;
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[8] = { org_id, id, in->name, in->slug, in->description, in->color, in->icon,
		in->is_active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_update, 8, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*found = db_get_bool(res, 0, 0);
	return db_get_bool(res, 0, 1) ? 1 : 0;
}

/* Positions 1..n in the current order; the moved one swaps with its
 * neighbour, and every row gets position * 10, so equal sort orders (the
 * default 0) become distinct on the first move. Rows locked in id order
 * first: two admins moving at once cannot interleave their renumbering. */
static const db_stmt q_move = { "category_move",
	"with locked as (select id from categories where organization_id = $1::uuid order by id for update), "
	"o as (select c.id, row_number() over (order by c.sort_order, c.name, c.id) pos "
	"      from categories c join locked l on l.id = c.id), "
	"me as (select pos from o where id = $2::uuid), "
	"other as (select o.pos from o, me where o.pos = me.pos + case when $3::boolean then -1 else 1 end), "
	"u as (update categories c set sort_order = 10 * case when o.id = $2::uuid then (select pos from other) "
	"                                                    when o.pos = (select pos from other) then (select pos from me) "
	"                                                    else o.pos end "
	"      from o where c.id = o.id and exists (select 1 from other) returning 1) "
	"select count(*) from u" };

int category_move(db_tx *tx, const char *org_id, const char *id, bool up)
{
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[3] = { org_id, id, up ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_move, 3, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_int(res, 0, 0, 0) > 0 ? 1 : 0;
}

static const db_stmt q_delete = { "category_delete", "select admin_category_delete($1::uuid, $2::uuid)" };

int category_remove(db_tx *tx, const char *org_id, const char *id)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_delete, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	str o = db_get(res, 0, 0);
	if (str_eq_cstr(o, "deleted"))
		return 1;
	if (str_eq_cstr(o, "deactivated"))
		return 2;
	return str_eq_cstr(o, "not_found") ? 0 : -1; /* forbidden: the pages never offer it */
}
