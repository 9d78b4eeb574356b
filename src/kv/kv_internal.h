/* kv_internal.h: shared between the files of src/kv/ only. */
#ifndef SD_KV_INTERNAL_H
#define SD_KV_INTERNAL_H

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "auth/crypto.h"
#include "core/retry.h"
#include "kv/kv.h"

enum kv_script_id { KV_SCRIPT_SESSION_LOAD, KV_SCRIPT_RATELIMIT, KV_SCRIPT_CLAIM, KV_SCRIPT_PRESENCE, KV_SCRIPT_RATELIMIT_LIFT, KV_SCRIPT__MAX };
extern const char *const kv_scripts[KV_SCRIPT__MAX];

struct kv {
	redisContext *c;
	char *unix_path;
	char *host;
	int port;
	int db;
	char *password;
	struct timeval timeout;
	retry_gate gate;
	unsigned long reconnects;
	unsigned long commands;
	bool ever_connected;
	char script_sha[KV_SCRIPT__MAX][48];
};

enum kv_status kv_ensure(kv *k);
/* "<prefix><first 16 bytes of sha256(subject) in hex>" into key: subjects
 * (addresses, emails, tokens) never sit in Redis in clear, and keys stay
 * short and bounded. */
void kv_hashed_key(char *key, size_t n, const char *prefix, str subject);
/* NULL when Redis is unreachable (the connection is dropped and retried
 * later). Replies are freed with the arena, or by the caller when a is NULL. */
redisReply *kv_command(kv *k, arena *a, int argc, const char **argv, const size_t *lens);
redisReply *kv_script(kv *k, arena *a, enum kv_script_id id, int nkeys, int nargs,
    const char **args, const size_t *lens);

#endif
