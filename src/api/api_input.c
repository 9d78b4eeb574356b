/* api_input.c: the API's request bodies, checked. */
#include "api/api_input.h"

#include <string.h>

#include "auth/crypto.h"
#include "core/str.h"
#include "core/utf8.h"

#define TITLE_MIN 3
#define TITLE_MAX 200
#define DESCRIPTION_MIN 10
#define DESCRIPTION_MAX 20000
#define NAME_MAX 100
#define BODY_MAX 50000
#define TAGS_MAX 20
#define TAG_MAX 50
#define CF_MAX 100

static const char *const statuses[] = { "new", "open", "in_progress", "waiting_customer", "waiting_internal",
	"resolved", "closed", "cancelled" };
static const char *const priorities[] = { "low", "normal", "high", "urgent" };

static bool one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

bool api_status_valid(const char *s)
{
	return one_of(s, statuses, sizeof statuses / sizeof *statuses);
}

bool api_priority_valid(const char *s)
{
	return one_of(s, priorities, sizeof priorities / sizeof *priorities);
}

/* A string member as UTF-8 text without NUL (jansson guarantees UTF-8);
 * *present says whether the member is there at all. */
static const char *member_str(arena *a, json_t *in, const char *name, bool *present, form_errors *errors)
{
	json_t *v = json_object_get(in, name);
	*present = v != NULL;
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		form_errors_add(a, errors, name, "Must be a string.");
		return NULL;
	}
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (memchr(s, '\0', n)) {
		form_errors_add(a, errors, name, "Must not hold NUL characters.");
		return NULL;
	}
	return arena_strdup(a, s); /* outlives the parsed body */
}

static void check_text(arena *a, form_errors *errors, const char *field, const char *s, long min, long max,
    bool one_line)
{
	str t = form_trim(str_from_cstr(s ? s : ""));
	long n = form_chars(t);
	if (n < min)
		form_errors_add(a, errors, field, min <= 1 ? "Required." : arena_sprintf(a, "At least %ld characters.", min));
	else if (n > max)
		form_errors_add(a, errors, field, arena_sprintf(a, "At most %ld characters.", max));
	else if (one_line && memchr(t.ptr, '\n', t.len))
		form_errors_add(a, errors, field, "Must be on one line.");
}

int api_ticket_create_read(arena *a, json_t *in, const form_doc *doc, api_ticket_input *out, form_errors *errors)
{
	memset(out, 0, sizeof *out);
	size_t before = errors->len;
	bool present;
	const char *rt = member_str(a, in, "request_type", &present, errors);
	const form_type *t = NULL;
	if (!rt || !cstr_is_uuid(rt) || !(t = doc ? submit_form_type(doc, str_from_cstr(rt)) : NULL))
		form_errors_add(a, errors, "request_type", "Must be the id of a request type (GET /api/v1/config).");
	out->request_type = rt;
	out->title = member_str(a, in, "title", &present, errors);
	check_text(a, errors, "title", out->title, TITLE_MIN, TITLE_MAX, true);
	out->description = member_str(a, in, "description", &present, errors);
	check_text(a, errors, "description", out->description, DESCRIPTION_MIN, DESCRIPTION_MAX, false);
	json_t *who = json_object_get(in, "requester");
	if (!json_is_object(who)) {
		form_errors_add(a, errors, "requester", "Must be an object with the requester's email (and name).");
	} else {
		out->email = member_str(a, who, "email", &present, errors);
		if (!out->email || !form_email_valid(form_trim(str_from_cstr(out->email))))
			form_errors_add(a, errors, "requester.email", "Must be an address like name@example.com.");
		else
			out->email = str_dup(a, form_trim(str_from_cstr(out->email)));
		out->name = member_str(a, who, "name", &present, errors);
		if (out->name && (form_chars(form_trim(str_from_cstr(out->name))) > NAME_MAX || strchr(out->name, '\n')))
			form_errors_add(a, errors, "requester.name", "At most 100 characters, on one line.");
	}
	json_t *cf = json_object_get(in, "custom_fields");
	if (cf && !json_is_object(cf)) {
		form_errors_add(a, errors, "custom_fields", "Must be an object.");
		cf = NULL;
	}
	out->custom_json = "{}";
	if (t) {
		/* As the form posts them: cf_<key> = text. */
		str_pair *pairs = arena_calloc(a, t->nfields + 1, sizeof *pairs);
		size_t np = 0;
		for (size_t i = 0; i < t->nfields; i++) {
			const form_field *f = &t->fields[i];
			json_t *v = cf ? json_object_get(cf, f->key) : NULL;
			const char *field = arena_sprintf(a, "custom_fields.%s", f->key);
			str value = STR_NULL;
			if (f->kind == FIELD_FILE) {
				if (v)
					form_errors_add(a, errors, field, "Files are not taken by the API yet.");
				continue;
			}
			if (json_is_string(v) && !memchr(json_string_value(v), '\0', json_string_length(v)))
				value = (str){ json_string_value(v), json_string_length(v) };
			else if (json_is_true(v))
				value = STR_LIT("on");
			else if (v && !json_is_false(v) && !json_is_null(v)) {
				form_errors_add(a, errors, field, "Must be a string (or a boolean for a checkbox).");
				continue;
			}
			form_errors fe = { 0 };
			if (!form_field_check(a, f, value, 0, &fe)) {
				form_errors_add(a, errors, field, fe.len ? fe.items[0].message : "Not acceptable.");
				continue;
			}
			if (f->kind == FIELD_EVENT && value.len) {
				const form_event *e = submit_form_event(t, value);
				if (!e)
					form_errors_add(a, errors, field, "Must be one of the events offered.");
				else
					out->event = e->id;
			}
			if (value.ptr)
				pairs[np++] = (str_pair){ str_from_cstr(arena_sprintf(a, "cf_%s", f->key)), value };
		}
		/* A key that is no field of the type is a mistake worth naming. */
		const char *k;
		json_t *v;
		if (cf)
			json_object_foreach(cf, k, v) {
				bool known = false;
				for (size_t i = 0; i < t->nfields && !known; i++)
					known = strcmp(t->fields[i].key, k) == 0;
				if (!known)
					form_errors_add(a, errors, arena_sprintf(a, "custom_fields.%s", k),
					    "Not a field of this request type.");
			}
		if (t->requires_event && !out->event)
			form_errors_add(a, errors, "event", "This request type needs an event field.");
		out->custom_json = submit_form_data_json(a, t, pairs, np, NULL, 0);
	}
	return (int)(errors->len - before);
}

