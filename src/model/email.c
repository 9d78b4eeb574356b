/* email.c: SQL of the outbox. */
#include "model/email.h"

#include "db/tx.h"

static const db_stmt q_enqueue = { "outbox_enqueue",
	"select outbox_enqueue(p_to => $1, p_subject => $2, p_text => $3, p_html => $4, "
	"p_ticket => $5::uuid, p_user => $6::uuid, p_dedupe_key => $7, p_to_name => $8, "
	"p_sealed => $9::boolean)" };

int email_enqueue(db_tx *tx, const email_message *m)
{
	const char *p[9] = { m->to, m->subject, m->text, m->html, m->ticket_id, m->user_id,
		m->dedupe_key, m->to_name, m->sealed ? "true" : "false" };
	return db_tx_exec(tx, &q_enqueue, 9, p) ? 0 : -1;
}
