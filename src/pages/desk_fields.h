/* desk_fields.h: a request type's custom fields as the desk edits them,
 * shared by the ticket workspace (desk_ticket.c, where they are defined)
 * and the ticket templates' admin page (admin_templates.c): one set of
 * inputs (partials/desk_custom_fields) and one validation. */
#ifndef SD_PAGES_DESK_FIELDS_H
#define SD_PAGES_DESK_FIELDS_H

#include <stdbool.h>

#include "app/page.h"
#include "model/desk_ticket.h"
#include "model/submit_form.h"

/* The inputs of the fields: [{ name "cf_<key>", id, label, value, is_text,
 * ... error, error_id }]; values as posted when use_posted. */
tv *desk_fields_view(req *r, const desk_field *f, size_t nf, bool use_posted, const form_errors *errors);

/* The posted values (cf_<key>) of the fields as a JSON object, each bad
 * value adding a message for its input to errors. changes_only: only the
 * values that differ from the field's current one (a ticket update);
 * otherwise every value that is set (a template). Fields not posted, and
 * files and event references, are left out. */
const char *desk_fields_json(req *r, const desk_field *f, size_t nf, bool changes_only, form_errors *errors);

#endif
