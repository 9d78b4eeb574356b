/* test_sched.c: auto-assign under concurrent tickets, the scheduler's SLA
 * job with two schedulers at once, the purges of `scheduler --once`, the
 * staff settings of /account, @mentions and the staff email templates,
 * against the real PostgreSQL and Redis. No waiting on the clock: due dates
 * are set in the past (or the future) through SQL, and the jobs are called
 * directly. Each test makes its own organization and users. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include "core/config.h"
#include "db/tx.h"
#include "integration/itest.h"
#include "mail/render.h"
#include "sched/jobs.h"
#include "sched/scheduler.h"
#include "tmpl/tmpl.h"

/* ---- the owner's view, for setup and checks ---- */

static PGconn *owner_conn(void)
{
	PGconn *c = PQconnectdb(getenv("OWNER_DATABASE_URL"));
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	return c;
}

/* Runs sql with up to 4 text parameters; the first value of the first row
 * (malloc'd, "" for none or NULL). Fails the test on an error. */
static char *sql1(PGconn *c, const char *sql, const char *p1, const char *p2, const char *p3, const char *p4)
{
	const char *p[4] = { p1, p2, p3, p4 };
	int n = p4 ? 4 : p3 ? 3 : p2 ? 2 : p1 ? 1 : 0;
	PGresult *res = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(res));
	char *out = strdup(st == PGRES_TUPLES_OK && PQntuples(res) && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return out;
}

static void sql0(PGconn *c, const char *sql, const char *p1, const char *p2, const char *p3, const char *p4)
{
	free(sql1(c, sql, p1, p2, p3, p4));
}

static long sql_long(PGconn *c, const char *sql, const char *p1, const char *p2)
{
	char *v = sql1(c, sql, p1, p2, NULL, NULL);
	long n = atol(v);
	free(v);
	return n;
}

static int seq;

/* A fresh organization (auto-assign on or off); its id, malloc'd. */
static char *new_org(PGconn *c, bool auto_assign)
{
	char slug[64];
	snprintf(slug, sizeof slug, "sched-%d-%ld-%d", (int)getpid(), (long)time(NULL), ++seq);
	char *org = sql1(c, "insert into organizations (name, slug) values ($1::text, $1::text) returning id", slug, NULL, NULL, NULL);
	sql0(c, "insert into organization_settings (organization_id, is_provisioned, provisioned_at, auto_assign_enabled) "
	        "values ($1, true, now(), $2::boolean)",
	    org, auto_assign ? "true" : "false", NULL, NULL);
	return org;
}

/* A staff member of org with that role; their id, malloc'd. */
static char *new_staff(PGconn *c, const char *org, const char *role, const char *name)
{
	char email[128];
	snprintf(email, sizeof email, "staff-%d-%ld-%d@example.com", (int)getpid(), (long)time(NULL), ++seq);
	char *uid = sql1(c, "insert into users (email, name, email_verified_at) values ($1, $2, now()) returning id",
	    email, name, NULL, NULL);
	sql0(c, "insert into memberships (user_id, organization_id, role) values ($1, $2, $3)", uid, org, role, NULL);
	return uid;
}

static char *new_customer_id(PGconn *c)
{
	char email[128];
	snprintf(email, sizeof email, "cust-%d-%ld-%d@example.com", (int)getpid(), (long)time(NULL), ++seq);
	return sql1(c, "insert into users (email, name, email_verified_at) values ($1, 'Cus Tomer', now()) returning id",
	    email, NULL, NULL, NULL);
}

/* The staff emails a test's organization queued are nobody's to deliver
 * (no mailer runs in this layer): dropped, so that they never stand in
 * front of another suite's rows. */
static void forget_staff_mail(PGconn *c, const char *org)
{
	sql0(c, "delete from outbox where status = 'pending' and user_id in "
	        "(select user_id from memberships where organization_id = $1)",
	    org, NULL, NULL, NULL);
}

/* ---- auto-assign ---- */

#define AA_THREADS 8
#define AA_PER_THREAD 3
#define AA_AGENTS 4

