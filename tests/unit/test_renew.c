/* SPDX-License-Identifier: GPL-3.0-or-later */
/* renew.c: a renewal CSR next to the certificate it renews. Certificates
 * and CSRs are made here with OpenSSL (EC keys: fast). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sslcompat.h"
#include "renew.h"

static EVP_PKEY *key(void)
{
	return ns_ec_generate("P-256");
}

static X509_NAME *name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	return n;
}

static X509_EXTENSION *san(const char *list)
{
	return X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, list);
}

static char *bio_text(TALLOC_CTX *mem, BIO *b)
{
	char *data = NULL;
	long len = BIO_get_mem_data(b, &data);
	char *s = talloc_strndup(mem, data, (size_t)len);

	BIO_free(b);
	return s;
}

/* A PEM certificate for k, CN=cn, SANs list (NULL: none), self-signed. */
static char *cert_pem(TALLOC_CTX *mem, EVP_PKEY *k, const char *cn, const char *list)
{
	X509 *c = X509_new();
	X509_NAME *n = name(cn);
	BIO *b = BIO_new(BIO_s_mem());
	char *s;

	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 0x1234);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, n);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_set_pubkey(c, k);
	if (list != NULL) {
		X509_EXTENSION *e = san(list);
		X509_add_ext(c, e, -1);
		X509_EXTENSION_free(e);
	}
	X509_sign(c, k, EVP_sha256());
	PEM_write_bio_X509(b, c);
	s = bio_text(mem, b);
	X509_NAME_free(n);
	X509_free(c);
	return s;
}

static char *csr_pem(TALLOC_CTX *mem, EVP_PKEY *k, const char *cn, const char *list)
{
	X509_REQ *r = X509_REQ_new();
	X509_NAME *n = name(cn);
	BIO *b = BIO_new(BIO_s_mem());
	char *s;

	X509_REQ_set_subject_name(r, n);
	X509_REQ_set_pubkey(r, k);
	if (list != NULL) {
		STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
		sk_X509_EXTENSION_push(exts, san(list));
		X509_REQ_add_extensions(r, exts);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	X509_REQ_sign(r, k, EVP_sha256());
	PEM_write_bio_X509_REQ(b, r);
	s = bio_text(mem, b);
	X509_NAME_free(n);
	X509_REQ_free(r);
	return s;
}

static void test_same_names_same_key(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	EVP_PKEY *k = key();
	struct ns_renewal *r = NULL;
	struct ns_err err;

	(void)state;
	assert_int_equal(ns_renewal_inspect(mem, cert_pem(mem, k, "web1", "DNS:Web1.Example.Test,IP:192.0.2.1"),
					    csr_pem(mem, k, "web1", "IP:192.0.2.1,DNS:web1.example.test"),
					    &r, &err), 0);
	assert_true(r->same_key);
	assert_false(ns_renewal_names_differ(r));	/* order and DNS case do not matter */
	assert_string_equal(ns_renewal_diff_str(mem, r), "");
	assert_string_equal(r->cert_serial, "1234");
	assert_string_equal(r->resubmit_args, "-N 'CN=web1' -D 'web1.example.test' -A '192.0.2.1'");
	EVP_PKEY_free(k);
	talloc_free(mem);
}

static void test_other_names_new_key(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	EVP_PKEY *k = key(), *k2 = key();
	struct ns_renewal *r = NULL;
	struct ns_err err;

	(void)state;
	assert_int_equal(ns_renewal_inspect(mem, cert_pem(mem, k, "web1", "DNS:web1,email:a@b.test"),
					    csr_pem(mem, k2, "web2", "DNS:web2,email:A@B.test"),
					    &r, &err), 0);
	assert_false(r->same_key);
	assert_true(r->subject_differs);
	assert_string_equal(r->san_added, "DNS:web2");
	assert_string_equal(r->san_missing, "DNS:web1");
	assert_string_equal(ns_renewal_diff_str(mem, r),
			    "subject \"CN=web2\" (certificate: \"CN=web1\"); DNS:web2 not in the "
			    "certificate; DNS:web1 of the certificate missing");
	assert_string_equal(r->resubmit_args, "-N 'CN=web1' -D 'web1' -E 'a@b.test'");
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	talloc_free(mem);
}

static void test_sans_only(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	EVP_PKEY *k = key();
	struct ns_renewal *r = NULL;
	struct ns_err err;

	(void)state;
	/* A certificate without SANs, a CSR that adds one; a quote in a name. */
	assert_int_equal(ns_renewal_inspect(mem, cert_pem(mem, k, "O'Brien", NULL),
					    csr_pem(mem, k, "O'Brien", "DNS:x.test"), &r, &err), 0);
	assert_false(r->subject_differs);
	assert_true(ns_renewal_names_differ(r));
	assert_string_equal(r->san_added, "DNS:x.test");
	assert_null(r->san_missing);
	assert_string_equal(r->resubmit_args, "-N 'CN=O'\\''Brien'");
	EVP_PKEY_free(k);
	talloc_free(mem);
}

static void test_unreadable(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	EVP_PKEY *k = key();
	struct ns_renewal *r = NULL;
	struct ns_err err;

	(void)state;
	assert_int_equal(ns_renewal_inspect(mem, "not a certificate", csr_pem(mem, k, "a", NULL),
					    &r, &err), -1);
	assert_non_null(strstr(err.msg, "current certificate"));
	assert_int_equal(ns_renewal_inspect(mem, cert_pem(mem, k, "a", NULL),
					    "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
					    "-----END CERTIFICATE REQUEST-----\n", &r, &err), -1);
	assert_non_null(strstr(err.msg, "CSR"));
	EVP_PKEY_free(k);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_names_same_key),
		cmocka_unit_test(test_other_names_new_key),
		cmocka_unit_test(test_sans_only),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
