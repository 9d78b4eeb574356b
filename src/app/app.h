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

/* The route table (src/app/routes.c). */
extern const route app_routes[];
extern const size_t app_nroutes;

#endif
