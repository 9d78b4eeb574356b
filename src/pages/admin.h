/* admin.h: what the organization admin pages (/desk/admin/...) share: the
 * organization a request works on, the view with the admin navigation, and
 * the fields and messages of their forms. Every route is ROUTE_ORG_ADMIN
 * (the dispatcher answers 404 to anyone who administers nothing); which
 * organization may be changed is row-level security's answer, asked here
 * once through the list of organizations the user administers. */
#ifndef SD_PAGES_ADMIN_H
#define SD_PAGES_ADMIN_H

#include "app/page.h"
#include "model/org_admin.h"
#include "model/submit_form.h"

/* The admin areas, in the order of the navigation. */
enum admin_section {
	ADMIN_HOME,
	ADMIN_TYPES,
	ADMIN_FIELDS,
	ADMIN_EVENTS,
	ADMIN_TEAMS,
	ADMIN_MEMBERS,
	ADMIN_CATEGORIES,
	ADMIN_CANNED,
	ADMIN_SLA,
	ADMIN_WORKFLOWS, /* workflows */
	ADMIN_TEMPLATES, /* ticket templates and recurring tickets */
	ADMIN_SETTINGS,
	ADMIN_BLOCKS,
	/* automation (0037) */
	ADMIN_TRIGGERS,
	ADMIN_RULES,
	ADMIN_MACROS,
	ADMIN_WEBHOOKS, /* webhooks */
	ADMIN_API_KEYS, /* admin_api_keys.c: the REST API's keys */
	ADMIN_AUDIT,
	ADMIN__SECTIONS
};

typedef struct {
	org_admin_org *orgs;        /* the organizations the user administers (up to a cap) */
	size_t norgs;
	const org_admin_org *org;   /* the one this request works on; NULL: the user must choose */
} admin_ctx;

/* Finds the organization of the request: the `org` parameter (a slug, in
 * the query or the posted form), else the only one the user administers.
 * 0 (ctx->org NULL when several are possible and none was named), 404 for
 * an organization the user does not administer, or a failure status. */
int admin_begin(req *r, admin_ctx *ctx);
/* The same for the pages of one organization's item (a team, a member, a
 * category...), which need it named or implied: 404 when none is. */
int admin_begin_org(req *r, admin_ctx *ctx);

/* The page's view: page_view with the admin navigation (current section),
 * the organization chooser when there are several, and `org_slug`. */
tv *admin_view(req *r, const admin_ctx *ctx, enum admin_section current);
/* The page that asks which organization, for a section asked for without
 * one by someone who administers several. */
int admin_choose(req *r, const admin_ctx *ctx, enum admin_section section);

/* A path of the section for the organization, with an optional done= key
 * for the notice after a redirect: "/desk/admin/teams?org=acme&done=created". */
const char *admin_href(req *r, const org_admin_org *org, const char *path, const char *done);
/* 303 to admin_href(...) after a saved change, which the workers' caches
 * follow (r->config_changed). Returns 0. */
int admin_redirect(req *r, const org_admin_org *org, const char *path, const char *done);

/* The notice for ?done=key from table (keys and fixed messages: never text
 * from the URL), set as `notice`. */
typedef struct {
	const char *key;
	const char *message;
} admin_notice;
void admin_set_notice(req *r, tv *v, const admin_notice *table, size_t n);

/* A form field in the view as key: { value, error, error_id }. */
void admin_field(req *r, tv *v, const char *key, const char *value, const form_errors *errors);
/* The error summary (partials/error_summary): each message linked to the
 * input with id "f-<field>". */
void admin_summary(req *r, tv *v, const form_errors *errors);

/* A posted text field, trimmed; NULL when absent. Bytes over max_chars
 * characters (or a control character other than newline and tab when
 * multiline) add a message for the field to errors. */
const char *admin_text(req *r, const char *field, long max_chars, bool multiline, const char *label,
    form_errors *errors);

/* key as s, or false when s is empty: a row's missing value must not let
 * a section find the form field of the same name further up. */
void admin_set_opt(arena *a, tv *o, const char *key, const char *s);

/* A posted checkbox (value "1") is ticked. */
bool admin_checked(req *r, const char *field);

/* The posted dir of a move button: true with *up set for "up" or "down",
 * false for anything else (the page answers 400). */
bool admin_direction(req *r, bool *up);

/* The id of the route ({id}) as a string in the request's arena. */
const char *admin_route_id(req *r);

/* A section's model function that removes row id of organization org_id
 * the safe way: 1 deleted, 2 deactivated instead (tickets or submissions
 * still use it), 0 no such row of the organization, -1 database failure. */
typedef int admin_remove_fn(db_tx *tx, const char *org_id, const char *id);

/* POST <section>/{id}/remove (or /delete): remove() on the route's id, then
 * 303 to the section's list ("deleted") or to the row's page
 * ("deactivated"); 404 when it is not the organization's. */
int admin_remove(req *r, admin_remove_fn *remove, const char *section);

/* A posted whole number in [min, max]: *out, or -1 when blank and
 * optional. False (a message for the field added) otherwise. */
bool admin_number(req *r, const char *field, long min, long max, const char *label, long *out, form_errors *errors);
/* The index of value in names (n of them), or -1. */
int admin_choice(str value, const char *const *names, int n);

/* ---- shared with the platform admin (pages/platform*.c) ---- */

/* Rows of an audit log page (the query asks for one more, to know there is
 * a next page). */
#define ADMIN_AUDIT_PAGE 50
/* The ?after= cursor of the audit log: "<ISO time>_<uuid>", as the previous
 * page's last row had it. False when malformed (answer 400); both NULL when
 * absent. */
bool admin_audit_cursor(req *r, const char **at, const char **id);
/* The log's rows as partials/audit_table shows them (`entries`,
 * `has_entries`, `next_href` from base_href, which may carry a query). */
void admin_audit_entries(req *r, tv *v, const config_audit_row *rows, size_t n, const char *base_href);
/* The invitation email: a link to choose a password (the password reset
 * machinery: one at a time, single use), which also proves the address.
 * 0 or a status. */
int admin_send_invite(req *r, const char *org_name, const char *user_id, const char *email, const char *name,
    bool as_admin);

#endif
