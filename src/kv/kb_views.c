/* kb_views.c: see kb_views.h. */
#include "kv/kb_views.h"

#include <stdlib.h>
#include <string.h>

#include "kv/kv_internal.h"

#define VIEWS_KEY "sd:{kb}:views"
#define TAKING_KEY "sd:{kb}:views:taking"
#define GEN_KEY "sd:{kb}:gen"

enum kv_status kb_views_hit(kv *k, const char *article_id)
{
	const char *argv[4] = { "HINCRBY", VIEWS_KEY, article_id, "1" };
	size_t lens[4] = { 7, sizeof VIEWS_KEY - 1, strlen(article_id), 1 };
	redisReply *r = kv_command(k, NULL, 4, argv, lens);
	if (!r)
		return KV_UNAVAILABLE;
	enum kv_status st = r->type == REDIS_REPLY_INTEGER ? KV_OK : KV_UNAVAILABLE;
	freeReplyObject(r);
	return st;
}

enum kv_status kb_views_take(kv *k, arena *a, char ***ids, long long **counts, size_t *n)
{
	*ids = NULL;
	*counts = NULL;
	*n = 0;
	const char *ex[2] = { "EXISTS", TAKING_KEY };
	size_t exl[2] = { 6, sizeof TAKING_KEY - 1 };
	redisReply *r = kv_command(k, a, 2, ex, exl);
	if (!r)
		return KV_UNAVAILABLE;
	if (r->type != REDIS_REPLY_INTEGER)
		return KV_UNAVAILABLE;
	if (r->integer == 0) {
		const char *ev[2] = { "EXISTS", VIEWS_KEY };
		size_t evl[2] = { 6, sizeof VIEWS_KEY - 1 };
		r = kv_command(k, a, 2, ev, evl);
		if (!r)
			return KV_UNAVAILABLE;
		if (r->type != REDIS_REPLY_INTEGER)
			return KV_UNAVAILABLE;
		if (r->integer == 0)
			return KV_OK; /* no view since the last flush */
		/* RENAMENX: never over a taking hash another flush just made. */
		const char *rn[3] = { "RENAMENX", VIEWS_KEY, TAKING_KEY };
		size_t rnl[3] = { 8, sizeof VIEWS_KEY - 1, sizeof TAKING_KEY - 1 };
		r = kv_command(k, a, 3, rn, rnl);
		if (!r)
			return KV_UNAVAILABLE;
		if (r->type != REDIS_REPLY_INTEGER)
			return KV_UNAVAILABLE;
	}
	const char *ga[2] = { "HGETALL", TAKING_KEY };
	size_t gal[2] = { 7, sizeof TAKING_KEY - 1 };
	r = kv_command(k, a, 2, ga, gal);
	if (!r)
		return KV_UNAVAILABLE;
	if (r->type != REDIS_REPLY_ARRAY && r->type != 9 /* RESP3 map */)
		return KV_UNAVAILABLE;
	size_t pairs = r->elements / 2;
	char **iv = arena_calloc(a, pairs + 1, sizeof *iv);
	long long *cv = arena_calloc(a, pairs + 1, sizeof *cv);
	size_t m = 0;
	for (size_t i = 0; i < pairs; i++) {
		redisReply *key = r->element[2 * i], *val = r->element[2 * i + 1];
		if (key->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING || key->len != 36)
			continue;
		char *end;
		long long c = strtoll(val->str, &end, 10);
		if (*end || c <= 0)
			continue;
		iv[m] = arena_strndup(a, key->str, key->len);
		cv[m] = c;
		m++;
	}
	*ids = iv;
	*counts = cv;
	*n = m;
	return KV_OK;
}

enum kv_status kb_views_done(kv *k)
{
	const char *argv[2] = { "DEL", TAKING_KEY };
	size_t lens[2] = { 3, sizeof TAKING_KEY - 1 };
	redisReply *r = kv_command(k, NULL, 2, argv, lens);
	if (!r)
		return KV_UNAVAILABLE;
	enum kv_status st = r->type == REDIS_REPLY_INTEGER ? KV_OK : KV_UNAVAILABLE;
	freeReplyObject(r);
	return st;
}

enum kv_status kb_pages_gen(kv *k, long long *gen)
{
	*gen = 0;
	const char *argv[2] = { "GET", GEN_KEY };
	size_t lens[2] = { 3, sizeof GEN_KEY - 1 };
	redisReply *r = kv_command(k, NULL, 2, argv, lens);
	if (!r)
		return KV_UNAVAILABLE;
	enum kv_status st = KV_OK;
	if (r->type == REDIS_REPLY_STRING)
		*gen = strtoll(r->str, NULL, 10);
	else if (r->type != REDIS_REPLY_NIL)
		st = KV_UNAVAILABLE;
	freeReplyObject(r);
	return st;
}

enum kv_status kb_pages_bump(kv *k)
{
	const char *argv[2] = { "INCR", GEN_KEY };
	size_t lens[2] = { 4, sizeof GEN_KEY - 1 };
	redisReply *r = kv_command(k, NULL, 2, argv, lens);
	if (!r)
		return KV_UNAVAILABLE;
	enum kv_status st = r->type == REDIS_REPLY_INTEGER ? KV_OK : KV_UNAVAILABLE;
	freeReplyObject(r);
	return st;
}
