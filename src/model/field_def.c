/* field_def.c: SQL of custom fields and their visibility rules. */
#include "model/field_def.h"
#include "model/attachment.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const field_type_names[FIELD__MAX] = { "text", "textarea", "date", "dropdown_static",
	"dropdown_dynamic_event", "file", "checkbox" };

static enum field_kind kind_of(const char *name)
{
	for (int i = 0; i < FIELD__MAX; i++)
		if (name && strcmp(name, field_type_names[i]) == 0)
			return (enum field_kind)i;
	return FIELD_TEXT;
}

/* Columns 0-13: the field; 14: its rule count; 15-19: the first rule
 * (types as text[] literal, roles as booleans... see rule_row); 20 the
 * names of the first rule's types. */
#define FIELD_COLS \
	"f.id, f.field_key, f.label, coalesce(f.description, ''), coalesce(f.default_value, ''), " \
	"coalesce(f.placeholder, ''), coalesce(f.validation_rules->>'pattern', ''), f.field_type, f.is_required, " \
	"f.is_active, coalesce(f.validation_rules->>'min_length', ''), coalesce(f.validation_rules->>'max_length', ''), " \
	"f.options::text, " \
	"(select count(*) from field_visibility_rules r where r.field_definition_id = f.id), " \
	"fr.id is not null, coalesce(array_to_string(fr.request_type_ids, ','), ''), " \
	"coalesce(array_to_string(fr.user_roles, ','), ''), coalesce(fr.show_on_frontend, true), " \
	"coalesce(fr.show_on_backend, true), " \
	"coalesce((select string_agg(rt.name, ', ' order by rt.sort_order, rt.name) from request_types rt " \
	"          where rt.id = any (fr.request_type_ids)), '')"
#define FIELD_FROM \
	"from field_definitions f left join lateral (select * from field_visibility_rules r " \
	"where r.field_definition_id = f.id order by r.created_at, r.id limit 1) fr on true "

static const db_stmt q_list = { "field_def_list",
	"select " FIELD_COLS " " FIELD_FROM "where f.organization_id = $1::uuid "
	"and ($2::uuid is null or not exists (select 1 from field_visibility_rules r where r.field_definition_id = f.id) "
	"     or exists (select 1 from field_visibility_rules r where r.field_definition_id = f.id "
	"                and (cardinality(r.request_type_ids) = 0 or $2::uuid = any (r.request_type_ids)))) "
	"order by f.is_active desc, f.sort_order, f.label, f.id limit $3::int" };
static const db_stmt q_get = { "field_def_get",
	"select " FIELD_COLS " " FIELD_FROM "where f.organization_id = $1::uuid and f.id = $2::uuid" };

static long num_or_none(str s)
{
	if (!s.len)
		return -1;
	char num[24];
	snprintf(num, sizeof num, "%.*s", (int)(s.len < 20 ? s.len : 20), s.ptr);
	return strtol(num, NULL, 10);
}

static void split_list(arena *a, str s, const char ***out, size_t *n)
{
	size_t count = s.len ? 1 : 0;
	for (size_t i = 0; i < s.len; i++)
		count += s.ptr[i] == ',';
	const char **list = arena_calloc(a, count + 1, sizeof *list);
	size_t k = 0, start = 0;
	for (size_t i = 0; s.len && i <= s.len; i++)
		if (i == s.len || s.ptr[i] == ',') {
			list[k++] = arena_strndup(a, s.ptr + start, i - start);
			start = i + 1;
		}
	*out = list;
	*n = k;
}

