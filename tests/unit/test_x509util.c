/* SPDX-License-Identifier: GPL-3.0-or-later */
/* x509util.c: every shape servers send CA certificates in (DER certificate,
 * PKCS#7, PEM), truncated and garbage input, base64, fingerprints and the
 * NDES thumbprint. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "../lib/testcerts.h"
#include "x509util.h"
#include "outcome.h"
#include "status.h"

struct pki {
	EVP_PKEY *ca_key, *ra_key;
	X509 *ca, *ra;
	STACK_OF(X509) *both;
};

static int setup(void **state)
{
	struct pki *p = calloc(1, sizeof(*p));

	p->ca_key = tc_key();
	p->ra_key = tc_key();
	p->ca = tc_cert("Test CA", p->ca_key, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL, -1, 365);
	p->ra = tc_cert("Test RA", p->ra_key, p->ca, p->ca_key, false, KU_KEY_ENCIPHERMENT,
			TC_RA_EKU, -1, 365);
	p->both = tc_stack(p->ca, p->ra, NULL);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pki *p = *state;

	sk_X509_pop_free(p->both, X509_free);
	X509_free(p->ca);
	X509_free(p->ra);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->ra_key);
	free(p);
	return 0;
}

static STACK_OF(X509) *parse_ok(const void *data, size_t len, int expect)
{
	STACK_OF(X509) *certs = NULL;
	struct ns_err err;

	assert_int_equal(ns_certs_parse(data, len, &certs, &err), 0);
	assert_non_null(certs);
	assert_int_equal(sk_X509_num(certs), expect);
	return certs;
}

static void parse_bad(const void *data, size_t len)
{
	STACK_OF(X509) *certs = (STACK_OF(X509) *)1;
	struct ns_err err;

	assert_int_equal(ns_certs_parse(data, len, &certs, &err), -1);
	assert_null(certs);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_REJECTED);
	assert_true(strlen(err.msg) > 0);
}

static void test_der_cert(void **state)
{
	struct pki *p = *state;
	unsigned char *der = NULL;
	int len = i2d_X509(p->ca, &der);
	STACK_OF(X509) *certs = parse_ok(der, (size_t)len, 1);

	assert_int_equal(X509_cmp(sk_X509_value(certs, 0), p->ca), 0);
	sk_X509_pop_free(certs, X509_free);
	/* Truncated anywhere: an error, never a crash. */
	for (int cut = 0; cut < len; cut += 7)
		parse_bad(der, (size_t)cut);
	OPENSSL_free(der);
}

static void test_pkcs7(void **state)
{
	struct pki *p = *state;
	size_t len, cut;
	unsigned char *der = tc_p7_der(p->both, &len);
	STACK_OF(X509) *certs = parse_ok(der, len, 2);

	assert_int_equal(X509_cmp(sk_X509_value(certs, 0), p->ca), 0);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 1), p->ra), 0);
	sk_X509_pop_free(certs, X509_free);
	for (cut = 1; cut < len; cut += 13)
		parse_bad(der, cut);
	OPENSSL_free(der);
}

static void test_fixture(void **state)
{
	size_t len;
	unsigned char *der = tc_fixture("getcacert-cats-ca.der", &len);
	STACK_OF(X509) *certs;
	TALLOC_CTX *mem;
	int i, ras = 0;

	if (der == NULL)
		skip();
	mem = talloc_new(NULL);
	certs = parse_ok(der, len, 3);
	for (i = 0; i < 3; i++) {
		X509 *c = sk_X509_value(certs, i);
		char *s = ns_name_str(mem, X509_get_subject_name(c));
		if (strcmp(s, "CN=CATS-MSCEP-RA,C=US") == 0)
			ras++;
		else
			assert_string_equal(s, "CN=cats-ca,DC=cats,DC=bos,DC=redhat,DC=com");
	}
	assert_int_equal(ras, 2);
	sk_X509_pop_free(certs, X509_free);
	parse_bad(der, len / 2);
	free(der);
	talloc_free(mem);
}

static void test_pem(void **state)
{
	struct pki *p = *state;
	TALLOC_CTX *mem = talloc_new(NULL);
	char *pem = talloc_asprintf(mem, "junk before\n%s\n%s",
				    ns_cert_pem(mem, p->ca), ns_cert_pem(mem, p->ra));
	STACK_OF(X509) *certs = parse_ok(pem, strlen(pem), 2);
	size_t len, dlen = 0;
	unsigned char *der, *back;
	char *p7pem;

	sk_X509_pop_free(certs, X509_free);
	/* PEM PKCS7 and its round trip through ns_pkcs7_pem / ns_pem_decode. */
	der = tc_p7_der(p->both, &len);
	p7pem = ns_pkcs7_pem(mem, der, len);
	assert_non_null(strstr(p7pem, "-----BEGIN PKCS7-----\n"));
	certs = parse_ok(p7pem, strlen(p7pem), 2);
	sk_X509_pop_free(certs, X509_free);
	back = ns_pem_decode(mem, p7pem, "PKCS7", &dlen);
	assert_non_null(back);
	assert_int_equal(dlen, len);
	assert_memory_equal(back, der, len);
	assert_null(ns_pem_decode(mem, p7pem, "CERTIFICATE", &dlen));
	OPENSSL_free(der);

	/* A PEM block whose base64 is damaged. */
	pem = talloc_strdup(mem, ns_cert_pem(mem, p->ca));
	pem[40] = '!';
	parse_bad(pem, strlen(pem));
	talloc_free(mem);
}

