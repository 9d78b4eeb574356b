/* metrics.c: shared counters and their Prometheus text exposition. */
#include "app/metrics.h"

#include <sys/mman.h>
#include <time.h>

static const int status_codes[MS__MAX] = { 200, 201, 204, 301, 302, 303, 304, 400, 403, 404,
	405, 409, 413, 415, 422, 429, 500, 503, 0 };

static const double bucket_bounds[METRICS_BUCKETS] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

metrics *metrics_new_shared(void)
{
	void *p = mmap(NULL, sizeof(metrics), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	metrics *m = p;
	atomic_store(&m->started_at, (long)time(NULL));
	return m;
}

void metrics_free(metrics *m)
{
	if (m)
		munmap(m, sizeof *m);
}

static enum metrics_status status_slot(int status)
{
	for (int i = 0; i < MS_OTHER; i++)
		if (status_codes[i] == status)
			return (enum metrics_status)i;
	return MS_OTHER;
}

void metrics_observe(metrics *m, int status, double seconds)
{
	if (!m)
		return;
	atomic_fetch_add_explicit(&m->requests[status_slot(status)], 1, memory_order_relaxed);
	for (int i = 0; i < METRICS_BUCKETS; i++)
		if (seconds <= bucket_bounds[i]) {
			atomic_fetch_add_explicit(&m->latency_bucket[i], 1, memory_order_relaxed);
			break;
		}
	atomic_fetch_add_explicit(&m->latency_sum_us, (unsigned long)(seconds * 1e6), memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
}

void metrics_render(const metrics *m, buf *out)
{
	buf_puts(out, "# HELP supportdesk_http_requests_total Requests answered, by status code.\n"
	              "# TYPE supportdesk_http_requests_total counter\n");
	for (int i = 0; i < MS__MAX; i++) {
		unsigned long v = atomic_load(&m->requests[i]);
		if (i == MS_OTHER)
			buf_printf(out, "supportdesk_http_requests_total{code=\"other\"} %lu\n", v);
		else
			buf_printf(out, "supportdesk_http_requests_total{code=\"%d\"} %lu\n", status_codes[i], v);
	}
	buf_puts(out, "# HELP supportdesk_http_request_duration_seconds Time from request start to response written.\n"
	              "# TYPE supportdesk_http_request_duration_seconds histogram\n");
	unsigned long cumulative = 0;
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cumulative += atomic_load(&m->latency_bucket[i]);
		buf_printf(out, "supportdesk_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
		    bucket_bounds[i], cumulative);
	}
	unsigned long count = atomic_load(&m->latency_count);
	buf_printf(out, "supportdesk_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", count);
	buf_printf(out, "supportdesk_http_request_duration_seconds_sum %.6f\n",
	    (double)atomic_load(&m->latency_sum_us) / 1e6);
	buf_printf(out, "supportdesk_http_request_duration_seconds_count %lu\n", count);
	buf_printf(out,
	    "# HELP supportdesk_worker_restarts_total Workers started again after one exited.\n"
	    "# TYPE supportdesk_worker_restarts_total counter\n"
	    "supportdesk_worker_restarts_total %lu\n"
	    "# HELP supportdesk_worker_crashes_total Workers that died of a signal or a non-zero exit.\n"
	    "# TYPE supportdesk_worker_crashes_total counter\n"
	    "supportdesk_worker_crashes_total %lu\n"
	    "# HELP supportdesk_reloads_total Graceful reloads (SIGHUP).\n"
	    "# TYPE supportdesk_reloads_total counter\n"
	    "supportdesk_reloads_total %lu\n"
	    "# HELP supportdesk_dependency_unavailable_total Requests answered 503 because a dependency was down.\n"
	    "# TYPE supportdesk_dependency_unavailable_total counter\n"
	    "supportdesk_dependency_unavailable_total{dependency=\"postgresql\"} %lu\n"
	    "supportdesk_dependency_unavailable_total{dependency=\"redis\"} %lu\n"
	    "# HELP supportdesk_connect_attempts_total Connection attempts by the workers (paced while a dependency is down).\n"
	    "# TYPE supportdesk_connect_attempts_total counter\n"
	    "supportdesk_connect_attempts_total{dependency=\"postgresql\"} %lu\n"
	    "supportdesk_connect_attempts_total{dependency=\"redis\"} %lu\n"
	    "# HELP supportdesk_workers Worker processes running.\n"
	    "# TYPE supportdesk_workers gauge\n"
	    "supportdesk_workers %d\n"
	    "# HELP supportdesk_start_time_seconds When the master started.\n"
	    "# TYPE supportdesk_start_time_seconds gauge\n"
	    "supportdesk_start_time_seconds %ld\n",
	    atomic_load(&m->worker_restarts), atomic_load(&m->worker_crashes),
	    atomic_load(&m->reloads), atomic_load(&m->db_unavailable),
	    atomic_load(&m->kv_unavailable), atomic_load(&m->db_connect_attempts),
	    atomic_load(&m->kv_connect_attempts), atomic_load(&m->workers), atomic_load(&m->started_at));
}
