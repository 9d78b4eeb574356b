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

#include "e2e/e2e_staff.h"

Suite *admin_e2e_suite(void);

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
	ck_assert_int_eq(e2e_cli(args), 0);
	ck_assert_int_eq(e2e_cli(args), 1); /* the slug is taken */
	ck_assert_int_eq(e2e_cli("org add --name 'Bad' --slug 'Not A Slug'"), 2);
	ck_assert_int_eq(e2e_cli("org add --name 'Bad' --slug 'bad-prefix' --prefix 'lower'"), 2);
	ck_assert_int_eq(e2e_cli("org provision --slug 'no-such-org-e2e' --admin-email 'x@example.com'"), 1);
	ck_assert_int_eq(e2e_cli("org provision --slug 'x'"), 2);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'First Admin'", slug, admin);
	ck_assert_int_eq(e2e_cli(args), 0);
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
	r = post_form("/desk/admin/members", &adm, csrf, fields);
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
	r = post_form("/login", &ag2, lcsrf, fields);
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
	r = post_form(action, &adm, csrf, fields);
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
	ck_assert_int_eq(e2e_cli(args), 0);
	ck_assert_int_eq(status_of("/account", &adm), 303);
	ck_assert_int_eq(e2e_cli("user deactivate --email 'nobody-e2e@nowhere.example'"), 1);
	ck_assert_int_eq(e2e_cli("user set-role --email 'nobody-e2e@nowhere.example' --platform-role none"), 1);
	ck_assert_int_eq(e2e_cli("user set-role --email 'x@example.com' --platform-role root"), 2);
	free(csrf);
}
END_TEST

/* The id in the Location of a 303 to "<prefix><id>?..." (malloc'd). */
static char *location_id(const resp *r, const char *prefix)
{
	char loc[512] = "";
	resp_header(r, "Location", loc, sizeof loc);
	ck_assert_msg(strncmp(loc, prefix, strlen(prefix)) == 0, "Location %s, want %s...", loc, prefix);
	return strndup(loc + strlen(prefix), 36);
}

/* The distinct "cf_..." names of the inputs in html after marker, sorted
 * and joined by commas, into out. */
