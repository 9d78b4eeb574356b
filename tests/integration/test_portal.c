/* test_portal.c: the customer portal (/my/tickets, /track) through the
 * in-process harness, against the real PostgreSQL and Redis. Tickets, staff
 * replies, internal notes and status changes are made as the owner (the
 * support desk does not exist yet); everything a customer does goes
 * through the pages. Registered by test_integration.c's main(). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "auth/crypto.h"
#include "integration/itest.h"

Suite *portal_suite(void);

/* ---------------------------------------------------------------- helpers */

static long sql_long(const char *sql, const char *param)
{
	char *v = owner_queryv(sql, param, (const char *)NULL);
	long n = v ? atol(v) : -1;
	free(v);
	return n;
}

/* An app with the test routes whose rate limits are out of reach: each
 * test counts nothing against another (or an earlier run). Its
 * configuration is its own copy (harness_app_free frees it). */
static app *portal_app(void)
{
	app *a = test_app(NULL, NULL);
	config *c = malloc(sizeof *c);
	*c = *a->cfg;
	config_rate roomy = { 100000, 3600 };
	c->rate_reply_user = c->rate_track_ip = c->rate_track_email = roomy;
	a->cfg = c;
	return a;
}

typedef struct {
	char email[128];
	char *uid;
	char *cookie;  /* "sd_session=..." */
	char *csrf;
} customer;

static void customer_new(app *a, const char *tag, customer *c)
{
	static int seq;
	snprintf(c->email, sizeof c->email, "portal-%s-%d-%ld-%d@example.com", tag, (int)getpid(), (long)time(NULL), ++seq);
	c->uid = make_verified_customer(c->email);
	char body[128];
	snprintf(body, sizeof body, "user=%s", c->uid);
	harness_response r;
	post_form(a, "/t/signin", NULL, body, &r);
	ck_assert_int_eq(r.status, 200);
	c->cookie = harness_cookie(&r, "sd_session");
	c->csrf = strdup(r.body);
	harness_response_free(&r);
}

static void customer_free(customer *c)
{
	free(c->uid);
	free(c->cookie);
	free(c->csrf);
}

/* A ticket of c's with that title, in that status; its number (malloc'd). */
static char *ticket_new(const customer *c, const char *title, const char *status)
{
	char *number = owner_queryv("insert into tickets (requester_id, title, description) "
	                    "values ($1::uuid, $2, 'Made by the portal tests: ' || $2) returning number",
	    c->uid, title, (const char *)NULL);
	ck_assert_ptr_nonnull(number);
	if (strcmp(status, "new") != 0)
		free(owner_queryv("update tickets set status = $2 where number = $1", number, status, (const char *)NULL));
	return number;
}

static char *ticket_field(const char *number, const char *column)
{
	char sql[256];
	snprintf(sql, sizeof sql, "select %s::text from tickets where number = $1", column);
	return owner_queryv(sql, number, (const char *)NULL);
}

/* A platform agent named `name` (so every customer's ticket is theirs to
 * answer); their id. The address is `name`@staff.example, lower case. */
static char *staff_new(const char *name, char *email, size_t n)
{
	snprintf(email, n, "staff-%d-%ld-%d@staff.example", (int)getpid(), (long)time(NULL), rand() % 100000);
	return owner_queryv("insert into users (email, name, platform_role, email_verified_at) "
	            "values ($1, $2, 'agent', now()) returning id", email, name, (const char *)NULL);
}

static void staff_message(const char *number, const char *staff, const char *body, bool internal)
{
	free(owner_queryv("insert into ticket_messages (ticket_id, author_id, body, is_internal, message_type) "
	          "select id, $2::uuid, $3, $4::boolean, case when $4::boolean then 'note' else 'reply' end "
	          "from tickets where number = $1",
	    number, staff, body, internal ? "true" : "false", (const char *)NULL));
}

static long messages_on(const char *number)
{
	return sql_long("select count(*) from ticket_messages m join tickets t on t.id = m.ticket_id where t.number = $1",
	    number);
}

static void post_as(app *a, const customer *c, const char *uri, const char *body, harness_response *r)
{
	post_form_from(a, unique_ip(), uri, c->cookie, body, r);
}

/* POST uri as multipart with the given text fields (name, value pairs,
 * NULL-terminated) and one file when fname is not NULL. */
#define MPB "----portalTestBoundary9q8w7e"
static void post_multipart(app *a, const char *cookie, const char *uri, const char *fname, const char *fdata,
    size_t flen, harness_response *r, ...)
{
	size_t cap = flen + 8192, len = 0;
	char *body = malloc(cap);
	ck_assert_ptr_nonnull(body);
	va_list ap;
	va_start(ap, r);
	for (const char *name; (name = va_arg(ap, const char *));) {
		const char *value = va_arg(ap, const char *);
		len += (size_t)snprintf(body + len, cap - len,
		    "--" MPB "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n", name, value);
	}
	va_end(ap);
	if (fname) {
		len += (size_t)snprintf(body + len, cap - len,
		    "--" MPB "\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"%s\"\r\n"
		    "Content-Type: text/plain\r\n\r\n", fname);
		memcpy(body + len, fdata, flen);
		len += flen;
		len += (size_t)snprintf(body + len, cap - len, "\r\n");
	}
	len += (size_t)snprintf(body + len, cap - len, "--" MPB "--\r\n");
	char ck[512], addr[64];
	snprintf(ck, sizeof ck, "HTTP_COOKIE=%s", cookie);
	snprintf(addr, sizeof addr, "REMOTE_ADDR=%s", unique_ip());
	const char *extra[] = { "CONTENT_TYPE=multipart/form-data; boundary=" MPB, ck, addr, NULL };
	harness_request(a, "POST", uri, extra, body, len, r);
	free(body);
}

