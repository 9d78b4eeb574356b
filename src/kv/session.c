/* session.c: sessions in Redis, keyed by the hash of the browser's id, and
 * each user's set of them (sign out everywhere, the account page's list). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kv/kv_internal.h"

#define SESSION_COOKIE_LEN 43 /* base64url of 32 bytes, unpadded */
#define SESSION_PUBLIC_ID_BYTES 16
#define SESSION_CLIENT_MAX 63  /* bytes kept of an address or a device description */
#define SESSION_SCAN_MAX 500   /* members of a user's set looked at, at most */

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

/* What is kept of a client value: at most SESSION_CLIENT_MAX bytes of
 * printable ASCII (anything else becomes '?'), so a stored value is short
 * and plain whatever reached us. */
static void client_value(char out[SESSION_CLIENT_MAX + 1], const char *v)
{
	size_t n = 0;
	for (; v && v[n] && n < SESSION_CLIENT_MAX; n++)
		out[n] = v[n] >= 0x20 && v[n] < 0x7f ? v[n] : '?';
	out[n] = '\0';
}

enum kv_status session_load(kv *k, arena *a, const session_limits *l, str cookie,
    const session_client *c, session **out)
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
	char key[96], now[24], idle[16], abs[16], rem[16], ip[SESSION_CLIENT_MAX + 1];
	session_key(key, sizeof key, hash);
	snprintf(now, sizeof now, "%ld", (long)time(NULL));
	snprintf(idle, sizeof idle, "%d", l->idle_s);
	snprintf(abs, sizeof abs, "%d", l->absolute_s);
	snprintf(rem, sizeof rem, "%d", l->remember_s);
	client_value(ip, c ? c->ip : NULL);
	const char *args[6] = { key, now, idle, abs, rem, ip };
	redisReply *r = kv_script(k, a, KV_SCRIPT_SESSION_LOAD, 1, 6, args, NULL);
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

/* Writes s under a fresh id, with a fresh public id, used from c (may be
 * NULL); sets s->key_hash and s->cookie_value. */
static enum kv_status session_store_new(kv *k, arena *a, const session_limits *l, session *s,
    const session_client *c)
{
	unsigned char raw[CRYPTO_TOKEN_LEN];
	s->cookie_value = crypto_token_new(a, raw);
	s->key_hash = crypto_sha256_hex(a, raw, CRYPTO_TOKEN_LEN);
	/* The public id names the session on the account page. It is random,
	 * not derived from the cookie or its hash, so showing it gives nothing
	 * away; and it only ever acts within its user's own set. */
	unsigned char pid_raw[SESSION_PUBLIC_ID_BYTES];
	crypto_random(pid_raw, sizeof pid_raw);
	char *pid = crypto_b64url_encode(a, pid_raw, sizeof pid_raw);
	char key[96], created[24], level[16], ttl[16];
	char ip[SESSION_CLIENT_MAX + 1], dev[SESSION_CLIENT_MAX + 1];
	session_key(key, sizeof key, s->key_hash);
	snprintf(created, sizeof created, "%ld", s->created);
	snprintf(level, sizeof level, "%d", s->level);
	client_value(ip, c ? c->ip : NULL);
	client_value(dev, c ? c->device : NULL);
	long lifetime = s->remember ? l->remember_s : l->idle_s;
	snprintf(ttl, sizeof ttl, "%ld", lifetime);
	const char *argv[20] = { "HSET", key, "uid", s->user_id ? s->user_id : "", "csrf", s->csrf,
		"created", created, "remember", s->remember ? "1" : "0", "level", level,
		"pid", pid, "seen", created, "ip", ip, "dev", dev };
	redisReply *r = kv_command(k, a, 20, argv, NULL);
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
    bool remember, int level, const session_client *c, session **out)
{
	*out = NULL;
	session *s = arena_calloc(a, 1, sizeof *s);
	unsigned char raw[CRYPTO_TOKEN_LEN];
	s->csrf = crypto_token_new(a, raw);
	s->user_id = user_id ? arena_strdup(a, user_id) : NULL;
	s->created = (long)time(NULL);
	s->remember = remember;
	s->level = level;
	enum kv_status st = session_store_new(k, a, l, s, c);
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
    const char *user_id, int level, const session_client *c)
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
	enum kv_status st = session_store_new(k, a, l, s, c);
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

