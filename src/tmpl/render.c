/* render.c: walks compiled templates against view values into an arena buffer (the hot path). */
#include "tmpl/tmpl_int.h"

#include <string.h>

/* Everything a render needs lives here, on the caller's stack: no heap,
 * no globals, fixed caps instead of growth. */
struct rstate {
	buf *out;
	size_t nctx, nindent, nframes;
	unsigned partials; /* partial/parent expansions currently open */
	unsigned depth;    /* every nested construct, to bound C recursion */
	size_t steps;      /* nodes visited: nested lists multiply, depth alone does not bound work */
	size_t out_start;
	/* True when the output sits at the start of a template line that has
	 * not been indented yet. Only template text ends lines: newlines in
	 * interpolated data are not indented, as the spec requires. */
	bool bol;
	bool escape_html;  /* false only for plain-text outputs (tmpl_render_text) */
	const tv *ctx[TMPL_RENDER_DEPTH_MAX + 1];
	str indent[TMPL_RENDER_DEPTH_MAX];
	const tnode *frames[TMPL_PARTIAL_DEPTH_MAX]; /* parents, outermost first */
};

static int nodes_render(struct rstate *st, const tnode *n, unsigned count);

static void indent_put(struct rstate *st)
{
	for (size_t i = 0; i < st->nindent; i++)
		buf_append(st->out, st->indent[i].ptr, st->indent[i].len);
	st->bol = false;
}

static void text_put(struct rstate *st, const char *p, size_t n)
{
	if (!n)
		return;
	if (!st->nindent) {
		buf_append(st->out, p, n);
		st->bol = p[n - 1] == '\n';
		return;
	}
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;
		if (st->bol)
			indent_put(st);
		buf_append(st->out, p, k);
		st->bol = nl != NULL;
		p += k;
		n -= k;
	}
}

static const tv *lookup(const struct rstate *st, const tnode *n)
{
	if (n->nseg == 0)
		return st->nctx ? st->ctx[st->nctx - 1] : NULL;
	/* Only the first segment searches the context stack; the rest must
	 * resolve inside what it found (spec: no masking, broken chains). */
	const tv *v = NULL;
	for (size_t i = st->nctx; i-- > 0;) {
		v = tv_get_n(st->ctx[i], n->seg[0].ptr, n->seg[0].len);
		if (v)
			break;
	}
	for (unsigned k = 1; v && k < n->nseg; k++)
		v = tv_get_n(v, n->seg[k].ptr, n->seg[k].len);
	return v;
}

static bool truthy(const tv *v)
{
	if (!v)
		return false;
	switch (v->kind) {
	case TV_NULL: return false;
	case TV_BOOL: return v->u.b;
	case TV_LIST: return v->u.list.n > 0;
	default: return true;
	}
}

static void var_put(struct rstate *st, const tnode *n)
{
	const tv *v = lookup(st, n);
	if (!v)
		return;
	char num[TV_NUMBER_BUFSZ];
	const char *p;
	size_t len;
	switch (v->kind) {
	case TV_STRING:
		p = v->u.s.ptr;
		len = v->u.s.len;
		break;
	case TV_NUMBER:
		len = tv_number_format(v, num);
		p = num;
		break;
	case TV_BOOL:
		p = v->u.b ? "true" : "false";
		len = strlen(p);
		break;
	default:
		return;
	}
	if (!len)
		return;
	if (st->bol && st->nindent)
		indent_put(st);
	st->bol = false;
	if (n->kind == TN_VAR && st->escape_html)
		buf_append_html(st->out, p, len);
	else
		buf_append(st->out, p, len);
}

static int ctx_render(struct rstate *st, const tv *v, const tnode *kids, unsigned nkids)
{
	st->ctx[st->nctx++] = v;
	int rc = nodes_render(st, kids, nkids);
	st->nctx--;
	return rc;
}

