/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The challenge password inside a PEM CSR (PKCS#9 challengePassword,
 * 1.2.840.113549.1.9.7): certmonger puts the "getcert request -l/-L"
 * password there and passes no separate variable. Implemented in csr.c. */
#ifndef NS_CSR_H
#define NS_CSR_H

#include <stddef.h>
#include <talloc.h>

/* *pw_out gets the password as UTF-8 (NULL when the CSR has none).
 * Returns 0, or -1 when the CSR cannot be parsed. */
int ns_csr_challenge(TALLOC_CTX *mem, const char *csr_pem, char **pw_out);

/* Does the PEM CSR carry a PKCS#9 challengePassword? -1 on an unparsable CSR. */
int ns_csr_has_challenge(const char *csr_pem);

/* DER bytes of the first CERTIFICATE REQUEST block (NULL: none/invalid). */
unsigned char *ns_csr_der(TALLOC_CTX *mem, const char *csr_pem, size_t *len_out);

#endif
