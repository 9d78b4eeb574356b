/* flash.c: one-shot notices after a redirect, and sizes in words. */
#include "pages/flash.h"

#include <string.h>

#define FLASH_COOKIE "sd_flash"

void page_flash_put(req *r, const char *name, const char *value)
{
	resp_cookie(r, name, value, 60, 0);
}

str page_flash_get(req *r, const char *name)
{
	str c = req_cookie_get(r, name);
	if (c.ptr)
		resp_cookie(r, name, "", 0, COOKIE_DELETE);
	return c;
}

void page_flash_set(req *r, const char *kind, const char *key)
{
	page_flash_put(r, FLASH_COOKIE, arena_sprintf(r->a, "%s.%s", kind, key));
}

const char *page_flash_take(req *r, const char *key)
{
	str c = page_flash_get(r, FLASH_COOKIE);
	if (!c.ptr)
		return NULL;
	const char *dot = memchr(c.ptr, '.', c.len);
	if (!dot || !str_eq_cstr((str){ dot + 1, c.len - (size_t)(dot + 1 - c.ptr) }, key))
		return NULL;
	return arena_strndup(r->a, c.ptr, (size_t)(dot - c.ptr));
}

const char *page_size_words(req *r, long long n)
{
	if (n < 1024)
		return arena_sprintf(r->a, "%lld bytes", n);
	if (n < 1024 * 1024)
		return arena_sprintf(r->a, "%.1f KB", (double)n / 1024);
	return arena_sprintf(r->a, "%.1f MB", (double)n / (1024 * 1024));
}
