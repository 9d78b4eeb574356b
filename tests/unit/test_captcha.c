/* test_captcha.c: ALTCHA-compatible captcha: issue, solve by brute force,
 * verify, and a table of payloads that must be refused (forged ones carry a
 * valid signature, as an attacker holding one of our challenges can). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/captcha.h"
#include "auth/crypto.h"
#include "core/arena.h"
#include "core/str.h"
#include "kv/kv.h"
#include "unit/suites.h"

#define NOW 1700000000L
#define MAXN 2000L

static const unsigned char KEY[32] = "captcha-test-key-0123456789abcd";

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

static char *sign(arena *a, const char *challenge)
{
	unsigned char mac[CRYPTO_HMAC_LEN];
	crypto_hmac(mac, KEY, challenge, strlen(challenge));
	return crypto_hex(a, mac, sizeof mac);
}

static char *hash_of(arena *a, const char *salt, const char *number)
{
	char *s = arena_sprintf(a, "%s%s", salt, number);
	return crypto_sha256_hex(a, s, strlen(s));
}

/* base64 of the JSON payload; alg and number are raw JSON (NULL: absent). */
static str payload(arena *a, const char *alg, const char *challenge, const char *number,
    const char *salt, const char *signature)
{
	buf b;
	buf_init(&b, a, 256);
	buf_putc(&b, '{');
	if (alg)
		buf_printf(&b, "\"algorithm\":%s,", alg);
	buf_printf(&b, "\"challenge\":\"%s\",", challenge);
	if (number)
		buf_printf(&b, "\"number\":%s,", number);
	buf_printf(&b, "\"salt\":\"%s\",\"signature\":\"%s\"}", salt, signature);
	return str_from_cstr(b64(a, b.data, b.len));
}

/* A payload an attacker can build from any (challenge, signature) we issued:
 * challenge = sha256(salt + hashed), signed with our key. */
static str forged(arena *a, const char *alg, const char *salt, const char *number, const char *hashed)
{
	char *c = hash_of(a, salt, hashed ? hashed : number);
	return payload(a, alg, c, number, salt, sign(a, c));
}

/* Solves a challenge JSON by brute force; returns the payload. */
static str solve(arena *a, const char *json, char **challenge_out)
{
	json_error_t e;
	json_t *j = json_loads(json, 0, &e);
	ck_assert_ptr_nonnull(j);
	const char *alg = json_string_value(json_object_get(j, "algorithm"));
	const char *c = json_string_value(json_object_get(j, "challenge"));
	const char *salt = json_string_value(json_object_get(j, "salt"));
	const char *sig = json_string_value(json_object_get(j, "signature"));
	json_int_t max = json_integer_value(json_object_get(j, "maxnumber"));
	ck_assert_str_eq(alg, "SHA-256");
	ck_assert_int_eq(max, MAXN);
	long found = -1;
	for (long n = 0; n <= max && found < 0; n++) {
		char num[24];
		snprintf(num, sizeof num, "%ld", n);
		if (strcmp(hash_of(a, salt, num), c) == 0)
			found = n;
	}
	ck_assert_int_ge(found, 0);
	str p = payload(a, "\"SHA-256\"", c, arena_sprintf(a, "%ld", found), salt, sig);
	*challenge_out = arena_strdup(a, c);
	json_decref(j);
	return p;
}

START_TEST(captcha_issue_solve_verify)
{
	arena *a = arena_new(4096);
	char *json = captcha_challenge_json(a, KEY, "submit", MAXN, NOW, 600);
	ck_assert_ptr_nonnull(json);

	json_error_t e;
	json_t *j = json_loads(json, JSON_REJECT_DUPLICATES, &e);
	ck_assert_ptr_nonnull(j);
	const char *salt = json_string_value(json_object_get(j, "salt"));
	const char *c = json_string_value(json_object_get(j, "challenge"));
	ck_assert_uint_eq(strlen(salt), 24 + strlen("?form=submit&expires=1700000600&"));
	ck_assert_str_eq(salt + 24, "?form=submit&expires=1700000600&");
	ck_assert_uint_eq(strspn(salt, "0123456789abcdef"), 24);
	ck_assert_str_eq(json_string_value(json_object_get(j, "signature")), sign(a, c));
	ck_assert_uint_eq(json_object_size(j), 5);
	json_decref(j);

	char *challenge;
	str p = solve(a, json, &challenge);
	str got = STR_NULL;
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", p, MAXN, NOW, &got), CAPTCHA_OK);
	ck_assert_uint_eq(got.len, 64);
	ck_assert_str_eq(got.ptr, challenge);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", p, MAXN, NOW + 599, NULL), CAPTCHA_OK);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", p, MAXN, NOW + 600, NULL), CAPTCHA_EXPIRED);
	ck_assert_int_eq(captcha_verify(a, KEY, "login", p, MAXN, NOW, NULL), CAPTCHA_FORM_MISMATCH);
	unsigned char other[32] = { 1 };
	ck_assert_int_eq(captcha_verify(a, other, "submit", p, MAXN, NOW, NULL), CAPTCHA_BAD_SIGNATURE);
	/* Pure: verifying again still succeeds (single use is the claim's job). */
	got = STR_NULL;
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", p, MAXN, NOW, &got), CAPTCHA_OK);
	arena_free(a);
}
END_TEST

