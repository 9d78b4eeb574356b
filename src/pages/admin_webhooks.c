/* admin_webhooks.c: an organization's webhooks (GET, POST
 * /desk/admin/webhooks), one of them with its recent deliveries (GET, POST
 * .../{id}), a new signing secret (POST .../{id}/rotate), a test event
 * (POST .../{id}/test) and removal (POST .../{id}/delete).
 *
 * The secret is generated here (32 random bytes, "whsec_" + base64url),
 * shown once in the answer to the POST that made it, and stored sealed
 * under a key derived from the server secret: the receiver verifies each
 * delivery's HMAC with it, so it must be usable again and cannot be a
 * hash. Every write leaves a config_audit row (0034's trigger, without the
 * secret). */
#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "core/netaddr.h"
#include "mail/webhook.h"
#include "model/webhook.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define WEBHOOKS_SHOWN 100
#define DELIVERIES_SHOWN 50

static const admin_notice notices[] = {
	{ "saved", "The webhook is saved." },
	{ "deleted", "The webhook is deleted." },
	{ "test_sent", "A test event (ping) is queued; its delivery shows below within a few seconds." },
};

typedef struct {
	const char *url;
	bool events[WEBHOOK_EVENTS];
	bool is_active;
	bool allow_internal;
	const char *events_csv;
} hook_form;

/* The checkbox of event i: "event_ticket_created" for "ticket.created". */
static const char *event_field(arena *a, int i)
{
	char *f = arena_sprintf(a, "event_%s", webhook_event_names[i]);
	for (char *p = f; *p; p++)
		if (*p == '.')
			*p = '_';
	return f;
}

static void hook_posted(req *r, hook_form *f, form_errors *errors)
{
	memset(f, 0, sizeof *f);
	f->url = admin_text(r, "url", WEBHOOK_URL_MAX, false, "The address", errors);
	if (!f->url)
		f->url = "";
	if (!form_errors_get(errors, "url")) {
		webhook_url u;
		webhook_url_result res = webhook_url_parse(f->url, strlen(f->url), &u);
		if (!*f->url)
			form_errors_add(r->a, errors, "url",
			    "Enter the address to send events to.");
		else if (res != URL_OK)
			form_errors_add(r->a, errors, "url", webhook_url_message(res));
	}
	buf b;
	buf_init(&b, r->a, 64);
	for (int i = 0; i < WEBHOOK_EVENTS; i++) {
		f->events[i] = admin_checked(r, event_field(r->a, i));
		if (f->events[i]) {
			if (b.len)
				buf_putc(&b, ',');
			buf_puts(&b, webhook_event_names[i]);
		}
	}
	f->events_csv = b.len ? b.data : "";
	if (!*f->events_csv)
		form_errors_add(r->a, errors, "events", "Choose at least one event to send.");
	f->is_active = admin_checked(r, "active");
	f->allow_internal = admin_checked(r, "allow_internal");
}

static void hook_from_row(const webhook *w, hook_form *f)
{
	memset(f, 0, sizeof *f);
	f->url = w->url;
	f->is_active = w->is_active;
	f->allow_internal = w->allow_internal;
	for (int i = 0; i < WEBHOOK_EVENTS; i++) {
		const char *n = webhook_event_names[i];
		size_t len = strlen(n);
		for (const char *p = w->events; p && *p;) {
			const char *end = strchr(p, ',');
			size_t l = end ? (size_t)(end - p) : strlen(p);
			if (l == len && memcmp(p, n, len) == 0)
				f->events[i] = true;
			p += l + (end ? 1 : 0);
		}
	}
}

static void form_view(req *r, tv *v, const hook_form *f, const form_errors *errors)
{
	arena *a = r->a;
	admin_field(r, v, "url", f->url, errors);
	admin_field(r, v, "events", NULL, errors);
	tv *list = tv_list(a);
	for (int i = 0; i < WEBHOOK_EVENTS; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "name", webhook_event_names[i]);
		tv_set_str(a, o, "field", event_field(a, i));
		tv_set_bool(a, o, "checked", f->events[i]);
		tv_push(a, list, o);
	}
	tv_set(a, v, "event_options", list);
	tv_set_bool(a, v, "active", f->is_active);
	tv_set_bool(a, v, "allow_internal", f->allow_internal);
	admin_summary(r, v, errors);
}

