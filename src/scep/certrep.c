/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "certrep.h"
#include "sslcompat.h"
#include "mserr.h"
#include "pkimsg.h"
#include "x509util.h"

static int certrep_destructor(struct ns_certrep *rep)
{
	CMS_ContentInfo_free(rep->cms);
	sk_X509_pop_free(rep->certs, X509_free);
	X509_free(rep->signer);
	return 0;
}

static CMS_SignerInfo *the_signer(const struct ns_certrep *rep)
{
	return sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(rep->cms), 0);
}

/* Reads the numeric PrintableString attributes; -1 when absent. */
static int int_attr(TALLOC_CTX *tmp, CMS_SignerInfo *si, const char *oid, const char *name,
		    int *out, struct ns_err *err)
{
	char *s = NULL;
	int rc = ns_pkimsg_attr_string(tmp, si, oid, false, &s);

	*out = -1;
	if (rc == 1)
		return 0;
	if (rc != 0 || (*out = ns_pkimsg_small_int(s)) < 0)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server's reply has a malformed %s attribute", name);
	return 0;
}

static int read_attrs(struct ns_certrep *rep, CMS_SignerInfo *si, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(rep);
	int rc = -1;

	if (int_attr(tmp, si, NS_OID_SCEP_MESSAGE_TYPE, "messageType", &rep->msg_type, err) != 0 ||
	    int_attr(tmp, si, NS_OID_SCEP_PKI_STATUS, "pkiStatus", &rep->pki_status, err) != 0 ||
	    int_attr(tmp, si, NS_OID_SCEP_FAIL_INFO, "failInfo", &rep->fail_info, err) != 0)
		goto done;
	if (ns_pkimsg_attr_string(rep, si, NS_OID_SCEP_TRANSACTION_ID, false, &rep->txid) < 0) {
		ns_err_set(err, NS_CAUSE_REPLY, "the server's reply has a malformed transactionID");
		goto done;
	}
	if (ns_pkimsg_attr_octets(rep, si, NS_OID_SCEP_SENDER_NONCE, &rep->sender_nonce,
				  &rep->sender_nonce_len) < 0 ||
	    ns_pkimsg_attr_octets(rep, si, NS_OID_SCEP_RECIPIENT_NONCE, &rep->recipient_nonce,
				  &rep->recipient_nonce_len) < 0) {
		ns_err_set(err, NS_CAUSE_REPLY, "the server's reply has a malformed nonce attribute");
		goto done;
	}
	/* Optional and informative only: never fail the reply because of them. */
	if (ns_pkimsg_attr_string(rep, si, NS_OID_SCEP_FAIL_INFO_TEXT, true, &rep->fail_text) < 0)
		rep->fail_text = NULL;
	if (ns_pkimsg_attr_string(rep, si, NS_OID_MS_SCEP_ERROR, true, &rep->hresult_text) == 0)
		rep->have_hresult = ns_mserr_parse_hresult(rep->hresult_text, &rep->hresult) == 0;
	rc = 0;
done:
	talloc_free(tmp);
	return rc;
}

/* rep->cms from rep->der: SignedData, one signer with signed attributes. */
static CMS_SignerInfo *signed_reply(struct ns_certrep *rep, struct ns_err *err)
{
	const unsigned char *p = rep->der;
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo *si;

	rep->cms = d2i_CMS_ContentInfo(NULL, &p, (long)rep->len);
	if (rep->cms == NULL) {
		ns_err_set_ssl(err, NS_CAUSE_REPLY,
			       "the server's reply is not a SCEP pkiMessage (not CMS, or truncated)");
		return NULL;
	}
	if (p != rep->der + rep->len) {
		ns_err_set(err, NS_CAUSE_REPLY,
			   "the server's reply has %zu unexpected bytes after the pkiMessage",
			   (size_t)(rep->der + rep->len - p));
		return NULL;
	}
	if (OBJ_obj2nid(CMS_get0_type(rep->cms)) != NID_pkcs7_signed) {
		ns_err_set(err, NS_CAUSE_REPLY, "the server's reply is CMS but not SignedData");
		return NULL;
	}
	sis = CMS_get0_SignerInfos(rep->cms);
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) != 1) {
		ns_err_set(err, NS_CAUSE_REPLY, "the server's reply has %d signers instead of one",
			   sis ? sk_CMS_SignerInfo_num(sis) : 0);
		return NULL;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	if (CMS_signed_get_attr_count(si) <= 0) {
		ns_err_set(err, NS_CAUSE_REPLY, "the server's reply has no signed attributes");
		return NULL;
	}
	return si;
}

