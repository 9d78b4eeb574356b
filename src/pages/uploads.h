/* uploads.h: the files of a posted form, checked and stored as attachment
 * blobs in the request's transaction. Shared by the public form (submit.c)
 * and the portal's reply (my_tickets.c), so both take the same limits and
 * the same sniffing, and say the same things about a file they refuse. */
#ifndef SD_PAGES_UPLOADS_H
#define SD_PAGES_UPLOADS_H

#include "http/request.h"
#include "model/attachment.h"
#include "model/submit_form.h"
#include "tmpl/tmpl.h"

typedef struct {
	attachment_limits lim;   /* loaded only when the form carries files */
	attachment_ref *refs;    /* the files stored, for attachment_refs_json */
	size_t nrefs;
} uploads;

/* When the form carries files: loads the attachment settings (one query)
 * and adds a form error under "attachments" when there are more than one
 * message may hold (`what` names the message: "request", "reply"). 0, or
 * the status to answer on a database failure. */
int uploads_check_count(req *r, uploads *u, const char *what, form_errors *errors);

/* Sniffs, checks and stores every file of the form (after
 * uploads_check_count); a file refused (empty, too large, a type not
 * accepted) adds a form error under its field. 0, or the status to answer
 * on a database failure. */
int uploads_store(req *r, uploads *u, form_errors *errors);

/* The refs of the stored files as JSON (attachment_refs_json). */
char *uploads_refs_json(req *r, const uploads *u);

/* Files are not kept across a failed POST: sets "reattach" (their names)
 * and "has_reattach" in view when the form carried any. */
void uploads_reattach_view(req *r, tv *view);

#endif
