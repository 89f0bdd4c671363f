/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "sslcompat.h"
#include "testcerts.h"

EVP_PKEY *tc_key(void)
{
	return ns_ec_generate("P-256");
}

EVP_PKEY *tc_rsa_key(int bits)
{
	return ns_rsa_generate((unsigned int)bits);
}

EVP_PKEY *tc_rsa_key_shared(int bits)
{
	static EVP_PKEY *cache[4];
	static int sizes[4];
	int i;

	for (i = 0; i < 4 && cache[i] != NULL; i++) {
		if (sizes[i] == bits) {
			EVP_PKEY_up_ref(cache[i]);
			return cache[i];
		}
	}
	if (i == 4)
		return tc_rsa_key(bits);
	cache[i] = tc_rsa_key(bits);
	sizes[i] = bits;
	if (cache[i] != NULL)
		EVP_PKEY_up_ref(cache[i]);
	return cache[i];
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext != NULL) {
		X509_add_ext(cert, ext, -1);
		X509_EXTENSION_free(ext);
	}
}

static void add_ku(X509 *c, X509 *issuer, int ku)
{
	char buf[256] = "";

	if (ku == TC_NO_KU)
		return;
	if (ku & KU_DIGITAL_SIGNATURE)
		strcat(buf, "digitalSignature,");
	if (ku & KU_KEY_ENCIPHERMENT)
		strcat(buf, "keyEncipherment,");
	if (ku & KU_KEY_CERT_SIGN)
		strcat(buf, "keyCertSign,");
	if (ku & KU_CRL_SIGN)
		strcat(buf, "cRLSign,");
	if (buf[0] != '\0') {
		buf[strlen(buf) - 1] = '\0';
		add_ext(c, issuer, NID_key_usage, buf);
	}
}

X509 *tc_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
	      int ku, const char *eku, long from_days, long days)
{
	static long serial = 1000;
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();

	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, name);
	X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(c), from_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(c), (from_days + days) * 86400);
	X509_set_pubkey(c, key);
	add_ext(c, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(c, issuer, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		add_ext(c, issuer, NID_authority_key_identifier, "keyid");
	add_ku(c, issuer, ku);
	if (eku != NULL)
		add_ext(c, issuer, NID_ext_key_usage, eku);
	if (!X509_sign(c, issuer_key != NULL ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

STACK_OF(X509) *tc_stack(X509 *first, ...)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	va_list ap;
	X509 *c;

	va_start(ap, first);
	for (c = first; c != NULL; c = va_arg(ap, X509 *)) {
		X509_up_ref(c);
		sk_X509_push(sk, c);
	}
	va_end(ap);
	return sk;
}

unsigned char *tc_p7_der(STACK_OF(X509) *certs, size_t *len)
{
	PKCS7 *p7 = PKCS7_new();
	unsigned char *der = NULL;
	int i, n;

	PKCS7_set_type(p7, NID_pkcs7_signed);
	PKCS7_content_new(p7, NID_pkcs7_data);
	for (i = 0; i < sk_X509_num(certs); i++)
		PKCS7_add_certificate(p7, sk_X509_value(certs, i));
	n = i2d_PKCS7(p7, &der);
	PKCS7_free(p7);
	*len = n > 0 ? (size_t)n : 0;
	return n > 0 ? der : NULL;
}

unsigned char *tc_fixture(const char *name, size_t *len)
{
	char path[1024];
	unsigned char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", NS_FIXTURES_DIR, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		printf("# fixture %s absent (needs ../shared/fixtures/ndes next to the project)\n", path);
		return NULL;
	}
	buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

char *tc_csr_pem(TALLOC_CTX *mem, EVP_PKEY *key, const char *cn, const char *challenge,
		 int type, const char *label)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	BIO *bio = NULL;
	char *pem = NULL, *data;
	long n;

	if (req == NULL || name == NULL)
		goto out;
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_subject_name(req, name);
	X509_REQ_set_pubkey(req, key);
	if (challenge != NULL)
		X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, type,
					  (const unsigned char *)challenge, (int)strlen(challenge));
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0)
		goto out;
	n = i2d_X509_REQ(req, &der);
	bio = BIO_new(BIO_s_mem());
	if (n <= 0 || bio == NULL || PEM_write_bio(bio, label, "", der, n) <= 0)
		goto out;
	n = BIO_get_mem_data(bio, &data);
	pem = talloc_strndup(mem, data, (size_t)n);
out:
	BIO_free(bio);
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return pem;
}