typedef struct {
	const char *org, *requester;
	const char *holder;           /* set: unassign this user's tickets instead */
	pthread_barrier_t *start;
	int failures;
} aa_worker;

/* One connection inserting its tickets, each in its own transaction, all
 * threads starting together. */
static void *aa_insert(void *arg)
{
	aa_worker *w = arg;
	PGconn *c = PQconnectdb(getenv("OWNER_DATABASE_URL"));
	pthread_barrier_wait(w->start);
	for (int i = 0; i < AA_PER_THREAD; i++) {
		const char *p[2] = { w->holder ? w->holder : w->requester, w->org };
		PGresult *res = PQexec(c, "begin");
		PQclear(res);
		if (w->holder) {
			/* The holder lets one of their tickets go. */
			res = PQexecParams(c,
			    "with one as (select id from tickets where assignee_id = $1 and assigned_org_id = $2 "
			    "limit 1 for update skip locked), "
			    "me as (select set_config('app.user_id', $1::text, true)) "
			    "update tickets t set assignee_id = null from one, me where t.id = one.id",
			    2, NULL, p, NULL, NULL, 0);
		} else {
			res = PQexecParams(c,
			    "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
			    "description) values ($1, 'organization', $2, $2, 'Concurrent ticket', 'Who gets me?')",
			    2, NULL, p, NULL, NULL, 0);
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK || (w->holder && strcmp(PQcmdTuples(res), "1") != 0))
			w->failures++;
		PQclear(res);
		/* The rest of a request's transaction (attachments, notices):
		 * it widens the window in which another ticket could pick the
		 * same agent, were the pick not serialized. The result does not
		 * depend on it. */
		res = PQexec(c, "select pg_sleep(0.02)");
		PQclear(res);
		res = PQexec(c, "commit");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			w->failures++;
		PQclear(res);
	}
	PQfinish(c);
	return NULL;
}

/* AA_THREADS connections at once, each AA_PER_THREAD times: a new ticket,
 * or (holder set) one of the holder's tickets unassigned by the holder. */
static void aa_concurrently(const char *org, const char *requester, const char *holder)
{
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, AA_THREADS);
	pthread_t th[AA_THREADS];
	aa_worker w[AA_THREADS];
	for (int i = 0; i < AA_THREADS; i++) {
		w[i] = (aa_worker){ org, requester, holder, &start, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, aa_insert, &w[i]), 0);
	}
	for (int i = 0; i < AA_THREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	pthread_barrier_destroy(&start);
}

/* N connections create tickets at once: each available agent ends up with
 * exactly the same number, nobody away or inactive gets one, and every
 * assignment is audited with the system as its actor. */
