/* SPDX-License-Identifier: GPL-3.0-or-later */
/* roles.c: which certificate does what, on the real NDES reply and on
 * certificates made here (CA-only servers, subordinate CAs, renewed RAs),
 * the order FETCH-SCEP-CA-CERTS prints them in, the validity report for a
 * role and the ca-fingerprint rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "../lib/testcerts.h"
#include "roles.h"
#include "x509util.h"
#include "outcome.h"
#include "status.h"

static char *cn_of(TALLOC_CTX *mem, X509 *c)
{
	return ns_name_str(mem, X509_get_subject_name(c));
}

/* The order as "CN=a|CN=b|..." for easy comparison. */
static char *order_str(TALLOC_CTX *mem, const struct ns_roles *r, const char **note)
{
	STACK_OF(X509) *sk = NULL;
	struct ns_err err;
	char *s;
	int i;

	assert_int_equal(ns_roles_certmonger_order(mem, r, &sk, note, &err), 0);
	s = talloc_strdup(mem, "");
	for (i = 0; i < sk_X509_num(sk); i++)
		s = talloc_asprintf_append(s, "%s%s", i ? "|" : "", cn_of(mem, sk_X509_value(sk, i)));
	sk_X509_pop_free(sk, X509_free);
	return s;
}

static void test_fixture(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	STACK_OF(X509) *certs = NULL, *shuffled;
	struct ns_roles *r = NULL, *r2 = NULL;
	STACK_OF(X509) *order = NULL;
	struct ns_err err;
	unsigned char *der;
	size_t len;

	der = tc_fixture("getcacert-cats-ca.der", &len);
	if (der == NULL) {
		talloc_free(mem);
		skip();
	}
	assert_int_equal(ns_certs_parse(der, len, &certs, &err), 0);
	free(der);
	assert_int_equal(sk_X509_num(certs), 3);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_false(r->ca_only);
	assert_true(X509_get_key_usage(r->encrypt) & KU_KEY_ENCIPHERMENT);
	assert_false(X509_get_key_usage(r->encrypt) & KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_key_usage(r->sign) & KU_DIGITAL_SIGNATURE);
	assert_false(X509_get_key_usage(r->sign) & KU_KEY_ENCIPHERMENT);
	assert_string_equal(cn_of(mem, r->encrypt), "CN=CATS-MSCEP-RA,C=US");
	assert_string_equal(cn_of(mem, r->ca), "CN=cats-ca,DC=cats,DC=bos,DC=redhat,DC=com");
	assert_int_equal(sk_X509_num(r->chain), 0);
	assert_int_equal(sk_X509_num(r->all), 3);
	assert_true(ns_roles_ca_is_self_signed(r));
	/* Signatures do not depend on time: these verify although expired. */
	assert_true(ns_cert_issued_by(r->encrypt, r->ca));
	assert_true(ns_cert_issued_by(r->sign, r->ca));
	assert_false(ns_cert_issued_by(r->ca, r->encrypt));
	assert_string_equal(ns_roles_name(r, r->encrypt), "encryption RA");
	assert_string_equal(ns_roles_name(r, r->sign), "signing RA");
	assert_string_equal(ns_roles_name(r, r->ca), "issuing CA");

	/* certmonger order: encryption RA, CA, signing RA. */
	assert_int_equal(ns_roles_certmonger_order(mem, r, &order, NULL, &err), 0);
	assert_int_equal(sk_X509_num(order), 3);
	assert_int_equal(X509_cmp(sk_X509_value(order, 0), r->encrypt), 0);
	assert_int_equal(X509_cmp(sk_X509_value(order, 1), r->ca), 0);
	assert_int_equal(X509_cmp(sk_X509_value(order, 2), r->sign), 0);
	sk_X509_pop_free(order, X509_free);

	/* The order received does not matter. */
	shuffled = tc_stack(sk_X509_value(certs, 2), sk_X509_value(certs, 0),
			    sk_X509_value(certs, 1), NULL);
	assert_int_equal(ns_roles_assign(mem, shuffled, &r2, &err), 0);
	assert_int_equal(X509_cmp(r2->encrypt, r->encrypt), 0);
	assert_int_equal(X509_cmp(r2->sign, r->sign), 0);
	assert_int_equal(X509_cmp(r2->ca, r->ca), 0);
	sk_X509_pop_free(shuffled, X509_free);

	/* The roles keep their own references. */
	sk_X509_pop_free(certs, X509_free);
	assert_string_equal(cn_of(mem, r->encrypt), "CN=CATS-MSCEP-RA,C=US");
	talloc_free(mem);
}

