/* api_tickets.c: /api/v1/tickets: list (the desk's queues and search),
 * get, create, update. The same model functions as the desk's pages
 * (queue.c, desk_ticket.c, submit_form.c), under the key's service user. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_input.h"
#include "api/api_routes.h"
#include "model/desk_ticket.h"
#include "model/queue.h"
#include "model/submit_form.h"

#define LIST_LIMIT_DEFAULT 25
#define LIST_LIMIT_MAX 100

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *ref(const char *id, const char *name)
{
	if (!id || !*id)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "name", str_or_null(name));
	return o;
}

static json_t *tags_array(const char *tags)
{
	json_t *a = json_array();
	for (const char *p = tags; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && p[n - 1] == ' ')
			n--;
		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p = e ? e + 1 : p + strlen(p);
	}
	return a;
}

/* The ticket by the route's {number}: 1, or 0 with the problem written
 * (404 for one the key may not see, as for one that does not exist). */
int api_ticket_load(req *r, desk_ticket *t)
{
	str number = req_route_get(r, "number");
	if (!ticket_number_plausible(number)) {
		api_problem(r, 404, "not-found", "No ticket of that number.");
		return 0;
	}
	int found = desk_ticket_find(page_tx(r), str_dup(r->a, number), t);
	if (found < 0) {
		api_error(r, page_db_failure(r));
		return 0;
	}
	if (found == 0) {
		api_problem(r, 404, "not-found", "No ticket of that number.");
		return 0;
	}
	return 1;
}

static json_t *ticket_json(req *r, const desk_ticket *t, bool with_fields)
{
	json_t *o = json_object();
	json_object_set_new(o, "number", json_string(t->number));
	json_object_set_new(o, "title", json_string(t->title));
	json_object_set_new(o, "description", str_or_null(t->description));
	json_object_set_new(o, "status", json_string(t->status));
	json_object_set_new(o, "priority", json_string(t->priority));
	json_object_set_new(o, "source", str_or_null(t->source));
	json_object_set_new(o, "version", json_integer(t->version));
	json_object_set_new(o, "organization", ref(t->org_id, t->org_name));
	json_object_set_new(o, "assignee", ref(t->assignee_id, t->assignee_name));
	json_object_set_new(o, "team", ref(t->team_id, t->team_name));
	json_object_set_new(o, "category", ref(t->category_id, t->category_name));
	json_object_set_new(o, "request_type", ref(t->request_type_id, t->request_type_name));
	json_object_set_new(o, "tags", tags_array(t->tags));
	json_object_set_new(o, "merged_into", str_or_null(t->merged_into));
	json_object_set_new(o, "created_at", api_time(t->created));
	json_object_set_new(o, "last_activity_at", api_time(t->last_activity));
	json_t *rq = json_object();
	json_object_set_new(rq, "id", str_or_null(t->requester_id));
	json_object_set_new(rq, "name", str_or_null(t->requester_name));
	json_object_set_new(rq, "email", str_or_null(t->requester_email));
	json_object_set_new(o, "requester", rq);
	if (with_fields) {
		desk_field *f;
		size_t nf;
		json_t *cf = json_object();
		if (desk_ticket_fields(page_tx(r), t->id, "agent", &f, &nf) == 0)
			for (size_t i = 0; i < nf; i++)
				json_object_set_new(cf, f[i].key, str_or_null(f[i].value));
		json_object_set_new(o, "custom_fields", cf);
	}
	return o;
}

static int send_ticket(req *r, int status, const char *number, const char *location)
{
	desk_ticket t;
	int found = desk_ticket_find(page_tx(r), number, &t);
	if (found <= 0)
		return found < 0 ? page_db_failure(r) : 500;
	resp_header(r, "ETag", arena_sprintf(r->a, "\"v%d\"", t.version));
	if (status == 200 && (r->method == METHOD_GET || r->method == METHOD_HEAD)) {
		const char *inm = req_header(r, "HTTP_IF_NONE_MATCH");
		if (inm && strstr(inm, arena_sprintf(r->a, "\"v%d\"", t.version))) {
			r->status = 304;
			return 0;
		}
	}
	json_t *j = ticket_json(r, &t, true);
	if (db_tx_status(page_tx(r)) != DB_OK) {
		json_decref(j);
		return page_db_failure(r);
	}
	return api_send(r, status, j, location);
}

/* ---- GET /api/v1/tickets ---- */