/* A new secret and its sealed form, or NULL without a server secret. */
static const char *new_secret(req *r, const char **sealed)
{
	*sealed = NULL;
	if (!r->app->cfg->have_secret)
		return NULL;
	unsigned char raw[32];
	crypto_random(raw, sizeof raw);
	const char *secret = arena_sprintf(r->a, "whsec_%s", crypto_b64url_encode(r->a, raw, sizeof raw));
	*sealed = crypto_seal_text(r->a, r->app->cfg->secret, WEBHOOK_SEAL_CONTEXT, secret);
	return *sealed ? secret : NULL;
}

/* ---- the list ---- */

static int list_page(req *r, int status, const admin_ctx *ctx, const hook_form *f, const form_errors *errors)
{
	webhook *list;
	size_t n;
	if (webhook_list(page_tx(r), ctx->org->id, WEBHOOKS_SHOWN, &list, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_WEBHOOKS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv *items = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *o = tv_object(a);
		tv_set_str(a, o, "url", list[i].url);
		tv_set_str(a, o, "events", list[i].events);
		tv_set_bool(a, o, "is_active", list[i].is_active);
		tv_set_bool(a, o, "allow_internal", list[i].allow_internal);
		admin_set_opt(a, o, "last_status", list[i].last_status);
		tv_set_str(a, o, "href", admin_href(r, ctx->org, arena_sprintf(a, "/desk/admin/webhooks/%s", list[i].id), NULL));
		tv_push(a, items, o);
	}
	tv_set(a, v, "webhooks", items);
	tv_set_bool(a, v, "has_webhooks", n > 0);
	hook_form none = { .url = "", .is_active = true };
	for (int i = 0; i < WEBHOOK_EVENTS; i++)
		none.events[i] = true;
	form_view(r, v, f ? f : &none, errors);
	return page_render(r, status, "admin_webhooks", v);
}

int page_admin_webhooks(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_WEBHOOKS);
	form_errors none = { 0 };
	return list_page(r, 200, &ctx, NULL, &none);
}

/* ---- one webhook ---- */

