/* server.h: `supportdesk serve`: the pre-forking FastCGI master. */
#ifndef SD_SERVER_H
#define SD_SERVER_H

/* Runs until SIGTERM/SIGINT. Returns the process exit code. */
int server_run(void);

#include <stdbool.h>
/* Seconds to wait before the next respawn, given the previous delay and how
 * the last worker ended. */
double server_respawn_delay(double previous, bool crashed, double lived_s);

#endif
