/* test_mail_in.c: the email channel's pure parts: signed Message-IDs and
 * reply tokens (tampered, wrong recipient, truncated), the threading headers
 * of a notice, the inbound parser, quote cutting and HTML to text. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "mail/imap.h"
#include "mail/imap_poll.h"
#include "mail/inbound.h"
#include "mail/mime.h"
#include "mail/thread.h"
#include "unit/suites.h"

#define TICKET "0b7e3c1a-5d2f-4e8b-9a6c-1f2e3d4c5b6a"
#define OTHER_TICKET "1c8f4d2b-6e3f-4f9c-8b7d-2f3e4d5c6b7a"
#define MESSAGE "2d9a5e3c-7f4a-4a0d-9c8e-3a4f5e6d7c8b"

static arena *A;
static unsigned char mk[MAIL_THREAD_KEY_LEN], tk[MAIL_THREAD_KEY_LEN];

static void setup(void)
{
	A = arena_new(4096);
	unsigned char secret[32];
	for (int i = 0; i < 32; i++)
		secret[i] = (unsigned char)(i * 7 + 1);
	mail_thread_keys(secret, mk, tk);
	mail_in_init();
}

static void teardown(void)
{
	arena_free(A);
}

/* ------------------------------------------------------------------ Message-ID */

START_TEST(msgid_round_trips_for_its_recipient)
{
	char *id = mail_msgid_sign(A, mk, TICKET, MESSAGE, "Alice@Example.test", "desk.example");
	ck_assert_ptr_nonnull(id);
	ck_assert(strncmp(id, "sd." TICKET "." MESSAGE ".", 3 + 36 + 1 + 36 + 1) == 0);
	ck_assert(strstr(id, "@desk.example") != NULL);
	char t[37] = "";
	ck_assert(mail_msgid_verify(mk, id, strlen(id), "alice@example.test", t));
	ck_assert_str_eq(t, TICKET);
	char *br = arena_sprintf(A, "<%s>", id);
	ck_assert(mail_msgid_verify(mk, br, strlen(br), "ALICE@example.test", NULL));
	ck_assert(mail_msgid_is_ours(br, strlen(br)));
}
END_TEST

START_TEST(msgid_refuses_other_recipient_tampering_truncation)
{
	char *id = mail_msgid_sign(A, mk, TICKET, MESSAGE, "alice@example.test", "desk.example");
	size_t n = strlen(id);
	ck_assert(!mail_msgid_verify(mk, id, n, "mallory@example.test", NULL));
	ck_assert(!mail_msgid_verify(mk, id, n, "", NULL));
	/* Every single-character change anywhere before the host. */
	size_t host = (size_t)(strchr(id, '@') - id);
	for (size_t i = 0; i < host; i++) {
		char *t = arena_strdup(A, id);
		t[i] = t[i] == 'a' ? 'b' : 'a';
		ck_assert_msg(!mail_msgid_verify(mk, t, n, "alice@example.test", NULL), "changed at %zu", i);
	}
	/* The ticket swapped for another, the MAC kept. */
	char *swap = arena_strdup(A, id);
	memcpy(swap + 3, OTHER_TICKET, 36);
	ck_assert(!mail_msgid_verify(mk, swap, n, "alice@example.test", NULL));
	/* Truncated anywhere before the host (the host is not signed). */
	for (size_t l = 0; l < host; l++) {
		char *t = arena_strndup(A, id, l);
		char *u = arena_sprintf(A, "%s@desk.example", t);
		ck_assert(!mail_msgid_verify(mk, u, strlen(u), "alice@example.test", NULL));
	}
	/* Another key. */
	unsigned char other[32];
	memcpy(other, mk, 32);
	other[0] ^= 1;
	ck_assert(!mail_msgid_verify(other, id, n, "alice@example.test", NULL));
	/* Not ours at all. */
	ck_assert(!mail_msgid_is_ours("CAF=abc@mail.gmail.com", 22));
	ck_assert(!mail_msgid_verify(mk, NULL, 0, "alice@example.test", NULL));
}
END_TEST

/* ------------------------------------------------------------------ reply token */

