/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Certificate parsing and printing shared by every module. */
#ifndef NS_X509UTIL_H
#define NS_X509UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>
#include <openssl/x509.h>

#include "err.h"

/* Parses what servers send as "CA certificates", whatever they call it:
 * one DER certificate, a DER degenerate (certs-only) PKCS#7, or PEM
 * (CERTIFICATE or PKCS7 blocks, possibly several). *out gets a new stack the
 * caller frees with sk_X509_pop_free(.., X509_free). Errors: NS_CAUSE_PARSE. */
int ns_certs_parse(const unsigned char *data, size_t len, STACK_OF(X509) **out,
		   struct ns_err *err);

/* Is c (compared by content) in sk? */
bool ns_certs_contains(STACK_OF(X509) *sk, X509 *c);

/* Base64 (standard alphabet, no newlines). */
char *ns_base64(TALLOC_CTX *mem, const unsigned char *data, size_t len);
/* Decodes base64, ignoring whitespace. NULL on bad input. */
unsigned char *ns_unbase64(TALLOC_CTX *mem, const char *b64, size_t *len_out);

/* PEM text of a certificate / of DER PKCS#7 ("-----BEGIN PKCS7-----"). */
char *ns_cert_pem(TALLOC_CTX *mem, X509 *cert);
char *ns_pkcs7_pem(TALLOC_CTX *mem, const unsigned char *der, size_t len);

/* Decodes the PEM body of the first "-----BEGIN <label>-----" block in text
 * (label NULL: any). Returns DER or NULL. */
unsigned char *ns_pem_decode(TALLOC_CTX *mem, const char *text, const char *label,
			     size_t *len_out);

/* Upper-case hex of data ("0A1B..."). NULL when out of memory. */
char *ns_hex(TALLOC_CTX *mem, const unsigned char *data, size_t len);

/* Lower-case hex of the first nbytes (at most 32) of SHA-256(domain || data):
 * file names from URLs and transactionIDs, digests of passwords that must
 * never be stored (domain separates their uses; NULL: none). out holds
 * 2 * nbytes + 1; "" when data is NULL or the digest fails. */
void ns_sha256_hex(const char *domain, const char *data, size_t nbytes, char *out);

/* One-line RFC 2253 name, e.g. "CN=CATS-MSCEP-RA,C=US". */
char *ns_name_str(TALLOC_CTX *mem, const X509_NAME *name);
/* Hex fingerprint "AB:CD:..." with the digest (EVP_sha256(), EVP_md5()...). */
char *ns_cert_fingerprint(TALLOC_CTX *mem, X509 *cert, const EVP_MD *md, const char *sep);
/* NDES' admin-page thumbprint: MD5 of the DER cert as "A656FA66 AB12B433 ...". */
char *ns_cert_ndes_thumbprint(TALLOC_CTX *mem, X509 *cert);
/* "2017-01-31 12:00:00 UTC" */
char *ns_asn1_time_str(TALLOC_CTX *mem, const ASN1_TIME *t);

/* Did issuer sign cert? Names (and key identifiers) match and the signature
 * verifies with issuer's key. */
bool ns_cert_issued_by(X509 *cert, X509 *issuer);

/* Is cert a CA certificate (basicConstraints CA, or a v1 self-signed one)? */
bool ns_cert_is_ca(X509 *cert);

#endif