__attribute__((format(printf, 1, 2))) static char *uri_of(const char *fmt, ...);
static char *uri_of(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *u = malloc(256);
	vsnprintf(u, 256, fmt, ap);
	va_end(ap);
	return u;
}

/* The ticket numbers a list page links to, in order, space-separated. */
static char *listed_numbers(const char *html)
{
	size_t cap = 4096, len = 0;
	char *out = calloc(1, cap);
	const char *list = strstr(html, "<ul class=\"ticket-list\">");
	const char *end = list ? strstr(list, "</ul>") : NULL;
	for (const char *p = list; p && p < end && (p = strstr(p, "href=\"/my/tickets/")) && p < end;) {
		p += strlen("href=\"/my/tickets/");
		const char *q = strchr(p, '"');
		len += (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? " " : "", (int)(q - p), p);
		p = q;
	}
	return out;
}

/* The href of the link marked rel="next", unescaped; NULL when none. */
static char *next_href(const char *html)
{
	const char *rel = strstr(html, "\" rel=\"next\"");
	if (!rel)
		return NULL;
	const char *p = rel;
	while (p > html && strncmp(p, "href=\"", 6) != 0)
		p--;
	char *raw = strndup(p + 6, (size_t)(rel - p - 6));
	char *href = html_unescape(raw);
	free(raw);
	return href;
}

/* ------------------------------------------------------------------ list */

