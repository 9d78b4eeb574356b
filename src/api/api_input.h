/* api_input.h: what the API's JSON bodies mean, checked without a request
 * or a database (the fuzz target tests/fuzz/fuzz_api_json.c runs them over
 * arbitrary input). Each bad member adds a form_error named by the member
 * ("title", "custom_fields.<key>"); the handler answers 422 with them. */
#ifndef SD_API_INPUT_H
#define SD_API_INPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "model/api_key.h"
#include "model/submit_form.h"

/* POST /api/v1/tickets: {"request_type", "title", "description",
 * "requester": {"email", "name"}, "custom_fields": {...}, "event"}. The
 * custom fields are checked against the request type of doc as the form
 * checks them (form_field_check). 0, or the number of errors. */
int api_ticket_create_read(arena *a, json_t *in, const form_doc *doc, api_ticket_input *out, form_errors *errors);

/* PATCH /api/v1/tickets/{number}: each member optional; NULL = unchanged. */
typedef struct {
	const char *status, *priority;
	bool set_assignee, set_team;
	const char *assignee_id, *team_id; /* NULL with set_*: none */
	const char *tags_csv;              /* normalised, "" for none; NULL unchanged */
	const char **cf_keys, **cf_values; /* custom fields as strings ("true"/"false" for booleans) */
	size_t ncf;
} api_ticket_patch;
int api_ticket_patch_read(arena *a, json_t *in, api_ticket_patch *out, form_errors *errors);

/* A file of a message, from {"filename", "data"} (standard base64). */
typedef struct {
	const char *filename;              /* as sent; attachment_store sanitises it */
	const unsigned char *data;
	size_t len;
} api_file;

/* At most this many files in one message's "attachments" (the
 * attachment_max_per_message setting may allow fewer). */
#define API_FILES_MAX 20

/* POST /api/v1/tickets/{number}/messages: {"body", "internal", "status",
 * "attachments": [{"filename", "data"}]}; the files' errors under
 * "attachments[i]". */
typedef struct {
	const char *body;
	bool internal;
	const char *status;                /* after a reply, or NULL */
	api_file *files;
	size_t nfiles;
} api_message_in;
int api_message_read(arena *a, json_t *in, api_message_in *out, form_errors *errors);

/* POST /api/v1/customers: {"email", "name"}: the address trimmed and
 * checked by form_email_valid, the name optional, one line of at most 100
 * characters. */
typedef struct {
	const char *email;
	const char *name;                  /* NULL when none */
} api_customer_in;
int api_customer_read(arena *a, json_t *in, api_customer_in *out, form_errors *errors);

bool api_status_valid(const char *s);
bool api_priority_valid(const char *s);

#endif
