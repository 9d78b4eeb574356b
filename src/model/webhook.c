/* webhook.c: SQL of an organization's webhooks and their deliveries. */
#include "model/webhook.h"

#include <stdio.h>
#include <string.h>

const char *const webhook_event_names[WEBHOOK_EVENTS] = { "ticket.created", "ticket.updated", "message.added",
	"sla.breached" };

#define WEBHOOK_COLS \
	"w.id, w.url, array_to_string(w.events, ','), w.is_active, w.allow_internal, " \
	"to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), " \
	"coalesce((select d.status from webhook_deliveries d where d.webhook_id = w.id " \
	"          order by d.created_at desc, d.id desc limit 1), '')"

static const db_stmt q_list = { "webhook_list",
	"select " WEBHOOK_COLS " from webhooks w where w.organization_id = $1::uuid "
	"order by w.created_at, w.id limit $2::int" };
static const db_stmt q_get = { "webhook_get",
	"select " WEBHOOK_COLS " from webhooks w where w.organization_id = $1::uuid and w.id = $2::uuid" };

static void webhook_row(db_tx *tx, db_result *res, int r, webhook *w)
{
	w->id = db_get_dup(tx->a, res, r, 0);
	w->url = db_get_dup(tx->a, res, r, 1);
	w->events = db_get_dup(tx->a, res, r, 2);
	w->is_active = db_get_bool(res, r, 3);
	w->allow_internal = db_get_bool(res, r, 4);
	w->created_at = db_get_dup(tx->a, res, r, 5);
	w->last_status = db_get_dup(tx->a, res, r, 6);
}

int webhook_list(db_tx *tx, const char *org_id, int max, webhook **out, size_t *n)
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
	webhook *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		webhook_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int webhook_get(db_tx *tx, const char *org_id, const char *id, webhook *out)
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
	webhook_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_create = { "webhook_create",
	"insert into webhooks (organization_id, url, events, secret_sealed, is_active, allow_internal, created_by) "
	"values ($1::uuid, $2, string_to_array($3, ','), $4, $5::boolean, $6::boolean, "
	"        nullif(current_setting('app.user_id', true), '')::uuid) returning id" };

int webhook_create(db_tx *tx, const char *org_id, const char *url, const char *events_csv, const char *secret_sealed,
    bool is_active, bool allow_internal, const char **new_id)
{
	*new_id = NULL;
	const char *p[6] = { org_id, url, events_csv, secret_sealed, is_active ? "true" : "false",
		allow_internal ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_create, 6, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*new_id = db_get_dup(tx->a, res, 0, 0);
	return 0;
}

static const db_stmt q_update = { "webhook_update",
	"update webhooks set url = $3, events = string_to_array($4, ','), is_active = $5::boolean, "
	"allow_internal = $6::boolean where organization_id = $1::uuid and id = $2::uuid returning 1" };

int webhook_update(db_tx *tx, const char *org_id, const char *id, const char *url, const char *events_csv,
    bool is_active, bool allow_internal)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[6] = { org_id, id, url, events_csv, is_active ? "true" : "false", allow_internal ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_update, 6, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_rotate = { "webhook_rotate",
	"update webhooks set secret_sealed = $3 where organization_id = $1::uuid and id = $2::uuid returning 1" };

int webhook_rotate(db_tx *tx, const char *org_id, const char *id, const char *secret_sealed)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[3] = { org_id, id, secret_sealed };
	db_result *res = db_tx_exec(tx, &q_rotate, 3, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_delete = { "webhook_delete",
	"delete from webhooks where organization_id = $1::uuid and id = $2::uuid returning 1" };

int webhook_delete(db_tx *tx, const char *org_id, const char *id)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_delete, 2, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_deliveries = { "webhook_deliveries",
	"select d.id, d.event, d.status, d.attempts, coalesce(d.response_code, 0), coalesce(d.last_error, ''), "
	"to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
	"case when d.status = 'pending' then to_char(d.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
	"else '' end "
	"from webhook_deliveries d where d.organization_id = $1::uuid and d.webhook_id = $2::uuid "
	"order by d.created_at desc, d.id desc limit $3::int" };

int webhook_deliveries(db_tx *tx, const char *org_id, const char *id, int max, webhook_delivery **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!cstr_is_uuid(id))
		return 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { org_id, id, lim };
	db_result *res = db_tx_exec(tx, &q_deliveries, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	webhook_delivery *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		webhook_delivery *d = &list[i];
		d->id = db_get_dup(tx->a, res, (int)i, 0);
		d->event = db_get_dup(tx->a, res, (int)i, 1);
		d->status = db_get_dup(tx->a, res, (int)i, 2);
		d->attempts = (int)db_get_int(res, (int)i, 3, 0);
		d->response_code = (int)db_get_int(res, (int)i, 4, 0);
		d->last_error = db_get_dup(tx->a, res, (int)i, 5);
		d->created_at = db_get_dup(tx->a, res, (int)i, 6);
		d->next_attempt_at = db_get_dup(tx->a, res, (int)i, 7);
	}
	*out = list;
	*n = rows;
	return 0;
}

static const db_stmt q_test = { "webhook_send_test", "select webhook_send_test($1::uuid, $2::uuid) is not null" };

int webhook_send_test(db_tx *tx, const char *org_id, const char *id)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_test, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}
