/* test_submit.c: end-to-end tests of the public submission flow (SPEC 3
 * "Public submission", "Captcha", "Rate limits", 4, 5) through nginx with
 * libcurl, the database checked with libpq as the owner ($DATABASE_URL),
 * the emails read from $MAIL_DIR (the file mailer of `supportdesk serve`).
 *
 * The captcha is solved here like the browser does: the challenge embedded
 * in the form, brute-forced with libsodium's SHA-256. Expired challenges are
 * signed with the server key ($SUPPORTDESK_SECRET_FILE).
 *
 * Rate limits are per client address and every test comes from 127.0.0.1:
 * each test starts by deleting the rate-limit keys (sd:rl:*) with redis-cli.
 * scripts/test.sh starts serve with SUPPORTDESK_RATE_SUBMIT_IP and _EMAIL
 * raised (the 200-submission burst); the 429 tests use the limits left at
 * their defaults (challenge 60/600, verify 30/600) and run last.
 *
 * Registered from test_e2e.c's main() as the suite "submit". */
#include <check.h>

#include "e2e/e2e_flow.h"
#include <curl/curl.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

Suite *submit_suite(void);


/* ============================================================ tests */


/* A replayed captcha payload: a second POST with a new idempotency token but
 * the same altcha is refused with a form error, nothing stored. */
