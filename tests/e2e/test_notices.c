/* test_notices.c: the requester hears of a staff reply and of a
 * resolution by email, queued by the database (migration 0016) and
 * rendered by the mailer from templates/email/notice_*; an internal note
 * sends nothing. Staff act through SQL as the owner until the support desk
 * exists. Registered from test_e2e.c's main() as the suite "notices". */
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_flow.h"

Suite *notices_suite(void);

/* Runs one statement as the owner with app.user_id set to the acting
 * staff member, in its own transaction. */
static void as_staff(const char *staff_id, const char *sql, const char *param)
{
	PGresult *res = PQexec(db(), "begin");
	PQclear(res);
	const char *p[1] = { staff_id };
	res = PQexecParams(db(), "select set_config('app.user_id', $1, true)", 1, NULL, p, NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	const char *q[1] = { param };
	res = PQexecParams(db(), sql, 1, NULL, q, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQresultErrorMessage(res));
	PQclear(res);
	res = PQexec(db(), "commit");
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
}

/* The newest email to addr once there are `count` of them. */
static char *nth_mail(const char *addr, int count)
{
	char *raw = NULL;
	double t0 = mono_s();
	while (mono_s() - t0 < 30) {
		free(raw);
		raw = NULL;
		if (mails_to(addr, &raw) >= count && raw)
			return raw;
		nap_ms(200);
	}
	free(raw);
	ck_abort_msg("fewer than %d emails to %s within 30 s", count, addr);
	return NULL;
}

START_TEST(test_staff_reply_and_resolution_reach_the_requester)
{
	char email[160], title[96], staff_email[160];
	uniq(title, sizeof title, "notice");
	snprintf(email, sizeof email, "%s@example.com", title);
	snprintf(staff_email, sizeof staff_email, "agent-%s@example.com", title);
	jar person = { 0 };
	char *ticket = submit_and_confirm(email, "Nora Notice", title, NULL, NULL, 0, &person, NULL);
	const char *number = ticket + strlen("/my/tickets/");
	nth_mail(email, 2); /* verification, confirmation */

	PGresult *res = PQexecParams(db(), "insert into users (email, name, platform_role, email_verified_at) "
	                                   "values ($1, 'Sam Support', 'agent', now()) returning id",
	    1, NULL, (const char *const[]){ staff_email }, NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	char *staff = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);

	char sql[512];
	snprintf(sql, sizeof sql, "insert into ticket_messages (ticket_id, author_id, body, is_internal, message_type) "
	                          "select id, '%s', 'SECRET: the customer is on the VIP list', true, 'note' "
	                          "from tickets where number = $1", staff);
	as_staff(staff, sql, number);
	snprintf(sql, sizeof sql, "insert into ticket_messages (ticket_id, author_id, body) "
	                          "select id, '%s', E'Please restart the router.\\nThen try again.' "
	                          "from tickets where number = $1", staff);
	as_staff(staff, sql, number);

	char *raw = nth_mail(email, 3);
	char *text = mail_part(raw, "text/plain");
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "Sam Support replied"), "reply notice: %s", text);
	ck_assert_msg(strstr(text, "Please restart the router."), "the reply's text: %s", text);
	ck_assert_msg(strstr(text, ticket), "no link to %s: %s", ticket, text);
	ck_assert_msg(!strstr(raw, "SECRET") && !strstr(raw, staff_email), "the internal note or the agent's address leaked");
	ck_assert_msg(strstr(raw, "New reply"), "subject");
	free(text);
	free(raw);

	as_staff(staff, "update tickets set status = 'resolved' where number = $1", number);
	raw = nth_mail(email, 4);
	text = mail_part(raw, "text/plain");
	ck_assert_ptr_nonnull(text);
	char rating[256];
	snprintf(rating, sizeof rating, "%s/rating?rating=5", ticket);
	ck_assert_msg(strstr(text, "has been resolved") && strstr(text, rating), "resolution notice: %s", text);
	free(text);
	free(raw);
	/* The internal note alone sent nothing: four emails in all. */
	nap_ms(1500);
	ck_assert_int_eq(mails_to(email, NULL), 4);
	ck_assert_int_eq(db_long("select count(*) from outbox where to_email = $1::citext and status = 'sent' "
	                         "and body_text = '' and template_data = '{}'", email) >= 2, 1);
	free(staff);
	free(ticket);
}
END_TEST

Suite *notices_suite(void)
{
	Suite *s = suite_create("notices");
	TCase *tc = tcase_create("notices");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, flush_ratelimits, NULL);
	tcase_add_test(tc, test_staff_reply_and_resolution_reach_the_requester);
	suite_add_tcase(s, tc);
	return s;
}
