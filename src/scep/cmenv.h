/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger's environment for SUBMIT and POLL (certmonger-helper-protocol.md),
 * read once and shared by submit.c and autopw.c, so that both see the same
 * request and the CA certificates are parsed once. Implemented in cmenv.c. */
#ifndef NS_CMENV_H
#define NS_CMENV_H

#include <stdbool.h>
#include <talloc.h>
#include <openssl/x509.h>

#include "cmreq.h"
#include "csr.h"
#include "err.h"

struct ns_cmenv {
	const char *csr;		/* CERTMONGER_CSR */
	const char *cert;		/* CERTMONGER_CERTIFICATE: this is a renewal */
	const char *ca_name;		/* CERTMONGER_CA_NICKNAME; "NAME" when unset (for hints) */
	const char *cookie;		/* CERTMONGER_CA_COOKIE */
	const char *pkcsreq;		/* CERTMONGER_PKCSREQ: signed with the current key */
	const char *gci;		/* CERTMONGER_GETCERTINITIAL */
	const char *pkcsreq_rekey;	/* CERTMONGER_PKCSREQ_REKEY: signed with a new key */
	const char *gci_rekey;		/* CERTMONGER_GETCERTINITIAL_REKEY */
	bool has_ca_data;		/* CERTMONGER_SCEP_RA_ or _CA_CERTIFICATE is set */
	/* Filled by ns_cmenv_certs: */
	STACK_OF(X509) *certs;		/* every CERTMONGER_SCEP_* certificate, once each */
	X509 *second;			/* the first of CERTMONGER_SCEP_CA_CERTIFICATE */
	bool certs_read;
	struct ns_err certs_err;	/* and how that went */
	/* Filled by ns_cmenv_csr and ns_cmenv_request: */
	struct ns_csr *parsed_csr;	/* csr, parsed (NULL: none or unreadable) */
	bool csr_read;
	struct ns_cmreq *request;	/* certmonger's record of this request */
	bool request_read;
	struct ns_err request_err;
};

/* Reads the environment (empty variables count as unset). NULL: out of memory. */
struct ns_cmenv *ns_cmenv_read(TALLOC_CTX *mem);

/* Parses the CERTMONGER_SCEP_* certificates once (later calls return the
 * first result). An unreadable variable: NS_CAUSE_CA_CERTS_STALE, naming
 * it and "getcert refresh-ca -c CA". No certificates at all is not an
 * error here (env->certs is empty). */
int ns_cmenv_certs(struct ns_cmenv *env, struct ns_err *err);

/* CERTMONGER_CSR parsed, once per run (csr.h); NULL when it is absent or
 * unreadable (certmonger still builds its messages from it). */
const struct ns_csr *ns_cmenv_csr(struct ns_cmenv *env);

/* certmonger's request record for this CSR (cmreq.h), looked up in dir once
 * per run; later calls return the first result. *out NULL: none matches. */
int ns_cmenv_request(struct ns_cmenv *env, const char *dir, struct ns_cmreq **out,
		     struct ns_err *err);

#endif
