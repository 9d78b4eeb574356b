/* fuzz_captcha.c: libFuzzer target for the captcha payload parser and verifier.
 *
 * Each input is tried twice at a fixed key and time:
 * 1. as the posted `altcha` field itself (base64 text);
 * 2. as the JSON inside it, after the harness has made its challenge and
 *    signature valid for whatever salt and number it holds (what an attacker
 *    holding one of our challenges can do). This lets the fuzzer reach the
 *    salt, expiry and form rules, and checks that nothing is accepted unless
 *    the salt ends with '&', names form=submit and a future expiry, and the
 *    number lies in 0..max. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/captcha.h"
#include "auth/crypto.h"
#include "core/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW 1700000000L
#define FUZZ_MAX 100000L

static const unsigned char fuzz_key[32] = "fuzz-captcha-key-0123456789abcd";

static char *b64(arena *a, const char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = arena_alloc(a, (n + 2) / 3 * 4 + 1), *o = out;
	const unsigned char *s = (const unsigned char *)p;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static void check_result(captcha_status st, str challenge)
{
	if ((unsigned)st >= CAPTCHA__MAX || st == CAPTCHA_REPLAYED || st == CAPTCHA_UNAVAILABLE)
		abort(); /* verify is pure: never a Redis status */
	if (st == CAPTCHA_OK && (challenge.len != 64 || strspn(challenge.ptr, "0123456789abcdef") != 64))
		abort();
}

/* The oracle for an accepted payload: every rule of captcha.h holds. */
static void check_accepted(json_t *root)
{
	const char *salt = json_string_value(json_object_get(root, "salt"));
	json_int_t n = json_integer_value(json_object_get(root, "number"));
	const char *alg = json_string_value(json_object_get(root, "algorithm"));
	if (!salt || !alg || strcmp(alg, "SHA-256") != 0 || n < 0 || n > FUZZ_MAX)
		abort();
	size_t len = strlen(salt);
	const char *f = strstr(salt, "form=submit&");
	if (len == 0 || salt[len - 1] != '&' || !f || f == salt || (f[-1] != '?' && f[-1] != '&'))
		abort();
	const char *e = strstr(salt, "expires=");
	if (!e || strtol(e + 8, NULL, 10) <= FUZZ_NOW)
		abort();
}

static void try_resigned(arena *a, const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return;
	json_t *salt = json_object_get(root, "salt"), *num = json_object_get(root, "number");
	if (json_is_object(root) && json_is_string(salt) && json_is_integer(num)) {
		char *input = arena_sprintf(a, "%s%lld", json_string_value(salt), (long long)json_integer_value(num));
		char *challenge = crypto_sha256_hex(a, input, strlen(input));
		unsigned char mac[CRYPTO_HMAC_LEN];
		crypto_hmac(mac, fuzz_key, challenge, strlen(challenge));
		json_object_set_new(root, "challenge", json_string(challenge));
		json_object_set_new(root, "signature", json_string(crypto_hex(a, mac, sizeof mac)));
	}
	char *text = json_dumps(root, JSON_COMPACT);
	if (text) {
		str out = STR_NULL;
		char *p = b64(a, text, strlen(text));
		captcha_status st = captcha_verify(a, fuzz_key, "submit", str_from_cstr(p), FUZZ_MAX, FUZZ_NOW, &out);
		check_result(st, out);
		if (st == CAPTCHA_OK)
			check_accepted(root);
		free(text);
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena *a = arena_new(8192);
	str out = STR_NULL;
	captcha_status st = captcha_verify(a, fuzz_key, "submit", (str){ (const char *)data, size }, FUZZ_MAX,
	    FUZZ_NOW, &out);
	check_result(st, out);
	if (size <= 4096)
		try_resigned(a, data, size);
	arena_free(a);
	return 0;
}
