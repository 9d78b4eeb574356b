/* render_cli.c: `supportdesk render DIR NAME DATA.json` writes one rendered template to stdout. */
#include "tmpl/render_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl/tmpl.h"
#include "tmpl/tmpl_json.h"

/* View data for one render; far above any fixture we keep. */
#define RENDER_CLI_DATA_MAX (64u << 20)

static char *data_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "render: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 64 * 1024, n = 0;
	char *b = malloc(cap);
	while (b) {
		n += fread(b + n, 1, cap - n, f);
		if (n < cap || cap >= RENDER_CLI_DATA_MAX)
			break;
		char *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (!b || bad || n >= RENDER_CLI_DATA_MAX) {
		fprintf(stderr, "render: %s: %s\n", path, !b ? "out of memory" : bad ? "read error" : "file too large");
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

int tmpl_render_cli(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: supportdesk render DIR NAME DATA.json\n");
		return 2;
	}
	const char *dir = argv[1], *name = argv[2], *data_path = argv[3];
	int rc = 1;
	tmpl_set *set = NULL;
	arena *a = NULL;
	char *data = NULL;
	char err[512];

	if (tmpl_set_load_dir(dir, &set, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (!tmpl_exists(set, name)) {
		fprintf(stderr, "render: no template named '%s' in %s\n", name, dir);
		goto out;
	}
	size_t len;
	data = data_read(data_path, &len);
	if (!data)
		goto out;
	a = arena_new(64 * 1024);
	tv *ctx = tv_from_json(a, data, len, err, sizeof err);
	if (!ctx) {
		fprintf(stderr, "%s:%s\n", data_path, err);
		goto out;
	}
	buf out;
	buf_init(&out, a, 4096);
	if (tmpl_render(set, name, ctx, &out) < 0) {
		fprintf(stderr, "render: %s: nesting deeper than the render cap (recursive partial?)\n", name);
		goto out;
	}
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		fprintf(stderr, "render: write error: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(data);
	arena_free(a);
	tmpl_set_free(set);
	return rc;
}
