/* test_submit_form.c: the public form's model: parsing its configuration,
 * validating every field kind, email syntax and rate-limit buckets. */
#include <check.h>
#include <string.h>

#include "model/submit_form.h"
#include "unit/suites.h"

static const char *const emails_valid[] = { "a@b.co", "first.last@example.com", "x+tag@sub.example.org",
	"o'hara@example.ie", "UPPER@EXAMPLE.COM", "a-b_c@ex-ample.io", "1@2.de" };
static const char *const emails_invalid[] = { "", "plain", "@example.com", "a@", "a@b", "a@@b.co",
	"a b@example.com", "a@exa mple.com", ".a@example.com", "a.@example.com", "a..b@example.com",
	"a@-example.com", "a@example-.com", "a@example..com", "\"q\"@example.com", "a@b.co\r\nBcc: x@y.z",
	"ä@example.com", "a@exämple.com", "a@example.com.", "a\n@example.com" };

START_TEST(email_syntax_table)
{
	for (size_t i = 0; i < sizeof emails_valid / sizeof *emails_valid; i++)
		ck_assert_msg(form_email_valid(str_from_cstr(emails_valid[i])), "valid: %s", emails_valid[i]);
	for (size_t i = 0; i < sizeof emails_invalid / sizeof *emails_invalid; i++)
		ck_assert_msg(!form_email_valid(str_from_cstr(emails_invalid[i])), "invalid: %s", emails_invalid[i]);
	char long_local[80];
	memset(long_local, 'a', 65);
	strcpy(long_local + 65, "@example.com");
	ck_assert(!form_email_valid(str_from_cstr(long_local)));
}
END_TEST

START_TEST(email_buckets_fold_case_and_tags)
{
	arena *a = arena_new(1024);
	ck_assert_str_eq(form_email_bucket(a, STR_LIT("Alice+News@Example.COM"), true), "alice@example.com");
	ck_assert_str_eq(form_email_bucket(a, STR_LIT("Alice+News@Example.COM"), false), "alice+news@example.com");
	ck_assert_str_eq(form_email_bucket(a, STR_LIT("a+b+c@x.io"), true), "a@x.io");
	arena_free(a);
}
END_TEST

static const char doc_json[] =
    "[{\"id\":\"11111111-1111-1111-1111-111111111111\",\"name\":\"Event help\",\"description\":null,"
    "\"requires_event\":true,\"events\":[{\"id\":\"eeeeeeee-0000-0000-0000-000000000001\",\"name\":\"Expo\","
    "\"starts_on\":\"2027-01-02\",\"location\":\"Hall 1\"}],"
    "\"fields\":["
    "{\"key\":\"ref\",\"label\":\"Reference\",\"type\":\"text\",\"required\":true,\"rules\":{\"min_length\":3,\"max_length\":8,\"pattern\":\"^[A-Z0-9-]+$\"},\"options\":[]},"
    "{\"key\":\"notes\",\"label\":\"Notes\",\"type\":\"textarea\",\"required\":false,\"rules\":{\"max_length\":20},\"options\":[]},"
    "{\"key\":\"when\",\"label\":\"When\",\"type\":\"date\",\"required\":false,\"rules\":{\"min_date\":\"2020-01-01\",\"max_date\":\"2030-12-31\"},\"options\":[]},"
    "{\"key\":\"area\",\"label\":\"Area\",\"type\":\"dropdown_static\",\"required\":true,\"rules\":{},\"options\":[{\"value\":\"web\",\"label\":\"Web\"},{\"value\":\"app\",\"label\":\"App\"}]},"
    "{\"key\":\"event\",\"label\":\"Event\",\"type\":\"dropdown_dynamic_event\",\"required\":true,\"rules\":{},\"options\":[]},"
    "{\"key\":\"shot\",\"label\":\"Screenshot\",\"type\":\"file\",\"required\":false,\"rules\":{\"max_files\":2},\"options\":[]},"
    "{\"key\":\"agree\",\"label\":\"I agree\",\"type\":\"checkbox\",\"required\":true,\"rules\":{},\"options\":[]}"
    "]}]";

