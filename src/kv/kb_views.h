/* kb_views.h: knowledge base article views counted in Redis, so a page
 * view writes no row (one popular article would otherwise be one hot row
 * that every reader updates). The scheduler moves the counts into
 * kb_articles.view_count (sched_job_kb_views).
 *
 * Keys share the {kb} hash tag, so the RENAME below stays in one slot of a
 * Redis Cluster: sd:{kb}:views (a hash: article id -> views since the last
 * flush) and sd:{kb}:views:taking (the counts a flush is moving). */
#ifndef SD_KV_KB_VIEWS_H
#define SD_KV_KB_VIEWS_H

#include <stddef.h>

#include "core/arena.h"
#include "kv/kv.h"

/* One view of article_id (a uuid). */
enum kv_status kb_views_hit(kv *k, const char *article_id);

/* The counts to move: those a flush took before and did not finish (its
 * commit failed or it was stopped), else the current hash, renamed so
 * views go on counting in a new one. ids and counts in a; *n may be 0. */
enum kv_status kb_views_take(kv *k, arena *a, char ***ids, long long **counts, size_t *n);
/* The counts taken are in PostgreSQL (committed): forget them. If this
 * fails they are added again by the next flush (counted twice, never
 * lost). */
enum kv_status kb_views_done(kv *k);

/* The generation of the public pages: every staff write bumps it, and a
 * worker's cached article page (pages/kb.c) of an older generation is not
 * served again. *gen is 0 before the first bump. */
enum kv_status kb_pages_gen(kv *k, long long *gen);
enum kv_status kb_pages_bump(kv *k);

#endif
