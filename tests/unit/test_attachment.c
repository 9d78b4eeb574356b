/* test_attachment.c: content sniffing, file name sanitising, Content-
 * Disposition, the refs JSON and incremental sha256: tables of inputs. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/crypto.h"
#include "core/arena.h"
#include "core/utf8.h"
#include "model/attachment.h"
#include "model/filename.h"
#include "model/sniff.h"
#include "unit/suites.h"

#define DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define OCTET "application/octet-stream"

/* ---------------------------------------------------------------------------
 * Sniffing
 * ------------------------------------------------------------------------- */

#define B(s) s, sizeof(s) - 1

static const struct {
	const char *bytes;
	size_t n;
	const char *name;
	const char *want;
} sniffs[] = {
	{ B("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), "a.png", "image/png" },
	{ B("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), "a.txt", "image/png" },
	{ B("\xFF\xD8\xFF\xE0\0\x10JFIF"), "a.jpg", "image/jpeg" },
	{ B("GIF89a\x01\0\x01\0"), "a.gif", "image/gif" },
	{ B("GIF87a\x01\0\x01\0"), "x", "image/gif" },
	{ B("RIFF\x24\0\0\0WEBPVP8 "), "a.webp", "image/webp" },
	{ B("RIFF\x24\0\0\0WAVEfmt "), "a.wav", OCTET },
	{ B("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), "a.pdf", "application/pdf" },
	{ B("PK\x03\x04\x14\0\0\0\x08\0"), "a.zip", "application/zip" },
	{ B("PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml....word/document.xml"), "a.bin", DOCX },
	{ B("PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml....xl/workbook.xml"), "a.bin", XLSX },
	{ B("PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml...."), "Report.DOCX", DOCX },
	{ B("PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml...."), "sheet.xlsx", XLSX },
	{ B("PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml...."), "slides.pptx", "application/zip" },
	{ B("PK\x03\x04\x14\0\0\0\x08\0word/document.xml"), "fake.docx", "application/zip" },
	{ B("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"), "old.doc", "application/msword" },
	{ B("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"), "old.xls", "application/vnd.ms-excel" },
	{ B("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"), "old.msi", OCTET },
	{ B("hello world\n"), "notes.txt", "text/plain" },
	{ B("hello world\n"), "notes.png", "text/plain" },
	{ B("\xEF\xBB\xBFhello \xC3\xA9t\xC3\xA9\n"), "n.txt", "text/plain" },
	{ B("a,b,c\n1,2,3\n"), "data.csv", "text/csv" },
	{ B("a,b,c\n1,2,3\n"), "data.CSV", "text/csv" },
	{ B("a,b,c\n1,2,3\n"), "data.txt", "text/plain" },
	{ B("{\"a\": [1, 2, {\"b\": null}]}"), "x.txt", "application/json" },
	{ B("  [1, 2, 3]\n"), "x", "application/json" },
	{ B("{not json"), "x.txt", "text/plain" },
	{ B("{not json"), "x.json", "application/json" },
	{ B("<!DOCTYPE html><html><body>hi</body></html>"), "page.html", "text/html" },
	{ B("<!doctype HTML>\n<p>x"), "x.txt", "text/html" },
	{ B("\n\t  <html>"), "a.txt", "text/html" },
	{ B("<script>alert(1)</script>"), "x.png", "text/html" },
	{ B("<HTML><img src=x onerror=alert(1)>"), "image.png", "text/html" },
	{ B("<iframe src=//evil>"), "x.jpg", "text/html" },
	{ B("<body onload=x()>"), "x", "text/html" },
	{ B("<a href=x>y</a>"), "x", "text/html" },
	{ B("<!-- c --><p>x"), "x", "text/html" },
	{ B("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "x.svg", "image/svg+xml" },
	{ B("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "x.png", "image/svg+xml" },
	{ B("<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg/>"), "x.svg", "image/svg+xml" },
	{ B("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg width=\"1\"></svg>"), "pic.png", "image/svg+xml" },
	{ B("<!DOCTYPE svg><svg></svg>"), "x", "image/svg+xml" },
	{ B("<!-- by Inkscape -->\n<svg></svg>"), "x", "image/svg+xml" },
	{ B("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><script/></html>"), "x.xml", "text/html" },
	{ B("<?xml version=\"1.0\"?><note><to>x</to></note>"), "x.xml", "application/xml" },
	{ B("<notatag"), "x.txt", "text/plain" },
	{ B("<bogus>"), "x.txt", "text/plain" },
	{ B("text with \x01 control"), "x.txt", OCTET },
	{ B("nul\0inside"), "x.txt", OCTET },
	{ B("bad utf8 \xC3\x28"), "x.txt", OCTET },
	{ B("overlong \xC0\xAF"), "x.txt", OCTET },
	{ B("\xFF\xFE" "a\0b\0"), "utf16.txt", OCTET },
	{ B("\x7F" "ELF\x02\x01\x01"), "x.pdf", OCTET },
	{ B("MZ\x90\0\x03\0"), "invoice.pdf", OCTET },
	{ B(""), "empty.txt", OCTET },
};

START_TEST(test_sniff_table)
{
	for (size_t i = 0; i < sizeof sniffs / sizeof sniffs[0]; i++) {
		size_t n = sniffs[i].n;
		const char *got = sniff_content_type((const unsigned char *)sniffs[i].bytes, n, n,
		    str_from_cstr(sniffs[i].name));
		ck_assert_msg(strcmp(got, sniffs[i].want) == 0, "sniff #%zu (%s): got %s, want %s", i,
		    sniffs[i].name, got, sniffs[i].want);
	}
}
END_TEST

/* Only the head is seen: a truncated multi-byte character at its end is fine,
 * and JSON too long for the head needs its .json name. */
START_TEST(test_sniff_truncated)
{
	unsigned char head[SNIFF_HEAD];
	memset(head, 'a', sizeof head);
	head[SNIFF_HEAD - 2] = 0xE2; /* first two bytes of U+20AC */
	head[SNIFF_HEAD - 1] = 0x82;
	ck_assert_str_eq(sniff_content_type(head, sizeof head, 1000000, STR_LIT("big.txt")), "text/plain");
	ck_assert_str_eq(sniff_content_type(head, sizeof head, sizeof head, STR_LIT("big.txt")), OCTET);
	head[0] = '[';
	ck_assert_str_eq(sniff_content_type(head, sizeof head, 1000000, STR_LIT("big.txt")), "text/plain");
	ck_assert_str_eq(sniff_content_type(head, sizeof head, 1000000, STR_LIT("big.json")), "application/json");
	/* a binary byte past the head is not seen (the allow-list and download
	 * headers are what protect) */
	memset(head, 'a', sizeof head);
	ck_assert_str_eq(sniff_content_type(head, sizeof head, 1000000, STR_LIT("x")), "text/plain");
}
END_TEST

/* ---------------------------------------------------------------------------
 * File names
 * ------------------------------------------------------------------------- */

static const struct {
	const char *in;
	size_t n; /* 0: strlen */
	const char *want;
} names[] = {
	{ "report.pdf", 0, "report.pdf" },
	{ "invoice\xE2\x80\xAE" "fdp.exe", 0, "invoicefdp.exe" },          /* U+202E */
	{ "\xE2\x80\xAB\xE2\x80\xAA" "a\xE2\x81\xA6" "b\xE2\x81\xA9.txt", 0, "ab.txt" }, /* U+202B, U+202A, U+2066, U+2069 */
	{ "x\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C" "y.txt", 0, "xy.txt" },       /* U+200E, U+200F, U+061C */
	{ "\xEF\xBB\xBFz\xE2\x80\x8B\xE2\x80\x8C\xE2\x80\x8Dw.txt", 0, "zw.txt" }, /* U+FEFF, U+200B-D */
	{ "../../etc/passwd", 0, "passwd" },
	{ "C:\\x\\y.txt", 0, "y.txt" },
	{ "a/b\\c/d.txt", 0, "d.txt" },
	{ "dir/", 0, "attachment" },
	{ "tab\there\nnew\rline.txt", 0, "tab here new line.txt" },
	{ "bell\x07\x1b[31mred.txt", 0, "bell[31mred.txt" },
	{ "del\x7f.txt", 0, "del.txt" },
	{ "c1\xC2\x85\xC2\x9B.txt", 0, "c1.txt" },                             /* U+0085, U+009B */
	{ "  many    spaces  .txt", 0, "many spaces .txt" },
	{ "nb\xC2\xA0\xE2\x80\x83sp.txt", 0, "nb sp.txt" },                    /* U+00A0, U+2003 */
	{ "...hidden", 0, "hidden" },
	{ ". . .x. . .", 0, "x" },
	{ "trailing...   ", 0, "trailing" },
	{ "...", 0, "attachment" },
	{ ".", 0, "attachment" },
	{ "..", 0, "attachment" },
	{ "", 0, "attachment" },
	{ "   ", 0, "attachment" },
	{ "\xE2\x80\xAE", 0, "attachment" },
	{ "bad\xFFutf8.txt", 0, "bad_utf8.txt" },
	{ "trunc\xE2\x82.txt", 0, "trunc__.txt" },
	{ "sur\xED\xA0\x80.txt", 0, "sur___.txt" },
	{ "over\xC0\xAF.txt", 0, "over__.txt" },
	{ "nul\0byte.txt", 12, "nulbyte.txt" },
	{ "win:dows*?<>|\".txt", 0, "win_dows______.txt" },
	{ "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.pdf", 0, "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.pdf" },
	{ "emoji \xF0\x9F\x93\x8E.png", 0, "emoji \xF0\x9F\x93\x8E.png" },
};

START_TEST(test_filename_table)
{
	arena *a = arena_new(4096);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = names[i].n ? names[i].n : strlen(names[i].in);
		char *got = filename_sanitize(a, names[i].in, n);
		ck_assert_msg(strcmp(got, names[i].want) == 0, "name #%zu: got \"%s\", want \"%s\"", i, got,
		    names[i].want);
	}
	arena_free(a);
}
END_TEST

/* Every output obeys the database check whatever the input. */
static void assert_storable(const char *s)
{
	size_t n = strlen(s);
	ck_assert(n >= 1 && n <= FILENAME_MAX_BYTES);
	ck_assert(utf8_valid(s, n));
	ck_assert(!strchr(s, '/') && !strchr(s, '\\'));
	for (size_t i = 0; i < n; i++)
		ck_assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	ck_assert(!strstr(s, "\xE2\x80\xAE") && !strstr(s, "\xE2\x80\x8F"));
	ck_assert(s[0] != '.' && s[0] != ' ' && s[n - 1] != '.' && s[n - 1] != ' ');
}

START_TEST(test_filename_long)
{
	arena *a = arena_new(4096);
	char in[2000];
	/* ASCII: cut to 255 keeping ".pdf" */
	memset(in, 'a', 1000);
	strcpy(in + 1000, ".pdf");
	char *got = filename_sanitize(a, in, strlen(in));
	ck_assert_uint_eq(strlen(got), FILENAME_MAX_BYTES);
	ck_assert_str_eq(got + strlen(got) - 4, ".pdf");
	assert_storable(got);
	/* multi-byte: never cut inside a character */
	size_t o = 0;
	for (int i = 0; i < 300; i++) {
		memcpy(in + o, "\xE6\x97\xA5", 3); /* U+65E5, three bytes */
		o += 3;
	}
	memcpy(in + o, ".docx", 6);
	got = filename_sanitize(a, in, strlen(in));
	ck_assert_uint_le(strlen(got), FILENAME_MAX_BYTES);
	ck_assert_str_eq(got + strlen(got) - 5, ".docx");
	ck_assert_uint_eq((strlen(got) - 5) % 3, 0);
	assert_storable(got);
	/* a long "extension" is not one: plain cut on a boundary */
	o = 0;
	in[o++] = 'x';
	in[o++] = '.';
	for (int i = 0; i < 200; i++) {
		memcpy(in + o, "\xC3\xA9", 2);
		o += 2;
	}
	in[o] = '\0';
	got = filename_sanitize(a, in, o);
	ck_assert_uint_le(strlen(got), FILENAME_MAX_BYTES);
	assert_storable(got);
	/* 4-byte characters too */
	o = 0;
	for (int i = 0; i < 100; i++) {
		memcpy(in + o, "\xF0\x9F\x93\x8E", 4);
		o += 4;
	}
	memcpy(in + o, ".png", 5);
	got = filename_sanitize(a, in, strlen(in));
	ck_assert_uint_le(strlen(got), FILENAME_MAX_BYTES);
	ck_assert_str_eq(got + strlen(got) - 4, ".png");
	assert_storable(got);
	/* a name ending in spaces/dots after the cut */
	memset(in, 'b', 300);
	memset(in + 240, ' ', 20);
	strcpy(in + 300, ".txt");
	got = filename_sanitize(a, in, strlen(in));
	assert_storable(got);
	ck_assert_str_eq(got + strlen(got) - 4, ".txt");
	arena_free(a);
}
END_TEST

START_TEST(test_filename_table_storable)
{
	arena *a = arena_new(4096);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = names[i].n ? names[i].n : strlen(names[i].in);
		assert_storable(filename_sanitize(a, names[i].in, n));
	}
	/* every byte value alone and between letters */
	for (int c = 0; c < 256; c++) {
		char in[4] = { 'a', (char)c, 'b', '\0' };
		assert_storable(filename_sanitize(a, in, 3));
		assert_storable(filename_sanitize(a, in + 1, 1));
	}
	arena_free(a);
}
END_TEST

START_TEST(test_content_disposition)
{
	arena *a = arena_new(4096);
	ck_assert_str_eq(filename_content_disposition(a, "attachment", "report.pdf"),
	    "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
	ck_assert_str_eq(filename_content_disposition(a, "inline", "caf\xC3\xA9 1.png"),
	    "inline; filename=\"caf_ 1.png\"; filename*=UTF-8''caf%C3%A9%201.png");
	ck_assert_str_eq(filename_content_disposition(a, "attachment", "a\"b\\c%d;e'f.txt"),
	    "attachment; filename=\"a_b_c_d;e'f.txt\"; filename*=UTF-8''a%22b%5Cc%25d%3Be%27f.txt");
	ck_assert_str_eq(filename_content_disposition(a, "attachment", "\xF0\x9F\x93\x8E"),
	    "attachment; filename=\"_\"; filename*=UTF-8''%F0%9F%93%8E");
	/* never a CR or LF whatever the name */
	const char *h = filename_content_disposition(a, "attachment", "x\r\ny");
	ck_assert(!strchr(h, '\r') && !strchr(h, '\n'));
	arena_free(a);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Model helpers
 * ------------------------------------------------------------------------- */

START_TEST(test_refs_json)
{
	arena *a = arena_new(4096);
	ck_assert_str_eq(attachment_refs_json(a, NULL, 0), "[]");
	attachment_ref refs[2] = {
		{ .file_name = "a \"b\" \\c.txt", .content_type = "text/plain", .size = 12 },
		{ .file_name = "x\x01y.png", .content_type = "image/png", .size = 26214400 },
	};
	memset(refs[0].sha256_hex, 'a', 64);
	memset(refs[1].sha256_hex, 'b', 64);
	char *js = attachment_refs_json(a, refs, 2);
	json_error_t err;
	json_t *j = json_loads(js, 0, &err);
	ck_assert_msg(j != NULL, "invalid JSON: %s", js);
	ck_assert_uint_eq(json_array_size(j), 2);
	json_t *e = json_array_get(j, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "file_name")), "a \"b\" \\c.txt");
	ck_assert_str_eq(json_string_value(json_object_get(e, "content_type")), "text/plain");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "size_bytes")), 12);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(e, "sha256"))), 64);
	e = json_array_get(j, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "file_name")), "x\x01y.png");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "size_bytes")), 26214400);
	json_decref(j);
	arena_free(a);
}
END_TEST

