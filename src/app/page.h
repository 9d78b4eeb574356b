/* page.h: what handlers use to answer: views, rendering, errors, the
 * database inside the request's transaction, rate limits. */
#ifndef SD_PAGE_H
#define SD_PAGE_H

#include "app/app.h"
#include "model/user.h"

/* A view with what every page shows: site name, the signed-in user, the CSRF
 * token of the session, and for a signed-in user the header's navigation
 * (which entry is current, the unread notifications: one small query). */
tv *page_view(req *r);
/* Renders template `name` into the response as HTML with `status`. Returns 0,
 * or 500 when rendering fails. */
int page_render(req *r, int status, const char *name, tv *view);
/* A moment as pages show it (UI.md: relative, with the exact time in a
 * title): sets `key` ("just now", "about 3 hours ago", "in about a
 * minute"), `key`_iso (for <time datetime>) and `key`_exact ("2024-05-01
 * 10:00 UTC") on obj, from unix seconds. */
void page_set_time(req *r, tv *obj, const char *key, long long epoch);
/* The error page for status (404, 405, 413, 429, 500, 503...). */
void page_error(req *r, int status);

/* The request's transaction, for the model functions a handler calls: the
 * signed-in user, the request id and the client address, begun on first use.
 * When a model function fails, the handler returns page_db_failure(r). */
db_tx *page_tx(req *r);
/* Switches the acting user of the request's transaction (app.user_id), for
 * the moment a visitor proves who they are (a verification link) and row-
 * level security should see them as that user from then on. 0 or status. */
int page_act_as(req *r, const char *user_id);
/* Ends the request's transaction, which has only read so far, before slow
 * work that needs no database (an argon2id hash): a transaction left open
 * through it idles, and on a loaded machine PostgreSQL's
 * idle_in_transaction_session_timeout ends the connection under it. The
 * next statement begins a new transaction. 0 or status. */
int page_tx_end_reads(req *r);

/* The signed-in user's access (staff of which organizations, platform
 * role), asked once per request; NULL on a database failure. Anonymous
 * users get no access at all. */
const user_access *page_access(req *r);

/* A refusal that must leave a trace: the transaction commits even though
 * the answer is 4xx (a failed attempt counted against a token's lockout).
 * Without it every answer >= 400 rolls back. A failed statement still rolls
 * back. */
void page_keep_writes(req *r);

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
/* Where the request comes from, as sessions record it: the client address
 * and a short description of the browser from its User-Agent. */
const session_client *page_session_client(req *r);

/* The name of the session cookie: __Host-sd_session behind TLS. */
const char *page_session_cookie_name(const req *r);

/* The client's address: nginx's REMOTE_ADDR, or, when that is one of
 * SUPPORTDESK_TRUSTED_PROXIES, the last X-Forwarded-For entry that is not a
 * trusted proxy. A client's own X-Forwarded-For is never believed. */
const char *page_client_ip(req *r);

/* CSRF for forms: the session's token when signed in; otherwise a token
 * signed for `form` and bound to the browser's anonymous cookie (set here
 * when missing). */
const char *page_csrf_token(req *r, const char *form);
/* Checks the posted _csrf: the session's token, or an anonymous one signed
 * for this form and browser. */
bool page_csrf_ok(req *r, const char *form);

struct email_message;
/* Renders templates/email/NAME_subject, NAME_text (plain, unescaped) and
 * NAME_html with view, and queues the message in the outbox. 0, or the
 * status to answer (500, 503). */
int page_email(req *r, const char *name, tv *view, const char *to, const char *to_name,
    const char *ticket_id, const char *user_id, const char *dedupe_key);
/* Renders and seals the email `name` as page_email does, and queues
 * nothing: an address that must not learn whether it has an account costs
 * the same work. 0 or 500. */
int page_email_decoy(req *r, const char *name, tv *view);

#endif
