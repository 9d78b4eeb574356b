/* session.c: sessions in Redis, keyed by the hash of the browser's id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kv/kv_internal.h"

#define SESSION_COOKIE_LEN 43 /* base64url of 32 bytes, unpadded */

static void session_key(char *out, size_t n, const char *hash)
{
	snprintf(out, n, "sd:s:{%s}", hash);
}

static void user_sessions_key(char *out, size_t n, const char *user_id)
{
	snprintf(out, n, "sd:us:{%s}", user_id);
}

static char *dup_reply_str(arena *a, const redisReply *r)
{
	if (!r || r->type != REDIS_REPLY_STRING)
		return NULL;
	return arena_strndup(a, r->str, (size_t)r->len);
}

enum kv_status session_load(kv *k, arena *a, const session_limits *l, str cookie, session **out)
{
	*out = NULL;
	unsigned char raw[CRYPTO_TOKEN_LEN + 4];
	if (cookie.len != SESSION_COOKIE_LEN ||
	    crypto_b64url_decode(cookie.ptr, cookie.len, raw, sizeof raw) != CRYPTO_TOKEN_LEN) {
		/* No cookie (or one we never issued) is no session: nothing to
		 * ask Redis, so pages for anonymous visitors work without it.
		 * Whatever such a page needs from Redis later (a limit, a
		 * captcha) answers 503 by itself. */
		return KV_OK;
	}
	char *hash = crypto_sha256_hex(a, raw, CRYPTO_TOKEN_LEN);
	char key[96], now[24], idle[16], abs[16], rem[16];
	session_key(key, sizeof key, hash);
	snprintf(now, sizeof now, "%ld", (long)time(NULL));
	snprintf(idle, sizeof idle, "%d", l->idle_s);
	snprintf(abs, sizeof abs, "%d", l->absolute_s);
	snprintf(rem, sizeof rem, "%d", l->remember_s);
	const char *args[5] = { key, now, idle, abs, rem };
	redisReply *r = kv_script(k, a, KV_SCRIPT_SESSION_LOAD, 1, 5, args, NULL);
	if (!r || r->type == REDIS_REPLY_ERROR)
		return KV_UNAVAILABLE;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 5)
		return KV_OK; /* nil: expired or unknown */
	session *s = arena_calloc(a, 1, sizeof *s);
	s->key_hash = hash;
	s->user_id = dup_reply_str(a, r->element[0]);
	if (s->user_id && !*s->user_id)
		s->user_id = NULL;
	s->csrf = dup_reply_str(a, r->element[1]);
	char *created = dup_reply_str(a, r->element[2]);
	s->created = created ? atol(created) : 0;
	char *remember = dup_reply_str(a, r->element[3]);
	s->remember = remember && remember[0] == '1';
	char *level = dup_reply_str(a, r->element[4]);
	s->level = level ? atoi(level) : 0;
	if (!s->csrf)
		return KV_OK;
	*out = s;
	return KV_OK;
}

/* Writes s under a fresh id; sets s->key_hash and s->cookie_value. */
static enum kv_status session_store_new(kv *k, arena *a, const session_limits *l, session *s)
{
	unsigned char raw[CRYPTO_TOKEN_LEN];
	s->cookie_value = crypto_token_new(a, raw);
	s->key_hash = crypto_sha256_hex(a, raw, CRYPTO_TOKEN_LEN);
	char key[96], created[24], level[16], ttl[16];
	session_key(key, sizeof key, s->key_hash);
	snprintf(created, sizeof created, "%ld", s->created);
	snprintf(level, sizeof level, "%d", s->level);
	long lifetime = s->remember ? l->remember_s : l->idle_s;
	snprintf(ttl, sizeof ttl, "%ld", lifetime);
	const char *argv[12] = { "HSET", key, "uid", s->user_id ? s->user_id : "", "csrf", s->csrf,
		"created", created, "remember", s->remember ? "1" : "0", "level", level };
	redisReply *r = kv_command(k, a, 12, argv, NULL);
	if (!r || r->type == REDIS_REPLY_ERROR)
		return KV_UNAVAILABLE;
	const char *exp[3] = { "EXPIRE", key, ttl };
	r = kv_command(k, a, 3, exp, NULL);
	if (!r || r->type == REDIS_REPLY_ERROR)
		return KV_UNAVAILABLE;
	if (s->user_id) {
		/* The user's set of session hashes serves "sign out everywhere". */
		char ukey[96], uttl[16];
		user_sessions_key(ukey, sizeof ukey, s->user_id);
		snprintf(uttl, sizeof uttl, "%d", l->remember_s > l->absolute_s ? l->remember_s : l->absolute_s);
		const char *sadd[3] = { "SADD", ukey, s->key_hash };
		const char *uexp[3] = { "EXPIRE", ukey, uttl };
		r = kv_command(k, a, 3, sadd, NULL);
		if (!r || r->type == REDIS_REPLY_ERROR)
			return KV_UNAVAILABLE;
		r = kv_command(k, a, 3, uexp, NULL);
		if (!r || r->type == REDIS_REPLY_ERROR)
			return KV_UNAVAILABLE;
	}
	return KV_OK;
}

