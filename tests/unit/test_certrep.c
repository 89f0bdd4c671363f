/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CertRep parsing, verification and checks: the real NDES FAILURE capture
 * plus replies built at run time (success, pending, failure, and every way a
 * reply can be wrong). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/x509.h>

#include "certrep.h"
#include "mserr.h"
#include "../lib/scepbuild.h"
#include "../lib/testcerts.h"
#include "outcome.h"
#include "status.h"

static const unsigned char NONCE[16] = "0123456789abcdef";
static const unsigned char OTHER_NONCE[16] = "fedcba9876543210";
#define TXID "4D7A1C9E0F"

struct world {
	EVP_PKEY *ca_key, *ra_key, *other_key;
	X509 *ca, *ra, *other_ca, *stranger_ra, *expired_ra, *root, *sub, *sub_ra;
	STACK_OF(X509) *signers;	/* what certmonger hands over: RA + CA */
	unsigned char *envelope;
	size_t envelope_len;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	w->ca_key = tc_rsa_key_shared(2048);
	w->ra_key = tc_rsa_key_shared(1024);
	w->other_key = tc_rsa_key_shared(1536);
	w->ca = tc_cert("Test Issuing CA", w->ca_key, NULL, NULL, true,
			KU_KEY_CERT_SIGN | KU_CRL_SIGN, NULL, -1, 366);
	w->ra = tc_cert("Test MSCEP-RA", w->ra_key, w->ca, w->ca_key, false, KU_DIGITAL_SIGNATURE,
			NULL, -1, 366);
	w->other_ca = tc_cert("Other CA", w->other_key, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL,
			      -1, 366);
	w->stranger_ra = tc_cert("Stranger RA", w->ra_key, w->other_ca, w->other_key, false,
				 KU_DIGITAL_SIGNATURE, NULL, -1, 366);
	w->expired_ra = tc_cert("Expired RA", w->ra_key, w->ca, w->ca_key, false,
				KU_DIGITAL_SIGNATURE, NULL, -15, 10);
	w->root = tc_cert("Root CA", w->other_key, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL, -1, 366);
	w->sub = tc_cert("Sub CA", w->ca_key, w->root, w->other_key, true, KU_KEY_CERT_SIGN, NULL,
			 -1, 366);
	w->sub_ra = tc_cert("Sub RA", w->ra_key, w->sub, w->ca_key, false, KU_DIGITAL_SIGNATURE,
			    NULL, -1, 366);
	assert_non_null(w->ra);
	assert_non_null(w->sub_ra);
	w->signers = sk_X509_new_null();
	sk_X509_push(w->signers, w->ra);
	sk_X509_push(w->signers, w->ca);
	w->envelope = sb_envelope(w->ra, (const unsigned char *)"cert", 4, &w->envelope_len);
	assert_non_null(w->envelope);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	sk_X509_free(w->signers);
	X509_free(w->ca); X509_free(w->ra); X509_free(w->other_ca); X509_free(w->stranger_ra);
	X509_free(w->expired_ra); X509_free(w->root); X509_free(w->sub); X509_free(w->sub_ra);
	EVP_PKEY_free(w->ca_key); EVP_PKEY_free(w->ra_key); EVP_PKEY_free(w->other_key);
	OPENSSL_free(w->envelope);
	free(w);
	return 0;
}

/* A reply as NDES would send it, signed by the RA; callers tweak it. */
static struct sb_msg reply(struct world *w, const char *status)
{
	struct sb_msg m;

	memset(&m, 0, sizeof(m));
	m.signer = w->ra;
	m.key = w->ra_key;
	m.md = EVP_sha1();
	m.msg_type = "3";
	m.pki_status = status;
	m.txid = TXID;
	m.sender_nonce = OTHER_NONCE;
	m.recipient_nonce = NONCE;
	if (strcmp(status, "0") == 0) {
		m.content = w->envelope;
		m.content_len = w->envelope_len;
	}
	return m;
}

/* Builds, parses, verifies against (signers, anchor) and checks. Returns the
 * step that failed (0 = all passed) and leaves the error in err. */
static int run(struct world *w, const struct sb_msg *m, STACK_OF(X509) *signers, X509 *anchor,
	       unsigned flags, struct ns_certrep **rep_out, struct ns_err *err)
{
	size_t len = 0;
	unsigned char *der = sb_build(m, &len);
	struct ns_certrep *rep = NULL;
	int step = 0;

	assert_non_null(der);
	ns_err_clear(err);
	if (ns_certrep_parse(NULL, der, len, &rep, err) != 0)
		step = 1;
	else if (ns_certrep_verify(rep, signers ? signers : w->signers, anchor ? anchor : w->ca,
				   w->signers, flags, 0, err) != 0)
		step = 2;
	else if (ns_certrep_check(rep, TXID, NONCE, sizeof(NONCE), err) != 0)
		step = 3;
	OPENSSL_free(der);
	if (rep_out != NULL)
		*rep_out = rep;
	else
		talloc_free(rep);
	return step;
}