START_TEST(test_captcha_replay)
{
	char email[160], title[96];
	uniq(title, sizeof title, "replay");
	snprintf(email, sizeof email, "%s@example.com", title);
	sform f, g;
	form_fetch(&f, "General question");
	resp r = submit(&f, &(fill){ .email = email, .title = title });
	ck_assert_msg(is_sent_page(&r), "first POST: %ld %.400s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	ck_assert_int_eq(submissions_for(email), 1);

	form_fetch(&g, "General question"); /* another form: its own idem and csrf */
	r = submit(&g, &(fill){ .email = email, .title = title, .altcha = f.altcha });
	ck_assert_msg(r.status == 422 && has_form_error(&r), "replayed altcha: status %ld, want 422 with a form error: %.600s",
	    r.status, dbuf_str(&r.body));
	ck_assert_msg(strstr(r.body.data, "not a robot"), "the error talks about the captcha");
	resp_free(&r);
	ck_assert_int_eq(submissions_for(email), 1);
	form_free(&f);
	form_free(&g);
}
END_TEST

/* Expired (signed with the real key), issued for another form, or claiming
 * SHA-1: each refused; a forged but valid one passes (so the signing is
 * right and the refusals are for the stated reason). */
START_TEST(test_captcha_expired_mismatch_algorithm)
{
	char email[160], title[96];
	uniq(title, sizeof title, "captcha");
	snprintf(email, sizeof email, "%s@example.com", title);
	long now = (long)time(NULL);
	sform f;
	form_fetch(&f, "General question");

	/* Expired an hour ago, signed with the server key. */
	challenge c;
	forge_challenge(&c, "submit", now - 3600, 4242);
	char *p = altcha_payload("SHA-256", &c, 4242);
	resp r = submit(&f, &(fill){ .email = email, .title = title, .altcha = p });
	ck_assert_msg(r.status == 422 && has_form_error(&r), "expired challenge: status %ld: %.400s", r.status,
	    dbuf_str(&r.body));
	resp_free(&r);
	free(p);

	/* A salt without the trailing '&' (CVE-2025-68113 shape). */
	forge_challenge(&c, "submit", now + 600, 77);
	size_t sl = strlen(c.salt);
	c.salt[sl - 1] = '\0';
	{
		unsigned char key[32], h[32], mac[32];
		char in[320];
		int n = snprintf(in, sizeof in, "%s%d", c.salt, 77);
		crypto_hash_sha256(h, (const unsigned char *)in, (size_t)n);
		sodium_bin2hex(c.challenge, sizeof c.challenge, h, sizeof h);
		server_key(key);
		crypto_auth_hmacsha256(mac, (const unsigned char *)c.challenge, 64, key);
		sodium_bin2hex(c.signature, sizeof c.signature, mac, sizeof mac);
	}
	p = altcha_payload("SHA-256", &c, 77);
	r = submit(&f, &(fill){ .email = email, .title = title, .altcha = p });
	ck_assert_msg(r.status == 422 && has_form_error(&r), "salt without a trailing &: status %ld", r.status);
	resp_free(&r);
	free(p);

	/* Issued for sign-in, posted to /submit. */
	resp cr = http("GET", "/captcha/challenge?form=login", NULL, NULL, NULL, 0);
	ck_status(cr, 200, "GET /captcha/challenge?form=login");
	ck_assert_msg(challenge_parse(cr.body.data, &c), "not a challenge: %s", cr.body.data);
	ck_assert_msg(strstr(c.salt, "form=login&"), "salt: %s", c.salt);
	resp_free(&cr);
	long n = solve(&c);
	ck_assert(n >= 0);
	p = altcha_payload("SHA-256", &c, n);
	r = submit(&f, &(fill){ .email = email, .title = title, .altcha = p });
	ck_assert_msg(r.status == 422 && has_form_error(&r), "login challenge on /submit: status %ld", r.status);
	resp_free(&r);
	free(p);

	/* The form's own challenge, solved, but claiming SHA-1. */
	p = altcha_payload("SHA-1", &f.ch, f.number);
	r = submit(&f, &(fill){ .email = email, .title = title, .altcha = p });
	ck_assert_msg(r.status == 422 && has_form_error(&r), "algorithm SHA-1: status %ld", r.status);
	resp_free(&r);
	free(p);
	p = altcha_payload("sha-256", &f.ch, f.number);
	r = submit(&f, &(fill){ .email = email, .title = title, .altcha = p });
	ck_assert_msg(r.status == 422 && has_form_error(&r), "algorithm sha-256 (lower case): status %ld", r.status);
	resp_free(&r);
	free(p);
	ck_assert_int_eq(submissions_for(email), 0);

	/* Positive controls: a forged challenge valid for ten minutes passes,
	 * and the refused SHA-1 attempt did not spend the form's challenge. */
	forge_challenge(&c, "submit", now + 600, 31337);
	p = altcha_payload("SHA-256", &c, 31337);
	r = submit(&f, &(fill){ .email = email, .title = title, .altcha = p });
	ck_assert_msg(is_sent_page(&r), "a valid challenge signed with the server key: status %ld: %.400s", r.status,
	    dbuf_str(&r.body));
	resp_free(&r);
	free(p);
	ck_assert_int_eq(submissions_for(email), 1);
	sform g;
	form_fetch(&g, "General question");
	char email2[192];
	snprintf(email2, sizeof email2, "second-%s", email);
	r = submit(&g, &(fill){ .email = email2, .title = title, .altcha = f.altcha });
	ck_assert_msg(is_sent_page(&r), "the form's own challenge after the refusals: status %ld: %.400s", r.status,
	    dbuf_str(&r.body));
	resp_free(&r);
	form_free(&f);
	form_free(&g);
}
END_TEST

/* GET of the verification link consumes nothing: GET, GET, POST creates
 * the ticket; a second POST of the token creates no second ticket. */
START_TEST(test_verify_get_consumes_nothing)
{
	char email[160], title[96];
	char *path = submit_for_verify_link("verify", email, title);
	resp r;

	jar scanner = { 0 }, person = { 0 };
	for (int i = 0; i < 2; i++) {
		r = http("GET", path, &scanner, NULL, NULL, 0);
		ck_status(r, 200, "GET /verify/{token} (a link scanner)");
		ck_assert_msg(strstr(r.body.data, "Confirm your request"), "GET shows the confirm button");
		resp_free(&r);
	}
	ck_assert_int_eq(db_long("select count(*) from submissions where email = $1::citext and used_at is null", email), 1);
	ck_assert_int_eq(db_long("select count(*) from tickets where title = $1", title), 0);

	dbuf body = csrf_form_of(path, &person);
	r = http("POST", path, &person, "application/x-www-form-urlencoded", body.data, body.len);
	char loc[512] = "";
	resp_header(&r, "Location", loc, sizeof loc);
	ck_assert_msg(r.status == 303 && strncmp(loc, "/my/tickets/", 12) == 0, "POST /verify: %ld Location %s: %.300s",
	    r.status, loc, dbuf_str(&r.body));
	resp_free(&r);
	ck_assert_int_eq(db_long("select count(*) from tickets where title = $1", title), 1);

	/* The ticket page, signed in by the confirmation. */
	r = http("GET", loc, &person, NULL, NULL, 0);
	ck_status(r, 200, "GET the new ticket");
	resp_free(&r);

	/* The same token again: from the same browser (a double click) and
	 * from another one with a valid form token of its own. */
	r = http("POST", path, &person, "application/x-www-form-urlencoded", body.data, body.len);
	ck_assert_msg(r.status == 303 || r.status == 410, "second POST, same browser: %ld", r.status);
	resp_free(&r);
	r = http("GET", path, &scanner, NULL, NULL, 0);
	ck_assert_msg(r.status == 410 && strstr(r.body.data, "Already confirmed"), "GET a used link: %ld", r.status);
	resp_free(&r);
	r = http("POST", path, &scanner, "application/x-www-form-urlencoded", body.data, body.len);
	ck_assert_msg(r.status == 410 || r.status == 403, "second POST, another browser: %ld", r.status);
	resp_free(&r);
	ck_assert_int_eq(db_long("select count(*) from tickets where title = $1", title), 1);
	ck_assert_int_eq(db_long("select count(*) from submissions where email = $1::citext and used_at is not null "
	                         "and ticket_id is not null", email), 1);
	free(path);
	dbuf_free(&body);
}
END_TEST

/* No working link is left in the database: neither the verification
 * token nor the sign-in link of the confirmation, in any table, while the
 * email waits (the outbox holds it sealed) or after it was sent (the row is
 * scrubbed). Only their hashes are stored. */
START_TEST(test_no_raw_token_in_database)
{
	char email[160], title[96];
	char *path = submit_for_verify_link("token-scan", email, title);
	resp r;
	const char *verify_token = path + strlen("/verify/");
	ck_assert_int_eq(strlen(verify_token), 43);
	char *where = tables_holding(verify_token);
	ck_assert_msg(!where, "the verification token is stored in clear in: %s", where);
	wait_outbox_sent(email, 1);
	ck_assert_int_eq(db_long("select count(*) from outbox where to_email = $1::citext and body_text = '' "
	                         "and body_html is null and not sealed", email), 1);
	where = tables_holding(verify_token);
	ck_assert_msg(!where, "after delivery, the verification token is stored in clear in: %s", where);

	/* Confirm: the second email holds a sign-in link. */
	jar person = { 0 };
	dbuf body = csrf_form_of(path, &person);
	r = http("POST", path, &person, "application/x-www-form-urlencoded", body.data, body.len);
	ck_assert_msg(r.status == 303, "POST /verify: %ld", r.status);
	resp_free(&r);
	char *raw = NULL;
	double t0 = mono_s();
	while (mails_to(email, &raw) < 2 && mono_s() - t0 < 30) {
		free(raw);
		raw = NULL;
		nap_ms(200);
	}
	ck_assert_msg(raw && strstr(raw, "/login/link/"), "no confirmation email with a sign-in link to %s", email);
	char *text = mail_part(raw, "text/plain");
	ck_assert_ptr_nonnull(text);
	const char *l = strstr(text, "/login/link/");
	ck_assert_ptr_nonnull(l);
	l += strlen("/login/link/");
	size_t n = 0;
	while (isalnum((unsigned char)l[n]) || l[n] == '-' || l[n] == '_')
		n++;
	ck_assert_int_eq(n, 43);
	char *link_token = strndup(l, n);
	where = tables_holding(link_token);
	ck_assert_msg(!where, "the sign-in token is stored in clear in: %s", where);
	wait_outbox_sent(email, 2);
	where = tables_holding(link_token);
	ck_assert_msg(!where, "after delivery, the sign-in token is stored in clear in: %s", where);
	where = tables_holding(verify_token);
	ck_assert_msg(!where, "after confirmation, the verification token is stored in clear in: %s", where);
	free(link_token);
	free(text);
	free(raw);
	free(path);
	dbuf_free(&body);
}
END_TEST

/* A retried POST (same idempotency token, same altcha): both answered
 * "Check your email", one submission, one email. */
START_TEST(test_idempotent_retry)
{
	char email[160], title[96];
	uniq(title, sizeof title, "retry");
	snprintf(email, sizeof email, "%s@example.com", title);
	sform f;
	form_fetch(&f, "General question");
	for (int i = 0; i < 2; i++) {
		resp r = submit(&f, &(fill){ .email = email, .title = title });
		ck_assert_msg(is_sent_page(&r), "POST #%d: %ld %.400s", i + 1, r.status, dbuf_str(&r.body));
		resp_free(&r);
	}
	ck_assert_int_eq(submissions_for(email), 1);
	ck_assert_int_eq(outbox_for(email), 1);
	char *m = wait_mail(email, 30);
	free(m);
	nap_ms(1500); /* a second email would have been written by now */
	ck_assert_int_eq(mails_to(email, NULL), 1);
	form_free(&f);
}
END_TEST

/* 30 MiB: 413, and neither a blob nor a submission is stored. */
START_TEST(test_too_big_413)
{
	char email[160], title[96];
	uniq(title, sizeof title, "big");
	snprintf(email, sizeof email, "%s@example.com", title);
	long blobs = db_long("select count(*) from attachment_blobs", NULL);
	long subs = db_long("select count(*) from submissions", NULL);
	size_t n = 30u << 20;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	sform f;
	form_fetch(&f, "General question");
	upload u = { "attachments", "big.txt", "text/plain", big, n };
	resp r = submit(&f, &(fill){ .email = email, .title = title, .files = &u, .nfiles = 1 });
	ck_assert_msg(r.rc == CURLE_OK && r.status == 413, "30 MiB upload: status %ld (curl %d)", r.status, (int)r.rc);
	resp_free(&r);
	free(big);
	ck_assert_int_eq(db_long("select count(*) from attachment_blobs", NULL), blobs);
	ck_assert_int_eq(db_long("select count(*) from submissions", NULL), subs);
	ck_assert_int_eq(submissions_for(email), 0);
	/* The form's captcha was not spent: the same form still goes through. */
	r = submit(&f, &(fill){ .email = email, .title = title });
	ck_assert_msg(is_sent_page(&r), "the same form after the 413: %ld", r.status);
	resp_free(&r);
	form_free(&f);
}
END_TEST


/* HTML and SVG uploads are served as downloads, never rendered. */
START_TEST(test_html_svg_served_as_attachments)
{
	char email[160], title[96];
	uniq(title, sizeof title, "files");
	snprintf(email, sizeof email, "%s@example.com", title);
	static const char html[] = "<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n";
	static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script>"
	                          "<circle r=\"5\"/></svg>\n";
	static const char disguised[] = "<html><script>alert(3)</script></html>\n";
	upload files[] = {
		{ "attachments", "page.html", "text/html", html, sizeof html - 1 },
		{ "attachments", "drawing.svg", "image/svg+xml", svg, sizeof svg - 1 },
		{ "attachments", "innocent.png", "image/png", disguised, sizeof disguised - 1 },
	};
	jar person = { 0 };
	char *ticket = submit_and_confirm(email, NULL, title, NULL, files, 3, &person, NULL);
	resp page = http("GET", ticket, &person, NULL, NULL, 0);
	ck_status(page, 200, "GET the ticket");
	for (int i = 0; i < 3; i++) {
		char *href = attachment_href(page.body.data, files[i].filename);
		ck_assert_msg(href != NULL, "the ticket lists %s", files[i].filename);
		resp r = http("GET", href, &person, NULL, NULL, 0);
		ck_status(r, 200, "GET the attachment");
		char ct[256] = "", cd[512] = "", xcto[64] = "", csp[512] = "";
		resp_header(&r, "Content-Type", ct, sizeof ct);
		resp_header(&r, "Content-Disposition", cd, sizeof cd);
		resp_header(&r, "X-Content-Type-Options", xcto, sizeof xcto);
		resp_header(&r, "Content-Security-Policy", csp, sizeof csp);
		ck_assert_msg(strncasecmp(cd, "attachment", 10) == 0, "%s: Content-Disposition: %s", files[i].filename, cd);
		ck_assert_msg(strcasecmp(xcto, "nosniff") == 0, "%s: X-Content-Type-Options: %s", files[i].filename, xcto);
		ck_assert_msg(!strcasestr(ct, "html") && !strcasestr(ct, "svg") && !strcasestr(ct, "xml") &&
		        !strcasestr(ct, "image/"),
		    "%s: Content-Type: %s", files[i].filename, ct);
		ck_assert_msg(r.body.len == files[i].len && memcmp(r.body.data, files[i].data, files[i].len) == 0,
		    "%s: the bytes differ", files[i].filename);
		/* The download's own policy, alone: nginx adds none beside it, and
		 * it still forbids framing. */
		ck_assert_msg(resp_header_count(&r, "Content-Security-Policy") == 1, "%s: %d CSP headers",
		    files[i].filename, resp_header_count(&r, "Content-Security-Policy"));
		ck_assert_msg(strstr(csp, "default-src 'none'") && strstr(csp, "sandbox") &&
		        strstr(csp, "frame-ancestors 'none'"),
		    "%s: Content-Security-Policy: %s", files[i].filename, csp);
		ck_assert_msg(resp_header_count(&r, "X-Content-Type-Options") == 1, "%s: nosniff twice", files[i].filename);
		resp_free(&r);
		/* Another browser sees nothing (404, not 403). */
		r = http("GET", href, NULL, NULL, NULL, 0);
		ck_assert_msg(r.status == 404, "%s without the session: %ld", files[i].filename, r.status);
		resp_free(&r);
		free(href);
	}
	resp_free(&page);
	free(ticket);
}
END_TEST

/* <script> in title, description and name is text: escaped on the ticket
 * page and in the email's HTML part. */
START_TEST(test_script_is_text)
{
	char email[160], tag[64], title[256], name[128];
	uniq(tag, sizeof tag, "xss");
	snprintf(email, sizeof email, "%s@example.com", tag);
	snprintf(title, sizeof title, "T<script>alert('t')</script> %s", tag);
	snprintf(name, sizeof name, "N<script>alert('n')</script>");
	const char *desc = "D<script>alert('d')</script> and <img src=x onerror=alert(1)>";
	jar person = { 0 };
	char *raw = NULL;
	char *ticket = submit_and_confirm(email, name, title, desc, NULL, 0, &person, &raw);
	char *mhtml = mail_part(raw, "text/html");
	ck_assert_msg(mhtml != NULL, "the email has an HTML part");
	ck_assert_msg(!strstr(mhtml, "<script>") && !strstr(mhtml, "<img"), "the email's HTML part holds markup: %s", mhtml);
	ck_assert_msg(strstr(mhtml, "&lt;script&gt;alert("), "the email's HTML part shows the text escaped: %s", mhtml);
	free(mhtml);
	free(raw);
	resp r = http("GET", ticket, &person, NULL, NULL, 0);
	ck_status(r, 200, "GET the ticket");
	ck_assert_msg(!strstr(r.body.data, "<script>alert") && !strstr(r.body.data, "<img src=x"),
	    "raw markup on the ticket page: %s", r.body.data);
	ck_assert_msg(strstr(r.body.data, "T&lt;script&gt;alert("), "the title shows as text");
	ck_assert_msg(strstr(r.body.data, "D&lt;script&gt;alert("), "the description shows as text");
	ck_assert_msg(strstr(r.body.data, "&lt;img src=x onerror=alert(1)&gt;"), "the img tag shows as text");
	resp_free(&r);
	free(ticket);
}
END_TEST

/* True when a header line (split at CR, LF or CRLF) in the message's
 * header block starts with name. */
static bool has_header_line(const char *raw, const char *name)
{
	const char *end = strstr(raw, "\r\n\r\n");
	size_t hl = end ? (size_t)(end - raw) : strlen(raw);
	size_t nl = strlen(name);
	for (size_t i = 0; i < hl; i++)
		if ((i == 0 || raw[i - 1] == '\r' || raw[i - 1] == '\n') && strncasecmp(raw + i, name, nl) == 0)
			return true;
	return false;
}

/* CR/LF in name or title injects no header into the email; an email
 * address with CRLF is refused by validation. */
START_TEST(test_crlf_no_header_injection)
{
	static const char *const names[] = { "Eve\r\nBcc: victim@example.com", "Eve\rBcc: victim@example.com",
		"Eve\nBcc: victim@example.com" };
	for (int i = 0; i < 3; i++) {
		char email[160], title[96];
		uniq(title, sizeof title, "crlf");
		snprintf(email, sizeof email, "%s@example.com", title);
		sform f;
		form_fetch(&f, "General question");
		resp r = submit(&f, &(fill){ .email = email, .name = names[i], .title = title });
		ck_assert_msg(r.status == 200 || r.status == 422, "name #%d: status %ld", i, r.status);
		if (is_sent_page(&r)) {
			char *raw = wait_mail(email, 30);
			ck_assert_msg(!has_header_line(raw, "Bcc:"), "name #%d injected a Bcc header:\n%.1200s", i, raw);
			/* The name may still read "Eve Bcc: victim@..." inside the quoted
			 * display name; what matters is that no line of the header
			 * block starts a header and no bare CR or LF is left in it. */
			ck_assert_msg(!strstr(raw, "<victim@example.com>"), "name #%d: the victim is a recipient", i);
			const char *hend = strstr(raw, "\r\n\r\n");
			for (const char *q = raw; hend && q < hend; q++)
				ck_assert_msg((*q != '\r' || q[1] == '\n') && (*q != '\n' || (q > raw && q[-1] == '\r')),
				    "name #%d: a bare CR or LF in the header block:\n%.600s", i, raw);
			free(raw);
		} else {
			ck_assert_msg(strstr(r.body.data, "f-name-error"), "name #%d refused, next to the name field", i);
			ck_assert_int_eq(outbox_for(email), 0);
		}
		resp_free(&r);
		form_free(&f);
	}
	/* The title goes into the Subject. */
	{
		char email[160], tag[64], title[192];
		uniq(tag, sizeof tag, "crlft");
		snprintf(email, sizeof email, "%s@example.com", tag);
		snprintf(title, sizeof title, "Hello %s\rBcc: victim@example.com", tag);
		sform f;
		form_fetch(&f, "General question");
		resp r = submit(&f, &(fill){ .email = email, .title = title });
		ck_assert_msg(r.status == 200 || r.status == 422, "CR in the title: status %ld", r.status);
		if (is_sent_page(&r)) {
			char *raw = wait_mail(email, 30);
			ck_assert_msg(!has_header_line(raw, "Bcc:"), "the title injected a Bcc header:\n%.1200s", raw);
			free(raw);
		}
		resp_free(&r);
		form_free(&f);
	}
	/* CRLF in the address itself: a validation error, nothing queued. */
	{
		char tag[64], email[192];
		uniq(tag, sizeof tag, "crlfe");
		snprintf(email, sizeof email, "%s@example.com\r\nBcc: victim@example.com", tag);
		sform f;
		form_fetch(&f, "General question");
		resp r = submit(&f, &(fill){ .email = email, .title = tag });
		ck_assert_msg(r.status == 422 && strstr(r.body.data, "f-email-error"), "CRLF in the email: status %ld", r.status);
		resp_free(&r);
		char like[128];
		snprintf(like, sizeof like, "%s%%", tag);
		ck_assert_int_eq(db_long("select count(*) from submissions where email::text like $1", like), 0);
		ck_assert_int_eq(db_long("select count(*) from outbox where to_email::text like $1", like), 0);
		form_free(&f);
	}
}
END_TEST

/* n GETs of path, par at a time; returns how many answered `status`. */
static long parallel_get_count(const char *path, int n, int par, long status)
{
	CURLM *mh = curl_multi_init();
	ck_assert_ptr_nonnull(mh);
	resp *rs = calloc((size_t)n, sizeof *rs);
	struct curl_slist **hls = calloc((size_t)n, sizeof *hls);
	ck_assert(rs && hls);
	int next = 0, running = 0, done = 0;
	long hits = 0;
	while (done < n) {
		while (running < par && next < n) {
			CURL *c = req_new("GET", path, NULL, NULL, NULL, 0, &rs[next], &hls[next]);
			curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)&rs[next]);
			curl_multi_add_handle(mh, c);
			next++;
			running++;
		}
		int still;
		curl_multi_perform(mh, &still);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(mh, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			long st = 0;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &st);
			if (msg->data.result == CURLE_OK && st == status)
				hits++;
			curl_multi_remove_handle(mh, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			running--;
			done++;
		}
		curl_multi_poll(mh, NULL, 0, 50, NULL);
	}
	curl_multi_cleanup(mh);
	for (int i = 0; i < n; i++) {
		resp_free(&rs[i]);
		curl_slist_free_all(hls[i]);
	}
	free(rs);
	free(hls);
	return hits;
}

