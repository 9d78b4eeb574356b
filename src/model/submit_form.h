/* submit_form.h: the public form's configuration (request types, their
 * custom fields, events), parsed once and cached per worker for a few
 * seconds, and the validation of what a visitor sent against it. */
#ifndef SD_SUBMIT_FORM_H
#define SD_SUBMIT_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"
#include "db/tx.h"

enum field_kind {
	FIELD_TEXT, FIELD_TEXTAREA, FIELD_DATE, FIELD_SELECT, FIELD_EVENT, FIELD_FILE, FIELD_CHECKBOX,
	FIELD__MAX
};

typedef struct {
	const char *value;
	const char *label;
} form_option;

typedef struct {
	const char *key;          /* posted as cf_<key> */
	const char *label;
	const char *description;
	const char *placeholder;
	const char *default_value;
	enum field_kind kind;
	bool required;
	long min_length, max_length; /* -1: no rule */
	const char *pattern;      /* POSIX extended regex, anchored by its author, or NULL */
	const char *min_date, *max_date; /* YYYY-MM-DD or NULL */
	long max_files;
	form_option *options;
	size_t noptions;
} form_field;

typedef struct {
	const char *id;
	const char *name;
	const char *starts_on;    /* YYYY-MM-DD */
	const char *location;
} form_event;

typedef struct {
	const char *id;
	const char *name;
	const char *description;
	bool requires_event;
	form_field *fields;
	size_t nfields;
	form_event *events;
	size_t nevents;
} form_type;

typedef struct {
	form_type *types;
	size_t ntypes;
} form_doc;

enum form_role { FORM_ROLE_ANONYMOUS, FORM_ROLE_CUSTOMER, FORM_ROLE__MAX };

struct form_cache;
/* The form for role, from *cache (made on first use; kept max_age_s while
 * the caller's configuration generation stays the one it was read under)
 * or one query. NULL on a database failure (db_tx_status says how). Valid
 * until the cache is next refreshed: for the rest of a request at least. */
const form_doc *submit_form_get(db_tx *tx, struct form_cache **cache, int max_age_s, unsigned long generation,
    enum form_role role);
void submit_form_cache_free(struct form_cache *c);

/* Parses the document submit_form_document() returns; for tests too. */
form_doc *submit_form_parse(arena *a, const char *json, size_t n);
const form_type *submit_form_type(const form_doc *d, str id);
const form_event *submit_form_event(const form_type *t, str id);

/* ---- validation ---- */

typedef struct {
	const char *field;        /* "title", "email", "cf_<key>", "attachments", ... */
	const char *message;
} form_error;

typedef struct {
	form_error *items;
	size_t len, cap;
} form_errors;

void form_errors_add(arena *a, form_errors *e, const char *field, const char *message);
const char *form_errors_get(const form_errors *e, const char *field);

/* Checks one custom field's posted value (ptr NULL when absent) against its
 * definition; adds a message to errors and returns false when it fails. For
 * FIELD_FILE, nfiles is the number of files posted under cf_<key>. */
bool form_field_check(arena *a, const form_field *f, str value, size_t nfiles, form_errors *errors);

/* Whether a field's pattern compiles as form_field_check reads it (POSIX
 * extended), which the admin pages ask before saving one. */
bool form_pattern_valid(const char *pattern);

/* The custom field values of type t as posted (text fields; files as pairs
 * of field name and file name), as the JSON object stored in form_data /
 * custom_fields (checkboxes as booleans, files as their names). Of a field
 * posted twice the first counts. */
char *submit_form_data_json(arena *a, const form_type *t, const str_pair *fields, size_t nfields,
    const str_pair *files, size_t nfiles);

/* s without leading and trailing blanks (space, tab, CR, LF), as the
 * database stores text. */
str form_trim(str s);
/* Characters, not bytes: limits are what a person counts. */
long form_chars(str s);

/* RFC 5321-ish address syntax we accept: local@domain, ASCII, no quotes or
 * control characters, at most 254 bytes. */
bool form_email_valid(str email);
/* The bucket an address counts against for rate limits: lower case, and
 * without "+tag" when strip_plus. */
char *form_email_bucket(arena *a, str email, bool strip_plus);

#endif