struct pki {
	EVP_PKEY *root_key, *sub_key, *ra_key, *ra2_key;
	X509 *root, *sub, *enc, *sign;
};

static void make_pki(struct pki *p, bool subordinate)
{
	p->root_key = tc_key();
	p->sub_key = tc_key();
	p->ra_key = tc_key();
	p->ra2_key = tc_key();
	p->root = tc_cert("Root CA", p->root_key, NULL, NULL, true, KU_KEY_CERT_SIGN | KU_CRL_SIGN,
			  NULL, -1, 3650);
	p->sub = tc_cert("Issuing CA", p->sub_key, p->root, p->root_key, true,
			 KU_KEY_CERT_SIGN | KU_CRL_SIGN, NULL, -1, 1000);
	{
		X509 *ca = subordinate ? p->sub : p->root;
		EVP_PKEY *ca_key = subordinate ? p->sub_key : p->root_key;
		p->enc = tc_cert("NDES RA enc", p->ra_key, ca, ca_key, false, KU_KEY_ENCIPHERMENT,
				 TC_RA_EKU, -1, 365);
		p->sign = tc_cert("NDES RA sign", p->ra2_key, ca, ca_key, false, KU_DIGITAL_SIGNATURE,
				  TC_RA_EKU, -1, 365);
	}
}

static void free_pki(struct pki *p)
{
	X509_free(p->root);
	X509_free(p->sub);
	X509_free(p->enc);
	X509_free(p->sign);
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->sub_key);
	EVP_PKEY_free(p->ra_key);
	EVP_PKEY_free(p->ra2_key);
}