START_TEST(list_tabs_counts_and_empty_state)
{
	app *a = portal_app();
	customer c, other;
	customer_new(a, "tabs", &c);
	customer_new(a, "tabs-other", &other);
	char *n_new = ticket_new(&c, "Tabs new one", "new");
	char *n_prog = ticket_new(&c, "Tabs in progress", "in_progress");
	char *n_wait = ticket_new(&c, "Tabs waiting for me", "waiting_customer");
	char *n_res = ticket_new(&c, "Tabs resolved one", "resolved");
	char *n_closed = ticket_new(&c, "Tabs closed one", "closed");
	char *n_other = ticket_new(&other, "Someone else's ticket", "open");
	harness_response r;

	get(a, "/my/tickets", c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	ck_assert_msg(strstr(r.body, "Open <span class=\"count\">(3)</span>"), "%s", r.body);
	ck_assert(strstr(r.body, "Waiting for you <span class=\"count\">(1)</span>"));
	ck_assert(strstr(r.body, "Resolved <span class=\"count\">(2)</span>"));
	ck_assert(strstr(r.body, "All <span class=\"count\">(5)</span>"));
	ck_assert(strstr(r.body, "aria-current=\"page\">Open"));
	ck_assert(strstr(r.body, n_new) && strstr(r.body, n_prog) && strstr(r.body, n_wait));
	ck_assert(!strstr(r.body, n_res) && !strstr(r.body, n_closed) && !strstr(r.body, n_other));
	ck_assert(strstr(r.body, "Waiting for your reply"));
	ck_assert(strstr(r.body, "href=\"/submit\""));  /* "New request" */
	/* Newest activity first. */
	char *order = listed_numbers(r.body);
	char want[256];
	snprintf(want, sizeof want, "%s %s %s", n_wait, n_prog, n_new);
	ck_assert_msg(strcmp(order, want) == 0, "order %s, want %s", order, want);
	free(order);
	harness_response_free(&r);

	get(a, "/my/tickets?status=waiting", c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	order = listed_numbers(r.body);
	ck_assert_str_eq(order, n_wait);
	free(order);
	harness_response_free(&r);
	get(a, "/my/tickets?status=resolved", c.cookie, &r);
	order = listed_numbers(r.body);
	snprintf(want, sizeof want, "%s %s", n_closed, n_res);
	ck_assert_str_eq(order, want);
	free(order);
	harness_response_free(&r);
	get(a, "/my/tickets?status=all", c.cookie, &r);
	ck_assert(strstr(r.body, "aria-current=\"page\">All"));
	order = listed_numbers(r.body);
	ck_assert_int_eq((int)strlen(order), 5 * (int)strlen(n_new) + 4);
	free(order);
	harness_response_free(&r);

	get(a, "/my/tickets?status=everything", c.cookie, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);

	/* Without a session: to the sign-in page, and back here after. */
	get(a, "/my/tickets?status=waiting", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	char *loc = harness_header(&r, "Location");
	ck_assert_str_eq(loc, "/login?next=/my/tickets%3Fstatus%3Dwaiting");
	free(loc);
	harness_response_free(&r);

	/* A customer with nothing yet: a clear empty state and the way to ask. */
	customer fresh;
	customer_new(a, "tabs-empty", &fresh);
	get(a, "/my/tickets", fresh.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "You have no open requests."));
	ck_assert(strstr(r.body, "Send a new request"));
	ck_assert(!strstr(r.body, "class=\"ticket-list\""));
	harness_response_free(&r);
	get(a, "/my/tickets?status=all", fresh.cookie, &r);
	ck_assert(strstr(r.body, "You have not sent any requests yet."));
	ck_assert(strstr(r.body, "All <span class=\"count\">(0)</span>"));
	harness_response_free(&r);

	customer_free(&fresh);
	free(n_new), free(n_prog), free(n_wait), free(n_res), free(n_closed), free(n_other);
	customer_free(&c);
	customer_free(&other);
	harness_app_free(a);
}
END_TEST

START_TEST(search_finds_public_words_never_internal_notes)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "search", &c);
	char staff_email[128];
	char *staff = staff_new("Searcher Agent", staff_email, sizeof staff_email);
	char *n_pub = ticket_new(&c, "Printer trouble", "open");
	char *n_note = ticket_new(&c, "Scanner trouble", "open");
	char *n_title = ticket_new(&c, "Quarterly invoice copy", "resolved");
	staff_message(n_pub, staff, "Please try the zephyrword setting and tell us.", false);
	staff_message(n_note, staff, "kryptonword: customer is difficult", true);
	harness_response r;

	/* A public message's word, as a prefix. */
	get(a, "/my/tickets?status=all&q=zephyr", c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	char *order = listed_numbers(r.body);
	ck_assert_str_eq(order, n_pub);
	free(order);
	ck_assert(strstr(r.body, "1 request matches"));
	ck_assert(strstr(r.body, "All <span class=\"count\">(1)</span>"));
	ck_assert(strstr(r.body, "value=\"zephyr\""));
	harness_response_free(&r);

	/* The internal note's word matches nothing, anywhere. */
	get(a, "/my/tickets?status=all&q=kryptonword", c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	order = listed_numbers(r.body);
	ck_assert_str_eq(order, "");
	free(order);
	ck_assert(strstr(r.body, "0 requests match"));
	ck_assert(strstr(r.body, "All <span class=\"count\">(0)</span>"));
	harness_response_free(&r);
	get(a, "/my/tickets?status=all&q=krypton", c.cookie, &r);
	order = listed_numbers(r.body);
	ck_assert_str_eq(order, "");
	free(order);
	harness_response_free(&r);

	/* Title words, with the tab: the resolved one is not in "open". */
	get(a, "/my/tickets?q=invoice+quart", c.cookie, &r);
	order = listed_numbers(r.body);
	ck_assert_str_eq(order, "");
	free(order);
	ck_assert(strstr(r.body, "Resolved <span class=\"count\">(1)</span>"));
	harness_response_free(&r);
	get(a, "/my/tickets?status=resolved&q=invoice+quart", c.cookie, &r);
	order = listed_numbers(r.body);
	ck_assert_str_eq(order, n_title);
	free(order);
	harness_response_free(&r);

	/* The number itself, in any case; words of the description. */
	char uri[256];
	char *lower = strdup(n_note);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	snprintf(uri, sizeof uri, "/my/tickets?status=all&q=%s", lower);
	get(a, uri, c.cookie, &r);
	order = listed_numbers(r.body);
	ck_assert_str_eq(order, n_note);
	free(order);
	harness_response_free(&r);
	free(lower);
	get(a, "/my/tickets?status=all&q=made+portal+tests+scanner", c.cookie, &r);
	order = listed_numbers(r.body);
	ck_assert_str_eq(order, n_note);
	free(order);
	harness_response_free(&r);

	/* Markup in a search is text, and tsquery syntax is only words. */
	get(a, "/my/tickets?q=%3Cscript%3E+%21%26%7C%27", c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!strstr(r.body, "<script>") && strstr(r.body, "&lt;script&gt;"));
	harness_response_free(&r);

	/* The ticket's page shows the staff reply by name, never the note. */
	char *page = uri_of("/my/tickets/%s", n_note);
	get(a, page, c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!strstr(r.body, "kryptonword"));
	harness_response_free(&r);
	free(page);
	page = uri_of("/my/tickets/%s", n_pub);
	get(a, page, c.cookie, &r);
	ck_assert(strstr(r.body, "zephyrword") && strstr(r.body, "Searcher Agent"));
	ck_assert_msg(!strstr(r.body, staff_email), "a staff address on the page");
	ck_assert(strstr(r.body, "Platform Support")); /* the desk working it */
	harness_response_free(&r);
	free(page);

	free(n_pub), free(n_note), free(n_title), free(staff);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

START_TEST(keyset_pages_have_no_duplicates_and_no_gaps)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "pages", &c);
	/* 45 tickets, three to each instant: the id breaks the ties. */
	free(owner_queryv("insert into tickets (requester_id, title, description, created_at, last_activity_at) "
	          "select $1::uuid, 'Paged ' || i, 'x', now() - (i / 3) * interval '1 minute', "
	          "now() - (i / 3) * interval '1 minute' from generate_series(1, 45) i",
	    c.uid, (const char *)NULL));
	char *want = owner_queryv("select string_agg(number, ' ' order by last_activity_at desc, id desc) from tickets "
	                  "where requester_id = $1::uuid", c.uid, (const char *)NULL);
	harness_response r;
	char all[8192] = "";
	char *uri = strdup("/my/tickets");
	int pages = 0;
	while (uri) {
		get(a, uri, c.cookie, &r);
		ck_assert_msg(r.status == 200, "%s: %d", uri, r.status);
		char *nums = listed_numbers(r.body);
		ck_assert_msg(*nums, "page %d is empty", pages + 1);
		snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", *all ? " " : "", nums);
		free(nums);
		if (pages)
			ck_assert(strstr(r.body, ">First page</a>"));
		free(uri);
		uri = next_href(r.body);
		ck_assert(!uri || strncmp(uri, "/my/tickets?status=open&after=", 30) == 0);
		harness_response_free(&r);
		ck_assert_int_lt(++pages, 10);
	}
	ck_assert_int_eq(pages, 3);
	ck_assert_str_eq(all, want);

	/* A cursor is opaque but checked. */
	get(a, "/my/tickets?after=not-a-cursor", c.cookie, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	get(a, "/my/tickets?after=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", c.cookie, &r);
	ck_assert_int_eq(r.status, 400);
	harness_response_free(&r);
	free(want);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

/* ------------------------------------------------------------ visibility */

START_TEST(foreign_ticket_is_404_for_the_page_and_every_action)
{
	app *a = portal_app();
	customer owner, intruder;
	customer_new(a, "owner", &owner);
	customer_new(a, "intruder", &intruder);
	char *n = ticket_new(&owner, "Not yours", "resolved");
	long msgs = messages_on(n);
	harness_response r;
	char body[512];
	snprintf(body, sizeof body, "_csrf=%s&body=Hello+there&rating=1&comment=bad", intruder.csrf);
	static const char *const actions[] = { "reply", "close", "reopen", "rating" };
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++) {
		char *u = uri_of("/my/tickets/%s/%s", n, actions[i]);
		post_as(a, &intruder, u, body, &r);
		ck_assert_msg(r.status == 404, "%s: %d", u, r.status);
		ck_assert(!strstr(r.body, "Not yours"));
		harness_response_free(&r);
		free(u);
	}
	char *u = uri_of("/my/tickets/%s", n);
	get(a, u, intruder.cookie, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert(!strstr(r.body, "Not yours"));
	harness_response_free(&r);
	free(u);
	u = uri_of("/my/tickets/%s/rating?rating=1", n);
	get(a, u, intruder.cookie, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	free(u);
	/* Unknown and malformed numbers: the same answer. */
	get(a, "/my/tickets/TKT-2000-01-99999", intruder.cookie, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	get(a, "/my/tickets/not-a-number", intruder.cookie, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);
	post_as(a, &intruder, "/my/tickets/TKT-2000-01-99999/reply", body, &r);
	ck_assert_int_eq(r.status, 404);
	harness_response_free(&r);

	/* Nothing changed. */
	ck_assert_int_eq(messages_on(n), msgs);
	char *st = ticket_field(n, "status"), *rating = ticket_field(n, "satisfaction_rating");
	ck_assert_str_eq(st, "resolved");
	ck_assert_ptr_null(rating);
	free(st);
	/* The owner sees it. */
	u = uri_of("/my/tickets/%s", n);
	get(a, u, owner.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "Not yours"));
	harness_response_free(&r);
	free(u);
	free(n);
	customer_free(&owner);
	customer_free(&intruder);
	harness_app_free(a);
}
END_TEST

START_TEST(wrong_csrf_is_403_and_changes_nothing)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "csrf", &c);
	char *n = ticket_new(&c, "Guarded ticket", "open");
	char *done = ticket_new(&c, "Guarded resolved", "resolved");
	long msgs = messages_on(n);
	harness_response r;
	char *u = uri_of("/my/tickets/%s/reply", n);
	post_as(a, &c, u, "_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&body=My+draft+text", &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert(strstr(r.body, "has expired or was not sent from this site"));
	ck_assert_msg(strstr(r.body, ">My draft text</textarea>"), "the draft is kept");
	harness_response_free(&r);
	post_as(a, &c, u, "body=No+token", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	free(u);
	u = uri_of("/my/tickets/%s/close", n);
	post_as(a, &c, u, "_csrf=wrong", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	free(u);
	u = uri_of("/my/tickets/%s/reopen", done);
	post_as(a, &c, u, "_csrf=wrong", &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	free(u);
	u = uri_of("/my/tickets/%s/rating", done);
	post_as(a, &c, u, "_csrf=wrong&rating=5&comment=kept+comment", &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert(strstr(r.body, ">kept comment</textarea>"));
	ck_assert(strstr(r.body, "value=\"5\" checked"));
	harness_response_free(&r);
	free(u);

	ck_assert_int_eq(messages_on(n), msgs);
	char *st = ticket_field(n, "status"), *st2 = ticket_field(done, "status");
	char *rating = ticket_field(done, "satisfaction_rating");
	ck_assert_str_eq(st, "open");
	ck_assert_str_eq(st2, "resolved");
	ck_assert_ptr_null(rating);
	free(st), free(st2), free(n), free(done);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

/* ---------------------------------------------------------------- replies */

START_TEST(reply_with_a_file_moves_waiting_back_to_open)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "reply", &c);
	char staff_email[128];
	char *staff = staff_new("Dana Replier", staff_email, sizeof staff_email);
	char *n = ticket_new(&c, "Waiting on me", "waiting_customer");
	staff_message(n, staff, "Could you send us the log file?", false);
	free(owner_queryv("update tickets set status = 'waiting_customer' where number = $1", n, (const char *)NULL));
	harness_response r;
	char *u = uri_of("/my/tickets/%s/reply", n);
	static const char file[] = "log line one\nlog line two\n";
	post_multipart(a, c.cookie, u, "server.log.txt", file, sizeof file - 1, &r, "_csrf", c.csrf, "body",
	    "Here is the log.\n<b>not bold</b>", (const char *)NULL);
	ck_assert_msg(r.status == 303, "reply: %d %s", r.status, r.body);
	char *loc = harness_header(&r, "Location");
	char prefix[128];
	snprintf(prefix, sizeof prefix, "/my/tickets/%s#m-", n);
	ck_assert_msg(strncmp(loc, prefix, strlen(prefix)) == 0 && strlen(loc) == strlen(prefix) + 36, "Location %s", loc);
	char *flash = harness_cookie(&r, "sd_flash");
	ck_assert_ptr_nonnull(flash);
	harness_response_free(&r);
	free(u);

	/* In SQL, in the same transaction: back to open. */
	char *st = ticket_field(n, "status");
	ck_assert_str_eq(st, "open");
	free(st);
	char *mid = strdup(loc + strlen(prefix));
	ck_assert_int_eq(sql_long("select count(*) from ticket_messages where id = $1::uuid and not is_internal "
	                          "and message_type = 'reply' and body = E'Here is the log.\\n<b>not bold</b>'", mid), 1);
	ck_assert_int_eq(sql_long("select count(*) from attachments where message_id = $1::uuid "
	                          "and file_name = 'server.log.txt' and content_type = 'text/plain'", mid), 1);

	/* The page after the redirect: the notice once, the thread in order. */
	char cookies[1024];
	snprintf(cookies, sizeof cookies, "%s; %s", c.cookie, flash);
	u = uri_of("/my/tickets/%s", n);
	get(a, u, cookies, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "Your reply was sent."));
	char anchor[64];
	snprintf(anchor, sizeof anchor, "id=\"m-%s\"", mid);
	const char *staff_at = strstr(r.body, "Could you send us the log file?");
	const char *mine_at = strstr(r.body, anchor);
	ck_assert(staff_at && mine_at && staff_at < mine_at);
	ck_assert(strstr(mine_at, "<span class=\"author\">You</span>"));
	ck_assert(strstr(r.body, "Dana Replier") && !strstr(r.body, staff_email));
	ck_assert(strstr(r.body, "&lt;b&gt;not bold&lt;/b&gt;") && !strstr(r.body, "<b>not bold</b>"));
	ck_assert(strstr(mine_at, ">server.log.txt</a>"));
	ck_assert(strstr(r.body, "<span class=\"status status-open\">Open</span>"));
	harness_response_free(&r);
	get(a, u, c.cookie, &r);
	ck_assert(!strstr(r.body, "Your reply was sent."));
	harness_response_free(&r);
	free(u);
	free(loc), free(flash), free(mid), free(n), free(staff);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

START_TEST(empty_reply_is_a_form_error)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "empty", &c);
	char *n = ticket_new(&c, "Empty reply ticket", "open");
	long msgs = messages_on(n);
	char *u = uri_of("/my/tickets/%s/reply", n);
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s&body=+%%0D%%0A+", c.csrf);
	harness_response r;
	post_as(a, &c, u, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "Please write your reply."));
	ck_assert(strstr(r.body, "id=\"error-summary\"") && strstr(r.body, "href=\"#f-body\""));
	ck_assert(strstr(r.body, "aria-describedby=\"f-body-error\"") && strstr(r.body, "id=\"f-body-error\""));
	harness_response_free(&r);
	ck_assert_int_eq(messages_on(n), msgs);
	/* A resolved ticket takes no reply: reopen first. */
	free(owner_queryv("update tickets set status = 'resolved' where number = $1", n, (const char *)NULL));
	snprintf(body, sizeof body, "_csrf=%s&body=late", c.csrf);
	post_as(a, &c, u, body, &r);
	ck_assert_int_eq(r.status, 409);
	ck_assert(strstr(r.body, "Reopen it below"));
	harness_response_free(&r);
	ck_assert_int_eq(messages_on(n), msgs);
	free(u), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

/* The form's one-time token: a double click or a retried POST makes one
 * message, and both answers lead to it. */
START_TEST(reply_sent_twice_makes_one_message)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "twice", &c);
	char *n = ticket_new(&c, "Double click ticket", "open");
	char *u = uri_of("/my/tickets/%s", n);
	harness_response r;
	get(a, u, c.cookie, &r);
	char *idem = extract(r.body, "name=\"idem\" value=\"", '"');
	ck_assert_msg(idem && strlen(idem) == 43, "the reply form carries a one-time token");
	harness_response_free(&r);
	free(u);
	u = uri_of("/my/tickets/%s/reply", n);
	char body[512];
	snprintf(body, sizeof body, "_csrf=%s&idem=%s&body=Only+once+please", c.csrf, idem);
	post_as(a, &c, u, body, &r);
	ck_assert_int_eq(r.status, 303);
	char *first = harness_header(&r, "Location");
	harness_response_free(&r);
	post_as(a, &c, u, body, &r);
	ck_assert_int_eq(r.status, 303);
	char *second = harness_header(&r, "Location");
	harness_response_free(&r);
	ck_assert_str_eq(first, second);
	ck_assert_int_eq(messages_on(n), 1);
	/* A new token (the page shown again): a new message. */
	snprintf(body, sizeof body, "_csrf=%s&idem=%s&body=Only+once+please", c.csrf, fresh_token());
	post_as(a, &c, u, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	ck_assert_int_eq(messages_on(n), 2);
	free(first), free(second), free(idem), free(u), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

START_TEST(reply_with_a_30_mib_file_is_413)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "big", &c);
	char *n = ticket_new(&c, "Big file ticket", "open");
	long msgs = messages_on(n);
	long blobs = sql_long("select count(*) from attachment_blobs", NULL);
	size_t size = 30u << 20;
	char *big = malloc(size);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', size);
	char *u = uri_of("/my/tickets/%s/reply", n);
	harness_response r;
	post_multipart(a, c.cookie, u, "big.txt", big, size, &r, "_csrf", c.csrf, "body", "A big one",
	    (const char *)NULL);
	ck_assert_int_eq(r.status, 413);
	harness_response_free(&r);
	free(big);
	ck_assert_int_eq(messages_on(n), msgs);
	ck_assert_int_eq(sql_long("select count(*) from attachment_blobs", NULL), blobs);
	free(u), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

/* ----------------------------------------------------- close, reopen, rate */

START_TEST(close_and_reopen_within_the_window)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "close", &c);
	char *n = ticket_new(&c, "Close me", "open");
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", c.csrf);
	harness_response r;
	char *close = uri_of("/my/tickets/%s/close", n), *reopen = uri_of("/my/tickets/%s/reopen", n);
	post_as(a, &c, close, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	char *st = ticket_field(n, "status");
	ck_assert_str_eq(st, "closed");
	free(st);
	post_as(a, &c, close, body, &r);
	ck_assert_int_eq(r.status, 409);
	harness_response_free(&r);

	char *page = uri_of("/my/tickets/%s", n);
	get(a, page, c.cookie, &r);
	ck_assert(strstr(r.body, "action=\"/my/tickets/") && strstr(r.body, "/reopen\""));
	ck_assert(!strstr(r.body, "id=\"reply-form\""));
	harness_response_free(&r);
	post_as(a, &c, reopen, body, &r);
	ck_assert_int_eq(r.status, 303);
	char *loc = harness_header(&r, "Location");
	ck_assert(strstr(loc, "#reply"));
	free(loc);
	harness_response_free(&r);
	st = ticket_field(n, "status");
	char *count = ticket_field(n, "reopened_count");
	ck_assert_str_eq(st, "open");
	ck_assert_str_eq(count, "1");
	free(st), free(count);
	post_as(a, &c, reopen, body, &r);
	ck_assert_int_eq(r.status, 409);
	harness_response_free(&r);
	free(page), free(close), free(reopen), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

START_TEST(reopen_past_the_window_offers_a_new_request)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "window", &c);
	char *n = ticket_new(&c, "Old news", "resolved");
	free(owner_queryv("update tickets set resolved_at = now() - interval '20 days' where number = $1", n, (const char *)NULL));
	char *page = uri_of("/my/tickets/%s", n), *reopen = uri_of("/my/tickets/%s/reopen", n);
	harness_response r;
	get(a, page, c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!strstr(r.body, "/reopen\""));
	ck_assert(strstr(r.body, "can no longer be reopened") && strstr(r.body, "href=\"/submit\">Submit a new request"));
	harness_response_free(&r);
	char body[256];
	snprintf(body, sizeof body, "_csrf=%s", c.csrf);
	post_as(a, &c, reopen, body, &r);
	ck_assert_int_eq(r.status, 409);
	ck_assert(strstr(r.body, "more than 14 days ago"));
	ck_assert(strstr(r.body, "class=\"button\" href=\"/submit\""));
	harness_response_free(&r);
	char *st = ticket_field(n, "status");
	ck_assert_str_eq(st, "resolved");
	free(st), free(page), free(reopen), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

START_TEST(rating_once_when_resolved_and_never_on_get)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "rate", &c);
	char *n = ticket_new(&c, "Rate me", "open");
	char *rate = uri_of("/my/tickets/%s/rating", n);
	char body[256];
	harness_response r;
	/* An open ticket: refused. */
	snprintf(body, sizeof body, "_csrf=%s&rating=5", c.csrf);
	post_as(a, &c, rate, body, &r);
	ck_assert_int_eq(r.status, 409);
	ck_assert(strstr(r.body, "once it is resolved"));
	harness_response_free(&r);
	char *v = ticket_field(n, "satisfaction_rating");
	ck_assert_ptr_null(v);

	free(owner_queryv("update tickets set status = 'resolved' where number = $1", n, (const char *)NULL));
	/* The email's link: the choice made, nothing recorded (link scanners). */
	char *link = uri_of("/my/tickets/%s/rating?rating=4", n);
	for (int i = 0; i < 2; i++) {
		get(a, link, c.cookie, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert(strstr(r.body, "id=\"rating-4\" value=\"4\" checked"));
		ck_assert(!strstr(r.body, "value=\"3\" checked"));
		harness_response_free(&r);
	}
	v = ticket_field(n, "satisfaction_rating");
	ck_assert_ptr_null(v);
	/* Without a choice: a form error, the comment kept. */
	snprintf(body, sizeof body, "_csrf=%s&comment=Kind+people", c.csrf);
	post_as(a, &c, rate, body, &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "Please choose a rating") && strstr(r.body, ">Kind people</textarea>"));
	harness_response_free(&r);

	snprintf(body, sizeof body, "_csrf=%s&rating=4&comment=Kind+people", c.csrf);
	post_as(a, &c, rate, body, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);
	v = ticket_field(n, "satisfaction_rating");
	char *cm = ticket_field(n, "satisfaction_comment");
	ck_assert_str_eq(v, "4");
	ck_assert_str_eq(cm, "Kind people");
	free(v), free(cm);
	/* Twice: refused, the first stays. */
	snprintf(body, sizeof body, "_csrf=%s&rating=1&comment=changed", c.csrf);
	post_as(a, &c, rate, body, &r);
	ck_assert_int_eq(r.status, 409);
	ck_assert(strstr(r.body, "rated once"));
	harness_response_free(&r);
	v = ticket_field(n, "satisfaction_rating");
	ck_assert_str_eq(v, "4");
	free(v);
	/* The rating shows on the ticket. */
	char *page = uri_of("/my/tickets/%s", n);
	get(a, page, c.cookie, &r);
	ck_assert(strstr(r.body, "<strong>4 out of 5</strong>") && strstr(r.body, "Kind people"));
	ck_assert(!strstr(r.body, "id=\"rating-form\""));
	harness_response_free(&r);
	get(a, link, c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!strstr(r.body, "id=\"rating-form\"") && strstr(r.body, "A request is rated once"));
	harness_response_free(&r);
	free(page), free(link), free(rate), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

/* -------------------------------------------------------------- the fields */

START_TEST(ticket_page_shows_frontend_fields_only)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "fields", &c);
	char *n = owner_queryv("insert into tickets (requester_id, title, description, request_type_id, custom_fields) "
	               "values ($1::uuid, 'With fields', 'd', (select id from request_types where name = 'Technical issue' "
	               "and organization_id is null), '{\"product_area\": \"mobile\", \"triage_notes\": \"staffonlywords\", "
	               "\"contact_consent\": true}') returning number", c.uid, (const char *)NULL);
	char *page = uri_of("/my/tickets/%s", n);
	harness_response r;
	get(a, page, c.cookie, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(strstr(r.body, "<dt>Area</dt><dd>Mobile app</dd>"));
	ck_assert(strstr(r.body, "<dt>You may contact me by phone</dt><dd>Yes</dd>"));
	ck_assert(strstr(r.body, "<dd>Technical issue</dd>"));
	ck_assert(!strstr(r.body, "staffonlywords") && !strstr(r.body, "Triage notes"));
	harness_response_free(&r);
	free(page), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

/* ------------------------------------------------------------------ /track */

static char *track_form(app *a, const char *ip, char **anon)
{
	harness_response r;
	get_from(a, ip, "/track", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	*anon = harness_cookie(&r, "sd_anon");
	char *csrf = extract(r.body, "name=\"_csrf\" value=\"", '"');
	ck_assert(*anon && csrf);
	harness_response_free(&r);
	return csrf;
}

static void track_post(app *a, const char *ip, const char *anon, const char *csrf, const char *email,
    const char *number, harness_response *r)
{
	char body[512];
	char *e = urlencode(email);
	snprintf(body, sizeof body, "_csrf=%s&email=%s&number=%s", csrf, e, number);
	free(e);
	post_form_from(a, ip, "/track", anon, body, r);
}

START_TEST(track_answers_the_same_and_mails_only_the_match)
{
	app *a = portal_app();
	customer c;
	customer_new(a, "track", &c);
	char *n = ticket_new(&c, "Tracked ticket", "open");
	char *tid = ticket_field(n, "id");
	char *ip = strdup(unique_ip());
	char *anon;
	char *csrf = track_form(a, ip, &anon);
	long before = sql_long("select count(*) from track_requests where ip_address = $1::inet", ip);
	harness_response match, mismatch, unknown;
	char wrong[64];
	snprintf(wrong, sizeof wrong, "%.*s99999", (int)strlen(n) - 5, n);
	if (strcmp(wrong, n) == 0)
		wrong[strlen(wrong) - 1] = '8';
	char upper[160];
	snprintf(upper, sizeof upper, "%s", c.email);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	track_post(a, ip, anon, csrf, upper, n, &match);
	track_post(a, ip, anon, csrf, c.email, wrong, &mismatch);
	track_post(a, ip, anon, csrf, "nobody-here@example.com", n, &unknown);
	ck_assert_int_eq(match.status, 200);
	ck_assert_int_eq(mismatch.status, 200);
	ck_assert_int_eq(unknown.status, 200);
	ck_assert_str_eq(match.body, mismatch.body);
	ck_assert_str_eq(match.body, unknown.body);
	ck_assert(strstr(match.body, "Check your email"));
	harness_response_free(&match);
	harness_response_free(&mismatch);
	harness_response_free(&unknown);

	/* One email, to the requester, about that ticket; every try recorded.
	 * (Other notices the ticket may cause are not counted: only this one's
	 * subject.) */
	ck_assert_int_eq(sql_long("select count(*) from outbox where to_email = $1::citext "
	                          "and subject like '%Your link to the request'", c.email), 1);
	ck_assert_int_eq(sql_long("select count(*) from outbox where ticket_id = $1::uuid "
	                          "and subject like '%Your link to the request'", tid), 1);
	ck_assert_int_eq(sql_long("select count(*) from outbox where to_email = 'nobody-here@example.com'", NULL), 0);
	ck_assert_int_eq(sql_long("select count(*) from track_requests where ip_address = $1::inet", ip), before + 3);
	char *subject = owner_queryv("select subject from outbox where ticket_id = $1::uuid "
	                     "and subject like '%Your link to the request'", tid, (const char *)NULL);
	ck_assert_msg(subject && strstr(subject, n), "subject %s", subject);
	free(subject);

	/* Fix-me answers: a malformed number, no token. */
	harness_response r;
	track_post(a, ip, anon, csrf, c.email, "12345", &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert(strstr(r.body, "id=\"f-number-error\"") && strstr(r.body, "value=\"12345\""));
	harness_response_free(&r);
	track_post(a, ip, anon, "forged", c.email, n, &r);
	ck_assert_int_eq(r.status, 403);
	harness_response_free(&r);
	ck_assert_int_eq(sql_long("select count(*) from outbox where to_email = $1::citext "
	                          "and subject like '%Your link to the request'", c.email), 1);
	free(anon), free(csrf), free(tid), free(n), free(ip);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

/* ------------------------------------------------------ the rate settings */

START_TEST(rate_track_and_reply_settings_limit_their_actions)
{
	app *a = portal_app();
	config *cfg = (config *)a->cfg;
	config_rate two = { 2, 3600 };
	customer c;
	customer_new(a, "limits", &c);
	char *n = ticket_new(&c, "Limited ticket", "open");
	harness_response r;

	/* SUPPORTDESK_RATE_TRACK_IP: per address, whatever the email. The
	 * address comes from a range no other test sends /track from, so no
	 * earlier hit counts against it. */
	cfg->rate_track_ip = two;
	unsigned char rnd[2];
	crypto_random(rnd, sizeof rnd);
	char ipbuf[32];
	snprintf(ipbuf, sizeof ipbuf, "203.0.113.%d", 1 + (rnd[0] | rnd[1] << 8) % 254);
	const char *ip = strdup(ipbuf);
	char *anon, *csrf = track_form(a, ip, &anon);
	char email[128];
	for (int i = 1; i <= 3; i++) {
		snprintf(email, sizeof email, "ip-%d-%d-%ld@example.com", i, (int)getpid(), (long)time(NULL));
		track_post(a, ip, anon, csrf, email, n, &r);
		ck_assert_msg(i < 3 ? r.status == 200 : r.status == 429, "track ip hit %d: %d", i, r.status);
		harness_response_free(&r);
	}
	cfg->rate_track_ip = (config_rate){ 100000, 3600 };
	/* SUPPORTDESK_RATE_TRACK_EMAIL: per address, from any client. */
	cfg->rate_track_email = two;
	snprintf(email, sizeof email, "Limit-%d-%ld@example.com", (int)getpid(), (long)time(NULL));
	for (int i = 1; i <= 3; i++) {
		const char *from = unique_ip();
		track_post(a, from, anon, csrf, email, n, &r);
		ck_assert_msg(i < 3 ? r.status == 200 : r.status == 429, "track email hit %d: %d", i, r.status);
		if (i == 3) {
			char *ra = harness_header(&r, "Retry-After");
			ck_assert_ptr_nonnull(ra);
			free(ra);
		}
		harness_response_free(&r);
	}
	/* SUPPORTDESK_RATE_REPLY_USER: per customer. */
	cfg->rate_reply_user = two;
	char *u = uri_of("/my/tickets/%s/reply", n), body[256];
	snprintf(body, sizeof body, "_csrf=%s&body=Counting+replies", c.csrf);
	for (int i = 1; i <= 3; i++) {
		post_as(a, &c, u, body, &r);
		ck_assert_msg(i < 3 ? r.status == 303 : r.status == 429, "reply hit %d: %d", i, r.status);
		harness_response_free(&r);
	}
	ck_assert_int_eq(messages_on(n), 2);
	free(u), free(anon), free(csrf), free((char *)ip), free(n);
	customer_free(&c);
	harness_app_free(a);
}
END_TEST

Suite *portal_suite(void)
{
	Suite *s = suite_create("portal");
	TCase *list = tcase_create("portal_list");
	tcase_set_timeout(list, 60);
	tcase_add_test(list, list_tabs_counts_and_empty_state);
	tcase_add_test(list, search_finds_public_words_never_internal_notes);
	tcase_add_test(list, keyset_pages_have_no_duplicates_and_no_gaps);
	suite_add_tcase(s, list);
	TCase *ticket = tcase_create("portal_ticket");
	tcase_set_timeout(ticket, 60);
	tcase_add_test(ticket, foreign_ticket_is_404_for_the_page_and_every_action);
	tcase_add_test(ticket, wrong_csrf_is_403_and_changes_nothing);
	tcase_add_test(ticket, reply_with_a_file_moves_waiting_back_to_open);
	tcase_add_test(ticket, empty_reply_is_a_form_error);
	tcase_add_test(ticket, reply_sent_twice_makes_one_message);
	tcase_add_test(ticket, reply_with_a_30_mib_file_is_413);
	tcase_add_test(ticket, close_and_reopen_within_the_window);
	tcase_add_test(ticket, reopen_past_the_window_offers_a_new_request);
	tcase_add_test(ticket, rating_once_when_resolved_and_never_on_get);
	tcase_add_test(ticket, ticket_page_shows_frontend_fields_only);
	suite_add_tcase(s, ticket);
	TCase *track = tcase_create("portal_track");
	tcase_set_timeout(track, 60);
	tcase_add_test(track, track_answers_the_same_and_mails_only_the_match);
	tcase_add_test(track, rate_track_and_reply_settings_limit_their_actions);
	suite_add_tcase(s, track);
	return s;
}
