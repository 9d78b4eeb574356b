/* fuzz_markdown.c: libFuzzer target for the knowledge base's Markdown
 * renderer (src/core/markdown.c) and the version diff (linediff.c).
 *
 * Beyond "no crash": whatever the input, the HTML has no tag outside the
 * ones CommonMark produces, no event handler attribute, no href outside
 * the allow-list and no img other than the desk's attachments. The input
 * is split in two at the first 0x00 for the diff. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/linediff.h"
#include "core/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "em",
	"strong", "a", "img", "hr", "br",
};

static bool allowed_tag(const char *p)
{
	if (*p == '/')
		p++;
	for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
		size_t n = strlen(tags[i]);
		if (strncmp(p, tags[i], n) == 0 && (p[n] == '>' || p[n] == ' ' || p[n] == '/'))
			return true;
	}
	return false;
}

/* The value of the attribute starting at p (after name="), decoded of
 * &amp; only (cmark escapes & < > " in attributes). */
static char *attr_value(const char *p)
{
	const char *end = strchr(p, '"');
	if (!end)
		abort();
	char *v = malloc((size_t)(end - p) + 1), *q = v;
	for (; p < end; p++) {
		if (strncmp(p, "&amp;", 5) == 0) {
			*q++ = '&';
			p += 4;
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	return v;
}

static void check_html(const char *h)
{
	for (const char *p = strchr(h, '<'); p; p = strchr(p + 1, '<')) {
		if (!allowed_tag(p + 1))
			abort();
		const char *end = strchr(p, '>');
		if (!end)
			abort();
		/* Attributes only as cmark writes them: href, src, alt, title
		 * (and start on ol), each quoted. */
		for (const char *q = p + 1; q < end; q++) {
			if (*q != ' ')
				continue;
			if (strncmp(q, " href=\"", 7) == 0 || strncmp(q, " src=\"", 6) == 0) {
				bool img = q[1] == 's';
				char *v = attr_value(q + (img ? 6 : 7));
				/* cmark percent-encodes the URL; what we allowed decoded
				 * stays allowed encoded (no new ':' before a '/'). */
				if (!markdown_url_allowed(v, img))
					abort();
				free(v);
			} else if (strncmp(q, " alt=\"", 6) != 0 && strncmp(q, " title=\"", 8) != 0 &&
			           strncmp(q, " start=\"", 8) != 0 && strncmp(q, " class=\"language-", 17) != 0 &&
			           strncmp(q, " />", 3) != 0) {
				abort();
			}
			const char *quote = strchr(q, '"');
			if (quote && quote < end)
				q = strchr(quote + 1, '"'); /* skip the value */
			if (!q)
				abort();
		}
		p = end;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MARKDOWN_MAX_BYTES)
		return 0;
	arena *a = arena_new(4096);
	check_html(markdown_render(a, (const char *)data, size));

	const uint8_t *nul = memchr(data, 0, size);
	size_t left = nul ? (size_t)(nul - data) : size / 2;
	size_t right_off = nul ? left + 1 : left;
	linediff_line *d;
	size_t n = linediff(a, (const char *)data, left, (const char *)data + right_off, size - right_off, &d);
	/* Every line of each side appears once, in order. */
	size_t olds = 0, news = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].op != LINEDIFF_ADD && d[i].old_no != ++olds)
			abort();
		if (d[i].op != LINEDIFF_DEL && d[i].new_no != ++news)
			abort();
	}
	arena_free(a);
	return 0;
}
