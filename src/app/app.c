/* app.c: a worker's long-lived state. */
#include "app/app.h"
#include "model/platform.h"
#include "model/submit_form.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"

const char *const app_required_templates[] = {
	"home", "errors/400", "errors/403", "errors/404", "errors/405", "errors/413",
	"errors/415", "errors/429", "errors/500", "errors/503", NULL,
};

int app_check_templates(const tmpl_set *t, char *err, size_t errlen)
{
	for (const char *const *n = app_required_templates; *n; n++)
		if (!tmpl_exists(t, *n)) {
			snprintf(err, errlen, "missing template %s.mustache", *n);
			return -1;
		}
	return 0;
}

int app_init(app *a, const config *cfg, const tmpl_set *templates, metrics *m)
{
	memset(a, 0, sizeof *a);
	a->req_settings.limits.upload_dir_fd = -1;
	a->cfg = cfg;
	a->templates = templates;
	a->metrics = m;
	a->db = db_new(cfg->database_url, cfg->connect_timeout_s, cfg->statement_timeout_ms, "supportdesk");
	a->kv = kv_new(cfg->redis_url, cfg->redis_timeout_ms);
	if (!a->db || !a->kv) {
		app_free(a);
		return -1;
	}
	if (m) {
		db_count_attempts_in(a->db, &m->db_connect_attempts);
		kv_count_attempts_in(a->kv, &m->kv_connect_attempts);
	}
	http_limits *l = &a->req_settings.limits;
	http_limits_default(l);
	l->max_body = (size_t)cfg->max_body;
	l->max_fields = (size_t)cfg->max_fields;
	l->max_field_size = (size_t)cfg->max_field_size;
	l->max_text = (size_t)cfg->max_form_text;
	l->max_parts = (size_t)cfg->max_parts;
	l->max_part_header = (size_t)cfg->max_part_header;
	l->max_files = (size_t)cfg->max_files;
	l->max_file_size = (size_t)cfg->max_file_size;
	l->max_cookies = (size_t)cfg->max_cookies;
	/* Opened before the first request, like the connections would be; the
	 * master checked it already (server.c), so failing here is rare. */
	char err[512];
	l->upload_dir_fd = http_upload_dir_open(cfg->upload_dir, NULL, err, sizeof err);
	if (l->upload_dir_fd < 0) {
		log_error("SUPPORTDESK_UPLOAD_DIR unusable", "err=\"%s\"", err);
		app_free(a);
		return -1;
	}
	a->req_settings.max_header_size = (size_t)cfg->max_header_size;
	a->req_settings.secure_cookies = cfg->secure_cookies;
	a->session_limits.idle_s = cfg->session_idle_s;
	a->session_limits.absolute_s = cfg->session_absolute_s;
	a->session_limits.remember_s = cfg->session_remember_s;
	a->routes = app_routes;
	a->nroutes = app_nroutes;
	a->generation = m ? &m->config_generation : &a->local_generation;
	if (system_setting_ndefs > APP_SETTINGS_MAX) {
		log_error("APP_SETTINGS_MAX is too small", "defs=%zu", system_setting_ndefs);
		app_free(a);
		return -1;
	}
	return 0;
}

void app_settings_refresh(app *a, arena *mem)
{
	unsigned long gen = atomic_load(a->generation);
	double now = clock_seconds();
	if (a->settings_loaded_at > 0 && gen == a->settings_generation &&
	    now - a->settings_loaded_at < a->cfg->settings_cache_s)
		return;
	if (db_in_transaction(a->db))
		return; /* never inside a request's transaction: the next request reads */
	a->settings_loaded_at = now;
	long values[APP_SETTINGS_MAX];
	if (system_settings_runtime(a->db, mem, values) != 0) {
		log_warn("system settings unreadable: the limits in force stay", "retry_s=%d", a->cfg->settings_cache_s);
		return;
	}
	a->settings_generation = gen;
	/* The worker's own configuration: app_init's caller gave it for the
	 * worker's life; only the limits of the definitions change. */
	config *c = (config *)a->cfg;
	for (size_t i = 0; i < system_setting_ndefs; i++) {
		const system_setting_def *d = &system_setting_defs[i];
		if (d->env_offset < 0)
			continue;
		if (values[i] >= 0) {
			if (!a->settings_overlaid[i])
				a->settings_env[i] = system_setting_get(c, d);
			a->settings_overlaid[i] = true;
			system_setting_put(c, d, values[i]);
		} else if (a->settings_overlaid[i]) {
			system_setting_put(c, d, a->settings_env[i]);
			a->settings_overlaid[i] = false;
		}
	}
	a->session_limits.idle_s = c->session_idle_s;
	a->session_limits.absolute_s = c->session_absolute_s;
	a->session_limits.remember_s = c->session_remember_s;
}

void app_config_changed(app *a)
{
	atomic_fetch_add(a->generation, 1);
}

unsigned long app_config_generation(const app *a)
{
	return atomic_load(a->generation);
}

void app_free(app *a)
{
	submit_form_cache_free(a->form_cache);
	a->form_cache = NULL;
	db_free(a->db);
	kv_free(a->kv);
	a->db = NULL;
	a->kv = NULL;
	if (a->req_settings.limits.upload_dir_fd >= 0)
		close(a->req_settings.limits.upload_dir_fd);
	a->req_settings.limits.upload_dir_fd = -1;
}