START_TEST(token_round_trips_with_its_kind)
{
	char *tok = mail_reply_token_sign(A, tk, TICKET, "alice@example.test", MAIL_REPLY_PUBLIC);
	ck_assert_ptr_nonnull(tok);
	ck_assert_uint_eq(strlen(tok), MAIL_REPLY_TOKEN_LEN);
	ck_assert_int_eq(tok[0], 'r');
	for (const char *p = tok; *p; p++)
		ck_assert((*p >= 'a' && *p <= 'z') || (*p >= '2' && *p <= '7'));
	char t[37];
	enum mail_reply_kind k;
	ck_assert(mail_reply_token_verify(tk, tok, strlen(tok), "Alice@example.TEST", t, &k));
	ck_assert_str_eq(t, TICKET);
	ck_assert_int_eq(k, MAIL_REPLY_PUBLIC);
	/* An MTA that upper-cases the local part does no harm. */
	char *up = arena_strdup(A, tok);
	for (char *p = up; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	ck_assert(mail_reply_token_verify(tk, up, strlen(up), "alice@example.test", t, &k));
	char *note = mail_reply_token_sign(A, tk, TICKET, "agent@example.test", MAIL_REPLY_NOTE);
	ck_assert(mail_reply_token_verify(tk, note, strlen(note), "agent@example.test", t, &k));
	ck_assert_int_eq(k, MAIL_REPLY_NOTE);
}
END_TEST

START_TEST(token_refuses_other_recipient_tampering_truncation_kind_swap)
{
	char *tok = mail_reply_token_sign(A, tk, TICKET, "alice@example.test", MAIL_REPLY_PUBLIC);
	size_t n = strlen(tok);
	ck_assert(!mail_reply_token_verify(tk, tok, n, "bob@example.test", NULL, NULL));
	for (size_t i = 0; i < n; i++) {
		char *t = arena_strdup(A, tok);
		t[i] = t[i] == 'a' ? 'b' : 'a';
		ck_assert_msg(!mail_reply_token_verify(tk, t, n, "alice@example.test", NULL, NULL), "changed at %zu", i);
	}
	for (size_t l = 0; l < n; l++)
		ck_assert(!mail_reply_token_verify(tk, tok, l, "alice@example.test", NULL, NULL));
	/* The customer's reply token turned into a note token. */
	char *swap = arena_strdup(A, tok);
	swap[0] = 'n';
	ck_assert(!mail_reply_token_verify(tk, swap, n, "alice@example.test", NULL, NULL));
	/* The Message-ID key does not sign tokens. */
	ck_assert(!mail_reply_token_verify(mk, tok, n, "alice@example.test", NULL, NULL));
	ck_assert_ptr_null(mail_reply_token_sign(A, tk, "not-a-uuid", "alice@example.test", MAIL_REPLY_PUBLIC));
	ck_assert_ptr_null(mail_reply_token_sign(A, tk, TICKET, "", MAIL_REPLY_PUBLIC));
}
END_TEST

START_TEST(reply_address_and_split)
{
	char *tok = mail_reply_token_sign(A, tk, TICKET, "alice@example.test", MAIL_REPLY_PUBLIC);
	char *addr = mail_reply_address(A, "support@acme.example", tok);
	ck_assert_str_eq(addr, arena_sprintf(A, "support+%s@acme.example", tok));
	ck_assert(mime_addr_valid(addr));
	/* A +detail in the configured address is replaced, not stacked. */
	ck_assert_str_eq(mail_reply_address(A, "help+desk@acme.example", tok), arena_sprintf(A, "help+%s@acme.example", tok));
	/* Past 64 bytes of local part: no Reply-To rather than an invalid one. */
	ck_assert_ptr_null(mail_reply_address(A, "a-very-long-support-mailbox-name@acme.example", tok));
	ck_assert_ptr_null(mail_reply_address(A, "nope", tok));
	char *base, *detail;
	ck_assert(mail_address_split(A, addr, &base, &detail));
	ck_assert_str_eq(base, "support@acme.example");
	ck_assert_str_eq(detail, tok);
	ck_assert(mail_address_split(A, "Help@ACME.example", &base, &detail));
	ck_assert_str_eq(base, "help@acme.example");
	ck_assert_ptr_null(detail);
	ck_assert(!mail_address_split(A, "no-at-sign", &base, &detail));
}
END_TEST

START_TEST(notice_carries_threading_headers)
{
	buf out;
	buf_init(&out, A, 4096);
	const char *refs[] = { "sd.a.b.c@desk.example", "bad id with spaces", "sd.d.e.f@desk.example" };
	mime_message m = {
		.id = MESSAGE, .from = "Desk <desk@desk.example>", .to_email = "alice@example.test",
		.subject = "[TKT-2026-12-00001] New reply", .body_text = "Hi\n", .host = "desk.example", .date = 1700000000,
		.message_id = "sd.x.y.z@desk.example", .in_reply_to = "sd.d.e.f@desk.example",
		.references = refs, .n_references = 3, .reply_to = "support+rabc@acme.example",
	};
	const char *why = NULL;
	ck_assert_int_eq(mime_compose(&out, &m, &why), 0);
	const char *s = out.data;
	ck_assert(strstr(s, "\r\nMessage-ID: <sd.x.y.z@desk.example>\r\n"));
	ck_assert(strstr(s, "\r\nIn-Reply-To: <sd.d.e.f@desk.example>\r\n"));
	ck_assert(strstr(s, "\r\nReferences: <sd.a.b.c@desk.example>\r\n <sd.d.e.f@desk.example>\r\n"));
	ck_assert(!strstr(s, "spaces"));
	ck_assert(strstr(s, "\r\nReply-To: <support+rabc@acme.example>\r\n"));
	/* Without threading, the old id and no extra headers. */
	mime_message plain = m;
	plain.message_id = plain.in_reply_to = plain.reply_to = NULL;
	plain.n_references = 0;
	buf_init(&out, A, 4096);
	ck_assert_int_eq(mime_compose(&out, &plain, &why), 0);
	ck_assert(strstr(out.data, "Message-ID: <" MESSAGE "@desk.example>"));
	ck_assert(!strstr(out.data, "In-Reply-To") && !strstr(out.data, "References") && !strstr(out.data, "Reply-To"));
	/* A header injection through an id is refused. */
	plain.in_reply_to = "x@y>\r\nBcc: evil@example.test";
	buf_init(&out, A, 4096);
	ck_assert_int_eq(mime_compose(&out, &plain, &why), 0);
	ck_assert(!strstr(out.data, "Bcc"));
}
END_TEST

/* ------------------------------------------------------------------ quotes, HTML */

START_TEST(quotes_and_signatures_are_cut)
{
	ck_assert_str_eq(mail_in_strip_quoted(A, "Thanks, it works.\n\nOn Mon, 1 Dec 2026 at 10:00, Desk <d@x> wrote:\n> old\n> text\n"),
	    "Thanks, it works.");
	ck_assert_str_eq(mail_in_strip_quoted(A, "Fine now.\r\n\r\nOn Mon, 1 Dec 2026 at 10:00, Support Desk\r\n<support@acme.example> wrote:\r\n\r\n> old\r\n"),
	    "Fine now.");
	ck_assert_str_eq(mail_in_strip_quoted(A, "See below.\n\n-----Original Message-----\nFrom: Desk\nSent: Monday\nold\n"),
	    "See below.");
	ck_assert_str_eq(mail_in_strip_quoted(A, "Yes.\n\n________________________________\nFrom: Desk <d@x>\nSent: Monday, 1 December 2026 10:00\nTo: me\nold\n"),
	    "Yes.");
	ck_assert_str_eq(mail_in_strip_quoted(A, "Body line\n-- \nAlice\nACME Corp\n"), "Body line");
	ck_assert_str_eq(mail_in_strip_quoted(A, "> quoted\nanswer one\n> quoted 2\nanswer two\n"), "answer one\nanswer two");
	/* "From:" in the text without a header block is kept. */
	ck_assert_str_eq(mail_in_strip_quoted(A, "From: the start, it failed.\nThen it worked.\n"),
	    "From: the start, it failed.\nThen it worked.");
	/* Nothing but a quote: kept whole rather than lost. */
	ck_assert_str_eq(mail_in_strip_quoted(A, "> only a quote\n"), "> only a quote");
	ck_assert_str_eq(mail_in_strip_quoted(A, ""), "");
}
END_TEST

START_TEST(html_becomes_text)
{
	const char *h = "<html><head><title>T</title><style>p{color:red}</style></head><body>"
	                "<p>Hello &amp; welcome,</p><p>line&nbsp;two<br>line three &#8364; &#x41;</p>"
	                "<script>alert(1)</script><ul><li>one</li><li>two</li></ul><!-- hidden --></body></html>";
	char *t = mail_in_html_to_text(A, h, strlen(h));
	ck_assert_msg(strcmp(t, "Hello & welcome,\n\nline two\nline three \xe2\x82\xac A\n\n- one\n- two") == 0, "got [%s]", t);
	ck_assert(!strchr(t, '<'));
	ck_assert_str_eq(mail_in_html_to_text(A, "<b>unterminated", 15), "unterminated");
	ck_assert_str_eq(mail_in_html_to_text(A, "a &bogus; b &#xzz; c", 20), "a &bogus; b &#xzz; c");
}
END_TEST

/* ------------------------------------------------------------------ parser */

static int parse(const char *raw, mail_in_msg *m)
{
	return mail_in_parse(A, (const unsigned char *)raw, strlen(raw), m);
}

START_TEST(parses_plain_qp_and_encoded_subject)
{
	mail_in_msg m;
	ck_assert_int_eq(parse("From: =?ISO-8859-1?Q?Ren=E9_M=FCller?= <Rene@Example.TEST>\r\n"
	                       "To: Support <support@acme.example>, other@x.test\r\n"
	                       "Subject: =?UTF-8?B?UHLDvGZ1bmcg4pyT?=\r\n"
	                       "Message-ID: <abc.123@mail.example.test>\r\n"
	                       "In-Reply-To: <prev@x>\r\n"
	                       "References: <one@x> <two@x>\r\n"
	                       "MIME-Version: 1.0\r\n"
	                       "Content-Type: text/plain; charset=iso-8859-1\r\n"
	                       "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	                       "Gr=FC=DFe, the printer is broken.=\r\n Really.\r\n", &m), 0);
	ck_assert_str_eq(m.from_addr, "rene@example.test");
	ck_assert_str_eq(m.from_name, "Ren\xc3\xa9 M\xc3\xbcller");
	ck_assert_str_eq(m.subject, "Pr\xc3\xbc" "fung \xe2\x9c\x93");
	ck_assert_str_eq(m.message_id, "abc.123@mail.example.test");
	ck_assert_str_eq(m.in_reply_to, "prev@x");
	ck_assert_uint_eq(m.n_references, 2);
	ck_assert_str_eq(m.references[1], "two@x");
	ck_assert_uint_eq(m.n_to, 2);
	ck_assert_str_eq(m.to[0], "support@acme.example");
	ck_assert_str_eq(m.body, "Gr\xc3\xbc\xc3\x9f" "e, the printer is broken. Really.");
	ck_assert_int_eq(m.auto_kind, MAIL_AUTO_NONE);
	ck_assert_uint_eq(m.n_parts, 0);
}
END_TEST

START_TEST(prefers_text_and_collects_attachments)
{
	mail_in_msg m;
	ck_assert_int_eq(parse("From: a@example.test\r\nTo: support@acme.example\r\nSubject: files\r\n"
	                       "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n"
	                       "--X\r\nContent-Type: multipart/alternative; boundary=\"Y\"\r\n\r\n"
	                       "--Y\r\nContent-Type: text/html\r\n\r\n<p>html <b>body</b></p>\r\n"
	                       "--Y\r\nContent-Type: text/plain\r\n\r\ntext body\r\n--Y--\r\n"
	                       "--X\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n"
	                       "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
	                       "--X\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\nContent-Disposition: inline\r\n"
	                       "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--X--\r\n", &m), 0);
	ck_assert_str_eq(m.body, "text body");
	ck_assert(!m.body_from_html);
	ck_assert_uint_eq(m.n_parts, 2);
	ck_assert_str_eq(m.parts[0].file_name, "r.pdf");
	ck_assert_uint_eq(m.parts[0].size, 9);
	ck_assert(memcmp(m.parts[0].data, "%PDF-1.4\n", 9) == 0);
	ck_assert(!m.parts[0].is_inline);
	ck_assert_str_eq(m.parts[1].content_type, "image/png");
	ck_assert(m.parts[1].is_inline);
	ck_assert_str_eq(m.parts[1].file_name, "inline-1.png");
}
END_TEST

START_TEST(html_only_is_text)
{
	mail_in_msg m;
	ck_assert_int_eq(parse("From: a@example.test\r\nTo: support@acme.example\r\nSubject: h\r\n"
	                       "Content-Type: text/html; charset=utf-8\r\n\r\n<div>Hi <script>x()</script>there</div>\r\n", &m), 0);
	ck_assert_str_eq(m.body, "Hi there");
	ck_assert(m.body_from_html);
}
END_TEST

START_TEST(auto_replies_and_bounces_are_flagged)
{
	static const char *const heads[] = {
		"Auto-Submitted: auto-replied\r\n", "Precedence: bulk\r\n", "Precedence: list\r\n", "Precedence: junk\r\n",
		"X-Autoreply: yes\r\n", "X-Autorespond: on\r\n", "Return-Path: <>\r\n",
	};
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
		mail_in_msg m;
		char *raw = arena_sprintf(A, "From: a@example.test\r\n%sSubject: away\r\n\r\nI am away.\r\n", heads[i]);
		ck_assert_int_eq(parse(raw, &m), 0);
		ck_assert_msg(m.auto_kind != MAIL_AUTO_NONE, "%s", heads[i]);
	}
	mail_in_msg m;
	ck_assert_int_eq(parse("From: MAILER-DAEMON@mx.example.test\r\nSubject: Undelivered\r\n\r\nbounce\r\n", &m), 0);
	ck_assert_int_eq(m.auto_kind, MAIL_AUTO_DAEMON);
	ck_assert_int_eq(parse("From: a@example.test\r\nAuto-Submitted: no\r\nPrecedence: first-class\r\n\r\nhuman\r\n", &m), 0);
	ck_assert_int_eq(m.auto_kind, MAIL_AUTO_NONE);
}
END_TEST

START_TEST(no_message_is_refused)
{
	mail_in_msg m;
	ck_assert_int_eq(parse("", &m), -1);
	ck_assert_int_eq(parse("just some text\r\n", &m), -1);
	ck_assert_int_eq(parse("Subject: no sender\r\n\r\nbody\r\n", &m), -1);
	ck_assert_int_eq(parse("From: not an address\r\n\r\nbody\r\n", &m), -1);
}
END_TEST


/* ------------------------------------------------------------------ mail-in --imap: the pure parts */

START_TEST(imap_search_line_parsed)
{
	uint32_t u[8];
	const char *l = "* SEARCH 3 9 12";
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), false, u, 8), 3);
	ck_assert_uint_eq(u[0], 3);
	ck_assert_uint_eq(u[2], 12);
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), false, u, 2), 2); /* the cap */
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), true, u, 8), 2);  /* cut: "12" may be "123" */
	l = "* SEARCH";
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), false, u, 8), 0);
	l = "* SEARCH 0 5";
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), false, u, 8), 0); /* no UID 0 */
	l = "* SEARCH 4294967296";
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), false, u, 8), 0); /* over 32 bits */
	l = "* SEARCH 7x 8";
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), false, u, 8), 0);
	l = "* 3 EXISTS";
	ck_assert_uint_eq(imap_parse_search(l, strlen(l), false, u, 8), 0);
}
END_TEST

