/* thread.c: signed Message-IDs and reply tokens (see thread.h). */
#include "mail/thread.h"

#include <string.h>

#include "auth/crypto.h"
#include "core/str.h"

#define MSGID_MAC_LEN 16
#define TOKEN_MAC_LEN 10
#define TOKEN_RAW_LEN (16 + TOKEN_MAC_LEN)
#define TOKEN_B32_LEN 42
#define RECIPIENT_MAX 254

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

void mail_thread_keys(const unsigned char secret[32], unsigned char msgid_key[MAIL_THREAD_KEY_LEN],
    unsigned char token_key[MAIL_THREAD_KEY_LEN])
{
	crypto_derive_key(msgid_key, secret, "mailmsid");
	crypto_derive_key(token_key, secret, "mailrtok");
}

/* Lower-cased recipient into out (RECIPIENT_MAX + 1); its length, or 0 when
 * empty or too long. */
static size_t canon_recipient(const char *r, char out[RECIPIENT_MAX + 1])
{
	size_t n = r ? strlen(r) : 0;
	if (n == 0 || n > RECIPIENT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = r[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = 0;
	return n;
}

/* HMAC over a purpose tag, the fixed-size ids and the recipient. */
static bool thread_mac(unsigned char mac[CRYPTO_HMAC_LEN], const unsigned char key[MAIL_THREAD_KEY_LEN],
    const char *tag, const unsigned char *ids, size_t ids_len, const char *recipient)
{
	char rc[RECIPIENT_MAX + 1];
	size_t rn = canon_recipient(recipient, rc);
	if (!rn)
		return false;
	unsigned char msg[8 + 33 + 1 + RECIPIENT_MAX];
	size_t tn = strlen(tag), n = 0;
	memcpy(msg, tag, tn), n += tn;
	memcpy(msg + n, ids, ids_len), n += ids_len;
	msg[n++] = (unsigned char)rn;
	memcpy(msg + n, rc, rn), n += rn;
	crypto_hmac(mac, key, msg, n);
	return true;
}

/* ------------------------------------------------------------------ Message-ID */

char *mail_msgid_sign(arena *a, const unsigned char key[MAIL_THREAD_KEY_LEN], const char *ticket,
    const char *message, const char *recipient, const char *host)
{
	unsigned char ids[32], mac[CRYPTO_HMAC_LEN];
	if (!ticket || !message || !str_uuid_to_bytes(ticket, ids) || !str_uuid_to_bytes(message, ids + 16))
		return NULL;
	if (!thread_mac(mac, key, "sdmid1", ids, 32, recipient))
		return NULL;
	char t[37], m[37], hex[2 * MSGID_MAC_LEN + 1];
	str_uuid_from_bytes(ids, t);
	str_uuid_from_bytes(ids + 16, m);
	crypto_hex_into(hex, mac, MSGID_MAC_LEN);
	return arena_sprintf(a, "sd.%s.%s.%s@%s", t, m, hex, host && *host ? host : "localhost");
}

/* Parses "sd.<uuid>.<uuid>.<32 hex>@..." (optional <>) into ids and mac. */
static bool msgid_parse(const char *id, size_t n, unsigned char ids[32], unsigned char mac[MSGID_MAC_LEN])
{
	if (!id)
		return false;
	if (n >= 2 && id[0] == '<' && id[n - 1] == '>')
		id++, n -= 2;
	/* sd. 36 . 36 . 32 @ */
	const size_t head = 3 + 36 + 1 + 36 + 1 + 2 * MSGID_MAC_LEN;
	if (n < head + 2 || memcmp(id, "sd.", 3) != 0 || id[39] != '.' || id[76] != '.' || id[head] != '@')
		return false;
	char u[37];
	memcpy(u, id + 3, 36), u[36] = 0;
	if (!str_uuid_to_bytes(u, ids))
		return false;
	memcpy(u, id + 40, 36), u[36] = 0;
	if (!str_uuid_to_bytes(u, ids + 16))
		return false;
	for (size_t i = 0; i < MSGID_MAC_LEN; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = id[77 + 2 * i + (size_t)k];
			int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
			if (d < 0)
				return false;
			v = v * 16 + d;
		}
		mac[i] = (unsigned char)v;
	}
	return true;
}

bool mail_msgid_is_ours(const char *id, size_t n)
{
	unsigned char ids[32], mac[MSGID_MAC_LEN];
	return msgid_parse(id, n, ids, mac);
}

bool mail_msgid_verify(const unsigned char key[MAIL_THREAD_KEY_LEN], const char *id, size_t n,
    const char *recipient, char ticket[37])
{
	unsigned char ids[32], got[MSGID_MAC_LEN], want[CRYPTO_HMAC_LEN];
	if (!msgid_parse(id, n, ids, got) || !thread_mac(want, key, "sdmid1", ids, 32, recipient))
		return false;
	if (!crypto_equal(got, want, MSGID_MAC_LEN))
		return false;
	if (ticket)
		str_uuid_from_bytes(ids, ticket);
	return true;
}

/* ------------------------------------------------------------------ reply token */

static void b32_encode(char *out, const unsigned char *p, size_t n)
{
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = 0;
}

/* Strict: exactly the canonical encoding of cap bytes (upper case accepted:
 * a local part may have been folded). */
static bool b32_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int v = (c >= 'a' && c <= 'z') ? c - 'a' : (c >= 'A' && c <= 'Z') ? c - 'A' : (c >= '2' && c <= '7') ? c - '2' + 26 : -1;
		if (v < 0)
			return false;
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			if (o == cap)
				return false;
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= (1u << bits) - 1;
	}
	return o == cap && bits < 5 && acc == 0;
}

