/* reports.c: the staff's reports at /desk/reports: SLA compliance, agent
 * statistics, volumes and satisfaction, for a range of days (from/to,
 * default the last 30, at most 366), each as SVG charts drawn here (the
 * geometry in core/chart.c, the markup in templates/partials/report_chart)
 * with the same numbers as tables, and each as CSV at
 * /desk/reports/<name>.csv with the same parameters.
 *
 * Who sees what is row-level security's answer (report_daily's policy):
 * staff their organizations', platform staff every one. `org` narrows to
 * one of the user's organizations (404 for another), `team` and `agent` to
 * one of the filter lists (400 for another: those lists are the allow-list). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/chart.h"
#include "core/csv.h"
#include "core/daterange.h"
#include "model/queue.h"
#include "model/report.h"
#include "pages/desk_words.h"
#include "app/page.h"
#include "pages/pages.h"

#define DEFAULT_DAYS 30
#define MAX_DAYS 366
#define CHART_MAX_BARS 20
#define COMMENTS_SHOWN 20
#define LEN(a) (sizeof (a) / sizeof *(a))

enum report_kind { R_SLA, R_AGENTS, R_VOLUME, R_CSAT, R_TIME, R_STAGES, R__KINDS };

static const desk_word sources[] = {
	{ "web", "Web form" }, { "email", "Email" }, { "api", "API" }, { "portal", "Portal" },
	{ "chat", "Chat" }, { "phone", "Phone" }, { "widget", "Widget" }, { NULL, NULL },
};

typedef struct {
	report_query q;
	char from[DATE_LEN + 1], to[DATE_LEN + 1];
	const char *error;        /* a message for the form; NULL when the parameters hold */
	const char *error_field;  /* "from" or "to" */
	queue_options opts;
	const user_access *ua;
} rctx;

/* What a report read: its rows or, for satisfaction, the count of each
 * rating and the latest comments; n: the rows of its CSV. */
typedef struct {
	report_rows rr;
	long long counts[5];
	report_comment *cm;
	size_t ncm;
	size_t n;
} report_data;

/* A report broken down by groups (priority, team, agent...): a section per
 * group, its table of every row and, where it has a chart title, a bar
 * chart of the first CHART_MAX_BARS rows. */
typedef struct {
	enum report_group g;
	const char *heading;     /* the section's */
	const char *caption;     /* the table's */
	const char *chart_title; /* NULL: no chart */
} report_grouping;

typedef struct {
	const report_grouping *groups;
	size_t ngroups;
	const char *const *cols; /* the table's, the label's first */
	size_t ncols;
	/* Writes a row's cells after its label (v: report_row.v) and answers
	 * the value of its bar. */
	long long (*cells)(req *r, tv *cells, const long long *v);
} grouped_report;

/* A report: what tells it from the others; report_page and report_csv do
 * the rest. */
typedef struct {
	const char *name, *title, *summary;
	int (*rows)(db_tx *tx, const report_query *q, report_rows *out);   /* the model call, or else: */
	int (*load)(db_tx *tx, const report_query *q, report_data *d);
	const grouped_report *grouped;   /* the page's sections by groups, or else: */
	void (*sections)(req *r, const rctx *c, const report_data *d, tv *sections);
	void (*totals)(req *r, const report_data *d, tv *v);   /* the total line, notes; may be NULL */
	const char *const *csv_cols;   /* the CSV's header, NULL-terminated */
	/* The cells of the CSV's row i, or else its group, key, name and csv_values values (row_csv). */
	void (*csv_cells)(req *r, csv_writer *w, const report_data *d, size_t i);
	int csv_values;
	const char *choose_org;   /* an organization's report: what its page says while none is chosen (its CSV: 400) */
	bool live;   /* read from the history as it is, not the summary the reports job folds: no "figures as of" */
} report_kind;

/* Defined at the end, after the functions the reports name. */
static const report_kind kinds[R__KINDS];

static str param(req *r, const char *name)
{
	str s = req_query_get(r, name);
	return s.ptr ? s : (str){ "", 0 };
}

/* The id among the options, or NULL. */
static const char *option_id(const queue_option *o, size_t n, str s)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].id && str_eq_cstr(s, o[i].id))
			return o[i].id;
	return NULL;
}

/* The parameters of the request: 0 (with c->error set for a bad date
 * range, to show on the form), 404, 400 or a failure status. */
