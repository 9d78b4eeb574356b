/* webhook.h: delivering one webhook event (libcurl): the signature, the
 * address check against server-side request forgery, the POST. */
#ifndef SD_MAIL_WEBHOOK_H
#define SD_MAIL_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/arena.h"

/* The context of the key that seals webhook secrets at rest
 * (crypto_seal_text: 8 characters). */
#define WEBHOOK_SEAL_CONTEXT "sdwebhk1"
/* "whsec_" and 43 base64url characters (32 random bytes). */
#define WEBHOOK_SECRET_LEN 49

/* X-Supportdesk-Signature for body at unix time t:
 * "t=<t>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>" into out. */
void webhook_signature(const char *secret, long long t, const char *body, size_t n, char *out, size_t outlen);
/* What a receiver does: parses the header, refuses a t more than window_s
 * from now (a replay), compares the HMAC in constant time. */
bool webhook_signature_verify(const char *secret, const char *header, const char *body, size_t n, long long now,
    long window_s);

typedef struct {
	const char *url;
	const char *secret;        /* opened */
	const char *event;         /* X-Supportdesk-Event */
	const char *delivery_id;   /* X-Supportdesk-Delivery */
	const char *body;
	size_t body_len;
	bool allow_internal;
	int connect_timeout_s;     /* 5 */
	int total_timeout_s;       /* 10 */
} webhook_request;

typedef enum {
	WEBHOOK_DELIVERED,   /* a 2xx */
	WEBHOOK_RETRY,       /* another status, a timeout, a connection failure */
	WEBHOOK_PERMANENT,   /* retrying cannot help: a bad URL, a refused (internal) address */
} webhook_outcome;

/* Resolves the host, refuses internal addresses (unless allowed), POSTs to
 * exactly the address checked. *code gets the HTTP status (0 when none);
 * err a reason on failure. */
webhook_outcome webhook_deliver(const webhook_request *rq, int *code, char *err, size_t errlen);

#endif