static void test_garbage(void **state)
{
	static const unsigned char zeros[64];
	const char *html = "<html><body>Server Error</body></html>";

	parse_bad(NULL, 0);
	parse_bad("", 0);
	parse_bad(zeros, sizeof(zeros));
	parse_bad(html, strlen(html));
	parse_bad("\x30\x82\xff\xff", 4);
	parse_bad("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", 54);
}

static void test_base64(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	static const unsigned char data[] = { 0xfb, 0xff, 0x00, 0x3e, 0x3f };
	size_t n = 0, i;
	char *b;
	unsigned char *d;

	b = ns_base64(mem, data, sizeof(data));
	assert_string_equal(b, "+/8APj8=");
	d = ns_unbase64(mem, " +/8A\nPj8= ", &n);
	assert_non_null(d);
	assert_int_equal(n, sizeof(data));
	assert_memory_equal(d, data, n);
	for (i = 0; i <= 3; i++) {
		b = ns_base64(mem, data, i);
		d = ns_unbase64(mem, b, &n);
		if (i == 0) {
			assert_null(d);	/* nothing to decode */
			continue;
		}
		assert_int_equal(n, i);
		assert_memory_equal(d, data, i);
	}
	assert_null(ns_unbase64(mem, "abc", &n));
	assert_null(ns_unbase64(mem, "ab$=", &n));
	talloc_free(mem);
}

static void test_fingerprints(void **state)
{
	size_t len;
	unsigned char *der = tc_fixture("getcacert-cats-ca.der", &len);
	STACK_OF(X509) *certs;
	TALLOC_CTX *mem;
	X509 *ca = NULL;
	int i;

	if (der == NULL)
		skip();
	mem = talloc_new(NULL);
	certs = parse_ok(der, len, 3);
	for (i = 0; i < 3; i++)
		if (X509_check_ca(sk_X509_value(certs, i)))
			ca = sk_X509_value(certs, i);
	assert_non_null(ca);
	/* Values computed with: openssl x509 -fingerprint -sha256 / -md5 */
	assert_string_equal(ns_cert_fingerprint(mem, ca, EVP_sha256(), ":"),
			    "2F:CD:0A:56:BA:6C:8F:89:33:83:02:7B:F0:AF:ED:24:68:EA:4D:57:FE:5E:26:50:30:6D:0B:6D:EE:D4:39:1D");
	assert_string_equal(ns_cert_fingerprint(mem, ca, EVP_sha256(), NULL),
			    "2FCD0A56BA6C8F893383027BF0AFED2468EA4D57FE5E2650306D0B6DEED4391D");
	assert_string_equal(ns_cert_ndes_thumbprint(mem, ca), "F2B8D722 938BE971 E17BB908 CF6E7414");
	assert_string_equal(ns_asn1_time_str(mem, X509_get0_notAfter(ca)), "2020-01-20 16:59:29 UTC");
	assert_string_equal(ns_asn1_time_str(mem, NULL), "(invalid time)");
	sk_X509_pop_free(certs, X509_free);
	free(der);
	talloc_free(mem);
}

/* Known answers: SHA-256("abc"), the domain prefix joins the data, truncation. */
static void test_hex_helpers(void **state)
{
	static const unsigned char b[] = { 0x0a, 0xff, 0x00 };
	TALLOC_CTX *mem = talloc_new(NULL);
	char out[65], out16[33];

	(void)state;
	assert_string_equal(ns_hex(mem, b, sizeof(b)), "0AFF00");
	assert_string_equal(ns_hex(mem, b, 0), "");
	ns_sha256_hex(NULL, "abc", 32, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ns_sha256_hex("a", "bc", 32, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ns_sha256_hex(NULL, "abc", 16, out16);
	assert_string_equal(out16, "ba7816bf8f01cfea414140de5dae2223");
	ns_sha256_hex(NULL, NULL, 32, out);
	assert_string_equal(out, "");
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_helpers),
		cmocka_unit_test_setup_teardown(test_der_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pkcs7, setup, teardown),
		cmocka_unit_test(test_fixture),
		cmocka_unit_test_setup_teardown(test_pem, setup, teardown),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_fingerprints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