static int begin(req *r, rctx *c)
{
	memset(c, 0, sizeof *c);
	c->ua = page_access(r);
	if (!c->ua)
		return page_db_failure(r);
	str from = param(r, "from"), to = param(r, "to"), org = param(r, "org");
	str team = param(r, "team"), agent = param(r, "agent");
	if (from.len > 64 || to.len > 64 || org.len > 64 || team.len > 64 || agent.len > 64)
		return 400;
	long f = 0, t = 0, today = date_of_epoch((long long)time(NULL));
	switch (date_range_parse(from, to, today, DEFAULT_DAYS, MAX_DAYS, &f, &t)) {
	case RANGE_OK:
		break;
	case RANGE_BAD_FROM:
		c->error = "Enter the start date as YYYY-MM-DD, for example 2024-05-01.";
		c->error_field = "from";
		break;
	case RANGE_BAD_TO:
		c->error = "Enter the end date as YYYY-MM-DD, for example 2024-05-31.";
		c->error_field = "to";
		break;
	case RANGE_REVERSED:
		c->error = "The start date must be on or before the end date.";
		c->error_field = "from";
		break;
	case RANGE_TOO_LONG:
		c->error = "Choose a range of at most 366 days.";
		c->error_field = "from";
		break;
	}
	if (c->error) {
		/* What was typed goes back into the form, bounded above. */
		snprintf(c->from, sizeof c->from, "%.*s", (int)(from.len < DATE_LEN ? from.len : DATE_LEN), from.ptr);
		snprintf(c->to, sizeof c->to, "%.*s", (int)(to.len < DATE_LEN ? to.len : DATE_LEN), to.ptr);
	} else {
		date_format(f, c->from);
		date_format(t, c->to);
	}
	c->q.from = c->from;
	c->q.to = c->to;

	queue_scope scope = { .all = c->ua->platform_staff, .org = NULL };
	db_tx *tx = page_tx(r);
	if (queue_begin(tx, &scope) != 0 || queue_options_get(tx, &scope, &c->opts) != 0)
		return page_db_failure(r);
	if (org.len) {
		/* An organization the user does not work for does not exist for them. */
		if (!(c->q.org = option_id(c->opts.orgs, c->opts.norgs, org)))
			return 404;
		scope.all = false;
		scope.org = c->q.org;
		if (queue_options_get(tx, &scope, &c->opts) != 0)
			return page_db_failure(r);
	} else if (scope.org) {
		c->q.org = scope.org;   /* staff of exactly one organization */
	}
	if (team.len && !(c->q.team = option_id(c->opts.teams, c->opts.nteams, team)))
		return 400;
	if (agent.len && !(c->q.agent = option_id(c->opts.agents, c->opts.nagents, agent)))
		return 400;
	return 0;
}

/* The query string of the parameters (for links and the CSV), "" or "?...". */
static const char *query_string(req *r, const rctx *c, bool org_given)
{
	buf b;
	buf_init(&b, r->a, 128);
	buf_printf(&b, "?from=%s&to=%s", c->from, c->to);
	if (org_given && c->q.org)
		buf_printf(&b, "&org=%s", c->q.org);
	if (c->q.team)
		buf_printf(&b, "&team=%s", c->q.team);
	if (c->q.agent)
		buf_printf(&b, "&agent=%s", c->q.agent);
	return b.data;
}

static tv *options_view(req *r, const queue_option *o, size_t n, const char *selected)
{
	tv *list = tv_list(r->a);
	for (size_t i = 0; i < n; i++) {
		tv *x = tv_object(r->a);
		tv_set_str(r->a, x, "value", o[i].id);
		tv_set_str(r->a, x, "label", o[i].name);
		tv_set_bool(r->a, x, "selected", selected && o[i].id && strcmp(o[i].id, selected) == 0);
		tv_push(r->a, list, x);
	}
	return list;
}

/* The page's view: header, the reports' navigation, the range form and
 * how fresh the numbers are. */
static tv *report_view(req *r, rctx *c, int kind)
{
	arena *a = r->a;
	tv *v = page_view(r);
	bool org_given = req_query_get(r, "org").len > 0;
	const char *qs = query_string(r, c, org_given);
	tv *nav = tv_list(a);
	for (int i = 0; i < R__KINDS; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "title", kinds[i].title);
		tv_set_str(a, x, "summary", kinds[i].summary);
		tv_set_str(a, x, "href", arena_sprintf(a, "/desk/reports/%s%s", kinds[i].name, qs));
		tv_set_str(a, x, "csv_href", arena_sprintf(a, "/desk/reports/%s.csv%s", kinds[i].name, qs));
		tv_set_bool(a, x, "current", i == kind);
		tv_push(a, nav, x);
	}
	tv_set(a, v, "reports", nav);
	if (kind >= 0) {
		tv_set_str(a, v, "report_name", kinds[kind].name);
		tv_set_str(a, v, "report_title", kinds[kind].title);
		tv_set_str(a, v, "report_summary", kinds[kind].summary);
		tv_set_str(a, v, "action", arena_sprintf(a, "/desk/reports/%s", kinds[kind].name));
		tv_set_str(a, v, "csv_href", arena_sprintf(a, "/desk/reports/%s.csv%s", kinds[kind].name, qs));
	}
	tv_set_str(a, v, "from", c->from);
	tv_set_str(a, v, "to", c->to);
	if (c->error) {
		tv_set_str(a, v, "range_error", c->error);
		tv_set_str(a, v, "range_error_field", c->error_field);
		tv_set_bool(a, v, strcmp(c->error_field, "to") == 0 ? "to_invalid" : "from_invalid", true);
	}
	if (c->ua->platform_staff || c->opts.norgs > 1) {
		tv_set_bool(a, v, "has_orgs", true);
		tv_set(a, v, "orgs", options_view(r, c->opts.orgs, c->opts.norgs, org_given ? c->q.org : NULL));
	}
	tv_set_bool(a, v, "has_teams", c->opts.nteams > 0);
	tv_set(a, v, "teams", options_view(r, c->opts.teams, c->opts.nteams, c->q.team));
	tv_set(a, v, "agents", options_view(r, c->opts.agents, c->opts.nagents, c->q.agent));
	return v;
}

