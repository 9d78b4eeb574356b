/* kv.c: the worker's Redis connection: URL parsing, timeouts, reconnect with
 * back-off, and the Lua scripts loaded once per connection. */
#include "kv/kv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/retry.h"

#define KV_RETRY_INTERVAL 0.5

/* unix:///path/redis.sock[?db=N] or redis://[:password@]host[:port][/db] */
static int kv_parse_url(kv *k, const char *url)
{
	if (strncmp(url, "unix://", 7) == 0) {
		const char *path = url + 7;
		const char *q = strchr(path, '?');
		k->unix_path = q ? strndup(path, (size_t)(q - path)) : strdup(path);
		if (q && strncmp(q, "?db=", 4) == 0)
			k->db = atoi(q + 4);
		return k->unix_path && k->unix_path[0] == '/' ? 0 : -1;
	}
	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	const char *p = url + 8;
	const char *at = strchr(p, '@');
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon)
			k->password = strndup(colon + 1, (size_t)(at - colon - 1));
		p = at + 1;
	}
	const char *slash = strchr(p, '/');
	const char *hostend = slash ? slash : p + strlen(p);
	const char *colon = memchr(p, ':', (size_t)(hostend - p));
	k->host = strndup(p, (size_t)((colon ? colon : hostend) - p));
	k->port = colon ? atoi(colon + 1) : 6379;
	if (slash && slash[1])
		k->db = atoi(slash + 1);
	return k->host && k->host[0] && k->port > 0 ? 0 : -1;
}

kv *kv_new(const char *url, int timeout_ms)
{
	kv *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	if (kv_parse_url(k, url) < 0) {
		log_error("bad REDIS_URL", "url=\"%s\"", url);
		kv_free(k);
		return NULL;
	}
	k->timeout.tv_sec = timeout_ms / 1000;
	k->timeout.tv_usec = (timeout_ms % 1000) * 1000;
	retry_gate_init(&k->gate, KV_RETRY_INTERVAL);
	return k;
}

void kv_free(kv *k)
{
	if (!k)
		return;
	if (k->c)
		redisFree(k->c);
	free(k->unix_path);
	free(k->host);
	free(k->password);
	free(k);
}

unsigned long kv_reconnects(const kv *k)
{
	return k->reconnects;
}

unsigned long kv_commands(const kv *k)
{
	return k->commands;
}

unsigned long kv_connect_attempts(const kv *k)
{
	return k->gate.attempts;
}

void kv_count_attempts_in(kv *k, atomic_ulong *counter)
{
	k->gate.shared = counter;
}

static void kv_drop(kv *k, const char *why)
{
	if (k->c) {
		log_warn("redis connection lost", "err=\"%s\"", why);
		redisFree(k->c);
		k->c = NULL;
	}
}

/* Scripts are loaded once per connection; their SHA1 comes back from Redis. */
static bool kv_load_scripts(kv *k)
{
	for (int i = 0; i < KV_SCRIPT__MAX; i++) {
		redisReply *r = redisCommand(k->c, "SCRIPT LOAD %s", kv_scripts[i]);
		if (!r || r->type != REDIS_REPLY_STRING || r->len >= (int)sizeof k->script_sha[i]) {
			if (r)
				freeReplyObject(r);
			return false;
		}
		memcpy(k->script_sha[i], r->str, (size_t)r->len);
		k->script_sha[i][r->len] = '\0';
		freeReplyObject(r);
	}
	return true;
}

static bool kv_simple_ok(kv *k, const char *fmt, const char *arg)
{
	redisReply *r = redisCommand(k->c, fmt, arg);
	bool ok = r && r->type != REDIS_REPLY_ERROR;
	if (r)
		freeReplyObject(r);
	return ok;
}

enum kv_status kv_ensure(kv *k)
{
	if (k->c)
		return KV_OK;
	double now = clock_seconds();
	if (!retry_gate_open(&k->gate, now))
		return KV_UNAVAILABLE;
	retry_gate_tried(&k->gate, now);
	k->c = k->unix_path ? redisConnectUnixWithTimeout(k->unix_path, k->timeout)
	                    : redisConnectWithTimeout(k->host, k->port, k->timeout);
	if (!k->c || k->c->err) {
		log_warn("redis unavailable", "err=\"%s\"", k->c ? k->c->errstr : "out of memory");
		if (k->c)
			redisFree(k->c);
		k->c = NULL;
		return KV_UNAVAILABLE;
	}
	redisSetTimeout(k->c, k->timeout);
	char db[16];
	snprintf(db, sizeof db, "%d", k->db);
	if ((k->password && !kv_simple_ok(k, "AUTH %s", k->password)) ||
	    (k->db && !kv_simple_ok(k, "SELECT %s", db)) || !kv_load_scripts(k)) {
		kv_drop(k, "setup failed");
		return KV_UNAVAILABLE;
	}
	if (k->ever_connected) {
		k->reconnects++;
		log_info("redis reconnected", "reconnects=%lu", k->reconnects);
	}
	k->ever_connected = true;
	return KV_OK;
}

