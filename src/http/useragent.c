/* useragent.c: "Firefox on Linux" from a User-Agent header. The header is
 * searched for well-known tokens and the answer is built from fixed words,
 * so whatever a client sends, the description is short and plain. */
#include "http/useragent.h"

#include <stdio.h>
#include <string.h>

#define UA_SCAN_MAX 512

typedef struct {
	const char *token;
	const char *name;
} ua_rule;

/* First match wins, so the order matters: Chromium-based browsers name
 * Chrome and Safari too, Chrome names Safari, Edge names Chrome. */
static const ua_rule browsers[] = {
	{ "EdgiOS/", "Edge" },
	{ "EdgA/", "Edge" },
	{ "Edg/", "Edge" },
	{ "Edge/", "Edge" },
	{ "OPR/", "Opera" },
	{ "Opera", "Opera" },
	{ "SamsungBrowser/", "Samsung Internet" },
	{ "YaBrowser/", "Yandex Browser" },
	{ "Vivaldi/", "Vivaldi" },
	{ "FxiOS/", "Firefox" },
	{ "Firefox/", "Firefox" },
	{ "CriOS/", "Chrome" },
	{ "Chromium/", "Chromium" },
	{ "Chrome/", "Chrome" },
	{ "MSIE ", "Internet Explorer" },
	{ "Trident/", "Internet Explorer" },
	{ "Safari/", "Safari" },
};

/* Programs rather than browsers: named alone, without a system. */
static const ua_rule tools[] = {
	{ "curl/", "curl" },
	{ "Wget/", "Wget" },
	{ "python-requests/", "Python" },
	{ "Python-urllib/", "Python" },
};

/* Android names Linux, iOS names Mac OS X, ChromeOS names X11 and Linux,
 * some Windows Phone builds name Android. */
static const ua_rule systems[] = {
	{ "Windows Phone", "Windows Phone" },
	{ "Windows", "Windows" },
	{ "iPad", "iPadOS" },
	{ "iPhone", "iOS" },
	{ "iPod", "iOS" },
	{ "Android", "Android" },
	{ "CrOS", "ChromeOS" },
	{ "Macintosh", "macOS" },
	{ "Mac OS X", "macOS" },
	{ "FreeBSD", "FreeBSD" },
	{ "OpenBSD", "OpenBSD" },
	{ "NetBSD", "NetBSD" },
	{ "Linux", "Linux" },
};

static const char *first_match(const char *ua, size_t n, const ua_rule *rules, size_t nrules)
{
	for (size_t i = 0; i < nrules; i++)
		if (memmem(ua, n, rules[i].token, strlen(rules[i].token)))
			return rules[i].name;
	return NULL;
}

char *useragent_describe(const char *ua, size_t n, char *out, size_t outlen)
{
	if (!outlen)
		return out;
	if (!ua)
		n = 0;
	if (n > UA_SCAN_MAX)
		n = UA_SCAN_MAX;
	const char *tool = n ? first_match(ua, n, tools, sizeof tools / sizeof *tools) : NULL;
	const char *browser = n ? first_match(ua, n, browsers, sizeof browsers / sizeof *browsers) : NULL;
	const char *os = n ? first_match(ua, n, systems, sizeof systems / sizeof *systems) : NULL;
	if (tool && !browser)
		snprintf(out, outlen, "%s", tool);
	else if (browser && os)
		snprintf(out, outlen, "%s on %s", browser, os);
	else if (browser)
		snprintf(out, outlen, "%s", browser);
	else if (os)
		snprintf(out, outlen, "Unknown browser on %s", os);
	else
		snprintf(out, outlen, "Unknown device");
	return out;
}
