/* test_desk.c: the support desk's queues (GET /desk), bulk actions (POST
 * /desk/bulk) and the spam view, through the in-process harness against
 * the real PostgreSQL and Redis. Each test builds its own organizations,
 * staff and tickets as the owner, with names of its own, so that tests
 * share nothing; everything staff do goes through the pages. Registered
 * by test_integration.c's main(). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db/tx.h"
#include "integration/itest.h"
#include "sched/jobs.h"

Suite *desk_suite(void);

/* ---------------------------------------------------------------- helpers */

static long sql_long(const char *sql, ...)
{
	const char *p[4] = { 0 };
	va_list ap;
	va_start(ap, sql);
	for (int i = 0; i < 4; i++)
		if (!(p[i] = va_arg(ap, const char *)))
			break;
	va_end(ap);
	char *v = owner_queryv(sql, p[0], p[1], p[2], p[3], (const char *)NULL);
	long n = v ? atol(v) : -1;
	free(v);
	return n;
}

static int seq;

/* A unique tag for this process and call. */
static const char *uniq(char *out, size_t n)
{
	snprintf(out, n, "%d-%ld-%d", (int)getpid(), (long)time(NULL), ++seq);
	return out;
}

typedef struct {
	char *id;
	char *cookie;   /* "sd_session=..." */
	char *csrf;
} person;

static void sign_in(app *a, person *p)
{
	char body[128];
	snprintf(body, sizeof body, "user=%s", p->id);
	harness_response r;
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	p->cookie = harness_cookie(&r, "sd_session");
	p->csrf = strdup(r.body);
	harness_response_free(&r);
}

static void person_free(person *p)
{
	free(p->id);
	free(p->cookie);
	free(p->csrf);
}

/* A user (staff of org when not NULL, with role), signed in. */
static void person_new(app *a, const char *org, const char *role, const char *name, person *p)
{
	char u[64], email[128];
	snprintf(email, sizeof email, "desk-%s@desk.example", uniq(u, sizeof u));
	p->id = owner_queryv("insert into users (email, name, email_verified_at) values ($1, $2, now()) returning id", email, name,
	    (const char *)NULL);
	if (org)
		free(owner_queryv("insert into memberships (user_id, organization_id, role) values ($1, $2, $3)", p->id, org, role,
		    (const char *)NULL));
	sign_in(a, p);
}

static char *org_new(const char *name)
{
	char u[64], slug[96];
	snprintf(slug, sizeof slug, "desk-%s", uniq(u, sizeof u));
	char *id = owner_queryv("insert into organizations (name, slug) values ($1, $2) returning id", name, slug,
	    (const char *)NULL);
	free(owner_queryv("insert into organization_settings (organization_id, is_provisioned, provisioned_at) "
	          "values ($1, true, now())", id, (const char *)NULL));
	return id;
}

/* A ticket routed to org by requester, with title; more columns by
 * "column=value" assignments run as the owner afterwards (through the
 * triggers, as the desk would). Its number (malloc'd). */
static char *ticket_in(const char *org, const char *requester, const char *title, const char *set)
{
	char *number = owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                    "description) values ($1, 'organization', $2, $2, $3, 'Made by the desk tests: ' || $3) "
	                    "returning number", requester, org, title, (const char *)NULL);
	ck_assert_ptr_nonnull(number);
	if (set) {
		char sql[1024];
		snprintf(sql, sizeof sql, "update tickets set %s where number = $1", set);
		free(owner_queryv(sql, number, (const char *)NULL));
	}
	return number;
}

static char *col(const char *number, const char *column)
{
	char sql[256];
	snprintf(sql, sizeof sql, "select %s::text from tickets where number = $1", column);
	return owner_queryv(sql, number, (const char *)NULL);
}

static bool col_is(const char *number, const char *column, const char *want)
{
	char *v = col(number, column);
	bool same = want ? v && strcmp(v, want) == 0 : v == NULL;
	free(v);
	return same;
}

static void desk_get(app *a, const person *p, const char *uri, harness_response *r)
{
	get(a, uri, p ? p->cookie : NULL, r);
}

/* GET uri as p: 200 expected; the body (malloc'd). */
static char *page(app *a, const person *p, const char *uri)
{
	harness_response r;
	desk_get(a, p, uri, &r);
	ck_assert_msg(r.status == 200, "GET %s: %d %.400s", uri, r.status, r.body);
	assert_security_headers(&r);
	char *body = strdup(r.body);
	harness_response_free(&r);
	return body;
}

static bool lists(const char *html, const char *number)
{
	char needle[96];
	snprintf(needle, sizeof needle, "href=\"/desk/tickets/%s\"", number);
	return strstr(html, needle) != NULL;
}

static int rows_in(const char *html)
{
	int n = 0;
	for (const char *p = html; (p = strstr(p, "href=\"/desk/tickets/")); p++)
		n++;
	return n;
}

static void expect_listed(app *a, const person *p, const char *uri, const char *number, bool listed)
{
	char *body = page(a, p, uri);
	ck_assert_msg(lists(body, number) == listed, "%s %s %s", uri, listed ? "should list" : "must not list", number);
	free(body);
}

/* The next page's link of a queue page, unescaped (malloc'd), or NULL. */
static char *next_href(const char *html)
{
	const char *p = strstr(html, "rel=\"next\"");
	if (!p)
		return NULL;
	const char *h = p;
	while (h > html && strncmp(h, "href=\"", 6) != 0)
		h--;
	char *raw = extract(h, "href=\"", '"');
	char *out = html_unescape(raw);
	free(raw);
	return out;
}