static bool check(arena *a, const form_field *f, const char *value, size_t nfiles)
{
	form_errors e = { 0 };
	return form_field_check(a, f, value ? str_from_cstr(value) : STR_NULL, nfiles, &e);
}

START_TEST(document_parses_every_field_kind)
{
	arena *a = arena_new(4096);
	form_doc *d = submit_form_parse(a, doc_json, sizeof doc_json - 1);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->ntypes, 1);
	const form_type *t = submit_form_type(d, STR_LIT("11111111-1111-1111-1111-111111111111"));
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(submit_form_type(d, STR_LIT("22222222-1111-1111-1111-111111111111")));
	ck_assert(t->requires_event);
	ck_assert_uint_eq(t->nfields, 7);
	static const enum field_kind kinds[] = { FIELD_TEXT, FIELD_TEXTAREA, FIELD_DATE, FIELD_SELECT,
		FIELD_EVENT, FIELD_FILE, FIELD_CHECKBOX };
	for (size_t i = 0; i < 7; i++)
		ck_assert_int_eq(t->fields[i].kind, kinds[i]);
	ck_assert_int_eq(t->fields[0].min_length, 3);
	ck_assert_str_eq(t->fields[0].pattern, "^[A-Z0-9-]+$");
	ck_assert_uint_eq(t->fields[3].noptions, 2);
	ck_assert_ptr_nonnull(submit_form_event(t, STR_LIT("eeeeeeee-0000-0000-0000-000000000001")));
	ck_assert_ptr_null(submit_form_event(t, STR_LIT("eeeeeeee-0000-0000-0000-000000000002")));
	ck_assert_ptr_null(submit_form_parse(a, "{\"not\":\"a list\"}", 16));
	ck_assert_ptr_null(submit_form_parse(a, "[", 1));
	arena_free(a);
}
END_TEST

START_TEST(fields_validate_by_kind)
{
	arena *a = arena_new(4096);
	form_doc *d = submit_form_parse(a, doc_json, sizeof doc_json - 1);
	const form_field *f = d->types[0].fields;
	/* text: required, length in characters, pattern, one line */
	ck_assert(!check(a, &f[0], NULL, 0));
	ck_assert(!check(a, &f[0], "", 0));
	ck_assert(!check(a, &f[0], "AB", 0));
	ck_assert(check(a, &f[0], "AB-12", 0));
	ck_assert(!check(a, &f[0], "ab-12", 0));
	ck_assert(!check(a, &f[0], "ABCDEFGHI", 0));
	ck_assert(!check(a, &f[0], "AB\n12", 0));
	/* textarea: optional, max in characters (UTF-8 counts as one) */
	ck_assert(check(a, &f[1], NULL, 0));
	ck_assert(check(a, &f[1], "ééééééééééééééééééé", 0)); /* 19 chars, 38 bytes */
	ck_assert(!check(a, &f[1], "123456789012345678901", 0));
	/* date: format, calendar, range */
	ck_assert(check(a, &f[2], "2024-02-29", 0));
	ck_assert(!check(a, &f[2], "2023-02-29", 0));
	ck_assert(!check(a, &f[2], "2024-13-01", 0));
	ck_assert(!check(a, &f[2], "24-01-01", 0));
	ck_assert(!check(a, &f[2], "2019-12-31", 0));
	ck_assert(!check(a, &f[2], "2031-01-01", 0));
	/* static dropdown: only offered values */
	ck_assert(check(a, &f[3], "web", 0));
	ck_assert(!check(a, &f[3], "desktop", 0));
	ck_assert(!check(a, &f[3], "", 0));
	/* event dropdown: required here; membership is checked by the page */
	ck_assert(!check(a, &f[4], NULL, 0));
	/* file: count */
	ck_assert(check(a, &f[5], NULL, 0));
	ck_assert(check(a, &f[5], NULL, 2));
	ck_assert(!check(a, &f[5], NULL, 3));
	/* checkbox: required means ticked; only "on" */
	ck_assert(!check(a, &f[6], NULL, 0));
	ck_assert(check(a, &f[6], "on", 0));
	ck_assert(!check(a, &f[6], "maybe", 0));
	/* the first message of a field is kept, and named after the field */
	form_errors e = { 0 };
	form_field_check(a, &f[0], STR_LIT("x"), 0, &e);
	form_field_check(a, &f[0], STR_LIT("y"), 0, &e);
	ck_assert_uint_eq(e.len, 1);
	ck_assert_str_eq(e.items[0].field, "cf_ref");
	ck_assert_ptr_nonnull(form_errors_get(&e, "cf_ref"));
	ck_assert_ptr_null(form_errors_get(&e, "cf_notes"));
	arena_free(a);
}
END_TEST

