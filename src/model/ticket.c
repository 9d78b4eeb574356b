/* ticket.c: SQL of tickets as their viewer sees them, and of the customer
 * portal: the list, a ticket's page, the customer's actions, guest access. */
#include "model/ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/crypto.h"
#include "db/tx.h"

/* ---------------------------------------------------------------------------
 * One ticket
 * ------------------------------------------------------------------------- */

#define TICKET_COLUMNS \
	"select t.id, t.number, t.title, t.description, t.status, t.priority, " \
	"to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), rt.name, t.requester_id, " \
	"extract(epoch from t.created_at)::bigint, extract(epoch from t.last_activity_at)::bigint, " \
	"t.satisfaction_rating, t.satisfaction_comment, " \
	"t.status in ('resolved', 'closed') and customer_reopen_until(greatest(t.resolved_at, t.closed_at)) >= now(), " \
	"(setting('reopen_window_days'))::int, " \
	"coalesce(case when t.routing_type <> 'internal' then o.name end, p.name) " \
	"from tickets t left join request_types rt on rt.id = t.request_type_id " \
	"left join organizations o on o.id = t.assigned_org_id " \
	"left join organizations p on p.is_platform "

static const db_stmt q_by_number = { "ticket_by_number", TICKET_COLUMNS "where t.number = $1" };
static const db_stmt q_mine = { "ticket_mine",
	TICKET_COLUMNS "where t.number = $1 and t.requester_id = (select app_user_id())" };

const db_stmt ticket_submission_attachments = { "ticket_attachments",
	"select id, file_name, content_type, size_bytes from attachments "
	"where ticket_id = $1::uuid and message_id is null order by created_at, file_name" };

void ticket_attachment_from(arena *a, db_result *res, int row, ticket_attachment *out)
{
	out->id = db_get_dup(a, res, row, 0);
	out->file_name = db_get_dup(a, res, row, 1);
	out->content_type = db_get_dup(a, res, row, 2);
	out->size = db_get_int(res, row, 3, 0);
}

