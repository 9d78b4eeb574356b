/* str.h: length-carrying string views and an arena-backed buffer builder. */
#ifndef SD_STR_H
#define SD_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"

typedef struct {
	const char *ptr;
	size_t len;
} str;

#define STR_LIT(s) ((str){ (s), sizeof(s) - 1 })
#define STR_NULL ((str){ NULL, 0 })

static inline str str_from_cstr(const char *s) { return (str){ s, s ? strlen(s) : 0 }; }
static inline bool str_eq(str a, str b) { return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0); }
static inline bool str_eq_cstr(str a, const char *b) { return str_eq(a, str_from_cstr(b)); }
bool str_eq_nocase(str a, str b);
bool str_has_prefix(str s, str prefix);
/* The value of one hex digit (either case), or -1. */
int str_hex_value(int c);
/* The text form of a uuid: 8-4-4-4-12 hex digits, any case. */
bool str_is_uuid(str s);
/* The same of a C string; false for NULL. */
bool cstr_is_uuid(const char *s);
/* A uuid's 16 bytes from its text form (NUL-terminated); false when it is
 * not one. And back, lower-case, into out (37 bytes with the NUL). */
bool str_uuid_to_bytes(const char *uuid, unsigned char out[16]);
void str_uuid_from_bytes(const unsigned char in[16], char out[37]);
/* v as 8 bytes, big-endian, and back: the keys of pagination cursors. */
void str_put_be64(unsigned char *p, long long v);
long long str_get_be64(const unsigned char *p);
/* Copies into the arena with a trailing NUL. */
char *str_dup(arena *a, str s);

/* A name and its value (a form field, a query parameter, a cookie). */
typedef struct {
	str name;
	str value;
} str_pair;
/* The first pair called name among n, or STR_NULL: of a field sent twice,
 * the first counts. */
str str_pairs_get(const str_pair *pairs, size_t n, const char *name);
/* A wait as a person says it: "a few seconds", "40 seconds", "about a
 * minute", "about 12 minutes", "about an hour", "about 3 hours", "about 2
 * days". Rounded to the nearest unit, never to zero. */
const char *str_duration_words(arena *a, long seconds);

/* A growable byte buffer whose storage lives in an arena. data is always
 * NUL-terminated past len, so it can be handed to C APIs. */
typedef struct {
	arena *a;
	char *data;
	size_t len;
	size_t cap;
} buf;

void buf_init(buf *b, arena *a, size_t initial_cap);
void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *p, size_t n);
static inline void buf_puts(buf *b, const char *s) { buf_append(b, s, strlen(s)); }
static inline void buf_put_str(buf *b, str s) { buf_append(b, s.ptr, s.len); }
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends with & < > " ' escaped as HTML entities. */
void buf_append_html(buf *b, const char *p, size_t n);
static inline str buf_str(const buf *b) { return (str){ b->data, b->len }; }
static inline void buf_clear(buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }

#endif
