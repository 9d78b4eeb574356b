/* platform.h: what the platform admin pages (/admin/...) share: the view
 * with their navigation, on the organization admin's layout
 * (partials/admin_layout) and with its form helpers (pages/admin.h). Every
 * route is ROUTE_PLATFORM_ADMIN: the dispatcher answers 404 to anyone but
 * a platform admin, and the database's platform_* functions check again. */
#ifndef SD_PAGES_PLATFORM_H
#define SD_PAGES_PLATFORM_H

#include "pages/admin.h"

enum platform_section {
	PLATFORM_HOME,
	PLATFORM_ORGS,
	PLATFORM_USERS,
	PLATFORM_SETTINGS,
	PLATFORM_AUDIT,
	PLATFORM__SECTIONS
};

/* page_view with the platform navigation (current section). */
tv *platform_view(req *r, enum platform_section current);

/* Percent-encodes s for a query value (addresses, searches, names). */
const char *platform_query_escape(arena *a, const char *s);

/* Ends every session of each user in ids (comma-separated uuids, "" for
 * none), and their sign-in links: before the commit, so that when Redis
 * cannot be reached nothing changes (503). 0 or a status; *ended counts. */
int platform_end_sessions(req *r, const char *ids, long *ended);

#endif
