/* test_admin_keys.c: what the events and rate-limit blocks admin sections
 * parse: a rate-limit counter's Redis key (the form's hidden field, SCAN's
 * answers) and an event's date and time (a datetime-local input). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "kv/kv.h"
#include "model/event.h"
#include "unit/suites.h"

static bool parses(const char *s, ratelimit_key *k)
{
	return ratelimit_key_parse(s, strlen(s), k);
}

START_TEST(ratelimit_keys_parse)
{
	ratelimit_key k;
	ck_assert(parses("sd:rl:login_email:0123456789abcdef0123456789abcdef", &k));
	ck_assert_str_eq(k.action, "login_email");
	ck_assert_str_eq(k.hash, "0123456789abcdef0123456789abcdef");
	ck_assert(parses("sd:rl:challenge:ffffffffffffffffffffffffffffffff", &k));
	ck_assert_str_eq(k.action, "challenge");
	char forty[80];
	snprintf(forty, sizeof forty, "sd:rl:%s:%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "00000000000000000000000000000000");
	ck_assert(parses(forty, &k));
	char formatted[RATELIMIT_KEY_MAX];
	ratelimit_key_format(&k, formatted);
	ck_assert_str_eq(formatted, forty);
}
END_TEST

START_TEST(ratelimit_keys_refused)
{
	static const char *const bad[] = {
		"", "sd:rl:", "sd:rl::0123456789abcdef0123456789abcdef", "sd:rl:login_email",
		"sd:rl:login_email:", "sd:rl:login_email:0123456789abcdef0123456789abcde",    /* 31 */
		"sd:rl:login_email:0123456789abcdef0123456789abcdef0",                        /* 33 */
		"sd:rl:login_email:0123456789ABCDEF0123456789abcdef",                         /* upper case */
		"sd:rl:Login:0123456789abcdef0123456789abcdef", "sd:rl:log-in:0123456789abcdef0123456789abcdef",
		"sd:rl:a:b:0123456789abcdef0123456789abcdef", "sd:ses:0123456789abcdef0123456789abcdef",
		"SD:RL:login:0123456789abcdef0123456789abcdef", " sd:rl:login:0123456789abcdef0123456789abcdef",
		"sd:rl:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:0123456789abcdef0123456789abcdef", /* 41 */
	};
	ratelimit_key k;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!parses(bad[i], &k), "accepted: \"%s\"", bad[i]);
	/* A NUL inside the given length is not a key either. */
	ck_assert(!ratelimit_key_parse("sd:rl:login\0x:0123456789abcdef0123456789abcdef", 46, &k));
}
END_TEST

START_TEST(ratelimit_subject_hash_is_the_counters)
{
	/* The first 16 bytes of sha256("abc") in hex: what ratelimit_hit files "abc" under. */
	char h[RATELIMIT_HASH_HEX + 1];
	ratelimit_subject_hash(str_from_cstr("abc"), h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223");
}
END_TEST

START_TEST(event_times_parse)
{
	char out[17];
	ck_assert(event_time_parse("2027-06-14T09:00", out));
	ck_assert_str_eq(out, "2027-06-14T09:00");
	ck_assert(event_time_parse("2027-06-14 23:59:59", out));
	ck_assert_str_eq(out, "2027-06-14T23:59");
	ck_assert(event_time_parse("2028-02-29", out));
	ck_assert_str_eq(out, "2028-02-29T00:00");
	ck_assert(event_time_parse("2000-02-29T00:00", out));
	static const char *const bad[] = { "", "tomorrow", "2027-6-14", "2027-06-14T9:00", "2027-06-31", "2027-02-29",
		"2100-02-29", "1999-12-31", "3000-01-01", "2027-13-01", "2027-00-10", "2027-06-00", "2027-06-14T24:00",
		"2027-06-14T23:60", "2027-06-14T23:59:60", "2027-06-14X09:00", "2027-06-14T09:00Z", "+027-06-14",
		"2027-06-14T09:00:0", "２０２７-06-14" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!event_time_parse(bad[i], out), "accepted: \"%s\"", bad[i]);
}
END_TEST

Suite *admin_keys_suite(void)
{
	Suite *s = suite_create("admin_keys");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, ratelimit_keys_parse);
	tcase_add_test(tc, ratelimit_keys_refused);
	tcase_add_test(tc, ratelimit_subject_hash_is_the_counters);
	tcase_add_test(tc, event_times_parse);
	suite_add_tcase(s, tc);
	return s;
}