static int set_freshness(req *r, tv *v)
{
	long long at;
	bool pending;
	if (report_freshness(page_tx(r), &at, &pending) != 0)
		return page_db_failure(r);
	if (at > 0)
		page_set_time(r, v, "fresh", at);
	else
		tv_set_bool(r->a, v, "never_folded", true);
	tv_set_bool(r->a, v, "pending", pending);
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static const char *pct(req *r, long long part, long long whole)
{
	if (whole <= 0)
		return "–";
	return arena_sprintf(r->a, "%.1f%%", 100.0 * (double)part / (double)whole);
}

static const char *avg(req *r, long long sum, long long n, const char *unit)
{
	if (n <= 0)
		return "–";
	return arena_sprintf(r->a, "%.1f%s", (double)sum / (double)n, unit);
}

static double avg_rating(const long long *ratings)
{
	long long n = 0, sum = 0;
	for (int k = 0; k < 5; k++) {
		n += ratings[k];
		sum += (k + 1) * ratings[k];
	}
	return n ? (double)sum / (double)n : -1;
}

static const char *label_of(req *r, const report_row *row)
{
	switch (row->group) {
	case REPORT_BY_PRIORITY: {
		const char *l = row->key ? desk_word_label(desk_priorities, row->key) : NULL;
		return l ? l : "Unknown";
	}
	case REPORT_BY_SOURCE: {
		const char *l = row->key ? desk_word_label(sources, row->key) : NULL;
		return l ? l : "Other";
	}
	case REPORT_BY_DAY:
		return row->key ? row->key : "";
	case REPORT_BY_TEAM:
		return row->label ? row->label : "No team";
	case REPORT_BY_AGENT:
		return row->key ? (row->label && *row->label ? row->label : "Unnamed agent") : "Unassigned";
	case REPORT_BY_CATEGORY:
		return row->label ? row->label : "No category";
	case REPORT_BY_TYPE:
		return row->label ? row->label : "No request type";
	case REPORT_BY_TICKET:
	case REPORT_BY_DOMAIN:
	case REPORT_BY_STAGE:
		return row->label ? row->label : row->key ? row->key : "";
	case REPORT_BY_ORG:
		return row->label ? row->label : "The platform";
	default:
		(void)r;
		return "All tickets";
	}
}

/* A table: caption, column names (the first is the row's label), rows of
 * cells. */
static tv *table_new(req *r, const char *caption, const char *const *cols, size_t ncols)
{
	tv *t = tv_object(r->a);
	tv_set_str(r->a, t, "caption", caption);
	tv *c = tv_list(r->a);
	for (size_t i = 0; i < ncols; i++) {
		tv *x = tv_object(r->a);
		tv_set_str(r->a, x, "name", cols[i]);
		tv_set_bool(r->a, x, "num", i > 0);
		tv_push(r->a, c, x);
	}
	tv_set(r->a, t, "columns", c);
	tv_set(r->a, t, "rows", tv_list(r->a));
	return t;
}

static tv *table_row(req *r, tv *table, const char *label)
{
	tv *row = tv_object(r->a);
	tv_set_str(r->a, row, "label", label);
	tv *cells = tv_list(r->a);
	tv_set(r->a, row, "cells", cells);
	tv_push(r->a, (tv *)tv_get(table, "rows"), row);
	return cells;
}

static void cell(req *r, tv *cells, const char *s)
{
	tv *x = tv_object(r->a);
	tv_set_str(r->a, x, "v", s);
	tv_push(r->a, cells, x);
}

static void cell_int(req *r, tv *cells, long long v)
{
	cell(r, cells, arena_sprintf(r->a, "%lld", v));
}

static tv *num(req *r, double d)
{
	return tv_number(r->a, (double)(long long)(d * 10 + (d < 0 ? -0.5 : 0.5)) / 10);
}

static int chart_seq;

/* A horizontal bar chart of values with labels. Ids unique in the page. */
static tv *bar_chart(req *r, const char *title, const char *desc, const char *const *labels,
    const long long *values, size_t n)
{
	arena *a = r->a;
	chart ch;
	chart_bars(a, values, n, &ch);
	tv *c = tv_object(a);
	tv_set_str(a, c, "id", arena_sprintf(a, "chart-%d", ++chart_seq));
	tv_set_str(a, c, "title", title);
	tv_set_str(a, c, "desc", desc);
	tv_set(a, c, "width", num(r, ch.width));
	tv_set(a, c, "height", num(r, ch.height));
	tv_set(a, c, "axis_y", num(r, ch.plot_y + ch.plot_h));
	tv_set(a, c, "tick_label_y", num(r, ch.plot_y + ch.plot_h + 18));
	tv_set(a, c, "plot_top", num(r, ch.plot_y));
	tv_set_bool(a, c, "bars_chart", true);
	tv *ticks = tv_list(a);
	for (size_t i = 0; i < ch.nticks; i++) {
		tv *t = tv_object(a);
		tv_set(a, t, "pos", num(r, ch.ticks[i].pos));
		tv_set_int(a, t, "value", ch.ticks[i].value);
		tv_push(a, ticks, t);
	}
	tv_set(a, c, "ticks", ticks);
	tv *bars = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *b = tv_object(a);
		tv_set(a, b, "x", num(r, ch.bars[i].x));
		tv_set(a, b, "y", num(r, ch.bars[i].y));
		tv_set(a, b, "w", num(r, ch.bars[i].w));
		tv_set(a, b, "h", num(r, ch.bars[i].h));
		tv_set(a, b, "label_y", num(r, ch.bars[i].label_y));
		tv_set(a, b, "value_x", num(r, ch.bars[i].value_x));
		tv_set(a, b, "text_y", num(r, ch.bars[i].y + ch.bars[i].h - 4));
		tv_set_str(a, b, "label", labels[i]);
		tv_set_int(a, b, "value", values[i]);
		tv_push(a, bars, b);
	}
	tv_set(a, c, "bars", bars);
	return c;
}

