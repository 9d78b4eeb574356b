/* page.c: helpers every handler uses to answer. */
#include "app/page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/crypto.h"
#include "auth/csrf.h"
#include "core/log.h"
#include "mail/render.h"
#include "http/useragent.h"
#include "model/email.h"
#include "model/notification.h"

const char *page_session_cookie_name(const req *r)
{
	return r->secure_cookies ? "__Host-sd_session" : "sd_session";
}

/* Shown as "99+" above this: the count query stops counting there. */
#define UNREAD_SHOWN_MAX 99

/* Which entry of the signed-in navigation is the current page (aria-current). */
static void nav_current(req *r, tv *v)
{
	static const struct {
		const char *prefix;
		const char *flag;
	} items[] = {
		{ "/my/", "nav_my" },
		{ "/desk/admin", "nav_admin" },
		{ "/desk/reports", "nav_reports" },   /* reports.c */
		{ "/desk", "nav_desk" },
		{ "/admin", "nav_platform" },
		{ "/notifications", "nav_notifications" },
		{ "/account", "nav_account" },
	};
	for (size_t i = 0; i < sizeof items / sizeof *items; i++)
		if (str_has_prefix(r->path, str_from_cstr(items[i].prefix))) {
			tv_set_bool(r->a, v, items[i].flag, true);
			break; /* the longest prefix comes first: /desk/admin is not /desk */
		}
}

const user_access *page_access(req *r)
{
	if (!r->access) {
		user_access *ua = arena_alloc(r->a, sizeof *ua);
		if (!r->user_id)
			*ua = (user_access){ 0 };
		else if (user_access_get(page_tx(r), UNREAD_SHOWN_MAX + 1, ua) != 0)
			return NULL;
		r->access = ua;
	}
	return r->access;
}

/* The header's desk link and unread count: one small query for signed-in
 * users (page_access, counting at most UNREAD_SHOWN_MAX + 1 rows), asked
 * once per request. A transaction that failed already is not asked again:
 * the page then shows neither, and the dispatcher turns the answer into an
 * error anyway. */