static void test_subordinate_ca(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct pki p;
	STACK_OF(X509) *certs;
	struct ns_roles *r;
	struct ns_err err;
	const char *note = NULL;

	make_pki(&p, true);
	/* As AD CS sends it: RAs, the issuing CA and its root, any order. */
	certs = tc_stack(p.root, p.sign, p.sub, p.enc, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_int_equal(X509_cmp(r->encrypt, p.enc), 0);
	assert_int_equal(X509_cmp(r->sign, p.sign), 0);
	assert_int_equal(X509_cmp(r->ca, p.sub), 0);
	assert_int_equal(sk_X509_num(r->chain), 1);
	assert_int_equal(X509_cmp(sk_X509_value(r->chain, 0), p.root), 0);
	assert_false(ns_roles_ca_is_self_signed(r));
	assert_string_equal(ns_roles_name(r, p.root), "chain CA");
	/* 2nd must be issued BY the CA (certmonger's GetCertInitial issuer). */
	assert_string_equal(order_str(mem, r, &note),
			    "CN=NDES RA enc|CN=NDES RA sign|CN=Issuing CA|CN=Root CA");
	assert_non_null(note);
	assert_non_null(strstr(note, "signing RA"));
	talloc_free(r);

	/* Without a signing RA the encryption RA is repeated 2nd. */
	sk_X509_pop_free(certs, X509_free);
	certs = tc_stack(p.root, p.sub, p.enc, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_int_equal(X509_cmp(r->sign, p.sub), 0);	/* falls back to the CA */
	assert_string_equal(order_str(mem, r, &note),
			    "CN=NDES RA enc|CN=NDES RA enc|CN=Issuing CA|CN=Root CA");
	assert_non_null(strstr(note, "encryption RA"));
	sk_X509_pop_free(certs, X509_free);
	free_pki(&p);
	talloc_free(mem);
}

static void test_self_signed_ca_order(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct pki p;
	STACK_OF(X509) *certs;
	struct ns_roles *r;
	struct ns_err err;
	const char *note = "x";

	make_pki(&p, false);
	certs = tc_stack(p.sign, p.root, p.enc, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_true(ns_roles_ca_is_self_signed(r));
	assert_string_equal(order_str(mem, r, &note), "CN=NDES RA enc|CN=Root CA|CN=NDES RA sign");
	assert_null(note);
	sk_X509_pop_free(certs, X509_free);
	free_pki(&p);
	talloc_free(mem);
}

static void test_ca_only(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct pki p;
	STACK_OF(X509) *certs;
	struct ns_roles *r;
	struct ns_err err;
	unsigned char *der;
	size_t len;

	make_pki(&p, true);
	/* micromdm scep: one DER CA certificate. */
	der = NULL;
	len = (size_t)i2d_X509(p.root, &der);
	certs = NULL;
	assert_int_equal(ns_certs_parse(der, len, &certs, &err), 0);
	OPENSSL_free(der);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_true(r->ca_only);
	assert_int_equal(X509_cmp(r->encrypt, p.root), 0);
	assert_int_equal(X509_cmp(r->sign, p.root), 0);
	assert_int_equal(X509_cmp(r->ca, p.root), 0);
	assert_string_equal(order_str(mem, r, NULL), "CN=Root CA");
	assert_string_equal(ns_roles_name(r, p.root), "CA (every role: no RA certificates)");
	sk_X509_pop_free(certs, X509_free);

	/* A CA with its root: the issuing CA is the lower one, printed first
	 * and, as certmonger's "CA", second. */
	certs = tc_stack(p.root, p.sub, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_true(r->ca_only);
	assert_int_equal(X509_cmp(r->ca, p.sub), 0);
	assert_string_equal(order_str(mem, r, NULL), "CN=Issuing CA|CN=Issuing CA|CN=Root CA");
	sk_X509_pop_free(certs, X509_free);
	free_pki(&p);
	talloc_free(mem);
}

static void test_fallbacks_and_renewed(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	EVP_PKEY *ca_key = tc_key(), *k1 = tc_key(), *k2 = tc_key(), *k3 = tc_key();
	X509 *ca = tc_cert("CA", ca_key, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL, -1, 3650);
	/* No keyUsage but NDES' EKU vs no keyUsage and no EKU. */
	X509 *plain = tc_cert("plain RA", k1, ca, ca_key, false, TC_NO_KU, NULL, -1, 365);
	X509 *eku = tc_cert("eku RA", k2, ca, ca_key, false, TC_NO_KU, TC_RA_EKU, -1, 365);
	X509 *old_enc = tc_cert("old enc", k3, ca, ca_key, false, KU_KEY_ENCIPHERMENT, TC_RA_EKU,
				-800, 365);
	X509 *new_enc = tc_cert("new enc", k3, ca, ca_key, false, KU_KEY_ENCIPHERMENT, TC_RA_EKU,
				-10, 365);
	X509 *sign_only = tc_cert("sign only", k2, ca, ca_key, false, KU_DIGITAL_SIGNATURE, TC_RA_EKU,
				  -1, 365);
	STACK_OF(X509) *certs;
	struct ns_roles *r;
	struct ns_err err;

	certs = tc_stack(plain, ca, eku, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_int_equal(X509_cmp(r->encrypt, eku), 0);
	assert_int_equal(X509_cmp(r->sign, eku), 0);
	assert_string_equal(ns_roles_name(r, eku), "encryption+signing RA");
	assert_string_equal(ns_roles_name(r, plain), "other");
	sk_X509_pop_free(certs, X509_free);

	/* An NDES with a renewed RA still sends the expired one: use the valid. */
	certs = tc_stack(old_enc, ca, new_enc, sign_only, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_int_equal(X509_cmp(r->encrypt, new_enc), 0);
	assert_int_equal(X509_cmp(r->sign, sign_only), 0);
	sk_X509_pop_free(certs, X509_free);
	certs = tc_stack(new_enc, ca, old_enc, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_int_equal(X509_cmp(r->encrypt, new_enc), 0);
	sk_X509_pop_free(certs, X509_free);

	/* RAs but none that may encrypt: NDES' CEP Encryption cert is missing. */
	certs = tc_stack(ca, sign_only, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_REJECTED);
	assert_non_null(strstr(err.msg, "keyEncipherment"));
	sk_X509_pop_free(certs, X509_free);

	/* No CA at all. */
	certs = tc_stack(new_enc, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), -1);
	assert_non_null(strstr(err.msg, "no CA certificate"));
	sk_X509_pop_free(certs, X509_free);

	/* Nothing at all. */
	certs = sk_X509_new_null();
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), -1);
	sk_X509_free(certs);
	assert_int_equal(ns_roles_assign(mem, NULL, &r, &err), -1);

	/* A wrong key does not verify. */
	assert_true(ns_cert_issued_by(new_enc, ca));
	{
		X509 *fake_ca = tc_cert("CA", k1, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL, -1, 3650);
		assert_false(ns_cert_issued_by(new_enc, fake_ca));
		X509_free(fake_ca);
	}

	X509_free(ca);
	X509_free(plain);
	X509_free(eku);
	X509_free(old_enc);
	X509_free(new_enc);
	X509_free(sign_only);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
	talloc_free(mem);
}

static void test_roles_free(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct pki p;
	STACK_OF(X509) *certs;
	struct ns_roles *r;
	struct ns_err err;

	make_pki(&p, true);
	certs = tc_stack(p.root, p.sign, p.sub, p.enc, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	talloc_free(r);
	assert_int_equal(talloc_total_blocks(mem), 1);
	sk_X509_pop_free(certs, X509_free);
	free_pki(&p);
	talloc_free(mem);
}

static bool has(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* One reporter: the label and the RA advice come from the role value. */
static void test_role_validity(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	enum ns_role_validity st;
	struct ns_err err;
	struct pki p;
	X509 *old_ra, *new_ra, *old_ca;
	char *msg = NULL;

	make_pki(&p, false);
	old_ra = tc_cert("Old RA", p.ra_key, p.root, p.root_key, false, KU_KEY_ENCIPHERMENT,
			 TC_RA_EKU, -400, 365);
	new_ra = tc_cert("New RA", p.ra_key, p.root, p.root_key, false, KU_KEY_ENCIPHERMENT,
			 TC_RA_EKU, 10, 365);
	old_ca = tc_cert("Old CA", p.root_key, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL, -400, 365);
	assert_string_equal(ns_role_label(NS_ROLE_CA), "CA");
	assert_string_equal(ns_role_label(NS_ROLE_RA), "RA");
	assert_string_equal(ns_role_label(NS_ROLE_ENCRYPT_RA), "encryption RA");
	assert_string_equal(ns_role_label(NS_ROLE_SIGN_RA), "signing RA");

	/* An expired RA: what NDES cannot do (log), what to do (check). */
	assert_int_equal(ns_role_validity(mem, old_ra, NS_ROLE_ENCRYPT_RA, 0, 0, NS_ROLE_FORM_LOG,
					  &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_EXPIRED);
	assert_true(has(msg, "the encryption RA certificate CN=Old RA EXPIRED on "));
	assert_true(has(msg, "): NDES cannot work until its RA certificates are renewed"));
	assert_int_equal(ns_role_validity(mem, old_ra, NS_ROLE_RA, 0, 30, NS_ROLE_FORM_CHECK,
					  &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_EXPIRED);
	assert_true(strncmp(msg, "RA certificate EXPIRED on ", 26) == 0);
	assert_true(has(msg, "): renew NDES' RA certificates (a classic NDES outage)"));
	/* The same certificate reported as the CA, and an expired CA: no RA advice. */
	assert_int_equal(ns_role_validity(mem, old_ra, NS_ROLE_CA, 0, 30, NS_ROLE_FORM_CHECK,
					  &st, &msg, &err), 0);
	assert_true(strncmp(msg, "CA certificate EXPIRED on ", 26) == 0);
	assert_false(has(msg, "RA"));
	assert_int_equal(ns_role_validity(mem, old_ca, NS_ROLE_CA, 0, 0, NS_ROLE_FORM_LOG,
					  &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_EXPIRED);
	assert_true(has(msg, "the CA certificate CN=Old CA EXPIRED on "));
	assert_false(has(msg, "NDES"));

	/* Not yet valid. */
	assert_int_equal(ns_role_validity(mem, new_ra, NS_ROLE_SIGN_RA, 0, 30, NS_ROLE_FORM_CHECK,
					  &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_NOT_YET_VALID);
	assert_true(strncmp(msg, "signing RA certificate NOT YET VALID (valid ", 44) == 0);
	assert_true(has(msg, "): check clocks"));
	assert_int_equal(ns_role_validity(mem, new_ra, NS_ROLE_SIGN_RA, 0, 0, NS_ROLE_FORM_LOG,
					  &st, &msg, &err), 0);
	assert_true(has(msg, "the signing RA certificate CN=New RA is NOT YET VALID (valid "));

	/* Valid: expiring within warn_days, else valid until; now moves. */
	assert_int_equal(ns_role_validity(mem, p.enc, NS_ROLE_ENCRYPT_RA, 0, 400, NS_ROLE_FORM_CHECK,
					  &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_EXPIRING);
	assert_true(has(msg, "encryption RA certificate expires in 36"));
	assert_int_equal(ns_role_validity(mem, p.enc, NS_ROLE_ENCRYPT_RA, 0, 30, NS_ROLE_FORM_CHECK,
					  &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_VALID);
	assert_true(strncmp(msg, "encryption RA certificate valid until ", 38) == 0);
	assert_int_equal(ns_role_validity(mem, p.enc, NS_ROLE_ENCRYPT_RA, 0, 0, NS_ROLE_FORM_LOG,
					  &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_VALID);
	assert_int_equal(ns_role_validity(mem, p.enc, NS_ROLE_ENCRYPT_RA, time(NULL) + 340 * 86400L,
					  30, NS_ROLE_FORM_CHECK, &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_EXPIRING);
	assert_int_equal(ns_role_validity(mem, p.enc, NS_ROLE_ENCRYPT_RA, time(NULL) + 400 * 86400L,
					  30, NS_ROLE_FORM_CHECK, &st, &msg, &err), 0);
	assert_int_equal(st, NS_ROLE_EXPIRED);

	X509_free(old_ra);
	X509_free(new_ra);
	X509_free(old_ca);
	free_pki(&p);
	talloc_free(mem);
}

static char *fp_of(TALLOC_CTX *mem, X509 *c)
{
	return ns_cert_fingerprint(mem, c, EVP_sha256(), NULL);
}

/* A pin may name the issuing CA or an ancestor in the reply, nothing else. */
static void test_pin_match(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	EVP_PKEY *other_key = tc_key();
	X509 *other = tc_cert("Other CA", other_key, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL, -1, 100);
	X509 *pinned = NULL;
	STACK_OF(X509) *certs;
	struct ns_roles *r;
	struct ns_err err;
	struct pki p;

	make_pki(&p, true);
	certs = tc_stack(p.root, p.sign, other, p.sub, p.enc, NULL);
	assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
	assert_int_equal(ns_roles_pin_match(r, fp_of(mem, p.sub), &pinned, &err), 0);
	assert_ptr_equal(pinned, r->ca);
	assert_int_equal(ns_roles_pin_match(r, fp_of(mem, p.root), &pinned, &err), 0);
	assert_non_null(pinned);
	assert_int_equal(X509_cmp(pinned, p.root), 0);
	/* In the reply, but no anchor of the CA: an RA, an unrelated CA. */
	assert_int_equal(ns_roles_pin_match(r, fp_of(mem, p.enc), &pinned, &err), 0);
	assert_null(pinned);
	assert_int_equal(ns_roles_pin_match(r, fp_of(mem, other), &pinned, &err), 0);
	assert_null(pinned);
	assert_int_equal(ns_roles_pin_match(r, "00000000000000000000000000000000"
					    "00000000000000000000000000000000", &pinned, &err), 0);
	assert_null(pinned);
	talloc_free(r);
	sk_X509_pop_free(certs, X509_free);

	/* The root's signature must verify: a look-alike root is no ancestor. */
	{
		X509 *fake = tc_cert("Root CA", other_key, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL,
				     -1, 100);

		certs = tc_stack(fake, p.sub, p.enc, NULL);
		assert_int_equal(ns_roles_assign(mem, certs, &r, &err), 0);
		assert_int_equal(ns_roles_pin_match(r, fp_of(mem, fake), &pinned, &err), 0);
		assert_null(pinned);
		talloc_free(r);
		sk_X509_pop_free(certs, X509_free);
		X509_free(fake);
	}
	X509_free(other);
	EVP_PKEY_free(other_key);
	free_pki(&p);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_subordinate_ca),
		cmocka_unit_test(test_self_signed_ca_order),
		cmocka_unit_test(test_ca_only),
		cmocka_unit_test(test_fallbacks_and_renewed),
		cmocka_unit_test(test_roles_free),
		cmocka_unit_test(test_role_validity),
		cmocka_unit_test(test_pin_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
