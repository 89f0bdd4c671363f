/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CertRep pkiMessages (RFC 8894 3.3.2): parsing, signature and chain
 * verification, and the checks that tie a reply to our request.
 *
 * SHA-1: NDES signs every CertRep with SHA-1. We accept that on purpose
 * (allow-sha1, default yes): a CertRep's signature only authenticates status
 * attributes, and the issued certificate inside is checked by certmonger.
 * Where the system's crypto policy forbids SHA-1 signatures (RHEL 9 DEFAULT)
 * OpenSSL's CMS verification fails; we then verify the RSA PKCS#1 v1.5
 * signature explicitly (recover the DigestInfo with the public key, compare
 * it with our own SHA-1 over the signed attributes' original DER). If even
 * that is impossible (non-RSA key) the error says exactly why. */
#ifndef NS_CERTREP_H
#define NS_CERTREP_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <time.h>
#include <talloc.h>
#include <openssl/x509.h>

#include "err.h"

enum ns_pki_status {
	NS_PKI_SUCCESS = 0,
	NS_PKI_FAILURE = 2,
	NS_PKI_PENDING = 3,
};

struct ns_certrep {
	int msg_type;			/* -1 when absent */
	int pki_status;			/* -1 when absent, else the number sent */
	int fail_info;			/* -1 when absent */
	char *fail_text;		/* failInfoText or NULL */
	char *txid;			/* NULL when absent */
	unsigned char *sender_nonce, *recipient_nonce;	/* NULL when absent */
	size_t sender_nonce_len, recipient_nonce_len;
	bool have_hresult;		/* NDES' 1.3.6.1.4.1.311.21.33 */
	uint32_t hresult;
	char *hresult_text;		/* as sent, or NULL */
	unsigned char *content;		/* eContent (SUCCESS: the EnvelopedData) or NULL */
	size_t content_len;
	const char *digest;		/* "SHA1", "SHA256"... (static) */
	bool sha1;			/* signed with SHA-1 */
	bool verified_explicitly;	/* the SHA-1 fallback path was used */
	X509 *signer;			/* set by ns_certrep_verify */
	const char *ca_name;		/* set by the caller: certmonger's nickname of the CA,
					 * for "getcert refresh-ca -c NAME" hints (NULL: NAME) */

	/* private */
	unsigned char *der;
	size_t len;
	void *cms;			/* CMS_ContentInfo */
	STACK_OF(X509) *certs;		/* certificates the reply carries */
};

/* Parses a CertRep without judging it (no signature check). Garbage,
 * truncation, trailing bytes, a non-SignedData or several signers give
 * NS_CAUSE_REPLY with a message saying what came instead. Malformed SCEP
 * attributes are errors too. The eContent is kept as bytes only: NDES'
 * FAILURE carries a single 0x00 byte there, parsed only for SUCCESS. */
int ns_certrep_parse(TALLOC_CTX *mem, const unsigned char *der, size_t len,
		     struct ns_certrep **out, struct ns_err *err);

/* Verification flags */
#define NS_CERTREP_ALLOW_SHA1		0x1
#define NS_CERTREP_FORCE_EXPLICIT	0x2	/* tests: always use the SHA-1 fallback path */

/* Verifies the reply's signature and that its signer is one of signers (the
 * certificates certmonger handed over in CERTMONGER_SCEP_*) and chains, with
 * verified signatures, to the trust anchor ca (intermediates from
 * untrusted, may be NULL). at: verification time, 0 = now. Errors:
 * NS_CAUSE_REPLY with the reason (unknown signer, bad chain, bad signature,
 * SHA-1 refused...). */
int ns_certrep_verify(struct ns_certrep *rep, STACK_OF(X509) *signers, X509 *ca,
		      STACK_OF(X509) *untrusted, unsigned flags, time_t at,
		      struct ns_err *err);

/* Ties the reply to our request: messageType 3, the same transactionID,
 * recipientNonce == our senderNonce, pkiStatus 0/2/3, and for SUCCESS an
 * EnvelopedData as content. Errors NS_CAUSE_REPLY. */
int ns_certrep_check(const struct ns_certrep *rep, const char *txid,
		     const unsigned char *nonce, size_t nonce_len, struct ns_err *err);

#endif