START_TEST(auto_assign_spreads_concurrent_tickets_evenly)
{
	app *a = test_app(NULL, NULL); /* OWNER_DATABASE_URL, DATABASE_URL as the app role */
	PGconn *c = owner_conn();
	char *org = new_org(c, true);
	char *agents[AA_AGENTS];
	for (int i = 0; i < AA_AGENTS; i++)
		agents[i] = new_staff(c, org, i == 0 ? "admin" : "agent", "Agent");
	char *away = new_staff(c, org, "agent", "Away Agent");
	sql0(c, "update users set away_since = now() where id = $1", away, NULL, NULL, NULL);
	char *gone = new_staff(c, org, "agent", "Former Agent");
	sql0(c, "update memberships set is_active = false where user_id = $1", gone, NULL, NULL, NULL);
	char *requester = new_customer_id(c);

	aa_concurrently(org, requester, NULL);

	long total = AA_THREADS * AA_PER_THREAD;
	ck_assert_int_eq(sql_long(c, "select count(*) from tickets where assigned_org_id = $1 and assignee_id is not null",
	                     org, NULL),
	    total);
	for (int i = 0; i < AA_AGENTS; i++) {
		long n = sql_long(c, "select count(*) from tickets where assigned_org_id = $1 and assignee_id = $2", org,
		    agents[i]);
		ck_assert_msg(n == total / AA_AGENTS, "agent %d got %ld tickets, want %ld", i, n, total / AA_AGENTS);
	}
	ck_assert_int_eq(sql_long(c, "select count(*) from tickets where assignee_id = $1", away, NULL), 0);
	ck_assert_int_eq(sql_long(c, "select count(*) from tickets where assignee_id = $1", gone, NULL), 0);
	/* The audit: one system 'assigned' row and one auto-assign history row per ticket. */
	ck_assert_int_eq(sql_long(c,
	                     "select count(*) from ticket_activity a join tickets t on t.id = a.ticket_id "
	                     "where t.assigned_org_id = $1 and a.activity_type = 'assigned' and a.actor_id is null",
	                     org, NULL),
	    total);
	ck_assert_int_eq(sql_long(c,
	                     "select count(*) from ticket_assignments a join tickets t on t.id = a.ticket_id "
	                     "where t.assigned_org_id = $1 and a.assignment_reason = 'auto-assign' and a.assigned_by is null "
	                     "and a.assigned_to_user_id = t.assignee_id",
	                     org, NULL),
	    total);
	/* Each assignee was told, in-app. */
	ck_assert_int_eq(sql_long(c,
	                     "select count(*) from notifications n join tickets t on t.id = (n.metadata->>'ticket_id')::uuid "
	                     "where t.assigned_org_id = $1 and n.type = 'staff.assigned' and n.user_id = t.assignee_id",
	                     org, NULL),
	    total);

	/* Concurrent unassignments (new tickets already queue on their number
	 * counter; these do not): an away agent lets go of as many tickets,
	 * all at once, and they spread evenly too. */
	for (long i = 0; i < total; i++)
		sql0(c, "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
		        "description, assignee_id) values ($1, 'organization', $2, $2, 'Held', 'Let me go', $3)",
		    requester, org, away, NULL);
	aa_concurrently(org, requester, away);
	ck_assert_int_eq(sql_long(c, "select count(*) from tickets where assignee_id = $1", away, NULL), 0);
	for (int i = 0; i < AA_AGENTS; i++) {
		long n = sql_long(c, "select count(*) from tickets where assigned_org_id = $1 and assignee_id = $2", org,
		    agents[i]);
		ck_assert_msg(n == 2 * total / AA_AGENTS, "after the unassignments agent %d has %ld tickets, want %ld", i,
		    n, 2 * total / AA_AGENTS);
	}

	/* Unassigned by its agent, a ticket goes to someone else at once. */
	char *tid = sql1(c, "select id from tickets where assignee_id = $1 limit 1", agents[1], NULL, NULL, NULL);
	sql0(c, "select set_config('app.user_id', $1, false)", agents[1], NULL, NULL, NULL);
	sql0(c, "update tickets set assignee_id = null where id = $1", tid, NULL, NULL, NULL);
	sql0(c, "select set_config('app.user_id', '', false)", NULL, NULL, NULL, NULL);
	char *now = sql1(c, "select assignee_id from tickets where id = $1", tid, NULL, NULL, NULL);
	ck_assert_str_ne(now, "");
	ck_assert_str_ne(now, agents[1]);
	free(now);
	free(tid);

	for (int i = 0; i < AA_AGENTS; i++)
		free(agents[i]);
	forget_staff_mail(c, org);
	free(away);
	free(gone);
	free(requester);
	free(org);
	PQfinish(c);
	harness_app_free(a);
}
END_TEST

/* ---- the SLA job with two schedulers ---- */

#define SLA_ROUNDS 6

typedef struct {
	pthread_barrier_t *start;
	enum sched_outcome outcome;
	long long events;
	int unavailable;
} sla_runner;

/* A scheduler of its own: a connection as the application role (as `serve`
 * runs it) and one job run. */
static void *sla_run(void *arg)
{
	sla_runner *s = arg;
	db *conn = db_new(getenv("APP_DATABASE_URL"), 5, 60000, "supportdesk-test-scheduler");
	arena *mem = arena_new(4096);
	db_ensure(conn);
	pthread_barrier_wait(s->start);
	db_tx tx;
	db_tx_init(&tx, conn, mem, NULL, "test-sla", NULL);
	s->outcome = sched_job_sla(&tx, 0, 50, 1000, &s->events);
	if (s->outcome == SCHED_RAN && db_tx_commit(&tx) != DB_OK)
		s->outcome = SCHED_FAILED;
	else if (s->outcome != SCHED_RAN)
		db_tx_rollback(&tx);
	arena_free(mem);
	db_free(conn);
	return NULL;
}