/* The signature's digest name, and the content bytes. */
static void read_digest_and_content(struct ns_certrep *rep, CMS_SignerInfo *si)
{
	ASN1_OCTET_STRING **content;
	X509_ALGOR *dig = NULL;
	const ASN1_OBJECT *dobj = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	if (dig != NULL)
		X509_ALGOR_get0(&dobj, NULL, NULL, dig);
	rep->digest = dobj ? OBJ_nid2sn(OBJ_obj2nid(dobj)) : "unknown";
	if (rep->digest == NULL || strcmp(rep->digest, "UNDEF") == 0)
		rep->digest = "unknown";
	rep->sha1 = dobj != NULL && OBJ_obj2nid(dobj) == NID_sha1;

	/* Only bytes here: NDES' FAILURE eContent is one 0x00 byte (ndes.md). */
	content = CMS_get0_content(rep->cms);
	if (content != NULL && *content != NULL) {
		rep->content_len = (size_t)ASN1_STRING_length(*content);
		rep->content = talloc_memdup(rep, ASN1_STRING_get0_data(*content),
					     rep->content_len ? rep->content_len : 1);
	}
}

int ns_certrep_parse(TALLOC_CTX *mem, const unsigned char *der, size_t len,
		     struct ns_certrep **out, struct ns_err *err)
{
	struct ns_certrep *rep;
	CMS_SignerInfo *si;