START_TEST(imap_literal_announced)
{
	unsigned long long n = 0;
	const char *l = "* 1 FETCH (UID 7 BODY[] {84}";
	ck_assert(imap_literal_size(l, strlen(l), &n));
	ck_assert_uint_eq(n, 84);
	l = "* 1 FETCH (UID 7 BODY[] {}";
	ck_assert(!imap_literal_size(l, strlen(l), &n));
	l = "* 1 FETCH (UID 7 FLAGS (\\Seen))";
	ck_assert(!imap_literal_size(l, strlen(l), &n));
	l = "x {99999999999999999999}"; /* more digits than fit */
	ck_assert(!imap_literal_size(l, strlen(l), &n));
}
END_TEST

START_TEST(imap_mailbox_names_quoted)
{
	char q[64];
	ck_assert_int_eq(imap_quote_mailbox("INBOX", q, sizeof q), 0);
	ck_assert_str_eq(q, "\"INBOX\"");
	ck_assert_int_eq(imap_quote_mailbox("Sales & \"Billing\"\\x", q, sizeof q), 0);
	ck_assert_str_eq(q, "\"Sales &- \\\"Billing\\\"\\\\x\"");
	ck_assert_int_eq(imap_quote_mailbox("a\r\nb", q, sizeof q), -1);   /* no command injection */
	ck_assert_int_eq(imap_quote_mailbox("Entw\xc3\xbcrfe", q, sizeof q), -1); /* non-ASCII */
	ck_assert_int_eq(imap_quote_mailbox("", q, sizeof q), -1);
	ck_assert_int_eq(imap_quote_mailbox("abcdefgh", q, 8), -1);       /* does not fit */
}
END_TEST