/* A line chart of one value per day, the first and last day labelled. */
static tv *line_chart(req *r, const char *title, const char *desc, const char *first, const char *last,
    const long long *values, size_t n)
{
	arena *a = r->a;
	chart ch;
	chart_line(a, values, n, &ch);
	tv *c = tv_object(a);
	tv_set_str(a, c, "id", arena_sprintf(a, "chart-%d", ++chart_seq));
	tv_set_str(a, c, "title", title);
	tv_set_str(a, c, "desc", desc);
	tv_set(a, c, "width", num(r, ch.width));
	tv_set(a, c, "height", num(r, ch.height));
	tv_set_bool(a, c, "line_chart", true);
	tv_set(a, c, "plot_left", num(r, ch.plot_x));
	tv_set(a, c, "plot_right", num(r, ch.plot_x + ch.plot_w));
	tv_set(a, c, "axis_y", num(r, ch.plot_y + ch.plot_h));
	tv_set(a, c, "tick_label_y", num(r, ch.plot_y + ch.plot_h + 18));
	tv_set(a, c, "label_x", num(r, ch.plot_x - 6));
	tv_set_str(a, c, "first", first);
	tv_set_str(a, c, "last", last);
	tv *ticks = tv_list(a);
	for (size_t i = 0; i < ch.nticks; i++) {
		tv *t = tv_object(a);
		tv_set(a, t, "pos", num(r, ch.ticks[i].pos));
		tv_set(a, t, "text_pos", num(r, ch.ticks[i].pos + 4));
		tv_set_int(a, t, "value", ch.ticks[i].value);
		tv_push(a, ticks, t);
	}
	tv_set(a, c, "ticks", ticks);
	tv *pts = tv_list(a);
	for (size_t i = 0; i < n; i++) {
		tv *p = tv_object(a);
		tv_set(a, p, "x", num(r, ch.points[i].x));
		tv_set(a, p, "y", num(r, ch.points[i].y));
		tv_push(a, pts, p);
	}
	tv_set(a, c, "points", pts);
	tv_set_bool(a, c, "has_points", n > 0);
	return c;
}

/* A section: heading, chart (may be NULL), table. */
/* A section of a report; empty: its table has no rows (a section may have
 * rows and no chart). */
static void section(req *r, tv *sections, const char *heading, tv *chart_v, tv *table, bool empty)
{
	tv *s = tv_object(r->a);
	tv_set_str(r->a, s, "sid", arena_sprintf(r->a, "section-%d", ++chart_seq));
	tv_set_str(r->a, s, "heading", heading);
	if (chart_v)
		tv_set(r->a, s, "chart", chart_v);
	tv_set(r->a, s, "table", table);
	tv_set_bool(r->a, s, "empty", empty);
	tv_push(r->a, sections, s);
}

/* Rows of one group, with the chart's labels and values (the first
 * CHART_MAX_BARS rows; the table has them all). */
static size_t rows_of(const report_rows *rr, enum report_group g, const report_row **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < rr->n && n < max; i++)
		if (rr->rows[i].group == g)
			out[n++] = &rr->rows[i];
	return n;
}

/* ---------------------------------------------------------------- reports */

static void grouped_sections(req *r, const report_rows *rr, const grouped_report *g, tv *sections)
{
	const report_row **rows = arena_calloc(r->a, rr->n + 1, sizeof *rows);
	for (size_t gi = 0; gi < g->ngroups; gi++) {
		const report_grouping *gr = &g->groups[gi];
		size_t n = rows_of(rr, gr->g, rows, rr->n);
		tv *t = table_new(r, gr->caption, g->cols, g->ncols);
		size_t nc = n < CHART_MAX_BARS ? n : CHART_MAX_BARS;
		const char **labels = arena_calloc(r->a, nc + 1, sizeof *labels);
		long long *values = arena_calloc(r->a, nc + 1, sizeof *values);
		for (size_t i = 0; i < n; i++) {
			const char *label = label_of(r, rows[i]);
			long long bar = g->cells(r, table_row(r, t, label), rows[i]->v);
			if (i < nc) {
				labels[i] = label;
				values[i] = bar;
			}
		}
		tv *ch = n && gr->chart_title ? bar_chart(r, gr->chart_title,
		                                         n > nc ? "The first 20 rows of the table below; the table has every row."
		                                                : "The same numbers are in the table below.",
		                                         labels, values, nc)
		                             : NULL;
		section(r, sections, gr->heading, ch, t, n == 0);
	}
}

/* A row's first cells in a CSV: its group (when group), key and name, then
 * its first n values. */
