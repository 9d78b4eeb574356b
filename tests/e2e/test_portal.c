/* test_portal.c: the customer portal end to end, through nginx: a customer
 * made by the public form (submit_and_confirm) lists, searches, opens,
 * replies with a file, closes, reopens and rates; another customer gets 404
 * for all of it; a 30 MiB reply gets 413; /track answers the same for a
 * match and a mismatch and mails only the match, whose link leads to the
 * ticket. Staff replies and status changes are made as the owner
 * ($DATABASE_URL): the support desk does not exist yet.
 *
 * Registered from test_e2e.c's main() as the suite "portal". */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "e2e/e2e_flow.h"

Suite *portal_e2e_suite(void);

/* ------------------------------------------------------------ helpers */

static char *status_of(const char *number)
{
	return owner_sql("select status from tickets where number = $1", number, NULL, NULL);
}

/* The page's CSRF token (the session's, on every form of the page). */
static char *page_csrf(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	ck_assert_msg(csrf != NULL, "%s has no _csrf", path);
	resp_free(&r);
	return csrf;
}

static resp post_urlencoded(const char *path, jar *j, const char *csrf, const char *rest)
{
	char *enc = curl_easy_escape(NULL, csrf, 0);
	dbuf b = { 0 };
	dbuf_addf(&b, "_csrf=%s%s%s", enc, rest ? "&" : "", rest ? rest : "");
	resp r = http("POST", path, j, "application/x-www-form-urlencoded", b.data, b.len);
	curl_free(enc);
	dbuf_free(&b);
	return r;
}

/* A customer made through the public form: their browser, their address,
 * their ticket's path and number. */
typedef struct {
	jar j;
	char email[160];
	char *path;        /* /my/tickets/NUMBER */
	const char *number;
} person;

static void person_new(person *p, const char *what, const char *title)
{
	memset(p, 0, sizeof *p);
	char tag[96];
	uniq(tag, sizeof tag, what);
	snprintf(p->email, sizeof p->email, "%s@example.com", tag);
	char full[192];
	snprintf(full, sizeof full, "%s %s", title, tag);
	p->path = submit_and_confirm(p->email, "Portal Person", full, NULL, NULL, 0, &p->j, NULL);
	p->number = p->path + strlen("/my/tickets/");
}

static void person_free(person *p)
{
	free(p->path);
}

/* The guest-access emails to addr in $MAIL_DIR (other notices the ticket
 * causes are not counted); *newest (may be NULL) gets one's text part. */
#define TRACK_MARK "asked to see request"
static int track_mails(const char *addr, char **text)
{
	if (text)
		*text = NULL;
	DIR *d = opendir(getenv("MAIL_DIR"));
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".eml") != 0)
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", getenv("MAIL_DIR"), e->d_name);
		char *raw = slurp(p, NULL);
		char *plain = raw && mail_to_is(raw, addr) ? mail_part(raw, "text/plain") : NULL;
		if (plain && strstr(plain, TRACK_MARK)) {
			n++;
			if (text) {
				free(*text);
				*text = plain;
				plain = NULL;
			}
		}
		free(plain);
		free(raw);
	}
	closedir(d);
	return n;
}

static void fresh_limits(void)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200: the stack did not recover from an earlier test");
}

/* ------------------------------------------------------------ tests */

