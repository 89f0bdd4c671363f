/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "ndes-submit cacert [--pem] [--file FILE]": the GetCACert certificates with
 * their roles, so an admin can compare them with the NDES server (its admin
 * page shows the CA's MD5 thumbprint). --file reads a saved reply instead. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "cacert.h"
#include "file.h"
#include "certinfo.h"
#include "ns.h"
#include "ops.h"
#include "subcmd.h"
#include "x509util.h"

static void print_cert(TALLOC_CTX *mem, const struct ns_roles *roles, X509 *c, int n, bool pem)
{
	const char *state;

	switch (ns_cert_validity(c, 0)) {
	case 1:
		state = "  EXPIRED";
		break;
	case -1:
		state = "  NOT YET VALID";
		break;
	default:
		state = "";
	}
	printf("Certificate %d: %s\n", n, ns_roles_name(roles, c));
	printf("  Subject:            %s\n", ns_name_str(mem, X509_get_subject_name(c)));
	printf("  Issuer:             %s\n", ns_name_str(mem, X509_get_issuer_name(c)));
	printf("  Key usage:          %s\n", ns_cert_ku_str(mem, c));
	printf("  Extended key usage: %s\n", ns_cert_eku_str(mem, c));
	printf("  Valid:              %s to %s%s\n", ns_asn1_time_str(mem, X509_get0_notBefore(c)),
	       ns_asn1_time_str(mem, X509_get0_notAfter(c)), state);
	printf("  SHA-256:            %s\n", ns_cert_fingerprint(mem, c, EVP_sha256(), ":"));
	if (X509_cmp(c, roles->ca) == 0 || ns_cert_is_ca(c))
		printf("  NDES thumbprint:    %s (MD5, as mscep_admin shows it)\n",
		       ns_cert_ndes_thumbprint(mem, c));
	if (pem)
		fputs(ns_cert_pem(mem, c), stdout);
	printf("\n");
}

static int from_file(TALLOC_CTX *mem, const char *path, struct ns_cacert **out, struct ns_err *err)
{
	char *data;
	size_t len;
	int rc;

	if (ns_file_read(mem, path, NS_FILE_MAX_CERTS, 0, &data, &len, NULL) != 0) {
		if (errno == ENOMEM)
			return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		if (errno == EFBIG)
			return ns_err_set(err, NS_CAUSE_CONFIG, "%s is larger than 1 MiB", path);
		return ns_err_set(err, NS_CAUSE_CONFIG, "cannot read %s: %s", path,
				  ns_file_strerror(errno));
	}
	rc = ns_cacert_from_data(mem, path, (const unsigned char *)data, len, out, err);
	if (rc != 0)
		err->cause = NS_CAUSE_CONFIG;	/* a bad file given on the command line */
	talloc_free(data);
	return rc;
}

struct cacert_args {
	const char *file;	/* --file: a saved GetCACert reply */
	bool pem;		/* --pem: print the certificates too */
};

#define K_PEM 256
#define K_FILE 257

static int set_cacert_arg(void *arg, int key, const char *value, struct ns_err *err)
{
	struct cacert_args *a = arg;

	(void)err;
	if (key == K_PEM)
		a->pem = true;
	else
		a->file = value;
	return 0;
}

int ns_cmd_cacert(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv,
		  struct ns_err *err)
{
	static const struct ns_subopt opts[] = {
		{ "pem", K_PEM, NULL },
		{ "file", K_FILE, "a file name" },
		{ NULL, 0, NULL },
	};
	struct cacert_args a = { NULL, false };
	struct ns_cacert *cc = NULL;
	int i;

	if (ns_subcmd_options(argc, argv, opts, "--pem, --file FILE", set_cacert_arg, &a,
			      err) != 0)
		return ns_outcome(NS_OPC_ADMIN, err);
	if (a.file != NULL ? from_file(mem, a.file, &cc, err) : ns_cacert_fetch(mem, ctx, &cc, err))
		return ns_outcome(NS_OPC_ADMIN, err);

	printf("%d certificate(s) from %s%s\n\n", sk_X509_num(cc->certs), cc->url,
	       cc->roles->ca_only ? " (no RA certificates: the CA plays every role)" : "");
	for (i = 0; i < sk_X509_num(cc->certs); i++)
		print_cert(mem, cc->roles, sk_X509_value(cc->certs, i), i + 1, a.pem);
	talloc_free(cc);
	return 0;
}