static const char *tags_read(arena *a, json_t *v, form_errors *errors)
{
	if (!json_is_array(v) || json_array_size(v) > TAGS_MAX) {
		form_errors_add(a, errors, "tags", "Must be an array of at most 20 tags.");
		return NULL;
	}
	buf b;
	buf_init(&b, a, 64);
	buf_puts(&b, "");
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x) {
		str tag = json_is_string(x) ? form_trim((str){ json_string_value(x), json_string_length(x) }) : STR_NULL;
		if (!tag.len || tag.len > TAG_MAX) {
			form_errors_add(a, errors, "tags", "Each tag has 1 to 50 characters.");
			return NULL;
		}
		if (b.len)
			buf_putc(&b, ',');
		for (size_t k = 0; k < tag.len; k++) {
			char c = tag.ptr[k];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '_' || c == '.')) {
				form_errors_add(a, errors, "tags", "Tags hold letters, digits, spaces, '-', '_' and '.'.");
				return NULL;
			}
			buf_putc(&b, c);
		}
	}
	return b.data;
}

static void uuid_or_null(arena *a, json_t *in, const char *name, bool *set, const char **out, form_errors *errors)
{
	json_t *v = json_object_get(in, name);
	*set = v != NULL;
	*out = NULL;
	if (!v || json_is_null(v))
		return;
	if (!json_is_string(v) || !cstr_is_uuid(json_string_value(v))) {
		form_errors_add(a, errors, name, "Must be an id (uuid) or null.");
		return;
	}
	*out = arena_strdup(a, json_string_value(v));
}

int api_ticket_patch_read(arena *a, json_t *in, api_ticket_patch *out, form_errors *errors)
{
	memset(out, 0, sizeof *out);
	size_t before = errors->len;
	static const char *const known[] = { "status", "priority", "assignee", "team", "tags", "custom_fields" };
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v) {
		bool ok = false;
		for (size_t i = 0; i < sizeof known / sizeof *known && !ok; i++)
			ok = strcmp(k, known[i]) == 0;
		if (!ok)
			form_errors_add(a, errors, arena_strdup(a, k), "Not a member this update takes.");
	}
	bool present;
	out->status = member_str(a, in, "status", &present, errors);
	if (present && !api_status_valid(out->status))
		form_errors_add(a, errors, "status", "Must be one of new, open, in_progress, waiting_customer, "
		    "waiting_internal, resolved, closed, cancelled.");
	out->priority = member_str(a, in, "priority", &present, errors);
	if (present && !api_priority_valid(out->priority))
		form_errors_add(a, errors, "priority", "Must be one of low, normal, high, urgent.");
	uuid_or_null(a, in, "assignee", &out->set_assignee, &out->assignee_id, errors);
	uuid_or_null(a, in, "team", &out->set_team, &out->team_id, errors);
	json_t *tags = json_object_get(in, "tags");
	if (tags)
		out->tags_csv = tags_read(a, tags, errors);
	json_t *cf = json_object_get(in, "custom_fields");
	if (cf && !json_is_object(cf)) {
		form_errors_add(a, errors, "custom_fields", "Must be an object.");
	} else if (cf) {
		size_t n = json_object_size(cf);
		out->cf_keys = arena_calloc(a, n + 1, sizeof *out->cf_keys);
		out->cf_values = arena_calloc(a, n + 1, sizeof *out->cf_values);
		json_object_foreach(cf, k, v) {
			const char *s = json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "true"
			              : json_is_false(v) || json_is_null(v) ? "" : NULL;
			if (!s || (json_is_string(v) && memchr(s, '\0', json_string_length(v)))) {
				form_errors_add(a, errors, arena_sprintf(a, "custom_fields.%s", k), "Must be a string or a boolean.");
				continue;
			}
			out->cf_keys[out->ncf] = arena_strdup(a, k);
			out->cf_values[out->ncf++] = arena_strdup(a, s);
		}
	}
	return (int)(errors->len - before);
}