/* Redis down: POST /submit answers 503 and nothing is stored. */
START_TEST(test_redis_down_503)
{
	char email[160], title[96];
	uniq(title, sizeof title, "redis");
	snprintf(email, sizeof email, "%s@example.com", title);
	sform f;
	form_fetch(&f, "General question");
	ck_assert_int_eq(stack("redis-stop"), 0);
	ck_assert_msg(healthz_is(503, 5), "/healthz did not report Redis down");
	for (int i = 0; i < 3; i++) {
		resp r = submit(&f, &(fill){ .email = email, .title = title });
		ck_assert_msg(r.rc == CURLE_OK && r.status == 503, "POST /submit with Redis down: %ld", r.status);
		resp_free(&r);
	}
	ck_assert_int_eq(submissions_for(email), 0);
	ck_assert_int_eq(outbox_for(email), 0);
	ck_assert_int_eq(stack("redis-start"), 0);
	ck_assert_msg(healthz_is(200, 10), "/healthz not back to 200 after redis-start");
	/* A worker that tried (and failed) to connect while Redis was down
	 * waits out its reconnect pace (at most 0.75 s, core/retry.h) before
	 * it tries again: by design. Everything below starts after it. */
	nap_ms(800);
	/* The same form goes through once Redis is back (nothing was claimed). */
	resp r = submit(&f, &(fill){ .email = email, .title = title });
	ck_assert_msg(is_sent_page(&r), "after Redis is back: %ld %.300s", r.status, dbuf_str(&r.body));
	resp_free(&r);
	ck_assert_int_eq(submissions_for(email), 1);
	form_free(&f);

	/* Once Redis is back, no request may still get a 503: a worker whose
	 * connection went stale must find that out on its first command and
	 * retry it on a new connection, not answer 503. In parallel, so that
	 * every worker gets some of them. */
	long n503 = parallel_get_count("/captcha/challenge?form=submit", 48, 16, 503);
	ck_assert_msg(n503 == 0, "%ld of 48 parallel GET /captcha/challenge answered 503 after Redis came back and "
	                         "/healthz said 200: a worker's first Redis command on its stale connection fails "
	                         "instead of reconnecting (src/kv/kv.c kv_command)", n503);
}
END_TEST

