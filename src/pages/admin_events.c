/* admin_events.c: an organization's events (GET, POST /desk/admin/events),
 * one event (GET, POST .../{id}) and its removal (POST .../{id}/remove:
 * deactivated instead when tickets or pending submissions name it). The
 * events are the options of a dropdown_dynamic_event field and what a
 * request type with requires_event asks for on /submit. Every write leaves
 * a config_audit row (trigger in 0024). */
#include <string.h>

#include "model/event.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define EVENTS_PAGE 50

static const admin_notice notices[] = {
	{ "created", "The event is created." },
	{ "saved", "The event is saved." },
	{ "deleted", "The event is deleted." },
	{ "deactivated", "Tickets or pending requests name this event, so it is deactivated instead of deleted: "
	                 "they keep it, the public form no longer offers it." },
};

static void time_field(req *r, const char *field, const char *label, bool required, const char **value,
    form_errors *errors)
{
	const char *s = admin_text(r, field, 19, false, label, errors);
	*value = s ? s : "";
	if (form_errors_get(errors, field))
		return;
	if (!**value) {
		if (required)
			form_errors_add(r->a, errors, field,
			    arena_sprintf(r->a, "Enter %s, like 2027-06-14T09:00 (UTC).", label));
		return;
	}
	char norm[17];
	if (!event_time_parse(*value, norm)) {
		form_errors_add(r->a, errors, field,
		    arena_sprintf(r->a, "%s must be a date and time like 2027-06-14T09:00 (UTC), or a date like 2027-06-14.",
		        label));
		return;
	}
	*value = arena_strndup(r->a, norm, 16);
}

/* The posted event, checked; the fields stay as typed for the form. */
static void event_form(req *r, event_input *in, form_errors *errors)
{
	in->name = admin_text(r, "name", EVENT_NAME_MAX_CHARS, false, "The name", errors);
	time_field(r, "starts_at", "the start", true, &in->starts_at, errors);
	time_field(r, "ends_at", "the end", false, &in->ends_at, errors);
	in->location = admin_text(r, "location", EVENT_LOCATION_MAX_CHARS, false, "The location", errors);
	in->is_active = admin_checked(r, "active");
	if (!in->name)
		in->name = "";
	if (!in->location)
		in->location = "";
	if (!form_errors_get(errors, "name") && !*in->name)
		form_errors_add(r->a, errors, "name", "Enter a name for the event, like “Spring Finals 2027”.");
	/* Both normalised to the same format: text order is time order. */
	if (!form_errors_get(errors, "starts_at") && !form_errors_get(errors, "ends_at") && *in->ends_at &&
	    strcmp(in->ends_at, in->starts_at) < 0)
		form_errors_add(r->a, errors, "ends_at", "The end is before the start. Choose an end at or after the start.");
}

static void input_fields(req *r, tv *v, const event_input *in, const form_errors *errors)
{
	admin_field(r, v, "name", in->name, errors);
	admin_field(r, v, "starts_at", in->starts_at, errors);
	admin_field(r, v, "ends_at", in->ends_at, errors);
	admin_field(r, v, "location", in->location, errors);
	tv_set_bool(r->a, v, "active", in->is_active);
}

static const char *ticket_count(arena *a, long n)
{
	return n > 1000 ? "1000+" : arena_sprintf(a, "%ld", n);
}

/* "2027-06-14T09:00" as "2027-06-14 09:00 UTC" for reading. */
static const char *time_label(arena *a, const char *t)
{
	if (!t || strlen(t) != 16)
		return "";
	return arena_sprintf(a, "%.10s %s UTC", t, t + 11);
}

/* ---- the list ---- */

