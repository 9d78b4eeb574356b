/* compile.c: parses Mustache sources once at start-up into node trees and links partials. */
#include "tmpl/tmpl_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXT ".mustache"
#define EXT_LEN (sizeof(EXT) - 1)

/* Load-wide state: templates compiled so far and the block-name table that
 * turns {{$name}} into an integer compared at render time. */
struct loader {
	tmpl_set *set;
	struct tmpl *t;
	size_t n, cap;
	str *blocks;
	size_t nblocks, bcap;
	char *err;
	size_t errlen;
};

/* An element whose close tag has not been seen yet. */
struct open_el {
	unsigned char kind;
	bool arg;          /* a block directly inside a parent: an argument */
	bool left_clear;   /* only whitespace before the open tag on its line */
	bool intrinsic;    /* block opened at a line end: content was outdented */
	size_t tag_pos;
	str name;
	str ws;            /* whitespace before the open tag (after outdenting) */
	str indent;        /* block: intrinsic indentation relative to the enclosing one */
	str saved_strip;
	size_t start;      /* first child in the flat node vector */
};

struct parser {
	struct loader *L;
	const char *path;
	const char *src;
	size_t len, pos;
	str otag, ctag;
	size_t line_start;   /* offset of the current source line */
	size_t line_strip;   /* outdent bytes skipped at its start */
	bool line_begun;     /* outdenting already applied to this line */
	size_t prev_tag_end; /* a tag ending after line_start shares the line */
	/* Text since the last tag; line_tb is where the current line starts in
	 * it, so a standalone tag can drop the line's indentation. */
	char *tb;
	size_t tb_len, tb_cap, line_tb;
	/* Nodes of every open element, innermost last; closing an element
	 * moves its tail into the set arena. */
	tnode *v;
	size_t vn, vcap;
	struct open_el open[TMPL_NEST_MAX];
	size_t nopen;
	str strip;           /* intrinsic indentation removed from each line */
};

static void grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *np = realloc(*p, c * elem);
	if (!np) {
		fputs("supportdesk: out of memory\n", stderr);
		abort();
	}
	*p = np;
	*cap = c;
}

