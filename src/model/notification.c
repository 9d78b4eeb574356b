/* notification.c: SQL of in-app notifications. */
#include "model/notification.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"

#define NOTIFICATION_COLS \
	"id, type, title, content, link, read, " \
	"to_char(created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"extract(epoch from created_at)::bigint "

static const db_stmt q_first = { "notification_first",
	"select " NOTIFICATION_COLS "from notifications "
	"where user_id = app_user_id() and (expires_at is null or expires_at > now()) "
	"order by created_at desc, id desc limit $1::int" };

/* Keyset: strictly after the cursor row in (created_at, id) order. */
static const db_stmt q_after = { "notification_after",
	"select " NOTIFICATION_COLS "from notifications n "
	"where n.user_id = app_user_id() and (n.expires_at is null or n.expires_at > now()) "
	"and (n.created_at, n.id) < (select c.created_at, c.id from notifications c where c.id = $2::uuid) "
	"order by n.created_at desc, n.id desc limit $1::int" };

int notification_list(db_tx *tx, const char *after_id, int limit, notification **out, size_t *n,
    bool *more)
{
	*out = NULL;
	*n = 0;
	*more = false;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit + 1); /* one more says whether a next page exists */
	const char *p[2] = { lim, after_id };
	db_result *res = after_id ? db_tx_exec(tx, &q_after, 2, p) : db_tx_exec(tx, &q_first, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	if (rows > (size_t)limit) {
		rows = (size_t)limit;
		*more = true;
	}
	notification *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		list[i].id = db_get_dup(tx->a, res, r, 0);
		list[i].type = db_get_dup(tx->a, res, r, 1);
		list[i].title = db_get_dup(tx->a, res, r, 2);
		list[i].content = db_get_dup(tx->a, res, r, 3);
		list[i].link = db_get_dup(tx->a, res, r, 4);
		list[i].read = db_get_bool(res, r, 5);
		list[i].created_at = db_get_dup(tx->a, res, r, 6);
		list[i].created_epoch = db_get_int(res, r, 7, 0);
	}
	*out = list;
	*n = rows;
	return 0;
}

static const db_stmt q_read_some = { "notification_read_some",
	"with done as (update notifications set read = true "
	"where user_id = app_user_id() and not read and id = any($1::uuid[]) returning 1) "
	"select count(*) from done" };

static const db_stmt q_read_all = { "notification_read_all",
	"with done as (update notifications set read = true "
	"where user_id = app_user_id() and not read returning 1) "
	"select count(*) from done" };

long notification_mark_read(db_tx *tx, const char *const *ids, size_t nids, bool all)
{
	db_result *res;
	if (all) {
		res = db_tx_exec(tx, &q_read_all, 0, NULL);
	} else {
		if (!nids)
			return 0;
		if (nids > 200)
			nids = 200;
		/* An array literal of uuids the caller checked: no quoting needed. */
		buf lit;
		buf_init(&lit, tx->a, 2 + nids * 37);
		buf_putc(&lit, '{');
		for (size_t i = 0; i < nids; i++) {
			if (i)
				buf_putc(&lit, ',');
			buf_puts(&lit, ids[i]);
		}
		buf_putc(&lit, '}');
		const char *p[1] = { lit.data };
		res = db_tx_exec(tx, &q_read_some, 1, p);
	}
	if (!res || db_rows(res) != 1)
		return -1;
	return (long)db_get_int(res, 0, 0, 0);
}
