/* csrf.c: CSRF tokens, session-bound or HMAC-signed. */
#include "auth/csrf.h"

#include <string.h>

#include "auth/crypto.h"

bool csrf_session_check(const char *session_token, str posted)
{
	if (!session_token || !posted.ptr)
		return false;
	size_t n = strlen(session_token);
	return n > 0 && posted.len == n && crypto_equal(session_token, posted.ptr, n);
}

static void anon_mac(unsigned char out[CRYPTO_HMAC_LEN], const unsigned char key[32],
    const char *form, str anon_id, const unsigned char expires[8])
{
	/* Length-prefixed fields: no two (form, id) pairs share an encoding. */
	unsigned char msg[512];
	size_t flen = strlen(form), n = 0;
	if (flen > 64)
		flen = 64;
	size_t ilen = anon_id.len > 128 ? 128 : anon_id.len;
	memcpy(msg + n, "csrf1", 5), n += 5;
	msg[n++] = (unsigned char)flen;
	memcpy(msg + n, form, flen), n += flen;
	msg[n++] = (unsigned char)ilen;
	memcpy(msg + n, anon_id.ptr, ilen), n += ilen;
	memcpy(msg + n, expires, 8), n += 8;
	crypto_hmac(out, key, msg, n);
}

char *csrf_anon_token(arena *a, const unsigned char key[32], const char *form, str anon_id,
    long now, long ttl_s)
{
	unsigned char tok[8 + CRYPTO_HMAC_LEN];
	unsigned long long exp = (unsigned long long)(now + ttl_s);
	for (int i = 0; i < 8; i++)
		tok[i] = (unsigned char)(exp >> (56 - 8 * i));
	anon_mac(tok + 8, key, form, anon_id, tok);
	return crypto_b64url_encode(a, tok, sizeof tok);
}

bool csrf_anon_check(const unsigned char key[32], const char *form, str anon_id, str posted,
    long now)
{
	unsigned char tok[8 + CRYPTO_HMAC_LEN + 1];
	if (!posted.ptr || !anon_id.len ||
	    crypto_b64url_decode(posted.ptr, posted.len, tok, sizeof tok) != 8 + CRYPTO_HMAC_LEN)
		return false;
	unsigned long long exp = 0;
	for (int i = 0; i < 8; i++)
		exp = exp << 8 | tok[i];
	unsigned char mac[CRYPTO_HMAC_LEN];
	anon_mac(mac, key, form, anon_id, tok);
	return crypto_equal(mac, tok + 8, CRYPTO_HMAC_LEN) && (long long)exp >= (long long)now;
}
