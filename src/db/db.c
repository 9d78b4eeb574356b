/* db.c: the worker's PostgreSQL connection (libpq). */
#include "db/db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/retry.h"

#define DB_MAX_PREPARED 256
#define DB_RETRY_INTERVAL 0.5

struct db {
	PGconn *conn;
	char *url;
	char connect_timeout[16];
	char options[128];
	char app_name[64];
	const db_stmt *prepared[DB_MAX_PREPARED];
	size_t nprepared;
	retry_gate gate;
	unsigned long reconnects;
	unsigned long statements;
	bool ever_connected;
	char sqlstate[6];
};

struct db_result {
	PGresult *res;
};

db *db_new(const char *url, int connect_timeout_s, int statement_timeout_ms, const char *app_name)
{
	db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->url = strdup(url);
	snprintf(d->connect_timeout, sizeof d->connect_timeout, "%d", connect_timeout_s);
	/* A request never waits on a lock or a slow plan for ever, and a worker
	 * that died mid-transaction doesn't hold locks for long. */
	snprintf(d->options, sizeof d->options,
	    "-c statement_timeout=%d -c idle_in_transaction_session_timeout=%d",
	    statement_timeout_ms, statement_timeout_ms * 2);
	snprintf(d->app_name, sizeof d->app_name, "%s", app_name);
	retry_gate_init(&d->gate, DB_RETRY_INTERVAL);
	return d;
}

void db_free(db *d)
{
	if (!d)
		return;
	if (d->conn)
		PQfinish(d->conn);
	free(d->url);
	free(d);
}

static void notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

static enum db_status db_connect(db *d)
{
	if (d->conn) {
		PQfinish(d->conn);
		d->conn = NULL;
	}
	d->nprepared = 0;
	retry_gate_tried(&d->gate, clock_seconds());
	const char *keys[] = { "dbname", "connect_timeout", "options", "application_name",
		"keepalives", "keepalives_idle", NULL };
	const char *vals[] = { d->url, d->connect_timeout, d->options, d->app_name, "1", "30", NULL };
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
		const char *msg = d->conn ? PQerrorMessage(d->conn) : "out of memory";
		char q[256];
		log_quote(q, sizeof q, msg, strcspn(msg, "\n"));
		log_warn("postgresql unavailable", "err=%s", q);
		if (d->conn) {
			PQfinish(d->conn);
			d->conn = NULL;
		}
		return DB_UNAVAILABLE;
	}
	PQsetNoticeReceiver(d->conn, notice_quiet, NULL);
	if (d->ever_connected) {
		d->reconnects++;
		log_info("postgresql reconnected", "reconnects=%lu", d->reconnects);
	}
	d->ever_connected = true;
	return DB_OK;
}

enum db_status db_ensure(db *d)
{
	if (d->conn && PQstatus(d->conn) == CONNECTION_OK)
		return DB_OK;
	if (!retry_gate_open(&d->gate, clock_seconds()))
		return DB_UNAVAILABLE;
	return db_connect(d);
}

bool db_connected(const db *d)
{
	return d->conn && PQstatus(d->conn) == CONNECTION_OK;
}

unsigned long db_reconnects(const db *d)
{
	return d->reconnects;
}

unsigned long db_statements(const db *d)
{
	return d->statements;
}

unsigned long db_connect_attempts(const db *d)
{
	return d->gate.attempts;
}

void db_count_attempts_in(db *d, atomic_ulong *counter)
{
	d->gate.shared = counter;
}

const char *db_last_sqlstate(const db *d)
{
	return d->sqlstate;
}

/* Registered on the arena with the wrapper, so db_result_free can clear it
 * early and leave the cleanup nothing to do. */
static void result_clear(void *p)
{
	db_result *r = p;
	PQclear(r->res);
	r->res = NULL;
}

void db_result_free(db_result *res)
{
	if (res)
		result_clear(res);
}

/* True when an error means the server or the link to it is gone rather
 * than that the statement was wrong: no SQLSTATE at all (libpq's own
 * "server closed the connection unexpectedly", which it reports while
 * PQstatus still says CONNECTION_OK), class 08 (connection exception), or
 * 57P01-57P03 (the server is shutting down, crashed, or not yet up). */
bool db_lost_server(const char *state)
{
	if (!state || !*state)
		return true;
	if (strncmp(state, "08", 2) == 0)
		return true;
	return strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

/* Maps a failed result to a status, remembering the SQLSTATE. A lost
 * server also drops the connection, so that the next use reconnects
 * (paced by the retry gate) instead of failing on a dead socket. */
static enum db_status db_failure(db *d, PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(d->sqlstate, sizeof d->sqlstate, "%s", state ? state : "");
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK || db_lost_server(state)) {
		const char *msg = res ? PQresultErrorMessage(res) : d->conn ? PQerrorMessage(d->conn) : "";
		char q[256];
		log_quote(q, sizeof q, msg, strcspn(msg, "\n"));
		log_warn("postgresql connection lost", "during=%s sqlstate=%s err=%s", what, d->sqlstate, q);
		if (d->conn) {
			PQfinish(d->conn);
			d->conn = NULL;
		}
		return DB_UNAVAILABLE;
	}
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn);
	char q[512];
	log_quote(q, sizeof q, msg, strcspn(msg, "\n"));
	/* SQL text and details go to the log, never to the user. */
	log_error("statement failed", "stmt=%s sqlstate=%s err=%s", what, d->sqlstate, q);
	return DB_ERROR;
}

