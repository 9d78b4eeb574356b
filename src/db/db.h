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

/* BEGIN and set_config('app.user_id', user_id or '', true) (plus request id
 * and client address) in one round trip. */
enum db_status db_begin(db *d, const char *user_id, const char *request_id, const char *client_ip);
enum db_status db_commit(db *d);
void db_rollback(db *d);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). The result
 * is freed with the arena. On failure returns NULL and sets *status; a unique
 * violation or check failure reports its SQLSTATE through db_last_sqlstate. */
db_result *db_exec(db *d, arena *a, const db_stmt *s, int nparams, const char *const *params,
    enum db_status *status);
/* Statements run together in one round trip (libpq's pipeline mode), in
 * order, in the current transaction: what a page needs from several
 * independent queries costs one wait for the server instead of one each. */
#define DB_BATCH_MAX 32
typedef struct {
	const db_stmt *stmt;
	int nparams;
	const char *const *params;
	db_result *res; /* set on DB_OK */
} db_batch;
/* DB_OK with every res set, or the failure of the first that failed (the
 * ones after it are not run, and the transaction is aborted). */
enum db_status db_exec_batch(db *d, arena *a, db_batch *b, size_t n);
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
