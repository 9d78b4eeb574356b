/* tv.c: view values (the data model templates read), built per request in an arena. */
#include "tmpl/tmpl_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The only global state: immutable in practice (tv_set/tv_push refuse
 * non-containers), so sharing them across threads is safe. */
static tv tv_true_ = { .kind = TV_BOOL, .u.b = true };
static tv tv_false_ = { .kind = TV_BOOL, .u.b = false };
static tv tv_null_ = { .kind = TV_NULL };

static tv *tv_new(arena *a, tv_kind kind)
{
	tv *v = arena_calloc(a, 1, sizeof *v);
	v->kind = kind;
	return v;
}

tv *tv_object(arena *a) { return tv_new(a, TV_OBJECT); }
tv *tv_list(arena *a) { return tv_new(a, TV_LIST); }
tv *tv_bool(bool b) { return b ? &tv_true_ : &tv_false_; }
tv *tv_null(void) { return &tv_null_; }

tv *tv_string(arena *a, const char *s, size_t n)
{
	tv *v = tv_new(a, TV_STRING);
	v->u.s = (str){ arena_strndup(a, s ? s : "", s ? n : 0), s ? n : 0 };
	return v;
}

tv *tv_string_ref(arena *a, const char *s, size_t n)
{
	tv *v = tv_new(a, TV_STRING);
	v->u.s = (str){ s ? s : "", s ? n : 0 };
	return v;
}

tv *tv_number(arena *a, double d)
{
	tv *v = tv_new(a, TV_NUMBER);
	v->u.d = d;
	return v;
}

tv *tv_int(arena *a, long long i)
{
	tv *v = tv_new(a, TV_NUMBER);
	v->is_int = true;
	v->u.i = i;
	return v;
}

const tv *tv_get_n(const tv *obj, const char *key, size_t klen)
{
	if (!obj || obj->kind != TV_OBJECT)
		return NULL;
	const struct tv_pair *p = obj->u.obj.pairs;
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (p[i].klen == klen && memcmp(p[i].key, key, klen) == 0)
			return p[i].val;
	return NULL;
}

const tv *tv_get(const tv *obj, const char *key)
{
	return key ? tv_get_n(obj, key, strlen(key)) : NULL;
}

void tv_set(arena *a, tv *obj, const char *key, tv *val)
{
	if (!obj || obj->kind != TV_OBJECT || !key)
		return;
	if (!val)
		val = tv_null();
	size_t klen = strlen(key);
	struct tv_pair *p = obj->u.obj.pairs;
	for (size_t i = 0; i < obj->u.obj.n; i++) {
		if (p[i].klen == klen && memcmp(p[i].key, key, klen) == 0) {
			p[i].val = val;
			return;
		}
	}
	if (obj->u.obj.n == obj->u.obj.cap) {
		size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
		obj->u.obj.pairs = arena_realloc(a, obj->u.obj.pairs,
		    obj->u.obj.cap * sizeof *p, cap * sizeof *p);
		obj->u.obj.cap = cap;
	}
	obj->u.obj.pairs[obj->u.obj.n++] = (struct tv_pair){ key, klen, val };
}

void tv_push(arena *a, tv *list, tv *val)
{
	if (!list || list->kind != TV_LIST)
		return;
	if (list->u.list.n == list->u.list.cap) {
		size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 8;
		list->u.list.items = arena_realloc(a, list->u.list.items,
		    list->u.list.cap * sizeof(tv *), cap * sizeof(tv *));
		list->u.list.cap = cap;
	}
	list->u.list.items[list->u.list.n++] = val ? val : tv_null();
}

void tv_set_str(arena *a, tv *obj, const char *key, const char *s)
{
	tv_set(a, obj, key, s ? tv_string(a, s, strlen(s)) : tv_null());
}

void tv_set_strn(arena *a, tv *obj, const char *key, const char *s, size_t n)
{
	tv_set(a, obj, key, s ? tv_string(a, s, n) : tv_null());
}

void tv_set_int(arena *a, tv *obj, const char *key, long long v)
{
	tv_set(a, obj, key, tv_int(a, v));
}

void tv_set_bool(arena *a, tv *obj, const char *key, bool b)
{
	tv_set(a, obj, key, tv_bool(b));
}

tv_kind tv_kind_of(const tv *v)
{
	return v ? v->kind : TV_NULL;
}

size_t tv_len(const tv *v)
{
	if (!v)
		return 0;
	switch (v->kind) {
	case TV_LIST: return v->u.list.n;
	case TV_OBJECT: return v->u.obj.n;
	case TV_STRING: return v->u.s.len;
	default: return 0;
	}
}

const tv *tv_at(const tv *list, size_t i)
{
	if (!list || list->kind != TV_LIST || i >= list->u.list.n)
		return NULL;
	return list->u.list.items[i];
}

size_t tv_number_format(const tv *v, char out[TV_NUMBER_BUFSZ])
{
	int n;
	if (v->is_int) {
		/* Integers are most numbers on a page (ids, counts): skip printf. */
		unsigned long long u = v->u.i < 0 ? 0ULL - (unsigned long long)v->u.i : (unsigned long long)v->u.i;
		char tmp[24];
		size_t k = 0, len = 0;
		do {
			tmp[k++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v->u.i < 0)
			out[len++] = '-';
		while (k)
			out[len++] = tmp[--k];
		out[len] = '\0';
		return len;
	}
	double d = v->u.d;
	if (isnan(d))
		return (size_t)snprintf(out, TV_NUMBER_BUFSZ, "NaN");
	if (isinf(d))
		return (size_t)snprintf(out, TV_NUMBER_BUFSZ, d < 0 ? "-Infinity" : "Infinity");
	/* Integral values print without an exponent while exact (2^53), so 85.0
	 * reads "85" like the JSON it came from. */
	if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		n = snprintf(out, TV_NUMBER_BUFSZ, "%.0f", d);
		if (n > 0 && strcmp(out, "-0") == 0)
			n = snprintf(out, TV_NUMBER_BUFSZ, "0");
		return n > 0 ? (size_t)n : 0;
	}
	/* %.15g is the shortest form whenever 15 digits suffice (%g drops
	 * trailing zeros); otherwise take the first of 16 or 17 that reads back
	 * as the same double. */
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(out, TV_NUMBER_BUFSZ, "%.*g", prec, d);
		if (n > 0 && strtod(out, NULL) == d)
			break;
	}
	return n > 0 ? (size_t)n : 0;
}
