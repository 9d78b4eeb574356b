/* admin_sla.c: an organization's SLA policies, one per priority (GET, POST
 * /desk/admin/sla), one policy (GET, POST .../{id}) and its removal (POST
 * .../{id}/delete: deactivated instead when tickets were measured by it).
 * Saving recomputes the due times of the organization's open tickets of
 * that priority in the same transaction, without bumping their version
 * (sla_policy_recompute(), 0025). Every write leaves a config_audit row. */
#include <stdlib.h>
#include <string.h>

#include "model/sla.h"
#include "pages/admin.h"
#include "pages/pages.h"

/* Sane bounds: a first response within 30 days, a resolution within a year. */
#define FIRST_RESPONSE_MAX 43200
#define RESOLUTION_MAX 525600
#define HOLIDAYS_FIELD_MAX_CHARS 12000

static const admin_notice notices[] = {
	{ "created", "The policy is created, and the due times of the organization's open tickets of that priority "
	             "are recomputed." },
	{ "saved", "The policy is saved, and the due times of its open tickets are recomputed." },
	{ "deleted", "The policy is deleted: tickets of that priority follow the platform's default policy." },
	{ "deactivated", "Tickets were measured by this policy, so it is deactivated instead of deleted: open tickets "
	                 "follow the platform's default policy, resolved ones keep theirs." },
};

static const char *const day_labels[SLA_DAYS] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday", "Sunday" };
static const char *const priority_labels[SLA_PRIORITIES] = { "Low", "Normal", "High", "Urgent" };
/* Who hears of a warning or breach besides the assignee (0018's
 * sla_escalation_recipients): none, or one of the table's roles. */
static const char *const roles[] = { "", "agent", "admin", "platform_agent", "platform_admin" };
static const char *const role_labels[] = { "Only the assignee", "Every agent of the organization",
	"The organization's admins", "The platform's support staff", "The platform's admins" };
#define NROLES 5
#define NROLES_ORG 3

/* An organization tells its own people; the platform roles are offered to
 * the platform organization only (another one would page the operator's
 * staff), or kept when the policy has one already (set from psql). */
static bool role_offered(int i, bool platform, const char *current)
{
	return i < NROLES_ORG || platform || (current && strcmp(current, roles[i]) == 0);
}

static const char *priority_label(const char *p)
{
	int i = admin_choice(str_from_cstr(p), sla_priorities, SLA_PRIORITIES);
	return i < 0 ? p : priority_labels[i];
}

static const char *role_label(const char *r)
{
	int i = admin_choice(str_from_cstr(r), roles, NROLES);
	return i < 0 ? r : role_labels[i];
}

/* "HH:MM" from 00:00 to 23:59, or 24:00 when end is true; minutes in *min. */
static bool time_parse(const char *s, bool end, int *min)
{
	if (strlen(s) != 5 || s[2] != ':')
		return false;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (!end || m != 0)))
		return false;
	*min = h * 60 + m;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A calendar date "YYYY-MM-DD" from 2000 to 2199. */
