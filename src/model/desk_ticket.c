/* desk_ticket.c: SQL of the ticket workspace: the ticket as staff see it,
 * its conversation, requester, fields, logs, and the staff's actions. */
#include "model/desk_ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The acting user works the ticket: platform staff, or staff of its routing
 * organization (the requester alone does not open the workspace). */
#define WORKS_IT \
	"((select app_is_platform_staff()) or (t.routing_type <> 'internal' " \
	"and t.assigned_org_id = any ((select app_staff_org_ids())::uuid[])))"

#define EPOCH(col) "coalesce(extract(epoch from " col ")::bigint, 0)"

static const db_stmt q_find = { "desk_ticket_find",
	"select t.id, t.number, t.title, t.description, t.status, t.priority, t.routing_type, t.source, "
	"case when t.routing_type = 'internal' then p.id else t.assigned_org_id end, "
	"case when t.routing_type = 'internal' then p.name else o.name end, "
	"t.assignee_id, au.name, t.team_id, tm.name, t.category_id, c.name, t.request_type_id, rt.name, "
	"array_to_string(t.tags, ', '), t.metadata->>'merged_into', t.version, "
	EPOCH("t.created_at") ", " EPOCH("t.last_activity_at") ", "
	EPOCH("t.sla_first_response_due") ", " EPOCH("t.sla_resolution_due") ", "
	EPOCH("t.first_response_at") ", " EPOCH("t.resolved_at") ", " EPOCH("t.sla_paused_at") ", "
	"coalesce(sp.warning_threshold_percent, 75), coalesce(sp.first_response_minutes, 0), "
	"coalesce(sp.resolution_minutes, 0), "
	"t.requester_id, ru.name, ru.email, ru.preferred_language, array_to_string(ru.communication_channels, ', ') "
	"from tickets t left join organizations o on o.id = t.assigned_org_id "
	"left join organizations p on p.is_platform "
	"left join users au on au.id = t.assignee_id left join teams tm on tm.id = t.team_id "
	"left join categories c on c.id = t.category_id left join request_types rt on rt.id = t.request_type_id "
	"left join sla_policies sp on sp.id = t.sla_policy_id left join users ru on ru.id = t.requester_id "
	"where t.number = $1 and " WORKS_IT };

