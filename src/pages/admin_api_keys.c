/* admin_api_keys.c: an organization's REST API keys (GET, POST
 * /desk/admin/api-keys; POST .../{id}/revoke). A new key is shown once, on
 * the answer to the POST that made it (no redirect: the key must not travel
 * in a URL, and only its hash is kept). Creation and revocation are audited
 * (0033). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "model/api_key.h"
#include "pages/admin.h"
#include "pages/pages.h"

#define KEYS_SHOWN 200
#define IP_ALLOW_MAX 20

static const admin_notice notices[] = {
	{ "revoked", "The key is revoked: requests with it are refused from now on." },
	{ "unchanged", "The key was revoked already." },
};

static const char *const scope_help[API_SCOPE_COUNT] = {
	"read tickets and their messages",
	"create and update tickets",
	"add replies and internal notes",
	"find customers",
	"read the configuration (request types, fields, teams, categories)",
};

static int keys_page(req *r, int status, const admin_ctx *ctx, const char *new_key, const char *name,
    unsigned scopes, const char *expires, const char *ip_allow, const form_errors *errors)
{
	api_key_row *rows;
	size_t n;
	if (api_key_list(page_tx(r), ctx->org->id, KEYS_SHOWN + 1, &rows, &n) != 0)
		return page_db_failure(r);
	arena *a = r->a;
	tv *v = admin_view(r, ctx, ADMIN_API_KEYS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	if (new_key)
		tv_set_str(a, v, "new_key", new_key);
	tv *items = tv_list(a);
	for (size_t i = 0; i < n && i < KEYS_SHOWN; i++) {
		tv *k = tv_object(a);
		tv_set_str(a, k, "name", rows[i].name);
		tv_set_str(a, k, "scopes", rows[i].scopes);
		admin_set_opt(a, k, "ip_allow", rows[i].ip_allow);
		page_set_time(r, k, "created", rows[i].created);
		/* Absent ones false, or a section would find the form's field
		 * of the same name further up. */
		if (rows[i].expires)
			page_set_time(r, k, "expires", rows[i].expires);
		else
			tv_set_bool(a, k, "expires", false);
		if (rows[i].last_used)
			page_set_time(r, k, "last_used", rows[i].last_used);
		else
			tv_set_bool(a, k, "last_used", false);
		if (rows[i].revoked)
			page_set_time(r, k, "revoked", rows[i].revoked);
		tv_set_bool(a, k, "is_revoked", rows[i].revoked != 0);
		tv_set_str(a, k, "revoke_action", arena_sprintf(a, "/desk/admin/api-keys/%s/revoke", rows[i].id));
		tv_push(a, items, k);
	}
	tv_set(a, v, "keys", items);
	tv_set_bool(a, v, "has_keys", n > 0);
	tv_set_bool(a, v, "more_keys", n > KEYS_SHOWN);
	tv *sl = tv_list(a);
	for (int i = 0; i < API_SCOPE_COUNT; i++) {
		tv *s = tv_object(a);
		tv_set_str(a, s, "value", api_scope_name(i));
		tv_set_str(a, s, "help", scope_help[i]);
		tv_set_str(a, s, "id", arena_sprintf(a, "f-scope-%d", i));
		tv_set_bool(a, s, "checked", scopes & (1u << i));
		tv_push(a, sl, s);
	}
	tv_set(a, v, "scope_options", sl);
	const char *scope_error = form_errors_get(errors, "scopes");
	if (scope_error)
		tv_set_str(a, v, "scope_error", scope_error);
	admin_field(r, v, "name", name, errors);
	admin_field(r, v, "expires", expires, errors);
	admin_field(r, v, "ip_allow", ip_allow, errors);
	admin_summary(r, v, errors);
	return page_render(r, status, "admin_api_keys", v);
}

int page_admin_api_keys(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_API_KEYS);
	form_errors none = { 0 };
	return keys_page(r, 200, &ctx, NULL, NULL, API_SCOPE_TICKETS_READ, NULL, NULL, &none);
}