/* Best effort: an id left in the set is dropped the next time the set is
 * read. The reply is freed here when there is no arena. */
static void user_sessions_forget(kv *k, arena *a, const char *user_id, const char *hash)
{
	char ukey[96];
	user_sessions_key(ukey, sizeof ukey, user_id);
	const char *srem[3] = { "SREM", ukey, hash };
	redisReply *r = kv_command(k, a, 3, srem, NULL);
	if (r && !a)
		freeReplyObject(r);
}

enum kv_status session_destroy(kv *k, session *s)
{
	if (!s || !s->key_hash)
		return KV_OK;
	enum kv_status st = session_delete_key(k, s->key_hash);
	if (st == KV_OK && s->user_id)
		user_sessions_forget(k, NULL, s->user_id, s->key_hash);
	return st;
}

/* The user's set of session key hashes, at most SESSION_SCAN_MAX of them;
 * NULL when Redis is unavailable. */
static redisReply *user_sessions(kv *k, arena *a, const char *user_id)
{
	char ukey[96];
	user_sessions_key(ukey, sizeof ukey, user_id);
	const char *argv[2] = { "SMEMBERS", ukey };
	redisReply *r = kv_command(k, a, 2, argv, NULL);
	return r && r->type == REDIS_REPLY_ARRAY ? r : NULL;
}

static size_t scan_count(const redisReply *set)
{
	return set->elements < SESSION_SCAN_MAX ? set->elements : SESSION_SCAN_MAX;
}

static const char *member_at(arena *a, const redisReply *set, size_t i)
{
	const redisReply *e = set->element[i];
	return e->type == REDIS_REPLY_STRING ? arena_strndup(a, e->str, (size_t)e->len) : NULL;
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

enum kv_status session_destroy_others(kv *k, arena *a, const char *user_id, const char *keep_hash,
    long *deleted)
{
	*deleted = 0;
	redisReply *set = user_sessions(k, a, user_id);
	if (!set)
		return KV_UNAVAILABLE;
	for (size_t i = 0; i < set->elements; i++) {
		const char *hash = member_at(a, set, i);
		if (!hash || (keep_hash && strcmp(hash, keep_hash) == 0))
			continue;
		if (session_delete_key(k, hash) != KV_OK)
			return KV_UNAVAILABLE;
		user_sessions_forget(k, a, user_id, hash);
		(*deleted)++;
	}
	return KV_OK;
}

/* Most recently used first; in a tie, the asking session, then the newer. */
static int by_last_seen_desc(const void *x, const void *y)
{
	const session_info *a = x, *b = y;
	if (a->last_seen != b->last_seen)
		return a->last_seen < b->last_seen ? 1 : -1;
	if (a->current != b->current)
		return a->current ? -1 : 1;
	return a->created < b->created ? 1 : a->created > b->created ? -1 : 0;
}

enum kv_status session_list(kv *k, arena *a, const char *user_id, const char *current_hash,
    session_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	redisReply *set = user_sessions(k, a, user_id);
	if (!set)
		return KV_UNAVAILABLE;
	size_t count = scan_count(set);
	session_info *list = arena_calloc(a, count + 1, sizeof *list);
	size_t got = 0;
	/* One HMGET per session: each key lives in its own hash slot. */
	for (size_t i = 0; i < count; i++) {
		const char *hash = member_at(a, set, i);
		if (!hash)
			continue;
		char key[96];
		session_key(key, sizeof key, hash);
		const char *argv[9] = { "HMGET", key, "uid", "created", "seen", "ip", "dev", "pid", "remember" };
		redisReply *r = kv_command(k, a, 9, argv, NULL);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 7)
			return KV_UNAVAILABLE;
		char *uid = dup_reply_str(a, r->element[0]);
		char *created = dup_reply_str(a, r->element[1]);
		if (!created || !uid || strcmp(uid, user_id) != 0) {
			/* Expired (or never this user's): forget it. */
			user_sessions_forget(k, a, user_id, hash);
			continue;
		}
		if (got >= SESSION_LIST_MAX)
			continue;
		session_info *si = &list[got++];
		si->created = atol(created);
		char *seen = dup_reply_str(a, r->element[2]);
		si->last_seen = seen ? atol(seen) : si->created;
		si->ip = dup_reply_str(a, r->element[3]);
		si->device = dup_reply_str(a, r->element[4]);
		if (!si->ip)
			si->ip = "";
		if (!si->device)
			si->device = "";
		/* Sessions made before public ids existed have none: they are
		 * listed, and end with "sign out everywhere". */
		si->public_id = dup_reply_str(a, r->element[5]);
		char *remember = dup_reply_str(a, r->element[6]);
		si->remember = remember && remember[0] == '1';
		si->current = current_hash && strcmp(hash, current_hash) == 0;
	}
	qsort(list, got, sizeof *list, by_last_seen_desc);
	*out = list;
	*n = got;
	return KV_OK;
}

