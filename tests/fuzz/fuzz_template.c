/* fuzz_template.c: libFuzzer target that compiles arbitrary templates and renders the ones that load. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "tmpl/tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* NUL bytes split the input into up to four templates, so partials and
 * parents ({{>a}}, {{<b}}) have something to resolve to. */
#define FUZZ_TEMPLATES 4
#define FUZZ_INPUT_MAX (64 * 1024)

static tv *fuzz_context(arena *a)
{
	tv *root = tv_object(a);
	tv_set_str(a, root, "name", "<b>\"Tom\" & 'Jerry'</b>");
	tv_set(a, root, "nul", tv_string(a, "a\0b", 3));
	tv_set_str(a, root, "empty", "");
	tv_set_int(a, root, "n", 42);
	tv_set(a, root, "pi", tv_number(a, 3.14159));
	tv_set_bool(a, root, "t", true);
	tv_set_bool(a, root, "f", false);
	tv_set(a, root, "nil", tv_null());
	tv *list = tv_list(a);
	for (int i = 0; i < 3; i++) {
		tv *item = tv_object(a);
		tv_set_int(a, item, "i", i);
		tv_set_str(a, item, "name", i ? "x\ny" : "first");
		tv *kids = tv_list(a);
		if (i == 1)
			tv_push(a, kids, tv_int(a, 7));
		tv_set(a, item, "kids", kids);
		tv_push(a, list, item);
	}
	tv_set(a, root, "list", list);
	tv_set(a, root, "none", tv_list(a));
	tv *obj = tv_object(a);
	tv_set(a, obj, "inner", root); /* a cycle: lookups must not loop */
	tv_set_str(a, obj, "s", "deep");
	tv_set(a, root, "obj", obj);
	return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_INPUT_MAX)
		return 0;
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';

	static const char *const names[FUZZ_TEMPLATES] = { "main", "a", "b", "c" };
	const char *srcs[FUZZ_TEMPLATES];
	size_t n = 0;
	const char *p = copy, *end = copy + size;
	while (n < FUZZ_TEMPLATES) {
		srcs[n++] = p;
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (!z || z == end)
			break;
		p = z + 1;
	}

	tmpl_set *set = NULL;
	char err[256];
	if (tmpl_set_load_strings(n, names, srcs, &set, err, sizeof err) == 0) {
		arena *a = arena_new(16 * 1024);
		tv *ctx = fuzz_context(a);
		for (size_t i = 0; i < n; i++) {
			buf out;
			buf_init(&out, a, 64);
			int rc = tmpl_render(set, names[i], ctx, &out);
			if (rc != 0 && rc != -1)
				abort();
			if (out.data[out.len] != '\0')
				abort();
		}
		arena_free(a);
		tmpl_set_free(set);
	} else if (set != NULL || strchr(err, ':') == NULL) {
		abort(); /* failures must leave no set and a "name:line:col: message" */
	}
	free(copy);
	return 0;
}
