/* attachments.c: GET /attachments/{id}: an attachment's bytes, streamed one
 * chunk at a time, after the same visibility check as its ticket. */
#include <stdbool.h>
#include <string.h>

#include "app/page.h"
#include "core/log.h"
#include "model/attachment.h"
#include "model/filename.h"
#include "pages/pages.h"

/* Raster formats browsers render without running anything: these may be
 * shown inline under their own type. Everything else, SVG and HTML above
 * all, is application/octet-stream and Content-Disposition: attachment. */
static const char *const inline_types[] = { "image/png", "image/jpeg", "image/gif", "image/webp" };

static bool inline_safe(const char *type)
{
	for (size_t i = 0; i < sizeof inline_types / sizeof inline_types[0]; i++)
		if (strcmp(type, inline_types[i]) == 0)
			return true;
	return false;
}

int page_attachment_download(req *r)
{
	str id = req_route_get(r, "id");
	if (!attachment_id_valid(id))
		return 404;
	char idbuf[37];
	for (size_t i = 0; i < 36; i++)
		idbuf[i] = (char)(id.ptr[i] >= 'A' && id.ptr[i] <= 'F' ? id.ptr[i] + 32 : id.ptr[i]);
	idbuf[36] = '\0';

	attachment_meta m;
	int found = attachment_meta_load(page_tx(r), idbuf, &m);
	if (found < 0)
		return page_db_failure(r);
	if (found == 0)
		return 404; /* unknown and not visible look the same */

	bool show = inline_safe(m.content_type);
	resp_header(r, "Content-Type", show ? m.content_type : "application/octet-stream");
	resp_header(r, "Content-Disposition",
	    filename_content_disposition(r->a, show ? "inline" : "attachment", m.file_name));
	return page_attachment_stream(r, idbuf, &m);
}

int page_attachment_stream(req *r, const char *idbuf, const attachment_meta *mp)
{
	const attachment_meta m = *mp;
	resp_header(r, "Cache-Control", "private, no-store");
	/* Even if a browser rendered it, nothing in it may run or load (and,
	 * as on every response, it may not be framed: resp_csp adds that). */
	resp_csp(r, "default-src 'none'; sandbox");
	resp_header(r, "Cross-Origin-Resource-Policy", "same-origin");

	unsigned char *chunk = arena_alloc(r->a, ATTACHMENT_CHUNK_MAX);
	/* The first chunk is read before anything is sent, so that a failure
	 * here is still a proper error page. */
	long n = r->method == METHOD_HEAD ? 0 : attachment_chunk_read(page_tx(r), idbuf, 0, chunk, ATTACHMENT_CHUNK_MAX);
	if (n < 0)
		return page_db_failure(r);
	if (r->method != METHOD_HEAD && n == 0) {
		log_error("attachment has no bytes", "rid=%s id=%s", r->request_id, idbuf);
		return 500;
	}
	if (resp_stream_begin(r, 200, (size_t)m.size) < 0 || r->method == METHOD_HEAD)
		return 0;

	long sent = 0;
	for (int seq = 0;;) {
		if (n > m.size - sent) {
			log_error("attachment longer than recorded", "rid=%s id=%s", r->request_id, idbuf);
			return 500; /* after streaming: the dispatcher only logs it */
		}
		if (resp_stream_write(r, (const char *)chunk, (size_t)n) < 0) {
			log_warn("client went away", "rid=%s", r->request_id);
			return 0;
		}
		sent += n;
		if (++seq >= m.chunks || sent >= m.size)
			break;
		n = attachment_chunk_read(page_tx(r), idbuf, seq, chunk, ATTACHMENT_CHUNK_MAX);
		if (n <= 0) {
			log_error("attachment chunk missing", "rid=%s id=%s seq=%d", r->request_id, idbuf, seq);
			return n < 0 ? page_db_failure(r) : 500;
		}
	}
	if (sent != m.size) {
		log_error("attachment shorter than recorded", "rid=%s id=%s sent=%ld size=%ld", r->request_id,
		    idbuf, sent, m.size);
		return 500;
	}
	return 0;
}
