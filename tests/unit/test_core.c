/* test_core.c: arena, buffers, escaping, UTF-8, router, tokens, config. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/server.h"
#include "auth/crypto.h"
#include "auth/csrf.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/str.h"
#include "core/utf8.h"
#include "http/router.h"
#include "unit/suites.h"

START_TEST(arena_alloc_aligned_and_reset)
{
	arena *a = arena_new(1024);
	for (int i = 0; i < 1000; i++) {
		void *p = arena_alloc(a, (size_t)(i % 97) + 1);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		memset(p, 0xAB, (size_t)(i % 97) + 1);
	}
	void *big = arena_alloc(a, 1 << 20); /* larger than a block */
	memset(big, 1, 1 << 20);
	ck_assert_uint_ge(arena_used(a), 1 << 20);
	arena_reset(a);
	ck_assert_uint_eq(arena_used(a), 0);
	arena_free(a);
}
END_TEST

static int cleanup_calls;
static void count_cleanup(void *p)
{
	cleanup_calls += *(int *)p;
}

START_TEST(arena_cleanups_run_in_reverse_on_reset)
{
	arena *a = arena_new(1024);
	static int one = 1, ten = 10;
	cleanup_calls = 0;
	arena_on_free(a, count_cleanup, &one);
	arena_on_free(a, count_cleanup, &ten);
	arena_reset(a);
	ck_assert_int_eq(cleanup_calls, 11);
	arena_reset(a);
	ck_assert_int_eq(cleanup_calls, 11); /* once only */
	arena_free(a);
}
END_TEST

START_TEST(arena_realloc_grows_in_place_and_copies)
{
	arena *a = arena_new(4096);
	char *p = arena_alloc(a, 10);
	memcpy(p, "0123456789", 10);
	char *q = arena_realloc(a, p, 10, 100);
	ck_assert_ptr_eq(p, q);
	arena_alloc(a, 8);
	char *r = arena_realloc(a, q, 100, 5000);
	ck_assert_ptr_ne(r, q);
	ck_assert(memcmp(r, "0123456789", 10) == 0);
	arena_free(a);
}
END_TEST

START_TEST(buf_grows_and_formats)
{
	arena *a = arena_new(1024);
	buf b;
	buf_init(&b, a, 4);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	ck_assert_uint_eq(strlen(b.data), b.len);
	ck_assert(strstr(b.data, "999,") != NULL);
	arena_free(a);
}
END_TEST

START_TEST(html_escape_h2o_string)
{
	arena *a = arena_new(1024);
	buf b;
	buf_init(&b, a, 8);
	static const char in[] = "\0\"&'<>";
	buf_append_html(&b, in, sizeof in - 1);
	static const char want[] = "\0&quot;&amp;&#39;&lt;&gt;";
	ck_assert_uint_eq(b.len, sizeof want - 1);
	ck_assert(memcmp(b.data, want, sizeof want - 1) == 0);
	arena_free(a);
}
END_TEST

static const char *const utf8_valids[] = { "", "plain ascii", "caf\xc3\xa9", "\xe2\x82\xac",
	"\xf0\x9f\x98\x80", "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf" };
static const char *const utf8_invalids[] = { "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
	"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xc3", "\xe2\x82", "\x80", "\xfe", "\xff" };

START_TEST(utf8_table)
{
	for (size_t i = 0; i < sizeof utf8_valids / sizeof *utf8_valids; i++)
		ck_assert_msg(utf8_valid(utf8_valids[i], strlen(utf8_valids[i])), "valid #%zu", i);
	for (size_t i = 0; i < sizeof utf8_invalids / sizeof *utf8_invalids; i++)
		ck_assert_msg(!utf8_valid(utf8_invalids[i], strlen(utf8_invalids[i])), "invalid #%zu", i);
	ck_assert(!utf8_valid("a\0b", 3));
}
END_TEST

static int h_one(req *r) { (void)r; return 1; }
static int h_two(req *r) { (void)r; return 2; }

static const route test_routes[] = {
	{ METHOD_GET, "/", h_one, 0 },
	{ METHOD_GET, "/my/tickets/{number}", h_two, 0 },
	{ METHOD_POST, "/my/tickets/{number}/reply", h_one, ROUTE_CSRF },
	{ METHOD_GET | METHOD_POST, "/submit", h_two, 0 },
};

static enum route_match match(arena *a, enum http_method m, const char *path, const route **rt,
    unsigned *allow, req *r)
{
	memset(r, 0, sizeof *r);
	r->a = a;
	r->method = m;
	r->path = str_from_cstr(path);
	return router_match(r, test_routes, sizeof test_routes / sizeof *test_routes, rt, allow);
}

