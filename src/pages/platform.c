/* platform.c: the platform admin shell: the navigation its pages share
 * (on partials/admin_layout, like the organization admin's), the home
 * (GET /admin) and every organization's configuration audit log (GET
 * /admin/audit). The areas live in platform_orgs.c, platform_users.c and
 * platform_settings.c. */
#include <string.h>

#include "core/log.h"
#include "pages/platform.h"
#include "pages/pages.h"

#define ORGS_LISTED 200

static const struct {
	const char *label;
	const char *path;
	const char *summary;
} sections[PLATFORM__SECTIONS] = {
	[PLATFORM_HOME] = { "Overview", "/admin", NULL },
	[PLATFORM_ORGS] = { "Organizations", "/admin/organizations",
		"Create organizations, provision them with a first admin invited by email, deactivate them." },
	[PLATFORM_USERS] = { "Users", "/admin/users",
		"Find accounts by address or name, give or take platform roles, deactivate them." },
	[PLATFORM_SETTINGS] = { "System settings", "/admin/settings",
		"The default ticket prefix, attachment limits, session timeouts and rate limits, while the desk runs." },
	[PLATFORM_AUDIT] = { "Audit log", "/admin/audit",
		"Every organization's configuration changes and the system settings', newest first." },
};

tv *platform_view(req *r, enum platform_section current)
{
	arena *a = r->a;
	tv *v = page_view(r);
	tv *nav = tv_list(a);
	for (int i = 0; i < PLATFORM__SECTIONS; i++) {
		tv *s = tv_object(a);
		tv_set_str(a, s, "label", sections[i].label);
		tv_set_str(a, s, "href", sections[i].path);
		tv_set_bool(a, s, "current", i == (int)current);
		if (sections[i].summary)
			tv_set_str(a, s, "summary", sections[i].summary);
		tv_push(a, nav, s);
	}
	tv_set(a, v, "admin_sections", nav);
	tv_set_str(a, v, "admin_path", sections[current].path);
	tv *o = tv_object(a);
	tv_set_str(a, o, "name", "Platform");
	tv_set(a, v, "admin_org", o);
	return v;
}

const char *platform_query_escape(arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	buf b;
	buf_init(&b, a, strlen(s) * 3 + 1);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~@", c))
			buf_putc(&b, (char)c);
		else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[c >> 4]);
			buf_putc(&b, hex[c & 15]);
		}
	}
	return b.data ? b.data : "";
}

int platform_end_sessions(req *r, const char *ids, long *ended)
{
	*ended = 0;
	const char *p = ids;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *id = arena_strndup(r->a, p, len);
		long n = 0;
		if (session_destroy_all(r->app->kv, r->a, id, &n) != KV_OK || user_links_revoke(r->app->kv, r->a, id) != KV_OK)
			return 503; /* the transaction rolls back: nothing changed, as the sessions say */
		*ended += n;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* ---- GET /admin ---- */

int page_platform_home(req *r)
{
	tv *v = platform_view(r, PLATFORM_HOME);
	return page_render(r, 200, "platform_home", v);
}

/* ---- GET /admin/audit?org=&after= ---- */

int page_platform_audit(req *r)
{
	const char *at, *id;
	if (!admin_audit_cursor(r, &at, &id))
		return 400;
	str slug = req_query_get(r, "org");
	if (slug.len > 64)
		return 400;
	org_admin_org *orgs;
	size_t norgs;
	if (org_admin_list(page_tx(r), ORGS_LISTED, &orgs, &norgs) != 0)
		return page_db_failure(r);
	org_admin_org one;
	const org_admin_org *org = NULL;
	for (size_t i = 0; slug.len && i < norgs; i++)
		if (str_eq_cstr(slug, orgs[i].slug))
			org = &orgs[i];
	if (slug.len && !org) {
		int found = org_admin_find(page_tx(r), str_dup(r->a, slug), &one);
		if (found < 0)
			return page_db_failure(r);
		if (!found)
			return 404;
		org = &one;
	}
	config_audit_row *rows;
	size_t n;
	int rc = org ? config_audit_list(page_tx(r), org->id, at, id, ADMIN_AUDIT_PAGE + 1, &rows, &n)
	             : config_audit_list_all(page_tx(r), at, id, ADMIN_AUDIT_PAGE + 1, &rows, &n);
	if (rc != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = platform_view(r, PLATFORM_AUDIT);
	admin_audit_entries(r, v, rows, n, org ? arena_sprintf(a, "/admin/audit?org=%s", org->slug) : "/admin/audit");
	tv_set_bool(a, v, "show_org", !org);
	tv *list = tv_list(a);
	for (size_t i = 0; i < norgs; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", orgs[i].name);
		tv_set_str(a, o, "slug", orgs[i].slug);
		tv_set_bool(a, o, "selected", org && strcmp(org->id, orgs[i].id) == 0);
		tv_push(a, list, o);
	}
	tv_set(a, v, "orgs", list);
	if (org)
		tv_set_str(a, v, "filter_name", org->name);
	return page_render(r, 200, "platform_audit", v);
}
