/* queue.c: SQL of the desk's queues, their counts and filter options, and
 * of bulk actions and the spam view. Every statement runs under row-level
 * security as the acting user; the scope condition (QUEUE_SCOPE) narrows
 * the desk to the routing organizations, and is what lets the planner use
 * the organization-keyed queue indexes of 0019. */
#include "model/queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/crypto.h"
#include "db/tx.h"
#include "model/ticket.h"

/* ---------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------- */

static const char *const kind_names[QUEUE__MAX] = { "mine", "unassigned", "open", "waiting", "sla", "resolved",
	"spam" };
static const char *const sort_names[QUEUE_SORT__MAX] = { "updated", "created", "priority", "due" };
static const char *const action_names[QUEUE_ACTION__MAX] = { "assign", "status", "priority", "tag", "spam",
	"not_spam", "delete",
	"macro" /* automation (0037) */ };

static int name_index(str name, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (str_eq_cstr(name, names[i]))
			return i;
	return -1;
}

const char *queue_kind_name(enum queue_kind k)
{
	return k < QUEUE__MAX ? kind_names[k] : NULL;
}

int queue_kind_from_name(str name)
{
	return name_index(name, kind_names, QUEUE__MAX);
}

const char *queue_sort_name(enum queue_sort s)
{
	return s < QUEUE_SORT__MAX ? sort_names[s] : NULL;
}

int queue_sort_from_name(str name)
{
	return name_index(name, sort_names, QUEUE_SORT__MAX);
}

bool queue_sort_default_asc(enum queue_sort s)
{
	return s == QUEUE_SORT_DUE;
}

const char *queue_action_name(enum queue_action a)
{
	return a < QUEUE_ACTION__MAX ? action_names[a] : NULL;
}

int queue_action_from_name(str name)
{
	return name_index(name, action_names, QUEUE_ACTION__MAX);
}

/* ---------------------------------------------------------------------------
 * The cursor: sort, direction, two keys, the id. 1 + 1 + 8 + 8 + 16 bytes.
 * ------------------------------------------------------------------------- */

#define CURSOR_BYTES 34

char *queue_cursor_encode(arena *a, const queue_cursor *c)
{
	unsigned char raw[CURSOR_BYTES];
	raw[0] = c->sort;
	raw[1] = c->asc ? 1 : 0;
	str_put_be64(raw + 2, c->k1);
	str_put_be64(raw + 10, c->k2);
	if (!str_uuid_to_bytes(c->id, raw + 18))
		return NULL;
	return crypto_b64url_encode(a, raw, sizeof raw);
}

/* Keys are microseconds since the epoch (at most the year 9999, the "no
 * due time" sentinel) or a priority rank (1-4). */
#define KEY_MAX 253402300800000000LL

bool queue_cursor_decode(str s, queue_cursor *out)
{
	unsigned char raw[CURSOR_BYTES + 2];
	if (s.len != 46 || crypto_b64url_decode(s.ptr, s.len, raw, sizeof raw) != CURSOR_BYTES)
		return false;
	if (raw[0] >= QUEUE_SORT__MAX || raw[1] > 1)
		return false;
	out->sort = raw[0];
	out->asc = raw[1] == 1;
	out->k1 = str_get_be64(raw + 2);
	out->k2 = str_get_be64(raw + 10);
	if (out->k1 < 1 || out->k1 > KEY_MAX || out->k2 < 0 || out->k2 > KEY_MAX)
		return false;
	if (out->sort == QUEUE_SORT_PRIORITY ? out->k1 < 1 || out->k1 > 4 : out->k2 != 0)
		return false;
	str_uuid_from_bytes(raw + 18, out->id);
	return true;
}

/* ---------------------------------------------------------------------------
 * Conditions
 * ------------------------------------------------------------------------- */

#define ACTIVE "('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal')"
#define RUNNING "('new', 'open', 'in_progress', 'waiting_internal')"

/* $1 all (boolean), $2 org (uuid or NULL). Planned per call (see
 * queue_begin), the constants fold and what is left is
 * "assigned_org_id = $2", an index condition that also returns the
 * index's order (queue_begin makes it so for an agent of one
 * organization); with several organizations, "= ANY (theirs)". */
