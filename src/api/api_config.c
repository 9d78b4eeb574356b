/* api_config.c: GET /api/v1/config (what an integration needs to create
 * tickets: request types with their fields, teams, categories) and the
 * OpenAPI document, read from SUPPORTDESK_OPENAPI once per process. */
#include "api/api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_routes.h"
#include "core/log.h"
#include "model/queue.h"
#include "model/submit_form.h"

static const char *const field_kinds[FIELD__MAX] = {
	[FIELD_TEXT] = "text", [FIELD_TEXTAREA] = "textarea", [FIELD_DATE] = "date", [FIELD_SELECT] = "select",
	[FIELD_EVENT] = "event", [FIELD_FILE] = "file", [FIELD_CHECKBOX] = "checkbox",
};

static json_t *options_json(const queue_option *o, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "id", json_string(o[i].id));
		json_object_set_new(x, "name", json_string(o[i].name));
		json_array_append_new(a, x);
	}
	return a;
}

int api_config(req *r)
{
	if (api_require(r, API_SCOPE_ADMIN_READ))
		return 0;
	db_tx *tx = page_tx(r);
	queue_scope scope = { .org = r->api->org_id };
	queue_options o;
	if (queue_begin(tx, &scope) != 0 || queue_options_get(tx, &scope, &o) != 0)
		return page_db_failure(r);
	const form_doc *doc = submit_form_get(tx, &r->app->form_cache, r->app->cfg->form_cache_s,
	    app_config_generation(r->app), FORM_ROLE_CUSTOMER);
	if (!doc)
		return page_db_failure(r);
	json_t *types = json_array();
	for (size_t i = 0; i < o.ntypes; i++) {
		const form_type *t = submit_form_type(doc, str_from_cstr(o.types[i].id));
		json_t *x = json_object();
		json_object_set_new(x, "id", json_string(o.types[i].id));
		json_object_set_new(x, "name", json_string(o.types[i].name));
		json_object_set_new(x, "api", json_boolean(t != NULL)); /* open to customers: POST /tickets takes it */
		json_t *fields = json_array();
		for (size_t k = 0; t && k < t->nfields; k++) {
			const form_field *f = &t->fields[k];
			json_t *fj = json_object();
			json_object_set_new(fj, "key", json_string(f->key));
			json_object_set_new(fj, "label", json_string(f->label ? f->label : f->key));
			json_object_set_new(fj, "type", json_string(field_kinds[f->kind]));
			json_object_set_new(fj, "required", json_boolean(f->required));
			if (f->noptions) {
				json_t *opts = json_array();
				for (size_t q = 0; q < f->noptions; q++)
					json_array_append_new(opts, json_string(f->options[q].value));
				json_object_set_new(fj, "options", opts);
			}
			json_array_append_new(fields, fj);
		}
		json_object_set_new(x, "fields", fields);
		json_array_append_new(types, x);
	}
	json_t *out = json_object();
	json_object_set_new(out, "request_types", types);
	json_object_set_new(out, "teams", options_json(o.teams, o.nteams));
	json_object_set_new(out, "categories", options_json(o.categories, o.ncategories));
	return api_send(r, 200, out, NULL);
}

static pthread_once_t openapi_once = PTHREAD_ONCE_INIT;
static char *openapi_doc;
static size_t openapi_len;
static const char *openapi_path;

static void openapi_load(void)
{
	FILE *f = fopen(openapi_path, "rb");
	if (!f) {
		log_error("openapi document missing", "path=%s", openapi_path);
		return;
	}
	char *p = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 65536 > cap) {
			cap = cap ? cap * 2 : 131072;
			char *q = realloc(p, cap);
			if (!q) {
				free(p);
				fclose(f);
				return;
			}
			p = q;
		}
		size_t k = fread(p + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	fclose(f);
	openapi_doc = p;
	openapi_len = n;
}

int api_openapi(req *r)
{
	openapi_path = r->app->cfg->openapi_path;
	pthread_once(&openapi_once, openapi_load);
	if (!openapi_doc)
		return api_problem(r, 404, "not-found", "The OpenAPI document is not installed (SUPPORTDESK_OPENAPI).");
	resp_body(r, 200, "application/json", openapi_doc, openapi_len);
	resp_header(r, "Cache-Control", "public, max-age=300");
	return 0;
}
