/* Which certificate of a GetCACert reply does what (ndes.md): NDES sends a
 * signing RA (digitalSignature), an encryption RA (keyEncipherment; both with
 * EKU 1.3.6.1.4.1.311.20.2.1), the issuing CA and maybe its parents, in no
 * fixed order. A plain RFC 8894 server sends only the CA, which then plays
 * every role. Implemented in roles.c. */
#ifndef NS_ROLES_H
#define NS_ROLES_H

#include <stdbool.h>
#include <talloc.h>
#include <openssl/x509.h>

#include "err.h"

struct ns_roles {
	X509 *encrypt;		/* requests are encrypted to it (certmonger: 1st cert) */
	X509 *sign;		/* CertReps are signed by it */
	X509 *ca;		/* the issuing CA */
	STACK_OF(X509) *chain;	/* every other certificate (parents of the CA, extra RAs) */
	STACK_OF(X509) *all;	/* every certificate, as received */
	bool ca_only;		/* no RA certificates: the CA plays every role */
};

/* Assigns roles. Takes its own references: the caller keeps and frees certs.
 * The result is freed with talloc_free (a destructor drops the references).
 * Errors (NS_REJECTED): no certificate, no CA certificate among them. */
int ns_roles_assign(TALLOC_CTX *mem, STACK_OF(X509) *certs, struct ns_roles **out,
		    struct ns_err *err);

#endif