START_TEST(imap_mailboxes_setting_parsed)
{
	imap_mailbox b[4];
	char err[256];
	ck_assert_int_eq(imap_parse_mailboxes(" INBOX = Help@Acme.Example , Support/Billing=billing@acme.example,Other", b, 4,
	                     err, sizeof err), 3);
	ck_assert_str_eq(b[0].name, "INBOX");
	ck_assert_str_eq(b[0].address, "help@acme.example");
	ck_assert_str_eq(b[1].name, "Support/Billing");
	ck_assert_str_eq(b[2].name, "Other");
	ck_assert_str_eq(b[2].address, "");
	ck_assert_int_eq(imap_parse_mailboxes("INBOX=not-an-address", b, 4, err, sizeof err), -1);
	ck_assert_int_eq(imap_parse_mailboxes("INBOX=", b, 4, err, sizeof err), -1);
	ck_assert_int_eq(imap_parse_mailboxes("=help@acme.example", b, 4, err, sizeof err), -1);
	ck_assert_int_eq(imap_parse_mailboxes("INBOX,INBOX", b, 4, err, sizeof err), -1);
	ck_assert_int_eq(imap_parse_mailboxes(" , ", b, 4, err, sizeof err), -1);
	ck_assert_int_eq(imap_parse_mailboxes("a,b,c,d,e", b, 4, err, sizeof err), -1);
	ck_assert_int_eq(imap_parse_mailboxes("In\tbox", b, 4, err, sizeof err), -1);
}
END_TEST

