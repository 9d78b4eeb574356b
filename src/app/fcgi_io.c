/* fcgi_io.c: req_io over a libfcgi request. */
#include "app/fcgi_io.h"

#include <stdio.h>

static const char *fcgi_param(void *ctx, const char *name)
{
	FCGX_Request *fr = ctx;
	return FCGX_GetParam(name, fr->envp);
}

static char **fcgi_params(void *ctx)
{
	FCGX_Request *fr = ctx;
	return fr->envp;
}

static long fcgi_read(void *ctx, char *dst, size_t n)
{
	FCGX_Request *fr = ctx;
	int want = n > (1u << 30) ? (1 << 30) : (int)n;
	int got = FCGX_GetStr(dst, want, fr->in);
	if (got < want && FCGX_GetError(fr->in))
		return -1;
	return got;
}

static int fcgi_write(void *ctx, const char *p, size_t n)
{
	FCGX_Request *fr = ctx;
	while (n) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		if (FCGX_PutStr(p, chunk, fr->out) != chunk)
			return -1;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

void fcgi_io_bind(req_io *io, FCGX_Request *fr)
{
	io->param = fcgi_param;
	io->params = fcgi_params;
	io->read = fcgi_read;
	io->write = fcgi_write;
	io->ctx = fr;
}

bool fcgi_io_drain(FCGX_Request *fr, long cap, bool has_body)
{
	if (has_body)
		FCGX_FFlush(fr->out);
	char sink[16384];
	long total = 0;
	int got;
	while (total < cap && (got = FCGX_GetStr(sink, sizeof sink, fr->in)) > 0)
		total += got;
	return FCGX_HasSeenEOF(fr->in) == EOF;
}
