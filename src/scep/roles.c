/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Role assignment for GetCACert replies (ndes.md "GetCACert"): NDES sends two
 * RA certificates told apart only by keyUsage, plus the CA chain, in no fixed
 * order. Encrypting to the wrong one makes NDES fail with 0x80090005. */
#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "roles.h"
#include "x509util.h"

/* "Certificate Request Agent" (szOID_ENROLLMENT_AGENT): the EKU NDES puts on
 * both of its RA certificates. */
#define NS_OID_NDES_RA_EKU "1.3.6.1.4.1.311.20.2.1"

static bool has_ndes_eku(X509 *cert)
{
	EXTENDED_KEY_USAGE *eku;
	ASN1_OBJECT *want;
	bool found = false;
	int i;

	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	want = OBJ_txt2obj(NS_OID_NDES_RA_EKU, 1);
	for (i = 0; eku != NULL && want != NULL && i < sk_ASN1_OBJECT_num(eku); i++)
		if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) == 0)
			found = true;
	ASN1_OBJECT_free(want);
	EXTENDED_KEY_USAGE_free(eku);
	ERR_clear_error();
	return found;
}

static bool has_ku_ext(X509 *cert)
{
	return (X509_get_extension_flags(cert) & EXFLAG_KUSAGE) != 0;
}

/* How well cert fits a role: 3 keyUsage says so, 2 no keyUsage but NDES'
 * RA EKU, 1 no keyUsage at all (any use allowed), 0 not at all. */
static int fit(X509 *cert, uint32_t ku_bit)
{
	if (has_ku_ext(cert))
		return (X509_get_key_usage(cert) & ku_bit) ? 3 : 0;
	return has_ndes_eku(cert) ? 2 : 1;
}

/* Among equal fits prefer a certificate valid now, then the newest. */
static bool better(X509 *a, X509 *b)
{
	bool va = X509_cmp_current_time(X509_get0_notBefore(a)) < 0 &&
		  X509_cmp_current_time(X509_get0_notAfter(a)) > 0;
	bool vb = X509_cmp_current_time(X509_get0_notBefore(b)) < 0 &&
		  X509_cmp_current_time(X509_get0_notAfter(b)) > 0;
	int day = 0, sec = 0;

	if (va != vb)
		return va;
	if (!ASN1_TIME_diff(&day, &sec, X509_get0_notBefore(b), X509_get0_notBefore(a)))
		return false;
	return day > 0 || (day == 0 && sec > 0);
}

static X509 *pick_ra(STACK_OF(X509) *certs, uint32_t ku_bit)
{
	X509 *best = NULL;
	int best_fit = 0, i, f;

	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (ns_cert_is_ca(c))
			continue;
		f = fit(c, ku_bit);
		if (f > best_fit || (f == best_fit && f > 0 && better(c, best))) {
			best = c;
			best_fit = f;
		}
	}
	return best;
}

/* The CA lowest in the chain: one that issued no other CA of the reply. */
static X509 *leafmost_ca(STACK_OF(X509) *certs)
{
	int i, j;

	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		bool issued_other = false;
		if (!ns_cert_is_ca(c))
			continue;
		for (j = 0; j < sk_X509_num(certs) && !issued_other; j++) {
			X509 *o = sk_X509_value(certs, j);
			if (o != c && ns_cert_is_ca(o) && X509_cmp(o, c) != 0 &&
			    X509_check_issued(c, o) == X509_V_OK)
				issued_other = true;
		}
		if (!issued_other)
			return c;
	}
	return NULL;
}

static X509 *issuer_in(STACK_OF(X509) *certs, X509 *cert)
{
	int i;

	for (i = 0; cert != NULL && i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (ns_cert_is_ca(c) && X509_check_issued(c, cert) == X509_V_OK)
			return c;
	}
	return NULL;
}

static int roles_destructor(struct ns_roles *r)
{
	X509_free(r->encrypt);
	X509_free(r->sign);
	X509_free(r->ca);
	sk_X509_pop_free(r->chain, X509_free);
	sk_X509_pop_free(r->all, X509_free);
	ERR_clear_error();
	return 0;
}

