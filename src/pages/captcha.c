/* captcha.c: GET /captcha/challenge, a fresh proof-of-work challenge for one
 * form, for pages whose embedded challenge is missing or has expired. */
#include <time.h>

#include "app/page.h"
#include "auth/captcha.h"
#include "pages/pages.h"

/* The forms a challenge can be bound to; the salt names one of them. */
static const char *const captcha_forms[] = { "submit", "login", "login_link", "reset" };

/* Answers 200 with the challenge JSON (no-store); 400 for a form not in the
 * list; 429 or 503 from the per-address rate limit; 500 without a secret. */
int page_captcha_challenge(req *r)
{
	const config *cfg = r->app->cfg;
	str f = req_query_get(r, "form");
	const char *form = f.len == 0 ? captcha_forms[0] : NULL;
	for (size_t i = 0; !form && i < sizeof captcha_forms / sizeof captcha_forms[0]; i++)
		if (str_eq_cstr(f, captcha_forms[i]))
			form = captcha_forms[i];
	if (!form)
		return 400;

	int st = page_ratelimit(r, "challenge", str_from_cstr(page_client_ip(r)), cfg->rate_challenge_ip.limit,
	    cfg->rate_challenge_ip.window_s);
	if (st)
		return st;
	if (!cfg->have_secret)
		return 500;

	char *json = captcha_challenge_json(r->a, cfg->secret, form, cfg->captcha_max_number,
	    (long)time(NULL), cfg->captcha_ttl_s);
	if (!json)
		return 500;
	resp_body(r, 200, "application/json", json, strlen(json));
	resp_header(r, "Cache-Control", "no-store");
	return 0;
}
