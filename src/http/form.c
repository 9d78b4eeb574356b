/* form.c: collects a request body into text fields and uploads spooled to disk, within limits. */
#include "http/form.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/log.h"
#include "core/utf8.h"

/* Bounded so one fixed buffer serves every request, whatever its size. */
#define FORM_CHUNK (64u * 1024)

/* ---- the upload spool ---- */

/* The directory (relative to base) that spool files go to. */
static const char *spool_dir(int dir_fd, int *base)
{
	*base = dir_fd >= 0 ? dir_fd : AT_FDCWD;
	if (dir_fd >= 0)
		return ".";
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

int http_upload_spool_open_named(int dir_fd)
{
	int base;
	const char *dir = spool_dir(dir_fd, &base);
	static const char hex[] = "0123456789abcdef";
	/* A name nobody can guess, so nobody can take it first in a shared
	 * directory; a collision (EEXIST) just draws another. */
	for (int attempt = 0; attempt < 16; attempt++) {
		unsigned char rnd[12];
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			return -1;
		char tail[2 * sizeof rnd + 1];
		for (size_t i = 0; i < sizeof rnd; i++) {
			tail[2 * i] = hex[rnd[i] >> 4];
			tail[2 * i + 1] = hex[rnd[i] & 15];
		}
		tail[2 * sizeof rnd] = '\0';
		char name[PATH_MAX];
		if (snprintf(name, sizeof name, "%s/.supportdesk-upload-%s", dir, tail) >= (int)sizeof name) {
			errno = ENAMETOOLONG;
			return -1;
		}
		int fd = openat(base, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -1;
		if (unlinkat(base, name, 0) < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		return fd;
	}
	errno = EEXIST;
	return -1;
}

int http_upload_spool_open(int dir_fd)
{
	int base;
	const char *dir = spool_dir(dir_fd, &base);
	int fd = openat(base, dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	/* EOPNOTSUPP: a filesystem without O_TMPFILE; EISDIR: a kernel that
	 * predates it and took the flag for O_DIRECTORY. */
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR))
		return http_upload_spool_open_named(dir_fd);
	return fd;
}

int http_upload_dir_open(const char *path, bool *in_memory, char *err, size_t errlen)
{
	if (in_memory)
		*in_memory = false;
	if (!path || !*path) {
		snprintf(err, errlen, "the upload directory is not set");
		return -1;
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the upload directory %s: %s", path, strerror(errno));
		return -1;
	}
	int dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		snprintf(err, errlen, "cannot open the upload directory %s: %s", path, strerror(errno));
		return -1;
	}
	int probe = http_upload_spool_open(dir_fd);
	if (probe < 0) {
		snprintf(err, errlen, "cannot create a file in the upload directory %s: %s", path, strerror(errno));
		close(dir_fd);
		return -1;
	}
	struct statfs sf;
	if (in_memory && fstatfs(probe, &sf) == 0)
		*in_memory = sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC;
	close(probe);
	return dir_fd;
}

/* ---- collecting the parts ---- */

typedef struct {
	arena *a;
	const http_limits *l;
	http_form *form;
	size_t nfields;
	size_t text_total; /* bytes of every text field so far */
	size_t files_cap;
	/* the current part */
	bool is_file;
	str name, filename, content_type;
	buf text;
	int fd; /* -1 until the first byte, so "no file chosen" parts cost no fd */
	size_t size;
	/* The parser hands data over in pieces cut at every CR (one in 256
	 * bytes of a binary file): gathered here, they reach the spool file
	 * in FORM_CHUNK writes instead of a system call per piece. */
	char *spool_buf;
	size_t spool_len;
} form_collector;

static void form_fd_close(void *p)
{
	close(*(int *)p);
}

static http_err form_file_open(form_collector *c)
{
	if (c->form->nfiles >= c->l->max_files)
		return HTTP_ETOOLARGE;
	int fd = http_upload_spool_open(c->l->upload_dir_fd);
	if (fd < 0) {
		log_error("upload spool file not created", "err=\"%s\"", strerror(errno));
		return HTTP_EINTERNAL;
	}
	int *slot = arena_alloc(c->a, sizeof *slot);
	*slot = fd;
	arena_on_free(c->a, form_fd_close, slot);
	c->fd = fd;
	if (!c->spool_buf)
		c->spool_buf = arena_alloc(c->a, FORM_CHUNK);
	c->spool_len = 0;
	return HTTP_OK;
}

int http_form_add_file(arena *a, const http_limits *l, http_form *form, str field, str filename,
                       const void *bytes, size_t n)
{
	int fd = http_upload_spool_open(l->upload_dir_fd);
	if (fd < 0) {
		log_error("upload spool file not created", "err=\"%s\"", strerror(errno));
		return -1;
	}
	int *slot = arena_alloc(a, sizeof *slot);
	*slot = fd;
	arena_on_free(a, form_fd_close, slot);
	for (size_t done = 0; done < n;) {
		ssize_t w = write(fd, (const char *)bytes + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_error("upload spool file not written", "err=\"%s\"", strerror(errno));
			return -1;
		}
		done += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	http_file *files = arena_alloc(a, sizeof *files * (form->nfiles + 1));
	if (form->nfiles)
		memcpy(files, form->files, sizeof *files * form->nfiles);
	files[form->nfiles] = (http_file){ .field = field, .filename = filename, .content_type = STR_NULL, .fd = fd,
		.size = n };
	form->files = files;
	form->nfiles++;
	return 0;
}

static http_err form_spool_flush(form_collector *c)
{
	const char *p = c->spool_buf;
	size_t n = c->spool_len;
	c->spool_len = 0;
	while (n) {
		ssize_t w = write(c->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* a full disk or quota: the server's problem */
			log_error("upload spool write failed", "err=\"%s\"", strerror(errno));
			return HTTP_EINTERNAL;
		}
		p += w;
		n -= (size_t)w;
	}
	return HTTP_OK;
}

static http_err form_spool_write(form_collector *c, const char *p, size_t n)
{
	while (n) {
		size_t k = FORM_CHUNK - c->spool_len;
		if (k > n)
			k = n;
		memcpy(c->spool_buf + c->spool_len, p, k);
		c->spool_len += k;
		p += k;
		n -= k;
		if (c->spool_len == FORM_CHUNK) {
			http_err e = form_spool_flush(c);
			if (e != HTTP_OK)
				return e;
		}
	}
	return HTTP_OK;
}

static int form_part_begin(void *ud, str name, str filename, str content_type)
{
	form_collector *c = ud;
	c->name = name;
	c->filename = filename;
	c->content_type = content_type;
	c->is_file = filename.ptr != NULL;
	c->fd = -1;
	c->size = 0;
	if (c->is_file) {
		if (filename.len > 0)
			return form_file_open(c);
		return HTTP_OK;
	}
	if (++c->nfields > c->l->max_fields)
		return HTTP_ETOOLARGE;
	buf_init(&c->text, c->a, 64);
	return HTTP_OK;
}

static int form_part_data(void *ud, const char *p, size_t n)
{
	form_collector *c = ud;
	if (!c->is_file) {
		/* Text stays in memory: each field within max_field_size, all of
		 * them together within max_text. */
		if (n > c->l->max_field_size - c->text.len || n > c->l->max_text - c->text_total)
			return HTTP_ETOOLARGE;
		c->text_total += n;
		buf_append(&c->text, p, n);
		return HTTP_OK;
	}
	if (n > c->l->max_file_size - c->size)
		return HTTP_ETOOLARGE;
	if (c->fd < 0) {
		http_err e = form_file_open(c);
		if (e != HTTP_OK)
			return e;
	}
	c->size += n;
	return form_spool_write(c, p, n);
}

static int form_part_end(void *ud)
{
	form_collector *c = ud;
	http_form *f = c->form;
	if (!c->is_file) {
		if (!utf8_valid(c->text.data, c->text.len))
			return HTTP_EBADREQ;
		http_params_add(c->a, &f->fields, c->name, buf_str(&c->text));
		return HTTP_OK;
	}
	/* Named files got their fd in form_part_begin, so no fd here means an
	 * empty filename and no data: a browser's "no file chosen". */
	if (c->fd < 0)
		return HTTP_OK;
	http_err e = form_spool_flush(c);
	if (e != HTTP_OK)
		return e;
	if (lseek(c->fd, 0, SEEK_SET) != 0)
		return HTTP_EINTERNAL;
	if (f->nfiles == c->files_cap) {
		size_t cap = c->files_cap ? c->files_cap * 2 : 4;
		f->files = arena_realloc(c->a, f->files, c->files_cap * sizeof *f->files, cap * sizeof *f->files);
		c->files_cap = cap;
	}
	f->files[f->nfiles++] = (http_file){ c->name, c->filename, c->content_type, c->fd, c->size };
	return HTTP_OK;
}

typedef http_err (*form_sink)(void *ctx, const char *p, size_t n);

static http_err form_sink_buf(void *ctx, const char *p, size_t n)
{
	buf_append(ctx, p, n);
	return HTTP_OK;
}

static http_err form_sink_multipart(void *ctx, const char *p, size_t n)
{
	return multipart_parser_feed(ctx, p, n);
}

/* Pumps the body into sink, enforcing max (bytes) and content_length. */
static http_err form_body_pump(arena *a, size_t content_length, http_body_reader read, void *ctx,
                               size_t max, form_sink sink, void *sink_ctx)
{
	char *chunk = arena_alloc(a, FORM_CHUNK);
	size_t total = 0;
	for (;;) {
		size_t want = FORM_CHUNK;
		if (content_length) {
			if (total == content_length)
				break;
			if (content_length - total < want)
				want = content_length - total;
		} else if (max - total < want) {
			/* one byte past the limit is enough to know it was exceeded */
			want = max - total + 1;
		}
		long r = read(ctx, chunk, want);
		if (r < 0 || (size_t)r > want)
			return HTTP_EBADREQ;
		if (r == 0)
			break;
		total += (size_t)r;
		if (total > max)
			return HTTP_ETOOLARGE;
		http_err e = sink(sink_ctx, chunk, (size_t)r);
		if (e != HTTP_OK)
			return e;
	}
	if (content_length && total != content_length)
		return HTTP_EBADREQ; /* the client hung up early */
	return HTTP_OK;
}

http_err http_form_read(arena *a, str content_type, size_t content_length, http_body_reader read,
                        void *ctx, const http_limits *l, http_form *out)
{
	*out = (http_form){ 0 };
	if (content_type.len == 0)
		return content_length == 0 ? HTTP_OK : HTTP_EUNSUPPORTED;
	if (content_length > l->max_body)
		return HTTP_ETOOLARGE;
	str type;
	http_params params = { 0 };
	http_err e = http_header_value_parse(a, content_type, &type, &params);
	if (e != HTTP_OK)
		return e;

	if (str_eq_nocase(type, STR_LIT("application/x-www-form-urlencoded"))) {
		/* Parsed only once whole, so the body is in memory, and all of it
		 * is text: max_text bounds it, not max_body (which is sized for
		 * uploads). */
		size_t max = l->max_text < l->max_body ? l->max_text : l->max_body;
		if (content_length > max)
			return HTTP_ETOOLARGE;
		buf body;
		/* A declared length is allocated once, not grown by doubling. */
		buf_init(&body, a, content_length ? content_length : 1024);
		e = form_body_pump(a, content_length, read, ctx, max, form_sink_buf, &body);
		if (e != HTTP_OK)
			return e;
		return http_urlencoded_parse(a, body.data, body.len, l, &out->fields);
	}
	if (str_eq_nocase(type, STR_LIT("multipart/form-data"))) {
		str boundary;
		e = http_multipart_boundary(content_type, &boundary);
		if (e != HTTP_OK)
			return e;
		form_collector *c = arena_calloc(a, 1, sizeof *c);
		c->a = a;
		c->l = l;
		c->form = out;
		c->fd = -1;
		static const multipart_callbacks cb = { form_part_begin, form_part_data, form_part_end };
		multipart_parser *mp = multipart_parser_new(a, boundary, l, &cb, c);
		e = form_body_pump(a, content_length, read, ctx, l->max_body, form_sink_multipart, mp);
		if (e != HTTP_OK)
			return e;
		return multipart_parser_finish(mp);
	}
	return HTTP_EUNSUPPORTED;
}

str http_form_field(const http_form *f, const char *name)
{
	return http_params_get(&f->fields, name);
}
