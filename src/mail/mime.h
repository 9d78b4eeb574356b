/* mime.h: composes one outbox row into an RFC 5322 / MIME message (pure, no I/O). */
#ifndef SD_MIME_H
#define SD_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/arena.h"
#include "core/str.h"

/* What the composer needs from an outbox row and the configuration. Every
 * string is NUL-terminated; optional ones may be NULL. None is trusted: header
 * values are cleaned of control bytes before encoding, addresses are checked. */
typedef struct {
	const char *id;         /* outbox uuid: Message-ID and boundary (must be a uuid) */
	const char *from;       /* config mail_from: "Name <addr>" or "addr" */
	const char *to_email;   /* must pass mime_addr_valid */
	const char *to_name;    /* optional display name */
	const char *subject;
	const char *body_text;
	const char *body_html;  /* optional: adds a text/html alternative */
	const char *host;       /* right side of Message-ID (mime_host_from_url) */
	time_t date;
	/* Threading (mail/thread.h), all optional. Ids are bare (no <>) and
	 * must be dot-atom '@' domain; an unusable one is left out. */
	const char *message_id;          /* replaces <id@host> */
	const char *in_reply_to;
	const char *const *references;   /* oldest first */
	size_t n_references;
	const char *reply_to;            /* must pass mime_addr_valid */
} mime_message;

/* Longest header line we produce where we can choose (RFC 5322 2.1.1 SHOULD). */
#define MIME_LINE_SOFT 78
/* Longest quoted-printable line, soft break '=' included (RFC 2045 6.7). */
#define MIME_QP_LINE 76

/* Composes msg into out (CRLF line endings throughout). Returns 0, or -1 with
 * a constant reason in *err when a field can't be sent at all (an invalid
 * address, a missing body): that is a permanent failure for the row. */
int mime_compose(buf *out, const mime_message *msg, const char **err);

/* True for a plausible ASCII addr-spec: dot-atom local part (<= 64) '@'
 * hostname of LDH labels (<= 253), at most 254 bytes, no control bytes. */
bool mime_addr_valid(const char *addr);

/* True for an id we can put in <> in a header: printable ASCII without
 * space, <, >, and exactly one '@', at most 250 bytes. */
bool mime_msgid_valid(const char *id);

/* Extracts the bare address from "Name <addr>" or "addr" into the arena;
 * NULL when what is found is not mime_addr_valid. */
char *mime_mailbox_addr(arena *a, const char *mailbox);

/* The host of an http(s) URL (no port, userinfo or brackets), lower-cased,
 * or "localhost" when the URL has no usable host. For Message-ID. */
char *mime_host_from_url(arena *a, const char *url);

/* Copies s with every control byte (C0, DEL, and so CR, LF, NUL, TAB) turned
 * into a space and invalid UTF-8 replaced by '?': the only form in which a
 * user-supplied string may reach a header. */
char *mime_header_clean(arena *a, const char *s, size_t n);

/* Appends p[0..n) quoted-printable encoded (text mode: LF or CRLF line breaks
 * become CRLF, lines of at most MIME_QP_LINE characters). */
void mime_qp_encode(buf *out, const char *p, size_t n);

/* Appends value as a sequence of RFC 2047 "=?UTF-8?B?...?=" words separated
 * by folding white space; *col is the current column and is updated. */
void mime_encoded_words(buf *out, size_t *col, const char *value, size_t n);

/* RFC 5322 date-time in UTC: "Thu, 01 Jan 1970 00:00:00 +0000". */
#define MIME_DATE_LEN 48
void mime_date(char out[MIME_DATE_LEN], time_t t);

#endif
