/* system.c: health and metrics endpoints for operators and load balancers. */
#include "app/page.h"
#include "pages/pages.h"
#include "model/mail_in.h"

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
	/* `supportdesk mail-in` is a process of its own (one per message): its
	 * outcomes are counted in PostgreSQL (mail_in_counters) and read here.
	 * Read-only, and a database outage must leave the rest of /metrics
	 * standing: the transaction is ended here either way, and without the
	 * database the family is left out rather than shown as zeros. */
	const char **outcomes;
	long long *messages;
	db_tx *tx = page_tx(r);
	int n = mail_in_counts(tx, &outcomes, &messages);
	db_tx_rollback(tx);
	if (n >= 0) {
		buf_puts(&r->body, "# HELP supportdesk_mail_in_messages_total Messages taken by supportdesk mail-in, by outcome.\n"
		                   "# TYPE supportdesk_mail_in_messages_total counter\n");
		for (int i = 0; i < n; i++)
			buf_printf(&r->body, "supportdesk_mail_in_messages_total{outcome=\"%s\"} %lld\n", outcomes[i], messages[i]);
	}
	r->status = 200;
	r->is_html = false;
	resp_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	return 0;
}
