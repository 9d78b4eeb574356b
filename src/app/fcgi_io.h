/* fcgi_io.h: the libfcgi side of req_io. Only fcgi_io.c and server.c see
 * fcgiapp.h. */
#ifndef SD_FCGI_IO_H
#define SD_FCGI_IO_H

#include <fcgiapp.h>

#include "http/request.h"

void fcgi_io_bind(req_io *io, FCGX_Request *fr);
/* Flushes the response, then reads and discards what is left of the body
 * (up to cap bytes), so nginx never sees a reset while it is still sending:
 * an early 413 must reach the browser as a 413, not a 502. True when the
 * body was read to its end. Without a body (has_body false: no
 * CONTENT_LENGTH, or 0) there is only the empty end-of-input record to
 * read, which nginx sends with the parameters: the response is then left
 * for FCGX_Finish_r to send with the end-of-request records, in one write
 * instead of two. */
bool fcgi_io_drain(FCGX_Request *fr, long cap, bool has_body);

#endif
