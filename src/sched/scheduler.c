/* scheduler.c: the loop of `supportdesk scheduler`: one connection to
 * PostgreSQL and one to Redis, one transaction and one arena per job run. */
#include "sched/scheduler.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/stopsig.h"
#include "db/tx.h"
#include "kv/kb_views.h"
#include "kv/kv.h"
#include "sched/jobs.h"

/* The SLA job's statements touch up to a batch of tickets each: more time
 * than a page's statement gets. */
#define SCHED_STATEMENT_TIMEOUT_MS 60000
#define SCHED_SLA_MAX_BATCHES 40     /* per clock and run: 40 * 500 tickets by default */
#define SCHED_BLOB_MAX_BATCHES 10    /* of 1000 blobs */
#define SCHED_SESSION_ROUNDS 20      /* SCAN calls of 200 keys per run */
/* reports: ticket changes folded into report_daily per statement and run */
#define SCHED_REPORT_BATCH 5000
#define SCHED_REPORT_MAX_BATCHES 40
#define SCHED_TEMPLATES_PER_RUN 200  /* recurring templates due, per run */

typedef struct {
	const config *cfg;
	db *conn;
	kv *kv;
	arena *mem;          /* reset after every job run */
	unsigned long seq;   /* request ids: sched-<job>-<seq> */
} scheduler;

/* The purges: job name (scheduler_runs, the advisory lock) and what
 * sched_purge() deletes. */
static const struct {
	const char *job;
	const char *what;
} purges[] = {
	{ "purge_submissions", "submissions" },
	{ "purge_notifications", "notifications" },
	{ "purge_track_requests", "track_requests" },
	{ "blob_gc", "blobs" },
};

/* ------------------------------------------------------------------ waiting (stop signals: core/stopsig.c) */

static void sched_wait(double seconds)
{
	if (seconds <= 0)
		return;
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	if (ppoll(NULL, 0, &ts, stopsig_wait_mask()) < 0 && errno != EINTR)
		log_warn("ppoll failed", "err=\"%s\"", strerror(errno));
}

/* ------------------------------------------------------------------ jobs */

static int sched_init(scheduler *s, const config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	if (!cfg->database_url || !*cfg->database_url) {
		log_error("scheduler cannot start", "err=\"DATABASE_URL is not set\"");
		return -1;
	}
	int timeout = cfg->statement_timeout_ms > SCHED_STATEMENT_TIMEOUT_MS ? cfg->statement_timeout_ms
	                                                                      : SCHED_STATEMENT_TIMEOUT_MS;
	s->conn = db_new(cfg->database_url, cfg->connect_timeout_s, timeout, "supportdesk-scheduler");
	s->kv = kv_new(cfg->redis_url, cfg->redis_timeout_ms);
	s->mem = arena_new(16 * 1024);
	if (!s->kv) {
		log_error("scheduler cannot start", "err=\"REDIS_URL must be unix:///path or redis://host:port/db\"");
		return -1;
	}
	if (!s->conn || !s->mem) {
		log_error("scheduler cannot start", "err=\"out of memory\"");
		return -1;
	}
	return 0;
}

static void sched_free(scheduler *s)
{
	if (s->mem)
		arena_free(s->mem);
	kv_free(s->kv);
	db_free(s->conn);
}

enum job_kind { JOB_SLA, JOB_PURGE, JOB_SESSIONS, JOB_KB_VIEWS,
	JOB_REPORTS /* reports: report_fold() */, JOB_WORKFLOW_VIEWS, JOB_AUTOMATION,
	JOB_TEMPLATES /* recurring tickets (0038) */, JOB_QUEUE_COUNTS /* /desk's counts (0045) */ };

