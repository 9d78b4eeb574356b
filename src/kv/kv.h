/* kv.h: one Redis connection per worker (hiredis) with timeouts and
 * reconnect, and what lives in Redis: sessions, rate limits, one-time keys.
 * Only src/kv/ includes hiredis.h. Every key of one operation sits in one
 * hash slot ({...} tags), so Redis Cluster works too. */
#ifndef SD_KV_H
#define SD_KV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

typedef struct kv kv;

enum kv_status { KV_OK = 0, KV_UNAVAILABLE = -1 };

kv *kv_new(const char *url, int timeout_ms);
void kv_free(kv *k);
bool kv_ping(kv *k);
unsigned long kv_reconnects(const kv *k);
/* Commands sent (each a round trip): tests compare the work two answers took. */
unsigned long kv_commands(const kv *k);
/* Connection attempts: at most one per 500 to 750 ms while Redis is down. */
unsigned long kv_connect_attempts(const kv *k);
/* Also counts every connection attempt in *counter (shared /metrics). */
void kv_count_attempts_in(kv *k, atomic_ulong *counter);

/* ---- sessions ---- */

/* What the browser holds is 32 random bytes (base64url); Redis holds only
 * their sha256. */
typedef struct session {
	char *key_hash;        /* hex sha256 of the raw id: the Redis key's tag */
	char *user_id;         /* uuid, or NULL for an anonymous session */
	char *csrf;            /* base64url, tied to this session */
	long created;          /* unix seconds */
	bool remember;
	int level;             /* privilege level; a change rotates the id */
	char *cookie_value;    /* set when a new id must go to the browser */
} session;

typedef struct {
	int idle_s;            /* inactivity timeout */
	int absolute_s;        /* hard cap from creation */
	int remember_s;        /* both, for remembered customer sessions */
} session_limits;

/* Where a session is used from: kept with it for the account page's list
 * of sessions, and never trusted for anything. Either may be NULL. */
typedef struct {
	const char *ip;        /* the client address (page_client_ip), at most 63 bytes kept */
	const char *device;    /* a short description ("Firefox on Linux"), at most 63 bytes kept */
} session_client;

/* One live session of a user, as the account page lists it. */
typedef struct {
	char *public_id;       /* random, names the session in forms; worth nothing as a credential */
	long created;          /* unix seconds */
	long last_seen;        /* unix seconds: the last request that loaded it */
	char *ip;              /* "" when unknown */
	char *device;          /* "" when unknown */
	bool remember;
	bool current;          /* the session of the request that asked */
} session_info;

/* Looks up the session named by a cookie value and slides its idle expiry,
 * in one round trip; the same script records the time (last seen) and the
 * client's address (c may be NULL). *out is NULL when the cookie names no
 * live session; an absent or malformed cookie costs no round trip. */
enum kv_status session_load(kv *k, arena *a, const session_limits *l, str cookie,
    const session_client *c, session **out);
/* Starts a new session for user_id (NULL: anonymous) with a fresh id and
 * CSRF token, used from c (may be NULL); out->cookie_value must be sent. */
enum kv_status session_create(kv *k, arena *a, const session_limits *l, const char *user_id,
    bool remember, int level, const session_client *c, session **out);
/* Issues a new id for the same session (sign-in, privilege change) and
 * deletes the old one. */
enum kv_status session_rotate(kv *k, arena *a, const session_limits *l, session *s,
    const char *user_id, int level, const session_client *c);
enum kv_status session_destroy(kv *k, session *s);
/* "Sign out everywhere": deletes every session of the user. */
enum kv_status session_destroy_all(kv *k, arena *a, const char *user_id, long *deleted);
/* Deletes every session of the user but the one whose key hash is
 * keep_hash (a password change ends every other session). */
enum kv_status session_destroy_others(kv *k, arena *a, const char *user_id, const char *keep_hash,
    long *deleted);
/* The user's live sessions, newest use first, at most SESSION_LIST_MAX;
 * ids whose sessions expired are removed from the user's set on the way.
 * current_hash (may be NULL) marks the asking session. */