static bool push_ref(STACK_OF(X509) *sk, X509 *c)
{
	if (!X509_up_ref(c))
		return false;
	if (!sk_X509_push(sk, c)) {
		X509_free(c);
		return false;
	}
	return true;
}

/* Which certificate does what (roles.h); references are not taken here. */
static int pick_roles(STACK_OF(X509) *certs, X509 **enc, X509 **sign, X509 **ca, bool *any_ra,
		      struct ns_err *err)
{
	int i;

	*any_ra = false;
	for (i = 0; i < sk_X509_num(certs); i++)
		if (!ns_cert_is_ca(sk_X509_value(certs, i)))
			*any_ra = true;
	*enc = *sign = *ca = NULL;
	if (*any_ra) {
		*enc = pick_ra(certs, KU_KEY_ENCIPHERMENT);
		*sign = pick_ra(certs, KU_DIGITAL_SIGNATURE);
		if (*enc == NULL)
			return ns_err_set(err, NS_CAUSE_CA_CERTS,
					  "the server sent RA certificates but none for encryption "
					  "(keyUsage keyEncipherment): NDES' \"CEP Encryption\" certificate is missing");
		/* The CA that issued the RAs, else the lowest CA of the chain. */
		*ca = issuer_in(certs, *enc);
		if (*ca == NULL)
			*ca = issuer_in(certs, *sign);
	}
	if (*ca == NULL)
		*ca = leafmost_ca(certs);
	if (*ca == NULL)
		return ns_err_set(err, NS_CAUSE_CA_CERTS,
				  "the server's certificates include no CA certificate");
	if (!*any_ra)
		*enc = *sign = *ca;
	else if (*sign == NULL)
		*sign = *ca;	/* no signing RA: plain RFC 8894 servers sign with the CA */
	return 0;
}

/* A role holds a reference once set: the destructor frees exactly those. */
static bool take(X509 **slot, X509 *c)
{
	if (!X509_up_ref(c))
		return false;
	*slot = c;
	return true;
}

/* r->all: every certificate; r->chain: those with no role. */
static bool fill_lists(struct ns_roles *r, STACK_OF(X509) *certs)
{
	int i;

	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (!push_ref(r->all, c))
			return false;
		if (X509_cmp(c, r->encrypt) == 0 || X509_cmp(c, r->sign) == 0 ||
		    X509_cmp(c, r->ca) == 0 || ns_certs_contains(r->chain, c))
			continue;
		if (!push_ref(r->chain, c))
			return false;
	}
	return true;
}

int ns_roles_assign(TALLOC_CTX *mem, STACK_OF(X509) *certs, struct ns_roles **out,
		    struct ns_err *err)
{
	struct ns_roles *r;
	X509 *enc, *sign, *ca;
	bool any_ra;

