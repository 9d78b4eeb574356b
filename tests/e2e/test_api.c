/* test_api.c: the REST API end to end, through nginx with libcurl: an
 * organization's first admin (from `supportdesk org add|provision` and the
 * emailed link) creates a key on /desk/admin/api-keys; with it the API lists
 * tickets, creates one with custom fields, replies, adds a note and closes
 * it; the desk and the requester's portal show the same; a key of a second
 * organization, made with `supportdesk api-key add`, gets 404 on it. And
 * customers and an attachment's download (test_api_customers_and_attachments).
 *
 * Registered from test_e2e.c's main() as the suite "api_e2e". */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_staff.h"

Suite *api_e2e_suite(void);


/* The first line the command prints (malloc'd), NULL when it fails. */
static char *cli_out(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", env_or("SUPPORTDESK_BIN", "build/supportdesk"), args);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[512] = "";
	char *got = fgets(line, sizeof line, p);
	int rc = pclose(p);
	if (!got || rc != 0)
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return strdup(line);
}

/* One API request through nginx: method, path, the key, a JSON body (or
 * NULL) and one more header line (or NULL). */
static resp api(const char *method, const char *path, const char *key, const char *json, const char *header)
{
	resp r = { 0 };
	CURL *c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	char url[2048], line[512];
	snprintf(url, sizeof url, "%s%s", base(), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, resp_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, resp_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
	struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
	snprintf(line, sizeof line, "Authorization: Bearer %s", key);
	hl = curl_slist_append(hl, line);
	if (json) {
		hl = curl_slist_append(hl, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
	}
	if (header)
		hl = curl_slist_append(hl, header);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	r.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	dbuf_add(&r.body, "", 0);
	dbuf_add(&r.headers, "", 0);
	return r;
}

static bool has(const resp *r, const char *needle)
{
	return r->body.data && strstr(r->body.data, needle);
}

/* A JSON string member's value (no escapes in what we look for), malloc'd. */
static char *member(const resp *r, const char *name)
{
	char pat[80];
	snprintf(pat, sizeof pat, "\"%s\":\"", name);
	const char *p = r->body.data ? strstr(r->body.data, pat) : NULL;
	if (!p)
		return NULL;
	p += strlen(pat);
	return strndup(p, strcspn(p, "\""));
}

START_TEST(test_api_acceptance_flow)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200");
	char slug[96], other[96], admin[160], args[1024];
	uniq(slug, sizeof slug, "e2e-api");
	uniq(other, sizeof other, "e2e-api2");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (char *c = other; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(admin, sizeof admin, "%s-admin@example.com", slug);
	snprintf(args, sizeof args, "org add --name 'E2E API %s' --slug '%s'", slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org add --name 'E2E API other %s' --slug '%s'", other, other);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'API Admin'", slug, admin);
	ck_assert_int_eq(e2e_cli(args), 0);
	char *raw = wait_mail(admin, 30);
	jar adm = { 0 };
	choose_password(&adm, raw, "api admin password 1", NULL, 0);
	free(raw);
	/* A request type of the organization with a required custom field. */
	char *type = owner_sql("insert into request_types (organization_id, name, default_routing, allowed_roles) "
	                       "select id, 'E2E API type', 'organization', array['anonymous','customer'] "
	                       "from organizations where slug = $1 returning id", slug, NULL, NULL);
	ck_assert_ptr_nonnull(type);
	char fkey[64];
	snprintf(fkey, sizeof fkey, "e2e_order_%s", slug + strlen(slug) - 6);
	for (char *c = fkey; *c; c++)
		if (*c == '-')
			*c = '_';
	char *field = owner_sql("with f as (insert into field_definitions (field_key, label, field_type, is_required) "
	                        "values ($1, 'Order number', 'text', true) returning id) "
	                        "insert into field_visibility_rules (field_definition_id, request_type_ids) "
	                        "select id, array[$2::uuid] from f returning field_definition_id",
	    fkey, type, NULL);
	ck_assert_ptr_nonnull(field);

	/* The key, made on the admin page and shown once. */
	char page[256], fields[512];
	snprintf(page, sizeof page, "/desk/admin/api-keys?org=%s", slug);
	char *csrf = csrf_of(page, &adm);
	snprintf(fields, sizeof fields, "org=%s&name=E2E+sync&scope=tickets%%3Aread&scope=tickets%%3Awrite"
	    "&scope=messages%%3Awrite", slug);
	resp r = post_form("/desk/admin/api-keys", &adm, csrf, fields);
	ck_status(r, 200, "POST /desk/admin/api-keys");
	char *key = attr_after(r.body.data, "id=\"f-new-key\"", "value");
	ck_assert_msg(key && strncmp(key, "sdk_", 4) == 0, "no key shown: %.500s", r.body.data);
	resp_free(&r);
	r = http("GET", page, &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET the keys again");
	ck_assert_msg(!strstr(r.body.data, key + 37), "the secret is shown once only");
	ck_assert_msg(strstr(r.body.data, "E2E sync"), "the key is listed");
	resp_free(&r);

	/* List, create with custom fields, reply, note, close. */
	r = api("GET", "/api/v1/tickets", key, NULL, NULL);
	ck_status(r, 200, "GET /api/v1/tickets");
	ck_assert_msg(has(&r, "\"items\":[]"), "a new organization has no tickets: %s", r.body.data);
	resp_free(&r);
	dbuf body = { 0 };
	dbuf_addf(&body, "{\"request_type\":\"%s\",\"title\":\"E2E API ticket\",\"description\":\"Made with curl "
	    "through nginx.\",\"requester\":{\"email\":\"%s\"},\"custom_fields\":{\"%s\":\"A-1001\"}}", type, admin, fkey);
	r = api("POST", "/api/v1/tickets", key, body.data, "Idempotency-Key: e2e-1");
	ck_status(r, 201, "POST /api/v1/tickets");
	char *number = member(&r, "number");
	ck_assert_ptr_nonnull(number);
	ck_assert_msg(has(&r, "\"source\":\"api\"") && has(&r, "A-1001"), "%s", r.body.data);
	resp_free(&r);
	r = api("POST", "/api/v1/tickets", key, body.data, "Idempotency-Key: e2e-1");
	ck_status(r, 201, "the same POST again");
	char *again = member(&r, "number");
	ck_assert_str_eq(again, number);
	resp_free(&r);
	dbuf_free(&body);
	char path[256];
	snprintf(path, sizeof path, "/api/v1/tickets/%s/messages", number);
	r = api("POST", path, key, "{\"body\":\"E2E public reply\"}", NULL);
	ck_status(r, 201, "POST a reply");
	resp_free(&r);
	r = api("POST", path, key, "{\"body\":\"E2E internal note\",\"internal\":true}", NULL);
	ck_status(r, 201, "POST a note");
	resp_free(&r);
	snprintf(path, sizeof path, "/api/v1/tickets/%s", number);
	r = api("PATCH", path, key, "{\"status\":\"closed\"}", NULL);
	ck_status(r, 428, "PATCH without If-Match");
	ck_assert_msg(has(&r, "/api/v1/problems/precondition-required"), "%s", r.body.data);
	resp_free(&r);
	r = api("GET", path, key, NULL, NULL);
	ck_status(r, 200, "GET the ticket");
	char etag[64];
	ck_assert(resp_header(&r, "ETag", etag, sizeof etag));
	resp_free(&r);
	char im[96];
	snprintf(im, sizeof im, "If-Match: %s", etag);
	r = api("PATCH", path, key, "{\"status\":\"closed\"}", im);
	ck_status(r, 200, "PATCH status closed");
	ck_assert_msg(has(&r, "\"status\":\"closed\""), "%s", r.body.data);
	resp_free(&r);

	/* The desk and the requester's portal show the same. */
	snprintf(page, sizeof page, "/desk/tickets/%s", number);
	r = http("GET", page, &adm, NULL, NULL, 0);
	ck_status(r, 200, "the desk's workspace");
	ck_assert_msg(strstr(r.body.data, "E2E public reply") && strstr(r.body.data, "E2E internal note") &&
	        strstr(r.body.data, "A-1001"), "the workspace shows the reply, the note and the field");
	resp_free(&r);
	snprintf(page, sizeof page, "/my/tickets/%s", number);
	r = http("GET", page, &adm, NULL, NULL, 0);
	ck_status(r, 200, "the requester's portal");
	ck_assert_msg(strstr(r.body.data, "E2E public reply"), "the portal shows the reply");
	ck_assert_msg(!strstr(r.body.data, "E2E internal note"), "the portal never shows the note");
	ck_assert_msg(strstr(r.body.data, "Closed") || strstr(r.body.data, "closed"), "the portal shows it closed");
	resp_free(&r);

	/* A second organization's key, from the command line: 404. */
	snprintf(args, sizeof args, "api-key add --org '%s' --name 'Other' --scope tickets:read --scope tickets:write", other);
	char *other_key = cli_out(args);
	ck_assert_msg(other_key && strncmp(other_key, "sdk_", 4) == 0, "api-key add printed %s", other_key ? other_key : "");
	r = api("GET", path, other_key, NULL, NULL);
	ck_status(r, 404, "another organization's key");
	ck_assert_msg(has(&r, "/api/v1/problems/not-found"), "%s", r.body.data);
	char ctype[80];
	ck_assert(resp_header(&r, "Content-Type", ctype, sizeof ctype));
	ck_assert_str_eq(ctype, "application/problem+json");
	resp_free(&r);
	r = api("PATCH", path, other_key, "{\"status\":\"open\"}", "If-Match: *");
	ck_status(r, 404, "another organization's key may not change it");
	resp_free(&r);
	char *status = owner_sql("select status from tickets where number = $1", number, NULL, NULL);
	ck_assert_str_eq(status, "closed");
	snprintf(args, sizeof args, "api-key add --org '%s' --name 'Bad' --scope tickets:delete", other);
	ck_assert_int_eq(e2e_cli(args), 2);
	free(status);
	free(other_key);
	free(again);
	free(number);
	free(key);
	free(csrf);
	free(field);
	free(type);
}
END_TEST

/* Customers and attachments: a key from the command line finds the
 * requester of a ticket by address, creates a customer (201, then 409 for
 * the same address), lists the customer's tickets, and downloads a file of
 * the ticket's reply through nginx with its name, type and nosniff. */
START_TEST(test_api_customers_and_attachments)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200");
	char slug[96], args[1024], requester[160], fresh[200];
	uniq(slug, sizeof slug, "e2e-apic");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(requester, sizeof requester, "%s-req@example.com", slug);
	snprintf(fresh, sizeof fresh, "%s-new@example.com", slug);
	snprintf(args, sizeof args, "org add --name 'E2E API customers %s' --slug '%s'", slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s-admin@example.com' --admin-name 'Admin'",
	    slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	char *type = owner_sql("insert into request_types (organization_id, name, default_routing, allowed_roles) "
	                       "select id, 'E2E API customers type', 'organization', array['anonymous','customer'] "
	                       "from organizations where slug = $1 returning id", slug, NULL, NULL);
	ck_assert_ptr_nonnull(type);
	snprintf(args, sizeof args, "api-key add --org '%s' --name 'CRM' --scope tickets:read --scope tickets:write "
	    "--scope messages:write --scope customers:read", slug);
	char *key = cli_out(args);
	ck_assert_msg(key && strncmp(key, "sdk_", 4) == 0, "api-key add printed %s", key ? key : "");

	dbuf body = { 0 };
	dbuf_addf(&body, "{\"request_type\":\"%s\",\"title\":\"E2E customer ticket\",\"description\":\"Their first "
	    "request, through nginx.\",\"requester\":{\"email\":\"%s\",\"name\":\"E2E Requester\"}}", type, requester);
	resp r = api("POST", "/api/v1/tickets", key, body.data, NULL);
	ck_status(r, 201, "POST /api/v1/tickets");
	char *number = member(&r, "number");
	ck_assert_ptr_nonnull(number);
	resp_free(&r);
	dbuf_free(&body);

	/* Found by address (another case), then their tickets. */
	char path[512], upper[160];
	snprintf(upper, sizeof upper, "%s", requester);
	for (char *c = upper; *c && *c != '@'; c++)
		*c = (char)toupper((unsigned char)*c);
	snprintf(path, sizeof path, "/api/v1/customers?email=%s", upper);
	r = api("GET", path, key, NULL, NULL);
	ck_status(r, 200, "GET /api/v1/customers?email=");
	ck_assert_msg(has(&r, "\"name\":\"E2E Requester\""), "%s", r.body.data);
	char *cid = member(&r, "id");
	char *tickets = member(&r, "tickets");
	ck_assert_ptr_nonnull(cid);
	ck_assert_ptr_nonnull(tickets);
	resp_free(&r);
	r = api("GET", tickets, key, NULL, NULL);
	ck_status(r, 200, "GET the customer's tickets");
	ck_assert_msg(has(&r, number) && has(&r, "\"next\":null"), "%s", r.body.data);
	resp_free(&r);

	/* Created, then the same address again. */
	dbuf_addf(&body, "{\"email\":\"%s\",\"name\":\"E2E New\"}", fresh);
	r = api("POST", "/api/v1/customers", key, body.data, NULL);
	ck_status(r, 201, "POST /api/v1/customers");
	char loc[256];
	ck_assert(resp_header(&r, "Location", loc, sizeof loc));
	ck_assert_msg(strncmp(loc, "/api/v1/customers/", 18) == 0, "Location %s", loc);
	resp_free(&r);
	r = api("POST", "/api/v1/customers", key, body.data, NULL);
	ck_status(r, 409, "the same customer again");
	char loc2[256];
	ck_assert(resp_header(&r, "Location", loc2, sizeof loc2));
	ck_assert_str_eq(loc2, loc);
	ck_assert_msg(has(&r, "/api/v1/problems/customer-exists"), "%s", r.body.data);
	resp_free(&r);
	dbuf_free(&body);
	r = api("GET", loc, key, NULL, NULL);
	ck_status(r, 200, "GET the new customer");
	ck_assert_msg(has(&r, fresh), "%s", r.body.data);
	resp_free(&r);

	/* A reply with a file in base64, stored as a form's upload is, listed
	 * and downloaded through nginx. */
	snprintf(path, sizeof path, "/api/v1/tickets/%s/messages", number);
	r = api("POST", path, key, "{\"body\":\"Your invoice is attached.\",\"attachments\":[{\"filename\":"
	                           "\"Rechnung M\xc3\xa4rz.txt\",\"data\":\"RTJFIGludm9pY2UgYnl0ZXM=\"}]}", NULL);
	ck_status(r, 201, "POST a reply with a file");
	char *message = member(&r, "id");
	resp_free(&r);
	char *att = owner_sql("select id::text from attachments where message_id = $1::uuid", message, NULL, NULL);
	ck_assert_ptr_nonnull(att);
	r = api("GET", path, key, NULL, NULL);
	ck_status(r, 200, "GET the messages");
	char url[512];
	snprintf(url, sizeof url, "/api/v1/tickets/%s/attachments/%s", number, att);
	ck_assert_msg(has(&r, url) && has(&r, "\"size\":17"), "%s", r.body.data);
	resp_free(&r);
	r = api("GET", url, key, NULL, NULL);
	ck_status(r, 200, "GET the attachment");
	ck_assert_msg(r.body.data && strcmp(r.body.data, "E2E invoice bytes") == 0, "body %s", r.body.data);
	char h[512];
	ck_assert(resp_header(&r, "Content-Type", h, sizeof h));
	ck_assert_str_eq(h, "text/plain");
	ck_assert(resp_header(&r, "Content-Disposition", h, sizeof h));
	ck_assert_msg(strncmp(h, "attachment;", 11) == 0 && strstr(h, "filename*=UTF-8''Rechnung%20M%C3%A4rz.txt"),
	    "Content-Disposition %s", h);
	ck_assert(resp_header(&r, "X-Content-Type-Options", h, sizeof h));
	ck_assert_str_eq(h, "nosniff");
	resp_free(&r);
	snprintf(path, sizeof path, "/api/v1/tickets/%s/attachments/00000000-0000-4000-8000-000000000000", number);
	r = api("GET", path, key, NULL, NULL);
	ck_status(r, 404, "an attachment not on the ticket");
	resp_free(&r);
	free(att);
	free(message);
	free(cid);
	free(tickets);
	free(number);
	free(key);
	free(type);
}
END_TEST

Suite *api_e2e_suite(void)
{
	Suite *s = suite_create("api_e2e");
	TCase *tc = tcase_create("api_e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_api_acceptance_flow);
	tcase_add_test(tc, test_api_customers_and_attachments);
	suite_add_tcase(s, tc);
	return s;
}