/* Two schedulers started together; fails the test when either failed. */
static void two_schedulers(void)
{
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, 2);
	sla_runner r[2] = { { &start, 0, 0, 0 }, { &start, 0, 0, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, sla_run, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(r[i].outcome != SCHED_FAILED, "scheduler %d failed", i);
}

static long escalations(PGconn *c, const char *ticket, const char *kind)
{
	return sql_long(c,
	    "select count(*) from ticket_messages where ticket_id = $1 and message_type = 'escalation' "
	    "and is_internal and metadata->>'sla_event' = $2",
	    ticket, kind);
}

/* A 1-minute policy: the warning once, then the breach once, for each clock,
 * with two schedulers running at once every time; nothing on a ticket that
 * waits on the customer. */
START_TEST(sla_escalates_once_with_two_schedulers)
{
	app *a = test_app(NULL, NULL);
	PGconn *c = owner_conn();
	char *org = new_org(c, false);
	char *admin = new_staff(c, org, "admin", "Esca Lated");
	char *agent = new_staff(c, org, "agent", "Ann Agent");
	char *requester = new_customer_id(c);
	sql0(c, "insert into sla_policies (organization_id, priority, display_name, first_response_minutes, "
	        "resolution_minutes, warning_threshold_percent, escalate_to_role, use_business_hours) "
	        "values ($1, 'normal', 'One minute', 1, 1, 75, 'admin', false)",
	    org, NULL, NULL, NULL);
	static const char *const kinds[4] = { "first_response_warning", "resolution_warning", "first_response_breach",
		"resolution_breach" };
	for (int round = 0; round < SLA_ROUNDS; round++) {
		/* Created an hour ago, assigned; a twin waits on the customer. */
		char *t = sql1(c,
		    "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, "
		    "assignee_id, created_at) values ($1, 'organization', $2, $2, 'Clock is ticking', 'Hurry', $3, "
		    "now() - interval '1 hour') returning id",
		    requester, org, agent, NULL);
		char *waiting = sql1(c,
		    "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, "
		    "status, created_at) values ($1, 'organization', $2, $2, 'Waiting on you', 'Tell us', "
		    "'waiting_customer', now() - interval '1 hour') returning id",
		    requester, org, NULL, NULL);
		ck_assert_int_eq(sql_long(c, "select count(*) from tickets where id = $1 and sla_paused_at is not null "
		                             "and sla_first_response_due < now()",
		                     waiting, NULL),
		    1);
		/* Past 75% of both targets, not yet due: warnings only. */
		sql0(c, "update tickets set sla_first_response_due = now() + interval '1 hour', "
		        "sla_resolution_due = now() + interval '1 hour' where id = $1",
		    t, NULL, NULL, NULL);
		two_schedulers();
		two_schedulers();
		for (int k = 0; k < 4; k++)
			ck_assert_msg(escalations(c, t, kinds[k]) == (k < 2 ? 1 : 0), "round %d, after the warning: %ld %s",
			    round, escalations(c, t, kinds[k]), kinds[k]);
		/* Now due: the breaches, once. */
		sql0(c, "update tickets set sla_first_response_due = now() - interval '1 minute', "
		        "sla_resolution_due = now() - interval '1 minute' where id = $1",
		    t, NULL, NULL, NULL);
		two_schedulers();
		two_schedulers();
		for (int k = 0; k < 4; k++)
			ck_assert_msg(escalations(c, t, kinds[k]) == 1, "round %d, after the breach: %ld %s", round,
			    escalations(c, t, kinds[k]), kinds[k]);
		ck_assert_int_eq(sql_long(c, "select count(*) from sla_events where ticket_id = $1", t, NULL), 4);
		ck_assert_int_eq(sql_long(c, "select count(*) from ticket_activity where ticket_id = $1 "
		                             "and activity_type = 'escalated' and actor_id is null",
		                     t, NULL),
		    4);
		/* The assignee and the policy's role (admins) heard of each. */
		ck_assert_int_eq(sql_long(c,
		                     "select count(*) from notifications where user_id = $1 and type in "
		                     "('staff.sla_warning', 'staff.sla_breach') and metadata->>'ticket_id' = $2",
		                     admin, t),
		    4);
		ck_assert_int_eq(sql_long(c,
		                     "select count(*) from notifications where user_id = $1 and type = 'staff.sla_breach' "
		                     "and metadata->>'ticket_id' = $2",
		                     agent, t),
		    2);
		/* Waiting on the customer: the clock is paused, nothing fires. */
		ck_assert_int_eq(sql_long(c, "select count(*) from ticket_messages where ticket_id = $1 "
		                             "and message_type = 'escalation'",
		                     waiting, NULL),
		    0);
		free(t);
		free(waiting);
	}
	forget_staff_mail(c, org);
	free(org);
	free(admin);
	free(agent);
	free(requester);
	PQfinish(c);
	harness_app_free(a);
}
END_TEST

/* ---- scheduler --once ---- */

static redisContext *redis_connect(void)
{
	const char *url = getenv("REDIS_URL");
	ck_assert_ptr_nonnull(url);
	ck_assert(strncmp(url, "unix://", 7) == 0);
	redisContext *r = redisConnectUnix(url + 7);
	ck_assert(r && !r->err);
	return r;
}

/* Every job runs once: an unconsumed submission two days past its expiry
 * goes, an expired notification goes, and a user's session set loses the
 * id of a session that no longer exists (and keeps a live one). */
START_TEST(scheduler_once_runs_every_purge)
{
	app *a = test_app(NULL, NULL); /* OWNER_DATABASE_URL, DATABASE_URL as the app role */
	PGconn *c = owner_conn();
	char token[64];
	snprintf(token, sizeof token, "sched-purge-%d-%ld-%d", (int)getpid(), (long)time(NULL), ++seq);
	char *sub = sql1(c,
	    "insert into submissions (email, request_type_id, title, description, token_hash, expires_at) "
	    "select 'purge@example.com', id, 'Old', 'Expired long ago', sha256(convert_to($1, 'UTF8')), "
	    "now() - interval '2 days' from request_types where organization_id is null and is_active limit 1 "
	    "returning id",
	    token, NULL, NULL, NULL);
	char *user = new_customer_id(c);
	char *note = sql1(c, "insert into notifications (user_id, type, title, expires_at) "
	                     "values ($1, 'test', 'Old news', now() - interval '1 day') returning id",
	    user, NULL, NULL, NULL);

	redisContext *r = redis_connect();
	char set[96], live[96];
	snprintf(set, sizeof set, "sd:us:{%s}", user);
	snprintf(live, sizeof live, "sd:s:{live%s}", user);
	redisReply *rep = redisCommand(r, "SADD %s gone%s live%s", set, user, user);
	freeReplyObject(rep);
	rep = redisCommand(r, "SET %s x EX 600", live);
	freeReplyObject(rep);

	config cfg;
	char err[256];
	ck_assert_int_eq(config_load(&cfg, err, sizeof err), 0);
	sched_report report;
	/* A walk over the whole key space may take more than one run. */
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(sched_run_once(&cfg, &report), 0);
		ck_assert_int_eq(report.failed, 0);
		rep = redisCommand(r, "SISMEMBER %s gone%s", set, user);
		long still = rep->integer;
		freeReplyObject(rep);
		if (!still)
			break;
	}
	config_free(&cfg);
	rep = redisCommand(r, "SMEMBERS %s", set);
	ck_assert_int_eq(rep->elements, 1);
	char want[96];
	snprintf(want, sizeof want, "live%s", user);
	ck_assert_str_eq(rep->element[0]->str, want);
	freeReplyObject(rep);
	rep = redisCommand(r, "DEL %s %s", set, live);
	freeReplyObject(rep);
	redisFree(r);

	ck_assert_int_eq(sql_long(c, "select count(*) from submissions where id = $1", sub, NULL), 0);
	ck_assert_int_eq(sql_long(c, "select count(*) from notifications where id = $1", note, NULL), 0);
	ck_assert_int_eq(sql_long(c, "select count(*) from scheduler_runs where job in ('sla', 'purge_submissions', "
	                             "'purge_notifications', 'purge_track_requests', 'blob_gc', 'session_sets') "
	                             "and last_finished_at >= last_started_at",
	                     NULL, NULL),
	    6);
	free(sub);
	free(user);
	free(note);
	PQfinish(c);
	harness_app_free(a);
}
END_TEST

