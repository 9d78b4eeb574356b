/* thread.h: the signed identifiers that thread email to a ticket (pure, no
 * I/O). Both are keyed with keys derived from the server secret, one per
 * purpose, and bind the recipient's address, so that a value seen by one
 * person (a forwarded notice, a Message-ID in a mailing-list archive) does
 * not let anyone else write to the ticket.
 *
 *   Message-ID   sd.<ticket uuid>.<message uuid>.<32 hex: HMAC-SHA256/128>@host
 *                over (ticket, message, recipient). `message` is the outbox
 *                row, so every mail has its own id and can be rebuilt later
 *                from (ticket, outbox id, recipient) for References.
 *   reply token  <kind><42 base32: ticket uuid, HMAC-SHA256/80> in the local
 *                part of Reply-To (support+<token>@domain), lower case since
 *                some MTAs fold local parts. kind 'r' = reply, 'n' = internal
 *                note (only handed to staff); the kind is under the MAC.
 * Recipients are compared lower-cased (ASCII): the domain is case-blind and
 * we never make two accounts that differ in the local part's case (citext). */
#ifndef SD_MAIL_THREAD_H
#define SD_MAIL_THREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

#define MAIL_THREAD_KEY_LEN 32
#define MAIL_REPLY_TOKEN_LEN 43   /* kind + 42 base32 characters */
/* The longest local part of an address (RFC 5321 4.5.3.1.1). */
#define MAIL_LOCAL_PART_MAX 64

enum mail_reply_kind { MAIL_REPLY_PUBLIC = 'r', MAIL_REPLY_NOTE = 'n' };

/* The two keys, derived from the 32-byte server secret. */
void mail_thread_keys(const unsigned char secret[32], unsigned char msgid_key[MAIL_THREAD_KEY_LEN],
    unsigned char token_key[MAIL_THREAD_KEY_LEN]);

/* "sd.<ticket>.<message>.<mac>@host" (no angle brackets), or NULL when a
 * uuid is malformed or recipient empty. */
char *mail_msgid_sign(arena *a, const unsigned char key[MAIL_THREAD_KEY_LEN], const char *ticket,
    const char *message, const char *recipient, const char *host);

/* True when id (with or without <>) is one of ours for this recipient; the
 * ticket's uuid goes to ticket (37 bytes, may be NULL). */
bool mail_msgid_verify(const unsigned char key[MAIL_THREAD_KEY_LEN], const char *id, size_t n,
    const char *recipient, char ticket[37]);

/* True when id (with or without <>) has our shape ("sd." + two uuids + mac),
 * signed or not: a loop check that needs no recipient. */
bool mail_msgid_is_ours(const char *id, size_t n);

/* The reply token (MAIL_REPLY_TOKEN_LEN characters), or NULL on a bad uuid. */
char *mail_reply_token_sign(arena *a, const unsigned char key[MAIL_THREAD_KEY_LEN], const char *ticket,
    const char *recipient, enum mail_reply_kind kind);

/* True when token[0..n) verifies for recipient; fills ticket (37 bytes) and
 * *kind. */
bool mail_reply_token_verify(const unsigned char key[MAIL_THREAD_KEY_LEN], const char *token, size_t n,
    const char *recipient, char ticket[37], enum mail_reply_kind *kind);

/* support+<token>@domain from the support address "support@domain", or NULL
 * when the address is unusable or the local part would pass 64 bytes. */
char *mail_reply_address(arena *a, const char *support, const char *token);

/* Splits addr "local+detail@domain": *base (arena) is "local@domain" lower-
 * cased, *detail the part after the first '+' (NULL when none). False when
 * addr has no '@'. */
bool mail_address_split(arena *a, const char *addr, char **base, char **detail);

#endif
