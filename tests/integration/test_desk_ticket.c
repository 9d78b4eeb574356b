/* test_desk_ticket.c: the ticket workspace through the in-process harness,
 * against the real PostgreSQL and Redis: two organizations made as the
 * owner, their agents signed in, every action and its refusals. Registered
 * by test_integration.c's main(). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "integration/itest.h"

typedef struct {
	char *uid, *cookie, *csrf;
} who;

static void sign_in(app *a, const char *uid, who *w)
{
	char body[128];
	snprintf(body, sizeof body, "user=%s", uid);
	harness_response r;
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	w->uid = strdup(uid);
	w->cookie = harness_cookie(&r, "sd_session");
	w->csrf = strdup(r.body);
	harness_response_free(&r);
}

static void who_free(who *w)
{
	free(w->uid);
	free(w->cookie);
	free(w->csrf);
}

typedef struct {
	char *org_x, *org_y;
	who ax, ax2, ay, cust;
	char *tx, *tx2, *ty; /* numbers: two of X's, one of Y's */
} world;

static char *user_new(const char *tag)
{
	char email[128];
	snprintf(email, sizeof email, "desk-%s-%d-%ld-%d@desk.example", tag, (int)getpid(), (long)time(NULL), rand() % 100000);
	return owner_queryv("insert into users (email, name, email_verified_at) values ($1, $2, now()) returning id", email, tag,
	    (const char *)NULL);
}

static char *org_new(const char *tag)
{
	char slug[64];
	snprintf(slug, sizeof slug, "desk-%s-%d-%d", tag, (int)getpid(), rand() % 1000000);
	return owner_queryv("insert into organizations (name, slug) values ($1, $2) returning id", tag, slug, (const char *)NULL);
}

static char *ticket_in(const char *org, const char *requester, const char *title)
{
	return owner_queryv("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description) "
	         "values ($1::uuid, 'organization', $2::uuid, $2::uuid, $3, 'Made by the desk tests') returning number",
	    requester, org, title, (const char *)NULL);
}

static void world_new(app *a, world *w)
{
	memset(w, 0, sizeof *w);
	w->org_x = org_new("X");
	w->org_y = org_new("Y");
	char *ax = user_new("Xavier"), *ax2 = user_new("Xena"), *ay = user_new("Yolanda"), *cu = user_new("Carl");
	free(owner_queryv("insert into memberships (user_id, organization_id, role) values ($1::uuid, $3::uuid, 'agent'), "
	       "($2::uuid, $3::uuid, 'agent')", ax, ax2, w->org_x, (const char *)NULL));
	free(owner_queryv("insert into memberships (user_id, organization_id, role) values ($1::uuid, $2::uuid, 'agent')", ay, w->org_y,
	    (const char *)NULL));
	w->tx = ticket_in(w->org_x, cu, "Printer on fire");
	w->tx2 = ticket_in(w->org_x, cu, "Printer still on fire");
	w->ty = ticket_in(w->org_y, cu, "Refund");
	sign_in(a, ax, &w->ax);
	sign_in(a, ax2, &w->ax2);
	sign_in(a, ay, &w->ay);
	sign_in(a, cu, &w->cust);
	free(ax);
	free(ax2);
	free(ay);
	free(cu);
}

static void world_free(world *w)
{
	who_free(&w->ax);
	who_free(&w->ax2);
	who_free(&w->ay);
	who_free(&w->cust);
	free(w->org_x);
	free(w->org_y);
	free(w->tx);
	free(w->tx2);
	free(w->ty);
}

static char *path(const char *number, const char *action)
{
	char *p = malloc(256);
	snprintf(p, 256, "/desk/tickets/%s%s%s", number, action ? "/" : "", action ? action : "");
	return p;
}

static char *version_of(const char *number)
{
	return owner_queryv("select version::text from tickets where number = $1", number, (const char *)NULL);
}

static void post(app *a, const who *w, const char *uri, const char *body, harness_response *r)
{
	post_form_from(a, unique_ip(), uri, w->cookie, body, r);
}