enum kv_status session_create(kv *k, arena *a, const session_limits *l, const char *user_id,
    bool remember, int level, session **out)
{
	*out = NULL;
	session *s = arena_calloc(a, 1, sizeof *s);
	unsigned char raw[CRYPTO_TOKEN_LEN];
	s->csrf = crypto_token_new(a, raw);
	s->user_id = user_id ? arena_strdup(a, user_id) : NULL;
	s->created = (long)time(NULL);
	s->remember = remember;
	s->level = level;
	enum kv_status st = session_store_new(k, a, l, s);
	if (st == KV_OK)
		*out = s;
	return st;
}

static enum kv_status session_delete_key(kv *k, const char *hash)
{
	char key[96];
	session_key(key, sizeof key, hash);
	const char *argv[2] = { "DEL", key };
	redisReply *r = kv_command(k, NULL, 2, argv, NULL);
	if (!r)
		return KV_UNAVAILABLE;
	freeReplyObject(r);
	return KV_OK;
}

enum kv_status session_rotate(kv *k, arena *a, const session_limits *l, session *s,
    const char *user_id, int level)
{
	char *old = s->key_hash;
	const char *old_user = s->user_id;
	s->user_id = user_id ? arena_strdup(a, user_id) : NULL;
	s->level = level;
	unsigned char raw[CRYPTO_TOKEN_LEN];
	/* A new privilege gets a new CSRF token too: a token seen before sign-in
	 * is worth nothing after it. */
	s->csrf = crypto_token_new(a, raw);
	s->created = (long)time(NULL);
	enum kv_status st = session_store_new(k, a, l, s);
	if (st != KV_OK)
		return st;
	if (old) {
		st = session_delete_key(k, old);
		if (old_user) {
			char ukey[96];
			user_sessions_key(ukey, sizeof ukey, old_user);
			const char *srem[3] = { "SREM", ukey, old };
			kv_command(k, a, 3, srem, NULL);
		}
	}
	return st;
}

enum kv_status session_destroy(kv *k, session *s)
{
	if (!s || !s->key_hash)
		return KV_OK;
	return session_delete_key(k, s->key_hash);
}

enum kv_status session_destroy_all(kv *k, arena *a, const char *user_id, long *deleted)
{
	char ukey[96];
	user_sessions_key(ukey, sizeof ukey, user_id);
	*deleted = 0;
	const char *argv[2] = { "SMEMBERS", ukey };
	redisReply *r = kv_command(k, a, 2, argv, NULL);
	if (!r || r->type != REDIS_REPLY_ARRAY)
		return KV_UNAVAILABLE;
	/* One DEL per key: each session key lives in its own hash slot. */
	for (size_t i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		char *hash = arena_strndup(a, r->element[i]->str, (size_t)r->element[i]->len);
		if (session_delete_key(k, hash) != KV_OK)
			return KV_UNAVAILABLE;
		(*deleted)++;
	}
	const char *del[2] = { "DEL", ukey };
	r = kv_command(k, a, 2, del, NULL);
	return r ? KV_OK : KV_UNAVAILABLE;
}
