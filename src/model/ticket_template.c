/* ticket_template.c: SQL of the ticket templates. Every admin statement
 * names the organization, so an id from another one finds nothing. */
#include "model/ticket_template.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"

#define TPL_COLS \
	"t.id, t.organization_id, o.name, o.slug, t.name, t.title, t.description, " \
	"coalesce(t.request_type_id::text, ''), coalesce(rt.name, ''), t.priority, " \
	"coalesce(t.team_id::text, ''), coalesce(tm.name, ''), coalesce(t.assignee_id::text, ''), " \
	"coalesce(au.name, au.email, ''), coalesce(ru.email::text, ''), t.custom_fields::text, t.is_active, t.schedule, " \
	"array_to_string(t.weekdays, ','), coalesce(t.month_day, 0), to_char(t.run_time, 'HH24:MI'), t.time_zone, " \
	"coalesce(to_char(t.next_run_at at time zone t.time_zone, 'YYYY-MM-DD HH24:MI'), ''), " \
	"coalesce(to_char(t.last_run_at at time zone t.time_zone, 'YYYY-MM-DD HH24:MI'), '')"
#define TPL_FROM \
	" from ticket_templates t join organizations o on o.id = t.organization_id " \
	"left join request_types rt on rt.id = t.request_type_id left join teams tm on tm.id = t.team_id " \
	"left join users au on au.id = t.assignee_id left join users ru on ru.id = t.requester_id "

/* Keyset by (name, id): the cursor is the last row's id. */
static const db_stmt q_list = { "template_list",
	"select " TPL_COLS TPL_FROM "where t.organization_id = $1::uuid "
	"and ($2 = '' or (t.name, t.id) > (select a.name, a.id from ticket_templates a "
	"                                   where a.id = nullif($2, '')::uuid and a.organization_id = $1::uuid)) "
	"order by t.name, t.id limit $3::int" };
static const db_stmt q_get = { "template_get",
	"select " TPL_COLS TPL_FROM "where t.organization_id = $1::uuid and t.id = $2::uuid" };
/* Keyset by (organization name, name, id). */
static const db_stmt q_usable = { "template_usable",
	"select " TPL_COLS TPL_FROM "where t.is_active and t.organization_id = any (app_staff_org_ids()) "
	"and ($1 = '' or (o.name, t.name, t.id) > (select ao.name, a.name, a.id from ticket_templates a "
	"  join organizations ao on ao.id = a.organization_id where a.id = nullif($1, '')::uuid)) "
	"order by o.name, t.name, t.id limit $2::int" };

static void tpl_row(db_tx *tx, db_result *res, int r, ticket_template *t)
{
	arena *a = tx->a;
	int c = 0;
	t->id = db_get_dup(a, res, r, c++);
	t->organization_id = db_get_dup(a, res, r, c++);
	t->organization_name = db_get_dup(a, res, r, c++);
	t->organization_slug = db_get_dup(a, res, r, c++);
	t->name = db_get_dup(a, res, r, c++);
	t->title = db_get_dup(a, res, r, c++);
	t->description = db_get_dup(a, res, r, c++);
	t->request_type_id = db_get_dup(a, res, r, c++);
	t->request_type_name = db_get_dup(a, res, r, c++);
	t->priority = db_get_dup(a, res, r, c++);
	t->team_id = db_get_dup(a, res, r, c++);
	t->team_name = db_get_dup(a, res, r, c++);
	t->assignee_id = db_get_dup(a, res, r, c++);
	t->assignee_name = db_get_dup(a, res, r, c++);
	t->requester_email = db_get_dup(a, res, r, c++);
	t->custom_fields = db_get_dup(a, res, r, c++);
	t->is_active = db_get_bool(res, r, c++);
	t->schedule = db_get_dup(a, res, r, c++);
	t->weekdays = db_get_dup(a, res, r, c++);
	t->month_day = (int)db_get_int(res, r, c++, 0);
	t->run_time = db_get_dup(a, res, r, c++);
	t->time_zone = db_get_dup(a, res, r, c++);
	t->next_run = db_get_dup(a, res, r, c++);
	t->last_run = db_get_dup(a, res, r, c++);
}