static void reply_free(void *p)
{
	freeReplyObject(p);
}

redisReply *kv_command(kv *k, arena *a, int argc, const char **argv, const size_t *lens)
{
	bool reused = k->c != NULL;
	k->commands++;
	if (kv_ensure(k) != KV_OK)
		return NULL;
	redisReply *r = redisCommandArgv(k->c, argc, argv, lens);
	if (!r && reused) {
		/* A connection idle across a Redis restart fails on first use:
		 * reconnect and try again, rather than answer 503 to a request
		 * that arrives after Redis is back. The gate paces it: a
		 * connection made long ago leaves it open, and a server that is
		 * down is tried no faster than any other time. */
		kv_drop(k, k->c->errstr);
		if (kv_ensure(k) != KV_OK)
			return NULL;
		r = redisCommandArgv(k->c, argc, argv, lens);
	}
	if (!r) {
		kv_drop(k, k->c->errstr);
		return NULL;
	}
	if (a)
		arena_on_free(a, reply_free, r);
	if (r->type == REDIS_REPLY_ERROR)
		log_error("redis command failed", "cmd=%s err=\"%.*s\"", argv[0], (int)r->len, r->str);
	return r;
}

redisReply *kv_script(kv *k, arena *a, enum kv_script_id id, int nkeys, int nargs,
    const char **args, const size_t *lens)
{
	const char *argv[16];
	size_t argl[16];
	char nk[8];
	if (nargs + 3 > 16)
		return NULL;
	if (kv_ensure(k) != KV_OK)
		return NULL;
	snprintf(nk, sizeof nk, "%d", nkeys);
	argv[0] = "EVALSHA";
	argl[0] = 7;
	argv[1] = k->script_sha[id];
	argl[1] = strlen(k->script_sha[id]);
	argv[2] = nk;
	argl[2] = strlen(nk);
	for (int i = 0; i < nargs; i++) {
		argv[3 + i] = args[i];
		argl[3 + i] = lens ? lens[i] : strlen(args[i]);
	}
	return kv_command(k, a, nargs + 3, argv, argl);
}

bool kv_ping(kv *k)
{
	const char *argv[1] = { "PING" };
	size_t lens[1] = { 4 };
	redisReply *r = kv_command(k, NULL, 1, argv, lens);
	bool ok = r && r->type == REDIS_REPLY_STATUS;
	if (r)
		freeReplyObject(r);
	return ok;
}

void kv_hashed_key(char *key, size_t n, const char *prefix, str subject)
{
	unsigned char h[CRYPTO_SHA256_LEN];
	crypto_sha256(h, subject.ptr, subject.len);
	size_t pl = strlen(prefix);
	if (pl + 33 > n) {
		snprintf(key, n, "%s", prefix);
		return;
	}
	memcpy(key, prefix, pl);
	crypto_hex_into(key + pl, h, 16);
}

enum kv_status kv_claim_once(kv *k, const char *ns, str id, str claimant, long ttl_s, bool *granted)
{
	char key[160], prefix[96], ttl[24];
	snprintf(prefix, sizeof prefix, "sd:once:%s:", ns);
	kv_hashed_key(key, sizeof key, prefix, id);
	snprintf(ttl, sizeof ttl, "%ld", ttl_s);
	/* The claimant is stored as given: a random form token, bounded. */
	char who[129];
	size_t wl = claimant.len < sizeof who - 1 ? claimant.len : sizeof who - 1;
	if (wl)
		memcpy(who, claimant.ptr, wl);
	who[wl] = '\0';
	const char *args[3] = { key, who, ttl };
	redisReply *r = kv_script(k, NULL, KV_SCRIPT_CLAIM, 1, 3, args, NULL);
	if (!r)
		return KV_UNAVAILABLE;
	enum kv_status st = r->type == REDIS_REPLY_INTEGER ? KV_OK : KV_UNAVAILABLE;
	*granted = st == KV_OK && r->integer > 0;
	freeReplyObject(r);
	return st;
}
