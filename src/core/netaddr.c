/* netaddr.c: webhook URLs and the classes of addresses (see netaddr.h). */
#include "core/netaddr.h"

#include <string.h>

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A DNS name or dotted IPv4 literal: labels of letters, digits and '-'
 * (not at either end), 1..63 each, at most 253 in all; one trailing dot
 * allowed. Underscores are refused: they have no business in a host. */
static bool host_name_ok(const char *h, size_t n)
{
	if (n == 0 || n > WEBHOOK_HOST_MAX)
		return false;
	if (h[n - 1] == '.')
		n--;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && h[n - 1] != '-';
}

static bool host_ip6_ok(const char *h, size_t n)
{
	if (n < 2 || n > 45)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(h[i]) && h[i] != ':' && h[i] != '.')
			return false;
	return memchr(h, ':', n) != NULL;
}

webhook_url_result webhook_url_parse(const char *url, size_t n, webhook_url *out)
{
	memset(out, 0, sizeof *out);
	if (n > WEBHOOK_URL_MAX)
		return URL_TOO_LONG;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return URL_BAD_CHAR;
	}
	size_t p;
	if (n >= 7 && (url[0] | 0x20) == 'h' && (url[1] | 0x20) == 't' && (url[2] | 0x20) == 't' &&
	    (url[3] | 0x20) == 'p' && url[4] == ':' && url[5] == '/' && url[6] == '/') {
		p = 7;
	} else if (n >= 8 && (url[0] | 0x20) == 'h' && (url[1] | 0x20) == 't' && (url[2] | 0x20) == 't' &&
	           (url[3] | 0x20) == 'p' && (url[4] | 0x20) == 's' && url[5] == ':' && url[6] == '/' &&
	           url[7] == '/') {
		p = 8;
		out->https = true;
	} else {
		return URL_BAD_SCHEME;
	}
	if (memchr(url, '#', n))
		return URL_FRAGMENT;
	size_t end = p;
	while (end < n && url[end] != '/' && url[end] != '?')
		end++;
	if (memchr(url + p, '@', end - p))
		return URL_USERINFO;
	size_t hs = p, he; /* host start, end */
	size_t q = p;
	if (q < end && url[q] == '[') {
		const char *close = memchr(url + q, ']', end - q);
		if (!close)
			return URL_BAD_HOST;
		hs = q + 1;
		he = (size_t)(close - url);
		if (!host_ip6_ok(url + hs, he - hs))
			return URL_BAD_HOST;
		out->host_is_ip6 = true;
		q = he + 1;
	} else {
		while (q < end && url[q] != ':')
			q++;
		he = q;
		if (!host_name_ok(url + hs, he - hs))
			return URL_BAD_HOST;
	}
	out->port = out->https ? 443 : 80;
	if (q < end) {
		if (url[q] != ':' || q + 1 == end)
			return url[q] == ':' ? URL_BAD_PORT : URL_BAD_HOST;
		unsigned long port = 0;
		for (size_t i = q + 1; i < end; i++) {
			if (url[i] < '0' || url[i] > '9' || end - (q + 1) > 5)
				return URL_BAD_PORT;
			port = port * 10 + (unsigned long)(url[i] - '0');
		}
		if (port == 0 || port > 65535)
			return URL_BAD_PORT;
		out->port = (unsigned)port;
	}
	size_t hl = he - hs;
	for (size_t i = 0; i < hl; i++)
		out->host[i] = lower(url[hs + i]);
	out->host[hl] = '\0';
	return URL_OK;
}

const char *webhook_url_message(webhook_url_result r)
{
	switch (r) {
	case URL_OK:
		return "";
	case URL_TOO_LONG:
		return "The address can be at most 2000 characters.";
	case URL_BAD_SCHEME:
		return "Enter an address starting with https:// (or http://).";
	case URL_BAD_CHAR:
		return "The address may not contain spaces or characters outside ASCII; percent-encode them.";
	case URL_USERINFO:
		return "The address may not carry a user name or password; the signature authenticates the delivery.";
	case URL_BAD_HOST:
		return "The address needs a valid host name, like hooks.example.com.";
	case URL_BAD_PORT:
		return "The port must be a number from 1 to 65535.";
	case URL_FRAGMENT:
		return "The address may not have a #fragment: it is never sent.";
	}
	return "The address is not valid.";
}

static bool in4(const unsigned char a[4], unsigned b0, unsigned b1, unsigned b2, unsigned b3, int bits)
{
	unsigned long x = ((unsigned long)a[0] << 24) | ((unsigned long)a[1] << 16) | ((unsigned long)a[2] << 8) | a[3];
	unsigned long net = ((unsigned long)b0 << 24) | ((unsigned long)b1 << 16) | ((unsigned long)b2 << 8) | b3;
	unsigned long mask = bits == 0 ? 0 : (0xffffffffUL << (32 - bits)) & 0xffffffffUL;
	return (x & mask) == (net & mask);
}

