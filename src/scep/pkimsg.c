/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "pkimsg.h"
#include "x509util.h"

int ns_pkimsg_attr(CMS_SignerInfo *si, const char *oid, ASN1_TYPE **value)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	X509_ATTRIBUTE *attr;
	int idx, rc;

	*value = NULL;
	if (obj == NULL)
		return -1;
	idx = CMS_signed_get_attr_by_OBJ(si, obj, -1);
	if (idx < 0) {
		rc = 1;
	} else if (CMS_signed_get_attr_by_OBJ(si, obj, idx) >= 0) {
		rc = -1;	/* the same attribute twice: refuse to pick one */
	} else {
		attr = CMS_signed_get_attr(si, idx);
		if (attr == NULL || X509_ATTRIBUTE_count(attr) != 1) {
			rc = -1;
		} else {
			*value = X509_ATTRIBUTE_get0_type(attr, 0);
			rc = *value != NULL ? 0 : -1;
		}
	}
	ASN1_OBJECT_free(obj);
	return rc;
}

static bool is_string_type(int t)
{
	switch (t) {
	case V_ASN1_PRINTABLESTRING:
	case V_ASN1_UTF8STRING:
	case V_ASN1_IA5STRING:
	case V_ASN1_T61STRING:
	case V_ASN1_VISIBLESTRING:
		return true;
	default:
		return false;
	}
}

int ns_pkimsg_attr_string(TALLOC_CTX *mem, CMS_SignerInfo *si, const char *oid,
			  bool any_string, char **out)
{
	ASN1_TYPE *v;
	const ASN1_STRING *s;
	int rc = ns_pkimsg_attr(si, oid, &v);

	*out = NULL;
	if (rc != 0)
		return rc;
	if (!(v->type == V_ASN1_PRINTABLESTRING || (any_string && is_string_type(v->type))))
		return -1;
	s = v->value.asn1_string;
	if (s == NULL || ASN1_STRING_length(s) < 0 ||
	    memchr(ASN1_STRING_get0_data(s), '\0', (size_t)ASN1_STRING_length(s)) != NULL)
		return -1;
	*out = talloc_strndup(mem, (const char *)ASN1_STRING_get0_data(s),
			      (size_t)ASN1_STRING_length(s));
	return *out != NULL ? 0 : -1;
}

int ns_pkimsg_attr_octets(TALLOC_CTX *mem, CMS_SignerInfo *si, const char *oid,
			  unsigned char **out, size_t *len)
{
	ASN1_TYPE *v;
	const ASN1_STRING *s;
	int rc = ns_pkimsg_attr(si, oid, &v);

	*out = NULL;
	*len = 0;
	if (rc != 0)
		return rc;
	if (v->type != V_ASN1_OCTET_STRING || v->value.octet_string == NULL)
		return -1;
	s = v->value.octet_string;
	*len = (size_t)ASN1_STRING_length(s);
	*out = talloc_memdup(mem, ASN1_STRING_get0_data(s), *len ? *len : 1);
	return *out != NULL ? 0 : -1;
}

int ns_pkimsg_small_int(const char *s)
{
	int v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 7)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

char *ns_pkimsg_hex(TALLOC_CTX *mem, const unsigned char *data, size_t len)
{
	return ns_hex(mem, data, len);
}

static int pkimsg_destructor(struct ns_pkimsg *m)
{
	X509_free(m->signer);
	return 0;
}

/* Picks the signer certificate out of the certificates the message carries. */
static X509 *find_signer(CMS_ContentInfo *cms, CMS_SignerInfo *si)
{
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	X509 *found = NULL;
	int i;

	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (CMS_SignerInfo_cert_cmp(si, c) == 0) {
			if (X509_up_ref(c))
				found = c;
			break;
		}
	}
	sk_X509_pop_free(certs, X509_free);
	return found;
}

