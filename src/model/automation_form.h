/* automation_form.h: the rows of the automation admin forms (conditions
 * c<N>_field, c<N>_op, c<N>_value; actions a<N>_type, a<N>_value, a<N>_role;
 * crows and arows say how many rows were shown), checked and turned into the
 * JSON arrays the database stores. Pure: the posted fields come through a
 * getter, so the fuzzer drives it without a request. */
#ifndef SD_MODEL_AUTOMATION_FORM_H
#define SD_MODEL_AUTOMATION_FORM_H

#include <stdbool.h>

#include "core/arena.h"
#include "model/submit_form.h"

#define AF_ROWS_MAX 20
#define AF_ROWS_DEFAULT 4
#define AF_VALUE_MAX_CHARS 500
#define AF_TEXT_MAX_CHARS 4000

/* The posted value of a field (NUL-terminated), or NULL when absent. */
typedef const char *(*af_getter)(void *ctx, const char *name);

typedef struct {
	const char *field, *op, *value;
} af_condition;

typedef struct {
	const char *type, *value, *role;
} af_action;

typedef struct {
	af_condition cond[AF_ROWS_MAX];
	int ncond;                 /* rows to show */
	af_action act[AF_ROWS_MAX];
	int nact;
	const char *conditions_json; /* the filled rows, "[]" when none */
	const char *actions_json;
	int nactions;              /* filled action rows */
} af_form;

/* Reads and checks the rows; each problem adds a message for its input
 * ("c2_value", "a0_role"...). more: show three more empty rows of each. */
void af_parse(arena *a, af_getter get, void *ctx, bool more, af_form *f, form_errors *errors);
/* The rows of stored JSON (as automation_list gives them) plus empty ones
 * up to at least AF_ROWS_DEFAULT, and two more after the filled ones. */
void af_from_json(arena *a, const char *conditions_json, const char *actions_json, af_form *f);

/* The choices the form offers (value, label). */
typedef struct {
	const char *value, *label;
} af_choice;
extern const af_choice af_fields[];
extern const int af_nfields;
extern const af_choice af_ops[];
extern const int af_nops;
extern const af_choice af_types[];
extern const int af_ntypes;
extern const af_choice af_roles[];
extern const int af_nroles;

/* A one-line description of a condition or action, for the lists and the
 * macro preview: "Title contains “invoice”", "Set team to Billing". */
const char *af_describe_condition(arena *a, const af_condition *c);
const char *af_describe_action(arena *a, const af_action *x);

#endif