#define QUEUE_SCOPE \
	"($1::boolean or (t.routing_type <> 'internal' and case when $2::uuid is null " \
	"then t.assigned_org_id = any ((select app_staff_org_ids())::uuid[]) else t.assigned_org_id = $2::uuid end))"

#define SLA_STATE_WITH(pct) \
	"desk_sla_state(t.status, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, " \
	"t.resolved_at, t.sla_resolution_due, " pct ", now())"
#define SLA_STATE SLA_STATE_WITH("p.warning_threshold_percent")

/* The running-clock conditions repeat tickets_desk_sla_idx's predicate, so
 * that the index serves the queue. */
#define SLA_QUEUE_WITH(pct) \
	"(t.resolved_at is null and t.sla_paused_at is null and t.status in " RUNNING " and " SLA_STATE_WITH(pct) \
	" in ('at_risk', 'breached'))"
#define SLA_QUEUE SLA_QUEUE_WITH("p.warning_threshold_percent")
/* In a queue's list the policy is looked up only by the SLA queue: a join
 * to sla_policies, even a removable one, keeps the planner from choosing
 * by an index-only scan of the queue's index. */
#define SLA_QUEUE_LIST SLA_QUEUE_WITH("(select p.warning_threshold_percent from sla_policies p where p.id = t.sla_policy_id)")

/* When the next clock is due: first response until it is made, then
 * resolution; none (the sentinel, sorting last) when no clock runs. */
#define DUE_AT \
	"coalesce(case when t.status in " RUNNING " and t.sla_paused_at is null then coalesce(" \
	"case when t.first_response_at is null then t.sla_first_response_due end, " \
	"case when t.resolved_at is null then t.sla_resolution_due end) end, timestamptz '9999-12-31 00:00:00+00')"

#define US(expr) "(extract(epoch from " expr ") * 1000000)::bigint"
#define TS(param) "(timestamptz 'epoch' + " param "::bigint * interval '1 microsecond')"
#define RANK "array_position('{low,normal,high,urgent}'::text[], t.priority)"

/* $3 statuses (text[]), $4 spam, $5 unassigned only, $6 assignee, $7 SLA
 * queue, $8 priority, $9 team, $10 category, $11 request type, $12 tag,
 * $13 words, $14 an exact number, $15 a requester's address. The words
 * match the ticket's own text (its GIN index) or, through
 * desk_messages_match() once per candidate ticket, one of its messages. */
#define QUEUE_WHERE \
	QUEUE_SCOPE " and t.status = any ($3::text[]) and t.is_spam = $4::boolean " \
	"and (not $5::boolean or t.assignee_id is null) and ($6::uuid is null or t.assignee_id = $6::uuid) " \
	"and (not $7::boolean or " SLA_QUEUE_LIST ") " \
	"and ($8::text is null or t.priority = $8::text) and ($9::uuid is null or t.team_id = $9::uuid) " \
	"and ($10::uuid is null or t.category_id = $10::uuid) and ($11::uuid is null or t.request_type_id = $11::uuid) " \
	"and ($12::text is null or t.tags @> array[$12::text]) " \
	"and ($13::text is null or t.search @@ portal_tsquery($13::text) " \
	"or desk_messages_match(t.id, portal_tsquery($13::text))) " \
	"and ($14::text is null or t.number = $14::text) " \
	"and ($15::text is null or t.requester_id = any (desk_requester_ids($15::text))) " \
	"and ($20::uuid is null or t.current_stage_id = $20::uuid) " /* workflows: the stage */

/* The page is chosen from tickets alone, by ids
 * and keys only: what the queue indexes of 0019 cover, so that the choice
 * can be an index-only scan whatever the planner expects of row-level
 * security's filters (which it estimates far too selective, and then
 * prefers a bitmap scan of every ticket of the queue and a sort); the
 * rows are fetched for the page's ids, and names looked up for them. */
#define QUEUE_PAGE(k1, k2) \
	"with ids as materialized (select t.id, " k1 " as k1, " k2 " as k2 from tickets t where " QUEUE_WHERE

/* What a row of the page shows: not t.*, whose description and search
 * vector the materialized page would copy (detoasted) for nothing. */
#define PAGE_COLUMNS \
	"t.id, t.number, t.title, t.status, t.priority, t.assignee_id, t.team_id, t.assigned_org_id, t.routing_type, " \
	"t.sla_policy_id, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, " \
	"t.sla_resolution_due, t.last_activity_at, t.is_spam"

