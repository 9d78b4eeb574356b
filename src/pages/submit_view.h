/* submit_view.h: one request type of the public form as the view of
 * partials/submit_type: its heading and custom fields, with posted input
 * kept and each error by its field when posted. */
#ifndef SD_PAGES_SUBMIT_VIEW_H
#define SD_PAGES_SUBMIT_VIEW_H

#include "app/page.h"
#include "model/submit_form.h"

tv *submit_type_view(req *r, const form_type *t, bool posted, const form_errors *errors);
/* error and error_id ("<id>-error") on obj when message is not NULL. */
void submit_set_error(req *r, tv *obj, const char *id, const char *message);

#endif
