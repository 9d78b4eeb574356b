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
 *   64 wrong usage */
#ifndef SD_MAIL_IN_CMD_H
#define SD_MAIL_IN_CMD_H

#define MAIL_IN_EXIT_OK 0
#define MAIL_IN_EXIT_USAGE 64
#define MAIL_IN_EXIT_NOUSER 67
#define MAIL_IN_EXIT_REFUSED 68
#define MAIL_IN_EXIT_TEMPFAIL 75
#define MAIL_IN_EXIT_FORGED 77

/* argv as main's: argv[1] is "mail-in"; options --recipient ADDR (repeat;
 * Postfix's ${recipient}) and --sender ADDR (${sender}; empty for a bounce). */
int mail_in_main(int argc, char **argv);

#endif