START_TEST(test_portal_reply_with_a_file_and_the_list)
{
	person p;
	person_new(&p, "reply", "Portal reply");
	char *staff = owner_sql("insert into users (email, name, platform_role, email_verified_at) "
	                        "values ('e2e-staff-' || gen_random_uuid() || '@staff.example', 'Robin Staff', 'agent', now()) "
	                        "returning id", NULL, NULL, NULL);
	free(owner_sql("insert into ticket_messages (ticket_id, author_id, body) select id, $2::uuid, "
	               "'Please send us a screenshot of the quokkaword dialog.' from tickets where number = $1",
	    p.number, staff, NULL));
	free(owner_sql("update tickets set status = 'waiting_customer' where number = $1", p.number, NULL, NULL));

	/* The list: the ticket is waiting for the customer. */
	resp r = http("GET", "/my/tickets?status=waiting", &p.j, NULL, NULL, 0);
	ck_status(r, 200, "GET /my/tickets?status=waiting");
	ck_assert_msg(strstr(r.body.data, p.path), "the waiting tab lists the ticket");
	ck_assert(strstr(r.body.data, "Waiting for you <span class=\"count\">(1)</span>"));
	resp_free(&r);
	r = http("GET", "/my/tickets?status=all&q=quokka", &p.j, NULL, NULL, 0);
	ck_status(r, 200, "search a staff reply's word");
	ck_assert(strstr(r.body.data, p.path));
	resp_free(&r);

	/* Reply with a file, multipart, through nginx. */
	char *csrf = page_csrf(p.path, &p.j);
	static const char shot[] = "pretend screenshot text\n";
	upload u = { "attachments", "dialog.txt", "text/plain", shot, sizeof shot - 1 };
	dbuf b = { 0 };
	mp_field(&b, "_csrf", csrf);
	mp_field(&b, "body", "Here it is.\nSecond line.");
	mp_file(&b, &u);
	dbuf_addf(&b, "--%s--\r\n", BOUNDARY);
	char reply_path[256];
	snprintf(reply_path, sizeof reply_path, "%s/reply", p.path);
	r = http("POST", reply_path, &p.j, MP_CTYPE, b.data, b.len);
	dbuf_free(&b);
	ck_status(r, 303, "POST reply");
	char loc[512] = "";
	resp_header(&r, "Location", loc, sizeof loc);
	ck_assert_msg(strncmp(loc, p.path, strlen(p.path)) == 0 && strstr(loc, "#m-"), "Location: %s", loc);
	resp_free(&r);
	char *st = status_of(p.number);
	ck_assert_str_eq(st, "open");
	free(st);

	/* The page: the notice, the reply, the file, the staff member by name. */
	r = http("GET", p.path, &p.j, NULL, NULL, 0);
	ck_status(r, 200, "GET the ticket after the reply");
	ck_assert(strstr(r.body.data, "Your reply was sent."));
	ck_assert(strstr(r.body.data, "Here it is.\nSecond line."));
	ck_assert(strstr(r.body.data, "Robin Staff") && !strstr(r.body.data, "@staff.example"));
	char *href = attachment_href(r.body.data, "dialog.txt");
	ck_assert_msg(href != NULL, "the reply's file is listed");
	resp_free(&r);
	r = http("GET", href, &p.j, NULL, NULL, 0);
	ck_status(r, 200, "download the reply's file");
	ck_assert(r.body.len == sizeof shot - 1 && memcmp(r.body.data, shot, r.body.len) == 0);
	resp_free(&r);
	r = http("GET", href, NULL, NULL, NULL, 0);
	ck_assert_msg(r.status == 404, "the file without the session: %ld", r.status);
	resp_free(&r);

	free(href), free(csrf), free(staff);
	person_free(&p);
}
END_TEST

START_TEST(test_portal_foreign_ticket_404_and_no_session)
{
	person owner, other;
	person_new(&owner, "owner", "Portal owner");
	person_new(&other, "other", "Portal other");
	char *csrf = page_csrf(other.path, &other.j);
	static const char *const actions[] = { "reply", "close", "reopen", "rating" };
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/%s", owner.path, actions[i]);
		resp r = post_urlencoded(path, &other.j, csrf, "body=intrusion&rating=1");
		ck_status(r, 404, path);
		resp_free(&r);
	}
	resp r = http("GET", owner.path, &other.j, NULL, NULL, 0);
	ck_status(r, 404, "another customer's ticket");
	resp_free(&r);
	char path[256];
	snprintf(path, sizeof path, "%s/rating?rating=5", owner.path);
	r = http("GET", path, &other.j, NULL, NULL, 0);
	ck_status(r, 404, "another customer's rating page");
	resp_free(&r);
	ck_assert_int_eq(db_long("select count(*) from ticket_messages m join tickets t on t.id = m.ticket_id "
	                         "where t.number = $1", owner.number), 0);
	char *st = status_of(owner.number);
	ck_assert_str_eq(st, "new");
	free(st);

	/* No session: to the sign-in page, which leads back. */
	r = http("GET", "/my/tickets?status=resolved", NULL, NULL, NULL, 0);
	ck_status(r, 303, "GET /my/tickets without a session");
	char loc[512] = "";
	resp_header(&r, "Location", loc, sizeof loc);
	ck_assert_str_eq(loc, "/login?next=/my/tickets%3Fstatus%3Dresolved");
	resp_free(&r);
	/* A wrong token: 403, and nothing happens. */
	snprintf(path, sizeof path, "%s/close", owner.path);
	r = post_urlencoded(path, &owner.j, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
	ck_status(r, 403, "close with a wrong token");
	resp_free(&r);
	st = status_of(owner.number);
	ck_assert_str_eq(st, "new");
	free(st);
	free(csrf);
	person_free(&owner);
	person_free(&other);
}
END_TEST

