/* signin_link.c: one-time sign-in links in Redis, keyed by the hash of the
 * token the email carries. */
#include <stdio.h>
#include <string.h>

#include "kv/kv_internal.h"

#define LINK_TOKEN_LEN 43

static bool link_key(arena *a, str token, char *key, size_t n)
{
	unsigned char raw[CRYPTO_TOKEN_LEN + 1];
	if (token.len != LINK_TOKEN_LEN ||
	    crypto_b64url_decode(token.ptr, token.len, raw, sizeof raw) != CRYPTO_TOKEN_LEN)
		return false;
	snprintf(key, n, "sd:link:{%s}", crypto_sha256_hex(a, raw, CRYPTO_TOKEN_LEN));
	return true;
}

enum kv_status signin_link_create(kv *k, arena *a, const char *user_id, const char *next, long ttl_s,
    char **token)
{
	unsigned char raw[CRYPTO_TOKEN_LEN];
	*token = crypto_token_new(a, raw);
	char key[96], ttl[24];
	if (!link_key(a, str_from_cstr(*token), key, sizeof key))
		return KV_UNAVAILABLE;
	snprintf(ttl, sizeof ttl, "%ld", ttl_s);
	/* "user_id next": a uuid has no space, so the first space splits. */
	char *value = arena_sprintf(a, "%s %s", user_id, next);
	const char *argv[5] = { "SET", key, value, "EX", ttl };
	redisReply *r = kv_command(k, a, 5, argv, NULL);
	return r && r->type == REDIS_REPLY_STATUS ? KV_OK : KV_UNAVAILABLE;
}

enum kv_status signin_link_consume(kv *k, arena *a, str token, char **user_id, char **next)
{
	*user_id = *next = NULL;
	char key[96];
	if (!link_key(a, token, key, sizeof key))
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

enum kv_status signin_link_peek(kv *k, arena *a, str token, bool *valid)
{
	*valid = false;
	char key[96];
	if (!link_key(a, token, key, sizeof key))
		return kv_ensure(k);
	const char *argv[2] = { "EXISTS", key };
	redisReply *r = kv_command(k, a, 2, argv, NULL);
	if (!r || r->type != REDIS_REPLY_INTEGER)
		return KV_UNAVAILABLE;
	*valid = r->integer == 1;
	return KV_OK;
}