enum kv_status session_revoke(kv *k, arena *a, const char *user_id, str public_id,
    const char *current_hash, bool *found, bool *was_current)
{
	*found = false;
	*was_current = false;
	if (!public_id.len || public_id.len > 64)
		return KV_OK;
	redisReply *set = user_sessions(k, a, user_id);
	if (!set)
		return KV_UNAVAILABLE;
	size_t count = scan_count(set);
	for (size_t i = 0; i < count; i++) {
		const char *hash = member_at(a, set, i);
		if (!hash)
			continue;
		char key[96];
		session_key(key, sizeof key, hash);
		const char *argv[4] = { "HMGET", key, "pid", "uid" };
		redisReply *r = kv_command(k, a, 4, argv, NULL);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
			return KV_UNAVAILABLE;
		const redisReply *pid = r->element[0], *uid = r->element[1];
		if (pid->type != REDIS_REPLY_STRING || uid->type != REDIS_REPLY_STRING ||
		    (size_t)uid->len != strlen(user_id) || memcmp(uid->str, user_id, (size_t)uid->len) != 0)
			continue;
		if ((size_t)pid->len != public_id.len || !crypto_equal(pid->str, public_id.ptr, public_id.len))
			continue;
		if (session_delete_key(k, hash) != KV_OK)
			return KV_UNAVAILABLE;
		user_sessions_forget(k, a, user_id, hash);
		*found = true;
		*was_current = current_hash && strcmp(hash, current_hash) == 0;
		return KV_OK;
	}
	return KV_OK;
}

/* ---- the scheduler's clean-up ---- */

#define PRUNE_SCAN_COUNT "200"

enum kv_status session_prune_sets(kv *k, arena *a, const char *cursor, int rounds, char **next_cursor,
    long *removed)
{
	*removed = 0;
	const char *cur = cursor && *cursor ? cursor : "0";
	*next_cursor = arena_strdup(a, cur);
	for (int round = 0; round < rounds; round++) {
		const char *scan[6] = { "SCAN", cur, "MATCH", "sd:us:{*}", "COUNT", PRUNE_SCAN_COUNT };
		redisReply *r = kv_command(k, a, 6, scan, NULL);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY)
			return KV_UNAVAILABLE;
		cur = arena_strndup(a, r->element[0]->str, (size_t)r->element[0]->len);
		const redisReply *keys = r->element[1];
		for (size_t i = 0; i < keys->elements; i++) {
			const redisReply *key = keys->element[i];
			if (key->type != REDIS_REPLY_STRING || key->len < 9 || key->str[key->len - 1] != '}')
				continue;
			/* "sd:us:{<user id>}" */
			char *user_id = arena_strndup(a, key->str + 7, (size_t)key->len - 8);
			redisReply *set = user_sessions(k, a, user_id);
			if (!set)
				return KV_UNAVAILABLE;
			for (size_t m = 0; m < scan_count(set); m++) {
				const char *hash = member_at(a, set, m);
				if (!hash)
					continue;
				char skey[96];
				session_key(skey, sizeof skey, hash);
				const char *exists[2] = { "EXISTS", skey };
				redisReply *e = kv_command(k, a, 2, exists, NULL);
				if (!e || e->type != REDIS_REPLY_INTEGER)
					return KV_UNAVAILABLE;
				if (e->integer == 0) {
					user_sessions_forget(k, a, user_id, hash);
					(*removed)++;
				}
			}
		}
		*next_cursor = arena_strdup(a, cur);
		if (strcmp(cur, "0") == 0)
			break;
	}
	return KV_OK;
}