#define QUEUE_ROWS(dir) \
	"), page as materialized (select " PAGE_COLUMNS ", ids.k1, ids.k2 from ids join tickets t on t.id = ids.id) " \
	QUEUE_SELECT(dir)
/* The page's rows as the model reads them, from the page's tickets. */
#define QUEUE_SELECT(dir) \
	"select t.id, t.number, t.title, t.status, t.priority, pe.requester, t.assignee_id, pe.assignee, tm.name, " \
	"o.name, " SLA_STATE ", " \
	"nullif(extract(epoch from " DUE_AT ")::bigint, 253402214400), extract(epoch from t.last_activity_at)::bigint, " \
	"t.is_spam, t.k1, t.k2 from page t " \
	"left join desk_ticket_people((select array_agg(id) from page)) pe on pe.ticket_id = t.id " \
	"left join teams tm on tm.id = t.team_id " \
	"left join organizations o on o.id = t.assigned_org_id and t.routing_type <> 'internal' " \
	"left join sla_policies p on p.id = t.sla_policy_id " \
	"order by t.k1 " dir ", t.k2 " dir ", t.id " dir

/* $16 limit, $17 cursor key (NULL: first page), $18 cursor id, $19 the
 * second key (priority sort only). */
#define KEYSET_1(col, op) \
	"and ($17::bigint is null or (" col ", t.id) " op " (" TS("$17") ", $18::uuid)) " \
	"and ($19::bigint is null or true) " /* unused here, but typed: $20 (the stage) follows it */
#define LIST_1(name, col, dir, op) \
	{ name, QUEUE_PAGE(US(col), "0::bigint") KEYSET_1(col, op) "order by " col " " dir ", t.id " dir " limit $16" \
	  QUEUE_ROWS(dir) }

static const db_stmt q_list[QUEUE_SORT__MAX][2] = {
	[QUEUE_SORT_UPDATED] = { LIST_1("queue_updated_desc", "t.last_activity_at", "desc", "<"),
		LIST_1("queue_updated_asc", "t.last_activity_at", "asc", ">") },
	[QUEUE_SORT_CREATED] = { LIST_1("queue_created_desc", "t.created_at", "desc", "<"),
		LIST_1("queue_created_asc", "t.created_at", "asc", ">") },
	[QUEUE_SORT_DUE] = { LIST_1("queue_due_desc", DUE_AT, "desc", "<"), LIST_1("queue_due_asc", DUE_AT, "asc", ">") },
	[QUEUE_SORT_PRIORITY] = {
		{ "queue_priority_desc", QUEUE_PAGE(RANK, US("t.last_activity_at"))
		  "and ($17::bigint is null or (" RANK ", t.last_activity_at, t.id) < ($17::int, " TS("$19") ", $18::uuid)) "
		  "order by " RANK " desc, t.last_activity_at desc, t.id desc limit $16" QUEUE_ROWS("desc") },
		{ "queue_priority_asc", QUEUE_PAGE(RANK, US("t.last_activity_at"))
		  "and ($17::bigint is null or (" RANK ", t.last_activity_at, t.id) > ($17::int, " TS("$19") ", $18::uuid)) "
		  "order by " RANK " asc, t.last_activity_at asc, t.id asc limit $16" QUEUE_ROWS("asc") },
	},
};


/* The page a queue opens on: one organization, by last activity, no filter,
 * no cursor (what /desk and the API's first page ask for nearly always).
 * The list above, planned per call so that its constants fold, spent as
 * long planning as running; these name the queue's statuses as constants,
 * so that a plan made once per connection (force_generic_plan around it)
 * still proves the queue's partial index: $1 org, $2 limit, $3 (mine) the
 * acting user. The generic plan reads the page's rows straight from the
 * queue index's order (an index scan, stopping at the limit), so the
 * page needs no second fetch by id as the list above does. */
#define PLAIN_SCOPE "t.routing_type <> 'internal' and t.assigned_org_id = $1::uuid and not t.is_spam and "
#define LIST_PLAIN(name, cond) \
	{ name, "with page as materialized (select " PAGE_COLUMNS ", " US("t.last_activity_at") " as k1, 0::bigint as k2 " \
	  "from tickets t where " PLAIN_SCOPE cond " order by t.last_activity_at desc, t.id desc limit $2) " \
	  QUEUE_SELECT("desc") }
