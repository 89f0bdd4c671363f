/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sslcompat.h"
#include "otp_testcsr.h"
#include "x509util.h"

EVP_PKEY *testcsr_key(void)
{
	return ns_rsa_generate(1024);
}

char *testcsr_make(TALLOC_CTX *mem, EVP_PKEY *key, const char *cn, const char *challenge,
		   int type, const char *label)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	char *b64, *pem = NULL;
	int n, i;

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
	if (n <= 0)
		goto out;
	b64 = ns_base64(mem, der, (size_t)n);
	pem = talloc_asprintf(mem, "-----BEGIN %s-----\n", label);
	for (i = 0; b64 != NULL && pem != NULL && i < (int)strlen(b64); i += 64)
		pem = talloc_asprintf_append(pem, "%.64s\n", b64 + i);
	if (pem != NULL)
		pem = talloc_asprintf_append(pem, "-----END %s-----\n", label);
out:
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return pem;
}
