/* admin_templates.c: an organization's ticket templates and recurring
 * tickets (GET, POST /desk/admin/templates), one of them (GET, POST
 * .../{id}), switching it on or off (POST .../{id}/active), deleting it
 * (POST .../{id}/delete) and "run now" (POST .../{id}/run: a ticket from it
 * at once, then its page). The custom fields are those of the chosen type,
 * shown and checked as the desk's update form does (desk_fields.h); the
 * time zone is checked as the SLA policies' is. Every write leaves a
 * config_audit row (trigger in 0038). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/desk_ticket.h"
#include "model/sla.h"
#include "model/team.h"
#include "model/ticket_template.h"
#include "pages/admin.h"
#include "pages/desk_fields.h"
#include "pages/pages.h"

#define TEMPLATES_PAGE 100
#define OPTIONS_SHOWN 500

static const admin_notice notices[] = {
	{ "created", "The template is created." },
	{ "saved", "The template is saved." },
	{ "deleted", "The template is deleted." },
	{ "activated", "The template is active: it is offered in the desk and its schedule runs." },
	{ "deactivated", "The template is inactive: it is not offered and its schedule does not run." },
};

static const char *const priorities[] = { "low", "normal", "high", "urgent" };
static const char *const priority_labels[] = { "Low", "Normal", "High", "Urgent" };
static const char *const schedules[] = { "none", "daily", "weekly", "monthly" };
static const char *const schedule_labels[] = { "No schedule: only by hand", "Every day", "Every week, on the days ticked",
	"Every month, on a day" };
static const char *const day_names[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* "HH:MM", 00:00 to 23:59. */
static bool time_valid(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':')
		return false;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60;
}

typedef struct {
	ticket_template_input in;
	bool days[7];
	const char *month_day;   /* as typed */
	desk_field *fields;      /* of the chosen type */
	size_t nfields;
} template_form;

/* The posted template, checked; the fields stay as typed for the form.
 * Returns 0, or a failure status. */
