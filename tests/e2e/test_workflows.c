/* test_workflows.c: the workflows' acceptance flow end to end, through
 * nginx with libcurl: an organization's first admin (made by `supportdesk
 * org add|provision`, signed in from the emailed link) invites an agent,
 * builds a three-stage workflow with a notification hook on the second
 * stage through /desk/admin/workflows, names it on a request type; a
 * visitor submits a ticket of that type through /submit and confirms it
 * from the email; the agent moves it through the stages from the
 * workspace; the hook's target (the organization's admins) is notified
 * once; the history shows each version.
 *
 * Registered from test_e2e.c's main() as the suite "workflows_e2e". */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_staff.h"

Suite *workflows_e2e_suite(void);


static void post_303(const char *path, jar *j, const char *csrf, const char *fields, const char *what, char *loc,
    size_t nloc)
{
	resp r = post_form(path, j, csrf, fields);
	ck_status(r, 303, what);
	if (loc)
		resp_header(&r, "Location", loc, nloc);
	resp_free(&r);
}

/* The agent moves the ticket to stage from the workspace (its version
 * and token read from the page). */
static void move_to(jar *ag, const char *number, const char *stage, const char *button)
{
	char path[256];
	snprintf(path, sizeof path, "/desk/tickets/%s", number);
	resp r = http("GET", path, ag, NULL, NULL, 0);
	ck_status(r, 200, "GET the workspace");
	ck_assert_msg(strstr(r.body.data, button), "no \"%s\" on the workspace", button);
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	char *version = attr_after(r.body.data, "name=\"version\"", "value");
	ck_assert_msg(csrf && version, "the workspace lacks _csrf or version");
	resp_free(&r);
	char fields[256];
	snprintf(fields, sizeof fields, "stage=%s&version=%s", stage, version);
	snprintf(path, sizeof path, "/desk/tickets/%s/stage", number);
	post_303(path, ag, csrf, fields, "POST the stage move", NULL, 0);
	free(csrf);
	free(version);
}

