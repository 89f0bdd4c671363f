/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certinfo.h"

char *ns_cert_ku_str(TALLOC_CTX *mem, X509 *cert)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" }, { KU_NON_REPUDIATION, "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, "keyEncipherment" }, { KU_DATA_ENCIPHERMENT, "dataEncipherment" },
		{ KU_KEY_AGREEMENT, "keyAgreement" }, { KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, "cRLSign" }, { KU_ENCIPHER_ONLY, "encipherOnly" },
		{ KU_DECIPHER_ONLY, "decipherOnly" },
	};
	uint32_t ku;
	char *s;
	size_t i;

	if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) == 0)
		return talloc_strdup(mem, "(none: any use)");
	ku = X509_get_key_usage(cert);
	s = talloc_strdup(mem, "");
	for (i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (ku & names[i].bit)
			s = talloc_asprintf_append(s, "%s%s", s[0] ? ", " : "", names[i].name);
	return s;
}

char *ns_cert_eku_str(TALLOC_CTX *mem, X509 *cert)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	char oid[128], ln[128];
	char *s;
	int i, nid;

	ERR_clear_error();
	if (eku == NULL)
		return talloc_strdup(mem, "(none)");
	s = talloc_strdup(mem, "");
	for (i = 0; s != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		OBJ_obj2txt(oid, sizeof(oid), o, 1);
		nid = OBJ_obj2nid(o);
		if (strcmp(oid, "1.3.6.1.4.1.311.20.2.1") == 0)
			snprintf(ln, sizeof(ln), "Certificate Request Agent");
		else if (nid != NID_undef && OBJ_nid2ln(nid) != NULL)
			snprintf(ln, sizeof(ln), "%s", OBJ_nid2ln(nid));
		else
			ln[0] = '\0';
		s = talloc_asprintf_append(s, "%s%s%s%s%s", s[0] ? ", " : "", oid,
					   ln[0] ? " (" : "", ln, ln[0] ? ")" : "");
	}
	EXTENDED_KEY_USAGE_free(eku);
	return s;
}

int ns_cert_validity(X509 *cert, time_t now)
{
	time_t t = now;

	if (X509_cmp_time(X509_get0_notBefore(cert), now != 0 ? &t : NULL) > 0)
		return -1;
	if (X509_cmp_time(X509_get0_notAfter(cert), now != 0 ? &t : NULL) < 0)
		return 1;
	return 0;
}

long long ns_cert_seconds_left(X509 *cert)
{
	int day = 0, sec = 0;

	if (!ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(cert)))
		return 0;
	return (long long)day * 86400 + sec;
}
