/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only: builds SCEP pkiMessages and CMS envelopes with OpenSSL at run
 * time, so the tests need no canned data of their own (the keys and
 * certificates come from testcerts.h). */
#ifndef NS_TEST_SCEPBUILD_H
#define NS_TEST_SCEPBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

struct sb_msg {
	X509 *signer;
	EVP_PKEY *key;
	const EVP_MD *md;		/* default SHA-256 */
	bool no_certs;			/* do not include the signer certificate */
	const char *msg_type;		/* PrintableString values; NULL = leave out */
	const char *pki_status;
	const char *fail_info;
	const char *txid;
	const unsigned char *sender_nonce;	/* 16 bytes, NULL = leave out */
	const unsigned char *recipient_nonce;
	const char *hresult;		/* 1.3.6.1.4.1.311.21.33 */
	const unsigned char *content;	/* eContent; NULL = one 0x00 byte (NDES) */
	size_t content_len;
	bool corrupt_sig;		/* flip a bit of the signature */
	bool corrupt_content;		/* change the content after signing */
};

/* DER of the pkiMessage (OPENSSL_malloc'd), NULL on failure. */
unsigned char *sb_build(const struct sb_msg *m, size_t *len);

/* A CMS EnvelopedData (DES3) of data for recipient. OPENSSL_malloc'd DER. */
unsigned char *sb_envelope(X509 *recipient, const unsigned char *data, size_t len,
			   size_t *out_len);

#endif
