/* test_workflows.c: workflows (0036) through the in-process harness
 * against the real PostgreSQL and Redis: the admin pages (who gets in,
 * CSRF, bad input, a second start stage refused, stages drawn in order,
 * reordered, a busy stage kept, hooks added), the request type's workflow,
 * the stage in the workspace (a new ticket on the start stage, a move, 409
 * on a stale version with nothing changed, the hook's notice once per
 * move), the history view (each version, the ticket as it was), and
 * another organization's staff kept out (404). Each test makes its own
 * organizations and users. Registered from test_integration.c's main() as
 * the suite "workflows". */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/tx.h"
#include "integration/istaff.h"
#include "integration/itest.h"
#include "sched/jobs.h"

typedef struct {
	app *a;
	char slug[96], other_slug[96];
	char *org, *other;
	char *admin, *agent, *other_agent, *customer;
	browser adm, ag, oth;
} fixture;

static void setup(fixture *f)
{
	memset(f, 0, sizeof *f);
	f->a = test_app(NULL, NULL);
	f->org = new_org(f->slug, sizeof f->slug, "wf");
	f->other = new_org(f->other_slug, sizeof f->other_slug, "wf");
	f->admin = new_user("wf-admin", NULL, 0);
	f->agent = new_user("wf-agent", NULL, 0);
	f->other_agent = new_user("wf-other", NULL, 0);
	f->customer = new_user("wf-customer", NULL, 0);
	free(add_member(f->org, f->admin, "admin"));
	free(add_member(f->org, f->agent, "agent"));
	free(add_member(f->other, f->other_agent, "admin"));
	sign_in(f->a, f->admin, &f->adm);
	sign_in(f->a, f->agent, &f->ag);
	sign_in(f->a, f->other_agent, &f->oth);
}

static void teardown(fixture *f)
{
	free(f->org);
	free(f->other);
	free(f->admin);
	free(f->agent);
	free(f->other_agent);
	free(f->customer);
	free(f->adm.cookie);
	free(f->ag.cookie);
	free(f->oth.cookie);
	harness_app_free(f->a);
}

static char *location_id(const harness_response *r, const char *prefix)
{
	assert_status(r, 303);
	char *l = harness_header(r, "Location");
	ck_assert_msg(l && strncmp(l, prefix, strlen(prefix)) == 0, "Location \"%s\", want %s...", l ? l : "", prefix);
	char *id = strndup(l + strlen(prefix), 36);
	free(l);
	return id;
}

/* A workflow made through the pages: start "Intake", step "Working", end
 * "Closed out"; its id. */
static char *make_workflow(fixture *f, const char *name)
{
	harness_response r;
	char fields[512], uri[256];
	snprintf(fields, sizeof fields, "org=%s&name=%s&description=", f->slug, name);
	post_as(f->a, "/desk/admin/workflows", &f->adm, fields, &r);
	char *id = location_id(&r, "/desk/admin/workflows/");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s/stages", id);
	const char *stages[3][2] = { { "Intake", "start" }, { "Working", "step" }, { "Closed+out", "end" } };
	for (int i = 0; i < 3; i++) {
		snprintf(fields, sizeof fields, "org=%s&name=%s&description=&kind=%s", f->slug, stages[i][0], stages[i][1]);
		post_as(f->a, uri, &f->adm, fields, &r);
		assert_status(&r, 303);
		harness_response_free(&r);
	}
	return id;
}

static char *stage_id(const char *workflow, const char *name)
{
	char *id = owner3("select id from workflow_stages where workflow_id = $1::uuid and name = $2", workflow, name, NULL);
	ck_assert_ptr_nonnull(id);
	return id;
}

static char *ticket_in(const char *org, const char *requester, const char *title)
{
	char *n = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	                 "values ($1::uuid, 'organization', $2::uuid, $2::uuid, $3, 'Made by the workflow tests') returning number",
	    requester, org, title);
	ck_assert_ptr_nonnull(n);
	return n;
}

static char *version_of(const char *number)
{
	return owner3("select version::text from tickets where number = $1", number, NULL, NULL);
}

/* ---- the admin pages ---- */