static void test_success(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "0");
	struct ns_certrep *rep;
	struct ns_err err;

	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, &rep, &err), 0);
	assert_int_equal(rep->pki_status, NS_PKI_SUCCESS);
	assert_true(rep->sha1);
	assert_int_equal(X509_cmp(rep->signer, w->ra), 0);
	assert_int_equal(rep->content_len, w->envelope_len);
	assert_memory_equal(rep->content, w->envelope, w->envelope_len);
	talloc_free(rep);
}

static void test_pending_and_failure(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "3");
	struct ns_certrep *rep;
	struct ns_err err;

	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, &rep, &err), 0);
	assert_int_equal(rep->pki_status, NS_PKI_PENDING);
	assert_int_equal(rep->fail_info, -1);
	talloc_free(rep);

	m = reply(w, "2");
	m.fail_info = "1";
	m.hresult = "-2147023728";	/* 0x80070490 */
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, &rep, &err), 0);
	assert_int_equal(rep->pki_status, NS_PKI_FAILURE);
	assert_int_equal(rep->fail_info, 1);
	assert_true(rep->have_hresult);
	assert_int_equal(rep->hresult, 0x80070490);
	assert_true(ns_mserr_is_password_refusal(rep->fail_info, true, rep->hresult));
	talloc_free(rep);
}

static void test_sha256_signed(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "3");
	struct ns_certrep *rep;
	struct ns_err err;

	m.md = EVP_sha256();
	assert_int_equal(run(w, &m, NULL, NULL, 0, &rep, &err), 0);
	assert_false(rep->sha1);
	assert_false(rep->verified_explicitly);
	talloc_free(rep);
}

static void test_sha1_policy(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "0");
	struct ns_certrep *rep;
	struct ns_err err;

	/* allow-sha1 = no refuses NDES' SHA-1 signatures, saying so */
	assert_int_equal(run(w, &m, NULL, NULL, 0, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "SHA-1"));
	assert_non_null(strstr(err.msg, "allow-sha1"));

	/* the explicit path (used when the crypto policy forbids SHA-1) */
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1 | NS_CERTREP_FORCE_EXPLICIT,
			     &rep, &err), 0);
	assert_true(rep->verified_explicitly);
	talloc_free(rep);

	m.corrupt_sig = true;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1 | NS_CERTREP_FORCE_EXPLICIT,
			     NULL, &err), 2);
	assert_non_null(strstr(err.msg, "bad signature"));
}

static void test_bad_signature(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "0");
	struct ns_err err;

	m.corrupt_sig = true;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "bad signature"));
	m.md = EVP_sha256();
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "bad signature"));

	m = reply(w, "0");
	m.corrupt_content = true;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "does not match its signed digest"));
}

static void test_wrong_nonce_txid_type_status(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "3");
	struct ns_err err;

	m.recipient_nonce = OTHER_NONCE;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "recipientNonce"));

	m = reply(w, "3");
	m.recipient_nonce = NULL;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "recipientNonce"));

	m = reply(w, "3");
	m.txid = "SOMEONE-ELSE";
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "another transaction"));

	m = reply(w, "3");
	m.msg_type = "19";
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "not a CertRep"));

	m = reply(w, "3");
	m.pki_status = "5";
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "unknown pkiStatus 5"));

	m = reply(w, "3");
	m.pki_status = NULL;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "no pkiStatus"));

	m = reply(w, "3");
	m.pki_status = "x3";
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 1);
	assert_non_null(strstr(err.msg, "malformed pkiStatus"));

	/* SUCCESS must carry an EnvelopedData, not NDES' failure byte */
	m = reply(w, "0");
	m.content = NULL;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "EnvelopedData"));
}

static void test_signer_trust(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "3");
	STACK_OF(X509) *only_ca = sk_X509_new_null(), *sub_set = sk_X509_new_null();
	struct ns_err err;

	/* a signer certmonger does not know, included in the reply */
	m.signer = w->stranger_ra;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "Stranger RA"));
	assert_non_null(strstr(err.msg, "refresh-ca"));

	/* ... and not included either (like the real NDES capture) */
	m.no_certs = true;
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "neither in the reply"));

	/* known to certmonger but chaining to another CA */
	sk_X509_push(only_ca, w->stranger_ra);
	m = reply(w, "3");
	m.signer = w->stranger_ra;
	assert_int_equal(run(w, &m, only_ca, w->ca, NS_CERTREP_ALLOW_SHA1, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "does not chain"));

	/* expired RA certificate */
	sk_X509_zero(only_ca);
	sk_X509_push(only_ca, w->expired_ra);
	m.signer = w->expired_ra;
	assert_int_equal(run(w, &m, only_ca, w->ca, NS_CERTREP_ALLOW_SHA1, NULL, &err), 2);
	assert_non_null(strstr(err.msg, "expired"));

	/* a CA-only server (micromdm): the CA signs its replies itself */
	sk_X509_zero(only_ca);
	sk_X509_push(only_ca, w->ca);
	m = reply(w, "3");
	m.signer = w->ca;
	m.key = w->ca_key;
	assert_int_equal(run(w, &m, only_ca, w->ca, NS_CERTREP_ALLOW_SHA1, NULL, &err), 0);

	/* a subordinate issuing CA is a good anchor on its own */
	sk_X509_push(sub_set, w->sub_ra);
	sk_X509_push(sub_set, w->sub);
	m.signer = w->sub_ra;
	m.key = w->ra_key;
	assert_int_equal(run(w, &m, sub_set, w->sub, NS_CERTREP_ALLOW_SHA1, NULL, &err), 0);
	sk_X509_free(only_ca);
	sk_X509_free(sub_set);
}