static int template_posted(req *r, template_form *f, form_errors *errors)
{
	memset(f, 0, sizeof *f);
	arena *a = r->a;
	ticket_template_input *in = &f->in;
	in->name = or_empty(admin_text(r, "name", TEMPLATE_NAME_MAX_CHARS, false, "The name", errors));
	in->title = or_empty(admin_text(r, "title", TEMPLATE_TITLE_MAX_CHARS, false, "The ticket's title", errors));
	in->description = or_empty(admin_text(r, "description", TEMPLATE_DESCRIPTION_MAX_BYTES, true, "The description", errors));
	in->requester_email = or_empty(admin_text(r, "requester", TEMPLATE_EMAIL_MAX_CHARS, false, "The requester", errors));
	in->time_zone = or_empty(admin_text(r, "time_zone", TEMPLATE_TIME_ZONE_MAX_CHARS, false, "The time zone", errors));
	in->run_time = or_empty(admin_text(r, "run_time", 5, false, "The time", errors));
	f->month_day = or_empty(admin_text(r, "month_day", 2, false, "The day of the month", errors));
	in->request_type_id = str_dup(a, form_trim(req_form_get(r, "request_type")));
	in->team_id = str_dup(a, form_trim(req_form_get(r, "team")));
	in->assignee_id = str_dup(a, form_trim(req_form_get(r, "assignee")));
	in->is_active = admin_checked(r, "active");

	if (!form_errors_get(errors, "name") && !*in->name)
		form_errors_add(a, errors, "name", "Enter a name for the template, like “Weekly backup check”.");
	if (!form_errors_get(errors, "title") && !*in->title)
		form_errors_add(a, errors, "title", "Enter the title the tickets get.");
	if (!form_errors_get(errors, "description") && !*in->description)
		form_errors_add(a, errors, "description", "Enter the description the tickets get.");
	if (*in->requester_email && !form_errors_get(errors, "requester") &&
	    !form_email_valid(str_from_cstr(in->requester_email)))
		form_errors_add(a, errors, "requester", "Enter an email address like name@example.com, or leave it empty.");

	int p = admin_choice(req_form_get(r, "priority"), priorities, 4);
	in->priority = p < 0 ? "normal" : priorities[p];
	if (p < 0)
		form_errors_add(a, errors, "priority", "Choose one of the priorities listed.");

	int s = admin_choice(req_form_get(r, "schedule"), schedules, 4);
	in->schedule = s < 0 ? "none" : schedules[s];
	if (s < 0)
		form_errors_add(a, errors, "schedule", "Choose one of the schedules listed.");
	buf days;
	buf_init(&days, a, 16);
	buf_putc(&days, '{');
	for (int d = 0; d < 7; d++) {
		f->days[d] = admin_checked(r, arena_sprintf(a, "day_%d", d + 1));
		if (f->days[d] && s == 2) {
			if (days.len > 1)
				buf_putc(&days, ',');
			buf_putc(&days, (char)('1' + d));
		}
	}
	buf_putc(&days, '}');
	in->weekdays_array = days.data;
	if (s == 2 && days.len == 2)
		form_errors_add(a, errors, "days", "Tick at least one day of the week for a weekly schedule.");
	if (s == 3 && !form_errors_get(errors, "month_day")) {
		long day = 0;
		bool ok = *f->month_day && strspn(f->month_day, "0123456789") == strlen(f->month_day);
		if (ok)
			day = strtol(f->month_day, NULL, 10);
		if (!ok || day < 1 || day > 31)
			form_errors_add(a, errors, "month_day",
			    "Enter a day of the month from 1 to 31; 31 (or 29, 30) means the last day in shorter months.");
		else
			in->month_day = (int)day;
	}
	if (!form_errors_get(errors, "run_time") && !time_valid(in->run_time))
		form_errors_add(a, errors, "run_time", "Enter the time as HH:MM on a 24-hour clock, like 09:00 or 17:30.");
	if (!form_errors_get(errors, "time_zone")) {
		if (!*in->time_zone) {
			form_errors_add(a, errors, "time_zone", "Enter a time zone, like Europe/Paris, America/New_York or UTC.");
		} else {
			int ok = sla_time_zone_valid(page_tx(r), in->time_zone);
			if (ok < 0)
				return page_db_failure(r);
			if (!ok)
				form_errors_add(a, errors, "time_zone",
				    "This is not a time zone PostgreSQL knows. Use a name like Europe/Paris, America/New_York or UTC.");
		}
	}

	/* The custom fields of the chosen type, checked as the desk checks them. */
	in->custom_fields = "{}";
	if (*in->request_type_id && cstr_is_uuid(in->request_type_id)) {
		if (desk_type_fields(page_tx(r), in->request_type_id, "admin", "{}", &f->fields, &f->nfields) != 0)
			return page_db_failure(r);
		in->custom_fields = desk_fields_json(r, f->fields, f->nfields, false, errors);
	}
	return 0;
}

