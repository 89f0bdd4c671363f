/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cookie round trips, and garbage cookies refused cleanly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cookie.h"
#include "outcome.h"
#include "status.h"

static void test_pending_round_trip(void **state)
{
	unsigned char poll[3000];
	struct ns_cookie c = { 0 }, *d = NULL;
	struct ns_err err;
	char *s;
	size_t i;

	for (i = 0; i < sizeof(poll); i++)
		poll[i] = (unsigned char)(i * 7 + 3);
	c.kind = NS_COOKIE_PENDING;
	c.transport = NS_TRANSPORT_POST;
	c.issuer_ok = false;
	c.since = 1764000000;
	c.certpoll = poll;
	c.certpoll_len = sizeof(poll);
	s = ns_cookie_encode(NULL, &c);
	assert_non_null(s);
	assert_true(strncmp(s, "ndes1:P:p:0:1764000000:", 23) == 0);
	for (i = 0; s[i] != '\0'; i++)	/* one line of printable ASCII */
		assert_true(s[i] > 0x20 && s[i] < 0x7f);
	assert_int_equal(ns_cookie_decode(NULL, s, &d, &err), 0);
	assert_int_equal(d->kind, NS_COOKIE_PENDING);
	assert_int_equal(d->transport, NS_TRANSPORT_POST);
	assert_false(d->issuer_ok);
	assert_int_equal(d->since, 1764000000);
	assert_int_equal(d->certpoll_len, sizeof(poll));
	assert_memory_equal(d->certpoll, poll, sizeof(poll));
	talloc_free(d);
	/* certmonger may hand it back with a trailing newline */
	s = talloc_strdup_append(s, "\n");
	assert_int_equal(ns_cookie_decode(NULL, s, &d, &err), 0);
	talloc_free(d);
	talloc_free(s);
}

/* Several servers: the pending cookie names the server that holds the
 * request; cookies without it (one server, earlier versions) still read. */
static void test_pending_server(void **state)
{
	unsigned char poll[40];
	struct ns_cookie c = { 0 }, *d = NULL;
	struct ns_err err;
	char *s;

	(void)state;
	memset(poll, 0x5a, sizeof(poll));
	c.kind = NS_COOKIE_PENDING;
	c.transport = NS_TRANSPORT_GET;
	c.issuer_ok = true;
	c.since = 7;
	c.certpoll = poll;
	c.certpoll_len = sizeof(poll);
	memcpy(c.server, "0123456789abcdef", 17);
	s = ns_cookie_encode(NULL, &c);
	assert_non_null(s);
	assert_true(strncmp(s, "ndes1:P:g:1:7:0123456789abcdef:", 31) == 0);
	assert_int_equal(ns_cookie_decode(NULL, s, &d, &err), 0);
	assert_string_equal(d->server, "0123456789abcdef");
	assert_int_equal(d->certpoll_len, sizeof(poll));
	assert_memory_equal(d->certpoll, poll, sizeof(poll));
	talloc_free(d);
	talloc_free(s);
	/* without a server */
	c.server[0] = '\0';
	s = ns_cookie_encode(NULL, &c);
	assert_int_equal(ns_cookie_decode(NULL, s, &d, &err), 0);
	assert_string_equal(d->server, "");
	talloc_free(d);
	talloc_free(s);
	/* a damaged server field */
	assert_int_equal(ns_cookie_decode(NULL, "ndes1:P:g:1:7:0123456789ABCDEF:WlpaWg==", &d, &err), -1);
	assert_int_equal(ns_cookie_decode(NULL, "ndes1:P:g:1:7:abc:WlpaWg==", &d, &err), -1);
	assert_int_equal(ns_cookie_decode(NULL, "ndes1:P:g:1:7:0123456789abcdef:x:WlpaWg==", &d, &err), -1);
}

static void test_retry_round_trip(void **state)
{
	struct ns_cookie c = { 0 }, *d = NULL;
	struct ns_err err;
	char *s;

	c.kind = NS_COOKIE_RETRY;
	c.since = 42;
	c.reason = "cannot connect: 127.0.0.1:18150 refused\n(really)";
	s = ns_cookie_encode(NULL, &c);
	assert_non_null(s);
	assert_null(strchr(s, '\n'));
	assert_int_equal(ns_cookie_decode(NULL, s, &d, &err), 0);
	assert_int_equal(d->kind, NS_COOKIE_RETRY);
	assert_int_equal(d->since, 42);
	assert_string_equal(d->reason, "cannot connect: 127.0.0.1:18150 refused (really)");
	talloc_free(d);
	talloc_free(s);
}

static void test_garbage(void **state)
{
	static const char *bad[] = {
		"", "x", "ndes1:", "ndes1:P", "ndes1:Q:1", "ndes1:P:x:1:5:AAAA",
		"ndes1:P:p:2:5:AAAA", "ndes1:P:p:1:-5:AAAA", "ndes1:P:p:1:5:",
		"ndes1:P:p:1:5:!!!!", "ndes1:P:p:1:5:AAAA:extra", "ndes1:P:g:1:five:AAAA",
		"ndes1:R:", "ndes1:R:abc:why", "ndes9:P:p:1:5:AAAA",
		/* certmonger's own scep-submit keeps other things in its cookie */
		"MIIGdgYJKoZIhvcNAQcCoIIGZzCCBmMCAQExCzAJBgUrDgMCGgUAMIID",
	};
	struct ns_cookie *d = NULL;
	struct ns_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns_err_clear(&err);
		assert_int_equal(ns_cookie_decode(NULL, bad[i], &d, &err), -1);
		assert_null(d);
		assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_REJECTED);
		assert_non_null(strstr(err.msg, "resubmit"));
	}
	assert_int_equal(ns_cookie_decode(NULL, NULL, &d, &err), -1);
	assert_int_equal(ns_cookie_decode(NULL, "ndes1:R:7:", &d, &err), 0);
	assert_string_equal(d->reason, "");
	talloc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending_round_trip),
		cmocka_unit_test(test_pending_server),
		cmocka_unit_test(test_retry_round_trip),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
