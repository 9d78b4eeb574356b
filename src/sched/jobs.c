/* jobs.c: the scheduler's jobs (model code: a db_tx, never a request). */
#include "sched/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kv/kb_views.h"
#include "model/kb.h"
#include "model/ticket_template.h"

static const db_stmt q_begin = { "sched_job_begin", "select sched_job_begin($1, $2::int)" };
static const db_stmt q_end = { "sched_job_end", "select sched_job_end($1, $2::jsonb, $3::jsonb)" };
static const db_stmt q_sla_batch = { "sched_sla_batch",
	"select scanned, events, last_due, last_id from sla_escalate_batch($1, $2::timestamptz, $3::uuid, $4::int)" };
static const db_stmt q_purge = { "sched_purge", "select sched_purge($1)" };

/* SCHED_RAN with the job's saved state in *state (JSON text, may be NULL),
 * SCHED_SKIPPED, or SCHED_FAILED. */
static enum sched_outcome job_begin(db_tx *tx, const char *job, int min_gap_s, const char **state)
{
	char gap[16];
	snprintf(gap, sizeof gap, "%d", min_gap_s < 0 ? 0 : min_gap_s);
	const char *p[2] = { job, gap };
	db_result *res = db_tx_exec(tx, &q_begin, 2, p);
	if (!res || db_rows(res) != 1)
		return SCHED_FAILED;
	if (db_is_null(res, 0, 0))
		return SCHED_SKIPPED;
	if (state)
		*state = db_get_dup(tx->a, res, 0, 0);
	return SCHED_RAN;
}

static enum sched_outcome job_end(db_tx *tx, const char *job, const char *state, const char *result)
{
	const char *p[3] = { job, state, result };
	return db_tx_exec(tx, &q_end, 3, p) ? SCHED_RAN : SCHED_FAILED;
}

enum sched_outcome sched_job_sla(db_tx *tx, int min_gap_s, int batch, int max_batches, long long *events)
{
	*events = 0;
	enum sched_outcome o = job_begin(tx, "sla", min_gap_s, NULL);
	if (o != SCHED_RAN)
		return o;
	static const char *const clocks[2] = { "first_response", "resolution" };
	char limit[16], result[160];
	snprintf(limit, sizeof limit, "%d", batch);
	long long scanned_all = 0;
	for (int c = 0; c < 2; c++) {
		/* Keyset: (due, id) of the last ticket looked at. */
		const char *after_due = NULL, *after_id = NULL;
		for (int b = 0; b < max_batches; b++) {
			const char *p[4] = { clocks[c], after_due, after_id, limit };
			db_result *res = db_tx_exec(tx, &q_sla_batch, 4, p);
			if (!res || db_rows(res) != 1)
				return SCHED_FAILED;
			long long scanned = db_get_int(res, 0, 0, 0);
			scanned_all += scanned;
			*events += db_get_int(res, 0, 1, 0);
			if (scanned < batch)
				break;
			after_due = db_get_dup(tx->a, res, 0, 2);
			after_id = db_get_dup(tx->a, res, 0, 3);
		}
	}
	snprintf(result, sizeof result, "{\"scanned\": %lld, \"events\": %lld}", scanned_all, *events);
	return job_end(tx, "sla", NULL, result);
}

enum sched_outcome sched_job_purge(db_tx *tx, const char *job, const char *what, int min_gap_s, int max_batches,
    long long *purged)
{
	*purged = 0;
	enum sched_outcome o = job_begin(tx, job, min_gap_s, NULL);
	if (o != SCHED_RAN)
		return o;
	/* The blob collection deletes a bounded batch per statement; the
	 * others are one statement each. */
	int rounds = strcmp(what, "blobs") == 0 ? max_batches : 1;
	for (int i = 0; i < rounds; i++) {
		const char *p[1] = { what };
		db_result *res = db_tx_exec(tx, &q_purge, 1, p);
		if (!res || db_rows(res) != 1 || db_is_null(res, 0, 0))
			return SCHED_FAILED;
		long long n = db_get_int(res, 0, 0, 0);
		*purged += n;
		if (n < 1000)
			break;
	}
	char result[64];
	snprintf(result, sizeof result, "{\"purged\": %lld}", *purged);
	return job_end(tx, job, NULL, result);
}

/* The cursor of the last run, from the job's state {"cursor": "N"}. */
static const char *saved_cursor(arena *a, const char *state)
{
	const char *cursor = "0";
	json_t *j = state ? json_loads(state, 0, NULL) : NULL;
	const char *v = j ? json_string_value(json_object_get(j, "cursor")) : NULL;
	if (v && *v && strlen(v) < 24 && strspn(v, "0123456789") == strlen(v))
		cursor = arena_strdup(a, v);
	json_decref(j);
	return cursor;
}