static void cf_names(const char *html, const char *marker, char *out, size_t n)
{
	const char *p = strstr(html, marker);
	ck_assert_msg(p != NULL, "no %s in the page", marker);
	char names[16][96];
	int k = 0;
	while ((p = strstr(p, "name=\"cf_")) != NULL && k < 16) {
		p += 6;
		size_t len = strcspn(p, "\"");
		char name[96];
		snprintf(name, sizeof name, "%.*s", (int)len, p);
		bool seen = false;
		for (int i = 0; i < k; i++)
			seen = seen || strcmp(names[i], name) == 0;
		if (!seen)
			snprintf(names[k++], sizeof names[0], "%s", name);
		p += len;
	}
	qsort(names, (size_t)k, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	out[0] = '\0';
	for (int i = 0; i < k; i++)
		snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", names[i]);
}

/* The body of GET path in j, 200 (malloc'd). */
static char *page_of(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *body = strdup(r.body.data);
	resp_free(&r);
	return body;
}

/* Issue 10's first acceptance, through nginx: the new organization's admin
 * makes a request type with one custom field of each of the seven kinds
 * (one for customers only, one for staff only) on the admin pages; the
 * preview shows a visitor and a customer exactly the fields /submit shows
 * them; a visitor's ticket through the type carries every value; an agent
 * sees the staff-only field in the workspace. */
START_TEST(test_type_with_every_field_kind)
{
	fresh();
	char slug[96], admin[160], agent[160], args[1024], tag[64];
	uniq(slug, sizeof slug, "e2e-types");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(tag, sizeof tag, "%.40s", slug + strlen("e2e-types-"));
	for (char *c = tag; *c; c++)
		if (!isalnum((unsigned char)*c))
			*c = '_';
	snprintf(admin, sizeof admin, "%s-admin@example.com", slug);
	snprintf(agent, sizeof agent, "%s-agent@example.com", slug);
	snprintf(args, sizeof args, "org add --name 'Types Org %s' --slug '%s' --prefix TYP", slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'Types Admin'", slug, admin);
	ck_assert_int_eq(e2e_cli(args), 0);
	char *raw = wait_mail(admin, 30);
	jar adm = { 0 };
	char home[256];
	choose_password(&adm, raw, "types admin password 1", home, sizeof home);
	free(raw);
	char *org = owner_sql("select id from organizations where slug = $1", slug, NULL, NULL);
	char *event = owner_sql("insert into events (organization_id, name, starts_at) values ($1::uuid, 'Spring fair', "
	                        "now() + interval '30 days') returning id", org, NULL, NULL);

	/* The type, on the admin page. */
	char path[512], fields[2048];
	snprintf(path, sizeof path, "/desk/admin/types?org=%s", slug);
	char *csrf = csrf_of(path, &adm);
	snprintf(fields, sizeof fields, "org=%s&name=Every+field+%s&description=All+seven&routing=organization&"
	                                "priority=high&role_anonymous=1&role_customer=1&active=1", slug, tag);
	resp r = post_form("/desk/admin/types", &adm, csrf, fields);
	ck_status(r, 303, "POST /desk/admin/types");
	char *type = location_id(&r, "/desk/admin/types/");
	resp_free(&r);

	/* The seven kinds, shown for the type; one for customers only, one
	 * for staff only (backend). */
	static const struct {
		const char *kind, *extra;
	} kinds[] = {
		{ "text", "&pattern=%5E%5BA-Z%5D%7B2%7D%5B0-9%5D%7B4%7D%24&min_length=6&max_length=6&frontend=1&backend=1" },
		{ "textarea", "&frontend=1&backend=1" },
		{ "date", "&frontend=1&backend=1" },
		{ "dropdown_static", "&options=a+%7C+Alpha%0Ab+%7C+Beta&frontend=1&backend=1" },
		{ "dropdown_dynamic_event", "&frontend=1&backend=1" },
		{ "file", "&frontend=1&backend=1" },
		{ "checkbox", "&vrole_customer=1&frontend=1&backend=1" },
		{ "text", "&backend=1" }, /* staff only */
	};
	enum { NKINDS = sizeof kinds / sizeof *kinds };
	char keys[NKINDS][56];
	for (int i = 0; i < NKINDS; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d_%.40s", i, tag);
		snprintf(fields, sizeof fields, "org=%s&key=%s&label=Field+%d+%s&kind=%s&rt_%s=1%s", slug, keys[i], i,
		    kinds[i].kind, kinds[i].kind, type, kinds[i].extra);
		r = post_form("/desk/admin/fields", &adm, csrf, fields);
		ck_status(r, 303, kinds[i].kind);
		resp_free(&r);
	}
	char want_visitor[1024] = "", want_customer[1024] = "";
	for (int i = 0; i < NKINDS - 1; i++) {
		if (i != 6)
			snprintf(want_visitor + strlen(want_visitor), sizeof want_visitor - strlen(want_visitor), "%scf_%s",
			    *want_visitor ? "," : "", keys[i]);
		snprintf(want_customer + strlen(want_customer), sizeof want_customer - strlen(want_customer), "%scf_%s",
		    *want_customer ? "," : "", keys[i]);
	}

	/* The preview and the public form agree, for a visitor. */
	char got[1024], shown[1024];
	snprintf(path, sizeof path, "/desk/admin/types/%s/preview?org=%s&role=anonymous", type, slug);
	char *html = page_of(path, &adm);
	cf_names(html, "admin-preview", got, sizeof got);
	ck_assert_msg(strstr(html, "Spring fair"), "the event is offered in the preview");
	free(html);
	ck_assert_str_eq(got, want_visitor);
	snprintf(path, sizeof path, "/submit?request_type=%s", type);
	html = page_of(path, NULL);
	cf_names(html, "id=\"type-details\"", shown, sizeof shown);
	ck_assert_msg(strstr(html, "Spring fair"), "the event is offered on /submit");
	free(html);
	ck_assert_str_eq(shown, got);
	/* As a customer: the checkbox too. */
	snprintf(path, sizeof path, "/desk/admin/types/%s/preview?org=%s&role=customer", type, slug);
	html = page_of(path, &adm);
	cf_names(html, "admin-preview", got, sizeof got);
	free(html);
	ck_assert_str_eq(got, want_customer);

	/* A visitor files a ticket through the type with every value. */
	char requester[160], title[128];
	snprintf(requester, sizeof requester, "%s-visitor@example.com", slug);
	snprintf(title, sizeof title, "Every field %s", tag);
	char n[NKINDS][96];
	for (int i = 0; i < NKINDS; i++)
		snprintf(n[i], sizeof n[i], "cf_%.60s", keys[i]);
	const char *const extra[][2] = {
		{ n[0], "AB1234" },
		{ n[1], "Two lines\nof text" },
		{ n[2], "2027-03-04" },
		{ n[3], "b" },
		{ n[4], event },
	};
	static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
	upload file = { .field = n[5], .filename = "receipt.pdf", .ctype = "application/pdf", .data = pdf,
		.len = sizeof pdf - 1 };
	char fname[128];
	snprintf(fname, sizeof fname, "Every field %s", tag);
	sform f;
	form_fetch(&f, fname);
	/* A bad pattern first: refused by the field, nothing filed. */
	const char *const bad[][2] = { { n[0], "ab12" } };
	r = submit(&f, &(fill){ .email = requester, .title = title, .extra = bad, .nextra = 1 });
	ck_assert_msg(r.status == 422 && strstr(r.body.data, "class=\"field-error\""), "a value against the pattern: %ld", r.status);
	resp_free(&r);
	form_free(&f);
	form_fetch(&f, fname);
	r = submit(&f, &(fill){ .email = requester, .title = title, .extra = extra, .nextra = 5, .files = &file, .nfiles = 1 });
	ck_assert_msg(is_sent_page(&r), "POST /submit: %ld %.600s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	form_free(&f);
	char *verify = verify_path_for(requester, NULL);
	jar visitor = { 0 };
	dbuf body = csrf_form_of(verify, &visitor);
	r = http("POST", verify, &visitor, E2E_FORM, body.data, body.len);
	ck_status(r, 303, "POST /verify");
	resp_free(&r);
	dbuf_free(&body);
	free(verify);
	char *number = owner_sql("select t.number from tickets t where t.organization_id = $1::uuid and t.title = $2",
	    org, title, NULL);
	ck_assert_msg(number != NULL, "the ticket reached the organization");
	for (int i = 0; i < 5; i++) {
		char *v = owner_sql("select custom_fields->>$2 from tickets where number = $1", number, keys[i], NULL);
		ck_assert_msg(v != NULL, "the ticket has no value for %s", kinds[i].kind);
		if (i == 1)
			ck_assert_str_eq(v, "Two lines\nof text");
		else
			ck_assert_str_eq(v, extra[i][1]);
		free(v);
	}
	char *stored = owner_sql("select custom_fields->>$2 from tickets where number = $1", number, keys[5], NULL);
	ck_assert_msg(stored && strstr(stored, "receipt.pdf"), "the file field names its file: %s", stored ? stored : "none");
	free(stored);

	/* An agent of the organization sees every backend field, the staff-only one too. */
	snprintf(args, sizeof args, "printf 'types agent password 1' | '%s' user add --email '%s' --name 'Types Agent' "
	                            "--password-stdin >/dev/null 2>&1", env_or("SUPPORTDESK_BIN", "build/supportdesk"), agent);
	ck_assert_int_eq(run_sh(args), 0);
	free(owner_sql("insert into memberships (user_id, organization_id, role) select id, $2::uuid, 'agent' from users "
	               "where email = $1::citext returning id", agent, org, NULL));
	jar ag = { 0 };
	resp lp = http("GET", "/login", &ag, NULL, NULL, 0);
	ck_status(lp, 200, "GET /login");
	jar_take(&ag, &lp);
	char *lcsrf = attr_after(lp.body.data, "action=\"/login\"", "value");
	resp_free(&lp);
	char *enc = curl_easy_escape(NULL, agent, 0);
	snprintf(fields, sizeof fields, "email=%s&password=types+agent+password+1", enc);
	curl_free(enc);
	r = post_form("/login", &ag, lcsrf, fields);
	ck_status(r, 303, "POST /login as the agent");
	jar_take(&ag, &r);
	resp_free(&r);
	free(lcsrf);
	snprintf(path, sizeof path, "/desk/tickets/%s", number);
	html = page_of(path, &ag);
	ck_assert_msg(strstr(html, "Field 7 text"), "the staff-only field is in the workspace");
	ck_assert_msg(strstr(html, "value=\"AB1234\""), "the text value is in the workspace");
	ck_assert_msg(strstr(html, "Spring fair"), "the event is named in the workspace");
	free(html);
	/* ... and the customer's page does not show the staff-only field. */
	snprintf(path, sizeof path, "/my/tickets/%s", number);
	html = page_of(path, &visitor);
	ck_assert_msg(!strstr(html, "Field 7 text"), "the staff-only field stays off the customer's page");
	free(html);

	free(number);
	free(event);
	free(org);
	free(type);
	free(csrf);
}
END_TEST

/* POST fields to path as j: the status, and the Location into loc. */
static long post_status(const char *path, jar *j, const char *csrf, const char *fields, char *loc, size_t n)
{
	resp r = post_form(path, j, csrf, fields);
	long st = r.status;
	if (loc) {
		loc[0] = '\0';
		resp_header(&r, "Location", loc, n);
	}
	resp_free(&r);
	return st;
}

/* Every page of /desk/admin through nginx as a new organization's first
 * admin: each section answers 200 and names itself; teams, categories,
 * canned responses, events and settings each refuse bad input by its field
 * (422) and save good input (303 to the saved notice); a block made by
 * wrong passwords is listed and lifted, after which the member signs in;
 * the audit log shows the changes. */
START_TEST(test_every_admin_page)
{
	fresh();
	char slug[96], admin[160], agent[160], args[1024];
	uniq(slug, sizeof slug, "e2e-pages");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(admin, sizeof admin, "%s-admin@example.com", slug);
	snprintf(agent, sizeof agent, "%s-agent@example.com", slug);
	snprintf(args, sizeof args, "org add --name 'Pages Org %s' --slug '%s'", slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'Pages Admin'", slug, admin);
	ck_assert_int_eq(e2e_cli(args), 0);
	char *raw = wait_mail(admin, 30);
	jar adm = { 0 };
	char home[256];
	choose_password(&adm, raw, "pages admin password 1", home, sizeof home);
	free(raw);

	static const struct {
		const char *path, *heading;
	} pages[] = {
		{ "/desk/admin", "Administration" }, { "/desk/admin/types", "Request types" },
		{ "/desk/admin/fields", "Custom fields" }, { "/desk/admin/events", "Events" },
		{ "/desk/admin/sla", "SLA policies" }, { "/desk/admin/categories", "Categories" },
		{ "/desk/admin/canned", "Canned responses" }, { "/desk/admin/teams", "Teams" },
		{ "/desk/admin/members", "Members" }, { "/desk/admin/settings", "Organization settings" },
		{ "/desk/admin/blocks", "Rate-limit blocks" }, { "/desk/admin/audit", "Audit log" },
	};
	char path[512], loc[512], fields[2048];
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
		snprintf(path, sizeof path, "%s?org=%s", pages[i].path, slug);
		char *html = page_of(path, &adm), h1[96];
		snprintf(h1, sizeof h1, "<h1>%s</h1>", pages[i].heading);
		ck_assert_msg(strstr(html, h1), "%s has no %s", pages[i].path, h1);
		free(html);
	}
	snprintf(path, sizeof path, "/desk/admin/teams?org=%s", slug);
	char *csrf = csrf_of(path, &adm);

	/* Each form: bad input refused by its field, then saved. */
	static const struct {
		const char *action, *bad, *good, *done;
	} forms[] = {
		{ "/desk/admin/teams", "name=", "name=Second+line&description=Escalations", "done=created" },
		{ "/desk/admin/categories", "name=Billing&slug=Not+A+Slug", "name=Billing&slug=billing&color=%2310B981&icon=credit-card&active=1",
		  "done=created" },
		{ "/desk/admin/canned", "title=Hello&shortcut=Bad+Shortcut&content=Hi", "title=Hello&shortcut=hello&content=Hello+%7B%7Brequester.name%7D%7D&visibility=public&active=1",
		  "done=created" },
		{ "/desk/admin/events", "name=Fair&starts_at=2031-05-02T09:00&ends_at=2031-05-01T09:00",
		  "name=Fair&starts_at=2031-05-02T09:00&ends_at=2031-05-02T18:00&location=Hall+A&active=1", "done=created" },
		{ "/desk/admin/settings", "ticket_prefix=9bad", "auto_assign=1&email_notifications=1&support_email=&ticket_prefix=PGS",
		  "done=saved" },
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		snprintf(fields, sizeof fields, "org=%s&%s", slug, forms[i].bad);
		resp r = post_form(forms[i].action, &adm, csrf, fields);
		ck_assert_msg(r.status == 422 && strstr(r.body.data, "class=\"field-error\""), "%s with bad input: %ld",
		    forms[i].action, r.status);
		resp_free(&r);
		snprintf(fields, sizeof fields, "org=%s&%s", slug, forms[i].good);
		ck_assert_int_eq(post_status(forms[i].action, &adm, csrf, fields, loc, sizeof loc), 303);
		ck_assert_msg(strstr(loc, forms[i].done), "%s: Location %s", forms[i].action, loc);
	}
	char *org = owner_sql("select id from organizations where slug = $1", slug, NULL, NULL);
	char *saved = owner_sql("select concat_ws('|', (select count(*) from teams where organization_id = $1::uuid), "
	                        "(select slug from categories where organization_id = $1::uuid), "
	                        "(select shortcut from canned_responses where organization_id = $1::uuid), "
	                        "(select location from events where organization_id = $1::uuid), "
	                        "(select ticket_prefix from organization_settings where organization_id = $1::uuid))",
	    org, NULL, NULL);
	ck_assert_str_eq(saved, "1|billing|hello|Hall A|PGS");
	free(saved);

	/* A member blocked by wrong passwords: listed, lifted, then signed in. */
	snprintf(args, sizeof args, "printf 'pages agent password 1' | '%s' user add --email '%s' --name 'Pages Agent' "
	                            "--password-stdin >/dev/null 2>&1", env_or("SUPPORTDESK_BIN", "build/supportdesk"), agent);
	ck_assert_int_eq(run_sh(args), 0);
	free(owner_sql("insert into memberships (user_id, organization_id, role) select id, $2::uuid, 'agent' from users "
	               "where email = $1::citext returning id", agent, org, NULL));
	long per_email = strtol(env_or("SUPPORTDESK_RATE_LOGIN_EMAIL", "10/600"), NULL, 10);
	jar ag = { 0 };
	resp lp = http("GET", "/login", &ag, NULL, NULL, 0);
	ck_status(lp, 200, "GET /login");
	jar_take(&ag, &lp);
	char *lcsrf = attr_after(lp.body.data, "action=\"/login\"", "value");
	resp_free(&lp);
	char *enc = curl_easy_escape(NULL, agent, 0);
	long last = 0;
	for (long i = 0; i <= per_email; i++) {
		snprintf(fields, sizeof fields, "email=%s&password=not+the+password", enc);
		last = post_status("/login", &ag, lcsrf, fields, NULL, 0);
	}
	ck_assert_int_eq(last, 429);
	snprintf(path, sizeof path, "/desk/admin/blocks?org=%s", slug);
	char *html = page_of(path, &adm);
	ck_assert_msg(strstr(html, agent), "the blocked member is listed");
	const char *k = strstr(html, "name=\"key\" value=\"");
	ck_assert_ptr_nonnull(k);
	k += strlen("name=\"key\" value=\"");
	char keyv[256];
	snprintf(keyv, sizeof keyv, "%.*s", (int)strcspn(k, "\""), k);
	free(html);
	char *kenc = curl_easy_escape(NULL, keyv, 0);
	snprintf(fields, sizeof fields, "org=%s&key=%s", slug, kenc);
	curl_free(kenc);
	ck_assert_int_eq(post_status("/desk/admin/blocks/lift", &adm, csrf, fields, NULL, 0), 303);
	snprintf(fields, sizeof fields, "email=%s&password=pages+agent+password+1", enc);
	curl_free(enc);
	ck_assert_int_eq(post_status("/login", &ag, lcsrf, fields, NULL, 0), 303);
	free(lcsrf);

	/* The audit log has seen it all. */
	snprintf(path, sizeof path, "/desk/admin/audit?org=%s", slug);
	html = page_of(path, &adm);
	static const char *const seen[] = { "Team", "Category", "Canned response", "Event", "Settings", "Rate-limit block" };
	for (size_t i = 0; i < sizeof seen / sizeof *seen; i++)
		ck_assert_msg(strstr(html, seen[i]), "the audit log names no \"%s\"", seen[i]);
	free(html);
	free(org);
	free(csrf);
}
END_TEST

Suite *admin_e2e_suite(void)
{
	Suite *s = suite_create("admin_e2e");
	TCase *tc = tcase_create("admin_e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_provision_invite_deactivate);
	tcase_add_test(tc, test_type_with_every_field_kind);
	tcase_add_test(tc, test_every_admin_page);
	suite_add_tcase(s, tc);
	return s;
}