/* POST /desk/bulk as p with body (the _csrf is p's unless body has one). */
static void bulk(app *a, const person *p, const char *body, harness_response *r)
{
	char full[4096];
	if (strstr(body, "_csrf="))
		snprintf(full, sizeof full, "%s", body);
	else
		snprintf(full, sizeof full, "_csrf=%s&%s", p->csrf, body);
	post_form(a, "/desk/bulk", p->cookie, full, r);
}

/* The flash a redirect set, shown by the page it leads to (malloc'd text
 * of the notice, or NULL). */
static char *flash_after(app *a, const person *p, harness_response *r)
{
	ck_assert_msg(r->status == 303, "bulk answered %d: %.300s", r->status, r->body);
	char *loc = harness_header(r, "Location");
	char *fl = harness_cookie(r, "sd_desk_flash");
	ck_assert_ptr_nonnull(loc);
	ck_assert_ptr_nonnull(fl);
	char cookie[1200];
	snprintf(cookie, sizeof cookie, "%s; %s", p->cookie, fl);
	harness_response pg;
	get(a, loc, cookie, &pg);
	ck_assert_int_eq(pg.status, 200);
	char *notice = NULL;
	const char *s = strstr(pg.body, "dq-flash");
	if (s) {
		const char *e = strstr(s, "</div>");
		notice = strndup(s, (size_t)(e - s));
	}
	harness_response_free(&pg);
	free(loc);
	free(fl);
	return notice;
}

/* Two organizations X and Y, each with staff; a customer; tickets in X in
 * every queue, and one in Y. */
typedef struct {
	char *x, *y;
	char *team_x, *cat_x, *type_x;
	person ax, ax2, ay, customer, platform;
	char *t_mine_open;     /* X, assigned to ax, open, high, team, tag vip */
	char *t_mine_waiting;  /* X, assigned to ax, waiting_customer */
	char *t_unassigned;    /* X, new, unassigned, low, category, type, a message "flux capacitor" */
	char *t_other;         /* X, assigned to ax2, in_progress, urgent, internal note "zebra" */
	char *t_breached;      /* X, created three days ago, unassigned, open */
	char *t_resolved;      /* X, resolved */
	char *t_spam;          /* X, spam */
	char *t_y;             /* Y, open, unassigned */
} world;

static void world_new(app *a, world *w)
{
	memset(w, 0, sizeof *w);
	w->x = org_new("Desk X");
	w->y = org_new("Desk Y");
	char u[64];
	w->team_x = owner_queryv("insert into teams (organization_id, name) values ($1, $2) returning id", w->x, uniq(u, sizeof u),
	    (const char *)NULL);
	w->cat_x = owner_queryv("insert into categories (organization_id, name, slug) values ($1, 'Desk cat', $2) returning id",
	    w->x, uniq(u, sizeof u), (const char *)NULL);
	w->type_x = owner_queryv("insert into request_types (organization_id, name, default_routing) values ($1, 'Desk type', "
	                 "'organization') returning id", w->x, (const char *)NULL);
	person_new(a, w->x, "agent", "Xavier Agent", &w->ax);
	person_new(a, w->x, "agent", "Xena Agent", &w->ax2);
	person_new(a, w->y, "agent", "Yolanda Agent", &w->ay);
	person_new(a, NULL, NULL, "Carla Customer", &w->customer);
	char email[128];
	snprintf(email, sizeof email, "desk-platform-%s@desk.example", uniq(u, sizeof u));
	w->platform.id = owner_queryv("insert into users (email, name, platform_role, email_verified_at) values ($1, 'Pia Platform', "
	                      "'agent', now()) returning id", email, (const char *)NULL);
	sign_in(a, &w->platform);

	const char *c = w->customer.id;
	char set[512];
	snprintf(set, sizeof set, "assignee_id = '%s', status = 'open', priority = 'high', team_id = '%s', "
	         "tags = '{vip}'", w->ax.id, w->team_x);
	w->t_mine_open = ticket_in(w->x, c, "Printer prints sideways", set);
	snprintf(set, sizeof set, "assignee_id = '%s', status = 'waiting_customer'", w->ax.id);
	w->t_mine_waiting = ticket_in(w->x, c, "Waiting for the serial number", set);
	snprintf(set, sizeof set, "priority = 'low', category_id = '%s', request_type_id = '%s'", w->cat_x, w->type_x);
	w->t_unassigned = ticket_in(w->x, c, "Nobody took this one", set);
	free(owner_queryv("insert into ticket_messages (ticket_id, author_id, body, message_type) select id, $2, "
	          "'My flux capacitor hums', 'reply' from tickets where number = $1", w->t_unassigned, c,
	    (const char *)NULL));
	snprintf(set, sizeof set, "assignee_id = '%s', status = 'in_progress', priority = 'urgent'", w->ax2.id);
	w->t_other = ticket_in(w->x, c, "Colleague handles this", set);
	free(owner_queryv("insert into ticket_messages (ticket_id, author_id, body, is_internal, message_type) select id, $2, "
	          "'Internal: the zebra firmware again', true, 'note' from tickets where number = $1", w->t_other,
	    w->ax2.id, (const char *)NULL));
	w->t_breached = owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                     "description, created_at, status) values ($1, 'organization', $2, $2, 'Old and late', "
	                     "'Three days without an answer', now() - interval '3 days', 'open') returning number",
	    c, w->x, (const char *)NULL);
	w->t_resolved = ticket_in(w->x, c, "Done and dusted", "status = 'resolved'");
	w->t_spam = ticket_in(w->x, c, "BUY CHEAP WATCHES", "is_spam = true");
	w->t_y = ticket_in(w->y, c, "Globex only", "status = 'open'");
}

static void world_free(world *w)
{
	free(w->x);
	free(w->y);
	free(w->team_x);
	free(w->cat_x);
	free(w->type_x);
	person_free(&w->ax);
	person_free(&w->ax2);
	person_free(&w->ay);
	person_free(&w->customer);
	person_free(&w->platform);
	free(w->t_mine_open);
	free(w->t_mine_waiting);
	free(w->t_unassigned);
	free(w->t_other);
	free(w->t_breached);
	free(w->t_resolved);
	free(w->t_spam);
	free(w->t_y);
}