enum sched_outcome sched_job_sessions(db_tx *tx, kv *k, int min_gap_s, int rounds, long long *removed)
{
	*removed = 0;
	const char *state = NULL;
	enum sched_outcome o = job_begin(tx, "session_sets", min_gap_s, &state);
	if (o != SCHED_RAN)
		return o;
	char *next = NULL;
	long n = 0;
	if (session_prune_sets(k, tx->a, saved_cursor(tx->a, state), rounds, &next, &n) != KV_OK)
		return SCHED_FAILED;
	*removed = n;
	char st[64], result[64];
	snprintf(st, sizeof st, "{\"cursor\": \"%s\"}", next);
	snprintf(result, sizeof result, "{\"removed\": %ld}", n);
	return job_end(tx, "session_sets", st, result);
}

/* workflows */
static const db_stmt q_views_refresh = { "sched_workflow_views", "select workflow_views_refresh()" };

enum sched_outcome sched_job_workflow_views(db_tx *tx, int min_gap_s)
{
	enum sched_outcome o = job_begin(tx, "workflow_views", min_gap_s, NULL);
	if (o != SCHED_RAN)
		return o;
	if (!db_tx_exec(tx, &q_views_refresh, 0, NULL))
		return SCHED_FAILED;
	return job_end(tx, "workflow_views", NULL, "{}");
}

/* queue counts (0045): each key's deltas folded into one row */
static const db_stmt q_queue_counts_fold = { "sched_queue_counts_fold", "select queue_counts_fold()" };

enum sched_outcome sched_job_queue_counts(db_tx *tx, int min_gap_s, long long *folded)
{
	*folded = 0;
	enum sched_outcome o = job_begin(tx, "queue_counts", min_gap_s, NULL);
	if (o != SCHED_RAN)
		return o;
	db_result *res = db_tx_exec(tx, &q_queue_counts_fold, 0, NULL);
	if (!res || db_rows(res) != 1 || db_is_null(res, 0, 0))
		return SCHED_FAILED;
	*folded = db_get_int(res, 0, 0, 0);
	char result[64];
	snprintf(result, sizeof result, "{\"folded\": %lld}", *folded);
	return job_end(tx, "queue_counts", NULL, result);
}

enum sched_outcome sched_job_kb_views(db_tx *tx, kv *k, int min_gap_s, long long *updated)
{
	*updated = 0;
	const char *state = NULL;
	enum sched_outcome o = job_begin(tx, "kb_views", min_gap_s, &state);
	if (o != SCHED_RAN)
		return o;
	char **ids;
	long long *counts;
	size_t n;
	if (kb_views_take(k, tx->a, &ids, &counts, &n) != KV_OK)
		return SCHED_FAILED;
	if (kb_views_add(tx, ids, counts, n, updated) != 0)
		return SCHED_FAILED;
	char result[64];
	snprintf(result, sizeof result, "{\"articles\": %lld}", *updated);
	return job_end(tx, "kb_views", "{}", result);
}

/* reports */
static const db_stmt q_report_fold = { "sched_report_fold", "select report_fold($1::int)" };

enum sched_outcome sched_job_reports(db_tx *tx, int min_gap_s, int batch, int max_batches, long long *folded)
{
	*folded = 0;
	enum sched_outcome o = job_begin(tx, "reports", min_gap_s, NULL);
	if (o != SCHED_RAN)
		return o;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", batch);
	for (int b = 0; b < max_batches; b++) {
		const char *p[1] = { limit };
		db_result *res = db_tx_exec(tx, &q_report_fold, 1, p);
		if (!res || db_rows(res) != 1 || db_is_null(res, 0, 0))
			return SCHED_FAILED;
		long long n = db_get_int(res, 0, 0, 0);
		*folded += n;
		if (n < batch)
			break;
	}
	char result[64];
	snprintf(result, sizeof result, "{\"folded\": %lld}", *folded);
	return job_end(tx, "reports", NULL, result);
}

/* ---- automation (0037): time rules ---- */
static const db_stmt q_automation = { "sched_automation", "select automation_time_run($1::int)" };

enum sched_outcome sched_job_automation(db_tx *tx, int min_gap_s, int batch, long long *fired)
{
	*fired = 0;
	enum sched_outcome o = job_begin(tx, "automation", min_gap_s, NULL);
	if (o != SCHED_RAN)
		return o;
	char limit[16], result[64];
	snprintf(limit, sizeof limit, "%d", batch > 0 ? batch : 500);
	const char *p[1] = { limit };
	db_result *res = db_tx_exec(tx, &q_automation, 1, p);
	if (!res || db_rows(res) != 1 || db_is_null(res, 0, 0))
		return SCHED_FAILED;
	*fired = db_get_int(res, 0, 0, 0);
	snprintf(result, sizeof result, "{\"fired\": %lld}", *fired);
	return job_end(tx, "automation", NULL, result);
}

/* ---- recurring tickets (0038) ---- */

enum sched_outcome sched_job_templates(db_tx *tx, int min_gap_s, int limit, long long *created)
{
	*created = 0;
	enum sched_outcome o = job_begin(tx, "recurring_tickets", min_gap_s, NULL);
	if (o != SCHED_RAN)
		return o;
	if (ticket_template_run_due(tx, limit, created) != 0)
		return SCHED_FAILED;
	char result[64];
	snprintf(result, sizeof result, "{\"tickets\": %lld}", *created);
	return job_end(tx, "recurring_tickets", NULL, result);
}
