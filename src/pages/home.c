/* home.c: the landing page: submit a request, track one, sign in. */
#include "app/page.h"
#include "pages/pages.h"

int page_home(req *r)
{
	/* Cacheable by nobody in between, but cheap: no database, no Redis. */
	return page_render(r, 200, "home", page_view(r));
}
