/* retry.h: the pace of reconnect attempts to a dependency that is down (a
 * worker's PostgreSQL or Redis connection). At most one attempt per
 * interval, and each gap is stretched by a random part of the interval
 * (up to half of it), so that workers that lost the server together do not
 * come back in step. The interval is a floor: jitter only ever adds. */
#ifndef SD_RETRY_H
#define SD_RETRY_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct {
	double interval;        /* seconds between attempts, at least */
	double next_at;         /* monotonic time of the earliest next attempt */
	unsigned long attempts; /* attempts made (this process) */
	atomic_ulong *shared;   /* also counted here when set (/metrics) */
	unsigned rng;
} retry_gate;

void retry_gate_init(retry_gate *g, double interval_s);
/* True when an attempt may start at monotonic time now. */
bool retry_gate_open(const retry_gate *g, double now);
/* Records an attempt started at now: the next one waits interval plus up to
 * half of it. */
void retry_gate_tried(retry_gate *g, double now);

#endif