/* ---------------------------------------------------------------- access */

START_TEST(access_anonymous_customer_foreign)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	harness_response r;

	/* Negative first: no session, then a customer. */
	get(a, "/desk", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *loc = harness_header(&r, "Location");
	ck_assert_msg(loc && strncmp(loc, "/login?next=", 12) == 0 && strstr(loc, "desk"), "Location %s", loc);
	free(loc);
	harness_response_free(&r);
	post_form(a, "/desk/bulk", NULL, "action=spam&ticket=X", &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);

	desk_get(a, &w.customer, "/desk", &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert(strstr(r.body, w.t_mine_open) == NULL);
	harness_response_free(&r);
	desk_get(a, &w.customer, "/desk?queue=open", &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	char body[512];
	snprintf(body, sizeof body, "action=status&value=closed&ticket=%s", w.t_mine_open);
	bulk(a, &w.customer, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	char uri[160];
	snprintf(uri, sizeof uri, "/desk/spam/%s/delete", w.t_spam);
	snprintf(body, sizeof body, "_csrf=%s", w.customer.csrf);
	post_form(a, uri, w.customer.cookie, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	ck_assert(col_is(w.t_mine_open, "status", "open"));
	ck_assert(col_is(w.t_spam, "deleted_at", NULL));

	/* Y's agent sees none of X's tickets, whatever the queue, filter or search. */
	static const char *const queues[] = { "mine", "unassigned", "open", "waiting", "sla", "resolved", "spam" };
	for (size_t i = 0; i < sizeof queues / sizeof *queues; i++) {
		snprintf(uri, sizeof uri, "/desk?queue=%s", queues[i]);
		char *html = page(a, &w.ay, uri);
		ck_assert_msg(!lists(html, w.t_mine_open) && !lists(html, w.t_spam) && !lists(html, w.t_resolved) &&
		    !lists(html, w.t_unassigned), "queue %s shows X's tickets to Y", queues[i]);
		free(html);
	}
	snprintf(uri, sizeof uri, "/desk?queue=open&org=%s", w.x);
	expect_listed(a, &w.ay, uri, w.t_mine_open, false);
	snprintf(uri, sizeof uri, "/desk?queue=open&q=%s", w.t_mine_open);
	expect_listed(a, &w.ay, uri, w.t_mine_open, false);
	snprintf(uri, sizeof uri, "/desk?queue=open&q=sideways");
	expect_listed(a, &w.ay, uri, w.t_mine_open, false);
	snprintf(uri, sizeof uri, "/desk?queue=open&team=%s", w.team_x);
	expect_listed(a, &w.ay, uri, w.t_mine_open, false);
	/* ...and its counts count none of them: every queue of a fresh Y but one ticket is empty. */
	char *html = page(a, &w.ay, "/desk?queue=open");
	ck_assert_msg(strstr(html, "All open</span> <span class=\"dq-count\">1</span>"), "Y's open count");
	ck_assert_msg(strstr(html, "Spam</span> <span class=\"dq-count\">0</span>"), "Y's spam count");
	ck_assert(lists(html, w.t_y));
	free(html);

	/* Y's agent changes nothing of X's by bulk or by the spam routes. */
	snprintf(body, sizeof body, "action=status&value=closed&ticket=%s&ticket=%s", w.t_mine_open, w.t_y);
	bulk(a, &w.ay, body, &r);
	char *notice = flash_after(a, &w.ay, &r);
	ck_assert_msg(notice && strstr(notice, "1 ticket changed") && strstr(notice, w.t_mine_open), "%s", notice);
	free(notice);
	harness_response_free(&r);
	ck_assert(col_is(w.t_mine_open, "status", "open"));
	ck_assert(col_is(w.t_y, "status", "closed"));
	snprintf(body, sizeof body, "_csrf=%s", w.ay.csrf);
	post_form(a, uri, w.ay.cookie, body, &r); /* uri is still a GET: 405 or 404, never a change */
	ck_assert_int_ne(r.status, 200);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/spam/%s/not-spam", w.t_spam);
	post_form(a, uri, w.ay.cookie, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/spam/%s/delete", w.t_spam);
	post_form(a, uri, w.ay.cookie, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	ck_assert(col_is(w.t_spam, "is_spam", "true"));
	ck_assert(col_is(w.t_spam, "deleted_at", NULL));

	/* Platform staff see every organization, and filter by one. */
	snprintf(uri, sizeof uri, "/desk?queue=open&org=%s", w.x);
	html = page(a, &w.platform, uri);
	ck_assert(lists(html, w.t_mine_open) && !lists(html, w.t_y));
	free(html);
	snprintf(uri, sizeof uri, "/desk?queue=resolved&org=%s", w.y);
	expect_listed(a, &w.platform, uri, w.t_y, true);
	snprintf(uri, sizeof uri, "/desk?queue=resolved&q=%s", w.t_y);
	expect_listed(a, &w.platform, uri, w.t_y, true);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

/* ---------------------------------------------------------------- queues */

START_TEST(each_queue)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	struct {
		const char *queue;
		const char *const *in;
	} cases[] = {
		{ "mine", (const char *const[]){ w.t_mine_open, w.t_mine_waiting, NULL } },
		{ "unassigned", (const char *const[]){ w.t_unassigned, w.t_breached, NULL } },
		{ "open", (const char *const[]){ w.t_mine_open, w.t_mine_waiting, w.t_unassigned, w.t_other, w.t_breached, NULL } },
		{ "waiting", (const char *const[]){ w.t_mine_waiting, NULL } },
		{ "sla", (const char *const[]){ w.t_breached, NULL } },
		{ "resolved", (const char *const[]){ w.t_resolved, NULL } },
		{ "spam", (const char *const[]){ w.t_spam, NULL } },
	};
	const char *all[] = { w.t_mine_open, w.t_mine_waiting, w.t_unassigned, w.t_other, w.t_breached, w.t_resolved,
		w.t_spam, w.t_y };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char uri[96];
		snprintf(uri, sizeof uri, "/desk?queue=%s", cases[i].queue);
		char *html = page(a, &w.ax, uri);
		for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
			bool want = false;
			for (const char *const *p = cases[i].in; *p; p++)
				want = want || strcmp(*p, all[k]) == 0;
			ck_assert_msg(lists(html, all[k]) == want, "queue %s: %s %s", cases[i].queue, all[k],
			    want ? "missing" : "listed");
		}
		free(html);
	}
	/* Counts in the side nav (exact below the cap). */
	char *html = page(a, &w.ax, "/desk?queue=open");
	ck_assert_msg(strstr(html, "Mine</span> <span class=\"dq-count\">2</span>"), "mine count");
	ck_assert_msg(strstr(html, "All open</span> <span class=\"dq-count\">5</span>"), "open count");
	ck_assert_msg(strstr(html, "Spam</span> <span class=\"dq-count\">1</span>"), "spam count");
	ck_assert(strstr(html, "aria-current=\"page\"><span>All open") != NULL);
	free(html);
	/* The SLA badge says breached on the late one. */
	html = page(a, &w.ax, "/desk?queue=sla");
	ck_assert(strstr(html, "dq-sla-breached") != NULL);
	free(html);

	/* The default queue: mine when the agent has any, else every open one. */
	html = page(a, &w.ax, "/desk");
	ck_assert(lists(html, w.t_mine_open) && !lists(html, w.t_unassigned));
	ck_assert(strstr(html, "<h1>Mine</h1>") != NULL);
	free(html);
	person fresh;
	person_new(a, w.x, "agent", "Fresh Agent", &fresh);
	html = page(a, &fresh, "/desk");
	ck_assert(strstr(html, "<h1>All open</h1>") != NULL && lists(html, w.t_unassigned));
	free(html);
	person_free(&fresh);

	harness_response r;
	desk_get(a, &w.ax, "/desk?queue=everything", &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

START_TEST(filters_and_search)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	char uri[512];
	struct {
		const char *query;
		const char *in, *out;
	} cases[] = {
		{ "queue=open&status=waiting_customer", w.t_mine_waiting, w.t_mine_open },
		{ "queue=open&priority=urgent", w.t_other, w.t_mine_open },
		{ "queue=open&assignee=me", w.t_mine_open, w.t_other },
		{ "queue=open&assignee=none", w.t_unassigned, w.t_mine_open },
		{ "queue=open&tag=vip", w.t_mine_open, w.t_unassigned },
		{ "queue=open&tag=VIP", w.t_mine_open, w.t_unassigned },
		{ "queue=open&q=sideways", w.t_mine_open, w.t_unassigned },
		{ "queue=open&q=flux", w.t_unassigned, w.t_mine_open },          /* a message */
		{ "queue=open&q=zebra", w.t_other, w.t_mine_open },              /* an internal note */
		{ "queue=open&q=capac", w.t_unassigned, w.t_other },             /* a word's prefix */
		{ "queue=resolved&q=dusted", w.t_resolved, w.t_mine_open },
		{ "queue=open&sort=nonsense", w.t_mine_open, w.t_resolved },     /* unknown sort: the default */
		{ "queue=open&sort=priority&dir=sideways", w.t_other, w.t_resolved },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(uri, sizeof uri, "/desk?%s", cases[i].query);
		char *html = page(a, &w.ax, uri);
		ck_assert_msg(lists(html, cases[i].in), "%s: %s missing", uri, cases[i].in);
		ck_assert_msg(!lists(html, cases[i].out), "%s: %s listed", uri, cases[i].out);
		free(html);
	}
	snprintf(uri, sizeof uri, "/desk?queue=open&assignee=%s", w.ax2.id);
	expect_listed(a, &w.ax, uri, w.t_other, true);
	expect_listed(a, &w.ax, uri, w.t_mine_open, false);
	snprintf(uri, sizeof uri, "/desk?queue=open&team=%s", w.team_x);
	expect_listed(a, &w.ax, uri, w.t_mine_open, true);
	expect_listed(a, &w.ax, uri, w.t_unassigned, false);
	snprintf(uri, sizeof uri, "/desk?queue=open&category=%s", w.cat_x);
	expect_listed(a, &w.ax, uri, w.t_unassigned, true);
	expect_listed(a, &w.ax, uri, w.t_mine_open, false);
	snprintf(uri, sizeof uri, "/desk?queue=open&type=%s", w.type_x);
	expect_listed(a, &w.ax, uri, w.t_unassigned, true);
	expect_listed(a, &w.ax, uri, w.t_other, false);
	/* The exact number (any case), and the requester's address. */
	snprintf(uri, sizeof uri, "/desk?queue=open&q=%s", w.t_other);
	char *html = page(a, &w.ax, uri);
	ck_assert(lists(html, w.t_other) && rows_in(html) == 1);
	free(html);
	char *lower = strdup(w.t_other);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	snprintf(uri, sizeof uri, "/desk?queue=open&q=%s", lower);
	expect_listed(a, &w.ax, uri, w.t_other, true);
	free(lower);
	char *email = owner_queryv("select email from users where id = $1", w.customer.id, (const char *)NULL);
	snprintf(uri, sizeof uri, "/desk?queue=open&q=%s", urlencode(email));
	html = page(a, &w.ax, uri);
	ck_assert_int_eq(rows_in(html), 5);
	free(html);
	free(email);
	/* mine and someone else: nothing. */
	snprintf(uri, sizeof uri, "/desk?queue=mine&assignee=%s", w.ax2.id);
	html = page(a, &w.ax, uri);
	ck_assert_int_eq(rows_in(html), 0);
	free(html);
	/* Sort by priority, urgent first; ascending, low first. */
	html = page(a, &w.ax, "/desk?queue=open&sort=priority");
	const char *urgent = strstr(html, w.t_other), *low = strstr(html, w.t_unassigned);
	ck_assert(urgent && low && urgent < low);
	free(html);
	html = page(a, &w.ax, "/desk?queue=open&sort=priority&dir=asc");
	urgent = strstr(html, w.t_other);
	low = strstr(html, w.t_unassigned);
	ck_assert(urgent && low && low < urgent);
	free(html);
	html = page(a, &w.ax, "/desk?queue=open&sort=created&dir=asc");
	const char *old = strstr(html, w.t_breached), *newer = strstr(html, w.t_other);
	ck_assert(old && newer && old < newer);
	free(html);
	html = page(a, &w.ax, "/desk?queue=open&sort=due");
	ck_assert(lists(html, w.t_breached));
	free(html);

	/* Values that are not allowed: 400, never a query. */
	static const char *const bad[] = { "/desk?status=lost", "/desk?priority=meh", "/desk?assignee=someone",
		"/desk?team=not-a-uuid", "/desk?category=1", "/desk?type=x", "/desk?tag=no%20spaces", "/desk?org=acme",
		"/desk?after=garbage", "/desk?after=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		harness_response r;
		desk_get(a, &w.ax, bad[i], &r);
		ck_assert_msg(r.status == 400, "%s: %d", bad[i], r.status);
		harness_response_free(&r);
	}
	char q[300];
	memset(q, 'a', 201);
	q[201] = '\0';
	snprintf(uri, sizeof uri, "/desk?q=%s", q);
	harness_response r;
	desk_get(a, &w.ax, uri, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

/* 120 open tickets, some with the same last activity: three pages of 50,
 * 50 and 20, no ticket twice, none missed, in every sort. */
START_TEST(keyset_pages)
{
	app *a = test_app(NULL, NULL);
	char *org = org_new("Desk pages");
	person agent, customer;
	person_new(a, org, "agent", "Page Agent", &agent);
	person_new(a, NULL, NULL, "Page Customer", &customer);
	free(owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, "
	          "priority, created_at) select $1, 'organization', $2, $2, 'Paged ' || g, 'Ticket ' || g, "
	          "(array['low','normal','high','urgent'])[1 + g % 4], now() - g * interval '1 minute' "
	          "from generate_series(1, 120) g", customer.id, org, (const char *)NULL));
	/* Ties: 30 of them share one last activity. */
	free(owner_queryv("update tickets set last_activity_at = timestamptz '2030-01-01 00:00+00' "
	          "where assigned_org_id = $1 and title like 'Paged %' and substr(title, 7)::int % 4 = 0", org,
	    (const char *)NULL));
	static const char *const sorts[] = { "updated", "created", "priority", "due", "updated&dir=asc",
		"priority&dir=asc" };
	for (size_t s = 0; s < sizeof sorts / sizeof *sorts; s++) {
		char *seen = calloc(1, 120 * 40);
		int total = 0, pages = 0;
		char uri[600];
		snprintf(uri, sizeof uri, "/desk?queue=open&sort=%s", sorts[s]);
		char *next = strdup(uri);
		while (next) {
			char *html = page(a, &agent, next);
			free(next);
			int n = rows_in(html);
			pages++;
			ck_assert_msg(n == (pages < 3 ? 50 : 20), "sort %s page %d: %d rows", sorts[s], pages, n);
			for (const char *p = html; (p = strstr(p, "href=\"/desk/tickets/")); p++) {
				p += strlen("href=\"/desk/tickets/");
				const char *e = strchr(p, '"');
				char num[40];
				snprintf(num, sizeof num, "%.*s", (int)(e - p), p);
				ck_assert_msg(strstr(seen, num) == NULL, "sort %s: %s twice", sorts[s], num);
				strcat(seen, num);
				strcat(seen, " ");
				total++;
			}
			next = next_href(html);
			free(html);
			ck_assert(pages <= 3);
		}
		ck_assert_msg(total == 120, "sort %s: %d tickets over %d pages", sorts[s], total, pages);
		free(seen);
	}
	/* A cursor of another sort is refused. */
	char *html = page(a, &agent, "/desk?queue=open&sort=created");
	char *next = next_href(html);
	free(html);
	ck_assert_ptr_nonnull(next);
	char *after = strstr(next, "after=");
	ck_assert_ptr_nonnull(after);
	char uri[300];
	snprintf(uri, sizeof uri, "/desk?queue=open&sort=priority&%s", after);
	harness_response r;
	desk_get(a, &agent, uri, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	free(next);
	person_free(&agent);
	person_free(&customer);
	free(org);
	harness_app_free(a);
}
END_TEST

/* The count of queue kind (its tab's label) on html is want. */
static void assert_count(const char *html, const char *label, const char *want)
{
	char needle[160];
	snprintf(needle, sizeof needle, "%s</span> <span class=\"dq-count\">%s</span>", label, want);
	ck_assert_msg(strstr(html, needle), "count of %s: want %s", label, want);
}

/* An organization's counts are exact past a thousand (kept by the tickets'
 * trigger, 0045), follow every change that moves a ticket between queues,
 * and stay the same when the scheduler folds their deltas; platform staff's
 * view of every organization still counts up to the cap ("999+"). */
START_TEST(counts_kept_exact)
{
	app *a = test_app(NULL, NULL);
	char *org = org_new("Desk many");
	char *other = org_new("Desk other");
	person agent, customer, platform = { 0 };
	person_new(a, org, "agent", "Busy Agent", &agent);
	person_new(a, NULL, NULL, "Many Customer", &customer);
	free(owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	          "select $1, 'organization', $2, $2, 'Many ' || g, 'Ticket ' || g from generate_series(1, 1001) g",
	    customer.id, org, (const char *)NULL));
	char *html = page(a, &agent, "/desk?queue=open");
	assert_count(html, "All open", "1001");
	assert_count(html, "Unassigned", "1001");
	assert_count(html, "Mine", "0");
	ck_assert_int_eq(rows_in(html), 50);
	free(html);

	/* Each change moves the counts: assigned to the agent, waiting, resolved,
	 * spam, deleted, internal, moved to another organization. */
	char *t1 = ticket_in(org, customer.id, "Counted one", NULL);
	char set[256];
	snprintf(set, sizeof set, "assignee_id = '%s', status = 'waiting_customer'", agent.id);
	char *t2 = ticket_in(org, customer.id, "Counted two", set);
	char *t3 = ticket_in(org, customer.id, "Counted three", "status = 'resolved'");
	char *t4 = ticket_in(org, customer.id, "Counted four", "is_spam = true");
	char *t5 = ticket_in(org, customer.id, "Counted five", "deleted_at = now(), is_spam = true");
	char *t6 = ticket_in(org, customer.id, "Counted six", "routing_type = 'internal'");
	snprintf(set, sizeof set, "assigned_org_id = '%s', organization_id = '%s'", other, other);
	char *t7 = ticket_in(org, customer.id, "Counted seven", set);
	html = page(a, &agent, "/desk?queue=open");
	assert_count(html, "All open", "1003"); /* 1001, t1, t2 */
	assert_count(html, "Unassigned", "1002");
	assert_count(html, "Mine", "1");
	assert_count(html, "Waiting", "1");
	assert_count(html, "Resolved", "1");
	assert_count(html, "Spam", "1");
	free(html);

	/* The scheduler's fold (its job, as the application role, as `serve`
	 * runs it) changes no count, and leaves one row per key. */
	db *conn = db_new(getenv("APP_DATABASE_URL"), 5, 60000, "supportdesk-test-scheduler");
	arena *mem = arena_new(4096);
	db_ensure(conn);
	db_tx tx;
	db_tx_init(&tx, conn, mem, NULL, "test-queue-counts", NULL);
	long long folded = 0;
	ck_assert_int_eq(sched_job_queue_counts(&tx, 0, &folded), SCHED_RAN);
	ck_assert_int_eq(db_tx_commit(&tx), DB_OK);
	ck_assert_msg(folded >= 1000, "folded %lld rows away", folded); /* the 1,001 inserts into one row, at least */
	arena_free(mem);
	db_free(conn);
	char *rows = owner_queryv("select count(*)::text from ticket_queue_counts where organization_id = $1", org,
	    (const char *)NULL);
	ck_assert_str_eq(rows, "5"); /* open by nobody and by the agent, waiting by the agent, resolved, spam */
	free(rows);
	/* Back out of each queue: reopened, unassigned, not spam. */
	free(owner_queryv("update tickets set status = 'open' where number = $1", t3, (const char *)NULL));
	free(owner_queryv("update tickets set status = 'open', assignee_id = null where number = $1", t2, (const char *)NULL));
	free(owner_queryv("update tickets set is_spam = false where number = $1", t4, (const char *)NULL));
	html = page(a, &agent, "/desk?queue=open");
	assert_count(html, "All open", "1005");
	assert_count(html, "Unassigned", "1005");
	assert_count(html, "Mine", "0");
	assert_count(html, "Waiting", "0");
	assert_count(html, "Resolved", "0");
	assert_count(html, "Spam", "0");
	free(html);

	/* Every count agrees with the tickets themselves. */
	char *drift = owner_queryv("select count(*)::text from queue_counts_drift() where organization_id in ($1, $2)", org,
	    other, (const char *)NULL);
	ck_assert_str_eq(drift, "0");
	free(drift);

	/* Platform staff, every organization: counted, capped. */
	char u[64], email[128];
	snprintf(email, sizeof email, "desk-platform-%s@desk.example", uniq(u, sizeof u));
	platform.id = owner_queryv("insert into users (email, name, platform_role, email_verified_at) values ($1, 'Pia Platform', "
	                  "'agent', now()) returning id", email, (const char *)NULL);
	sign_in(a, &platform);
	html = page(a, &platform, "/desk?queue=open");
	assert_count(html, "All open", "999+");
	free(html);

	free(t1); free(t2); free(t3); free(t4); free(t5); free(t6); free(t7);
	person_free(&agent);
	person_free(&customer);
	person_free(&platform);
	free(org);
	free(other);
	harness_app_free(a);
}
END_TEST

/* ---------------------------------------------------------------- bulk */

START_TEST(bulk_actions)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	char body[1024];
	harness_response r;

	/* Negative first: a foreign CSRF token changes nothing (403). */
	snprintf(body, sizeof body, "_csrf=%s&action=status&value=closed&ticket=%s", w.ay.csrf, w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	snprintf(body, sizeof body, "action=status&value=closed&ticket=%s", w.t_unassigned);
	post_form(a, "/desk/bulk", w.ax.cookie, body, &r); /* no token at all */
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	ck_assert(col_is(w.t_unassigned, "status", "new"));

	/* Unknown action or value: 400, nothing changed. */
	snprintf(body, sizeof body, "action=explode&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	snprintf(body, sizeof body, "action=status&value=lost&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	snprintf(body, sizeof body, "action=assign&value=bob&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	snprintf(body, sizeof body, "action=tag&value=two%%20words&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);

	/* status: two of X changed, Y's and an unknown and a malformed number refused. */
	snprintf(body, sizeof body, "action=status&value=in_progress&ticket=%s&ticket=%s&ticket=%s"
	         "&ticket=ACME-2020-01-99999&ticket=nonsense&return=%%2Fdesk%%3Fqueue%%3Dopen",
	    w.t_unassigned, w.t_breached, w.t_y);
	bulk(a, &w.ax, body, &r);
	char *loc = harness_header(&r, "Location");
	ck_assert_str_eq(loc, "/desk?queue=open");
	free(loc);
	char *notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "2 tickets changed") && strstr(notice, w.t_y) &&
	    strstr(notice, "ACME-2020-01-99999") && !strstr(notice, w.t_unassigned), "%s", notice);
	free(notice);
	ck_assert(col_is(w.t_unassigned, "status", "in_progress"));
	ck_assert(col_is(w.t_breached, "status", "in_progress"));
	ck_assert(col_is(w.t_y, "status", "open"));
	/* Audited with the actor. */
	ck_assert_int_eq(sql_long("select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                          "where t.number = $1 and a.activity_type = 'status_changed' and a.actor_id = $2 "
	                          "and a.new_value = 'in_progress'", w.t_unassigned, w.ax.id, (const char *)NULL), 1);

	/* The same again: unchanged, not refused. */
	snprintf(body, sizeof body, "action=status&value=in_progress&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "0 tickets changed") && strstr(notice, "1 was so already"), "%s", notice);
	free(notice);

	/* priority */
	snprintf(body, sizeof body, "action=priority&value=urgent&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	free(notice);
	ck_assert(col_is(w.t_unassigned, "priority", "urgent"));
	ck_assert_int_eq(sql_long("select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                          "where t.number = $1 and a.activity_type = 'priority_changed' and a.actor_id = $2",
	                     w.t_unassigned, w.ax.id, (const char *)NULL), 1);

	/* assign: me, a colleague, Y's agent (refused: not staff of X), nobody. */
	snprintf(body, sizeof body, "action=assign&value=me&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	free(flash_after(a, &w.ax, &r));
	harness_response_free(&r);
	ck_assert(col_is(w.t_unassigned, "assignee_id", w.ax.id));
	ck_assert_int_eq(sql_long("select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                          "where t.number = $1 and a.activity_type = 'assigned' and a.actor_id = $2 "
	                          "and a.new_value = $2::text", w.t_unassigned, w.ax.id, (const char *)NULL), 1);
	snprintf(body, sizeof body, "action=assign&value=%s&ticket=%s&ticket=%s", w.ax2.id, w.t_unassigned, w.t_breached);
	bulk(a, &w.ax, body, &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "2 tickets changed"), "%s", notice);
	free(notice);
	ck_assert(col_is(w.t_unassigned, "assignee_id", w.ax2.id));
	snprintf(body, sizeof body, "action=assign&value=%s&ticket=%s", w.ay.id, w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "not active staff") && strstr(notice, w.t_unassigned), "%s", notice);
	free(notice);
	ck_assert(col_is(w.t_unassigned, "assignee_id", w.ax2.id));
	/* An inactive membership is no assignee either. */
	free(owner_queryv("update memberships set is_active = false where user_id = $1", w.ax2.id, (const char *)NULL));
	snprintf(body, sizeof body, "action=assign&value=%s&ticket=%s", w.ax2.id, w.t_mine_open);
	bulk(a, &w.ax, body, &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "not active staff"), "%s", notice);
	free(notice);
	ck_assert(col_is(w.t_mine_open, "assignee_id", w.ax.id));
	snprintf(body, sizeof body, "action=assign&value=&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	free(flash_after(a, &w.ax, &r));
	harness_response_free(&r);
	ck_assert(col_is(w.t_unassigned, "assignee_id", NULL));

	/* tag: add (the form's own box), then remove. */
	snprintf(body, sizeof body, "action=tag&value=me&tag=Billing&ticket=%s&ticket=%s", w.t_unassigned, w.t_mine_open);
	bulk(a, &w.ax, body, &r);
	free(flash_after(a, &w.ax, &r));
	harness_response_free(&r);
	ck_assert(col_is(w.t_unassigned, "tags", "{billing}"));
	ck_assert(col_is(w.t_mine_open, "tags", "{vip,billing}"));
	ck_assert_int_eq(sql_long("select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                          "where t.number = $1 and a.activity_type = 'tag_added' and a.actor_id = $2",
	                     w.t_unassigned, w.ax.id, (const char *)NULL), 1);
	snprintf(body, sizeof body, "action=tag&value=-vip&ticket=%s", w.t_mine_open);
	bulk(a, &w.ax, body, &r);
	free(flash_after(a, &w.ax, &r));
	harness_response_free(&r);
	ck_assert(col_is(w.t_mine_open, "tags", "{billing}"));

	/* spam: off every queue but spam; audited. */
	snprintf(body, sizeof body, "action=spam&ticket=%s", w.t_unassigned);
	bulk(a, &w.ax, body, &r);
	free(flash_after(a, &w.ax, &r));
	harness_response_free(&r);
	ck_assert(col_is(w.t_unassigned, "is_spam", "true"));
	expect_listed(a, &w.ax, "/desk?queue=open", w.t_unassigned, false);
	expect_listed(a, &w.ax, "/desk?queue=spam", w.t_unassigned, true);
	ck_assert_int_eq(sql_long("select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                          "where t.number = $1 and a.activity_type = 'spam_marked' and a.actor_id = $2",
	                     w.t_unassigned, w.ax.id, (const char *)NULL), 1);

	/* Over 100 tickets at once: 413, nothing changed. */
	char *big = malloc(101 * 40 + 200);
	int n = sprintf(big, "action=status&value=closed&ticket=%s", w.t_mine_open);
	for (int i = 0; i < 100; i++)
		n += sprintf(big + n, "&ticket=ACME-2020-01-%05d", i);
	bulk(a, &w.ax, big, &r);
	ck_assert_int_eq(r.status, 413);
	harness_response_free(&r);
	free(big);
	ck_assert(col_is(w.t_mine_open, "status", "open"));
	/* Nothing chosen: back, nothing changed. */
	bulk(a, &w.ax, "action=status&value=closed", &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "0 tickets changed"), "%s", notice);
	free(notice);
	/* A return that is not the desk goes to the desk. */
	snprintf(body, sizeof body, "action=status&value=open&ticket=%s&return=https%%3A%%2F%%2Fevil.example%%2F",
	    w.t_mine_open);
	bulk(a, &w.ax, body, &r);
	loc = harness_header(&r, "Location");
	ck_assert_str_eq(loc, "/desk");
	free(loc);
	harness_response_free(&r);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

/* ---------------------------------------------------------------- spam */

START_TEST(spam_view)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	char uri[160], body[256];
	harness_response r;
	char *html = page(a, &w.ax, "/desk?queue=spam");
	snprintf(uri, sizeof uri, "formaction=\"/desk/spam/%s/not-spam\"", w.t_spam);
	ck_assert(strstr(html, uri) != NULL);
	free(html);

	/* Wrong CSRF first: 403, nothing changed. */
	snprintf(uri, sizeof uri, "/desk/spam/%s/delete", w.t_spam);
	snprintf(body, sizeof body, "_csrf=%s", w.ay.csrf);
	post_form(a, uri, w.ax.cookie, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	ck_assert(col_is(w.t_spam, "deleted_at", NULL));
	/* Unknown and malformed numbers: 404. */
	snprintf(body, sizeof body, "_csrf=%s", w.ax.csrf);
	post_form(a, "/desk/spam/ACME-2020-01-99999/delete", w.ax.cookie, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	post_form(a, "/desk/spam/nonsense/not-spam", w.ax.cookie, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	/* Delete of a ticket that is not spam: refused. */
	snprintf(uri, sizeof uri, "/desk/spam/%s/delete", w.t_mine_open);
	post_form(a, uri, w.ax.cookie, body, &r);
	char *notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "Refused, not spam") && strstr(notice, w.t_mine_open), "%s", notice);
	free(notice);
	ck_assert(col_is(w.t_mine_open, "deleted_at", NULL));

	/* Not spam: back in its queue, audited. */
	snprintf(uri, sizeof uri, "/desk/spam/%s/not-spam", w.t_spam);
	post_form(a, uri, w.ax.cookie, body, &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "1 ticket changed"), "%s", notice);
	free(notice);
	ck_assert(col_is(w.t_spam, "is_spam", "false"));
	expect_listed(a, &w.ax, "/desk?queue=open", w.t_spam, true);
	expect_listed(a, &w.ax, "/desk?queue=spam", w.t_spam, false);
	ck_assert_int_eq(sql_long("select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                          "where t.number = $1 and a.activity_type = 'spam_cleared' and a.actor_id = $2",
	                     w.t_spam, w.ax.id, (const char *)NULL), 1);

	/* Spam again (bulk), then delete (bulk action): gone from every queue and
	 * from its requester's portal, kept with its audit trail. */
	snprintf(body, sizeof body, "action=spam&ticket=%s", w.t_spam);
	bulk(a, &w.ax, body, &r);
	free(flash_after(a, &w.ax, &r));
	harness_response_free(&r);
	snprintf(body, sizeof body, "action=delete&ticket=%s&ticket=%s", w.t_spam, w.t_y);
	bulk(a, &w.ax, body, &r);
	notice = flash_after(a, &w.ax, &r);
	harness_response_free(&r);
	ck_assert_msg(notice && strstr(notice, "1 ticket changed") && strstr(notice, w.t_y), "%s", notice);
	free(notice);
	ck_assert(!col_is(w.t_spam, "deleted_at", NULL));
	ck_assert(col_is(w.t_spam, "deleted_by", w.ax.id));
	ck_assert(col_is(w.t_spam, "status", "cancelled"));
	ck_assert(col_is(w.t_y, "deleted_at", NULL));
	ck_assert_int_eq(sql_long("select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                          "where t.number = $1 and a.activity_type = 'deleted' and a.actor_id = $2",
	                     w.t_spam, w.ax.id, (const char *)NULL), 1);
	static const char *const queues[] = { "spam", "open", "resolved" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(uri, sizeof uri, "/desk?queue=%s", queues[i]);
		expect_listed(a, &w.ax, uri, w.t_spam, false);
	}
	snprintf(uri, sizeof uri, "/desk?queue=spam&q=%s", w.t_spam);
	expect_listed(a, &w.platform, uri, w.t_spam, false);
	snprintf(uri, sizeof uri, "/my/tickets/%s", w.t_spam);
	get(a, uri, w.customer.cookie, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	/* Deleted already: 404 for the route. */
	snprintf(uri, sizeof uri, "/desk/spam/%s/delete", w.t_spam);
	snprintf(body, sizeof body, "_csrf=%s", w.ax.csrf);
	post_form(a, uri, w.ax.cookie, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

Suite *desk_suite(void)
{
	Suite *s = suite_create("desk");
	TCase *tc = tcase_create("desk");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, access_anonymous_customer_foreign);
	tcase_add_test(tc, each_queue);
	tcase_add_test(tc, filters_and_search);
	tcase_add_test(tc, keyset_pages);
	tcase_add_test(tc, counts_kept_exact);
	tcase_add_test(tc, bulk_actions);
	tcase_add_test(tc, spam_view);
	suite_add_tcase(s, tc);
	return s;
}