static const char *query_cstr(req *r, const char *name)
{
	str v = req_query_get(r, name);
	return v.len ? str_dup(r->a, v) : NULL;
}

int api_ticket_list(req *r, const char *path, const char *requester)
{
	queue_filter f = { 0 };
	f.scope.org = r->api->org_id;
	f.requester = requester;
	str qv = req_query_get(r, "queue");
	int k = qv.len ? queue_kind_from_name(qv) : QUEUE_OPEN;
	if (k < 0)
		return api_problem(r, 400, "bad-parameter", "queue is one of mine, unassigned, open, waiting, sla, resolved, spam.");
	f.queue = (enum queue_kind)k;
	str sv = req_query_get(r, "sort");
	int s = sv.len ? queue_sort_from_name(sv) : QUEUE_SORT_UPDATED;
	if (s < 0)
		return api_problem(r, 400, "bad-parameter", "sort is one of updated, created, priority, due.");
	f.sort = (enum queue_sort)s;
	str ov = req_query_get(r, "order");
	if (ov.len && !str_eq_cstr(ov, "asc") && !str_eq_cstr(ov, "desc"))
		return api_problem(r, 400, "bad-parameter", "order is asc or desc.");
	f.asc = ov.len ? str_eq_cstr(ov, "asc") : queue_sort_default_asc(f.sort);
	f.status = query_cstr(r, "status");
	if (f.status && !api_status_valid(f.status))
		return api_problem(r, 400, "bad-parameter", "status is a ticket status.");
	f.priority = query_cstr(r, "priority");
	if (f.priority && !api_priority_valid(f.priority))
		return api_problem(r, 400, "bad-parameter", "priority is low, normal, high or urgent.");
	const char *as = query_cstr(r, "assignee");
	if (as && strcmp(as, "none") == 0)
		f.assignee = QUEUE_ASSIGNEE_NONE;
	else if (as && cstr_is_uuid(as)) {
		f.assignee = QUEUE_ASSIGNEE_USER;
		f.assignee_id = as;
	} else if (as)
		return api_problem(r, 400, "bad-parameter", "assignee is none or a user id.");
	const char *ids[3] = { query_cstr(r, "team"), query_cstr(r, "category"), query_cstr(r, "type") };
	static const char *const id_names[3] = { "team", "category", "type" };
	for (int i = 0; i < 3; i++)
		if (ids[i] && !cstr_is_uuid(ids[i]))
			return api_problem(r, 400, "bad-parameter", arena_sprintf(r->a, "%s is an id (uuid).", id_names[i]));
	f.team = ids[0];
	f.category = ids[1];
	f.type = ids[2];
	f.tag = query_cstr(r, "tag");
	f.q = query_cstr(r, "q");
	if ((f.tag && strlen(f.tag) > 50) || (f.q && strlen(f.q) > 200))
		return api_problem(r, 400, "bad-parameter", "tag has at most 50 characters, q at most 200.");
	long limit = LIST_LIMIT_DEFAULT;
	str lv = req_query_get(r, "limit");
	if (lv.len) {
		char *end;
		char *l = str_dup(r->a, lv);
		limit = strtol(l, &end, 10);
		if (*end || limit < 1 || limit > LIST_LIMIT_MAX)
			return api_problem(r, 400, "bad-parameter", "limit is 1 to 100.");
	}
	queue_cursor after;
	str av = req_query_get(r, "after");
	bool has_after = av.len > 0;
	if (has_after && (!queue_cursor_decode(av, &after) || after.sort != f.sort || after.asc != f.asc))
		return api_problem(r, 400, "bad-cursor", "after is the cursor of a previous page of the same sort.");

	db_tx *tx = page_tx(r);
	queue_page pg;
	if (queue_begin(tx, &f.scope) != 0 || queue_list(tx, &f, has_after ? &after : NULL, (int)limit, &pg) != 0)
		return page_db_failure(r);
	json_t *items = json_array();
	for (size_t i = 0; i < pg.n; i++) {
		const queue_row *q = &pg.rows[i];
		json_t *o = json_object();
		json_object_set_new(o, "number", json_string(q->number));
		json_object_set_new(o, "title", json_string(q->title));
		json_object_set_new(o, "status", json_string(q->status));
		json_object_set_new(o, "priority", json_string(q->priority));
		json_object_set_new(o, "requester", str_or_null(q->requester));
		json_object_set_new(o, "assignee", ref(q->assignee_id, q->assignee));
		json_object_set_new(o, "team", str_or_null(q->team));
		json_object_set_new(o, "sla", str_or_null(q->sla));
		json_object_set_new(o, "last_activity_at", api_time(q->updated));
		json_object_set_new(o, "is_spam", json_boolean(q->is_spam));
		json_array_append_new(items, o);
	}
	json_t *out = json_object();
	json_object_set_new(out, "items", items);
	/* The same query with after= the last row's cursor. */
	static const char *const keep[] = { "queue", "sort", "order", "status", "priority", "assignee", "team", "category",
		"type", "tag", "q", "limit", NULL };
	api_next_link(r, out, path, keep, pg.more && pg.n ? queue_cursor_encode(r->a, &pg.rows[pg.n - 1].pos) : NULL);
	return api_send(r, 200, out, NULL);
}

