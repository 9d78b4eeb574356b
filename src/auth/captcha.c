/* captcha.c: ALTCHA-compatible proof-of-work challenges: issue, verify, claim
 * once. The contract and the rules it enforces are in captcha.h.
 *
 * sodium.h is included here (src/auth/) for the standard, padded base64 the
 * ALTCHA payload uses (crypto.h has only base64url) and for an unbiased
 * random number; jansson parses the payload and stays inside this file. */
#include "auth/captcha.h"

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"

#define CAPTCHA_ALGORITHM_NAME "SHA-256"
#define CAPTCHA_HEX_LEN (2 * CRYPTO_SHA256_LEN)
#define CAPTCHA_SALT_RANDOM 12          /* bytes; 24 hex characters */
#define CAPTCHA_MAX_NUMBER_LIMIT 1000000000L
#define CAPTCHA_TTL_LIMIT (30L * 86400) /* a claim never outlives this */
#define CAPTCHA_CLAIM_SLACK 60          /* clock slack between workers */
#define CAPTCHA_EXPIRES_DIGITS 12

static const char *const status_names[CAPTCHA__MAX] = {
	[CAPTCHA_OK] = "ok",
	[CAPTCHA_MALFORMED] = "malformed",
	[CAPTCHA_ALGORITHM] = "algorithm",
	[CAPTCHA_EXPIRED] = "expired",
	[CAPTCHA_FORM_MISMATCH] = "form_mismatch",
	[CAPTCHA_BAD_SIGNATURE] = "bad_signature",
	[CAPTCHA_BAD_SOLUTION] = "bad_solution",
	[CAPTCHA_REPLAYED] = "replayed",
	[CAPTCHA_UNAVAILABLE] = "unavailable",
};

const char *captcha_status_str(captcha_status s)
{
	return (unsigned)s < CAPTCHA__MAX ? status_names[s] : "unknown";
}

