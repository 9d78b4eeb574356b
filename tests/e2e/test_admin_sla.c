/* test_admin_sla.c: the SLA policies section end to end, through nginx
 * with libcurl: an organization's first admin made by `supportdesk org
 * add|provision` signs in from the emailed link, finds every priority on
 * /desk/admin/sla (with the security headers), has a policy refused for a
 * made-up time zone (422, the input kept), creates it, and an open ticket of
 * the organization has its due times moved with its version unchanged.
 *
 * Registered from test_e2e.c's main() as the suite "admin_sla_e2e". */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_staff.h"

Suite *admin_sla_e2e_suite(void);

#define POLICY \
	"priority=high&display_name=E2E+high&first_response_minutes=20&resolution_minutes=200&warning_percent=75" \
	"&escalate_to_role=agent&closed_monday=1&closed_tuesday=1&closed_wednesday=1&closed_thursday=1" \
	"&closed_friday=1&closed_saturday=1&closed_sunday=1&active=1"

START_TEST(test_sla_policy_moves_due_times)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200");
	char slug[96], admin[160], args[1024];
	uniq(slug, sizeof slug, "e2e-sla");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(admin, sizeof admin, "%s-admin@example.com", slug);
	snprintf(args, sizeof args, "org add --name 'E2E SLA %s' --slug '%s'", slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'SLA Admin'", slug, admin);
	ck_assert_int_eq(e2e_cli(args), 0);
	char *raw = wait_mail(admin, 30);
	jar adm = { 0 };
	choose_password(&adm, raw, "sla admin password 1", NULL, 0);
	free(raw);

	char *ticket = owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                         "description, priority) select u.id, 'organization', o.id, o.id, 'E2E SLA', 'x', 'high' "
	                         "from users u, organizations o where u.email = $1::citext and o.slug = $2 returning id",
	    admin, slug, NULL);
	ck_assert_ptr_nonnull(ticket);
	char *version = owner_sql("select version::text from tickets where id = $1::uuid", ticket, NULL, NULL);

	char list[256], fields[2048];
	snprintf(list, sizeof list, "/desk/admin/sla?org=%s", slug);
	resp r = http("GET", list, &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET /desk/admin/sla");
	ck_assert_int_eq(resp_header_count(&r, "Content-Security-Policy"), 1);
	ck_assert_msg(strstr(r.body.data, "None of its own"), "every priority follows the default");
	resp_free(&r);

	char *csrf = csrf_of(list, &adm);
	snprintf(fields, sizeof fields, "org=%s&" POLICY "&time_zone=Atlantis%%2FCapital", slug);
	r = post_form("/desk/admin/sla", &adm, csrf, fields);
	ck_status(r, 422, "POST a policy with a made-up time zone");
	ck_assert_msg(strstr(r.body.data, "id=\"f-time_zone-error\""), "the message by the field");
	ck_assert_msg(strstr(r.body.data, "value=\"Atlantis/Capital\""), "the input kept");
	resp_free(&r);

	snprintf(fields, sizeof fields, "org=%s&" POLICY "&time_zone=America%%2FNew_York", slug);
	r = post_form("/desk/admin/sla", &adm, csrf, fields);
	ck_status(r, 303, "POST a policy");
	resp_free(&r);
	char *moved = owner_sql("select (sla_first_response_due = created_at + interval '20 minutes' "
	                        "and sla_resolution_due = created_at + interval '200 minutes')::text "
	                        "from tickets where id = $1::uuid",
	    ticket, NULL, NULL);
	ck_assert_str_eq(moved, "true");
	char *after = owner_sql("select version::text from tickets where id = $1::uuid", ticket, NULL, NULL);
	ck_assert_str_eq(after, version);
	free(moved);
	free(after);
	free(version);
	free(ticket);
	free(csrf);
}
END_TEST

Suite *admin_sla_e2e_suite(void)
{
	Suite *s = suite_create("admin_sla_e2e");
	TCase *tc = tcase_create("admin_sla_e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sla_policy_moves_due_times);
	suite_add_tcase(s, tc);
	return s;
}
