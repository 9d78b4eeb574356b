/* canned.c: SQL of an organization's canned responses. Every statement
 * names the organization, so an id from another one finds nothing. */
#include "model/canned.h"

#include <stdio.h>
#include <string.h>

#define CANNED_COLS \
	"c.id, c.title, coalesce(ltrim(c.shortcut, '/'), ''), c.content, coalesce(c.category_id::text, ''), " \
	"coalesce(cat.name, ''), array_to_string(c.tags, ', '), c.is_public, c.is_active, " \
	"coalesce(c.team_id::text, ''), coalesce(t.name, ''), coalesce(u.name, u.email, ''), c.usage_count"
#define CANNED_FROM \
	" from canned_responses c left join categories cat on cat.id = c.category_id " \
	"left join teams t on t.id = c.team_id left join users u on u.id = c.created_by "

/* Keyset by (title, id): the cursor is the last row's id. */
static const db_stmt q_list = { "canned_list",
	"select " CANNED_COLS CANNED_FROM "where c.organization_id = $1::uuid "
	"and ($2 = '' or (c.title, c.id) > (select a.title, a.id from canned_responses a "
	"                                    where a.id = nullif($2, '')::uuid and a.organization_id = $1::uuid)) "
	"order by c.title, c.id limit $3::int" };
static const db_stmt q_get = { "canned_get",
	"select " CANNED_COLS CANNED_FROM "where c.organization_id = $1::uuid and c.id = $2::uuid" };

static void canned_row(db_tx *tx, db_result *res, int r, canned *c)
{
	c->id = db_get_dup(tx->a, res, r, 0);
	c->title = db_get_dup(tx->a, res, r, 1);
	c->shortcut = db_get_dup(tx->a, res, r, 2);
	c->content = db_get_dup(tx->a, res, r, 3);
	c->category_id = db_get_dup(tx->a, res, r, 4);
	c->category_name = db_get_dup(tx->a, res, r, 5);
	c->tags = db_get_dup(tx->a, res, r, 6);
	c->is_public = db_get_bool(res, r, 7);
	c->is_active = db_get_bool(res, r, 8);
	c->team_id = db_get_dup(tx->a, res, r, 9);
	c->team_name = db_get_dup(tx->a, res, r, 10);
	c->author = db_get_dup(tx->a, res, r, 11);
	c->usage_count = (long)db_get_int(res, r, 12, 0);
}

int canned_list(db_tx *tx, const char *org_id, const char *after, int max, canned **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (after && *after && !str_is_uuid(str_from_cstr(after)))
		return 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { org_id, after ? after : "", lim };
	db_result *res = db_tx_exec(tx, &q_list, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	canned *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		canned_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int canned_get(db_tx *tx, const char *org_id, const char *id, canned *out)
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
	canned_row(tx, res, 0, out);
	return 1;
}

/* The checks of a save, in the statement that saves: the category is the
 * organization's or the platform's, the team the organization's, and the
 * shortcut nobody else's in the organization as the workspace reads it
 * (without a leading '/'). $1 org, $2 id ('' for a new one), $3 title,
 * $4 shortcut, $5 content, $6 category, $7 team, $8 tags, $9 public,
 * $10 active. */
#define CANNED_CHECKS \
	"with chk as (select " \
	" ($6 = '' or exists (select 1 from categories where id = nullif($6, '')::uuid " \
	"                     and (organization_id = $1::uuid or organization_id is null))) cat_ok, " \
	" ($7 = '' or exists (select 1 from teams where id = nullif($7, '')::uuid and organization_id = $1::uuid)) team_ok, " \
	" ($4 <> '' and exists (select 1 from canned_responses where organization_id = $1::uuid " \
	"                       and ltrim(shortcut, '/') = $4 and id is distinct from nullif($2, '')::uuid)) taken), " \
	"ok as (select 1 from chk where cat_ok and team_ok and not taken) "
#define CANNED_VALUES \
	"$3, nullif($4, ''), $5, nullif($6, '')::uuid, nullif($7, '')::uuid, " \
	"coalesce(string_to_array(nullif($8, ''), ','), '{}'), $9::boolean, $10::boolean"

static const db_stmt q_create = { "canned_create",
	CANNED_CHECKS
	", w as (insert into canned_responses (organization_id, title, shortcut, content, category_id, team_id, tags, "
	"        is_public, is_active, created_by) "
	"        select $1::uuid, " CANNED_VALUES ", nullif(current_setting('app.user_id', true), '')::uuid from ok "
	"        on conflict do nothing returning id) "
	"select cat_ok, team_ok, taken, true, (select id from w) from chk" };
static const db_stmt q_update = { "canned_update",
	CANNED_CHECKS
	", target as (select id from canned_responses where id = nullif($2, '')::uuid and organization_id = $1::uuid), "
	"w as (update canned_responses set (title, shortcut, content, category_id, team_id, tags, is_public, is_active) = "
	"      (" CANNED_VALUES ") where id = (select id from target) and exists (select 1 from ok) returning id) "
	"select cat_ok, team_ok, taken, exists (select 1 from target), (select id from w) from chk" };

int canned_save(db_tx *tx, const char *org_id, const char *id, const canned_input *in, canned_outcome *out,
    const char **new_id)
{
	*new_id = NULL;
	*out = CANNED_NOT_FOUND;
	if (id && !str_is_uuid(str_from_cstr(id)))
		return 0;
	if (*in->category_id && !str_is_uuid(str_from_cstr(in->category_id))) {
		*out = CANNED_BAD_CATEGORY;
		return 0;
	}
	if (*in->team_id && !str_is_uuid(str_from_cstr(in->team_id))) {
		*out = CANNED_BAD_TEAM;
		return 0;
	}
	const char *p[10] = { org_id, id ? id : "", in->title, in->shortcut, in->content, in->category_id, in->team_id,
		in->tags_csv, in->is_public ? "true" : "false", in->is_active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, id ? &q_update : &q_create, 10, p);
	if (!res || db_rows(res) != 1)
		return -1;
	if (!db_get_bool(res, 0, 3))
		*out = CANNED_NOT_FOUND;
	else if (!db_get_bool(res, 0, 0))
		*out = CANNED_BAD_CATEGORY;
	else if (!db_get_bool(res, 0, 1))
		*out = CANNED_BAD_TEAM;
	else if (db_get_bool(res, 0, 2) || db_is_null(res, 0, 4))
		*out = CANNED_SHORTCUT_TAKEN; /* a create that lost the race on the unique constraint too */
	else {
		*out = CANNED_SAVED;
		*new_id = db_get_dup(tx->a, res, 0, 4);
	}
	return 0;
}

static const db_stmt q_delete = { "canned_delete",
	"delete from canned_responses where organization_id = $1::uuid and id = $2::uuid returning 1" };

int canned_delete(db_tx *tx, const char *org_id, const char *id)
{
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_delete, 2, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}
