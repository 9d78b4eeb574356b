/* form.h: reads a request body into text fields and uploads spooled to unlinked files on disk. */
#ifndef SD_HTTP_FORM_H
#define SD_HTTP_FORM_H

#include "http/http_parse.h"

typedef struct {
	str field;        /* form field name */
	str filename;     /* as sent by the client (UTF-8 validated, not yet sanitised) */
	str content_type; /* as claimed by the client */
	int fd;           /* an unlinked spool file holding the bytes (http_upload_spool_open), rewound to 0; closed by arena cleanup */
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
 * buffer, and fills form (zeroed first). File parts go to spool files in
 * l->upload_dir_fd through one more 64 KiB buffer, so the worker holds the
 * same few buffers whatever the size of the upload.
 *
 * content_type is the request's Content-Type header:
 * application/x-www-form-urlencoded (body accumulated, at most max_text
 * bytes, then parsed with http_urlencoded_parse) or multipart/form-data
 * (streamed; only text fields are kept in memory, at most max_text bytes
 * of them together). Anything else ->
 * EUNSUPPORTED; an empty content_type with content_length 0 is an empty form.
 * A malformed Content-Type or a multipart one without a valid boundary ->
 * EBADREQ.
 *
 * content_length over max_body (for urlencoded, over max_text) ->
 * ETOOLARGE before reading anything; reading stops as soon as that limit is
 * exceeded (ETOOLARGE). When content_length is
 * non-zero the body must be exactly that long (else EBADREQ); 0 means
 * "unknown" and the body is read to EOF. A read error -> EBADREQ.
 *
 * File parts over max_file_size or more than max_files -> ETOOLARGE. File
 * parts with an empty filename and no data (a browser's "no file chosen")
 * are skipped. A spool file that cannot be made or written (a full disk)
 * -> EINTERNAL. On error, form holds what was collected so far; every fd is
 * closed when the arena is reset either way. */
http_err http_form_read(arena *a, str content_type, size_t content_length, http_body_reader read,
                        void *ctx, const http_limits *l, http_form *out);

/* Adds a file of n bytes (already in memory: a JSON body's base64, say)
 * to form as if it had come as a file part called field: spooled to a new
 * file in l->upload_dir_fd, closed when the arena is reset. The strings
 * must outlive the form. 0, or -1 (a spool file not made or written). */
int http_form_add_file(arena *a, const http_limits *l, http_form *form, str field, str filename,
                       const void *bytes, size_t n);

/* First text field called `name`, or STR_NULL. */
str http_form_field(const http_form *f, const char *name);

/* ---- the upload spool ----
 * An upload is written to a file that has no name (O_TMPFILE) or loses it
 * at once, in a directory on disk: its bytes sit in the page cache, which
 * the kernel writes back and drops as it needs, not in the worker. Nothing
 * is left behind when the worker is killed. */

/* Opens the upload directory for http_limits.upload_dir_fd, creating it
 * (mode 0700) when it is missing but its parent exists, and proves that a
 * spool file can be made in it. Returns a close-on-exec O_PATH descriptor
 * for the caller to close, or -1 with a message naming path in err.
 * in_memory (may be NULL) is set when the directory is on tmpfs or ramfs,
 * where spooled bytes would stay in RAM after all. */
int http_upload_dir_open(const char *path, bool *in_memory, char *err, size_t errlen);

/* A new unlinked spool file, read-write, mode 0600, close-on-exec, in
 * dir_fd (below 0: $TMPDIR or /tmp): O_TMPFILE, or on a filesystem or
 * kernel without it http_upload_spool_open_named. Returns the descriptor
 * for the caller to close, or -1 with errno set. */
int http_upload_spool_open(int dir_fd);
/* The fallback, as mkstemp and unlink do it: a randomly named file created
 * exclusively (O_EXCL, no symlink followed) and unlinked at once. Exported
 * so that tests reach it on filesystems that have O_TMPFILE. */
int http_upload_spool_open_named(int dir_fd);

#endif