/* A job function refuses to run for a signed-in user (the functions are
 * the application role's, but only without an acting user). */
START_TEST(scheduler_jobs_refuse_an_acting_user)
{
	app *a = test_app(NULL, NULL);
	PGconn *c = owner_conn();
	char *user = new_customer_id(c);
	db *conn = db_new(getenv("DATABASE_URL"), 5, 5000, "supportdesk-test-job");
	arena *mem = arena_new(4096);
	db_tx tx;
	db_tx_init(&tx, conn, mem, user, "test-refuse", NULL);
	long long n;
	ck_assert_int_eq(sched_job_sla(&tx, 0, 10, 1, &n), SCHED_FAILED);
	ck_assert_str_eq(db_tx_sqlstate(&tx), "42501");
	db_tx_rollback(&tx);
	arena_free(mem);
	db_free(conn);
	free(user);
	PQfinish(c);
	harness_app_free(a);
}
END_TEST

/* ---- /account for staff ---- */

static char *signin(app *a, const char *uid, char *csrf, size_t n)
{
	harness_response r;
	char body[128];
	snprintf(body, sizeof body, "user=%s", uid);
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	char *cookie = harness_cookie(&r, "sd_session");
	snprintf(csrf, n, "%s", r.body);
	harness_response_free(&r);
	return cookie;
}