static void row_csv(req *r, csv_writer *w, const report_row *row, bool group, int n)
{
	static const char *const names[] = { "total", "priority", "team", "agent", "day", "channel", "category",
		"request_type", "ticket", "organization", "requester_domain", "stage" };
	if (group)
		csv_cell(w, names[row->group]);
	csv_cell(w, row->key);
	csv_cell(w, label_of(r, row));
	for (int k = 0; k < n; k++)
		csv_cell_int(w, row->v[k]);
}

/* Tickets; first response met, breached, %; resolution met, breached, %.
 * The bar: first response met, percent. */
static long long sla_cells(req *r, tv *cells, const long long *v)
{
	cell_int(r, cells, v[0]);
	cell_int(r, cells, v[1]);
	cell_int(r, cells, v[2]);
	cell(r, cells, pct(r, v[1], v[1] + v[2]));
	cell_int(r, cells, v[3]);
	cell_int(r, cells, v[4]);
	cell(r, cells, pct(r, v[3], v[3] + v[4]));
	return v[1] + v[2] > 0 ? (100 * v[1] + (v[1] + v[2]) / 2) / (v[1] + v[2]) : 0;
}

static const report_grouping sla_groups[] = {
	{ REPORT_BY_PRIORITY, "By priority", "SLA compliance by priority", "First response met, percent, by priority" },
	{ REPORT_BY_TEAM, "By team", "SLA compliance by team", "First response met, percent, by team" },
	{ REPORT_BY_AGENT, "By agent", "SLA compliance by agent", "First response met, percent, by agent" },
};
static const char *const sla_cols[] = { "Group", "Tickets", "First response met", "First response breached",
	"First response met %", "Resolution met", "Resolution breached", "Resolution met %" };
static const grouped_report sla_report = { sla_groups, LEN(sla_groups), sla_cols, LEN(sla_cols), sla_cells };

static void sla_totals(req *r, const report_data *d, tv *v)
{
	for (size_t i = 0; i < d->rr.n; i++)
		if (d->rr.rows[i].group == REPORT_TOTAL) {
			const long long *x = d->rr.rows[i].v;
			tv_set_str(r->a, v, "total_line", arena_sprintf(r->a,
			    "%lld tickets. First response met %s of measured (%lld of %lld); resolution met %s (%lld of %lld).",
			    x[0], pct(r, x[1], x[1] + x[2]), x[1], x[1] + x[2], pct(r, x[3], x[3] + x[4]), x[3], x[3] + x[4]));
		}
}

/* Minutes, billable minutes, the time in words, entries. The bar: minutes. */
static long long time_cells(req *r, tv *cells, const long long *v)
{
	cell_int(r, cells, v[0]);
	cell_int(r, cells, v[1]);
	cell(r, cells, desk_minutes_label(r->a, v[0]));
	cell_int(r, cells, v[2]);
	return v[0];
}

/* The chart for the agents and organizations; the others are lists. */
static const report_grouping time_groups[] = {
	{ REPORT_BY_AGENT, "By agent", "Time spent by agent", "Minutes spent by agent" },
	{ REPORT_BY_ORG, "By organization", "Time spent by organization", "Minutes spent by organization" },
	{ REPORT_BY_DOMAIN, "By requester's domain", "Time spent by requester's email domain", NULL },
	{ REPORT_BY_TICKET, "By ticket", "Time spent by ticket (the 100 with the most time)", NULL },
};
static const char *const time_cols[] = { "Group", "Minutes", "Billable minutes", "Time", "Entries" };
static const grouped_report time_report = { time_groups, LEN(time_groups), time_cols, LEN(time_cols), time_cells };

static void time_totals(req *r, const report_data *d, tv *v)
{
	for (size_t i = 0; i < d->rr.n; i++)
		if (d->rr.rows[i].group == REPORT_TOTAL) {
			const long long *x = d->rr.rows[i].v;
			tv_set_str(r->a, v, "total_line", arena_sprintf(r->a, "%s spent in all (%lld minutes), %s billable, in %lld "
			           "entries.", desk_minutes_label(r->a, x[0]), x[0], desk_minutes_label(r->a, x[1]), x[2]));
		}
	if (d->rr.n == 0)
		tv_set_str(r->a, v, "total_line", "No time was recorded in this range.");
}

/* "3 h 20 min" on average over n stays of secs seconds in all, "–" for none. */
static const char *avg_stay(req *r, long long secs, long long n)
{
	return n > 0 ? desk_minutes_label(r->a, (secs / n + 30) / 60) : "–";
}

/* Entered, moved on, the average stay, still there, open now. The bar:
 * entered. */
static long long stage_cells(req *r, tv *cells, const long long *v)
{
	cell_int(r, cells, v[0]);
	cell_int(r, cells, v[1]);
	cell(r, cells, avg_stay(r, v[2], v[1]));
	cell_int(r, cells, v[3]);
	cell_int(r, cells, v[4]);
	return v[0];
}

static const report_grouping stage_groups[] = {
	{ REPORT_BY_STAGE, "Per stage", "Stays per workflow stage", "Tickets that entered each stage" },
};
static const char *const stage_cols[] = { "Stage", "Entered", "Moved on", "Average stay (moved on)",
	"Still there at the end", "Open now" };
static const grouped_report stage_report = { stage_groups, LEN(stage_groups), stage_cols, LEN(stage_cols),
	stage_cells };