int api_tickets_list(req *r)
{
	if (api_require(r, API_SCOPE_TICKETS_READ))
		return 0;
	return api_ticket_list(r, "/api/v1/tickets", NULL);
}

/* ---- GET /api/v1/tickets/{number} ---- */

int api_tickets_get(req *r)
{
	if (api_require(r, API_SCOPE_TICKETS_READ))
		return 0;
	desk_ticket t;
	if (!api_ticket_load(r, &t))
		return 0;
	return send_ticket(r, 200, t.number, NULL);
}

/* ---- POST /api/v1/tickets ---- */

int api_tickets_post(req *r)
{
	if (api_require(r, API_SCOPE_TICKETS_WRITE))
		return 0;
	json_t *in;
	if (api_body(r, &in))
		return 0;
	const form_doc *doc = submit_form_get(page_tx(r), &r->app->form_cache, r->app->cfg->form_cache_s,
	    app_config_generation(r->app), FORM_ROLE_CUSTOMER);
	if (!doc) {
		json_decref(in);
		return page_db_failure(r);
	}
	api_ticket_input ti;
	form_errors errors = { 0 };
	int bad = api_ticket_create_read(r->a, in, doc, &ti, &errors);
	json_decref(in);
	if (bad)
		return api_problem_form(r, &errors);
	ti.ip = page_client_ip(r);
	const char *id, *number;
	const char *res = api_ticket_create(page_tx(r), &ti, &id, &number);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "created") != 0) {
		const char *field = strcmp(res, "invalid_email") == 0 ? "requester.email"
		                  : strncmp(res, "event", 5) == 0 || strcmp(res, "invalid_event") == 0 ? "event"
		                                                                                       : "request_type";
		const char *msg = strcmp(res, "not_allowed") == 0 ? "This key may not create tickets."
		                : strcmp(res, "invalid_email") == 0 ? "That address cannot be a requester."
		                : strcmp(res, "request_type_not_allowed") == 0 ? "Customers may not use this request type."
		                : strcmp(res, "event_required") == 0 ? "This request type needs an event."
		                : strcmp(res, "invalid_event") == 0 ? "No such event for this request type."
		                                                    : "Not a request type of this key's organization.";
		return api_problem_fields(r, &field, &msg, 1);
	}
	return send_ticket(r, 201, number, arena_sprintf(r->a, "/api/v1/tickets/%s", number));
}

/* ---- PATCH /api/v1/tickets/{number} ---- */

static const char *json_quote(arena *a, const char *s)
{
	json_t *j = json_string(s);
	char *d = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	char *out = arena_strdup(a, d ? d : "\"\"");
	free(d);
	return out;
}

static bool line_in(const char *lines, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = lines; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && memcmp(p, v, n) == 0)
			return true;
		p = e ? e + 1 : p + l;
	}
	return false;
}

static bool same(const char *a, const char *b)
{
	return (!a || !*a) ? (!b || !*b) : (b && strcmp(a, b) == 0);
}

