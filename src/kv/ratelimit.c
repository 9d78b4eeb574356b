/* ratelimit.c: fixed-window counters in Redis, one round trip per check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/kv_internal.h"

enum kv_status ratelimit_hit(kv *k, arena *a, const char *action, str subject, long limit,
    long window_s, ratelimit_result *out)
{
	char key[128], prefix[80], window[24];
	snprintf(prefix, sizeof prefix, "sd:rl:%s:", action);
	kv_hashed_key(key, sizeof key, prefix, subject);
	snprintf(window, sizeof window, "%ld", window_s * 1000);
	const char *args[2] = { key, window };
	redisReply *r = kv_script(k, a, KV_SCRIPT_RATELIMIT, 1, 2, args, NULL);
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER) {
		/* Unknown state means refuse: nothing is accepted unchecked. */
		out->allowed = false;
		return KV_UNAVAILABLE;
	}
	out->count = (long)r->element[0]->integer;
	out->limit = limit;
	out->allowed = out->count <= limit;
	long ms = (long)r->element[1]->integer;
	out->retry_after_s = out->allowed ? 0 : (ms + 999) / 1000;
	if (!out->allowed && out->retry_after_s < 1)
		out->retry_after_s = 1;
	return KV_OK;
}

/* ---- blocks, for the admin pages ---- */

