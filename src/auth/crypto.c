/* crypto.c: libsodium behind one module (the only file that includes sodium.h
 * together with csrf.c). */
#include "crypto.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void crypto_random(void *dst, size_t n)
{
	randombytes_buf(dst, n);
}

char *crypto_b64url_encode(arena *a, const void *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, len);
	sodium_bin2base64(out, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

long crypto_b64url_decode(const char *s, size_t n, unsigned char *dst, size_t cap)
{
	size_t out_len = 0;
	const char *end = NULL;
	if (sodium_base642bin(dst, cap, s, n, NULL, &out_len, &end,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != s + n)
		return -1;
	return (long)out_len;
}

long crypto_b64_decode(const char *s, size_t n, unsigned char *dst, size_t cap)
{
	size_t out_len = 0;
	const char *end = NULL;
	if (sodium_base642bin(dst, cap, s, n, "\r\n ", &out_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + n)
		return -1;
	return (long)out_len;
}

char *crypto_token_new(arena *a, unsigned char raw[CRYPTO_TOKEN_LEN])
{
	randombytes_buf(raw, CRYPTO_TOKEN_LEN);
	return crypto_b64url_encode(a, raw, CRYPTO_TOKEN_LEN);
}

void crypto_sha256(unsigned char out[CRYPTO_SHA256_LEN], const void *p, size_t n)
{
	crypto_hash_sha256(out, p, n);
}

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(crypto_sha256_state),
    "crypto_sha256_state too small for libsodium's state");
_Static_assert(_Alignof(crypto_hash_sha256_state) <= 16, "crypto_sha256_state under-aligned");

void crypto_sha256_init(crypto_sha256_state *st)
{
	crypto_hash_sha256_init((crypto_hash_sha256_state *)st->opaque);
}

void crypto_sha256_update(crypto_sha256_state *st, const void *p, size_t n)
{
	crypto_hash_sha256_update((crypto_hash_sha256_state *)st->opaque, p, n);
}

void crypto_sha256_final(crypto_sha256_state *st, unsigned char out[CRYPTO_SHA256_LEN])
{
	crypto_hash_sha256_final((crypto_hash_sha256_state *)st->opaque, out);
}

void crypto_hex_into(char *out, const void *p, size_t n)
{
	sodium_bin2hex(out, n * 2 + 1, p, n);
}

char *crypto_hex(arena *a, const void *p, size_t n)
{
	char *out = arena_alloc(a, n * 2 + 1);
	crypto_hex_into(out, p, n);
	return out;
}

char *crypto_sha256_hex(arena *a, const void *p, size_t n)
{
	unsigned char h[CRYPTO_SHA256_LEN];
	crypto_hash_sha256(h, p, n);
	return crypto_hex(a, h, sizeof h);
}

void crypto_hmac_any(unsigned char out[CRYPTO_HMAC_LEN], const void *key, size_t keylen, const void *p, size_t n)
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, p, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

void crypto_hmac(unsigned char out[CRYPTO_HMAC_LEN], const unsigned char key[32], const void *p, size_t n)
{
	/* A page signs several tokens with the same server key: keep the state
	 * after the key's two blocks are absorbed and start each HMAC from a
	 * copy of it. */
	static unsigned char cached_key[32];
	static crypto_auth_hmacsha256_state keyed;
	static bool have_keyed;
	if (!have_keyed || sodium_memcmp(cached_key, key, 32) != 0) {
		crypto_auth_hmacsha256_init(&keyed, key, 32);
		memcpy(cached_key, key, 32);
		have_keyed = true;
	}
	crypto_auth_hmacsha256_state st = keyed;
	crypto_auth_hmacsha256_update(&st, p, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

char *crypto_password_hash(const char *password, size_t n)
{
	char *out = malloc(crypto_pwhash_STRBYTES);
	if (!out)
		return NULL;
	if (crypto_pwhash_str_alg(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static unsigned long password_verifications;

bool crypto_password_verify(const char *hash, const char *password, size_t n)
{
	password_verifications++;
	return crypto_pwhash_str_verify(hash, password, n) == 0;
}

bool crypto_password_needs_rehash(const char *hash)
{
	/* libsodium tells whether the parameters differ from today's (1), are
	 * today's (0) or cannot be read (-1); of those that differ, only the
	 * weaker ones are replaced: a hash an operator made stronger stays. */
	if (crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 1)
		return false;
	static const char id[] = "$argon2id$";
	if (strncmp(hash, id, sizeof id - 1) != 0)
		return true; /* argon2i: move to argon2id */
	int version = 0, lanes = 0;
	unsigned long mem_kib = 0, passes = 0;
	if (sscanf(hash + sizeof id - 1, "v=%d$m=%lu,t=%lu,p=%d$", &version, &mem_kib, &passes, &lanes) != 4)
		return false;
	return version < 0x13 || mem_kib < crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024 ||
	    passes < crypto_pwhash_OPSLIMIT_INTERACTIVE;
}

unsigned long crypto_password_verifications(void)
{
	return password_verifications;
}

/* ---- sealed text ---- */

/* The key for one purpose, derived from the server secret, so that the
 * secret itself keys nothing but HMACs and a leak of one key is no leak of
 * the others. context is exactly 8 characters (libsodium's KDF). */
static void sealing_key(unsigned char key[crypto_secretbox_KEYBYTES], const unsigned char secret[32],
    const char *context)
{
	_Static_assert(crypto_kdf_KEYBYTES == 32, "server secret is 32 bytes");
	crypto_kdf_derive_from_key(key, crypto_secretbox_KEYBYTES, 1, context, secret);
}

void crypto_derive_key(unsigned char key[32], const unsigned char secret[32], const char *context)
{
	sealing_key(key, secret, context);
}

char *crypto_seal_text(arena *a, const unsigned char secret[32], const char *context, const char *text)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	sealing_key(key, secret, context);
	size_t n = strlen(text);
	size_t boxed = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	unsigned char *box = arena_alloc(a, boxed);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)text, n, box, key);
	sodium_memzero(key, sizeof key);
	return crypto_b64url_encode(a, box, boxed);
}

char *crypto_open_text(arena *a, const unsigned char secret[32], const char *context, const char *sealed)
{
	size_t sl = strlen(sealed);
	size_t cap = sl / 4 * 3 + 3;
	if (cap < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return NULL;
	unsigned char *box = arena_alloc(a, cap);
	long boxed = crypto_b64url_decode(sealed, sl, box, cap);
	if (boxed < (long)(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES))
		return NULL;
	size_t n = (size_t)boxed - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	char *out = arena_alloc(a, n + 1);
	unsigned char key[crypto_secretbox_KEYBYTES];
	sealing_key(key, secret, context);
	int rc = crypto_secretbox_open_easy((unsigned char *)out, box + crypto_secretbox_NONCEBYTES,
	    (size_t)boxed - crypto_secretbox_NONCEBYTES, box, key);
	sodium_memzero(key, sizeof key);
	if (rc != 0)
		return NULL;
	out[n] = '\0';
	/* A NUL inside would cut the text short without a word: refuse it. */
	return memchr(out, '\0', n) ? NULL : out;
}
