/* automation.c: SQL of triggers, time rules and macros (0037): the
 * functions automation_rule_list/_save/_op, with the caller's rights. */
#include "model/automation.h"

#include <stdio.h>
#include <string.h>

static const char *const kinds[] = { "trigger", "time", "macro" };

static const db_stmt q_list = { "automation_list",
	"select id, name, position, is_active, match_all, events, time_event, minutes, reply, personal, usage_count, "
	"coalesce(conditions, '[]')::text, coalesce(actions, '[]')::text, coalesce(problems, '') "
	"from automation_rule_list($1, $2::uuid, nullif($3, '')::uuid)" };
static const db_stmt q_save = { "automation_save",
	"select status, coalesce(id::text, ''), coalesce(bad, '') "
	"from automation_rule_save($1, $2::uuid, nullif($3, '')::uuid, $4::jsonb)" };
static const db_stmt q_op = { "automation_op", "select automation_rule_op($1, $2::uuid, $3::uuid, $4)" };
static const db_stmt q_macro_apply = { "macro_apply", "select macro_apply($1::uuid, $2::uuid)" };

static void rule_row(db_tx *tx, db_result *res, int r, automation_rule *o)
{
	o->id = db_get_dup(tx->a, res, r, 0);
	o->name = db_get_dup(tx->a, res, r, 1);
	o->position = (int)db_get_int(res, r, 2, 0);
	o->is_active = db_get_bool(res, r, 3);
	o->match_all = db_get_bool(res, r, 4);
	o->events = db_get_dup(tx->a, res, r, 5);
	o->time_event = db_get_dup(tx->a, res, r, 6);
	o->minutes = (long)db_get_int(res, r, 7, 0);
	o->reply = db_get_dup(tx->a, res, r, 8);
	o->personal = db_get_bool(res, r, 9);
	o->usage_count = (long)db_get_int(res, r, 10, 0);
	o->conditions = db_get_dup(tx->a, res, r, 11);
	o->actions = db_get_dup(tx->a, res, r, 12);
	o->problems = db_get_dup(tx->a, res, r, 13);
}

static int query(db_tx *tx, automation_kind kind, const char *org_id, const char *id, automation_rule **out, size_t *n)
{
	const char *p[3] = { kinds[kind], org_id, id ? id : "" };
	db_result *res = db_tx_exec(tx, &q_list, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	automation_rule *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		rule_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int automation_list(db_tx *tx, automation_kind kind, const char *org_id, automation_rule **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return query(tx, kind, org_id, NULL, out, n);
}

int automation_get(db_tx *tx, automation_kind kind, const char *org_id, const char *id, automation_rule *out)
{
	memset(out, 0, sizeof *out);
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	automation_rule *list;
	size_t n;
	if (query(tx, kind, org_id, id, &list, &n) != 0)
		return -1;
	if (n != 1)
		return 0;
	*out = list[0];
	return 1;
}

/* s as a JSON string literal. */
static void put_json_str(buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p);
		} else if (*p < 0x20) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			buf_puts(b, esc);
		} else {
			buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}

int automation_save(db_tx *tx, automation_kind kind, const char *org_id, const char *id, const automation_input *in,
    automation_outcome *out, const char **new_id, const char **bad)
{
	*out = AUTOMATION_NOT_FOUND;
	*new_id = NULL;
	*bad = "";
	if (id && !str_is_uuid(str_from_cstr(id)))
		return 0;
	buf b;
	buf_init(&b, tx->a, 1024);
	buf_puts(&b, "{\"name\": ");
	put_json_str(&b, in->name);
	buf_puts(&b, in->is_active ? ", \"is_active\": true" : ", \"is_active\": false");
	buf_puts(&b, in->match_all ? ", \"match_all\": true" : ", \"match_all\": false");
	buf_puts(&b, in->personal ? ", \"personal\": true" : ", \"personal\": false");
	buf_puts(&b, ", \"events\": ");
	buf_puts(&b, in->events_json && *in->events_json ? in->events_json : "[]");
	buf_puts(&b, ", \"time_event\": ");
	put_json_str(&b, in->time_event ? in->time_event : "");
	char mins[32];
	snprintf(mins, sizeof mins, ", \"minutes\": %ld", in->minutes);
	buf_puts(&b, mins);
	buf_puts(&b, ", \"reply\": ");
	put_json_str(&b, in->reply ? in->reply : "");
	buf_puts(&b, ", \"conditions\": ");
	buf_puts(&b, in->conditions && *in->conditions ? in->conditions : "[]");
	buf_puts(&b, ", \"actions\": ");
	buf_puts(&b, in->actions && *in->actions ? in->actions : "[]");
	buf_putc(&b, '}');
	const char *p[4] = { kinds[kind], org_id, id ? id : "", b.data };
	db_result *res = db_tx_exec(tx, &q_save, 4, p);
	if (!res || db_rows(res) != 1)
		return -1;
	str st = db_get(res, 0, 0);
	*out = str_eq_cstr(st, "saved") ? AUTOMATION_SAVED
	     : str_eq_cstr(st, "unresolved") ? AUTOMATION_UNRESOLVED
	     : str_eq_cstr(st, "invalid") ? AUTOMATION_INVALID : AUTOMATION_NOT_FOUND;
	*new_id = db_get_dup(tx->a, res, 0, 1);
	*bad = db_get_dup(tx->a, res, 0, 2);
	return 0;
}

int automation_op(db_tx *tx, automation_kind kind, const char *org_id, const char *id, const char *op)
{
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[4] = { kinds[kind], org_id, id, op };
	db_result *res = db_tx_exec(tx, &q_op, 4, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}

const char *macro_apply(db_tx *tx, const char *macro_id, const char *ticket_id)
{
	if (!macro_id || !str_is_uuid(str_from_cstr(macro_id)))
		return "no_macro";
	if (!ticket_id || !str_is_uuid(str_from_cstr(ticket_id)))
		return "not_found";
	const char *p[2] = { macro_id, ticket_id };
	db_result *res = db_tx_exec(tx, &q_macro_apply, 2, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	return db_get_dup(tx->a, res, 0, 0);
}

static const db_stmt q_macro_options = { "macro_options",
	"select m.id, m.name from macros m where m.is_active and ($1 = '' or m.organization_id = nullif($1, '')::uuid) "
	"order by m.name, m.id limit $2::int" };
static const db_stmt q_macro_preview = { "macro_preview",
	"select name, actions::text, reply from macro_preview($1::uuid, $2::uuid)" };

int macro_options(db_tx *tx, const char *org_id, int max, macro_option **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id ? org_id : "", lim };
	db_result *res = db_tx_exec(tx, &q_macro_options, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	macro_option *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		list[i].id = db_get_dup(tx->a, res, (int)i, 0);
		list[i].name = db_get_dup(tx->a, res, (int)i, 1);
	}
	*out = list;
	*n = rows;
	return 0;
}

int macro_preview_get(db_tx *tx, const char *macro_id, const char *ticket_id, macro_preview *out)
{
	memset(out, 0, sizeof *out);
	if (!macro_id || !str_is_uuid(str_from_cstr(macro_id)) || !ticket_id || !str_is_uuid(str_from_cstr(ticket_id)))
		return 0;
	const char *p[2] = { macro_id, ticket_id };
	db_result *res = db_tx_exec(tx, &q_macro_preview, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->name = db_get_dup(tx->a, res, 0, 0);
	out->actions = db_get_dup(tx->a, res, 0, 1);
	out->reply = db_get_dup(tx->a, res, 0, 2);
	return 1;
}