	*out = NULL;
	if (der == NULL || len == 0)
		return ns_err_set(err, NS_CAUSE_REPLY, "the server's reply is empty");
	if (len > 0x7fffffff)
		return ns_err_set(err, NS_CAUSE_REPLY, "the server's reply is too large");
	rep = talloc_zero(mem, struct ns_certrep);
	if (rep == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	talloc_set_destructor(rep, certrep_destructor);
	rep->der = talloc_memdup(rep, der, len);
	rep->len = len;
	rep->msg_type = rep->pki_status = rep->fail_info = -1;
	if (rep->der == NULL) {
		talloc_free(rep);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	if ((si = signed_reply(rep, err)) == NULL || read_attrs(rep, si, err) != 0) {
		ERR_clear_error();
		talloc_free(rep);
		return -1;
	}
	read_digest_and_content(rep, si);
	rep->certs = CMS_get1_certs(rep->cms);
	ERR_clear_error();
	*out = rep;
	return 0;
}

/* --- explicit SHA-1 verification (see certrep.h) --- */

/* One DER header; definite lengths only. Returns 1 constructed, 0 primitive,
 * -1 error. */
static int der_hdr(const unsigned char **p, const unsigned char *end, long *len,
		   int *tag, int *cls)
{
	int r = ASN1_get_object(p, len, tag, cls, end - *p);

	if ((r & 0x80) || (r & 0x01))
		return -1;
	return (r & V_ASN1_CONSTRUCTED) ? 1 : 0;
}

static int der_skip(const unsigned char **p, const unsigned char *end)
{
	long len;
	int tag, cls;

	if (der_hdr(p, end, &len, &tag, &cls) < 0)
		return -1;
	*p += len;
	return 0;
}

/* Finds the original bytes of SignerInfo.signedAttrs ([0] IMPLICIT SET OF):
 * the signature covers exactly them with a SET tag (RFC 5652 5.4). */
static int find_signed_attrs(const unsigned char *der, size_t der_len,
			     const unsigned char **start, size_t *alen)
{
	const unsigned char *p = der, *end = der + der_len, *h;
	long len;
	int tag, cls;

	if (der_hdr(&p, end, &len, &tag, &cls) != 1 || tag != V_ASN1_SEQUENCE)
		return -1;			/* ContentInfo */
	end = p + len;
	if (der_skip(&p, end) != 0)		/* contentType */
		return -1;
	if (der_hdr(&p, end, &len, &tag, &cls) != 1 || cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0)
		return -1;			/* [0] EXPLICIT */
	if (der_hdr(&p, end, &len, &tag, &cls) != 1 || tag != V_ASN1_SEQUENCE)
		return -1;			/* SignedData */
	end = p + len;
	if (der_skip(&p, end) != 0 || der_skip(&p, end) != 0 || der_skip(&p, end) != 0)
		return -1;			/* version, digestAlgorithms, encapContentInfo */
	for (;;) {				/* [0] certificates, [1] crls */
		if (der_hdr(&p, end, &len, &tag, &cls) < 0)
			return -1;
		if (cls == V_ASN1_CONTEXT_SPECIFIC && (tag == 0 || tag == 1)) {
			p += len;
			continue;
		}
		break;
	}
	if (tag != V_ASN1_SET || cls != V_ASN1_UNIVERSAL)
		return -1;			/* signerInfos */
	if (der_hdr(&p, end, &len, &tag, &cls) != 1 || tag != V_ASN1_SEQUENCE)
		return -1;			/* SignerInfo */
	end = p + len;
	if (der_skip(&p, end) != 0 || der_skip(&p, end) != 0 || der_skip(&p, end) != 0)
		return -1;			/* version, sid, digestAlgorithm */
	h = p;
	if (der_hdr(&p, end, &len, &tag, &cls) != 1 || cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0)
		return -1;
	*start = h;
	*alen = (size_t)(p - h) + (size_t)len;
	return 0;
}

/* RSA PKCS#1 v1.5 "recover": the DigestInfo the signature carries. */
static unsigned char *recover_digest_info(EVP_PKEY *pkey, const ASN1_OCTET_STRING *sig,
					  size_t *rlen)
{
	EVP_PKEY_CTX *pctx = ns_pkey_ctx_new(pkey);
	unsigned char *rec = NULL;

	*rlen = 0;
	if (pctx == NULL || EVP_PKEY_verify_recover_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_verify_recover(pctx, NULL, rlen, ASN1_STRING_get0_data(sig),
				    (size_t)ASN1_STRING_length(sig)) <= 0 ||
	    (rec = OPENSSL_malloc(*rlen ? *rlen : 1)) == NULL ||
	    EVP_PKEY_verify_recover(pctx, rec, rlen, ASN1_STRING_get0_data(sig),
				    (size_t)ASN1_STRING_length(sig)) <= 0) {
		OPENSSL_free(rec);
		rec = NULL;
	}
	EVP_PKEY_CTX_free(pctx);
	return rec;
}

/* The recovered block must be exactly DigestInfo{sha1, md}. */
static bool digest_info_is(const unsigned char *rec, size_t rlen, const unsigned char *md,
			   unsigned int mdlen)
{
	const unsigned char *q = rec;
	X509_SIG *xsig = d2i_X509_SIG(NULL, &q, (long)rlen);
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *dig;
	const ASN1_OBJECT *aobj;
	bool ok;
	int ptype;

	if (xsig == NULL || q != rec + rlen) {
		X509_SIG_free(xsig);
		return false;
	}
	X509_SIG_get0(xsig, &alg, &dig);
	X509_ALGOR_get0(&aobj, &ptype, NULL, alg);
	ok = OBJ_obj2nid(aobj) == NID_sha1 && (ptype == V_ASN1_NULL || ptype == V_ASN1_UNDEF) &&
		(unsigned int)ASN1_STRING_length(dig) == mdlen &&
		CRYPTO_memcmp(ASN1_STRING_get0_data(dig), md, mdlen) == 0;
	X509_SIG_free(xsig);
	return ok;
}

static int verify_explicit(struct ns_certrep *rep, CMS_SignerInfo *si, X509 *signer,
			   struct ns_err *err)
{
	const char *policy = "the server signed its reply with SHA-1 and this system's crypto "
			     "policy forbids SHA-1 signatures";
	const unsigned char *attrs;
	size_t alen, rlen = 0;
	unsigned char *buf = NULL, *rec = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD *sha1 = NULL;
	EVP_PKEY *pkey = X509_get0_pubkey(signer);
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	int rc = -1;

	if (pkey == NULL || ns_pkey_base_id(pkey) != EVP_PKEY_RSA) {
		ns_err_set(err, NS_CAUSE_REPLY, "%s, and its key is not RSA so it cannot be "
			   "checked another way; allow SHA-1 signatures in the policy "
			   "(e.g. update-crypto-policies --set DEFAULT:SHA1)", policy);
		goto done;
	}
	if (find_signed_attrs(rep->der, rep->len, &attrs, &alen) != 0) {
		ns_err_set(err, NS_CAUSE_REPLY, "%s, and the reply's encoding could not be "
			   "checked another way", policy);
		goto done;
	}
	buf = OPENSSL_malloc(alen);
	sha1 = ns_md_fetch("SHA1");
	if (buf == NULL || sha1 == NULL || sig == NULL) {
		ns_err_set_ssl(err, NS_CAUSE_REPLY, "%s, and SHA-1 digests are unavailable", policy);
		goto done;
	}
	memcpy(buf, attrs, alen);
	buf[0] = 0x31;		/* [0] IMPLICIT -> SET OF, as signed */
	if (EVP_Digest(buf, alen, md, &mdlen, sha1, NULL) &&
	    (rec = recover_digest_info(pkey, sig, &rlen)) != NULL &&
	    digest_info_is(rec, rlen, md, mdlen))
		rc = 0;
	else
		ns_err_set(err, NS_CAUSE_REPLY, "the server's reply has a bad signature");
done:
	OPENSSL_free(rec);
	OPENSSL_free(buf);
	ns_md_free(sha1);
	ERR_clear_error();
	return rc;
}

/* The messageDigest attribute must match the eContent (absent = empty). */
static int check_content_digest(struct ns_certrep *rep, CMS_SignerInfo *si, struct ns_err *err)
{
	unsigned char *want = NULL;
	size_t want_len = 0;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD *alg;
	int rc = -1;

	if (ns_pkimsg_attr_octets(rep, si, "1.2.840.113549.1.9.4", &want, &want_len) != 0)
		return ns_err_set(err, NS_CAUSE_REPLY, "the server's reply has no valid messageDigest");
	alg = ns_md_fetch(rep->digest);
	if (alg == NULL) {
		ns_err_set_ssl(err, NS_CAUSE_REPLY,
			       "the server's reply uses the unsupported digest %s", rep->digest);
	} else if (!EVP_Digest(rep->content ? rep->content : (const unsigned char *)"",
			       rep->content_len, md, &mdlen, alg, NULL)) {
		ns_err_set_ssl(err, NS_CAUSE_REPLY, "cannot compute a %s digest", rep->digest);
	} else if (mdlen != want_len || CRYPTO_memcmp(md, want, mdlen) != 0) {
		ns_err_set(err, NS_CAUSE_REPLY,
			   "the server's reply is corrupt: its content does not match its signed digest");
	} else {
		rc = 0;
	}
	ns_md_free(alg);
	talloc_free(want);
	return rc;
}

static X509 *find_in(STACK_OF(X509) *certs, CMS_SignerInfo *si)
{
	int i;

	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
			return sk_X509_value(certs, i);
	return NULL;
}

/* certmonger's nickname of this CA, for "getcert refresh-ca -c NAME". */
static const char *ca_name(const struct ns_certrep *rep)
{
	return rep->ca_name != NULL ? rep->ca_name : "NAME";
}

static int unknown_signer(struct ns_certrep *rep, CMS_SignerInfo *si, struct ns_err *err)
{
	X509 *c = find_in(rep->certs, si);
	char *name = c ? ns_name_str(rep, X509_get_subject_name(c)) : NULL;

	/* NDES' RA certificates are renewed every two years or so; certmonger
	 * keeps the old ones until the CA data is refreshed. */
	if (name != NULL)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server's reply is signed by \"%s\", which is not one of the "
				  "CA certificates certmonger holds for this CA; if NDES' RA "
				  "certificates were renewed, run getcert refresh-ca -c %s",
				  name, ca_name(rep));
	return ns_err_set(err, NS_CAUSE_REPLY,
			  "the server's reply is signed by a certificate that is neither in the "
			  "reply nor among the CA certificates certmonger holds for this CA; "
			  "if NDES' RA certificates were renewed, run getcert refresh-ca -c %s",
			  ca_name(rep));
}

static int verify_chain(X509 *signer, X509 *ca, STACK_OF(X509) *untrusted, time_t at,
			const char *name, struct ns_err *err)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	int rc = -1, e;

