/* fuzz_api_json.c: libFuzzer target for the REST API's request bodies: the
 * JSON parsing with its bounds (api_json_parse), then each body's reading
 * and checks (api_input.c) against a fixed form with every field kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_input.h"
#include "core/arena.h"
#include "model/submit_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What submit_form_document() returns, one type with each kind of field. */
static const char form_json[] =
    "[{\"id\":\"11111111-1111-4111-8111-111111111111\",\"name\":\"T\",\"description\":null,\"requires_event\":false,"
    "\"fields\":[{\"key\":\"plan\",\"label\":\"Plan\",\"type\":\"dropdown_static\",\"required\":true,"
    "\"options\":[{\"value\":\"basic\",\"label\":\"Basic\"},{\"value\":\"pro\",\"label\":\"Pro\"}],\"rules\":{}},"
    "{\"key\":\"ref\",\"label\":\"Ref\",\"type\":\"text\",\"required\":false,\"options\":[],"
    "\"rules\":{\"max_length\":10,\"pattern\":\"^[A-Z0-9]*$\"}},"
    "{\"key\":\"when\",\"label\":\"When\",\"type\":\"date\",\"required\":false,\"options\":[],\"rules\":{}},"
    "{\"key\":\"ok\",\"label\":\"OK\",\"type\":\"checkbox\",\"required\":false,\"options\":[],\"rules\":{}},"
    "{\"key\":\"notes\",\"label\":\"Notes\",\"type\":\"textarea\",\"required\":false,\"options\":[],\"rules\":{}}],"
    "\"events\":[]}]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The form once: the target is the bodies, not the form's parsing. */
	static arena *doc_arena;
	static form_doc *doc;
	if (!doc) {
		doc_arena = arena_new(16384);
		doc = submit_form_parse(doc_arena, form_json, sizeof form_json - 1);
		if (!doc || doc->ntypes != 1)
			abort();
	}
	arena *a = arena_new(4096);
	const char *why;
	json_t *j = api_json_parse((const char *)data, size, &why);
	if (!j) {
		if (!why)
			abort();
		arena_free(a);
		return 0;
	}
	if (!json_is_object(j))
		abort();
	api_ticket_input ti;
	form_errors e1 = { 0 };
	int n = api_ticket_create_read(a, j, doc, &ti, &e1);
	if (n < 0 || (size_t)n != e1.len)
		abort();
	if (n == 0 && (!ti.title || !ti.email || !ti.custom_json))
		abort();
	api_ticket_patch p;
	form_errors e2 = { 0 };
	if (api_ticket_patch_read(a, j, &p, &e2) < 0)
		abort();
	for (size_t i = 0; i < p.ncf; i++)
		if (!p.cf_keys[i] || !p.cf_values[i])
			abort();
	api_message_in m;
	form_errors e3 = { 0 };
	if (api_message_read(a, j, &m, &e3) < 0)
		abort();
	/* Files: bounded, named, decoded to no more than their base64 allows. */
	if (m.nfiles > API_FILES_MAX)
		abort();
	for (size_t i = 0; i < m.nfiles; i++)
		if (!m.files[i].filename || !m.files[i].filename[0] || !m.files[i].data || m.files[i].len > API_FILES_BODY_MAX)
			abort();
	api_customer_in c;
	form_errors e4 = { 0 };
	int nc = api_customer_read(a, j, &c, &e4);
	if (nc < 0 || (size_t)nc != e4.len)
		abort();
	/* Accepted: an address the form check takes, a name on one line. */
	if (nc == 0 && (!c.email || !form_email_valid(str_from_cstr(c.email)) || (c.name && strchr(c.name, '\n'))))
		abort();
	json_decref(j);
	arena_free(a);
	return 0;
}
