/* imap_poll.h: `supportdesk mail-in --imap [--once]`: polls the mailboxes
 * of SUPPORTDESK_IMAP_MAILBOXES on SUPPORTDESK_IMAP_URL and takes every
 * unseen message in as `mail-in` takes one on stdin (mail_in_session_take),
 * then marks it \Seen (or moves it to SUPPORTDESK_IMAP_MOVE_TO), but only
 * once it is done with: taken, refused for good, or a duplicate. A message
 * that failed for now (exit 75: PostgreSQL or Redis down, a rate limit)
 * stays unseen for the next poll. */
#ifndef SD_MAIL_IMAP_POLL_H
#define SD_MAIL_IMAP_POLL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* Most mailboxes in SUPPORTDESK_IMAP_MAILBOXES. */
#define IMAP_POLL_MAX_MAILBOXES 32

typedef struct {
	char name[256];     /* the IMAP mailbox, e.g. INBOX or Support/Billing */
	char address[256];  /* the support address it serves, lower case; "" when the headers say */
} imap_mailbox;

/* Parses "INBOX=help@acme.example, Billing=billing@acme.example" (a
 * mailbox alone: no address). Returns the count, or -1 with err. */
int imap_parse_mailboxes(const char *spec, imap_mailbox *out, size_t max, char *err, size_t errlen);

/* Returns the exit code: with once, 0 when every unseen message was dealt
 * with, MAIL_IN_EXIT_TEMPFAIL when some are left for the next poll (the
 * server unreachable, a message that failed for now); without once it
 * polls every SUPPORTDESK_IMAP_INTERVAL seconds until SIGTERM or SIGINT
 * (the message in hand is finished first) and returns 0. 78 (EX_CONFIG)
 * when the settings are unusable. cfg holds the server secret. */
int mail_in_imap_run(const config *cfg, bool once);

#endif