	if (store == NULL || vctx == NULL || !X509_STORE_add_cert(store, ca) ||
	    !X509_STORE_CTX_init(vctx, store, signer, untrusted)) {
		ns_err_set_ssl(err, NS_CAUSE_REPLY, "cannot set up certificate verification");
		goto done;
	}
	/* The issuing CA is the anchor even when it is subordinate. */
	X509_STORE_CTX_set_flags(vctx, X509_V_FLAG_PARTIAL_CHAIN);
	if (at != 0)
		X509_STORE_CTX_set_time(vctx, 0, at);
	if (X509_verify_cert(vctx) == 1) {
		rc = 0;
	} else {
		e = X509_STORE_CTX_get_error(vctx);
		ns_err_set(err, NS_CAUSE_REPLY,
			   "the server's reply is signed by a certificate that does not chain to "
			   "the CA: %s%s%s%s", X509_verify_cert_error_string(e),
			   e == X509_V_ERR_CERT_HAS_EXPIRED
			   ? " (NDES' RA certificate expired: renew it on the NDES server, then run getcert refresh-ca -c "
			   : "", e == X509_V_ERR_CERT_HAS_EXPIRED ? name : "",
			   e == X509_V_ERR_CERT_HAS_EXPIRED ? ")" : "");
	}
done:
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}