START_TEST(account_away_and_watch_for_staff_only)
{
	app *a = test_app(NULL, NULL);
	PGconn *c = owner_conn();
	char *org = new_org(c, true);
	char *agent = new_staff(c, org, "agent", "Away Soon");
	char *customer = new_customer_id(c);
	char csrf[128], body[1024];
	char *cookie = signin(a, agent, csrf, sizeof csrf);
	harness_response r;

	get(a, "/account", cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"away\""));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"watch\" value=\"teams\" checked"));
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"notify_mention\""));
	harness_response_free(&r);

	/* Without the CSRF token: refused, nothing changed. */
	post_form(a, "/account", cookie, "name=Away+Soon&preferred_language=en&away=1&watch=all", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	ck_assert_int_eq(sql_long(c, "select count(*) from users where id = $1 and away_since is null", agent, NULL), 1);

	/* An unknown watch: the form again, with the problem beside it. */
	snprintf(body, sizeof body, "_csrf=%s&name=Away+Soon&preferred_language=en&away=1&watch=everything",
	    urlencode(csrf));
	post_form(a, "/account", cookie, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "f-watch-error"));
	harness_response_free(&r);
	ck_assert_int_eq(sql_long(c, "select count(*) from users where id = $1 and away_since is null", agent, NULL), 1);

	snprintf(body, sizeof body,
	    "_csrf=%s&name=Away+Soon&preferred_language=en&away=1&watch=all&notify_assigned=1&notify_reply=1",
	    urlencode(csrf));
	post_form(a, "/account", cookie, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	ck_assert_int_eq(sql_long(c,
	                     "select count(*) from users where id = $1 and away_since is not null "
	                     "and preferences->>'watch' = 'all' and preferences->'notify'->'assigned' = 'true' "
	                     "and preferences->'notify'->'mention' = 'false' and preferences->'notify'->'reply' = 'true'",
	                     agent, NULL),
	    1);
	get(a, "/account", cookie, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "name=\"away\" value=\"1\" checked"));
	harness_response_free(&r);

	/* Away: auto-assign passes them over (they are the only agent). */
	char *t = sql1(c,
	    "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	    "values ($1, 'organization', $2, $2, 'Nobody home', 'Hello?') returning id",
	    customer, org, NULL, NULL);
	ck_assert_int_eq(sql_long(c, "select count(*) from tickets where id = $1 and assignee_id is null", t, NULL), 1);
	/* Back: the next one is theirs. */
	snprintf(body, sizeof body, "_csrf=%s&name=Away+Soon&preferred_language=en&watch=teams", urlencode(csrf));
	post_form(a, "/account", cookie, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	free(t);
	t = sql1(c,
	    "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	    "values ($1, 'organization', $2, $2, 'Somebody home', 'Hello!') returning id",
	    customer, org, NULL, NULL);
	/* (RETURNING shows the row as inserted: the assignment is the AFTER
	 * trigger's own UPDATE.) */
	char *assignee = sql1(c, "select assignee_id from tickets where id = $1", t, NULL, NULL, NULL);
	ck_assert_str_eq(assignee, agent);
	free(assignee);
	free(t);
	free(cookie);

	/* A customer sees none of it, and posting it changes nothing. */
	cookie = signin(a, customer, csrf, sizeof csrf);
	get(a, "/account", cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "name=\"away\""));
	ck_assert_ptr_null(strstr(r.body, "notify_mention"));
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=%s&name=Cus+Tomer&preferred_language=en&away=1&watch=all&notify_mention=1",
	    urlencode(csrf));
	post_form(a, "/account", cookie, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	ck_assert_int_eq(sql_long(c,
	                     "select count(*) from users where id = $1 and away_since is null "
	                     "and not preferences ? 'watch' and not (preferences->'notify') ? 'mention'",
	                     customer, NULL),
	    1);
	free(cookie);
	forget_staff_mail(c, org);
	free(org);
	free(agent);
	free(customer);
	PQfinish(c);
	harness_app_free(a);
}
END_TEST