bool ticket_prefix_valid(const char *p)
{
	size_t n = strlen(p);
	if (n < 2 || n > 10 || !(p[0] >= 'A' && p[0] <= 'Z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
			return false;
	return true;
}

bool ticket_number_plausible(str n)
{
	/* PREFIX (2-10: a letter, then letters or digits), -YYYY-MM-, 5 or more digits */
	size_t i = 0, k;
	if (n.len < 2 + 9 + 5 || n.len > 40 || !(n.ptr[0] >= 'A' && n.ptr[0] <= 'Z'))
		return false;
	for (k = 0; i < n.len && ((n.ptr[i] >= 'A' && n.ptr[i] <= 'Z') || (n.ptr[i] >= '0' && n.ptr[i] <= '9')); i++)
		k++;
	if (k < 2 || k > 10)
		return false;
	static const char shape[] = "-9999-99-";
	for (size_t j = 0; j < sizeof shape - 1; j++, i++) {
		if (i >= n.len)
			return false;
		char c = n.ptr[i];
		if (shape[j] == '-' ? c != '-' : !(c >= '0' && c <= '9'))
			return false;
	}
	for (k = 0; i < n.len; i++, k++)
		if (!(n.ptr[i] >= '0' && n.ptr[i] <= '9'))
			return false;
	return k >= 5;
}

static int find(db_tx *tx, const db_stmt *s, const char *number, ticket_view *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { number };
	db_result *res = db_tx_exec(tx, s, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	arena *a = tx->a;
	out->id = db_get_dup(a, res, 0, 0);
	out->number = db_get_dup(a, res, 0, 1);
	out->title = db_get_dup(a, res, 0, 2);
	out->description = db_get_dup(a, res, 0, 3);
	out->status = db_get_dup(a, res, 0, 4);
	out->priority = db_get_dup(a, res, 0, 5);
	out->created_at = db_get_dup(a, res, 0, 6);
	out->request_type = db_get_dup(a, res, 0, 7);
	out->requester_id = db_get_dup(a, res, 0, 8);
	out->created = db_get_int(res, 0, 9, 0);
	out->last_activity = db_get_int(res, 0, 10, 0);
	out->rating = (int)db_get_int(res, 0, 11, 0);
	out->rating_comment = db_get_dup(a, res, 0, 12);
	str reopen = db_get(res, 0, 13);
	out->reopen_allowed = reopen.len == 1 && reopen.ptr[0] == 't';
	out->reopen_window_days = (int)db_get_int(res, 0, 14, 14);
	out->desk_name = db_get_dup(a, res, 0, 15);
	const char *pa[1] = { out->id };
	db_result *att = db_tx_exec(tx, &ticket_submission_attachments, 1, pa);
	if (!att)
		return -1;
	out->nattachments = (size_t)db_rows(att);
	out->attachments = arena_calloc(a, out->nattachments + 1, sizeof *out->attachments);
	for (size_t i = 0; i < out->nattachments; i++)
		ticket_attachment_from(a, att, (int)i, &out->attachments[i]);
	return 1;
}

int ticket_find_by_number(db_tx *tx, const char *number, ticket_view *out)
{
	return find(tx, &q_by_number, number, out);
}

int ticket_find_mine(db_tx *tx, const char *number, ticket_view *out)
{
	return find(tx, &q_mine, number, out);
}

/* ---------------------------------------------------------------------------
 * The list: tabs, cursor, search
 * ------------------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *statuses; /* a text[] literal: the allow-list of the tab */
} tabs[TICKET_TAB__MAX] = {
	[TICKET_TAB_OPEN] = { "open", "{new,open,in_progress,waiting_customer,waiting_internal}" },
	[TICKET_TAB_WAITING] = { "waiting", "{waiting_customer}" },
	[TICKET_TAB_RESOLVED] = { "resolved", "{resolved,closed,cancelled}" },
	[TICKET_TAB_ALL] = { "all", "{new,open,in_progress,waiting_customer,waiting_internal,resolved,closed,cancelled}" },
};

const char *ticket_tab_name(enum ticket_tab tab)
{
	return tab < TICKET_TAB__MAX ? tabs[tab].name : NULL;
}

int ticket_tab_from_name(str name)
{
	for (int i = 0; i < TICKET_TAB__MAX; i++)
		if (str_eq_cstr(name, tabs[i].name))
			return i;
	return -1;
}

/* 8 bytes of microseconds (big-endian) and the 16 bytes of the uuid. */
#define CURSOR_BYTES 24
#define CURSOR_CHARS 32

char *ticket_cursor_encode(arena *a, const ticket_cursor *c)
{
	unsigned char raw[CURSOR_BYTES];
	str_put_be64(raw, c->activity_us);
	if (!str_uuid_to_bytes(c->id, raw + 8))
		return NULL;
	return crypto_b64url_encode(a, raw, sizeof raw);
}

bool ticket_cursor_decode(str s, ticket_cursor *out)
{
	unsigned char raw[CURSOR_BYTES + 1];
	if (s.len != CURSOR_CHARS || crypto_b64url_decode(s.ptr, s.len, raw, sizeof raw) != CURSOR_BYTES)
		return false;
	long long us = str_get_be64(raw);
	if (us <= 0 || us > 4102444800LL * 1000000LL) /* after 2100: not ours */
		return false;
	out->activity_us = us;
	str_uuid_from_bytes(raw + 8, out->id);
	return true;
}

/* q matches the number, or every word as a prefix in the ticket's own text
 * or one of its public messages. Internal notes are excluded here as well
 * as by row-level security: a staff member who requested a ticket sees
 * notes under RLS, but never through the portal. */
#define MATCHES_Q(param) \
	"(" param "::text is null or t.number = upper(btrim(" param ")) or t.search @@ q.tsq " \
	"or exists (select 1 from ticket_messages m where m.ticket_id = t.id and not m.is_internal " \
	"and m.search @@ q.tsq))"

static const db_stmt q_list = { "ticket_list_mine",
	"with q as (select portal_tsquery($2) as tsq) "
	"select t.number, t.title, t.status, extract(epoch from t.last_activity_at)::bigint, "
	"(extract(epoch from t.last_activity_at) * 1000000)::bigint, t.id "
	"from tickets t, q "
	"where t.requester_id = (select app_user_id()) and t.status = any ($1::text[]) and " MATCHES_Q("$2") " "
	"and ($3::bigint is null or (t.last_activity_at, t.id) < "
	"(timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid)) "
	"order by t.last_activity_at desc, t.id desc limit $5" };

/* The same without a search, which is nearly every request: a prepared
 * statement's plan holds the search branch even when $2 is null, and with
 * it the row-level security subplans of ticket_messages inside tickets'
 * own (about fifty nodes), which PostgreSQL initializes at every execution
 * whether it runs them or not. That cost several times the scan itself. */
static const db_stmt q_list_all = { "ticket_list_mine_all",
	"select t.number, t.title, t.status, extract(epoch from t.last_activity_at)::bigint, "
	"(extract(epoch from t.last_activity_at) * 1000000)::bigint, t.id "
	"from tickets t "
	"where t.requester_id = (select app_user_id()) and t.status = any ($1::text[]) "
	"and ($2::bigint is null or (t.last_activity_at, t.id) < "
	"(timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid)) "
	"order by t.last_activity_at desc, t.id desc limit $4" };

/* The list's statement and parameters (p holds 5, kept by the caller). */
typedef struct {
	char us[24], lim[16];
	const char *p[5];
} list_args;

static db_call list_call(enum ticket_tab tab, const char *q, const ticket_cursor *after, int limit, list_args *la)
{
	if (after)
		snprintf(la->us, sizeof la->us, "%lld", after->activity_us);
	snprintf(la->lim, sizeof la->lim, "%d", limit + 1);
	if (q) {
		la->p[0] = tabs[tab].statuses;
		la->p[1] = q;
		la->p[2] = after ? la->us : NULL;
		la->p[3] = after ? after->id : NULL;
		la->p[4] = la->lim;
		return (db_call){ &q_list, NULL, 5, la->p };
	}
	la->p[0] = tabs[tab].statuses;
	la->p[1] = after ? la->us : NULL;
	la->p[2] = after ? after->id : NULL;
	la->p[3] = la->lim;
	return (db_call){ &q_list_all, NULL, 4, la->p };
}

static void list_rows(db_tx *tx, db_result *res, int limit, ticket_page *out)
{
	size_t rows = (size_t)db_rows(res);
	out->more = rows > (size_t)limit;
	out->n = out->more ? (size_t)limit : rows;
	out->rows = arena_calloc(tx->a, out->n + 1, sizeof *out->rows);
	for (size_t i = 0; i < out->n; i++) {
		ticket_row *row = &out->rows[i];
		row->number = db_get_dup(tx->a, res, (int)i, 0);
		row->title = db_get_dup(tx->a, res, (int)i, 1);
		row->status = db_get_dup(tx->a, res, (int)i, 2);
		row->last_activity = db_get_int(res, (int)i, 3, 0);
		row->pos.activity_us = db_get_int(res, (int)i, 4, 0);
		str id = db_get(res, (int)i, 5);
		snprintf(row->pos.id, sizeof row->pos.id, "%.*s", (int)id.len, id.ptr ? id.ptr : "");
	}
}

static const db_stmt q_count = { "ticket_count_mine",
	"with q as (select portal_tsquery($1) as tsq) "
	"select count(*) filter (where t.status = any ($2::text[])), "
	"count(*) filter (where t.status = any ($3::text[])), "
	"count(*) filter (where t.status = any ($4::text[])), count(*) "
	"from tickets t, q where t.requester_id = (select app_user_id()) and " MATCHES_Q("$1") };

/* Without a search: see q_list_all. */
static const db_stmt q_count_all = { "ticket_count_mine_all",
	"select count(*) filter (where t.status = any ($1::text[])), "
	"count(*) filter (where t.status = any ($2::text[])), "
	"count(*) filter (where t.status = any ($3::text[])), count(*) "
	"from tickets t where t.requester_id = (select app_user_id())" };

static db_call count_call(const char *q, const char **p)
{
	p[0] = q;
	p[1] = tabs[TICKET_TAB_OPEN].statuses;
	p[2] = tabs[TICKET_TAB_WAITING].statuses;
	p[3] = tabs[TICKET_TAB_RESOLVED].statuses;
	return q ? (db_call){ &q_count, NULL, 4, p } : (db_call){ &q_count_all, NULL, 3, p + 1 };
}

static int count_values(db_result *res, long counts[TICKET_TAB__MAX])
{
	if (!res || db_rows(res) != 1)
		return -1;
	for (int i = 0; i < TICKET_TAB__MAX; i++)
		counts[i] = (long)db_get_int(res, 0, i, 0);
	return 0;
}

int ticket_list_and_count_mine(db_tx *tx, enum ticket_tab tab, const char *q, const ticket_cursor *after,
    int limit, ticket_page *out, long counts[TICKET_TAB__MAX])
{
	memset(out, 0, sizeof *out);
	if (tab >= TICKET_TAB__MAX || limit < 1)
		return -1;
	const char *cp[4];
	list_args la;
	db_call calls[2] = { count_call(q, cp), list_call(tab, q, after, limit, &la) };
	db_result *res[2];
	if (!db_tx_exec_all(tx, calls, 2, res) || count_values(res[0], counts) != 0)
		return -1;
	list_rows(tx, res[1], limit, out);
	return 0;
}

/* ---------------------------------------------------------------------------
 * A ticket's page: the conversation, the custom fields
 * ------------------------------------------------------------------------- */

/* Staff appear by name only: the users row is read for its name, never its
 * address. */
static const db_stmt q_messages = { "ticket_messages_public",
	"select m.id, m.message_type, m.body, extract(epoch from m.created_at)::bigint, "
	"m.author_id is not null and m.author_id = t.requester_id, m.author_id is null, "
	"case when m.author_id is distinct from t.requester_id then u.name end "
	"from ticket_messages m join tickets t on t.id = m.ticket_id "
	"left join users u on u.id = m.author_id "
	"where m.ticket_id = $1::uuid and not m.is_internal "
	"order by m.created_at, m.id limit 1000" };

static const db_stmt q_message_attachments = { "ticket_message_attachments",
	"select a.id, a.file_name, a.content_type, a.size_bytes, a.message_id "
	"from attachments a join ticket_messages m on m.id = a.message_id "
	"where a.ticket_id = $1::uuid and not m.is_internal order by a.created_at, a.file_name" };

int ticket_messages_public(db_tx *tx, const char *ticket_id, ticket_message **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p[1] = { ticket_id };
	db_call c[2] = { { &q_messages, NULL, 1, p }, { &q_message_attachments, NULL, 1, p } };
	db_result *both[2];
	if (!db_tx_exec_all(tx, c, 2, both))
		return -1;
	db_result *res = both[0], *att = both[1];
	arena *a = tx->a;
	size_t rows = (size_t)db_rows(res), natt = (size_t)db_rows(att);
	ticket_message *m = arena_calloc(a, rows + 1, sizeof *m);
	for (size_t i = 0; i < rows; i++) {
		m[i].id = db_get_dup(a, res, (int)i, 0);
		m[i].type = db_get_dup(a, res, (int)i, 1);
		m[i].body = db_get_dup(a, res, (int)i, 2);
		m[i].created = db_get_int(res, (int)i, 3, 0);
		m[i].by_requester = db_get_bool(res, (int)i, 4);
		m[i].by_system = db_get_bool(res, (int)i, 5);
		m[i].author_name = db_get_dup(a, res, (int)i, 6);
		/* Each message's files: a count first, then the slots. */
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
	return 0;
}

static const db_stmt q_fields = { "ticket_fields_frontend",
	"select field_key, label, field_type, value from ticket_frontend_fields($1::uuid)" };

int ticket_fields_frontend(db_tx *tx, const char *ticket_id, ticket_field **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p[1] = { ticket_id };
	db_result *res = db_tx_exec(tx, &q_fields, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	ticket_field *f = arena_calloc(tx->a, rows + 1, sizeof *f);
	for (size_t i = 0; i < rows; i++) {
		f[i].key = db_get_dup(tx->a, res, (int)i, 0);
		f[i].label = db_get_dup(tx->a, res, (int)i, 1);
		f[i].type = db_get_dup(tx->a, res, (int)i, 2);
		f[i].value = db_get_dup(tx->a, res, (int)i, 3);
	}
	*out = f;
	*n = rows;
	return 0;
}

/* ---------------------------------------------------------------------------
 * A customer's actions (SECURITY DEFINER functions that check the acting
 * user is the requester)
 * ------------------------------------------------------------------------- */

static const char *status_of(db_tx *tx, db_result *res)
{
	if (!res || db_rows(res) < 1)
		return NULL;
	str s = db_get(res, 0, 0);
	return s.ptr ? str_dup(tx->a, s) : "";
}

static const db_stmt q_reply = { "customer_ticket_reply",
	"select status, message_id from customer_ticket_reply($1::uuid, $2, $3::jsonb, $4)" };

const char *ticket_reply_mine(db_tx *tx, const char *ticket_id, const char *body, const char *refs_json,
    const char *idempotency_key, const char **message_id)
{
	const char *p[4] = { ticket_id, body, refs_json ? refs_json : "[]", idempotency_key };
	db_result *res = db_tx_exec(tx, &q_reply, 4, p);
	const char *st = status_of(tx, res);
	*message_id = st ? db_get_dup(tx->a, res, 0, 1) : NULL;
	return st;
}

static const db_stmt q_close = { "customer_ticket_close", "select customer_ticket_close($1::uuid)" };
static const db_stmt q_reopen = { "customer_ticket_reopen", "select customer_ticket_reopen($1::uuid)" };
static const db_stmt q_rate = { "customer_ticket_rate", "select customer_ticket_rate($1::uuid, $2::int, $3)" };

const char *ticket_close_mine(db_tx *tx, const char *ticket_id)
{
	const char *p[1] = { ticket_id };
	return status_of(tx, db_tx_exec(tx, &q_close, 1, p));
}

const char *ticket_reopen_mine(db_tx *tx, const char *ticket_id)
{
	const char *p[1] = { ticket_id };
	return status_of(tx, db_tx_exec(tx, &q_reopen, 1, p));
}

const char *ticket_rate_mine(db_tx *tx, const char *ticket_id, int rating, const char *comment)
{
	char r[16];
	snprintf(r, sizeof r, "%d", rating);
	const char *p[3] = { ticket_id, r, comment };
	return status_of(tx, db_tx_exec(tx, &q_rate, 3, p));
}

/* ---------------------------------------------------------------------------
 * Guest access
 * ------------------------------------------------------------------------- */

static const db_stmt q_track = { "track_request",
	"select ticket_id, ticket_number, user_id, email, name from track_request($1::citext, $2, $3::inet)" };

int ticket_track_request(db_tx *tx, const char *email, const char *number, const char *ip,
    ticket_track_match *out)
{
	memset(out, 0, sizeof *out);
	const char *p[3] = { email, number, ip && *ip ? ip : NULL };
	db_result *res = db_tx_exec(tx, &q_track, 3, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->ticket_id = db_get_dup(tx->a, res, 0, 0);
	out->number = db_get_dup(tx->a, res, 0, 1);
	out->user_id = db_get_dup(tx->a, res, 0, 2);
	out->email = db_get_dup(tx->a, res, 0, 3);
	out->name = db_get_dup(tx->a, res, 0, 4);
	return 1;
}
