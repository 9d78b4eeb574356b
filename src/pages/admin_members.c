/* admin_members.c: an organization's members (GET /desk/admin/members),
 * invitations by email (POST /desk/admin/members), a member's role (POST
 * .../{id}/role) and deactivation (POST .../{id}/active). Deactivating a
 * member ends every session of theirs at once and hands their open tickets
 * of the organization back to its queue; the organization's last admin
 * stays (admin_membership_set in 0021 refuses, with the reason shown). */
#include <string.h>

#include "core/log.h"
#include "model/member.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define MEMBERS_PAGE 100
#define EMAIL_MAX_BYTES 254
#define NAME_MAX_CHARS 200

static const admin_notice notices[] = {
	{ "invited", "The invitation is sent: they choose a password from the link in the email." },
	{ "role", "The role is changed." },
	{ "deactivated", "The member is deactivated: they are signed out everywhere and their open tickets are back in the queue." },
	{ "activated", "The member is active again." },
	{ "away", "The member is marked away: auto-assign passes them over until they are back." },
	{ "available", "The member is available again: auto-assign gives them tickets." },
};

typedef struct {
	const char *email, *name, *role;
} invite_input;

static int members_page(req *r, int status, const admin_ctx *ctx, const invite_input *in, const form_errors *errors,
    const char *refusal)
{
	str after_q = req_query_get(r, "after");
	if (after_q.len > EMAIL_MAX_BYTES)
		return 400;
	const char *after = after_q.len ? str_dup(r->a, after_q) : NULL;
	member *list;
	size_t n;
	if (member_list(page_tx(r), ctx->org->id, after, MEMBERS_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_MEMBERS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	if (refusal)
		tv_set_str(a, v, "refusal", refusal);
	tv *items = tv_list(a);
	size_t shown = n > MEMBERS_PAGE ? MEMBERS_PAGE : n;
	for (size_t i = 0; i < shown; i++) {
		const member *m = &list[i];
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", m->id);
		tv_set_str(a, o, "name", *m->name ? m->name : m->email);
		tv_set_str(a, o, "email", m->email);
		tv_set_bool(a, o, "has_name", *m->name);
		tv_set_bool(a, o, "is_admin", strcmp(m->role, "admin") == 0);
		tv_set_bool(a, o, "is_active", m->is_active && m->user_active);
		tv_set_bool(a, o, "membership_active", m->is_active);
		tv_set_bool(a, o, "account_inactive", !m->user_active);
		tv_set_str(a, o, "teams", m->teams);
		tv_set_bool(a, o, "has_teams", *m->teams);
		tv_set_bool(a, o, "is_you", r->user_id && strcmp(r->user_id, m->user_id) == 0);
		/* An API key's service user: listed, but its key is what an admin
		 * manages (revoking it ends the membership), not a person's role. */
		tv_set_bool(a, o, "is_service", m->is_service);
		tv_set_bool(a, o, "is_person", !m->is_service);
		tv_set_str(a, o, "role_action", arena_sprintf(a, "/desk/admin/members/%s/role", m->id));
		tv_set_str(a, o, "active_action", arena_sprintf(a, "/desk/admin/members/%s/active", m->id));
		tv_set_str(a, o, "away_action", arena_sprintf(a, "/desk/admin/members/%s/away", m->id));
		admin_set_opt(a, o, "away_since", m->away_since);
		tv_push(a, items, o);
	}
	tv_set(a, v, "members", items);
	tv_set_bool(a, v, "has_members", shown > 0);
	if (n > MEMBERS_PAGE) {
		char *href = arena_sprintf(a, "%s&after=", admin_href(r, ctx->org, "/desk/admin/members", NULL));
		/* Addresses may hold '+', '&' and the like: percent-encode all but the safe ones. */
		const char *e = list[MEMBERS_PAGE - 1].email;
		buf b;
		buf_init(&b, a, strlen(href) + strlen(e) * 3 + 1);
		buf_puts(&b, href);
		for (const char *p = e; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~@", c))
				buf_putc(&b, (char)c);
			else {
				static const char hex[] = "0123456789ABCDEF";
				buf_putc(&b, '%');
				buf_putc(&b, hex[c >> 4]);
				buf_putc(&b, hex[c & 15]);
			}
		}
		tv_set_str(a, v, "next_href", b.data);
	}
	if (after)
		tv_set_str(a, v, "first_href", admin_href(r, ctx->org, "/desk/admin/members", NULL));
	admin_field(r, v, "email", in ? in->email : NULL, errors);
	admin_field(r, v, "name", in ? in->name : NULL, errors);
	admin_field(r, v, "role", NULL, errors);
	tv_set_bool(a, v, "role_admin", in && in->role && strcmp(in->role, "admin") == 0);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_members", v);
}

int page_admin_members(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_MEMBERS);
	form_errors none = { 0 };
	return members_page(r, 200, &ctx, NULL, &none, NULL);
}

int page_admin_member_invite(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	invite_input in = { 0 };
	str email = form_trim(req_form_get(r, "email"));
	in.email = str_dup(r->a, email);
	in.name = admin_text(r, "name", NAME_MAX_CHARS, false, "The name", &errors);
	str role = req_form_get(r, "role");
	in.role = str_eq_cstr(role, "admin") ? "admin" : str_eq_cstr(role, "agent") ? "agent" : NULL;
	if (!email.len)
		form_errors_add(r->a, &errors, "email", "Enter the email address of the person to invite.");
	else if (email.len > EMAIL_MAX_BYTES || !form_email_valid(email))
		form_errors_add(r->a, &errors, "email", "Enter an email address like name@example.com.");
	if (!in.role)
		form_errors_add(r->a, &errors, "role", "Choose a role: agent or admin.");
	if (errors.len)
		return members_page(r, 422, &ctx, &in, &errors, NULL);
	enum member_outcome outcome;
	const char *user_id;
	if (member_invite(page_tx(r), ctx.org->id, in.email, in.name ? in.name : "", in.role, &outcome, &user_id) != 0)
		return page_db_failure(r);
	switch (outcome) {
	case MEMBER_OK:
		break;
	case MEMBER_ALREADY:
		form_errors_add(r->a, &errors, "email", "This person is a member already: change their role in the list below.");
		return members_page(r, 422, &ctx, &in, &errors, NULL);
	case MEMBER_USER_INACTIVE:
		form_errors_add(r->a, &errors, "email",
		    "The account of this address is deactivated. A platform admin can reactivate it.");
		return members_page(r, 422, &ctx, &in, &errors, NULL);
	case MEMBER_NOT_FOUND:
		return 404;
	default:
		form_errors_add(r->a, &errors, "email", "This invitation cannot be sent. Check the address and the role.");
		return members_page(r, 422, &ctx, &in, &errors, NULL);
	}
	if ((st = admin_send_invite(r, ctx.org->name, user_id, in.email, in.name, strcmp(in.role, "admin") == 0)))
		return st;
	log_info("member invited", "rid=%s org=%s role=%s", r->request_id, ctx.org->slug, in.role);
	return admin_redirect(r, ctx.org, "/desk/admin/members", "invited");
}

static const char *last_admin_reason(req *r, const admin_ctx *ctx, const member *m)
{
	bool self = r->user_id && strcmp(r->user_id, m->user_id) == 0;
	return self ? arena_sprintf(r->a,
	                  "You are the last admin of %s: make another member an admin first, then change your own role.",
	                  ctx->org->name)
	            : arena_sprintf(r->a, "%s is the last admin of %s: make another member an admin first.",
	                  *m->name ? m->name : m->email, ctx->org->name);
}

/* Both member actions: the member of the route, then the change. */
#define SERVICE_REFUSAL "This member is an API key: revoke the key on the API keys page to end it."

static int member_change(req *r, bool role_change)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	member m;
	int found = member_get(page_tx(r), ctx.org->id, str_dup(r->a, req_route_get(r, "id")), &m);
	if (found < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	if (m.is_service) {
		form_errors none = { 0 };
		return members_page(r, 422, &ctx, NULL, &none, SERVICE_REFUSAL);
	}
	const char *role = m.role;
	bool active = m.is_active;
	if (role_change) {
		str posted = req_form_get(r, "role");
		role = str_eq_cstr(posted, "admin") ? "admin" : str_eq_cstr(posted, "agent") ? "agent" : NULL;
		if (!role) {
			form_errors errors = { 0 };
			return members_page(r, 422, &ctx, NULL, &errors, "Choose a role for the member: agent or admin.");
		}
	} else {
		str posted = req_form_get(r, "active");
		if (!str_eq_cstr(posted, "0") && !str_eq_cstr(posted, "1"))
			return 400; /* the page's buttons send 0 or 1 */
		active = str_eq_cstr(posted, "1");
	}
	enum member_outcome outcome;
	const char *user_id;
	long unassigned;
	if (member_set(page_tx(r), ctx.org->id, m.id, role, active, &outcome, &user_id, &unassigned) != 0)
		return page_db_failure(r);
	form_errors none = { 0 };
	switch (outcome) {
	case MEMBER_OK:
	case MEMBER_UNCHANGED:
		break;
	case MEMBER_LAST_ADMIN:
		return members_page(r, 409, &ctx, NULL, &none, last_admin_reason(r, &ctx, &m));
	case MEMBER_NOT_FOUND:
		return 404;
	default:
		return members_page(r, 422, &ctx, NULL, &none, "This change cannot be made.");
	}
	if (!role_change && m.is_active && !active && outcome == MEMBER_OK) {
		/* At once, not at their next request's access check: whatever a
		 * session could reach through this membership ends with it. */
		long ended;
		if (session_destroy_all(r->app->kv, r->a, user_id, &ended) != KV_OK)
			return 503; /* the transaction rolls back: still a member, as the sessions say */
		log_info("member deactivated", "rid=%s org=%s sessions_ended=%ld tickets_unassigned=%ld", r->request_id,
		    ctx.org->slug, ended, unassigned);
	}
	return admin_redirect(r, ctx.org, "/desk/admin/members",
	    role_change ? "role" : active ? "activated" : "deactivated");
}

int page_admin_member_away(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	str posted = req_form_get(r, "away");
	if (!str_eq_cstr(posted, "0") && !str_eq_cstr(posted, "1"))
		return 400; /* the page's buttons send 0 or 1 */
	bool away = str_eq_cstr(posted, "1");
	member m;
	int found = member_get(page_tx(r), ctx.org->id, str_dup(r->a, req_route_get(r, "id")), &m);
	if (found < 0)
		return page_db_failure(r);
	if (found && m.is_service) {
		form_errors none = { 0 };
		return members_page(r, 422, &ctx, NULL, &none, SERVICE_REFUSAL);
	}
	enum member_outcome outcome;
	if (member_set_away(page_tx(r), ctx.org->id, admin_route_id(r), away, &outcome) != 0)
		return page_db_failure(r);
	if (outcome == MEMBER_NOT_FOUND)
		return 404;
	return admin_redirect(r, ctx.org, "/desk/admin/members", away ? "away" : "available");
}

int page_admin_member_role(req *r)
{
	return member_change(r, true);
}

int page_admin_member_active(req *r)
{
	return member_change(r, false);
}