int ns_certrep_verify(struct ns_certrep *rep, STACK_OF(X509) *signers, X509 *ca,
		      STACK_OF(X509) *untrusted, unsigned flags, time_t at,
		      struct ns_err *err)
{
	CMS_SignerInfo *si = the_signer(rep);
	X509 *signer;

	if (si == NULL || ca == NULL)
		return ns_err_set(err, NS_CAUSE_REPLY, "nothing to verify the server's reply against");
	if (strcmp(rep->digest, "MD5") == 0)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server signed its reply with MD5, which is not accepted");
	if (rep->sha1 && !(flags & NS_CERTREP_ALLOW_SHA1))
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server signed its reply with SHA-1 and allow-sha1 is off "
				  "(NDES always signs with SHA-1: set allow-sha1 = yes)");
	signer = find_in(signers, si);
	if (signer == NULL)
		return unknown_signer(rep, si, err);
	if (verify_chain(signer, ca, untrusted, at, ca_name(rep), err) != 0)
		return -1;
	if (check_content_digest(rep, si, err) != 0)
		return -1;

	CMS_SignerInfo_set1_signer_cert(si, signer);
	if (!(flags & NS_CERTREP_FORCE_EXPLICIT) && CMS_SignerInfo_verify(si) == 1) {
		ERR_clear_error();
	} else if (rep->sha1) {
		/* Maybe only the crypto policy said no: check it ourselves. */
		ERR_clear_error();
		if (verify_explicit(rep, si, signer, err) != 0)
			return -1;
		rep->verified_explicitly = true;
	} else {
		return ns_err_set_ssl(err, NS_CAUSE_REPLY, "the server's reply has a bad signature");
	}
	if (!X509_up_ref(signer))
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	X509_free(rep->signer);
	rep->signer = signer;
	return 0;
}

int ns_certrep_check(const struct ns_certrep *rep, const char *txid,
		     const unsigned char *nonce, size_t nonce_len, struct ns_err *err)
{
	CMS_ContentInfo *env;
	const unsigned char *p;
	int ok;

	if (rep->msg_type != NS_SCEP_CERTREP)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server's reply is not a CertRep (messageType %d, expected 3)",
				  rep->msg_type);
	if (rep->txid == NULL || strcmp(rep->txid, txid) != 0)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server's reply is for another transaction (transactionID "
				  "\"%.64s\", expected \"%.64s\")", rep->txid ? rep->txid : "(none)", txid);
	if (rep->recipient_nonce == NULL || rep->recipient_nonce_len != nonce_len ||
	    CRYPTO_memcmp(rep->recipient_nonce, nonce, nonce_len) != 0)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server's reply does not answer our request (recipientNonce "
				  "differs from our senderNonce): stale or replayed reply");
	switch (rep->pki_status) {
	case NS_PKI_SUCCESS:
		break;
	case NS_PKI_FAILURE:
	case NS_PKI_PENDING:
		return 0;
	case -1:
		return ns_err_set(err, NS_CAUSE_REPLY, "the server's reply has no pkiStatus");
	default:
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server's reply has the unknown pkiStatus %d", rep->pki_status);
	}
	if (rep->content == NULL || rep->content_len == 0)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server reported SUCCESS but sent no certificate envelope");
	p = rep->content;
	env = d2i_CMS_ContentInfo(NULL, &p, (long)rep->content_len);
	ok = env != NULL && p == rep->content + rep->content_len &&
	     OBJ_obj2nid(CMS_get0_type(env)) == NID_pkcs7_enveloped;
	CMS_ContentInfo_free(env);
	ERR_clear_error();
	if (!ok)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the server reported SUCCESS but its content is not an "
				  "encrypted certificate envelope (CMS EnvelopedData)");
	return 0;
}
