/* fuzz_imap.c: libFuzzer target for what `mail-in --imap` reads from a
 * server and from its settings (mail/imap.c, mail/imap_poll.c): an
 * untagged SEARCH line, a line ending in a literal's {N}, a mailbox name
 * quoted for a command, and SUPPORTDESK_IMAP_MAILBOXES. The UIDs are never
 * 0 and never more than asked for; a literal's size is the digits it ends
 * with; a quoted name is one quoted string with no CR, LF or NUL that ends
 * where it says; the mailboxes parsed are bounded, named, and their names
 * quote. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/imap.h"
#include "mail/imap_poll.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_search(const char *p, size_t n)
{
	uint32_t uids[64];
	for (int truncated = 0; truncated < 2; truncated++) {
		size_t got = imap_parse_search(p, n, truncated, uids, 64);
		if (got > 64)
			abort();
		for (size_t i = 0; i < got; i++)
			if (uids[i] == 0)
				abort();
	}
}

static void check_literal(const char *p, size_t n)
{
	unsigned long long v;
	if (!imap_literal_size(p, n, &v))
		return;
	/* "...{N}": the digits before the brace's end are N. */
	if (n < 3 || p[n - 1] != '}')
		abort();
	unsigned long long back = 0, scale = 1;
	for (size_t i = n - 1; i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9'; i--, scale *= 10)
		back += (unsigned long long)(p[i - 1] - '0') * scale;
	if (back != v)
		abort();
}

static void check_quote(const char *name)
{
	char out[600];
	if (imap_quote_mailbox(name, out, sizeof out) < 0)
		return;
	size_t len = strlen(out);
	if (len < 2 || out[0] != '"' || out[len - 1] != '"' || strpbrk(out, "\r\n"))
		abort();
	/* Inside, every quote and backslash is escaped. */
	for (size_t i = 1; i + 1 < len; i++) {
		if (out[i] == '\\') {
			if (out[i + 1] != '\\' && out[i + 1] != '"')
				abort();
			i++;
		} else if (out[i] == '"') {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const char *p = (const char *)data;
	check_search(p, size);
	check_literal(p, size);
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (strlen(s) < 512)
		check_quote(s);
	imap_mailbox boxes[IMAP_POLL_MAX_MAILBOXES];
	char err[256];
	int n = imap_parse_mailboxes(s, boxes, IMAP_POLL_MAX_MAILBOXES, err, sizeof err);
	if (n > IMAP_POLL_MAX_MAILBOXES)
		abort();
	for (int i = 0; i < n; i++) {
		if (!boxes[i].name[0] || memchr(boxes[i].name, '\0', sizeof boxes[i].name) == NULL)
			abort();
		check_quote(boxes[i].name);
	}
	free(s);
	return 0;
}
