/* render.h: an email from its templates: templates/email/NAME_subject and
 * NAME_text (plain, unescaped) and NAME_html (HTML-escaped). The workers
 * render the emails they queue; the mailer renders the notices the database
 * queues by template name (outbox.template). */
#ifndef SD_MAIL_RENDER_H
#define SD_MAIL_RENDER_H

#include "core/arena.h"
#include "tmpl/tmpl.h"

typedef struct {
	char *subject; /* one line: trailing newlines and blanks removed */
	char *text;
	char *html;
} mail_rendered;

/* 0, or -1 when a template is missing or fails to render. */
int mail_render(const tmpl_set *t, arena *a, const char *name, const tv *view, mail_rendered *out);

#endif
