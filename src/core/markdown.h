/* markdown.h: Markdown (CommonMark, cmark) to HTML that is safe to put in a
 * page as it is. No request, no SQL: a pure function of the text.
 *
 * What survives: CommonMark's own elements; links to http(s), mailto and
 * relative URLs (a path, a query or a fragment on this site); images only
 * from the desk's own attachments (/attachments/{uuid}). Raw HTML is shown
 * as text, a link with another scheme keeps its text without the link, an
 * image from elsewhere keeps its description as text. */
#ifndef SD_MARKDOWN_H
#define SD_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* The longest Markdown accepted (kb_articles.content's check). */
#define MARKDOWN_MAX_BYTES 100000

/* The sanitised HTML of src[0..len) in a, never NULL (an empty string for
 * empty input). Invalid UTF-8 is replaced, NUL bytes too. The caller bounds
 * len (MARKDOWN_MAX_BYTES). */
const char *markdown_render(arena *a, const char *src, size_t len);

/* Whether url may be a link's destination (is_image false) or an image's
 * source (is_image true). NUL-terminated, as cmark decoded it. */
bool markdown_url_allowed(const char *url, bool is_image);

#endif