/* One address or network ("192.0.2.0/24", "2001:db8::1"). */
static bool cidr_valid(const char *s)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	if (hl == 0 || hl >= sizeof host)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	unsigned char b[16];
	int max = inet_pton(AF_INET, host, b) == 1 ? 32 : inet_pton(AF_INET6, host, b) == 1 ? 128 : -1;
	if (max < 0)
		return false;
	if (!slash)
		return true;
	char *end;
	long bits = strtol(slash + 1, &end, 10);
	return slash[1] && !*end && bits >= 0 && bits <= max;
}

/* The allow-list as typed (one per line or comma-separated) into the SQL
 * array literal; NULL (a message added) when an entry is not an address. */
static const char *ip_allow_sql(req *r, const char *text, form_errors *errors)
{
	buf b;
	buf_init(&b, r->a, 64);
	buf_putc(&b, '{');
	int n = 0;
	char *copy = arena_strdup(r->a, text ? text : "");
	for (char *save = NULL, *t = strtok_r(copy, ", \t\r\n", &save); t; t = strtok_r(NULL, ", \t\r\n", &save)) {
		if (!cidr_valid(t) || ++n > IP_ALLOW_MAX) {
			form_errors_add(r->a, errors, "ip_allow",
			    "List up to 20 addresses or networks, like 192.0.2.10 or 2001:db8::/32, one per line.");
			return NULL;
		}
		if (n > 1)
			buf_putc(&b, ',');
		buf_puts(&b, t);
	}
	buf_putc(&b, '}');
	return b.data;
}

int page_admin_api_key_create(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	form_errors errors = { 0 };
	const char *name = admin_text(r, "name", 100, false, "The key's name", &errors);
	if (!form_errors_get(&errors, "name") && (!name || !*name))
		form_errors_add(r->a, &errors, "name", "Name the key after what uses it, like “CRM sync”.");
	unsigned scopes = 0;
	for (size_t i = 0; i < r->form.fields.len; i++)
		if (str_eq_cstr(r->form.fields.items[i].name, "scope")) {
			unsigned bit = api_scope_from_name(r->form.fields.items[i].value);
			if (!bit) {
				form_errors_add(r->a, &errors, "scopes", "Choose scopes from the list.");
				break;
			}
			scopes |= bit;
		}
	if (!scopes && !form_errors_get(&errors, "scopes"))
		form_errors_add(r->a, &errors, "scopes", "Choose at least one thing the key may do.");
	const char *expires = admin_text(r, "expires", 10, false, "The expiry", &errors);
	if (expires && *expires) {
		bool ok = strlen(expires) == 10;
		for (int k = 0; ok && k < 10; k++)
			ok = k == 4 || k == 7 ? expires[k] == '-' : expires[k] >= '0' && expires[k] <= '9';
		if (!ok)
			form_errors_add(r->a, &errors, "expires", "Give the expiry as a date like 2027-01-31, or leave it empty.");
	}
	const char *ip_text = admin_text(r, "ip_allow", 2000, true, "The allowed addresses", &errors);
	const char *ips = form_errors_get(&errors, "ip_allow") ? NULL : ip_allow_sql(r, ip_text, &errors);
	if (errors.len)
		return keys_page(r, 422, &ctx, NULL, name, scopes, expires, ip_text, &errors);
	char secret[64];
	unsigned char hash[32];
	api_key_secret_new(r->a, secret, hash);
	const char *key_id;
	const char *res = api_key_create(page_tx(r), ctx.org->id, name, scopes, expires && *expires ? expires : NULL,
	    ips, hash, &key_id);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "not_found") == 0)
		return 404;
	if (strcmp(res, "ok") != 0) {
		form_errors_add(r->a, &errors, "expires", "The expiry must be a day after today.");
		return keys_page(r, 422, &ctx, NULL, name, scopes, expires, ip_text, &errors);
	}
	r->config_changed = true;
	form_errors none = { 0 };
	return keys_page(r, 200, &ctx, api_key_format(r->a, key_id, secret), NULL, API_SCOPE_TICKETS_READ, NULL, NULL,
	    &none);
}

int page_admin_api_key_revoke(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	const char *id = admin_route_id(r);
	if (!cstr_is_uuid(id))
		return 404;
	const char *res = api_key_revoke(page_tx(r), ctx.org->id, id);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "not_found") == 0)
		return 404;
	return admin_redirect(r, ctx.org, "/desk/admin/api-keys", strcmp(res, "ok") == 0 ? "revoked" : "unchanged");
}
