/* render.c: subject, text and HTML of an email from its three templates. */
#include "mail/render.h"

#include <stdio.h>

int mail_render(const tmpl_set *t, arena *a, const char *name, const tv *view, mail_rendered *out)
{
	buf subject, text, html;
	buf_init(&subject, a, 128);
	buf_init(&text, a, 2048);
	buf_init(&html, a, 4096);
	char tn[128];
	snprintf(tn, sizeof tn, "email/%s_subject", name);
	int rc = tmpl_render_text(t, tn, view, &subject);
	snprintf(tn, sizeof tn, "email/%s_text", name);
	rc |= tmpl_render_text(t, tn, view, &text);
	snprintf(tn, sizeof tn, "email/%s_html", name);
	rc |= tmpl_render(t, tn, view, &html);
	if (rc)
		return -1;
	/* Template files end with a newline; a subject is one line. */
	while (subject.len && (subject.data[subject.len - 1] == '\n' || subject.data[subject.len - 1] == ' '))
		subject.data[--subject.len] = '\0';
	*out = (mail_rendered){ subject.data, text.data, html.data };
	return 0;
}
