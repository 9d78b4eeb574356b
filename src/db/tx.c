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

bool db_tx_exec_all(db_tx *tx, const db_call *calls, int n, db_result **results)
{
	if (tx->failed)
		return false;
	if (n == 1) {
		results[0] = db_tx_exec(tx, calls[0].stmt, calls[0].nparams, calls[0].params);
		return results[0] != NULL;
	}
	/* Room for BEGIN and the context, or the new acting user, in front. */
	enum { MAX_CALLS = 34 };
	if (n < 1 || n > MAX_CALLS - 2) {
		fail(tx, DB_ERROR);
		return false;
	}
	const char *ctx[3] = { tx->user_id ? tx->user_id : "", tx->request_id ? tx->request_id : "",
		tx->client_ip ? tx->client_ip : "" };
	const char *who[1] = { tx->user_id ? tx->user_id : "" };
	db_call all[MAX_CALLS];
	db_result *res[MAX_CALLS];
	int k = 0;
	bool beginning = !tx->open;
	if (beginning) {
		all[k++] = (db_call){ NULL, "BEGIN", 0, NULL };
		all[k++] = (db_call){ db_context_stmt(), NULL, 3, ctx };
	} else if (tx->act_as_pending) {
		all[k++] = (db_call){ &q_act_as, NULL, 1, who };
	}
	for (int i = 0; i < n; i++)
		all[k + i] = calls[i];
	tx->act_as_pending = false;
	enum db_status st;
	bool had_connection = db_connected(tx->conn);
	bool ok = db_exec_pipeline_all(tx->conn, tx->a, all, k + n, res, &st);
	if (!ok && beginning && st == DB_UNAVAILABLE && had_connection && !db_connected(tx->conn))
		ok = db_exec_pipeline_all(tx->conn, tx->a, all, k + n, res, &st); /* as db_begin_exec */
	if (beginning)
		tx->open = ok || db_in_transaction(tx->conn);
	if (!ok) {
		fail(tx, st);
		return false;
	}
	for (int i = 0; i < n; i++)
		results[i] = res[k + i];
	return true;
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
