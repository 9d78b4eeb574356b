/* submission.c: SQL of public submissions and ticket creation. */
#include "model/submission.h"

#include <string.h>

#include "db/tx.h"
#include "auth/crypto.h"

/* bytea parameters travel as text in hex form. */
static const char *bytea_hex(db_tx *tx, const unsigned char h[32])
{
	return arena_sprintf(tx->a, "\\x%s", crypto_hex(tx->a, h, 32));
}

static const char *status_of(db_tx *tx, db_result *res, int col)
{
	if (!res || db_rows(res) < 1)
		return NULL;
	str s = db_get(res, 0, col);
	return s.ptr ? str_dup(tx->a, s) : "";
}

static const db_stmt q_create = { "submission_create",
	"select status from submission_create(p_email => $1, p_name => $2, p_request_type => $3::uuid, "
	"p_title => $4, p_description => $5, p_form_data => $6::jsonb, p_attachment_refs => $7::jsonb, "
	"p_token_hash => $8::bytea, p_ip => $9::inet, p_user_agent => $10, p_idempotency_key => $11, "
	"p_event => $12::uuid, p_spam_score => $13::numeric, p_captcha_verified => $14::boolean)" };

const char *submission_create(db_tx *tx, const submission_input *in, const unsigned char token_hash[32])
{
	const char *p[14] = { in->email, in->name, in->request_type, in->title, in->description,
		in->form_data, in->attachments, bytea_hex(tx, token_hash), in->ip, in->user_agent,
		in->idempotency_key, in->event, in->spam_score, in->captcha_verified ? "true" : "false" };
	return status_of(tx, db_tx_exec(tx, &q_create, 14, p), 0);
}

static const db_stmt q_peek = { "submission_peek", "select submission_peek($1::bytea)" };

const char *submission_peek(db_tx *tx, const unsigned char token_hash[32])
{
	const char *p[1] = { bytea_hex(tx, token_hash) };
	return status_of(tx, db_tx_exec(tx, &q_peek, 1, p), 0);
}

static const db_stmt q_verify = { "submission_verify",
	"select status, ticket_id, ticket_number, user_id from submission_verify($1::bytea)" };

const char *submission_verify(db_tx *tx, const unsigned char token_hash[32], submission_ticket *out)
{
	const char *p[1] = { bytea_hex(tx, token_hash) };
	db_result *res = db_tx_exec(tx, &q_verify, 1, p);
	const char *st = status_of(tx, res, 0);
	memset(out, 0, sizeof *out);
	if (st) {
		out->ticket_id = db_get_dup(tx->a, res, 0, 1);
		out->ticket_number = db_get_dup(tx->a, res, 0, 2);
		out->user_id = db_get_dup(tx->a, res, 0, 3);
	}
	return st;
}

static const db_stmt q_renew = { "submission_renew",
	"select status, email, name, title from submission_renew($1::bytea, $2::bytea)" };

const char *submission_renew(db_tx *tx, const unsigned char old_hash[32], const unsigned char new_hash[32],
    submission_contact *out)
{
	const char *p[2] = { bytea_hex(tx, old_hash), bytea_hex(tx, new_hash) };
	db_result *res = db_tx_exec(tx, &q_renew, 2, p);
	const char *st = status_of(tx, res, 0);
	memset(out, 0, sizeof *out);
	if (st) {
		out->email = db_get_dup(tx->a, res, 0, 1);
		out->name = db_get_dup(tx->a, res, 0, 2);
		out->title = db_get_dup(tx->a, res, 0, 3);
	}
	return st;
}

static const db_stmt q_create_for_customer = { "ticket_create_for_customer",
	"select status, ticket_id, ticket_number from ticket_create_for_customer("
	"p_request_type => $1::uuid, p_title => $2, p_description => $3, p_custom_fields => $4::jsonb, "
	"p_event => $5::uuid, p_source => 'web', p_ip => $6::inet, p_user_agent => $7, "
	"p_idempotency_key => $8)" };

static const db_stmt q_attach = { "ticket_attach_refs",
	"insert into attachments (ticket_id, file_name, content_type, size_bytes, sha256, uploaded_by) "
	"select $1::uuid, r->>'file_name', r->>'content_type', (r->>'size_bytes')::bigint, "
	"decode(r->>'sha256', 'hex'), $2::uuid from jsonb_array_elements($3::jsonb) r" };

const char *ticket_create_for_customer(db_tx *tx, const submission_input *in, submission_ticket *out)
{
	const char *p[8] = { in->request_type, in->title, in->description, in->form_data, in->event,
		in->ip, in->user_agent, in->idempotency_key };
	db_result *res = db_tx_exec(tx, &q_create_for_customer, 8, p);
	const char *st = status_of(tx, res, 0);
	memset(out, 0, sizeof *out);
	if (!st || strcmp(st, "created") != 0) {
		if (st && strcmp(st, "duplicate") == 0) {
			out->ticket_id = db_get_dup(tx->a, res, 0, 1);
			out->ticket_number = db_get_dup(tx->a, res, 0, 2);
		}
		return st;
	}
	out->ticket_id = db_get_dup(tx->a, res, 0, 1);
	out->ticket_number = db_get_dup(tx->a, res, 0, 2);
	out->user_id = tx->user_id;
	/* The customer inserts the attachment rows themselves: row-level
	 * security checks the ticket is theirs. */
	const char *pa[3] = { out->ticket_id, tx->user_id, in->attachments };
	if (in->attachments && strcmp(in->attachments, "[]") != 0 && !db_tx_exec(tx, &q_attach, 3, pa))
		return NULL;
	return st;
}