static void err_set(struct loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_set(struct loader *L, const char *fmt, ...)
{
	if (!L->err || !L->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->err, L->errlen, fmt, ap);
	va_end(ap);
}

static int perr(struct parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, size_t at, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < at && i < p->len; i++) {
		if (p->src[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_set(p->L, "%s:%zu:%zu: %s", p->path, line, col, msg);
	return -1;
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }
static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static str trim(str s)
{
	while (s.len && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

static void tb_putc(struct parser *p, char c)
{
	grow((void **)&p->tb, &p->tb_cap, p->tb_len + 1, 1);
	p->tb[p->tb_len++] = c;
}

static tnode *node_add(struct parser *p)
{
	grow((void **)&p->v, &p->vcap, p->vn + 1, sizeof *p->v);
	tnode *n = &p->v[p->vn++];
	memset(n, 0, sizeof *n);
	return n;
}

static void text_flush(struct parser *p)
{
	if (p->tb_len) {
		tnode *n = node_add(p);
		n->kind = TN_TEXT;
		n->text = (str){ arena_strndup(p->L->set->a, p->tb, p->tb_len), p->tb_len };
	}
	p->tb_len = 0;
	p->line_tb = 0;
}

static str str_copy(struct parser *p, str s)
{
	return (str){ arena_strndup(p->L->set->a, s.ptr, s.len), s.len };
}

static unsigned block_intern(struct loader *L, str name)
{
	for (size_t i = 0; i < L->nblocks; i++)
		if (str_eq(L->blocks[i], name))
			return (unsigned)i;
	grow((void **)&L->blocks, &L->bcap, L->nblocks + 1, sizeof *L->blocks);
	L->blocks[L->nblocks] = name;
	return (unsigned)L->nblocks++;
}

/* Checks a tag name; for interpolations and sections also splits the
 * dotted name into segments so rendering never scans for dots. */
static int name_parse(struct parser *p, size_t at, str name, tnode *n, bool dotted)
{
	if (!name.len)
		return perr(p, at, "empty tag name");
	if (name.len > TMPL_NAME_MAX)
		return perr(p, at, "tag name longer than %d bytes", TMPL_NAME_MAX);
	for (size_t i = 0; i < name.len; i++)
		if (is_space(name.ptr[i]) || name.ptr[i] == '\0')
			return perr(p, at, "invalid tag name '%.*s'", (int)name.len, name.ptr);
	n->text = str_copy(p, name);
	if (!dotted)
		return 0;
	if (name.len == 1 && name.ptr[0] == '.') {
		n->nseg = 0;
		return 0;
	}
	size_t nseg = 1;
	for (size_t i = 0; i < name.len; i++)
		nseg += name.ptr[i] == '.';
	str *seg = arena_alloc(p->L->set->a, nseg * sizeof *seg);
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= name.len; i++) {
		if (i == name.len || name.ptr[i] == '.') {
			if (i == start)
				return perr(p, at, "invalid dotted name '%.*s'", (int)name.len, name.ptr);
			seg[k++] = (str){ n->text.ptr + start, i - start };
			start = i + 1;
		}
	}
	n->seg = seg;
	n->nseg = (unsigned short)nseg;
	return 0;
}

/* {{=<% %>=}}: two whitespace-separated delimiters. */
static int delims_parse(struct parser *p, size_t at, str body)
{
	body = trim(body);
	size_t i = 0;
	while (i < body.len && !is_space(body.ptr[i]))
		i++;
	str o = { body.ptr, i };
	str c = trim((str){ body.ptr + i, body.len - i });
	for (size_t k = 0; k < c.len; k++)
		if (is_space(c.ptr[k]))
			return perr(p, at, "bad delimiter: expected two delimiters");
	if (!o.len || !c.len)
		return perr(p, at, "bad delimiter: expected two delimiters");
	if (o.len > TMPL_DELIM_MAX || c.len > TMPL_DELIM_MAX)
		return perr(p, at, "bad delimiter: longer than %d bytes", TMPL_DELIM_MAX);
	if (memchr(o.ptr, '=', o.len) || memchr(c.ptr, '=', c.len))
		return perr(p, at, "bad delimiter: '=' not allowed");
	p->otag = o;
	p->ctag = c;
	return 0;
}

/* Drops the tag's line: its indentation (already in tb) and everything up
 * to and including the line end at eol. */
static void line_drop(struct parser *p, size_t eol)
{
	p->tb_len = p->line_tb;
	p->pos = eol;
	p->prev_tag_end = eol;
	p->line_start = eol;
	p->line_begun = false;
}

/* Leading spaces and tabs of the line starting at off. */
static str line_indent(struct parser *p, size_t off)
{
	size_t e = off;
	while (e < p->len && is_ws(p->src[e]))
		e++;
	return (str){ p->src + off, e - off };
}

static int el_open(struct parser *p, unsigned char kind, size_t at, str name)
{
	if (p->nopen >= TMPL_NEST_MAX)
		return perr(p, at, "sections nested deeper than %d", TMPL_NEST_MAX);
	if (!name.len)
		return perr(p, at, "empty tag name");
	if (name.len > TMPL_NAME_MAX)
		return perr(p, at, "tag name longer than %d bytes", TMPL_NAME_MAX);
	text_flush(p);
	struct open_el *o = &p->open[p->nopen++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->tag_pos = at;
	o->name = name;
	o->saved_strip = p->strip;
	o->start = p->vn;
	return 0;
}

/* Outdenting for a block opened at a line end: its content lines lose the
 * next line's indentation, which is put back where the block is expanded. */
static void block_outdent(struct parser *p, struct open_el *o, size_t next_line)
{
	str raw = line_indent(p, next_line);
	o->intrinsic = true;
	o->indent = raw;
	if (p->strip.len && str_has_prefix(raw, p->strip))
		o->indent = (str){ raw.ptr + p->strip.len, raw.len - p->strip.len };
	p->strip = raw;
}

static int el_close(struct parser *p, size_t at, str name, bool left, bool right, size_t eol)
{
	if (!p->nopen)
		return perr(p, at, "unexpected close tag '%.*s'", (int)name.len, name.ptr);
	struct open_el *o = &p->open[p->nopen - 1];
	if (!str_eq(o->name, name))
		return perr(p, at, "mismatched close tag '%.*s' (open is '%.*s')",
		    (int)name.len, name.ptr, (int)o->name.len, o->name.ptr);
	bool standalone_pair = false;
	if (o->kind == TN_PARENT) {
		/* The parent's body is ignored, so only the open tag's left and
		 * the close tag's right decide whether the pair owns its line. */
		if (o->left_clear && right) {
			standalone_pair = true;
			line_drop(p, eol);
		}
	} else if (o->kind == TN_BLOCK && o->arg) {
		/* An argument's content ends at its close tag like a file ends:
		 * nothing after it belongs to the content. */
	} else {
		if (o->kind == TN_BLOCK && o->left_clear && right && !o->intrinsic)
			standalone_pair = true;
		if (left && right)
			line_drop(p, eol);
	}
	text_flush(p);
	p->nopen--;
	p->strip = o->saved_strip;

	size_t nk = p->vn - o->start;
	tnode *kids = NULL;
	if (o->kind == TN_PARENT) {
		size_t nargs = 0;
		for (size_t i = o->start; i < p->vn; i++)
			nargs += p->v[i].kind == TN_BLOCK;
		kids = arena_alloc(p->L->set->a, nargs * sizeof *kids);
		nk = 0;
		for (size_t i = o->start; i < p->vn; i++)
			if (p->v[i].kind == TN_BLOCK)
				kids[nk++] = p->v[i];
	} else {
		kids = arena_alloc(p->L->set->a, nk * sizeof *kids);
		if (nk)
			memcpy(kids, &p->v[o->start], nk * sizeof *kids);
	}
	p->vn = o->start;

	if (o->kind == TN_PARENT && o->left_clear && !standalone_pair && o->ws.len) {
		/* Not standalone after all: its indentation was literal text. */
		tnode *t = node_add(p);
		t->kind = TN_TEXT;
		t->text = str_copy(p, o->ws);
	}
	tnode *n = node_add(p);
	n->kind = o->kind;
	n->kids = kids;
	n->nkids = (unsigned)nk;
	if (name_parse(p, o->tag_pos, o->name, n, o->kind == TN_SECTION || o->kind == TN_INVERTED) < 0)
		return -1;
	if (o->kind == TN_PARENT && standalone_pair && o->ws.len) {
		n->flags |= TN_F_INDENT;
		n->indent = str_copy(p, o->ws);
	}
	if (o->kind == TN_BLOCK) {
		n->block_id = block_intern(p->L, n->text);
		if (!o->arg && o->intrinsic) {
			n->flags |= TN_F_INDENT | TN_F_DEF_INDENT;
			n->indent = n->def_indent = str_copy(p, o->indent);
		} else if (!o->arg && standalone_pair) {
			/* Indentation before the open tag stayed as text, so only an
			 * overriding argument needs it on its later lines. */
			n->flags |= TN_F_INDENT;
			n->indent = str_copy(p, o->ws);
		}
	}
	return 0;
}

/* Finds where the tag at p->pos ends. Returns the tag type, the content and
 * the offset past the close delimiter. */
static int tag_scan(struct parser *p, char *type, str *body, size_t *end)
{
	size_t at = p->pos;
	size_t q = at + p->otag.len;
	char t = q < p->len ? p->src[q] : '\0';
	switch (t) {
	case '#': case '^': case '/': case '>': case '<': case '$':
	case '!': case '=': case '{': case '&':
		q++;
		break;
	default:
		t = '\0';
	}
	char pat[TMPL_DELIM_MAX + 1];
	size_t plen = 0;
	if (t == '{' || t == '=')
		pat[plen++] = t == '{' ? '}' : '=';
	memcpy(pat + plen, p->ctag.ptr, p->ctag.len);
	plen += p->ctag.len;
	const char *hit = q <= p->len ? memmem(p->src + q, p->len - q, pat, plen) : NULL;
	if (!hit)
		return perr(p, at, "unclosed tag (no '%.*s')", (int)plen, pat);
	*type = t;
	*body = (str){ p->src + q, (size_t)(hit - (p->src + q)) };
	*end = (size_t)(hit - p->src) + plen;
	return 0;
}

static int tag(struct parser *p)
{
	size_t at = p->pos;
	char type = 0;
	str body = STR_NULL;
	size_t end = 0;
	if (tag_scan(p, &type, &body, &end) < 0)
		return -1;

	/* Standalone: nothing but spaces around the tag on its line. */
	bool left = p->prev_tag_end <= p->line_start;
	for (size_t i = p->line_start; left && i < at; i++)
		left = is_ws(p->src[i]);
	size_t eol = end;
	while (eol < p->len && is_ws(p->src[eol]))
		eol++;
	bool right = true;
	if (eol == p->len)
		;
	else if (p->src[eol] == '\n')
		eol++;
	else if (p->src[eol] == '\r' && eol + 1 < p->len && p->src[eol + 1] == '\n')
		eol += 2;
	else
		right = false;
	str ws = { p->src + p->line_start + p->line_strip,
		left ? at - p->line_start - p->line_strip : 0 };
	bool in_parent = p->nopen && p->open[p->nopen - 1].kind == TN_PARENT;

	p->pos = end;
	p->prev_tag_end = end;
	str name = trim(body);
	tnode *n;
	switch (type) {
	case '!':
		if (left && right)
			line_drop(p, eol);
		return 0;
	case '=':
		if (delims_parse(p, at, body) < 0)
			return -1;
		if (left && right)
			line_drop(p, eol);
		return 0;
	case '#':
	case '^':
		if (left && right)
			line_drop(p, eol);
		return el_open(p, type == '#' ? TN_SECTION : TN_INVERTED, at, name);
	case '/':
		return el_close(p, at, name, left, right, eol);
	case '<':
		if (left) {
			/* Tentatively the parent's indentation; el_close puts it back
			 * as text if the close tag turns out not to end the line. */
			p->tb_len = p->line_tb;
		}
		if (el_open(p, TN_PARENT, at, name) < 0)
			return -1;
		p->open[p->nopen - 1].left_clear = left;
		p->open[p->nopen - 1].ws = ws;
		return 0;
	case '$':
		if (in_parent) {
			if (el_open(p, TN_BLOCK, at, name) < 0)
				return -1;
			struct open_el *o = &p->open[p->nopen - 1];
			o->arg = true;
			if (right) {
				/* The line end belongs to the tag; the argument starts
				 * on the next line, outdented by that line's indent. */
				p->pos = p->prev_tag_end = p->line_start = eol;
				p->line_begun = false;
				block_outdent(p, o, eol);
			}
			return 0;
		}
		if (left && right)
			line_drop(p, eol);
		if (el_open(p, TN_BLOCK, at, name) < 0)
			return -1;
		p->open[p->nopen - 1].left_clear = left;
		p->open[p->nopen - 1].ws = ws;
		if (left && right)
			block_outdent(p, &p->open[p->nopen - 1], eol);
		return 0;
	case '>':
		if (left && right)
			line_drop(p, eol);
		text_flush(p);
		n = node_add(p);
		n->kind = TN_PARTIAL;
		if (name_parse(p, at, name, n, false) < 0)
			return -1;
		if (left && right && ws.len) {
			n->flags |= TN_F_INDENT;
			n->indent = str_copy(p, ws);
		}
		return 0;
	default:
		text_flush(p);
		n = node_add(p);
		n->kind = type == '\0' ? TN_VAR : TN_RAW;
		return name_parse(p, at, name, n, true);
	}
}

static int parse(struct parser *p)
{
	for (;;) {
		if (p->pos == p->line_start && !p->line_begun) {
			p->line_begun = true;
			p->line_strip = 0;
			p->line_tb = p->tb_len;
			if (p->strip.len && p->len - p->pos >= p->strip.len &&
			    memcmp(p->src + p->pos, p->strip.ptr, p->strip.len) == 0) {
				p->pos += p->strip.len;
				p->line_strip = p->strip.len;
			}
		}
		if (p->pos >= p->len)
			break;
		if (p->src[p->pos] == p->otag.ptr[0] && p->len - p->pos >= p->otag.len &&
		    memcmp(p->src + p->pos, p->otag.ptr, p->otag.len) == 0) {
			if (tag(p) < 0)
				return -1;
			continue;
		}
		char c = p->src[p->pos++];
		tb_putc(p, c);
		if (c == '\n') {
			p->line_start = p->pos;
			p->line_begun = false;
		}
	}
	if (p->nopen) {
		struct open_el *o = &p->open[p->nopen - 1];
		return perr(p, o->tag_pos, "unclosed section '%.*s'", (int)o->name.len, o->name.ptr);
	}
	text_flush(p);
	return 0;
}

static int loader_add(struct loader *L, const char *name, const char *path, const char *src, size_t len)
{
	if (len > TMPL_SOURCE_MAX) {
		err_set(L, "%s:1:1: template larger than %u bytes", path, TMPL_SOURCE_MAX);
		return -1;
	}
	if (strlen(name) > TMPL_NAME_MAX || !*name) {
		err_set(L, "%s:1:1: bad template name", path);
		return -1;
	}
	if (L->n >= TMPL_FILES_MAX) {
		err_set(L, "%s:1:1: more than %d templates", path, TMPL_FILES_MAX);
		return -1;
	}
	struct parser *p = calloc(1, sizeof *p);
	if (!p) {
		fputs("supportdesk: out of memory\n", stderr);
		abort();
	}
	p->L = L;
	p->path = path;
	p->src = src;
	p->len = len;
	p->otag = STR_LIT("{{");
	p->ctag = STR_LIT("}}");
	int rc = parse(p);
	if (rc == 0) {
		grow((void **)&L->t, &L->cap, L->n + 1, sizeof *L->t);
		tnode *nodes = arena_alloc(L->set->a, p->vn * sizeof *nodes);
		if (p->vn)
			memcpy(nodes, p->v, p->vn * sizeof *nodes);
		L->t[L->n++] = (struct tmpl){ arena_strdup(L->set->a, name), nodes, (unsigned)p->vn };
	}
	free(p->tb);
	free(p->v);
	free(p);
	return rc;
}

static int tmpl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name, ((const struct tmpl *)b)->name);
}

const struct tmpl *tmpl_find(const tmpl_set *set, const char *name)
{
	if (!set || !name)
		return NULL;
	struct tmpl key = { .name = name };
	return bsearch(&key, set->t, set->n, sizeof *set->t, tmpl_cmp);
}

/* Resolves {{>x}} and {{<x}} to template pointers so rendering never looks
 * a name up. Recursion is bounded by TMPL_NEST_MAX. */
static void link_nodes(tmpl_set *set, const tnode *nodes, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		tnode *nd = (tnode *)&nodes[i];
		if (nd->kind == TN_PARTIAL || nd->kind == TN_PARENT)
			nd->target = tmpl_find(set, nd->text.ptr);
		if (nd->nkids)
			link_nodes(set, nd->kids, nd->nkids);
	}
}

static int loader_finish(struct loader *L, tmpl_set **out)
{
	tmpl_set *set = L->set;
	qsort(L->t, L->n, sizeof *L->t, tmpl_cmp);
	for (size_t i = 1; i < L->n; i++) {
		if (strcmp(L->t[i - 1].name, L->t[i].name) == 0) {
			err_set(L, "%s:1:1: duplicate template name", L->t[i].name);
			return -1;
		}
	}
	set->t = arena_alloc(set->a, L->n * sizeof *set->t);
	if (L->n)
		memcpy(set->t, L->t, L->n * sizeof *set->t);
	set->n = L->n;
	for (size_t i = 0; i < set->n; i++)
		link_nodes(set, set->t[i].nodes, set->t[i].n);
	*out = set;
	L->set = NULL;
	return 0;
}

static void loader_init(struct loader *L, char *err, size_t errlen)
{
	memset(L, 0, sizeof *L);
	L->err = err;
	L->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	arena *a = arena_new(64 * 1024);
	L->set = arena_calloc(a, 1, sizeof *L->set);
	L->set->a = a;
}

static void loader_done(struct loader *L)
{
	if (L->set)
		arena_free(L->set->a);
	free(L->t);
	free(L->blocks);
}

int tmpl_set_load_strings(size_t n, const char *const *names, const char *const *sources,
    tmpl_set **out, char *err, size_t errlen)
{
	struct loader L;
	loader_init(&L, err, errlen);
	int rc = -1;
	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !sources[i]) {
			err_set(&L, "template %zu: NULL name or source", i);
			goto out;
		}
		if (loader_add(&L, names[i], names[i], sources[i], strlen(sources[i])) < 0)
			goto out;
	}
	rc = loader_finish(&L, out);
out:
	loader_done(&L);
	return rc;
}