static void stage_totals(req *r, const report_data *d, tv *v)
{
	long long entered = 0, moved = 0, secs = 0, snapshot = 0;
	for (size_t i = 0; i < d->rr.n; i++) {
		entered += d->rr.rows[i].v[0];
		moved += d->rr.rows[i].v[1];
		secs += d->rr.rows[i].v[2];
		if (d->rr.rows[i].v[5] > snapshot)
			snapshot = d->rr.rows[i].v[5];
	}
	/* No average of no stays (a stage listed for its open tickets alone had none). */
	tv_set_str(r->a, v, "total_line", entered == 0 ? "No ticket entered a workflow stage in this range."
	    : moved == 0 ? arena_sprintf(r->a, "%lld stays began in this range; none moved on.", entered)
	    : arena_sprintf(r->a, "%lld stays began in this range; %lld moved on, after %s on average.", entered, moved,
	                    avg_stay(r, secs, moved)));
	/* "Open now" is the scheduler's snapshot: say of when. */
	if (snapshot > 0)
		page_set_time(r, v, "snapshot", snapshot);
	tv_set_bool(r->a, v, "has_snapshot_note", true);
}

static void stage_csv(req *r, csv_writer *w, const report_data *d, size_t i)
{
	const long long *v = d->rr.rows[i].v;
	row_csv(r, w, &d->rr.rows[i], false, 2);
	csv_cell_dec1(w, v[1] ? (double)v[2] / 60.0 / (double)v[1] : -1);
	csv_cell_int(w, v[3]);
	csv_cell_int(w, v[4]);
}

/* Assigned, open, resolved, the average first response and resolution,
 * satisfaction, ratings. The bar: resolved. */
static long long agent_cells(req *r, tv *cells, const long long *v)
{
	cell_int(r, cells, v[0]);
	cell_int(r, cells, v[1]);
	cell_int(r, cells, v[2]);
	cell(r, cells, avg(r, v[3], v[4], ""));
	cell(r, cells, avg(r, v[5], v[6], ""));
	double s = avg_rating(&v[7]);
	cell(r, cells, s < 0 ? "–" : arena_sprintf(r->a, "%.2f", s));
	cell_int(r, cells, v[7] + v[8] + v[9] + v[10] + v[11]);
	return v[2];
}

static const report_grouping agent_groups[] = {
	{ REPORT_BY_AGENT, "Per agent", "Agent statistics", "Resolved tickets per agent" },
};
static const char *const agent_cols[] = { "Agent", "Assigned", "Open", "Resolved", "Average first response (min)",
	"Average resolution (min)", "Average satisfaction", "Ratings" };
static const grouped_report agent_report = { agent_groups, LEN(agent_groups), agent_cols, LEN(agent_cols),
	agent_cells };

static void agent_csv(req *r, csv_writer *w, const report_data *d, size_t i)
{
	const long long *v = d->rr.rows[i].v;
	row_csv(r, w, &d->rr.rows[i], false, 3);
	csv_cell_dec1(w, v[4] ? (double)v[3] / (double)v[4] : -1);
	csv_cell_dec1(w, v[6] ? (double)v[5] / (double)v[6] : -1);
	double s = avg_rating(&v[7]);
	csv_cell(w, s < 0 ? NULL : arena_sprintf(r->a, "%.2f", s));
	csv_cell_int(w, v[7] + v[8] + v[9] + v[10] + v[11]);
}

/* Created per day of the range, 0 on days without tickets: the line's
 * points (the range is at most MAX_DAYS days). */
static size_t daily(req *r, const rctx *c, const report_rows *rr, long long **values)
{
	long f, t;
	if (!date_parse(str_from_cstr(c->from), &f) || !date_parse(str_from_cstr(c->to), &t) || t < f)
		return 0;
	size_t n = (size_t)(t - f + 1);
	long long *v = arena_calloc(r->a, n + 1, sizeof *v);
	for (size_t i = 0; i < rr->n; i++) {
		long d;
		if (rr->rows[i].group == REPORT_BY_DAY && rr->rows[i].key && date_parse(str_from_cstr(rr->rows[i].key), &d) &&
		    d >= f && d <= t)
			v[d - f] = rr->rows[i].v[0];
	}
	*values = v;
	return n;
}

