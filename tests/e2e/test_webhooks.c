/* test_webhooks.c: webhooks end to end, through nginx with libcurl and the
 * real mailer of `supportdesk serve` delivering to a receiver on loopback
 * (tests/e2e/webhook_receiver.py, started here). An organization's admin
 * creates three webhooks on /desk/admin/webhooks: one for every event with
 * internal addresses allowed, one to a path answering 500 (allowed too),
 * one to the same loopback receiver without the permission. A ticket is
 * created, updated, replied to and breaches its SLA: the first receiver
 * gets each event exactly once, signed (HMAC-SHA-256 over "t.body" with
 * the secret the page showed once, t within 5 minutes); the failing one
 * gets the retries (backoff shortened through system_settings) and then
 * shows "Failed permanently" with response 500 on the admin page; the
 * third is refused before any connection (SSRF) and the receiver never
 * hears of it. Every wait polls with a generous deadline.
 *
 * Registered from test_e2e.c's main() as the suite "webhooks_e2e". */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e/e2e_staff.h"

Suite *webhooks_e2e_suite(void);


/* ---- the receiver ---- */

typedef struct {
	char dir[256];
	pid_t pid;
	int port;
} receiver;

static void receiver_start(receiver *rc)
{
	snprintf(rc->dir, sizeof rc->dir, "%s/webhooks-%d-%ld", env_or("TMPDIR", "/tmp"), (int)getpid(), (long)time(NULL));
	char cmd[600];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", rc->dir);
	ck_assert_int_eq(run_sh(cmd), 0);
	rc->pid = fork();
	ck_assert_int_ge(rc->pid, 0);
	if (rc->pid == 0) {
		execlp("python3", "python3", "tests/e2e/webhook_receiver.py", rc->dir, (char *)NULL);
		_exit(127);
	}
	char path[300];
	snprintf(path, sizeof path, "%s/port", rc->dir);
	double until = mono_s() + 30;
	size_t len = 0;
	char *port = NULL;
	while (!(port = slurp(path, &len)) && mono_s() < until)
		nap_ms(50);
	ck_assert_msg(port != NULL, "the receiver did not start (python3 tests/e2e/webhook_receiver.py)");
	rc->port = atoi(port);
	free(port);
	ck_assert_int_gt(rc->port, 0);
}

static void receiver_stop(receiver *rc)
{
	if (rc->pid > 0) {
		kill(rc->pid, SIGTERM);
		waitpid(rc->pid, NULL, 0);
	}
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", rc->dir);
	run_sh(cmd);
}

typedef struct {
	char path[64], event[32], delivery[40], signature[160], content_type[64];
	char *body;
} hit;

/* Every request received so far, in order (up to cap). */
static int receiver_hits(const receiver *rc, hit *out, int cap)
{
	int n = 0;
	for (int i = 1; i < 1000 && n < cap; i++) {
		char path[300];
		snprintf(path, sizeof path, "%s/%04d.json", rc->dir, i);
		size_t len;
		char *raw = slurp(path, &len);
		if (!raw)
			break;
		json_error_t err;
		json_t *o = json_loads(raw, 0, &err);
		free(raw);
		ck_assert_msg(o != NULL, "record %s: %s", path, err.text);
		hit *h = &out[n++];
		memset(h, 0, sizeof *h);
		const char *s;
		if ((s = json_string_value(json_object_get(o, "path"))))
			snprintf(h->path, sizeof h->path, "%s", s);
		if ((s = json_string_value(json_object_get(o, "event"))))
			snprintf(h->event, sizeof h->event, "%s", s);
		if ((s = json_string_value(json_object_get(o, "delivery"))))
			snprintf(h->delivery, sizeof h->delivery, "%s", s);
		if ((s = json_string_value(json_object_get(o, "signature"))))
			snprintf(h->signature, sizeof h->signature, "%s", s);
		if ((s = json_string_value(json_object_get(o, "content_type"))))
			snprintf(h->content_type, sizeof h->content_type, "%s", s);
		h->body = strdup(json_string_value(json_object_get(o, "body")) ? json_string_value(json_object_get(o, "body")) : "");
		json_decref(o);
	}
	return n;
}

