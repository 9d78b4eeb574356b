/* presence.c: who has a ticket open in the workspace, and who is typing:
 * a Redis hash per ticket whose entries carry their own expiry (the
 * collision banner of /desk/tickets/{number}). */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "kv/kv_internal.h"

enum kv_status presence_touch(kv *k, arena *a, const char *ticket_id, const char *user_id, const char *name,
    bool typing, long ttl_s, presence_entry **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char key[96], now[24], ttl[24], max[8], value[PRESENCE_NAME_MAX + 4];
	snprintf(key, sizeof key, "sd:pr:{%s}", ticket_id);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	snprintf(now, sizeof now, "%lld", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
	snprintf(ttl, sizeof ttl, "%ld", ttl_s * 1000);
	snprintf(max, sizeof max, "%d", PRESENCE_MAX);
	/* The name cut at PRESENCE_NAME_MAX bytes, on a character boundary. */
	size_t nl = name ? strlen(name) : 0;
	if (nl > PRESENCE_NAME_MAX) {
		nl = PRESENCE_NAME_MAX;
		while (nl > 0 && ((unsigned char)name[nl] & 0xC0) == 0x80)
			nl--;
	}
	snprintf(value, sizeof value, "%c|%.*s", typing ? '1' : '0', (int)nl, name ? name : "");
	const char *args[6] = { key, now, ttl, user_id, value, max };
	redisReply *r = kv_script(k, a, KV_SCRIPT_PRESENCE, 1, 6, args, NULL);
	if (!r || r->type != REDIS_REPLY_ARRAY)
		return KV_UNAVAILABLE;
	size_t m = r->elements / 2;
	presence_entry *e = arena_calloc(a, m + 1, sizeof *e);
	size_t j = 0;
	for (size_t i = 0; i + 1 < r->elements && j < PRESENCE_MAX; i += 2) {
		redisReply *u = r->element[i], *v = r->element[i + 1];
		if (u->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		/* "expiry|typing|name" */
		const char *bar = memchr(v->str, '|', (size_t)v->len);
		if (!bar || (size_t)(bar - v->str) + 3 > (size_t)v->len)
			continue;
		const char *rest = bar + 1;
		size_t restlen = (size_t)v->len - (size_t)(rest - v->str);
		e[j].user_id = arena_strndup(a, u->str, (size_t)u->len);
		e[j].typing = rest[0] == '1';
		e[j].name = arena_strndup(a, rest + 2, restlen - 2);
		j++;
	}
	*out = e;
	*n = j;
	return KV_OK;
}
