/* fuzz_filename.c: libFuzzer target for upload file name sanitising, the
 * Content-Disposition built from it, and content sniffing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "model/filename.h"
#include "model/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The promises of filename.h: what the attachments.file_name check needs and
 * more (no bidi override survives, no leading/trailing dot or space). */
static void check_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > FILENAME_MAX_BYTES || !utf8_valid(s, n))
		abort();
	if (strchr(s, '/') || strchr(s, '\\'))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	if (strstr(s, "\xE2\x80\xAE") || strstr(s, "\xE2\x80\xAD") || strstr(s, "\xE2\x81\xA6") ||
	    strstr(s, "\xE2\x80\x8F") || strstr(s, "\xEF\xBB\xBF"))
		abort();
	if (s[0] == '.' || s[0] == ' ' || s[n - 1] == '.' || s[n - 1] == ' ')
		abort();
	if (strstr(s, "  "))
		abort();
}

static void check_disposition(const char *h)
{
	for (const char *p = h; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort(); /* a header value: printable ASCII only */
	const char *q = strstr(h, "filename=\"");
	const char *star = strstr(h, "\"; filename*=UTF-8''");
	if (!q || !star || star < q)
		abort();
	for (const char *p = q + 10; p < star; p++)
		if (*p == '"' || *p == '\\')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena *a = arena_new(4096);
	char *name = filename_sanitize(a, (const char *)data, size);
	check_name(name);
	/* idempotent */
	if (strcmp(filename_sanitize(a, name, strlen(name)), name) != 0)
		abort();
	check_disposition(filename_content_disposition(a, "attachment", name));

	const char *type = sniff_content_type(data, size < 8192 ? size : 8192, size, str_from_cstr(name));
	if (!type || !strchr(type, '/'))
		abort();
	arena_free(a);
	return 0;
}
