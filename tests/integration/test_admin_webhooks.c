/* test_admin_webhooks.c: the webhooks section (/desk/admin/webhooks)
 * through the in-process harness against the real PostgreSQL and Redis:
 * who gets in (visitors to /login, customers and agents 404, another
 * organization's webhook 404 and unchanged), CSRF (403, nothing made),
 * bad input (422 with the message by its field: a scheme other than http
 * and https, a user:password@, no event), creation (the secret shown once,
 * stored sealed, never in the audit), editing, rotation, the test event
 * and deletion, and that a ticket change queues exactly one delivery per
 * matching subscription. Registered from test_integration.c's main() as
 * the suite "admin_webhooks". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration/istaff.h"
#include "integration/itest.h"

typedef staff_orgs fixture;

static void setup(fixture *f)
{
	staff_orgs_setup(f, "hook");
}

static void teardown(fixture *f)
{
	staff_orgs_teardown(f);
}

static char *owner_hook(const char *org, const char *url)
{
	char *id = owner3("insert into webhooks (organization_id, url, events, secret_sealed) "
	                  "values ($1::uuid, $2, '{ticket.updated}', 'sealed') returning id",
	    org, url, NULL);
	ck_assert_ptr_nonnull(id);
	return id;
}

#define GOOD "url=https%%3A%%2F%%2Fhooks.example.com%%2Fsd&event_ticket_created=1&event_ticket_updated=1&active=1"

START_TEST(webhooks_access)
{
	fixture f;
	setup(&f);
	harness_response r;
	get(f.a, "/desk/admin/webhooks", NULL, &r);
	ck_assert_int_eq(r.status, 303);
	harness_response_free(&r);

	char *theirs = owner_hook(f.other, "https://theirs.example/");
	char *customer = new_user("hook-customer", NULL, 0);
	browser cust, ag;
	sign_in(f.a, customer, &cust);
	sign_in(f.a, f.agent, &ag);
	char uri[256], fields[1024];
	const browser *who[2] = { &cust, &ag };
	for (int k = 0; k < 2; k++) {
		snprintf(uri, sizeof uri, "/desk/admin/webhooks?org=%s", f.slug);
		get(f.a, uri, who[k]->cookie, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
		snprintf(fields, sizeof fields, "org=%s&" GOOD, f.slug);
		post_as(f.a, "/desk/admin/webhooks", who[k], fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	assert_owner("select count(*) from webhooks where organization_id = $1::uuid", f.org, NULL, "0");

	/* Another organization's: by slug, or its webhook's id under ours. */
	snprintf(uri, sizeof uri, "/desk/admin/webhooks?org=%s", f.other_slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s?org=%s", theirs, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);
	const char *actions[] = { "", "/rotate", "/test", "/delete" };
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++) {
		snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s%s", theirs, actions[i]);
		snprintf(fields, sizeof fields, "org=%s&" GOOD, f.slug);
		post_as(f.a, uri, &f.adm, fields, &r);
		assert_status(&r, 404);
		harness_response_free(&r);
	}
	assert_owner("select url || secret_sealed from webhooks where id = $1::uuid", theirs, NULL,
	    "https://theirs.example/sealed");
	assert_owner("select count(*) from webhook_deliveries where webhook_id = $1::uuid", theirs, NULL, "0");
	get(f.a, "/desk/admin/webhooks/not-a-uuid", f.adm.cookie, &r);
	assert_status(&r, 404);
	harness_response_free(&r);

	/* A foreign token: 403, nothing made. */
	snprintf(fields, sizeof fields, "_csrf=%s&org=%s&" GOOD, ag.csrf, f.slug);
	post_form(f.a, "/desk/admin/webhooks", f.adm.cookie, fields, &r);
	assert_status(&r, 403);
	harness_response_free(&r);
	assert_owner("select count(*) from webhooks where organization_id = $1::uuid", f.org, NULL, "0");

	snprintf(uri, sizeof uri, "/desk/admin/webhooks?org=%s", f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "There are no webhooks yet.");
	assert_has(&r, "aria-current=\"page\">Webhooks</a>");
	assert_lacks(&r, "theirs.example");
	harness_response_free(&r);
	free(theirs);
	free(customer);
	free(cust.cookie);
	free(ag.cookie);
	teardown(&f);
}
END_TEST

