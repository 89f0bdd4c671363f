/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>

#include "scepbuild.h"

static void add_str(CMS_SignerInfo *si, const char *oid, const char *v)
{
	ASN1_OBJECT *o;

	if (v == NULL)
		return;
	o = OBJ_txt2obj(oid, 1);
	CMS_signed_add1_attr_by_OBJ(si, o, V_ASN1_PRINTABLESTRING, v, (int)strlen(v));
	ASN1_OBJECT_free(o);
}

static void add_oct(CMS_SignerInfo *si, const char *oid, const unsigned char *v)
{
	ASN1_OBJECT *o;

	if (v == NULL)
		return;
	o = OBJ_txt2obj(oid, 1);
	CMS_signed_add1_attr_by_OBJ(si, o, V_ASN1_OCTET_STRING, v, 16);
	ASN1_OBJECT_free(o);
}

unsigned char *sb_build(const struct sb_msg *m, size_t *len)
{
	static const unsigned char zero = 0;
	const unsigned char *content = m->content ? m->content : &zero;
	size_t clen = m->content ? m->content_len : 1;
	unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	BIO *bio;
	unsigned char *der = NULL;
	int n;

	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (cms == NULL)
		return NULL;
	si = CMS_add1_signer(cms, m->signer, m->key, m->md ? m->md : EVP_sha256(),
			     flags | (m->no_certs ? CMS_NOCERTS : 0));
	if (si == NULL)
		goto out;
	add_str(si, "2.16.840.1.113733.1.9.2", m->msg_type);
	add_str(si, "2.16.840.1.113733.1.9.3", m->pki_status);
	add_str(si, "2.16.840.1.113733.1.9.4", m->fail_info);
	add_str(si, "2.16.840.1.113733.1.9.7", m->txid);
	add_str(si, "1.3.6.1.4.1.311.21.33", m->hresult);
	add_oct(si, "2.16.840.1.113733.1.9.5", m->sender_nonce);
	add_oct(si, "2.16.840.1.113733.1.9.6", m->recipient_nonce);
	bio = BIO_new_mem_buf(content, (int)clen);
	if (!CMS_final(cms, bio, NULL, flags)) {
		BIO_free(bio);
		goto out;
	}
	BIO_free(bio);
	if (m->corrupt_sig) {
		ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
		unsigned char *d = (unsigned char *)ASN1_STRING_get0_data(sig);
		d[ASN1_STRING_length(sig) / 2] ^= 0x01;
	}
	if (m->corrupt_content) {
		ASN1_OCTET_STRING **c = CMS_get0_content(cms);
		unsigned char *d = (unsigned char *)ASN1_STRING_get0_data(*c);
		d[0] ^= 0x80;
	}
	n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0)
		der = NULL;
	else
		*len = (size_t)n;
out:
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return der;
}

unsigned char *sb_envelope(X509 *recipient, const unsigned char *data, size_t len,
			   size_t *out_len)
{
	STACK_OF(X509) *rcpt = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	CMS_ContentInfo *cms;
	unsigned char *der = NULL;
	int n;

	sk_X509_push(rcpt, recipient);
	cms = CMS_encrypt(rcpt, bio, EVP_des_ede3_cbc(), CMS_BINARY);
	if (cms != NULL) {
		n = i2d_CMS_ContentInfo(cms, &der);
		if (n > 0)
			*out_len = (size_t)n;
		else
			der = NULL;
	}
	CMS_ContentInfo_free(cms);
	BIO_free(bio);
	sk_X509_free(rcpt);
	return der;
}