/* ------------------------------------------------------------ burst */

#define BURST_N 200
#define BURST_PAR 16

typedef struct {
	sform f;
	char email[160], title[96];
	dbuf body;
	resp r;
	struct curl_slist *hl;
	CURL *c;
} burst_item;

/* Socket inode of the FastCGI listening socket, from /proc/net/unix. */
static unsigned long listen_inode(void)
{
	const char *path = getenv("SUPPORTDESK_LISTEN");
	if (!path || !*path)
		return 0;
	FILE *f = fopen("/proc/net/unix", "r");
	if (!f)
		return 0;
	char line[1024];
	unsigned long ino = 0;
	while (fgets(line, sizeof line, f)) {
		char p[600] = "";
		unsigned long flags, i;
		/* The accepted connections carry the path too: only the listening
		 * socket has __SO_ACCEPTCON (0x10000) in its flags. */
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %599s", &flags, &i, p) == 3 && strcmp(p, path) == 0 &&
		    (flags & 0x10000)) {
			ino = i;
			break;
		}
	}
	fclose(f);
	return ino;
}

static bool holds_socket(pid_t pid, unsigned long ino)
{
	char dir[64], want[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof want, "socket:[%lu]", ino);
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool found = false;
	while (!found && (e = readdir(d))) {
		char p[400], t[128];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		ssize_t n = readlink(p, t, sizeof t - 1);
		if (n > 0) {
			t[n] = '\0';
			found = strcmp(t, want) == 0;
		}
	}
	closedir(d);
	return found;
}

