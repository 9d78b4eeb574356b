/* submit_form.c: the public form's configuration, cached per worker, and
 * field validation. */
#include "model/submit_form.h"

#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/tx.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/utf8.h"

/* Configuration changes show up after at most this long (config:
 * SUPPORTDESK_FORM_CACHE_SECONDS), and at once on this server when the
 * generation moved (an organization deactivated); a busy /submit costs no
 * query. */
struct form_cache {
	arena *mem[FORM_ROLE__MAX];
	form_doc *doc[FORM_ROLE__MAX];
	double loaded_at[FORM_ROLE__MAX];
	unsigned long generation[FORM_ROLE__MAX];
};

static const db_stmt q_form_document = { "submit_form_document",
	"select submit_form_document($1)::text" };

static const char *const role_names[FORM_ROLE__MAX] = { "anonymous", "customer" };

static const char *const kind_names[FIELD__MAX] = { "text", "textarea", "date", "dropdown_static",
	"dropdown_dynamic_event", "file", "checkbox" };

static const char *jstr(arena *a, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (json_is_string(v))
		return arena_strndup(a, json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return arena_sprintf(a, "%lld", (long long)json_integer_value(v));
	return NULL;
}

static long jlong(const json_t *obj, const char *key, long fallback)
{
	const json_t *v = json_object_get(obj, key);
	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_string(v))
		return strtol(json_string_value(v), NULL, 10);
	return fallback;
}

static void parse_field(arena *a, const json_t *jf, form_field *f)
{
	memset(f, 0, sizeof *f);
	f->key = jstr(a, jf, "key");
	f->label = jstr(a, jf, "label");
	f->description = jstr(a, jf, "description");
	f->placeholder = jstr(a, jf, "placeholder");
	f->default_value = jstr(a, jf, "default");
	f->required = json_is_true(json_object_get(jf, "required"));
	const char *type = jstr(a, jf, "type");
	f->kind = FIELD_TEXT;
	for (int k = 0; k < FIELD__MAX; k++)
		if (type && strcmp(type, kind_names[k]) == 0)
			f->kind = (enum field_kind)k;
	const json_t *rules = json_object_get(jf, "rules");
	f->min_length = jlong(rules, "min_length", -1);
	f->max_length = jlong(rules, "max_length", -1);
	f->pattern = jstr(a, rules, "pattern");
	f->min_date = jstr(a, rules, "min_date");
	f->max_date = jstr(a, rules, "max_date");
	f->max_files = jlong(rules, "max_files", 1);
	const json_t *opts = json_object_get(jf, "options");
	f->noptions = json_is_array(opts) ? json_array_size(opts) : 0;
	f->options = arena_calloc(a, f->noptions ? f->noptions : 1, sizeof *f->options);
	for (size_t i = 0; i < f->noptions; i++) {
		const json_t *o = json_array_get(opts, i);
		f->options[i].value = jstr(a, o, "value");
		f->options[i].label = jstr(a, o, "label");
		if (!f->options[i].label)
			f->options[i].label = f->options[i].value;
	}
}

form_doc *submit_form_parse(arena *a, const char *text, size_t n)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_array(root)) {
		json_decref(root);
		return NULL;
	}
	form_doc *d = arena_calloc(a, 1, sizeof *d);
	d->ntypes = json_array_size(root);
	d->types = arena_calloc(a, d->ntypes ? d->ntypes : 1, sizeof *d->types);
	for (size_t i = 0; i < d->ntypes; i++) {
		const json_t *jt = json_array_get(root, i);
		form_type *t = &d->types[i];
		t->id = jstr(a, jt, "id");
		t->name = jstr(a, jt, "name");
		t->description = jstr(a, jt, "description");
		t->requires_event = json_is_true(json_object_get(jt, "requires_event"));
		const json_t *fields = json_object_get(jt, "fields");
		t->nfields = json_is_array(fields) ? json_array_size(fields) : 0;
		t->fields = arena_calloc(a, t->nfields ? t->nfields : 1, sizeof *t->fields);
		for (size_t k = 0; k < t->nfields; k++)
			parse_field(a, json_array_get(fields, k), &t->fields[k]);
		const json_t *events = json_object_get(jt, "events");
		t->nevents = json_is_array(events) ? json_array_size(events) : 0;
		t->events = arena_calloc(a, t->nevents ? t->nevents : 1, sizeof *t->events);
		for (size_t k = 0; k < t->nevents; k++) {
			const json_t *je = json_array_get(events, k);
			t->events[k].id = jstr(a, je, "id");
			t->events[k].name = jstr(a, je, "name");
			t->events[k].starts_on = jstr(a, je, "starts_on");
			t->events[k].location = jstr(a, je, "location");
		}
	}
	json_decref(root);
	return d;
}