/* The message's DER: PEM-decoded, or copied. */
static int message_der(TALLOC_CTX *tmp, const char *what, const unsigned char *data, size_t len,
		       bool is_pem, unsigned char **der, size_t *der_len, struct ns_err *err)
{
	if (is_pem) {
		char *text = talloc_strndup(tmp, (const char *)data, len);
		*der = text ? ns_pem_decode(tmp, text, NULL, der_len) : NULL;
		if (*der == NULL)
			return ns_err_set(err, NS_CAUSE_INPUT, "%s is not a PEM block", what);
	} else {
		*der = talloc_memdup(tmp, data, len ? len : 1);
		*der_len = len;
	}
	if (*der_len == 0 || *der_len > 0x7fffffff)
		return ns_err_set(err, NS_CAUSE_INPUT, "%s is empty or too large", what);
	return 0;
}

/* CMS SignedData with exactly one signer (*si), or NULL (err set). */
static CMS_ContentInfo *signed_message(const unsigned char *der, size_t der_len,
				       const char *what, CMS_SignerInfo **si, struct ns_err *err)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der_len);
	STACK_OF(CMS_SignerInfo) *sis;

	if (cms == NULL || p != der + der_len) {
		ns_err_set_ssl(err, NS_CAUSE_INPUT, "%s is not a CMS/PKCS#7 message", what);
		goto fail;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		ns_err_set(err, NS_CAUSE_INPUT, "%s is not CMS SignedData", what);
		goto fail;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) != 1) {
		ns_err_set(err, NS_CAUSE_INPUT, "%s has %d signers instead of one", what,
			   sis ? sk_CMS_SignerInfo_num(sis) : 0);
		goto fail;
	}
	*si = sk_CMS_SignerInfo_value(sis, 0);
	return cms;
fail:
	CMS_ContentInfo_free(cms);
	return NULL;
}

/* messageType, transactionID and senderNonce. */
static int read_attrs(TALLOC_CTX *tmp, struct ns_pkimsg *m, CMS_SignerInfo *si, const char *what,
		      struct ns_err *err)
{
	char *type_s = NULL;

	if (ns_pkimsg_attr_string(tmp, si, NS_OID_SCEP_MESSAGE_TYPE, false, &type_s) != 0 ||
	    (m->msg_type = ns_pkimsg_small_int(type_s)) < 0)
		return ns_err_set(err, NS_CAUSE_INPUT, "%s has no valid messageType", what);
	if (ns_pkimsg_attr_string(m, si, NS_OID_SCEP_TRANSACTION_ID, false, &m->txid) != 0 ||
	    m->txid[0] == '\0')
		return ns_err_set(err, NS_CAUSE_INPUT, "%s has no valid transactionID", what);
	if (ns_pkimsg_attr_octets(m, si, NS_OID_SCEP_SENDER_NONCE, &m->nonce, &m->nonce_len) != 0 ||
	    m->nonce_len != 16)
		return ns_err_set(err, NS_CAUSE_INPUT, "%s has no valid 16-byte senderNonce", what);
	return 0;
}

int ns_pkimsg_parse(TALLOC_CTX *mem, const char *what, const unsigned char *data,
		    size_t len, bool is_pem, struct ns_pkimsg **out, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_pkimsg *m;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc = -1;

	*out = NULL;
	if (tmp == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	if (message_der(tmp, what, data, len, is_pem, &der, &der_len, err) != 0 ||
	    (cms = signed_message(der, der_len, what, &si, err)) == NULL)
		goto done;
	m = talloc_zero(tmp, struct ns_pkimsg);
	if (m == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto done;
	}
	talloc_set_destructor(m, pkimsg_destructor);
	m->der = talloc_steal(m, der);
	m->len = der_len;
	if (read_attrs(tmp, m, si, what, err) != 0)
		goto done;
	m->signer = find_signer(cms, si);
	*out = talloc_steal(mem, m);
	rc = 0;
done:
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	talloc_free(tmp);
	return rc;
}
