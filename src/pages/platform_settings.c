/* platform_settings.c: the system settings (GET /admin/settings, POST
 * /admin/settings): the default ticket prefix and attachment limits the
 * database applies, and the session timeouts and rate limits every worker
 * lays over its environment defaults (model/platform.h). A blank run-time
 * limit removes the stored value: the environment's applies again. Every
 * change is audited (config_audit, entity system_setting). After the
 * commit this server's workers read them at their next request; other
 * servers within SUPPORTDESK_SETTINGS_CACHE_SECONDS. */
#include <string.h>

#include "core/log.h"
#include "model/platform.h"
#include "model/ticket.h"
#include "pages/platform.h"
#include "pages/pages.h"

static const admin_notice notices[] = {
	{ "saved", "The settings are saved. The workers apply them from their next request." },
};

static int settings_page(req *r, int status, const char *const *values, const form_errors *errors)
{
	arena *a = r->a;
	const config *env = r->app->cfg;
	tv *v = platform_view(r, PLATFORM_SETTINGS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv *groups = tv_list(a);
	tv *group = NULL, *fields = NULL;
	const char *group_name = NULL;
	for (size_t i = 0; i < system_setting_ndefs; i++) {
		const system_setting_def *d = &system_setting_defs[i];
		if (!group_name || strcmp(group_name, d->group) != 0) {
			group_name = d->group;
			group = tv_object(a);
			fields = tv_list(a);
			tv_set_str(a, group, "legend", d->group);
			tv_set(a, group, "fields", fields);
			tv_push(a, groups, group);
		}
		tv *f = tv_object(a);
		tv_set_str(a, f, "key", d->key);
		tv_set_str(a, f, "label", d->label);
		admin_set_opt(a, f, "hint", d->hint);
		tv_set_str(a, f, "value", values[i] ? values[i] : "");
		tv_set_bool(a, f, "is_number", d->kind == SETTING_NUMBER);
		if (d->kind == SETTING_NUMBER) {
			tv_set_int(a, f, "min", d->min);
			tv_set_int(a, f, "max", d->max);
		}
		if (d->env_offset >= 0) {
			/* The environment's value, not the one in force: the worker's
			 * configuration carries the stored one laid over it. */
			const char *def = system_setting_env(a, d, env);
			tv_set_str(a, f, "env_default", def);
		}
		const char *err = form_errors_get(errors, d->key);
		if (err) {
			tv_set_str(a, f, "error", err);
			tv_set_str(a, f, "error_id", arena_sprintf(a, "f-%s-error", d->key));
		}
		tv_push(a, fields, f);
	}
	tv_set(a, v, "groups", groups);
	admin_summary(r, v, errors);
	return page_render(r, status, "platform_settings", v);
}

int page_platform_settings(req *r)
{
	const char *values[APP_SETTINGS_MAX];
	if (system_settings_load(page_tx(r), values) != 0)
		return page_db_failure(r);
	form_errors none = { 0 };
	return settings_page(r, 200, values, &none);
}

/* One posted value checked against its definition: the value to store,
 * NULL to remove it (a blank run-time limit), or an error added. */
static const char *checked(req *r, const system_setting_def *d, const char *value, form_errors *errors)
{
	const config *cfg = r->app->cfg;
	if (!*value) {
		if (d->env_offset < 0)
			form_errors_add(r->a, errors, d->key, arena_sprintf(r->a, "Enter a value for \"%s\".", d->label));
		return NULL;
	}
	if (d->kind == SETTING_PREFIX) {
		if (!ticket_prefix_valid(value))
			form_errors_add(r->a, errors, d->key,
			    "The prefix needs 2 to 10 capital letters and digits, starting with a letter, like TKT.");
		return value;
	}
	long n = 0;
	bool ok = strlen(value) <= 10;
	for (const char *p = value; ok && *p; p++) {
		ok = *p >= '0' && *p <= '9';
		n = n * 10 + (*p - '0');
	}
	long max = d->max;
	/* The request parser refuses more before the database is asked. */
	if (strcmp(d->key, "attachment_max_bytes") == 0 && cfg->max_file_size < max)
		max = cfg->max_file_size;
	if (strcmp(d->key, "attachment_max_per_message") == 0 && cfg->max_files < max)
		max = cfg->max_files;
	if (!ok || n < d->min || n > max)
		form_errors_add(r->a, errors, d->key,
		    arena_sprintf(r->a, "\"%s\" must be a whole number from %ld to %ld.", d->label, d->min, max));
	return value;
}

int page_platform_settings_save(req *r)
{
	const char *values[APP_SETTINGS_MAX], *stored[APP_SETTINGS_MAX], *posted[APP_SETTINGS_MAX];
	form_errors errors = { 0 };
	for (size_t i = 0; i < system_setting_ndefs; i++) {
		const system_setting_def *d = &system_setting_defs[i];
		values[i] = NULL;
		const char *s = admin_text(r, d->key, 20, false, d->label, &errors);
		posted[i] = s ? s : "";
		if (!form_errors_get(&errors, d->key))
			values[i] = checked(r, d, posted[i], &errors);
	}
	if (errors.len)
		return settings_page(r, 422, posted, &errors);
	if (system_settings_load(page_tx(r), stored) != 0)
		return page_db_failure(r);
	int changed = 0;
	for (size_t i = 0; i < system_setting_ndefs; i++) {
		bool same = values[i] ? stored[i] && strcmp(values[i], stored[i]) == 0 : !stored[i];
		if (same)
			continue;
		int rc = system_setting_store(page_tx(r), &system_setting_defs[i], values[i]);
		if (rc < 0)
			return page_db_failure(r);
		changed += rc;
	}
	if (changed) {
		r->config_changed = true;
		log_info("system settings saved", "rid=%s changed=%d", r->request_id, changed);
	}
	resp_redirect(r, 303, "/admin/settings?done=saved");
	return 0;
}
