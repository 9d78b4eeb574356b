/* session.c: signing out, here or everywhere. Signing in comes with the
 * accounts feature; the session mechanics live in src/kv/session.c. */
#include "app/page.h"
#include "pages/pages.h"

int page_logout(req *r)
{
	int st = page_session_signout(r, false);
	if (st)
		return st;
	resp_redirect(r, 303, "/");
	return 0;
}

int page_logout_everywhere(req *r)
{
	int st = page_session_signout(r, true);
	if (st)
		return st;
	resp_redirect(r, 303, "/");
	return 0;
}
