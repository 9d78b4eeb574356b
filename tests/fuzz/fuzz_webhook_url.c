/* fuzz_webhook_url.c: libFuzzer target for what a webhook may be sent to:
 * the URL parser (core/netaddr.c) and the address classifier. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(const char *p, size_t n)
{
	webhook_url u, again;
	webhook_url_result r = webhook_url_parse(p, n, &u);
	if (webhook_url_parse(p, n, &again) != r)
		abort(); /* deterministic */
	if (r != URL_OK) {
		if (!*webhook_url_message(r))
			abort();
		return;
	}
	if (n > WEBHOOK_URL_MAX || u.port == 0 || u.port > 65535)
		abort();
	size_t hl = strlen(u.host);
	if (hl == 0 || hl > WEBHOOK_HOST_MAX)
		abort();
	for (size_t i = 0; i < hl; i++) {
		char c = u.host[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    (u.host_is_ip6 && c == ':');
		if (!ok)
			abort(); /* lowercase, nothing a resolver or curl would read otherwise */
	}
	/* The scheme is what the URL starts with; no credentials, no fragment,
	 * nothing below 0x21 or above 0x7e. */
	if ((p[4] == 's' || p[4] == 'S') != u.https)
		abort();
	if (memchr(p, '#', n))
		abort();
	size_t start = u.https ? 8 : 7, end = start;
	while (end < n && p[end] != '/' && p[end] != '?')
		end++;
	if (memchr(p + start, '@', end - start))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			abort();
}

static void check_addresses(const uint8_t *d, size_t n)
{
	if (n < 16)
		return;
	unsigned char a6[16];
	memcpy(a6, d, 16);
	netaddr_class c6 = netaddr_classify6(a6);
	netaddr_class c4 = netaddr_classify4(a6 + 12);
	if (!*netaddr_class_name(c6) || !*netaddr_class_name(c4))
		abort();
	/* the IPv4-mapped form of any address has that address's class */
	unsigned char mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memcpy(mapped + 12, a6 + 12, 4);
	if (netaddr_classify6(mapped) != c4)
		abort();
	/* and the NAT64 form of an internal one is internal */
	unsigned char nat64[16] = { 0, 0x64, 0xff, 0x9b };
	memcpy(nat64 + 12, a6 + 12, 4);
	if (c4 != NETADDR_PUBLIC && netaddr_classify6(nat64) == NETADDR_PUBLIC)
		abort();
	/* nothing outside 2000::/3 is public */
	if (c6 == NETADDR_PUBLIC && (a6[0] & 0xe0) != 0x20 && memcmp(a6, mapped, 12) != 0 &&
	    memcmp(a6, nat64, 12) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	p[size] = '\0';
	check_url(p, size);
	/* Most inputs don't start with a scheme: also try them after one. */
	char *q = malloc(size + 9);
	if (q) {
		memcpy(q, "https://", 8);
		memcpy(q + 8, data, size);
		q[size + 8] = '\0';
		check_url(q, size + 8);
		free(q);
	}
	check_addresses(data, size);
	free(p);
	return 0;
}