START_TEST(webhooks_validate)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024];
	static const struct {
		const char *form;
		const char *message;
	} cases[] = {
		{ "url=ftp%3A%2F%2Fx.example%2F&event_ticket_created=1", "starting with https://" },
		{ "url=https%3A%2F%2Fu%3Ap%40x.example%2F&event_ticket_created=1", "may not carry a user name" },
		{ "url=https%3A%2F%2Fx.example%3A99999%2F&event_ticket_created=1", "The port must be" },
		{ "url=&event_ticket_created=1", "Enter the address" },
		{ "url=https%3A%2F%2Fx.example%2Fkeep-me", "Choose at least one event" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(fields, sizeof fields, "org=%s&%s", f.slug, cases[i].form);
		post_as(f.a, "/desk/admin/webhooks", &f.adm, fields, &r);
		assert_status(&r, 422);
		assert_has(&r, cases[i].message);
		harness_response_free(&r);
	}
	/* what was typed is kept */
	snprintf(fields, sizeof fields, "org=%s&url=https%%3A%%2F%%2Fx.example%%2Fkeep-me", f.slug);
	post_as(f.a, "/desk/admin/webhooks", &f.adm, fields, &r);
	assert_has(&r, "value=\"https://x.example/keep-me\"");
	harness_response_free(&r);
	assert_owner("select count(*) from webhooks where organization_id = $1::uuid", f.org, NULL, "0");
	/* a scheme in capitals is still http(s): accepted by the page and the table alike */
	snprintf(fields, sizeof fields, "org=%s&url=HTTPS%%3A%%2F%%2FX.example%%2F&event_sla_breached=1", f.slug);
	post_as(f.a, "/desk/admin/webhooks", &f.adm, fields, &r);
	assert_status(&r, 201);
	harness_response_free(&r);
	assert_owner("select url from webhooks where organization_id = $1::uuid", f.org, NULL, "HTTPS://X.example/");
	teardown(&f);
}
END_TEST

/* The secret in a page: "whsec_" and 43 base64url characters, malloc'd. */
static char *secret_in(const harness_response *r)
{
	const char *p = strstr(r->body, "whsec_");
	ck_assert_msg(p != NULL, "no secret in the page");
	return strndup(p, 49);
}

START_TEST(webhooks_lifecycle)
{
	fixture f;
	setup(&f);
	harness_response r;
	char fields[1024], uri[256];
	snprintf(fields, sizeof fields, "org=%s&" GOOD, f.slug);
	post_as(f.a, "/desk/admin/webhooks", &f.adm, fields, &r);
	assert_status(&r, 201);
	assert_has(&r, "it is not shown again");
	char *cc = harness_header(&r, "Cache-Control");
	ck_assert_msg(cc && strcmp(cc, "no-store") == 0, "the page with the secret is not stored: %s", cc ? cc : "(none)");
	free(cc);
	char *secret = secret_in(&r);
	harness_response_free(&r);
	char *id = owner3("select id from webhooks where organization_id = $1::uuid", f.org, NULL, NULL);
	ck_assert_ptr_nonnull(id);
	/* stored sealed: not the secret, not a hash of it either */
	assert_owner("select (strpos(secret_sealed, $2) = 0 and length(secret_sealed) > 60)::text from webhooks "
	             "where id = $1::uuid", id, secret, "true");
	assert_owner("select count(*) from config_audit where entity = 'webhook' and entity_id = $1 "
	             "and (after::text like '%secret%' or after::text like '%whsec_%')", id, NULL, "0");
	assert_owner("select count(*) from config_audit where entity = 'webhook' and entity_id = $1 and action = 'insert'",
	    id, NULL, "1");

	/* the page shows it without the secret */
	snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s?org=%s", id, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "https://hooks.example.com/sd");
	assert_lacks(&r, "whsec_");
	assert_has(&r, "Nothing was sent to it yet.");
	harness_response_free(&r);

	/* edit: events, URL, inactive, internal allowed */
	snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s", id);
	snprintf(fields, sizeof fields, "org=%s&url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fx&event_message_added=1"
	         "&allow_internal=1", f.slug);
	post_as(f.a, uri, &f.adm, fields, &r);
	char want[256];
	snprintf(want, sizeof want, "/desk/admin/webhooks/%s?org=%s&done=saved", id, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select url || ' ' || array_to_string(events, ',') || ' ' || is_active || allow_internal "
	             "from webhooks where id = $1::uuid", id, NULL, "http://127.0.0.1:9/x message.added falsetrue");

	/* rotate: a new secret, once */
	snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s/rotate", id);
	snprintf(fields, sizeof fields, "org=%s", f.slug);
	char *sealed_before = owner3("select secret_sealed from webhooks where id = $1::uuid", id, NULL, NULL);
	post_as(f.a, uri, &f.adm, fields, &r);
	assert_status(&r, 200);
	char *secret2 = secret_in(&r);
	ck_assert_str_ne(secret, secret2);
	harness_response_free(&r);
	assert_owner("select (secret_sealed <> $2)::text from webhooks where id = $1::uuid", id, sealed_before, "true");
	assert_owner("select count(*) from config_audit where entity = 'webhook' and entity_id = $1 "
	             "and after @> '{\"secret_rotated\": true}'", id, NULL, "1");

	/* the test event: one ping, shown among the deliveries */
	snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s/test", id);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/webhooks/%s?org=%s&done=test_sent", id, f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select count(*) from webhook_deliveries where webhook_id = $1::uuid and event = 'ping'", id, NULL, "1");
	snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s?org=%s&done=test_sent", id, f.slug);
	get(f.a, uri, f.adm.cookie, &r);
	assert_status(&r, 200);
	assert_has(&r, "A test event (ping) is queued");
	assert_has(&r, "<code>ping</code>");
	harness_response_free(&r);

	/* delete: gone with its deliveries */
	snprintf(uri, sizeof uri, "/desk/admin/webhooks/%s/delete", id);
	post_as(f.a, uri, &f.adm, fields, &r);
	snprintf(want, sizeof want, "/desk/admin/webhooks?org=%s&done=deleted", f.slug);
	assert_redirect(&r, want);
	harness_response_free(&r);
	assert_owner("select count(*) from webhooks where id = $1::uuid", id, NULL, "0");
	assert_owner("select count(*) from webhook_deliveries where webhook_id = $1::uuid", id, NULL, "0");
	free(sealed_before);
	free(secret);
	free(secret2);
	free(id);
	teardown(&f);
}
END_TEST

