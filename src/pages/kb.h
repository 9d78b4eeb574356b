/* kb.h: the knowledge base's pages: the public help center (kb.c) and
 * the staff's editing at /desk/kb (kb_desk.c). */
#ifndef SD_PAGES_KB_H
#define SD_PAGES_KB_H

#include "app/page.h"

/* kb.c */
int page_kb_home(req *r);          /* GET /kb?org=: 200; 404 unknown publisher */
int page_kb_category(req *r);      /* GET /kb/{category}: 200; 404 */
int page_kb_article(req *r);       /* GET /kb/articles/{slug}: 200, 304 (If-None-Match); 404 not published */
int page_kb_search(req *r);        /* GET /kb/search?q=: 200; 400 over 200 characters */
int page_kb_suggest(req *r);       /* GET /kb/suggest?q=: 200 JSON [{title, url}] (up to 5); 400 */
int page_kb_feedback_form(req *r); /* GET /kb/articles/{slug}/feedback?helpful=: 200; 404 */
int page_kb_feedback_post(req *r); /* POST same (helpful, comment, _csrf): 200; 403; 404; 422; 429 */
/* For GET /submit?title= (the second step without scripts): up to five
 * published articles matching title as `kb_suggestions` (title, href with
 * from=submit) and `has_kb_suggestions`. 0 or a failure status. */
int kb_suggestions_view(req *r, tv *view, str title);
/* For POST /submit: a submission from a browser that opened a suggested
 * article counts against that article's deflection. 0 or a failure status. */
int kb_deflection_submitted(req *r);

/* After a staff write in this worker: its cached article pages are not
 * served again (other workers notice the new generation within a second). */
void kb_page_cache_forget(void);

/* kb_desk.c */
int page_kb_desk(req *r);                  /* GET /desk/kb?org=&status=&after=: 200; 400 bad cursor; 404 */
int page_kb_desk_new(req *r);              /* GET /desk/kb/new?org=: 200; 404 */
int page_kb_desk_create(req *r);           /* POST /desk/kb/new: 303; 200 preview; 404; 422 */
int page_kb_desk_article(req *r);          /* GET /desk/kb/articles/{id}: 200; 404 */
int page_kb_desk_save(req *r);             /* POST same: 303 (a new version); 200 preview; 404; 422 */
int page_kb_desk_status(req *r);           /* POST .../{id}/status (status): 303; 400; 404 */
int page_kb_desk_compare(req *r);          /* GET .../{id}/compare?from=&to=: 200; 400; 404 */
int page_kb_desk_restore(req *r);          /* POST .../{id}/restore (version): 303 (a new version); 400; 404 */
int page_kb_desk_categories(req *r);       /* GET /desk/kb/categories?org=: 200; 404 */
int page_kb_desk_category_create(req *r);  /* POST /desk/kb/categories: 303; 404; 422 */
int page_kb_desk_category(req *r);         /* GET /desk/kb/categories/{id}: 200; 404 */
int page_kb_desk_category_save(req *r);    /* POST same: 303; 404; 422 */
int page_kb_desk_category_delete(req *r);  /* POST .../{id}/delete: 303 deleted; 409 in use; 404 */

#endif
