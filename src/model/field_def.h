/* field_def.h: an organization's custom fields (seed 000
 * support_field_definitions) and their visibility rules as its admins
 * shape them, and the public form's preview of one request type. */
#ifndef SD_MODEL_FIELD_DEF_H
#define SD_MODEL_FIELD_DEF_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"
#include "model/request_type.h"
#include "model/submit_form.h"

#define FIELD_LABEL_MAX_CHARS 200
#define FIELD_TEXT_MAX_CHARS 500      /* description, default, placeholder */
#define FIELD_PATTERN_MAX_CHARS 500
#define FIELD_OPTIONS_MAX 200
#define FIELD_OPTION_MAX_CHARS 200
#define FIELD_RULE_TYPES_MAX 100

/* The stored names of the seven types, by enum field_kind. */
extern const char *const field_type_names[FIELD__MAX];

/* The one visibility rule the admin page edits. */
typedef struct {
	const char **type_ids;     /* empty: every type */
	size_t ntypes;
	bool roles[REQUEST_ROLES]; /* none: every role */
	bool frontend, backend;
} field_rule;

typedef struct {
	const char *id;
	const char *key;
	const char *label;
	const char *description;   /* "" when none, as the three below */
	const char *default_value;
	const char *placeholder;
	const char *pattern;
	enum field_kind kind;
	bool required;
	bool is_active;
	long min_length, max_length; /* -1: no rule */
	form_option *options;
	size_t noptions;
	size_t nrules;               /* how many rules the field has */
	bool has_rule;               /* rule below is its first one */
	field_rule rule;
	const char *shown_for;       /* list: the names of the rule's types, "" for all */
} field_def;

/* The organization's fields, active first; with type_id, only those a rule
 * (or no rule) shows on that type. At most max. 0 or -1. */
int field_def_list(db_tx *tx, const char *org_id, const char *type_id, int max, field_def **out, size_t *n);
/* 1 found (with its first rule), 0 not the organization's, -1 failure. */
int field_def_get(db_tx *tx, const char *org_id, const char *id, field_def *out);

/* Whether the pattern compiles as PostgreSQL reads it: 1 yes, 0 no, -1. */
int field_pattern_compiles(db_tx *tx, const char *pattern);

/* Creates (id NULL, in->key used) or saves the field (its key stays); on
 * create a new field is active and last. 1 done (*new_id on create), 0 the
 * key is taken (by any organization: keys are global), 2 no such field,
 * -1 failure. Validation rules other than length and pattern are kept. */
int field_def_save(db_tx *tx, const char *org_id, const char *id, const field_def *in, const char **new_id);
/* The field's rules replaced by rule (none when it says "everywhere":
 * every type, every role, both ends). 0 or -1. */
int field_def_set_rule(db_tx *tx, const char *field_id, const field_rule *rule);
/* Deleted when no ticket or submission holds a value for it, else
 * deactivated: 1 deleted, 2 deactivated, 0 no such field, -1 failure. */
int field_def_remove(db_tx *tx, const char *org_id, const char *id);
/* Active again. 1, 0 no such field, -1. */
int field_def_activate(db_tx *tx, const char *org_id, const char *id);

/* The public form as role sees it (submit_form_document, uncached), for a
 * preview; NULL on failure. The type is in it when role may file it. */
form_doc *field_form_preview(db_tx *tx, const char *role);

#endif
