/* page.h: what handlers use to answer: views, rendering, errors, the
 * database inside the request's transaction, rate limits. */
#ifndef SD_PAGE_H
#define SD_PAGE_H

#include "app/app.h"

/* A view with what every page shows: site name, the signed-in user, the CSRF
 * token of the session. */
tv *page_view(req *r);
/* Renders template `name` into the response as HTML with `status`. Returns 0,
 * or 500 when rendering fails. */
int page_render(req *r, int status, const char *name, tv *view);
/* The error page for status (404, 405, 413, 429, 500, 503...). */
void page_error(req *r, int status);

/* Runs a statement in the request's transaction, opening it on first use
 * with app.user_id set. NULL on failure: the handler then returns
 * page_db_failure(r). */
db_result *page_query(req *r, const db_stmt *s, int nparams, const char *const *params);
/* 503 when PostgreSQL is unreachable, 500 otherwise. */
int page_db_failure(const req *r);

/* Counts a hit of action by subject; 0 when allowed, else 429 (with
 * Retry-After set) or 503 when Redis is down. */
int page_ratelimit(req *r, const char *action, str subject, long limit, long window_s);

/* Ensures the request has a session (anonymous if need be), creating one and
 * setting its cookie. Returns 0 or 503. */
int page_session_ensure(req *r);
/* Signs the session in as user_id with a new id (rotation). 0 or 503. */
int page_session_signin(req *r, const char *user_id, bool remember, int level);
/* Ends this session (and with everywhere, all of the user's). 0 or 503. */
int page_session_signout(req *r, bool everywhere);

/* The name of the session cookie: __Host-sd_session behind TLS. */
const char *page_session_cookie_name(const req *r);

#endif