int desk_ticket_find(db_tx *tx, const char *number, desk_ticket *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { number };
	db_result *res = db_tx_exec(tx, &q_find, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	arena *a = tx->a;
	int c = 0;
	const char **s[] = { &out->id, &out->number, &out->title, &out->description, &out->status, &out->priority,
		&out->routing_type, &out->source, &out->org_id, &out->org_name, &out->assignee_id, &out->assignee_name,
		&out->team_id, &out->team_name, &out->category_id, &out->category_name, &out->request_type_id,
		&out->request_type_name, &out->tags, &out->merged_into };
	for (size_t i = 0; i < sizeof s / sizeof *s; i++, c++)
		*s[i] = db_get_dup(a, res, 0, c);
	out->version = (int)db_get_int(res, 0, c++, 1);
	out->created = db_get_int(res, 0, c++, 0);
	out->last_activity = db_get_int(res, 0, c++, 0);
	out->first_response_due = db_get_int(res, 0, c++, 0);
	out->resolution_due = db_get_int(res, 0, c++, 0);
	out->first_response_at = db_get_int(res, 0, c++, 0);
	out->resolved_at = db_get_int(res, 0, c++, 0);
	out->paused_at = db_get_int(res, 0, c++, 0);
	out->warning_percent = (int)db_get_int(res, 0, c++, 75);
	out->first_response_minutes = (int)db_get_int(res, 0, c++, 0);
	out->resolution_minutes = (int)db_get_int(res, 0, c++, 0);
	out->requester_id = db_get_dup(a, res, 0, c++);
	out->requester_name = db_get_dup(a, res, 0, c++);
	out->requester_email = db_get_dup(a, res, 0, c++);
	out->requester_language = db_get_dup(a, res, 0, c++);
	out->requester_channels = db_get_dup(a, res, 0, c++);
	return 1;
}

/* ---------------------------------------------------------------------------
 * Conversation
 * ------------------------------------------------------------------------- */

static const db_stmt q_messages = { "desk_ticket_messages",
	"select m.id, m.message_type, m.body, extract(epoch from m.created_at)::bigint, m.is_internal, "
	"m.author_id is not null and m.author_id = t.requester_id, m.author_id is null, u.name "
	"from ticket_messages m join tickets t on t.id = m.ticket_id left join users u on u.id = m.author_id "
	"where m.ticket_id = $1::uuid order by m.created_at, m.id limit 1000" };

static const db_stmt q_message_attachments = { "desk_ticket_message_attachments",
	"select a.id, a.file_name, a.content_type, a.size_bytes, a.message_id from attachments a "
	"where a.ticket_id = $1::uuid and a.message_id is not null order by a.created_at, a.file_name" };

static void messages_from(arena *a, db_result *res, db_result *att, desk_message **out, size_t *n)
{
	size_t rows = (size_t)db_rows(res), natt = (size_t)db_rows(att);
	desk_message *m = arena_calloc(a, rows + 1, sizeof *m);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		m[i].id = db_get_dup(a, res, r, 0);
		m[i].type = db_get_dup(a, res, r, 1);
		m[i].body = db_get_dup(a, res, r, 2);
		m[i].created = db_get_int(res, r, 3, 0);
		m[i].internal = db_get_bool(res, r, 4);
		m[i].by_requester = db_get_bool(res, r, 5);
		m[i].by_system = db_get_bool(res, r, 6);
		m[i].author_name = db_get_dup(a, res, r, 7);
		size_t k = 0;
		for (size_t j = 0; j < natt; j++)
			k += str_eq_cstr(db_get(att, (int)j, 4), m[i].id);
		m[i].attachments = arena_calloc(a, k + 1, sizeof *m[i].attachments);
		for (size_t j = 0; j < natt; j++)
			if (str_eq_cstr(db_get(att, (int)j, 4), m[i].id))
				ticket_attachment_from(a, att, (int)j, &m[i].attachments[m[i].nattachments++]);
	}
	*out = m;
	*n = rows;
}

/* ---------------------------------------------------------------------------
 * Requester panel
 * ------------------------------------------------------------------------- */

static const db_stmt q_others = { "desk_requester_others",
	"select t.number, t.title, t.status, coalesce(t.satisfaction_rating, 0), t.satisfaction_comment, "
	"extract(epoch from t.last_activity_at)::bigint from tickets t "
	"where t.requester_id = $1::uuid and t.id <> $2::uuid and " WORKS_IT " "
	"order by t.last_activity_at desc, t.id desc limit 10" };

static const db_stmt q_rated = { "desk_requester_rated",
	"select t.number, t.title, t.status, t.satisfaction_rating, t.satisfaction_comment, "
	"extract(epoch from t.satisfaction_submitted_at)::bigint from tickets t "
	"where t.requester_id = $1::uuid and t.satisfaction_rating is not null and " WORKS_IT " "
	"order by t.satisfaction_submitted_at desc, t.id desc limit 10" };

static void others_from(arena *a, db_result *res, desk_other_ticket **out, size_t *n)
{
	size_t rows = (size_t)db_rows(res);
	desk_other_ticket *o = arena_calloc(a, rows + 1, sizeof *o);
	for (size_t i = 0; i < rows; i++) {
		o[i].number = db_get_dup(a, res, (int)i, 0);
		o[i].title = db_get_dup(a, res, (int)i, 1);
		o[i].status = db_get_dup(a, res, (int)i, 2);
		o[i].rating = (int)db_get_int(res, (int)i, 3, 0);
		o[i].comment = db_get_dup(a, res, (int)i, 4);
		o[i].when = db_get_int(res, (int)i, 5, 0);
	}
	*out = o;
	*n = rows;
}

/* ---------------------------------------------------------------------------
 * Custom fields (backend visibility, submit_form_fields of 0006)
 * ------------------------------------------------------------------------- */