static void field_row(db_tx *tx, db_result *res, int r, field_def *f)
{
	arena *a = tx->a;
	f->id = db_get_dup(a, res, r, 0);
	f->key = db_get_dup(a, res, r, 1);
	f->label = db_get_dup(a, res, r, 2);
	f->description = db_get_dup(a, res, r, 3);
	f->default_value = db_get_dup(a, res, r, 4);
	f->placeholder = db_get_dup(a, res, r, 5);
	f->pattern = db_get_dup(a, res, r, 6);
	f->kind = kind_of(db_get_dup(a, res, r, 7));
	f->required = db_get_bool(res, r, 8);
	f->is_active = db_get_bool(res, r, 9);
	f->min_length = num_or_none(db_get(res, r, 10));
	f->max_length = num_or_none(db_get(res, r, 11));
	str opts = db_get(res, r, 12);
	json_t *root = json_loadb(opts.ptr, opts.len, 0, NULL);
	size_t no = json_is_array(root) ? json_array_size(root) : 0;
	f->options = arena_calloc(a, no + 1, sizeof *f->options);
	for (size_t i = 0; i < no; i++) {
		const json_t *o = json_array_get(root, i);
		const char *v = json_string_value(json_object_get(o, "value"));
		const char *l = json_string_value(json_object_get(o, "label"));
		f->options[f->noptions].value = arena_strdup(a, v ? v : "");
		f->options[f->noptions].label = arena_strdup(a, l ? l : (v ? v : ""));
		f->noptions++;
	}
	json_decref(root);
	f->nrules = (size_t)db_get_int(res, r, 13, 0);
	f->has_rule = db_get_bool(res, r, 14);
	split_list(a, db_get(res, r, 15), &f->rule.type_ids, &f->rule.ntypes);
	const char **roles;
	size_t nroles;
	split_list(a, db_get(res, r, 16), &roles, &nroles);
	for (size_t i = 0; i < nroles; i++)
		for (int k = 0; k < REQUEST_ROLES; k++)
			if (strcmp(roles[i], request_roles[k]) == 0)
				f->rule.roles[k] = true;
	f->rule.frontend = db_get_bool(res, r, 17);
	f->rule.backend = db_get_bool(res, r, 18);
	f->shown_for = db_get_dup(a, res, r, 19);
}

int field_def_list(db_tx *tx, const char *org_id, const char *type_id, int max, field_def **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[3] = { org_id, cstr_is_uuid(type_id) ? type_id : NULL, lim };
	db_result *res = db_tx_exec(tx, &q_list, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	field_def *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++)
		field_row(tx, res, (int)i, &list[i]);
	*out = list;
	*n = rows;
	return 0;
}

int field_def_get(db_tx *tx, const char *org_id, const char *id, field_def *out)
{
	memset(out, 0, sizeof *out);
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	field_row(tx, res, 0, out);
	return 1;
}

static const db_stmt q_regex = { "field_pattern_compiles", "select regex_compiles($1)" };

