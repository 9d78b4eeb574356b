/* dispatch.c: serves one request from start to finish. Errors become pages
 * here, in one place; a transaction commits only when the response is a
 * success, and the response leaves only after the commit. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "api/api.h"
#include "app/page.h"
#include "core/clock.h"
#include "core/log.h"
#include "pages/pages.h"

static int load_session(req *r)
{
	app *a = r->app;
	str cookie = req_cookie_get(r, page_session_cookie_name(r));
	session *s = NULL;
	/* Only the address: the device is described when the session is made. */
	session_client c = { page_client_ip(r), NULL };
	if (session_load(a->kv, r->a, &a->session_limits, cookie, &c, &s) != KV_OK)
		return 503; /* nobody is let in on an unknown session state */
	r->session = s;
	r->user_id = s ? s->user_id : NULL;
	return 0;
}

/* An API key's service user is no person and signs in nowhere (0046). A
 * session made for one before is ended at its first use, and the request
 * goes on as an anonymous visitor's (a page that needs a session then
 * sends it to /login). The question is page_access's, which the header
 * and the staff check ask anyway: a page that renders pays no statement
 * more for it. Signing out is not asked: it ends the session either way,
 * and needs no database. */
static int refuse_service_session(req *r, const route *rt)
{
	if (!r->user_id || rt->handler == page_logout || rt->handler == page_logout_everywhere)
		return 0;
	const user_access *ua = page_access(r);
	if (!ua)
		return page_db_failure(r);
	if (!ua->service)
		return 0;
	log_warn("session of a service user ended", "rid=%s", r->request_id);
	int st = page_session_signout(r, true);
	return st ? st : page_act_as(r, NULL);
}

/* The same check the form handlers make (page_csrf_ok); the route's
 * pattern names the form. */
static int check_csrf(req *r, const route *rt)
{
	if (page_csrf_ok(r, rt->pattern))
		return 0;
	log_warn("csrf refused", "rid=%s path=%.*s", r->request_id, (int)r->path.len, r->path.ptr);
	return 403;
}

/* The error answer: problem+json under /api/, a page elsewhere. */
static void answer_error(req *r, int status)
{
	if (str_has_prefix(r->path, STR_LIT("/api/")))
		api_error(r, status);
	else
		page_error(r, status);
}

static void finish_transaction(req *r)
{
	if (!r->tx || !r->tx->open)
		return;
	if (r->tx->failed || (r->status >= 400 && !r->tx_keep_refusal)) {
		db_tx_rollback(r->tx);
		if (r->tx->failed && r->status < 400 && !r->streamed) {
			/* A statement failed but the page was built anyway (the
			 * header's unread count asks after the handler): nothing
			 * was written, so no success may be shown. */
			buf_clear(&r->headers);
			answer_error(r, page_db_failure(r));
		}
		return;
	}
	enum db_status st = db_tx_commit(r->tx);
	if (st != DB_OK && r->streamed) {
		/* Already sent; a streamed response only ever reads. */
		log_warn("commit failed after a streamed response", "rid=%s", r->request_id);
	} else if (st != DB_OK) {
		/* Nothing was written, so the user must not be told it was. */
		buf_clear(&r->headers);
		answer_error(r, st == DB_UNAVAILABLE ? 503 : 500);
	} else if (r->config_changed) {
		/* After the commit, never before: a worker reading in between
		 * would cache the old values under the new generation. */
		app_config_changed(r->app);
	}
}

/* Whether the path has a GET route: where a sign-in may lead back to. */
static bool has_get_route(req *r)
{
	enum http_method m = r->method;
	const route *rt;
	unsigned allow;
	r->method = METHOD_GET;
	bool found = router_match(r, r->app->routes, r->app->nroutes, &rt, &allow) == ROUTE_FOUND;
	r->method = m;
	return found;
}

/* A page that needs a session, asked for without one: to /login, with the
 * page to come back to in next (the path, and for a GET its query; a POST
 * comes back to the page of the same path when there is one). */
static void redirect_to_signin(req *r)
{
	buf loc;
	buf_init(&loc, r->a, 64 + r->path.len * 3);
	buf_puts(&loc, "/login");
	bool get = r->method == METHOD_GET || r->method == METHOD_HEAD;
	if ((get || has_get_route(r)) && r->path.len <= 1024 && r->query_string.len <= 1024) {
		static const char hex[] = "0123456789ABCDEF";
		buf_puts(&loc, "?next=");
		str parts[2] = { r->path, get ? r->query_string : STR_NULL };
		for (int p = 0; p < 2; p++) {
			if (p == 1 && parts[1].len)
				buf_puts(&loc, "%3F");
			for (size_t i = 0; i < parts[p].len; i++) {
				unsigned char ch = (unsigned char)parts[p].ptr[i];
				if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
				    ch == '-' || ch == '.' || ch == '_' || ch == '~' || (ch == '/' && p == 0)) {
					buf_putc(&loc, (char)ch);
				} else {
					buf_putc(&loc, '%');
					buf_putc(&loc, hex[ch >> 4]);
					buf_putc(&loc, hex[ch & 15]);
				}
			}
		}
	}
	resp_redirect(r, 303, loc.data);
}

