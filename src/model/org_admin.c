/* org_admin.c: SQL of the organizations an admin chooses from, their
 * settings and their audit log. */
#include "model/org_admin.h"

#include <stdio.h>
#include <string.h>

#define ORG_COLS "o.id, o.name, o.slug, o.is_platform, o.is_active"

static const db_stmt q_list = { "org_admin_list",
	"select " ORG_COLS " from organizations o "
	"where app_is_platform_admin() or o.id = any(app_admin_org_ids()) "
	"order by o.is_platform desc, o.name, o.id limit $1::int" };

static const db_stmt q_find = { "org_admin_find",
	"select " ORG_COLS " from organizations o "
	"where o.slug = $1::citext and (app_is_platform_admin() or o.id = any(app_admin_org_ids()))" };

static void org_row(db_tx *tx, db_result *res, int row, org_admin_org *o)
{
	o->id = db_get_dup(tx->a, res, row, 0);
	o->name = db_get_dup(tx->a, res, row, 1);
	o->slug = db_get_dup(tx->a, res, row, 2);
	o->is_platform = db_get_bool(res, row, 3);
	o->is_active = db_get_bool(res, row, 4);
}

int org_admin_list(db_tx *tx, int max, org_admin_org **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[1] = { lim };
	db_result *res = db_tx_exec(tx, &q_list, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	org_admin_org *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		org_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int org_admin_find(db_tx *tx, const char *slug, org_admin_org *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { slug };
	db_result *res = db_tx_exec(tx, &q_find, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	org_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_settings = { "org_settings_load",
	"select s.is_provisioned, s.auto_assign_enabled, s.email_notifications_enabled, "
	"coalesce(s.support_email::text, ''), coalesce(s.support_phone, ''), coalesce(s.custom_message, ''), "
	"coalesce(s.ticket_prefix, ''), coalesce(s.default_team_id::text, ''), "
	"coalesce(setting('ticket_number_prefix') #>> '{}', 'TKT'), s.require_time_on_reply "
	"from organization_settings s where s.organization_id = $1::uuid" };

static const char *dup0(db_tx *tx, db_result *res, int col)
{
	const char *s = db_get_dup(tx->a, res, 0, col);
	return s ? s : "";
}

int org_settings_load(db_tx *tx, const char *org_id, org_settings *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { org_id };
	db_result *res = db_tx_exec(tx, &q_settings, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->exists = true;
	out->is_provisioned = db_get_bool(res, 0, 0);
	out->auto_assign = db_get_bool(res, 0, 1);
	out->email_notifications = db_get_bool(res, 0, 2);
	out->support_email = dup0(tx, res, 3);
	out->support_phone = dup0(tx, res, 4);
	out->custom_message = dup0(tx, res, 5);
	out->ticket_prefix = dup0(tx, res, 6);
	out->default_team_id = dup0(tx, res, 7);
	out->system_prefix = dup0(tx, res, 8);
	out->require_time = db_get_bool(res, 0, 9);
	return 0;
}

/* The default team must be an active team of the same organization; the
 * composite foreign key keeps it inside, the subquery keeps it active. */
static const db_stmt q_save = { "org_settings_save",
	"update organization_settings set auto_assign_enabled = $2::boolean, "
	"email_notifications_enabled = $3::boolean, support_email = nullif($4, '')::citext, "
	"support_phone = nullif($5, ''), custom_message = nullif($6, ''), ticket_prefix = nullif($7, ''), "
	"default_team_id = (select t.id from teams t where t.id = nullif($8, '')::uuid "
	"  and t.organization_id = $1::uuid and t.is_active), "
	"require_time_on_reply = $9::boolean "
	"where organization_id = $1::uuid returning 1" };

int org_settings_save(db_tx *tx, const char *org_id, const org_settings *s)
{
	const char *p[9] = { org_id, s->auto_assign ? "true" : "false", s->email_notifications ? "true" : "false",
		s->support_email, s->support_phone, s->custom_message, s->ticket_prefix, s->default_team_id,
		s->require_time ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_save, 9, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_email_taken = { "org_support_email_taken", "select support_email_taken($1::uuid, $2)" };

int org_support_email_taken(db_tx *tx, const char *org_id, const char *email, bool *taken)
{
	const char *p[2] = { org_id, email };
	db_result *res = db_tx_exec(tx, &q_email_taken, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*taken = db_get_bool(res, 0, 0);
	return 0;
}

#define AUDIT_COLUMNS \
	"select a.id, coalesce(nullif(u.name, ''), u.email::text), a.entity, a.entity_id, a.action, " \
	/* An update shows the columns it changed, not the whole row twice; the \
	 * row's own id, organization and timestamps are in the other columns. */ \
	"case when a.action = 'update' then (select jsonb_object_agg(b.key, b.value) from jsonb_each(a.before) b " \
	"  where b.key <> 'updated_at' and a.after -> b.key is distinct from b.value)::text else (a.before - array['id', 'organization_id', 'created_at', 'updated_at'])::text end, " \
	"case when a.action = 'update' then (select jsonb_object_agg(n.key, n.value) from jsonb_each(a.after) n " \
	"  where n.key <> 'updated_at' and a.before -> n.key is distinct from n.value)::text else (a.after - array['id', 'organization_id', 'created_at', 'updated_at'])::text end, " \
	"to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " \
	"extract(epoch from a.created_at)::bigint "

static const db_stmt q_audit = { "config_audit_list",
	AUDIT_COLUMNS
	"from config_audit a left join users u on u.id = a.actor_id "
	"where a.organization_id = $1::uuid "
	"and ($2::timestamptz is null or (a.created_at, a.id) < ($2::timestamptz, $3::uuid)) "
	"order by a.created_at desc, a.id desc limit $4::int" };

/* config_audit_created_idx answers it. */
static const db_stmt q_audit_all = { "config_audit_list_all",
	AUDIT_COLUMNS ", o.name "
	"from config_audit a left join users u on u.id = a.actor_id "
	"left join organizations o on o.id = a.organization_id "
	"where ($1::timestamptz is null or (a.created_at, a.id) < ($1::timestamptz, $2::uuid)) "
	"order by a.created_at desc, a.id desc limit $3::int" };

static int audit_rows(db_tx *tx, db_result *res, bool with_org, config_audit_row **out, size_t *n)
{
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	config_audit_row *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		list[i].id = db_get_dup(tx->a, res, r, 0);
		list[i].actor = db_get_dup(tx->a, res, r, 1);
		list[i].entity = db_get_dup(tx->a, res, r, 2);
		list[i].entity_id = db_get_dup(tx->a, res, r, 3);
		list[i].action = db_get_dup(tx->a, res, r, 4);
		list[i].before = db_get_dup(tx->a, res, r, 5);
		list[i].after = db_get_dup(tx->a, res, r, 6);
		list[i].created_at = db_get_dup(tx->a, res, r, 7);
		list[i].created_epoch = db_get_int(res, r, 8, 0);
		if (with_org)
			list[i].org_name = db_get_dup(tx->a, res, r, 9);
	}
	*out = list;
	*n = rows;
	return 0;
}

int config_audit_list(db_tx *tx, const char *org_id, const char *after_at, const char *after_id, int max,
    config_audit_row **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[4] = { org_id, after_at, after_id, lim };
	return audit_rows(tx, db_tx_exec(tx, &q_audit, 4, p), false, out, n);
}

int config_audit_list_all(db_tx *tx, const char *after_at, const char *after_id, int max, config_audit_row **out,
    size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { after_at, after_id, lim };
	return audit_rows(tx, db_tx_exec(tx, &q_audit_all, 3, p), true, out, n);
}
