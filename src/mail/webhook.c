/* webhook.c: signing and delivering one webhook event.
 *
 * Server-side request forgery: the URL's host is resolved here, each
 * address classified (core/netaddr.c), and the first public one is handed
 * to libcurl with CURLOPT_RESOLVE, so curl never resolves the name again.
 * The socket callback checks once more that curl connects to exactly that
 * address: a second DNS answer (rebinding), a proxy from the environment
 * or a redirect cannot lead it elsewhere. Redirects are not followed. */
#include "mail/webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/crypto.h"
#include "core/netaddr.h"

/* Read of the receiver's answer: enough for an error page's first words. */
#define WEBHOOK_RESPONSE_MAX (64 * 1024)

void webhook_signature(const char *secret, long long t, const char *body, size_t n, char *out, size_t outlen)
{
	char ts[24];
	int tl = snprintf(ts, sizeof ts, "%lld.", t);
	/* "<t>." then the body, without copying the body */
	size_t len = (size_t)tl + n;
	char *msg = malloc(len ? len : 1);
	unsigned char mac[CRYPTO_HMAC_LEN];
	char hex[2 * CRYPTO_HMAC_LEN + 1] = "";
	if (msg) {
		memcpy(msg, ts, (size_t)tl);
		if (n)
			memcpy(msg + tl, body, n);
		crypto_hmac_any(mac, secret, strlen(secret), msg, len);
		free(msg);
		crypto_hex_into(hex, mac, sizeof mac);
	}
	snprintf(out, outlen, "t=%lld,v1=%s", t, hex);
}

bool webhook_signature_verify(const char *secret, const char *header, const char *body, size_t n, long long now,
    long window_s)
{
	if (!header || strncmp(header, "t=", 2) != 0)
		return false;
	char *end;
	long long t = strtoll(header + 2, &end, 10);
	if (end == header + 2 || strncmp(end, ",v1=", 4) != 0 || strlen(end + 4) != 2 * CRYPTO_HMAC_LEN)
		return false;
	if (t > now + window_s || t < now - window_s)
		return false;
	char want[128];
	webhook_signature(secret, t, body, n, want, sizeof want);
	size_t wl = strlen(want);
	return strlen(header) == wl && crypto_equal(want, header, wl);
}

/* ------------------------------------------------------------------ delivery */

typedef struct {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];
	bool allow_internal;
	bool mismatch;              /* curl asked to connect elsewhere */
} checked_addr;

static netaddr_class classify(int family, const unsigned char *a)
{
	return family == AF_INET ? netaddr_classify4(a) : netaddr_classify6(a);
}

/* The address to connect to: the first acceptable one of the host's.
 * 0, or -1 with err set (*permanent: no point in retrying soon). */
