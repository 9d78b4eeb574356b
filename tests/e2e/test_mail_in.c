/* test_mail_in.c: the email channel end to end on the running stack. A
 * customer writes to an organization's support address (`supportdesk
 * mail-in` on stdin, as an MTA's pipe would run it), which opens a ticket;
 * the agent answers; serve's mailer writes the notice to MAIL_DIR; the
 * customer answers that notice from their mailbox (the reply built from the
 * notice's real Reply-To and Message-ID, fed to mail-in), and the answer
 * shows on /my/tickets/{n} and /desk/tickets/{n}; the agent's next notice
 * is threaded to the conversation. A forged copy of the reply (another
 * sender) adds nothing. And issue 14's trigger "title contains 'invoice' →
 * team Billing, tag billing, priority high", made by an org admin on
 * /desk/admin/triggers, routes a ticket that arrives by email as it routes
 * one from /submit (test_automation.c). Registered from test_e2e.c as the
 * suite "mail_in". */
#include <curl/curl.h>
#include <strings.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_flow.h"
#include "e2e/e2e_staff.h"

Suite *mail_in_e2e_suite(void);

/* Feeds raw to `supportdesk mail-in` as the application role; the exit code. */
static int mail_in(const char *raw, const char *recipient)
{
	char path[] = "/tmp/mail_in_e2e.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	size_t n = strlen(raw);
	ck_assert_int_eq(write(fd, raw, n), (ssize_t)n);
	close(fd);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "DATABASE_URL=\"$APP_DATABASE_URL\" '%s' mail-in%s%s < '%s' 2>>/tmp/mail_in_e2e.log",
	    env_or("SUPPORTDESK_BIN", "build/supportdesk"), recipient ? " --recipient " : "", recipient ? recipient : "",
	    path);
	int rc = run_sh(cmd);
	unlink(path);
	return rc;
}

/* The value of header name in raw (first line only, CR stripped), malloc'd. */
static char *header_of(const char *raw, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = raw; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (*p == '\r' || *p == '\n')
			break; /* end of the header */
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t len = strcspn(v, "\r\n");
			return strndup(v, len);
		}
	}
	return NULL;
}

static char *strip_angle(char *s)
{
	if (s && s[0] == '<') {
		memmove(s, s + 1, strlen(s));
		s[strcspn(s, ">")] = '\0';
	}
	return s;
}

/* The newest email to addr once there are `count` of them. */
static char *nth_mail(const char *addr, int count)
{
	char *raw = NULL;
	double t0 = mono_s();
	while (mono_s() - t0 < 60) {
		free(raw);
		raw = NULL;
		if (mails_to(addr, &raw) >= count && raw)
			return raw;
		nap_ms(200);
	}
	free(raw);
	ck_abort_msg("fewer than %d emails to %s within 60 s", count, addr);
	return NULL;
}

static void staff_reply(const char *staff, const char *number, const char *body)
{
	/* The post depends on s.who, so app.user_id is set before it runs. */
	char *st = owner_sql("select p.status from (select set_config('app.user_id', $1, true) as who) s, "
	                     "lateral desk_ticket_post((select id from tickets where number = $2 and s.who is not null), "
	                     "NULL, $3, false) p",
	    staff, number, body);
	ck_assert_str_eq(st, "ok");
	free(st);
}

/* A provisioned organization (org_create) whose support address is help,
 * with a request type open to anonymous submitters (what mail-in files new
 * tickets under); its id, the slug into slug when not NULL. */
static char *email_org(const char *help, char *slug, size_t n)
{
	char *org = org_create("mailin", slug, n);
	free(owner_sql("update organization_settings set support_email = $2 where organization_id = $1", org, help, NULL));
	free(owner_sql("insert into request_types (organization_id, name, default_routing, allowed_roles) "
	               "values ($1, 'Email', 'organization', array['anonymous','customer'])", org, NULL, NULL));
	return org;
}

