/* tx.h: the transaction a model function runs in. A page gets one from its
 * request (page_tx); the scheduler, inbound mail, the API and the command
 * line open their own. It carries what row-level security and the audit
 * need (the acting user, the request id, the client address), opens lazily
 * on the first statement (BEGIN, set_config and that statement in one round
 * trip, a libpq pipeline), and
 * fails once: after the first failed statement every further one is
 * refused without a round trip, and the owner rolls back.
 *
 * The model knows nothing else of its caller: no request, no page, no
 * template. */
#ifndef SD_DB_TX_H
#define SD_DB_TX_H

#include <stdbool.h>

#include "core/arena.h"
#include "db/db.h"

typedef struct db_tx {
	db *conn;
	arena *a;               /* results and copies live here */
	const char *user_id;    /* acting user (app.user_id), NULL = anonymous */
	const char *request_id; /* app.request_id: the log line and the audit rows */
	const char *client_ip;  /* app.client_ip */
	bool open;
	bool act_as_pending;    /* user_id changed since BEGIN: sent with the next statement */
	bool failed;
	enum db_status failure; /* DB_UNAVAILABLE or DB_ERROR once failed */
} db_tx;

/* A transaction not yet begun. Strings must outlive it (arena copies). */
void db_tx_init(db_tx *tx, db *conn, arena *a, const char *user_id, const char *request_id,
    const char *client_ip);
/* Runs a prepared statement, beginning the transaction first if need be.
 * NULL on failure (the transaction is then failed: see db_tx_status). */
db_result *db_tx_exec(db_tx *tx, const db_stmt *s, int nparams, const char *const *params);
/* Runs up to 32 prepared statements (calls[i].stmt with its parameters) in
 * one round trip, beginning the transaction first if need be, each result
 * in results[i]. False on failure (the transaction is then failed). */
bool db_tx_exec_all(db_tx *tx, const db_call *calls, int n, db_result **results);
/* Switches the acting user from here on (app.user_id), for the moment a
 * visitor proves who they are. The set_config goes with the next statement
 * (or the COMMIT), in the same round trip. DB_OK, or the failure of an
 * earlier statement. */
enum db_status db_tx_act_as(db_tx *tx, const char *user_id);
/* DB_OK while nothing failed, else DB_UNAVAILABLE (answer 503) or DB_ERROR. */
enum db_status db_tx_status(const db_tx *tx);
/* The SQLSTATE of the last failed statement ("" when none): a model maps a
 * constraint it expects (23505) to an answer of its own. */
const char *db_tx_sqlstate(const db_tx *tx);
/* Commits when open and nothing failed (DB_OK also when never begun);
 * otherwise rolls back and returns the failure. Closes the transaction. */
enum db_status db_tx_commit(db_tx *tx);
/* Rolls back when open. Closes the transaction. */
void db_tx_rollback(db_tx *tx);

#endif
