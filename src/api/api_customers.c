/* api_customers.c: /api/v1/customers: find one by address or list them,
 * create one, one by id, and their tickets (the tickets list's code, for
 * one requester). Which customers a key sees is customer.h's: the
 * requesters of its organization's tickets and the customers it created;
 * any other is 404, as one that does not exist. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_input.h"
#include "api/api_routes.h"
#include "auth/crypto.h"
#include "model/customer.h"
#include "model/submit_form.h"

#define LIST_LIMIT_DEFAULT 25
#define LIST_LIMIT_MAX 100

static const char *customer_location(req *r, const char *id)
{
	return arena_sprintf(r->a, "/api/v1/customers/%s", id);
}

static json_t *customer_json(req *r, const customer *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "email", json_string(c->email));
	json_object_set_new(o, "name", c->name && *c->name ? json_string(c->name) : json_null());
	json_object_set_new(o, "preferred_language", json_string(c->language ? c->language : "en"));
	json_object_set_new(o, "created_at", api_time(c->created));
	json_object_set_new(o, "tickets", json_string(arena_sprintf(r->a, "/api/v1/customers/%s/tickets", c->id)));
	return o;
}

/* The customer of the route's {id}: 1, or 0 with the problem written. */
static int customer_load(req *r, customer *c)
{
	str id = req_route_get(r, "id");
	int found = str_is_uuid(id) ? customer_get(page_tx(r), r->api->org_id, str_dup(r->a, id), c) : 0;
	if (found < 0) {
		api_error(r, page_db_failure(r));
		return 0;
	}
	if (found == 0) {
		api_problem(r, 404, "not-found", "No customer of that id.");
		return 0;
	}
	return 1;
}

/* ---- GET /api/v1/customers ---- */

int api_customers_list(req *r)
{
	if (api_require(r, API_SCOPE_CUSTOMERS_READ))
		return 0;
	db_tx *tx = page_tx(r);
	str ev = req_query_get(r, "email");
	if (ev.len) {
		const char *email = str_dup(r->a, form_trim(ev));
		if (!form_email_valid(str_from_cstr(email)))
			return api_problem(r, 400, "bad-parameter", "email is an address like name@example.com.");
		customer c;
		int found = customer_find_by_email(tx, r->api->org_id, email, &c);
		if (found < 0)
			return page_db_failure(r);
		if (found == 0)
			return api_problem(r, 404, "not-found", "No customer of that address.");
		return api_send(r, 200, customer_json(r, &c), NULL);
	}
	long limit = LIST_LIMIT_DEFAULT;
	str lv = req_query_get(r, "limit");
	if (lv.len) {
		char *end;
		char *l = str_dup(r->a, lv);
		limit = strtol(l, &end, 10);
		if (*end || limit < 1 || limit > LIST_LIMIT_MAX)
			return api_problem(r, 400, "bad-parameter", "limit is 1 to 100.");
	}
	/* The cursor: the last id of the page before, base64url. */
	char after[37];
	str av = req_query_get(r, "after");
	if (av.len) {
		unsigned char raw[18];
		if (av.len != 22 || crypto_b64url_decode(av.ptr, av.len, raw, sizeof raw) != 16)
			return api_problem(r, 400, "bad-cursor", "after is the cursor of a previous page.");
		str_uuid_from_bytes(raw, after);
	}
	customer *list;
	size_t n;
	bool more;
	if (customer_list(tx, r->api->org_id, av.len ? after : NULL, (int)limit, &list, &n, &more) != 0)
		return page_db_failure(r);
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, customer_json(r, &list[i]));
	json_t *out = json_object();
	json_object_set_new(out, "items", items);
	static const char *const keep[] = { "limit", NULL };
	unsigned char raw[16];
	bool more_after = more && n && str_uuid_to_bytes(list[n - 1].id, raw);
	api_next_link(r, out, "/api/v1/customers", keep, more_after ? crypto_b64url_encode(r->a, raw, sizeof raw) : NULL);
	return api_send(r, 200, out, NULL);
}

/* ---- POST /api/v1/customers ---- */

int api_customers_post(req *r)
{
	/* Creating a customer is what POST /api/v1/tickets does for a new
	 * requester already: the same scope. */
	if (api_require(r, API_SCOPE_TICKETS_WRITE))
		return 0;
	json_t *in;
	if (api_body(r, &in))
		return 0;
	api_customer_in ci;
	form_errors errors = { 0 };
	int bad = api_customer_read(r->a, in, &ci, &errors);
	json_decref(in);
	if (bad) {
		return api_problem_form(r, &errors);
	}
	db_tx *tx = page_tx(r);
	const char *id;
	const char *res = customer_create(tx, ci.email, ci.name, &id);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "exists") == 0 && id) {
		/* 409 with where the customer is, so a client may GET it (RFC 9110
		 * allows Location on any status; the problem names it too). */
		const char *loc = customer_location(r, id);
		resp_header(r, "Location", loc);
		json_t *extra = json_object();
		json_object_set_new(extra, "id", json_string(id));
		json_object_set_new(extra, "location", json_string(loc));
		return api_problem_with(r, 409, "customer-exists", "A customer of that address exists: see location.", extra);
	}
	if (strcmp(res, "created") != 0 || !id) {
		const char *field = "email";
		const char *msg = strcmp(res, "not_allowed") == 0 ? "This key may not create customers."
		                                                  : "That address cannot be a customer.";
		return api_problem_fields(r, &field, &msg, 1);
	}
	customer c;
	int found = customer_get(tx, r->api->org_id, id, &c);
	if (found <= 0)
		return found < 0 ? page_db_failure(r) : 500;
	return api_send(r, 201, customer_json(r, &c), customer_location(r, id));
}

/* ---- GET /api/v1/customers/{id} ---- */

int api_customers_get(req *r)
{
	if (api_require(r, API_SCOPE_CUSTOMERS_READ))
		return 0;
	customer c;
	if (!customer_load(r, &c))
		return 0;
	return api_send(r, 200, customer_json(r, &c), NULL);
}

/* ---- GET /api/v1/customers/{id}/tickets ---- */

int api_customer_tickets(req *r)
{
	/* Tickets, as GET /api/v1/tickets: both scopes. */
	if (api_require(r, API_SCOPE_CUSTOMERS_READ) || api_require(r, API_SCOPE_TICKETS_READ))
		return 0;
	customer c;
	if (!customer_load(r, &c))
		return 0;
	return api_ticket_list(r, arena_sprintf(r->a, "/api/v1/customers/%s/tickets", c.id), c.email);
}