START_TEST(imap_settings_checked)
{
	char err[256];
	imap_opts o = { .url = "imaps://imap.acme.example", .user = "desk", .timeout_s = 5 };
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), 0);
	o.url = "imap://imap.acme.example:143"; /* STARTTLS */
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), 0);
	o.plaintext_loopback = true;
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), -1);
	o.url = "imap://127.0.0.1:1143";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), 0);
	o.url = "imap://[::1]:1143";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), 0);
	o.url = "imap://127.0.0.1.example:1143";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), -1);
	o.url = "https://imap.acme.example";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), -1);
	o.url = "imaps://imap.acme.example/INBOX";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), -1);
	o.url = "imaps://u:p@imap.acme.example";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), -1);
	o.url = "";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), -1);
	o.url = "imaps://imap.acme.example";
	o.user = "";
	ck_assert_int_eq(imap_check_opts(&o, err, sizeof err), -1);
}
END_TEST

Suite *mail_in_suite(void)
{
	Suite *s = suite_create("mail_in");
	TCase *t = tcase_create("thread");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, msgid_round_trips_for_its_recipient);
	tcase_add_test(t, msgid_refuses_other_recipient_tampering_truncation);
	tcase_add_test(t, token_round_trips_with_its_kind);
	tcase_add_test(t, token_refuses_other_recipient_tampering_truncation_kind_swap);
	tcase_add_test(t, reply_address_and_split);
	tcase_add_test(t, notice_carries_threading_headers);
	suite_add_tcase(s, t);
	TCase *p = tcase_create("parse");
	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_test(p, quotes_and_signatures_are_cut);
	tcase_add_test(p, html_becomes_text);
	tcase_add_test(p, parses_plain_qp_and_encoded_subject);
	tcase_add_test(p, prefers_text_and_collects_attachments);
	tcase_add_test(p, html_only_is_text);
	tcase_add_test(p, auto_replies_and_bounces_are_flagged);
	tcase_add_test(p, no_message_is_refused);
	suite_add_tcase(s, p);
	TCase *im = tcase_create("imap");
	tcase_add_test(im, imap_search_line_parsed);
	tcase_add_test(im, imap_literal_announced);
	tcase_add_test(im, imap_mailbox_names_quoted);
	tcase_add_test(im, imap_mailboxes_setting_parsed);
	tcase_add_test(im, imap_settings_checked);
	suite_add_tcase(s, im);
	return s;
}
