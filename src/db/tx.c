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

db_result *db_tx_exec(db_tx *tx, const db_stmt *s, int nparams, const char *const *params)
{
	if (tx->failed)
		return NULL;
	enum db_status st;
	if (!tx->open) {
		st = db_begin(tx->conn, tx->user_id, tx->request_id, tx->client_ip);
		if (st != DB_OK) {
			fail(tx, st);
			return NULL;
		}
		tx->open = true;
	}
	db_result *res = db_exec(tx->conn, tx->a, s, nparams, params, &st);
	if (!res)
		fail(tx, st);
	return res;
}

bool db_tx_exec_batch(db_tx *tx, db_batch *b, size_t n)
{
	if (tx->failed)
		return false;
	enum db_status st;
	if (!tx->open) {
		st = db_begin(tx->conn, tx->user_id, tx->request_id, tx->client_ip);
		if (st != DB_OK) {
			fail(tx, st);
			return false;
		}
		tx->open = true;
	}
	st = db_exec_batch(tx->conn, tx->a, b, n);
	if (st != DB_OK)
		fail(tx, st);
	return st == DB_OK;
}

static const db_stmt q_act_as = { "tx_act_as", "select set_config('app.user_id', $1, true)" };

enum db_status db_tx_act_as(db_tx *tx, const char *user_id)
{
	if (!tx->open && !tx->failed) {
		/* Nothing begun yet: the BEGIN will carry it. */
		tx->user_id = user_id;
		return DB_OK;
	}
	const char *p[1] = { user_id ? user_id : "" };
	if (!db_tx_exec(tx, &q_act_as, 1, p))
		return tx->failure;
	tx->user_id = user_id;
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
	enum db_status st = db_commit(tx->conn);
	if (st != DB_OK)
		fail(tx, st);
	return st;
}

void db_tx_rollback(db_tx *tx)
{
	if (!tx->open)
		return;
	tx->open = false;
	db_rollback(tx->conn);
}
