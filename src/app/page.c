/* page.c: helpers every handler uses to answer. */
#include "app/page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

const char *page_session_cookie_name(const req *r)
{
	return r->secure_cookies ? "__Host-sd_session" : "sd_session";
}

tv *page_view(req *r)
{
	tv *v = tv_object(r->a);
	tv_set_str(r->a, v, "site_name", "Supportdesk");
	tv_set_str(r->a, v, "base_url", r->app->cfg->base_url);
	tv_set_str(r->a, v, "request_id", r->request_id);
	if (r->session) {
		tv_set_str(r->a, v, "csrf", r->session->csrf);
		tv_set_bool(r->a, v, "signed_in", r->session->user_id != NULL);
	}
	return v;
}

int page_render(req *r, int status, const char *name, tv *view)
{
	buf_clear(&r->body);
	if (tmpl_render(r->app->templates, name, view, &r->body) < 0) {
		log_error("render failed", "rid=%s template=%s", r->request_id, name);
		buf_clear(&r->body);
		return 500;
	}
	r->status = status;
	r->is_html = true;
	return 0;
}

static const struct {
	int status;
	const char *title;
} error_titles[] = {
	{ 400, "Bad request" },
	{ 403, "Forbidden" },
	{ 404, "Page not found" },
	{ 405, "Method not allowed" },
	{ 413, "Too large" },
	{ 415, "Unsupported content type" },
	{ 429, "Too many requests" },
	{ 500, "Something went wrong" },
	{ 503, "Temporarily unavailable" },
};

void page_error(req *r, int status)
{
	char name[32];
	const char *title = "Error";
	bool known = false;
	for (size_t i = 0; i < sizeof error_titles / sizeof error_titles[0]; i++)
		if (error_titles[i].status == status) {
			title = error_titles[i].title;
			known = true;
		}
	if (!known)
		status = status >= 500 ? 500 : 400;
	snprintf(name, sizeof name, "errors/%d", status);
	tv *v = page_view(r);
	tv_set_str(r->a, v, "title", title);
	tv_set_int(r->a, v, "status", status);
	if (r->retry_after_s > 0)
		tv_set_int(r->a, v, "retry_after", r->retry_after_s);
	if (page_render(r, status, name, v) != 0) {
		static const char fallback[] = "<!doctype html><title>Error</title><p>Something went wrong.</p>\n";
		buf_clear(&r->body);
		buf_append(&r->body, fallback, sizeof fallback - 1);
		r->is_html = true;
	}
	r->status = status;
	if (status == 503 && !strstr(r->headers.data, "Retry-After"))
		resp_header(r, "Retry-After", "5");
}

static int db_status_to_http(enum db_status st)
{
	return st == DB_UNAVAILABLE ? 503 : 500;
}

db_result *page_query(req *r, const db_stmt *s, int nparams, const char *const *params)
{
	app *a = r->app;
	if (r->tx_failed)
		return NULL;
	enum db_status st;
	if (!r->tx_open) {
		st = db_begin(a->db, r->user_id, r->request_id, r->remote_addr.ptr);
		if (st != DB_OK) {
			r->tx_failed = true;
			r->failure_status = db_status_to_http(st);
			return NULL;
		}
		r->tx_open = true;
	}
	db_result *res = db_exec(a->db, r->a, s, nparams, params, &st);
	if (!res) {
		r->tx_failed = true;
		r->failure_status = db_status_to_http(st);
	}
	return res;
}

int page_db_failure(const req *r)
{
	return r->failure_status ? r->failure_status : 500;
}

int page_ratelimit(req *r, const char *action, str subject, long limit, long window_s)
{
	ratelimit_result res;
	if (ratelimit_hit(r->app->kv, r->a, action, subject, limit, window_s, &res) != KV_OK)
		return 503;
	if (res.allowed)
		return 0;
	char secs[24];
	snprintf(secs, sizeof secs, "%ld", res.retry_after_s);
	resp_header(r, "Retry-After", secs);
	r->retry_after_s = res.retry_after_s;
	log_info("rate limited", "rid=%s action=%s count=%ld limit=%ld", r->request_id, action,
	    res.count, limit);
	return 429;
}

static long session_cookie_age(const req *r)
{
	const app *a = r->app;
	return r->session && r->session->remember ? a->session_limits.remember_s : -1;
}

static void session_cookie_send(req *r)
{
	long age = session_cookie_age(r);
	resp_cookie(r, page_session_cookie_name(r), r->session->cookie_value, age,
	    age < 0 ? COOKIE_SESSION_ONLY : 0);
}

int page_session_ensure(req *r)
{
	if (r->session)
		return 0;
	session *s;
	if (session_create(r->app->kv, r->a, &r->app->session_limits, NULL, false, 0, &s) != KV_OK)
		return 503;
	r->session = s;
	session_cookie_send(r);
	return 0;
}

int page_session_signin(req *r, const char *user_id, bool remember, int level)
{
	app *a = r->app;
	if (r->session) {
		r->session->remember = remember;
		if (session_rotate(a->kv, r->a, &a->session_limits, r->session, user_id, level) != KV_OK)
			return 503;
	} else if (session_create(a->kv, r->a, &a->session_limits, user_id, remember, level, &r->session) != KV_OK)
		return 503;
	r->user_id = r->session->user_id;
	session_cookie_send(r);
	return 0;
}

int page_session_signout(req *r, bool everywhere)
{
	app *a = r->app;
	if (r->session) {
		if (everywhere && r->session->user_id) {
			long n;
			if (session_destroy_all(a->kv, r->a, r->session->user_id, &n) != KV_OK)
				return 503;
			log_info("signed out everywhere", "rid=%s sessions=%ld", r->request_id, n);
		}
		if (session_destroy(a->kv, r->session) != KV_OK)
			return 503;
	}
	r->session = NULL;
	r->user_id = NULL;
	resp_cookie(r, page_session_cookie_name(r), "", 0, COOKIE_DELETE);
	return 0;
}