static void access_nav(req *r, tv *v)
{
	if (r->tx && r->tx->failed && !r->access)
		return;
	const user_access *ua = page_access(r);
	if (!ua)
		return;
	tv_set_bool(r->a, v, "is_staff", user_access_is_staff(ua));
	tv_set_bool(r->a, v, "is_org_admin", user_access_is_org_admin(ua));
	tv_set_bool(r->a, v, "is_platform_admin", ua->platform_admin);
	long n = ua->unread;
	if (n > 0) {
		tv_set_str(r->a, v, "unread_count", n > UNREAD_SHOWN_MAX
		    ? arena_sprintf(r->a, "%d+", UNREAD_SHOWN_MAX) : arena_sprintf(r->a, "%ld", n));
		tv_set_bool(r->a, v, "has_unread", true);
	}
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
	if (r->user_id) {
		nav_current(r, v);
		access_nav(r, v);
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

void page_set_time(req *r, tv *obj, const char *key, long long epoch)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	char iso[32] = "", exact[32] = "";
	if (gmtime_r(&t, &tm)) {
		strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
		strftime(exact, sizeof exact, "%Y-%m-%d %H:%M UTC", &tm);
	}
	long long d = (long long)time(NULL) - epoch;
	const char *words = d >= -59 && d < 60 ? "just now"
	    : d > 0 ? arena_sprintf(r->a, "%s ago", str_duration_words(r->a, (long)d))
	            : arena_sprintf(r->a, "in %s", str_duration_words(r->a, (long)-d));
	tv_set_str(r->a, obj, key, words);
	tv_set_str(r->a, obj, arena_sprintf(r->a, "%s_iso", key), iso);
	tv_set_str(r->a, obj, arena_sprintf(r->a, "%s_exact", key), exact);
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
	if (r->retry_after_s > 0) {
		tv_set_int(r->a, v, "retry_after", r->retry_after_s);
		tv_set_str(r->a, v, "retry_after_words", str_duration_words(r->a, r->retry_after_s));
	}
	if (page_render(r, status, name, v) != 0) {
		static const char fallback[] = "<!doctype html><title>Error</title><p>Something went wrong.</p>\n";
		buf_clear(&r->body);
		buf_append(&r->body, fallback, sizeof fallback - 1);
		r->is_html = true;
	}
	r->status = status;
	if (status == 503 && r->retry_after_s <= 0)
		r->retry_after_s = 5; /* reconnects are tried every 0.5 s */
}

db_tx *page_tx(req *r)
{
	if (!r->tx) {
		r->tx = arena_alloc(r->a, sizeof *r->tx);
		db_tx_init(r->tx, r->app->db, r->a, r->user_id, r->request_id, page_client_ip(r));
	} else if (!r->tx->open && !r->tx->failed) {
		/* Signed in since the transaction was made, before it began. */
		r->tx->user_id = r->user_id;
	}
	return r->tx;
}

int page_act_as(req *r, const char *user_id)
{
	if (db_tx_act_as(page_tx(r), user_id) != DB_OK)
		return page_db_failure(r);
	r->user_id = user_id;
	r->access = NULL; /* page_access answers for the acting user */
	return 0;
}

int page_tx_end_reads(req *r)
{
	if (!r->tx)
		return 0;
	return db_tx_commit(r->tx) == DB_OK ? 0 : page_db_failure(r);
}

void page_keep_writes(req *r)
{
	r->tx_keep_refusal = true;
}

int page_db_failure(const req *r)
{
	return r->tx && r->tx->failed && r->tx->failure == DB_UNAVAILABLE ? 503 : 500;
}

int page_ratelimit(req *r, const char *action, str subject, long limit, long window_s)
{
	ratelimit_result res;
	if (ratelimit_hit(r->app->kv, r->a, action, subject, limit, window_s, &res) != KV_OK)
		return 503;
	if (res.allowed)
		return 0;
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

const session_client *page_session_client(req *r)
{
	session_client *c = arena_alloc(r->a, sizeof *c);
	char *dev = arena_alloc(r->a, USERAGENT_DESCRIBE_MAX + 1);
	c->ip = page_client_ip(r);
	c->device = useragent_describe(r->user_agent.ptr, r->user_agent.len, dev, USERAGENT_DESCRIBE_MAX + 1);
	return c;
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
	if (session_create(r->app->kv, r->a, &r->app->session_limits, NULL, false, 0, page_session_client(r),
	    &s) != KV_OK)
		return 503;
	r->session = s;
	session_cookie_send(r);
	return 0;
}

int page_session_signin(req *r, const char *user_id, bool remember, int level)
{
	app *a = r->app;
	const session_client *c = page_session_client(r);
	if (r->session) {
		r->session->remember = remember;
		if (session_rotate(a->kv, r->a, &a->session_limits, r->session, user_id, level, c) != KV_OK)
			return 503;
	} else if (session_create(a->kv, r->a, &a->session_limits, user_id, remember, level, c, &r->session) != KV_OK)
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

/* ---- client address ---- */

static bool in_list(const char *list, const char *addr, size_t n)
{
	for (const char *p = list; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (len && len == n && strncmp(p, addr, n) == 0)
			return true;
		p += len;
	}
	return false;
}

static const char *client_ip_of(req *r);

const char *page_client_ip(req *r)
{
	if (!r->client_ip)
		r->client_ip = client_ip_of(r);
	return r->client_ip;
}

static const char *client_ip_of(req *r)
{
	const char *remote = r->remote_addr.ptr ? r->remote_addr.ptr : "";
	const char *trusted = r->app->cfg->trusted_proxies;
	if (!trusted || !*trusted || !in_list(trusted, remote, strlen(remote)))
		return remote;
	const char *xff = req_header(r, "HTTP_X_FORWARDED_FOR");
	if (!xff)
		return remote;
	/* Right to left: the first address a trusted proxy did not add is the
	 * client as far as anyone trustworthy can tell. */
	size_t end = strlen(xff);
	while (end > 0) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		size_t a = start, b = end;
		while (a < b && xff[a] == ' ')
			a++;
		while (b > a && xff[b - 1] == ' ')
			b--;
		if (b > a && b - a < 64 && !in_list(trusted, xff + a, b - a))
			return arena_strndup(r->a, xff + a, b - a);
		end = start ? start - 1 : 0;
	}
	return remote;
}

/* ---- CSRF for forms ---- */

#define ANON_COOKIE "sd_anon"
#define ANON_TOKEN_TTL (4 * 3600)

static str anon_id(req *r, bool create)
{
	str id = req_cookie_get(r, ANON_COOKIE);
	if (id.len == 43)
		return id;
	if (!create)
		return STR_NULL;
	if (r->anon_id)
		return str_from_cstr(r->anon_id);
	unsigned char raw[CRYPTO_TOKEN_LEN];
	r->anon_id = crypto_token_new(r->a, raw);
	/* A browser cookie, not a session: it only binds anonymous forms to
	 * this browser, and holds nothing. */
	resp_cookie(r, ANON_COOKIE, r->anon_id, 0, COOKIE_SESSION_ONLY);
	return str_from_cstr(r->anon_id);
}

const char *page_csrf_token(req *r, const char *form)
{
	if (r->session && r->session->user_id)
		return r->session->csrf;
	return csrf_anon_token(r->a, r->app->cfg->secret, form, anon_id(r, true), (long)time(NULL),
	    ANON_TOKEN_TTL);
}

bool page_csrf_ok(req *r, const char *form)
{
	str posted = req_form_get(r, "_csrf");
	if (r->session && r->session->user_id && csrf_session_check(r->session->csrf, posted))
		return true;
	/* A form rendered before this browser signed in (a double click on
	 * "confirm") carries the anonymous token; it is bound to the browser's
	 * own cookie and to the form, so it is as safe to accept. */
	return csrf_anon_check(r->app->cfg->secret, form, anon_id(r, false), posted, (long)time(NULL));
}

/* ---- email ---- */

/* Renders the email and seals its bodies into m. 0 or 500. */
static int email_prepare(req *r, const char *name, tv *view, email_message *m)
{
	mail_rendered mail;
	if (mail_render(r->app->templates, r->a, name, view, &mail) != 0) {
		log_error("email render failed", "rid=%s template=%s", r->request_id, name);
		return 500;
	}
	/* Emails carry one-time links: the outbox holds them sealed, and the
	 * mailer scrubs them once the row is sent or given up. */
	const unsigned char *key = r->app->cfg->secret;
	m->subject = mail.subject;
	m->text = crypto_seal_text(r->a, key, OUTBOX_SEAL_CONTEXT, mail.text);
	m->html = crypto_seal_text(r->a, key, OUTBOX_SEAL_CONTEXT, mail.html);
	m->sealed = true;
	return 0;
}

int page_email(req *r, const char *name, tv *view, const char *to, const char *to_name,
    const char *ticket_id, const char *user_id, const char *dedupe_key)
{
	email_message m = { .to = to, .to_name = to_name, .ticket_id = ticket_id, .user_id = user_id,
		.dedupe_key = dedupe_key };
	int st = email_prepare(r, name, view, &m);
	if (st)
		return st;
	return email_enqueue(page_tx(r), &m) == 0 ? 0 : page_db_failure(r);
}

int page_email_decoy(req *r, const char *name, tv *view)
{
	email_message m = { 0 };
	return email_prepare(r, name, view, &m);
}