/* Unassigned, by ids first (the rows fetched after, as the list above
 * does): with the rows' columns wanted, the planner prefers the
 * organization's index of unassigned tickets and a sort of all of them
 * (1,379 rows, 7.8 ms at a million tickets) to the queue index's order. */
#define LIST_PLAIN_IDS(name, cond) \
	{ name, "with ids as materialized (select t.id, " US("t.last_activity_at") " as k1, 0::bigint as k2 " \
	  "from tickets t where " PLAIN_SCOPE cond " order by t.last_activity_at desc, t.id desc limit $2" \
	  QUEUE_ROWS("desc") }
static const db_stmt q_list_plain[QUEUE__MAX] = {
	[QUEUE_MINE] = LIST_PLAIN("queue_plain_mine", "t.status in " ACTIVE " and t.assignee_id = $3::uuid"),
	[QUEUE_UNASSIGNED] = LIST_PLAIN_IDS("queue_plain_unassigned", "t.status in " ACTIVE " and t.assignee_id is null"),
	[QUEUE_OPEN] = LIST_PLAIN("queue_plain_open", "t.status in " ACTIVE),
	[QUEUE_WAITING] = LIST_PLAIN("queue_plain_waiting", "t.status in ('waiting_customer', 'waiting_internal')"),
	[QUEUE_RESOLVED] = LIST_PLAIN("queue_plain_resolved", "t.status in ('resolved', 'closed', 'cancelled')"),
};

/* The statement of q_list_plain that serves f and after, or NULL. */
static const db_stmt *plain_list(const db_tx *tx, const queue_filter *f, const queue_cursor *after)
{
	if (f->scope.all || !f->scope.org || after || f->sort != QUEUE_SORT_UPDATED || f->asc)
		return NULL;
	if (f->status || f->priority || f->assignee != QUEUE_ASSIGNEE_ANY || f->team || f->category || f->type ||
	    f->tag || f->stage || f->q || f->requester)
		return NULL;
	if (f->queue == QUEUE_MINE && !tx->user_id)
		return NULL;
	return q_list_plain[f->queue].name ? &q_list_plain[f->queue] : NULL;
}

static const db_stmt q_staff_orgs = { "queue_staff_orgs",
	"select o from unnest(app_staff_org_ids()) o limit 2" };

static const db_stmt q_plan_per_call = { "queue_plan_per_call",
	"select set_config('plan_cache_mode', 'force_custom_plan', true)" };

/* Around the statements whose plan is made once per connection. */
static const db_stmt q_plan_once = { "queue_plan_once",
	"select set_config('plan_cache_mode', 'force_generic_plan', true)" };

static int queue_plan_per_call(db_tx *tx)
{
	return db_tx_exec(tx, &q_plan_per_call, 0, NULL) ? 0 : -1;
}

int queue_begin(db_tx *tx, queue_scope *scope)
{
	/* One organization: nothing to look up, and the statements that need
	 * planning per call say so in their own round trip (queue_list). */
	if (scope->org && !scope->all)
		return 0;
	if (scope->all)
		return queue_plan_per_call(tx);
	db_call c[2] = { { &q_plan_per_call, NULL, 0, NULL }, { &q_staff_orgs, NULL, 0, NULL } };
	db_result *res[2];
	if (!db_tx_exec_all(tx, c, 2, res))
		return -1;
	if (db_rows(res[1]) == 1)
		scope->org = db_get_dup(tx->a, res[1], 0, 0);
	return 0;
}

/* The statuses of each queue, as text[] literals. */
static const char *const kind_statuses[QUEUE__MAX] = {
	[QUEUE_MINE] = "{new,open,in_progress,waiting_customer,waiting_internal}",
	[QUEUE_UNASSIGNED] = "{new,open,in_progress,waiting_customer,waiting_internal}",
	[QUEUE_OPEN] = "{new,open,in_progress,waiting_customer,waiting_internal}",
	[QUEUE_WAITING] = "{waiting_customer,waiting_internal}",
	[QUEUE_SLA] = "{new,open,in_progress,waiting_customer,waiting_internal}",
	[QUEUE_RESOLVED] = "{resolved,closed,cancelled}",
	[QUEUE_SPAM] = "{new,open,in_progress,waiting_customer,waiting_internal,resolved,closed,cancelled}",
};

