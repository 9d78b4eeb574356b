/* server.h: `supportdesk serve`: the pre-forking FastCGI master. */
#ifndef SD_SERVER_H
#define SD_SERVER_H

/* Runs until SIGTERM/SIGINT. Returns the process exit code. */
int server_run(void);

#endif
