/* report.c: SQL of the reports. Every statement reads report_daily (never
 * the tickets, but for the few recent comments) over a range of days; the
 * filters are "$n is null or column = $n", which the transaction plans per
 * call (queue_begin in the caller), so each folds to what is asked. */
#include "model/report.h"

#include <stdio.h>
#include <string.h>

#define RANGE \
	"r.day between $1::date and $2::date " \
	"and ($3::uuid is null or r.org_id = $3::uuid) " \
	"and ($4::uuid is null or r.team_id = $4::uuid) " \
	"and ($5::uuid is null or r.assignee_id = $5::uuid)"

/* grouping(): 0 for a column grouped by; the sets below give each group a
 * distinct number (priority 3, team 5, agent 6, total 7...). */
static const db_stmt q_sla = { "report_sla",
	"select g.gs, coalesce(g.priority, g.team_id::text, g.assignee_id::text), coalesce(tm.name, u.name), "
	"g.created, g.fr_met, g.fr_breached, g.res_met, g.res_breached "
	"from (select grouping(r.priority, r.team_id, r.assignee_id) as gs, r.priority, r.team_id, r.assignee_id, "
	"  sum(r.created) created, sum(r.fr_met) fr_met, sum(r.fr_breached) fr_breached, "
	"  sum(r.res_met) res_met, sum(r.res_breached) res_breached "
	"  from report_daily r where " RANGE
	"  group by grouping sets ((r.priority), (r.team_id), (r.assignee_id), ())) g "
	"left join teams tm on tm.id = g.team_id "
	"left join users u on u.id = g.assignee_id "
	"order by g.gs, array_position(array['urgent','high','normal','low'], g.priority), "
	"coalesce(tm.name, u.name), 2" };

static const db_stmt q_agents = { "report_agents",
	"select 6, g.assignee_id::text, u.name, g.created, g.open, g.resolved, g.frm, g.frn, g.rsm, g.rsn, "
	"g.r1, g.r2, g.r3, g.r4, g.r5 "
	"from (select r.assignee_id, sum(r.created) created, sum(r.open) open, sum(r.resolved) resolved, "
	"  sum(r.fr_minutes) frm, sum(r.fr_count) frn, sum(r.res_minutes) rsm, sum(r.res_count) rsn, "
	"  sum(r.rating_1) r1, sum(r.rating_2) r2, sum(r.rating_3) r3, sum(r.rating_4) r4, sum(r.rating_5) r5 "
	"  from report_daily r where " RANGE " and r.assignee_id is not null "
	"  group by r.assignee_id) g "
	"left join users u on u.id = g.assignee_id "
	/* An API key's service user is no agent; asked per agent, not per
	 * summary row (a platform-wide 90 days is 117,000 of them). */
	"where not coalesce(u.is_service, false) "
	"order by u.name, 2" };

static const db_stmt q_volume = { "report_volume",
	"select g.gs, coalesce(g.day::text, g.source, g.category_id::text, g.request_type_id::text), "
	"coalesce(c.name, rt.name), g.created, g.resolved "
	"from (select grouping(r.day, r.source, r.category_id, r.request_type_id) as gs, r.day, r.source, "
	"  r.category_id, r.request_type_id, sum(r.created) created, sum(r.resolved) resolved "
	"  from report_daily r where " RANGE
	"  group by grouping sets ((r.day), (r.source), (r.category_id), (r.request_type_id))) g "
	"left join categories c on c.id = g.category_id "
	"left join request_types rt on rt.id = g.request_type_id "
	"order by g.gs, g.day, coalesce(c.name, rt.name, g.source), 2" };

static const db_stmt q_csat = { "report_csat",
	"select coalesce(sum(r.rating_1), 0), coalesce(sum(r.rating_2), 0), coalesce(sum(r.rating_3), 0), "
	"coalesce(sum(r.rating_4), 0), coalesce(sum(r.rating_5), 0) from report_daily r where " RANGE };

/* The comments' own index (tickets_org_rated_comment_idx) per routing
 * organization; the same scope as the summary (no spam, not internal
 * unless platform staff, which row-level security decides). */
