/* platform_orgs.c: every organization (GET /admin/organizations), a new
 * one (POST /admin/organizations), one organization (GET
 * /admin/organizations/{id}), its provisioning with a first admin invited
 * by email (POST .../{id}/provision) and its deactivation (POST
 * .../{id}/active). The changes are the command line's (`supportdesk org
 * add|provision`: model/operator.h), made as a platform admin.
 *
 * Deactivating an organization takes its request types off the public
 * form at once on this server (the form cache's generation moves after
 * the commit; other servers within SUPPORTDESK_FORM_CACHE_SECONDS) and
 * ends its staff's sessions before the commit. */
#include <string.h>

#include "core/log.h"
#include "model/operator.h"
#include "model/platform.h"
#include "model/ticket.h"
#include "pages/platform.h"
#include "pages/pages.h"

#define ORGS_PAGE 100
#define NAME_MAX_CHARS 200
#define EMAIL_MAX_BYTES 254

static const admin_notice org_notices[] = {
	{ "created", "The organization is created. Provision it with a first admin to open its desk." },
	{ "provisioned", "The organization is provisioned: its admin got an email with a link to choose a password." },
	{ "deactivated", "The organization is deactivated: its request types left the public form and its staff are signed out." },
	{ "activated", "The organization is active again." },
};

typedef struct {
	const char *name, *slug, *prefix;
} org_input;

static void org_state(req *r, tv *o, const platform_org *org)
{
	arena *a = r->a;
	tv_set_str(a, o, "id", org->id);
	tv_set_str(a, o, "name", org->name);
	tv_set_str(a, o, "slug", org->slug);
	admin_set_opt(a, o, "ticket_prefix", org->ticket_prefix);
	tv_set_bool(a, o, "is_platform", org->is_platform);
	tv_set_bool(a, o, "is_active", org->is_active);
	tv_set_bool(a, o, "is_provisioned", org->is_provisioned);
	tv_set_int(a, o, "members", org->members);
	tv_set_str(a, o, "href", arena_sprintf(a, "/admin/organizations/%s", org->id));
	tv_set_str(a, o, "state", !org->is_active ? "Deactivated" : org->is_provisioned ? "Active" : "Not provisioned");
}

