/* flash.h: a short notice after a redirect (UI.md: "a flash"), shared by
 * the pages that answer a POST with 303 back to a ticket: a cookie that
 * lives a minute, "<kind>.<key>", read once by the page of that key. */
#ifndef SD_PAGES_FLASH_H
#define SD_PAGES_FLASH_H

#include "http/request.h"

/* The mechanism: value (cookie-safe characters) in cookie name for the
 * next page; taken once (the cookie is cleared when read, NULL when none).
 * The value comes back from the browser: whoever reads it checks it. */
void page_flash_put(req *r, const char *name, const char *value);
str page_flash_get(req *r, const char *name);

/* A ticket page's notice. kind: [a-z_]+; key: what the next page must be
 * (a ticket number). */
void page_flash_set(req *r, const char *kind, const char *key);
/* The kind set for key, or NULL; the cookie is cleared either way. */
const char *page_flash_take(req *r, const char *key);

/* "123 bytes", "4.5 KB", "2.0 MB": a file's size as pages show it. */
const char *page_size_words(req *r, long long n);

#endif
