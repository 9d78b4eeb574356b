/* outbox.c: the mailer's connection to the outbox (libpq, LISTEN/NOTIFY). */
#include "db/outbox.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/db.h"

struct db_outbox {
	PGconn *conn;
	char *url;
	char connect_timeout[16];
	char options[128];
	bool ever_connected;
	/* Statements prepared on this connection (their names: the `what` of
	 * outbox_exec, string literals), forgotten with the connection. */
	const char *prepared[16];
	int nprepared;
};

db_outbox *db_outbox_new(const char *url, int connect_timeout_s, int statement_timeout_ms)
{
	db_outbox *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->url = strdup(url ? url : "");
	if (!o->url) {
		free(o);
		return NULL;
	}
	snprintf(o->connect_timeout, sizeof o->connect_timeout, "%d", connect_timeout_s);
	snprintf(o->options, sizeof o->options, "-c statement_timeout=%d", statement_timeout_ms);
	return o;
}

void db_outbox_disconnect(db_outbox *o)
{
	o->nprepared = 0;
	if (o->conn) {
		PQfinish(o->conn);
		o->conn = NULL;
	}
}

void db_outbox_free(db_outbox *o)
{
	if (!o)
		return;
	db_outbox_disconnect(o);
	free(o->url);
	free(o);
}

static void notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* Logs a failed result; drops the connection when it is the cause. */
static void outbox_failure(db_outbox *o, PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";
	if (!*msg)
		msg = PQerrorMessage(o->conn);
	char q[512];
	log_quote(q, sizeof q, msg, strcspn(msg, "\n"));
	/* As for the workers: a server that went away may leave PQstatus at
	 * CONNECTION_OK, and a connection kept then would fail for ever. */
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (PQstatus(o->conn) != CONNECTION_OK || db_lost_server(state)) {
		log_warn("postgresql connection lost", "during=%s err=%s", what, q);
		db_outbox_disconnect(o);
	} else {
		log_error("statement failed", "stmt=%s err=%s", what, q);
	}
}

/* Runs sql with text parameters; the result or NULL (already logged). A
 * statement with parameters is prepared once per connection, under the
 * name what: the mailer runs the same few for every email, and parsing and
 * planning them anew each time cost PostgreSQL more than running them. */
static PGresult *outbox_exec(db_outbox *o, const char *what, const char *sql, int n,
    const char *const *params, ExecStatusType want)
{
	if (!o->conn)
		return NULL;
	bool ready = false;
	for (int i = 0; i < o->nprepared && !ready; i++)
		ready = o->prepared[i] == what;
	if (!ready && n > 0 && o->nprepared < (int)(sizeof o->prepared / sizeof o->prepared[0])) {
		PGresult *prep = PQprepare(o->conn, what, sql, n, NULL);
		if (!prep || PQresultStatus(prep) != PGRES_COMMAND_OK) {
			outbox_failure(o, prep, what);
			PQclear(prep);
			return NULL;
		}
		PQclear(prep);
		o->prepared[o->nprepared++] = what;
		ready = true;
	}
	PGresult *res = ready ? PQexecPrepared(o->conn, what, n, params, NULL, NULL, 0)
	                      : PQexecParams(o->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != want) {
		outbox_failure(o, res, what);
		PQclear(res);
		return NULL;
	}
	return res;
}

int db_outbox_ensure(db_outbox *o)
{
	if (o->conn && PQstatus(o->conn) == CONNECTION_OK)
		return 0;
	db_outbox_disconnect(o);
	const char *keys[] = { "dbname", "connect_timeout", "options", "application_name",
		"keepalives", "keepalives_idle", NULL };
	const char *vals[] = { o->url, o->connect_timeout, o->options, "supportdesk-mailer", "1",
		"30", NULL };
	o->conn = PQconnectdbParams(keys, vals, 1);
	if (!o->conn || PQstatus(o->conn) != CONNECTION_OK) {
		const char *msg = o->conn ? PQerrorMessage(o->conn) : "out of memory";
		char q[256];
		log_quote(q, sizeof q, msg, strcspn(msg, "\n"));
		log_warn("postgresql unavailable", "err=%s", q);
		db_outbox_disconnect(o);
		return -1;
	}
	PQsetNoticeReceiver(o->conn, notice_quiet, NULL);
	PGresult *res = outbox_exec(o, "listen", "LISTEN outbox", 0, NULL, PGRES_COMMAND_OK);
	if (!res) {
		db_outbox_disconnect(o);
		return -1;
	}
	PQclear(res);
	log_info(o->ever_connected ? "postgresql reconnected" : "postgresql connected",
	    "listen=outbox");
	o->ever_connected = true;
	return 0;
}

