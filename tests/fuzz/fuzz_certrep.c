/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CertRep replies (certrep.c): parse, verify and check. Every reply is
 * verified twice: trusting the certificates it carries (so mutated replies
 * reach the signature checks, also the explicit SHA-1 path), and against
 * the generated NDES-like RA/CA in $FUZZ_WORK/certrep-trust.pem (signing RA
 * first, then the CA) that run-fuzz.sh's seeds are signed with. */
#include <time.h>
#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "certrep.h"
#include "fuzz_common.h"
#include "x509util.h"

static STACK_OF(X509) *trust;	/* harness state, read once */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_WORK");
	char path[4096];
	unsigned char buf[65536];
	struct ns_err err;
	size_t n;
	FILE *f;

	(void)argc;
	(void)argv;
	if (dir == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/certrep-trust.pem", dir);
	f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (ns_certs_parse(buf, n, &trust, &err) != 0 || sk_X509_num(trust) < 2) {
		fprintf(stderr, "fuzz_certrep: %s: %s\n", path, err.msg);
		exit(1);
	}
	return 0;
}

static void check(struct ns_certrep *rep)
{
	struct ns_err err = { 0 };
	unsigned char nonce[16] = { 0 };
	int rc;

	rc = ns_certrep_check(rep, rep->txid ? rep->txid : "x", rep->recipient_nonce ?
			      rep->recipient_nonce : nonce, rep->recipient_nonce ?
			      rep->recipient_nonce_len : sizeof(nonce), &err);
	fuzz_check_err(rc, &err);
	rc = ns_certrep_check(rep, "other", nonce, sizeof(nonce), &err);
	fuzz_check_err(rc, &err);
}

static void verify_self(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_certrep *rep = NULL;
	struct ns_err err = { 0 };
	CMS_SignerInfo *si;
	X509 *signer = NULL;
	struct tm tm;
	time_t at;
	int i, rc;

	if (ns_certrep_parse(tmp, data, size, &rep, &err) != 0)
		goto out;
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(rep->cms), 0);
	for (i = 0; i < sk_X509_num(rep->certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(rep->certs, i)) == 0)
			signer = sk_X509_value(rep->certs, i);
	if (signer == NULL) {
		rc = ns_certrep_verify(rep, rep->certs, sk_X509_value(rep->certs, 0), NULL,
				       NS_CERTREP_ALLOW_SHA1, 0, &err);
		fuzz_check_err(rc, &err);
		goto out;
	}
	/* At a time the signer is valid: the trust anchor is the signer itself. */
	if (!ASN1_TIME_to_tm(X509_get0_notBefore(signer), &tm))
		goto out;
	at = timegm(&tm) + 60;
	rc = ns_certrep_verify(rep, rep->certs, signer, NULL, NS_CERTREP_ALLOW_SHA1, at, &err);
	fuzz_check_err(rc, &err);
	rc = ns_certrep_verify(rep, rep->certs, signer, NULL,
			       NS_CERTREP_ALLOW_SHA1 | NS_CERTREP_FORCE_EXPLICIT, at, &err);
	fuzz_check_err(rc, &err);
	rc = ns_certrep_verify(rep, rep->certs, signer, NULL, 0, at, &err);
	fuzz_check_err(rc, &err);
out:
	talloc_free(tmp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_certrep *rep = NULL;
	struct ns_err err = { 0 };
	STACK_OF(X509) *signers = NULL;
	int rc;

	rc = ns_certrep_parse(tmp, data, size, &rep, &err);
	fuzz_check_err(rc, &err);
	FUZZ_CHECK((rc == 0) == (rep != NULL));
	if (rc != 0)
		goto out;
	check(rep);
	if (trust != NULL) {
		signers = sk_X509_new_null();
		sk_X509_push(signers, sk_X509_value(trust, 0));
		rc = ns_certrep_verify(rep, signers, sk_X509_value(trust, 1), NULL,
				       NS_CERTREP_ALLOW_SHA1, 0, &err);
		fuzz_check_err(rc, &err);
		rc = ns_certrep_verify(rep, signers, sk_X509_value(trust, 1), NULL,
				       NS_CERTREP_ALLOW_SHA1 | NS_CERTREP_FORCE_EXPLICIT, 0, &err);
		fuzz_check_err(rc, &err);
		sk_X509_free(signers);
		check(rep);
	}
	verify_self(data, size);
out:
	talloc_free(tmp);
	fuzz_done();
	return 0;
}