/* The workers of the master: its children holding the FastCGI socket (the
 * mailer does not). Fills out with up to cap pids; returns how many. */
static int workers(pid_t *out, int cap)
{
	const char *pf = getenv("SUPPORTDESK_PIDFILE");
	if (!pf)
		return 0;
	char *s = slurp(pf, NULL);
	if (!s)
		return 0;
	int m = atoi(s);
	free(s);
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", m, m);
	char *kids = slurp(path, NULL);
	if (!kids)
		return 0;
	unsigned long ino = listen_inode();
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(kids, " \n", &save); t && n < cap; t = strtok_r(NULL, " \n", &save)) {
		pid_t p = (pid_t)atoi(t);
		if (p > 1 && (!ino || holds_socket(p, ino)))
			out[n++] = p;
	}
	free(kids);
	return n;
}

/* A worker of the master, or 0 when none is found. */
static pid_t some_worker(void)
{
	pid_t p;
	return workers(&p, 1) == 1 ? p : 0;
}

/* 200 concurrent verified submissions; one worker is kill -9'ed mid-burst.
 * Every 2xx answer is stored exactly once; nothing is half-written: each
 * stored submission has its verification email in the outbox. */
START_TEST(test_burst_with_worker_kill)
{
	burst_item *items = calloc(BURST_N, sizeof *items);
	ck_assert_ptr_nonnull(items);
	char tag[64];
	uniq(tag, sizeof tag, "burst");
	double t0 = mono_s();
	for (int i = 0; i < BURST_N; i++) {
		burst_item *it = &items[i];
		form_fetch(&it->f, "General question");
		snprintf(it->title, sizeof it->title, "%s-%03d", tag, i);
		snprintf(it->email, sizeof it->email, "%s-%03d@example.com", tag, i);
		submit_body(&it->body, &it->f, &(fill){ .email = it->email, .title = it->title });
	}
	double t_prep = mono_s() - t0;
	CURLM *mh = curl_multi_init();
	ck_assert_ptr_nonnull(mh);
	int next = 0, running = 0, done = 0;
	pid_t killed = 0;
	int killed_after = -1;
	t0 = mono_s();
	while (done < BURST_N) {
		while (running < BURST_PAR && next < BURST_N) {
			burst_item *it = &items[next++];
			it->c = req_new("POST", "/submit", &it->f.j, MP_CTYPE, it->body.data, it->body.len, &it->r, &it->hl);
			curl_easy_setopt(it->c, CURLOPT_PRIVATE, it);
			curl_multi_add_handle(mh, it->c);
			running++;
		}
		int still = 0;
		curl_multi_perform(mh, &still);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(mh, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			burst_item *it;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&it);
			it->r.rc = msg->data.result;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &it->r.status);
			curl_multi_remove_handle(mh, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			curl_slist_free_all(it->hl);
			it->c = NULL;
			running--;
			done++;
		}
		if (!killed && done >= BURST_N / 4) {
			killed = some_worker();
			if (killed > 0) {
				ck_assert_int_eq(kill(killed, SIGKILL), 0);
				killed_after = done;
			}
		}
		curl_multi_poll(mh, NULL, 0, 50, NULL);
	}
	double t_burst = mono_s() - t0;
	curl_multi_cleanup(mh);
	ck_assert_msg(killed > 0, "no worker found to kill (SUPPORTDESK_PIDFILE, SUPPORTDESK_LISTEN)");

	int ok = 0, failed = 0, other = 0, n503 = 0;
	long statuses[6] = { 0 };
	for (int i = 0; i < BURST_N; i++) {
		burst_item *it = &items[i];
		long st = it->r.rc == CURLE_OK ? it->r.status : 0;
		statuses[st >= 100 && st < 600 ? st / 100 : 0]++;
		long rows = db_long("select count(*) from submissions where title = $1", it->title);
		if (st >= 200 && st < 300) {
			ok++;
			ck_assert_msg(rows == 1, "%s answered %ld but has %ld submission rows", it->title, st, rows);
			ck_assert_msg(strstr(dbuf_str(&it->r.body), "Check your email"), "%s: a 2xx that is not the sent page",
			    it->title);
		} else {
			failed++;
			ck_assert_msg(rows <= 1, "%s answered %ld and has %ld rows", it->title, st, rows);
			if (st == 503)
				n503++; /* a worker's stale Redis connection (see test_redis_down_503); retried below */
			else if (st != 502 && st != 0) {
				other++;
				fprintf(stderr, "test_submit: burst: %s answered %ld (curl %d): %.300s\n", it->title, st,
				    (int)it->r.rc, dbuf_str(&it->r.body));
			}
		}
		/* Nothing half-written: a stored submission has its email queued. */
		if (rows == 1)
			ck_assert_msg(outbox_for(it->email) == 1, "%s is stored without its verification email", it->title);
		else
			ck_assert_msg(outbox_for(it->email) == 0, "%s has an email but no submission", it->title);
	}
	/* A 502 is what a retry is for: the same POST again (same idempotency
	 * token, same captcha) creates no second submission. It is answered
	 * "Check your email" when the first attempt was stored; when it was
	 * not, the killed attempt may already have spent the captcha, and the
	 * form comes back with a captcha error (nothing stored either way). */
	int retried = 0, retry_sent = 0, retry_refused = 0;
	for (int i = 0; i < BURST_N; i++) {
		burst_item *it = &items[i];
		long st = it->r.rc == CURLE_OK ? it->r.status : 0;
		if (st >= 200 && st < 300)
			continue;
		long before = db_long("select count(*) from submissions where title = $1", it->title);
		resp r = http("POST", "/submit", &it->f.j, MP_CTYPE, it->body.data, it->body.len);
		long after = db_long("select count(*) from submissions where title = $1", it->title);
		if (is_sent_page(&r)) {
			retry_sent++;
			ck_assert_msg(after == 1, "%s: %ld rows after a retry answered 2xx", it->title, after);
		} else {
			retry_refused++;
			ck_assert_msg(r.status == 422 && has_form_error(&r) && before == 0 && after == 0,
			    "%s: the retry after %ld answered %ld with %ld rows before, %ld after: %.300s", it->title, st,
			    r.status, before, after, dbuf_str(&r.body));
		}
		resp_free(&r);
		ck_assert_msg(outbox_for(it->email) == after, "%s: %ld rows but %ld emails after the retry", it->title, after,
		    outbox_for(it->email));
		retried++;
	}
	char like[96];
	snprintf(like, sizeof like, "%s-%%", tag);
	long total = db_long("select count(*) from submissions where title like $1", like);
	long distinct = db_long("select count(distinct idempotency_key) from submissions where title like $1", like);
	fprintf(stderr,
	    "test_submit: burst of %d (%d parallel): prepared (200 forms fetched and solved) in %.2f s, sent in %.2f s; "
	    "worker %d killed after %d answers; %d x 2xx, %d others (%d x 503; 1xx-5xx/none: %ld %ld %ld %ld %ld, curl errors %ld); "
	    "retried %d: %d sent, %d refused (captcha spent by the killed attempt); %ld rows\n",
	    BURST_N, BURST_PAR, t_prep, t_burst, (int)killed, killed_after, ok, failed, n503, statuses[1], statuses[2],
	    statuses[3], statuses[4], statuses[5], statuses[0], retried, retry_sent, retry_refused, total);
	ck_assert_msg(total == distinct, "duplicate submissions: %ld rows for %ld forms", total, distinct);
	ck_assert_msg(total == ok + retry_sent, "%ld rows, want %d (2xx) + %d (retries answered 2xx)", total, ok,
	    retry_sent);
	ck_assert_msg(ok >= BURST_N / 2, "only %d of %d answered 2xx", ok, BURST_N);
	ck_assert_msg(other == 0, "%d answers other than 2xx, 502, 503 or a cut connection", other);
	ck_assert_msg(healthz_is(200, 10), "/healthz not 200 after the burst");
	for (int i = 0; i < BURST_N; i++) {
		form_free(&items[i].f);
		dbuf_free(&items[i].body);
		resp_free(&items[i].r);
	}
	free(items);
}
END_TEST