static const db_stmt q_fields = { "desk_ticket_fields",
	"select f.field_key, f.label, f.field_type, t.custom_fields ->> f.field_key, "
	"case f.field_type "
	"  when 'dropdown_static' then coalesce((select o->>'label' from jsonb_array_elements(f.options) o "
	"    where o->>'value' = t.custom_fields ->> f.field_key limit 1), t.custom_fields ->> f.field_key) "
	"  when 'dropdown_dynamic_event' then coalesce((select e.name from events e "
	"    where e.id::text = t.custom_fields ->> f.field_key), t.custom_fields ->> f.field_key) "
	"  when 'checkbox' then case when t.custom_fields ->> f.field_key in ('true', 'on') then 'Yes' else 'No' end "
	"  when 'file' then (select string_agg(x, ', ') from jsonb_array_elements_text(case jsonb_typeof("
	"    t.custom_fields -> f.field_key) when 'array' then t.custom_fields -> f.field_key "
	"    when 'string' then jsonb_build_array(t.custom_fields -> f.field_key) else '[]'::jsonb end) x) "
	"  else t.custom_fields ->> f.field_key end, "
	"(select json_agg(json_build_object('value', o->>'value', 'label', coalesce(o->>'label', o->>'value'), "
	"'selected', o->>'value' = t.custom_fields ->> f.field_key)) from jsonb_array_elements(f.options) o)::text, "
	"coalesce((f.validation_rules->>'max_length')::bigint, 0), "
	"(select string_agg(o->>'value', E'\\n') from jsonb_array_elements(f.options) o) "
	"from tickets t cross join lateral submit_form_fields(t.request_type_id, $2, true) f "
	"where t.id = $1::uuid and t.request_type_id is not null" };

static void fields_from(arena *a, db_result *res, desk_field **out, size_t *n)
{
	size_t rows = (size_t)db_rows(res);
	desk_field *f = arena_calloc(a, rows + 1, sizeof *f);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		f[i].key = db_get_dup(a, res, r, 0);
		f[i].label = db_get_dup(a, res, r, 1);
		f[i].type = db_get_dup(a, res, r, 2);
		f[i].value = db_get_dup(a, res, r, 3);
		f[i].shown = db_get_dup(a, res, r, 4);
		f[i].options_json = db_get_dup(a, res, r, 5);
		f[i].max_length = (long)db_get_int(res, r, 6, 0);
		f[i].option_values = db_get_dup(a, res, r, 7);
	}
	*out = f;
	*n = rows;
}

/* desk_ticket_fields' select on a values object instead of a ticket. */
static const db_stmt q_type_fields = { "desk_type_fields",
	"with t as (select $3::jsonb custom_fields, $1::uuid request_type_id) "
	"select f.field_key, f.label, f.field_type, t.custom_fields ->> f.field_key, "
	"case f.field_type "
	"  when 'dropdown_static' then coalesce((select o->>'label' from jsonb_array_elements(f.options) o "
	"    where o->>'value' = t.custom_fields ->> f.field_key limit 1), t.custom_fields ->> f.field_key) "
	"  when 'checkbox' then case when t.custom_fields ->> f.field_key in ('true', 'on') then 'Yes' else 'No' end "
	"  else t.custom_fields ->> f.field_key end, "
	"(select json_agg(json_build_object('value', o->>'value', 'label', coalesce(o->>'label', o->>'value'), "
	"'selected', o->>'value' = t.custom_fields ->> f.field_key)) from jsonb_array_elements(f.options) o)::text, "
	"coalesce((f.validation_rules->>'max_length')::bigint, 0), "
	"(select string_agg(o->>'value', E'\\n') from jsonb_array_elements(f.options) o) "
	"from t cross join lateral submit_form_fields(t.request_type_id, $2, true) f" };

int desk_type_fields(db_tx *tx, const char *request_type_id, const char *role, const char *values_json,
    desk_field **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!request_type_id || !*request_type_id)
		return 0;
	const char *p[3] = { request_type_id, role, values_json && *values_json ? values_json : "{}" };
	db_result *res = db_tx_exec(tx, &q_type_fields, 3, p);
	if (!res)
		return -1;
	fields_from(tx->a, res, out, n);
	return 0;
}

