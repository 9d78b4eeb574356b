/* desk_templates.c: "new from template" in the desk. GET /desk/templates
 * lists the active templates of the organizations the user works for;
 * POST /desk/templates/{id}/use creates a ticket from one now (source
 * 'template', through the ticket triggers) and answers 303 to it. A
 * template the user may not use is 404. Every route is ROUTE_STAFF. */
#include <string.h>

#include "app/page.h"
#include "model/ticket_template.h"
#include "pages/pages.h"

#define DESK_TEMPLATES_PAGE 100

int page_desk_templates(req *r)
{
	str after_s = req_query_get(r, "after");
	const char *after = after_s.len ? str_dup(r->a, after_s) : NULL;
	if (after && !str_is_uuid(after_s))
		return 400;
	ticket_template *list;
	size_t n;
	if (ticket_template_usable(page_tx(r), after, DESK_TEMPLATES_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = page_view(r);
	size_t shown = n > DESK_TEMPLATES_PAGE ? DESK_TEMPLATES_PAGE : n;
	tv *items = tv_list(a);
	bool several_orgs = false;
	for (size_t i = 1; i < shown; i++)
		if (strcmp(list[i].organization_id, list[0].organization_id) != 0)
			several_orgs = true;
	for (size_t i = 0; i < shown; i++) {
		tv *c = tv_object(a);
		tv_set_str(a, c, "name", list[i].name);
		tv_set_str(a, c, "title", list[i].title);
		if (several_orgs)
			tv_set_str(a, c, "org_name", list[i].organization_name);
		else
			tv_set_bool(a, c, "org_name", false);
		tv_set_str(a, c, "action", arena_sprintf(a, "/desk/templates/%s/use", list[i].id));
		tv_set_str(a, c, "button_id", arena_sprintf(a, "use-%s", list[i].id));
		tv_set_str(a, c, "label_id", arena_sprintf(a, "tpl-%s", list[i].id));
		tv_push(a, items, c);
	}
	tv_set(a, v, "templates", items);
	tv_set_bool(a, v, "has_templates", shown > 0);
	if (n > DESK_TEMPLATES_PAGE)
		tv_set_str(a, v, "next_href", arena_sprintf(a, "/desk/templates?after=%s", list[DESK_TEMPLATES_PAGE - 1].id));
	if (after)
		tv_set_str(a, v, "first_href", "/desk/templates");
	return page_render(r, 200, "desk_templates", v);
}

int page_desk_template_use(req *r)
{
	str id = req_route_get(r, "id");
	if (!str_is_uuid(id))
		return 404;
	const char *number;
	int made = ticket_template_use(page_tx(r), str_dup(r->a, id), &number);
	if (made < 0)
		return page_db_failure(r);
	if (!made)
		return 404;
	resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s", number));
	return 0;
}