static void read_files(arena *a, json_t *att, api_message_in *out, form_errors *errors)
{
	if (!att || json_is_null(att))
		return;
	if (!json_is_array(att)) {
		form_errors_add(a, errors, "attachments", "Must be an array of {\"filename\", \"data\"} (the bytes in base64).");
		return;
	}
	size_t n = json_array_size(att);
	if (n > API_FILES_MAX) {
		form_errors_add(a, errors, "attachments", arena_sprintf(a, "At most %d files.", API_FILES_MAX));
		return;
	}
	out->files = arena_calloc(a, n + 1, sizeof *out->files);
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_array_get(att, i);
		const char *field = arena_sprintf(a, "attachments[%zu]", i);
		json_t *name = json_is_object(f) ? json_object_get(f, "filename") : NULL;
		json_t *data = json_is_object(f) ? json_object_get(f, "data") : NULL;
		if (!json_is_string(name) || json_string_length(name) == 0 || json_string_length(name) > 255 ||
		    memchr(json_string_value(name), '\0', json_string_length(name))) {
			form_errors_add(a, errors, field, "Must have a \"filename\" of 1 to 255 bytes.");
			continue;
		}
		if (!json_is_string(data)) {
			form_errors_add(a, errors, field, "Must have the file's bytes in base64 as \"data\".");
			continue;
		}
		size_t dn = json_string_length(data);
		size_t cap = dn / 4 * 3 + 3;
		unsigned char *bytes = arena_alloc(a, cap + 1);
		long got = crypto_b64_decode(json_string_value(data), dn, bytes, cap);
		if (got < 0) {
			form_errors_add(a, errors, field, "Its \"data\" is not base64 (RFC 4648, with padding).");
			continue;
		}
		out->files[out->nfiles++] = (api_file){ arena_strdup(a, json_string_value(name)), bytes, (size_t)got };
	}
}

int api_message_read(arena *a, json_t *in, api_message_in *out, form_errors *errors)
{
	memset(out, 0, sizeof *out);
	size_t before = errors->len;
	bool present;
	out->body = member_str(a, in, "body", &present, errors);
	check_text(a, errors, "body", out->body, 1, BODY_MAX, false);
	json_t *internal = json_object_get(in, "internal");
	if (internal && !json_is_boolean(internal))
		form_errors_add(a, errors, "internal", "Must be true or false.");
	out->internal = json_is_true(internal);
	out->status = member_str(a, in, "status", &present, errors);
	if (present && out->status && !api_status_valid(out->status))
		form_errors_add(a, errors, "status", "Must be a ticket status.");
	if (out->status && out->internal)
		form_errors_add(a, errors, "status", "A note changes no status; send it with a reply or a PATCH.");
	read_files(a, json_object_get(in, "attachments"), out, errors);
	return (int)(errors->len - before);
}

int api_customer_read(arena *a, json_t *in, api_customer_in *out, form_errors *errors)
{
	memset(out, 0, sizeof *out);
	size_t before = errors->len;
	bool present;
	out->email = member_str(a, in, "email", &present, errors);
	/* The address as every form of the app takes one (and the requester
	 * of POST /api/v1/tickets). */
	if (!out->email || !form_email_valid(form_trim(str_from_cstr(out->email))))
		form_errors_add(a, errors, "email", "Must be an address like name@example.com.");
	else
		out->email = str_dup(a, form_trim(str_from_cstr(out->email)));
	out->name = member_str(a, in, "name", &present, errors);
	if (out->name) {
		check_text(a, errors, "name", out->name, 0, NAME_MAX, true);
		out->name = str_dup(a, form_trim(str_from_cstr(out->name)));
	}
	return (int)(errors->len - before);
}
