/* json.c: converts jansson documents into view values allocated in an arena. */
#include "tmpl/tmpl_json.h"

#include <jansson.h>
#include <stdio.h>

/* Returns NULL only when the nesting cap is hit. */
static tv *tv_from_jansson(arena *a, json_t *j, int depth)
{
	if (depth > TV_JSON_DEPTH_MAX)
		return NULL;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		tv *o = tv_object(a);
		const char *key;
		json_t *val;
		json_object_foreach(j, key, val) {
			tv *v = tv_from_jansson(a, val, depth + 1);
			if (!v)
				return NULL;
			tv_set(a, o, arena_strdup(a, key), v);
		}
		return o;
	}
	case JSON_ARRAY: {
		tv *l = tv_list(a);
		size_t i;
		json_t *val;
		json_array_foreach(j, i, val) {
			tv *v = tv_from_jansson(a, val, depth + 1);
			if (!v)
				return NULL;
			tv_push(a, l, v);
		}
		return l;
	}
	case JSON_STRING:
		return tv_string(a, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return tv_int(a, (long long)json_integer_value(j));
	case JSON_REAL:
		return tv_number(a, json_real_value(j));
	case JSON_TRUE:
		return tv_bool(true);
	case JSON_FALSE:
		return tv_bool(false);
	case JSON_NULL:
	default:
		return tv_null();
	}
}

tv *tv_from_json(arena *a, const char *json_text, size_t n, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(json_text, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j) {
		if (err && errlen)
			snprintf(err, errlen, "%d:%d: %s", je.line, je.column, je.text);
		return NULL;
	}
	tv *v = tv_from_jansson(a, j, 0);
	json_decref(j);
	if (!v && err && errlen)
		snprintf(err, errlen, "1:1: JSON nested deeper than %d", TV_JSON_DEPTH_MAX);
	return v;
}
