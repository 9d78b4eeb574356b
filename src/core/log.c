/* log.c: structured (logfmt) log lines to stderr, one write(2) per line, or
 * per batch of lines while held (log_hold). */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *component = "main";
static pid_t log_pid; /* set with the component, after every fork */

static const char *const level_names[LOG__MAX] = { "debug", "info", "warn", "error" };

/* Held lines: at most PIPE_BUF bytes, so that one write of them stays
 * atomic on a pipe (journald) as well as on a file opened for appending. */
static char held[4096];
static size_t held_len;
static bool holding;

void log_flush(void)
{
	if (!held_len)
		return;
	ssize_t w = write(STDERR_FILENO, held, held_len);
	(void)w;
	held_len = 0;
}

void log_hold(bool on)
{
	if (!on)
		log_flush();
	holding = on;
}

void log_set_level(enum log_level level) { min_level = level; }
pid_t log_process_id(void)
{
	return log_pid ? log_pid : getpid();
}

void log_set_component(const char *c)
{
	component = c;
	log_pid = getpid();
}

void log_msg(enum log_level level, const char *msg, const char *fmt, ...)
{
	if (level < min_level)
		return;
	char line[2048];
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	int n = snprintf(line, sizeof line,
	    "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s proc=%s pid=%d msg=\"%s\"",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long)(tv.tv_usec / 1000), level_names[level], component,
	    (int)log_process_id(), msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (fmt && *fmt && len < sizeof line - 2) {
		line[len++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		int m = vsnprintf(line + len, sizeof line - len, fmt, ap);
		va_end(ap);
		if (m > 0)
			len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
	}
	if (len >= sizeof line - 1)
		len = sizeof line - 2;
	line[len++] = '\n';
	if (holding && level < LOG_WARN) {
		if (held_len + len > sizeof held)
			log_flush();
		if (len <= sizeof held) {
			memcpy(held + held_len, line, len);
			held_len += len;
			return;
		}
	}
	/* Held lines first, in order. One write keeps lines from different
	 * workers from interleaving. */
	log_flush();
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void log_quote(char *out, size_t outlen, const char *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (outlen < 3) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (size_t i = 0; i < n && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}
