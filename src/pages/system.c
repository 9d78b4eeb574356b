/* system.c: health and metrics endpoints for operators and load balancers. */
#include "app/page.h"
#include "pages/pages.h"

int page_healthz(req *r)
{
	app *a = r->app;
	bool pg = db_ping(a->db);
	bool redis = kv_ping(a->kv);
	buf_clear(&r->body);
	buf_printf(&r->body, "{\"status\":\"%s\",\"postgresql\":\"%s\",\"redis\":\"%s\"}\n",
	    pg && redis ? "ok" : "unavailable", pg ? "ok" : "down", redis ? "ok" : "down");
	r->status = pg && redis ? 200 : 503;
	r->is_html = false;
	resp_header(r, "Content-Type", "application/json");
	if (r->status == 503)
		r->retry_after_s = 5;
	return 0;
}

int page_metrics(req *r)
{
	buf_clear(&r->body);
	if (r->app->metrics)
		metrics_render(r->app->metrics, &r->body);
	r->status = 200;
	r->is_html = false;
	resp_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	return 0;
}
