/* app.h: what a worker keeps for its whole life (config, compiled templates,
 * connections), and the entry point that serves one request. */
#ifndef SD_APP_H
#define SD_APP_H

#include "app/metrics.h"
#include "core/config.h"
#include "db/db.h"
#include "db/tx.h"
#include "http/request.h"
#include "http/router.h"
#include "kv/kv.h"
#include "tmpl/tmpl.h"

/* At least system_setting_ndefs (checked at start-up). */
#define APP_SETTINGS_MAX 64

typedef struct app {
	const config *cfg;
	const tmpl_set *templates;
	metrics *metrics;
	db *db;
	kv *kv;
	req_settings req_settings;
	session_limits session_limits;
	const route *routes;
	size_t nroutes;
	struct form_cache *form_cache; /* src/model/submit_form.c */
	/* The system settings laid over the environment's limits (rate limits,
	 * session timeouts: src/model/platform.h), read again after
	 * SUPPORTDESK_SETTINGS_CACHE_SECONDS or when this server's generation
	 * moved (app_config_changed). */
	atomic_ulong *generation;      /* the shared one (metrics), else local_generation */
	atomic_ulong local_generation;
	unsigned long settings_generation;
	double settings_loaded_at;
	bool settings_overlaid[APP_SETTINGS_MAX];
	long settings_env[APP_SETTINGS_MAX]; /* the value before the overlay, for when the row goes */
} app;

/* The templates every page relies on; a missing one stops start-up. */
extern const char *const app_required_templates[];

/* Opens the upload directory (SUPPORTDESK_UPLOAD_DIR), and no connection
 * yet: connections are made on first use, and again after a failure, so a
 * worker starts even while PostgreSQL or Redis is down. Returns 0, or -1
 * (logged) when an outside library or the upload directory fails. */
int app_init(app *a, const config *cfg, const tmpl_set *templates, metrics *m);
void app_free(app *a);
/* Checks that the required templates exist: "missing template X". */
int app_check_templates(const tmpl_set *t, char *err, size_t errlen);

/* Serves one request: parse, route, session, CSRF, handler, commit, send,
 * log. All memory comes from `mem`, which the caller resets afterwards. */
void app_handle(app *a, const req_io *io, arena *mem);

/* Lays the stored system settings over the worker's limits when they may
 * have changed (the generation moved, or the cache's age ran out). A
 * failure keeps the values in force until the next try. mem: the
 * request's arena. */
void app_settings_refresh(app *a, arena *mem);
/* After a commit that changed system settings or what the public form
 * shows: every worker of this server reads again at its next request
 * (workers of other servers within the cache's age). */
void app_config_changed(app *a);
/* The generation the caches compare with (submit_form_get). */
unsigned long app_config_generation(const app *a);

/* The route table (src/app/routes.c). */
extern const route app_routes[];
extern const size_t app_nroutes;

#endif