START_TEST(customer_answers_a_notice_by_email)
{
	flush_ratelimits();
	char tag[96], help[160], customer[160], agent_email[160];
	uniq(tag, sizeof tag, "mailin");
	/* The local part stays short: with "+<43-character token>" it must fit
	 * in 64 bytes, or the notice has no Reply-To (mail_reply_address). */
	snprintf(help, sizeof help, "help@%s.mail-e2e.example", tag);
	snprintf(customer, sizeof customer, "cust-%s@example.com", tag);
	char *org = email_org(help, NULL, 0);
	char *agent = staff_account("mailin-agent", org, "agent", agent_email, sizeof agent_email);

	/* 1. The customer writes to the support address: a ticket. */
	char raw[4096];
	snprintf(raw, sizeof raw,
	    "From: Carla Customer <%s>\r\nTo: Support <%s>\r\nSubject: Scanner %s jams\r\n"
	    "Message-ID: <first-%s@mail.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "The scanner jams on every page.\r\n-- \r\nCarla\r\n", customer, help, tag, tag);
	ck_assert_int_eq(mail_in(raw, help), 0);
	char *number = owner_sql("select t.number from tickets t join users u on u.id = t.requester_id "
	                         "where u.email = $1 and t.source = 'email'", customer, NULL, NULL);
	ck_assert_msg(number && *number, "no ticket from the email");
	/* The customer signs in later with staff_account's password. */
	free(owner_sql("update users set password_hash = (select password_hash from users where id = $2), "
	               "email_verified_at = now() where email = $1", customer, agent, NULL));

	/* 2. The agent answers: the notice carries the threading. */
	staff_reply(agent, number, "Please clean the rollers.");
	char *notice = nth_mail(customer, 1);
	char *mid = strip_angle(header_of(notice, "Message-ID"));
	char *reply_to = strip_angle(header_of(notice, "Reply-To"));
	char *subject = header_of(notice, "Subject");
	ck_assert_msg(mid && strncmp(mid, "sd.", 3) == 0, "Message-ID %s", mid ? mid : "(none)");
	ck_assert_msg(reply_to && strncmp(reply_to, "help+r", 6) == 0 && strchr(reply_to, '+'), "Reply-To %s",
	    reply_to ? reply_to : "(none)");
	ck_assert_msg(subject && strstr(subject, number), "Subject %s", subject ? subject : "(none)");

	/* 3. A forged copy (another sender with the real token and id) adds nothing. */
	snprintf(raw, sizeof raw,
	    "From: Mallory <mallory-%s@example.com>\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <forged-%s@evil.example>\r\n"
	    "In-Reply-To: <%s>\r\nReferences: <%s>\r\n\r\nSend me the invoices.\r\n", tag, reply_to, subject, tag, mid, mid);
	ck_assert_int_eq(mail_in(raw, reply_to), 77);
	char *n = owner_sql("select count(*)::text from ticket_messages m join tickets t on t.id = m.ticket_id "
	                    "where t.number = $1 and m.body like '%invoices%'", number, NULL, NULL);
	ck_assert_str_eq(n, "0");
	free(n);

	/* 4. The customer answers from the mailbox. */
	char reply_id[160];
	snprintf(reply_id, sizeof reply_id, "answer-%s@mail.example.com", tag);
	snprintf(raw, sizeof raw,
	    "From: Carla Customer <%s>\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <%s>\r\n"
	    "In-Reply-To: <%s>\r\nReferences: <%s>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "Cleaning the rollers fixed it %s.\r\n\r\nOn Tue, 1 Dec 2026, Support <%s> wrote:\r\n> Please clean the rollers.\r\n",
	    customer, reply_to, subject, reply_id, mid, mid, tag, help);
	ck_assert_int_eq(mail_in(raw, reply_to), 0);

	char want[160];
	snprintf(want, sizeof want, "Cleaning the rollers fixed it %s.", tag);
	char path[128];
	char loc[512];
	jar cj = { 0 };
	sign_in_password(&cj, customer, loc, sizeof loc);
	snprintf(path, sizeof path, "/my/tickets/%s", number);
	resp r = http("GET", path, &cj, NULL, NULL, 0);
	ck_status(r, 200, path);
	ck_assert_msg(strstr(r.body.data, want), "the emailed reply is not on %s", path);
	ck_assert_msg(!strstr(r.body.data, "&gt; Please clean"), "the quote was kept on %s", path);
	resp_free(&r);

	jar aj = { 0 };
	sign_in_password(&aj, agent_email, loc, sizeof loc);
	snprintf(path, sizeof path, "/desk/tickets/%s", number);
	r = http("GET", path, &aj, NULL, NULL, 0);
	ck_status(r, 200, path);
	ck_assert_msg(strstr(r.body.data, want), "the emailed reply is not on %s", path);
	resp_free(&r);

	/* 5. The agent's next answer goes out threaded to the conversation. */
	staff_reply(agent, number, "Glad it works.");
	char *second = nth_mail(customer, 2);
	char *irt = strip_angle(header_of(second, "In-Reply-To"));
	ck_assert_msg(irt && strcmp(irt, mid) == 0, "In-Reply-To %s, want %s", irt ? irt : "(none)", mid);
	ck_assert_msg(strstr(second, mid), "References lacks the first notice");

	free(irt), free(second), free(subject), free(reply_to), free(mid), free(notice);
	free(number), free(agent), free(org);
}
END_TEST

/* Issue 14: the invoice trigger routes a ticket that came by email. */
START_TEST(trigger_routes_an_emailed_ticket)
{
	flush_ratelimits();
	char tag[96], help[160], slug[128], admin_email[160], page[256], fields[1024], loc[512];
	uniq(tag, sizeof tag, "mailtrig");
	snprintf(help, sizeof help, "help@%s.mail-e2e.example", tag);
	char *org = email_org(help, slug, sizeof slug);
	free(owner_sql("insert into teams (organization_id, name) values ($1, 'Billing') returning id", org, NULL, NULL));
	char *admin = staff_account("mailtrig-admin", org, "admin", admin_email, sizeof admin_email);
	jar boss = { 0 };
	sign_in_password(&boss, admin_email, loc, sizeof loc);

	/* The trigger, from the admin page (the same form as test_automation.c). */
	snprintf(page, sizeof page, "/desk/admin/triggers?org=%s", slug);
	char *csrf = csrf_of(page, &boss);
	snprintf(fields, sizeof fields, "org=%s&name=Invoices+to+Billing&event_created=1&match=all&c0_field=title"
	                                "&c0_op=contains&c0_value=invoice&a0_type=team&a0_value=Billing&a1_type=add_tag"
	                                "&a1_value=billing&a2_type=priority&a2_value=high&active=1", slug);
	resp r = post_form("/desk/admin/triggers", &boss, csrf, fields);
	ck_status(r, 303, "POST /desk/admin/triggers");
	resp_free(&r);
	free(csrf);

	/* A new-ticket email whose subject says "Invoice" (the trigger's
	 * "contains" ignores case, as on /submit). */
	char customer[160], title[160], raw[4096];
	snprintf(customer, sizeof customer, "billcust-%s@example.com", tag);
	snprintf(title, sizeof title, "Invoice %s is wrong", tag);
	snprintf(raw, sizeof raw,
	    "From: Bill Customer <%s>\r\nTo: Support <%s>\r\nSubject: %s\r\n"
	    "Message-ID: <invoice-%s@mail.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "We were charged twice.\r\n", customer, help, title, tag);
	ck_assert_int_eq(mail_in(raw, help), 0);

	char *routed = owner_sql("select t.source || '|' || coalesce(tm.name, '-') || '|' || t.tags::text || '|' || t.priority "
	                         "from tickets t left join teams tm on tm.id = t.team_id "
	                         "where t.assigned_org_id = $1 and t.title = $2", org, title, NULL);
	ck_assert_msg(routed && strcmp(routed, "email|Billing|{billing}|high") == 0, "routed: %s", routed ? routed : "(none)");
	free(routed);
	char *logged = owner_sql("select a.description from ticket_activity a join tickets t on t.id = a.ticket_id "
	                         "where t.title = $1 and a.activity_type = 'automation'", title, NULL, NULL);
	ck_assert_msg(logged && strcmp(logged, "Trigger: Invoices to Billing") == 0, "activity: %s", logged ? logged : "(none)");
	free(logged);
	free(admin), free(org);
}
END_TEST

Suite *mail_in_e2e_suite(void)
{
	Suite *s = suite_create("mail_in");
	TCase *tc = tcase_create("conversation");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, customer_answers_a_notice_by_email);
	tcase_add_test(tc, trigger_routes_an_emailed_ticket);
	suite_add_tcase(s, tc);
	return s;
}
