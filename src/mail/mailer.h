/* mailer.h: `supportdesk mailer`, the delivery side of the transactional
 * outbox: claims due rows, composes MIME, delivers, marks them sent/failed. */
#ifndef SD_MAILER_H
#define SD_MAILER_H

#include "core/config.h"

/* Runs until SIGTERM or SIGINT: LISTEN outbox plus a poll every 5 s, one row
 * claimed (leased) at a time, reconnecting with back-off when PostgreSQL goes
 * away. A signal lets the current message finish. SIGHUP and SIGPIPE are
 * ignored. Installs its own signal handlers and mask, so call it in the
 * process (or forked child) that is to become the mailer. Returns the exit
 * code: 0 after a signal, 1 when the settings are unusable. */
int mailer_run(const config *cfg);

/* Delivers every row due now, then returns (`supportdesk mailer --once`,
 * tests). *delivered (may be NULL) counts the messages sent. Returns 0, or 1
 * when the settings are unusable or PostgreSQL is unreachable or fails. */
int mailer_deliver_once(const config *cfg, int *delivered);

#endif
