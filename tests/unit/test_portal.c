/* test_portal.c: the portal's pure pieces of the ticket model: the shape of
 * a ticket number, the tabs' names, and the keyset cursor (opaque, but
 * round-tripped exactly and checked on the way in). */
#include <check.h>
#include <string.h>

#include "model/ticket.h"
#include "unit/suites.h"

static const char *const numbers_valid[] = { "TKT-2024-05-00042", "ACME-2026-12-00001", "T1-1999-01-12345",
	"ABCDEFGHIJ-2024-05-123456", "TKT-2024-05-1234567890" };
static const char *const numbers_invalid[] = { "", "TKT", "tkt-2024-05-00042", "TKT-2024-05-0042", "TKT-24-05-00042",
	"TKT-2024-5-00042", "TKT-2024-05-", "1KT-2024-05-00042", "T-2024-05-00042", "ABCDEFGHIJK-2024-05-00042",
	"TKT-2024-05-00042 ", " TKT-2024-05-00042", "TKT-2024-05-0004x", "TKT_2024-05-00042", "TKT-2024-05-00042-1",
	"TKT-2024-05-00042/../x", "TKT-2024-05-123456789012345678901234567890" /* over 40 */ };

START_TEST(ticket_number_shape_table)
{
	for (size_t i = 0; i < sizeof numbers_valid / sizeof *numbers_valid; i++)
		ck_assert_msg(ticket_number_plausible(str_from_cstr(numbers_valid[i])), "valid: %s", numbers_valid[i]);
	for (size_t i = 0; i < sizeof numbers_invalid / sizeof *numbers_invalid; i++)
		ck_assert_msg(!ticket_number_plausible(str_from_cstr(numbers_invalid[i])), "invalid: %s", numbers_invalid[i]);
	ck_assert(!ticket_number_plausible(STR_NULL));
}
END_TEST

START_TEST(tab_names_round_trip)
{
	for (int i = 0; i < TICKET_TAB__MAX; i++)
		ck_assert_int_eq(ticket_tab_from_name(str_from_cstr(ticket_tab_name((enum ticket_tab)i))), i);
	ck_assert_str_eq(ticket_tab_name(TICKET_TAB_OPEN), "open");
	ck_assert_str_eq(ticket_tab_name(TICKET_TAB_WAITING), "waiting");
	ck_assert_str_eq(ticket_tab_name(TICKET_TAB_RESOLVED), "resolved");
	ck_assert_str_eq(ticket_tab_name(TICKET_TAB_ALL), "all");
	ck_assert_int_eq(ticket_tab_from_name(str_from_cstr("Open")), -1);
	ck_assert_int_eq(ticket_tab_from_name(str_from_cstr("")), -1);
	ck_assert_int_eq(ticket_tab_from_name(str_from_cstr("waiting_customer")), -1);
}
END_TEST

START_TEST(cursor_round_trips_and_refuses_junk)
{
	arena *a = arena_new(1024);
	ticket_cursor c = { 1733000000123456LL, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" }, back;
	char *s = ticket_cursor_encode(a, &c);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), 32);
	ck_assert(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 32);
	ck_assert(ticket_cursor_decode(str_from_cstr(s), &back));
	ck_assert(back.activity_us == c.activity_us);
	ck_assert_str_eq(back.id, c.id);
	/* Upper-case hex comes back lower-case: the same uuid. */
	ticket_cursor u = { 1, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D" };
	ck_assert(ticket_cursor_decode(str_from_cstr(ticket_cursor_encode(a, &u)), &back));
	ck_assert_str_eq(back.id, c.id);
	/* Not a uuid: nothing to encode. */
	ticket_cursor bad = { 1, "not-a-uuid" };
	ck_assert_ptr_null(ticket_cursor_encode(a, &bad));
	static const char *const junk[] = { "", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* time 0 */,
		"//////////////////////////////////" , "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not a cursor at all, no, not one",
		"_____________________________________" };
	for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
		ck_assert_msg(!ticket_cursor_decode(str_from_cstr(junk[i]), &back), "decoded: %s", junk[i]);
	/* A time far past 2100 is not one of ours either. */
	ticket_cursor late = { 9000000000000000000LL, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" };
	ck_assert(!ticket_cursor_decode(str_from_cstr(ticket_cursor_encode(a, &late)), &back));
	arena_free(a);
}
END_TEST

Suite *portal_unit_suite(void)
{
	Suite *s = suite_create("portal");
	TCase *tc = tcase_create("portal_model");
	tcase_add_test(tc, ticket_number_shape_table);
	tcase_add_test(tc, tab_names_round_trip);
	tcase_add_test(tc, cursor_round_trips_and_refuses_junk);
	suite_add_tcase(s, tc);
	return s;
}
