/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The (operation class, cause) -> exit status table: pins what certmonger
 * and the admin see for each cause, and which causes are retried soon. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "outcome.h"
#include "status.h"

static const struct {
	enum ns_cause cause;
	int helper, otp;
	bool transient;
} want[] = {
	{ NS_CAUSE_NONE, NS_ISSUED, 0, false },
	{ NS_CAUSE_NOMEM, NS_UNREACHABLE, 3, false },
	{ NS_CAUSE_CONFIG, NS_UNCONFIGURED, 4, false },
	{ NS_CAUSE_IO, NS_UNREACHABLE, 3, false },
	{ NS_CAUSE_HTTP_CONNECT, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_HTTP_DNS, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_HTTP_TIMEOUT, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_HTTP_CLOSED, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_HTTP_TRUNCATED, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_HTTP_OTHER, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_TLS, NS_UNREACHABLE, 3, false },
	{ NS_CAUSE_TOO_LARGE, NS_UNREACHABLE, 3, false },
	{ NS_CAUSE_HTTP_5XX, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_HTTP_STATUS, NS_UNCONFIGURED, 4, false },
	{ NS_CAUSE_URL_TOO_LONG, NS_UNCONFIGURED, 4, false },
	{ NS_CAUSE_SERVER_DATA, NS_UNREACHABLE, 3, false },
	{ NS_CAUSE_RA_EXPIRED, NS_UNREACHABLE, 3, false },
	{ NS_CAUSE_PARSE, NS_REJECTED, 2, false },
	{ NS_CAUSE_CA_CERTS, NS_REJECTED, 2, false },
	{ NS_CAUSE_CA_CERTS_STALE, NS_UNCONFIGURED, 4, false },
	{ NS_CAUSE_INPUT, NS_REJECTED, 2, false },
	{ NS_CAUSE_REPLY, NS_REJECTED, 2, false },
	{ NS_CAUSE_REFUSED, NS_REJECTED, 2, false },
	{ NS_CAUSE_NDES_BUSY, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_OTP_CREDENTIALS, NS_UNCONFIGURED, 10, false },
	{ NS_CAUSE_OTP_PERMISSION, NS_UNCONFIGURED, 11, false },
	{ NS_CAUSE_OTP_CACHE_FULL, NS_UNREACHABLE, 12, true },
	{ NS_CAUSE_OTP_DISABLED, NS_UNCONFIGURED, 13, false },
	{ NS_CAUSE_OTP_SERVER, NS_UNREACHABLE, 14, true },
	{ NS_CAUSE_OTP_NO_PASSWORD, NS_UNREACHABLE, 15, true },
	{ NS_CAUSE_OTP_BUDGET, NS_UNREACHABLE, 3, true },
	{ NS_CAUSE_WAIT, NS_WAIT_WITH_DELAY, 5, false },
	{ NS_CAUSE_NEED_MESSAGES, NS_NEED_SCEP_MESSAGES, 16, false },
	{ NS_CAUSE_NEED_REKEY, NS_NEED_REKEY, 17, false },
	{ NS_CAUSE_UNSUPPORTED, NS_NOT_SUPPORTED, 6, false },
};

static void test_every_cause(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), NS_CAUSE__MAX);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(want[i].cause, i);	/* every cause listed, in order */
		assert_int_equal(ns_outcome_status(NS_OPC_HELPER, want[i].cause), want[i].helper);
		assert_int_equal(ns_outcome_status(NS_OPC_ADMIN, want[i].cause), want[i].helper);
		assert_int_equal(ns_outcome_status(NS_OPC_OTP, want[i].cause), want[i].otp);
		assert_int_equal(ns_cause_transient(want[i].cause), want[i].transient);
		assert_non_null(ns_cause_name(want[i].cause));
	}
}

/* Out of memory has one status everywhere: retried, never final. */
static void test_nomem_one_status(void **state)
{
	struct ns_err err;
	int op;

	(void)state;
	ns_err_set(&err, NS_CAUSE_NOMEM, "out of memory");
	for (op = 0; op < NS_OPC__MAX; op++)
		assert_int_equal(ns_outcome((enum ns_opclass)op, &err), NS_UNREACHABLE);
	assert_string_equal(ns_cause_name(NS_CAUSE__MAX), "NOMEM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cause),
		cmocka_unit_test(test_nomem_one_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
