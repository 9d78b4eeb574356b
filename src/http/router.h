/* router.h: method + path pattern ("/my/tickets/{number}") to handler. */
#ifndef SD_ROUTER_H
#define SD_ROUTER_H

#include <stddef.h>

#include "http/request.h"

/* A handler builds the response in r and returns 0, or returns an HTTP status
 * (>= 400) and leaves the error page to the dispatcher: errors become pages in
 * one place. */
typedef int (*route_handler)(req *r);

enum route_flag {
	ROUTE_SESSION = 1 << 0,  /* loads the session (503 when Redis is down) */
	ROUTE_CSRF = 1 << 1,     /* POST must carry a valid _csrf */
	ROUTE_SIGNED_IN = 1 << 2,/* anonymous users are sent to /login?next=, before the CSRF check */
	ROUTE_NO_LOG = 1 << 3,   /* /healthz and /metrics: no access log line */
	ROUTE_STAFF = 1 << 4,    /* signed in as staff (SIGNED_IN implied); anyone else gets 404 */
	ROUTE_ORG_ADMIN = 1 << 5,/* signed in as an admin of an organization, or a platform admin
	                            (SIGNED_IN implied); anyone else gets 404 */
	ROUTE_PLATFORM_ADMIN = 1 << 6, /* signed in as a platform admin (SIGNED_IN implied);
	                                  anyone else gets 404 */
	ROUTE_API = 1 << 7,      /* /api/v1: Authorization: Bearer <key>, no session, no CSRF, JSON
	                            in and out, errors as problem+json (src/api/api.c) */
	/* The flags that need a signed-in user. */
	ROUTE_USER = ROUTE_SIGNED_IN | ROUTE_STAFF | ROUTE_ORG_ADMIN | ROUTE_PLATFORM_ADMIN,
};

typedef struct {
	unsigned methods;        /* METHOD_GET | METHOD_POST; GET implies HEAD */
	const char *pattern;
	route_handler handler;
	unsigned flags;
} route;

enum route_match { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* Finds the route for r->method and r->path, filling r->route with the
 * pattern's captures. On ROUTE_BAD_METHOD, allow receives the methods that
 * the path accepts (for the Allow header). */
enum route_match router_match(req *r, const route *table, size_t n, const route **out, unsigned *allow);

/* "GET, HEAD, POST" for an Allow header. */
const char *router_allow_header(unsigned methods);

#endif
