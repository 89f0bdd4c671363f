/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger's CSR (CERTMONGER_CSR, PEM), parsed once into struct ns_csr:
 * its DER, the request, its public key, and the challenge password (PKCS#9
 * challengePassword, 1.2.840.113549.1.9.7), where certmonger puts the
 * "getcert request -l/-L" password; it passes no separate variable. The one
 * place in the program that decodes a CSR. Implemented in csr.c. */
#ifndef NS_CSR_H
#define NS_CSR_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>
#include <openssl/x509.h>

struct ns_csr {
	unsigned char *der;		/* of the first CERTIFICATE REQUEST block */
	size_t len;
	X509_REQ *req;			/* freed with the struct */
	unsigned char *spki;		/* DER SubjectPublicKeyInfo (NULL: unreadable key) */
	size_t spki_len;
	char *password;			/* UTF-8, a secret wiped when freed; NULL: none */
	bool password_bad;		/* an attribute that is not a readable string */
};

/* Parses a PEM CSR. Returns 0, or -1 (*out NULL) when it holds none. */
int ns_csr_parse(TALLOC_CTX *mem, const char *csr_pem, struct ns_csr **out);

/* Does the CSR carry a non-empty challenge password? */
bool ns_csr_has_password(const struct ns_csr *csr);

/* The same from PEM, each a ns_csr_parse (for tests and the fuzzers):
 * *pw_out gets the password (NULL when the CSR has none); 0, or -1 when the
 * CSR or its password cannot be read. */
int ns_csr_challenge(TALLOC_CTX *mem, const char *csr_pem, char **pw_out);

/* 1 when the PEM CSR carries a challenge password, 0 if not, -1 on an
 * unparsable CSR. */
int ns_csr_has_challenge(const char *csr_pem);

/* DER bytes of the first CERTIFICATE REQUEST block (NULL: none/invalid). */
unsigned char *ns_csr_der(TALLOC_CTX *mem, const char *csr_pem, size_t *len_out);

#endif
