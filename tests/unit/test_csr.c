/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Challenge password detection in CSRs (PKCS#9 challengePassword). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>
#include <openssl/asn1.h>

#include "cmenv.h"
#include "csr.h"
#include "../lib/testcerts.h"

/* A CSR made by certmonger 0.79.17 itself ("getcert request -l FILE" with
 * FILE holding "abc123"): PrintableString challengePassword. */
static const char certmonger_csr[] =
	"-----BEGIN CERTIFICATE REQUEST-----\n"
	"MIIC8TCCAdkCAQAwEDEOMAwGA1UEAxMFdGVzdDEwggEiMA0GCSqGSIb3DQEBAQUA\n"
	"A4IBDwAwggEKAoIBAQDXDS5tbNaMwRG9ICSRfqW9O7DvuyjyeBadcN816x4CSOqx\n"
	"4BD4tobgr/64CvNCOo9HGHADeMCY02Oyc8iud/R79lZXTbKUmJs+BXbv+zsZOkEg\n"
	"jS9IIZof/4MK0VaOXnCkb3VYcMVabbCXWsE7pqNk0VST5qi9GVKbIyxcvhp0xt0F\n"
	"LfQCISK9BuizuHKV3NrgiXN6vR6aKxZ52FTQjq8J5OdvqQzDTJipMqn/Cr+7OJLe\n"
	"f/Mpn0D21hq3G/qUQ8TZ0ih6jYFQh+WMmZu22Gt7kzYKtPpt8TYO59zhs17qc9EO\n"
	"g9+4R0O7PXNOgA9rGu2myiqPtn8mroXNYdllRvvtAgMBAAGggZswFQYJKoZIhvcN\n"
	"AQkHMQgTBmFiYzEyMzArBgkqhkiG9w0BCRQxHh4cADIAMAAyADYAMQAxADIANQAx\n"
	"ADUAMwAwADQAMDBVBgkqhkiG9w0BCQ4xSDBGMBcGA1UdEQQQMA6CDGhvc3QuZXhh\n"
	"bXBsZTAMBgNVHRMBAf8EAjAAMB0GA1UdDgQWBBQcqQjBFxwFMDvdicRtKnXRZeWQ\n"
	"VDANBgkqhkiG9w0BAQsFAAOCAQEAjWJRar/RUnBTr4PoUCeQO9ekrFubi1Bz67y4\n"
	"EFLUqDyqa7ufboppVT8ZHHyEk2Pb4Zfrx5IarfVAqfNhdARkgFhnbnrtfUFyqbAG\n"
	"zeKof0vQ8P3++2mvLx53ynALrMf/+zmBd6tdZAY0ccygdeKrEb9QtHhB9TwWN8y6\n"
	"0pwbwETMWHdYsfzJ9oiztS7Kyhh7u5B3jEGUtxxGPaCWPpQetETHrhMEIpMb9w6x\n"
	"698bWOGwN1yBxh43H6JaYYaQqshHC5jtbgB8p5hPAmfrImuVu//dY0qVVfIrqYgJ\n"
	"LuNjN4z/fKFwLgyL5h70JvS+BWpO76xq5TJ0eyH+wyrs3OfSOw==\n"
	"-----END CERTIFICATE REQUEST-----\n";

static void test_certmonger_csr(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *pw = NULL;

	assert_int_equal(ns_csr_has_challenge(certmonger_csr), 1);
	assert_int_equal(ns_csr_challenge(mem, certmonger_csr, &pw), 0);
	assert_string_equal(pw, "abc123");
	talloc_free(mem);
}

static void test_made_csrs(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	EVP_PKEY *key = tc_rsa_key(1024);
	char *pem, *pw = NULL;

	assert_non_null(key);
	pem = tc_csr_pem(mem, key, "none", NULL, 0, "CERTIFICATE REQUEST");
	assert_non_null(pem);
	assert_int_equal(ns_csr_has_challenge(pem), 0);
	assert_int_equal(ns_csr_challenge(mem, pem, &pw), 0);
	assert_null(pw);

	pem = tc_csr_pem(mem, key, "p", "8CE317021F690069", V_ASN1_PRINTABLESTRING,
			   "CERTIFICATE REQUEST");
	assert_int_equal(ns_csr_has_challenge(pem), 1);
	assert_int_equal(ns_csr_challenge(mem, pem, &pw), 0);
	assert_string_equal(pw, "8CE317021F690069");

	pem = tc_csr_pem(mem, key, "u", "p\xc3\xa4ss", V_ASN1_UTF8STRING, "NEW CERTIFICATE REQUEST");
	assert_int_equal(ns_csr_has_challenge(pem), 1);
	assert_int_equal(ns_csr_challenge(mem, pem, &pw), 0);
	assert_string_equal(pw, "p\xc3\xa4ss");

	/* An empty password is no password. */
	pem = tc_csr_pem(mem, key, "e", "", V_ASN1_PRINTABLESTRING, "CERTIFICATE REQUEST");
	assert_int_equal(ns_csr_has_challenge(pem), 0);
	EVP_PKEY_free(key);
	talloc_free(mem);
}

static void test_bad_csrs(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *pw = (char *)"x";

	assert_int_equal(ns_csr_has_challenge(NULL), -1);
	assert_int_equal(ns_csr_has_challenge(""), -1);
	assert_int_equal(ns_csr_has_challenge("garbage"), -1);
	assert_int_equal(ns_csr_has_challenge("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
					      "-----END CERTIFICATE REQUEST-----\n"), -1);
	assert_int_equal(ns_csr_challenge(mem, "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n"
					  "-----END CERTIFICATE REQUEST-----\n", &pw), -1);
	assert_null(pw);
	talloc_free(mem);
}

/* The run's CSR is parsed once: the key, the DER and the password together;
 * a second ask gives the same parse, and no CSR gives none. */
static void test_parsed_once(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_cmenv *env;
	const struct ns_csr *c;

	setenv("CERTMONGER_CSR", certmonger_csr, 1);
	env = ns_cmenv_read(mem);
	assert_non_null(env);
	c = ns_cmenv_csr(env);
	assert_non_null(c);
	assert_ptr_equal(ns_cmenv_csr(env), c);
	assert_true(ns_csr_has_password(c));
	assert_string_equal(c->password, "abc123");
	assert_non_null(c->spki);
	assert_true(c->len > 700);
	unsetenv("CERTMONGER_CSR");
	env = ns_cmenv_read(mem);
	assert_null(ns_cmenv_csr(env));
	assert_false(ns_csr_has_password(NULL));
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certmonger_csr),
		cmocka_unit_test(test_made_csrs),
		cmocka_unit_test(test_bad_csrs),
		cmocka_unit_test(test_parsed_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
