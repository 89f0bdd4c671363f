/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Renewal request vs. current certificate (renew.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "renew.h"
#include "sslcompat.h"
#include "x509util.h"

/* A sorted, de-duplicated list of "TYPE:value" strings. */
struct names {
	char **v;
	size_t n;
};

static char *lower(char *s)
{
	char *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

static char *asn1_str(TALLOC_CTX *mem, const ASN1_STRING *s)
{
	return talloc_strndup(mem, (const char *)ASN1_STRING_get0_data(s),
			      (size_t)ASN1_STRING_length(s));
}

static char *ip_str(TALLOC_CTX *mem, const ASN1_OCTET_STRING *ip)
{
	char buf[INET6_ADDRSTRLEN];
	int len = ASN1_STRING_length(ip);
	const unsigned char *p = ASN1_STRING_get0_data(ip);

	if ((len == 4 && inet_ntop(AF_INET, p, buf, sizeof(buf)) != NULL) ||
	    (len == 16 && inet_ntop(AF_INET6, p, buf, sizeof(buf)) != NULL))
		return talloc_asprintf(mem, "IP:%s", buf);
	return talloc_asprintf(mem, "IP:%s", ns_hex(mem, p, (size_t)(len > 0 ? len : 0)));
}

static char *othername_str(TALLOC_CTX *mem, const OTHERNAME *on)
{
	char oid[80];
	unsigned char *der = NULL;
	int len;
	char *s;

	OBJ_obj2txt(oid, sizeof(oid), on->type_id, 1);
	if (on->value->type == V_ASN1_UTF8STRING)	/* e.g. Microsoft's UPN */
		return talloc_asprintf(mem, "otherName:%s:%s", oid,
				       asn1_str(mem, on->value->value.utf8string));
	len = i2d_ASN1_TYPE(on->value, &der);
	s = talloc_asprintf(mem, "otherName:%s:%s", oid,
			    len > 0 ? ns_hex(mem, der, (size_t)len) : "?");
	OPENSSL_free(der);
	return s;
}

/* One subjectAltName entry, normalized for comparison (DNS names and email
 * addresses are compared without case, as CAs treat them). */
static char *gn_str(TALLOC_CTX *mem, const GENERAL_NAME *gn)
{
	char oid[80];

	switch (gn->type) {
	case GEN_DNS:
		return talloc_asprintf(mem, "DNS:%s", lower(asn1_str(mem, gn->d.dNSName)));
	case GEN_EMAIL:
		return talloc_asprintf(mem, "email:%s", lower(asn1_str(mem, gn->d.rfc822Name)));
	case GEN_URI:
		return talloc_asprintf(mem, "URI:%s", asn1_str(mem, gn->d.uniformResourceIdentifier));
	case GEN_IPADD:
		return ip_str(mem, gn->d.iPAddress);
	case GEN_DIRNAME:
		return talloc_asprintf(mem, "DirName:%s", ns_name_str(mem, gn->d.directoryName));
	case GEN_OTHERNAME:
		return othername_str(mem, gn->d.otherName);
	case GEN_RID:
		OBJ_obj2txt(oid, sizeof(oid), gn->d.registeredID, 1);
		return talloc_asprintf(mem, "RID:%s", oid);
	default:
		return talloc_asprintf(mem, "type%d", gn->type);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Takes ownership of sans (may be NULL). */
static int names_from(TALLOC_CTX *mem, GENERAL_NAMES *sans, struct names *out)
{
	int i, n = sans != NULL ? sk_GENERAL_NAME_num(sans) : 0;
	size_t k = 0, j;

	out->n = 0;
	out->v = talloc_zero_array(mem, char *, n > 0 ? n : 1);
	if (out->v == NULL) {
		GENERAL_NAMES_free(sans);
		return -1;
	}
	for (i = 0; i < n; i++) {
		out->v[k] = gn_str(out->v, sk_GENERAL_NAME_value(sans, i));
		if (out->v[k] == NULL) {
			GENERAL_NAMES_free(sans);
			return -1;
		}
		k++;
	}
	GENERAL_NAMES_free(sans);
	qsort(out->v, k, sizeof(char *), cmp_str);
	for (i = 0, j = 0; (size_t)i < k; i++)	/* drop duplicates */
		if (j == 0 || strcmp(out->v[j - 1], out->v[i]) != 0)
			out->v[j++] = out->v[i];
	out->n = j;
	return 0;
}

static bool names_has(const struct names *s, const char *v)
{
	return bsearch(&v, s->v, s->n, sizeof(char *), cmp_str) != NULL;
}

/* "a, b" of the entries of a that b lacks; NULL when none. */
static char *names_minus(TALLOC_CTX *mem, const struct names *a, const struct names *b)
{
	char *s = NULL;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!names_has(b, a->v[i]))
			s = s == NULL ? talloc_strdup(mem, a->v[i])
				      : talloc_asprintf_append(s, ", %s", a->v[i]);
	return s;
}

/* Shell-quotes v for a command line an admin can paste. */
static char *quote(TALLOC_CTX *mem, const char *v)
{
	char *s = talloc_strdup(mem, "'");
	const char *p;

	for (p = v; s != NULL && *p != '\0'; p++)
		s = *p == '\'' ? talloc_strdup_append(s, "'\\''")
			       : talloc_asprintf_append(s, "%c", *p);
	return s != NULL ? talloc_strdup_append(s, "'") : NULL;
}

/* getcert resubmit's options for the certificate's names: -N subject,
 * -D DNS, -E email, -A IP (getcert(1)); other name types have no option. */
static char *resubmit_args(TALLOC_CTX *mem, const char *subject, const struct names *cert)
{
	static const struct { const char *prefix, *opt; } map[] = {
		{ "DNS:", "-D" }, { "email:", "-E" }, { "IP:", "-A" },
	};
	char *s = talloc_asprintf(mem, "-N %s", quote(mem, subject));
	size_t i, m;

	for (i = 0; s != NULL && i < cert->n; i++)
		for (m = 0; m < sizeof(map) / sizeof(map[0]); m++)
			if (strncmp(cert->v[i], map[m].prefix, strlen(map[m].prefix)) == 0)
				s = talloc_asprintf_append(s, " %s %s", map[m].opt,
					quote(mem, cert->v[i] + strlen(map[m].prefix)));
	return s;
}

static X509 *parse_cert(const char *cert_pem, struct ns_err *err)
{
	STACK_OF(X509) *certs = NULL;
	X509 *c;

	if (ns_certs_parse((const unsigned char *)cert_pem, strlen(cert_pem), &certs, err) != 0)
		return NULL;
	c = sk_X509_shift(certs);
	sk_X509_pop_free(certs, X509_free);
	return c;
}

static GENERAL_NAMES *csr_sans(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *sans = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);

	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return sans;
}

static int fill(struct ns_renewal *r, X509 *cert, X509_REQ *req)
{
	struct names have, want;
	ASN1_INTEGER *serial = X509_get_serialNumber(cert);
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *bnhex = bn != NULL ? BN_bn2hex(bn) : NULL;
	EVP_PKEY *csr_key = X509_REQ_get0_pubkey(req);

	r->same_key = csr_key != NULL && ns_pkey_eq(csr_key, X509_get0_pubkey(cert)) == 1;
	r->subject_differs = X509_NAME_cmp(X509_get_subject_name(cert),
					   X509_REQ_get_subject_name(req)) != 0;
	r->cert_subject = ns_name_str(r, X509_get_subject_name(cert));
	r->csr_subject = ns_name_str(r, X509_REQ_get_subject_name(req));
	r->cert_serial = talloc_strdup(r, bnhex != NULL ? bnhex : "?");
	r->not_after = ns_asn1_time_str(r, X509_get0_notAfter(cert));
	OPENSSL_free(bnhex);
	BN_free(bn);
	if (names_from(r, X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL), &have) != 0 ||
	    names_from(r, csr_sans(req), &want) != 0)
		return -1;
	r->san_added = names_minus(r, &want, &have);
	r->san_missing = names_minus(r, &have, &want);
	r->resubmit_args = resubmit_args(r, r->cert_subject ? r->cert_subject : "", &have);
	return r->cert_subject != NULL && r->csr_subject != NULL && r->resubmit_args != NULL
		? 0 : -1;
}

int ns_renewal_inspect_csr(TALLOC_CTX *mem, const char *cert_pem, const struct ns_csr *csr,
			   struct ns_renewal **out, struct ns_err *err)
{
	struct ns_renewal *r;
	X509 *cert;
	int rc;

	if ((cert = parse_cert(cert_pem, err)) == NULL)
		return ns_err_set(err, NS_CAUSE_PARSE, "certmonger's current certificate "
				  "(CERTMONGER_CERTIFICATE) cannot be read");
	if (csr == NULL) {
		X509_free(cert);
		return ns_err_set(err, NS_CAUSE_PARSE, "certmonger's CSR cannot be read");
	}
	r = talloc_zero(mem, struct ns_renewal);
	rc = r != NULL ? fill(r, cert, csr->req) : -1;
	X509_free(cert);
	if (rc != 0) {
		talloc_free(r);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

int ns_renewal_inspect(TALLOC_CTX *mem, const char *cert_pem, const char *csr_pem,
		       struct ns_renewal **out, struct ns_err *err)
{
	struct ns_csr *csr = NULL;
	int rc;

	ns_csr_parse(mem, csr_pem, &csr);
	rc = ns_renewal_inspect_csr(mem, cert_pem, csr, out, err);
	talloc_free(csr);
	return rc;
}

bool ns_renewal_names_differ(const struct ns_renewal *r)
{
	return r->subject_differs || r->san_added != NULL || r->san_missing != NULL;
}

char *ns_renewal_diff_str(TALLOC_CTX *mem, const struct ns_renewal *r)
{
	char *s = talloc_strdup(mem, "");

	if (s != NULL && r->subject_differs)
		s = talloc_asprintf_append(s, "subject \"%s\" (certificate: \"%s\")",
					   r->csr_subject, r->cert_subject);
	if (s != NULL && r->san_added != NULL)
		s = talloc_asprintf_append(s, "%s%s not in the certificate", s[0] ? "; " : "",
					   r->san_added);
	if (s != NULL && r->san_missing != NULL)
		s = talloc_asprintf_append(s, "%s%s of the certificate missing", s[0] ? "; " : "",
					   r->san_missing);
	return s;
}