int field_pattern_compiles(db_tx *tx, const char *pattern)
{
	const char *p[1] = { pattern };
	db_result *res = db_tx_exec(tx, &q_regex, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}

/* $3.. the values; $2 the key (create) or the id (update). Columns: the
 * field exists, written, id. */
static const db_stmt q_create = { "field_def_create",
	"with w as (insert into field_definitions (organization_id, field_key, label, description, field_type, "
	"      is_required, default_value, placeholder, options, validation_rules, sort_order) "
	"      values ($1::uuid, $2, $3, nullif($4, ''), $5, $6::boolean, nullif($7, ''), nullif($8, ''), $9::jsonb, "
	"      $10::jsonb, coalesce((select max(sort_order) from field_definitions where organization_id = $1::uuid), 0) + 10) "
	"      on conflict (field_key) do nothing returning id) "
	"select true, exists (select 1 from w), (select id from w)" };
static const db_stmt q_update = { "field_def_update",
	"with t as (select id from field_definitions where id = $2::uuid and organization_id = $1::uuid), "
	"w as (update field_definitions set (label, description, field_type, is_required, default_value, placeholder, "
	"      options, validation_rules) = ($3, nullif($4, ''), $5, $6::boolean, nullif($7, ''), nullif($8, ''), "
	"      $9::jsonb, (validation_rules - array['min_length', 'max_length', 'pattern']) || $10::jsonb) "
	"      where id = (select id from t) returning id) "
	"select exists (select 1 from t), exists (select 1 from w), (select id from w)" };

int field_def_save(db_tx *tx, const char *org_id, const char *id, const field_def *in, const char **new_id)
{
	if (new_id)
		*new_id = NULL;
	if (id && !cstr_is_uuid(id))
		return 2;
	json_t *opts = json_array();
	for (size_t i = 0; in->kind == FIELD_SELECT && i < in->noptions; i++)
		json_array_append_new(opts, json_pack("{s:s, s:s}", "value", in->options[i].value, "label", in->options[i].label));
	json_t *rules = json_object();
	if (in->min_length >= 0)
		json_object_set_new(rules, "min_length", json_integer(in->min_length));
	if (in->max_length >= 0)
		json_object_set_new(rules, "max_length", json_integer(in->max_length));
	if (in->pattern && *in->pattern)
		json_object_set_new(rules, "pattern", json_string(in->pattern));
	char *opts_s = json_dumps(opts, JSON_COMPACT);
	char *rules_s = json_dumps(rules, JSON_COMPACT);
	json_decref(opts);
	json_decref(rules);
	const char *options = opts_s ? arena_strdup(tx->a, opts_s) : "[]";
	const char *validation = rules_s ? arena_strdup(tx->a, rules_s) : "{}";
	free(opts_s);
	free(rules_s);
	const char *p[10] = { org_id, id ? id : in->key, in->label, in->description, field_type_names[in->kind],
		in->required ? "true" : "false", in->default_value, in->placeholder, options, validation };
	db_result *res = db_tx_exec(tx, id ? &q_update : &q_create, 10, p);
	if (!res || db_rows(res) != 1)
		return -1;
	if (!db_get_bool(res, 0, 0))
		return 2;
	if (!db_get_bool(res, 0, 1))
		return 0;
	if (new_id)
		*new_id = db_get_dup(tx->a, res, 0, 2);
	return 1;
}

static const db_stmt q_rule_clear = { "field_rule_clear",
	"delete from field_visibility_rules where field_definition_id = $1::uuid" };
static const db_stmt q_rule_add = { "field_rule_add",
	"insert into field_visibility_rules (field_definition_id, request_type_ids, user_roles, show_on_frontend, "
	"show_on_backend) values ($1::uuid, $2::uuid[], $3::text[], $4::boolean, $5::boolean)" };

int field_def_set_rule(db_tx *tx, const char *field_id, const field_rule *rule)
{
	const char *p1[1] = { field_id };
	if (!db_tx_exec(tx, &q_rule_clear, 1, p1))
		return -1;
	bool any_role = false;
	for (int i = 0; i < REQUEST_ROLES; i++)
		any_role |= rule->roles[i];
	if (!rule->ntypes && !any_role && rule->frontend && rule->backend)
		return 0; /* no rule: shown everywhere */
	size_t cap = 3 + rule->ntypes * 37;
	char *types = arena_alloc(tx->a, cap);
	size_t o = 0;
	types[o++] = '{';
	for (size_t i = 0; i < rule->ntypes; i++)
		o += (size_t)snprintf(types + o, cap - o, "%s%s", i ? "," : "", rule->type_ids[i]);
	types[o++] = '}';
	types[o] = '\0';
	char roles[64] = "{";
	for (int i = 0; i < REQUEST_ROLES; i++)
		if (rule->roles[i]) {
			if (roles[1])
				strcat(roles, ",");
			strcat(roles, request_roles[i]);
		}
	strcat(roles, "}");
	const char *p[5] = { field_id, types, roles, rule->frontend ? "true" : "false", rule->backend ? "true" : "false" };
	return db_tx_exec(tx, &q_rule_add, 5, p) ? 0 : -1;
}

static const db_stmt q_remove = { "field_def_remove", "select admin_field_remove($1::uuid, $2::uuid)" };

int field_def_remove(db_tx *tx, const char *org_id, const char *id)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_remove, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	str o = db_get(res, 0, 0);
	return str_eq_cstr(o, "deleted") ? 1 : str_eq_cstr(o, "deactivated") ? 2 : 0;
}

static const db_stmt q_activate = { "field_def_activate",
	"update field_definitions set is_active = true where organization_id = $1::uuid and id = $2::uuid returning 1" };

int field_def_activate(db_tx *tx, const char *org_id, const char *id)
{
	if (!cstr_is_uuid(id))
		return 0;
	const char *p[2] = { org_id, id };
	db_result *res = db_tx_exec(tx, &q_activate, 2, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

static const db_stmt q_preview = { "field_form_preview", "select submit_form_document($1)::text" };

form_doc *field_form_preview(db_tx *tx, const char *role)
{
	const char *p[1] = { role };
	db_result *res = db_tx_exec(tx, &q_preview, 1, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	str json = db_get(res, 0, 0);
	return submit_form_parse(tx->a, json.ptr, json.len);
}
