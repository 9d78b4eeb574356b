/* markdown.c: the sanitising Markdown renderer (see markdown.h).
 *
 * cmark 0.30 renders safely by default (raw HTML omitted, javascript:,
 * vbscript:, file: and most data: URLs emptied), and CMARK_OPT_SAFE is
 * passed too for older versions. That is a deny-list; ours is an allow-list
 * applied to the tree before rendering, so the output does not depend on
 * cmark's choice: after the walk there is no HTML node and no link or
 * image whose destination we did not allow. */
#include "core/markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

#ifndef CMARK_OPT_SAFE
#define CMARK_OPT_SAFE (1 << 3)
#endif

static bool has_prefix_nocase(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncasecmp(s, prefix, n) == 0;
}

bool markdown_url_allowed(const char *url, bool is_image)
{
	if (!url)
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return false; /* browsers drop or reinterpret these: no guessing */
	if (is_image) {
		/* /attachments/{uuid}: the desk serves it with its own checks and
		 * content type. */
		static const char prefix[] = "/attachments/";
		if (strncmp(url, prefix, sizeof prefix - 1) != 0)
			return false;
		return str_is_uuid(str_from_cstr(url + sizeof prefix - 1));
	}
	if (has_prefix_nocase(url, "http://") || has_prefix_nocase(url, "https://"))
		return url[strcspn(url, ":") + 3] != '\0';
	if (has_prefix_nocase(url, "mailto:"))
		return url[7] != '\0';
	/* Relative: a path on this host, a query or a fragment. "//host" is
	 * another host (and "/\host" is one to some browsers, refused above). */
	if (url[0] == '/' && url[1] == '/')
		return false;
	if (url[0] == '\0')
		return false;
	/* No scheme: a ':' before any '/', '?' or '#' would make one. */
	size_t first = strcspn(url, ":/?#");
	return url[first] != ':';
}

/* Replaces node with its children (a link or image without its
 * destination keeps what it said). */
static void unwrap(cmark_node *node)
{
	cmark_node *child;
	while ((child = cmark_node_first_child(node)) != NULL)
		cmark_node_insert_before(node, child);
	cmark_node_free(node);
}

/* Raw HTML becomes its own text: shown, never interpreted. */
static void html_to_text(cmark_node *node)
{
	const char *literal = cmark_node_get_literal(node);
	cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);
	cmark_node_set_literal(text, literal ? literal : "");
	if (cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK) {
		cmark_node *para = cmark_node_new(CMARK_NODE_PARAGRAPH);
		cmark_node_append_child(para, text);
		cmark_node_insert_before(node, para);
	} else {
		cmark_node_insert_before(node, text);
	}
	cmark_node_free(node);
}

static void sanitise(cmark_node *root)
{
	/* Collected first and changed afterwards: the iterator must not walk a
	 * tree being rearranged. Pre-order, so an outer node comes first; its
	 * children move out before it is freed and stay valid. */
	size_t n = 0, cap = 64;
	cmark_node **todo = malloc(cap * sizeof *todo);
	if (!todo)
		abort();
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *node = cmark_iter_get_node(it);
		bool bad;
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
		case CMARK_NODE_CUSTOM_BLOCK:
		case CMARK_NODE_CUSTOM_INLINE:
			bad = true;
			break;
		case CMARK_NODE_LINK:
			bad = !markdown_url_allowed(cmark_node_get_url(node), false);
			break;
		case CMARK_NODE_IMAGE:
			bad = !markdown_url_allowed(cmark_node_get_url(node), true);
			break;
		default:
			bad = false;
		}
		if (!bad)
			continue;
		if (n == cap) {
			cap *= 2;
			cmark_node **grown = realloc(todo, cap * sizeof *todo);
			if (!grown)
				abort();
			todo = grown;
		}
		todo[n++] = node;
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n; i++) {
		cmark_node_type t = cmark_node_get_type(todo[i]);
		if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE)
			unwrap(todo[i]);
		else if (t == CMARK_NODE_CUSTOM_BLOCK || t == CMARK_NODE_CUSTOM_INLINE)
			unwrap(todo[i]);
		else
			html_to_text(todo[i]);
	}
	free(todo);
}

const char *markdown_render(arena *a, const char *src, size_t len)
{
	if (len == 0)
		return "";
	int opts = CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;
	cmark_node *root = cmark_parse_document(src, len, opts);
	if (!root)
		abort();
	sanitise(root);
	char *html = cmark_render_html(root, opts);
	cmark_node_free(root);
	if (!html)
		abort();
	char *out = arena_strdup(a, html);
	free(html);
	return out;
}