static int rows_of(db_tx *tx, db_result *res, ticket_template **out, size_t *n)
{
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	ticket_template *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		tpl_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int ticket_template_list(db_tx *tx, const char *org_id, const char *after, int max, ticket_template **out,
    size_t *n)
{
	*out = NULL;
	*n = 0;
	if (after && *after && !str_is_uuid(str_from_cstr(after)))
		return 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { org_id, after ? after : "", lim };
	return rows_of(tx, db_tx_exec(tx, &q_list, 3, p), out, n);
}

int ticket_template_get(db_tx *tx, const char *org_id, const char *id, ticket_template *out)
{
	memset(out, 0, sizeof *out);
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	tpl_row(tx, res, 0, out);
	return 1;
}

int ticket_template_usable(db_tx *tx, const char *after, int max, ticket_template **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (after && *after && !str_is_uuid(str_from_cstr(after)))
		return 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { after ? after : "", lim };
	return rows_of(tx, db_tx_exec(tx, &q_usable, 2, p), out, n);
}

static const db_stmt q_save = { "template_save",
	"select outcome, template_id from ticket_template_save($1::uuid, nullif($2, '')::uuid, $3, $4, $5, "
	"nullif($6, '')::uuid, $7, nullif($8, '')::uuid, nullif($9, '')::uuid, $10, $11::jsonb, $12::boolean, $13, "
	"$14::smallint[], nullif($15, '0')::smallint, $16::time, $17)" };

int ticket_template_save(db_tx *tx, const char *org_id, const char *id, const ticket_template_input *in,
    ticket_template_outcome *out, const char **new_id)
{
	*new_id = NULL;
	*out = TEMPLATE_NOT_FOUND;
	if (id && !str_is_uuid(str_from_cstr(id)))
		return 0;
	if (*in->request_type_id && !str_is_uuid(str_from_cstr(in->request_type_id))) {
		*out = TEMPLATE_BAD_TYPE;
		return 0;
	}
	if (*in->team_id && !str_is_uuid(str_from_cstr(in->team_id))) {
		*out = TEMPLATE_BAD_TEAM;
		return 0;
	}
	if (*in->assignee_id && !str_is_uuid(str_from_cstr(in->assignee_id))) {
		*out = TEMPLATE_BAD_ASSIGNEE;
		return 0;
	}
	char day[8];
	snprintf(day, sizeof day, "%d", in->month_day);
	const char *p[17] = { org_id, id ? id : "", in->name, in->title, in->description, in->request_type_id,
		in->priority, in->team_id, in->assignee_id, in->requester_email, in->custom_fields,
		in->is_active ? "true" : "false", in->schedule, in->weekdays_array, day, in->run_time, in->time_zone };
	db_result *res = db_tx_exec(tx, &q_save, 17, p);
	if (!res || db_rows(res) != 1)
		return -1;
	const char *o = db_get_dup(tx->a, res, 0, 0);
	static const struct {
		const char *name;
		ticket_template_outcome v;
	} outcomes[] = {
		{ "saved", TEMPLATE_SAVED }, { "not_found", TEMPLATE_NOT_FOUND }, { "bad_type", TEMPLATE_BAD_TYPE },
		{ "bad_team", TEMPLATE_BAD_TEAM }, { "bad_assignee", TEMPLATE_BAD_ASSIGNEE },
		{ "name_taken", TEMPLATE_NAME_TAKEN }, { "bad_time_zone", TEMPLATE_BAD_TIME_ZONE },
	};
	for (size_t i = 0; o && i < sizeof outcomes / sizeof *outcomes; i++)
		if (strcmp(o, outcomes[i].name) == 0)
			*out = outcomes[i].v;
	if (*out == TEMPLATE_SAVED)
		*new_id = db_get_dup(tx->a, res, 0, 1);
	return 0;
}

static const db_stmt q_active = { "template_set_active",
	"update ticket_templates set is_active = $3::boolean where organization_id = $1::uuid and id = $2::uuid "
	"returning 1" };

int ticket_template_set_active(db_tx *tx, const char *org_id, const char *id, bool active)
{
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[3] = { org_id, id, active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_active, 3, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_delete = { "template_delete",
	"delete from ticket_templates where organization_id = $1::uuid and id = $2::uuid returning 1" };

int ticket_template_delete(db_tx *tx, const char *org_id, const char *id)
{
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_delete, 2, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_use = { "template_use", "select ticket_template_use($1::uuid)" };

int ticket_template_use(db_tx *tx, const char *id, const char **number)
{
	*number = NULL;
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[1] = { id };
	db_result *res = db_tx_exec(tx, &q_use, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	if (db_is_null(res, 0, 0))
		return 0;
	*number = db_get_dup(tx->a, res, 0, 0);
	return 1;
}

static const db_stmt q_types = { "template_types",
	"select id, name from request_types where is_active and (organization_id = $1::uuid or organization_id is null) "
	"order by organization_id nulls last, sort_order, name, id limit $2::int" };
static const db_stmt q_people = { "template_people",
	"select u.id, coalesce(nullif(u.name, ''), u.email::text) from memberships m join users u on u.id = m.user_id "
	"where m.organization_id = $1::uuid and m.is_active and u.is_active and not u.is_service "
	"order by coalesce(nullif(u.name, ''), u.email::text), u.id limit $2::int" };

static int choices(db_tx *tx, const db_stmt *q, const char *org_id, int max, template_choice **out, size_t *n)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id, lim };
	db_result *res = db_tx_exec(tx, q, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	template_choice *c = arena_calloc(tx->a, rows + 1, sizeof *c);
	for (size_t i = 0; i < rows; i++) {
		c[i].id = db_get_dup(tx->a, res, (int)i, 0);
		c[i].name = db_get_dup(tx->a, res, (int)i, 1);
	}
	*out = c;
	*n = rows;
	return 0;
}

int ticket_template_choices(db_tx *tx, const char *org_id, int max, template_choice **types, size_t *ntypes,
    template_choice **people, size_t *npeople)
{
	*ntypes = *npeople = 0;
	if (choices(tx, &q_types, org_id, max, types, ntypes) != 0)
		return -1;
	return choices(tx, &q_people, org_id, max, people, npeople);
}

static const db_stmt q_run_due = { "template_run_due", "select ticket_templates_run_due($1::int)" };

int ticket_template_run_due(db_tx *tx, int limit, long long *created)
{
	*created = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit);
	const char *p[1] = { lim };
	db_result *res = db_tx_exec(tx, &q_run_due, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*created = db_get_int(res, 0, 0, 0);
	return 0;
}