static int pick_address(const webhook_url *u, bool allow_internal, checked_addr *out, char *err, size_t errlen,
    bool *permanent)
{
	memset(out, 0, sizeof *out);
	out->allow_internal = allow_internal;
	*permanent = true;
	unsigned char a[16];
	if (inet_pton(AF_INET6, u->host, a) == 1 && u->host_is_ip6) {
		out->family = AF_INET6;
		memcpy(out->addr, a, 16);
	} else if (!u->host_is_ip6 && inet_pton(AF_INET, u->host, a) == 1) {
		out->family = AF_INET;
		memcpy(out->addr, a, 4);
	} else if (u->host_is_ip6) {
		snprintf(err, errlen, "the host [%s] is not an IPv6 address", u->host);
		return -1;
	} else {
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		int rc = getaddrinfo(u->host, NULL, &hints, &res);
		if (rc != 0) {
			*permanent = false; /* DNS may be down for a while */
			snprintf(err, errlen, "cannot resolve %s: %s", u->host, gai_strerror(rc));
			return -1;
		}
		netaddr_class refused = NETADDR_PUBLIC;
		bool found = false;
		for (struct addrinfo *ai = res; ai && !found; ai = ai->ai_next) {
			const unsigned char *p;
			if (ai->ai_family == AF_INET)
				p = (const unsigned char *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
			else if (ai->ai_family == AF_INET6)
				p = (const unsigned char *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
			else
				continue;
			netaddr_class c = classify(ai->ai_family, p);
			if (c != NETADDR_PUBLIC && !allow_internal) {
				if (refused == NETADDR_PUBLIC)
					refused = c;
				continue;
			}
			out->family = ai->ai_family;
			memcpy(out->addr, p, ai->ai_family == AF_INET ? 4 : 16);
			found = true;
		}
		freeaddrinfo(res);
		if (!found) {
			snprintf(err, errlen, "refused: %s resolves only to internal addresses (%s); an admin may allow them",
			    u->host, netaddr_class_name(refused));
			return -1;
		}
	}
	inet_ntop(out->family, out->addr, out->text, sizeof out->text);
	netaddr_class c = classify(out->family, out->addr);
	if (c != NETADDR_PUBLIC && !allow_internal) {
		snprintf(err, errlen, "refused: %s is a %s address; an admin may allow internal addresses", out->text,
		    netaddr_class_name(c));
		return -1;
	}
	return 0;
}

/* libcurl's socket callback: only the checked address, ever. */
static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *sa)
{
	checked_addr *ck = clientp;
	if (purpose != CURLSOCKTYPE_IPCXN || sa->family != ck->family) {
		ck->mismatch = true;
		return CURL_SOCKET_BAD;
	}
	const unsigned char *p = sa->family == AF_INET
	    ? (const unsigned char *)&((struct sockaddr_in *)(void *)&sa->addr)->sin_addr
	    : (const unsigned char *)&((struct sockaddr_in6 *)(void *)&sa->addr)->sin6_addr;
	if (memcmp(p, ck->addr, sa->family == AF_INET ? 4 : 16) != 0) {
		ck->mismatch = true;
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype, sa->protocol);
}

static size_t discard_bounded(char *p, size_t size, size_t nmemb, void *user)
{
	(void)p;
	size_t *total = user;
	size_t n = size * nmemb;
	*total += n;
	return *total > WEBHOOK_RESPONSE_MAX ? 0 : n; /* 0: curl stops reading */
}

webhook_outcome webhook_deliver(const webhook_request *rq, int *code, char *err, size_t errlen)
{
	*code = 0;
	err[0] = '\0';
	webhook_url u;
	webhook_url_result ur = webhook_url_parse(rq->url, strlen(rq->url), &u);
	if (ur != URL_OK) {
		snprintf(err, errlen, "bad URL: %s", webhook_url_message(ur));
		return WEBHOOK_PERMANENT;
	}
	checked_addr ck;
	bool permanent;
	if (pick_address(&u, rq->allow_internal, &ck, err, errlen, &permanent) < 0)
		return permanent ? WEBHOOK_PERMANENT : WEBHOOK_RETRY;

	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return WEBHOOK_RETRY;
	}
	char resolve_entry[WEBHOOK_HOST_MAX + 80];
	struct curl_slist *resolve = NULL, *headers = NULL;
	if (!u.host_is_ip6) {
		snprintf(resolve_entry, sizeof resolve_entry, ck.family == AF_INET6 ? "%s:%u:[%s]" : "%s:%u:%s", u.host,
		    u.port, ck.text);
		resolve = curl_slist_append(NULL, resolve_entry);
	}
	char sig[160], h_sig[200], h_event[120], h_id[120];
	webhook_signature(rq->secret, (long long)time(NULL), rq->body, rq->body_len, sig, sizeof sig);
	snprintf(h_sig, sizeof h_sig, "X-Supportdesk-Signature: %s", sig);
	snprintf(h_event, sizeof h_event, "X-Supportdesk-Event: %s", rq->event);
	snprintf(h_id, sizeof h_id, "X-Supportdesk-Delivery: %s", rq->delivery_id);
	const char *lines[] = { "Content-Type: application/json", "User-Agent: Supportdesk-Webhook/1", "Expect:",
		h_event, h_id, h_sig };
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		struct curl_slist *n = curl_slist_append(headers, lines[i]);
		if (n)
			headers = n;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	size_t got = 0;
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(rq->connect_timeout_s > 0 ? rq->connect_timeout_s : 5));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(rq->total_timeout_s > 0 ? rq->total_timeout_s : 10));
	if (resolve)
		curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &ck);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_bounded);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(resolve);
	curl_slist_free_all(headers);
	*code = (int)(status >= 0 && status <= 999 ? status : 0);
	if (ck.mismatch) {
		snprintf(err, errlen, "refused: the connection would not have gone to the checked address %s", ck.text);
		return WEBHOOK_PERMANENT;
	}
	/* A 2xx whose body we cut short is still delivered. */
	if (status >= 200 && status < 300 && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR))
		return WEBHOOK_DELIVERED;
	if (rc != CURLE_OK && status == 0) {
		snprintf(err, errlen, "%s (%s)", errbuf[0] ? errbuf : curl_easy_strerror(rc), ck.text);
		return WEBHOOK_RETRY;
	}
	snprintf(err, errlen, "HTTP %ld from %s", status, ck.text);
	return WEBHOOK_RETRY;
}
