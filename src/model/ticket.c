/* ticket.c: SQL for reading one ticket. */
#include "model/ticket.h"

#include <string.h>

#include "db/tx.h"

static const db_stmt q_by_number = { "ticket_by_number",
	"select t.id, t.number, t.title, t.description, t.status, t.priority, "
	"to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), rt.name, t.requester_id "
	"from tickets t left join request_types rt on rt.id = t.request_type_id where t.number = $1" };

static const db_stmt q_attachments = { "ticket_attachments",
	"select id, file_name, content_type, size_bytes from attachments "
	"where ticket_id = $1::uuid and message_id is null order by created_at, file_name" };

int ticket_find_by_number(db_tx *tx, const char *number, ticket_view *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { number };
	db_result *res = db_tx_exec(tx, &q_by_number, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->id = db_get_dup(tx->a, res, 0, 0);
	out->number = db_get_dup(tx->a, res, 0, 1);
	out->title = db_get_dup(tx->a, res, 0, 2);
	out->description = db_get_dup(tx->a, res, 0, 3);
	out->status = db_get_dup(tx->a, res, 0, 4);
	out->priority = db_get_dup(tx->a, res, 0, 5);
	out->created_at = db_get_dup(tx->a, res, 0, 6);
	out->request_type = db_get_dup(tx->a, res, 0, 7);
	out->requester_id = db_get_dup(tx->a, res, 0, 8);
	const char *pa[1] = { out->id };
	db_result *att = db_tx_exec(tx, &q_attachments, 1, pa);
	if (!att)
		return -1;
	out->nattachments = (size_t)db_rows(att);
	out->attachments = arena_calloc(tx->a, out->nattachments + 1, sizeof *out->attachments);
	for (size_t i = 0; i < out->nattachments; i++) {
		out->attachments[i].id = db_get_dup(tx->a, att, (int)i, 0);
		out->attachments[i].file_name = db_get_dup(tx->a, att, (int)i, 1);
		out->attachments[i].content_type = db_get_dup(tx->a, att, (int)i, 2);
		out->attachments[i].size = db_get_int(att, (int)i, 3, 0);
	}
	return 1;
}
