/* attachment.c: SQL and streaming of attachments (0008_attachment_chunks). */
#include "model/attachment.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/crypto.h"
#include "core/log.h"
#include "model/filename.h"
#include "model/sniff.h"

#define READ_BUF 65536


/* ---------------------------------------------------------------------------
 * Limits
 * ------------------------------------------------------------------------- */

static const db_stmt q_limits = { "attachment_limits",
	"select (setting('attachment_max_bytes'))::bigint, (setting('attachment_max_per_message'))::int, "
	"(select string_agg(t, ',') from jsonb_array_elements_text(setting('attachment_allowed_types')) t)" };

int attachment_limits_load(db_tx *tx, attachment_limits *out)
{
	memset(out, 0, sizeof *out);
	db_result *res = db_tx_exec(tx, &q_limits, 0, NULL);
	if (!res)
		return -1;
	if (db_rows(res) != 1) {
		log_error("attachment settings missing", "rid=%s", tx->request_id);
		return -1;
	}
	out->max_bytes = (long)db_get_int(res, 0, 0, 0);
	out->max_per_message = (long)db_get_int(res, 0, 1, 0);
	str types = db_get(res, 0, 2);
	size_t n = 0;
	for (size_t i = 0; i < types.len; i++)
		n += types.ptr[i] == ',';
	out->allowed = arena_calloc(tx->a, n + 1, sizeof *out->allowed);
	for (size_t i = 0, s = 0; types.ptr && i <= types.len; i++) {
		if (i == types.len || types.ptr[i] == ',') {
			if (i > s)
				out->allowed[out->nallowed++] = arena_strndup(tx->a, types.ptr + s, i - s);
			s = i + 1;
		}
	}
	return 0;
}

