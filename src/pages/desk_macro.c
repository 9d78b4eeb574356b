/* desk_macro.c: a macro on one ticket from the workspace: the preview
 * (GET /desk/tickets/{number}/macro?macro=<id>: what it will change and the
 * reply it will post) and the application (POST .../macro: macro, _csrf),
 * which macro_apply() does in one statement as the agent (0037). A ticket
 * or macro the agent may not use is 404. */
#include <string.h>

#include "model/automation.h"
#include "model/automation_form.h"
#include "model/desk_ticket.h"
#include "model/ticket.h"
#include "app/page.h"
#include "pages/pages.h"

static int load(req *r, desk_ticket *t, const char **macro)
{
	str number = req_route_get(r, "number");
	if (!ticket_number_plausible(number))
		return 404;
	str m = r->method == METHOD_POST ? req_form_get(r, "macro") : req_query_get(r, "macro");
	if (!str_is_uuid(m))
		return 404;
	*macro = str_dup(r->a, m);
	int found = desk_ticket_find(page_tx(r), str_dup(r->a, number), t);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

int page_desk_ticket_macro_preview(req *r)
{
	desk_ticket t;
	const char *macro;
	int st = load(r, &t, &macro);
	if (st)
		return st;
	macro_preview p;
	int found = macro_preview_get(page_tx(r), macro, t.id, &p);
	if (found < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	arena *a = r->a;
	tv *v = page_view(r);
	tv_set_str(a, v, "number", t.number);
	tv_set_str(a, v, "ticket_title", t.title);
	tv_set_str(a, v, "macro_id", macro);
	tv_set_str(a, v, "macro_name", p.name);
	af_form f;
	af_from_json(a, "[]", p.actions, &f);
	tv *al = tv_list(a);
	for (int i = 0; i < f.nact; i++)
		if (*f.act[i].type) {
			const char *d = af_describe_action(a, &f.act[i]);
			tv_push(a, al, tv_string(a, d, strlen(d)));
		}
	tv_set(a, v, "actions", al);
	tv_set_bool(a, v, "has_actions", f.nactions > 0);
	if (*p.reply)
		tv_set_str(a, v, "reply", p.reply);
	return page_render(r, 200, "desk_macro", v);
}

int page_desk_ticket_macro(req *r)
{
	desk_ticket t;
	const char *macro;
	int st = load(r, &t, &macro);
	if (st)
		return st;
	const char *res = macro_apply(page_tx(r), macro, t.id);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "ok") != 0)
		return strcmp(res, "reply_failed") == 0 ? 409 : 404;
	resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s", t.number));
	return 0;
}