START_TEST(router_patterns_and_methods)
{
	arena *a = arena_new(1024);
	const route *rt;
	unsigned allow;
	req r;
	ck_assert_int_eq(match(a, METHOD_GET, "/", &rt, &allow, &r), ROUTE_FOUND);
	ck_assert_ptr_eq(rt->handler, h_one);
	ck_assert_int_eq(match(a, METHOD_HEAD, "/", &rt, &allow, &r), ROUTE_FOUND);
	ck_assert_int_eq(match(a, METHOD_GET, "/my/tickets/TKT-2026-11-00001", &rt, &allow, &r), ROUTE_FOUND);
	ck_assert(str_eq_cstr(req_route_get(&r, "number"), "TKT-2026-11-00001"));
	ck_assert_int_eq(match(a, METHOD_GET, "/my/tickets/", &rt, &allow, &r), ROUTE_NOT_FOUND);
	ck_assert_int_eq(match(a, METHOD_GET, "/my/tickets/x/y", &rt, &allow, &r), ROUTE_NOT_FOUND);
	ck_assert_int_eq(match(a, METHOD_GET, "/my/tickets/7/reply", &rt, &allow, &r), ROUTE_BAD_METHOD);
	ck_assert_str_eq(router_allow_header(allow), "POST");
	ck_assert_int_eq(match(a, METHOD_POST, "/", &rt, &allow, &r), ROUTE_BAD_METHOD);
	ck_assert_str_eq(router_allow_header(allow), "GET, HEAD");
	ck_assert_int_eq(match(a, METHOD_OTHER, "/submit", &rt, &allow, &r), ROUTE_BAD_METHOD);
	ck_assert_int_eq(match(a, METHOD_GET, "/nope", &rt, &allow, &r), ROUTE_NOT_FOUND);
	arena_free(a);
}
END_TEST

START_TEST(tokens_b64url_roundtrip)
{
	arena *a = arena_new(1024);
	unsigned char raw[CRYPTO_TOKEN_LEN], back[CRYPTO_TOKEN_LEN + 1];
	char *tok = crypto_token_new(a, raw);
	ck_assert_uint_eq(strlen(tok), 43);
	ck_assert_int_eq(crypto_b64url_decode(tok, 43, back, sizeof back), CRYPTO_TOKEN_LEN);
	ck_assert(memcmp(raw, back, CRYPTO_TOKEN_LEN) == 0);
	ck_assert_int_eq(crypto_b64url_decode("ab+/", 4, back, sizeof back), -1);
	ck_assert_int_eq(crypto_b64url_decode("abc=", 4, back, sizeof back), -1);
	char *other = crypto_token_new(a, raw);
	ck_assert_str_ne(tok, other);
	arena_free(a);
}
END_TEST