static bool is_prepared(const db *d, const db_stmt *s)
{
	for (size_t i = 0; i < d->nprepared; i++)
		if (d->prepared[i] == s)
			return true;
	return false;
}

static enum db_status db_prepare(db *d, const db_stmt *s)
{
	if (is_prepared(d, s))
		return DB_OK;
	PGresult *res = PQprepare(d->conn, s->name, s->sql, 0, NULL);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		enum db_status st = db_failure(d, res, s->name);
		PQclear(res);
		return st;
	}
	PQclear(res);
	if (d->nprepared < DB_MAX_PREPARED)
		d->prepared[d->nprepared++] = s;
	return DB_OK;
}

db_result *db_exec(db *d, arena *a, const db_stmt *s, int nparams, const char *const *params,
    enum db_status *status)
{
	d->statements++;
	enum db_status st = db_ensure(d);
	if (st == DB_OK)
		st = db_prepare(d, s);
	if (st != DB_OK) {
		*status = st;
		return NULL;
	}
	PGresult *res = PQexecPrepared(d->conn, s->name, nparams, params, NULL, NULL, 0);
	ExecStatusType rs = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
		*status = db_failure(d, res, s->name);
		PQclear(res);
		return NULL;
	}
	db_result *out = arena_alloc(a, sizeof *out);
	out->res = res;
	arena_on_free(a, result_clear, out);
	*status = DB_OK;
	return out;
}

static enum db_status db_simple(db *d, const char *sql)
{
	PGresult *res = PQexec(d->conn, sql);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		enum db_status st = db_failure(d, res, sql);
		PQclear(res);
		return st;
	}
	PQclear(res);
	return DB_OK;
}

static const db_stmt stmt_set_context = {
	"sd_set_context",
	"select set_config('app.user_id', $1, true), set_config('app.request_id', $2, true), "
	"set_config('app.client_ip', $3, true)",
};

bool db_in_transaction(const db *d)
{
	if (!db_connected(d))
		return false;
	PGTransactionStatusType ts = PQtransactionStatus(d->conn);
	return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

const db_stmt *db_context_stmt(void)
{
	return &stmt_set_context;
}

static const char *call_name(const db_call *c)
{
	return c->stmt ? c->stmt->name : c->sql;
}

/* The pipeline; each result kept in keep[i] (PGresult, the caller's) when
 * keep is not NULL, else only the last one's, returned. */
static PGresult *pipeline_run(db *d, const db_call *calls, int n, PGresult **keep, enum db_status *status)
{
	enum db_status st = db_ensure(d);
	for (int i = 0; st == DB_OK && i < n; i++) {
		if (calls[i].stmt) {
			d->statements += calls[i].stmt != &stmt_set_context;
			st = db_prepare(d, calls[i].stmt);
		}
	}
	if (st != DB_OK) {
		*status = st;
		return NULL;
	}
	PGconn *c = d->conn;
	if (!PQenterPipelineMode(c)) {
		*status = db_failure(d, NULL, "pipeline");
		return NULL;
	}
	if (keep)
		for (int i = 0; i < n; i++)
			keep[i] = NULL;
	int sent = 0;
	while (sent < n) {
		const db_call *k = &calls[sent];
		int ok = k->stmt ? PQsendQueryPrepared(c, k->stmt->name, k->nparams, k->params, NULL, NULL, 0)
		                 : PQsendQueryParams(c, k->sql, 0, NULL, NULL, NULL, NULL, 0);
		if (!ok)
			break;
		sent++;
	}
	bool synced = sent == n && PQpipelineSync(c);
	/* Read every result before handling a failure: db_failure may drop the
	 * connection, which must not happen with results still pending. */
	PGresult *last = NULL, *err = NULL;
	const char *err_what = "pipeline";
	bool broken = !synced;
	for (int i = 0; i < sent && !broken; i++) {
		PGresult *r = PQgetResult(c);
		if (!r) {
			broken = true;
			break;
		}
		ExecStatusType rs = PQresultStatus(r);
		if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK) {
			if (keep)
				keep[i] = r;
			else if (i == n - 1)
				last = r;
			else
				PQclear(r);
		} else if (rs == PGRES_PIPELINE_ABORTED) {
			PQclear(r);
		} else {
			if (!err) {
				err = r;
				err_what = call_name(&calls[i]);
			} else {
				PQclear(r);
			}
			if (PQstatus(c) != CONNECTION_OK) {
				broken = true;
				break;
			}
		}
		/* Each statement's results end with a NULL. */
		PGresult *extra;
		while ((extra = PQgetResult(c)) != NULL)
			PQclear(extra);
	}
	if (!broken) {
		PGresult *r = PQgetResult(c);
		if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
			broken = true;
		PQclear(r);
	}
	if (broken || !PQexitPipelineMode(c)) {
		/* The link failed mid-pipeline: nothing more can be read on it. */
		PQclear(last);
		for (int i = 0; keep && i < n; i++) {
			PQclear(keep[i]);
			keep[i] = NULL;
		}
		*status = db_failure(d, err, err_what);
		PQclear(err);
		if (d->conn) {
			PQfinish(d->conn);
			d->conn = NULL;
		}
		if (*status == DB_ERROR)
			*status = DB_UNAVAILABLE;
		return NULL;
	}
	if (keep && !err)
		last = keep[n - 1];
	if (err || !last) {
		if (!keep)
			PQclear(last);
		for (int i = 0; keep && i < n; i++) {
			PQclear(keep[i]);
			keep[i] = NULL;
		}
		*status = db_failure(d, err, err_what);
		PQclear(err);
		return NULL;
	}
	*status = DB_OK;
	return last;
}

