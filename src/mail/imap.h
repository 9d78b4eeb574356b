/* imap.h: the few IMAP4rev1 commands `mail-in --imap` needs (RFC 3501,
 * MOVE from RFC 6851), over a connection libcurl makes: libcurl connects,
 * does TLS (imaps://, or STARTTLS on imap://) with certificate checks, and
 * logs in (CURLOPT_CONNECT_ONLY); this file speaks the commands itself,
 * because libcurl's own FETCH is BODY[], which marks a message \Seen as it
 * is read, before we could know that it was taken in. Every answer is read
 * with bounds: a line's first IMAP_LINE_MAX bytes, a body up to the caller's
 * limit, IMAP_OPTS.timeout_s of silence at most. */
#ifndef SD_MAIL_IMAP_H
#define SD_MAIL_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of one response line kept (the rest of a longer line is read and
 * dropped: a SEARCH answer then yields its first few thousand UIDs). */
#define IMAP_LINE_MAX 65536

typedef struct imap imap;

typedef struct {
	const char *url;          /* imaps://host[:port] or imap://host[:port] */
	const char *user;
	const char *password;
	bool plaintext_loopback;  /* imap:// to a loopback host may go without TLS */
	int timeout_s;
} imap_opts;

enum imap_status {
	IMAP_OK = 0,
	IMAP_NO = -1,   /* the server refused this command (NO, BAD); the connection goes on */
	IMAP_IO = -2,   /* lost, timed out, or not IMAP: give the connection up */
};

/* 0 when the options can work, else -1 with the reason in err: a scheme
 * other than imap/imaps, a path or query in the URL, plaintext to a host
 * that is not loopback, no user. */
int imap_check_opts(const imap_opts *o, char *err, size_t errlen);

/* Connects and logs in. NULL with the reason in err. */
imap *imap_open(const imap_opts *o, char *err, size_t errlen);
/* LOGOUT (best effort) and frees. */
void imap_close(imap *c);
/* The last failure's text (the server's words or the I/O error). */
const char *imap_error(const imap *c);

/* SELECT mailbox (read-write). */
enum imap_status imap_select(imap *c, const char *mailbox);
/* UID SEARCH UNSEEN: the first max UIDs, ascending as the server sent them. */
enum imap_status imap_search_unseen(imap *c, uint32_t *uids, size_t max, size_t *n);
/* UID FETCH uid (RFC822.SIZE): *found false when the message is gone. */
enum imap_status imap_fetch_size(imap *c, uint32_t uid, bool *found, unsigned long long *size);
/* UID FETCH uid BODY.PEEK[] (the \Seen flag untouched): *data malloc'd
 * (NUL after the last byte), or NULL with *found false when the message is
 * gone; *over (and no data) when it is larger than max. */
enum imap_status imap_fetch_peek(imap *c, uint32_t uid, size_t max, unsigned char **data, size_t *len,
    bool *found, bool *over);
/* UID STORE uid +FLAGS.SILENT (\Seen). */
enum imap_status imap_mark_seen(imap *c, uint32_t uid);
/* UID MOVE uid folder. */
enum imap_status imap_move(imap *c, uint32_t uid, const char *folder);

/* Pure helpers, for the tests. */

/* A mailbox name as an IMAP quoted string ("...", \ and " escaped, & as
 * &- for modified UTF-7) into out. -1 when it does not fit or holds a
 * control byte or non-ASCII (which modified UTF-7 would need). */
int imap_quote_mailbox(const char *name, char *out, size_t outlen);
/* The UIDs of an untagged "* SEARCH 3 9 12" line (n bytes; truncated: the
 * line was cut, so its last number may be partial and is dropped). */
size_t imap_parse_search(const char *line, size_t n, bool truncated, uint32_t *uids, size_t max);
/* True when line[0..n) ends with a literal's "{N}": *size = N. */
bool imap_literal_size(const char *line, size_t n, unsigned long long *size);

#endif
