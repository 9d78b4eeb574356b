/* attachment.h: uploads validated and streamed into attachment_blob_chunks,
 * and read back through an attachment the acting user may see. */
#ifndef SD_MODEL_ATTACHMENT_H
#define SD_MODEL_ATTACHMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"
#include "db/tx.h"

/* Blob bytes travel in chunks of this size (each one libpq parameter). */
#define ATTACHMENT_CHUNK 262144
/* The largest chunk the database accepts (its check), hence what a reader
 * must be ready to receive. */
#define ATTACHMENT_CHUNK_MAX 1048576

typedef struct {
	long max_bytes;         /* system_settings.attachment_max_bytes */
	long max_per_message;   /* system_settings.attachment_max_per_message */
	const char **allowed;   /* system_settings.attachment_allowed_types */
	size_t nallowed;
} attachment_limits;

/* An uploaded file as the model sees it: its bytes behind a descriptor the
 * caller owns (read from offset 0 with pread), and the name it came with. */
typedef struct {
	int fd;
	size_t size;
	str filename;           /* as sent (UTF-8 validated, not yet sanitised) */
} attachment_upload;

typedef struct {
	char sha256_hex[65];
	char *file_name;        /* sanitised */
	char *content_type;     /* detected from the bytes */
	long size;
} attachment_ref;

enum attach_status {
	ATTACH_OK,
	ATTACH_EMPTY,            /* no bytes */
	ATTACH_TOO_LARGE,        /* over max_bytes: 413 or a form error */
	ATTACH_TYPE_NOT_ALLOWED, /* sniffed type not in the allow-list: a form error */
	ATTACH_DB,               /* database (or spool file) failure (db_tx_status) */
	ATTACH__MAX
};

/* The attachment settings from system_settings, in one query (readable by
 * anonymous requests through setting()). Returns 0, or -1 on a database
 * failure (db_tx_status says how). */
int attachment_limits_load(db_tx *tx, attachment_limits *out);
bool attachment_type_allowed(const attachment_limits *lim, const char *content_type);

/* Validates and stores one uploaded file inside the caller's transaction:
 * sniffs the type from the first bytes (never trusts the name or the
 * client's Content-Type), checks the allow-list and size, sanitises the
 * name, hashes the bytes (one pass over the spool file with a 64 KiB
 * buffer), and streams the blob into attachment_blob_chunks in
 * ATTACHMENT_CHUNK pieces unless it is stored already (dedupe by sha256).
 * The worker holds at most 64 KiB of file plus one hex-encoded chunk
 * (512 KiB, and libpq's copy of it), malloc'd and freed here, whatever the
 * file's size. out is written only on ATTACH_OK. */
enum attach_status attachment_store(db_tx *tx, const attachment_upload *f, const attachment_limits *lim,
    attachment_ref *out);

/* JSON array for submission_create's p_attachment_refs:
 * [{"sha256":..,"file_name":..,"content_type":..,"size_bytes":..}]. */
char *attachment_refs_json(arena *a, const attachment_ref *refs, size_t n);

/* ---- reading ---- */

typedef struct {
	char *file_name;
	char *content_type;     /* as stored (sniffed at upload) */
	char sha256_hex[65];
	long size;
	int chunks;             /* attachment_chunk_read calls for seq 0..chunks-1 */
} attachment_meta;

/* True when id has the textual form of a uuid (8-4-4-4-12 hex digits). */
bool attachment_id_valid(str id);

/* Loads the metadata of attachment id (a valid uuid) when the acting user
 * may see it under row-level security. Returns 1 (out filled), 0 when it is
 * unknown or not visible (answer 404 either way), -1 on a database failure. */
int attachment_meta_load(db_tx *tx, const char *id, attachment_meta *out);
/* The same for an attachment of one of the messages of ticket_id (the
 * API's download): 0 as well for one of another ticket, or of none. */
int attachment_meta_load_on_ticket(db_tx *tx, const char *ticket_id, const char *id, attachment_meta *out);

/* Reads chunk seq of attachment id into dst (cap >= ATTACHMENT_CHUNK_MAX).
 * The result is freed before returning, so a download holds one chunk at a
 * time. Returns the byte count, 0 when there is no such chunk, -1 on a
 * database failure. */
long attachment_chunk_read(db_tx *tx, const char *id, int seq, unsigned char *dst, size_t cap);

#endif