START_TEST(wf_admin_access)
{
	fixture f;
	setup(&f);
	harness_response r;
	char uri[256], fields[512];
	get(f.a, "/desk/admin/workflows", NULL, &r);
	assert_status(&r, 303); /* to /login */
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/workflows?org=%s", f.slug);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 404); /* an agent administers nothing */
	harness_response_free(&r);
	char *wf = make_workflow(&f, "Ours");
	/* another organization's admin: by our slug, or our id under theirs */
	get(f.a, uri, f.oth.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s?org=%s", wf, f.other_slug);
	get(f.a, uri, f.oth.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s/stages", wf);
	snprintf(fields, sizeof fields, "org=%s&name=Theirs&kind=step", f.other_slug);
	post_as(f.a, uri, &f.oth, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	assert_owner("select count(*) from workflow_stages where workflow_id = $1::uuid", wf, NULL, "3");
	/* CSRF: nothing made */
	snprintf(fields, sizeof fields, "org=%s&name=Sneaky", f.slug);
	post_form(f.a, "/desk/admin/workflows", f.adm.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner("select count(*) from workflows where organization_id = $1::uuid", f.org, NULL, "1");
	get(f.a, "/desk/admin/workflows/not-a-uuid", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(wf);
	teardown(&f);
}
END_TEST

START_TEST(wf_admin_stages_and_hooks)
{
	fixture f;
	setup(&f);
	harness_response r;
	char uri[256], fields[1024];
	/* bad input */
	snprintf(fields, sizeof fields, "org=%s&name=", f.slug);
	post_as(f.a, "/desk/admin/workflows", &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Enter a name for the workflow.");
	harness_response_free(&r);
	char *wf = make_workflow(&f, "Support");
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s/stages", wf);
	snprintf(fields, sizeof fields, "org=%s&name=Another+start&kind=start", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "This workflow has its start stage already");
	assert_has(&r, "value=\"Another start\"");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Odd&kind=sideways", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Review&kind=step", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&name=Parked&kind=other", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	/* the line: Intake -> Working -> Review -> Closed out; Review moved up */
	char *working = stage_id(wf, "Working"), *review = stage_id(wf, "Review");
	assert_owner("select n.name from workflow_stages s join workflow_stages n on n.id = s.next_stage_id "
	             "where s.id = $1::uuid", working, NULL, "Review");
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s/stages/%s", wf, review);
	snprintf(fields, sizeof fields, "org=%s&action=up", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select n.name from workflow_stages s join workflow_stages n on n.id = s.next_stage_id "
	             "where s.id = $1::uuid", review, NULL, "Working");
	snprintf(fields, sizeof fields, "org=%s&action=sideways", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	/* hooks: a member, missing message refused */
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s/hooks", wf);
	snprintf(fields, sizeof fields, "org=%s&stage=%s&target_type=specific_user&target_user=%s&target_role=agent&message=",
	    f.slug, working, f.agent);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Write the message the notification carries.");
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&stage=%s&target_type=specific_user&target_user=%s&target_role=agent&message=",
	    f.slug, working, f.other_agent);
	snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "Hello");
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422); /* not a member of the organization */
	harness_response_free(&r);
	snprintf(fields, sizeof fields, "org=%s&stage=%s&target_type=specific_user&target_user=%s&target_role=agent"
	    "&message=Please+pick+it+up", f.slug, working, f.agent);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	/* the page draws the line in order, other apart, the hook and the stats */
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s?org=%s", wf, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	const char *b = r.body;
	const char *p1 = strstr(b, ">Intake <"), *p2 = strstr(b, ">Review <"), *p3 = strstr(b, ">Working <"),
	           *p4 = strstr(b, ">Closed out <"), *p5 = strstr(b, "Apart from the line");
	ck_assert_msg(p1 && p2 && p3 && p4 && p5 && p1 < p2 && p2 < p3 && p3 < p4 && p4 < p5, "stages out of order");
	assert_has(&r, "Please pick it up");
	assert_has(&r, "Tickets per stage");
	harness_response_free(&r);
	assert_owner("select count(*) from config_audit where organization_id = $1::uuid and entity like 'workflow%'",
	    f.org, NULL, "9"); /* workflow, 5 stages, a move (2 positions), a hook */
	/* a stage with tickets on it stays */
	char *start = stage_id(wf, "Intake");
	char *number = ticket_in(f.org, f.customer, "On the start");
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s/stages/%s", wf, start);
	snprintf(fields, sizeof fields, "org=%s&action=remove", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 409);
	assert_has(&r, "tickets are on it");
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s/stages/%s", wf, review);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select n.name from workflow_stages s join workflow_stages n on n.id = s.next_stage_id "
	             "where s.id = $1::uuid", start, NULL, "Working");
	free(number);
	free(start);
	free(working);
	free(review);
	free(wf);
	teardown(&f);
}
END_TEST

START_TEST(wf_request_type_names_workflow)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024], uri[256];
	char *first = make_workflow(&f, "First");
	char *second = make_workflow(&f, "Second");
	snprintf(fields, sizeof fields, "org=%s&name=Flowed&description=&category=&routing=organization&priority=normal"
	    "&role_customer=1&active=1&workflow=%s", f.slug, second);
	post_as(f.a, "/desk/admin/types", &f.adm, fields, &r);
	char *type = location_id(&r, "/desk/admin/types/");
	harness_response_free(&r);
	assert_owner("select w.name from request_types t join workflows w on w.id = t.workflow_id where t.id = $1::uuid",
	    type, NULL, "Second");
	snprintf(uri, sizeof uri, "/desk/admin/types/%s?org=%s", type, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "id=\"f-workflow\"");
	harness_response_free(&r);
	/* a ticket of the type starts on its workflow; another on the first one */
	char *n1 = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, "
	                  "request_type_id) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Typed', 'd', $3::uuid) "
	                  "returning number", f.customer, f.org, type);
	assert_owner("select w.name || '/' || s.name from tickets t join workflows w on w.id = t.workflow_id "
	             "join workflow_stages s on s.id = t.current_stage_id where t.number = $1", n1, NULL, "Second/Intake");
	char *n2 = ticket_in(f.org, f.customer, "Untyped");
	assert_owner("select w.name from tickets t join workflows w on w.id = t.workflow_id where t.number = $1", n2, NULL,
	    "First");
	/* another organization's workflow is refused */
	char *theirs = owner3("insert into workflows (organization_id, name) values ($1::uuid, 'Theirs') returning id",
	    f.other, NULL, NULL);
	snprintf(uri, sizeof uri, "/desk/admin/types/%s", type);
	snprintf(fields, sizeof fields, "org=%s&name=Flowed&description=&category=&routing=organization&priority=normal"
	    "&role_customer=1&active=1&workflow=%s", f.slug, theirs);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 422);
	assert_has(&r, "Choose one of the listed workflows, or none.");
	harness_response_free(&r);
	assert_owner("select w.name from request_types t join workflows w on w.id = t.workflow_id where t.id = $1::uuid",
	    type, NULL, "Second");
	free(theirs);
	free(n1);
	free(n2);
	free(type);
	free(first);
	free(second);
	teardown(&f);
}
END_TEST

