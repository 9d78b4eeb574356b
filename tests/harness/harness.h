/* harness.h: drives app_handle in-process: a request from memory, the
 * response captured and split into status, headers and body. */
#ifndef SD_HARNESS_H
#define SD_HARNESS_H

#include <stddef.h>

#include "app/app.h"

typedef struct {
	int status;
	char *headers;   /* "Name: value\r\n" lines, malloc'd */
	char *body;      /* malloc'd, NUL-terminated */
	size_t body_len;
} harness_response;

/* Sends one request. extra_params is a NULL-terminated list of "NAME=value"
 * CGI parameters (HTTP_COOKIE=..., CONTENT_TYPE=...). body may be NULL. */
void harness_request(app *a, const char *method, const char *uri, const char *const *extra_params,
    const char *body, size_t body_len, harness_response *out);
void harness_response_free(harness_response *r);
/* Value of the first header `name` (case-insensitive), malloc'd, or NULL. */
char *harness_header(const harness_response *r, const char *name);
/* "sd_session=VALUE" from a Set-Cookie of the response, malloc'd, or NULL. */
char *harness_cookie(const harness_response *r, const char *name);

/* Builds an app from the environment (APP_DATABASE_URL or DATABASE_URL,
 * REDIS_URL) and the repository's templates; aborts on failure. */
app *harness_app_new(void);
/* The same, with other connection URLs (NULL keeps the default): for
 * outage tests against a dead PostgreSQL or Redis. */
app *harness_app_with(const char *db_url, const char *redis_url);
void harness_app_free(app *a);

#endif
