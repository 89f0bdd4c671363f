/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a renewal request looks like next to the certificate it renews
 * (ndes.md "Renewal"): NDES hands back the existing certificate when a
 * request repeats a transactionID (certmonger derives it from the CSR's
 * key), and renews without a password only a request with the certificate's
 * own subject and subjectAltNames, signed by it. Pure parsing, no I/O;
 * submit.c decides. Implemented in renew.c. */
#ifndef NS_RENEW_H
#define NS_RENEW_H

#include <stdbool.h>
#include <talloc.h>
#include <openssl/x509.h>

#include "csr.h"
#include "err.h"

struct ns_renewal {
	bool same_key;		/* the CSR's public key is the certificate's */
	bool subject_differs;
	char *csr_subject;	/* RFC 2253, "" for an empty name */
	char *cert_subject;
	char *san_added;	/* names in the CSR, not in the certificate ("DNS:a, IP:1.2.3.4"), NULL: none */
	char *san_missing;	/* names in the certificate, not in the CSR, NULL: none */
	char *resubmit_args;	/* getcert resubmit options that restore the certificate's names */
	char *cert_serial;	/* hex */
	char *not_after;	/* "2027-01-31 12:00:00 UTC" */
};

/* Compares the PEM certificate with the parsed CSR. Errors (NS_CAUSE_PARSE):
 * the certificate cannot be parsed, or csr is NULL. */
int ns_renewal_inspect_csr(TALLOC_CTX *mem, const char *cert_pem, const struct ns_csr *csr,
			   struct ns_renewal **out, struct ns_err *err);

/* The same with a PEM CSR (tests). */
int ns_renewal_inspect(TALLOC_CTX *mem, const char *cert_pem, const char *csr_pem,
		       struct ns_renewal **out, struct ns_err *err);

/* Does the CSR ask for other names than the certificate has? */
bool ns_renewal_names_differ(const struct ns_renewal *r);

/* "subject \"CN=b\" (certificate: \"CN=a\"); DNS:x not in the certificate;
 * DNS:y missing" */
char *ns_renewal_diff_str(TALLOC_CTX *mem, const struct ns_renewal *r);

#endif