int desk_ticket_fields(db_tx *tx, const char *ticket_id, const char *role, desk_field **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p[2] = { ticket_id, role };
	db_result *res = db_tx_exec(tx, &q_fields, 2, p);
	if (!res)
		return -1;
	fields_from(tx->a, res, out, n);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Logs
 * ------------------------------------------------------------------------- */

static const db_stmt q_activity = { "desk_ticket_activity",
	"select a.activity_type, a.description, a.field_changed, a.old_value, a.new_value, u.name, "
	"extract(epoch from a.created_at)::bigint from ticket_activity a left join users u on u.id = a.actor_id "
	"where a.ticket_id = $1::uuid and ($2::bigint <= 0 "
	"or a.created_at > timestamptz 'epoch' + $2::bigint * interval '1 microsecond') "
	"order by a.created_at desc, a.id desc limit $3" };

static void activity_from(arena *a, db_result *res, desk_activity **out, size_t *n)
{
	size_t rows = (size_t)db_rows(res);
	desk_activity *x = arena_calloc(a, rows + 1, sizeof *x);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		x[i].type = db_get_dup(a, res, r, 0);
		x[i].description = db_get_dup(a, res, r, 1);
		x[i].field = db_get_dup(a, res, r, 2);
		x[i].old_value = db_get_dup(a, res, r, 3);
		x[i].new_value = db_get_dup(a, res, r, 4);
		x[i].actor = db_get_dup(a, res, r, 5);
		x[i].when = db_get_int(res, r, 6, 0);
	}
	*out = x;
	*n = rows;
}

static const db_stmt q_assignments = { "desk_ticket_assignments",
	"select fu.name, tu.name, tm.name, bu.name, a.assignment_reason, extract(epoch from a.assigned_at)::bigint "
	"from ticket_assignments a left join users fu on fu.id = a.assigned_from_user_id "
	"left join users tu on tu.id = a.assigned_to_user_id left join teams tm on tm.id = a.assigned_to_team_id "
	"left join users bu on bu.id = a.assigned_by where a.ticket_id = $1::uuid "
	"order by a.assigned_at desc, a.id desc limit 50" };

static void assignments_from(arena *a, db_result *res, desk_assignment **out, size_t *n)
{
	size_t rows = (size_t)db_rows(res);
	desk_assignment *x = arena_calloc(a, rows + 1, sizeof *x);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		x[i].from_name = db_get_dup(a, res, r, 0);
		x[i].to_name = db_get_dup(a, res, r, 1);
		x[i].team_name = db_get_dup(a, res, r, 2);
		x[i].by_name = db_get_dup(a, res, r, 3);
		x[i].reason = db_get_dup(a, res, r, 4);
		x[i].when = db_get_int(res, r, 5, 0);
	}
	*out = x;
	*n = rows;
}

/* ---------------------------------------------------------------------------
 * The update form's choices
 * ------------------------------------------------------------------------- */

/* $1 the ticket's working organization, $2 its routing type. */
/* Driven from the few memberships of the organization (and the few
 * platform staff), never from users: the users policies cost a subquery
 * per row, which a scan of every customer would pay a hundred thousand
 * times. */
static const db_stmt q_staff = { "desk_choices_staff",
	"select u.id, coalesce(nullif(btrim(u.name), ''), u.email::text) from memberships m "
	"join users u on u.id = m.user_id where $2 <> 'internal' and m.organization_id = $1::uuid "
	"and m.is_active and u.is_active and not u.is_service "
	"union select u.id, coalesce(nullif(btrim(u.name), ''), u.email::text) from users u "
	"where $2 in ('internal', 'hybrid') and u.platform_role is not null and u.is_active and not u.is_service "
	"order by 2, 1 limit 200" };
static const db_stmt q_teams = { "desk_choices_teams",
	"select id, name from teams where organization_id = $1::uuid order by name, id limit 200" };
static const db_stmt q_cats = { "desk_choices_categories",
	"select id, name from categories where is_active and (organization_id is null or organization_id = $1::uuid) "
	"order by sort_order, name, id limit 200" };
static const db_stmt q_types = { "desk_choices_types",
	"select id, name from request_types where is_active and (organization_id is null or organization_id = $1::uuid) "
	"order by sort_order, name, id limit 200" };

