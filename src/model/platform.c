/* platform.c: SQL of the platform admin's lists and of the system settings. */
#include "model/platform.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG_COLUMNS \
	"o.id, o.name, o.slug::text, coalesce(s.ticket_prefix, ''), o.is_platform, o.is_active, " \
	"coalesce(s.is_provisioned, false), " \
	"(select count(*) from memberships m where m.organization_id = o.id and m.is_active) "

static const db_stmt q_orgs = { "platform_org_list",
	"select " ORG_COLUMNS "from organizations o left join organization_settings s on s.organization_id = o.id "
	"where $1::uuid is null or (o.name, o.id) > ((select x.name from organizations x where x.id = $1::uuid), $1::uuid) "
	"order by o.name, o.id limit $2::int" };

static const db_stmt q_org = { "platform_org_get",
	"select " ORG_COLUMNS "from organizations o left join organization_settings s on s.organization_id = o.id "
	"where o.id = $1::uuid" };

static void org_row(arena *a, db_result *res, int r, platform_org *o)
{
	o->id = db_get_dup(a, res, r, 0);
	o->name = db_get_dup(a, res, r, 1);
	o->slug = db_get_dup(a, res, r, 2);
	o->ticket_prefix = db_get_dup(a, res, r, 3);
	o->is_platform = db_get_bool(res, r, 4);
	o->is_active = db_get_bool(res, r, 5);
	o->is_provisioned = db_get_bool(res, r, 6);
	o->members = (long)db_get_int(res, r, 7, 0);
}

