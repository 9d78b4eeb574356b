/* tmpl_json.h: builds view values from JSON text (render CLI, tests, fixtures). */
#ifndef SD_TMPL_JSON_H
#define SD_TMPL_JSON_H

#include <stddef.h>

#include "tmpl/tmpl.h"

/* Max nesting of arrays/objects accepted in the JSON text. */
#define TV_JSON_DEPTH_MAX 128

/* Parses json_text[0..n) (any JSON value, not only objects) into a tv in the
 * arena. Integers become integer numbers, reals shortest round-trip
 * decimals, strings are copied (embedded \u0000 kept). Returns NULL with err
 * holding "line:col: message" on bad JSON or excessive nesting. */
tv *tv_from_json(arena *a, const char *json_text, size_t n, char *err, size_t errlen);

#endif