#define SESSION_LIST_MAX 50
enum kv_status session_list(kv *k, arena *a, const char *user_id, const char *current_hash,
    session_info **out, size_t *n);
/* Deletes the user's session named public_id, if the user has one by
 * that name (compared in constant time): *found says whether it did, and
 * *was_current whether it was the one whose key hash is current_hash.
 * Another user's session is never found. */
enum kv_status session_revoke(kv *k, arena *a, const char *user_id, str public_id,
    const char *current_hash, bool *found, bool *was_current);

/* The scheduler's clean-up of what sessions leave behind: each user's set
 * of session ids (sd:us:{user}) keeps the ids of sessions that expired until
 * the set is read or expires itself. Walks the sets with SCAN from cursor
 * ("0" or NULL: the start) for at most `rounds` SCAN calls and removes the
 * ids whose session is gone (a set left empty disappears). *next_cursor is
 * where the next run goes on ("0": the walk finished). With Redis Cluster,
 * SCAN walks the node it is connected to only. */
enum kv_status session_prune_sets(kv *k, arena *a, const char *cursor, int rounds, char **next_cursor,
    long *removed);

/* ---- rate limits ---- */

typedef struct {
	bool allowed;
	long count;
	long limit;
	long retry_after_s;    /* seconds until the window resets, when refused */
} ratelimit_result;

/* Counts one hit of `action` by `subject` (an IP, a normalised email, a user
 * id) in a fixed window, atomically and in one round trip (a Lua script). The
 * subject is hashed, so no address sits in Redis in clear. */
enum kv_status ratelimit_hit(kv *k, arena *a, const char *action, str subject, long limit,
    long window_s, ratelimit_result *out);

/* ---- rate-limit blocks, as the admin pages see and lift them ---- */

/* A counter's key is "sd:rl:<action>:<hash>": the action names what is
 * counted by its suffix (login_ip, login_email, reply_user...), the hash
 * is the first 16 bytes of sha256(subject) in lowercase hex. */
#define RATELIMIT_ACTION_MAX 40
#define RATELIMIT_HASH_HEX 32
#define RATELIMIT_KEY_MAX (6 + RATELIMIT_ACTION_MAX + 1 + RATELIMIT_HASH_HEX + 1)

typedef struct {
	char action[RATELIMIT_ACTION_MAX + 1];   /* [a-z_], 1 to 40 */
	char hash[RATELIMIT_HASH_HEX + 1];       /* 32 lowercase hex digits */
} ratelimit_key;

/* Parses a counter's key (n bytes, no NUL needed); false for anything
 * not exactly "sd:rl:" [a-z_]{1,40} ":" [0-9a-f]{32}. */
bool ratelimit_key_parse(const char *s, size_t n, ratelimit_key *out);
/* The hash ratelimit_hit files subject under, into hash. */
void ratelimit_subject_hash(str subject, char hash[RATELIMIT_HASH_HEX + 1]);
/* "sd:rl:<action>:<hash>" into buf (RATELIMIT_KEY_MAX bytes). */
void ratelimit_key_format(const ratelimit_key *k, char keybuf[RATELIMIT_KEY_MAX]);

/* An action and the limit its counters are checked against. */
typedef struct {
	const char *action;
	long limit;
} ratelimit_rule;

typedef struct {
	ratelimit_key key;
	int rule;              /* index into the rules */
	long count;
	long ttl_s;            /* seconds until the window resets (at least 1) */
} ratelimit_block;

/* The counters at or over their rule's limit (the next hit is refused),
 * found by SCAN over sd:rl:* from cursor ("0" or NULL: the start) for at
 * most `rounds` SCAN calls of about `count` keys each, one MGET per call
 * and one PTTL per block: the work of a request is bounded whatever Redis
 * holds. Keys of actions not among the rules are skipped. At most max
 * blocks; *next_cursor is where to go on ("0": the walk is complete).
 * With Redis Cluster, SCAN walks the node it is connected to only. */