int db_outbox_socket(const db_outbox *o)
{
	return o->conn ? PQsocket(o->conn) : -1;
}

int db_outbox_drain(db_outbox *o)
{
	if (!o->conn)
		return -1;
	if (!PQconsumeInput(o->conn) || PQstatus(o->conn) != CONNECTION_OK) {
		outbox_failure(o, NULL, "consume");
		db_outbox_disconnect(o);
		return -1;
	}
	int n = 0;
	PGnotify *note;
	while ((note = PQnotifies(o->conn)) != NULL) {
		PQfreemem(note);
		n++;
	}
	return n;
}

static void result_clear(void *p)
{
	PQclear(p);
}

/* A column's text copied into the arena, NULL when SQL NULL. */
static char *col_dup(arena *a, PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return arena_strndup(a, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

int db_outbox_claim(db_outbox *o, arena *a, int limit, int lease_s, db_outbox_row **rows)
{
	char lim[16], lease[16];
	snprintf(lim, sizeof lim, "%d", limit);
	snprintf(lease, sizeof lease, "%d", lease_s);
	const char *params[] = { lim, lease };
	PGresult *res = outbox_exec(o, "outbox_claim",
	    "SELECT id, to_email, to_name, subject, body_text, body_html, template, attempts, sealed, "
	    "template_data::text "
	    "FROM outbox_claim($1::int, make_interval(secs => $2::int))",
	    2, params, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	arena_on_free(a, result_clear, res);
	int n = PQntuples(res);
	if (PQnfields(res) != 10) {
		log_error("statement failed", "stmt=outbox_claim err=%s", "unexpected_columns");
		return -1;
	}
	db_outbox_row *out = arena_calloc(a, (size_t)(n > 0 ? n : 1), sizeof *out);
	for (int i = 0; i < n; i++) {
		out[i].id = col_dup(a, res, i, 0);
		out[i].to_email = col_dup(a, res, i, 1);
		out[i].to_name = col_dup(a, res, i, 2);
		out[i].subject = col_dup(a, res, i, 3);
		out[i].body_text = col_dup(a, res, i, 4);
		out[i].body_html = col_dup(a, res, i, 5);
		out[i].template_name = col_dup(a, res, i, 6);
		out[i].attempts = atoi(PQgetvalue(res, i, 7)); /* an int column: always digits */
		out[i].sealed = PQgetvalue(res, i, 8)[0] == 't';
		out[i].template_data = col_dup(a, res, i, 9);
	}
	*rows = out;
	return n;
}

int db_outbox_thread_load(db_outbox *o, arena *a, const char *id, db_outbox_thread *out)
{
	memset(out, 0, sizeof *out);
	const char *params[] = { id };
	PGresult *res = outbox_exec(o, "outbox_thread",
	    "SELECT ticket_id, ticket_number, support_email, recipient_is_staff, "
	    "array_to_string(previous, ' ') FROM outbox_thread($1::uuid)",
	    1, params, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	arena_on_free(a, result_clear, res);
	if (PQntuples(res) != 1 || PQnfields(res) != 5 || PQgetisnull(res, 0, 0))
		return 0;
	out->ticket_id = col_dup(a, res, 0, 0);
	out->ticket_number = col_dup(a, res, 0, 1);
	out->support_email = col_dup(a, res, 0, 2);
	out->recipient_is_staff = PQgetvalue(res, 0, 3)[0] == 't';
	char *prev = col_dup(a, res, 0, 4);
	size_t cap = 1;
	for (const char *p = prev ? prev : ""; *p; p++)
		cap += *p == ' ';
	out->previous = arena_calloc(a, cap, sizeof *out->previous);
	for (char *tok = prev, *save = NULL; prev && (tok = strtok_r(tok, " ", &save)); tok = NULL)
		out->previous[out->n_previous++] = tok;
	return 0;
}

int db_outbox_mark_sent(db_outbox *o, const char *id)
{
	const char *params[] = { id };
	PGresult *res = outbox_exec(o, "outbox_mark_sent", "SELECT outbox_mark_sent($1::uuid)", 1,
	    params, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int db_outbox_mark_failed(db_outbox *o, const char *id, const char *error, bool permanent,
    char *status, size_t status_len)
{
	const char *params[] = { id, error, permanent ? "true" : "false" };
	PGresult *res = outbox_exec(o, "outbox_mark_failed",
	    "SELECT outbox_mark_failed($1::uuid, $2::text, $3::boolean)", 3, params, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	if (status && status_len)
		snprintf(status, status_len, "%s",
		    PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return 0;
}

long db_outbox_purge(db_outbox *o)
{
	PGresult *res = outbox_exec(o, "outbox_purge", "SELECT outbox_purge()", 0, NULL, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	long n = PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return n;
}

/* ------------------------------------------------------------------ webhook deliveries */

int db_outbox_hook_claim(db_outbox *o, arena *a, int lease_s, db_hook_row *row)
{
	memset(row, 0, sizeof *row);
	char lease[16];
	snprintf(lease, sizeof lease, "%d", lease_s);
	const char *params[] = { lease };
	PGresult *res = outbox_exec(o, "webhook_claim",
	    "SELECT id, event, body, attempts, url, secret_sealed, allow_internal, is_active "
	    "FROM webhook_claim(1, make_interval(secs => $1::int))",
	    1, params, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	arena_on_free(a, result_clear, res);
	if (PQnfields(res) != 8) {
		log_error("statement failed", "stmt=webhook_claim err=%s", "unexpected_columns");
		return -1;
	}
	if (PQntuples(res) == 0)
		return 0;
	row->id = col_dup(a, res, 0, 0);
	row->event = col_dup(a, res, 0, 1);
	row->body = col_dup(a, res, 0, 2);
	row->attempts = atoi(PQgetvalue(res, 0, 3));
	row->url = col_dup(a, res, 0, 4);
	row->secret_sealed = col_dup(a, res, 0, 5);
	row->allow_internal = PQgetvalue(res, 0, 6)[0] == 't';
	row->is_active = PQgetvalue(res, 0, 7)[0] == 't';
	return 1;
}

int db_outbox_hook_delivered(db_outbox *o, const char *id, int code)
{
	char c[16];
	snprintf(c, sizeof c, "%d", code);
	const char *params[] = { id, c };
	PGresult *res = outbox_exec(o, "webhook_mark_delivered", "SELECT webhook_mark_delivered($1::uuid, $2::int)", 2,
	    params, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int db_outbox_hook_failed(db_outbox *o, const char *id, int code, const char *error, bool permanent, char *status,
    size_t status_len, double *retry_in_s)
{
	char c[16];
	snprintf(c, sizeof c, "%d", code);
	const char *params[] = { id, c, error, permanent ? "true" : "false" };
	PGresult *res = outbox_exec(o, "webhook_mark_failed",
	    "SELECT status, coalesce(retry_in_s, 0) FROM webhook_mark_failed($1::uuid, $2::int, $3::text, $4::boolean)",
	    4, params, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	bool one = PQntuples(res) == 1;
	if (status && status_len)
		snprintf(status, status_len, "%s", one ? PQgetvalue(res, 0, 0) : "");
	if (retry_in_s)
		*retry_in_s = one ? atof(PQgetvalue(res, 0, 1)) : 0;
	PQclear(res);
	return 0;
}

long db_outbox_hook_purge(db_outbox *o)
{
	PGresult *res = outbox_exec(o, "webhook_purge", "SELECT webhook_purge()", 0, NULL, PGRES_TUPLES_OK);
	if (!res)
		return -1;
	long n = PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return n;
}
