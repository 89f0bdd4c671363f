/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ns_certs_parse (x509util.c): GetCACert replies in any shape, plus the
 * printing helpers applied to what it returns. */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz_common.h"
#include "x509util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	STACK_OF(X509) *certs = NULL;
	struct ns_err err = { 0 };
	unsigned char *der;
	size_t dlen = 0;
	char *text;
	int rc, i;

	rc = ns_certs_parse(data, size, &certs, &err);
	fuzz_check_err(rc, &err);
	FUZZ_CHECK((rc == 0) == (certs != NULL));
	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		(void)ns_cert_pem(tmp, c);
		(void)ns_name_str(tmp, X509_get_subject_name(c));
		(void)ns_name_str(tmp, X509_get_issuer_name(c));
		(void)ns_cert_fingerprint(tmp, c, EVP_sha256(), ":");
		(void)ns_cert_ndes_thumbprint(tmp, c);
		(void)ns_asn1_time_str(tmp, X509_get0_notBefore(c));
		(void)ns_asn1_time_str(tmp, X509_get0_notAfter(c));
	}
	sk_X509_pop_free(certs, X509_free);
	/* The text helpers on the same bytes. */
	text = fuzz_text(tmp, data, size);
	if (text != NULL) {
		der = ns_pem_decode(tmp, text, NULL, &dlen);
		(void)der;
		der = ns_unbase64(tmp, text, &dlen);
		if (der != NULL) {
			char *b64 = ns_base64(tmp, der, dlen);
			size_t l2 = 0;
			unsigned char *back = b64 ? ns_unbase64(tmp, b64, &l2) : NULL;
			FUZZ_CHECK(back != NULL && l2 == dlen && memcmp(back, der, dlen) == 0);
		}
	}
	(void)ns_pkcs7_pem(tmp, data, size);
	talloc_free(tmp);
	fuzz_done();
	return 0;
}