/* The form: its fields, the menus, the schedule, the type's fields. */
static int form_view(req *r, tv *v, const admin_ctx *ctx, const template_form *f, bool posted,
    const form_errors *errors)
{
	arena *a = r->a;
	const ticket_template_input *in = &f->in;
	template_choice *types, *people;
	size_t nt, np, nteams;
	team *teams;
	if (ticket_template_choices(page_tx(r), ctx->org->id, OPTIONS_SHOWN, &types, &nt, &people, &np) != 0 ||
	    team_list(page_tx(r), ctx->org->id, OPTIONS_SHOWN, &teams, &nteams) != 0)
		return -1;
	admin_field(r, v, "name", in->name, errors);
	admin_field(r, v, "title", in->title, errors);
	admin_field(r, v, "description", in->description, errors);
	admin_field(r, v, "requester", in->requester_email, errors);
	admin_field(r, v, "request_type", NULL, errors);
	admin_field(r, v, "priority", NULL, errors);
	admin_field(r, v, "team", NULL, errors);
	admin_field(r, v, "assignee", NULL, errors);
	admin_field(r, v, "schedule", NULL, errors);
	admin_field(r, v, "days", NULL, errors);
	admin_field(r, v, "month_day", f->month_day, errors);
	admin_field(r, v, "run_time", in->run_time, errors);
	admin_field(r, v, "time_zone", in->time_zone, errors);

	tv *tl = tv_list(a);
	for (size_t i = 0; i < nt; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", types[i].id);
		tv_set_str(a, o, "name", types[i].name);
		tv_set_bool(a, o, "selected", strcmp(types[i].id, in->request_type_id) == 0);
		tv_push(a, tl, o);
	}
	tv_set(a, v, "type_options", tl);
	tv *ml = tv_list(a);
	for (size_t i = 0; i < nteams; i++) {
		if (!teams[i].is_active && strcmp(teams[i].id, in->team_id) != 0)
			continue;
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", teams[i].id);
		tv_set_str(a, o, "name", teams[i].name);
		tv_set_bool(a, o, "selected", strcmp(teams[i].id, in->team_id) == 0);
		tv_push(a, ml, o);
	}
	tv_set(a, v, "team_options", ml);
	tv *pl = tv_list(a);
	for (size_t i = 0; i < np; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", people[i].id);
		tv_set_str(a, o, "name", people[i].name);
		tv_set_bool(a, o, "selected", strcmp(people[i].id, in->assignee_id) == 0);
		tv_push(a, pl, o);
	}
	tv_set(a, v, "assignee_options", pl);
	tv *prl = tv_list(a);
	for (int i = 0; i < 4; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", priorities[i]);
		tv_set_str(a, o, "label", priority_labels[i]);
		tv_set_bool(a, o, "selected", strcmp(priorities[i], in->priority) == 0);
		tv_push(a, prl, o);
	}
	tv_set(a, v, "priority_options", prl);
	tv *sl = tv_list(a);
	for (int i = 0; i < 4; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", schedules[i]);
		tv_set_str(a, o, "label", schedule_labels[i]);
		tv_set_str(a, o, "input_id", arena_sprintf(a, "f-schedule-%s", schedules[i]));
		tv_set_bool(a, o, "checked", strcmp(schedules[i], in->schedule) == 0);
		tv_push(a, sl, o);
	}
	tv_set(a, v, "schedule_options", sl);
	tv *dl = tv_list(a);
	for (int d = 0; d < 7; d++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", arena_sprintf(a, "day_%d", d + 1));
		tv_set_str(a, o, "input_id", arena_sprintf(a, "f-day-%d", d + 1));
		tv_set_str(a, o, "label", day_names[d]);
		tv_set_bool(a, o, "checked", f->days[d]);
		tv_push(a, dl, o);
	}
	tv_set(a, v, "day_options", dl);
	tv_set_bool(a, v, "active", in->is_active);
	tv_set(a, v, "fields", desk_fields_view(r, f->fields, f->nfields, posted, errors));
	tv_set_bool(a, v, "has_fields", f->nfields > 0);
	admin_summary(r, v, errors);
	return 0;
}

/* The refusal of a save as a message by its field; false when saved. */
static bool refused(req *r, ticket_template_outcome out, form_errors *errors)
{
	switch (out) {
	case TEMPLATE_SAVED:
	case TEMPLATE_NOT_FOUND:
		return false;
	case TEMPLATE_BAD_TYPE:
		form_errors_add(r->a, errors, "request_type", "Choose one of the request types listed.");
		break;
	case TEMPLATE_BAD_TEAM:
		form_errors_add(r->a, errors, "team", "Choose one of the organization's active teams.");
		break;
	case TEMPLATE_BAD_ASSIGNEE:
		form_errors_add(r->a, errors, "assignee", "Choose one of the organization's active members.");
		break;
	case TEMPLATE_NAME_TAKEN:
		form_errors_add(r->a, errors, "name", "Another template of the organization has this name. Choose another one.");
		break;
	case TEMPLATE_BAD_TIME_ZONE:
		form_errors_add(r->a, errors, "time_zone",
		    "This is not a time zone PostgreSQL knows. Use a name like Europe/Paris, America/New_York or UTC.");
		break;
	}
	return true;
}

