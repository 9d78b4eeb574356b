/* router.c: matches a normalised path against the route table. Patterns are
 * literal segments and {name} captures of one non-empty segment. */
#include "http/router.h"

#include <string.h>

static bool pattern_match(req *r, const char *pattern, str path, http_params *captures)
{
	const char *p = pattern;
	size_t i = 0;
	while (*p && i < path.len) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (!close)
				return false;
			size_t start = i;
			while (i < path.len && path.ptr[i] != '/')
				i++;
			if (i == start)
				return false;
			str name = { p + 1, (size_t)(close - p - 1) };
			http_params_add(r->a, captures, name, (str){ path.ptr + start, i - start });
			p = close + 1;
			continue;
		}
		if (*p != path.ptr[i])
			return false;
		p++;
		i++;
	}
	return *p == '\0' && i == path.len;
}

enum route_match router_match(req *r, const route *table, size_t n, const route **out, unsigned *allow)
{
	unsigned method = r->method == METHOD_HEAD ? METHOD_GET : r->method;
	*allow = 0;
	for (size_t k = 0; k < n; k++) {
		http_params captures = { 0 };
		if (!pattern_match(r, table[k].pattern, r->path, &captures))
			continue;
		if (table[k].methods & method) {
			r->route = captures;
			r->route_flags = table[k].flags;
			*out = &table[k];
			return ROUTE_FOUND;
		}
		*allow |= table[k].methods;
	}
	return *allow ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

const char *router_allow_header(unsigned methods)
{
	if (methods & METHOD_PATCH) /* the API's resources */
		return (methods & METHOD_GET) && (methods & METHOD_POST) ? "GET, HEAD, PATCH, POST"
		     : methods & METHOD_GET                              ? "GET, HEAD, PATCH"
		     : methods & METHOD_POST                             ? "PATCH, POST"
		                                                         : "PATCH";
	if ((methods & METHOD_GET) && (methods & METHOD_POST))
		return "GET, HEAD, POST";
	if (methods & METHOD_GET)
		return "GET, HEAD";
	if (methods & METHOD_POST)
		return "POST";
	return "";
}