static int file_read(struct loader *L, const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(L, "%s:1:1: %s", path, strerror(errno));
		return -1;
	}
	char *b = malloc(TMPL_SOURCE_MAX + 1);
	if (!b) {
		fclose(f);
		fputs("supportdesk: out of memory\n", stderr);
		abort();
	}
	size_t n = fread(b, 1, TMPL_SOURCE_MAX + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		err_set(L, "%s:1:1: read error", path);
		free(b);
		return -1;
	}
	if (n > TMPL_SOURCE_MAX) {
		err_set(L, "%s:1:1: template larger than %u bytes", path, TMPL_SOURCE_MAX);
		free(b);
		return -1;
	}
	*data = b;
	*len = n;
	return 0;
}

/* rel is the path below the load dir ("" at the top). */
static int dir_walk(struct loader *L, const char *root, const char *rel, int depth)
{
	char path[PATH_MAX];
	int rc = -1;
	if (snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel) >= (int)sizeof path) {
		err_set(L, "%s/%s:1:1: path too long", root, rel);
		return -1;
	}
	DIR *d = opendir(path);
	if (!d) {
		err_set(L, "%s:1:1: %s", path, strerror(errno));
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char sub[PATH_MAX], full[PATH_MAX];
		if (snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= (int)sizeof sub ||
		    snprintf(full, sizeof full, "%s/%s", root, sub) >= (int)sizeof full) {
			err_set(L, "%s/%s:1:1: path too long", path, e->d_name);
			goto out;
		}
		struct stat st;
		if (stat(full, &st) < 0) {
			err_set(L, "%s:1:1: %s", full, strerror(errno));
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth >= TMPL_DIR_DEPTH_MAX) {
				err_set(L, "%s:1:1: directories nested deeper than %d", full, TMPL_DIR_DEPTH_MAX);
				goto out;
			}
			if (dir_walk(L, root, sub, depth + 1) < 0)
				goto out;
			continue;
		}
		size_t sl = strlen(sub);
		if (!S_ISREG(st.st_mode) || sl <= EXT_LEN || strcmp(sub + sl - EXT_LEN, EXT) != 0)
			continue;
		sub[sl - EXT_LEN] = '\0';
		char *data;
		size_t len;
		if (file_read(L, full, &data, &len) < 0)
			goto out;
		int arc = loader_add(L, sub, full, data, len);
		free(data);
		if (arc < 0)
			goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

int tmpl_set_load_dir(const char *dir, tmpl_set **out, char *err, size_t errlen)
{
	struct loader L;
	loader_init(&L, err, errlen);
	int rc = -1;
	*out = NULL;
	if (dir_walk(&L, dir, "", 0) < 0)
		goto out;
	rc = loader_finish(&L, out);
out:
	loader_done(&L);
	return rc;
}

void tmpl_set_free(tmpl_set *set)
{
	if (set)
		arena_free(set->a);
}

bool tmpl_exists(const tmpl_set *set, const char *name)
{
	return tmpl_find(set, name) != NULL;
}
