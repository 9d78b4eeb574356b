/* form.h: reads a request body into text fields and memfd-backed uploads. */
#ifndef SD_HTTP_FORM_H
#define SD_HTTP_FORM_H

#include "http/http_parse.h"

typedef struct {
	str field;        /* form field name */
	str filename;     /* as sent by the client (UTF-8 validated, not yet sanitised) */
	str content_type; /* as claimed by the client */
	int fd;           /* memfd_create(MFD_CLOEXEC) holding the bytes, rewound to 0; closed by arena cleanup */
	size_t size;
} http_file;

typedef struct {
	http_params fields; /* text fields, UTF-8 validated, each <= max_field_size */
	http_file *files;
	size_t nfiles;
} http_form;

/* Returns bytes read (at most n), 0 at EOF, -1 on error. */
typedef long (*http_body_reader)(void *ctx, char *dst, size_t n);

/* Reads the body through `read` in chunks of at most 64 KiB using one fixed
 * buffer, and fills form (zeroed first).
 *
 * content_type is the request's Content-Type header:
 * application/x-www-form-urlencoded (body accumulated, at most max_body
 * bytes, then parsed with http_urlencoded_parse) or multipart/form-data
 * (streamed; only text fields are kept in memory). Anything else ->
 * EUNSUPPORTED; an empty content_type with content_length 0 is an empty form.
 * A malformed Content-Type or a multipart one without a valid boundary ->
 * EBADREQ.
 *
 * content_length over max_body -> ETOOLARGE before reading anything; reading
 * stops as soon as max_body is exceeded (ETOOLARGE). When content_length is
 * non-zero the body must be exactly that long (else EBADREQ); 0 means
 * "unknown" and the body is read to EOF. A read error -> EBADREQ.
 *
 * File parts over max_file_size or more than max_files -> ETOOLARGE. File
 * parts with an empty filename and no data (a browser's "no file chosen")
 * are skipped. memfd failures -> EINTERNAL. On error, form holds what was
 * collected so far; every fd is closed when the arena is reset either way. */
http_err http_form_read(arena *a, str content_type, size_t content_length, http_body_reader read,
                        void *ctx, const http_limits *l, http_form *out);

/* First text field called `name`, or STR_NULL. */
str http_form_field(const http_form *f, const char *name);

#endif
