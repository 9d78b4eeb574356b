/* mail_in_cmd.h: `supportdesk mail-in`, one message on stdin for an MTA's
 * pipe transport. Exit codes (sysexits.h, what Postfix and Exim map):
 *   0  taken: a ticket or a reply made, a duplicate, or ignored on purpose
 *      (an auto-reply, a bounce, our own mail) or not storable
 *   67 unknown address: no support address and no verified reply (EX_NOUSER)
 *   68 too large (SUPPORTDESK_MAIL_IN_MAX_BYTES) or not a message (bounced)
 *   75 temporary: PostgreSQL or Redis unreachable, a rate limit, no server
 *      secret (EX_TEMPFAIL: the MTA queues it and tries again)
 *   77 a forged reply: a token or Message-ID that does not verify for the
 *      sender, or a sender who is not the ticket's requester or staff
 *   64 wrong usage
 * `mail-in --imap` polls mailboxes instead (mail/imap_poll.h) and hands each
 * message to the same mail_in_session_take. */
#ifndef SD_MAIL_IN_CMD_H
#define SD_MAIL_IN_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

#define MAIL_IN_EXIT_OK 0
#define MAIL_IN_EXIT_USAGE 64
#define MAIL_IN_EXIT_NOUSER 67
#define MAIL_IN_EXIT_REFUSED 68
#define MAIL_IN_EXIT_TEMPFAIL 75
#define MAIL_IN_EXIT_FORGED 77

/* What taking messages in shares from one message to the next: the
 * settings, one PostgreSQL connection (and Redis, made when first needed),
 * the threading keys. cfg must hold the server secret and outlive it. NULL
 * when out of memory. */
typedef struct mail_in_session mail_in_session;
mail_in_session *mail_in_session_new(const config *cfg);
void mail_in_session_free(mail_in_session *s);

/* Takes one message raw[0..len) (over: it was larger than
 * SUPPORTDESK_MAIL_IN_MAX_BYTES and raw is not read), received for the
 * envelope recipients rcpt[0..nr) (none: the headers say) from sender (NULL:
 * unknown; "" or "<>": a bounce). Decides, writes and commits, logs one
 * line, counts the outcome in mail_in_counters, and returns the exit code
 * above: anything but MAIL_IN_EXIT_TEMPFAIL means the message is done with. */
int mail_in_session_take(mail_in_session *s, const unsigned char *raw, size_t len, bool over,
    const char *const *rcpt, size_t nr, const char *sender);

/* argv as main's: argv[1] is "mail-in"; options --recipient ADDR (repeat;
 * Postfix's ${recipient}) and --sender ADDR (${sender}; empty for a bounce);
 * or --imap [--once]. */
int mail_in_main(int argc, char **argv);

#endif