static bool date_valid(str s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (s.len != 10 || s.ptr[4] != '-' || s.ptr[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s.ptr[i] < '0' || s.ptr[i] > '9'))
			return false;
	int y = (s.ptr[0] - '0') * 1000 + (s.ptr[1] - '0') * 100 + (s.ptr[2] - '0') * 10 + (s.ptr[3] - '0');
	int m = (s.ptr[5] - '0') * 10 + (s.ptr[6] - '0'), d = (s.ptr[8] - '0') * 10 + (s.ptr[9] - '0');
	if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

static int date_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The holidays typed one a line (blank lines and spaces ignored), sorted,
 * duplicates dropped, one a line again; a message for the first bad one. */
static const char *holidays_parse(req *r, const char *typed, form_errors *errors)
{
	size_t cap = 0;
	for (const char *p = typed; *p; p++)
		cap += *p == '\n';
	const char **dates = arena_calloc(r->a, cap + 2, sizeof *dates);
	size_t n = 0;
	const char *p = typed;
	while (*p) {
		const char *eol = strchr(p, '\n');
		str line = form_trim((str){ p, eol ? (size_t)(eol - p) : strlen(p) });
		p = eol ? eol + 1 : p + strlen(p);
		if (!line.len)
			continue;
		if (!date_valid(line)) {
			form_errors_add(r->a, errors, "holidays",
			    arena_sprintf(r->a, "“%.*s” is not a date. Write one date a line as YYYY-MM-DD, like 2026-12-25.",
			        line.len > 40 ? 40 : (int)line.len, line.ptr));
			return typed;
		}
		dates[n++] = str_dup(r->a, line);
	}
	qsort(dates, n, sizeof *dates, date_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (!kept || strcmp(dates[kept - 1], dates[i]) != 0)
			dates[kept++] = dates[i];
	if (kept > SLA_HOLIDAYS_MAX) {
		form_errors_add(r->a, errors, "holidays",
		    arena_sprintf(r->a, "At most %d holidays (this is %zu).", SLA_HOLIDAYS_MAX, kept));
		return typed;
	}
	const char *out = "";
	for (size_t i = 0; i < kept; i++)
		out = arena_sprintf(r->a, "%s%s%s", out, i ? "\n" : "", dates[i]);
	return out;
}

static bool color_valid(const char *s)
{
	if (strlen(s) != 7 || s[0] != '#')
		return false;
	for (int i = 1; i < 7; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* The posted policy, checked; the fields stay as typed for the form. The
 * priority is read on create only (creating is true). Returns 0, or a
 * failure status (the time zone look-up). */
static int sla_form(req *r, bool creating, bool platform, const char *current_role, sla_input *in,
    form_errors *errors)
{
	memset(in, 0, sizeof *in);
	arena *a = r->a;
	if (creating) {
		str pr = req_form_get(r, "priority");
		int i = admin_choice(pr, sla_priorities, SLA_PRIORITIES);
		in->priority = i < 0 ? "" : sla_priorities[i];
		if (i < 0)
			form_errors_add(a, errors, "priority", "Choose the priority the policy is for.");
	}
	in->display_name = or_empty(admin_text(r, "display_name", SLA_NAME_MAX_CHARS, false, "The name", errors));
	in->color = or_empty(admin_text(r, "color", 7, false, "The colour", errors));
	in->time_zone = or_empty(admin_text(r, "time_zone", SLA_TIME_ZONE_MAX_CHARS, false, "The time zone", errors));
	const char *holidays = or_empty(admin_text(r, "holidays", HOLIDAYS_FIELD_MAX_CHARS, true, "The holidays", errors));
	in->use_business_hours = admin_checked(r, "use_business_hours");
	in->raise_priority_on_breach = admin_checked(r, "raise_priority");
	in->is_active = admin_checked(r, "active");

	if (!form_errors_get(errors, "display_name") && !*in->display_name)
		form_errors_add(a, errors, "display_name", "Enter a name for the policy, like “Urgent”.");
	if (!*in->color)
		in->color = "#6B7280";
	else if (!form_errors_get(errors, "color") && !color_valid(in->color))
		form_errors_add(a, errors, "color", "The colour must be # and six hexadecimal digits, like #DC2626.");

	long fr, res, warn;
	bool fr_ok = admin_number(r, "first_response_minutes", 1, FIRST_RESPONSE_MAX, "The first response time", &fr, errors);
	bool res_ok = admin_number(r, "resolution_minutes", 1, RESOLUTION_MAX, "The resolution time", &res, errors);
	bool warn_ok = admin_number(r, "warning_percent", 1, 99, "The warning threshold", &warn, errors);
	if (fr_ok && fr < 0)
		form_errors_add(a, errors, "first_response_minutes", "Enter the first response time in minutes, like 60.");
	if (res_ok && res < 0)
		form_errors_add(a, errors, "resolution_minutes", "Enter the resolution time in minutes, like 480.");
	if (warn_ok && warn < 0)
		form_errors_add(a, errors, "warning_percent", "Enter the warning threshold in per cent, like 75.");
	if (fr_ok && res_ok && fr > 0 && res > 0 && res < fr)
		form_errors_add(a, errors, "resolution_minutes",
		    "The resolution time cannot be shorter than the first response time.");
	/* Kept as typed for the form: admin_number leaves -1 on a bad value. */
	in->first_response_minutes = fr;
	in->resolution_minutes = res;
	in->warning_percent = warn;

	int role = admin_choice(req_form_get(r, "escalate_to_role"), roles, NROLES);
	if (role < 0 || !role_offered(role, platform, current_role)) {
		form_errors_add(a, errors, "escalate_to_role", "Choose who is told of a warning or a breach.");
		role = 0;
	}
	in->escalate_to_role = roles[role];

	int open_days = 0;
	for (int d = 0; d < SLA_DAYS; d++) {
		const char *key = sla_day_keys[d];
		sla_day *day = &in->days[d];
		day->open = !admin_checked(r, arena_sprintf(a, "closed_%s", key));
		const char *sf = arena_sprintf(a, "start_%s", key), *ef = arena_sprintf(a, "end_%s", key);
		day->start = str_dup(a, form_trim(req_form_get(r, sf)));
		day->end = str_dup(a, form_trim(req_form_get(r, ef)));
		if (!day->open)
			continue;
		open_days++;
		int s, e;
		bool s_ok = time_parse(day->start, false, &s), e_ok = time_parse(day->end, true, &e);
		if (!s_ok)
			form_errors_add(a, errors, sf,
			    arena_sprintf(a, "%s: the opening time must be HH:MM, like 09:00 (or tick “Closed”).", day_labels[d]));
		if (!e_ok)
			form_errors_add(a, errors, ef,
			    arena_sprintf(a, "%s: the closing time must be HH:MM, like 17:00 (24:00 for midnight).", day_labels[d]));
		if (s_ok && e_ok && e <= s)
			form_errors_add(a, errors, ef,
			    arena_sprintf(a, "%s: the closing time must be after the opening time (%s).", day_labels[d], day->start));
	}
	if (in->use_business_hours && open_days == 0)
		form_errors_add(a, errors, "use_business_hours",
		    "Counting business hours needs at least one open day: open one, or count around the clock.");

	in->holidays = form_errors_get(errors, "holidays") ? holidays : holidays_parse(r, holidays, errors);

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
	return 0;
}

static const char *number_or_empty(arena *a, long v)
{
	return v < 0 ? "" : arena_sprintf(a, "%ld", v);
}

/* The form's fields; on a 422 the numbers typed stay as typed. */
static void input_fields(req *r, tv *v, const sla_input *in, const form_errors *errors, bool creating, bool platform,
    const char *current_role)
{
	arena *a = r->a;
	bool posted = r->method == METHOD_POST;
	admin_field(r, v, "display_name", in->display_name, errors);
	admin_field(r, v, "color", in->color, errors);
	admin_field(r, v, "first_response_minutes",
	    posted ? str_dup(a, form_trim(req_form_get(r, "first_response_minutes"))) : number_or_empty(a, in->first_response_minutes),
	    errors);
	admin_field(r, v, "resolution_minutes",
	    posted ? str_dup(a, form_trim(req_form_get(r, "resolution_minutes"))) : number_or_empty(a, in->resolution_minutes),
	    errors);
	admin_field(r, v, "warning_percent",
	    posted ? str_dup(a, form_trim(req_form_get(r, "warning_percent"))) : number_or_empty(a, in->warning_percent),
	    errors);
	admin_field(r, v, "time_zone", in->time_zone, errors);
	admin_field(r, v, "holidays", in->holidays, errors);
	admin_field(r, v, "use_business_hours", NULL, errors);
	admin_field(r, v, "escalate_to_role", NULL, errors);
	tv_set_bool(a, v, "use_business_hours_checked", in->use_business_hours);
	tv_set_bool(a, v, "raise_priority", in->raise_priority_on_breach);
	tv_set_bool(a, v, "active", in->is_active);

	tv *rl = tv_list(a);
	for (int i = 0; i < NROLES; i++) {
		if (!role_offered(i, platform, current_role))
			continue;
		tv *o = tv_object(a);
		tv_set_str(a, o, "value", roles[i]);
		tv_set_str(a, o, "label", role_labels[i]);
		tv_set_bool(a, o, "selected", strcmp(in->escalate_to_role ? in->escalate_to_role : "", roles[i]) == 0);
		tv_push(a, rl, o);
	}
	tv_set(a, v, "roles", rl);

	tv *days = tv_list(a);
	for (int d = 0; d < SLA_DAYS; d++) {
		tv *o = tv_object(a);
		const char *key = sla_day_keys[d];
		tv_set_str(a, o, "key", key);
		tv_set_str(a, o, "label", day_labels[d]);
		tv_set_bool(a, o, "closed", !in->days[d].open);
		admin_field(r, o, "start", in->days[d].start, NULL);
		admin_field(r, o, "end", in->days[d].end, NULL);
		/* Messages under the day's own names (start_monday...). */
		const char *se = form_errors_get(errors, arena_sprintf(a, "start_%s", key));
		const char *ee = form_errors_get(errors, arena_sprintf(a, "end_%s", key));
		if (se) {
			tv_set_str(a, o, "start_error", se);
			tv_set_str(a, o, "start_error_id", arena_sprintf(a, "f-start_%s-error", key));
		}
		if (ee) {
			tv_set_str(a, o, "end_error", ee);
			tv_set_str(a, o, "end_error_id", arena_sprintf(a, "f-end_%s-error", key));
		}
		tv_push(a, days, o);
	}
	tv_set(a, v, "days", days);

	if (creating)
		admin_field(r, v, "priority", in->priority, errors);
}

/* A policy's line in the list and on its page: "Mon–Fri 09:00–17:00 (UTC)":
 * consecutive days with the same hours in one run. */
static const char *hours_summary(arena *a, const sla_policy *p)
{
	if (!p->use_business_hours)
		return "Around the clock";
	const char *s = "";
	for (int d = 0; d < SLA_DAYS;) {
		if (!p->days[d].open) {
			d++;
			continue;
		}
		int last = d;
		while (last + 1 < SLA_DAYS && p->days[last + 1].open && strcmp(p->days[last + 1].start, p->days[d].start) == 0
		    && strcmp(p->days[last + 1].end, p->days[d].end) == 0)
			last++;
		const char *days = last == d ? arena_sprintf(a, "%.3s", day_labels[d])
		                             : arena_sprintf(a, "%.3s–%.3s", day_labels[d], day_labels[last]);
		s = arena_sprintf(a, "%s%s%s %s–%s", s, *s ? ", " : "", days, p->days[d].start, p->days[d].end);
		d = last + 1;
	}
	return arena_sprintf(a, "%s (%s)", *s ? s : "no open day", p->time_zone);
}

static const char *minutes_text(arena *a, long m)
{
	if (m >= 1440 && m % 1440 == 0)
		return arena_sprintf(a, "%ld min (%ld d)", m, m / 1440);
	if (m >= 60 && m % 60 == 0)
		return arena_sprintf(a, "%ld min (%ld h)", m, m / 60);
	return arena_sprintf(a, "%ld min", m);
}

static void policy_summary(req *r, tv *o, const sla_policy *p)
{
	arena *a = r->a;
	tv_set_str(a, o, "display_name", p->display_name);
	tv_set_str(a, o, "first_response", minutes_text(a, p->first_response_minutes));
	tv_set_str(a, o, "resolution", minutes_text(a, p->resolution_minutes));
	tv_set_str(a, o, "warning", arena_sprintf(a, "%ld%%", p->warning_percent));
	tv_set_str(a, o, "escalate", role_label(p->escalate_to_role));
	tv_set_str(a, o, "hours", hours_summary(a, p));
	tv_set_bool(a, o, "is_active", p->is_active);
	size_t nh = 0;
	for (const char *h = p->holidays; *h; h++)
		nh += *h == '\n';
	if (*p->holidays)
		tv_set_str(a, o, "holidays", arena_sprintf(a, "%zu holiday%s", nh + 1, nh ? "s" : ""));
	else
		tv_set_bool(a, o, "holidays", false);
}

/* ---- the list ---- */

static sla_input new_policy_defaults(void)
{
	sla_input in = { .priority = "", .display_name = "", .color = "#6B7280", .first_response_minutes = -1,
		.resolution_minutes = -1, .warning_percent = 75, .escalate_to_role = "agent", .use_business_hours = true,
		.time_zone = "UTC", .holidays = "", .is_active = true };
	for (int d = 0; d < SLA_DAYS; d++)
		in.days[d] = d < 5 ? (sla_day){ true, "09:00", "17:00" } : (sla_day){ false, "", "" };
	return in;
}

static int policies_page(req *r, int status, const admin_ctx *ctx, const sla_input *in, const form_errors *errors)
{
	sla_policy *own, *defs;
	size_t n, nd;
	if (sla_policy_list(page_tx(r), ctx->org->id, &own, &n) != 0 || sla_default_list(page_tx(r), &defs, &nd) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_SLA);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv *rows = tv_list(a);
	tv *free_prios = tv_list(a);
	bool any_free = false;
	const char *chosen = in ? in->priority : "";
	/* Most urgent first. */
	for (int i = SLA_PRIORITIES - 1; i >= 0; i--) {
		const char *pr = sla_priorities[i];
		tv *o = tv_object(a);
		tv_set_str(a, o, "priority", priority_labels[i]);
		const sla_policy *mine = NULL, *def = NULL;
		for (size_t k = 0; k < n; k++)
			if (strcmp(own[k].priority, pr) == 0)
				mine = &own[k];
		for (size_t k = 0; k < nd; k++)
			if (strcmp(defs[k].priority, pr) == 0)
				def = &defs[k];
		if (mine) {
			tv *p = tv_object(a);
			policy_summary(r, p, mine);
			tv_set_str(a, p, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/sla/%s", mine->id), NULL));
			tv_set_str(a, p, "open_tickets",
			    mine->open_tickets > 1000 ? "1000+" : arena_sprintf(a, "%ld", mine->open_tickets));
			tv_set(a, o, "own", p);
		} else {
			tv_set_bool(a, o, "own", false);
			if (def) {
				tv *p = tv_object(a);
				policy_summary(r, p, def);
				tv_set(a, o, "default", p);
			}
			tv *fp = tv_object(a);
			tv_set_str(a, fp, "value", pr);
			tv_set_str(a, fp, "label", priority_labels[i]);
			tv_set_bool(a, fp, "selected", strcmp(chosen, pr) == 0);
			tv_push(a, free_prios, fp);
			any_free = true;
		}
		tv_push(a, rows, o);
	}
	tv_set(a, v, "priorities", rows);
	tv_set(a, v, "free_priorities", free_prios);
	tv_set_bool(a, v, "can_create", any_free);
	sla_input none = new_policy_defaults();
	input_fields(r, v, in ? in : &none, errors, true, ctx->org->is_platform, NULL);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_sla", v);
}

int page_admin_sla(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_SLA);
	form_errors none = { 0 };
	return policies_page(r, 200, &ctx, NULL, &none);
}

static const char *const priority_taken =
    "The organization has a policy for this priority already (perhaps deactivated): change that one.";

int page_admin_sla_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	sla_input in;
	if ((st = sla_form(r, true, ctx.org->is_platform, NULL, &in, &errors)))
		return st;
	if (errors.len)
		return policies_page(r, 422, &ctx, &in, &errors);
	const char *id;
	long moved;
	int rc = sla_policy_create(page_tx(r), ctx.org->id, &in, &id, &moved);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, "priority", priority_taken);
		return policies_page(r, 422, &ctx, &in, &errors);
	}
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/sla/%s", id), "created");
}

/* ---- one policy ---- */

static int load_policy(req *r, const admin_ctx *ctx, sla_policy *p)
{
	int found = sla_policy_get(page_tx(r), ctx->org->id, admin_route_id(r), p);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

static int policy_page(req *r, int status, const admin_ctx *ctx, const sla_policy *p, const sla_input *in,
    const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_SLA);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	const char *base = arena_sprintf(a, "/desk/admin/sla/%s", p->id);
	tv *pv = tv_object(a);
	policy_summary(r, pv, p);
	tv_set_str(a, pv, "priority", priority_label(p->priority));
	tv_set_str(a, pv, "action", base);
	tv_set_str(a, pv, "delete_action", arena_sprintf(a, "%s/delete", base));
	tv_set_str(a, pv, "open_tickets", p->open_tickets > 1000 ? "more than 1000" : arena_sprintf(a, "%ld", p->open_tickets));
	tv_set(a, v, "policy", pv);
	tv_set_str(a, v, "sla_href", admin_href(r, ctx->org, "/desk/admin/sla", NULL));
	input_fields(r, v, in ? in : p, errors, false, ctx->org->is_platform, p->escalate_to_role);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_sla_policy", v);
}

int page_admin_sla_policy(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	sla_policy p;
	if ((st = load_policy(r, &ctx, &p)))
		return st;
	form_errors none = { 0 };
	return policy_page(r, 200, &ctx, &p, NULL, &none);
}

int page_admin_sla_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	sla_policy p;
	if ((st = load_policy(r, &ctx, &p)))
		return st;
	form_errors errors = { 0 };
	sla_input in;
	if ((st = sla_form(r, false, ctx.org->is_platform, p.escalate_to_role, &in, &errors)))
		return st;
	in.priority = p.priority;
	if (errors.len)
		return policy_page(r, 422, &ctx, &p, &in, &errors);
	long moved;
	int rc = sla_policy_update(page_tx(r), ctx.org->id, p.id, &in, &moved);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/sla/%s", p.id), "saved");
}

int page_admin_sla_delete(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	sla_delete_outcome out;
	if (sla_policy_delete(page_tx(r), ctx.org->id, admin_route_id(r), &out) != 0)
		return page_db_failure(r);
	if (out == SLA_NOT_FOUND)
		return 404;
	if (out == SLA_DEACTIVATED)
		return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/sla/%s", admin_route_id(r)), "deactivated");
	return admin_redirect(r, ctx.org, "/desk/admin/sla", "deleted");
}
