/* test_admin.c: the organization admin pages and the operator's commands
 * end to end, through nginx with libcurl and the real mailer writing to
 * $MAIL_DIR: `supportdesk org add` and `org provision` invite a first
 * admin, who chooses a password from the emailed link and lands on the
 * desk; they invite an agent from /desk/admin/members, the agent signs in
 * from their own email, then is deactivated and signed out at once; and
 * `supportdesk user deactivate` ends a session the same way.
 *
 * Registered from test_e2e.c's main() as the suite "admin_e2e". */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_flow.h"

Suite *admin_e2e_suite(void);

#define FORM "application/x-www-form-urlencoded"

static const char *bin(void)
{
	return env_or("SUPPORTDESK_BIN", "build/supportdesk");
}

/* The command line as the owner ($DATABASE_URL); every value is ours, so
 * single quotes are enough. Its exit status. */
static int cli(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", bin(), args);
	return run_sh(cmd);
}

/* "/password/reset/<token>" from a mail's text part (malloc'd). */
static char *reset_path(const char *raw)
{
	char *text = mail_part(raw, "text/plain");
	ck_assert_msg(text != NULL, "no text/plain part");
	const char *p = strstr(text, "/password/reset/");
	ck_assert_msg(p != NULL, "no set-password link in: %s", text);
	size_t n = strlen("/password/reset/");
	while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_')
		n++;
	char *path = strndup(p, n);
	free(text);
	return path;
}

static resp post_body(const char *path, jar *j, const char *csrf, const char *fields)
{
	char *c = curl_easy_escape(NULL, csrf, 0);
	dbuf b = { 0 };
	dbuf_addf(&b, "_csrf=%s&%s", c, fields);
	curl_free(c);
	resp r = http("POST", path, j, FORM, b.data, b.len);
	dbuf_free(&b);
	return r;
}

/* The _csrf of the page at path, in j (malloc'd). */
static char *csrf_of(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	ck_assert_msg(csrf != NULL, "no _csrf on %s", path);
	resp_free(&r);
	return csrf;
}

/* Opens the emailed link in j and chooses password: signed in, the 303 to
 * where the user's home is (its Location into home). */
static void choose_password(jar *j, const char *raw_mail, const char *password, char *home, size_t n)
{
	char *path = reset_path(raw_mail);
	char *csrf = csrf_of(path, j);
	char *pw = curl_easy_escape(NULL, password, 0);
	char fields[512];
	snprintf(fields, sizeof fields, "password=%s&password_confirm=%s", pw, pw);
	curl_free(pw);
	resp r = post_body(path, j, csrf, fields);
	ck_status(r, 303, "POST the set-password link");
	jar_take(j, &r);
	home[0] = '\0';
	resp_header(&r, "Location", home, n);
	resp_free(&r);
	free(csrf);
	free(path);
}

static long status_of(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	long st = r.status;
	resp_free(&r);
	return st;
}

static void fresh(void)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200: the stack did not recover from an earlier test");
}

