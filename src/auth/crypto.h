/* crypto.h: every cryptographic primitive Supportdesk uses, on libsodium. */
#ifndef SD_CRYPTO_H
#define SD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_HMAC_LEN 32
#define CRYPTO_TOKEN_LEN 32

/* sodium_init(); call once before forking workers. Returns 0 or -1. */
int crypto_init(void);

void crypto_random(void *dst, size_t n);
/* A fresh 32-byte token as 43 base64url characters (no padding). */
char *crypto_token_new(arena *a, unsigned char raw[CRYPTO_TOKEN_LEN]);

void crypto_sha256(unsigned char out[CRYPTO_SHA256_LEN], const void *p, size_t n);
/* Incremental sha256, for input that is never in memory at once (an
 * attachment is hashed in one pass over its spool file). Opaque: sodium.h stays
 * inside src/auth/. */
typedef struct {
	_Alignas(16) unsigned char opaque[128];
} crypto_sha256_state;
void crypto_sha256_init(crypto_sha256_state *st);
void crypto_sha256_update(crypto_sha256_state *st, const void *p, size_t n);
void crypto_sha256_final(crypto_sha256_state *st, unsigned char out[CRYPTO_SHA256_LEN]);
/* Lower-case hex of sha256(p): what we store instead of a token. */
char *crypto_sha256_hex(arena *a, const void *p, size_t n);
void crypto_hmac(unsigned char out[CRYPTO_HMAC_LEN], const unsigned char key[32], const void *p, size_t n);
/* HMAC-SHA-256 under a key of any length (a webhook's signing secret). */
void crypto_hmac_any(unsigned char out[CRYPTO_HMAC_LEN], const void *key, size_t keylen, const void *p, size_t n);
/* Constant-time equality (sodium_memcmp). */
bool crypto_equal(const void *a, const void *b, size_t n);

char *crypto_b64url_encode(arena *a, const void *p, size_t n);
/* Returns decoded length, or -1 when s is not strict unpadded base64url or
 * decodes to more than cap bytes. */
long crypto_b64url_decode(const char *s, size_t n, unsigned char *dst, size_t cap);
/* The same for standard base64 with its padding (RFC 4648 section 4), as
 * JSON carries files; line breaks and spaces between the characters are
 * skipped, as MIME-style encoders wrap at 76. */
long crypto_b64_decode(const char *s, size_t n, unsigned char *dst, size_t cap);
char *crypto_hex(arena *a, const void *p, size_t n);
/* Lower-case hex of p[0..n) into out, which holds 2n + 1 bytes. */
void crypto_hex_into(char *out, const void *p, size_t n);

/* A 32-byte key for one purpose (`context`, exactly 8 characters) derived
 * from the server secret (libsodium's KDF, subkey 1), for HMACs that must
 * not share a key with any other signed value. */
void crypto_derive_key(unsigned char key[32], const unsigned char secret[32], const char *context);

/* Authenticated encryption (XSalsa20-Poly1305, crypto_secretbox) of a text
 * under a key derived from the server secret for one purpose (`context`,
 * exactly 8 characters): base64url of nonce, tag and ciphertext. For rows
 * that must carry a secret until they are used (an outbox email with a
 * sign-in link), so that a backup or a replica holds nothing usable. */
char *crypto_seal_text(arena *a, const unsigned char secret[32], const char *context, const char *text);
/* The text, or NULL when sealed is malformed, was altered, or was sealed
 * under another secret or context. */
char *crypto_open_text(arena *a, const unsigned char secret[32], const char *context, const char *sealed);

/* Passwords people choose: at least this many characters, at most this
 * many bytes (argon2 takes any length; a bound keeps a form from feeding it
 * megabytes). */
#define CRYPTO_PASSWORD_MIN_CHARS 10
#define CRYPTO_PASSWORD_MAX_BYTES 1024

/* argon2id, libsodium's interactive limits or stronger; malloc'd string. */
char *crypto_password_hash(const char *password, size_t n);
bool crypto_password_verify(const char *hash, const char *password, size_t n);
/* True when hash was made with weaker parameters than crypto_password_hash
 * uses now (less memory, fewer passes, an older version) or with argon2i:
 * after a successful verification it should be replaced. False when it is
 * as strong or stronger (an operator's choice stays), or unreadable. */
bool crypto_password_needs_rehash(const char *hash);
/* How many times this process ran crypto_password_verify: the tests prove
 * that an unknown account costs one verification, as a known one does. */
unsigned long crypto_password_verifications(void);

#endif