static void volume_sections(req *r, const rctx *c, const report_data *d, tv *sections)
{
	const report_rows *rr = &d->rr;
	static const struct {
		enum report_group g;
		const char *heading;
		const char *lower;
	} groups[4] = {
		{ REPORT_BY_DAY, "By day", "by day" }, { REPORT_BY_SOURCE, "By channel", "by channel" },
		{ REPORT_BY_CATEGORY, "By category", "by category" }, { REPORT_BY_TYPE, "By request type", "by request type" },
	};
	static const char *const cols[] = { "Group", "Created", "Resolved" };
	const report_row **rows = arena_calloc(r->a, rr->n + 1, sizeof *rows);
	for (int gi = 0; gi < 4; gi++) {
		size_t n = rows_of(rr, groups[gi].g, rows, rr->n);
		tv *t = table_new(r, arena_sprintf(r->a, "Tickets %s", groups[gi].lower), cols, 3);
		const char **labels = arena_calloc(r->a, n + 1, sizeof *labels);
		long long *values = arena_calloc(r->a, n + 1, sizeof *values);
		for (size_t i = 0; i < n; i++) {
			const char *label = label_of(r, rows[i]);
			tv *cells = table_row(r, t, label);
			cell_int(r, cells, rows[i]->v[0]);
			cell_int(r, cells, rows[i]->v[1]);
			labels[i] = label;
			values[i] = rows[i]->v[0];
		}
		tv *ch = NULL;
		long long *days = NULL;
		size_t ndays = groups[gi].g == REPORT_BY_DAY ? daily(r, c, rr, &days) : 0;
		if (n && ndays)
			ch = line_chart(r, "Tickets created per day", arena_sprintf(r->a, "Every day from %s to %s, "
			                "0 on days without tickets; the days with tickets are in the table below.", c->from, c->to),
			                c->from, c->to, days, ndays);
		else if (n)
			ch = bar_chart(r, arena_sprintf(r->a, "Tickets created %s", groups[gi].lower),
			               n > CHART_MAX_BARS ? "The first 20 groups of the table below."
			                                  : "The same numbers are in the table below.",
			               labels, values, n < CHART_MAX_BARS ? n : CHART_MAX_BARS);
		section(r, sections, groups[gi].heading, ch, t, n == 0);
	}
}

static int csat_load(db_tx *tx, const report_query *q, report_data *d)
{
	if (report_csat(tx, q, d->counts, COMMENTS_SHOWN, &d->cm, &d->ncm) != 0)
		return -1;
	d->n = 5 + d->ncm;   /* the CSV: a row per rating, then the comments */
	return 0;
}

static void csat_sections(req *r, const rctx *c, const report_data *d, tv *sections)
{
	(void)c;
	static const char *const cols[] = { "Rating", "Tickets", "Share" };
	static const char *const labels[5] = { "1 (very dissatisfied)", "2", "3", "4", "5 (very satisfied)" };
	const long long *counts = d->counts;
	tv *t = table_new(r, "Satisfaction ratings", cols, 3);
	long long total = counts[0] + counts[1] + counts[2] + counts[3] + counts[4];
	for (int k = 0; k < 5; k++) {
		tv *cells = table_row(r, t, labels[k]);
		cell_int(r, cells, counts[k]);
		cell(r, cells, pct(r, counts[k], total));
	}
	tv *ch = bar_chart(r, "Tickets per satisfaction rating", "Ratings 1 to 5; the same numbers are in the table below.",
	                   labels, counts, 5);
	section(r, sections, "Ratings", ch, t, false);
}

/* The average and the latest comments. */
static void csat_totals(req *r, const report_data *d, tv *v)
{
	arena *a = r->a;
	const long long *counts = d->counts;
	double s = avg_rating(counts);
	tv_set_str(a, v, "total_line", s < 0 ? "No ratings in this range."
	    : arena_sprintf(a, "Average satisfaction %.2f of 5 from %lld ratings.", s,
	                    counts[0] + counts[1] + counts[2] + counts[3] + counts[4]));
	tv *list = tv_list(a);
	for (size_t i = 0; i < d->ncm; i++) {
		tv *x = tv_object(a);
		tv_set_str(a, x, "number", d->cm[i].number);
		tv_set_int(a, x, "rating", d->cm[i].rating);
		tv_set_str(a, x, "comment", d->cm[i].comment);
		page_set_time(r, x, "at", d->cm[i].submitted);
		tv_push(a, list, x);
	}
	tv_set(a, v, "comments", list);
	tv_set_bool(a, v, "has_comments_section", true);
	tv_set_bool(a, v, "has_comments", d->ncm > 0);
}

/* Rows 0 to 4: the number of each rating; then a row per comment. */
static void csat_csv(req *r, csv_writer *w, const report_data *d, size_t i)
{
	(void)r;
	if (i < 5) {
		csv_cell_int(w, (long long)i + 1);
		csv_cell_int(w, d->counts[i]);
		csv_cell(w, NULL);
		csv_cell(w, NULL);
		csv_cell(w, NULL);
		return;
	}
	const report_comment *cm = &d->cm[i - 5];
	char when[32];
	time_t t = (time_t)cm->submitted;
	struct tm tmv;
	gmtime_r(&t, &tmv);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
	csv_cell_int(w, cm->rating);
	csv_cell(w, NULL);
	csv_cell(w, cm->number);
	csv_cell(w, cm->comment);
	csv_cell(w, when);
}

