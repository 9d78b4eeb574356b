/* submit_view.c: the view of one request type's fields on the public form
 * (partials/submit_type), shared by /submit, /submit/fields and the admin
 * preview, so the preview shows exactly what the form shows. */
#include "pages/submit_view.h"

static const char *const kind_flags[FIELD__MAX] = { "is_text", "is_textarea", "is_date", "is_select",
	"is_event", "is_file", "is_checkbox" };

void submit_set_error(req *r, tv *obj, const char *id, const char *message)
{
	if (!message)
		return;
	tv_set_str(r->a, obj, "error", message);
	tv_set_str(r->a, obj, "error_id", arena_sprintf(r->a, "%s-error", id));
}

static char *describedby(req *r, const char *desc_id, const char *error_id)
{
	if (desc_id && error_id)
		return arena_sprintf(r->a, "%s %s", desc_id, error_id);
	return (char *)(desc_id ? desc_id : error_id);
}

static tv *field_view(req *r, const form_type *t, const form_field *f, bool posted, const form_errors *errors)
{
	arena *a = r->a;
	tv *v = tv_object(a);
	/* Mustache looks a missing name up the context stack, and the type and
	 * the page both have a "description": a field without one must not show
	 * theirs. (No other key of the field template exists further up.) */
	tv_set(a, v, "description", tv_null());
	const char *name = arena_sprintf(a, "cf_%s", f->key);
	const char *id = arena_sprintf(a, "cf-%s", f->key);
	tv_set_str(a, v, "name", name);
	tv_set_str(a, v, "id", id);
	tv_set_str(a, v, "label", f->label);
	tv_set_bool(a, v, "required", f->required);
	tv_set_bool(a, v, kind_flags[f->kind], true);
	if (f->placeholder)
		tv_set_str(a, v, "placeholder", f->placeholder);
	const char *desc_id = NULL;
	if (f->description) {
		desc_id = arena_sprintf(a, "%s-desc", id);
		tv_set_str(a, v, "description", f->description);
		tv_set_str(a, v, "desc_id", desc_id);
	}
	const char *err = posted ? form_errors_get(errors, name) : NULL;
	submit_set_error(r, v, id, err);
	const char *dby = describedby(r, desc_id, err ? arena_sprintf(a, "%s-error", id) : NULL);
	if (dby)
		tv_set_str(a, v, "describedby", dby);
	if (f->max_length > 0)
		tv_set_int(a, v, "maxlength", f->max_length);
	if (f->min_length > 0)
		tv_set_int(a, v, "minlength", f->min_length);
	if (f->pattern)
		tv_set_str(a, v, "pattern", f->pattern);
	if (f->min_date)
		tv_set_str(a, v, "min", f->min_date);
	if (f->max_date)
		tv_set_str(a, v, "max", f->max_date);
	if (f->kind == FIELD_FILE && f->max_files != 1)
		tv_set_bool(a, v, "multiple", true);

	str value = posted ? req_form_get(r, name) : str_from_cstr(f->default_value);
	if (f->kind == FIELD_CHECKBOX) {
		bool on = posted ? value.len > 0 : (value.ptr && (str_eq_cstr(value, "true") || str_eq_cstr(value, "on")));
		tv_set_bool(a, v, "checked", on);
	} else if (value.ptr) {
		tv_set_strn(a, v, "value", value.ptr, value.len);
	}
	if (f->kind == FIELD_SELECT) {
		tv *opts = tv_list(a);
		for (size_t i = 0; i < f->noptions; i++) {
			tv *o = tv_object(a);
			tv_set_str(a, o, "value", f->options[i].value);
			tv_set_str(a, o, "label", f->options[i].label);
			tv_set_bool(a, o, "selected", value.ptr && f->options[i].value &&
			    str_eq_cstr(value, f->options[i].value));
			tv_push(a, opts, o);
		}
		tv_set(a, v, "options", opts);
	}
	if (f->kind == FIELD_EVENT) {
		tv *opts = tv_list(a);
		for (size_t i = 0; i < t->nevents; i++) {
			const form_event *e = &t->events[i];
			tv *o = tv_object(a);
			tv_set_str(a, o, "value", e->id);
			tv_set_str(a, o, "label", e->location
			    ? arena_sprintf(a, "%s — %s, %s", e->name, e->starts_on, e->location)
			    : arena_sprintf(a, "%s — %s", e->name, e->starts_on));
			tv_set_bool(a, o, "selected", value.ptr && str_eq_cstr(value, e->id));
			tv_push(a, opts, o);
		}
		tv_set(a, v, "options", opts);
		tv_set_bool(a, v, "no_events", t->nevents == 0);
	}
	return v;
}

/* One request type: its heading and its custom fields. */
tv *submit_type_view(req *r, const form_type *t, bool posted, const form_errors *errors)
{
	arena *a = r->a;
	tv *tt = tv_object(a);
	tv_set_str(a, tt, "id", t->id);
	tv_set_str(a, tt, "name", t->name);
	tv_set_str(a, tt, "description", t->description);
	tv *fields = tv_list(a);
	for (size_t k = 0; k < t->nfields; k++)
		tv_push(a, fields, field_view(r, t, &t->fields[k], posted, errors));
	tv_set(a, tt, "fields", fields);
	tv_set_bool(a, tt, "has_fields", t->nfields > 0);
	return tt;
}

