/* login_link.c: one-time sign-in links (GET, POST /login/link/{token}). A
 * GET only shows a button, because mail scanners fetch links; the POST
 * consumes the link, signs the browser in and goes where the link leads. */
#include "app/page.h"
#include "pages/pages.h"

#define FORM_NAME "login_link"

static int link_page(req *r, int status, bool valid)
{
	tv *v = page_view(r);
	tv_set_bool(r->a, v, valid ? "is_valid" : "is_invalid", true);
	tv_set_str(r->a, v, "csrf", page_csrf_token(r, FORM_NAME));
	tv_set_str(r->a, v, "token", str_dup(r->a, req_route_get(r, "token")));
	return page_render(r, status, "login_link", v);
}

static int link_limit(req *r)
{
	const config *cfg = r->app->cfg;
	return page_ratelimit(r, "login_link_ip", str_from_cstr(page_client_ip(r)),
	    cfg->rate_login_link_ip.limit, cfg->rate_login_link_ip.window_s);
}

int page_login_link_show(req *r)
{
	int st = link_limit(r);
	if (st)
		return st;
	bool valid;
	if (signin_link_peek(r->app->kv, r->a, req_route_get(r, "token"), &valid) != KV_OK)
		return 503;
	return link_page(r, valid ? 200 : 410, valid);
}

int page_login_link_use(req *r)
{
	int st = link_limit(r);
	if (st)
		return st;
	if (!page_csrf_ok(r, FORM_NAME))
		return link_page(r, 403, true);
	char *user_id, *next;
	if (signin_link_consume(r->app->kv, r->a, req_route_get(r, "token"), &user_id, &next) != KV_OK)
		return 503;
	if (!user_id)
		return link_page(r, 410, false);
	/* Opening the link proves the address; a deactivated account gets the
	 * answer of a dead link. */
	if ((st = page_act_as(r, user_id)))
		return st;
	bool refused;
	if ((st = page_signin_finish(r, true, false, next, &refused)))
		return st;
	return refused ? link_page(r, 410, false) : 0;
}
