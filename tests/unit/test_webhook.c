/* test_webhook.c: what a webhook may be sent to (core/netaddr.c): the URL
 * parser and the address classifier, in every form an internal address
 * can take, and the signature the sender computes (mail/webhook.c). */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "core/netaddr.h"
#include "mail/webhook.h"
#include "unit/suites.h"

static netaddr_class c4(const char *s)
{
	unsigned char a[4];
	ck_assert_msg(inet_pton(AF_INET, s, a) == 1, "bad test address %s", s);
	return netaddr_classify4(a);
}

static netaddr_class c6(const char *s)
{
	unsigned char a[16];
	ck_assert_msg(inet_pton(AF_INET6, s, a) == 1, "bad test address %s", s);
	return netaddr_classify6(a);
}

START_TEST(ipv4_classes)
{
	static const struct {
		const char *addr;
		netaddr_class want;
	} cases[] = {
		{ "0.0.0.0", NETADDR_UNSPECIFIED }, { "0.1.2.3", NETADDR_UNSPECIFIED },
		{ "127.0.0.1", NETADDR_LOOPBACK }, { "127.255.255.254", NETADDR_LOOPBACK },
		{ "10.0.0.1", NETADDR_PRIVATE }, { "10.255.255.255", NETADDR_PRIVATE },
		{ "172.16.0.1", NETADDR_PRIVATE }, { "172.31.255.255", NETADDR_PRIVATE },
		{ "192.168.1.1", NETADDR_PRIVATE },
		{ "100.64.0.1", NETADDR_SHARED }, { "100.127.255.255", NETADDR_SHARED },
		{ "169.254.169.254", NETADDR_LINK_LOCAL },
		{ "224.0.0.1", NETADDR_MULTICAST }, { "239.255.255.250", NETADDR_MULTICAST },
		{ "240.0.0.1", NETADDR_RESERVED }, { "255.255.255.255", NETADDR_RESERVED },
		{ "192.0.2.10", NETADDR_RESERVED }, { "198.51.100.1", NETADDR_RESERVED },
		{ "203.0.113.5", NETADDR_RESERVED }, { "198.18.0.1", NETADDR_RESERVED },
		{ "192.0.0.8", NETADDR_RESERVED },
		/* the neighbours of each range are public */
		{ "1.1.1.1", NETADDR_PUBLIC }, { "8.8.8.8", NETADDR_PUBLIC },
		{ "9.255.255.255", NETADDR_PUBLIC }, { "11.0.0.0", NETADDR_PUBLIC },
		{ "172.15.255.255", NETADDR_PUBLIC }, { "172.32.0.0", NETADDR_PUBLIC },
		{ "192.167.255.255", NETADDR_PUBLIC }, { "192.169.0.0", NETADDR_PUBLIC },
		{ "100.63.255.255", NETADDR_PUBLIC }, { "100.128.0.0", NETADDR_PUBLIC },
		{ "126.255.255.255", NETADDR_PUBLIC }, { "128.0.0.0", NETADDR_PUBLIC },
		{ "169.253.255.255", NETADDR_PUBLIC }, { "223.255.255.255", NETADDR_PUBLIC },
		{ "1.0.0.0", NETADDR_PUBLIC },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(c4(cases[i].addr) == cases[i].want, "%s: %s, want %s", cases[i].addr,
		    netaddr_class_name(c4(cases[i].addr)), netaddr_class_name(cases[i].want));
}
END_TEST

START_TEST(ipv6_classes)
{
	static const struct {
		const char *addr;
		netaddr_class want;
	} cases[] = {
		{ "::", NETADDR_UNSPECIFIED }, { "::1", NETADDR_LOOPBACK },
		{ "fc00::1", NETADDR_PRIVATE }, { "fd12:3456::1", NETADDR_PRIVATE },
		{ "fe80::1", NETADDR_LINK_LOCAL }, { "febf::1", NETADDR_LINK_LOCAL },
		{ "fec0::1", NETADDR_RESERVED },
		{ "ff02::1", NETADDR_MULTICAST }, { "ff0e::1", NETADDR_MULTICAST },
		/* IPv4-mapped forms take the embedded address's class */
		{ "::ffff:127.0.0.1", NETADDR_LOOPBACK }, { "::ffff:7f00:1", NETADDR_LOOPBACK },
		{ "::ffff:10.1.2.3", NETADDR_PRIVATE }, { "::ffff:192.168.0.1", NETADDR_PRIVATE },
		{ "::ffff:169.254.169.254", NETADDR_LINK_LOCAL }, { "::ffff:100.64.0.1", NETADDR_SHARED },
		{ "::ffff:0.0.0.0", NETADDR_UNSPECIFIED }, { "::ffff:224.0.0.1", NETADDR_MULTICAST },
		{ "::ffff:8.8.8.8", NETADDR_PUBLIC },
		/* IPv4-compatible (obsolete), NAT64 and 6to4 */
		{ "::127.0.0.1", NETADDR_LOOPBACK }, { "::8.8.8.8", NETADDR_RESERVED },
		{ "64:ff9b::127.0.0.1", NETADDR_LOOPBACK }, { "64:ff9b::10.0.0.1", NETADDR_PRIVATE },
		{ "64:ff9b::8.8.8.8", NETADDR_PUBLIC }, { "64:ff9b:1::1", NETADDR_RESERVED },
		{ "2002:7f00:1::", NETADDR_LOOPBACK }, { "2002:c0a8:101::1", NETADDR_PRIVATE },
		{ "2002:808:808::1", NETADDR_PUBLIC },
		/* documentation, Teredo, ORCHID, discard, unassigned */
		{ "2001:db8::1", NETADDR_RESERVED }, { "2001::1", NETADDR_RESERVED },
		{ "2001:10::1", NETADDR_RESERVED }, { "100::1", NETADDR_RESERVED },
		{ "4000::1", NETADDR_RESERVED }, { "::2", NETADDR_UNSPECIFIED }, /* ::0.0.0.2 */
		/* global unicast */
		{ "2001:4860:4860::8888", NETADDR_PUBLIC }, { "2606:4700:4700::1111", NETADDR_PUBLIC },
		{ "2a00:1450:4001::1", NETADDR_PUBLIC },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(c6(cases[i].addr) == cases[i].want, "%s: %s, want %s", cases[i].addr,
		    netaddr_class_name(c6(cases[i].addr)), netaddr_class_name(cases[i].want));
}
END_TEST

static webhook_url_result parse(const char *s, webhook_url *u)
{
	return webhook_url_parse(s, strlen(s), u);
}

START_TEST(urls_parse)
{
	webhook_url u;
	ck_assert_int_eq(parse("https://Hooks.Example.com/supportdesk?x=1", &u), URL_OK);
	ck_assert(u.https);
	ck_assert_str_eq(u.host, "hooks.example.com");
	ck_assert_uint_eq(u.port, 443);
	ck_assert_int_eq(parse("http://127.0.0.1:8080/hook", &u), URL_OK);
	ck_assert(!u.https);
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_uint_eq(u.port, 8080);
	ck_assert_int_eq(parse("HTTP://example.com", &u), URL_OK);
	ck_assert_uint_eq(u.port, 80);
	ck_assert_int_eq(parse("https://[::1]:9000/x", &u), URL_OK);
	ck_assert(u.host_is_ip6);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_uint_eq(u.port, 9000);
	ck_assert_int_eq(parse("https://[::ffff:127.0.0.1]/", &u), URL_OK);
	ck_assert_str_eq(u.host, "::ffff:127.0.0.1");
	ck_assert_int_eq(parse("https://example.com./", &u), URL_OK);
	ck_assert_int_eq(parse("https://a-b.example.com:65535", &u), URL_OK);
	ck_assert_uint_eq(u.port, 65535);
}
END_TEST

START_TEST(urls_refused)
{
	static const struct {
		const char *url;
		webhook_url_result want;
	} cases[] = {
		{ "ftp://example.com/", URL_BAD_SCHEME }, { "file:///etc/passwd", URL_BAD_SCHEME },
		{ "gopher://example.com", URL_BAD_SCHEME }, { "example.com/hook", URL_BAD_SCHEME },
		{ "https:/example.com", URL_BAD_SCHEME }, { "", URL_BAD_SCHEME },
		{ "https://", URL_BAD_HOST }, { "https:///path", URL_BAD_HOST },
		{ "https://exa mple.com", URL_BAD_CHAR }, { "https://example.com/\x01", URL_BAD_CHAR },
		{ "https://ex\xc3\xa4mple.com", URL_BAD_CHAR }, { "https://example.com\\@evil", URL_BAD_CHAR },
		{ "https://user:pw@example.com/", URL_USERINFO }, { "https://evil@127.0.0.1/", URL_USERINFO },
		{ "https://example.com:0/", URL_BAD_PORT }, { "https://example.com:65536/", URL_BAD_PORT },
		{ "https://example.com:/", URL_BAD_PORT }, { "https://example.com:80a/", URL_BAD_PORT },
		{ "https://example.com:0000080/", URL_BAD_PORT },
		{ "https://-example.com/", URL_BAD_HOST }, { "https://example-.com/", URL_BAD_HOST },
		{ "https://exa_mple.com/", URL_BAD_HOST }, { "https://example..com/", URL_BAD_HOST },
		{ "https://[::1/", URL_BAD_HOST }, { "https://[zz::1]/", URL_BAD_HOST },
		{ "https://[]/", URL_BAD_HOST }, { "https://[::1]x/", URL_BAD_HOST },
		{ "https://example.com/#frag", URL_FRAGMENT },
	};
	webhook_url u;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(parse(cases[i].url, &u) == cases[i].want, "%s: %d, want %d", cases[i].url,
		    parse(cases[i].url, &u), cases[i].want);
	char longer[WEBHOOK_URL_MAX + 2];
	memset(longer, 'a', sizeof longer - 1);
	memcpy(longer, "https://", 8);
	longer[sizeof longer - 1] = '\0';
	ck_assert_int_eq(parse(longer, &u), URL_TOO_LONG);
	ck_assert_str_ne(webhook_url_message(URL_BAD_SCHEME), "");
}
END_TEST

START_TEST(signature_is_hmac_over_time_dot_body)
{
	/* Checked against: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test */
	char header[128];
	webhook_signature("whsec_test", 1700000000, "{\"a\":1}", 7, header, sizeof header);
	ck_assert_str_eq(header, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
	ck_assert(webhook_signature_verify("whsec_test", header, "{\"a\":1}", 7, 1700000100, 300));
	ck_assert(!webhook_signature_verify("whsec_test", header, "{\"a\":2}", 7, 1700000100, 300));
	ck_assert(!webhook_signature_verify("whsec_other", header, "{\"a\":1}", 7, 1700000100, 300));
	ck_assert(!webhook_signature_verify("whsec_test", header, "{\"a\":1}", 7, 1700000301, 300));
	ck_assert(!webhook_signature_verify("whsec_test", "t=1700000000", "{\"a\":1}", 7, 1700000000, 300));
}
END_TEST

Suite *webhook_suite(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("addresses");
	tcase_add_test(tc, ipv4_classes);
	tcase_add_test(tc, ipv6_classes);
	tcase_add_test(tc, urls_parse);
	tcase_add_test(tc, urls_refused);
	tcase_add_test(tc, signature_is_hmac_over_time_dot_body);
	suite_add_tcase(s, tc);
	return s;
}