START_TEST(foreign_org_and_customer_get_404)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	harness_response r;
	char *p = path(w.tx, NULL);
	get(a, p, w.ax.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	harness_response_free(&r);
	get(a, p, w.ay.cookie, &r);
	ck_assert_int_eq(r.status, 404); /* another organization's agent */
	harness_response_free(&r);
	get(a, p, w.cust.cookie, &r);
	ck_assert_int_eq(r.status, 404); /* the requester, a customer */
	harness_response_free(&r);
	get(a, p, NULL, &r);
	ck_assert_int_eq(r.status, 303); /* a visitor signs in first */
	harness_response_free(&r);
	get(a, "/desk/tickets/NOPE-2026-01-00001", w.ax.cookie, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	char body[512];
	snprintf(body, sizeof body, "_csrf=%s&body=Hello&version=1", w.ay.csrf);
	char *rp = path(w.tx, "reply");
	post(a, &w.ay, rp, body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	free(rp);
	free(p);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

START_TEST(reply_note_and_refusals)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	harness_response r;
	char body[1024], *rp = path(w.tx, "reply"), *np = path(w.tx, "note");
	char *v = version_of(w.tx);

	/* Wrong CSRF: 403, draft kept, nothing written. */
	snprintf(body, sizeof body, "_csrf=wrong&body=Draft+one&version=%s", v);
	post(a, &w.ax, rp, body, &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert_ptr_nonnull(strstr(r.body, "Draft one"));
	harness_response_free(&r);
	char *n = owner_queryv("select count(*)::text from ticket_messages m join tickets t on t.id = m.ticket_id where t.number = $1",
	    w.tx, (const char *)NULL);
	ck_assert_str_eq(n, "0");
	free(n);

	/* A reply with a canned response and the next status. */
	char *sc = owner_queryv("insert into canned_responses (organization_id, title, shortcut, content) "
	             "values ($1::uuid, 'Hi', 'hi', 'Hello {{requester.name}}, about {{ticket.number}}: <b>') returning id",
	    w.org_x, (const char *)NULL);
	snprintf(body, sizeof body, "_csrf=%s&body=%%2Fhi+we+are+on+it&status=waiting_customer&version=%s", w.ax.csrf, v);
	post(a, &w.ax, rp, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	char *msg = owner_queryv("select body from ticket_messages m join tickets t on t.id = m.ticket_id where t.number = $1", w.tx,
	    (const char *)NULL);
	char want[256];
	snprintf(want, sizeof want, "Hello Carl, about %s: <b> we are on it", w.tx);
	ck_assert_str_eq(msg, want);
	free(msg);
	char *used = owner_queryv("select usage_count::text || (last_used_at is not null)::text from canned_responses where id = $1::uuid",
	    sc, (const char *)NULL);
	ck_assert_str_eq(used, "1true");
	free(used);
	char *st = owner_queryv("select status || (first_response_at is not null)::text from tickets where number = $1", w.tx,
	    (const char *)NULL);
	ck_assert_str_eq(st, "waiting_customertrue");
	free(st);
	/* The page escapes it like every message. */
	char *p = path(w.tx, NULL);
	get(a, p, w.ax.cookie, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "&lt;b&gt;"));
	harness_response_free(&r);

	/* Stale: the old version is refused with 409, the draft kept. */
	snprintf(body, sizeof body, "_csrf=%s&body=My+stale+draft&version=%s", w.ax2.csrf, v);
	post(a, &w.ax2, rp, body, &r);
	ck_assert_int_eq(r.status, 409);
	ck_assert_ptr_nonnull(strstr(r.body, "My stale draft"));
	ck_assert_ptr_nonnull(strstr(r.body, "changed while you were writing"));
	harness_response_free(&r);

	/* A note with mentions: the colleague is notified, the other org's agent is not. */
	char *ax2_email = owner_queryv("select email::text from users where id = $1::uuid", w.ax2.uid, (const char *)NULL);
	char *ay_email = owner_queryv("select email::text from users where id = $1::uuid", w.ay.uid, (const char *)NULL);
	snprintf(body, sizeof body, "_csrf=%s&body=Look+%%40%s+and+%%40%s.", w.ax.csrf, ax2_email, ay_email);
	post(a, &w.ax, np, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	char *m1 = owner_queryv("select count(*)::text from notifications where user_id = $1::uuid and type = 'staff.mention'", w.ax2.uid,
	    (const char *)NULL);
	char *m2 = owner_queryv("select count(*)::text from notifications where user_id = $1::uuid and type = 'staff.mention'", w.ay.uid,
	    (const char *)NULL);
	ck_assert_str_eq(m1, "1");
	ck_assert_str_eq(m2, "0");
	free(m1);
	free(m2);
	/* The customer never sees the note. */
	char mp[128];
	snprintf(mp, sizeof mp, "/my/tickets/%s", w.tx);
	get(a, mp, w.cust.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "Look @"));
	ck_assert_ptr_nonnull(strstr(r.body, "we are on it"));
	harness_response_free(&r);

	free(ax2_email);
	free(ay_email);
	free(sc);
	free(p);
	free(v);
	free(rp);
	free(np);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

START_TEST(update_assign_and_merge)
{
	app *a = test_app(NULL, NULL);
	world w;
	world_new(a, &w);
	harness_response r;
	char body[1024], *up = path(w.tx, "update"), *mp = path(w.tx, "merge");
	char *v = version_of(w.tx);

	/* An assignee who is not staff of X is refused. */
	snprintf(body, sizeof body, "_csrf=%s&version=%s&assignee=%s", w.ax.csrf, v, w.ay.uid);
	post(a, &w.ax, up, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "not active staff"));
	harness_response_free(&r);

	/* Two agents assign at once from the same version: one wins. */
	snprintf(body, sizeof body, "_csrf=%s&version=%s&assignee=me&tags=VIP,%%20printer", w.ax.csrf, v);
	post(a, &w.ax, up, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=%s&version=%s&assignee=me", w.ax2.csrf, v);
	post(a, &w.ax2, up, body, &r);
	ck_assert_int_eq(r.status, 409);
	ck_assert_ptr_nonnull(strstr(r.body, "Ticket assigned"));
	harness_response_free(&r);
	char *asg = owner_queryv("select (assignee_id = $2::uuid)::text || array_to_string(tags, ',') from tickets where number = $1",
	    w.tx, w.ax.uid, (const char *)NULL);
	ck_assert_str_eq(asg, "trueprinter,vip");
	free(asg);
	char *actor = owner_queryv("select count(*)::text from ticket_activity a join tickets t on t.id = a.ticket_id "
	                "where t.number = $1 and a.activity_type = 'assigned' and a.actor_id = $2::uuid",
	    w.tx, w.ax.uid, (const char *)NULL);
	ck_assert_str_eq(actor, "1");
	free(actor);

	/* Merge: not into another organization's ticket, not into itself; then into tx2. */
	snprintf(body, sizeof body, "_csrf=%s&into=%s", w.ax.csrf, w.ty);
	post(a, &w.ax, mp, body, &r);
	ck_assert_int_eq(r.status, 422);
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=%s&into=%s", w.ax.csrf, w.tx);
	post(a, &w.ax, mp, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_ptr_nonnull(strstr(r.body, "into itself"));
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=wrong&into=%s", w.tx2);
	post(a, &w.ax, mp, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	char *st = owner_queryv("select status from tickets where number = $1", w.tx, (const char *)NULL);
	ck_assert_str_ne(st, "closed");
	free(st);
	snprintf(body, sizeof body, "_csrf=%s&into=%s", w.ax.csrf, w.tx2);
	post(a, &w.ax, mp, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	st = owner_queryv("select status || coalesce(metadata->>'merged_into', '-') from tickets where number = $1", w.tx,
	    (const char *)NULL);
	char want[96];
	snprintf(want, sizeof want, "closed%s", w.tx2);
	ck_assert_str_eq(st, want);
	free(st);

	/* Canned JSON and presence. */
	get(a, "/desk/canned?q=zz", w.ax.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "[]");
	harness_response_free(&r);
	get(a, "/desk/canned?q=%3Cx", w.ax.cookie, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	char *pp = path(w.tx2, "presence");
	snprintf(body, sizeof body, "_csrf=%s&typing=1", w.ax2.csrf);
	post(a, &w.ax2, pp, body, &r);
	ck_assert_int_eq(r.status, 200);
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=%s&typing=0", w.ax.csrf);
	post(a, &w.ax, pp, body, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"name\":\"Xena\",\"typing\":true"));
	harness_response_free(&r);
	snprintf(body, sizeof body, "_csrf=wrong&typing=0");
	post(a, &w.ax, pp, body, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);

	free(pp);
	free(v);
	free(up);
	free(mp);
	world_free(&w);
	harness_app_free(a);
}
END_TEST

Suite *desk_ticket_suite(void)
{
	Suite *s = suite_create("desk_ticket");
	TCase *tc = tcase_create("workspace");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, foreign_org_and_customer_get_404);
	tcase_add_test(tc, reply_note_and_refusals);
	tcase_add_test(tc, update_assign_and_merge);
	suite_add_tcase(s, tc);
	return s;
}
