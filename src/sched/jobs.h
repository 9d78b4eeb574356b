/* jobs.h: the scheduler's jobs. Each runs in a transaction of its own
 * (db_tx, no request, no acting user), under its own PostgreSQL advisory
 * lock taken by sched_job_begin() (sql/migrations/0018_sched.sql): a second
 * scheduler on the same database skips a job another one is running, and a
 * job that ran on any node less than its gap ago is skipped too. The caller
 * commits the transaction when a job returns SCHED_RAN and rolls it back
 * otherwise. */
#ifndef SD_SCHED_JOBS_H
#define SD_SCHED_JOBS_H

#include "db/tx.h"
#include "kv/kv.h"

enum sched_outcome { SCHED_FAILED = -1, SCHED_SKIPPED = 0, SCHED_RAN = 1 };

/* SLA escalations (warning and breach of first response and resolution):
 * bounded batches of `batch` tickets, at most max_batches per clock.
 * *events counts the escalations written. */
enum sched_outcome sched_job_sla(db_tx *tx, int min_gap_s, int batch, int max_batches, long long *events);

/* One purge of sched_purge(what) ('submissions', 'notifications',
 * 'track_requests', 'blobs'), as job `job`; the blob collection repeats its
 * batch up to max_batches times. *purged counts the rows. */
enum sched_outcome sched_job_purge(db_tx *tx, const char *job, const char *what, int min_gap_s, int max_batches,
    long long *purged);

/* Removes from the users' session sets in Redis the ids of sessions that
 * expired (session_prune_sets), at most `rounds` SCAN calls per run, going on
 * from where the last run (on any node) stopped. *removed counts the ids. */
enum sched_outcome sched_job_sessions(db_tx *tx, kv *k, int min_gap_s, int rounds, long long *removed);

/* Knowledge base views counted in Redis (kv/kb_views.h) added to
 * kb_articles.view_count. The caller calls kb_views_done() once the
 * transaction committed; until then the counts stay in Redis and the next
 * run adds them. *updated counts the articles. */
enum sched_outcome sched_job_kb_views(db_tx *tx, kv *k, int min_gap_s, long long *updated);

/* reports: folds the ticket changes logged in report_delta into the
 * summary behind /desk/reports (report_fold, sql/migrations/0035), up to
 * max_batches statements of `batch` changes. *folded counts the changes. */
enum sched_outcome sched_job_reports(db_tx *tx, int min_gap_s, int batch, int max_batches, long long *folded);
/* Workflows: REFRESH MATERIALIZED VIEW CONCURRENTLY of agent_tickets and
 * workflow_stage_stats (workflow_views_refresh(), 0036). */
enum sched_outcome sched_job_workflow_views(db_tx *tx, int min_gap_s);

/* The queue counts' deltas (ticket_queue_counts, 0045) folded, one row per
 * organization, queue and assignee, so that /desk sums a few rows:
 * queue_counts_fold(). *folded: the rows folded away. */
enum sched_outcome sched_job_queue_counts(db_tx *tx, int min_gap_s, long long *folded);
/* automation (0037): the time rules (automation_time_run), at most `batch`
 * firings per run; each ticket once per rule and window (a unique firing
 * key, whichever scheduler gets there). *fired counts them. */
enum sched_outcome sched_job_automation(db_tx *tx, int min_gap_s, int batch, long long *fired);
/* ---- recurring tickets (0038) ---- */
/* The due recurring ticket templates, up to `limit` per run: one ticket
 * per occurrence across schedulers (ticket_templates_run_due).
 * *created counts the tickets. */
enum sched_outcome sched_job_templates(db_tx *tx, int min_gap_s, int limit, long long *created);

#endif