START_TEST(captcha_issue_binds_each_form)
{
	arena *a = arena_new(4096);
	const char *forms[] = { "submit", "login", "login_link", "reset" };
	for (size_t i = 0; i < 4; i++) {
		char *challenge;
		str p = solve(a, captcha_challenge_json(a, KEY, forms[i], MAXN, NOW, 60), &challenge);
		for (size_t k = 0; k < 4; k++)
			ck_assert_int_eq(captcha_verify(a, KEY, forms[k], p, MAXN, NOW, NULL),
			    k == i ? CAPTCHA_OK : CAPTCHA_FORM_MISMATCH);
	}
	arena_free(a);
}
END_TEST

START_TEST(captcha_issue_fresh_salt_each_time)
{
	arena *a = arena_new(4096);
	char *x = captcha_challenge_json(a, KEY, "submit", MAXN, NOW, 60);
	char *y = captcha_challenge_json(a, KEY, "submit", MAXN, NOW, 60);
	ck_assert_str_ne(x, y);
	ck_assert_int_ne(memcmp(strstr(x, "\"salt\":\""), strstr(y, "\"salt\":\""), 30), 0);
	arena_free(a);
}
END_TEST

START_TEST(captcha_issue_refuses_bad_arguments)
{
	arena *a = arena_new(4096);
	const char *bad_forms[] = { "", "Submit", "a-b", "form&expires=9", "a?b", "x=y",
		"abcdefghijklmnopqrstuvwxyzabcdefg" /* 33 */ };
	for (size_t i = 0; i < sizeof bad_forms / sizeof bad_forms[0]; i++)
		ck_assert_msg(!captcha_challenge_json(a, KEY, bad_forms[i], MAXN, NOW, 60), "%s", bad_forms[i]);
	ck_assert_ptr_null(captcha_challenge_json(a, KEY, NULL, MAXN, NOW, 60));
	ck_assert_ptr_null(captcha_challenge_json(a, KEY, "submit", 0, NOW, 60));
	ck_assert_ptr_null(captcha_challenge_json(a, KEY, "submit", -5, NOW, 60));
	ck_assert_ptr_null(captcha_challenge_json(a, KEY, "submit", 2000000000L, NOW, 60));
	ck_assert_ptr_null(captcha_challenge_json(a, KEY, "submit", MAXN, NOW, 0));
	ck_assert_ptr_null(captcha_challenge_json(a, KEY, "submit", MAXN, 0, 60));
	ck_assert_ptr_nonnull(captcha_challenge_json(a, KEY, "abcdefghijklmnopqrstuvwxyzabcdef", MAXN, NOW, 60));
	arena_free(a);
}
END_TEST

START_TEST(captcha_accepts_altcha_widget_extras)
{
	/* The ALTCHA widget adds "took"; unknown members are ignored. */
	arena *a = arena_new(4096);
	const char *salt = "0a1b2c?form=submit&expires=1700000600&";
	char *c = hash_of(a, salt, "42");
	char *json = arena_sprintf(a,
	    "{\"algorithm\":\"SHA-256\",\"challenge\":\"%s\",\"number\":42,\"salt\":\"%s\","
	    "\"signature\":\"%s\",\"took\":1234,\"test\":false}", c, salt, sign(a, c));
	str p = str_from_cstr(b64(a, json, strlen(json)));
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", p, MAXN, NOW, NULL), CAPTCHA_OK);
	arena_free(a);
}
END_TEST