static void choices_from(arena *a, db_result *res, desk_choice **out, size_t *n)
{
	size_t rows = (size_t)db_rows(res);
	desk_choice *c = arena_calloc(a, rows + 1, sizeof *c);
	for (size_t i = 0; i < rows; i++) {
		c[i].id = db_get_dup(a, res, (int)i, 0);
		c[i].label = db_get_dup(a, res, (int)i, 1);
	}
	*out = c;
	*n = rows;
}

/* ---------------------------------------------------------------------------
 * Actions
 * ------------------------------------------------------------------------- */

static const db_stmt q_post = { "desk_ticket_post",
	"select status, message_id, version from desk_ticket_post($1::uuid, $2::int, $3, $4::boolean, $5::jsonb, $6, $7)" };

const char *desk_ticket_post(db_tx *tx, const char *ticket_id, int version, const char *body, bool internal,
    const char *refs_json, const char *next_status, const char *idempotency_key, const char **message_id,
    int *new_version)
{
	char v[16];
	snprintf(v, sizeof v, "%d", version);
	const char *p[7] = { ticket_id, version >= 0 ? v : NULL, body, internal ? "true" : "false",
		refs_json ? refs_json : "[]", next_status, idempotency_key };
	db_result *res = db_tx_exec(tx, &q_post, 7, p);
	*message_id = NULL;
	if (!res || db_rows(res) != 1)
		return NULL;
	*message_id = db_get_dup(tx->a, res, 0, 1);
	*new_version = (int)db_get_int(res, 0, 2, 0);
	return db_get_dup(tx->a, res, 0, 0);
}

static const db_stmt q_check = { "desk_update_check",
	"select $1::uuid is null or desk_assignee_allowed($5::uuid, $1::uuid), "
	"$2::uuid is null or exists (select from teams where id = $2::uuid and organization_id = $6::uuid), "
	"$3::uuid is null or exists (select from categories where id = $3::uuid and is_active "
	"  and (organization_id is null or organization_id = $6::uuid)), "
	"$4::uuid is null or exists (select from request_types where id = $4::uuid and is_active "
	"  and (organization_id is null or organization_id = $6::uuid))" };