static int run_route(req *r)
{
	app *a = r->app;
	const route *rt = NULL;
	unsigned allow = 0;
	switch (router_match(r, a->routes, a->nroutes, &rt, &allow)) {
	case ROUTE_NOT_FOUND:
		return 404;
	case ROUTE_BAD_METHOD:
		resp_header(r, "Allow", router_allow_header(allow));
		return 405;
	case ROUTE_FOUND:
		break;
	}
	int st;
	/* Before the session: its timeouts are among the settings. */
	if (!(rt->flags & ROUTE_NO_LOG))
		app_settings_refresh(a, r->a);
	/* The API: a key instead of a session, JSON instead of forms, no CSRF
	 * (no cookie is ever read, so no browser can be made to send one). */
	if (rt->flags & ROUTE_API) {
		if ((st = api_authenticate(r)))
			return r->status == st ? 0 : st;
		return rt->handler(r);
	}
	if (rt->flags & (ROUTE_SESSION | ROUTE_CSRF | ROUTE_USER)) {
		if ((st = load_session(r)) || (st = refuse_service_session(r, rt)))
			return st;
	}
	if (r->method == METHOD_POST && (st = req_read_form(r)))
		return st;
	/* Before CSRF: without a session there is no token to check, and a
	 * form posted after the session expired leads to signing in again. */
	if ((rt->flags & ROUTE_USER) && !r->user_id) {
		redirect_to_signin(r);
		return 0;
	}
	/* A staff page must not reveal itself to a customer, nor an admin page
	 * to an agent: 404, as for a path that does not exist (SPEC section 4).
	 * Which organization an admin page may change is the handler's
	 * question (and row-level security's): this only keeps everyone else
	 * out. */
	if (rt->flags & (ROUTE_STAFF | ROUTE_ORG_ADMIN | ROUTE_PLATFORM_ADMIN)) {
		const user_access *ua = page_access(r);
		if (!ua)
			return page_db_failure(r);
		bool allowed = rt->flags & ROUTE_PLATFORM_ADMIN ? ua->platform_admin
		             : rt->flags & ROUTE_ORG_ADMIN      ? user_access_is_org_admin(ua)
		                                                : user_access_is_staff(ua);
		if (!allowed)
			return 404;
	}
	if ((rt->flags & ROUTE_CSRF) && r->method == METHOD_POST && (st = check_csrf(r, rt)))
		return st;
	return rt->handler(r);
}

static void log_request(req *r)
{
	char path[600], ua[300];
	str p = r->raw_path.len ? r->raw_path : r->path;
	log_quote(path, sizeof path, p.ptr ? p.ptr : "", p.len > 512 ? 512 : p.len);
	log_quote(ua, sizeof ua, r->user_agent.ptr ? r->user_agent.ptr : "",
	    r->user_agent.len > 200 ? 200 : r->user_agent.len);
	double ms = (clock_seconds() - r->started) * 1000.0;
	/* An API request names its key by id, never the key itself. */
	log_msg(LOG_INFO, "request", "rid=%s method=%.*s path=%s status=%d ms=%.3f bytes=%zu ip=%s ua=%s%s%s",
	    r->request_id, (int)r->method_name.len, r->method_name.ptr, path, r->status, ms,
	    r->body.len, *page_client_ip(r) ? page_client_ip(r) : "-", ua, r->api ? " api_key=" : "",
	    r->api ? r->api->key_id : "");
}

void app_handle(app *a, const req_io *io, arena *mem)
{
	req r;
	int st = req_init(&r, a, io, mem, &a->req_settings);
	if (st == 0)
		st = run_route(&r);
	if (st && r.streamed) {
		log_error("handler failed after streaming", "rid=%s status=%d", r.request_id, st);
		st = 0;
	}
	if (st == 503 && a->metrics)
		/* A 503 comes from PostgreSQL (the transaction says so) or else
		 * from Redis, the only other dependency. */
		atomic_fetch_add(page_db_failure(&r) == 503 ? &a->metrics->db_unavailable
		                                         : &a->metrics->kv_unavailable, 1);
	if (st)
		answer_error(&r, st); /* under /api/: problem+json, never an HTML page */
	finish_transaction(&r);
	if (resp_send(&r) < 0)
		log_warn("client went away", "rid=%s", r.request_id);
	if (a->metrics)
		metrics_observe(a->metrics, r.status, clock_seconds() - r.started);
	if (!(r.route_flags & ROUTE_NO_LOG) || r.status >= 400)
		log_request(&r);
}
