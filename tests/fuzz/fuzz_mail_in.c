/* fuzz_mail_in.c: libFuzzer target for the inbound email parser (bytes ->
 * mail_in_msg), seeded with the .eml files of tests/mail/in (tests/fuzz/corpus/fuzz_mail_in).
 * Checks what the model relies on: every string is valid UTF-8 (or ASCII
 * for addresses and ids) without control bytes where they would reach a
 * header or the log, the body stays within MAIL_IN_MAX_BODY, and the
 * counts stay within their arrays. Quote cutting and HTML to text run on
 * the raw input too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "mail/inbound.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mail_in_init();
	return 0;
}

/* An address (at most 254 bytes, RFC 5321 and users.email's check) or a
 * Message-ID (at most 250, the parser's bound): printable ASCII, no angle
 * brackets. */
static void check_token(const char *s, size_t max)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (n == 0 || n > max)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '<' || s[i] == '>')
			abort();
}

static void check_text(const char *s, bool one_line)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (!utf8_valid(s, n))
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || (one_line && c == '\n') || (c < 0x20 && c != '\n' && c != '\t'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	arena *a = arena_new(16384);
	mail_in_msg m;
	if (mail_in_parse(a, data, size, &m) == 0) {
		if (!m.from_addr || !strchr(m.from_addr, '@'))
			abort();
		check_token(m.from_addr, 254);
		check_token(m.message_id, 250);
		check_token(m.in_reply_to, 250);
		if (m.n_references > MAIL_IN_MAX_REFS || m.n_to > MAIL_IN_MAX_ADDRS || m.n_parts > MAIL_IN_MAX_PARTS)
			abort();
		for (size_t i = 0; i < m.n_references; i++)
			check_token(m.references[i], 250);
		for (size_t i = 0; i < m.n_to; i++)
			check_token(m.to[i], 254);
		check_text(m.from_name, true);
		check_text(m.subject, true);
		check_text(m.body, false);
		if (strlen(m.body) > MAIL_IN_MAX_BODY || strlen(m.subject) > 500)
			abort();
		for (size_t i = 0; i < m.n_parts; i++) {
			check_text(m.parts[i].file_name, true);
			if (!m.parts[i].content_type || (m.parts[i].size && !m.parts[i].data))
				abort();
		}
	}
	/* The pure text helpers on the raw bytes, as text. */
	char *t = arena_strndup(a, (const char *)data, size);
	char *h = mail_in_html_to_text(a, t, strlen(t));
	if (strchr(h, '<') && !strchr(t, '<') && !strchr(t, '&'))
		abort();
	(void)mail_in_strip_quoted(a, t);
	arena_free(a);
	return 0;
}