	*out = NULL;
	if (certs == NULL || sk_X509_num(certs) == 0)
		return ns_err_set(err, NS_CAUSE_CA_CERTS, "the server sent no certificate");
	if (pick_roles(certs, &enc, &sign, &ca, &any_ra, err) != 0)
		return -1;
	r = talloc_zero(mem, struct ns_roles);
	if (r == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	talloc_set_destructor(r, roles_destructor);
	r->ca_only = !any_ra;
	r->chain = sk_X509_new_null();
	r->all = sk_X509_new_null();
	if (r->chain == NULL || r->all == NULL || !take(&r->encrypt, enc) ||
	    !take(&r->sign, sign) || !take(&r->ca, ca) || !fill_lists(r, certs)) {
		talloc_free(r);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	ERR_clear_error();
	*out = r;
	return 0;
}

bool ns_roles_ca_is_self_signed(const struct ns_roles *roles)
{
	return roles != NULL && roles->ca != NULL &&
	       X509_NAME_cmp(X509_get_subject_name(roles->ca), X509_get_issuer_name(roles->ca)) == 0;
}

static bool names_issuer(X509 *cert, X509 *ca)
{
	return X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(ca)) == 0;
}

int ns_roles_certmonger_order(TALLOC_CTX *mem, const struct ns_roles *roles,
			      STACK_OF(X509) **out, const char **note, struct ns_err *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *second = NULL;
	bool ok = sk != NULL;
	int i;

	*out = NULL;
	if (note != NULL)
		*note = NULL;
	if (roles == NULL || roles->ca == NULL) {
		sk_X509_free(sk);
		return ns_err_set(err, NS_CAUSE_CA_CERTS, "no certificate roles");
	}
	if (roles->ca_only) {
		ok = ok && push_ref(sk, roles->ca);
		/* A 2nd certificate is "the CA" to certmonger: repeat the CA
		 * rather than let a parent take that place. */
		if (sk_X509_num(roles->chain) > 0)
			ok = ok && push_ref(sk, roles->ca);
	} else if (ns_roles_ca_is_self_signed(roles)) {
		ok = ok && push_ref(sk, roles->encrypt) && push_ref(sk, roles->ca);
		if (X509_cmp(roles->sign, roles->encrypt) != 0 && X509_cmp(roles->sign, roles->ca) != 0)
			ok = ok && push_ref(sk, roles->sign);
	} else {
		/* certmonger takes GetCertInitial's issuer from the 2nd cert's
		 * issuer name: give it one the CA issued. */
		if (X509_cmp(roles->sign, roles->ca) != 0 && names_issuer(roles->sign, roles->ca))
			second = roles->sign;
		else if (names_issuer(roles->encrypt, roles->ca))
			second = roles->encrypt;
		ok = ok && push_ref(sk, roles->encrypt);
		if (second != NULL) {
			ok = ok && push_ref(sk, second) && push_ref(sk, roles->ca);
			if (note != NULL)
				*note = talloc_asprintf(mem,
					"the issuing CA is not self-signed: printing the %s 2nd (its issuer "
					"is the CA, which certmonger uses for GetCertInitial), then the CA",
					second == roles->sign ? "signing RA" : "encryption RA");
		} else {
			ok = ok && push_ref(sk, roles->ca);
		}
		if (X509_cmp(roles->sign, roles->encrypt) != 0 && X509_cmp(roles->sign, roles->ca) != 0 &&
		    second != roles->sign)
			ok = ok && push_ref(sk, roles->sign);
	}
	for (i = 0; ok && i < sk_X509_num(roles->chain); i++)
		ok = push_ref(sk, sk_X509_value(roles->chain, i));
	if (!ok) {
		sk_X509_pop_free(sk, X509_free);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	*out = sk;
	return 0;
}

const char *ns_roles_name(const struct ns_roles *roles, X509 *cert)
{
	bool enc, sign, ca;

	if (roles == NULL || cert == NULL)
		return "unknown";
	enc = X509_cmp(cert, roles->encrypt) == 0;
	sign = X509_cmp(cert, roles->sign) == 0;
	ca = X509_cmp(cert, roles->ca) == 0;
	if (ca && roles->ca_only)
		return "CA (every role: no RA certificates)";
	if (ca)
		return sign ? "issuing CA (also signs replies)" : "issuing CA";
	if (enc && sign)
		return "encryption+signing RA";
	if (enc)
		return "encryption RA";
	if (sign)
		return "signing RA";
	return ns_cert_is_ca(cert) ? "chain CA" : "other";
}

bool ns_roles_is_ndes(const struct ns_roles *roles)
{
	int i;

	for (i = 0; roles != NULL && i < sk_X509_num(roles->all); i++)
		if (has_ndes_eku(sk_X509_value(roles->all, i)))
			return true;
	return false;
}

const char *ns_role_label(enum ns_role role)
{
	switch (role) {
	case NS_ROLE_RA:
		return "RA";
	case NS_ROLE_ENCRYPT_RA:
		return "encryption RA";
	case NS_ROLE_SIGN_RA:
		return "signing RA";
	case NS_ROLE_CA:
		break;
	}
	return "CA";
}

/* An expired RA certificate is the classic NDES outage: say so. An expired
 * CA has no such one-line remedy. */
static const char *expired_advice(enum ns_role role, enum ns_role_form form)
{
	if (role == NS_ROLE_CA)
		return "";
	return form == NS_ROLE_FORM_LOG ? ": NDES cannot work until its RA certificates are renewed"
		: ": renew NDES' RA certificates (a classic NDES outage)";
}

/* Seconds from now (0: the current time) until notAfter. */
static long long seconds_left(X509 *cert, time_t now)
{
	ASN1_TIME *from = now != 0 ? ASN1_TIME_set(NULL, now) : NULL;
	int day = 0, sec = 0;
	bool ok = (now == 0 || from != NULL) &&
		  ASN1_TIME_diff(&day, &sec, from, X509_get0_notAfter(cert));

	ASN1_TIME_free(from);
	return ok ? (long long)day * 86400 + sec : 0;
}

int ns_role_validity(TALLOC_CTX *mem, X509 *cert, enum ns_role role, time_t now, long warn_days,
		     enum ns_role_form form, enum ns_role_validity *state, char **msg,
		     struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	const char *label = ns_role_label(role), *from, *until, *subject;
	bool log = form == NS_ROLE_FORM_LOG;
	long long left = 0;
	char *m = NULL;

	*msg = NULL;
	*state = NS_ROLE_VALID;
	from = ns_asn1_time_str(tmp, X509_get0_notBefore(cert));
	until = ns_asn1_time_str(tmp, X509_get0_notAfter(cert));
	subject = ns_name_str(tmp, X509_get_subject_name(cert));
	if (tmp == NULL || from == NULL || until == NULL) {
		talloc_free(tmp);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	switch (ns_cert_validity(cert, now)) {
	case 1:
		*state = NS_ROLE_EXPIRED;
		m = log ? talloc_asprintf(mem, "the %s certificate %s EXPIRED on %s (valid %s to %s)%s",
					  label, subject != NULL ? subject : "?", until, from, until,
					  expired_advice(role, form))
			: talloc_asprintf(mem, "%s certificate EXPIRED on %s (valid %s to %s)%s", label,
					  until, from, until, expired_advice(role, form));
		break;
	case -1:
		*state = NS_ROLE_NOT_YET_VALID;
		m = log ? talloc_asprintf(mem, "the %s certificate %s is NOT YET VALID (valid %s to %s)",
					  label, subject != NULL ? subject : "?", from, until)
			: talloc_asprintf(mem, "%s certificate NOT YET VALID (valid %s to %s): check clocks",
					  label, from, until);
		break;
	default:
		left = seconds_left(cert, now);
		if (warn_days > 0 && left < (long long)warn_days * 86400) {
			*state = NS_ROLE_EXPIRING;
			m = log ? talloc_asprintf(mem, "the %s certificate %s expires in %lld day(s), on %s",
						  label, subject != NULL ? subject : "?", left / 86400, until)
				: talloc_asprintf(mem, "%s certificate expires in %lld day(s), on %s", label,
						  left / 86400, until);
		} else {
			m = log ? talloc_asprintf(mem, "the %s certificate %s is valid until %s", label,
						  subject != NULL ? subject : "?", until)
				: talloc_asprintf(mem, "%s certificate valid until %s", label, until);
		}
	}
	talloc_free(tmp);
	if (m == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	*msg = m;
	return 0;
}

/* The certificate of the reply that issued cur (names and signature), other
 * than cur itself. */
static X509 *verified_issuer(const struct ns_roles *roles, X509 *cur)
{
	int i;

	for (i = 0; i < sk_X509_num(roles->all); i++) {
		X509 *p = sk_X509_value(roles->all, i);
		if (p != cur && ns_cert_issued_by(cur, p))
			return p;
	}
	return NULL;
}

int ns_roles_pin_match(const struct ns_roles *roles, const char *fp, X509 **pinned,
		       struct ns_err *err)
{
	X509 *cur = roles != NULL ? roles->ca : NULL;
	int depth;

	*pinned = NULL;
	/* Bounded: a reply may hold a loop of cross-signed certificates. */
	for (depth = 0; cur != NULL && fp != NULL && depth < 10; depth++) {
		char *have = ns_cert_fingerprint(NULL, cur, EVP_sha256(), NULL);
		bool match = have != NULL && strcmp(have, fp) == 0;

		if (have == NULL)
			return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		talloc_free(have);
		if (match) {
			*pinned = cur;
			return 0;
		}
		cur = verified_issuer(roles, cur);
	}
	return 0;
}
