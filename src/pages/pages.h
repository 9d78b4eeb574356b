/* pages.h: every handler, one file per page area. Each answers 0 after
 * building its response, or an HTTP status for the dispatcher's error page. */
#ifndef SD_PAGES_H
#define SD_PAGES_H

#include "http/request.h"

/* home.c */
int page_home(req *r);               /* GET /: 200 */

/* system.c */
int page_healthz(req *r);            /* GET /healthz: 200, or 503 when PostgreSQL or Redis is down */
int page_metrics(req *r);            /* GET /metrics: 200 (nginx allows loopback only) */

/* session.c */
int page_logout(req *r);             /* POST /logout: 303 to /; 403 bad CSRF; 503 Redis down */
int page_logout_everywhere(req *r);  /* POST /logout/everywhere: as /logout, for every session of the user */
int page_captcha_challenge(req *r);  /* captcha.c: GET /captcha/challenge?form=: 200 JSON; 400 unknown form; 429, 503 */

#endif
