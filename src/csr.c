/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "csr.h"
#include "x509util.h"

unsigned char *ns_csr_der(TALLOC_CTX *mem, const char *csr_pem, size_t *len_out)
{
	unsigned char *der;

	if (csr_pem == NULL)
		return NULL;
	/* certmonger writes "CERTIFICATE REQUEST"; OpenSSL tools may write "NEW ...". */
	der = ns_pem_decode(mem, csr_pem, "CERTIFICATE REQUEST", len_out);
	if (der == NULL)
		der = ns_pem_decode(mem, csr_pem, "NEW CERTIFICATE REQUEST", len_out);
	return der;
}

/* The password is a secret: wiped when its talloc context goes. */
static int wipe(char *s)
{
	explicit_bzero(s, talloc_get_size(s));
	return 0;
}

int ns_csr_challenge(TALLOC_CTX *mem, const char *csr_pem, char **pw_out)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	const unsigned char *p;
	unsigned char *der, *utf8 = NULL;
	size_t len = 0;
	X509_REQ *req = NULL;
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *val;
	int idx, n = 0, rc = -1;

	*pw_out = NULL;
	der = ns_csr_der(tmp, csr_pem, &len);
	if (der == NULL)
		goto out;
	p = der;
	req = d2i_X509_REQ(NULL, &p, (long)len);
	if (req == NULL || p != der + len)
		goto out;
	idx = X509_REQ_get_attr_by_NID(req, NID_pkcs9_challengePassword, -1);
	if (idx < 0) {
		rc = 0;		/* no password */
		goto out;
	}
	attr = X509_REQ_get_attr(req, idx);
	val = attr != NULL ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
	/* PKCS#9: a DirectoryString (NDES wants PrintableString; any string type reads). */
	if (val == NULL || (val->type != V_ASN1_PRINTABLESTRING && val->type != V_ASN1_UTF8STRING &&
			    val->type != V_ASN1_IA5STRING && val->type != V_ASN1_T61STRING &&
			    val->type != V_ASN1_BMPSTRING && val->type != V_ASN1_UNIVERSALSTRING))
		goto out;
	n = ASN1_STRING_to_UTF8(&utf8, val->value.asn1_string);
	if (n < 0)
		goto out;
	if (memchr(utf8, '\0', (size_t)n) != NULL)
		goto out;
	*pw_out = talloc_strndup(mem, (const char *)utf8, (size_t)n);
	if (*pw_out == NULL)
		goto out;
	talloc_set_destructor(*pw_out, wipe);
	rc = 0;
out:
	if (utf8 != NULL)
		OPENSSL_cleanse(utf8, (size_t)(n > 0 ? n : 0));
	OPENSSL_free(utf8);
	X509_REQ_free(req);
	talloc_free(tmp);
	return rc;
}

int ns_csr_has_challenge(const char *csr_pem)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *pw = NULL;
	int rc;

	if (ns_csr_challenge(tmp, csr_pem, &pw) != 0)
		rc = -1;
	else
		rc = (pw != NULL && pw[0] != '\0') ? 1 : 0;
	talloc_free(tmp);
	return rc;
}
