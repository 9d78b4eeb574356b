/* scripts.c: the Lua scripts that make a session touch or a rate-limit hit
 * one atomic round trip. */
#include "kv/kv_internal.h"

const char *const kv_scripts[KV_SCRIPT__MAX] = {
	/* KEYS[1] session key; ARGV: now, idle, absolute, remember lifetime,
	 * client address ("" when unknown). Returns uid, csrf, created,
	 * remember, level or nil; slides the idle expiry but never past the
	 * absolute cap, and records when (and from where) it was last used. */
	[KV_SCRIPT_SESSION_LOAD] =
	    "local v = redis.call('HMGET', KEYS[1], 'uid', 'csrf', 'created', 'remember', 'level')\n"
	    "if not v[3] then return nil end\n"
	    "local now = tonumber(ARGV[1])\n"
	    "local idle, abs = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
	    "if v[4] == '1' then idle = tonumber(ARGV[4]); abs = tonumber(ARGV[4]) end\n"
	    "local left = tonumber(v[3]) + abs - now\n"
	    "if left <= 0 then redis.call('DEL', KEYS[1]); return nil end\n"
	    "redis.call('EXPIRE', KEYS[1], math.min(idle, left))\n"
	    "if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'seen', ARGV[1], 'ip', ARGV[5])\n"
	    "else redis.call('HSET', KEYS[1], 'seen', ARGV[1]) end\n"
	    "return v\n",
	/* KEYS[1] counter; ARGV[1] window in ms. Fixed window: the first hit
	 * starts it. Returns {count, ms left}. */
	[KV_SCRIPT_RATELIMIT] =
	    "local n = redis.call('INCR', KEYS[1])\n"
	    "local ttl = redis.call('PTTL', KEYS[1])\n"
	    "if n == 1 or ttl < 0 then\n"
	    "  redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
	    "  ttl = tonumber(ARGV[1])\n"
	    "end\n"
	    "return {n, ttl}\n",
	/* KEYS[1] the one-time key; ARGV: claimant, ttl in seconds. 1: claimed
	 * now; 2: already claimed by the same claimant (a retried form); 0:
	 * claimed by someone else. An empty claimant never matches. */
	[KV_SCRIPT_CLAIM] =
	    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end\n"
	    "if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then return 2 end\n"
	    "return 0\n",
	/* KEYS[1] the ticket's presence hash; ARGV: now (ms), ttl (ms), user
	 * id, "typing|name", the most entries kept. Records the user until
	 * now + ttl, drops the expired and any beyond the cap (never the
	 * caller), and returns the live entries as user, "expiry|typing|name"
	 * pairs. The key itself expires with its last entry. */
	[KV_SCRIPT_PRESENCE] =
	    "local now, ttl, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])\n"
	    "redis.call('HSET', KEYS[1], ARGV[3], (now + ttl) .. '|' .. ARGV[4])\n"
	    "local all = redis.call('HGETALL', KEYS[1])\n"
	    "local out, live = {}, 0\n"
	    "for i = 1, #all, 2 do\n"
	    "  local exp = tonumber(string.match(all[i + 1], '^(%d+)|'))\n"
	    "  if not exp or exp <= now or (live >= max and all[i] ~= ARGV[3]) then\n"
	    "    redis.call('HDEL', KEYS[1], all[i])\n"
	    "  else\n"
	    "    live = live + 1; out[#out + 1] = all[i]; out[#out + 1] = all[i + 1]\n"
	    "  end\n"
	    "end\n"
	    "redis.call('PEXPIRE', KEYS[1], ttl)\n"
	    "return out\n",
	/* KEYS[1] a rate-limit counter. Deletes it and returns {count, ms
	 * left}, or nil when it was gone: read and removed in one step, so
	 * the audit says what was lifted even while hits keep arriving. */
	[KV_SCRIPT_RATELIMIT_LIFT] =
	    "local v = redis.call('GET', KEYS[1])\n"
	    "if not v then return nil end\n"
	    "local ttl = redis.call('PTTL', KEYS[1])\n"
	    "redis.call('DEL', KEYS[1])\n"
	    "return {tonumber(v) or 0, ttl}\n",
};