static bool form_char(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
static bool hex_char(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

static bool form_name_valid(const char *p, size_t n)
{
	if (n == 0 || n > CAPTCHA_FORM_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!form_char(p[i]))
			return false;
	return true;
}

/* hex(HMAC-SHA-256(key, challenge hex)): the signature ALTCHA defines. */
static void signature_hex(char out[CAPTCHA_HEX_LEN + 1], const unsigned char key[32], const char *challenge)
{
	unsigned char mac[CRYPTO_HMAC_LEN];
	crypto_hmac(mac, key, challenge, CAPTCHA_HEX_LEN);
	sodium_bin2hex(out, CAPTCHA_HEX_LEN + 1, mac, sizeof mac);
}

/* hex(SHA-256(salt || decimal(number))). Returns false when it does not fit. */
static bool challenge_hex(char out[CAPTCHA_HEX_LEN + 1], const char *salt, size_t salt_len, long long number)
{
	char input[CAPTCHA_SALT_MAX + 24];
	int n = snprintf(input, sizeof input, "%.*s%lld", (int)salt_len, salt, number);
	if (n < 0 || (size_t)n >= sizeof input)
		return false;
	unsigned char h[CRYPTO_SHA256_LEN];
	crypto_sha256(h, input, (size_t)n);
	sodium_bin2hex(out, CAPTCHA_HEX_LEN + 1, h, sizeof h);
	sodium_memzero(input, sizeof input);
	return true;
}

/* ------------------------------------------------------------------ issue */

char *captcha_challenge_json(arena *a, const unsigned char key[32], const char *form,
    long max_number, long now, long ttl_s)
{
	if (!form || !form_name_valid(form, strlen(form)) || max_number < 1 ||
	    max_number > CAPTCHA_MAX_NUMBER_LIMIT || now <= 0 || ttl_s < 1 || ttl_s > CAPTCHA_TTL_LIMIT)
		return NULL;

	unsigned char rnd[CAPTCHA_SALT_RANDOM];
	char rnd_hex[2 * CAPTCHA_SALT_RANDOM + 1];
	crypto_random(rnd, sizeof rnd);
	sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);

	/* The trailing '&' ends the expiry: no digit of the number can extend it. */
	char salt[CAPTCHA_SALT_MAX + 1];
	int n = snprintf(salt, sizeof salt, "%s?form=%s&expires=%ld&", rnd_hex, form, now + ttl_s);
	if (n < 0 || (size_t)n >= sizeof salt)
		return NULL;

	long long secret = (long long)randombytes_uniform((uint32_t)max_number + 1);
	char challenge[CAPTCHA_HEX_LEN + 1], signature[CAPTCHA_HEX_LEN + 1];
	if (!challenge_hex(challenge, salt, (size_t)n, secret))
		return NULL;
	secret = 0;
	signature_hex(signature, key, challenge);

	/* Every value is hex, digits or [a-z_?=&]: nothing to escape in JSON. */
	return arena_sprintf(a,
	    "{\"algorithm\":\"" CAPTCHA_ALGORITHM_NAME "\",\"challenge\":\"%s\",\"maxnumber\":%ld,"
	    "\"salt\":\"%s\",\"signature\":\"%s\"}",
	    challenge, max_number, salt, signature);
}

/* ----------------------------------------------------------------- verify */

typedef struct {
	str form;          /* empty when absent */
	long expires;      /* 0 when absent */
} salt_params;

/* Parses "<hex>?k=v&k=v&" where each k is `form` or `expires`, at most once.
 * The salt must end with '&' (CVE-2025-68113). Returns false on any other
 * shape; a missing key is left for the caller to judge. */
static bool salt_parse(const char *s, size_t n, salt_params *out)
{
	memset(out, 0, sizeof *out);
	if (n < 3 || n > CAPTCHA_SALT_MAX || s[n - 1] != '&')
		return false;
	const char *q = memchr(s, '?', n);
	if (!q || q == s || (size_t)(q - s) > 64)
		return false;
	for (const char *p = s; p < q; p++)
		if (!hex_char(*p))
			return false;

	bool seen_form = false, seen_expires = false;
	const char *p = q + 1, *end = s + n;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)); /* never NULL: s ends with '&' */
		const char *eq = memchr(p, '=', (size_t)(amp - p));
		if (!eq)
			return false;
		str k = { p, (size_t)(eq - p) }, v = { eq + 1, (size_t)(amp - eq - 1) };
		if (str_eq_cstr(k, "form")) {
			if (seen_form || !form_name_valid(v.ptr, v.len))
				return false;
			seen_form = true;
			out->form = v;
		} else if (str_eq_cstr(k, "expires")) {
			/* Plain decimal, no sign, no leading zero, bounded length. */
			if (seen_expires || v.len == 0 || v.len > CAPTCHA_EXPIRES_DIGITS || v.ptr[0] == '0')
				return false;
			long e = 0;
			for (size_t i = 0; i < v.len; i++) {
				if (v.ptr[i] < '0' || v.ptr[i] > '9')
					return false;
				e = e * 10 + (v.ptr[i] - '0');
			}
			seen_expires = true;
			out->expires = e;
		} else {
			return false;
		}
		p = amp + 1;
	}
	return true;
}

/* Fetches a string member of exactly `len` bytes (0: any length up to max). */
static const char *json_str_member(json_t *o, const char *name, size_t len, size_t max, size_t *out_len)
{
	json_t *v = json_object_get(o, name);
	if (!json_is_string(v))
		return NULL;
	size_t n = json_string_length(v);
	if ((len && n != len) || (!len && (n == 0 || n > max)))
		return NULL;
	*out_len = n;
	return json_string_value(v);
}

