/* fuzz_rule_form.c: libFuzzer target for the automation admin forms' rows
 * (model/automation_form.c): the input is an x-www-form-urlencoded body;
 * whatever it holds, the rows shown stay within AF_ROWS_MAX, the JSON
 * produced is an array the database's checks accept in shape (objects with
 * string values), and reading it back (af_from_json) gives the same filled
 * rows. The raw input is also read as stored JSON, which must not crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "http/http_parse.h"
#include "model/automation_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *get(void *ctx, const char *name)
{
	const http_params *ps = ctx;
	str v = http_params_get(ps, name);
	return v.ptr;
}

static void check_array(const char *s, const char *key)
{
	json_t *j = json_loads(s, 0, NULL);
	if (!j || !json_is_array(j) || json_array_size(j) > AF_ROWS_MAX)
		abort();
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e) {
		if (!json_is_object(e) || !json_is_string(json_object_get(e, key)) || !json_is_string(json_object_get(e, "value")))
			abort();
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena *a = arena_new(4096);
	http_limits l;
	http_limits_default(&l);
	l.max_fields = 64;
	l.max_body = 8192;
	http_params ps = { 0 };
	if (http_urlencoded_parse(a, (const char *)data, size, &l, &ps) == HTTP_OK) {
		for (int more = 0; more < 2; more++) {
			form_errors errors = { 0 };
			af_form f;
			af_parse(a, get, &ps, more, &f, &errors);
			if (f.ncond < 1 || f.ncond > AF_ROWS_MAX || f.nact < 1 || f.nact > AF_ROWS_MAX || f.nactions > f.nact)
				abort();
			for (size_t i = 0; i < errors.len; i++)
				if (!errors.items[i].field || !errors.items[i].message)
					abort();
			check_array(f.conditions_json, "field");
			check_array(f.actions_json, "type");
			af_form back;
			af_from_json(a, f.conditions_json, f.actions_json, &back);
			if (back.nactions != f.nactions)
				abort();
			for (int i = 0; i < back.nact; i++)
				if (*back.act[i].type)
					(void)af_describe_action(a, &back.act[i]);
			for (int i = 0; i < back.ncond; i++)
				if (*back.cond[i].field)
					(void)af_describe_condition(a, &back.cond[i]);
		}
	}
	/* Stored JSON of any shape (the database's checks make it an array of
	 * objects, but the reader must not rely on it). */
	char *s = arena_strndup(a, (const char *)data, size);
	af_form g;
	af_from_json(a, s, s, &g);
	if (g.ncond > AF_ROWS_MAX || g.nact > AF_ROWS_MAX)
		abort();
	arena_free(a);
	return 0;
}
