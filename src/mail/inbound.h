/* inbound.h: one RFC 5322 message parsed into what the model needs (pure:
 * bytes in, a struct in the arena out; no I/O, no database). GMime does the
 * MIME work (charsets, transfer encodings, RFC 2047 words); this file picks
 * the body (text/plain over HTML, HTML turned into text), collects the
 * attachments (inline images too), reads the loop and auto-reply signs, and
 * cuts quoted history and signatures. libFuzzer drives mail_in_parse. */
#ifndef SD_MAIL_INBOUND_H
#define SD_MAIL_INBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* Most attachments collected (the model keeps as many as the settings let). */
#define MAIL_IN_MAX_PARTS 32
/* Most ids read from References (the newest are kept). */
#define MAIL_IN_MAX_REFS 20
#define MAIL_IN_MAX_ADDRS 20
/* Nesting of multiparts and attached messages we walk into. */
#define MAIL_IN_MAX_DEPTH 8
/* Longest body kept (the database refuses more than 65536 characters). */
#define MAIL_IN_MAX_BODY 65536

typedef struct {
	char *file_name;     /* as sent (UTF-8), or a made-up name ("image-1.png"): never NULL */
	char *content_type;  /* as claimed, lower case; the model sniffs the bytes */
	unsigned char *data;
	size_t size;
	bool is_inline;      /* Content-Disposition inline or a Content-ID (an inline image) */
} mail_in_part;

typedef enum {
	MAIL_AUTO_NONE = 0,
	MAIL_AUTO_SUBMITTED,   /* Auto-Submitted other than "no" (RFC 3834) */
	MAIL_AUTO_PRECEDENCE,  /* Precedence: bulk, list, junk */
	MAIL_AUTO_AUTOREPLY,   /* X-Autoreply, X-Autorespond, X-Auto-Response-Suppress on a reply... */
	MAIL_AUTO_DAEMON,      /* From mailer-daemon / postmaster, or an empty Return-Path (a bounce) */
	MAIL_AUTO_REPORT,      /* multipart/report: delivery status notifications */
} mail_auto_kind;

typedef struct {
	char *message_id;            /* without <>, NULL when absent */
	char *in_reply_to;           /* the first id, without <> */
	char *references[MAIL_IN_MAX_REFS];
	size_t n_references;
	char *from_addr;             /* lower-cased addr-spec, NULL when unusable */
	char *from_name;             /* decoded display name, NULL when none */
	char *to[MAIL_IN_MAX_ADDRS]; /* To, Cc, Delivered-To, X-Original-To: lower-cased */
	size_t n_to;
	char *subject;               /* decoded, UTF-8, one line; "" when none */
	char *body;                  /* text as stored: quotes and signature cut */
	bool body_from_html;
	mail_in_part parts[MAIL_IN_MAX_PARTS];
	size_t n_parts;
	size_t parts_dropped;        /* past MAIL_IN_MAX_PARTS */
	mail_auto_kind auto_kind;
	char *auto_reason;           /* the header that said so, for the log */
} mail_in_msg;

/* Parses data[0..n). 0, or -1 when it is no message at all (no header, no
 * From address): the caller refuses it as malformed. Call mail_in_init once
 * per process first. */
int mail_in_parse(arena *a, const unsigned char *data, size_t n, mail_in_msg *out);
void mail_in_init(void);

/* The stored body of a reply: cuts the quoted history ("> " lines, "On ...
 * wrote:", Outlook's "-----Original Message-----" and "From: ... Sent:"
 * blocks, Gmail's "On ... <x@y> wrote:" over two lines) and the signature
 * ("-- " line), trims blank lines. Pure; used by mail_in_parse. */
char *mail_in_strip_quoted(arena *a, const char *text);

/* Text of an HTML body: tags dropped (script, style and head with their
 * content), block elements and <br> as line breaks, entities decoded
 * (named basics and numeric), runs of blank lines squeezed. Never HTML. */
char *mail_in_html_to_text(arena *a, const char *html, size_t n);

#endif
