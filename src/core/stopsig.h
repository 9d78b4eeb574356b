/* stopsig.h: how a background process (the mailer, the scheduler) takes
 * its stop signals: only while it waits, so that the message or job in
 * progress always finishes (and commits) before the process leaves, and a
 * signal that arrives just before the wait is not lost. */
#ifndef SD_STOPSIG_H
#define SD_STOPSIG_H

#include <signal.h>
#include <stdbool.h>

/* SIGTERM and SIGINT set the stop flag (no SA_RESTART: ppoll returns) and
 * are blocked except while waiting; SIGHUP (the master restarts us on
 * reload) and SIGPIPE (a closed peer) are ignored. The mask is set, not
 * added to: a child forked by the master inherits its blocked set. */
void stopsig_install(void);

/* True once a stop signal arrived; lets a pending one in first. */
bool stopsig_requested(void);

/* The mask to pass to ppoll (NULL before stopsig_install). */
const sigset_t *stopsig_wait_mask(void);

#endif
