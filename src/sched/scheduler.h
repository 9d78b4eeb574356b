/* scheduler.h: `supportdesk scheduler`, the process that runs the periodic
 * jobs (src/sched/jobs.h): SLA escalations every SUPPORTDESK_SCHEDULER_INTERVAL
 * seconds, the purges every SUPPORTDESK_SCHEDULER_PURGE_INTERVAL. Any number
 * of schedulers may run against one database (one per node): each job takes
 * its own advisory lock, so one of them does the work and none doubles it. */
#ifndef SD_SCHEDULER_H
#define SD_SCHEDULER_H

#include "core/config.h"

typedef struct {
	int ran, skipped, failed;   /* jobs */
	long long escalations;      /* SLA events written */
	long long purged;           /* rows purged, session ids removed */
	long long recurring;        /* tickets from recurring templates */
} sched_report;

/* Runs until SIGTERM or SIGINT (a job in progress finishes first);
 * reconnects by itself when PostgreSQL or Redis go away. Installs its own
 * signal handlers and mask, so call it in the process (or forked child) that
 * is to become the scheduler. Returns the exit code: 0 after a signal, 1
 * when the settings are unusable. */
int sched_run(const config *cfg);

/* Every job once, whatever their last run (`supportdesk scheduler --once`,
 * tests); a job another scheduler holds right now is still skipped. 0 when
 * no job failed, else 1. *report may be NULL. */
int sched_run_once(const config *cfg, sched_report *report);

#endif
