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

/* my_tickets.c */
int page_my_ticket(req *r);          /* GET /my/tickets/{number}: 200 for its requester, else 404 */

/* account.c (signed in only: others go to /login?next=) */
int page_account(req *r);            /* GET /account: 200 */
int page_account_update(req *r);     /* POST /account: 303 to /account; 422 form errors; 403, 503 */
int page_account_password(req *r);   /* POST /account/password: 303 (other sessions end, this one gets a new id);
                                        422 wrong current password or a bad new one; 403, 429, 503 */
int page_account_password_link(req *r); /* POST /account/password/link: 303, the set-a-password email sent;
                                        404 when the sign-in area is not built in; 403, 429, 503 */
int page_account_session_revoke(req *r); /* POST /account/sessions/{id}/revoke: 303; 404 not one of the user's; 403, 503 */

/* notifications.c (signed in only) */
int page_notifications(req *r);      /* GET /notifications[?after=]: 200; 400 bad cursor */
int page_notifications_read(req *r); /* POST /notifications/read: 303 back; 403, 503 */

/* From the sign-in area (src/pages/, being written there): queues the email
 * with a link that lets user_id set a password, as a reset does. 0 or the
 * status to answer. account.c refers to it weakly until it is merged. */
int page_send_password_link(req *r, const char *user_id, const char *email);

#endif