START_TEST(durations_in_words)
{
	arena *a = arena_new(1024);
	static const struct {
		long s;
		const char *words;
	} cases[] = { { 0, "a few seconds" }, { 9, "a few seconds" }, { 10, "10 seconds" }, { 59, "59 seconds" },
		{ 60, "about a minute" }, { 89, "about a minute" }, { 90, "about 2 minutes" }, { 600, "about 10 minutes" },
		{ 3569, "about 59 minutes" }, { 3570, "about an hour" }, { 3447, "about 57 minutes" },
		{ 3600, "about an hour" }, { 5399, "about an hour" }, { 5400, "about 2 hours" },
		{ 84599, "about 23 hours" }, { 84600, "about a day" }, { 86400 * 3, "about 3 days" } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(strcmp(str_duration_words(a, cases[i].s), cases[i].words) == 0, "%ld s: \"%s\", not \"%s\"",
		    cases[i].s, str_duration_words(a, cases[i].s), cases[i].words);
	arena_free(a);
}
END_TEST

START_TEST(sealed_text_opens_only_with_its_key_and_context)
{
	arena *a = arena_new(4096);
	unsigned char key[32], other[32];
	memset(key, 7, sizeof key);
	memset(other, 8, sizeof other);
	const char *text = "Confirm: https://desk.example/verify/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde\n";
	char *sealed = crypto_seal_text(a, key, "sdoutbox", text);
	ck_assert_ptr_nonnull(sealed);
	ck_assert_msg(!strstr(sealed, "verify") && !strstr(sealed, "AbCdEf"), "sealed text shows the plain one: %s", sealed);
	ck_assert_str_ne(sealed, crypto_seal_text(a, key, "sdoutbox", text)); /* a fresh nonce each time */
	char *back = crypto_open_text(a, key, "sdoutbox", sealed);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(back, text);
	ck_assert_ptr_null(crypto_open_text(a, other, "sdoutbox", sealed));
	ck_assert_ptr_null(crypto_open_text(a, key, "sdother0", sealed));
	char *tampered = arena_strndup(a, sealed, strlen(sealed));
	tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
	ck_assert_ptr_null(crypto_open_text(a, key, "sdoutbox", tampered));
	ck_assert_ptr_null(crypto_open_text(a, key, "sdoutbox", ""));
	ck_assert_ptr_null(crypto_open_text(a, key, "sdoutbox", "not base64url!"));
	ck_assert_ptr_null(crypto_open_text(a, key, "sdoutbox", "AAAA"));
	ck_assert_str_eq(crypto_open_text(a, key, "sdoutbox", crypto_seal_text(a, key, "sdoutbox", "")), "");
	arena_free(a);
}
END_TEST

START_TEST(csrf_anon_binds_form_browser_and_time)
{
	arena *a = arena_new(1024);
	unsigned char key[32] = { 1, 2, 3 };
	str anon = STR_LIT("browser-a");
	char *t = csrf_anon_token(a, key, "submit", anon, 1000, 3600);
	str tok = str_from_cstr(t);
	ck_assert(csrf_anon_check(key, "submit", anon, tok, 1000));
	ck_assert(csrf_anon_check(key, "submit", anon, tok, 4600));
	ck_assert(!csrf_anon_check(key, "submit", anon, tok, 4601));      /* expired */
	ck_assert(!csrf_anon_check(key, "login", anon, tok, 1000));       /* other form */
	ck_assert(!csrf_anon_check(key, "submit", STR_LIT("browser-b"), tok, 1000));
	unsigned char other_key[32] = { 9 };
	ck_assert(!csrf_anon_check(other_key, "submit", anon, tok, 1000));
	char *bad = arena_strdup(a, t);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	ck_assert(!csrf_anon_check(key, "submit", anon, str_from_cstr(bad), 1000));
	ck_assert(!csrf_anon_check(key, "submit", anon, STR_LIT(""), 1000));
	ck_assert(csrf_session_check("abc", STR_LIT("abc")));
	ck_assert(!csrf_session_check("abc", STR_LIT("abd")));
	ck_assert(!csrf_session_check("abc", STR_LIT("ab")));
	ck_assert(!csrf_session_check(NULL, STR_LIT("abc")));
	arena_free(a);
}
END_TEST

START_TEST(password_hash_verifies)
{
	char *h = crypto_password_hash("correct horse", 13);
	ck_assert_ptr_nonnull(h);
	ck_assert(strncmp(h, "$argon2id$", 10) == 0);
	ck_assert(crypto_password_verify(h, "correct horse", 13));
	ck_assert(!crypto_password_verify(h, "correct horsf", 13));
	free(h);
}
END_TEST

START_TEST(config_env_overrides_and_validates)
{
	config c;
	char err[256];
	setenv("SUPPORTDESK_WORKERS", "3", 1);
	setenv("SUPPORTDESK_MAX_FILE_SIZE", "1234", 1);
	setenv("SUPPORTDESK_MAX_FORM_TEXT", "4096", 1);
	setenv("BASE_URL", "https://desk.example", 1);
	ck_assert_int_eq(config_load(&c, err, sizeof err), 0);
	ck_assert_int_eq(c.workers, 3);
	ck_assert_int_eq(c.max_file_size, 1234);
	ck_assert_int_eq(c.max_form_text, 4096);
	ck_assert(c.secure_cookies);
	config_free(&c);
	setenv("SUPPORTDESK_WORKERS", "many", 1);
	ck_assert_int_eq(config_load(&c, err, sizeof err), -1);
	ck_assert(strstr(err, "SUPPORTDESK_WORKERS") != NULL);
	config_free(&c);
	setenv("SUPPORTDESK_WORKERS", "0", 1);
	ck_assert_int_eq(config_load(&c, err, sizeof err), -1);
	config_free(&c);
	unsetenv("SUPPORTDESK_WORKERS");
	setenv("SUPPORTDESK_MAX_FORM_TEXT", "100", 1); /* under 1 KiB: no form would fit */
	ck_assert_int_eq(config_load(&c, err, sizeof err), -1);
	ck_assert(strstr(err, "SUPPORTDESK_MAX_FORM_TEXT") != NULL);
	config_free(&c);
	unsetenv("SUPPORTDESK_MAX_FORM_TEXT");
	unsetenv("SUPPORTDESK_MAX_FILE_SIZE");
	unsetenv("BASE_URL");
}
END_TEST

START_TEST(config_upload_dir)
{
	/* Uploads go to var/tmp by default, beside the local stack's var/mail
	 * (scripts/stack.sh creates it and sets $VAR_DIR/tmp). */
	char *saved = getenv("SUPPORTDESK_UPLOAD_DIR") ? strdup(getenv("SUPPORTDESK_UPLOAD_DIR")) : NULL;
	unsetenv("SUPPORTDESK_UPLOAD_DIR");
	config c;
	char err[256];
	ck_assert_int_eq(config_load(&c, err, sizeof err), 0);
	ck_assert_str_eq(c.upload_dir, "var/tmp");
	config_free(&c);
	setenv("SUPPORTDESK_UPLOAD_DIR", "/var/lib/supportdesk/tmp", 1);
	ck_assert_int_eq(config_load(&c, err, sizeof err), 0);
	ck_assert_str_eq(c.upload_dir, "/var/lib/supportdesk/tmp");
	config_free(&c);
	if (saved)
		setenv("SUPPORTDESK_UPLOAD_DIR", saved, 1);
	else
		unsetenv("SUPPORTDESK_UPLOAD_DIR");
	free(saved);
}
END_TEST

START_TEST(config_file_then_env)
{
	char path[] = "/tmp/sdconfXXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *text = "# comment\nSUPPORTDESK_WORKERS=5\nMAIL_DIR=\"/srv/mail\"\nSUPPORTDESK_BACKLOG=77\n";
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	/* Whatever the shell exports must not decide what the file says. */
	unsetenv("SUPPORTDESK_WORKERS");
	unsetenv("MAIL_DIR");
	setenv("SUPPORTDESK_CONFIG", path, 1);
	setenv("SUPPORTDESK_BACKLOG", "99", 1);
	config c;
	char err[256];
	ck_assert_int_eq(config_load(&c, err, sizeof err), 0);
	ck_assert_int_eq(c.workers, 5);
	ck_assert_str_eq(c.mail_dir, "/srv/mail");
	ck_assert_int_eq(c.backlog, 99); /* the environment wins */
	config_free(&c);
	FILE *f = fopen(path, "w");
	fputs("NOT_A_SETTING=1\n", f);
	fclose(f);
	ck_assert_int_eq(config_load(&c, err, sizeof err), -1);
	ck_assert(strstr(err, "unknown setting") != NULL);
	config_free(&c);
	unsetenv("SUPPORTDESK_CONFIG");
	unsetenv("SUPPORTDESK_BACKLOG");
	unlink(path);
}
END_TEST

START_TEST(respawn_backoff_policy)
{
	ck_assert(server_respawn_delay(0, false, 0.01) == 0);     /* clean exit: at once */
	ck_assert(server_respawn_delay(0, true, 30) == 0);        /* died after a while: at once */
	double d = 0;
	double seen[8];
	for (int i = 0; i < 8; i++)
		seen[i] = d = server_respawn_delay(d, true, 0.05);
	ck_assert(seen[0] > 0 && seen[0] < 0.5);
	for (int i = 1; i < 8; i++)
		ck_assert(seen[i] >= seen[i - 1]);
	ck_assert(seen[7] <= 5.0 && seen[7] >= 1.0);
	ck_assert(server_respawn_delay(d, true, 2.0) == 0);       /* a healthy worker resets it */
}
END_TEST

Suite *core_suite(void)
{
	crypto_init();
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, arena_alloc_aligned_and_reset);
	tcase_add_test(tc, arena_cleanups_run_in_reverse_on_reset);
	tcase_add_test(tc, arena_realloc_grows_in_place_and_copies);
	tcase_add_test(tc, buf_grows_and_formats);
	tcase_add_test(tc, html_escape_h2o_string);
	tcase_add_test(tc, utf8_table);
	tcase_add_test(tc, router_patterns_and_methods);
	tcase_add_test(tc, tokens_b64url_roundtrip);
	tcase_add_test(tc, sealed_text_opens_only_with_its_key_and_context);
	tcase_add_test(tc, durations_in_words);
	tcase_add_test(tc, csrf_anon_binds_form_browser_and_time);
	tcase_add_test(tc, password_hash_verifies);
	tcase_add_test(tc, config_env_overrides_and_validates);
	tcase_add_test(tc, config_file_then_env);
	tcase_add_test(tc, config_upload_dir);
	tcase_add_test(tc, respawn_backoff_policy);
	/* password_hash_verifies runs argon2id: seconds under ASan on a loaded
	 * machine, over Check's default of 4. */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
