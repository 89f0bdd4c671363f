/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GetCACert role assignment (roles.c) and the certificate descriptions
 * (certinfo.c) on whatever ns_certs_parse accepts. */
#include <openssl/x509.h>

#include "certinfo.h"
#include "fuzz_common.h"
#include "roles.h"
#include "x509util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	STACK_OF(X509) *certs = NULL, *order = NULL;
	struct ns_roles *roles = NULL;
	struct ns_err err = { 0 };
	const char *note = NULL;
	int rc, i;

	if (ns_certs_parse(data, size, &certs, &err) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		(void)ns_cert_ku_str(tmp, c);
		(void)ns_cert_eku_str(tmp, c);
		(void)ns_cert_validity(c, 0);
		(void)ns_cert_seconds_left(c);
	}
	rc = ns_roles_assign(tmp, certs, &roles, &err);
	fuzz_check_err(rc, &err);
	if (rc != 0)
		goto out;
	FUZZ_CHECK(roles->encrypt != NULL && roles->sign != NULL && roles->ca != NULL);
	(void)ns_roles_ca_is_self_signed(roles);
	rc = ns_roles_certmonger_order(tmp, roles, &order, &note, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_CHECK(sk_X509_num(order) >= 1);
		/* certmonger encrypts to the first certificate. */
		FUZZ_CHECK(X509_cmp(sk_X509_value(order, 0), roles->encrypt) == 0);
		for (i = 0; i < sk_X509_num(order); i++)
			FUZZ_CHECK(ns_roles_name(roles, sk_X509_value(order, i)) != NULL);
	}
	for (i = 0; i < sk_X509_num(certs); i++)
		(void)ns_roles_name(roles, sk_X509_value(certs, i));
	(void)ns_cert_issued_by(roles->encrypt, roles->ca);
out:
	sk_X509_pop_free(order, X509_free);
	talloc_free(tmp);	/* drops the roles' references first */
	sk_X509_pop_free(certs, X509_free);
	fuzz_done();
	return 0;
}