const form_doc *submit_form_get(db_tx *tx, struct form_cache **cache, int max_age_s, unsigned long generation,
    enum form_role role)
{
	if (!*cache)
		*cache = calloc(1, sizeof **cache);
	struct form_cache *c = *cache;
	double now = clock_seconds();
	if (c && c->doc[role] && now - c->loaded_at[role] < max_age_s && c->generation[role] == generation)
		return c->doc[role];
	const char *params[1] = { role_names[role] };
	db_result *res = db_tx_exec(tx, &q_form_document, 1, params);
	if (!res || db_rows(res) != 1)
		return NULL;
	str json = db_get(res, 0, 0);
	if (!c) /* no memory for a cache: parse into the transaction's arena */
		return submit_form_parse(tx->a, json.ptr, json.len);
	arena *mem = arena_new(16 * 1024);
	form_doc *d = submit_form_parse(mem, json.ptr, json.len);
	if (!d) {
		arena_free(mem);
		log_error("submit form document unreadable", "rid=%s", tx->request_id);
		return NULL;
	}
	arena_free(c->mem[role]);
	c->mem[role] = mem;
	c->doc[role] = d;
	c->loaded_at[role] = now;
	c->generation[role] = generation;
	return d;
}

void submit_form_cache_free(struct form_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < FORM_ROLE__MAX; i++)
		arena_free(c->mem[i]);
	free(c);
}

const form_type *submit_form_type(const form_doc *d, str id)
{
	for (size_t i = 0; d && id.ptr && i < d->ntypes; i++)
		if (d->types[i].id && str_eq_cstr(id, d->types[i].id))
			return &d->types[i];
	return NULL;
}

const form_event *submit_form_event(const form_type *t, str id)
{
	for (size_t i = 0; t && id.ptr && i < t->nevents; i++)
		if (t->events[i].id && str_eq_cstr(id, t->events[i].id))
			return &t->events[i];
	return NULL;
}

/* ---- validation ---- */

void form_errors_add(arena *a, form_errors *e, const char *field, const char *message)
{
	if (form_errors_get(e, field))
		return; /* the first problem of a field is the one to fix first */
	if (e->len == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		e->items = arena_realloc(a, e->items, e->cap * sizeof *e->items, cap * sizeof *e->items);
		e->cap = cap;
	}
	e->items[e->len++] = (form_error){ field, message };
}

const char *form_errors_get(const form_errors *e, const char *field)
{
	for (size_t i = 0; i < e->len; i++)
		if (strcmp(e->items[i].field, field) == 0)
			return e->items[i].message;
	return NULL;
}

str form_trim(str s)
{
	while (s.len && (*s.ptr == ' ' || *s.ptr == '\t' || *s.ptr == '\r' || *s.ptr == '\n')) {
		s.ptr++;
		s.len--;
	}
	while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' || s.ptr[s.len - 1] == '\r' ||
	    s.ptr[s.len - 1] == '\n'))
		s.len--;
	return s;
}