/* "Every Monday and Thursday at 09:00 (Europe/Paris)". */
static const char *schedule_words(arena *a, const ticket_template *t)
{
	if (strcmp(t->schedule, "daily") == 0)
		return arena_sprintf(a, "Every day at %s (%s)", t->run_time, t->time_zone);
	if (strcmp(t->schedule, "monthly") == 0)
		return arena_sprintf(a, "Every month on day %d at %s (%s)", t->month_day, t->run_time, t->time_zone);
	if (strcmp(t->schedule, "weekly") == 0) {
		const char *days = "";
		for (const char *p = t->weekdays; *p; p++)
			if (*p >= '1' && *p <= '7')
				days = arena_sprintf(a, "%s%s%s", days, *days ? ", " : "", day_names[*p - '1']);
		return arena_sprintf(a, "Every week on %s at %s (%s)", days, t->run_time, t->time_zone);
	}
	return "By hand only";
}

/* ---- the list ---- */

static int list_page(req *r, int status, const admin_ctx *ctx, const template_form *f, const form_errors *errors)
{
	str after_s = req_query_get(r, "after");
	const char *after = after_s.len ? str_dup(r->a, after_s) : NULL;
	if (after && !str_is_uuid(after_s))
		return 400;
	ticket_template *list;
	size_t n;
	if (ticket_template_list(page_tx(r), ctx->org->id, after, TEMPLATES_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_TEMPLATES);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	size_t shown = n > TEMPLATES_PAGE ? TEMPLATES_PAGE : n;
	tv *items = tv_list(a);
	for (size_t i = 0; i < shown; i++) {
		tv *c = tv_object(a);
		tv_set_str(a, c, "name", list[i].name);
		tv_set_str(a, c, "title", list[i].title);
		tv_set_str(a, c, "schedule", schedule_words(a, &list[i]));
		admin_set_opt(a, c, "next_run", list[i].is_active ? list[i].next_run : "");
		admin_set_opt(a, c, "last_run", list[i].last_run);
		admin_set_opt(a, c, "team", list[i].team_name);
		admin_set_opt(a, c, "assignee", list[i].assignee_name);
		tv_set_bool(a, c, "is_active", list[i].is_active);
		tv_set_str(a, c, "href",
		    admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/templates/%s", list[i].id), NULL));
		tv_push(a, items, c);
	}
	tv_set(a, v, "templates", items);
	tv_set_bool(a, v, "has_templates", shown > 0);
	if (n > TEMPLATES_PAGE)
		tv_set_str(a, v, "next_href", arena_sprintf(a, "%s&after=%s",
		    admin_href(r, ctx->org, "/desk/admin/templates", NULL), list[TEMPLATES_PAGE - 1].id));
	if (after)
		tv_set_str(a, v, "first_href", admin_href(r, ctx->org, "/desk/admin/templates", NULL));
	template_form none;
	memset(&none, 0, sizeof none);
	none.in = (ticket_template_input){ "", "", "", "", "normal", "", "", "", "{}", true, "none", "{}", 0, "09:00",
		"UTC" };
	none.month_day = "";
	if (form_view(r, v, ctx, f ? f : &none, f != NULL, errors) != 0)
		return page_db_failure(r);
	return page_render(r, status, "admin_templates", v);
}

int page_admin_templates(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_TEMPLATES);
	form_errors none = { 0 };
	return list_page(r, 200, &ctx, NULL, &none);
}

int page_admin_template_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	template_form f;
	if ((st = template_posted(r, &f, &errors)))
		return st;
	if (errors.len)
		return list_page(r, 422, &ctx, &f, &errors);
	ticket_template_outcome out;
	const char *id;
	if (ticket_template_save(page_tx(r), ctx.org->id, NULL, &f.in, &out, &id) != 0)
		return page_db_failure(r);
	if (out == TEMPLATE_NOT_FOUND)
		return 404;
	if (refused(r, out, &errors))
		return list_page(r, 422, &ctx, &f, &errors);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/templates/%s", id), "created");
}

/* ---- one template ---- */

