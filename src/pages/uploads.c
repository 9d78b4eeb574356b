/* uploads.c: a posted form's files, checked and stored (uploads.h). */
#include "pages/uploads.h"

#include "app/page.h"

int uploads_check_count(req *r, uploads *u, const char *what, form_errors *errors)
{
	*u = (uploads){ 0 };
	/* The attachment settings cost a query: only a form with files needs them. */
	if (!r->form.nfiles)
		return 0;
	if (attachment_limits_load(page_tx(r), &u->lim) != 0)
		return page_db_failure(r);
	if ((long)r->form.nfiles > u->lim.max_per_message)
		form_errors_add(r->a, errors, "attachments", arena_sprintf(r->a,
		    "Attach at most %ld files to one %s.", (long)u->lim.max_per_message, what));
	return 0;
}

int uploads_store(req *r, uploads *u, form_errors *errors)
{
	u->refs = arena_calloc(r->a, r->form.nfiles + 1, sizeof *u->refs);
	u->nrefs = 0;
	for (size_t i = 0; i < r->form.nfiles; i++) {
		const http_file *f = &r->form.files[i];
		const char *field = str_eq_cstr(f->field, "attachments") ? "attachments" : str_dup(r->a, f->field);
		attachment_upload up = { f->fd, f->size, f->filename };
		switch (attachment_store(page_tx(r), &up, &u->lim, &u->refs[u->nrefs])) {
		case ATTACH_OK:
			u->nrefs++;
			break;
		case ATTACH_EMPTY:
			form_errors_add(r->a, errors, field, arena_sprintf(r->a, "“%.*s” is empty.",
			    (int)f->filename.len, f->filename.ptr));
			break;
		case ATTACH_TOO_LARGE:
			form_errors_add(r->a, errors, field, arena_sprintf(r->a, "“%.*s” is larger than %ld MB.",
			    (int)f->filename.len, f->filename.ptr, u->lim.max_bytes / (1024 * 1024)));
			break;
		case ATTACH_TYPE_NOT_ALLOWED:
			form_errors_add(r->a, errors, field, arena_sprintf(r->a,
			    "“%.*s” is a kind of file we do not accept. Images, PDF, text, CSV, HTML, JSON, ZIP, Word and "
			    "Excel files are fine.",
			    (int)f->filename.len, f->filename.ptr));
			break;
		case ATTACH_DB:
		default:
			return page_db_failure(r);
		}
	}
	return 0;
}

char *uploads_refs_json(req *r, const uploads *u)
{
	return attachment_refs_json(r->a, u->refs, u->nrefs);
}

void uploads_reattach_view(req *r, tv *view)
{
	if (!r->form.nfiles)
		return;
	tv *names = tv_list(r->a);
	for (size_t i = 0; i < r->form.nfiles; i++)
		tv_push(r->a, names, tv_string(r->a, r->form.files[i].filename.ptr, r->form.files[i].filename.len));
	tv_set(r->a, view, "reattach", names);
	tv_set_bool(r->a, view, "has_reattach", true);
}
