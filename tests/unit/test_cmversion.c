/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger versions (cmversion.c): parsing, the renewal rule, the setting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmversion.h"
#include "ns.h"

static void test_parse(void **state)
{
	(void)state;
	assert_int_equal(ns_cm_version_parse("0.79.13"), 79013);
	assert_int_equal(ns_cm_version_parse("certmonger 0.79.20\n"), 79020);
	assert_int_equal(ns_cm_version_parse("1.0.0"), 1000000);
	assert_int_equal(ns_cm_version_parse("0.79"), 0);
	assert_int_equal(ns_cm_version_parse("0.79.x"), 0);
	assert_int_equal(ns_cm_version_parse(""), 0);
	assert_int_equal(ns_cm_version_parse(NULL), 0);
	assert_int_equal(ns_cm_version_parse("0.1000.1"), 0);
}

static void test_rule(void **state)
{
	(void)state;
	/* 0.79.13 reads only replies to the new key's request. */
	assert_false(ns_cm_renews_with_old_cert(79013));
	assert_false(ns_cm_renews_with_old_cert(78999));
	assert_true(ns_cm_renews_with_old_cert(79014));
	assert_true(ns_cm_renews_with_old_cert(79017));
	assert_true(ns_cm_renews_with_old_cert(79020));
	assert_true(ns_cm_renews_with_old_cert(0));	/* unknown: a current one */
}

static void test_setting(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_config *cfg = NULL;
	struct ns_err err;
	int optind_out = 0;
	char *ok[] = { "ndes-submit", "--certmonger-version", "0.79.13", NULL };
	char *bad[] = { "ndes-submit", "--certmonger-version", "new", NULL };

	(void)state;
	assert_int_equal(ns_config_load(mem, 3, ok, &cfg, &optind_out, &err), 0);
	assert_int_equal(ns_cm_version(cfg), 79013);
	assert_int_equal(ns_config_load(mem, 3, bad, &cfg, &optind_out, &err), -1);
	assert_non_null(strstr(err.msg, "expected a version such as 0.79.13"));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_setting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
