/* netaddr.h: what a webhook may be sent to. A URL's parts (http or https,
 * a host name or literal, a port) and the class of an address the host
 * resolved to: anything but a public unicast address is internal, and a
 * webhook reaches it only when its organization's admin allowed that. Pure
 * functions: no resolving here (the sender does it, then connects to the
 * very address it checked, so DNS rebinding cannot slip past). */
#ifndef SD_CORE_NETADDR_H
#define SD_CORE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#define WEBHOOK_URL_MAX 2000
#define WEBHOOK_HOST_MAX 253

typedef struct {
	bool https;
	char host[WEBHOOK_HOST_MAX + 1];   /* lowercase; an IPv6 literal without its brackets */
	bool host_is_ip6;                  /* the URL had [v6] */
	unsigned port;                     /* 80 / 443 when the URL names none */
} webhook_url;

typedef enum {
	URL_OK,
	URL_TOO_LONG,
	URL_BAD_SCHEME,      /* not http:// or https:// */
	URL_BAD_CHAR,        /* a space, a control character, a byte over 0x7e */
	URL_USERINFO,        /* user:password@ in the authority */
	URL_BAD_HOST,
	URL_BAD_PORT,
	URL_FRAGMENT,        /* '#...': never sent, so surely a mistake */
} webhook_url_result;

/* Parses url (n bytes, no NUL needed) into *out. */
webhook_url_result webhook_url_parse(const char *url, size_t n, webhook_url *out);
/* The message for a result other than URL_OK, for the admin's form. */
const char *webhook_url_message(webhook_url_result r);

typedef enum {
	NETADDR_PUBLIC,
	NETADDR_UNSPECIFIED,   /* 0.0.0.0/8, :: */
	NETADDR_LOOPBACK,      /* 127/8, ::1 */
	NETADDR_PRIVATE,       /* RFC 1918, fc00::/7 */
	NETADDR_SHARED,        /* 100.64/10 (carrier-grade NAT) */
	NETADDR_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
	NETADDR_MULTICAST,     /* 224/4, ff00::/8 */
	NETADDR_RESERVED,      /* documentation, benchmarking, 240/4, broadcast, IETF, site-local, ... */
} netaddr_class;

/* The class of an IPv4 address (4 bytes, network order). */
netaddr_class netaddr_classify4(const unsigned char a[4]);
/* The class of an IPv6 address (16 bytes); the forms that embed an IPv4
 * address (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) take the class of the embedded one when it is not public. */
netaddr_class netaddr_classify6(const unsigned char a[16]);
/* A word for the class ("loopback", "private"...), for error messages. */
const char *netaddr_class_name(netaddr_class c);

#endif