START_TEST(test_portal_reply_30_mib_is_413)
{
	person p;
	person_new(&p, "big", "Portal big reply");
	char *csrf = page_csrf(p.path, &p.j);
	size_t n = 30u << 20;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	upload u = { "attachments", "big.txt", "text/plain", big, n };
	dbuf b = { 0 };
	mp_field(&b, "_csrf", csrf);
	mp_field(&b, "body", "A big file");
	mp_file(&b, &u);
	dbuf_addf(&b, "--%s--\r\n", BOUNDARY);
	free(big);
	long blobs = db_long("select count(*) from attachment_blobs", NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/reply", p.path);
	resp r = http("POST", path, &p.j, MP_CTYPE, b.data, b.len);
	dbuf_free(&b);
	ck_status(r, 413, "POST a 30 MiB reply");
	resp_free(&r);
	ck_assert_int_eq(db_long("select count(*) from attachment_blobs", NULL), blobs);
	ck_assert_int_eq(db_long("select count(*) from ticket_messages m join tickets t on t.id = m.ticket_id "
	                         "where t.number = $1", p.number), 0);
	free(csrf);
	person_free(&p);
}
END_TEST

START_TEST(test_portal_close_reopen_rate)
{
	person p;
	person_new(&p, "rate", "Portal rate");
	char *csrf = page_csrf(p.path, &p.j);
	char path[256];
	snprintf(path, sizeof path, "%s/close", p.path);
	resp r = post_urlencoded(path, &p.j, csrf, NULL);
	ck_status(r, 303, "close");
	resp_free(&r);
	char *st = status_of(p.number);
	ck_assert_str_eq(st, "closed");
	free(st);
	snprintf(path, sizeof path, "%s/reopen", p.path);
	r = post_urlencoded(path, &p.j, csrf, NULL);
	ck_status(r, 303, "reopen");
	resp_free(&r);
	st = status_of(p.number);
	ck_assert_str_eq(st, "open");
	free(st);

	/* Resolved by staff; the email's rating link shows, never records. */
	free(owner_sql("update tickets set status = 'resolved' where number = $1", p.number, NULL, NULL));
	snprintf(path, sizeof path, "%s/rating?rating=5", p.path);
	for (int i = 0; i < 2; i++) {
		r = http("GET", path, &p.j, NULL, NULL, 0);
		ck_status(r, 200, "GET the rating link");
		ck_assert(strstr(r.body.data, "id=\"rating-5\" value=\"5\" checked"));
		resp_free(&r);
	}
	ck_assert_int_eq(db_long("select count(*) from tickets where number = $1 and satisfaction_rating is null",
	    p.number), 1);
	snprintf(path, sizeof path, "%s/rating", p.path);
	r = post_urlencoded(path, &p.j, csrf, "rating=5&comment=Thanks%21");
	ck_status(r, 303, "POST the rating");
	resp_free(&r);
	r = post_urlencoded(path, &p.j, csrf, "rating=1");
	ck_status(r, 409, "rate twice");
	resp_free(&r);
	ck_assert_int_eq(db_long("select satisfaction_rating from tickets where number = $1", p.number), 5);
	r = http("GET", p.path, &p.j, NULL, NULL, 0);
	ck_status(r, 200, "the ticket after rating");
	ck_assert(strstr(r.body.data, "<strong>5 out of 5</strong>"));
	resp_free(&r);

	/* Resolved too long ago: no reopening, a new request instead. */
	free(owner_sql("update tickets set resolved_at = now() - interval '30 days' where number = $1", p.number, NULL, NULL));
	snprintf(path, sizeof path, "%s/reopen", p.path);
	r = post_urlencoded(path, &p.j, csrf, NULL);
	ck_status(r, 409, "reopen past the window");
	ck_assert(strstr(r.body.data, "href=\"/submit\""));
	resp_free(&r);
	free(csrf);
	person_free(&p);
}
END_TEST

static resp track(jar *j, const char *csrf, const char *email, const char *number)
{
	char *e = curl_easy_escape(NULL, email, 0), *n = curl_easy_escape(NULL, number, 0);
	char rest[512];
	snprintf(rest, sizeof rest, "email=%s&number=%s", e, n);
	curl_free(e);
	curl_free(n);
	return post_urlencoded("/track", j, csrf, rest);
}

START_TEST(test_track_same_answer_one_email)
{
	person p;
	person_new(&p, "track", "Portal track");
	char stranger[160];
	uniq(stranger, sizeof stranger, "stranger");
	strcat(stranger, "@example.com");

	jar guest = { 0 };
	char *csrf = page_csrf("/track", &guest);
	char wrong[64];
	snprintf(wrong, sizeof wrong, "%.*s", (int)strlen(p.number) - 5, p.number);
	strcat(wrong, strcmp(p.number + strlen(p.number) - 5, "99999") ? "99999" : "99998");
	resp match = track(&guest, csrf, p.email, p.number);
	resp mismatch = track(&guest, csrf, p.email, wrong);
	resp unknown = track(&guest, csrf, stranger, p.number);
	ck_status(match, 200, "track: the right pair");
	ck_status(mismatch, 200, "track: a wrong number");
	ck_status(unknown, 200, "track: an unknown address");
	ck_assert_msg(strcmp(match.body.data, mismatch.body.data) == 0 && strcmp(match.body.data, unknown.body.data) == 0,
	    "the three answers differ");
	resp_free(&match);
	resp_free(&mismatch);
	resp_free(&unknown);

	/* One email, for the match, whose link signs in and leads to the ticket. */
	double t0 = mono_s();
	while (track_mails(p.email, NULL) < 1 && mono_s() - t0 < 30)
		nap_ms(200);
	char *text;
	ck_assert_int_eq(track_mails(p.email, &text), 1);
	nap_ms(1500); /* a second one would have been written by now */
	ck_assert_int_eq(track_mails(p.email, NULL), 1);
	ck_assert_int_eq(mails_to(stranger, NULL), 0);
	ck_assert_msg(text && strstr(text, p.number), "the email names the ticket");
	const char *l = strstr(text, "/login/link/");
	ck_assert_msg(l != NULL, "a sign-in link in: %s", text);
	char link[128];
	size_t k = 0;
	while (k < sizeof link - 1 && l[k] && l[k] != '\r' && l[k] != '\n' && l[k] != ' ')
		link[k] = l[k], k++;
	link[k] = '\0';
	jar fresh = { 0 };
	char *lcsrf = page_csrf(link, &fresh);
	resp r = post_urlencoded(link, &fresh, lcsrf, NULL);
	ck_status(r, 303, "POST the sign-in link");
	char loc[512] = "";
	resp_header(&r, "Location", loc, sizeof loc);
	ck_assert_str_eq(loc, p.path);
	resp_free(&r);
	r = http("GET", p.path, &fresh, NULL, NULL, 0);
	ck_status(r, 200, "the ticket, signed in by the link");
	resp_free(&r);
	free(lcsrf), free(text), free(csrf);
	person_free(&p);
}
END_TEST


/* ------------------------------------------------------------ the desk */

static long messages_of(const char *number)
{
	return db_long("select count(*) from ticket_messages m join tickets t on t.id = m.ticket_id where t.number = $1",
	    number);
}

/* A platform agent with a password (set as the owner), signed in through
 * the sign-in form. */
static void staff_sign_in(jar *j, char *email, size_t n)
{
	char tag[96];
	uniq(tag, sizeof tag, "desk-agent");
	snprintf(email, n, "%s@example.com", tag);
	static const char pw[] = "e2e desk password";
	char hash[crypto_pwhash_STRBYTES];
	ck_assert_int_eq(crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
	free(owner_sql("insert into users (email, name, email_verified_at, platform_role, password_hash) "
	               "values ($1, 'Dana Desk', now(), 'agent', $2) returning id", email, hash, NULL));
	resp r = http("GET", "/login", j, NULL, NULL, 0);
	ck_status(r, 200, "GET /login");
	char *csrf = attr_after(r.body.data, "action=\"/login\"", "value");
	ck_assert_ptr_nonnull(csrf);
	resp_free(&r);
	char *e = curl_easy_escape(NULL, email, 0);
	char rest[512];
	snprintf(rest, sizeof rest, "email=%s&password=e2e+desk+password", e);
	curl_free(e);
	r = post_urlencoded("/login", j, csrf, rest);
	ck_assert_msg(r.status == 303, "POST /login as the agent: %ld", r.status);
	resp_free(&r);
	free(csrf);
}

/* The workspace's version field. */
static char *version_on(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *v = attr_after(r.body.data, "name=\"version\"", "value");
	ck_assert_msg(v != NULL, "%s has no version", path);
	resp_free(&r);
	return v;
}

/* An agent replies and notes on a customer's ticket through nginx: the
 * customer sees the reply on their page and never the note; the customer
 * gets 404 for the workspace; a post with a wrong token is 403 and changes
 * nothing. */
START_TEST(test_desk_reply_note_customer_view)
{
	ck_assert_int_ge(sodium_init(), 0);
	person cust;
	person_new(&cust, "desk-cust", "Desk e2e");
	jar staff = { 0 };
	char email[160];
	staff_sign_in(&staff, email, sizeof email);
	char ws[256], path[300];
	snprintf(ws, sizeof ws, "/desk/tickets/%s", cust.number);

	char *csrf = page_csrf(ws, &staff);
	char *v = version_on(ws, &staff);
	snprintf(path, sizeof path, "%s/reply", ws);
	char rest[512];
	snprintf(rest, sizeof rest, "version=%s&body=Staff+reply+e2e-visible-4711", v);
	resp r = post_urlencoded(path, &staff, csrf, rest);
	ck_assert_msg(r.status == 303, "POST %s: %ld %.300s", path, r.status, r.body.data);
	resp_free(&r);
	free(v);

	snprintf(path, sizeof path, "%s/note", ws);
	r = post_urlencoded(path, &staff, csrf, "body=Internal+e2e-hidden-0815");
	ck_assert_msg(r.status == 303, "POST %s: %ld %.300s", path, r.status, r.body.data);
	resp_free(&r);
	long before = messages_of(cust.number);

	/* A wrong token: 403, nothing written. */
	v = version_on(ws, &staff);
	snprintf(path, sizeof path, "%s/reply", ws);
	snprintf(rest, sizeof rest, "version=%s&body=Never+stored", v);
	r = post_urlencoded(path, &staff, "not-the-token", rest);
	ck_status(r, 403, "a reply with a wrong _csrf");
	resp_free(&r);
	ck_assert_int_eq(messages_of(cust.number), before);
	free(v);

	/* The staff page shows both; the customer's only the reply. */
	r = http("GET", ws, &staff, NULL, NULL, 0);
	ck_status(r, 200, ws);
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "e2e-visible-4711"));
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "e2e-hidden-0815"));
	resp_free(&r);
	r = http("GET", cust.path, &cust.j, NULL, NULL, 0);
	ck_status(r, 200, cust.path);
	ck_assert_ptr_nonnull(strstr(dbuf_str(&r.body), "e2e-visible-4711"));
	ck_assert_ptr_null(strstr(dbuf_str(&r.body), "e2e-hidden-0815"));
	resp_free(&r);

	/* The customer on the desk: 404, as for any ticket they may not work. */
	r = http("GET", ws, &cust.j, NULL, NULL, 0);
	ck_status(r, 404, "a customer on the workspace");
	resp_free(&r);
	char *ccsrf = page_csrf(cust.path, &cust.j);
	snprintf(path, sizeof path, "%s/note", ws);
	r = post_urlencoded(path, &cust.j, ccsrf, "body=Customer+note");
	ck_status(r, 404, "a customer posting a note");
	resp_free(&r);
	ck_assert_int_eq(messages_of(cust.number), before);
	free(ccsrf);
	free(csrf);
	person_free(&cust);
}
END_TEST

Suite *portal_e2e_suite(void)
{
	Suite *s = suite_create("portal");
	TCase *tc = tcase_create("portal_flow");
	tcase_set_timeout(tc, 180);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_test(tc, test_portal_reply_with_a_file_and_the_list);
	tcase_add_test(tc, test_portal_foreign_ticket_404_and_no_session);
	tcase_add_test(tc, test_portal_reply_30_mib_is_413);
	tcase_add_test(tc, test_portal_close_reopen_rate);
	tcase_add_test(tc, test_track_same_answer_one_email);
	tcase_add_test(tc, test_desk_reply_note_customer_view);
	suite_add_tcase(s, tc);
	return s;
}
