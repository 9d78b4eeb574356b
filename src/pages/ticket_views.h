/* ticket_views.h: the pieces of a ticket's page that the customer portal
 * (my_tickets.c) and the support desk (desk_ticket.c) build alike. */
#ifndef SD_PAGES_TICKET_VIEWS_H
#define SD_PAGES_TICKET_VIEWS_H

#include "model/submit_form.h"
#include "http/request.h"
#include "model/ticket.h"
#include "tmpl/tmpl.h"

/* A message's files for partials: [{ id, file_name, size }]. */
tv *page_attachments_view(req *r, const ticket_attachment *atts, size_t n);

/* When errors hold a message for field: sets <field>_error (the message)
 * and <field>_error_id ("<id>-error", for aria-describedby) on obj. */
void page_field_error(req *r, tv *obj, const form_errors *errors, const char *field, const char *id);

#endif