char *mail_reply_token_sign(arena *a, const unsigned char key[MAIL_THREAD_KEY_LEN], const char *ticket,
    const char *recipient, enum mail_reply_kind kind)
{
	unsigned char raw[TOKEN_RAW_LEN], ids[17], mac[CRYPTO_HMAC_LEN];
	if (!ticket || !str_uuid_to_bytes(ticket, ids) || (kind != MAIL_REPLY_PUBLIC && kind != MAIL_REPLY_NOTE))
		return NULL;
	ids[16] = (unsigned char)kind;
	if (!thread_mac(mac, key, "sdrtk1", ids, 17, recipient))
		return NULL;
	memcpy(raw, ids, 16);
	memcpy(raw + 16, mac, TOKEN_MAC_LEN);
	char *out = arena_alloc(a, MAIL_REPLY_TOKEN_LEN + 1);
	out[0] = (char)kind;
	b32_encode(out + 1, raw, sizeof raw);
	return out;
}

bool mail_reply_token_verify(const unsigned char key[MAIL_THREAD_KEY_LEN], const char *token, size_t n,
    const char *recipient, char ticket[37], enum mail_reply_kind *kind)
{
	if (!token || n != MAIL_REPLY_TOKEN_LEN)
		return false;
	char k = token[0] >= 'A' && token[0] <= 'Z' ? (char)(token[0] - 'A' + 'a') : token[0];
	if (k != MAIL_REPLY_PUBLIC && k != MAIL_REPLY_NOTE)
		return false;
	unsigned char raw[TOKEN_RAW_LEN], ids[17], mac[CRYPTO_HMAC_LEN];
	if (!b32_decode(token + 1, n - 1, raw, sizeof raw))
		return false;
	memcpy(ids, raw, 16);
	ids[16] = (unsigned char)k;
	if (!thread_mac(mac, key, "sdrtk1", ids, 17, recipient) || !crypto_equal(mac, raw + 16, TOKEN_MAC_LEN))
		return false;
	if (ticket)
		str_uuid_from_bytes(ids, ticket);
	if (kind)
		*kind = (enum mail_reply_kind)k;
	return true;
}

/* ------------------------------------------------------------------ addresses */

bool mail_address_split(arena *a, const char *addr, char **base, char **detail)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at || at == addr || !at[1])
		return false;
	size_t ln = (size_t)(at - addr);
	const char *plus = memchr(addr, '+', ln);
	size_t bn = plus ? (size_t)(plus - addr) : ln;
	char *b = arena_sprintf(a, "%.*s%s", (int)bn, addr, at);
	for (char *p = b; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	*base = b;
	*detail = plus ? arena_strndup(a, plus + 1, ln - bn - 1) : NULL;
	return true;
}

char *mail_reply_address(arena *a, const char *support, const char *token)
{
	const char *at = support ? strrchr(support, '@') : NULL;
	if (!at || at == support || !token)
		return NULL;
	size_t ln = (size_t)(at - support);
	const char *plus = memchr(support, '+', ln);
	if (plus)
		ln = (size_t)(plus - support);
	if (ln + 1 + strlen(token) > MAIL_LOCAL_PART_MAX)
		return NULL;
	return arena_sprintf(a, "%.*s+%s%s", (int)ln, support, token, at);
}