/* ---- mentions ---- */

static const db_stmt q_mention = { "t_mention", "select ticket_mention_notify($1::uuid, $2::uuid)" };

/* As the author, in a transaction of the application role: true when the
 * mention notified. */
static bool mention(const char *author, const char *ticket, const char *user)
{
	db *conn = db_new(getenv("DATABASE_URL"), 5, 5000, "supportdesk-test-mention");
	arena *mem = arena_new(4096);
	db_tx tx;
	db_tx_init(&tx, conn, mem, author, "test-mention", NULL);
	const char *p[2] = { ticket, user };
	db_result *res = db_tx_exec(&tx, &q_mention, 2, p);
	ck_assert_ptr_nonnull(res);
	bool ok = db_get(res, 0, 0).len == 1 && db_get(res, 0, 0).ptr[0] == 't';
	ck_assert_int_eq(db_tx_commit(&tx), DB_OK);
	arena_free(mem);
	db_free(conn);
	return ok;
}

START_TEST(mention_notifies_colleagues_only)
{
	app *a = test_app(NULL, NULL);
	PGconn *c = owner_conn();
	char *org = new_org(c, false), *other = new_org(c, false);
	char *author = new_staff(c, org, "agent", "Men Tioner");
	char *colleague = new_staff(c, org, "agent", "Col League");
	char *stranger = new_staff(c, other, "agent", "Other Org");
	char *customer = new_customer_id(c);
	char *t = sql1(c,
	    "insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	    "values ($1, 'organization', $2, $2, 'Ask around', 'Who knows?') returning id",
	    customer, org, NULL, NULL);
	/* Refusals first, each silent. */
	ck_assert(!mention(author, t, stranger));     /* another organization's agent */
	ck_assert(!mention(stranger, t, colleague));  /* by someone who cannot see the ticket */
	ck_assert(!mention(customer, t, colleague));  /* by the requester */
	ck_assert(!mention(author, t, author));       /* themselves */
	ck_assert(!mention(author, t, customer));     /* not staff */
	ck_assert_int_eq(sql_long(c, "select count(*) from notifications where type = 'staff.mention' "
	                             "and metadata->>'ticket_id' = $1",
	                     t, NULL),
	    0);
	ck_assert(mention(author, t, colleague));
	char *link = sql1(c, "select link from notifications where type = 'staff.mention' and user_id = $1", colleague,
	    NULL, NULL, NULL);
	char *number = sql1(c, "select number from tickets where id = $1", t, NULL, NULL, NULL);
	char want[128];
	snprintf(want, sizeof want, "/desk/tickets/%s", number);
	ck_assert_str_eq(link, want);
	ck_assert_int_eq(sql_long(c, "select count(*) from outbox where user_id = $1 and template = 'staff_mention'",
	                     colleague, NULL),
	    1);
	free(link);
	free(number);
	free(t);
	forget_staff_mail(c, org);
	free(org);
	free(other);
	free(author);
	free(colleague);
	free(stranger);
	free(customer);
	PQfinish(c);
	harness_app_free(a);
}
END_TEST

