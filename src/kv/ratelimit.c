/* ratelimit.c: fixed-window counters in Redis, one round trip per check. */
#include <stdio.h>
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
