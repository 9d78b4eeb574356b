/* automation_form.c: the condition and action rows of the automation admin
 * forms, checked the way the database's CHECKs (0037
 * automation_conditions_valid / automation_actions_valid) will, so that a
 * bad row is a message by its input and never a failed statement. */
#include "model/automation_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/utf8.h"

const af_choice af_fields[] = {
	{ "status", "Status" }, { "priority", "Priority" }, { "request_type", "Request type" },
	{ "category", "Category" }, { "team", "Team" }, { "assignee", "Assignee" }, { "tags", "Tags" },
	{ "source", "Source" }, { "requester_domain", "Requester's email domain" },
	{ "message_from", "Message from" }, { "title", "Title" }, { "description", "Description" },
	{ "message", "Message" }, { "text", "Title, description or message" },
};
const int af_nfields = (int)(sizeof af_fields / sizeof *af_fields);
const af_choice af_ops[] = {
	{ "is", "is" }, { "is_not", "is not" }, { "contains", "contains" }, { "not_contains", "does not contain" },
};
const int af_nops = (int)(sizeof af_ops / sizeof *af_ops);
const af_choice af_types[] = {
	{ "status", "Set status" }, { "priority", "Set priority" }, { "team", "Set team" },
	{ "assignee", "Set assignee" }, { "add_tag", "Add tag" }, { "remove_tag", "Remove tag" },
	{ "field", "Set custom field" }, { "note", "Add internal note" },
	{ "email_requester", "Email the requester" }, { "email_role", "Email a role" }, { "notify", "Notify" },
};
const int af_ntypes = (int)(sizeof af_types / sizeof *af_types);
const af_choice af_roles[] = {
	{ "assignee", "The assignee" }, { "agent", "The organization's agents" }, { "admin", "The organization's admins" },
};
const int af_nroles = (int)(sizeof af_roles / sizeof *af_roles);

static const char *const statuses[] = { "new", "open", "in_progress", "waiting_customer", "waiting_internal",
	"resolved", "closed", "cancelled", NULL };
static const char *const priorities[] = { "low", "normal", "high", "urgent", NULL };
static const char *const sources[] = { "web", "email", "api", "portal", "chat", "phone", "widget", NULL };
static const char *const senders[] = { "customer", "staff", "system", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static const af_choice *choice(const af_choice *c, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcmp(c[i].value, v) == 0)
			return &c[i];
	return NULL;
}

