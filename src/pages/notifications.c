/* notifications.c: the signed-in user's in-app notifications (GET
 * /notifications, newest first, by keyset pages) and marking them read
 * (POST /notifications/read). Both are ROUTE_SIGNED_IN; the POST is
 * ROUTE_CSRF. Row-level security shows each user only their own. */
#include <string.h>

#include "app/page.h"
#include "model/notification.h"
#include "pages/pages.h"

#define PAGE_SIZE 20
#define READ_IDS_MAX 200

/* GET /notifications[?after=ID]: 200; 400 for a cursor that is not an id. */
int page_notifications(req *r)
{
	str after = req_query_get(r, "after");
	if (after.ptr && !str_is_uuid(after))
		return 400;
	const char *after_id = after.ptr ? str_dup(r->a, after) : NULL;
	notification *list;
	size_t n;
	bool more;
	if (notification_list(page_tx(r), after_id, PAGE_SIZE, &list, &n, &more) != 0)
		return page_db_failure(r);

	tv *v = page_view(r);
	tv *items = tv_list(r->a);
	bool any_unread = false;
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(r->a);
		tv_set_str(r->a, o, "id", list[i].id);
		tv_set_str(r->a, o, "title", list[i].title);
		tv_set_str(r->a, o, "content", list[i].content);
		tv_set_str(r->a, o, "link", list[i].link);
		tv_set_bool(r->a, o, "read", list[i].read);
		tv_set_bool(r->a, o, "unread", !list[i].read);
		page_set_time(r, o, "created", list[i].created_epoch);
		any_unread |= !list[i].read;
		tv_push(r->a, items, o);
	}
	tv_set(r->a, v, "notifications", items);
	tv_set_bool(r->a, v, "has_notifications", n > 0);
	tv_set_bool(r->a, v, "page_has_unread", any_unread);
	if (after_id)
		tv_set_str(r->a, v, "after", after_id);
	if (more && n)
		tv_set_str(r->a, v, "next_after", list[n - 1].id);
	str done = req_query_get(r, "done");
	if (str_eq_cstr(done, "read"))
		tv_set_str(r->a, v, "notice", "Marked as read.");
	else if (str_eq_cstr(done, "none"))
		tv_set_str(r->a, v, "notice", "Nothing was selected, so nothing changed.");
	return page_render(r, 200, "notifications", v);
}

/* POST /notifications/read: `id` (repeated) or `all`, `_csrf`: 303 back to
 * the page it came from (`after` kept). An id that is not the user's own,
 * or not an id at all, changes nothing. 403, 503. */
int page_notifications_read(req *r)
{
	bool all = req_form_get(r, "all").len > 0;
	const char **ids = arena_calloc(r->a, READ_IDS_MAX + 1, sizeof *ids);
	size_t nids = 0;
	/* id is a list by design: every value counts. */
	for (size_t i = 0; !all && i < r->form.fields.len && nids < READ_IDS_MAX; i++) {
		const http_param *f = &r->form.fields.items[i];
		if (str_eq_cstr(f->name, "id") && str_is_uuid(f->value))
			ids[nids++] = str_dup(r->a, f->value);
	}
	long changed = 0;
	if (all || nids) {
		changed = notification_mark_read(page_tx(r), ids, nids, all);
		if (changed < 0)
			return page_db_failure(r);
	}
	str after = req_form_get(r, "after");
	const char *done = all || nids ? "read" : "none";
	resp_redirect(r, 303, str_is_uuid(after)
	    ? arena_sprintf(r->a, "/notifications?after=%.*s&done=%s", (int)after.len, after.ptr, done)
	    : arena_sprintf(r->a, "/notifications?done=%s", done));
	return 0;
}