long form_chars(str s)
{
	long n = 0;
	for (size_t i = 0; i < s.len; i++)
		if (((unsigned char)s.ptr[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static bool date_valid(str s)
{
	if (s.len != 10 || s.ptr[4] != '-' || s.ptr[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s.ptr[i] < '0' || s.ptr[i] > '9'))
			return false;
	int y = atoi(s.ptr), m = atoi(s.ptr + 5), d = atoi(s.ptr + 8);
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

bool form_pattern_valid(const char *pattern)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	regfree(&re);
	return true;
}

static bool pattern_matches(arena *a, const char *pattern, str value)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		/* A broken pattern is the administrator's mistake, not the
		 * visitor's: log it and let the value through. */
		log_error("field pattern does not compile", "pattern=\"%s\"", pattern);
		return true;
	}
	int rc = regexec(&re, str_dup(a, value), 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

bool form_field_check(arena *a, const form_field *f, str value, size_t nfiles, form_errors *errors)
{
	const char *name = arena_sprintf(a, "cf_%s", f->key);
	/* Checked as stored: trimmed, so only blanks is nothing at all. */
	value = form_trim(value);
	bool empty = f->kind == FIELD_FILE ? nfiles == 0 : (value.ptr == NULL || value.len == 0);
	if (f->kind == FIELD_CHECKBOX) {
		if (f->required && empty) {
			form_errors_add(a, errors, name, arena_sprintf(a, "Please tick “%s”.", f->label));
			return false;
		}
		if (!empty && !str_eq_cstr(value, "on") && !str_eq_cstr(value, "true")) {
			form_errors_add(a, errors, name, "This box can only be ticked or left empty.");
			return false;
		}
		return true;
	}
	if (empty) {
		if (!f->required)
			return true;
		form_errors_add(a, errors, name, f->kind == FIELD_FILE
		    ? arena_sprintf(a, "Please attach a file for “%s”.", f->label)
		    : f->kind == FIELD_SELECT || f->kind == FIELD_EVENT
		    ? arena_sprintf(a, "Please choose an option for “%s”.", f->label)
		    : arena_sprintf(a, "Please fill in “%s”.", f->label));
		return false;
	}
	switch (f->kind) {
	case FIELD_FILE:
		if (f->max_files > 0 && (long)nfiles > f->max_files) {
			form_errors_add(a, errors, name, arena_sprintf(a, "Attach at most %ld file%s here.",
			    f->max_files, f->max_files == 1 ? "" : "s"));
			return false;
		}
		return true;
	case FIELD_SELECT:
		for (size_t i = 0; i < f->noptions; i++)
			if (f->options[i].value && str_eq_cstr(value, f->options[i].value))
				return true;
		form_errors_add(a, errors, name, "Please choose one of the options offered.");
		return false;
	case FIELD_EVENT:
		return true; /* checked against the type's events by the caller */
	case FIELD_DATE:
		if (!date_valid(value)) {
			form_errors_add(a, errors, name, "Please enter a date as YYYY-MM-DD.");
			return false;
		}
		if ((f->min_date && strncmp(value.ptr, f->min_date, 10) < 0) ||
		    (f->max_date && strncmp(value.ptr, f->max_date, 10) > 0)) {
			form_errors_add(a, errors, name, arena_sprintf(a, "Please enter a date between %s and %s.",
			    f->min_date ? f->min_date : "any", f->max_date ? f->max_date : "any"));
			return false;
		}
		return true;
	case FIELD_TEXT:
	case FIELD_TEXTAREA:
	default: {
		long chars = form_chars(value);
		if (f->min_length > 0 && chars < f->min_length) {
			form_errors_add(a, errors, name, arena_sprintf(a, "Please enter at least %ld characters.",
			    f->min_length));
			return false;
		}
		long max = f->max_length > 0 ? f->max_length : (f->kind == FIELD_TEXT ? 1000 : 20000);
		if (chars > max) {
			form_errors_add(a, errors, name, arena_sprintf(a, "Please keep this under %ld characters (it has %ld).",
			    max + 1, chars));
			return false;
		}
		if (f->kind == FIELD_TEXT && memchr(value.ptr, '\n', value.len)) {
			form_errors_add(a, errors, name, "Please keep this on one line.");
			return false;
		}
		if (f->pattern && !pattern_matches(a, f->pattern, value)) {
			form_errors_add(a, errors, name, f->placeholder
			    ? arena_sprintf(a, "This does not look right: for example “%s”.", f->placeholder)
			    : "This is not in the expected format.");
			return false;
		}
		return true;
	}
	}
}

static bool atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

bool form_email_valid(str e)
{
	if (e.len < 3 || e.len > 254)
		return false;
	const char *at = memchr(e.ptr, '@', e.len);
	if (!at || memchr(at + 1, '@', e.len - (size_t)(at - e.ptr) - 1))
		return false;
	size_t local = (size_t)(at - e.ptr), domain = e.len - local - 1;
	if (local == 0 || local > 64 || domain < 3)
		return false;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)e.ptr[i];
		if (c == '.') {
			if (i == 0 || i == local - 1 || e.ptr[i - 1] == '.')
				return false;
		} else if (!atext(c))
			return false;
	}
	const char *d = at + 1;
	bool dot = false;
	size_t label = 0;
	for (size_t i = 0; i < domain; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return false;
			dot = true;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return dot && label > 0 && d[domain - 1] != '-';
}

char *form_email_bucket(arena *a, str email, bool strip_plus)
{
	char *out = arena_alloc(a, email.len + 1);
	size_t o = 0;
	bool in_local = true, skipping = false;
	for (size_t i = 0; i < email.len; i++) {
		char c = email.ptr[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '@') {
			in_local = false;
			skipping = false;
		} else if (in_local && strip_plus && c == '+')
			skipping = true;
		if (!skipping)
			out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

char *submit_form_data_json(arena *a, const form_type *t, const str_pair *fields, size_t nfields,
    const str_pair *files, size_t nfiles)
{
	json_t *obj = json_object();
	for (size_t i = 0; i < t->nfields; i++) {
		const form_field *f = &t->fields[i];
		char name[80];
		snprintf(name, sizeof name, "cf_%s", f->key);
		str v = str_pairs_get(fields, nfields, name);
		json_t *val = NULL;
		if (f->kind == FIELD_CHECKBOX) {
			val = json_boolean(v.len > 0);
		} else if (f->kind == FIELD_FILE) {
			val = json_array();
			for (size_t k = 0; k < nfiles; k++)
				if (str_eq_cstr(files[k].name, name))
					json_array_append_new(val, json_stringn(files[k].value.ptr, files[k].value.len));
		} else if ((v = form_trim(v)).len) {
			val = json_stringn(v.ptr, v.len);
		}
		if (val)
			json_object_set_new(obj, f->key, val);
	}
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	char *out = arena_strdup(a, text ? text : "{}");
	free(text);
	return out;
}