static int hook_page(req *r, int status, const admin_ctx *ctx, const webhook *w, const hook_form *f,
    const form_errors *errors, const char *secret, const char *secret_notice)
{
	arena *a = r->a;
	webhook_delivery *ds;
	size_t nd;
	if (webhook_deliveries(page_tx(r), ctx->org->id, w->id, DELIVERIES_SHOWN, &ds, &nd) != 0)
		return page_db_failure(r);
	tv *v = admin_view(r, ctx, ADMIN_WEBHOOKS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	const char *base = arena_sprintf(a, "/desk/admin/webhooks/%s", w->id);
	tv *o = tv_object(a);
	tv_set_str(a, o, "url", w->url);
	tv_set_str(a, o, "action", base);
	tv_set_str(a, o, "rotate_action", arena_sprintf(a, "%s/rotate", base));
	tv_set_str(a, o, "test_action", arena_sprintf(a, "%s/test", base));
	tv_set_str(a, o, "delete_action", arena_sprintf(a, "%s/delete", base));
	tv_set_str(a, o, "created_at", w->created_at);
	tv_set(a, v, "webhook", o);
	tv_set_str(a, v, "webhooks_href", admin_href(r, ctx->org, "/desk/admin/webhooks", NULL));
	tv_set_str(a, v, "self_href", admin_href(r, ctx->org, base, NULL));
	if (secret) {
		tv_set_str(a, v, "secret", secret);
		tv_set_str(a, v, "secret_notice", secret_notice);
	}
	tv *dl = tv_list(a);
	for (size_t i = 0; i < nd; i++) {
		tv *d = tv_object(a);
		tv_set_str(a, d, "id", ds[i].id);
		tv_set_str(a, d, "event", ds[i].event);
		tv_set_str(a, d, "status", ds[i].status);
		tv_set_bool(a, d, "failed", strcmp(ds[i].status, "failed") == 0);
		tv_set_bool(a, d, "delivered", strcmp(ds[i].status, "delivered") == 0);
		tv_set_int(a, d, "attempts", ds[i].attempts);
		if (ds[i].response_code)
			tv_set_int(a, d, "response_code", ds[i].response_code);
		admin_set_opt(a, d, "last_error", ds[i].last_error);
		tv_set_str(a, d, "created_at", ds[i].created_at);
		admin_set_opt(a, d, "next_attempt_at", ds[i].next_attempt_at);
		tv_push(a, dl, d);
	}
	tv_set(a, v, "deliveries", dl);
	tv_set_bool(a, v, "has_deliveries", nd > 0);
	hook_form current;
	hook_from_row(w, &current);
	form_view(r, v, f ? f : &current, errors);
	return page_render(r, status, "admin_webhook", v);
}

static int load_hook(req *r, const admin_ctx *ctx, webhook *w)
{
	int found = webhook_get(page_tx(r), ctx->org->id, admin_route_id(r), w);
	if (found < 0)
		return page_db_failure(r);
	return found ? 0 : 404;
}

int page_admin_webhook_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	hook_form f;
	hook_posted(r, &f, &errors);
	if (errors.len)
		return list_page(r, 422, &ctx, &f, &errors);
	const char *sealed;
	const char *secret = new_secret(r, &sealed);
	if (!secret)
		return 503; /* no server secret: nothing could be signed */
	const char *id;
	if (webhook_create(page_tx(r), ctx.org->id, f.url, f.events_csv, sealed, f.is_active, f.allow_internal, &id) != 0)
		return page_db_failure(r);
	webhook w;
	if ((st = webhook_get(page_tx(r), ctx.org->id, id, &w)) != 1)
		return st < 0 ? page_db_failure(r) : 404;
	form_errors none = { 0 };
	return hook_page(r, 201, &ctx, &w, NULL, &none, secret,
	    "The webhook is created. Copy its signing secret now: it is not shown again.");
}

int page_admin_webhook(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	webhook w;
	if ((st = load_hook(r, &ctx, &w)))
		return st;
	form_errors none = { 0 };
	return hook_page(r, 200, &ctx, &w, NULL, &none, NULL, NULL);
}

int page_admin_webhook_update(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	webhook w;
	if ((st = load_hook(r, &ctx, &w)))
		return st;
	form_errors errors = { 0 };
	hook_form f;
	hook_posted(r, &f, &errors);
	if (errors.len)
		return hook_page(r, 422, &ctx, &w, &f, &errors, NULL, NULL);
	int rc = webhook_update(page_tx(r), ctx.org->id, w.id, f.url, f.events_csv, f.is_active, f.allow_internal);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/webhooks/%s", w.id), "saved");
}

int page_admin_webhook_rotate(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	webhook w;
	if ((st = load_hook(r, &ctx, &w)))
		return st;
	const char *sealed;
	const char *secret = new_secret(r, &sealed);
	if (!secret)
		return 503;
	int rc = webhook_rotate(page_tx(r), ctx.org->id, w.id, sealed);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	form_errors none = { 0 };
	return hook_page(r, 200, &ctx, &w, NULL, &none, secret,
	    "The signing secret is replaced: deliveries from now on are signed with this one. Copy it now: it is not "
	    "shown again.");
}

int page_admin_webhook_test(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	const char *id = admin_route_id(r);
	int rc = webhook_send_test(page_tx(r), ctx.org->id, id);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	return admin_redirect(r, ctx.org, arena_sprintf(r->a, "/desk/admin/webhooks/%s", id), "test_sent");
}

int page_admin_webhook_delete(req *r)
{
	return admin_remove(r, webhook_delete, "/desk/admin/webhooks");
}