/* A custom field key as the submit form posts it (cf_<key>). */
static bool field_key_valid(const char *k, size_t n)
{
	if (n < 1 || n > 63 || !(k[0] >= 'a' && k[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

static bool condition_field_valid(const char *f)
{
	if (choice(af_fields, af_nfields, f))
		return true;
	return strncmp(f, "cf:", 3) == 0 && field_key_valid(f + 3, strlen(f + 3));
}

/* The posted text trimmed of surrounding blanks; "" when absent. */
static const char *text(arena *a, af_getter get, void *ctx, const char *name)
{
	const char *v = get(ctx, name);
	if (!v)
		return "";
	str s = form_trim(str_from_cstr(v));
	return str_dup(a, s);
}

/* Characters, or -1 when not valid UTF-8 or with a control character
 * (newline and tab allowed when multiline). */
static long checked_chars(const char *s, bool multiline)
{
	size_t n = strlen(s);
	if (!utf8_valid(s, n))
		return -1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r'))) || *p == 0x7f)
			return -1;
	return form_chars(str_from_cstr(s));
}

static int rows_posted(af_getter get, void *ctx, const char *name, bool more)
{
	const char *v = get(ctx, name);
	long n = AF_ROWS_DEFAULT;
	if (v && *v) {
		char *end;
		n = strtol(v, &end, 10);
		if (*end || n < 1)
			n = AF_ROWS_DEFAULT;
	}
	if (n > AF_ROWS_MAX)
		n = AF_ROWS_MAX; /* before adding: a posted count may be LONG_MAX */
	if (more)
		n += 3;
	return (int)(n > AF_ROWS_MAX ? AF_ROWS_MAX : n);
}

static void err(arena *a, form_errors *e, const char *prefix, int i, const char *part, const char *msg)
{
	form_errors_add(a, e, arena_sprintf(a, "%s%d_%s", prefix, i, part), msg);
}

static const char *dump(arena *a, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return "[]";
	const char *out = arena_strdup(a, s);
	free(s);
	return out;
}

void af_parse(arena *a, af_getter get, void *ctx, bool more, af_form *f, form_errors *errors)
{
	memset(f, 0, sizeof *f);
	f->ncond = rows_posted(get, ctx, "crows", more);
	f->nact = rows_posted(get, ctx, "arows", more);
	json_t *conds = json_array(), *acts = json_array();
	for (int i = 0; i < f->ncond; i++) {
		af_condition *c = &f->cond[i];
		c->field = text(a, get, ctx, arena_sprintf(a, "c%d_field", i));
		c->op = text(a, get, ctx, arena_sprintf(a, "c%d_op", i));
		c->value = text(a, get, ctx, arena_sprintf(a, "c%d_value", i));
		if (!*c->field)
			continue; /* an empty row */
		if (!condition_field_valid(c->field)) {
			err(a, errors, "c", i, "field", "Choose one of the fields listed.");
			continue;
		}
		if (!choice(af_ops, af_nops, c->op)) {
			err(a, errors, "c", i, "op", "Choose is, is not, contains or does not contain.");
			continue;
		}
		long n = checked_chars(c->value, false);
		if (n < 0 || n > AF_VALUE_MAX_CHARS) {
			err(a, errors, "c", i, "value",
			    arena_sprintf(a, "The value can be at most %d characters, on one line.", AF_VALUE_MAX_CHARS));
			continue;
		}
		bool exact = strcmp(c->op, "is") == 0 || strcmp(c->op, "is_not") == 0;
		if (exact && ((strcmp(c->field, "status") == 0 && !in_list(c->value, statuses)) ||
		              (strcmp(c->field, "priority") == 0 && !in_list(c->value, priorities)) ||
		              (strcmp(c->field, "source") == 0 && !in_list(c->value, sources)) ||
		              (strcmp(c->field, "message_from") == 0 && !in_list(c->value, senders)))) {
			err(a, errors, "c", i, "value",
			    strcmp(c->field, "status") == 0 ? "A status is one of new, open, in_progress, waiting_customer, "
			                                      "waiting_internal, resolved, closed, cancelled."
			    : strcmp(c->field, "priority") == 0 ? "A priority is low, normal, high or urgent."
			    : strcmp(c->field, "source") == 0 ? "A source is web, email, api, portal, chat, phone or widget."
			                                      : "A message is from the customer, staff or the system.");
			continue;
		}
		if (!*c->value && !exact) {
			err(a, errors, "c", i, "value", "Enter the text to look for.");
			continue;
		}
		json_array_append_new(conds, json_pack("{s:s, s:s, s:s}", "field", c->field, "op", c->op, "value", c->value));
	}
	for (int i = 0; i < f->nact; i++) {
		af_action *x = &f->act[i];
		x->type = text(a, get, ctx, arena_sprintf(a, "a%d_type", i));
		x->value = text(a, get, ctx, arena_sprintf(a, "a%d_value", i));
		x->role = text(a, get, ctx, arena_sprintf(a, "a%d_role", i));
		if (!*x->type)
			continue;
		if (!choice(af_types, af_ntypes, x->type)) {
			err(a, errors, "a", i, "type", "Choose one of the actions listed.");
			continue;
		}
		bool multiline = strcmp(x->type, "note") == 0 || strncmp(x->type, "email_", 6) == 0 ||
		                 strcmp(x->type, "notify") == 0;
		long n = checked_chars(x->value, multiline);
		if (n < 0 || n > (multiline ? AF_TEXT_MAX_CHARS : AF_VALUE_MAX_CHARS)) {
			err(a, errors, "a", i, "value",
			    arena_sprintf(a, "The value can be at most %d characters.", multiline ? AF_TEXT_MAX_CHARS : AF_VALUE_MAX_CHARS));
			continue;
		}
		const char *msg = NULL;
		if (strcmp(x->type, "status") == 0 && !in_list(x->value, statuses))
			msg = "Enter a status: new, open, in_progress, waiting_customer, waiting_internal, resolved, closed or cancelled.";
		else if (strcmp(x->type, "priority") == 0 && !in_list(x->value, priorities))
			msg = "Enter a priority: low, normal, high or urgent.";
		else if (strcmp(x->type, "team") == 0 && !*x->value)
			msg = "Enter a team's name, or “none”.";
		else if (strcmp(x->type, "assignee") == 0 && !*x->value)
			msg = "Enter a member's email address, “auto” or “none”.";
		else if ((strcmp(x->type, "add_tag") == 0 || strcmp(x->type, "remove_tag") == 0) && (n < 1 || n > 50))
			msg = "Enter a tag of at most 50 characters.";
		else if (strcmp(x->type, "field") == 0) {
			const char *eq = strchr(x->value, '=');
			if (!eq || !field_key_valid(x->value, (size_t)(eq - x->value)))
				msg = "Enter the field's key, “=” and the value, like “plan=gold”.";
		} else if (multiline && !*x->value)
			msg = "Enter the text.";
		if (msg) {
			err(a, errors, "a", i, "value", msg);
			continue;
		}
		if (strcmp(x->type, "email_role") == 0 && strcmp(x->role, "agent") != 0 && strcmp(x->role, "admin") != 0) {
			err(a, errors, "a", i, "role", "Choose the agents or the admins.");
			continue;
		}
		if (strcmp(x->type, "notify") == 0 && !choice(af_roles, af_nroles, x->role)) {
			err(a, errors, "a", i, "role", "Choose whom to notify.");
			continue;
		}
		json_t *o = json_pack("{s:s, s:s}", "type", x->type, "value", x->value);
		if (strcmp(x->type, "email_role") == 0 || strcmp(x->type, "notify") == 0)
			json_object_set_new(o, "role", json_string(x->role));
		json_array_append_new(acts, o);
		f->nactions++;
	}
	f->conditions_json = dump(a, conds);
	f->actions_json = dump(a, acts);
}

static const char *jstr(arena *a, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return arena_strdup(a, s ? s : "");
}

void af_from_json(arena *a, const char *conditions_json, const char *actions_json, af_form *f)
{
	memset(f, 0, sizeof *f);
	json_t *c = json_loads(conditions_json ? conditions_json : "[]", 0, NULL);
	json_t *x = json_loads(actions_json ? actions_json : "[]", 0, NULL);
	size_t i;
	json_t *e;
	json_array_foreach(c, i, e) {
		if (f->ncond >= AF_ROWS_MAX)
			break;
		f->cond[f->ncond++] = (af_condition){ jstr(a, e, "field"), jstr(a, e, "op"), jstr(a, e, "value") };
	}
	json_array_foreach(x, i, e) {
		if (f->nact >= AF_ROWS_MAX)
			break;
		f->act[f->nact++] = (af_action){ jstr(a, e, "type"), jstr(a, e, "value"), jstr(a, e, "role") };
		f->nactions++;
	}
	json_decref(c);
	json_decref(x);
	f->conditions_json = arena_strdup(a, conditions_json ? conditions_json : "[]");
	f->actions_json = arena_strdup(a, actions_json ? actions_json : "[]");
	int nc = f->ncond + 2, na = f->nact + 2;
	f->ncond = nc < AF_ROWS_DEFAULT ? AF_ROWS_DEFAULT : nc > AF_ROWS_MAX ? AF_ROWS_MAX : nc;
	f->nact = na < AF_ROWS_DEFAULT ? AF_ROWS_DEFAULT : na > AF_ROWS_MAX ? AF_ROWS_MAX : na;
	for (int k = 0; k < f->ncond; k++)
		if (!f->cond[k].field)
			f->cond[k] = (af_condition){ "", "", "" };
	for (int k = 0; k < f->nact; k++)
		if (!f->act[k].type)
			f->act[k] = (af_action){ "", "", "" };
}

const char *af_describe_condition(arena *a, const af_condition *c)
{
	const af_choice *f = choice(af_fields, af_nfields, c->field);
	const af_choice *o = choice(af_ops, af_nops, c->op);
	const char *fl = f ? f->label : strncmp(c->field, "cf:", 3) == 0 ? arena_sprintf(a, "Field %s", c->field + 3) : c->field;
	return arena_sprintf(a, "%s %s “%s”", fl, o ? o->label : c->op, c->value);
}

const char *af_describe_action(arena *a, const af_action *x)
{
	const af_choice *t = choice(af_types, af_ntypes, x->type);
	const af_choice *r = choice(af_roles, af_nroles, x->role);
	if (r)
		return arena_sprintf(a, "%s (%s): “%s”", t ? t->label : x->type, r->label, x->value);
	return arena_sprintf(a, "%s: %s", t ? t->label : x->type, x->value);
}
