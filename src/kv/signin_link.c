/* signin_link.c: one-time links in Redis (sign-in, password reset), keyed by
 * the hash of the token the email carries. */
#include <stdio.h>
#include <string.h>

#include "kv/kv_internal.h"

#define LINK_TOKEN_LEN 43

/* Namespaces: a reset token is no sign-in link, and the other way round. */
#define NS_SIGNIN "sd:link:"
#define NS_RESET "sd:pwreset:"
/* What an unknown address costs: keys that name nobody and live a second. */
#define NS_DECOY "sd:decoy:"
#define DECOY_TTL "1"

/* The user's slot for the kinds where a new link replaces the old one: the
 * value is the Redis key of the link that is current. */
#define SLOT_SIGNIN "signin"
#define SLOT_RESET "reset"

static bool link_key(arena *a, const char *ns, str token, char *key, size_t n)
{
	unsigned char raw[CRYPTO_TOKEN_LEN + 1];
	if (token.len != LINK_TOKEN_LEN ||
	    crypto_b64url_decode(token.ptr, token.len, raw, sizeof raw) != CRYPTO_TOKEN_LEN)
		return false;
	snprintf(key, n, "%s{%s}", ns, crypto_sha256_hex(a, raw, CRYPTO_TOKEN_LEN));
	return true;
}

static bool reply_ok(const redisReply *r)
{
	return r && r->type != REDIS_REPLY_ERROR;
}

enum kv_status signin_link_create(kv *k, arena *a, const char *user_id, const char *next, long ttl_s,
    char **token)
{
	unsigned char raw[CRYPTO_TOKEN_LEN];
	*token = crypto_token_new(a, raw);
	char key[96], ttl[24];
	if (!link_key(a, NS_SIGNIN, str_from_cstr(*token), key, sizeof key))
		return KV_UNAVAILABLE;
	snprintf(ttl, sizeof ttl, "%ld", ttl_s);
	/* "user_id next": a uuid has no space, so the first space splits. */
	char *value = arena_sprintf(a, "%s %s", user_id, next);
	const char *argv[5] = { "SET", key, value, "EX", ttl };
	redisReply *r = kv_command(k, a, 5, argv, NULL);
	return r && r->type == REDIS_REPLY_STATUS ? KV_OK : KV_UNAVAILABLE;
}

/* A link that replaces the user's previous one of the same slot, in three
 * commands whatever the history: SET the link, swap the slot's pointer
 * (SET ... GET), DEL what it pointed at (or a key that never existed). The
 * link is written before the swap, so of two links made at once the one
 * whose swap comes last survives, and the other is deleted by it.
 *
 * user_id NULL: the same three commands on decoy keys that expire at once,
 * so that an unknown address takes what a known one does. Each command
 * touches one key: Redis Cluster is fine. */
static enum kv_status link_create_sole(kv *k, arena *a, const char *ns, const char *slot,
    const char *user_id, const char *value, long ttl_s, char **token)
{
	unsigned char raw[CRYPTO_TOKEN_LEN];
	*token = crypto_token_new(a, raw);
	bool decoy = user_id == NULL;
	char key[112], cur[112], ttl[24];
	if (!link_key(a, decoy ? NS_DECOY : ns, str_from_cstr(*token), key, sizeof key))
		return KV_UNAVAILABLE;
	if (decoy) {
		unsigned char nobody[16];
		crypto_random(nobody, sizeof nobody);
		snprintf(cur, sizeof cur, NS_DECOY "cur:{%s}", crypto_hex(a, nobody, sizeof nobody));
		snprintf(ttl, sizeof ttl, "%s", DECOY_TTL);
		value = "-";
	} else {
		snprintf(cur, sizeof cur, "sd:linkcur:{%s}:%s", user_id, slot);
		snprintf(ttl, sizeof ttl, "%ld", ttl_s);
	}
	const char *set[5] = { "SET", key, value, "EX", ttl };
	redisReply *r = kv_command(k, a, 5, set, NULL);
	if (!r || r->type != REDIS_REPLY_STATUS)
		return KV_UNAVAILABLE;
	const char *swap[6] = { "SET", cur, key, "GET", "EX", ttl };
	r = kv_command(k, a, 6, swap, NULL);
	if (!reply_ok(r))
		return KV_UNAVAILABLE;
	/* The old link, or (none yet, or a decoy) a name nobody uses. */
	char *old = r->type == REDIS_REPLY_STRING ? arena_strndup(a, r->str, (size_t)r->len)
	                                           : arena_sprintf(a, NS_DECOY "none:{%s}", key);
	const char *del[2] = { "DEL", old };
	return reply_ok(kv_command(k, a, 2, del, NULL)) ? KV_OK : KV_UNAVAILABLE;
}