bool ratelimit_key_parse(const char *s, size_t n, ratelimit_key *out)
{
	memset(out, 0, sizeof *out);
	if (n < 6 || memcmp(s, "sd:rl:", 6) != 0)
		return false;
	size_t i = 6, a = 0;
	while (i < n && s[i] != ':') {
		if (a >= RATELIMIT_ACTION_MAX || !((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
		out->action[a++] = s[i++];
	}
	if (a == 0 || i >= n || n - i - 1 != RATELIMIT_HASH_HEX)
		return false;
	for (size_t h = 0; h < RATELIMIT_HASH_HEX; h++) {
		char c = s[i + 1 + h];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out->hash[h] = c;
	}
	return true;
}

void ratelimit_subject_hash(str subject, char hash[RATELIMIT_HASH_HEX + 1])
{
	char key[128];
	kv_hashed_key(key, sizeof key, "", subject);
	memcpy(hash, key, RATELIMIT_HASH_HEX);
	hash[RATELIMIT_HASH_HEX] = '\0';
}

void ratelimit_key_format(const ratelimit_key *k, char keybuf[RATELIMIT_KEY_MAX])
{
	snprintf(keybuf, RATELIMIT_KEY_MAX, "sd:rl:%s:%s", k->action, k->hash);
}

static int rule_of(const ratelimit_rule *rules, size_t nrules, const char *action)
{
	for (size_t i = 0; i < nrules; i++)
		if (strcmp(rules[i].action, action) == 0)
			return (int)i;
	return -1;
}

static bool cursor_valid(const char *c)
{
	size_t n = strlen(c);
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (c[i] < '0' || c[i] > '9')
			return false;
	return true;
}

static long reply_long(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return (long)r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtol(r->str, NULL, 10);
	return -1;
}

enum kv_status ratelimit_blocks_scan(kv *k, arena *a, const ratelimit_rule *rules, size_t nrules,
    const char *cursor, int rounds, int count, size_t max, ratelimit_block **out, size_t *n, char **next_cursor)
{
	*out = arena_calloc(a, max ? max : 1, sizeof **out);
	*n = 0;
	*next_cursor = arena_strndup(a, "0", 1);
	char cur[24], cnt[16];
	snprintf(cur, sizeof cur, "%s", cursor && cursor_valid(cursor) ? cursor : "0");
	snprintf(cnt, sizeof cnt, "%d", count);
	for (int round = 0; round < rounds && *n < max; round++) {
		const char *scan[6] = { "SCAN", cur, "MATCH", "sd:rl:*", "COUNT", cnt };
		redisReply *r = kv_command(k, a, 6, scan, NULL);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY || r->element[0]->len >= (int)sizeof cur)
			return KV_UNAVAILABLE;
		snprintf(cur, sizeof cur, "%s", r->element[0]->str);
		const redisReply *keys = r->element[1];
		/* Only the keys of known actions are read: the rest cost nothing more. */
		size_t nk = 0;
		ratelimit_key *parsed = arena_calloc(a, keys->elements + 1, sizeof *parsed);
		int *rule = arena_calloc(a, keys->elements + 1, sizeof *rule);
		const char **mget = arena_calloc(a, keys->elements + 1, sizeof *mget);
		mget[0] = "MGET";
		for (size_t i = 0; i < keys->elements; i++) {
			const redisReply *kr = keys->element[i];
			if (kr->type != REDIS_REPLY_STRING || !ratelimit_key_parse(kr->str, (size_t)kr->len, &parsed[nk]))
				continue;
			if ((rule[nk] = rule_of(rules, nrules, parsed[nk].action)) < 0)
				continue;
			mget[1 + nk] = arena_strndup(a, kr->str, (size_t)kr->len);
			nk++;
		}
		if (nk) {
			redisReply *vals = kv_command(k, a, (int)nk + 1, mget, NULL);
			if (!vals || vals->type != REDIS_REPLY_ARRAY || vals->elements != nk)
				return KV_UNAVAILABLE;
			for (size_t i = 0; i < nk && *n < max; i++) {
				long c = reply_long(vals->element[i]);
				if (c < rules[rule[i]].limit)
					continue;
				const char *pttl[2] = { "PTTL", mget[1 + i] };
				redisReply *t = kv_command(k, a, 2, pttl, NULL);
				if (!t || t->type != REDIS_REPLY_INTEGER)
					return KV_UNAVAILABLE;
				if (t->integer == -2)
					continue; /* expired between the two reads */
				ratelimit_block *b = &(*out)[(*n)++];
				b->key = parsed[i];
				b->rule = rule[i];
				b->count = c;
				/* -1 (no expiry) cannot come from the hit script; shown as 1 s. */
				b->ttl_s = t->integer > 0 ? (long)((t->integer + 999) / 1000) : 1;
			}
		}
		if (strcmp(cur, "0") == 0)
			break;
	}
	*next_cursor = arena_strndup(a, cur, strlen(cur));
	return KV_OK;
}

enum kv_status ratelimit_lift(kv *k, const ratelimit_key *key, bool *found, long *count, long *ttl_s)
{
	*found = false;
	*count = *ttl_s = 0;
	char keybuf[RATELIMIT_KEY_MAX];
	ratelimit_key_format(key, keybuf);
	const char *args[1] = { keybuf };
	redisReply *r = kv_script(k, NULL, KV_SCRIPT_RATELIMIT_LIFT, 1, 1, args, NULL);
	if (!r)
		return KV_UNAVAILABLE;
	enum kv_status st = KV_OK;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_INTEGER) {
		*found = true;
		*count = (long)r->element[0]->integer;
		*ttl_s = r->element[1]->integer > 0 ? (long)((r->element[1]->integer + 999) / 1000) : 0;
	} else if (r->type != REDIS_REPLY_NIL) {
		st = KV_UNAVAILABLE;
	}
	freeReplyObject(r);
	return st;
}

enum kv_status ratelimit_peek(kv *k, arena *a, const ratelimit_key *key, bool *found, long *count, long *ttl_s)
{
	*found = false;
	*count = *ttl_s = 0;
	char keybuf[RATELIMIT_KEY_MAX];
	ratelimit_key_format(key, keybuf);
	const char *get[2] = { "GET", keybuf };
	redisReply *v = kv_command(k, a, 2, get, NULL);
	if (!v || (v->type != REDIS_REPLY_STRING && v->type != REDIS_REPLY_NIL))
		return KV_UNAVAILABLE;
	if (v->type == REDIS_REPLY_NIL)
		return KV_OK;
	const char *pttl[2] = { "PTTL", keybuf };
	redisReply *t = kv_command(k, a, 2, pttl, NULL);
	if (!t || t->type != REDIS_REPLY_INTEGER)
		return KV_UNAVAILABLE;
	if (t->integer == -2)
		return KV_OK;
	*found = true;
	*count = strtol(v->str, NULL, 10);
	*ttl_s = t->integer > 0 ? (long)((t->integer + 999) / 1000) : 1;
	return KV_OK;
}