static void hits_free(hit *h, int n)
{
	for (int i = 0; i < n; i++)
		free(h[i].body);
}

/* How many hits on a path starting with prefix carry event. */
static int count_hits(const hit *h, int n, const char *prefix, const char *event)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		if (strncmp(h[i].path, prefix, strlen(prefix)) == 0 && (!event || strcmp(h[i].event, event) == 0))
			c++;
	return c;
}

/* Polls until at least want hits on prefix with event arrived. */
static void wait_hits(const receiver *rc, const char *prefix, const char *event, int want, double limit_s)
{
	double until = mono_s() + limit_s;
	hit h[64];
	int got = 0;
	for (;;) {
		int n = receiver_hits(rc, h, 64);
		got = count_hits(h, n, prefix, event);
		hits_free(h, n);
		if (got >= want || mono_s() > until)
			break;
		nap_ms(100);
	}
	ck_assert_msg(got >= want, "%s %s: %d received, want %d", prefix, event ? event : "*", got, want);
}

/* What a receiver does with the header: t within 5 minutes, the HMAC. */
static bool signature_ok(const char *secret, const char *header, const char *body)
{
	long long t;
	char v1[80];
	if (sscanf(header, "t=%lld,v1=%64[0-9a-f]", &t, v1) != 2 || strlen(v1) != 64)
		return false;
	long long now = (long long)time(NULL);
	if (t < now - 300 || t > now + 300)
		return false;
	crypto_auth_hmacsha256_state st;
	unsigned char mac[32];
	char ts[32], hex[65];
	snprintf(ts, sizeof ts, "%lld.", t);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	return sodium_memcmp(hex, v1, 64) == 0;
}

/* Creates a webhook on the admin page; its secret (shown once) and id. */
static char *create_hook(jar *adm, const char *slug, const char *url, const char *events, bool internal, char **id)
{
	char list[256], fields[1024];
	snprintf(list, sizeof list, "/desk/admin/webhooks?org=%s", slug);
	char *csrf = csrf_of(list, adm);
	char *u = curl_easy_escape(NULL, url, 0);
	snprintf(fields, sizeof fields, "org=%s&url=%s&%s&active=1%s", slug, u, events, internal ? "&allow_internal=1" : "");
	curl_free(u);
	resp r = post_form("/desk/admin/webhooks", adm, csrf, fields);
	ck_status(r, 201, "POST /desk/admin/webhooks");
	const char *s = strstr(r.body.data, "whsec_");
	ck_assert_msg(s != NULL, "the secret is shown");
	char *secret = strndup(s, 49);
	resp_free(&r);
	free(csrf);
	*id = owner_sql("select w.id from webhooks w join organizations o on o.id = w.organization_id "
	                "where o.slug = $1 and w.url = $2", slug, url, NULL);
	ck_assert_ptr_nonnull(*id);
	return secret;
}