netaddr_class netaddr_classify4(const unsigned char a[4])
{
	if (in4(a, 0, 0, 0, 0, 8))
		return NETADDR_UNSPECIFIED;
	if (in4(a, 127, 0, 0, 0, 8))
		return NETADDR_LOOPBACK;
	if (in4(a, 10, 0, 0, 0, 8) || in4(a, 172, 16, 0, 0, 12) || in4(a, 192, 168, 0, 0, 16))
		return NETADDR_PRIVATE;
	if (in4(a, 100, 64, 0, 0, 10))
		return NETADDR_SHARED;
	if (in4(a, 169, 254, 0, 0, 16))
		return NETADDR_LINK_LOCAL;
	if (in4(a, 224, 0, 0, 0, 4))
		return NETADDR_MULTICAST;
	if (in4(a, 240, 0, 0, 0, 4) /* reserved, and 255.255.255.255 */ || in4(a, 192, 0, 0, 0, 24) /* IETF */ ||
	    in4(a, 192, 0, 2, 0, 24) || in4(a, 198, 51, 100, 0, 24) || in4(a, 203, 0, 113, 0, 24) /* documentation */ ||
	    in4(a, 198, 18, 0, 0, 15) /* benchmarking */ || in4(a, 192, 88, 99, 0, 24) /* 6to4 relay */)
		return NETADDR_RESERVED;
	return NETADDR_PUBLIC;
}

static bool prefix6(const unsigned char a[16], const unsigned char *p, int bits)
{
	int full = bits / 8, rest = bits % 8;
	if (memcmp(a, p, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (p[full] & mask);
}

/* The class of an embedded IPv4 address, with public made reserved when
 * the form itself is obsolete (compatible addresses route nowhere). */
static netaddr_class embedded(const unsigned char *v4, bool obsolete)
{
	netaddr_class c = netaddr_classify4(v4);
	return c == NETADDR_PUBLIC && obsolete ? NETADDR_RESERVED : c;
}

netaddr_class netaddr_classify6(const unsigned char a[16])
{
	static const unsigned char zero[16] = { 0 };
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char nat64_local[6] = { 0, 0x64, 0xff, 0x9b, 0, 1 };
	static const unsigned char six_to_four[2] = { 0x20, 0x02 };
	static const unsigned char teredo[4] = { 0x20, 0x01, 0, 0 };
	static const unsigned char doc[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const unsigned char orchid[4] = { 0x20, 0x01, 0x00, 0x10 };
	static const unsigned char discard[8] = { 0x01, 0, 0, 0, 0, 0, 0, 0 };
	if (memcmp(a, zero, 16) == 0)
		return NETADDR_UNSPECIFIED;
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return NETADDR_LOOPBACK;
	if (memcmp(a, mapped, 12) == 0)
		return embedded(a + 12, false);
	if (memcmp(a, zero, 12) == 0)
		return embedded(a + 12, true);   /* IPv4-compatible ::a.b.c.d */
	if (memcmp(a, nat64, 12) == 0)
		return embedded(a + 12, false);
	if (prefix6(a, nat64_local, 48))
		return NETADDR_RESERVED;        /* 64:ff9b:1::/48, local-use translation */
	if (prefix6(a, six_to_four, 16)) {
		netaddr_class c = netaddr_classify4(a + 2);
		return c == NETADDR_PUBLIC ? NETADDR_PUBLIC : c;
	}
	if ((a[0] & 0xfe) == 0xfc)
		return NETADDR_PRIVATE;          /* fc00::/7 unique local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return NETADDR_LINK_LOCAL;       /* fe80::/10 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return NETADDR_RESERVED;         /* fec0::/10 site-local, deprecated but routable inside */
	if (a[0] == 0xff)
		return NETADDR_MULTICAST;
	if (prefix6(a, teredo, 32) || prefix6(a, doc, 32) || prefix6(a, orchid, 28) || prefix6(a, discard, 64))
		return NETADDR_RESERVED;
	/* Only global unicast 2000::/3 is public; the rest is unassigned. */
	if ((a[0] & 0xe0) != 0x20)
		return NETADDR_RESERVED;
	return NETADDR_PUBLIC;
}

const char *netaddr_class_name(netaddr_class c)
{
	switch (c) {
	case NETADDR_PUBLIC:
		return "public";
	case NETADDR_UNSPECIFIED:
		return "unspecified";
	case NETADDR_LOOPBACK:
		return "loopback";
	case NETADDR_PRIVATE:
		return "private";
	case NETADDR_SHARED:
		return "shared (100.64.0.0/10)";
	case NETADDR_LINK_LOCAL:
		return "link-local";
	case NETADDR_MULTICAST:
		return "multicast";
	case NETADDR_RESERVED:
		return "reserved";
	}
	return "unknown";
}