START_TEST(test_provision_invite_deactivate)
{
	fresh();
	char slug[96], admin[160], agent[160], args[1024];
	uniq(slug, sizeof slug, "e2e-org");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(admin, sizeof admin, "%s-admin@example.com", slug);
	snprintf(agent, sizeof agent, "%s-agent@example.com", slug);

	/* The operator's commands, with their refusals. */
	snprintf(args, sizeof args, "org add --name 'E2E Org %s' --slug '%s' --prefix E2E", slug, slug);
	ck_assert_int_eq(cli(args), 0);
	ck_assert_int_eq(cli(args), 1); /* the slug is taken */
	ck_assert_int_eq(cli("org add --name 'Bad' --slug 'Not A Slug'"), 2);
	ck_assert_int_eq(cli("org add --name 'Bad' --slug 'bad-prefix' --prefix 'lower'"), 2);
	ck_assert_int_eq(cli("org provision --slug 'no-such-org-e2e' --admin-email 'x@example.com'"), 1);
	ck_assert_int_eq(cli("org provision --slug 'x'"), 2);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'First Admin'", slug, admin);
	ck_assert_int_eq(cli(args), 0);
	ck_assert_int_eq(db_long("select count(*) from memberships m join users u on u.id = m.user_id "
	                         "join organizations o on o.id = m.organization_id join organization_settings s "
	                         "on s.organization_id = o.id where u.email = $1::citext and m.role = 'admin' "
	                         "and s.is_provisioned",
	                     admin),
	    1);

	/* The first admin signs in from the email. */
	char *raw = wait_mail(admin, 30);
	ck_assert_msg(strstr(raw, "You are invited to E2E Org"), "the invitation's subject: %.400s", raw);
	jar adm = { 0 };
	char home[256];
	choose_password(&adm, raw, "first admin password 1", home, sizeof home);
	free(raw);
	ck_assert_str_eq(home, "/desk");
	resp r = http("GET", "/desk/admin", &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET /desk/admin as the new admin");
	ck_assert_msg(strstr(r.body.data, "E2E Org"), "the admin home names the organization");
	resp_free(&r);

	/* They invite an agent. */
	char members[256];
	snprintf(members, sizeof members, "/desk/admin/members?org=%s", slug);
	char *csrf = csrf_of(members, &adm);
	char *enc = curl_easy_escape(NULL, agent, 0);
	char fields[512];
	snprintf(fields, sizeof fields, "org=%s&email=%s&name=New+Agent&role=agent", slug, enc);
	curl_free(enc);
	r = post_body("/desk/admin/members", &adm, csrf, fields);
	ck_status(r, 303, "POST /desk/admin/members (invite)");
	resp_free(&r);

	/* The agent chooses a password from the email, and signs in with it. */
	raw = wait_mail(agent, 30);
	jar ag = { 0 };
	choose_password(&ag, raw, "new agent password 1", home, sizeof home);
	free(raw);
	ck_assert_str_eq(home, "/desk");
	ck_assert_int_eq(db_long("select count(*) from users where email = $1::citext and email_verified_at is not null", agent), 1);
	jar ag2 = { 0 };
	resp lp = http("GET", "/login", &ag2, NULL, NULL, 0);
	ck_status(lp, 200, "GET /login");
	jar_take(&ag2, &lp);
	char *lcsrf = attr_after(lp.body.data, "action=\"/login\"", "value");
	ck_assert_ptr_nonnull(lcsrf);
	resp_free(&lp);
	enc = curl_easy_escape(NULL, agent, 0);
	snprintf(fields, sizeof fields, "email=%s&password=new+agent+password+1", enc);
	curl_free(enc);
	r = post_body("/login", &ag2, lcsrf, fields);
	ck_status(r, 303, "POST /login as the new agent");
	jar_take(&ag2, &r);
	resp_free(&r);
	free(lcsrf);
	ck_assert_int_eq(status_of("/account", &ag), 200);
	ck_assert_int_eq(status_of("/account", &ag2), 200);
	ck_assert_int_eq(status_of("/desk/admin", &ag), 404); /* an agent, not an admin */

	/* Deactivated: both of the agent's browsers are signed out at once. */
	PGresult *res = PQexecParams(db(),
	    "select m.id from memberships m join users u on u.id = m.user_id where u.email = $1::citext", 1, NULL,
	    (const char *const[]){ agent }, NULL, NULL, 0);
	ck_assert_int_eq(PQntuples(res), 1);
	char action[256];
	snprintf(action, sizeof action, "/desk/admin/members/%s/active", PQgetvalue(res, 0, 0));
	PQclear(res);
	snprintf(fields, sizeof fields, "org=%s&active=0", slug);
	r = post_body(action, &adm, csrf, fields);
	ck_status(r, 303, "POST deactivate the agent");
	resp_free(&r);
	r = http("GET", "/account", &ag, NULL, NULL, 0);
	ck_status(r, 303, "GET /account with the deactivated agent's cookie");
	char loc[256] = "";
	resp_header(&r, "Location", loc, sizeof loc);
	ck_assert_str_eq(loc, "/login?next=/account");
	resp_free(&r);
	ck_assert_int_eq(status_of("/account", &ag2), 303);
	ck_assert_int_eq(status_of("/account", &adm), 200);

	/* The operator deactivates the admin's account: signed out too. */
	snprintf(args, sizeof args, "user deactivate --email '%s'", admin);
	ck_assert_int_eq(cli(args), 0);
	ck_assert_int_eq(status_of("/account", &adm), 303);
	ck_assert_int_eq(cli("user deactivate --email 'nobody-e2e@nowhere.example'"), 1);
	ck_assert_int_eq(cli("user set-role --email 'nobody-e2e@nowhere.example' --platform-role none"), 1);
	ck_assert_int_eq(cli("user set-role --email 'x@example.com' --platform-role root"), 2);
	free(csrf);
}
END_TEST

Suite *admin_e2e_suite(void)
{
	Suite *s = suite_create("admin_e2e");
	TCase *tc = tcase_create("admin_e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_provision_invite_deactivate);
	suite_add_tcase(s, tc);
	return s;
}
