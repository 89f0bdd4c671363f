/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which certificate of a GetCACert reply does what (ndes.md): NDES sends a
 * signing RA (digitalSignature), an encryption RA (keyEncipherment; both with
 * EKU 1.3.6.1.4.1.311.20.2.1), the issuing CA and maybe its parents, in no
 * fixed order. A plain RFC 8894 server sends only the CA, which then plays
 * every role. Implemented in roles.c. */
#ifndef NS_ROLES_H
#define NS_ROLES_H

#include <stdbool.h>
#include <time.h>
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
 * Errors (NS_CAUSE_CA_CERTS): no certificate, no CA certificate among them. */
int ns_roles_assign(TALLOC_CTX *mem, STACK_OF(X509) *certs, struct ns_roles **out,
		    struct ns_err *err);

/* Is the issuing CA's issuer name its own subject (a root)? certmonger builds
 * GetCertInitial's issuer from the issuer name of the 2nd certificate of
 * FETCH-SCEP-CA-CERTS, which only names the CA when this holds. */
bool ns_roles_ca_is_self_signed(const struct ns_roles *roles);

/* The order FETCH-SCEP-CA-CERTS prints (certmonger: 1st = encrypt to it,
 * 2nd = "CA", the rest a pool):
 *  - RA server, self-signed CA: encryption RA, CA, signing RA, the rest.
 *  - RA server, subordinate CA: encryption RA, then a certificate whose
 *    issuer IS the CA (signing RA, else the encryption RA again), then the
 *    CA, then the rest; *note (may be NULL) gets a sentence explaining it.
 *  - CA only: the CA alone; with other certificates: CA, CA, the rest.
 * *out: a new stack holding references (sk_X509_pop_free(.., X509_free)). */
int ns_roles_certmonger_order(TALLOC_CTX *mem, const struct ns_roles *roles,
			      STACK_OF(X509) **out, const char **note, struct ns_err *err);

/* Does a certificate carry the NDES RA EKU (1.3.6.1.4.1.311.20.2.1)? Then
 * the server is Microsoft NDES, whatever its GetCACaps says. */
bool ns_roles_is_ndes(const struct ns_roles *roles);

/* Human-readable role of cert within roles ("encryption RA", "signing RA",
 * "encryption+signing RA", "issuing CA", "CA (every role)", "chain"). */
const char *ns_roles_name(const struct ns_roles *roles, X509 *cert);

/* The role a certificate is reported in. NS_ROLE_RA: one RA certificate
 * that both encrypts and signs. */
enum ns_role { NS_ROLE_CA, NS_ROLE_RA, NS_ROLE_ENCRYPT_RA, NS_ROLE_SIGN_RA };

/* "CA", "RA", "encryption RA", "signing RA". */
const char *ns_role_label(enum ns_role role);

/* Where a validity report goes: a warning of a CA-data operation (names the
 * certificate; says what NDES cannot do), or a line of "ndes-submit check"
 * (says what to do). */
enum ns_role_form { NS_ROLE_FORM_LOG, NS_ROLE_FORM_CHECK };

enum ns_role_validity {
	NS_ROLE_VALID,
	NS_ROLE_EXPIRING,	/* valid, but within warn_days of its end */
	NS_ROLE_EXPIRED,
	NS_ROLE_NOT_YET_VALID,
};

/* The one reporter of a certificate's validity in a role, at now (0: the
 * current time): *state, and *msg (on mem) saying it in form, with the label
 * and, for an expired RA, the advice derived from role. warn_days: 0 never
 * gives NS_ROLE_EXPIRING. Returns 0, or -1 (NS_CAUSE_NOMEM). */
int ns_role_validity(TALLOC_CTX *mem, X509 *cert, enum ns_role role, time_t now, long warn_days,
		     enum ns_role_form form, enum ns_role_validity *state, char **msg,
		     struct ns_err *err);

/* The one ca-fingerprint rule: the pin (SHA-256 as settings.h stores it: 64
 * upper-case hex digits) may name the issuing CA or one of its ancestors in
 * the reply, each issued by the next (names and signature). Any other
 * certificate of the reply (an RA, an unrelated CA) is no anchor. *pinned
 * gets the certificate, NULL when the pin names none of them; it holds no
 * reference of its own (it lives as long as roles). Returns 0, or -1
 * (NS_CAUSE_NOMEM). */
int ns_roles_pin_match(const struct ns_roles *roles, const char *fp, X509 **pinned,
		       struct ns_err *err);

#endif