/* ---- the staff email templates ---- */

START_TEST(staff_email_templates_render)
{
	const char *dir = getenv("SUPPORTDESK_TEMPLATES");
	tmpl_set *set;
	char err[256];
	ck_assert_msg(tmpl_set_load_dir(dir ? dir : "templates", &set, err, sizeof err) == 0, "%s", err);
	static const char *const events[] = { "new_ticket", "assigned", "customer_reply", "mention", "sla_warning",
		"sla_breach" };
	arena *a = arena_new(8192);
	for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
		tv *view = tv_object(a);
		tv_set_str(a, view, "name", "Ann <Agent>");
		tv_set_str(a, view, "number", "ACME-2026-12-00042");
		tv_set_str(a, view, "ticket_title", "Amp <b>hums</b>");
		tv_set_str(a, view, "link", "/desk/tickets/ACME-2026-12-00042");
		tv_set_str(a, view, "content", "Some text");
		tv_set_str(a, view, "author", "Cus Tomer");
		tv_set_str(a, view, "excerpt", "It <still> hums");
		tv_set_str(a, view, "clock", "first response");
		tv_set_str(a, view, "due", "2026-12-01 15:00 UTC");
		tv_set_str(a, view, "base_url", "https://desk.example");
		tv_set_str(a, view, "site_name", "Supportdesk");
		char name[64];
		snprintf(name, sizeof name, "staff_%s", events[i]);
		mail_rendered m;
		ck_assert_msg(mail_render(set, a, name, view, &m) == 0, "%s does not render", name);
		ck_assert_msg(strstr(m.subject, "ACME-2026-12-00042") != NULL, "%s: subject %s", name, m.subject);
		ck_assert_ptr_null(strchr(m.subject, '\n'));
		ck_assert_msg(strstr(m.text, "https://desk.example/desk/tickets/ACME-2026-12-00042") != NULL, "%s", name);
		ck_assert_msg(strstr(m.html, "<b>hums") == NULL, "%s: HTML not escaped", name);
		ck_assert_msg(strstr(m.html, "href=\"https://desk.example/desk/tickets/ACME-2026-12-00042\"") != NULL, "%s",
		    name);
	}
	arena_free(a);
	tmpl_set_free(set);
}
END_TEST

Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *assign = tcase_create("auto_assign");
	tcase_set_timeout(assign, 60);
	tcase_add_test(assign, auto_assign_spreads_concurrent_tickets_evenly);
	suite_add_tcase(s, assign);
	TCase *jobs = tcase_create("jobs");
	tcase_set_timeout(jobs, 120);
	tcase_add_test(jobs, sla_escalates_once_with_two_schedulers);
	tcase_add_test(jobs, scheduler_once_runs_every_purge);
	tcase_add_test(jobs, scheduler_jobs_refuse_an_acting_user);
	suite_add_tcase(s, jobs);
	TCase *staff = tcase_create("staff");
	tcase_set_timeout(staff, 30);
	tcase_add_test(staff, account_away_and_watch_for_staff_only);
	tcase_add_test(staff, mention_notifies_colleagues_only);
	tcase_add_test(staff, staff_email_templates_render);
	suite_add_tcase(s, staff);
	return s;
}
