/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Makes PEM CSRs with OpenSSL for the otp/autopw tests. */
#ifndef NS_OTP_TESTCSR_H
#define NS_OTP_TESTCSR_H

#include <talloc.h>
#include <openssl/evp.h>

/* A fresh 1024-bit RSA key (small: tests only). */
EVP_PKEY *testcsr_key(void);

/* CSR for key with CN=cn; challenge: NULL none, else added with the given
 * ASN.1 string type (V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING). label
 * "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST". */
char *testcsr_make(TALLOC_CTX *mem, EVP_PKEY *key, const char *cn, const char *challenge,
		   int type, const char *label);

#endif
