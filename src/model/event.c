/* event.c: SQL of an organization's events. Every statement names the
 * organization, so an id from another one finds nothing. */
#include "model/event.h"

#include <stdio.h>
#include <string.h>

#define EVENT_TIME(col) "to_char(" col " at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI')"

/* The ticket count stops at 1001 (the partial index on tickets.event_id):
 * enough to say "in use" and "1000+". */
#define EVENT_COLS \
	"e.id, e.name, " EVENT_TIME("e.starts_at") ", coalesce(" EVENT_TIME("e.ends_at") ", ''), " \
	"coalesce(e.location, ''), e.is_active, e.starts_at < now(), " \
	"(select count(*) from (select 1 from tickets t where t.event_id = e.id limit 1001) u)"

/* Keyset: (starts_at, id) descending, after the row named by $2. */
static const db_stmt q_list = { "event_list",
	"select " EVENT_COLS " from events e where e.organization_id = $1::uuid "
	"and ($2 = '' or not exists (select 1 from events a where a.id = nullif($2, '')::uuid and a.organization_id = $1::uuid) "
	"     or (e.starts_at, e.id) < (select a.starts_at, a.id from events a "
	"                               where a.id = nullif($2, '')::uuid and a.organization_id = $1::uuid)) "
	"order by e.starts_at desc, e.id desc limit $3::int" };
static const db_stmt q_get = { "event_get",
	"select " EVENT_COLS " from events e where e.organization_id = $1::uuid and e.id = $2::uuid" };

static void event_row(db_tx *tx, db_result *res, int r, event *e)
{
	e->id = db_get_dup(tx->a, res, r, 0);
	e->name = db_get_dup(tx->a, res, r, 1);
	e->starts_at = db_get_dup(tx->a, res, r, 2);
	e->ends_at = db_get_dup(tx->a, res, r, 3);
	e->location = db_get_dup(tx->a, res, r, 4);
	e->is_active = db_get_bool(res, r, 5);
	e->is_past = db_get_bool(res, r, 6);
	e->tickets = (long)db_get_int(res, r, 7, 0);
}

int event_list(db_tx *tx, const char *org_id, const char *after, int max, event **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { org_id, after && str_is_uuid(str_from_cstr(after)) ? after : "", lim };
	db_result *res = db_tx_exec(tx, &q_list, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	event *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		event_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int event_get(db_tx *tx, const char *org_id, const char *id, event *out)
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
	event_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_create = { "event_create",
	"insert into events (organization_id, name, starts_at, ends_at, location, is_active) "
	"values ($1::uuid, $2, ($3::timestamp) at time zone 'UTC', (nullif($4, '')::timestamp) at time zone 'UTC', "
	"        nullif($5, ''), $6::boolean) returning id" };

int event_create(db_tx *tx, const char *org_id, const event_input *in, const char **id)
{
	*id = NULL;
	const char *p[6] = { org_id, in->name, in->starts_at, in->ends_at, in->location, in->is_active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_create, 6, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*id = db_get_dup(tx->a, res, 0, 0);
	return 0;
}

static const db_stmt q_update = { "event_update",
	"update events set name = $3, starts_at = ($4::timestamp) at time zone 'UTC', "
	"       ends_at = (nullif($5, '')::timestamp) at time zone 'UTC', location = nullif($6, ''), is_active = $7::boolean "
	"where id = $2::uuid and organization_id = $1::uuid returning 1" };

int event_update(db_tx *tx, const char *org_id, const char *id, const event_input *in)
{
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[7] = { org_id, id, in->name, in->starts_at, in->ends_at, in->location,
		in->is_active ? "true" : "false" };
	db_result *res = db_tx_exec(tx, &q_update, 7, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_remove = { "event_remove", "select admin_event_remove($1::uuid, $2::uuid)" };

int event_remove(db_tx *tx, const char *org_id, const char *id, event_remove_outcome *out)
{
	*out = EVENT_NOT_FOUND;
	if (!str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_remove, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	const char *o = db_get_dup(tx->a, res, 0, 0);
	if (strcmp(o, "deleted") == 0)
		*out = EVENT_DELETED;
	else if (strcmp(o, "deactivated") == 0)
		*out = EVENT_DEACTIVATED;
	else if (strcmp(o, "not_found") != 0)
		return -1; /* forbidden: the pages never offer it */
	return 0;
}

static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool event_time_parse(const char *s, char out[17])
{
	size_t n = strlen(s);
	if (n != 10 && n != 16 && n != 19)
		return false;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	if (n >= 16 && ((s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi)))
		return false;
	if (n == 19 && (s[16] != ':' || !digits(s + 17, 2, &sec)))
		return false;
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 2000 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || (mo == 2 && d == 29 && !leap))
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	memcpy(out, s, 10);
	out[10] = 'T';
	memcpy(out + 11, n >= 16 ? s + 11 : "00:00", 5);
	out[16] = '\0';
	return true;
}