enum kv_status ratelimit_blocks_scan(kv *k, arena *a, const ratelimit_rule *rules, size_t nrules,
    const char *cursor, int rounds, int count, size_t max, ratelimit_block **out, size_t *n, char **next_cursor);
/* What one counter holds, without changing it: *found false when it is
 * gone. Two commands (GET, PTTL). */
enum kv_status ratelimit_peek(kv *k, arena *a, const ratelimit_key *key, bool *found, long *count, long *ttl_s);
/* Reads and deletes one counter in one atomic step: the next hit starts a
 * fresh window. *found false when it was gone (expired, lifted already);
 * else *count and *ttl_s say what it held. */
enum kv_status ratelimit_lift(kv *k, const ratelimit_key *key, bool *found, long *count, long *ttl_s);

/* ---- sign-in links ---- */

/* A one-time sign-in link for user_id that lands on `next` (a local path):
 * 32 random bytes go in the link, Redis keeps their sha256 for ttl_s.
 * *token is the link's last segment. */
enum kv_status signin_link_create(kv *k, arena *a, const char *user_id, const char *next, long ttl_s,
    char **token);
/* Consumes the link once (GETDEL): *user_id and *next are NULL when it is
 * unknown, used or expired. */
enum kv_status signin_link_consume(kv *k, arena *a, str token, char **user_id, char **next);
/* Whether the link would work, without consuming it (for GET). */
enum kv_status signin_link_peek(kv *k, arena *a, str token, bool *valid);
/* The link a user asks for at POST /login/link: as signin_link_create, but
 * a new one replaces the user's previous one, which stops working. With
 * user_id NULL (an unknown or inactive address) it makes no link and runs
 * the same Redis commands on keys that name nobody and expire at once, so
 * that the answer takes as long; *token is then a random token that opens
 * nothing. */
enum kv_status signin_link_create_sole(kv *k, arena *a, const char *user_id, const char *next, long ttl_s,
    char **token);

/* ---- password reset links ---- */

/* A one-time link to choose a password (reset, or a first one), kept apart
 * from sign-in links: a new one replaces the user's previous one. user_id
 * NULL: the decoy, as for signin_link_create_sole. */
enum kv_status reset_link_create(kv *k, arena *a, const char *user_id, long ttl_s, char **token);
/* Whether it would work, without consuming it (GET shows the form). */
enum kv_status reset_link_peek(kv *k, arena *a, str token, bool *valid);
/* Consumes it once: *user_id is NULL when unknown, used, replaced or expired. */
enum kv_status reset_link_consume(kv *k, arena *a, str token, char **user_id);
/* Ends the user's current sign-in link (of signin_link_create_sole) and
 * reset link: after a password change, an old email opens nothing. */
enum kv_status user_links_revoke(kv *k, arena *a, const char *user_id);

/* ---- one-time keys (used captchas, idempotency tokens) ---- */

/* Claims `id` once (ttl_s seconds): *granted is true when this call made
 * the claim, or when the same non-empty claimant made it before (a form
 * sent again after a network error), false when anyone else did. */
enum kv_status kv_claim_once(kv *k, const char *ns, str id, str claimant, long ttl_s, bool *granted);

/* ---- presence: who has a ticket open in the workspace ---- */

#define PRESENCE_MAX 20        /* entries kept per ticket */
#define PRESENCE_NAME_MAX 80   /* bytes of a name kept */

typedef struct {
	char *user_id;
	char *name;
	bool typing;               /* writing a reply or a note */
} presence_entry;

/* Records that user_id (shown as name) has ticket_id open, typing or not,
 * for ttl_s seconds, and answers everyone whose record is still live
 * (the caller included), in one round trip. One hash per ticket
 * ("sd:pr:{ticket_id}": one hash slot), at most PRESENCE_MAX entries,
 * expiring with its last one. */
enum kv_status presence_touch(kv *k, arena *a, const char *ticket_id, const char *user_id, const char *name,
    bool typing, long ttl_s, presence_entry **out, size_t *n);

#endif
