/* account.c: SQL of the account page. */
#include "model/account.h"

#include <stdio.h>
#include <string.h>

const char *const account_notify_keys[ACCOUNT_NOTIFY__MAX] = { "reply", "waiting", "resolved", "closed" };
const char *const account_staff_notify_keys[ACCOUNT_STAFF_NOTIFY__MAX] = { "new_ticket", "assigned",
	"customer_reply", "mention", "sla_warning", "sla_breach" };
const char *const account_watch_keys[ACCOUNT_WATCH__MAX] = { "teams", "all", "none" };
const char *const account_channel_keys[ACCOUNT_CHANNEL__MAX] = { "email", "portal", "chat", "phone" };

/* Each preference is true unless stored as JSON false. */
static const db_stmt q_load = { "account_load",
	"select u.id, u.email, u.name, u.preferred_language, "
	"'email' = any(u.communication_channels), 'portal' = any(u.communication_channels), "
	"'chat' = any(u.communication_channels), 'phone' = any(u.communication_channels), "
	"(u.preferences->'notify'->'reply') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'waiting') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'resolved') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'closed') is distinct from 'false'::jsonb, "
	"account_has_password(), "
	"app_is_staff(), u.away_since is not null, coalesce(u.preferences->>'watch', 'teams'), "
	"(u.preferences->'notify'->'new_ticket') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'assigned') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'customer_reply') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'mention') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'sla_warning') is distinct from 'false'::jsonb, "
	"(u.preferences->'notify'->'sla_breach') is distinct from 'false'::jsonb "
	"from users u where u.id = $1::uuid" };

int account_load(db_tx *tx, const char *user_id, account_profile *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { user_id };
	db_result *res = db_tx_exec(tx, &q_load, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->id = db_get_dup(tx->a, res, 0, 0);
	out->email = db_get_dup(tx->a, res, 0, 1);
	out->name = db_get_dup(tx->a, res, 0, 2);
	out->preferred_language = db_get_dup(tx->a, res, 0, 3);
	for (int i = 0; i < ACCOUNT_CHANNEL__MAX; i++)
		out->channels[i] = db_get_bool(res, 0, 4 + i);
	for (int i = 0; i < ACCOUNT_NOTIFY__MAX; i++)
		out->notify[i] = db_get_bool(res, 0, 4 + ACCOUNT_CHANNEL__MAX + i);
	int col = 4 + ACCOUNT_CHANNEL__MAX + ACCOUNT_NOTIFY__MAX;
	out->has_password = db_get_bool(res, 0, col++);
	out->is_staff = db_get_bool(res, 0, col++);
	out->away = db_get_bool(res, 0, col++);
	str watch = db_get(res, 0, col++);
	out->watch = ACCOUNT_WATCH_TEAMS;
	for (int i = 0; i < ACCOUNT_WATCH__MAX; i++)
		if (str_eq_cstr(watch, account_watch_keys[i]))
			out->watch = (enum account_watch)i;
	for (int i = 0; i < ACCOUNT_STAFF_NOTIFY__MAX; i++)
		out->staff_notify[i] = db_get_bool(res, 0, col++);
	return 1;
}

static const db_stmt q_update = { "account_update",
	"select account_update($1, $2, $3::text[], $4::jsonb)" };
static const db_stmt q_staff_update = { "account_staff_update",
	"select account_staff_update($1::boolean, $2)" };

const char *account_update(db_tx *tx, const account_changes *c)
{
	/* Both literals are built from fixed words only. */
	char channels[128] = "{", notify[512] = "{";
	size_t cl = 1, nl = 1;
	for (int i = 0; i < ACCOUNT_CHANNEL__MAX; i++)
		if (c->channels[i])
			cl += (size_t)snprintf(channels + cl, sizeof channels - cl, "%s%s", cl > 1 ? "," : "",
			    account_channel_keys[i]);
	snprintf(channels + cl, sizeof channels - cl, "}");
	for (int i = 0; i < ACCOUNT_NOTIFY__MAX; i++)
		nl += (size_t)snprintf(notify + nl, sizeof notify - nl, "%s\"%s\":%s", i ? "," : "",
		    account_notify_keys[i], c->notify[i] ? "true" : "false");
	for (int i = 0; c->is_staff && i < ACCOUNT_STAFF_NOTIFY__MAX; i++)
		nl += (size_t)snprintf(notify + nl, sizeof notify - nl, ",\"%s\":%s", account_staff_notify_keys[i],
		    c->staff_notify[i] ? "true" : "false");
	snprintf(notify + nl, sizeof notify - nl, "}");
	const char *p[4] = { c->name, c->preferred_language, channels, notify };
	db_result *res = db_tx_exec(tx, &q_update, 4, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	const char *status = db_get_dup(tx->a, res, 0, 0);
	if (!c->is_staff || strcmp(status, "ok") != 0)
		return status;
	const char *q[2] = { c->away ? "true" : "false", account_watch_keys[c->watch] };
	res = db_tx_exec(tx, &q_staff_update, 2, q);
	return res && db_rows(res) == 1 ? db_get_dup(tx->a, res, 0, 0) : NULL;
}

/* auth_login_lookup is the one place a hash leaves the database (0006). */
static const db_stmt q_hash = { "account_password_hash",
	"select password_hash from auth_login_lookup($1::citext) where is_active" };

int account_password_hash(db_tx *tx, const char *email, char **hash)
{
	*hash = NULL;
	const char *p[1] = { email };
	db_result *res = db_tx_exec(tx, &q_hash, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) == 1)
		*hash = db_get_dup(tx->a, res, 0, 0);
	return 0;
}

static const db_stmt q_set_password = { "account_set_password", "select app_user_set_password($1)" };

int account_set_password(db_tx *tx, const char *hash)
{
	const char *p[1] = { hash };
	db_result *res = db_tx_exec(tx, &q_set_password, 1, p);
	if (!res || db_rows(res) != 1)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}

/* Row-level security shows a customer their own tickets; the requester
 * filter keeps staff to their own ratings too. */
static const db_stmt q_feedback = { "account_feedback",
	"select t.number, t.title, t.satisfaction_rating, t.satisfaction_comment, "
	"to_char(t.satisfaction_submitted_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"extract(epoch from t.satisfaction_submitted_at)::bigint "
	"from tickets t where t.requester_id = app_user_id() and t.satisfaction_rating is not null "
	"order by t.satisfaction_submitted_at desc, t.id desc limit $1::int" };

int account_feedback_list(db_tx *tx, int max, account_feedback **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[1] = { lim };
	db_result *res = db_tx_exec(tx, &q_feedback, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	account_feedback *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		list[i].number = db_get_dup(tx->a, res, r, 0);
		list[i].title = db_get_dup(tx->a, res, r, 1);
		list[i].rating = (int)db_get_int(res, r, 2, 0);
		list[i].comment = db_get_dup(tx->a, res, r, 3);
		list[i].submitted_at = db_get_dup(tx->a, res, r, 4);
		list[i].submitted_epoch = db_get_int(res, r, 5, 0);
	}
	*out = list;
	*n = rows;
	return 0;
}
