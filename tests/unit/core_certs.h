/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test certificates made at run time with OpenSSL (EC P-256 keys: fast):
 * CAs, NDES-shaped RA certificates, and the real NDES fixture. */
#ifndef NS_CORE_CERTS_H
#define NS_CORE_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/x509.h>

#define TC_NO_KU (-1)		/* no keyUsage extension at all */
#define TC_RA_EKU "1.3.6.1.4.1.311.20.2.1"

EVP_PKEY *tc_key(void);

/* A certificate for key named CN=cn, issued by issuer/issuer_key (NULL:
 * self-signed). ku: KU_* bits or TC_NO_KU; eku: an OID or NULL; validity
 * from now+from_days for days. */
X509 *tc_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
	      int ku, const char *eku, long from_days, long days);

/* A new stack holding references to the given certificates (NULL-ended). */
STACK_OF(X509) *tc_stack(X509 *first, ...);

/* DER degenerate PKCS#7 of certs (OPENSSL_free the result). */
unsigned char *tc_p7_der(STACK_OF(X509) *certs, size_t *len);

/* The real NDES GetCACert fixture; NULL (and a message) when absent. */
unsigned char *tc_fixture(const char *name, size_t *len);

#endif
