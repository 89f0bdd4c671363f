/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Readable descriptions of certificates for the admin subcommands.
 * Implemented in certinfo.c. */
#ifndef NS_CERTINFO_H
#define NS_CERTINFO_H

#include <stdbool.h>
#include <time.h>
#include <talloc.h>
#include <openssl/x509.h>

/* "digitalSignature, keyEncipherment" or "(none: any use)". */
char *ns_cert_ku_str(TALLOC_CTX *mem, X509 *cert);
/* "1.3.6.1.4.1.311.20.2.1 (Certificate Request Agent), ..." or "(none)". */
char *ns_cert_eku_str(TALLOC_CTX *mem, X509 *cert);
/* -1 not yet valid, 0 valid, 1 expired, at now (0: the current time). */
int ns_cert_validity(X509 *cert, time_t now);
/* Seconds until notAfter (negative when expired). */
long long ns_cert_seconds_left(X509 *cert);

#endif
