/* tmpl.h: Mustache templates (spec + ~inheritance) compiled once, rendered from view values. */
#ifndef SD_TMPL_H
#define SD_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

/* Bounds. Anything past them is a load-time error (or a render error for the
 * depth caps), never undefined behaviour. */
#define TMPL_SOURCE_MAX (1u << 20)  /* bytes in one template file */
#define TMPL_NAME_MAX 128           /* bytes in a tag name or a template name */
#define TMPL_NEST_MAX 64            /* open sections/blocks/parents in one template */
#define TMPL_DELIM_MAX 16           /* bytes in a set-delimiter delimiter */
#define TMPL_FILES_MAX 4096         /* templates in one set */
#define TMPL_DIR_DEPTH_MAX 16       /* subdirectory levels under the load dir */
#define TMPL_PARTIAL_DEPTH_MAX 64   /* partials/parents expanded inside each other */
#define TMPL_RENDER_DEPTH_MAX 512   /* sections+partials+blocks nested at render */
#define TMPL_RENDER_STEPS_MAX (1u << 24) /* nodes visited by one render */
#define TMPL_OUTPUT_MAX (32u << 20)      /* bytes one render may append */

/* A view value: what handlers build and templates read. Allocated in an arena.
 *
 * Truthiness (sections and inverted sections) is exactly what the spec
 * requires: null, false, the empty list and a missing name are falsey;
 * everything else is truthy, INCLUDING the empty string "", the number 0 and
 * the empty object. Handlers that want "hide when empty" set a bool.
 *
 * Interpolation: strings verbatim (HTML-escaped unless {{{x}}} / {{&x}}),
 * numbers as integers or shortest round-trip decimals, booleans as
 * "true"/"false"; null, lists and objects render as nothing. */
typedef struct tv tv;
typedef enum { TV_NULL, TV_BOOL, TV_NUMBER, TV_STRING, TV_LIST, TV_OBJECT } tv_kind;

tv *tv_object(arena *a);
tv *tv_list(arena *a);
tv *tv_string(arena *a, const char *s, size_t n);      /* copies s into the arena */
tv *tv_string_ref(arena *a, const char *s, size_t n);  /* references s, which must outlive the render */
tv *tv_bool(bool b);                                    /* static singletons, no arena */
tv *tv_null(void);
tv *tv_number(arena *a, double d);                      /* renders as the shortest round-tripping decimal: 1.210 -> "1.21", 85 -> "85" */
tv *tv_int(arena *a, long long v);                      /* TV_NUMBER that renders exactly as an integer */
void tv_set(arena *a, tv *obj, const char *key, tv *val);       /* key is referenced, not copied; later set of same key replaces */
void tv_push(arena *a, tv *list, tv *val);
/* conveniences used everywhere by handlers */
void tv_set_str(arena *a, tv *obj, const char *key, const char *s);   /* copies; NULL s sets TV_NULL */
void tv_set_strn(arena *a, tv *obj, const char *key, const char *s, size_t n);
void tv_set_int(arena *a, tv *obj, const char *key, long long v);
void tv_set_bool(arena *a, tv *obj, const char *key, bool b);
tv_kind tv_kind_of(const tv *v);
const tv *tv_get(const tv *obj, const char *key);  /* NULL when absent */
size_t tv_len(const tv *v);                        /* items of a list, keys of an object, bytes of a string, else 0 */
const tv *tv_at(const tv *list, size_t i);         /* NULL when out of range or not a list */

typedef struct tmpl_set tmpl_set;
/* Loads and compiles every *.mustache file under dir (recursively). A template's
 * name is its path relative to dir without the extension ("layout", "email/verify").
 * {{>name}} and {{<name}} refer to those names. A missing partial renders as empty.
 * Returns 0, or -1 with err holding "path:line:col: message" (columns count
 * bytes from 1). */
int tmpl_set_load_dir(const char *dir, tmpl_set **out, char *err, size_t errlen);
/* Compiles templates from memory (used by tests): names[i] -> sources[i].
 * Errors name the template as "names[i]:line:col: message". */
int tmpl_set_load_strings(size_t n, const char *const *names, const char *const *sources, tmpl_set **out, char *err, size_t errlen);
void tmpl_set_free(tmpl_set *set);
bool tmpl_exists(const tmpl_set *set, const char *name);
/* Renders template `name` with context ctx, appending to out. Returns 0, or -1
 * when the template does not exist or a render cap is hit (depth, steps,
 * output size); out then holds whatever was rendered before the cap: do not
 * send it. Allocates only from out's arena. */
int tmpl_render(const tmpl_set *set, const char *name, const tv *ctx, buf *out);
/* The same without HTML escaping, for plain-text outputs only: the text part
 * and the subject of an email, which are never parsed as HTML (the mailer
 * encodes them and strips control characters from headers). */
int tmpl_render_text(const tmpl_set *set, const char *name, const tv *ctx, buf *out);

#endif
