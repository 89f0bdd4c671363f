/* SPDX-License-Identifier: GPL-3.0-or-later */
/* failInfo names and NDES' HRESULT table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mserr.h"

static void test_failinfo(void **state)
{
	assert_string_equal(ns_failinfo_name(0), "badAlg");
	assert_string_equal(ns_failinfo_name(1), "badMessageCheck");
	assert_string_equal(ns_failinfo_name(2), "badRequest");
	assert_string_equal(ns_failinfo_name(3), "badTime");
	assert_string_equal(ns_failinfo_name(4), "badCertId");
	assert_null(ns_failinfo_name(5));
	assert_null(ns_failinfo_name(-1));
	assert_non_null(ns_failinfo_hint(99));
}

static void test_parse_hresult(void **state)
{
	uint32_t v = 0;

	assert_int_equal(ns_mserr_parse_hresult("-2147024809", &v), 0);
	assert_int_equal(v, 0x80070057);
	assert_int_equal(ns_mserr_parse_hresult("2147942487", &v), 0);
	assert_int_equal(v, 0x80070057);
	assert_int_equal(ns_mserr_parse_hresult("0x800706BA", &v), 0);
	assert_int_equal(v, 0x800706BA);
	assert_int_equal(ns_mserr_parse_hresult(" -2147023728 ", &v), 0);
	assert_int_equal(v, 0x80070490);
	assert_int_equal(ns_mserr_parse_hresult("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ns_mserr_parse_hresult("", &v), -1);
	assert_int_equal(ns_mserr_parse_hresult("abc", &v), -1);
	assert_int_equal(ns_mserr_parse_hresult("-", &v), -1);
	assert_int_equal(ns_mserr_parse_hresult("12x", &v), -1);
	assert_int_equal(ns_mserr_parse_hresult("99999999999", &v), -1);
	assert_int_equal(ns_mserr_parse_hresult("-2147483649", &v), -1);
	assert_int_equal(ns_mserr_parse_hresult(NULL, &v), -1);
}

static void test_table(void **state)
{
	static const uint32_t known[] = { 0x80070057, 0x80090005, 0x800B0110, 0x80096004,
					  0x80070490, 0x80094001, 0x800706BA, 0x80094800,
					  0x80094811 };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct ns_mserr *e = ns_mserr_lookup(known[i]);
		assert_non_null(e);
		assert_int_equal(e->code, known[i]);
		assert_true(strlen(e->hint) > 10);
	}
	assert_string_equal(ns_mserr_lookup(0x80094811)->symbol, "CERTSRV_E_KEY_LENGTH");
	assert_null(ns_mserr_lookup(0x12345678));
	assert_true(ns_mserr_is_transient(true, 0x800706BA));
	assert_false(ns_mserr_is_transient(true, 0x80070057));
	assert_false(ns_mserr_is_transient(false, 0x800706BA));
	assert_true(ns_mserr_is_password_refusal(1, false, 0));
	assert_true(ns_mserr_is_password_refusal(2, true, 0x800B0110));
	assert_true(ns_mserr_is_password_refusal(1, true, 0x80096004));
	assert_false(ns_mserr_is_password_refusal(2, true, 0x80094811));
	assert_false(ns_mserr_is_password_refusal(2, false, 0));
	/* a known non-password HRESULT wins over failInfo */
	assert_false(ns_mserr_is_password_refusal(1, true, 0x80094001));
}

static void test_describe(void **state)
{
	char *s = ns_mserr_describe(NULL, 1, true, 0x80070490, NULL);

	assert_string_equal(s, "badMessageCheck, 0x80070490 ERROR_NOT_FOUND: the challenge "
			    "password is unknown or was already used; fetch a new one-time password");
	talloc_free(s);
	s = ns_mserr_describe(NULL, 2, true, 0x80071234, "nope\nnewline");
	assert_non_null(strstr(s, "badRequest, 0x80071234 (a Windows error)"));
	assert_non_null(strstr(s, "(server says: nope newline)"));
	assert_null(strchr(s, '\n'));
	talloc_free(s);
	s = ns_mserr_describe(NULL, 4, false, 0, NULL);
	assert_non_null(strstr(s, "badCertId: "));
	talloc_free(s);
	s = ns_mserr_describe(NULL, -1, false, 0, NULL);
	assert_string_equal(s, "no failInfo");
	talloc_free(s);
	s = ns_mserr_describe(NULL, 9, false, 0, NULL);
	assert_non_null(strstr(s, "failInfo 9 (unknown)"));
	talloc_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failinfo),
		cmocka_unit_test(test_parse_hresult),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