int desk_update_check(db_tx *tx, const desk_ticket *t, const desk_update *u, bool *assignee_ok, bool *team_ok,
    bool *category_ok, bool *type_ok)
{
	const char *p[6] = { u->assignee_id, u->team_id, u->category_id, u->request_type_id, t->id, t->org_id };
	db_result *res = db_tx_exec(tx, &q_check, 6, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*assignee_ok = db_get_bool(res, 0, 0);
	*team_ok = db_get_bool(res, 0, 1);
	*category_ok = db_get_bool(res, 0, 2);
	*type_ok = db_get_bool(res, 0, 3);
	return 0;
}

/* The version check and the change in one statement: of two agents who
 * post at once, the second waits for the first's row lock, then finds the
 * version moved on and changes nothing. */
static const db_stmt q_update = { "desk_ticket_update",
	"update tickets set status = $3, priority = $4, assignee_id = $5::uuid, team_id = $6::uuid, "
	"category_id = $7::uuid, request_type_id = $8::uuid, "
	"tags = array(select distinct x from unnest(string_to_array($9, ',')) x where x <> '' order by x), "
	"custom_fields = custom_fields || $10::jsonb "
	"where id = $1::uuid and version = $2::int returning version" };

const char *desk_ticket_update(db_tx *tx, const char *ticket_id, int version, const desk_update *u,
    int *new_version)
{
	char v[16];
	snprintf(v, sizeof v, "%d", version);
	const char *p[10] = { ticket_id, v, u->status, u->priority, u->assignee_id, u->team_id, u->category_id,
		u->request_type_id, u->tags_csv ? u->tags_csv : "", u->custom_json ? u->custom_json : "{}" };
	db_result *res = db_tx_exec(tx, &q_update, 10, p);
	if (!res)
		return NULL;
	if (db_rows(res) != 1)
		return "stale";
	*new_version = (int)db_get_int(res, 0, 0, 0);
	return "ok";
}

static const db_stmt q_merge = { "desk_ticket_merge", "select status from desk_ticket_merge($1::uuid, $2)" };

const char *desk_ticket_merge(db_tx *tx, const char *ticket_id, const char *target)
{
	const char *p[2] = { ticket_id, target };
	db_result *res = db_tx_exec(tx, &q_merge, 2, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	return db_get_dup(tx->a, res, 0, 0);
}

/* Users the acting user may see (RLS), by address; the function decides
 * who counts. An API key's service user (0042) is nobody to mention. */
static const db_stmt q_mentions = { "desk_mentions_notify",
	"select count(*) filter (where ticket_mention_notify($1::uuid, u.id)) from "
	"(select id from users where email = any (string_to_array($2, ',')::citext[]) and not is_service limit 20) u" };

int desk_mentions_notify(db_tx *tx, const char *ticket_id, const char *emails_csv, int *notified)
{
	*notified = 0;
	const char *p[2] = { ticket_id, emails_csv };
	db_result *res = db_tx_exec(tx, &q_mentions, 2, p);
	if (!res || db_rows(res) != 1)
		return -1;
	*notified = (int)db_get_int(res, 0, 0, 0);
	return 0;
}

/* The canned responses an agent is offered on a ticket of organization $1
 * (NULL: of any organization they work for): the platform's and the
 * organization's (row-level security has already dropped other people's
 * personal ones), and of those kept to a team only the ones of a team the
 * agent is in. The organization's admins get every team's: they write and
 * check them. */
#define CANNED_OFFERED \
	"is_active and shortcut is not null " \
	"and ($1::uuid is null or organization_id is null or organization_id = $1::uuid) " \
	"and (team_id is null or coalesce($1::uuid, organization_id) = any ((select app_admin_org_ids())::uuid[]) " \
	"     or exists (select 1 from membership_teams mt join memberships m on m.id = mt.membership_id " \
	"                where mt.team_id = canned_responses.team_id and m.user_id = (select app_user_id()) " \
	"                  and m.is_active)) "

static const db_stmt q_canned = { "desk_canned_lookup",
	"select distinct on (ltrim(shortcut, '/')) id, ltrim(shortcut, '/'), content from canned_responses "
	"where " CANNED_OFFERED "and ltrim(shortcut, '/') = any (string_to_array($2, ',')) "
	"order by ltrim(shortcut, '/'), organization_id nulls last limit 20" };

int desk_canned_lookup(db_tx *tx, const char *org_id, const char *shortcuts_csv, desk_canned **out, size_t *n)
{
	const char *p[2] = { org_id, shortcuts_csv };
	db_result *res = db_tx_exec(tx, &q_canned, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	desk_canned *c = arena_calloc(tx->a, rows + 1, sizeof *c);
	for (size_t i = 0; i < rows; i++) {
		c[i].id = db_get_dup(tx->a, res, (int)i, 0);
		c[i].shortcut = db_get_dup(tx->a, res, (int)i, 1);
		c[i].content = db_get_dup(tx->a, res, (int)i, 2);
	}
	*out = c;
	*n = rows;
	return 0;
}

static const db_stmt q_canned_use = { "desk_canned_use", "select canned_response_use($1::uuid)" };

int desk_canned_use(db_tx *tx, const char *id)
{
	const char *p[1] = { id };
	return db_tx_exec(tx, &q_canned_use, 1, p) ? 0 : -1;
}

/* The prefix is matched literally: LIKE's wildcards in it are escaped. */
static const db_stmt q_canned_search = { "desk_canned_search",
	"select coalesce(json_agg(json_build_object('shortcut', s, 'title', title, 'content', content) order by s), '[]') "
	"from (select distinct on (ltrim(shortcut, '/')) ltrim(shortcut, '/') s, title, content from canned_responses "
	"where " CANNED_OFFERED "and ltrim(shortcut, '/') like "
	"replace(replace(replace($2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' "
	"order by ltrim(shortcut, '/'), organization_id nulls last limit 10) c" };

const char *desk_canned_search_json(db_tx *tx, const char *org_id, const char *prefix)
{
	const char *p[2] = { org_id, prefix };
	db_result *res = db_tx_exec(tx, &q_canned_search, 2, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	return db_get_dup(tx->a, res, 0, 0);
}

static const db_stmt q_me = { "desk_me_name",
	"select coalesce(nullif(btrim(name), ''), split_part(email::text, '@', 1)) from users where id = (select app_user_id())" };

const char *desk_me_name(db_tx *tx)
{
	db_result *res = db_tx_exec(tx, &q_me, 0, NULL);
	if (!res)
		return NULL;
	return db_rows(res) == 1 ? db_get_dup(tx->a, res, 0, 0) : "";
}

/* ---------------------------------------------------------------------------
 * The workspace: everything the page shows besides the ticket, in one
 * round trip.
 * ------------------------------------------------------------------------- */

int desk_ticket_workspace(db_tx *tx, const desk_ticket *t, const char *role, long long changes_since_us,
    desk_workspace *w)
{
	memset(w, 0, sizeof *w);
	char shown[16], since[24];
	snprintf(shown, sizeof shown, "%d", DESK_ACTIVITY_SHOWN);
	snprintf(since, sizeof since, "%lld", changes_since_us);
	const char *id[1] = { t->id };
	const char *req[2] = { t->requester_id, t->id };
	const char *fld[2] = { t->id, role };
	const char *act[3] = { t->id, "0", shown };
	const char *chg[3] = { t->id, since, "20" };
	const char *org[2] = { t->org_id, t->routing_type };
	enum { SUB, MSG, MATT, OTHERS, RATED, FIELDS, ACT, ASG, STAFF, TEAMS, CATS, TYPES, ME, TIME,
		CHANGES = TIME + TICKET_TIME_CALLS, N };
	db_call c[N] = {
		[SUB] = { &ticket_submission_attachments, NULL, 1, id },
		[MSG] = { &q_messages, NULL, 1, id },
		[MATT] = { &q_message_attachments, NULL, 1, id },
		[OTHERS] = { &q_others, NULL, 2, req },
		[RATED] = { &q_rated, NULL, 1, req },
		[FIELDS] = { &q_fields, NULL, 2, fld },
		[ACT] = { &q_activity, NULL, 3, act },
		[ASG] = { &q_assignments, NULL, 1, id },
		[STAFF] = { &q_staff, NULL, 2, org },
		[TEAMS] = { &q_teams, NULL, 1, org },
		[CATS] = { &q_cats, NULL, 1, org },
		[TYPES] = { &q_types, NULL, 1, org },
		[ME] = { &q_me, NULL, 0, NULL },
		[CHANGES] = { &q_activity, NULL, 3, chg },
	};
	ticket_time_calls(id, org, &c[TIME]);
	db_result *res[N];
	if (!db_tx_exec_all(tx, c, changes_since_us > 0 ? N : N - 1, res))
		return -1;
	arena *a = tx->a;
	w->nattachments = (size_t)db_rows(res[SUB]);
	w->attachments = arena_calloc(a, w->nattachments + 1, sizeof *w->attachments);
	for (size_t i = 0; i < w->nattachments; i++)
		ticket_attachment_from(a, res[SUB], (int)i, &w->attachments[i]);
	messages_from(a, res[MSG], res[MATT], &w->messages, &w->nmessages);
	others_from(a, res[OTHERS], &w->others, &w->nothers);
	others_from(a, res[RATED], &w->rated, &w->nrated);
	fields_from(a, res[FIELDS], &w->fields, &w->nfields);
	activity_from(a, res[ACT], &w->activity, &w->nactivity);
	assignments_from(a, res[ASG], &w->assignments, &w->nassignments);
	choices_from(a, res[STAFF], &w->staff, &w->nstaff);
	choices_from(a, res[TEAMS], &w->teams, &w->nteams);
	choices_from(a, res[CATS], &w->cats, &w->ncats);
	choices_from(a, res[TYPES], &w->types, &w->ntypes);
	w->me = db_rows(res[ME]) == 1 ? db_get_dup(a, res[ME], 0, 0) : "";
	ticket_time_from(a, &res[TIME], &w->time);
	if (changes_since_us > 0)
		activity_from(a, res[CHANGES], &w->changes, &w->nchanges);
	else
		w->changes = arena_calloc(a, 1, sizeof *w->changes);
	return 0;
}
