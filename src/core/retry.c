/* retry.c: reconnect pacing with jitter. */
#include "core/retry.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

void retry_gate_init(retry_gate *g, double interval_s)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	g->interval = interval_s;
	g->next_at = 0;
	g->attempts = 0;
	g->shared = NULL;
	/* Jitter needs no secrecy, only a different sequence per worker. */
	g->rng = (unsigned)getpid() * 2654435761u ^ (unsigned)ts.tv_nsec;
	if (!g->rng)
		g->rng = 1;
}

bool retry_gate_open(const retry_gate *g, double now)
{
	return now >= g->next_at;
}

static double unit_random(retry_gate *g)
{
	/* xorshift32 */
	uint32_t x = g->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	g->rng = x;
	return (double)(x >> 8) / (double)(1u << 24);
}

void retry_gate_tried(retry_gate *g, double now)
{
	g->next_at = now + g->interval * (1.0 + 0.5 * unit_random(g));
	g->attempts++;
	if (g->shared)
		atomic_fetch_add(g->shared, 1);
}