/* ------------------------------------------------------------ upload memory */

/* What a 25 MiB upload may add to its worker's memory: its peak resident
 * set and the bytes it keeps in memory-backed files (tmpfs, memfd)
 * together. Both count: pages written to a memfd or a tmpfs file with
 * write() are RAM, yet never mapped, so they never show in VmRSS. Measured
 * at +1.2 MiB of RSS for a worker's first upload (then a few kB) with the
 * spool on disk; a memfd spool added the whole file, 25 MiB. */
#define UPLOAD_BYTES (25u << 20)
#define UPLOAD_MEMORY_MAX_KB (16L * 1024)

/* A "Name:   123 kB" line of /proc/<pid>/status, in kB; -1 when absent. */
static long proc_status_kb(pid_t pid, const char *name)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kb = -1;
	size_t nl = strlen(name);
	while (kb < 0 && fgets(line, sizeof line, f))
		if (strncmp(line, name, nl) == 0 && line[nl] == ':')
			kb = strtol(line + nl + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* Resets the peak resident set (VmHWM) to the current one (proc(5),
 * clear_refs "5"), so the next VmHWM is this request's peak whatever the
 * worker did before. False when the kernel or permissions refuse. */
static bool hwm_reset(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

static bool fs_is_memory(long f_type)
{
	/* tmpfs (and memfd_create, which lives on an internal tmpfs), ramfs,
	 * hugetlbfs: their pages are RAM (or swap), never written back. */
	return f_type == 0x01021994L || f_type == 0x858458f6L || f_type == 0x958458f6L;
}

typedef struct {
	long memory_kb;      /* bytes of regular files on memory-backed filesystems it holds open */
	bool holds_upload;   /* an unlinked file of at least UPLOAD_BYTES is open */
	bool upload_in_memory;
	char upload_path[256];
} fd_census;

/* What the regular files that pid holds open are and where they live. */
static fd_census fds_of(pid_t pid)
{
	fd_census c = { 0 };
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return c;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[400];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		struct statfs sf;
		/* stat and statfs follow the magic link to the open file itself,
		 * unlinked or not. */
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || statfs(p, &sf) != 0)
			continue;
		bool in_memory = fs_is_memory((long)sf.f_type);
		if (in_memory)
			c.memory_kb += (long)(st.st_blocks * 512 / 1024);
		if (st.st_nlink == 0 && (size_t)st.st_size >= UPLOAD_BYTES) {
			c.holds_upload = true;
			c.upload_in_memory = in_memory;
			ssize_t n = readlink(p, c.upload_path, sizeof c.upload_path - 1);
			c.upload_path[n > 0 ? n : 0] = '\0';
		}
	}
	closedir(d);
	return c;
}