static const report_kind kinds[R__KINDS] = {
	[R_SLA] = { "sla", "SLA compliance", "First response and resolution met or breached, by priority, team and agent.",
		.rows = report_sla, .grouped = &sla_report, .totals = sla_totals,
		.csv_cols = (const char *const[]){ "group", "key", "name", "tickets", "first_response_met",
			"first_response_breached", "resolution_met", "resolution_breached", NULL },
		.csv_values = REPORT_SLA_VALUES },
	[R_AGENTS] = { "agents", "Agent statistics", "Assigned, open and resolved tickets, average response and "
		"resolution times and satisfaction, per agent.",
		.rows = report_agents, .grouped = &agent_report,
		.csv_cols = (const char *const[]){ "agent_id", "agent", "assigned", "open", "resolved",
			"avg_first_response_minutes", "avg_resolution_minutes", "avg_satisfaction", "ratings", NULL },
		.csv_cells = agent_csv },
	[R_VOLUME] = { "volume", "Ticket volumes", "Tickets created and resolved by day, channel, category and request type.",
		.rows = report_volume, .sections = volume_sections,
		.csv_cols = (const char *const[]){ "group", "key", "name", "created", "resolved", NULL },
		.csv_values = REPORT_VOLUME_VALUES },
	[R_CSAT] = { "csat", "Customer satisfaction", "Ratings from 1 to 5 and the latest comments.",
		.load = csat_load, .sections = csat_sections, .totals = csat_totals,
		.csv_cols = (const char *const[]){ "rating", "tickets", "ticket", "comment", "submitted_at", NULL },
		.csv_cells = csat_csv },
	[R_TIME] = { "time", "Time spent", "Minutes recorded on tickets, billable or not, by agent, organization, "
		"requester's domain and ticket, by the day the work was done.",
		.rows = report_time, .grouped = &time_report, .totals = time_totals,
		.csv_cols = (const char *const[]){ "group", "key", "name", "minutes", "billable_minutes", "entries", NULL },
		.csv_values = REPORT_TIME_VALUES },
	[R_STAGES] = { "stages", "Stage statistics", "Tickets entering each workflow stage, how long they stayed and "
		"how many are still there, with the open tickets on each stage now.",
		.rows = report_stages, .grouped = &stage_report, .totals = stage_totals,
		.csv_cols = (const char *const[]){ "stage_id", "stage", "entered", "moved_on", "avg_stay_minutes",
			"still_there", "open_now", NULL },
		.csv_cells = stage_csv,
		.choose_org = "Choose an organization above: stages follow each organization's own workflows.",
		.live = true },
};

/* ------------------------------------------------------------------- pages */

int page_reports(req *r)
{
	rctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	tv *v = report_view(r, &c, -1);
	if ((st = set_freshness(r, v)))
		return st;
	return page_render(r, 200, "reports", v);
}

static int kind_of(const char *name)
{
	for (int i = 0; i < R__KINDS; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return i;
	return -1;
}

/* Reads report k for the parameters of c. 0 or -1. */
static int report_load(req *r, const report_kind *k, const rctx *c, report_data *d)
{
	memset(d, 0, sizeof *d);
	int rc = k->rows ? k->rows(page_tx(r), &c->q, &d->rr) : k->load(page_tx(r), &c->q, d);
	if (k->rows)
		d->n = d->rr.n;
	return rc;
}

static int report_page(req *r, int kind)
{
	const report_kind *k = &kinds[kind];
	rctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	chart_seq = 0;
	tv *v = report_view(r, &c, kind);
	tv_set_bool(r->a, v, "live", k->live);
	if (c.error)
		return page_render(r, 400, "report", v);
	if (!k->live && (st = set_freshness(r, v)))
		return st;
	tv *sections = tv_list(r->a);
	if (k->choose_org && !c.q.org) {
		tv_set_str(r->a, v, "total_line", k->choose_org);
	} else {
		report_data d;
		if (report_load(r, k, &c, &d) != 0)
			return page_db_failure(r);
		if (k->grouped)
			grouped_sections(r, &d.rr, k->grouped, sections);
		else
			k->sections(r, &c, &d, sections);
		if (k->totals)
			k->totals(r, &d, v);
	}
	tv_set(r->a, v, "sections", sections);
	return page_render(r, 200, "report", v);
}

static int report_csv(req *r, int kind)
{
	const report_kind *k = &kinds[kind];
	rctx c;
	int st = begin(r, &c);
	if (st)
		return st;
	if (c.error || (k->choose_org && !c.q.org)) /* the page says: choose an organization */
		return 400;
	report_data d;
	if (report_load(r, k, &c, &d) != 0)
		return page_db_failure(r);
	buf b;
	buf_init(&b, r->a, 4096);
	csv_writer w;
	csv_init(&w, &b);
	for (const char *const *col = k->csv_cols; *col; col++)
		csv_cell(&w, *col);
	csv_end_row(&w);
	for (size_t i = 0; i < d.n; i++) {
		if (k->csv_cells)
			k->csv_cells(r, &w, &d, i);
		else
			row_csv(r, &w, &d.rr.rows[i], true, k->csv_values);
		csv_end_row(&w);
	}
	resp_header(r, "Content-Disposition",
	            arena_sprintf(r->a, "attachment; filename=\"%s-%s-%s.csv\"", k->name, c.from, c.to));
	resp_header(r, "Cache-Control", "private, no-store");
	resp_body(r, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
	return 0;
}

/* GET /desk/reports/{name}: a report's page, or with .csv its download. */
int page_report(req *r)
{
	str seg = req_route_get(r, "name");
	if (!seg.len || seg.len > 15)
		return 404;
	char name[16];
	memcpy(name, seg.ptr, seg.len);
	name[seg.len] = '\0';
	size_t len = seg.len;
	if (len > 4 && strcmp(name + len - 4, ".csv") == 0) {
		char base[16];
		if (len - 4 >= sizeof base)
			return 404;
		memcpy(base, name, len - 4);
		base[len - 4] = '\0';
		int k = kind_of(base);
		return k < 0 ? 404 : report_csv(r, k);
	}
	int k = kind_of(name);
	return k < 0 ? 404 : report_page(r, k);
}