static const db_stmt q_comments = { "report_comments",
	"select t.number, t.satisfaction_rating, t.satisfaction_comment, "
	"extract(epoch from t.satisfaction_submitted_at)::bigint "
	"from tickets t where t.satisfaction_comment is not null and t.deleted_at is null and not t.is_spam "
	"and t.satisfaction_submitted_at >= $1::date and t.satisfaction_submitted_at < $2::date + 1 "
	"and ($3::uuid is null or (t.routing_type <> 'internal' and t.assigned_org_id = $3::uuid)) "
	"and ($4::uuid is null or t.team_id = $4::uuid) and ($5::uuid is null or t.assignee_id = $5::uuid) "
	"order by t.satisfaction_submitted_at desc, t.id desc limit $6::int" };

static const db_stmt q_fresh = { "report_freshness",
	"select coalesce(extract(epoch from folded_at)::bigint, 0), pending from report_freshness()" };

/* grouping(user_id, ticket_id, organization_id, domain): 7 per agent, 11
 * per ticket, 13 per organization, 14 per domain, 15 the total. */
static const db_stmt q_time = { "report_time",
	"with e as (select e.user_id, e.ticket_id, e.organization_id, e.minutes, e.billable, "
	"  lower(split_part(rq.email::text, '@', 2)) as domain "
	"  from time_entries e join tickets t on t.id = e.ticket_id join users rq on rq.id = t.requester_id "
	"  where e.work_date >= $1::date and e.work_date <= $2::date "
	"  and ($3::uuid is null or e.organization_id = $3::uuid) "
	"  and ($4::uuid is null or t.team_id = $4::uuid) and ($5::uuid is null or e.user_id = $5::uuid)), "
	"g as (select grouping(e.user_id, e.ticket_id, e.organization_id, e.domain) as gs, e.user_id, e.ticket_id, "
	"  e.organization_id, e.domain, sum(e.minutes) minutes, coalesce(sum(e.minutes) filter (where e.billable), 0) "
	"  billable, count(*) entries "
	"  from e group by grouping sets ((), (e.user_id), (e.ticket_id), (e.organization_id), (e.domain))), "
	"r as (select g.*, row_number() over (partition by g.gs order by g.minutes desc, g.ticket_id) n from g) "
	"select r.gs, coalesce(r.user_id::text, t.number, r.organization_id::text, r.domain), "
	"coalesce(nullif(u.name, ''), u.email::text, t.number || ' ' || t.title, o.name, r.domain), "
	"r.minutes, r.billable, r.entries "
	"from r left join users u on u.id = r.user_id left join tickets t on t.id = r.ticket_id "
	"left join organizations o on o.id = r.organization_id "
	"where r.gs <> 11 or r.n <= 100 "
	"order by r.gs, r.minutes desc, 2" };

/* The moves of the organization $3 from the range's first day on, each
 * with the ticket's next move (report_stage_moves, 0044: it checks once
 * that the user reads the organization's workflows, then reads the moves'
 * partial index of 0043 with one look at each ticket, instead of a join
 * here and row-level security's own per move); a stay lasts from its move
 * to the next. A stay that began before the range is not the range's. */
static const db_stmt q_stages = { "report_stages",
	"with m as (select stage_id, entered, left_at "
	"  from report_stage_moves($3::uuid, $1::date::timestamptz, $4::uuid, $5::uuid)), "
	"g as (select stage_id, count(*) filter (where entered < $2::date + 1) as entered, "
	"  count(*) filter (where left_at < $2::date + 1) as moved, "
	"  coalesce(sum(extract(epoch from left_at - entered)) filter (where left_at < $2::date + 1), 0)::bigint as secs, "
	"  count(*) filter (where entered < $2::date + 1 and (left_at is null or left_at >= $2::date + 1)) as still "
	"  from m where stage_id is not null group by stage_id), "
	"n as (select * from workflow_stage_open_now($3::uuid)) "
	"select 0, s.id::text, w.name || ': ' || s.name, coalesce(g.entered, 0), coalesce(g.moved, 0), "
	"coalesce(g.secs, 0), coalesce(g.still, 0), coalesce(n.open_count, 0), "
	"coalesce(extract(epoch from n.refreshed_at)::bigint, 0) "
	"from workflow_stages s join workflows w on w.id = s.workflow_id "
	"left join g on g.stage_id = s.id left join n on n.stage_id = s.id "
	"where (g.entered > 0 or n.open_count > 0) and w.organization_id = $3::uuid "
	"order by w.name, w.id, s.position, s.id limit 500" };

