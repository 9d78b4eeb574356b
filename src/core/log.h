/* log.h: structured (logfmt) log lines to stderr. */
#ifndef SD_LOG_H
#define SD_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG__MAX };

void log_set_level(enum log_level level);
/* "master", "worker", "mailer": call it first thing after a fork (it also
 * caches the pid that every line carries). */
void log_set_component(const char *component);
#include <sys/types.h>
/* This process's pid, without a system call once the component is set. */
pid_t log_process_id(void);
/* While held, debug and info lines wait in a buffer (up to 4 KiB) until
 * log_flush, a warning or an error (which write them first), or a full
 * buffer: a worker holds its lines while it answers the requests that are
 * ready and writes them in one go before it waits for more, instead of one
 * write(2) per request. Off by default. */
void log_hold(bool on);
void log_flush(void);
/* msg is a short constant; kv is a preformatted "k=v k=v" tail (may be NULL). */
void log_msg(enum log_level level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

/* Appends v to out as a logfmt value: quoted and escaped when needed, control
 * bytes never written raw (a client can't forge log lines). */
#include <stddef.h>
void log_quote(char *out, size_t outlen, const char *v, size_t n);

#endif