int api_tickets_patch(req *r)
{
	if (api_require(r, API_SCOPE_TICKETS_WRITE))
		return 0;
	json_t *in;
	if (api_body(r, &in))
		return 0;
	api_ticket_patch p;
	form_errors errors = { 0 };
	int bad = api_ticket_patch_read(r->a, in, &p, &errors);
	json_decref(in);
	desk_ticket t;
	if (!api_ticket_load(r, &t))
		return 0;
	/* If-Match is required: an update without it could undo a change
	 * made since the client read the ticket (428, RFC 6585). */
	const char *im = req_header(r, "HTTP_IF_MATCH");
	if (!im)
		return api_problem(r, 428, "precondition-required",
		    "Send If-Match with the ticket's ETag (\"v<version>\") from a GET.");
	if (strcmp(im, "*") != 0 && !strstr(im, arena_sprintf(r->a, "\"v%d\"", t.version)))
		return api_problem(r, 412, "precondition-failed", "The ticket changed since; GET it again.");
	if (bad)
		return api_problem_form(r, &errors);

	desk_update u = { .status = p.status ? p.status : t.status, .priority = p.priority ? p.priority : t.priority,
		.assignee_id = p.set_assignee ? p.assignee_id : t.assignee_id,
		.team_id = p.set_team ? p.team_id : t.team_id, .category_id = t.category_id,
		.request_type_id = t.request_type_id };
	buf old;
	buf_init(&old, r->a, 64);
	buf_puts(&old, "");
	for (const char *q = t.tags; q && *q; q++)
		if (*q != ' ' || (q > t.tags && q[-1] != ','))
			buf_putc(&old, *q);
	u.tags_csv = p.tags_csv ? p.tags_csv : old.data;

	/* Custom fields: only the ticket's editable ones, checked as the
	 * workspace checks them. */
	buf cf;
	buf_init(&cf, r->a, 64);
	buf_putc(&cf, '{');
	if (p.ncf) {
		desk_field *f;
		size_t nf;
		if (desk_ticket_fields(page_tx(r), t.id, "agent", &f, &nf) != 0)
			return page_db_failure(r);
		for (size_t i = 0; i < p.ncf; i++) {
			const desk_field *d = NULL;
			for (size_t j = 0; j < nf && !d; j++)
				if (strcmp(f[j].key, p.cf_keys[i]) == 0)
					d = &f[j];
			const char *field = arena_sprintf(r->a, "custom_fields.%s", p.cf_keys[i]);
			const char *v = p.cf_values[i];
			const char *why = NULL;
			if (!d)
				why = "Not a field of this ticket.";
			else if (strcmp(d->type, "checkbox") == 0)
				v = strcmp(v, "true") == 0 ? "true" : "false";
			else if (strcmp(d->type, "dropdown_static") == 0) {
				if (*v && !line_in(d->option_values, v))
					why = "Must be one of the field's options.";
			} else if (strcmp(d->type, "date") == 0) {
				size_t n = strlen(v);
				bool ok = n == 0 || n == 10;
				for (size_t k = 0; ok && k < n; k++)
					ok = k == 4 || k == 7 ? v[k] == '-' : v[k] >= '0' && v[k] <= '9';
				if (!ok)
					why = "Must be a date as YYYY-MM-DD.";
			} else if (strcmp(d->type, "text") == 0 || strcmp(d->type, "textarea") == 0) {
				long chars = form_chars(str_from_cstr(v));
				if (chars > 2000 || (d->max_length > 0 && chars > d->max_length))
					why = "Too long.";
			} else {
				why = "This field is not changed through the API.";
			}
			if (why) {
				form_errors_add(r->a, &errors, field, why);
				continue;
			}
			if (cf.len > 1)
				buf_putc(&cf, ',');
			buf_puts(&cf, json_quote(r->a, d->key));
			buf_putc(&cf, ':');
			buf_puts(&cf, json_quote(r->a, v));
		}
	}
	buf_putc(&cf, '}');
	u.custom_json = cf.data;
	if (errors.len)
		return api_problem_form(r, &errors);
	bool aok, tok, cok, rok;
	if (desk_update_check(page_tx(r), &t, &u, &aok, &tok, &cok, &rok) != 0)
		return page_db_failure(r);
	if (!aok && !same(u.assignee_id, t.assignee_id))
		form_errors_add(r->a, &errors, "assignee", "Not active staff of this ticket's organization.");
	if (!tok && !same(u.team_id, t.team_id))
		form_errors_add(r->a, &errors, "team", "Not a team of this ticket's organization.");
	if (errors.len)
		return api_problem_form(r, &errors);
	int new_version;
	const char *res = desk_ticket_update(page_tx(r), t.id, t.version, &u, &new_version);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "stale") == 0)
		return api_problem(r, 412, "precondition-failed", "The ticket changed since; GET it again.");
	return send_ticket(r, 200, t.number, NULL);
}
