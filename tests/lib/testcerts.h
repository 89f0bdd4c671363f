/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keys, certificates and CSRs of the C tests, made at run time with OpenSSL
 * (no canned data): CAs, NDES-shaped RA certificates, degenerate PKCS#7
 * bundles, PEM CSRs with or without a challenge password, and the real NDES
 * fixtures (../shared/fixtures/ndes) when present. */
#ifndef NS_TEST_TESTCERTS_H
#define NS_TEST_TESTCERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TC_NO_KU (-1)		/* no keyUsage extension at all */
#define TC_RA_EKU "1.3.6.1.4.1.311.20.2.1"

/* A new EC P-256 key (fast). */
EVP_PKEY *tc_key(void);
/* A new RSA key of bits (slow: SCEP needs RSA). */
EVP_PKEY *tc_rsa_key(int bits);
/* One RSA key per size for the whole test program (a new reference each
 * call; EVP_PKEY_free it): for tests that make many. */
EVP_PKEY *tc_rsa_key_shared(int bits);

/* A certificate for key named CN=cn, issued by issuer/issuer_key (NULL:
 * self-signed). ku: KU_* bits or TC_NO_KU; eku: an OID or NULL; valid from
 * now + from_days for days (from_days -10, days 5: expired). */
X509 *tc_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
	      int ku, const char *eku, long from_days, long days);

/* A new stack holding references to the given certificates (NULL-ended). */
STACK_OF(X509) *tc_stack(X509 *first, ...);

/* DER degenerate PKCS#7 of certs (OPENSSL_free the result). */
unsigned char *tc_p7_der(STACK_OF(X509) *certs, size_t *len);

/* The real NDES GetCACert fixture; NULL (and a message) when absent. */
unsigned char *tc_fixture(const char *name, size_t *len);

/* A PEM CSR for key with CN=cn; challenge: NULL none, else added with the
 * ASN.1 string type given (V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING).
 * label: "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST". */
char *tc_csr_pem(TALLOC_CTX *mem, EVP_PKEY *key, const char *cn, const char *challenge,
		 int type, const char *label);

#endif
