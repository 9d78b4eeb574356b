/* csrf.h: CSRF tokens: tied to the session, or signed for anonymous forms. */
#ifndef SD_CSRF_H
#define SD_CSRF_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/str.h"

/* Constant-time comparison of a posted token with the session's. */
bool csrf_session_check(const char *session_token, str posted);

/* An anonymous form's token: HMAC(key, form | anon_id | expires), bound to
 * the browser's anonymous cookie and to the form it was issued for, so a
 * token from one form or browser is refused on another. */
char *csrf_anon_token(arena *a, const unsigned char key[32], const char *form, str anon_id,
    long now, long ttl_s);
bool csrf_anon_check(const unsigned char key[32], const char *form, str anon_id, str posted,
    long now);

#endif
