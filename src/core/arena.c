/* arena.c: per-request memory pool, freed in one go. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *p;
};

struct arena {
	struct arena_block *head;  /* current block; earlier ones follow */
	struct arena_block *first; /* kept across resets */
	struct arena_cleanup *cleanups;
	size_t block_size;
	size_t used;
	void *last;       /* most recent allocation, for in-place realloc */
	long fail_after;  /* fault injection; 0 = off */
};

static void arena_oom(void)
{
	/* A worker cannot serve a request half-allocated: die, and the master
	 * respawns a fresh one. */
	fputs("supportdesk: out of memory\n", stderr);
	abort();
}

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b = malloc(sizeof *b + size);
	if (!b)
		arena_oom();
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

arena *arena_new(size_t block_size)
{
	arena *a = calloc(1, sizeof *a);
	if (!a)
		arena_oom();
	a->block_size = block_size < 1024 ? 1024 : block_size;
	a->first = a->head = block_new(a->block_size);
	return a;
}

static void run_cleanups(arena *a)
{
	while (a->cleanups) {
		struct arena_cleanup *c = a->cleanups;
		a->cleanups = c->next;
		c->fn(c->p);
	}
}

void arena_reset(arena *a)
{
	run_cleanups(a);
	/* Oversize blocks may sit behind first (see arena_alloc), so walk the
	 * whole list. */
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		if (b != a->first)
			free(b);
		b = next;
	}
	a->head = a->first;
	a->first->next = NULL;
	a->first->used = 0;
	a->used = 0;
	a->last = NULL;
}

void arena_free(arena *a)
{
	if (!a)
		return;
	arena_reset(a);
	free(a->first);
	free(a);
}

static size_t align_up(size_t n)
{
	return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

void *arena_alloc(arena *a, size_t n)
{
	if (a->fail_after > 0 && --a->fail_after == 0)
		arena_oom();
	if (n > SIZE_MAX / 2)
		arena_oom();
	size_t need = align_up(n ? n : 1);
	struct arena_block *b = a->head;
	if (b->size - b->used < need) {
		/* Large requests get a block of their own so the common block size
		 * stays small. The new block goes behind head when it is oversize,
		 * so the head's free tail stays usable. */
		size_t size = need > a->block_size ? need : a->block_size;
		struct arena_block *nb = block_new(size);
		if (need > a->block_size / 2 && b->size - b->used > 64) {
			nb->next = b->next;
			b->next = nb;
			nb->used = need;
			a->used += need;
			a->last = NULL;
			return nb->data;
		}
		nb->next = b;
		a->head = b = nb;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->used += need;
	a->last = p;
	return p;
}

void *arena_calloc(arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		arena_oom();
	void *p = arena_alloc(a, count * size);
	memset(p, 0, count * size);
	return p;
}

void *arena_realloc(arena *a, void *old, size_t old_n, size_t new_n)
{
	if (!old)
		return arena_alloc(a, new_n);
	if (new_n <= old_n)
		return old;
	struct arena_block *b = a->head;
	if (old == a->last) {
		size_t old_aligned = align_up(old_n ? old_n : 1);
		size_t new_aligned = align_up(new_n);
		unsigned char *start = old;
		if (start + old_aligned == b->data + b->used &&
		    b->size - (size_t)(start - b->data) >= new_aligned) {
			b->used = (size_t)(start - b->data) + new_aligned;
			a->used += new_aligned - old_aligned;
			return old;
		}
	}
	void *p = arena_alloc(a, new_n);
	memcpy(p, old, old_n);
	return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_sprintf(arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		arena_oom();
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_on_free(arena *a, void (*fn)(void *), void *p)
{
	struct arena_cleanup *c = arena_alloc(a, sizeof *c);
	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
}

size_t arena_used(const arena *a)
{
	return a->used;
}

void arena_fail_after(arena *a, long countdown)
{
	a->fail_after = countdown;
}