bool attachment_type_allowed(const attachment_limits *lim, const char *content_type)
{
	for (size_t i = 0; i < lim->nallowed; i++)
		if (strcmp(lim->allowed[i], content_type) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------------------
 * Storing
 * ------------------------------------------------------------------------- */

static const db_stmt q_begin = { "attachment_blob_begin",
	"select attachment_blob_begin(decode($1, 'hex'), $2::bigint)" };
static const db_stmt q_chunk = { "attachment_blob_chunk",
	"select attachment_blob_chunk(decode($1, 'hex'), $2::int, $3::bytea)" };
static const db_stmt q_finish = { "attachment_blob_finish",
	"select attachment_blob_finish(decode($1, 'hex'), $2::bigint)" };

/* Runs a status-returning call; copies the status into st (empty on NULL).
 * Returns false on a database failure. The result is freed at once. */
static bool call_status(db_tx *tx, const db_stmt *s, int n, const char *const *p, char *st, size_t stlen)
{
	db_result *res = db_tx_exec(tx, s, n, p);
	if (!res)
		return false;
	str v = db_rows(res) == 1 ? db_get(res, 0, 0) : STR_NULL;
	snprintf(st, stlen, "%.*s", (int)v.len, v.ptr ? v.ptr : "");
	db_result_free(res);
	return true;
}

/* Reads exactly n bytes at off (n may be cut short only by EOF: returns the
 * count read, or -1 on error). */
static long read_at(int fd, unsigned char *dst, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, dst + got, n - got, off + (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (long)got;
}

/* sha256 of the whole spool file in one pass; false when it could not be read
 * or its length is not f->size. */
static bool hash_file(const attachment_upload *f, unsigned char *block, unsigned char out[CRYPTO_SHA256_LEN])
{
	crypto_sha256_state st;
	crypto_sha256_init(&st);
	size_t off = 0;
	for (;;) {
		long k = read_at(f->fd, block, READ_BUF, (off_t)off);
		if (k < 0)
			return false;
		if (k == 0)
			break;
		crypto_sha256_update(&st, block, (size_t)k);
		off += (size_t)k;
		if (off > f->size)
			return false;
	}
	crypto_sha256_final(&st, out);
	return off == f->size;
}

/* Sends the spool file as chunks 0..n-1 of the blob. param holds "\x" plus the
 * hex of one chunk. Returns 0, 1 when the database refused a chunk, -1 on a
 * database failure, -2 when the spool file could not be read. */
static int send_chunks(db_tx *tx, const attachment_upload *f, const char *hash_hex, unsigned char *block, char *param)
{
	size_t off = 0;
	for (int seq = 0; off < f->size; seq++) {
		size_t want = f->size - off < ATTACHMENT_CHUNK ? f->size - off : ATTACHMENT_CHUNK;
		char *o = param;
		*o++ = '\\';
		*o++ = 'x';
		for (size_t done = 0; done < want;) {
			size_t n = want - done < READ_BUF ? want - done : READ_BUF;
			if (read_at(f->fd, block, n, (off_t)(off + done)) != (long)n)
				return -2;
			crypto_hex_into(o, block, n);
			o += 2 * n;
			done += n;
		}
		*o = '\0';
		char seqs[16], st[32];
		snprintf(seqs, sizeof seqs, "%d", seq);
		const char *p[3] = { hash_hex, seqs, param };
		if (!call_status(tx, &q_chunk, 3, p, st, sizeof st))
			return -1;
		if (strcmp(st, "ok") != 0) {
			log_error("attachment chunk refused", "rid=%s seq=%d status=%s", tx->request_id, seq, st);
			return 1;
		}
		off += want;
	}
	return 0;
}

enum attach_status attachment_store(db_tx *tx, const attachment_upload *f, const attachment_limits *lim,
    attachment_ref *out)
{
	if (f->size == 0)
		return ATTACH_EMPTY;
	if (lim->max_bytes <= 0 || f->size > (size_t)lim->max_bytes)
		return ATTACH_TOO_LARGE;

	enum attach_status ret = ATTACH_DB;
	unsigned char *block = malloc(READ_BUF);
	char *param = NULL;
	if (!block)
		abort(); /* the worker aborts on OOM; the master respawns it */

	/* Type from the first bytes and the sanitised name only. */
	size_t headn = f->size < SNIFF_HEAD ? f->size : SNIFF_HEAD;
	if (read_at(f->fd, block, headn, 0) != (long)headn) {
		log_error("attachment unreadable", "rid=%s err=%s", tx->request_id, strerror(errno));
		goto out;
	}
	char *name = filename_sanitize(tx->a, f->filename.ptr ? f->filename.ptr : "", f->filename.len);
	const char *type = sniff_content_type(block, headn, f->size, str_from_cstr(name));
	if (!attachment_type_allowed(lim, type)) {
		log_info("attachment type refused", "rid=%s type=%s", tx->request_id, type);
		ret = ATTACH_TYPE_NOT_ALLOWED;
		goto out;
	}

	unsigned char hash[CRYPTO_SHA256_LEN];
	if (!hash_file(f, block, hash)) {
		log_error("attachment unreadable", "rid=%s size=%zu", tx->request_id, f->size);
		goto out;
	}
	char hash_hex[65];
	crypto_hex_into(hash_hex, hash, sizeof hash);
	char sizes[24], st[32];
	snprintf(sizes, sizeof sizes, "%zu", f->size);
	const char *pb[2] = { hash_hex, sizes };
	if (!call_status(tx, &q_begin, 2, pb, st, sizeof st))
		goto out;
	if (strcmp(st, "too_large") == 0) {
		ret = ATTACH_TOO_LARGE;
		goto out;
	}
	if (strcmp(st, "write") == 0) {
		param = malloc(2 * ATTACHMENT_CHUNK + 3);
		if (!param)
			abort();
		int sent = send_chunks(tx, f, hash_hex, block, param);
		if (sent == -1)
			goto out;
		/* Also after a refused chunk or a read error: finish then finds
		 * the mismatch and deletes the half-written blob. */
		if (!call_status(tx, &q_finish, 2, pb, st, sizeof st))
			goto out;
		if (sent != 0 || strcmp(st, "ok") != 0) {
			if (strcmp(st, "too_large") == 0) {
				ret = ATTACH_TOO_LARGE;
				goto out;
			}
			log_error("attachment blob not stored", "rid=%s sent=%d status=%s", tx->request_id, sent, st);
			goto out;
		}
	} else if (strcmp(st, "exists") != 0) {
		log_error("attachment blob refused", "rid=%s status=%s", tx->request_id, st);
		goto out;
	}

	memcpy(out->sha256_hex, hash_hex, sizeof out->sha256_hex);
	out->file_name = name;
	out->content_type = arena_strdup(tx->a, type);
	out->size = (long)f->size;
	ret = ATTACH_OK;
out:
	free(param);
	free(block);
	return ret;
}

/* ---------------------------------------------------------------------------
 * submission_create's p_attachment_refs
 * ------------------------------------------------------------------------- */

static void json_string(buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < 0x20 || c == 0x7F) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

char *attachment_refs_json(arena *a, const attachment_ref *refs, size_t n)
{
	buf b;
	buf_init(&b, a, 2 + n * 256);
	buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_puts(&b, "{\"sha256\":");
		json_string(&b, refs[i].sha256_hex);
		buf_puts(&b, ",\"file_name\":");
		json_string(&b, refs[i].file_name);
		buf_puts(&b, ",\"content_type\":");
		json_string(&b, refs[i].content_type);
		buf_printf(&b, ",\"size_bytes\":%ld}", refs[i].size);
	}
	buf_putc(&b, ']');
	return b.data;
}

/* ---------------------------------------------------------------------------
 * Reading (SECURITY INVOKER functions: the caller's row-level security)
 * ------------------------------------------------------------------------- */

bool attachment_id_valid(str id)
{
	return str_is_uuid(id);
}

static const db_stmt q_meta = { "attachment_read_meta",
	"select file_name, content_type, size_bytes, sha256, chunks from attachment_read_meta($1::uuid)" };

/* The same, only for an attachment of a message of the ticket $1. */
static const db_stmt q_meta_on_ticket = { "attachment_read_meta_on_ticket",
	"select m.file_name, m.content_type, m.size_bytes, m.sha256, m.chunks from attachment_read_meta($2::uuid) m "
	"where exists (select 1 from attachments a where a.id = $2::uuid and a.ticket_id = $1::uuid "
	"and a.message_id is not null)" };

static int meta_load(db_tx *tx, const db_stmt *q, int np, const char *const *p, attachment_meta *out)
{
	memset(out, 0, sizeof *out);
	db_result *res = db_tx_exec(tx, q, np, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	str sha = db_get(res, 0, 3);
	if (!sha.ptr || sha.len != 64)
		return 0;
	out->file_name = str_dup(tx->a, db_get(res, 0, 0));
	out->content_type = str_dup(tx->a, db_get(res, 0, 1));
	out->size = (long)db_get_int(res, 0, 2, -1);
	memcpy(out->sha256_hex, sha.ptr, 64);
	out->sha256_hex[64] = '\0';
	out->chunks = (int)db_get_int(res, 0, 4, -1);
	if (out->size <= 0 || out->chunks <= 0)
		return 0;
	return 1;
}

int attachment_meta_load(db_tx *tx, const char *id, attachment_meta *out)
{
	const char *p[1] = { id };
	return meta_load(tx, &q_meta, 1, p, out);
}

int attachment_meta_load_on_ticket(db_tx *tx, const char *ticket_id, const char *id, attachment_meta *out)
{
	const char *p[2] = { ticket_id, id };
	return meta_load(tx, &q_meta_on_ticket, 2, p, out);
}

static const db_stmt q_chunk_read = { "attachment_read_chunk",
	"select attachment_read_chunk($1::uuid, $2::int)" };

long attachment_chunk_read(db_tx *tx, const char *id, int seq, unsigned char *dst, size_t cap)
{
	char seqs[16];
	snprintf(seqs, sizeof seqs, "%d", seq);
	const char *p[2] = { id, seqs };
	db_result *res = db_tx_exec(tx, &q_chunk_read, 2, p);
	if (!res)
		return -1;
	long n = 0;
	str v = db_rows(res) == 1 ? db_get(res, 0, 0) : STR_NULL;
	/* bytea in text form: "\x" and two hex digits a byte */
	if (v.ptr) {
		if (v.len < 2 || v.ptr[0] != '\\' || v.ptr[1] != 'x' || (v.len - 2) % 2 || (v.len - 2) / 2 > cap) {
			log_error("attachment chunk malformed", "rid=%s seq=%d len=%zu", tx->request_id, seq, v.len);
			n = -1;
		} else {
			for (size_t i = 2; i < v.len; i += 2) {
				int hi = str_hex_value((unsigned char)v.ptr[i]), lo = str_hex_value((unsigned char)v.ptr[i + 1]);
				if (hi < 0 || lo < 0) {
					n = -1;
					break;
				}
				dst[n++] = (unsigned char)(hi << 4 | lo);
			}
		}
	}
	db_result_free(res);
	return n;
}
