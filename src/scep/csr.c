/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "csr.h"
#include "file.h"
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

static int csr_destructor(struct ns_csr *c)
{
	X509_REQ_free(c->req);
	return 0;
}

/* The challengePassword attribute: c->password, or password_bad. */
static void read_password(struct ns_csr *c)
{
	int idx = X509_REQ_get_attr_by_NID(c->req, NID_pkcs9_challengePassword, -1);
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *val;
	unsigned char *utf8 = NULL;
	int n;

	if (idx < 0)
		return;		/* no password */
	c->password_bad = true;
	attr = X509_REQ_get_attr(c->req, idx);
	val = attr != NULL ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
	/* PKCS#9: a DirectoryString (NDES wants PrintableString; any string type reads). */
	if (val == NULL || (val->type != V_ASN1_PRINTABLESTRING && val->type != V_ASN1_UTF8STRING &&
			    val->type != V_ASN1_IA5STRING && val->type != V_ASN1_T61STRING &&
			    val->type != V_ASN1_BMPSTRING && val->type != V_ASN1_UNIVERSALSTRING))
		return;
	n = ASN1_STRING_to_UTF8(&utf8, val->value.asn1_string);
	if (n < 0)
		return;
	if (memchr(utf8, '\0', (size_t)n) == NULL) {
		c->password = ns_secret(talloc_strndup(c, (const char *)utf8, (size_t)n));
		c->password_bad = c->password == NULL;
	}
	OPENSSL_clear_free(utf8, (size_t)n);	/* OpenSSL's copy of the secret */
}

/* The public key as DER SubjectPublicKeyInfo, to match certmonger's records. */
static void read_spki(struct ns_csr *c)
{
	unsigned char *buf = NULL;
	int n = i2d_PUBKEY(X509_REQ_get0_pubkey(c->req), &buf);

	if (n > 0)
		c->spki = talloc_memdup(c, buf, (size_t)n);
	if (c->spki != NULL)
		c->spki_len = (size_t)n;
	OPENSSL_free(buf);
}

int ns_csr_parse(TALLOC_CTX *mem, const char *csr_pem, struct ns_csr **out)
{
	struct ns_csr *c = talloc_zero(mem, struct ns_csr);
	const unsigned char *p;

	*out = NULL;
	if (c == NULL)
		return -1;
	talloc_set_destructor(c, csr_destructor);
	c->der = ns_csr_der(c, csr_pem, &c->len);
	p = c->der;
	if (c->der == NULL || (c->req = d2i_X509_REQ(NULL, &p, (long)c->len)) == NULL ||
	    p != c->der + c->len) {
		talloc_free(c);
		return -1;
	}
	read_password(c);
	read_spki(c);
	*out = c;
	return 0;
}

bool ns_csr_has_password(const struct ns_csr *csr)
{
	return csr != NULL && csr->password != NULL && csr->password[0] != '\0';
}

int ns_csr_challenge(TALLOC_CTX *mem, const char *csr_pem, char **pw_out)
{
	struct ns_csr *c = NULL;

	*pw_out = NULL;
	if (ns_csr_parse(mem, csr_pem, &c) != 0 || c->password_bad) {
		talloc_free(c);
		return -1;
	}
	if (c->password != NULL)
		*pw_out = talloc_steal(mem, c->password);
	talloc_free(c);
	return 0;
}

int ns_csr_has_challenge(const char *csr_pem)
{
	struct ns_csr *c = NULL;
	int rc;

	if (ns_csr_parse(NULL, csr_pem, &c) != 0 || c->password_bad)
		rc = -1;
	else
		rc = ns_csr_has_password(c) ? 1 : 0;
	talloc_free(c);
	return rc;
}
