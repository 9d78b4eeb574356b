/* tx.c: lazy, fail-once transactions on a worker's (or a job's) connection. */
#include "db/tx.h"

void db_tx_init(db_tx *tx, db *conn, arena *a, const char *user_id, const char *request_id,
    const char *client_ip)
{
	*tx = (db_tx){ .conn = conn, .a = a, .user_id = user_id, .request_id = request_id,
		.client_ip = client_ip, .failure = DB_OK };
}

static void fail(db_tx *tx, enum db_status st)
{
	tx->failed = true;
	tx->failure = st == DB_UNAVAILABLE ? DB_UNAVAILABLE : DB_ERROR;
}

static const db_stmt q_act_as = { "tx_act_as", "select set_config('app.user_id', $1, true)" };

db_result *db_tx_exec(db_tx *tx, const db_stmt *s, int nparams, const char *const *params)
{
	if (tx->failed)
		return NULL;
	enum db_status st;
	db_call call = { s, NULL, nparams, params };
	db_result *res;
	if (!tx->open) {
		/* BEGIN, the context and this statement in one round trip. */
		tx->act_as_pending = false;
		res = db_begin_exec(tx->conn, tx->a, tx->user_id, tx->request_id, tx->client_ip, &call, &st);
		tx->open = res || db_in_transaction(tx->conn);
	} else if (tx->act_as_pending) {
		/* The new acting user, then this statement, in one round trip. */
		const char *p[1] = { tx->user_id ? tx->user_id : "" };
		db_call calls[2] = { { &q_act_as, NULL, 1, p }, call };
		tx->act_as_pending = false;
		res = db_exec_pipeline(tx->conn, tx->a, calls, 2, &st);
	} else {
		res = db_exec(tx->conn, tx->a, s, nparams, params, &st);
	}
	if (!res)
		fail(tx, st);
	return res;
}

enum db_status db_tx_act_as(db_tx *tx, const char *user_id)
{
	if (tx->failed)
		return tx->failure;
	/* Nothing begun yet, the BEGIN carries it; otherwise the next
	 * statement (or the COMMIT) does. */
	tx->user_id = user_id;
	tx->act_as_pending = tx->open;
	return DB_OK;
}

enum db_status db_tx_status(const db_tx *tx)
{
	return tx->failed ? tx->failure : DB_OK;
}

const char *db_tx_sqlstate(const db_tx *tx)
{
	return db_last_sqlstate(tx->conn);
}

enum db_status db_tx_commit(db_tx *tx)
{
	if (!tx->open)
		return db_tx_status(tx);
	tx->open = false;
	if (tx->failed) {
		db_rollback(tx->conn);
		return tx->failure;
	}
	enum db_status st;
	if (tx->act_as_pending) {
		/* A new acting user that nothing used yet still goes first, for
		 * whatever runs at COMMIT (deferred triggers). */
		const char *p[1] = { tx->user_id ? tx->user_id : "" };
		db_call calls[2] = { { &q_act_as, NULL, 1, p }, { NULL, "COMMIT", 0, NULL } };
		tx->act_as_pending = false;
		if (db_exec_pipeline(tx->conn, tx->a, calls, 2, &st))
			st = DB_OK;
		if (st != DB_OK && db_in_transaction(tx->conn))
			db_rollback(tx->conn);
	} else {
		st = db_commit(tx->conn);
	}
	if (st != DB_OK)
		fail(tx, st);
	return st;
}

void db_tx_rollback(db_tx *tx)
{
	tx->act_as_pending = false;
	if (!tx->open)
		return;
	tx->open = false;
	db_rollback(tx->conn);
}