/* The queue's statuses narrowed to `status` (NULL: all of them): the
 * status itself when the queue holds it, else none ("{}"). */
static const char *statuses_for(arena *a, enum queue_kind k, const char *status)
{
	if (!status)
		return kind_statuses[k];
	const char *set = kind_statuses[k];
	size_t n = strlen(status);
	for (const char *p = set + 1; *p;) {
		const char *e = p + strcspn(p, ",}");
		if ((size_t)(e - p) == n && memcmp(p, status, n) == 0)
			return arena_sprintf(a, "{%s}", status);
		p = *e ? e + 1 : e;
	}
	return "{}";
}

int queue_list(db_tx *tx, const queue_filter *f, const queue_cursor *after, int limit, queue_page *out)
{
	memset(out, 0, sizeof *out);
	if (f->queue >= QUEUE__MAX || f->sort >= QUEUE_SORT__MAX || limit < 1)
		return -1;
	arena *a = tx->a;
	const char *assignee = f->assignee == QUEUE_ASSIGNEE_USER ? f->assignee_id : NULL;
	bool unassigned = f->assignee == QUEUE_ASSIGNEE_NONE || f->queue == QUEUE_UNASSIGNED;
	const char *statuses = statuses_for(a, f->queue, f->status);
	if (f->queue == QUEUE_MINE) {
		/* mine and another assignee (or nobody): nothing */
		if (unassigned || (assignee && tx->user_id && strcmp(assignee, tx->user_id) != 0))
			statuses = "{}";
		assignee = tx->user_id;
	}
	char lim[16], k1[24], k2[24];
	snprintf(lim, sizeof lim, "%d", limit + 1);
	if (after) {
		snprintf(k1, sizeof k1, "%lld", after->k1);
		snprintf(k2, sizeof k2, "%lld", after->k2);
	}
	/* q is a ticket number, an address, or words. */
	const char *words = NULL, *number = NULL, *email = NULL;
	if (f->q) {
		str qs = str_from_cstr(f->q);
		char *up = arena_alloc(a, qs.len + 1);
		for (size_t i = 0; i <= qs.len; i++)
			up[i] = f->q[i] >= 'a' && f->q[i] <= 'z' ? (char)(f->q[i] - 'a' + 'A') : f->q[i];
		if (ticket_number_plausible(str_from_cstr(up)))
			number = up;
		else if (strchr(f->q, '@'))
			email = f->q;
		else
			words = f->q;
	}
	if (f->requester) {
		/* One requester: a searched address must be theirs (else nothing). */
		if (email && strcasecmp(email, f->requester) != 0)
			statuses = "{}";
		email = f->requester;
	}
	const char *p[20] = {
		f->scope.all ? "true" : "false", f->scope.all ? NULL : f->scope.org, statuses,
		f->queue == QUEUE_SPAM ? "true" : "false", unassigned ? "true" : "false", assignee,
		f->queue == QUEUE_SLA ? "true" : "false", f->priority, f->team, f->category, f->type, f->tag, words, number,
		email, lim, after ? k1 : NULL, after ? after->id : NULL, after ? k2 : NULL,
		f->stage, /* workflows */
	};
	int np = 20;
	db_result *res;
	const db_stmt *plain = plain_list(tx, f, after);
	if (plain) {
		const char *pp[3] = { f->scope.org, lim, tx->user_id };
		/* Back to planning per call after it, as queue_counts() does. */
		db_call calls[3] = { { &q_plan_once, NULL, 0, NULL }, { plain, NULL, f->queue == QUEUE_MINE ? 3 : 2, pp },
			{ &q_plan_per_call, NULL, 0, NULL } };
		db_result *r3[3];
		res = db_tx_exec_all(tx, calls, 3, r3) ? r3[1] : NULL;
	} else {
		db_call calls[2] = { { &q_plan_per_call, NULL, 0, NULL }, { &q_list[f->sort][f->asc ? 1 : 0], NULL, np, p } };
		db_result *r2[2];
		res = db_tx_exec_all(tx, calls, 2, r2) ? r2[1] : NULL;
	}
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	out->more = rows > (size_t)limit;
	out->n = out->more ? (size_t)limit : rows;
	out->rows = arena_calloc(a, out->n + 1, sizeof *out->rows);
	for (size_t i = 0; i < out->n; i++) {
		queue_row *row = &out->rows[i];
		int r = (int)i;
		row->id = db_get_dup(a, res, r, 0);
		row->number = db_get_dup(a, res, r, 1);
		row->title = db_get_dup(a, res, r, 2);
		row->status = db_get_dup(a, res, r, 3);
		row->priority = db_get_dup(a, res, r, 4);
		row->requester = db_get_dup(a, res, r, 5);
		row->assignee_id = db_get_dup(a, res, r, 6);
		row->assignee = db_get_dup(a, res, r, 7);
		row->team = db_get_dup(a, res, r, 8);
		row->org = db_get_dup(a, res, r, 9);
		row->sla = db_get_dup(a, res, r, 10);
		row->sla_due = db_get_int(res, r, 11, 0);
		row->updated = db_get_int(res, r, 12, 0);
		row->is_spam = db_get_bool(res, r, 13);
		row->pos.sort = (unsigned char)f->sort;
		row->pos.asc = f->asc;
		row->pos.k1 = db_get_int(res, r, 14, 0);
		row->pos.k2 = db_get_int(res, r, 15, 0);
		snprintf(row->pos.id, sizeof row->pos.id, "%s", row->id ? row->id : "");
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Counts: each queue up to $3 rows, in one statement.
 * ------------------------------------------------------------------------- */

#define COUNT_OF(scope, cap, cond) \
	"(select count(*) from (select 1 from tickets t where " scope " and " cond " limit " cap ") x)"
#define COUNT_SLA(scope, cap) \
	"(select count(*) from (select 1 from tickets t left join sla_policies p on p.id = t.sla_policy_id " \
	"where " scope " and not t.is_spam and t.status in " ACTIVE " and " SLA_QUEUE " limit " cap ") x)"
#define COUNTS(scope, cap) \
	"select " COUNT_OF(scope, cap, "t.status in " ACTIVE " and not t.is_spam and t.assignee_id = (select app_user_id())") \
	", " COUNT_OF(scope, cap, "t.status in " ACTIVE " and not t.is_spam and t.assignee_id is null") ", " \
	COUNT_OF(scope, cap, "t.status in " ACTIVE " and not t.is_spam") ", " \
	COUNT_OF(scope, cap, "t.status in ('waiting_customer', 'waiting_internal') and not t.is_spam") ", " \
	COUNT_SLA(scope, cap) ", " \
	COUNT_OF(scope, cap, "t.status in ('resolved', 'closed', 'cancelled') and not t.is_spam") ", " \
	COUNT_OF(scope, cap, "t.is_spam")

/* $1 all, $2 org or NULL, $3 the cap: planned per call, as the lists. */
static const db_stmt q_counts = { "queue_counts", COUNTS(QUEUE_SCOPE, "$3") };
/* The common case, one organization: $1 org, $2 the cap (of the SLA
 * queue only). Six of the counts are exact, the sums of the deltas the
 * tickets' trigger keeps (ticket_queue_counts, 0045): one index range of
 * a few rows per agent. The SLA queue depends on the clock and stays a
 * capped count. Nothing depends on a parameter's value to find the
 * indexes, so it is planned once per connection (force_generic_plan
 * around it). */
#define KEPT(cond) "coalesce(sum(c.n) filter (where " cond "), 0)"
static const db_stmt q_counts_org = { "queue_counts_org",
	"select " KEPT("c.queue = 1 and c.assignee_id = (select app_user_id())") ", "
	KEPT("c.queue = 1 and c.assignee_id is null") ", " KEPT("c.queue = 1") ", " KEPT("c.queue = 2") ", "
	COUNT_SLA("(t.routing_type <> 'internal' and t.assigned_org_id = $1::uuid)", "$2") ", "
	KEPT("c.queue = 3") ", " KEPT("c.queue = 4")
	" from ticket_queue_counts c where c.organization_id = $1::uuid" };

int queue_counts(db_tx *tx, const queue_scope *scope, long cap, long counts[QUEUE__MAX], bool exact[QUEUE__MAX])
{
	bool kept = !scope->all && scope->org;
	char c[24];
	snprintf(c, sizeof c, "%ld", cap);
	db_result *res;
	if (kept) {
		const char *p[2] = { scope->org, c };
		/* Back to planning per call after it, for the list. */
		db_call calls[3] = { { &q_plan_once, NULL, 0, NULL }, { &q_counts_org, NULL, 2, p },
			{ &q_plan_per_call, NULL, 0, NULL } };
		db_result *r3[3];
		if (!db_tx_exec_all(tx, calls, 3, r3))
			return -1;
		res = r3[1];
	} else {
		const char *p[3] = { scope->all ? "true" : "false", NULL, c };
		res = db_tx_exec(tx, &q_counts, 3, p);
	}
	if (!res || db_rows(res) != 1)
		return -1;
	for (int i = 0; i < QUEUE__MAX; i++) {
		counts[i] = (long)db_get_int(res, 0, i, 0);
		exact[i] = kept && i != QUEUE_SLA;
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Filter options
 * ------------------------------------------------------------------------- */

#define ORG_SCOPE(col) \
	"($1::boolean or case when $2::uuid is null then " col " = any ((select app_staff_org_ids())::uuid[]) " \
	"else " col " = $2::uuid end)"

static const db_stmt q_teams = { "queue_opt_teams",
	"select id, name from teams where is_active and " ORG_SCOPE("organization_id") " order by name, id limit 200" };
static const db_stmt q_categories = { "queue_opt_categories",
	"select id, name from categories where is_active and (organization_id is null or " ORG_SCOPE("organization_id")
	") order by sort_order, name, id limit 200" };
static const db_stmt q_types = { "queue_opt_types",
	"select id, name from request_types where is_active and (organization_id is null or "
	ORG_SCOPE("organization_id") ") order by sort_order, name, id limit 200" };
/* Staff of the scope, and platform staff for platform staff (who may be
 * assigned hybrid and internal tickets): desk_agents() in 0019. */
static const db_stmt q_agents = { "queue_opt_agents", "select id, label from desk_agents($1::boolean, $2::uuid)" };
static const db_stmt q_orgs = { "queue_opt_orgs",
	"select id, name from organizations where is_active and not is_platform "
	"and ((select app_is_platform_staff()) or id = any ((select app_staff_org_ids())::uuid[])) order by name, id limit 500" };

static void options(db_tx *tx, db_result *res, queue_option **out, size_t *n)
{
	*n = (size_t)db_rows(res);
	*out = arena_calloc(tx->a, *n + 1, sizeof **out);
	for (size_t i = 0; i < *n; i++) {
		(*out)[i].id = db_get_dup(tx->a, res, (int)i, 0);
		(*out)[i].name = db_get_dup(tx->a, res, (int)i, 1);
	}
}

int queue_options_get(db_tx *tx, const queue_scope *scope, queue_options *out)
{
	memset(out, 0, sizeof *out);
	const char *p[2] = { scope->all ? "true" : "false", scope->all ? NULL : scope->org };
	/* One round trip for the five lists. */
	db_call c[5] = { { &q_teams, NULL, 2, p }, { &q_categories, NULL, 2, p }, { &q_types, NULL, 2, p },
		{ &q_agents, NULL, 2, p }, { &q_orgs, NULL, 0, NULL } };
	db_result *res[5];
	if (!db_tx_exec_all(tx, c, 5, res))
		return -1;
	options(tx, res[0], &out->teams, &out->nteams);
	options(tx, res[1], &out->categories, &out->ncategories);
	options(tx, res[2], &out->types, &out->ntypes);
	options(tx, res[3], &out->agents, &out->nagents);
	options(tx, res[4], &out->orgs, &out->norgs);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Bulk actions. Each UPDATE changes the ticket only when it differs, so
 * that no row means "unchanged" or "not yours"; the probe (SELECT ... FOR
 * UPDATE, which row-level security checks against the UPDATE policy too)
 * tells which.
 * ------------------------------------------------------------------------- */

/* An assignee must be an active user who is active staff of the ticket's
 * routing organization, or platform staff for a ticket the platform works
 * (internal or hybrid), and no API key's service user (0042). What the acting user may not see (users' RLS)
 * does not exist here either. */
static const db_stmt q_assign = { "queue_assign",
	"update tickets t set assignee_id = $2::uuid where t.number = $1 and t.assignee_id is distinct from $2::uuid "
	"and ($2::uuid is null or exists (select 1 from users u where u.id = $2::uuid and u.is_active and not u.is_service and ("
	"(t.routing_type <> 'internal' and exists (select 1 from memberships m where m.user_id = u.id "
	"and m.organization_id = t.assigned_org_id and m.is_active)) "
	"or (t.routing_type <> 'organization' and u.platform_role is not null)))) returning t.id" };
static const db_stmt q_status = { "queue_status",
	"update tickets t set status = $2 where t.number = $1 and t.status <> $2 returning t.id" };
static const db_stmt q_priority = { "queue_priority",
	"update tickets t set priority = $2 where t.number = $1 and t.priority <> $2 returning t.id" };
static const db_stmt q_tag_add = { "queue_tag_add",
	"update tickets t set tags = array_append(t.tags, $2::text) where t.number = $1 and not ($2::text = any (t.tags)) "
	"returning t.id" };
static const db_stmt q_tag_remove = { "queue_tag_remove",
	"update tickets t set tags = array_remove(t.tags, $2::text) where t.number = $1 and $2::text = any (t.tags) "
	"returning t.id" };
static const db_stmt q_spam = { "queue_spam",
	"update tickets t set is_spam = true where t.number = $1 and not t.is_spam returning t.id" };
static const db_stmt q_not_spam = { "queue_not_spam",
	"update tickets t set is_spam = false where t.number = $1 and t.is_spam returning t.id" };
static const db_stmt q_delete = { "queue_spam_delete", "select desk_spam_delete($1)" };
/* automation (0037) */
static const db_stmt q_macro = { "queue_macro",
	"select coalesce((select macro_apply($2::uuid, t.id) from tickets t where t.number = $1), 'not_found')" };
static const db_stmt q_probe = { "queue_probe",
	"select t.assignee_id from tickets t where t.number = $1 for update of t" };

const char *queue_apply(db_tx *tx, const char *number, enum queue_action action, const char *value)
{
	const db_stmt *s = NULL;
	switch (action) {
	case QUEUE_ACTION_ASSIGN: s = &q_assign; break;
	case QUEUE_ACTION_STATUS: s = &q_status; break;
	case QUEUE_ACTION_PRIORITY: s = &q_priority; break;
	case QUEUE_ACTION_TAG: s = value && value[0] == '-' ? &q_tag_remove : &q_tag_add; break;
	case QUEUE_ACTION_SPAM: s = &q_spam; break;
	case QUEUE_ACTION_NOT_SPAM: s = &q_not_spam; break;
	case QUEUE_ACTION_DELETE: {
		const char *p[1] = { number };
		db_result *res = db_tx_exec(tx, &q_delete, 1, p);
		if (!res || db_rows(res) != 1)
			return NULL;
		str st = db_get(res, 0, 0);
		return str_eq_cstr(st, "ok") ? "ok" : str_eq_cstr(st, "not_spam") ? "invalid" : "not_found";
	}
	/* automation (0037): the macro as the agent; a macro they may not use is invalid */
	case QUEUE_ACTION_MACRO: {
		const char *p[2] = { number, value ? value : "" };
		db_result *res = db_tx_exec(tx, &q_macro, 2, p);
		if (!res || db_rows(res) != 1)
			return NULL;
		str st = db_get(res, 0, 0);
		return str_eq_cstr(st, "ok") ? "ok" : str_eq_cstr(st, "not_found") ? "not_found" : "invalid";
	}
	default: return NULL;
	}
	if ((action == QUEUE_ACTION_STATUS || action == QUEUE_ACTION_PRIORITY || action == QUEUE_ACTION_TAG) &&
	    (!value || !*value))
		return "invalid";
	const char *v = action == QUEUE_ACTION_TAG && value[0] == '-' ? value + 1 : value;
	const char *p[2] = { number, v };
	int np = action == QUEUE_ACTION_SPAM || action == QUEUE_ACTION_NOT_SPAM ? 1 : 2;
	db_result *res = db_tx_exec(tx, s, np, p);
	if (!res)
		return NULL;
	if (db_rows(res) > 0)
		return "ok";
	const char *pp[1] = { number };
	db_result *probe = db_tx_exec(tx, &q_probe, 1, pp);
	if (!probe)
		return NULL;
	if (db_rows(probe) == 0)
		return "not_found";
	if (action == QUEUE_ACTION_ASSIGN) {
		str cur = db_get(probe, 0, 0);
		bool same = v ? str_eq_cstr(cur, v) : cur.ptr == NULL;
		return same ? "unchanged" : "invalid";
	}
	return "unchanged";
}
