/* api_messages.c: /api/v1/tickets/{number}/messages: the conversation
 * (notes included: the key works the ticket as its staff do), and a public
 * reply or an internal note, through the desk workspace's model. */
#include "api/api.h"

#include <string.h>

#include "api/api_input.h"
#include "api/api_routes.h"
#include "model/attachment.h"
#include "model/desk_ticket.h"
#include "model/filename.h"
#include "pages/uploads.h"
#include "pages/pages.h"

static json_t *message_json(req *r, const char *number, const desk_message *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(m->id));
	json_object_set_new(o, "type", json_string(m->type ? m->type : ""));
	json_object_set_new(o, "internal", json_boolean(m->internal));
	json_object_set_new(o, "body", json_string(m->body ? m->body : ""));
	json_object_set_new(o, "author", m->author_name ? json_string(m->author_name) : json_null());
	json_object_set_new(o, "by_requester", json_boolean(m->by_requester));
	json_object_set_new(o, "created_at", api_time(m->created));
	json_t *att = json_array();
	for (size_t i = 0; i < m->nattachments; i++) {
		const ticket_attachment *a = &m->attachments[i];
		json_t *x = json_object();
		json_object_set_new(x, "id", json_string(a->id));
		json_object_set_new(x, "file_name", json_string(a->file_name));
		json_object_set_new(x, "content_type", json_string(a->content_type ? a->content_type : "application/octet-stream"));
		json_object_set_new(x, "size", json_integer(a->size));
		json_object_set_new(x, "url", json_string(arena_sprintf(r->a, "/api/v1/tickets/%s/attachments/%s", number,
		    a->id)));
		json_array_append_new(att, x);
	}
	json_object_set_new(o, "attachments", att);
	return o;
}

int api_messages_list(req *r)
{
	if (api_require(r, API_SCOPE_TICKETS_READ))
		return 0;
	desk_ticket t;
	if (!api_ticket_load(r, &t))
		return 0;
	desk_workspace w;
	if (desk_ticket_workspace(page_tx(r), &t, "agent", 0, &w) != 0)
		return page_db_failure(r);
	json_t *items = json_array();
	for (size_t i = 0; i < w.nmessages; i++)
		json_array_append_new(items, message_json(r, t.number, &w.messages[i]));
	json_t *out = json_object();
	json_object_set_new(out, "items", items);
	return api_send(r, 200, out, NULL);
}

int api_messages_post(req *r)
{
	if (api_require(r, API_SCOPE_MESSAGES_WRITE))
		return 0;
	json_t *in;
	if (api_body_max(r, API_FILES_BODY_MAX, &in))
		return 0;
	api_message_in m;
	form_errors errors = { 0 };
	int bad = api_message_read(r->a, in, &m, &errors);
	json_decref(in);
	desk_ticket t;
	if (!api_ticket_load(r, &t))
		return 0;
	if (bad)
		return api_problem_form(r, &errors);
	/* The files go the way a form's do (uploads.c): the same limits, the
	 * same sniffing, the same words for a file refused. */
	for (size_t i = 0; i < m.nfiles; i++)
		if (http_form_add_file(r->a, &r->app->req_settings.limits, &r->form, str_from_cstr("attachments"),
		        str_from_cstr(m.files[i].filename), m.files[i].data, m.files[i].len))
			return 500;
	uploads up;
	int st = uploads_check_count(r, &up, m.internal ? "note" : "reply", &errors);
	if (!st && !errors.len)
		st = uploads_store(r, &up, &errors);
	if (st)
		return st;
	if (errors.len)
		return api_problem_form(r, &errors);
	const char *message_id;
	int new_version;
	const char *res = desk_ticket_post(page_tx(r), t.id, -1, m.body, m.internal, uploads_refs_json(r, &up), m.status,
	    NULL, &message_id, &new_version);
	if (!res)
		return page_db_failure(r);
	if (strcmp(res, "not_found") == 0)
		return api_problem(r, 404, "not-found", "No ticket of that number.");
	if (strcmp(res, "ok") != 0 && strcmp(res, "duplicate") != 0) {
		const char *field = strcmp(res, "invalid_status") == 0 ? "status" : "body";
		const char *why = strcmp(res, "too_long") == 0 ? "Too long." : strcmp(res, "empty") == 0 ? "Required."
		                                                                                        : "Not acceptable.";
		return api_problem_fields(r, &field, &why, 1);
	}
	json_t *out = json_object();
	json_object_set_new(out, "id", json_string(message_id));
	json_object_set_new(out, "internal", json_boolean(m.internal));
	json_object_set_new(out, "ticket_version", json_integer(new_version));
	return api_send(r, 201, out, arena_sprintf(r->a, "/api/v1/tickets/%s/messages", t.number));
}

/* GET /api/v1/tickets/{number}/attachments/{id}: the bytes of an attachment
 * of one of the ticket's messages, as the desk's download serves them (the
 * same visibility: row-level security shows the key an internal note's
 * files as it shows them to the organization's agents), always as a
 * download under the stored type. */
int api_attachment_get(req *r)
{
	if (api_require(r, API_SCOPE_TICKETS_READ))
		return 0;
	desk_ticket t;
	if (!api_ticket_load(r, &t))
		return 0;
	str id = req_route_get(r, "id");
	attachment_meta m;
	int found = 0;
	char idbuf[37];
	if (attachment_id_valid(id)) {
		for (size_t i = 0; i < 36; i++)
			idbuf[i] = (char)(id.ptr[i] >= 'A' && id.ptr[i] <= 'F' ? id.ptr[i] + 32 : id.ptr[i]);
		idbuf[36] = '\0';
		found = attachment_meta_load_on_ticket(page_tx(r), t.id, idbuf, &m);
	}
	if (found < 0)
		return page_db_failure(r);
	if (found == 0)
		return api_problem(r, 404, "not-found", "No attachment of that id on this ticket.");
	resp_header(r, "Content-Type", m.content_type && *m.content_type ? m.content_type : "application/octet-stream");
	resp_header(r, "Content-Disposition", filename_content_disposition(r->a, "attachment", m.file_name));
	return page_attachment_stream(r, idbuf, &m);
}
