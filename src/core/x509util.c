/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509util.h"

static int push_pkcs7_certs(PKCS7 *p7, STACK_OF(X509) *out)
{
	STACK_OF(X509) *certs = NULL;
	int i;

	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	else if (PKCS7_type_is_signedAndEnveloped(p7) && p7->d.signed_and_enveloped != NULL)
		certs = p7->d.signed_and_enveloped->cert;
	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (!X509_up_ref(c) || !sk_X509_push(out, c))
			return -1;
	}
	return 0;
}

static bool looks_pem(const unsigned char *data, size_t len)
{
	const char *marker = "-----BEGIN ";
	size_t mlen = strlen(marker), i;

	for (i = 0; i + mlen <= len && i < 4096; i++)
		if (memcmp(data + i, marker, mlen) == 0)
			return true;
	return false;
}

static int parse_pem(const unsigned char *data, size_t len, STACK_OF(X509) *out)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long dlen;
	int rc = 0;

	if (bio == NULL)
		return -1;
	while (PEM_read_bio(bio, &name, &header, &der, &dlen) == 1) {
		const unsigned char *p = der;
		if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0) {
			X509 *c = d2i_X509(NULL, &p, dlen);
			if (c == NULL || !sk_X509_push(out, c)) {
				X509_free(c);
				rc = -1;
			}
		} else if (strcmp(name, "PKCS7") == 0 || strcmp(name, "CMS") == 0) {
			PKCS7 *p7 = d2i_PKCS7(NULL, &p, dlen);
			if (p7 == NULL || push_pkcs7_certs(p7, out) != 0)
				rc = -1;
			PKCS7_free(p7);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		name = header = NULL;
		der = NULL;
		if (rc != 0)
			break;
	}
	ERR_clear_error();	/* PEM_read_bio's "no start line" at the end is normal */
	BIO_free(bio);
	return rc;
}

int ns_certs_parse(const unsigned char *data, size_t len, STACK_OF(X509) **out,
		   struct ns_err *err)
{
	STACK_OF(X509) *certs;
	const unsigned char *p;
	X509 *c;
	PKCS7 *p7;

	*out = NULL;
	if (data == NULL || len == 0)
		return ns_err_set(err, NS_CAUSE_PARSE, "the server sent no certificate data");
	if (len > 0x7fffffff)
		return ns_err_set(err, NS_CAUSE_PARSE, "certificate data too large");
	certs = sk_X509_new_null();
	if (certs == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");

	/* Servers mislabel content types (ndes.md): try every shape. */
	if (looks_pem(data, len)) {
		if (parse_pem(data, len, certs) != 0)
			goto bad;
	} else {
		p = data;
		p7 = d2i_PKCS7(NULL, &p, (long)len);
		if (p7 != NULL) {
			int rc = push_pkcs7_certs(p7, certs);
			PKCS7_free(p7);
			if (rc != 0)
				goto bad;
		} else {
			ERR_clear_error();
			p = data;
			c = d2i_X509(NULL, &p, (long)len);
			if (c == NULL || !sk_X509_push(certs, c)) {
				X509_free(c);
				goto bad;
			}
		}
	}
	if (sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		return ns_err_set(err, NS_CAUSE_PARSE,
				  "the server's CA certificate reply holds no certificate");
	}
	*out = certs;
	return 0;
bad:
	sk_X509_pop_free(certs, X509_free);
	return ns_err_set_ssl(err, NS_CAUSE_PARSE,
			      "the server's CA certificate reply is neither a DER certificate, a PKCS#7 nor PEM");
}

bool ns_certs_contains(STACK_OF(X509) *sk, X509 *c)
{
	int i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), c) == 0)
			return true;
	return false;
}

char *ns_base64(TALLOC_CTX *mem, const unsigned char *data, size_t len)
{
	size_t out_len = 4 * ((len + 2) / 3) + 1;
	char *out = talloc_size(mem, out_len);

	if (out == NULL || len > 0x7fffffff)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

unsigned char *ns_unbase64(TALLOC_CTX *mem, const char *b64, size_t *len_out)
{
	size_t n = strlen(b64), i, j = 0, pad = 0;
	char *clean = talloc_size(mem, n + 1);
	unsigned char *out;
	int dlen;

	if (clean == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)b64[i]))
			clean[j++] = b64[i];
	clean[j] = '\0';
	if (j == 0 || j % 4 != 0 || j > 0x7fffffff) {
		talloc_free(clean);
		return NULL;
	}
	out = talloc_size(mem, j / 4 * 3 + 1);
	if (out == NULL) {
		talloc_free(clean);
		return NULL;
	}
	dlen = EVP_DecodeBlock(out, (unsigned char *)clean, (int)j);
	if (dlen < 0) {
		talloc_free(clean);
		talloc_free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	if (clean[j - 1] == '=')
		pad++;
	if (clean[j - 2] == '=')
		pad++;
	talloc_free(clean);
	*len_out = (size_t)dlen - pad;
	return out;
}

