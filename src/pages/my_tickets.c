/* my_tickets.c: the customer portal. For now one page: a ticket as its
 * requester sees it. */
#include <string.h>

#include "app/page.h"
#include "model/ticket.h"
#include "pages/pages.h"

static const char *const status_labels[][2] = {
	{ "new", "Received" }, { "open", "Open" }, { "in_progress", "In progress" },
	{ "waiting_customer", "Waiting for your reply" }, { "waiting_internal", "In progress" },
	{ "resolved", "Resolved" }, { "closed", "Closed" }, { "cancelled", "Cancelled" },
};

static const char *status_label(const char *status)
{
	for (size_t i = 0; i < sizeof status_labels / sizeof *status_labels; i++)
		if (status && strcmp(status, status_labels[i][0]) == 0)
			return status_labels[i][1];
	return status;
}

static const char *human_size(req *r, long long n)
{
	if (n < 1024)
		return arena_sprintf(r->a, "%lld bytes", n);
	if (n < 1024 * 1024)
		return arena_sprintf(r->a, "%.1f KB", (double)n / 1024);
	return arena_sprintf(r->a, "%.1f MB", (double)n / (1024 * 1024));
}

static bool number_plausible(str n)
{
	if (n.len < 5 || n.len > 40)
		return false;
	for (size_t i = 0; i < n.len; i++) {
		char c = n.ptr[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

int page_my_ticket(req *r)
{
	str number = req_route_get(r, "number");
	/* Anonymous visitors, other customers and malformed numbers all get
	 * the same 404: the answer never tells whether a ticket exists. */
	if (!r->user_id || !number_plausible(number))
		return 404;
	ticket_view t;
	int found = ticket_find_by_number(page_tx(r), str_dup(r->a, number), &t);
	if (found < 0)
		return page_db_failure(r);
	if (!found || !t.requester_id || strcmp(t.requester_id, r->user_id) != 0)
		return 404;
	tv *v = page_view(r);
	tv_set_str(r->a, v, "number", t.number);
	tv_set_str(r->a, v, "title", t.title);
	tv_set_str(r->a, v, "description", t.description);
	tv_set_str(r->a, v, "status", t.status);
	tv_set_str(r->a, v, "status_label", status_label(t.status));
	tv_set_str(r->a, v, "created_at", t.created_at);
	tv_set_str(r->a, v, "request_type", t.request_type);
	tv *atts = tv_list(r->a);
	for (size_t i = 0; i < t.nattachments; i++) {
		tv *a = tv_object(r->a);
		tv_set_str(r->a, a, "id", t.attachments[i].id);
		tv_set_str(r->a, a, "file_name", t.attachments[i].file_name);
		tv_set_str(r->a, a, "size", human_size(r, t.attachments[i].size));
		tv_push(r->a, atts, a);
	}
	tv_set(r->a, v, "attachments", atts);
	tv_set_bool(r->a, v, "has_attachments", t.nattachments > 0);
	return page_render(r, 200, "my_ticket", v);
}
