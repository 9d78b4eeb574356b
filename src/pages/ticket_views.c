/* ticket_views.c: view pieces shared by the portal's and the desk's ticket pages. */
#include "pages/ticket_views.h"

#include "pages/flash.h"

tv *page_attachments_view(req *r, const ticket_attachment *atts, size_t n)
{
	tv *list = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *a = tv_object(r->a);
		tv_set_str(r->a, a, "id", atts[i].id);
		tv_set_str(r->a, a, "file_name", atts[i].file_name);
		tv_set_str(r->a, a, "size", page_size_words(r, atts[i].size));
		tv_push(r->a, list, a);
	}
	return list;
}

void page_field_error(req *r, tv *obj, const form_errors *errors, const char *field, const char *id)
{
	const char *msg = errors ? form_errors_get(errors, field) : NULL;
	if (!msg)
		return;
	tv_set_str(r->a, obj, arena_sprintf(r->a, "%s_error", field), msg);
	tv_set_str(r->a, obj, arena_sprintf(r->a, "%s_error_id", field), arena_sprintf(r->a, "%s-error", id));
}