static char *bio_to_string(TALLOC_CTX *mem, BIO *bio)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);

	if (n < 0)
		return NULL;
	return talloc_strndup(mem, data, (size_t)n);
}

char *ns_cert_pem(TALLOC_CTX *mem, X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (bio != NULL && PEM_write_bio_X509(bio, cert))
		s = bio_to_string(mem, bio);
	BIO_free(bio);
	return s;
}

char *ns_pkcs7_pem(TALLOC_CTX *mem, const unsigned char *der, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL;

	/* Written as raw PEM so that the DER the server sent goes out unchanged. */
	if (bio != NULL && len <= 0x7fffffff &&
	    PEM_write_bio(bio, "PKCS7", "", der, (long)len))
		s = bio_to_string(mem, bio);
	BIO_free(bio);
	return s;
}

unsigned char *ns_pem_decode(TALLOC_CTX *mem, const char *text, const char *label,
			     size_t *len_out)
{
	BIO *bio = BIO_new_mem_buf(text, -1);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL, *out = NULL;
	long dlen;

	if (bio == NULL)
		return NULL;
	while (PEM_read_bio(bio, &name, &header, &der, &dlen) == 1) {
		if (label == NULL || strcmp(name, label) == 0) {
			out = talloc_memdup(mem, der, (size_t)dlen);
			*len_out = (size_t)dlen;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		name = header = NULL;
		der = NULL;
		if (out != NULL)
			break;
	}
	ERR_clear_error();
	BIO_free(bio);
	return out;
}

char *ns_name_str(TALLOC_CTX *mem, const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (bio != NULL &&
	    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		s = bio_to_string(mem, bio);
	BIO_free(bio);
	return s;
}

char *ns_cert_fingerprint(TALLOC_CTX *mem, X509 *cert, const EVP_MD *md, const char *sep)
{
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *s;

	if (!X509_digest(cert, md, buf, &n))
		return NULL;
	s = talloc_strdup(mem, "");
	for (i = 0; s != NULL && i < n; i++)
		s = talloc_asprintf_append(s, "%s%02X", (i > 0 && sep) ? sep : "", buf[i]);
	return s;
}

char *ns_cert_ndes_thumbprint(TALLOC_CTX *mem, X509 *cert)
{
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *s;

	/* NDES shows MD5 over the whole DER certificate, in 4-byte groups. */
	if (!X509_digest(cert, EVP_md5(), buf, &n) || n != 16)
		return NULL;
	s = talloc_strdup(mem, "");
	for (i = 0; s != NULL && i < n; i++)
		s = talloc_asprintf_append(s, "%s%02X", (i > 0 && i % 4 == 0) ? " " : "", buf[i]);
	return s;
}

char *ns_asn1_time_str(TALLOC_CTX *mem, const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return talloc_strdup(mem, "(invalid time)");
	return talloc_asprintf(mem, "%04d-%02d-%02d %02d:%02d:%02d UTC",
			       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool ns_cert_is_ca(X509 *cert)
{
	/* 1: basicConstraints CA; 3: v1 self-signed; 4: keyCertSign; 5: Netscape. */
	return X509_check_ca(cert) > 0;
}

bool ns_cert_issued_by(X509 *cert, X509 *issuer)
{
	EVP_PKEY *key;
	int ok;

	if (X509_check_issued(issuer, cert) != X509_V_OK)
		return false;
	key = X509_get0_pubkey(issuer);
	ok = key != NULL && X509_verify(cert, key) == 1;
	ERR_clear_error();
	return ok;
}

char *ns_hex(TALLOC_CTX *mem, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	char *s = talloc_size(mem, 2 * len + 1);
	size_t i;

	for (i = 0; s != NULL && i < len; i++) {
		s[2 * i] = digits[data[i] >> 4];
		s[2 * i + 1] = digits[data[i] & 0xf];
	}
	if (s != NULL)
		s[2 * len] = '\0';
	return s;
}

void ns_sha256_hex(const char *domain, const char *data, size_t nbytes, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *c;

	out[0] = '\0';
	if (data == NULL || (c = EVP_MD_CTX_new()) == NULL)
		return;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	    (domain == NULL || EVP_DigestUpdate(c, domain, strlen(domain))) &&
	    EVP_DigestUpdate(c, data, strlen(data)) && EVP_DigestFinal_ex(c, md, &n))
		for (i = 0; i < n && i < nbytes && i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(c);
}
