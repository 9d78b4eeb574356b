/* useragent.h: a short, human description of a browser ("Firefox on
 * Linux") from its User-Agent header, for the account page's list of
 * sessions. Only ever shown to the user it describes; never used to decide
 * anything, since any client can send any User-Agent. */
#ifndef SD_USERAGENT_H
#define SD_USERAGENT_H

#include <stddef.h>

/* Longest description useragent_describe writes, without the NUL. */
#define USERAGENT_DESCRIBE_MAX 48

/* Writes into out (at least USERAGENT_DESCRIBE_MAX + 1 bytes) a description
 * made only of fixed words ("Chrome on Android", "Safari on iPhone",
 * "curl", "Unknown browser on Windows", "Unknown device"): nothing of the
 * header itself is copied, so the result is safe anywhere. Only the first
 * 512 bytes of ua are looked at; ua may be NULL. Returns out. */
char *useragent_describe(const char *ua, size_t n, char *out, size_t outlen);

#endif