static int load_template(req *r, const admin_ctx *ctx, ticket_template *t)
{
	int found = ticket_template_get(page_tx(r), ctx->org->id, admin_route_id(r), t);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int template_page(req *r, int status, const admin_ctx *ctx, const ticket_template *t, const template_form *f,
    const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_TEMPLATES);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	const char *base = arena_sprintf(a, "/desk/admin/templates/%s", t->id);
	tv *cv = tv_object(a);
	tv_set_str(a, cv, "name", t->name);
	tv_set_str(a, cv, "action", base);
	tv_set_str(a, cv, "active_action", arena_sprintf(a, "%s/active", base));
	tv_set_str(a, cv, "delete_action", arena_sprintf(a, "%s/delete", base));
	tv_set_str(a, cv, "run_action", arena_sprintf(a, "%s/run", base));
	tv_set_str(a, cv, "schedule_words", schedule_words(a, t));
	admin_set_opt(a, cv, "next_run", t->is_active ? t->next_run : "");
	admin_set_opt(a, cv, "last_run", t->last_run);
	tv_set_bool(a, cv, "is_active", t->is_active);
	tv_set_str(a, cv, "time_zone", t->time_zone);
	tv_set(a, v, "template", cv);
	tv_set_str(a, v, "templates_href", admin_href(r, ctx->org, "/desk/admin/templates", NULL));
	template_form current;
	if (!f) {
		memset(&current, 0, sizeof current);
		current.in = (ticket_template_input){ t->name, t->title, t->description, t->request_type_id, t->priority,
			t->team_id, t->assignee_id, t->requester_email, t->custom_fields, t->is_active, t->schedule, "", t->month_day,
			t->run_time, t->time_zone };
		for (const char *p = t->weekdays; *p; p++)
			if (*p >= '1' && *p <= '7')
				current.days[*p - '1'] = true;
		current.month_day = t->month_day ? arena_sprintf(a, "%d", t->month_day) : "";
		if (desk_type_fields(page_tx(r), t->request_type_id, "admin", t->custom_fields, &current.fields,
		        &current.nfields) != 0)
			return page_db_failure(r);
	}
	if (form_view(r, v, ctx, f ? f : &current, f != NULL, errors) != 0)
		return page_db_failure(r);
	return page_render(r, status, "admin_template", v);
}

int page_admin_template(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	ticket_template t;
	if ((st = load_template(r, &ctx, &t)))
		return st;
	form_errors none = { 0 };
	return template_page(r, 200, &ctx, &t, NULL, &none);
}

int page_admin_template_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	ticket_template t;
	if ((st = load_template(r, &ctx, &t)))
		return st;
	form_errors errors = { 0 };
	template_form f;
	if ((st = template_posted(r, &f, &errors)))
		return st;
	if (errors.len)
		return template_page(r, 422, &ctx, &t, &f, &errors);
	ticket_template_outcome out;
	const char *id;
	if (ticket_template_save(page_tx(r), ctx.org->id, t.id, &f.in, &out, &id) != 0)
		return page_db_failure(r);
	if (out == TEMPLATE_NOT_FOUND)
		return 404;
	if (refused(r, out, &errors))
		return template_page(r, 422, &ctx, &t, &f, &errors);
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/templates/%s", t.id), "saved");
}

int page_admin_template_active(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	str v = req_form_get(r, "active");
	if (!str_eq_cstr(v, "1") && !str_eq_cstr(v, "0"))
		return 400;
	bool on = str_eq_cstr(v, "1");
	const char *id = admin_route_id(r);
	int done = ticket_template_set_active(page_tx(r), ctx.org->id, id, on);
	if (done < 0)
		return page_db_failure(r);
	if (!done)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/templates/%s", id),
	    on ? "activated" : "deactivated");
}

int page_admin_template_delete(req *r)
{
	return admin_remove(r, ticket_template_delete, "/desk/admin/templates"); /* tickets keep what they were given */
}

int page_admin_template_run(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	ticket_template t;
	if ((st = load_template(r, &ctx, &t)))
		return st;
	const char *number;
	int made = ticket_template_use(page_tx(r), t.id, &number);
	if (made < 0)
		return page_db_failure(r);
	if (!made)
		return 404;
	resp_redirect(r, 303, arena_sprintf(r->a, "/desk/tickets/%s", number));
	return 0;
}