enum kv_status signin_link_create_sole(kv *k, arena *a, const char *user_id, const char *next, long ttl_s,
    char **token)
{
	const char *value = user_id ? arena_sprintf(a, "%s %s", user_id, next ? next : "") : NULL;
	return link_create_sole(k, a, NS_SIGNIN, SLOT_SIGNIN, user_id, value, ttl_s, token);
}

enum kv_status signin_link_consume(kv *k, arena *a, str token, char **user_id, char **next)
{
	*user_id = *next = NULL;
	char key[96];
	if (!link_key(a, NS_SIGNIN, token, key, sizeof key))
		return kv_ensure(k);
	const char *argv[2] = { "GETDEL", key };
	redisReply *r = kv_command(k, a, 2, argv, NULL);
	if (!r || r->type == REDIS_REPLY_ERROR)
		return KV_UNAVAILABLE;
	if (r->type != REDIS_REPLY_STRING)
		return KV_OK;
	char *v = arena_strndup(a, r->str, (size_t)r->len);
	char *space = strchr(v, ' ');
	if (!space)
		return KV_OK;
	*space = '\0';
	*user_id = v;
	*next = space + 1;
	return KV_OK;
}

static enum kv_status link_peek(kv *k, arena *a, const char *ns, str token, bool *valid)
{
	*valid = false;
	char key[96];
	if (!link_key(a, ns, token, key, sizeof key))
		return kv_ensure(k);
	const char *argv[2] = { "EXISTS", key };
	redisReply *r = kv_command(k, a, 2, argv, NULL);
	if (!r || r->type != REDIS_REPLY_INTEGER)
		return KV_UNAVAILABLE;
	*valid = r->integer == 1;
	return KV_OK;
}

enum kv_status signin_link_peek(kv *k, arena *a, str token, bool *valid)
{
	return link_peek(k, a, NS_SIGNIN, token, valid);
}

/* ---- password reset links ---- */

enum kv_status reset_link_create(kv *k, arena *a, const char *user_id, long ttl_s, char **token)
{
	return link_create_sole(k, a, NS_RESET, SLOT_RESET, user_id, user_id, ttl_s, token);
}

enum kv_status reset_link_peek(kv *k, arena *a, str token, bool *valid)
{
	return link_peek(k, a, NS_RESET, token, valid);
}

enum kv_status reset_link_consume(kv *k, arena *a, str token, char **user_id)
{
	*user_id = NULL;
	char key[96];
	if (!link_key(a, NS_RESET, token, key, sizeof key))
		return kv_ensure(k);
	const char *argv[2] = { "GETDEL", key };
	redisReply *r = kv_command(k, a, 2, argv, NULL);
	if (!r || r->type == REDIS_REPLY_ERROR)
		return KV_UNAVAILABLE;
	if (r->type == REDIS_REPLY_STRING && r->len == 36)
		*user_id = arena_strndup(a, r->str, (size_t)r->len);
	return KV_OK;
}

enum kv_status user_links_revoke(kv *k, arena *a, const char *user_id)
{
	static const char *const slots[] = { SLOT_SIGNIN, SLOT_RESET };
	for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
		char cur[112];
		snprintf(cur, sizeof cur, "sd:linkcur:{%s}:%s", user_id, slots[i]);
		const char *getdel[2] = { "GETDEL", cur };
		redisReply *r = kv_command(k, a, 2, getdel, NULL);
		if (!reply_ok(r))
			return KV_UNAVAILABLE;
		if (r->type != REDIS_REPLY_STRING)
			continue;
		char *old = arena_strndup(a, r->str, (size_t)r->len);
		const char *del[2] = { "DEL", old };
		if (!reply_ok(kv_command(k, a, 2, del, NULL)))
			return KV_UNAVAILABLE;
	}
	return KV_OK;
}
