/* test_platform.c: the platform admin's acceptance flow end to end,
 * through nginx with libcurl and the real mailer writing to $MAIL_DIR: a
 * platform admin (made with `supportdesk user add --platform-role admin`)
 * signs in, creates an organization at /admin/organizations and provisions
 * it with an invited admin; the admin chooses a password from the emailed
 * link, routes a request type to the organization from /desk/admin/types,
 * and a ticket submitted with it on the public form reaches the
 * organization's queue. The platform admin then deactivates the
 * organization: its type leaves /submit and its admin is signed out.
 *
 * Registered from test_e2e.c's main() as the suite "platform_e2e". */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_flow.h"

Suite *platform_e2e_suite(void);

#define FORM "application/x-www-form-urlencoded"

/* POST fields with the _csrf of the page at page (GET as j). */
static resp post_from(const char *page, const char *path, jar *j, const char *fields)
{
	dbuf b = csrf_form_of(page, j);
	dbuf_addf(&b, "&%s", fields);
	resp r = http("POST", path, j, FORM, b.data, b.len);
	dbuf_free(&b);
	return r;
}

static char *location_of(const resp *r)
{
	char loc[512] = "";
	resp_header(r, "Location", loc, sizeof loc);
	return strdup(loc);
}

/* The path starting with prefix in a mail's text part (malloc'd). */
static char *link_path(const char *raw, const char *prefix)
{
	char *text = mail_part(raw, "text/plain");
	ck_assert_msg(text != NULL, "no text/plain part");
	const char *p = strstr(text, prefix);
	ck_assert_msg(p != NULL, "no %s link in: %s", prefix, text);
	size_t n = strlen(prefix);
	while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_')
		n++;
	char *path = strndup(p, n);
	free(text);
	return path;
}

static long status_at(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	long st = r.status;
	resp_free(&r);
	return st;
}