START_TEST(form_data_json_keeps_types)
{
	arena *a = arena_new(4096);
	form_doc *d = submit_form_parse(a, doc_json, sizeof doc_json - 1);
	const str_pair fields[] = { { STR_LIT("cf_ref"), STR_LIT("AB-1\"2") }, { STR_LIT("cf_agree"), STR_LIT("on") },
		{ STR_LIT("cf_unknown"), STR_LIT("dropped") }, { STR_LIT("cf_ref"), STR_LIT("second, ignored") } };
	const str_pair files[] = { { STR_LIT("cf_shot"), STR_LIT("a.png") }, { STR_LIT("attachments"), STR_LIT("b.pdf") } };
	char *json = submit_form_data_json(a, &d->types[0], fields, 4, NULL, 0);
	ck_assert_str_eq(json, "{\"agree\":true,\"ref\":\"AB-1\\\"2\",\"shot\":[]}");
	json = submit_form_data_json(a, &d->types[0], fields, 1, files, 2);
	ck_assert_str_eq(json, "{\"agree\":false,\"ref\":\"AB-1\\\"2\",\"shot\":[\"a.png\"]}");
	arena_free(a);
}
END_TEST

START_TEST(trim_and_count_characters)
{
	str t = form_trim(STR_LIT(" \t\r\n Hello wörld \n "));
	ck_assert_uint_eq(t.len, 12);
	ck_assert(memcmp(t.ptr, "Hello wörld", 12) == 0);
	ck_assert_int_eq(form_chars(t), 11);
	ck_assert_uint_eq(form_trim(STR_LIT("   ")).len, 0);
	ck_assert_uint_eq(form_trim(STR_NULL).len, 0);
	/* A required text field of blanks only is empty, as the database would
	 * store it. */
	arena *a = arena_new(4096);
	form_doc *d = submit_form_parse(a, doc_json, sizeof doc_json - 1);
	ck_assert(!check(a, &d->types[0].fields[0], "    ", 0));
	/* Limits apply to what is stored: the blanks around do not count. */
	ck_assert(check(a, &d->types[0].fields[0], "  AB-12345  ", 0));
	arena_free(a);
}
END_TEST

/* The admin pages refuse a pattern the workers could not use. */
START_TEST(patterns_that_compile)
{
	ck_assert(form_pattern_valid("^[A-Z]{2}[0-9]{6}$"));
	ck_assert(form_pattern_valid("^(a|b)+$"));
	ck_assert(!form_pattern_valid("(unclosed"));
	ck_assert(!form_pattern_valid("[z-a]"));
	ck_assert(!form_pattern_valid("a{2,1}"));
}
END_TEST

Suite *submit_form_suite(void)
{
Suite *s = suite_create("submit_form");
	TCase *tc = tcase_create("submit_form");
	tcase_add_test(tc, email_syntax_table);
	tcase_add_test(tc, email_buckets_fold_case_and_tags);
	tcase_add_test(tc, document_parses_every_field_kind);
	tcase_add_test(tc, fields_validate_by_kind);
	tcase_add_test(tc, form_data_json_keeps_types);
	tcase_add_test(tc, trim_and_count_characters);
	tcase_add_test(tc, patterns_that_compile);
	suite_add_tcase(s, tc);
	return s;
}