/* One job run: its own transaction and arena. Logs what happened. */
static enum sched_outcome run_job(scheduler *s, enum job_kind kind, size_t purge, int gap_s, sched_report *rep)
{
	const char *name = kind == JOB_SLA ? "sla" : kind == JOB_SESSIONS ? "session_sets"
	                 : kind == JOB_KB_VIEWS ? "kb_views" : kind == JOB_REPORTS ? "reports"
	                 : kind == JOB_WORKFLOW_VIEWS ? "workflow_views" : kind == JOB_AUTOMATION ? "automation"
	                 : kind == JOB_TEMPLATES ? "recurring_tickets" : kind == JOB_QUEUE_COUNTS ? "queue_counts"
	                 : purges[purge].job;
	char rid[64];
	snprintf(rid, sizeof rid, "sched-%s-%lu", name, ++s->seq);
	db_tx tx;
	db_tx_init(&tx, s->conn, s->mem, NULL, rid, NULL);
	double t0 = clock_seconds();
	long long n = 0;
	enum sched_outcome o;
	switch (kind) {
	case JOB_SLA:
		o = sched_job_sla(&tx, gap_s, s->cfg->scheduler_batch, SCHED_SLA_MAX_BATCHES, &n);
		break;
	case JOB_SESSIONS:
		o = sched_job_sessions(&tx, s->kv, gap_s, SCHED_SESSION_ROUNDS, &n);
		break;
	case JOB_KB_VIEWS:
		o = sched_job_kb_views(&tx, s->kv, gap_s, &n);
		break;
	/* reports */
	case JOB_REPORTS:
		o = sched_job_reports(&tx, gap_s, SCHED_REPORT_BATCH, SCHED_REPORT_MAX_BATCHES, &n);
		break;
	/* workflows */
	case JOB_WORKFLOW_VIEWS:
		o = sched_job_workflow_views(&tx, gap_s);
		break;
	/* automation (0037): time rules */
	case JOB_AUTOMATION:
		o = sched_job_automation(&tx, gap_s, s->cfg->scheduler_batch, &n);
		break;
	case JOB_TEMPLATES: /* recurring tickets (0038) */
		o = sched_job_templates(&tx, gap_s, SCHED_TEMPLATES_PER_RUN, &n);
		break;
	case JOB_QUEUE_COUNTS:
		o = sched_job_queue_counts(&tx, gap_s, &n);
		break;
	default:
		o = sched_job_purge(&tx, name, purges[purge].what, gap_s, SCHED_BLOB_MAX_BATCHES, &n);
		break;
	}
	if (o == SCHED_RAN && db_tx_commit(&tx) != DB_OK)
		o = SCHED_FAILED;
	else if (o != SCHED_RAN)
		db_tx_rollback(&tx);
	/* The views are in PostgreSQL only now: Redis may forget them. */
	else if (kind == JOB_KB_VIEWS && kb_views_done(s->kv) != KV_OK)
		log_warn("kb views kept in redis after commit", "rid=%s (the next run counts them again)", rid);
	double ms = (clock_seconds() - t0) * 1000.0;
	switch (o) {
	case SCHED_RAN:
		rep->ran++;
		if (kind == JOB_SLA)
			rep->escalations += n;
		else if (kind == JOB_TEMPLATES)
			rep->recurring += n;
		else
			rep->purged += n;
		if (n > 0 || kind == JOB_SLA)
			log_info("job done", "job=%s rid=%s count=%lld ms=%.1f", name, rid, n, ms);
		break;
	case SCHED_SKIPPED:
		rep->skipped++;
		break;
	default:
		rep->failed++;
		log_warn("job failed", "job=%s rid=%s sqlstate=%s unavailable=%s ms=%.1f", name, rid,
		    *db_tx_sqlstate(&tx) ? db_tx_sqlstate(&tx) : "none",
		    db_tx_status(&tx) == DB_UNAVAILABLE ? "yes" : "no", ms);
		break;
	}
	arena_reset(s->mem);
	return o;
}

/* Every job whose gap has passed; gaps of 0 run each one now. */
static void run_all(scheduler *s, int sla_gap_s, int purge_gap_s, int views_gap_s, sched_report *rep)
{
	run_job(s, JOB_SLA, 0, sla_gap_s, rep);
	for (size_t i = 0; i < sizeof purges / sizeof *purges && !stopsig_requested(); i++)
		run_job(s, JOB_PURGE, i, purge_gap_s, rep);
	if (!stopsig_requested())
		run_job(s, JOB_SESSIONS, 0, purge_gap_s, rep);
	if (!stopsig_requested())
		run_job(s, JOB_KB_VIEWS, 0, sla_gap_s, rep);
	/* reports: the summary behind /desk/reports, as often as the SLA job */
	if (!stopsig_requested())
		run_job(s, JOB_REPORTS, 0, sla_gap_s, rep);
	if (!stopsig_requested())
		run_job(s, JOB_WORKFLOW_VIEWS, 0, views_gap_s, rep);
	/* automation (0037): time rules, on the SLA job's interval */
	if (!stopsig_requested())
		run_job(s, JOB_AUTOMATION, 0, sla_gap_s, rep);
	/* recurring tickets (0038): at the SLA job's interval */
	if (!stopsig_requested())
		run_job(s, JOB_TEMPLATES, 0, sla_gap_s, rep);
	/* /desk's queue counts (0045): their deltas folded as often */
	if (!stopsig_requested())
		run_job(s, JOB_QUEUE_COUNTS, 0, sla_gap_s, rep);
}

int sched_run_once(const config *cfg, sched_report *report)
{
	scheduler s;
	sched_report rep = { 0 };
	if (sched_init(&s, cfg) < 0) {
		sched_free(&s);
		return 1;
	}
	run_all(&s, 0, 0, 0, &rep);
	sched_free(&s);
	if (report)
		*report = rep;
	return rep.failed ? 1 : 0;
}

int sched_run(const config *cfg)
{
	log_set_component("scheduler");
	stopsig_install();
	scheduler s;
	if (sched_init(&s, cfg) < 0) {
		sched_free(&s);
		return 1;
	}
	int interval = cfg->scheduler_interval_s;
	/* Another node's scheduler started the SLA job less than this ago: it
	 * is done for this interval. A little less than the interval, so that
	 * two nodes' clocks drifting apart never skip a whole one. */
	int sla_gap = interval - (interval >= 10 ? interval / 10 : 0);
	log_info("scheduler started", "interval_s=%d purge_interval_s=%d batch=%d", interval,
	    cfg->scheduler_purge_interval_s, cfg->scheduler_batch);
	while (!stopsig_requested()) {
		double t0 = clock_seconds();
		sched_report rep = { 0 };
		run_all(&s, sla_gap, cfg->scheduler_purge_interval_s, cfg->scheduler_views_interval_s, &rep);
		double next = t0 + interval;
		while (!stopsig_requested() && clock_seconds() < next)
			sched_wait(next - clock_seconds());
	}
	log_info("scheduler stopped", NULL);
	sched_free(&s);
	return 0;
}