int platform_org_list(db_tx *tx, const char *after_id, int max, platform_org **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (after_id && !cstr_is_uuid(after_id))
		return 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { after_id, lim };
	db_result *res = db_tx_exec(tx, &q_orgs, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	platform_org *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		org_row(tx->a, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int platform_org_get(db_tx *tx, const char *id, platform_org *out)
{
	memset(out, 0, sizeof *out);
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[1] = { id };
	db_result *res = db_tx_exec(tx, &q_org, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	org_row(tx->a, res, 0, out);
	return 1;
}

#define USER_COLUMNS \
	"u.id, u.email::text, coalesce(u.name, ''), coalesce(u.platform_role, ''), u.is_active, " \
	"(select count(*) from memberships m where m.user_id = u.id and m.is_active) "

/* The address index answers the keyset; the filter is a substring match
 * (LIKE with the pattern's own wildcards escaped), bounded by the limit. */
static const db_stmt q_users = { "platform_user_search",
	"select " USER_COLUMNS "from users u "
	"where ($2::text is null or u.email > $2::citext) "
	"and ($1 = '' or u.email::text ilike '%' || $1 || '%' or u.name ilike '%' || $1 || '%') "
	"order by u.email limit $3::int" };

static const db_stmt q_user = { "platform_user_get", "select " USER_COLUMNS "from users u where u.id = $1::uuid" };

static void user_row(arena *a, db_result *res, int r, platform_user *u)
{
	u->id = db_get_dup(a, res, r, 0);
	u->email = db_get_dup(a, res, r, 1);
	u->name = db_get_dup(a, res, r, 2);
	u->platform_role = db_get_dup(a, res, r, 3);
	u->is_active = db_get_bool(res, r, 4);
	u->memberships = (long)db_get_int(res, r, 5, 0);
}

/* q with LIKE's %, _ and \ escaped (the default escape is the backslash). */
static const char *like_escape(arena *a, const char *q)
{
	size_t n = strlen(q);
	char *out = arena_alloc(a, n * 2 + 1), *o = out;
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

int platform_user_search(db_tx *tx, const char *q, const char *after, int max, platform_user **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { like_escape(tx->a, q ? q : ""), after, lim };
	db_result *res = db_tx_exec(tx, &q_users, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	platform_user *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		user_row(tx->a, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int platform_user_get(db_tx *tx, const char *id, platform_user *out)
{
	memset(out, 0, sizeof *out);
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[1] = { id };
	db_result *res = db_tx_exec(tx, &q_user, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	user_row(tx->a, res, 0, out);
	return 1;
}

/* ---- system settings ---- */

#define ENV_INT(field) (long)offsetof(config, field), true
#define ENV_RATE_LIMIT(field) (long)(offsetof(config, field) + offsetof(config_rate, limit)), false
#define ENV_RATE_WINDOW(field) (long)(offsetof(config, field) + offsetof(config_rate, window_s)), false
#define DB_ONLY -1, false

#define RATE(action, field, what) \
	{ "rate." action ".limit", "Rate limits", what ": how many", "Within the window below.", SETTING_NUMBER, 1, \
	  1000000, ENV_RATE_LIMIT(field) }, \
	{ "rate." action ".window_s", "Rate limits", what ": window in seconds", NULL, SETTING_NUMBER, 1, 604800, \
	  ENV_RATE_WINDOW(field) }

/* What a platform admin may change while the desk runs. The rest of the
 * configuration stays in the environment (README, "System settings"). */
const system_setting_def system_setting_defs[] = {
	{ "ticket_number_prefix", "Tickets", "Default ticket prefix",
	  "For organizations without their own: 2 to 10 capital letters and digits, starting with a letter.",
	  SETTING_PREFIX, 0, 0, DB_ONLY },
	{ "reopen_window_days", "Tickets", "Days a customer may reopen a resolved ticket", NULL, SETTING_NUMBER, 1, 365,
	  DB_ONLY },
	{ "attachment_max_bytes", "Attachments", "Largest attachment, in bytes",
	  "At most SUPPORTDESK_MAX_FILE_SIZE, which the request parser enforces before anything else.", SETTING_NUMBER,
	  1, 1L << 31, DB_ONLY },
	{ "attachment_max_per_message", "Attachments", "Attachments per message",
	  "At most SUPPORTDESK_MAX_FILES.", SETTING_NUMBER, 1, 1000, DB_ONLY },
	{ "session.idle_s", "Sessions", "Idle timeout, in seconds", "A session not used for this long ends.",
	  SETTING_NUMBER, 60, 31536000, ENV_INT(session_idle_s) },
	{ "session.absolute_s", "Sessions", "Absolute timeout, in seconds", "A session ends this long after sign-in.",
	  SETTING_NUMBER, 60, 31536000, ENV_INT(session_absolute_s) },
	{ "session.remember_s", "Sessions", "Remembered customer sessions, in seconds", NULL, SETTING_NUMBER, 60,
	  31536000, ENV_INT(session_remember_s) },
	RATE("login_ip", rate_login_ip, "Sign-in attempts per address"),
	RATE("login_email", rate_login_email, "Sign-in attempts per email"),
	RATE("login_link_ip", rate_login_link_ip, "Sign-in and password links per address"),
	RATE("login_link_email", rate_login_link_email, "Sign-in and password links per email"),
	RATE("submit_ip", rate_submit_ip, "Submissions per address"),
	RATE("submit_email", rate_submit_email, "Submissions per email"),
	RATE("submit_nojs_ip", rate_submit_nojs_ip, "Submissions without the captcha per address"),
	RATE("submit_nojs_email", rate_submit_nojs_email, "Submissions without the captcha per email"),
	RATE("verify_ip", rate_verify_ip, "Verifications per address"),
	RATE("verify_token", rate_verify_token, "Attempts per verification link"),
	RATE("challenge_ip", rate_challenge_ip, "Captcha challenges per address"),
	RATE("track_ip", rate_track_ip, "Guest access requests per address"),
	RATE("track_email", rate_track_email, "Guest access requests per email"),
	RATE("reply_user", rate_reply_user, "Replies per user"),
	RATE("password_user", rate_password_user, "Password changes per user"),
};
const size_t system_setting_ndefs = sizeof system_setting_defs / sizeof *system_setting_defs;

static const db_stmt q_settings = { "system_settings_load",
	"select key, value #>> '{}' from system_settings" };

int system_settings_load(db_tx *tx, const char **values)
{
	for (size_t i = 0; i < system_setting_ndefs; i++)
		values[i] = NULL;
	db_result *res = db_tx_exec(tx, &q_settings, 0, NULL);
	if (!res)
		return -1;
	for (int r = 0; r < db_rows(res); r++) {
		str key = db_get(res, r, 0);
		for (size_t i = 0; i < system_setting_ndefs; i++)
			if (str_eq_cstr(key, system_setting_defs[i].key))
				values[i] = db_get_dup(tx->a, res, r, 1);
	}
	return 0;
}

static const db_stmt q_store = { "system_setting_store",
	"insert into system_settings (key, value, description) values ($1, $2::jsonb, $3) "
	"on conflict (key) do update set value = excluded.value "
	"where system_settings.value is distinct from excluded.value returning 1" };
static const db_stmt q_remove = { "system_setting_remove", "delete from system_settings where key = $1 returning 1" };

int system_setting_store(db_tx *tx, const system_setting_def *d, const char *value)
{
	db_result *res;
	if (!value) {
		const char *p[1] = { d->key };
		res = db_tx_exec(tx, &q_remove, 1, p);
	} else {
		/* Prefixes are [A-Z0-9] and numbers digits: nothing to escape in the JSON. */
		const char *json = d->kind == SETTING_PREFIX ? arena_sprintf(tx->a, "\"%s\"", value) : value;
		const char *p[3] = { d->key, json, d->label };
		res = db_tx_exec(tx, &q_store, 3, p);
	}
	if (!res)
		return -1;
	return db_rows(res) > 0 ? 1 : 0;
}

long system_setting_get(const config *c, const system_setting_def *d)
{
	const char *base = (const char *)c + d->env_offset;
	return d->env_is_int ? *(const int *)(const void *)base : *(const long *)(const void *)base;
}

void system_setting_put(config *c, const system_setting_def *d, long v)
{
	char *base = (char *)c + d->env_offset;
	if (d->env_is_int)
		*(int *)(void *)base = (int)v;
	else
		*(long *)(void *)base = v;
}

const char *system_setting_env(arena *a, const system_setting_def *d, const config *env)
{
	return d->env_offset < 0 ? "" : arena_sprintf(a, "%ld", system_setting_get(env, d));
}

static const db_stmt q_runtime = { "system_settings_runtime", "select key, value from system_settings_runtime()" };

int system_settings_runtime(db *d, arena *a, long *values)
{
	for (size_t i = 0; i < system_setting_ndefs; i++)
		values[i] = -1;
	enum db_status st;
	db_result *res = db_exec(d, a, &q_runtime, 0, NULL, &st);
	if (!res)
		return -1;
	for (int r = 0; r < db_rows(res); r++) {
		str key = db_get(res, r, 0);
		for (size_t i = 0; i < system_setting_ndefs; i++) {
			const system_setting_def *def = &system_setting_defs[i];
			if (def->env_offset < 0 || !str_eq_cstr(key, def->key))
				continue;
			long v = (long)db_get_int(res, r, 1, -1);
			/* The table's check keeps bad values out; the default stays if not. */
			values[i] = v >= def->min && v <= def->max ? v : -1;
			break;
		}
	}
	return 0;
}