static void test_garbage(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "3");
	struct ns_certrep *rep = NULL;
	struct ns_err err;
	size_t len = 0, cut;
	unsigned char *der = sb_build(&m, &len), *big;
	const char *html = "<html><head><title>Error</title></head></html>";

	assert_int_equal(ns_certrep_parse(NULL, (const unsigned char *)html, strlen(html), &rep, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_REJECTED);
	assert_non_null(strstr(err.msg, "not a SCEP pkiMessage"));
	assert_int_equal(ns_certrep_parse(NULL, der, 0, &rep, &err), -1);
	/* every truncation is refused cleanly */
	for (cut = 1; cut < len; cut += (cut < 64 ? 1 : 37)) {
		ns_err_clear(&err);
		assert_int_equal(ns_certrep_parse(NULL, der, cut, &rep, &err), -1);
		assert_true(err.msg[0] != '\0');
	}
	big = malloc(len + 3);
	memcpy(big, der, len);
	memcpy(big + len, "xyz", 3);
	assert_int_equal(ns_certrep_parse(NULL, big, len + 3, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "unexpected bytes"));
	free(big);
	OPENSSL_free(der);
}

static void test_real_ndes_failure(void **state)
{
	const char *path = NS_FIXTURES_DIR "/certrep-failure-sha1.der";
	FILE *f = fopen(path, "rb");
	unsigned char buf[8192];
	size_t len;
	struct ns_certrep *rep = NULL;
	struct ns_err err;
	char *desc;
	struct world *w = *state;

	if (f == NULL) {
		print_message("SKIP: NDES fixture %s is absent\n", path);
		skip();
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(ns_certrep_parse(NULL, buf, len, &rep, &err), 0);
	assert_int_equal(rep->msg_type, 3);
	assert_int_equal(rep->pki_status, 2);
	assert_int_equal(rep->fail_info, 2);
	assert_true(rep->sha1);
	assert_string_equal(rep->txid, "9CB1CB998B7FCC0142297B492988AFB4");
	assert_string_equal(rep->hresult_text, "-2147024809");
	assert_true(rep->have_hresult);
	assert_int_equal(rep->hresult, 0x80070057);
	assert_int_equal(rep->content_len, 1);
	assert_int_equal(rep->content[0], 0x00);
	desc = ns_mserr_describe(rep, rep->fail_info, rep->have_hresult, rep->hresult, rep->fail_text);
	assert_non_null(strstr(desc, "badRequest, 0x80070057 E_INVALIDARG"));
	/* its signer is not ours: refused with a clear message, no crash */
	assert_int_equal(ns_certrep_verify(rep, w->signers, w->ca, NULL, NS_CERTREP_ALLOW_SHA1, 0, &err), -1);
	assert_non_null(strstr(err.msg, "refresh-ca"));
	talloc_free(rep);
}

/* Server text that reaches an error message (here a transactionID with a
 * terminal escape and a bell) must not carry control characters into
 * certmonger's ca-error and "getcert list" (err.c now blanks them all). */
static void test_control_chars_in_message(void **state)
{
	struct world *w = *state;
	struct sb_msg m = reply(w, "3");
	struct ns_err err;
	size_t i;

	m.txid = "X\x1b[2J\x07\tY";
	assert_int_equal(run(w, &m, NULL, NULL, NS_CERTREP_ALLOW_SHA1, NULL, &err), 3);
	assert_non_null(strstr(err.msg, "another transaction"));
	for (i = 0; err.msg[i] != '\0'; i++)
		assert_true((unsigned char)err.msg[i] >= 0x20 && err.msg[i] != 0x7f);
	assert_non_null(strstr(err.msg, "X [2J  Y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_pending_and_failure),
		cmocka_unit_test(test_sha256_signed),
		cmocka_unit_test(test_sha1_policy),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_wrong_nonce_txid_type_status),
		cmocka_unit_test(test_signer_trust),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_real_ndes_failure),
		cmocka_unit_test(test_control_chars_in_message),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
