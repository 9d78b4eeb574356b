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
int page_attachment_download(req *r); /* attachments.c: GET /attachments/{id}: 200 streamed; 404 unknown, not visible or not a uuid; 500, 503 */

/* submit.c */
int page_submit_form(req *r);        /* GET /submit[?request_type=]: 200; 503 */
int page_submit_fields(req *r);      /* GET /submit/fields?request_type=: 200 fragment; 404 unknown type */
int page_submit_post(req *r);        /* POST /submit: 200 check-your-email, 303 to the ticket (signed in),
                                        403 bad CSRF, 422 form errors, 413, 429, 503 */

/* Queues the email with a verification link for token (submit.c). 0 or status. */
int page_send_verification(req *r, const char *email, const char *name, const char *title, const char *token);

/* verify.c */
int page_verify_show(req *r);        /* GET /verify/{token}: 200 confirm button; 404 unknown; 410 used/expired/locked */
int page_verify_confirm(req *r);     /* POST /verify/{token}: 303 to the ticket; 403, 404, 410, 429, 503 */
int page_verify_renew(req *r);       /* POST /verify/{token}/renew: 200 new link sent; 403, 404, 410, 429, 503 */

/* login_link.c */
int page_login_link_show(req *r);    /* GET /login/link/{token}: 200 sign-in button; 410 used or expired; 429, 503 */
int page_login_link_use(req *r);     /* POST /login/link/{token}: 303 where the link leads; 403, 410, 429, 503 */

/* my_tickets.c: the customer portal; signed in (else 303 to /login). A
 * ticket that is not the customer's answers 404 to the page and every action. */
int page_my_tickets(req *r);         /* GET /my/tickets?status=&q=&after=: 200; 400 unknown status, bad cursor */
int page_my_ticket(req *r);          /* GET /my/tickets/{number}: 200 for its requester, else 404 */
int page_my_ticket_reply(req *r);    /* POST .../reply: 303 to the message; 403 bad CSRF, 404, 409 closed,
                                        413, 422 form errors, 429, 503 */
int page_my_ticket_close(req *r);    /* POST .../close: 303 to the ticket; 403, 404, 409 closed already */
int page_my_ticket_reopen(req *r);   /* POST .../reopen: 303 to the ticket; 403, 404, 409 not done or past the window */
int page_my_ticket_rating_form(req *r); /* GET .../rating[?rating=N]: 200 (records nothing); 404 */
int page_my_ticket_rate(req *r);     /* POST .../rating: 303 to the ticket; 403, 404, 409 rated already or
                                        not resolved, 422 */

/* track.c: guest access */
int page_track_form(req *r);         /* GET /track: 200 */
int page_track_post(req *r);         /* POST /track: 200 the same page whether or not the pair matched;
                                        403 bad CSRF, 422 form errors, 429, 503 */

#endif
