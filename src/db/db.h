/* db.h: one PostgreSQL connection per worker: reconnect, prepared statements,
 * transactions that carry the acting user for row-level security. Only
 * src/db/ includes libpq-fe.h. */
#ifndef SD_DB_H
#define SD_DB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

/* A statement declared once, in a model file, as a static const. It is
 * prepared on a connection the first time it runs there. */
typedef struct {
	const char *name;
	const char *sql;
} db_stmt;

typedef struct db db;
typedef struct db_result db_result;

enum db_status {
	DB_OK = 0,
	DB_UNAVAILABLE = -1, /* no connection: answer 503 */
	DB_ERROR = -2,       /* the statement failed: answer 500 (or a constraint the model maps) */
};

/* One statement of a pipeline: a prepared statement with its text
 * parameters, or (stmt NULL) SQL without parameters such as BEGIN. */
typedef struct {
	const db_stmt *stmt;
	const char *sql;
	int nparams;
	const char *const *params;
} db_call;

/* Does not connect; the first use does. */
db *db_new(const char *url, int connect_timeout_s, int statement_timeout_ms, const char *app_name);
void db_free(db *d);
/* Connects (or reconnects) when needed, at most every 500 to 750 ms (a
 * random part added per attempt) while PostgreSQL is down, so that a dead
 * database costs requests nothing but a quick 503 and a starting one is not
 * stormed by every worker at once. An error that means the server is gone
 * (no SQLSTATE, class 08, 57P01-57P03) drops the connection and answers
 * DB_UNAVAILABLE, whatever PQstatus still says. */
enum db_status db_ensure(db *d);
bool db_connected(const db *d);

/* BEGIN, set_config('app.user_id', user_id or '', true) (plus request id
 * and client address) and a first statement, all in one round trip: its
 * result, or NULL with *status (the transaction is then open and failed
 * when BEGIN went through: see db_in_transaction). A connection found dead
 * on the way (idle across a PostgreSQL restart) is replaced and the whole
 * tried once more. */
db_result *db_begin_exec(db *d, arena *a, const char *user_id, const char *request_id, const char *client_ip,
    const db_call *first, enum db_status *status);
enum db_status db_commit(db *d);
void db_rollback(db *d);

/* The statement that sets the request context after BEGIN (parameters:
 * user id, request id, client address), for pipelines that begin. */
const db_stmt *db_context_stmt(void);
/* True while the connection is inside a transaction block (open, or
 * failed and waiting for its ROLLBACK). */
bool db_in_transaction(const db *d);

/* Sends n statements in one round trip (a libpq pipeline with one sync) and
 * returns the last one's result. They run in order, and the first failure
 * stops the rest (PostgreSQL skips them): NULL, *status and the SQLSTATE as
 * for db_exec, for that first failure. Without a BEGIN among them they form
 * one implicit transaction, which a failure rolls back whole; after a BEGIN
 * a failure leaves the transaction open and failed, for the caller's
 * ROLLBACK. Counts as one statement per prepared one (db_statements). */
db_result *db_exec_pipeline(db *d, arena *a, const db_call *calls, int n, enum db_status *status);
/* The same, with every statement's result in results[0..n-1]. False (and
 * no results) on failure. */
bool db_exec_pipeline_all(db *d, arena *a, const db_call *calls, int n, db_result **results,
    enum db_status *status);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). The result
 * is freed with the arena. On failure returns NULL and sets *status; a unique
 * violation or check failure reports its SQLSTATE through db_last_sqlstate. */
db_result *db_exec(db *d, arena *a, const db_stmt *s, int nparams, const char *const *params,
    enum db_status *status);
const char *db_last_sqlstate(const db *d);
/* True when a failed statement's SQLSTATE (NULL or empty: none) means the
 * server or the link to it is gone, not that the statement was wrong. */
bool db_lost_server(const char *sqlstate);
/* Frees a result now rather than when the arena is reset, for loops that
 * fetch large results one after another (attachment chunks). res (may be
 * NULL) must not be read afterwards. */
void db_result_free(db_result *res);

int db_rows(const db_result *res);
int db_cols(const db_result *res);
/* Text of one value; ptr NULL when SQL NULL. Valid until the arena is reset. */
str db_get(const db_result *res, int row, int col);
bool db_is_null(const db_result *res, int row, int col);
/* A NUL-terminated copy in the arena, or NULL for SQL NULL. */
char *db_get_dup(arena *a, const db_result *res, int row, int col);
long long db_get_int(const db_result *res, int row, int col, long long fallback);
/* A boolean column: true only for PostgreSQL's "t" (NULL is false). */
bool db_get_bool(const db_result *res, int row, int col);

/* SELECT 1 through a prepared statement: true when PostgreSQL answers. */
bool db_ping(db *d);
/* Counters for /metrics. */
unsigned long db_reconnects(const db *d);
/* Statements run (db_exec calls): tests compare the work two answers took. */
unsigned long db_statements(const db *d);
unsigned long db_connect_attempts(const db *d);
/* Also counts every connection attempt in *counter (shared /metrics). */
void db_count_attempts_in(db *d, atomic_ulong *counter);

/* `supportdesk migrate`: applies dir/NNNN_*.sql in order, each in its own
 * transaction, recorded with a sha256 in schema_migrations. Refuses a
 * migration whose file changed after it was applied. Returns 0 or -1. */
int db_migrate(const char *url, const char *dir, bool quiet);

#endif
