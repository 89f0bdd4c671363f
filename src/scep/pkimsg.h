/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SCEP pkiMessages (RFC 8894 section 3): reading the signed attributes of a
 * CMS SignedData. Used for certmonger's outgoing messages (the PEM PKCS7 in
 * CERTMONGER_PKCSREQ / CERTMONGER_GETCERTINITIAL, which we send unchanged)
 * and, by certrep.c, for the server's replies. */
#ifndef NS_PKIMSG_H
#define NS_PKIMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "err.h"

/* SCEP attribute OIDs (RFC 8894 3.2.1) */
#define NS_OID_SCEP_MESSAGE_TYPE "2.16.840.1.113733.1.9.2"
#define NS_OID_SCEP_PKI_STATUS "2.16.840.1.113733.1.9.3"
#define NS_OID_SCEP_FAIL_INFO "2.16.840.1.113733.1.9.4"
#define NS_OID_SCEP_SENDER_NONCE "2.16.840.1.113733.1.9.5"
#define NS_OID_SCEP_RECIPIENT_NONCE "2.16.840.1.113733.1.9.6"
#define NS_OID_SCEP_TRANSACTION_ID "2.16.840.1.113733.1.9.7"
#define NS_OID_SCEP_FAIL_INFO_TEXT "1.3.6.1.5.5.7.24.1"

/* messageType values */
#define NS_SCEP_CERTREP 3
#define NS_SCEP_RENEWALREQ 17
#define NS_SCEP_PKCSREQ 19
#define NS_SCEP_CERTPOLL 20

struct ns_pkimsg {
	unsigned char *der;		/* the message as it goes on the wire */
	size_t len;
	int msg_type;
	char *txid;			/* transactionID */
	unsigned char *nonce;		/* senderNonce */
	size_t nonce_len;
	X509 *signer;			/* signer certificate if included, else NULL (freed with the struct) */
};

/* Reads a pkiMessage certmonger built (PEM "PKCS7" block, or DER when
 * is_pem is false). Checks that messageType, transactionID and a 16-byte
 * senderNonce are there. Errors: NS_CAUSE_INPUT with what is wrong. */
int ns_pkimsg_parse(TALLOC_CTX *mem, const char *what, const unsigned char *data,
		    size_t len, bool is_pem, struct ns_pkimsg **out, struct ns_err *err);

/* --- signed-attribute helpers shared with certrep.c --- */

/* Finds the single-valued signed attribute oid. Returns 1 when absent,
 * 0 when present (*value set, owned by si), -1 when it is malformed
 * (several attributes or values). */
int ns_pkimsg_attr(CMS_SignerInfo *si, const char *oid, ASN1_TYPE **value);

/* A string attribute (PrintableString, or any other ASN.1 string type when
 * any_string) as a NUL-terminated talloc string. Same returns as above; -1
 * also for a wrong type or an embedded NUL. */
int ns_pkimsg_attr_string(TALLOC_CTX *mem, CMS_SignerInfo *si, const char *oid,
			  bool any_string, char **out);

/* An OCTET STRING attribute. Same returns. */
int ns_pkimsg_attr_octets(TALLOC_CTX *mem, CMS_SignerInfo *si, const char *oid,
			  unsigned char **out, size_t *len);

/* Strict decimal: "19" -> 19. -1 on anything else (or > 1000000). */
int ns_pkimsg_small_int(const char *s);

/* Printable hex of bytes ("0A1B..."), for logs. */
char *ns_pkimsg_hex(TALLOC_CTX *mem, const unsigned char *data, size_t len);

#endif