/* Backends that backend `pid` blocks on a lock. */
static long blocked_by(int pid)
{
	char ps[16];
	snprintf(ps, sizeof ps, "%d", pid);
	return db_long("select count(*) from pg_stat_activity where $1::int = any(pg_blocking_pids(pid))", ps);
}

/* A 25 MiB attachment through nginx to POST /submit: the worker that takes
 * it keeps it in an unlinked file on disk, and its memory grows by a small
 * constant (the 64 KiB read buffer, one 256 KiB chunk in hex for libpq,
 * the form's text), not by the size of the file.
 *
 * Deterministic, not sampled: every worker's peak RSS (VmHWM) is reset
 * first and read after the answer, so it holds the request's peak whatever
 * the timing. And the worker is held still at the one moment it holds the
 * whole file, after hashing it and before storing it: this test begins
 * writing the same blob (attachment_blob_begin in an open transaction), so
 * the worker's own attachment_blob_begin waits on that row lock until this
 * test rolls back. Meanwhile its open files are looked at. The worker's
 * statement_timeout (5 s) is the only clock, and looking takes
 * milliseconds. */
START_TEST(test_upload_memory_bounded)
{
	char email[160], title[96];
	uniq(title, sizeof title, "upload25");
	snprintf(email, sizeof email, "%s@example.com", title);

	/* Text (sniffed text/plain, which the allow-list takes), random so its
	 * blob is not stored yet. */
	unsigned char *data = malloc(UPLOAD_BYTES);
	ck_assert_ptr_nonnull(data);
	randombytes_buf(data, UPLOAD_BYTES);
	for (size_t i = 0; i < UPLOAD_BYTES; i++)
		data[i] = i % 80 == 79 ? '\n' : (unsigned char)('a' + data[i] % 26);
	unsigned char hash[32];
	crypto_hash_sha256(hash, data, UPLOAD_BYTES);
	char hash_hex[65], size_s[24];
	sodium_bin2hex(hash_hex, sizeof hash_hex, hash, sizeof hash);
	snprintf(size_s, sizeof size_s, "%u", UPLOAD_BYTES);

	sform f;
	form_fetch(&f, "General question");
	upload u = { "attachments", "big-log.txt", "text/plain", data, UPLOAD_BYTES };
	dbuf body = { 0 };
	submit_body(&body, &f, &(fill){ .email = email, .title = title, .files = &u, .nfiles = 1 });

	/* The blocker: a concurrent writer of the same blob, not committed. */
	PGconn *lock = PQconnectdb(getenv("DATABASE_URL"));
	ck_assert_msg(PQstatus(lock) == CONNECTION_OK, "second connection: %s", PQerrorMessage(lock));
	PQclear(PQexec(lock, "begin"));
	const char *bp[2] = { hash_hex, size_s };
	PGresult *res = PQexecParams(lock, "select attachment_blob_begin(decode($1, 'hex'), $2::bigint)", 2, NULL, bp,
	    NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && strcmp(PQgetvalue(res, 0, 0), "write") == 0,
	    "attachment_blob_begin in the test: %s %s", PQresultErrorMessage(res),
	    PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	int lock_pid = PQbackendPID(lock);

	pid_t w[32];
	int nw = workers(w, 32);
	ck_assert_msg(nw > 0, "no worker found (SUPPORTDESK_PIDFILE, SUPPORTDESK_LISTEN)");
	long base_rss[32], base_mem[32];
	bool reset_ok = true;
	for (int i = 0; i < nw; i++) {
		reset_ok &= hwm_reset(w[i]);
		base_rss[i] = proc_status_kb(w[i], "VmRSS");
		base_mem[i] = fds_of(w[i]).memory_kb;
		ck_assert_msg(base_rss[i] > 0, "no VmRSS for worker %d", (int)w[i]);
	}

	resp r = { 0 };
	struct curl_slist *hl;
	CURL *c = req_new("POST", "/submit", &f.j, MP_CTYPE, body.data, body.len, &r, &hl);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 240L);
	CURLM *mh = curl_multi_init();
	ck_assert_ptr_nonnull(mh);
	curl_multi_add_handle(mh, c);
	bool paused = false, done = false;
	int handler = -1;
	fd_census seen = { 0 };
	long pause_rss = 0;
	double t0 = mono_s();
	while (!done) {
		int still = 0;
		curl_multi_perform(mh, &still);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(mh, &left)))
			if (msg->msg == CURLMSG_DONE) {
				r.rc = msg->data.result;
				curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &r.status);
				done = true;
			}
		if (!paused && !done && blocked_by(lock_pid) > 0) {
			/* Held still with the whole file received: look, then let go. */
			for (int i = 0; i < nw; i++) {
				fd_census fc = fds_of(w[i]);
				if (!fc.holds_upload)
					continue;
				ck_assert_msg(handler < 0, "workers %d and %d both hold a 25 MiB file", (int)w[handler],
				    (int)w[i]);
				handler = i;
				seen = fc;
				pause_rss = proc_status_kb(w[i], "VmRSS");
			}
			PQclear(PQexec(lock, "rollback"));
			paused = true;
		}
		ck_assert_msg(mono_s() - t0 < 230, "the upload took over 230 s (paused: %d)", paused);
		if (!done)
			curl_multi_poll(mh, NULL, 0, 20, NULL);
	}
	curl_multi_remove_handle(mh, c);
	curl_easy_cleanup(c);
	curl_multi_cleanup(mh);
	curl_slist_free_all(hl);
	dbuf_add(&r.body, "", 0);
	ck_assert_msg(paused, "answered %ld (curl %d) before its worker reached attachment_blob_begin: %.400s", r.status,
	    (int)r.rc, dbuf_str(&r.body));
	ck_assert_msg(is_sent_page(&r), "POST /submit with 25 MiB: %ld (curl %d) %.400s", r.status, (int)r.rc,
	    dbuf_str(&r.body));
	ck_assert_msg(handler >= 0, "no worker held the upload in an open unlinked file while it waited");
	/* Stored whole, in 256 KiB chunks. */
	ck_assert_int_eq(db_long("select count(*) from attachment_blobs where sha256 = decode($1, 'hex') "
	                         "and chunk_count = 100 and size_bytes = 26214400", hash_hex), 1);

	long worst_growth = 0;
	for (int i = 0; i < nw; i++) {
		long hwm = proc_status_kb(w[i], "VmHWM");
		long growth = hwm - base_rss[i];
		fprintf(stderr, "test_submit: upload 25 MiB: worker %d%s: VmRSS %ld kB before, VmHWM %ld kB after "
		                "(+%ld kB)%s\n",
		    (int)w[i], i == handler ? " (took the upload)" : "", base_rss[i], hwm, growth,
		    reset_ok ? "" : " [VmHWM could not be reset: growth counted from VmRSS, an upper bound]");
		if (growth > worst_growth)
			worst_growth = growth;
	}
	long in_files = seen.memory_kb - base_mem[handler];
	fprintf(stderr, "test_submit: upload 25 MiB: worker %d held it in %s (%s), VmRSS %ld kB while it waited; "
	                "memory-backed files +%ld kB; peak RSS growth of any worker +%ld kB\n",
	    (int)w[handler], seen.upload_path, seen.upload_in_memory ? "in memory" : "on disk", pause_rss, in_files,
	    worst_growth);
	ck_assert_msg(worst_growth + in_files < UPLOAD_MEMORY_MAX_KB,
	    "a 25 MiB upload grew a worker's memory by %ld kB (peak RSS +%ld kB, memory-backed files +%ld kB: %s), "
	    "over %ld kB%s", worst_growth + in_files, worst_growth, in_files, seen.upload_path, UPLOAD_MEMORY_MAX_KB,
	    seen.upload_in_memory ? " (the spool file is on tmpfs or a memfd: is SUPPORTDESK_UPLOAD_DIR on tmpfs?)" : "");

	PQfinish(lock);
	resp_free(&r);
	dbuf_free(&body);
	free(data);
	form_free(&f);
}
END_TEST

