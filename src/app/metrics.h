/* metrics.h: counters shared by the master and every worker (one shared
 * anonymous mapping made before the first fork), served as Prometheus text. */
#ifndef SD_METRICS_H
#define SD_METRICS_H

#include <stdatomic.h>

#include "core/str.h"

enum metrics_status {
	MS_200, MS_201, MS_204, MS_301, MS_302, MS_303, MS_304, MS_400, MS_403, MS_404, MS_405,
	MS_409, MS_413, MS_415, MS_422, MS_429, MS_500, MS_503, MS_OTHER, MS__MAX
};

#define METRICS_BUCKETS 14

typedef struct metrics {
	atomic_ulong requests[MS__MAX];
	atomic_ulong latency_bucket[METRICS_BUCKETS]; /* cumulative at render time */
	atomic_ulong latency_sum_us;
	atomic_ulong latency_count;
	atomic_ulong worker_restarts;
	atomic_ulong worker_crashes;
	atomic_ulong reloads;
	atomic_ulong db_unavailable;
	atomic_ulong kv_unavailable;
	atomic_ulong db_connect_attempts;
	atomic_ulong kv_connect_attempts;
	atomic_int workers;
	atomic_long started_at;
	/* Not exported: bumped after a commit that changed what workers cache
	 * (system settings, organizations): every worker of this server reads
	 * again at its next request (app_config_changed). */
	atomic_ulong config_generation;
} metrics;

/* A zeroed shared mapping; NULL on failure. */
metrics *metrics_new_shared(void);
void metrics_free(metrics *m);
void metrics_observe(metrics *m, int status, double seconds);
void metrics_render(const metrics *m, buf *out);

#endif