/* ---- forged payloads, each with a valid signature over its challenge ---- */

#define SALT_OK "0a1b2c?form=submit&expires=1700000600&"
#define SHA256 "\"SHA-256\""

static const struct bad_forged {
	const char *name;
	const char *alg;      /* raw JSON; NULL: absent */
	const char *salt;
	const char *number;   /* raw JSON; NULL: absent */
	const char *hashed;   /* the number the challenge was made from; NULL: same */
	long now;
	captcha_status want;
} bad_forged[] = {
	{ "control: valid", SHA256, SALT_OK, "7", NULL, NOW, CAPTCHA_OK },
	/* the algorithm is pinned */
	{ "alg SHA-1", "\"SHA-1\"", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg SHA-512", "\"SHA-512\"", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg lower case", "\"sha-256\"", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg SHA256", "\"SHA256\"", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg trailing space", "\"SHA-256 \"", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg empty", "\"\"", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg number", "256", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg null", "null", SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	{ "alg missing", NULL, SALT_OK, "7", NULL, NOW, CAPTCHA_ALGORITHM },
	/* expiry */
	{ "salt without expires", SHA256, "0a1b2c?form=submit&", "7", NULL, NOW, CAPTCHA_EXPIRED },
	{ "expired (== now)", SHA256, "0a1b2c?form=submit&expires=1700000000&", "7", NULL, NOW, CAPTCHA_EXPIRED },
	{ "expired (past)", SHA256, "0a1b2c?form=submit&expires=1699999999&", "7", NULL, NOW, CAPTCHA_EXPIRED },
	{ "expired later", SHA256, SALT_OK, "7", NULL, NOW + 601, CAPTCHA_EXPIRED },
	{ "expires empty", SHA256, "0a1b2c?form=submit&expires=&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "expires signed", SHA256, "0a1b2c?form=submit&expires=+1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "expires negative", SHA256, "0a1b2c?form=submit&expires=-1&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "expires leading zero", SHA256, "0a1b2c?form=submit&expires=01700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "expires not digits", SHA256, "0a1b2c?form=submit&expires=17000006x0&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "expires too long", SHA256, "0a1b2c?form=submit&expires=9999999999999&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "expires twice", SHA256, "0a1b2c?form=submit&expires=1&expires=1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	/* the salt ends with '&': no digits spliced from the number (CVE-2025-68113) */
	{ "no trailing &", SHA256, "0a1b2c?form=submit&expires=1700000600", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "old-style salt as issued", SHA256, "0a1b2c?form=submit&expires=1700000010", "500", NULL, NOW, CAPTCHA_MALFORMED },
	{ "spliced: expires=170000001050 + 0", SHA256, "0a1b2c?form=submit&expires=170000001050", "0", NULL,
	    NOW + 100, CAPTCHA_MALFORMED },
	{ "spliced past the &", SHA256, "0a1b2c?form=submit&expires=1700000600&5", "0", NULL, NOW, CAPTCHA_MALFORMED },
	{ "no params", SHA256, "0a1b2c", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "no ?", SHA256, "0a1b2cform=submit&expires=1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "empty random part", SHA256, "?form=submit&expires=1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "upper-case random part", SHA256, "0A1B2C?form=submit&expires=1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "unknown param", SHA256, "0a1b2c?form=submit&expires=1700000600&x=1&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "empty param", SHA256, "0a1b2c?form=submit&&expires=1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "param without =", SHA256, "0a1b2c?form=submit&expires=1700000600&flag&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "random part > 64 hex", SHA256,
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0?form=submit&expires=1700000600&",
	    "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "salt > 160 bytes", SHA256,
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef?form=abcdefghijklmnopqrstuvwxyzabcdef"
	    "&expires=1700000600&form=abcdefghijklmnopqrstuvwxyzabcdef&",
	    "7", NULL, NOW, CAPTCHA_MALFORMED },
	/* the form */
	{ "form login on submit", SHA256, "0a1b2c?form=login&expires=1700000600&", "7", NULL, NOW, CAPTCHA_FORM_MISMATCH },
	{ "form prefix", SHA256, "0a1b2c?form=submitx&expires=1700000600&", "7", NULL, NOW, CAPTCHA_FORM_MISMATCH },
	{ "form missing", SHA256, "0a1b2c?expires=1700000600&", "7", NULL, NOW, CAPTCHA_FORM_MISMATCH },
	{ "form twice", SHA256, "0a1b2c?form=login&form=submit&expires=1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	{ "form bad chars", SHA256, "0a1b2c?form=sub%6dit&expires=1700000600&", "7", NULL, NOW, CAPTCHA_MALFORMED },
	/* the number */
	{ "wrong number", SHA256, SALT_OK, "8", "7", NOW, CAPTCHA_BAD_SOLUTION },
	{ "number > max", SHA256, SALT_OK, "2001", NULL, NOW, CAPTCHA_BAD_SOLUTION },
	{ "number == max", SHA256, SALT_OK, "2000", NULL, NOW, CAPTCHA_OK },
	{ "number 0", SHA256, SALT_OK, "0", NULL, NOW, CAPTCHA_OK },
	{ "number -1", SHA256, SALT_OK, "-1", NULL, NOW, CAPTCHA_BAD_SOLUTION },
	{ "number -0", SHA256, SALT_OK, "-0", "0", NOW, CAPTCHA_OK },
	{ "number leading zeros hashed", SHA256, SALT_OK, "7", "007", NOW, CAPTCHA_BAD_SOLUTION },
	{ "number int64 max", SHA256, SALT_OK, "9223372036854775807", NULL, NOW, CAPTCHA_BAD_SOLUTION },
	{ "number int64 min", SHA256, SALT_OK, "-9223372036854775808", NULL, NOW, CAPTCHA_BAD_SOLUTION },
	{ "number huge", SHA256, SALT_OK, "99999999999999999999999999", NULL, NOW, CAPTCHA_MALFORMED },
	{ "number string", SHA256, SALT_OK, "\"7\"", "7", NOW, CAPTCHA_MALFORMED },
	{ "number real", SHA256, SALT_OK, "7.0", "7", NOW, CAPTCHA_MALFORMED },
	{ "number exponent", SHA256, SALT_OK, "7e0", "7", NOW, CAPTCHA_MALFORMED },
	{ "number null", SHA256, SALT_OK, "null", "7", NOW, CAPTCHA_MALFORMED },
	{ "number bool", SHA256, SALT_OK, "true", "1", NOW, CAPTCHA_MALFORMED },
	{ "number array", SHA256, SALT_OK, "[7]", "7", NOW, CAPTCHA_MALFORMED },
	{ "number missing", SHA256, SALT_OK, NULL, "7", NOW, CAPTCHA_MALFORMED },
};

START_TEST(captcha_refuses_forged)
{
	const struct bad_forged *t = &bad_forged[_i];
	arena *a = arena_new(4096);
	str p = forged(a, t->alg, t->salt, t->number ? t->number : "x", t->hashed);
	if (!t->number) {
		char *c = hash_of(a, t->salt, t->hashed);
		p = payload(a, t->alg, c, NULL, t->salt, sign(a, c));
	}
	str got = STR_LIT("untouched");
	captcha_status st = captcha_verify(a, KEY, "submit", p, MAXN, t->now, &got);
	ck_assert_msg(st == t->want, "%s: got %s, want %s", t->name, captcha_status_str(st),
	    captcha_status_str(t->want));
	if (st != CAPTCHA_OK)
		ck_assert_msg(str_eq_cstr(got, "untouched"), "%s: challenge_out written on failure", t->name);
	arena_free(a);
}
END_TEST

/* ---- signature and challenge fields ---- */

enum sig_case { SIG_FLIP_FIRST, SIG_FLIP_LAST, SIG_UPPER, SIG_OTHER, SIG_SHORT, SIG_LONG, SIG_EMPTY,
	SIG_CHALLENGE_SHORT, SIG_CHALLENGE_UPPER, SIG_CHALLENGE_SWAP, SIG__MAX };
static const captcha_status sig_want[SIG__MAX] = {
	[SIG_FLIP_FIRST] = CAPTCHA_BAD_SIGNATURE, [SIG_FLIP_LAST] = CAPTCHA_BAD_SIGNATURE,
	[SIG_UPPER] = CAPTCHA_BAD_SIGNATURE, [SIG_OTHER] = CAPTCHA_BAD_SIGNATURE,
	[SIG_SHORT] = CAPTCHA_MALFORMED, [SIG_LONG] = CAPTCHA_MALFORMED, [SIG_EMPTY] = CAPTCHA_MALFORMED,
	[SIG_CHALLENGE_SHORT] = CAPTCHA_MALFORMED, [SIG_CHALLENGE_UPPER] = CAPTCHA_BAD_SIGNATURE,
	[SIG_CHALLENGE_SWAP] = CAPTCHA_BAD_SOLUTION,
};

static char *upper(arena *a, const char *s)
{
	char *u = arena_strdup(a, s);
	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

START_TEST(captcha_refuses_bad_signature)
{
	arena *a = arena_new(4096);
	char *c = hash_of(a, SALT_OK, "7");
	char *sig = sign(a, c);
	char *chal = c;
	switch ((enum sig_case)_i) {
	case SIG_FLIP_FIRST: sig[0] = sig[0] == '0' ? '1' : '0'; break;
	case SIG_FLIP_LAST: sig[63] = sig[63] == '0' ? '1' : '0'; break;
	case SIG_UPPER: sig = strpbrk(sig, "abcdef") ? upper(a, sig) : (sig[0] = sig[0] == '0' ? '1' : '0', sig); break;
	case SIG_OTHER: sig = sign(a, hash_of(a, SALT_OK, "8")); break;
	case SIG_SHORT: sig[63] = '\0'; break;
	case SIG_LONG: sig = arena_sprintf(a, "%s0", sig); break;
	case SIG_EMPTY: sig = ""; break;
	case SIG_CHALLENGE_SHORT: chal = arena_strndup(a, c, 63); sig = sign(a, chal); break;
	case SIG_CHALLENGE_UPPER: chal = upper(a, c); break; /* signed lower case only */
	case SIG_CHALLENGE_SWAP: /* another challenge, validly signed, not ours to solve */
		chal = hash_of(a, SALT_OK, "9"); sig = sign(a, chal); break;
	case SIG__MAX: break;
	}
	str p = payload(a, SHA256, chal, "7", SALT_OK, sig);
	captcha_status st = captcha_verify(a, KEY, "submit", p, MAXN, NOW, NULL);
	ck_assert_msg(st == sig_want[_i], "case %d: got %s", _i, captcha_status_str(st));
	arena_free(a);
}
END_TEST

/* ---- the envelope: base64, JSON, size ---- */

START_TEST(captcha_refuses_malformed_envelope)
{
	arena *a = arena_new(8192);
	char *c = hash_of(a, SALT_OK, "7");
	char *good_json = arena_sprintf(a,
	    "{\"algorithm\":\"SHA-256\",\"challenge\":\"%s\",\"number\":7,\"salt\":\"" SALT_OK "\",\"signature\":\"%s\"}",
	    c, sign(a, c));
	while (strlen(good_json) % 3 != 1) /* so that its base64 ends with "==" */
		good_json = arena_sprintf(a, " %s", good_json);
	str good = str_from_cstr(b64(a, good_json, strlen(good_json)));
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", good, MAXN, NOW, NULL), CAPTCHA_OK);
	ck_assert_int_eq(captcha_verify(a, KEY, NULL, good, MAXN, NOW, NULL), CAPTCHA_MALFORMED);

	const char *jsons[] = {
		"", "{", "[]", "null", "\"str\"", "7", "[{\"algorithm\":\"SHA-256\"}]",
		"{\"algorithm\":\"SHA-256\"}",
		"{\"algorithm\":\"SHA-256\",\"challenge\":7,\"number\":7,\"salt\":\"a?form=submit&expires=1700000600&\",\"signature\":\"\"}",
		"{\"algorithm\":\"SHA-256\",\"algorithm\":\"SHA-256\"}",
		"{\"algorithm\":\"SHA-256\",\"salt\":\"a\\u0000?\"}",
	};
	for (size_t i = 0; i < sizeof jsons / sizeof jsons[0]; i++) {
		str p = str_from_cstr(b64(a, jsons[i], strlen(jsons[i])));
		captcha_status st = captcha_verify(a, KEY, "submit", p, MAXN, NOW, NULL);
		ck_assert_msg(st == CAPTCHA_MALFORMED, "json %zu: %s", i, captcha_status_str(st));
	}

	ck_assert_int_eq(captcha_verify(a, KEY, "submit", str_from_cstr(b64(a, "{}", 2)), MAXN, NOW, NULL),
	    CAPTCHA_ALGORITHM);

	/* Duplicate members: the second "number" must not win silently. */
	char *dup = arena_sprintf(a, "%.*s,\"number\":8}", (int)strlen(good_json) - 1, good_json);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", str_from_cstr(b64(a, dup, strlen(dup))), MAXN, NOW, NULL),
	    CAPTCHA_MALFORMED);
	/* Trailing bytes after the object. */
	char *trail = arena_sprintf(a, "%s x", good_json);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", str_from_cstr(b64(a, trail, strlen(trail))), MAXN, NOW, NULL),
	    CAPTCHA_MALFORMED);

	/* base64 variants: only strict, padded, standard base64. */
	size_t n = good.len;
	ck_assert(good.ptr[n - 1] == '=' && good.ptr[n - 2] == '=');
	const char *b64s[] = {
		arena_strndup(a, good.ptr, n - 1),                           /* padding stripped */
		arena_strndup(a, good.ptr, n - 2),
		arena_sprintf(a, "%.*sB==", (int)n - 3, good.ptr),           /* non-zero unused bits */
		arena_sprintf(a, "%s=", good.ptr),                           /* extra padding */
		arena_sprintf(a, "%sAAAA", good.ptr),                        /* data after padding */
		arena_sprintf(a, " %s", good.ptr),                           /* whitespace */
		arena_sprintf(a, "%.*s\n%s", 8, good.ptr, good.ptr + 8),     /* line break */
		"not base64!", "====", "A", "AB", "ABC", "-_-_",
		"eyJ9",                                                      /* base64 of "{\"}" */
	};
	for (size_t i = 0; i < sizeof b64s / sizeof b64s[0]; i++) {
		captcha_status st = captcha_verify(a, KEY, "submit", str_from_cstr(b64s[i]), MAXN, NOW, NULL);
		ck_assert_msg(st == CAPTCHA_MALFORMED, "b64 %zu: %s", i, captcha_status_str(st));
	}
	/* base64url alphabet where the payload has + or /. */
	char *url = arena_strdup(a, good.ptr);
	bool changed = false;
	for (char *p = url; *p; p++)
		if (*p == '+' || *p == '/')
			*p = *p == '+' ? '-' : '_', changed = true;
	if (changed)
		ck_assert_int_eq(captcha_verify(a, KEY, "submit", str_from_cstr(url), MAXN, NOW, NULL), CAPTCHA_MALFORMED);

	ck_assert_int_eq(captcha_verify(a, KEY, "submit", STR_NULL, MAXN, NOW, NULL), CAPTCHA_MALFORMED);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", STR_LIT(""), MAXN, NOW, NULL), CAPTCHA_MALFORMED);
	arena_free(a);
}
END_TEST

START_TEST(captcha_refuses_oversize_payload)
{
	arena *a = arena_new(8192);
	char *c = hash_of(a, SALT_OK, "7");
	/* A valid payload made oversize with JSON whitespace: size alone refuses it. */
	for (size_t pad = 1000; pad <= 1400; pad += 100) {
		char *spaces = arena_alloc(a, pad + 1);
		memset(spaces, ' ', pad);
		spaces[pad] = '\0';
		char *json = arena_sprintf(a,
		    "{%s\"algorithm\":\"SHA-256\",\"challenge\":\"%s\",\"number\":7,\"salt\":\"" SALT_OK "\",\"signature\":\"%s\"}",
		    spaces, c, sign(a, c));
		str p = str_from_cstr(b64(a, json, strlen(json)));
		captcha_status st = captcha_verify(a, KEY, "submit", p, MAXN, NOW, NULL);
		ck_assert_msg(st == (p.len <= CAPTCHA_PAYLOAD_MAX ? CAPTCHA_OK : CAPTCHA_MALFORMED), "len %zu: %s", p.len,
		    captcha_status_str(st));
	}
	char *big = arena_alloc(a, 1 << 16);
	memset(big, 'A', 1 << 16);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", (str){ big, CAPTCHA_PAYLOAD_MAX + 4 }, MAXN, NOW, NULL),
	    CAPTCHA_MALFORMED);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", (str){ big, 1 << 16 }, MAXN, NOW, NULL), CAPTCHA_MALFORMED);
	/* Deep nesting within the size limit. */
	char *deep = arena_alloc(a, 1500);
	memset(deep, '[', 1500);
	ck_assert_int_eq(captcha_verify(a, KEY, "submit", str_from_cstr(b64(a, deep, 1500)), MAXN, NOW, NULL),
	    CAPTCHA_MALFORMED);
	arena_free(a);
}
END_TEST

START_TEST(captcha_status_names)
{
	for (int s = 0; s < CAPTCHA__MAX; s++) {
		ck_assert_ptr_nonnull(captcha_status_str((captcha_status)s));
		for (int t = 0; t < s; t++)
			ck_assert_str_ne(captcha_status_str((captcha_status)s), captcha_status_str((captcha_status)t));
	}
	ck_assert_str_eq(captcha_status_str(CAPTCHA_OK), "ok");
	ck_assert_str_eq(captcha_status_str(CAPTCHA__MAX), "unknown");
	ck_assert_str_eq(captcha_status_str((captcha_status)-1), "unknown");
}
END_TEST

/* ---- single use, in Redis ---- */

START_TEST(captcha_claim_unavailable_without_redis)
{
	arena *a = arena_new(4096);
	kv *k = kv_new("redis://127.0.0.1:1", 200);
	ck_assert_ptr_nonnull(k);
	str p = forged(a, SHA256, SALT_OK, "7", NULL);
	ck_assert_int_eq(captcha_check_and_claim(k, a, KEY, "submit", p, STR_LIT("form-a"), MAXN, NOW, 600), CAPTCHA_UNAVAILABLE);
	/* An invalid payload is refused before Redis is asked. */
	ck_assert_int_eq(captcha_check_and_claim(k, a, KEY, "login", p, STR_LIT("form-a"), MAXN, NOW, 600), CAPTCHA_FORM_MISMATCH);
	kv_free(k);
	arena_free(a);
}
END_TEST

/* With REDIS_URL set (the integration stack), a replay is refused. */
START_TEST(captcha_claim_once_with_redis)
{
	const char *url = getenv("REDIS_URL");
	if (!url || !*url)
		return;
	arena *a = arena_new(4096);
	kv *k = kv_new(url, 1000);
	ck_assert_ptr_nonnull(k);
	if (!kv_ping(k)) {
		kv_free(k);
		arena_free(a);
		return;
	}
	long now = (long)time(NULL);
	char *json = captcha_challenge_json(a, KEY, "submit", MAXN, now, 60);
	char *challenge;
	str p = solve(a, json, &challenge);
	ck_assert_int_eq(captcha_check_and_claim(k, a, KEY, "submit", p, STR_LIT("form-a"), MAXN, now, 60), CAPTCHA_OK);
	/* Another form replaying it: refused; with no claimant: refused. */
	ck_assert_int_eq(captcha_check_and_claim(k, a, KEY, "submit", p, STR_LIT("form-b"), MAXN, now, 60), CAPTCHA_REPLAYED);
	ck_assert_int_eq(captcha_check_and_claim(k, a, KEY, "submit", p, STR_LIT(""), MAXN, now + 1, 60), CAPTCHA_REPLAYED);
	/* The same form sent again (a retry): its own challenge still passes. */
	ck_assert_int_eq(captcha_check_and_claim(k, a, KEY, "submit", p, STR_LIT("form-a"), MAXN, now + 1, 60), CAPTCHA_OK);
	kv_free(k);
	arena_free(a);
}
END_TEST

Suite *captcha_suite(void)
{
	Suite *s = suite_create("captcha");
	TCase *tc = tcase_create("issue");
	tcase_add_test(tc, captcha_issue_solve_verify);
	tcase_add_test(tc, captcha_issue_binds_each_form);
	tcase_add_test(tc, captcha_issue_fresh_salt_each_time);
	tcase_add_test(tc, captcha_issue_refuses_bad_arguments);
	tcase_add_test(tc, captcha_accepts_altcha_widget_extras);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_loop_test(tc, captcha_refuses_forged, 0, (int)(sizeof bad_forged / sizeof bad_forged[0]));
	tcase_add_loop_test(tc, captcha_refuses_bad_signature, 0, SIG__MAX);
	tcase_add_test(tc, captcha_refuses_malformed_envelope);
	tcase_add_test(tc, captcha_refuses_oversize_payload);
	tcase_add_test(tc, captcha_status_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("claim");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, captcha_claim_unavailable_without_redis);
	tcase_add_test(tc, captcha_claim_once_with_redis);
	suite_add_tcase(s, tc);
	return s;
}