START_TEST(test_id_valid)
{
	ck_assert(attachment_id_valid(STR_LIT("50000000-0000-4000-8000-0000000000a1")));
	ck_assert(attachment_id_valid(STR_LIT("50000000-0000-4000-8000-0000000000A1")));
	ck_assert(!attachment_id_valid(STR_LIT("50000000-0000-4000-8000-0000000000a")));
	ck_assert(!attachment_id_valid(STR_LIT("50000000-0000-4000-8000-0000000000ag")));
	ck_assert(!attachment_id_valid(STR_LIT("500000000000-4000-8000-0000000000a1-")));
	ck_assert(!attachment_id_valid(STR_LIT("../../../../etc/passwd/../../../..")));
	ck_assert(!attachment_id_valid(STR_LIT("")));
	ck_assert(!attachment_id_valid(STR_NULL));
}
END_TEST

START_TEST(test_sha256_incremental)
{
	ck_assert_int_eq(crypto_init(), 0);
	unsigned char data[200000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 31 + 7);
	unsigned char one[CRYPTO_SHA256_LEN], inc[CRYPTO_SHA256_LEN];
	crypto_sha256(one, data, sizeof data);
	crypto_sha256_state st;
	crypto_sha256_init(&st);
	for (size_t o = 0; o < sizeof data; o += 65536)
		crypto_sha256_update(&st, data + o, sizeof data - o < 65536 ? sizeof data - o : 65536);
	crypto_sha256_final(&st, inc);
	ck_assert_mem_eq(one, inc, sizeof one);
}
END_TEST

Suite *attachment_suite(void)
{
	Suite *s = suite_create("attachment");
	TCase *tc = tcase_create("attachment");
	tcase_add_test(tc, test_sniff_table);
	tcase_add_test(tc, test_sniff_truncated);
	tcase_add_test(tc, test_filename_table);
	tcase_add_test(tc, test_filename_long);
	tcase_add_test(tc, test_filename_table_storable);
	tcase_add_test(tc, test_content_disposition);
	tcase_add_test(tc, test_refs_json);
	tcase_add_test(tc, test_id_valid);
	tcase_add_test(tc, test_sha256_incremental);
	suite_add_tcase(s, tc);
	return s;
}
