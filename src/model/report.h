/* report.h: the figures of /desk/reports, read from the summary table
 * report_daily (sql/migrations/0035_reports.sql) under row-level security:
 * staff read their organizations' rows, platform staff every row. Tickets
 * count on the day they were created (UTC), with what they amount to as of
 * the reports job's last run (report_freshness). */
#ifndef SD_MODEL_REPORT_H
#define SD_MODEL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

/* What every report is asked for. from/to: "YYYY-MM-DD" (inclusive); org,
 * team, agent: uuids or NULL (any the user may see). */
typedef struct {
	const char *from, *to;
	const char *org, *team, *agent;
} report_query;

/* The groups a row belongs to. */
enum report_group {
	REPORT_TOTAL,
	REPORT_BY_PRIORITY,
	REPORT_BY_TEAM,
	REPORT_BY_AGENT,
	REPORT_BY_DAY,
	REPORT_BY_SOURCE,
	REPORT_BY_CATEGORY,
	REPORT_BY_TYPE,
	/* time spent (time_entries) */
	REPORT_BY_TICKET,
	REPORT_BY_ORG,
	REPORT_BY_DOMAIN,  /* the requester's email domain */
	/* stages (ticket_history) */
	REPORT_BY_STAGE,
};

#define REPORT_VALUES 13

/* One row: its group, its key (a priority, a day, a uuid; NULL for "none")
 * and label (a name; NULL when the key has none), and the sums the report
 * asked for, in its order (see each function). */
typedef struct {
	enum report_group group;
	const char *key;
	const char *label;
	long long v[REPORT_VALUES];
} report_row;

typedef struct {
	report_row *rows;
	size_t n;
} report_rows;

/* SLA: per priority, team and agent, and the total; v = created, first
 * response met, breached, resolution met, breached. 0 or -1. */
#define REPORT_SLA_VALUES 5
int report_sla(db_tx *tx, const report_query *q, report_rows *out);

/* Agents (seed 002 v_agent_ticket_stats): per assignee; v = assigned, open,
 * resolved, response minutes, responses, resolution minutes, resolutions,
 * ratings 1..5. 0 or -1. */
#define REPORT_AGENT_VALUES 12
int report_agents(db_tx *tx, const report_query *q, report_rows *out);

/* Time spent (time_entries, by the day the work was done, not through the
 * summary: entries are few next to tickets): the total, per agent, per
 * organization, per requester's email domain and per ticket (the 100
 * with the most time); v = minutes, billable minutes, entries. team
 * narrows to tickets of the team. 0 or -1. */
#define REPORT_TIME_VALUES 3
#define REPORT_TIME_TICKETS 100
int report_time(db_tx *tx, const report_query *q, report_rows *out);

/* Stages: per workflow stage of the organization q->org (required: stages
 * belong to an organization's workflows), labelled "Workflow: Stage", in
 * the workflow's order, at most REPORT_STAGES_MAX; the stays that began in
 * the range: v = entered, moved on in the range, seconds those spent on
 * the stage (their sum), still on it at the range's end; then the open
 * tickets on the stage now and when that snapshot was taken (unix seconds,
 * 0 = not yet), from workflow_stage_stats, which knows no team or agent. A
 * stage is listed when it had a stay or has open tickets. team and agent
 * narrow the stays to tickets of the team or assignee. 0 or -1. */
#define REPORT_STAGE_VALUES 6
#define REPORT_STAGES_MAX 500
int report_stages(db_tx *tx, const report_query *q, report_rows *out);

/* Volumes: per day, source (channel), category and request type; v =
 * created, resolved. 0 or -1. */
#define REPORT_VOLUME_VALUES 2
int report_volume(db_tx *tx, const report_query *q, report_rows *out);

/* Satisfaction: the number of each rating, counts[0] for 1 ... counts[4]
 * for 5, and up to max recent comments submitted in the range. */
typedef struct {
	const char *number;
	int rating;
	const char *comment;
	long long submitted;   /* unix seconds */
} report_comment;

int report_csat(db_tx *tx, const report_query *q, long long counts[5], int max, report_comment **comments,
    size_t *ncomments);

/* When the reports job last folded the changes (unix seconds, 0 = never)
 * and whether changes wait to be folded. 0 or -1. */
int report_freshness(db_tx *tx, long long *folded_at, bool *pending);

#endif
