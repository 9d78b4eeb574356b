/* e2e_common.h: what every end-to-end suite uses: growable buffers and
 * libcurl responses with their headers. */
#ifndef SD_E2E_COMMON_H
#define SD_E2E_COMMON_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *data;
	size_t len, cap;
} dbuf;

void dbuf_add(dbuf *b, const void *p, size_t n);
void dbuf_adds(dbuf *b, const char *s);
void dbuf_addf(dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dbuf_free(dbuf *b);
const char *dbuf_str(const dbuf *b);

typedef struct {
	long status;
	CURLcode rc;
	dbuf body;
	dbuf headers; /* raw header lines of the final response */
} resp;

/* CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION with a dbuf as userdata. */
size_t resp_on_body(char *p, size_t size, size_t n, void *ud);
size_t resp_on_header(char *p, size_t size, size_t n, void *ud);
void resp_free(resp *r);
/* Value of header `name` (first occurrence), copied into out; false when absent. */
bool resp_header(const resp *r, const char *name, char *out, size_t outlen);
/* How many times header `name` occurs: a browser applies every
 * Content-Security-Policy it gets, so two are not one. */
int resp_header_count(const resp *r, const char *name);

#endif