static int events_page(req *r, int status, const admin_ctx *ctx, const event_input *in, const form_errors *errors)
{
	str after_s = req_query_get(r, "after");
	if (after_s.len && !str_is_uuid(after_s))
		return 400;
	const char *after = after_s.len ? str_dup(r->a, after_s) : NULL;
	event *list;
	size_t n;
	if (event_list(page_tx(r), ctx->org->id, after, EVENTS_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_EVENTS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	size_t shown = n > EVENTS_PAGE ? EVENTS_PAGE : n;
	tv *items = tv_list(a);
	for (size_t i = 0; i < shown; i++) {
		tv *e = tv_object(a);
		tv_set_str(a, e, "name", list[i].name);
		tv_set_str(a, e, "starts", time_label(a, list[i].starts_at));
		admin_set_opt(a, e, "ends", time_label(a, list[i].ends_at));
		admin_set_opt(a, e, "location", list[i].location);
		tv_set_bool(a, e, "is_active", list[i].is_active);
		tv_set_bool(a, e, "is_past", list[i].is_past);
		tv_set_str(a, e, "tickets", ticket_count(a, list[i].tickets));
		tv_set_str(a, e, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/events/%s", list[i].id), NULL));
		tv_push(a, items, e);
	}
	tv_set(a, v, "events", items);
	tv_set_bool(a, v, "has_events", shown > 0);
	if (n > EVENTS_PAGE)
		tv_set_str(a, v, "next_href",
		    arena_sprintf(a, "%s&after=%s", admin_href(r, ctx->org, "/desk/admin/events", NULL), list[EVENTS_PAGE - 1].id));
	if (after)
		tv_set_str(a, v, "first_href", admin_href(r, ctx->org, "/desk/admin/events", NULL));
	event_input none = { "", "", "", "", true };
	input_fields(r, v, in ? in : &none, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_events", v);
}

int page_admin_events(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_EVENTS);
	form_errors none = { 0 };
	return events_page(r, 200, &ctx, NULL, &none);
}

int page_admin_event_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	event_input in;
	event_form(r, &in, &errors);
	if (errors.len)
		return events_page(r, 422, &ctx, &in, &errors);
	const char *id;
	if (event_create(page_tx(r), ctx.org->id, &in, &id) != 0)
		return page_db_failure(r);
	return admin_redirect(r, ctx.org, "/desk/admin/events", "created");
}

/* ---- one event ---- */

static int load_event(req *r, const admin_ctx *ctx, event *e)
{
	int found = event_get(page_tx(r), ctx->org->id, admin_route_id(r), e);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int event_page(req *r, int status, const admin_ctx *ctx, const event *e, const event_input *in,
    const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_EVENTS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	const char *base = arena_sprintf(a, "/desk/admin/events/%s", e->id);
	tv *ev = tv_object(a);
	tv_set_str(a, ev, "name", e->name);
	tv_set_bool(a, ev, "is_active", e->is_active);
	tv_set_bool(a, ev, "is_past", e->is_past);
	tv_set_str(a, ev, "action", base);
	tv_set_str(a, ev, "remove_action", arena_sprintf(a, "%s/remove", base));
	tv_set_bool(a, ev, "in_use", e->tickets > 0);
	tv_set_str(a, ev, "tickets", e->tickets > 1000 ? "more than 1000" : arena_sprintf(a, "%ld", e->tickets));
	tv_set(a, v, "event", ev);
	tv_set_str(a, v, "events_href", admin_href(r, ctx->org, "/desk/admin/events", NULL));
	event_input current = { e->name, e->starts_at, e->ends_at, e->location, e->is_active };
	input_fields(r, v, in ? in : &current, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_event", v);
}

int page_admin_event(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	event e;
	if ((st = load_event(r, &ctx, &e)))
		return st;
	form_errors none = { 0 };
	return event_page(r, 200, &ctx, &e, NULL, &none);
}

int page_admin_event_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	event e;
	if ((st = load_event(r, &ctx, &e)))
		return st;
	form_errors errors = { 0 };
	event_input in;
	event_form(r, &in, &errors);
	if (errors.len)
		return event_page(r, 422, &ctx, &e, &in, &errors);
	int rc = event_update(page_tx(r), ctx.org->id, e.id, &in);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/events/%s", e.id), "saved");
}

int page_admin_event_remove(req *r)
{
	return admin_remove(r, event_remove, "/desk/admin/events");
}
