/* captcha.h: self-hosted proof-of-work captcha speaking the ALTCHA protocol,
 * without the known weaknesses of ALTCHA ports.
 *
 * A challenge is the JSON
 *   {"algorithm":"SHA-256","challenge":C,"maxnumber":M,"salt":S,"signature":G}
 * with S = "<24 hex>?form=<form>&expires=<unix seconds>&",
 *      C = hex(SHA-256(S || decimal(n))) for a secret random n in 0..M,
 *      G = hex(HMAC-SHA-256(server key, C)).
 * The browser finds n and posts base64(JSON {algorithm, challenge, number,
 * salt, signature}) as the form field `altcha`.
 *
 * What verification insists on (SPEC "Captcha"):
 * - algorithm is exactly "SHA-256" (case-sensitive, as our challenges and the
 *   ALTCHA widget spell it); "sha-256", "SHA-1", "SHA-512" or a missing field
 *   are refused: the server never hashes with what the client names;
 * - the salt ends with '&' (CVE-2025-68113: otherwise "expires=123" + number
 *   "45" and "expires=1234" + number "5" hash the same), carries exactly one
 *   `expires` and one `form`, and nothing else;
 * - expires is in the future and form is the one being submitted;
 * - number is a JSON integer in 0..max_number (the server's own bound, not the
 *   client's), hashed from its canonical decimal form;
 * - challenge and signature are compared in constant time;
 * - the payload is at most CAPTCHA_PAYLOAD_MAX bytes of strict padded base64
 *   holding one JSON object without duplicate keys;
 * - each challenge is accepted once (captcha_check_and_claim, in Redis).
 */
#ifndef SD_CAPTCHA_H
#define SD_CAPTCHA_H

#include "core/arena.h"
#include "core/str.h"
#include "kv/kv.h"

/* Longest `altcha` field accepted (base64 text). Ours are about 330 bytes. */
#define CAPTCHA_PAYLOAD_MAX 2048
/* Longest salt accepted, and longest form name. */
#define CAPTCHA_SALT_MAX 160
#define CAPTCHA_FORM_MAX 32

typedef enum {
	CAPTCHA_OK = 0,
	CAPTCHA_MALFORMED,      /* not base64, not JSON, wrong types, bad salt syntax */
	CAPTCHA_ALGORITHM,      /* algorithm missing or not exactly "SHA-256" */
	CAPTCHA_EXPIRED,        /* salt without expires, or past it */
	CAPTCHA_FORM_MISMATCH,  /* issued for another form */
	CAPTCHA_BAD_SIGNATURE,  /* HMAC of the challenge does not match */
	CAPTCHA_BAD_SOLUTION,   /* number out of range, or hash != challenge */
	CAPTCHA_REPLAYED,       /* already used once */
	CAPTCHA_UNAVAILABLE,    /* Redis is down: the page answers 503 */
	CAPTCHA__MAX
} captcha_status;

/* A new challenge for `form` ([a-z_]{1,32}), valid for ttl_s seconds from
 * `now`, with its secret number drawn uniformly from 0..max_number. Returns
 * the JSON, as GET /captcha/challenge serves it and as forms embed it, in the
 * arena; NULL when form or the numbers are out of range (a programmer error). */
char *captcha_challenge_json(arena *a, const unsigned char key[32], const char *form,
    long max_number, long now, long ttl_s);

/* Verifies the posted `altcha` field for `form` at time `now`. Pure: no
 * Redis, so a success is not yet single-use. On CAPTCHA_OK and when
 * challenge_out is not NULL, *challenge_out is the (arena-held) challenge hex,
 * the key to claim; it is left untouched otherwise. */
captcha_status captcha_verify(arena *a, const unsigned char key[32], const char *form,
    str payload, long max_number, long now, str *challenge_out);

/* captcha_verify, then claims the challenge in Redis so it passes only once:
 * CAPTCHA_REPLAYED for a second use, CAPTCHA_UNAVAILABLE when Redis is down.
 * claimant is the form's one-time idempotency token: the same form sent
 * again (after a network error or a worker that died mid-request) may use
 * its challenge again, since the form's token keeps it from being stored
 * twice; any other form may not.
 * The claim lives at least ttl_s seconds and at least until the salt's
 * expiry (plus a minute of clock slack between workers). */
captcha_status captcha_check_and_claim(kv *k, arena *a, const unsigned char key[32],
    const char *form, str payload, str claimant, long max_number, long now, long ttl_s);

/* "ok", "malformed", "algorithm", ...: for logs and metrics. */
const char *captcha_status_str(captcha_status s);

#endif
