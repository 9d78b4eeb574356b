/* platform_users.c: accounts found by address or name (GET
 * /admin/users?q=&after=), a platform role given or taken (POST
 * /admin/users/{id}/role) and an account deactivated or reactivated (POST
 * /admin/users/{id}/active), as `supportdesk user set-role|deactivate` do
 * (model/operator.h), made as a platform admin. A deactivation ends every
 * session of the account before the commit. The platform keeps an active
 * platform admin: the last one may not step down or deactivate themselves
 * (409, with the reason). */
#include <string.h>

#include "core/log.h"
#include "model/operator.h"
#include "model/platform.h"
#include "pages/platform.h"
#include "pages/pages.h"

#define USERS_PAGE 50
#define QUERY_MAX_CHARS 100
#define EMAIL_MAX_BYTES 254

static const admin_notice notices[] = {
	{ "role", "The platform role is changed." },
	{ "deactivated", "The account is deactivated: it is signed out everywhere and may not sign in." },
	{ "activated", "The account is active again." },
};

static int users_page(req *r, int status, const char *refusal)
{
	str q_s = form_trim(req_query_get(r, "q"));
	str after_q = req_query_get(r, "after");
	if (after_q.len > EMAIL_MAX_BYTES || form_chars(q_s) > QUERY_MAX_CHARS)
		return 400;
	const char *q = str_dup(r->a, q_s);
	for (const char *p = q; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 400;
	const char *after = after_q.len ? str_dup(r->a, after_q) : NULL;
	platform_user *list;
	size_t n;
	if (platform_user_search(page_tx(r), q, after, USERS_PAGE + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = platform_view(r, PLATFORM_USERS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	if (refusal)
		tv_set_str(a, v, "refusal", refusal);
	tv_set_str(a, v, "q", q);
	/* Where a change leads back to: the same search. */
	const char *back = *q ? arena_sprintf(a, "q=%s", platform_query_escape(a, q)) : "";
	tv *items = tv_list(a);
	size_t shown = n > USERS_PAGE ? USERS_PAGE : n;
	for (size_t i = 0; i < shown; i++) {
		const platform_user *u = &list[i];
		tv *o = tv_object(a);
		tv_set_str(a, o, "id", u->id);
		tv_set_str(a, o, "label", *u->name ? u->name : u->email);
		tv_set_str(a, o, "email", u->email);
		tv_set_bool(a, o, "has_name", *u->name);
		tv_set_bool(a, o, "role_admin", strcmp(u->platform_role, "admin") == 0);
		tv_set_bool(a, o, "role_agent", strcmp(u->platform_role, "agent") == 0);
		tv_set_bool(a, o, "role_none", !*u->platform_role);
		tv_set_bool(a, o, "is_active", u->is_active);
		tv_set_int(a, o, "memberships", u->memberships);
		tv_set_bool(a, o, "is_you", r->user_id && strcmp(r->user_id, u->id) == 0);
		tv_set_str(a, o, "role_action", arena_sprintf(a, "/admin/users/%s/role", u->id));
		tv_set_str(a, o, "active_action", arena_sprintf(a, "/admin/users/%s/active", u->id));
		tv_push(a, items, o);
	}
	tv_set(a, v, "users", items);
	tv_set_bool(a, v, "has_users", shown > 0);
	tv_set_str(a, v, "back", back);
	if (n > USERS_PAGE)
		tv_set_str(a, v, "next_href", arena_sprintf(a, "/admin/users?%s%safter=%s", back, *back ? "&" : "",
		                                      platform_query_escape(a, list[USERS_PAGE - 1].email)));
	if (after)
		tv_set_str(a, v, "first_href", *back ? arena_sprintf(a, "/admin/users?%s", back) : "/admin/users");
	return page_render(r, status, "platform_users", v);
}

int page_platform_users(req *r)
{
	return users_page(r, 200, NULL);
}

/* The search to come back to: the posted q, kept as the list had it. */
static const char *back_to(req *r, const char *done)
{
	str q = form_trim(req_form_get(r, "q"));
	if (!q.len || form_chars(q) > QUERY_MAX_CHARS)
		return arena_sprintf(r->a, "/admin/users?done=%s", done);
	return arena_sprintf(r->a, "/admin/users?q=%s&done=%s", platform_query_escape(r->a, str_dup(r->a, q)), done);
}

static const char *last_admin_reason(req *r, const platform_user *u)
{
	bool self = r->user_id && strcmp(r->user_id, u->id) == 0;
	return self ? "You are the last platform admin: make someone else a platform admin first."
	            : arena_sprintf(r->a, "%s is the last platform admin: make someone else a platform admin first.",
	                  *u->name ? u->name : u->email);
}

static int route_user(req *r, platform_user *u)
{
	int found = platform_user_get(page_tx(r), str_dup(r->a, req_route_get(r, "id")), u);
	return found < 0 ? page_db_failure(r) : found ? 0 : 404;
}

int page_platform_user_role(req *r)
{
	platform_user u;
	int st = route_user(r, &u);
	if (st)
		return st;
	str posted = req_form_get(r, "platform_role");
	const char *role = str_eq_cstr(posted, "admin") ? "admin" : str_eq_cstr(posted, "agent") ? "agent" : NULL;
	if (!role && !str_eq_cstr(posted, "none"))
		return users_page(r, 422, "Choose a platform role: admin, agent or none.");
	const char *id, *why;
	switch (operator_set_platform_role(page_tx(r), u.email, role, &id, &why)) {
	case 1:
		break;
	case 0:
		if (strcmp(why, "last_admin") == 0)
			return users_page(r, 409, last_admin_reason(r, &u));
		if (strcmp(why, "invalid") == 0)
			return users_page(r, 422, "Choose a platform role: admin, agent or none.");
		return 404;
	default:
		return page_db_failure(r);
	}
	/* A new session ID at every privilege change (SPEC): their sessions
	 * end, and they sign in again with the new role. Not our own: the
	 * admin who changes their own role sees the result at once. */
	if (!(r->user_id && strcmp(r->user_id, u.id) == 0)) {
		long ended;
		if ((st = platform_end_sessions(r, u.id, &ended)))
			return st;
	}
	log_info("platform role changed", "rid=%s user=%s role=%s", r->request_id, u.id, role ? role : "none");
	resp_redirect(r, 303, back_to(r, "role"));
	return 0;
}

int page_platform_user_active(req *r)
{
	platform_user u;
	int st = route_user(r, &u);
	if (st)
		return st;
	str posted = req_form_get(r, "active");
	if (!str_eq_cstr(posted, "0") && !str_eq_cstr(posted, "1"))
		return 400; /* the page's buttons send 0 or 1 */
	bool active = str_eq_cstr(posted, "1");
	const char *id, *why;
	bool was_active;
	switch (operator_set_user_active(page_tx(r), u.email, active, &id, &was_active, &why)) {
	case 1:
		break;
	case 0:
		if (strcmp(why, "last_admin") == 0)
			return users_page(r, 409, last_admin_reason(r, &u));
		return 404;
	default:
		return page_db_failure(r);
	}
	if (!active) {
		long ended;
		if ((st = platform_end_sessions(r, u.id, &ended)))
			return st;
		log_info("account deactivated", "rid=%s user=%s sessions_ended=%ld", r->request_id, u.id, ended);
	}
	resp_redirect(r, 303, back_to(r, active ? "activated" : "deactivated"));
	return 0;
}