START_TEST(test_platform_admin_provisions_an_organization)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200: the stack did not recover from an earlier test");
	char tag[96], padmin[160], invitee[160], cmd[1024], fields[1024];
	uniq(tag, sizeof tag, "e2e-plat");
	for (char *c = tag; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(padmin, sizeof padmin, "%s-padmin@example.com", tag);
	snprintf(invitee, sizeof invitee, "%s-boss@example.com", tag);

	/* The platform admin, from the command line, signs in. */
	snprintf(cmd, sizeof cmd,
	    "printf 'platform admin password 1' | '%s' user add --email '%s' --name 'E2E Platform' "
	    "--platform-role admin --password-stdin >/dev/null 2>&1",
	    env_or("SUPPORTDESK_BIN", "build/supportdesk"), padmin);
	ck_assert_int_eq(run_sh(cmd), 0);
	jar pa = { 0 };
	resp lp = http("GET", "/login", &pa, NULL, NULL, 0);
	ck_status(lp, 200, "GET /login");
	jar_take(&pa, &lp);
	resp_free(&lp);
	char *enc = curl_easy_escape(NULL, padmin, 0);
	snprintf(fields, sizeof fields, "email=%s&password=platform+admin+password+1", enc);
	curl_free(enc);
	resp r = post_from("/login", "/login", &pa, fields);
	ck_status(r, 303, "POST /login as the platform admin");
	jar_take(&pa, &r);
	resp_free(&r);
	r = http("GET", "/admin", &pa, NULL, NULL, 0);
	ck_status(r, 200, "GET /admin as the platform admin");
	ck_assert_msg(strstr(r.body.data, "href=\"/admin/organizations\""), "the platform admin's home lists its areas");
	resp_free(&r);

	/* An organization, created and provisioned with an invited admin. */
	snprintf(fields, sizeof fields, "name=E2E+Platform+Org+%s&slug=%s&prefix=EPO", tag, tag);
	r = post_from("/admin/organizations", "/admin/organizations", &pa, fields);
	ck_status(r, 303, "POST /admin/organizations");
	char *org_page = location_of(&r);
	resp_free(&r);
	ck_assert_msg(strncmp(org_page, "/admin/organizations/", 21) == 0, "Location %s", org_page);
	char org_path[256];
	snprintf(org_path, sizeof org_path, "%.*s", (int)strcspn(org_page, "?"), org_page);
	char action[300];
	snprintf(action, sizeof action, "%s/provision", org_path);
	enc = curl_easy_escape(NULL, invitee, 0);
	snprintf(fields, sizeof fields, "email=%s&name=Bea+Boss", enc);
	curl_free(enc);
	r = post_from(org_path, action, &pa, fields);
	ck_status(r, 303, "POST .../provision");
	resp_free(&r);

	/* The invitee chooses a password from the email and lands on the desk. */
	char *raw = wait_mail(invitee, 30);
	ck_assert_msg(strstr(raw, "You are invited to E2E Platform Org"), "the invitation: %.400s", raw);
	char *reset = link_path(raw, "/password/reset/");
	free(raw);
	jar boss = { 0 };
	r = post_from(reset, reset, &boss, "password=boss+password+123&password_confirm=boss+password+123");
	ck_status(r, 303, "POST the set-password link");
	jar_take(&boss, &r);
	char *home = location_of(&r);
	resp_free(&r);
	ck_assert_str_eq(home, "/desk");
	free(home);

	/* The new admin routes a request type to the organization. */
	char type_name[160], types[256];
	snprintf(type_name, sizeof type_name, "Platform e2e %s", tag);
	snprintf(types, sizeof types, "/desk/admin/types?org=%s", tag);
	enc = curl_easy_escape(NULL, type_name, 0);
	snprintf(fields, sizeof fields,
	    "org=%s&name=%s&description=From+the+e2e&routing=organization&priority=high&role_anonymous=1"
	    "&role_customer=1&active=1",
	    tag, enc);
	curl_free(enc);
	r = post_from(types, "/desk/admin/types", &boss, fields);
	ck_status(r, 303, "POST /desk/admin/types");
	resp_free(&r);

	/* A visitor files a ticket of that type; confirmed, it is in the queue. */
	char email[160], title[96];
	uniq(title, sizeof title, "platform-ticket");
	snprintf(email, sizeof email, "%s@example.com", title);
	sform f;
	form_fetch(&f, type_name);
	r = submit(&f, &(fill){ .email = email, .title = title, .description = "Routed by the platform e2e" });
	ck_assert_msg(is_sent_page(&r), "POST /submit: %ld %.400s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	form_free(&f);
	char *verify = verify_path_for(email, NULL);
	jar visitor = { 0 };
	dbuf vb = csrf_form_of(verify, &visitor);
	r = http("POST", verify, &visitor, FORM, vb.data, vb.len);
	ck_assert_msg(r.status == 303, "POST %s: %ld", verify, r.status);
	resp_free(&r);
	dbuf_free(&vb);
	free(verify);
	char *n = owner_sql("select count(*) from tickets t join organizations o on o.id = t.assigned_org_id "
	                    "where t.title = $1 and o.slug = $2 and t.priority = 'high' and t.number like 'EPO-%'",
	    title, tag, NULL);
	ck_assert_msg(n && strcmp(n, "1") == 0, "the ticket routed to the organization: %s", n ? n : "(none)");
	free(n);
	r = http("GET", "/desk?queue=open", &boss, NULL, NULL, 0);
	ck_status(r, 200, "GET the organization's queue");
	ck_assert_msg(strstr(r.body.data, title), "the ticket is in the new organization's queue");
	resp_free(&r);

	/* Deactivated by the platform admin: the type leaves /submit at once,
	 * the organization's admin is signed out. */
	snprintf(action, sizeof action, "%s/active", org_path);
	r = post_from(org_path, action, &pa, "active=0");
	ck_status(r, 303, "POST .../active (deactivate)");
	resp_free(&r);
	r = http("GET", "/submit", NULL, NULL, NULL, 0);
	ck_status(r, 200, "GET /submit");
	ck_assert_msg(!strstr(r.body.data, type_name), "a deactivated organization's type is still on /submit");
	resp_free(&r);
	ck_assert_int_eq(status_at("/account", &boss), 303);
	ck_assert_int_eq(status_at("/admin", &pa), 200);
	free(org_page);
}
END_TEST

Suite *platform_e2e_suite(void)
{
	Suite *s = suite_create("platform_e2e");
	TCase *tc = tcase_create("platform_e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_platform_admin_provisions_an_organization);
	suite_add_tcase(s, tc);
	return s;
}