START_TEST(test_webhooks_delivered_signed_retried_refused)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200");
	ck_assert_int_eq(sodium_init() < 0, 0);
	char slug[96], admin[160], args[1024];
	uniq(slug, sizeof slug, "e2e-hook");
	for (char *c = slug; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(admin, sizeof admin, "%s-admin@example.com", slug);
	snprintf(args, sizeof args, "org add --name 'E2E Hooks %s' --slug '%s'", slug, slug);
	ck_assert_int_eq(e2e_cli(args), 0);
	snprintf(args, sizeof args, "org provision --slug '%s' --admin-email '%s' --admin-name 'Hook Admin'", slug, admin);
	ck_assert_int_eq(e2e_cli(args), 0);
	char *raw = wait_mail(admin, 30);
	jar adm = { 0 };
	choose_password(&adm, raw, "hook admin password 1", NULL, 0);
	free(raw);

	/* Retries in seconds, not minutes: three attempts, 1 s then 2 s apart. */
	char *old_backoff = owner_sql("select value::text from system_settings where key = 'webhook_backoff_seconds'", NULL,
	    NULL, NULL);
	char *old_attempts = owner_sql("select value::text from system_settings where key = 'webhook_max_attempts'", NULL,
	    NULL, NULL);
	free(owner_sql("update system_settings set value = '1' where key = 'webhook_backoff_seconds' returning key", NULL,
	    NULL, NULL));
	free(owner_sql("update system_settings set value = '3' where key = 'webhook_max_attempts' returning key", NULL,
	    NULL, NULL));

	receiver rc = { 0 };
	receiver_start(&rc);
	char url_ok[128], url_fail[128], url_refused[128];
	snprintf(url_ok, sizeof url_ok, "http://127.0.0.1:%d/ok", rc.port);
	snprintf(url_fail, sizeof url_fail, "http://127.0.0.1:%d/fail", rc.port);
	snprintf(url_refused, sizeof url_refused, "http://127.0.0.1:%d/refused", rc.port);
	char *id_ok, *id_fail, *id_refused;
	char *secret = create_hook(&adm, slug, url_ok,
	    "event_ticket_created=1&event_ticket_updated=1&event_message_added=1&event_sla_breached=1", true, &id_ok);
	char *secret_fail = create_hook(&adm, slug, url_fail, "event_ticket_updated=1", true, &id_fail);
	char *secret_refused = create_hook(&adm, slug, url_refused, "event_ticket_created=1", false, &id_refused);

	/* The changes, each in its own transaction (every path goes through
	 * the same triggers; the pages' paths are the integration tests'). */
	char *ticket = owner_sql("insert into tickets (requester_id, routing_type, assigned_org_id, organization_id, title, "
	                         "description, priority) select u.id, 'organization', o.id, o.id, 'E2E hook', 'x', 'high' "
	                         "from users u, organizations o where u.email = $1::citext and o.slug = $2 returning id",
	    admin, slug, NULL);
	ck_assert_ptr_nonnull(ticket);
	free(owner_sql("update tickets set status = 'open' where id = $1::uuid returning id", ticket, NULL, NULL));
	free(owner_sql("insert into ticket_messages (ticket_id, author_id, body) select $1::uuid, u.id, 'Hello hooks' "
	               "from users u where u.email = $2::citext returning id", ticket, admin, NULL));
	free(owner_sql("insert into sla_events (ticket_id, kind, due_at) values ($1::uuid, 'resolution_breach', now()) "
	               "returning kind", ticket, NULL, NULL));

	/* Each event once to the first receiver, signed, with its payload. */
	const char *events[] = { "ticket.created", "ticket.updated", "message.added", "sla.breached" };
	for (size_t i = 0; i < 4; i++)
		wait_hits(&rc, "/ok", events[i], 1, 60);
	/* the failing one: three attempts */
	wait_hits(&rc, "/fail", "ticket.updated", 3, 90);
	double until = mono_s() + 60;
	while (db_long("select count(*) from webhook_deliveries where webhook_id = $1::uuid and status = 'failed'", id_fail) < 1 &&
	       mono_s() < until)
		nap_ms(100);
	until = mono_s() + 60;
	while (db_long("select count(*) from webhook_deliveries where webhook_id = $1::uuid and status = 'failed'",
	           id_refused) < 1 && mono_s() < until)
		nap_ms(100);

	hit h[64];
	int n = receiver_hits(&rc, h, 64);
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(count_hits(h, n, "/ok", events[i]) == 1, "%s received %d times", events[i],
		    count_hits(h, n, "/ok", events[i]));
	ck_assert_int_eq(count_hits(h, n, "/ok", NULL), 4);
	ck_assert_int_eq(count_hits(h, n, "/fail", NULL), 3);
	ck_assert_msg(count_hits(h, n, "/refused", NULL) == 0, "an internal address without the permission was reached");
	char *number = owner_sql("select number from tickets where id = $1::uuid", ticket, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const char *key = strncmp(h[i].path, "/fail", 5) == 0 ? secret_fail : secret;
		ck_assert_msg(signature_ok(key, h[i].signature, h[i].body), "%s %s: bad signature %s", h[i].path, h[i].event,
		    h[i].signature);
		ck_assert_msg(!signature_ok(secret_refused, h[i].signature, h[i].body), "signed with another hook's secret");
		ck_assert_str_eq(h[i].content_type, "application/json");
		json_error_t err;
		json_t *o = json_loads(h[i].body, 0, &err);
		ck_assert_msg(o != NULL, "body is JSON: %s", err.text);
		ck_assert_str_eq(json_string_value(json_object_get(o, "event")), h[i].event);
		ck_assert_str_eq(json_string_value(json_object_get(o, "id")), h[i].delivery);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "organization"), "slug")), slug);
		json_t *t = json_object_get(json_object_get(o, "data"), "ticket");
		ck_assert_str_eq(json_string_value(json_object_get(t, "number")), number);
		if (strcmp(h[i].event, "ticket.updated") == 0)
			ck_assert_str_eq(json_string_value(json_object_get(
			                     json_object_get(json_object_get(json_object_get(o, "data"), "changes"), "status"), "to")),
			    "open");
		json_decref(o);
	}
	/* the three attempts of the failing delivery carry the same id */
	const char *first_fail = NULL;
	for (int i = 0; i < n; i++)
		if (strncmp(h[i].path, "/fail", 5) == 0) {
			if (!first_fail)
				first_fail = h[i].delivery;
			ck_assert_str_eq(h[i].delivery, first_fail);
		}
	hits_free(h, n);

	/* The admin page shows both failures. */
	char page[256];
	snprintf(page, sizeof page, "/desk/admin/webhooks/%s?org=%s", id_fail, slug);
	resp r = http("GET", page, &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET the failing webhook");
	ck_assert_msg(strstr(r.body.data, "Failed permanently"), "the permanent failure is shown");
	ck_assert_msg(strstr(r.body.data, "HTTP 500 from 127.0.0.1"), "with its last error");
	ck_assert_msg(strstr(r.body.data, "data-label=\"Attempts\">3<"), "and its three attempts");
	ck_assert_msg(!strstr(r.body.data, "whsec_"), "never the secret");
	resp_free(&r);
	snprintf(page, sizeof page, "/desk/admin/webhooks/%s?org=%s", id_refused, slug);
	r = http("GET", page, &adm, NULL, NULL, 0);
	ck_status(r, 200, "GET the refused webhook");
	ck_assert_msg(strstr(r.body.data, "Failed permanently"), "the refusal is a permanent failure");
	ck_assert_msg(strstr(r.body.data, "loopback"), "saying why: %.2000s", r.body.data);
	resp_free(&r);

	receiver_stop(&rc);
	char sql[256];
	snprintf(sql, sizeof sql, "update system_settings set value = $1::jsonb where key = 'webhook_backoff_seconds' returning key");
	free(owner_sql(sql, old_backoff, NULL, NULL));
	snprintf(sql, sizeof sql, "update system_settings set value = $1::jsonb where key = 'webhook_max_attempts' returning key");
	free(owner_sql(sql, old_attempts, NULL, NULL));
	free(old_backoff);
	free(old_attempts);
	free(number);
	free(ticket);
	free(secret);
	free(secret_fail);
	free(secret_refused);
	free(id_ok);
	free(id_fail);
	free(id_refused);
}
END_TEST

Suite *webhooks_e2e_suite(void)
{
	Suite *s = suite_create("webhooks_e2e");
	TCase *tc = tcase_create("webhooks");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_webhooks_delivered_signed_retried_refused);
	suite_add_tcase(s, tc);
	return s;
}
