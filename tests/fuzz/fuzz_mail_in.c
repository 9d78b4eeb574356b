/* fuzz_mail_in.c: libFuzzer target for the inbound email parser (bytes ->
 * mail_in_msg), seeded with tests/mail/in/*.eml (tests/fuzz/corpus/fuzz_mail_in).
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

static void check_id(const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (n == 0 || n > 250)
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
		check_id(m.from_addr);
		check_id(m.message_id);
		check_id(m.in_reply_to);
		if (m.n_references > MAIL_IN_MAX_REFS || m.n_to > MAIL_IN_MAX_ADDRS || m.n_parts > MAIL_IN_MAX_PARTS)
			abort();
		for (size_t i = 0; i < m.n_references; i++)
			check_id(m.references[i]);
		for (size_t i = 0; i < m.n_to; i++)
			check_id(m.to[i]);
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