static int orgs_page(req *r, int status, const org_input *in, const form_errors *errors)
{
	str after_q = req_query_get(r, "after");
	if (after_q.len > 36)
		return 400;
	const char *after = after_q.len ? str_dup(r->a, after_q) : NULL;
	platform_org *list;
	size_t n;
	if (platform_org_list(page_tx(r), after, ORGS_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = platform_view(r, PLATFORM_ORGS);
	tv *items = tv_list(a);
	size_t shown = n > ORGS_PAGE ? ORGS_PAGE : n;
	for (size_t i = 0; i < shown; i++) {
		tv *o = tv_object(a);
		org_state(r, o, &list[i]);
		tv_push(a, items, o);
	}
	tv_set(a, v, "orgs", items);
	tv_set_bool(a, v, "has_orgs", shown > 0);
	if (n > ORGS_PAGE)
		tv_set_str(a, v, "next_href", arena_sprintf(a, "/admin/organizations?after=%s", list[ORGS_PAGE - 1].id));
	if (after)
		tv_set_str(a, v, "first_href", "/admin/organizations");
	admin_field(r, v, "name", in ? in->name : NULL, errors);
	admin_field(r, v, "slug", in ? in->slug : NULL, errors);
	admin_field(r, v, "prefix", in ? in->prefix : NULL, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "platform_orgs", v);
}

int page_platform_orgs(req *r)
{
	form_errors none = { 0 };
	return orgs_page(r, 200, NULL, &none);
}

int page_platform_org_create(req *r)
{
	form_errors errors = { 0 };
	org_input in = { 0 };
	in.name = admin_text(r, "name", NAME_MAX_CHARS, false, "The name", &errors);
	in.slug = admin_text(r, "slug", 64, false, "The slug", &errors);
	in.prefix = admin_text(r, "prefix", 10, false, "The ticket prefix", &errors);
	if (!in.name || !*in.name)
		form_errors_add(r->a, &errors, "name", "Enter the organization's name.");
	if (!in.slug || !*in.slug)
		form_errors_add(r->a, &errors, "slug", "Enter a slug, like acme-support.");
	else if (!form_errors_get(&errors, "slug") && !org_slug_valid(in.slug))
		form_errors_add(r->a, &errors, "slug",
		    "The slug can have lowercase letters, digits and hyphens (not at either end), like acme-support.");
	if (in.prefix && *in.prefix && !form_errors_get(&errors, "prefix") && !ticket_prefix_valid(in.prefix))
		form_errors_add(r->a, &errors, "prefix",
		    "The ticket prefix needs 2 to 10 capital letters and digits, starting with a letter, like ACME.");
	if (errors.len)
		return orgs_page(r, 422, &in, &errors);
	const char *id, *why;
	switch (operator_org_add(page_tx(r), in.name, in.slug, in.prefix && *in.prefix ? in.prefix : NULL, &id, &why)) {
	case 1:
		break;
	case 0:
		if (strcmp(why, "slug_taken") == 0)
			form_errors_add(r->a, &errors, "slug", "Another organization has this slug. Choose another.");
		else if (strcmp(why, "forbidden") == 0)
			return 404;
		else
			form_errors_add(r->a, &errors, "name", "The name, slug or prefix was refused. Check them.");
		return orgs_page(r, 422, &in, &errors);
	default:
		return page_db_failure(r);
	}
	log_info("organization created", "rid=%s org=%s", r->request_id, in.slug);
	resp_redirect(r, 303, arena_sprintf(r->a, "/admin/organizations/%s?done=created", id));
	return 0;
}

typedef struct {
	const char *email, *name;
} provision_input;

static int org_page(req *r, int status, const platform_org *org, const provision_input *in,
    const form_errors *errors, const char *refusal)
{
	arena *a = r->a;
	tv *v = platform_view(r, PLATFORM_ORGS);
	admin_set_notice(r, v, org_notices, sizeof org_notices / sizeof *org_notices);
	if (refusal)
		tv_set_str(a, v, "refusal", refusal);
	tv *o = tv_object(a);
	org_state(r, o, org);
	tv_set(a, v, "org", o);
	/* Flat copies for the forms, whose fields (email, name) must not be
	 * looked up in the organization's own name. */
	tv_set_str(a, v, "org_name", org->name);
	tv_set_bool(a, v, "org_is_platform", org->is_platform);
	tv_set_bool(a, v, "org_is_active", org->is_active);
	tv_set_bool(a, v, "org_is_provisioned", org->is_provisioned);
	tv_set_str(a, v, "provision_action", arena_sprintf(a, "/admin/organizations/%s/provision", org->id));
	tv_set_str(a, v, "active_action", arena_sprintf(a, "/admin/organizations/%s/active", org->id));
	tv_set_str(a, v, "desk_admin_href", arena_sprintf(a, "/desk/admin?org=%s", org->slug));
	tv_set_str(a, v, "audit_href", arena_sprintf(a, "/admin/audit?org=%s", org->slug));
	admin_field(r, v, "email", in ? in->email : NULL, errors);
	admin_field(r, v, "name", in ? in->name : NULL, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "platform_org", v);
}

/* The organization of the route: 0 with *org, or 404 / a failure. */
static int route_org(req *r, platform_org *org)
{
	int found = platform_org_get(page_tx(r), str_dup(r->a, req_route_get(r, "id")), org);
	return found < 0 ? page_db_failure(r) : found ? 0 : 404;
}

int page_platform_org(req *r)
{
	platform_org org;
	int st = route_org(r, &org);
	if (st)
		return st;
	form_errors none = { 0 };
	return org_page(r, 200, &org, NULL, &none, NULL);
}

int page_platform_org_provision(req *r)
{
	platform_org org;
	int st = route_org(r, &org);
	if (st)
		return st;
	form_errors errors = { 0 };
	provision_input in = { 0 };
	str email = form_trim(req_form_get(r, "email"));
	in.email = str_dup(r->a, email);
	in.name = admin_text(r, "name", NAME_MAX_CHARS, false, "The name", &errors);
	if (!email.len)
		form_errors_add(r->a, &errors, "email", "Enter the email address of the organization's first admin.");
	else if (email.len > EMAIL_MAX_BYTES || !form_email_valid(email))
		form_errors_add(r->a, &errors, "email", "Enter an email address like name@example.com.");
	if (org.is_platform)
		return org_page(r, 409, &org, &in, &errors,
		    "The platform's own organization needs no provisioning: give people platform roles under Users.");
	if (errors.len)
		return org_page(r, 422, &org, &in, &errors, NULL);
	const char *org_id, *org_name, *user_id, *why;
	bool created;
	switch (operator_org_provision(page_tx(r), org.slug, in.email, in.name, &org_id, &org_name, &user_id, &created,
	    &why)) {
	case 1:
		break;
	case 0:
		if (strcmp(why, "user_inactive") == 0)
			form_errors_add(r->a, &errors, "email",
			    "The account of this address is deactivated. Reactivate it under Users first.");
		else if (strcmp(why, "no_org") == 0 || strcmp(why, "forbidden") == 0)
			return 404;
		else
			form_errors_add(r->a, &errors, "email", "This address or name was refused. Check them.");
		return org_page(r, 422, &org, &in, &errors, NULL);
	default:
		return page_db_failure(r);
	}
	if ((st = admin_send_invite(r, org_name, user_id, in.email, in.name, true)))
		return st;
	r->config_changed = true; /* provisioning reactivates a deactivated organization */
	log_info("organization provisioned", "rid=%s org=%s new_account=%d", r->request_id, org.slug, created);
	resp_redirect(r, 303, arena_sprintf(r->a, "/admin/organizations/%s?done=provisioned", org.id));
	return 0;
}

int page_platform_org_active(req *r)
{
	platform_org org;
	int st = route_org(r, &org);
	if (st)
		return st;
	str posted = req_form_get(r, "active");
	if (!str_eq_cstr(posted, "0") && !str_eq_cstr(posted, "1"))
		return 400; /* the page's buttons send 0 or 1 */
	bool active = str_eq_cstr(posted, "1");
	const char *staff, *why;
	form_errors none = { 0 };
	switch (operator_org_set_active(page_tx(r), org.id, active, &staff, &why)) {
	case 1:
		break;
	case 0:
		if (strcmp(why, "platform") == 0)
			return org_page(r, 409, &org, NULL, &none,
			    "The platform's own organization cannot be deactivated: the platform's staff work in it.");
		if (strcmp(why, "unchanged") == 0)
			break;
		return 404;
	default:
		return page_db_failure(r);
	}
	if (!active && staff) {
		long ended;
		if ((st = platform_end_sessions(r, staff, &ended)))
			return st;
		log_info("organization deactivated", "rid=%s org=%s sessions_ended=%ld", r->request_id, org.slug, ended);
	}
	r->config_changed = true;
	resp_redirect(r, 303,
	    arena_sprintf(r->a, "/admin/organizations/%s?done=%s", org.id, active ? "activated" : "deactivated"));
	return 0;
}