static captcha_status verify_payload(arena *a, const unsigned char key[32], const char *form,
    str payload, long max_number, long now, str *challenge_out, long *expires_out)
{
	if (!form || !payload.ptr || payload.len == 0 || payload.len > CAPTCHA_PAYLOAD_MAX)
		return CAPTCHA_MALFORMED;

	unsigned char raw[CAPTCHA_PAYLOAD_MAX];
	size_t raw_len = 0;
	const char *b64_end = NULL;
	if (sodium_base642bin(raw, sizeof raw, payload.ptr, payload.len, NULL, &raw_len, &b64_end,
	        sodium_base64_VARIANT_ORIGINAL) != 0 || b64_end != payload.ptr + payload.len)
		return CAPTCHA_MALFORMED;

	json_error_t jerr;
	json_t *root = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, &jerr);
	captcha_status st = CAPTCHA_MALFORMED;
	if (!root || !json_is_object(root))
		goto out;

	/* Pinned: whatever the client names, only SHA-256 is ever computed. */
	json_t *alg = json_object_get(root, "algorithm");
	if (!json_is_string(alg) || json_string_length(alg) != strlen(CAPTCHA_ALGORITHM_NAME) ||
	    strcmp(json_string_value(alg), CAPTCHA_ALGORITHM_NAME) != 0) {
		st = CAPTCHA_ALGORITHM;
		goto out;
	}

	size_t challenge_len, signature_len, salt_len;
	const char *challenge = json_str_member(root, "challenge", CAPTCHA_HEX_LEN, 0, &challenge_len);
	const char *signature = json_str_member(root, "signature", CAPTCHA_HEX_LEN, 0, &signature_len);
	const char *salt = json_str_member(root, "salt", 0, CAPTCHA_SALT_MAX, &salt_len);
	json_t *number = json_object_get(root, "number");
	if (!challenge || !signature || !salt || !json_is_integer(number))
		goto out; /* a number as string or real (1e3, 5.0) is malformed */

	json_int_t num = json_integer_value(number);
	if (num < 0 || num > (json_int_t)max_number) {
		st = CAPTCHA_BAD_SOLUTION;
		goto out;
	}

	salt_params sp;
	if (!salt_parse(salt, salt_len, &sp))
		goto out;

	char want[CAPTCHA_HEX_LEN + 1];
	signature_hex(want, key, challenge);
	if (!crypto_equal(want, signature, CAPTCHA_HEX_LEN)) {
		st = CAPTCHA_BAD_SIGNATURE;
		goto out;
	}
	if (!challenge_hex(want, salt, salt_len, (long long)num) || !crypto_equal(want, challenge, CAPTCHA_HEX_LEN)) {
		st = CAPTCHA_BAD_SOLUTION;
		goto out;
	}
	if (sp.expires == 0 || now >= sp.expires) {
		st = CAPTCHA_EXPIRED;
		goto out;
	}
	if (!str_eq_cstr(sp.form, form)) {
		st = CAPTCHA_FORM_MISMATCH;
		goto out;
	}

	st = CAPTCHA_OK;
	if (challenge_out)
		*challenge_out = (str){ arena_strndup(a, challenge, CAPTCHA_HEX_LEN), CAPTCHA_HEX_LEN };
	if (expires_out)
		*expires_out = sp.expires;
out:
	if (root)
		json_decref(root);
	return st;
}

captcha_status captcha_verify(arena *a, const unsigned char key[32], const char *form,
    str payload, long max_number, long now, str *challenge_out)
{
	return verify_payload(a, key, form, payload, max_number, now, challenge_out, NULL);
}

captcha_status captcha_check_and_claim(kv *k, arena *a, const unsigned char key[32],
    const char *form, str payload, str claimant, long max_number, long now, long ttl_s)
{
	str challenge;
	long expires = 0;
	captcha_status st = verify_payload(a, key, form, payload, max_number, now, &challenge, &expires);
	if (st != CAPTCHA_OK)
		return st;
	/* The claim must outlive the challenge, even if the TTL setting shrank
	 * since it was issued. */
	long ttl = expires - now > ttl_s ? expires - now : ttl_s;
	if (ttl > CAPTCHA_TTL_LIMIT)
		ttl = CAPTCHA_TTL_LIMIT;
	if (ttl < 1)
		ttl = 1;
	bool granted = false;
	if (kv_claim_once(k, "captcha", challenge, claimant, ttl + CAPTCHA_CLAIM_SLACK, &granted) != KV_OK)
		return CAPTCHA_UNAVAILABLE;
	return granted ? CAPTCHA_OK : CAPTCHA_REPLAYED;
}
