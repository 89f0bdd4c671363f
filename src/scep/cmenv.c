/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "cmenv.h"
#include "x509util.h"

static int cmenv_destructor(struct ns_cmenv *e)
{
	sk_X509_pop_free(e->certs, X509_free);
	X509_free(e->second);
	return 0;
}

static const char *var(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && v[0] != '\0') ? v : NULL;
}

struct ns_cmenv *ns_cmenv_read(TALLOC_CTX *mem)
{
	struct ns_cmenv *e = talloc_zero(mem, struct ns_cmenv);

	if (e == NULL)
		return NULL;
	talloc_set_destructor(e, cmenv_destructor);
	e->csr = var("CERTMONGER_CSR");
	e->cert = var("CERTMONGER_CERTIFICATE");
	e->ca_name = var("CERTMONGER_CA_NICKNAME") ? var("CERTMONGER_CA_NICKNAME") : "NAME";
	e->cookie = var("CERTMONGER_CA_COOKIE");
	e->pkcsreq = var("CERTMONGER_PKCSREQ");
	e->gci = var("CERTMONGER_GETCERTINITIAL");
	e->pkcsreq_rekey = var("CERTMONGER_PKCSREQ_REKEY");
	e->gci_rekey = var("CERTMONGER_GETCERTINITIAL_REKEY");
	e->has_ca_data = var("CERTMONGER_SCEP_RA_CERTIFICATE") != NULL ||
		var("CERTMONGER_SCEP_CA_CERTIFICATE") != NULL;
	return e;
}

/* Adds the PEM certificates of one CERTMONGER_SCEP_* variable. */
static int add_certs(struct ns_cmenv *e, const char *name, bool is_second, struct ns_err *err)
{
	const char *pem = var(name);
	STACK_OF(X509) *certs = NULL;
	int i;

	if (pem == NULL)
		return 0;
	if (ns_certs_parse((const unsigned char *)pem, strlen(pem), &certs, err) != 0)
		return ns_err_set(err, NS_CAUSE_CA_CERTS_STALE,
				  "certmonger's %s cannot be read: run getcert refresh-ca -c %s",
				  name, e->ca_name);
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (is_second && i == 0 && e->second == NULL && X509_up_ref(c))
			e->second = c;
		if (!ns_certs_contains(e->certs, c) && X509_up_ref(c) && !sk_X509_push(e->certs, c))
			X509_free(c);
	}
	sk_X509_pop_free(certs, X509_free);
	return 0;
}

int ns_cmenv_certs(struct ns_cmenv *e, struct ns_err *err)
{
	if (!e->certs_read) {
		e->certs_read = true;
		ns_err_clear(&e->certs_err);
		e->certs = sk_X509_new_null();
		if (e->certs == NULL)
			ns_err_set(&e->certs_err, NS_CAUSE_NOMEM, "out of memory");
		else if (add_certs(e, "CERTMONGER_SCEP_RA_CERTIFICATE", false, &e->certs_err) == 0 &&
			 add_certs(e, "CERTMONGER_SCEP_CA_CERTIFICATE", true, &e->certs_err) == 0)
			add_certs(e, "CERTMONGER_SCEP_CERTIFICATES", false, &e->certs_err);
	}
	if (e->certs_err.cause == NS_CAUSE_NONE)
		return 0;
	*err = e->certs_err;
	return -1;
}

const struct ns_csr *ns_cmenv_csr(struct ns_cmenv *e)
{
	if (!e->csr_read) {
		e->csr_read = true;
		if (e->csr != NULL)
			ns_csr_parse(e, e->csr, &e->parsed_csr);
	}
	return e->parsed_csr;
}

int ns_cmenv_request(struct ns_cmenv *e, const char *dir, struct ns_cmreq **out,
		     struct ns_err *err)
{
	if (!e->request_read) {
		const struct ns_csr *csr = ns_cmenv_csr(e);

		e->request_read = true;
		ns_err_clear(&e->request_err);
		if (csr == NULL)
			ns_err_set(&e->request_err, NS_CAUSE_CONFIG, "automatic password: cannot "
				   "read the CSR certmonger passed");
		else
			ns_cmreq_find_csr(e, dir, csr, &e->request, &e->request_err);
	}
	*out = e->request;
	if (e->request_err.cause == NS_CAUSE_NONE)
		return 0;
	*err = e->request_err;
	return -1;
}