static int section_render(struct rstate *st, const tnode *n)
{
	const tv *v = lookup(st, n);
	if (n->kind == TN_INVERTED)
		return truthy(v) ? 0 : nodes_render(st, n->kids, n->nkids);
	if (!truthy(v))
		return 0;
	if (v->kind != TV_LIST)
		return ctx_render(st, v, n->kids, n->nkids);
	for (size_t i = 0; i < v->u.list.n; i++)
		if (ctx_render(st, v->u.list.items[i], n->kids, n->nkids) < 0)
			return -1;
	return 0;
}

/* Renders kids with an extra indentation level when one is set. */
static int indented_render(struct rstate *st, bool indent, str ws, const tnode *kids, unsigned nkids)
{
	bool push = indent && ws.len;
	if (push)
		st->indent[st->nindent++] = ws;
	int rc = nodes_render(st, kids, nkids);
	if (push)
		st->nindent--;
	return rc;
}

static int expand_render(struct rstate *st, const tnode *n)
{
	const struct tmpl *t = n->target;
	if (!t)
		return 0; /* a missing partial renders as empty, like a missing name */
	if (st->partials >= TMPL_PARTIAL_DEPTH_MAX)
		return -1;
	st->partials++;
	if (n->kind == TN_PARENT)
		st->frames[st->nframes++] = n;
	int rc = indented_render(st, n->flags & TN_F_INDENT, n->indent, t->nodes, t->n);
	if (n->kind == TN_PARENT)
		st->nframes--;
	st->partials--;
	return rc;
}

static int block_render(struct rstate *st, const tnode *n)
{
	/* The outermost parent call that passes this block wins: a child's
	 * argument overrides what its parent passes to the grandparent. */
	for (size_t f = 0; f < st->nframes; f++) {
		const tnode *p = st->frames[f];
		for (unsigned i = 0; i < p->nkids; i++) {
			const tnode *arg = &p->kids[i];
			if (arg->block_id == n->block_id)
				return indented_render(st, n->flags & TN_F_INDENT, n->indent, arg->kids, arg->nkids);
		}
	}
	return indented_render(st, n->flags & TN_F_DEF_INDENT, n->def_indent, n->kids, n->nkids);
}

static int nodes_render(struct rstate *st, const tnode *n, unsigned count)
{
	if (st->depth >= TMPL_RENDER_DEPTH_MAX)
		return -1;
	st->depth++;
	int rc = 0;
	for (unsigned i = 0; i < count && rc == 0; i++) {
		const tnode *nd = &n[i];
		if (++st->steps > TMPL_RENDER_STEPS_MAX || st->out->len - st->out_start > TMPL_OUTPUT_MAX) {
			rc = -1;
			break;
		}
		switch (nd->kind) {
		case TN_TEXT:
			text_put(st, nd->text.ptr, nd->text.len);
			break;
		case TN_VAR:
		case TN_RAW:
			var_put(st, nd);
			break;
		case TN_SECTION:
		case TN_INVERTED:
			rc = section_render(st, nd);
			break;
		case TN_PARTIAL:
		case TN_PARENT:
			rc = expand_render(st, nd);
			break;
		case TN_BLOCK:
			rc = block_render(st, nd);
			break;
		}
	}
	st->depth--;
	return rc;
}

static int render_mode(const tmpl_set *set, const char *name, const tv *ctx, buf *out, bool escape)
{
	const struct tmpl *t = tmpl_find(set, name);
	if (!t)
		return -1;
	struct rstate st;
	st.out = out;
	st.nctx = st.nindent = st.nframes = 0;
	st.partials = st.depth = 0;
	st.steps = 0;
	st.out_start = out->len;
	st.bol = true;
	st.escape_html = escape;
	if (ctx)
		st.ctx[st.nctx++] = ctx;
	return nodes_render(&st, t->nodes, t->n);
}

int tmpl_render(const tmpl_set *set, const char *name, const tv *ctx, buf *out)
{
	return render_mode(set, name, ctx, out, true);
}

int tmpl_render_text(const tmpl_set *set, const char *name, const tv *ctx, buf *out)
{
	return render_mode(set, name, ctx, out, false);
}