/* ------------------------------------------------------------ 429 (last) */

static void check_429(const resp *r, const char *what)
{
	char ra[64] = "";
	ck_assert_msg(r->rc == CURLE_OK && r->status == 429, "%s: status %ld, want 429", what, r->status);
	ck_assert_msg(resp_header(r, "Retry-After", ra, sizeof ra), "%s: 429 without Retry-After", what);
	char *end;
	long secs = strtol(ra, &end, 10);
	ck_assert_msg(*ra && !*end && secs > 0 && secs <= 3600, "%s: Retry-After: %s", what, ra);
}

/* GET /captcha/challenge past SUPPORTDESK_RATE_CHALLENGE_IP (60/600 by
 * default), and /verify past SUPPORTDESK_RATE_VERIFY_IP (30/600): 429 with
 * Retry-After. (scripts/test.sh raises the submit limits for the burst
 * test, so POST /submit is not hammered here.) */
START_TEST(test_rate_limits_429)
{
	long limit = strtol(env_or("SUPPORTDESK_RATE_CHALLENGE_IP", "60/600"), NULL, 10);
	int got429 = 0, first = -1;
	for (int i = 0; i < limit + 5; i++) {
		resp r = http("GET", "/captcha/challenge?form=submit", NULL, NULL, NULL, 0);
		if (r.status == 429) {
			if (!got429)
				check_429(&r, "GET /captcha/challenge over the limit");
			if (first < 0)
				first = i + 1;
			got429++;
		} else {
			ck_status(r, 200, "GET /captcha/challenge under the limit");
		}
		resp_free(&r);
	}
	ck_assert_msg(first == limit + 1, "the first 429 came at request %d, want %ld", first, limit + 1);
	ck_assert_int_eq(got429, 5);

	long vlimit = strtol(env_or("SUPPORTDESK_RATE_VERIFY_IP", "30/600"), NULL, 10);
	first = -1;
	for (int i = 0; i < vlimit + 3; i++) {
		resp r = http("GET", "/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, NULL, 0);
		if (r.status == 429) {
			check_429(&r, "GET /verify/{token} over the limit");
			if (first < 0)
				first = i + 1;
		} else {
			ck_assert_msg(r.status == 404, "GET /verify/unknown: %ld", r.status);
		}
		resp_free(&r);
	}
	ck_assert_msg(first == vlimit + 1, "the first verify 429 came at request %d, want %ld", first, vlimit + 1);

}
END_TEST

/* ------------------------------------------------------------ suite */

/* Before each test: fresh rate-limit counters, and a stack that answers
 * (an earlier outage test may have just restarted PostgreSQL or Redis). */
static void fresh_limits(void)
{
	flush_ratelimits();
	ck_assert_msg(healthz_is(200, 20), "/healthz is not 200: the stack did not recover from an earlier test");
	nap_ms(800); /* past the workers' reconnect pace (0.5 s plus up to half of it: core/retry.h) */
}

Suite *submit_suite(void)
{
	if (sodium_init() < 0)
		fprintf(stderr, "test_submit: sodium_init failed\n");
	Suite *s = suite_create("submit");

	TCase *tc = tcase_create("submit_captcha");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_test(tc, test_captcha_replay);
	tcase_add_test(tc, test_captcha_expired_mismatch_algorithm);
	suite_add_tcase(s, tc);

	tc = tcase_create("submit_flow");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_test(tc, test_verify_get_consumes_nothing);
	tcase_add_test(tc, test_no_raw_token_in_database);
	tcase_add_test(tc, test_idempotent_retry);
	tcase_add_test(tc, test_too_big_413);
	tcase_add_test(tc, test_html_svg_served_as_attachments);
	tcase_add_test(tc, test_script_is_text);
	tcase_add_test(tc, test_crlf_no_header_injection);
	suite_add_tcase(s, tc);

	tc = tcase_create("submit_redis_down");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_unchecked_fixture(tc, NULL, restart_redis);
	tcase_add_test(tc, test_redis_down_503);
	suite_add_tcase(s, tc);

	tc = tcase_create("submit_upload_memory");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_test(tc, test_upload_memory_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("submit_burst");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_test(tc, test_burst_with_worker_kill);
	suite_add_tcase(s, tc);

	/* Last: it leaves the limits exhausted; the teardown clears them. */
	tc = tcase_create("submit_rate_limits");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fresh_limits, NULL);
	tcase_add_unchecked_fixture(tc, NULL, flush_ratelimits);
	tcase_add_test(tc, test_rate_limits_429);
	suite_add_tcase(s, tc);
	return s;
}
