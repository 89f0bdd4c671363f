/* SPDX-License-Identifier: GPL-3.0-or-later */
/* URL parts (url.c), which replace curl_url() for libcurl 7.61. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "url.h"

static void check(const char *url, const char *scheme, const char *host, const char *port,
		  const char *port_or_default)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_url u;

	assert_int_equal(ns_url_split(mem, url, &u), 0);
	assert_string_equal(u.scheme, scheme);
	assert_string_equal(u.host, host);
	if (port == NULL)
		assert_null(u.port);
	else
		assert_string_equal(u.port, port);
	assert_string_equal(ns_url_port_or_default(&u), port_or_default);
	talloc_free(mem);
}

static void test_good(void **state)
{
	(void)state;
	check("http://ndes.example.com/certsrv/mscep/mscep.dll", "http", "ndes.example.com",
	      NULL, "80");
	check("HTTPS://Ndes:8443/certsrv/mscep_admin/", "https", "Ndes", "8443", "8443");
	check("https://ndes", "https", "ndes", NULL, "443");
	check("http://user:p@ss@127.0.0.1:18080?operation=GetCACaps", "http", "127.0.0.1",
	      "18080", "18080");
	check("http://[::1]:8080/x", "http", "[::1]", "8080", "8080");
	check("https://[fe80::1]/x#frag", "https", "[fe80::1]", NULL, "443");
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
		"ndes.example.com/certsrv", "ftp://ndes/", "http://", "http:///path",
		"http://host:port/", "http://host:/", "http://host:123456/", "http://[::1/",
		"http://[]/", "http://[::1]x/", "http://a b/", "http://:80/",
	};
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_url u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ns_url_split(mem, bad[i], &u) != -1)
			fail_msg("accepted %s", bad[i]);
	}
	assert_int_equal(ns_url_split(mem, NULL, &u), -1);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
