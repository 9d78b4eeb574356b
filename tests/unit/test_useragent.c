/* test_useragent.c: the device description of the account page's session
 * list, from real User-Agent strings and from hostile ones. */
#include <check.h>
#include <string.h>

#include "http/useragent.h"
#include "unit/suites.h"

static const struct {
	const char *ua;
	const char *want;
} cases[] = {
	{ "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux" },
	{ "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0", "Firefox on Linux" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	  "Chrome on Windows" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68",
	  "Edge on Windows" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
	  "Edge on Windows" },
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	  "Safari on macOS" },
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	  "Chrome on macOS" },
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	  "Safari on iOS" },
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
	  "Chrome on iOS" },
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15",
	  "Firefox on iOS" },
	{ "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	  "Safari on iPadOS" },
	{ "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
	  "Chrome on Android" },
	{ "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
	  "Samsung Internet on Android" },
	{ "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0", "Firefox on Android" },
	{ "Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 EdgA/126.0.2592.80",
	  "Edge on Android" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
	  "Opera on Windows" },
	{ "Opera/9.80 (Windows NT 6.1; U; en) Presto/2.10.229 Version/11.62", "Opera on Windows" },
	{ "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Vivaldi/6.8",
	  "Vivaldi on Linux" },
	{ "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/120.0.0.0 Chrome/120.0.0.0 Safari/537.36",
	  "Chromium on Linux" },
	{ "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
	  "Chrome on Linux" },
	{ "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	  "Chrome on ChromeOS" },
	{ "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer on Windows" },
	{ "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)", "Internet Explorer on Windows" },
	{ "Mozilla/5.0 (X11; FreeBSD amd64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on FreeBSD" },
	{ "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.14977",
	  "Edge on Windows Phone" },
	{ "curl/8.5.0", "curl" },
	{ "Wget/1.21.4", "Wget" },
	{ "python-requests/2.31.0", "Python" },
	{ "Mozilla/5.0 (X11; Linux x86_64)", "Unknown browser on Linux" },
	{ "supportdesk-e2e", "Unknown device" },
	{ "", "Unknown device" },
	/* What a client says is only searched, never copied. */
	{ "<script>alert(1)</script> Firefox/1 \"quoted\"", "Firefox" },
	{ "Mozilla/5.0 (Windows NT 10.0) Chrome/1\r\nSet-Cookie: x=1", "Chrome on Windows" },
};

START_TEST(describes_common_browsers)
{
	char out[USERAGENT_DESCRIBE_MAX + 1];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		useragent_describe(cases[i].ua, strlen(cases[i].ua), out, sizeof out);
		ck_assert_msg(strcmp(out, cases[i].want) == 0, "\"%s\": got \"%s\", want \"%s\"", cases[i].ua, out,
		    cases[i].want);
	}
}
END_TEST

START_TEST(absent_and_hostile_input)
{
	char out[USERAGENT_DESCRIBE_MAX + 1];
	ck_assert_str_eq(useragent_describe(NULL, 0, out, sizeof out), "Unknown device");
	ck_assert_str_eq(useragent_describe(NULL, 100, out, sizeof out), "Unknown device");
	/* Not NUL-terminated: only n bytes are read. */
	const char firefox[] = { 'F', 'i', 'r', 'e', 'f', 'o', 'x', '/', '1' };
	ck_assert_str_eq(useragent_describe(firefox, sizeof firefox, out, sizeof out), "Firefox");
	ck_assert_str_eq(useragent_describe(firefox, 7, out, sizeof out), "Unknown device");
	/* Embedded NUL bytes do not stop the search. */
	const char nul[] = "x\0Linux\0Firefox/2";
	ck_assert_str_eq(useragent_describe(nul, sizeof nul - 1, out, sizeof out), "Firefox on Linux");
	/* Only the first 512 bytes count: a token further on is not seen. */
	static char big[8192];
	memset(big, 'A', sizeof big);
	memcpy(big + 600, "Firefox/1", 9);
	ck_assert_str_eq(useragent_describe(big, sizeof big, out, sizeof out), "Unknown device");
	memcpy(big + 10, "Windows", 7);
	ck_assert_str_eq(useragent_describe(big, sizeof big, out, sizeof out), "Unknown browser on Windows");
	/* Bounded output: the longest answer fits; a small buffer truncates. */
	const char *longest = "Mozilla/5.0 (Windows Phone 10.0) SamsungBrowser/1";
	useragent_describe(longest, strlen(longest), out, sizeof out);
	ck_assert_str_eq(out, "Samsung Internet on Windows Phone");
	ck_assert_uint_le(strlen(out), USERAGENT_DESCRIBE_MAX);
	char tiny[6];
	ck_assert_str_eq(useragent_describe(longest, strlen(longest), tiny, sizeof tiny), "Samsu");
	/* Every answer is plain printable ASCII, whatever came in. */
	unsigned char noise[512];
	for (size_t i = 0; i < sizeof noise; i++)
		noise[i] = (unsigned char)(i * 37 + 11);
	useragent_describe((const char *)noise, sizeof noise, out, sizeof out);
	for (const char *p = out; *p; p++)
		ck_assert(*p >= 0x20 && *p < 0x7f);
}
END_TEST

Suite *useragent_suite(void)
{
	Suite *s = suite_create("useragent");
	TCase *tc = tcase_create("useragent");
	tcase_add_test(tc, describes_common_browsers);
	tcase_add_test(tc, absent_and_hostile_input);
	suite_add_tcase(s, tc);
	return s;
}