START_TEST(test_workflow_acceptance)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200");
	char slug[96], admin[160], agent[160], customer[160], args[1024];
	uniq(slug, sizeof slug, "e2e-wf");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(admin, sizeof admin, "%s-admin@example.com", slug);
	snprintf(agent, sizeof agent, "%s-agent@example.com", slug);
	snprintf(customer, sizeof customer, "%s-customer@example.com", slug);
	snprintf(args, sizeof args, "org add --name 'E2E Flow %s' --slug '%s'", slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'Flow Admin'", slug, admin);
	ck_assert_int_eq(e2e_cli(args), 0);
	char *raw = wait_mail(admin, 30);
	jar adm = { 0 }, ag = { 0 };
	choose_password(&adm, raw, "flow admin password 1", NULL, 0);
	free(raw);

	/* the agent, invited by the admin */
	char path[256], fields[2048], loc[512] = "";
	snprintf(path, sizeof path, "/desk/admin/members?org=%s", slug);
	char *csrf = csrf_of(path, &adm);
	snprintf(fields, sizeof fields, "org=%s&email=%s&name=Flow+Agent&role=agent", slug, agent);
	post_303("/desk/admin/members", &adm, csrf, fields, "POST the invitation", NULL, 0);
	raw = wait_mail(agent, 30);
	choose_password(&ag, raw, "flow agent password 1", NULL, 0);
	free(raw);

	/* the workflow: start, a step with a hook, end */
	snprintf(fields, sizeof fields, "org=%s&name=E2E+flow&description=Three+stages", slug);
	post_303("/desk/admin/workflows", &adm, csrf, fields, "POST a workflow", loc, sizeof loc);
	ck_assert_msg(strncmp(loc, "/desk/admin/workflows/", 22) == 0, "Location %s", loc);
	char *wf = strndup(loc + 22, 36);
	snprintf(path, sizeof path, "/desk/admin/workflows/%s/stages", wf);
	const char *stages[3][2] = { { "Received", "start" }, { "Checking", "step" }, { "Finished", "end" } };
	for (int i = 0; i < 3; i++) {
		snprintf(fields, sizeof fields, "org=%s&name=%s&description=&kind=%s", slug, stages[i][0], stages[i][1]);
		post_303(path, &adm, csrf, fields, "POST a stage", NULL, 0);
	}
	char *checking = owner_sql("select id from workflow_stages where workflow_id = $1::uuid and name = 'Checking'", wf, NULL, NULL);
	char *finished = owner_sql("select id from workflow_stages where workflow_id = $1::uuid and name = 'Finished'", wf, NULL, NULL);
	ck_assert_msg(checking && finished, "the stages were not made");
	snprintf(path, sizeof path, "/desk/admin/workflows/%s/hooks", wf);
	snprintf(fields, sizeof fields, "org=%s&stage=%s&target_type=org_admins&target_role=agent&message=Checking+has+begun",
	    slug, checking);
	post_303(path, &adm, csrf, fields, "POST a hook", NULL, 0);
	snprintf(path, sizeof path, "/desk/admin/workflows/%s?org=%s", wf, slug);
	resp r = http("GET", path, &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET the workflow");
	const char *b = r.body.data, *p1 = strstr(b, ">Received <"), *p2 = strstr(b, ">Checking <"), *p3 = strstr(b, ">Finished <");
	ck_assert_msg(p1 && p2 && p3 && p1 < p2 && p2 < p3, "the stages are not drawn start to end");
	ck_assert_msg(strstr(b, "Checking has begun"), "the hook is not shown");
	resp_free(&r);

	/* the request type names it */
	char type_name[160];
	snprintf(type_name, sizeof type_name, "Flow type %s", slug);
	char *tn = curl_easy_escape(NULL, type_name, 0);
	snprintf(fields, sizeof fields, "org=%s&name=%s&description=&category=&routing=organization&priority=normal"
	    "&role_anonymous=1&role_customer=1&active=1&workflow=%s", slug, tn, wf);
	curl_free(tn);
	post_303("/desk/admin/types", &adm, csrf, fields, "POST a request type", NULL, 0);

	/* a ticket of the type through /submit, confirmed from the email */
	sform f;
	form_fetch(&f, type_name);
	r = submit(&f, &(fill){ .email = customer, .name = "Flow Customer", .title = "Flowing request",
	                        .description = "Please move me along." });
	ck_assert_msg(is_sent_page(&r), "POST /submit: %ld %.600s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	form_free(&f);
	jar person = { 0 };
	char *vpath = verify_path_for(customer, NULL);
	dbuf body = csrf_form_of(vpath, &person);
	r = http("POST", vpath, &person, E2E_FORM, body.data, body.len);
	loc[0] = '\0';
	resp_header(&r, "Location", loc, sizeof loc);
	ck_assert_msg(r.status == 303 && strncmp(loc, "/my/tickets/", 12) == 0, "POST /verify: %ld", r.status);
	resp_free(&r);
	dbuf_free(&body);
	free(vpath);
	char *number = strdup(loc + 12);
	char *stage = owner_sql("select s.name from tickets t join workflow_stages s on s.id = t.current_stage_id "
	                        "where t.number = $1", number, NULL, NULL);
	ck_assert_msg(stage && strcmp(stage, "Received") == 0, "the ticket is on %s, not the start stage", stage ? stage : "none");
	free(stage);

	/* the agent moves it through the stages; the admins hear of Checking once */
	move_to(&ag, number, checking, "Move to Checking");
	move_to(&ag, number, finished, "Move to Finished");
	char *admin_id = owner_sql("select id from users where email = $1::citext", admin, NULL, NULL);
	char *notices = owner_sql("select count(*)::text from notifications where user_id = $1::uuid "
	                          "and type = 'staff.workflow' and content = 'Checking has begun'", admin_id, NULL, NULL);
	ck_assert_str_eq(notices, "1");
	char *agent_notices = owner_sql("select count(*)::text from notifications n join users u on u.id = n.user_id "
	                                "where u.email = $1::citext and n.type = 'staff.workflow'", agent, NULL, NULL);
	ck_assert_str_eq(agent_notices, "0");
	r = http("GET", "/notifications", &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET /notifications as the admin");
	const char *first = strstr(r.body.data, "Checking has begun");
	ck_assert_msg(first && !strstr(first + 1, "Checking has begun"), "the notice is listed once");
	resp_free(&r);

	/* the history: each version, and the ticket as it was at the first */
	snprintf(path, sizeof path, "/desk/tickets/%s/history", number);
	r = http("GET", path, &ag, NULL, NULL, 0);
	ck_status(r, 200, "GET the history");
	ck_assert_msg(strstr(r.body.data, "Stage: Checking") && strstr(r.body.data, "Stage: Finished") &&
	        strstr(r.body.data, "<li>Created</li>"), "the history lacks a version: %.2000s", r.body.data);
	resp_free(&r);
	char *first_id = owner_sql("select h.id from ticket_history h join tickets t on t.id = h.ticket_id "
	                           "where t.number = $1 order by h.seq limit 1", number, NULL, NULL);
	snprintf(path, sizeof path, "/desk/tickets/%s/history?at=%s", number, first_id);
	r = http("GET", path, &ag, NULL, NULL, 0);
	ck_status(r, 200, "GET the first version");
	ck_assert_msg(strstr(r.body.data, "<dd>Received</dd>") && strstr(r.body.data, "Please move me along."),
	    "the first version is not the ticket as created");
	resp_free(&r);

	free(first_id);
	free(notices);
	free(agent_notices);
	free(admin_id);
	free(number);
	free(checking);
	free(finished);
	free(wf);
	free(csrf);
}
END_TEST

Suite *workflows_e2e_suite(void)
{
	Suite *s = suite_create("workflows_e2e");
	TCase *tc = tcase_create("workflows_e2e");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_workflow_acceptance);
	suite_add_tcase(s, tc);
	return s;
}