static db_result *wrap(arena *a, PGresult *res)
{
	db_result *out = arena_alloc(a, sizeof *out);
	out->res = res;
	arena_on_free(a, result_clear, out);
	return out;
}

db_result *db_exec_pipeline(db *d, arena *a, const db_call *calls, int n, enum db_status *status)
{
	PGresult *res = pipeline_run(d, calls, n, NULL, status);
	return res ? wrap(a, res) : NULL;
}

bool db_exec_pipeline_all(db *d, arena *a, const db_call *calls, int n, db_result **results,
    enum db_status *status)
{
	PGresult **keep = arena_calloc(a, (size_t)n, sizeof *keep);
	if (!pipeline_run(d, calls, n, keep, status))
		return false;
	for (int i = 0; i < n; i++)
		results[i] = wrap(a, keep[i]);
	return true;
}

db_result *db_begin_exec(db *d, arena *a, const char *user_id, const char *request_id, const char *client_ip,
    const db_call *first, enum db_status *status)
{
	const char *params[3] = { user_id ? user_id : "", request_id ? request_id : "",
		client_ip ? client_ip : "" };
	db_call calls[3] = { { NULL, "BEGIN", 0, NULL }, { &stmt_set_context, NULL, 3, params }, *first };
	bool had_connection = db_connected(d);
	db_result *res = db_exec_pipeline(d, a, calls, 3, status);
	if (!res && *status == DB_UNAVAILABLE && had_connection && !db_connected(d)) {
		/* A connection idle across a PostgreSQL restart fails on first
		 * use, and nothing of this request has happened yet: begin again
		 * on a new one. The retry gate still paces it; a server that is
		 * down is tried no faster. */
		res = db_exec_pipeline(d, a, calls, 3, status);
	}
	return res;
}

enum db_status db_commit(db *d)
{
	if (!db_connected(d))
		return DB_UNAVAILABLE;
	return db_simple(d, "COMMIT");
}

void db_rollback(db *d)
{
	if (!db_connected(d))
		return;
	PGresult *res = PQexec(d->conn, "ROLLBACK");
	PQclear(res);
}

int db_rows(const db_result *r) { return PQntuples(r->res); }
int db_cols(const db_result *r) { return PQnfields(r->res); }

bool db_is_null(const db_result *r, int row, int col)
{
	return PQgetisnull(r->res, row, col);
}

str db_get(const db_result *r, int row, int col)
{
	if (row >= PQntuples(r->res) || col >= PQnfields(r->res) || PQgetisnull(r->res, row, col))
		return STR_NULL;
	return (str){ PQgetvalue(r->res, row, col), (size_t)PQgetlength(r->res, row, col) };
}

char *db_get_dup(arena *a, const db_result *r, int row, int col)
{
	str s = db_get(r, row, col);
	return s.ptr ? str_dup(a, s) : NULL;
}

long long db_get_int(const db_result *r, int row, int col, long long fallback)
{
	str s = db_get(r, row, col);
	if (!s.ptr)
		return fallback;
	char *end;
	long long v = strtoll(s.ptr, &end, 10);
	return end == s.ptr ? fallback : v;
}

bool db_get_bool(const db_result *r, int row, int col)
{
	str s = db_get(r, row, col);
	return s.len == 1 && s.ptr[0] == 't';
}

static const db_stmt stmt_ping = { "sd_ping", "select 1" };

static bool ping_once(db *d)
{
	if (db_ensure(d) != DB_OK || db_prepare(d, &stmt_ping) != DB_OK)
		return false;
	PGresult *res = PQexecPrepared(d->conn, stmt_ping.name, 0, NULL, NULL, NULL, 0);
	bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		db_failure(d, res, stmt_ping.name);
	PQclear(res);
	return ok;
}

bool db_ping(db *d)
{
	bool had_connection = db_connected(d);
	if (ping_once(d))
		return true;
	/* As in db_begin_exec: a connection that went stale gets one fresh try,
	 * when the gate allows it. */
	return had_connection && !db_connected(d) && ping_once(d);
}
