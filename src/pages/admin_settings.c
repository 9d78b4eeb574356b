/* admin_settings.c: an organization's settings (GET, POST
 * /desk/admin/settings): auto-assign, email notifications, the support
 * email and phone and the message customers see when a ticket is routed
 * here, the ticket number prefix and the team new tickets land in. Each
 * field is checked with its own message and what was typed stays. */
#include <ctype.h>
#include <string.h>

#include "model/org_admin.h"
#include "model/team.h"
#include "model/ticket.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define EMAIL_MAX_BYTES 254
#define PHONE_MAX_CHARS 50
#define MESSAGE_MAX_CHARS 2000
#define TEAMS_OFFERED 500

static const admin_notice notices[] = {
	{ "saved", "The settings are saved." },
};

/* Digits, spaces and + ( ) - . / only, with at least three digits. */
static bool phone_valid(const char *p)
{
	int digits = 0;
	for (const char *c = p; *c; c++) {
		if (*c >= '0' && *c <= '9')
			digits++;
		else if (!strchr(" +()-./", *c))
			return false;
	}
	return digits >= 3;
}

static int settings_page(req *r, int status, const admin_ctx *ctx, const org_settings *s, const form_errors *errors)
{
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_SETTINGS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	if (!s->exists) {
		tv_set_bool(a, v, "no_settings", true);
		return page_render(r, status, "admin_settings", v);
	}
	team *teams;
	size_t nt;
	if (team_list(page_tx(r), ctx->org->id, TEAMS_OFFERED, &teams, &nt) != 0)
		return page_db_failure(r);
	tv_set_bool(a, v, "has_settings", true);
	tv_set_bool(a, v, "not_provisioned", !s->is_provisioned);
	tv_set_bool(a, v, "auto_assign", s->auto_assign);
	tv_set_bool(a, v, "email_notifications", s->email_notifications);
	tv_set_bool(a, v, "require_time", s->require_time);
	tv_set_str(a, v, "system_prefix", s->system_prefix);
	admin_field(r, v, "support_email", s->support_email, errors);
	admin_field(r, v, "support_phone", s->support_phone, errors);
	admin_field(r, v, "custom_message", s->custom_message, errors);
	admin_field(r, v, "ticket_prefix", s->ticket_prefix, errors);
	admin_field(r, v, "default_team", NULL, errors);
	tv *tl = tv_list(a);
	for (size_t i = 0; i < nt; i++) {
		if (!teams[i].is_active && strcmp(teams[i].id, s->default_team_id) != 0)
			continue;
		tv *t = tv_object(a);
		tv_set_str(a, t, "id", teams[i].id);
		tv_set_str(a, t, "name", teams[i].name);
		tv_set_bool(a, t, "selected", strcmp(teams[i].id, s->default_team_id) == 0);
		tv_push(a, tl, t);
	}
	tv_set(a, v, "teams", tl);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_settings", v);
}

static int load(req *r, admin_ctx *ctx, org_settings *s)
{
	int st = admin_begin(r, ctx);
	if (st)
		return st;
	if (!ctx->org)
		return -1;
	if (org_settings_load(page_tx(r), ctx->org->id, s) != 0)
		return page_db_failure(r);
	return 0;
}

int page_admin_settings(req *r)
{
	admin_ctx ctx;
	org_settings s;
	int st = load(r, &ctx, &s);
	if (st == -1)
		return admin_choose(r, &ctx, ADMIN_SETTINGS);
	if (st)
		return st;
	form_errors none = { 0 };
	return settings_page(r, 200, &ctx, &s, &none);
}

int page_admin_settings_save(req *r)
{
	admin_ctx ctx;
	org_settings s;
	int st = load(r, &ctx, &s);
	if (st == -1)
		return 404;
	if (st)
		return st;
	form_errors errors = { 0 };
	if (!s.exists)
		return settings_page(r, 409, &ctx, &s, &errors);

	s.auto_assign = admin_checked(r, "auto_assign");
	s.email_notifications = admin_checked(r, "email_notifications");
	s.require_time = admin_checked(r, "require_time");

	const char *email = admin_text(r, "support_email", EMAIL_MAX_BYTES, false, "The support email", &errors);
	s.support_email = email ? email : "";
	if (*s.support_email && !form_errors_get(&errors, "support_email") &&
	    (strlen(s.support_email) > EMAIL_MAX_BYTES || !form_email_valid(str_from_cstr(s.support_email))))
		form_errors_add(r->a, &errors, "support_email", "Enter the support email like help@example.com, or leave it empty.");
	bool taken = false;
	if (*s.support_email && !form_errors_get(&errors, "support_email") &&
	    org_support_email_taken(page_tx(r), ctx.org->id, s.support_email, &taken) != 0)
		return page_db_failure(r);
	if (taken)
		form_errors_add(r->a, &errors, "support_email",
		    "Another organization uses this address: each support address belongs to one organization, "
		    "since email to it opens tickets there. Choose another, or leave it empty.");

	const char *phone = admin_text(r, "support_phone", PHONE_MAX_CHARS, false, "The support phone", &errors);
	s.support_phone = phone ? phone : "";
	if (*s.support_phone && !form_errors_get(&errors, "support_phone") && !phone_valid(s.support_phone))
		form_errors_add(r->a, &errors, "support_phone",
		    "Enter the phone number with digits, spaces and + ( ) - . / only, like +1 555 0100, or leave it empty.");

	const char *message = admin_text(r, "custom_message", MESSAGE_MAX_CHARS, true, "The message", &errors);
	s.custom_message = message ? message : "";

	const char *prefix = admin_text(r, "ticket_prefix", 10, false, "The ticket prefix", &errors);
	char *upper = arena_strdup(r->a, prefix ? prefix : "");
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	if (*upper && !form_errors_get(&errors, "ticket_prefix") && !ticket_prefix_valid(upper))
		form_errors_add(r->a, &errors, "ticket_prefix",
		    "Use 2 to 10 letters and digits, starting with a letter, like ACME or HELP2, or leave it empty for the default.");
	s.ticket_prefix = form_errors_get(&errors, "ticket_prefix") ? (prefix ? prefix : "") : upper;

	str team_id = req_form_get(r, "default_team");
	s.default_team_id = str_dup(r->a, team_id);
	if (team_id.len) {
		team t;
		int found = team_get(page_tx(r), ctx.org->id, s.default_team_id, &t);
		if (found < 0)
			return page_db_failure(r);
		if (!found || !t.is_active)
			form_errors_add(r->a, &errors, "default_team", "Choose one of the organization's active teams, or none.");
	}
	if (errors.len)
		return settings_page(r, 422, &ctx, &s, &errors);
	int rc = org_settings_save(page_tx(r), ctx.org->id, &s);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return admin_redirect(r, ctx.org, "/desk/admin/settings", "saved");
}
