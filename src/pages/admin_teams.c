/* admin_teams.c: an organization's teams (GET, POST /desk/admin/teams),
 * one team with its members (GET, POST /desk/admin/teams/{id}, POST
 * .../active, POST .../members). Every write leaves a config_audit row
 * (triggers in 0021). */
#include <string.h>

#include "model/team.h"
#include "pages/admin.h"
#include "pages/pages.h"

/* Organizations have a handful of teams; past this the list says so. */
#define TEAMS_SHOWN 500
#define TEAM_MEMBERS_SHOWN 500

static const admin_notice notices[] = {
	{ "created", "The team is created." },
	{ "saved", "The team is saved." },
	{ "deactivated", "The team is deactivated. Its members stay members of the organization." },
	{ "activated", "The team is active again." },
	{ "added", "The member is on the team." },
	{ "removed", "The member is off the team." },
};

/* ---- the list ---- */

static int teams_page(req *r, int status, const admin_ctx *ctx, const char *name, const char *description,
    const form_errors *errors)
{
	team *list;
	size_t n;
	if (team_list(page_tx(r), ctx->org->id, TEAMS_SHOWN + 1, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_TEAMS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv *items = tv_list(a);
	for (size_t i = 0; i < n && i < TEAMS_SHOWN; i++) {
		tv *t = tv_object(a);
		tv_set_str(a, t, "name", list[i].name);
		if (*list[i].description) /* an empty string is truthy to a section */
			tv_set_str(a, t, "description", list[i].description);
		tv_set_bool(a, t, "is_active", list[i].is_active);
		tv_set_int(a, t, "members", list[i].members);
		tv_set_bool(a, t, "one_member", list[i].members == 1);
		tv_set_str(a, t, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/teams/%s", list[i].id), NULL));
		tv_push(a, items, t);
	}
	tv_set(a, v, "teams", items);
	tv_set_bool(a, v, "has_teams", n > 0);
	tv_set_bool(a, v, "more_teams", n > TEAMS_SHOWN);
	admin_field(r, v, "name", name, errors);
	admin_field(r, v, "description", description, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_teams", v);
}

int page_admin_teams(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_TEAMS);
	form_errors none = { 0 };
	return teams_page(r, 200, &ctx, NULL, NULL, &none);
}

/* The name and description of a team form, checked. */
static void team_input(req *r, const char **name, const char **description, form_errors *errors)
{
	*name = admin_text(r, "name", TEAM_NAME_MAX_CHARS, false, "The team's name", errors);
	*description = admin_text(r, "description", TEAM_DESCRIPTION_MAX_CHARS, true, "The description", errors);
	if (!form_errors_get(errors, "name") && (!*name || !**name))
		form_errors_add(r->a, errors, "name", "Enter a name for the team, like “Billing” or “Second line”.");
}

int page_admin_team_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	const char *name, *description;
	team_input(r, &name, &description, &errors);
	if (errors.len)
		return teams_page(r, 422, &ctx, name, description, &errors);
	const char *id;
	int rc = team_create(page_tx(r), ctx.org->id, name, description ? description : "", &id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0) {
		form_errors_add(r->a, &errors, "name", "There is a team with this name already. Choose another name.");
		return teams_page(r, 422, &ctx, name, description, &errors);
	}
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/teams/%s", id), "created");
}

/* ---- one team ---- */

static int team_page(req *r, int status, const admin_ctx *ctx, const team *t, const char *name,
    const char *description, const form_errors *errors)
{
	arena *a = r->a;
	team_member *members, *candidates;
	size_t nm, nc;
	if (team_members(page_tx(r), ctx->org->id, t->id, TEAM_MEMBERS_SHOWN, &members, &nm) != 0 ||
	    team_candidates(page_tx(r), ctx->org->id, t->id, TEAM_MEMBERS_SHOWN, &candidates, &nc) != 0)
		return page_db_failure(r);
	tv *v = admin_view(r, ctx, ADMIN_TEAMS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	const char *base = arena_sprintf(a, "/desk/admin/teams/%s", t->id);
	tv *tt = tv_object(a);
	tv_set_str(a, tt, "id", t->id);
	tv_set_str(a, tt, "name", t->name);
	tv_set_bool(a, tt, "is_active", t->is_active);
	tv_set_str(a, tt, "action", base);
	tv_set_str(a, tt, "active_action", arena_sprintf(a, "%s/active", base));
	tv_set_str(a, tt, "members_action", arena_sprintf(a, "%s/members", base));
	tv_set(a, v, "team", tt);
	tv_set_str(a, v, "teams_href", admin_href(r, ctx->org, "/desk/admin/teams", NULL));
	tv *ml = tv_list(a);
	for (size_t i = 0; i < nm; i++) {
		tv *m = tv_object(a);
		tv_set_str(a, m, "id", members[i].membership_id);
		tv_set_str(a, m, "name", *members[i].name ? members[i].name : members[i].email);
		tv_set_str(a, m, "email", members[i].email);
		tv_set_bool(a, m, "is_admin", strcmp(members[i].role, "admin") == 0);
		tv_set_bool(a, m, "is_inactive", !members[i].is_active);
		tv_push(a, ml, m);
	}
	tv_set(a, v, "members", ml);
	tv_set_bool(a, v, "has_members", nm > 0);
	tv *cl = tv_list(a);
	for (size_t i = 0; i < nc; i++) {
		tv *m = tv_object(a);
		tv_set_str(a, m, "id", candidates[i].membership_id);
		tv_set_str(a, m, "label", *candidates[i].name
		    ? arena_sprintf(a, "%s (%s)", candidates[i].name, candidates[i].email) : candidates[i].email);
		tv_push(a, cl, m);
	}
	tv_set(a, v, "candidates", cl);
	tv_set_bool(a, v, "has_candidates", nc > 0);
	admin_field(r, v, "name", name ? name : t->name, errors);
	admin_field(r, v, "description", description ? description : t->description, errors);
	admin_field(r, v, "member", NULL, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_team", v);
}

/* The team of the route in the request's organization: 0 with *t filled,
 * 404 or a failure status. */
static int load_team(req *r, const admin_ctx *ctx, team *t)
{
	const char *id = str_dup(r->a, req_route_get(r, "id"));
	int found = team_get(page_tx(r), ctx->org->id, id, t);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

int page_admin_team(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	team t;
	if ((st = load_team(r, &ctx, &t)))
		return st;
	form_errors none = { 0 };
	return team_page(r, 200, &ctx, &t, NULL, NULL, &none);
}

int page_admin_team_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	team t;
	if ((st = load_team(r, &ctx, &t)))
		return st;
	form_errors errors = { 0 };
	const char *name, *description;
	team_input(r, &name, &description, &errors);
	if (errors.len)
		return team_page(r, 422, &ctx, &t, name, description ? description : "", &errors);
	bool found;
	int rc = team_update(page_tx(r), ctx.org->id, t.id, name, description ? description : "", &found);
	if (rc < 0)
		return page_db_failure(r);
	if (!found)
		return 404;
	if (rc == 0) {
		form_errors_add(r->a, &errors, "name", "Another team has this name already. Choose another name.");
		return team_page(r, 422, &ctx, &t, name, description ? description : "", &errors);
	}
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/teams/%s", t.id), "saved");
}

int page_admin_team_active(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	team t;
	if ((st = load_team(r, &ctx, &t)))
		return st;
	str active = req_form_get(r, "active");
	if (!str_eq_cstr(active, "0") && !str_eq_cstr(active, "1"))
		return 400; /* the page's buttons send 0 or 1 */
	bool on = str_eq_cstr(active, "1");
	int rc = team_set_active(page_tx(r), ctx.org->id, t.id, on);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/teams/%s", t.id),
	    on ? "activated" : "deactivated");
}

int page_admin_team_members(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	team t;
	if ((st = load_team(r, &ctx, &t)))
		return st;
	str action = req_form_get(r, "action");
	bool add = str_eq_cstr(action, "add");
	if (!add && !str_eq_cstr(action, "remove"))
		return 400;
	const char *membership = str_dup(r->a, req_form_get(r, "member"));
	form_errors errors = { 0 };
	if (add && !*membership) {
		form_errors_add(r->a, &errors, "member", "Choose the member to add to the team.");
		return team_page(r, 422, &ctx, &t, NULL, NULL, &errors);
	}
	int rc = add ? team_member_add(page_tx(r), ctx.org->id, t.id, membership)
	             : team_member_remove(page_tx(r), ctx.org->id, t.id, membership);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0 && add) {
		form_errors_add(r->a, &errors, "member",
		    "That person is not an active member of the organization, or is on the team already.");
		return team_page(r, 422, &ctx, &t, NULL, NULL, &errors);
	}
	/* Removing someone who is not on the team leaves it as asked. */
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/teams/%s", t.id), add ? "added" : "removed");
}
