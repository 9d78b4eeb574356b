/* arena.h: per-request memory pool, freed in one go (after h2o's mem pool). */
#ifndef SD_ARENA_H
#define SD_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* Creates an arena whose blocks are at least block_size bytes. Aborts on OOM. */
arena *arena_new(size_t block_size);
/* Runs the registered cleanups (last first), then frees every block. */
void arena_free(arena *a);
/* Like arena_free but keeps the first block for reuse: one per request. */
void arena_reset(arena *a);

/* 16-byte aligned; never returns NULL (the worker aborts on OOM, the master
 * respawns it). Zero-size requests return a valid unique pointer. */
void *arena_alloc(arena *a, size_t n);
void *arena_calloc(arena *a, size_t count, size_t size);
/* Grows the most recent allocation in place when possible. */
void *arena_realloc(arena *a, void *old, size_t old_n, size_t new_n);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_sprintf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Registers fn(p) to run when the arena is reset or freed (PQclear, close...). */
void arena_on_free(arena *a, void (*fn)(void *), void *p);

/* Bytes handed out since the last reset (for tests and metrics). */
size_t arena_used(const arena *a);

/* Test hook: after `countdown` more allocations, arena_alloc fails (aborts by
 * default). 0 disables. Used by fault-injection tests. */
void arena_fail_after(arena *a, long countdown);

#endif
