/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The challenge password in certmonger's CSR (csr.c): the input as PEM
 * text, and as DER wrapped into a "CERTIFICATE REQUEST" block (so mutations
 * reach the ASN.1 rather than the base64). */
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "csr.h"
#include "fuzz_common.h"

static void one(TALLOC_CTX *tmp, const char *pem)
{
	char *pw = (char *)"unset";
	size_t len = 0;
	int rc, has;

	rc = ns_csr_challenge(tmp, pem, &pw);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		FUZZ_CHECK(pw == NULL);
	has = ns_csr_has_challenge(pem);
	FUZZ_CHECK(has == (rc != 0 ? -1 : pw != NULL && pw[0] != '\0' ? 1 : 0));
	(void)ns_csr_der(tmp, pem, &len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem = NULL, *pem;
	long n;

	one(tmp, fuzz_text(tmp, data, size));
	if (bio != NULL && PEM_write_bio(bio, "CERTIFICATE REQUEST", "", data, (long)size) > 0 &&
	    (n = BIO_get_mem_data(bio, &mem)) > 0) {
		pem = talloc_strndup(tmp, mem, (size_t)n);
		one(tmp, pem);
	}
	BIO_free(bio);
	talloc_free(tmp);
	fuzz_done();
	return 0;
}
