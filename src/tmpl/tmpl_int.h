/* tmpl_int.h: compiled-template and view-value layouts shared by the compiler and renderer. */
#ifndef SD_TMPL_INT_H
#define SD_TMPL_INT_H

#include "tmpl/tmpl.h"

struct tv_pair {
	const char *key;
	size_t klen;
	tv *val;
};

struct tv {
	tv_kind kind;
	bool is_int; /* TV_NUMBER: print u.i, not u.d */
	union {
		bool b;
		double d;
		long long i;
		str s;
		struct {
			tv **items;
			size_t n, cap;
		} list;
		struct {
			struct tv_pair *pairs;
			size_t n, cap;
		} obj;
	} u;
};

/* Formats a TV_NUMBER into out (NUL-terminated); returns its length. */
#define TV_NUMBER_BUFSZ 40
size_t tv_number_format(const tv *v, char out[TV_NUMBER_BUFSZ]);
/* tv_get for a name that is not NUL-terminated (a dotted-name segment). */
const tv *tv_get_n(const tv *obj, const char *key, size_t klen);

enum tnode_kind {
	TN_TEXT,
	TN_VAR,      /* {{x}}: escaped */
	TN_RAW,      /* {{{x}}} {{&x}} */
	TN_SECTION,
	TN_INVERTED,
	TN_PARTIAL,
	TN_PARENT,   /* {{<x}}: kids are its argument blocks only */
	TN_BLOCK,    /* {{$x}}: kids are the default (or argument) content */
};

enum {
	TN_F_INDENT = 1,     /* partial/parent: indent its lines; block: indent an overriding argument */
	TN_F_DEF_INDENT = 2, /* block: indent the default content (it was outdented at load) */
};

typedef struct tnode tnode;
struct tmpl;

struct tnode {
	unsigned char kind;
	unsigned char flags;
	unsigned short nseg;     /* dotted-name segments; 0 means the implicit iterator "." */
	unsigned nkids;
	unsigned block_id;       /* TN_BLOCK: interned name, compared at render */
	str text;                /* TN_TEXT: the bytes; otherwise the name as written */
	const str *seg;
	const tnode *kids;
	str indent;              /* see TN_F_INDENT */
	str def_indent;          /* see TN_F_DEF_INDENT */
	const struct tmpl *target; /* partial/parent, resolved at load; NULL = missing */
};

struct tmpl {
	const char *name;
	const tnode *nodes;
	unsigned n;
};

struct tmpl_set {
	arena *a;          /* owns everything below */
	struct tmpl *t;    /* sorted by name */
	size_t n;
};

const struct tmpl *tmpl_find(const tmpl_set *set, const char *name);

#endif