START_TEST(webhooks_one_delivery_per_subscription)
{
	fixture f;
	setup(&f);
	char *all = owner3("insert into webhooks (organization_id, url, events, secret_sealed) values ($1::uuid, "
	                   "'https://a.example/', '{ticket.created,ticket.updated,message.added}', 's') returning id",
	    f.org, NULL, NULL);
	char *msgs = owner3("insert into webhooks (organization_id, url, events, secret_sealed) values ($1::uuid, "
	                    "'https://b.example/', '{message.added}', 's') returning id",
	    f.org, NULL, NULL);
	char *off = owner3("insert into webhooks (organization_id, url, events, secret_sealed, is_active) values "
	                   "($1::uuid, 'https://c.example/', '{ticket.created,ticket.updated}', 's', false) returning id",
	    f.org, NULL, NULL);
	char *theirs = owner_hook(f.other, "https://theirs.example/");
	char *ticket = owner3("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                      "description) values ($1::uuid, 'organization', $2::uuid, $2::uuid, 'Hooked', 'x') returning id",
	    f.agent, f.org, NULL);
	ck_assert_ptr_nonnull(ticket);
	assert_owner("select string_agg(w.url || ' ' || d.event, ';' order by w.url) from webhook_deliveries d "
	             "join webhooks w on w.id = d.webhook_id where d.payload->'data'->'ticket'->>'id' = $1",
	    ticket, NULL, "https://a.example/ ticket.created");
	free(owner3("with u as (update tickets set priority = 'urgent' where id = $1::uuid returning 1) select 1",
	    ticket, NULL, NULL));
	assert_owner("select count(*) from webhook_deliveries where event = 'ticket.updated' "
	             "and payload->'data'->'ticket'->>'id' = $1", ticket, NULL, "1");
	free(owner3("with m as (insert into ticket_messages (ticket_id, author_id, body) values ($1::uuid, $2::uuid, 'hi') "
	            "returning 1) select 1", ticket, f.agent, NULL));
	assert_owner("select string_agg(w.url, ' ' order by w.url) from webhook_deliveries d join webhooks w "
	             "on w.id = d.webhook_id where d.event = 'message.added' and d.payload->'data'->'ticket'->>'id' = $1",
	    ticket, NULL, "https://a.example/ https://b.example/");
	assert_owner("select count(*) from webhook_deliveries where webhook_id in ($1::uuid, $2::uuid)", off, theirs, "0");
	free(all);
	free(msgs);
	free(off);
	free(theirs);
	free(ticket);
	teardown(&f);
}
END_TEST

Suite *admin_webhooks_suite(void)
{
	Suite *s = suite_create("admin_webhooks");
	TCase *tc = tcase_create("webhooks");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, webhooks_access);
	tcase_add_test(tc, webhooks_validate);
	tcase_add_test(tc, webhooks_lifecycle);
	tcase_add_test(tc, webhooks_one_delivery_per_subscription);
	suite_add_tcase(s, tc);
	return s;
}