static enum report_group group_of(int sql_group, const db_stmt *s)
{
	if (s == &q_stages)
		return REPORT_BY_STAGE;
	if (s == &q_time)
		return sql_group == 7 ? REPORT_BY_AGENT : sql_group == 11 ? REPORT_BY_TICKET
		     : sql_group == 13 ? REPORT_BY_ORG : sql_group == 14 ? REPORT_BY_DOMAIN : REPORT_TOTAL;
	if (s == &q_sla)
		return sql_group == 3 ? REPORT_BY_PRIORITY : sql_group == 5 ? REPORT_BY_TEAM
		     : sql_group == 6 ? REPORT_BY_AGENT : REPORT_TOTAL;
	if (s == &q_volume)
		return sql_group == 7 ? REPORT_BY_DAY : sql_group == 11 ? REPORT_BY_SOURCE
		     : sql_group == 13 ? REPORT_BY_CATEGORY : REPORT_BY_TYPE;
	return REPORT_BY_AGENT;
}

static int run(db_tx *tx, const db_stmt *s, const report_query *q, int nvalues, report_rows *out)
{
	out->rows = NULL;
	out->n = 0;
	const char *p[5] = { q->from, q->to, q->org, q->team, q->agent };
	db_result *res = db_tx_exec(tx, s, 5, p);
	if (!res)
		return -1;
	size_t n = (size_t)db_rows(res);
	report_row *rows = arena_calloc(tx->a, n + 1, sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		int r = (int)i;
		rows[i].group = group_of((int)db_get_int(res, r, 0, 0), s);
		rows[i].key = db_is_null(res, r, 1) ? NULL : db_get_dup(tx->a, res, r, 1);
		rows[i].label = db_is_null(res, r, 2) ? NULL : db_get_dup(tx->a, res, r, 2);
		for (int k = 0; k < nvalues && k < REPORT_VALUES; k++)
			rows[i].v[k] = db_get_int(res, r, 3 + k, 0);
	}
	out->rows = rows;
	out->n = n;
	return 0;
}

int report_sla(db_tx *tx, const report_query *q, report_rows *out)
{
	return run(tx, &q_sla, q, REPORT_SLA_VALUES, out);
}

int report_agents(db_tx *tx, const report_query *q, report_rows *out)
{
	return run(tx, &q_agents, q, REPORT_AGENT_VALUES, out);
}

int report_time(db_tx *tx, const report_query *q, report_rows *out)
{
	return run(tx, &q_time, q, REPORT_TIME_VALUES, out);
}

int report_volume(db_tx *tx, const report_query *q, report_rows *out)
{
	return run(tx, &q_volume, q, REPORT_VOLUME_VALUES, out);
}

int report_csat(db_tx *tx, const report_query *q, long long counts[5], int max, report_comment **comments,
    size_t *ncomments)
{
	memset(counts, 0, 5 * sizeof *counts);
	*comments = NULL;
	*ncomments = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max < 1 ? 1 : max);
	const char *p[6] = { q->from, q->to, q->org, q->team, q->agent, lim };
	db_call c[2] = { { &q_csat, NULL, 5, p }, { &q_comments, NULL, 6, p } };
	db_result *res[2];
	if (!db_tx_exec_all(tx, c, 2, res))
		return -1;
	for (int k = 0; k < 5 && db_rows(res[0]) == 1; k++)
		counts[k] = db_get_int(res[0], 0, k, 0);
	size_t n = (size_t)db_rows(res[1]);
	report_comment *list = arena_calloc(tx->a, n + 1, sizeof *list);
	for (size_t i = 0; i < n; i++) {
		list[i].number = db_get_dup(tx->a, res[1], (int)i, 0);
		list[i].rating = (int)db_get_int(res[1], (int)i, 1, 0);
		list[i].comment = db_get_dup(tx->a, res[1], (int)i, 2);
		list[i].submitted = db_get_int(res[1], (int)i, 3, 0);
	}
	*comments = list;
	*ncomments = n;
	return 0;
}

int report_freshness(db_tx *tx, long long *folded_at, bool *pending)
{
	*folded_at = 0;
	*pending = false;
	db_result *res = db_tx_exec(tx, &q_fresh, 0, NULL);
	if (!res || db_rows(res) != 1)
		return -1;
	*folded_at = db_get_int(res, 0, 0, 0);
	*pending = db_get_bool(res, 0, 1);
	return 0;
}

int report_stages(db_tx *tx, const report_query *q, report_rows *out)
{
	return run(tx, &q_stages, q, REPORT_STAGE_VALUES, out);
}
