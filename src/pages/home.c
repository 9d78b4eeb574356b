/* home.c: the landing page: submit a request, track one, sign in. */
#include "app/page.h"
#include "pages/pages.h"

int page_home(req *r)
{
	/* Cacheable by nobody in between, but cheap: for an anonymous visitor
	 * no database (a signed-in one's header counts unread notifications). */
	return page_render(r, 200, "home", page_view(r));
}
