/* utf8.h: strict UTF-8 validation (no overlongs, surrogates or NUL). */
#ifndef SD_UTF8_H
#define SD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when p[0..n) is well-formed UTF-8 (RFC 3629) with no NUL byte. */
bool utf8_valid(const char *p, size_t n);

#endif