/* ---- the workspace ---- */

START_TEST(wf_stage_moves_and_hooks)
{
	fixture f;
	setup(&f);
	harness_response r;
	char uri[256], fields[512];
	char *wf = make_workflow(&f, "Moves");
	char *working = stage_id(wf, "Working"), *end = stage_id(wf, "Closed out");
	char *hook = owner3("insert into workflow_stage_hooks (stage_id, hook_type, config) values ($1::uuid, 'notification', "
	                    "jsonb_build_object('target_type', 'specific_user', 'target_user_id', $2::text, 'message', 'Your turn')) "
	                    "returning id", working, f.admin, NULL);
	char *number = ticket_in(f.org, f.customer, "Moving ticket");
	snprintf(uri, sizeof uri, "/desk/tickets/%s", number);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<strong>Intake</strong> (current)");
	assert_has(&r, "Move to Working");
	harness_response_free(&r);
	char *v = version_of(number);
	/* stale version: 409, nothing moved, nobody notified */
	snprintf(uri, sizeof uri, "/desk/tickets/%s/stage", number);
	snprintf(fields, sizeof fields, "stage=%s&version=%d", working, atoi(v) + 5);
	post_as(f.a, uri, &f.ag, fields, &r);
	assert_status(&r, 409);
	assert_has(&r, "its stage was not changed");
	harness_response_free(&r);
	/* no CSRF: 403 */
	snprintf(fields, sizeof fields, "stage=%s&version=%s", working, v);
	post_form(f.a, uri, f.ag.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	/* a stage of another workflow: 422 */
	char *other_wf = make_workflow(&f, "Elsewhere");
	char *foreign = stage_id(other_wf, "Working");
	snprintf(fields, sizeof fields, "stage=%s&version=%s", foreign, v);
	post_as(f.a, uri, &f.ag, fields, &r);
	assert_status(&r, 422);
	harness_response_free(&r);
	assert_owner("select s.name from tickets t join workflow_stages s on s.id = t.current_stage_id where t.number = $1",
	    number, NULL, "Intake");
	assert_owner("select count(*) from notifications where user_id = $1::uuid and type = 'staff.workflow'", f.admin, NULL,
	    "0");
	/* the move: the hook notifies once */
	snprintf(fields, sizeof fields, "stage=%s&version=%s", working, v);
	post_as(f.a, uri, &f.ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select count(*) from notifications where user_id = $1::uuid and type = 'staff.workflow' "
	             "and content = 'Your turn'", f.admin, NULL, "1");
	/* the same stage again (current version): unchanged, no second notice */
	free(v);
	v = version_of(number);
	snprintf(fields, sizeof fields, "stage=%s&version=%s", working, v);
	post_as(f.a, uri, &f.ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select count(*) from notifications where user_id = $1::uuid and type = 'staff.workflow'", f.admin, NULL,
	    "1");
	/* the queue's stage filter */
	snprintf(uri, sizeof uri, "/desk?queue=open&stage=%s", working);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, number);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk?queue=open&stage=%s", end);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_lacks(&r, number);
	harness_response_free(&r);
	get(f.a, "/desk?queue=open&stage=not-a-stage", f.ag.cookie, &r);
	assert_status(&r, 400);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/tickets/%s/stage", number);
	/* on to the end; another organization's staff cannot move it */
	snprintf(fields, sizeof fields, "stage=%s&version=%s", end, v);
	post_as(f.a, uri, &f.oth, fields, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	post_as(f.a, uri, &f.ag, fields, &r);
	assert_status(&r, 303);
	harness_response_free(&r);
	assert_owner("select s.name from tickets t join workflow_stages s on s.id = t.current_stage_id where t.number = $1",
	    number, NULL, "Closed out");
	assert_owner("select count(*) from notifications where user_id = $1::uuid and type = 'staff.workflow'", f.admin, NULL,
	    "1");
	free(v);
	free(foreign);
	free(other_wf);
	free(number);
	free(hook);
	free(working);
	free(end);
	free(wf);
	teardown(&f);
}
END_TEST

START_TEST(wf_history_view)
{
	fixture f;
	setup(&f);
	harness_response r;
	char uri[256];
	char *wf = make_workflow(&f, "History");
	char *number = ticket_in(f.org, f.customer, "First title");
	free(owner3("with u as (update tickets set title = 'Second title', priority = 'urgent' where number = $1 returning 1) "
	            "select 1 from u", number, NULL, NULL));
	free(owner3("with u as (update tickets set assignee_id = $2::uuid where number = $1 returning 1) select 1 from u",
	    number, f.agent, NULL));
	snprintf(uri, sizeof uri, "/desk/tickets/%s/history", number);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "Version 3");
	assert_has(&r, "Version 1");
	assert_has(&r, "Title: Second title");
	assert_has(&r, "Priority: Urgent");
	assert_has(&r, "Assignee: ");
	harness_response_free(&r);
	char *first = owner3("select h.id from ticket_history h join tickets t on t.id = h.ticket_id where t.number = $1 "
	                     "order by h.seq limit 1", number, NULL, NULL);
	snprintf(uri, sizeof uri, "/desk/tickets/%s/history?at=%s", number, first);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "<dd>First title</dd>");
	assert_has(&r, "Made by the workflow tests");
	assert_has(&r, "<dd>Intake</dd>");
	harness_response_free(&r);
	/* another organization: 404, page and entry alike; a bad entry 404 */
	get(f.a, uri, f.oth.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/tickets/%s/history?at=nope", number);
	get(f.a, uri, f.ag.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	free(first);
	free(number);
	free(wf);
	teardown(&f);
}
END_TEST

/* ---- the views' refresh under two schedulers ---- */

typedef struct {
	pthread_barrier_t *start;
	int gap;
	enum sched_outcome outcome;
} views_runner;

/* A scheduler of its own: a connection as the application role (as `serve`
 * runs it) and one run of the job. */
static void *views_run(void *arg)
{
	views_runner *s = arg;
	db *conn = db_new(getenv("APP_DATABASE_URL"), 5, 60000, "supportdesk-test-scheduler");
	arena *mem = arena_new(4096);
	db_ensure(conn);
	if (s->start)
		pthread_barrier_wait(s->start);
	db_tx tx;
	db_tx_init(&tx, conn, mem, NULL, "test-workflow-views", NULL);
	s->outcome = sched_job_workflow_views(&tx, s->gap);
	if (s->outcome == SCHED_RAN && db_tx_commit(&tx) != DB_OK)
		s->outcome = SCHED_FAILED;
	else if (s->outcome != SCHED_RAN)
		db_tx_rollback(&tx);
	arena_free(mem);
	db_free(conn);
	return NULL;
}

START_TEST(wf_views_refresh_once_per_interval)
{
	fixture f;
	setup(&f);
	char *wf = make_workflow(&f, "Stats");
	char *number = ticket_in(f.org, f.customer, "Counted");
	/* the last run an interval ago, whatever ran before */
	free(owner3("with u as (insert into scheduler_runs (job, last_started_at) values ('workflow_views', now() - interval '1 hour') "
	            "on conflict (job) do update set last_started_at = excluded.last_started_at returning 1) select 1 from u",
	    NULL, NULL, NULL));
	char *runs = owner3("select runs::text from scheduler_runs where job = 'workflow_views'", NULL, NULL, NULL);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, 2);
	views_runner r[2] = { { &start, 300, 0 }, { &start, 300, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, views_run, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	ck_assert_msg(r[0].outcome != SCHED_FAILED && r[1].outcome != SCHED_FAILED, "a scheduler failed");
	ck_assert_msg((r[0].outcome == SCHED_RAN) + (r[1].outcome == SCHED_RAN) == 1, "ran %d and %d, want once",
	    r[0].outcome, r[1].outcome);
	char want[32];
	snprintf(want, sizeof want, "%ld", atol(runs) + 1);
	assert_owner("select runs::text from scheduler_runs where job = 'workflow_views'", NULL, NULL, want);
	/* within the interval: skipped; the figures are there */
	views_runner again = { NULL, 300, 0 };
	views_run(&again);
	ck_assert_int_eq(again.outcome, SCHED_SKIPPED);
	assert_owner("select ticket_count::text from workflow_stage_stats s join workflow_stages ws on ws.id = s.stage_id "
	             "where ws.workflow_id = $1::uuid and ws.is_start", wf, NULL, "1");
	/* the page says how fresh they are */
	harness_response r2;
	char uri[256];
	snprintf(uri, sizeof uri, "/desk/admin/workflows/%s?org=%s", wf, f.slug);
	get(f.a, uri, f.adm.cookie, &r2);
	assert_status(&r2, 200);
	assert_has(&r2, "these figures are computed again every 5 minutes");
	harness_response_free(&r2);
	free(runs);
	free(number);
	free(wf);
	teardown(&f);
}
END_TEST

Suite *workflows_suite(void)
{
	Suite *s = suite_create("workflows");
	TCase *tc = tcase_create("workflows");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, wf_admin_access);
	tcase_add_test(tc, wf_admin_stages_and_hooks);
	tcase_add_test(tc, wf_request_type_names_workflow);
	tcase_add_test(tc, wf_stage_moves_and_hooks);
	tcase_add_test(tc, wf_history_view);
	tcase_add_test(tc, wf_views_refresh_once_per_interval);
	suite_add_tcase(s, tc);
	return s;
}
