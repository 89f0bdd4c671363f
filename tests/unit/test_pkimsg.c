/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading certmonger's outgoing pkiMessages (PEM PKCS7). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pkimsg.h"
#include "../lib/scepbuild.h"
#include "../lib/testcerts.h"
#include "x509util.h"

static const unsigned char NONCE[16] = "0123456789abcdef";

static char *pem_msg(const struct sb_msg *m)
{
	size_t len = 0;
	unsigned char *der = sb_build(m, &len);
	char *pem;

	assert_non_null(der);
	pem = ns_pkcs7_pem(NULL, der, len);
	OPENSSL_free(der);
	return pem;
}

static void test_pkcsreq(void **state)
{
	EVP_PKEY *key = tc_rsa_key_shared(1024);
	X509 *mini = tc_cert("host.example.test", key, NULL, NULL, false, TC_NO_KU, NULL, -1, 2);
	struct sb_msg m = { 0 };
	struct ns_pkimsg *msg = NULL;
	struct ns_err err;
	char *pem;

	m.signer = mini;
	m.key = key;
	m.msg_type = "19";
	m.txid = "12345678901234567890";
	m.sender_nonce = NONCE;
	pem = pem_msg(&m);
	assert_non_null(strstr(pem, "-----BEGIN PKCS7-----"));
	assert_int_equal(ns_pkimsg_parse(NULL, "CERTMONGER_PKCSREQ", (unsigned char *)pem,
					 strlen(pem), true, &msg, &err), 0);
	assert_int_equal(msg->msg_type, NS_SCEP_PKCSREQ);
	assert_string_equal(msg->txid, "12345678901234567890");
	assert_int_equal(msg->nonce_len, 16);
	assert_memory_equal(msg->nonce, NONCE, 16);
	assert_non_null(msg->signer);
	assert_int_equal(X509_cmp(msg->signer, mini), 0);
	/* the DER we send is what certmonger built */
	assert_true(msg->len > 500);
	talloc_free(msg);
	talloc_free(pem);

	/* GetCertInitial without the signer certificate */
	m.msg_type = "20";
	m.no_certs = true;
	pem = pem_msg(&m);
	assert_int_equal(ns_pkimsg_parse(NULL, "CERTMONGER_GETCERTINITIAL", (unsigned char *)pem,
					 strlen(pem), true, &msg, &err), 0);
	assert_int_equal(msg->msg_type, NS_SCEP_CERTPOLL);
	assert_null(msg->signer);
	/* and its DER parses the same way (how POLL reads it from the cookie) */
	{
		struct ns_pkimsg *again = NULL;
		assert_int_equal(ns_pkimsg_parse(NULL, "cookie", msg->der, msg->len, false, &again, &err), 0);
		assert_string_equal(again->txid, msg->txid);
		talloc_free(again);
	}
	talloc_free(msg);
	talloc_free(pem);
	X509_free(mini);
	EVP_PKEY_free(key);
}

static void test_bad_messages(void **state)
{
	EVP_PKEY *key = tc_rsa_key_shared(1024);
	X509 *mini = tc_cert("h", key, NULL, NULL, false, TC_NO_KU, NULL, -1, 2);
	struct sb_msg m = { 0 };
	struct ns_pkimsg *msg = NULL;
	struct ns_err err;
	char *pem;
	static const unsigned char short_nonce[16] = "short";

	assert_int_equal(ns_pkimsg_parse(NULL, "CERTMONGER_PKCSREQ", (unsigned char *)"junk", 4,
					 true, &msg, &err), -1);
	assert_non_null(strstr(err.msg, "CERTMONGER_PKCSREQ is not a PEM block"));
	assert_int_equal(ns_pkimsg_parse(NULL, "X", (unsigned char *)"junk", 4, false, &msg, &err), -1);
	assert_non_null(strstr(err.msg, "not a CMS"));

	m.signer = mini;
	m.key = key;
	m.msg_type = "19";
	m.sender_nonce = NONCE;	/* no transactionID */
	pem = pem_msg(&m);
	assert_int_equal(ns_pkimsg_parse(NULL, "X", (unsigned char *)pem, strlen(pem), true, &msg, &err), -1);
	assert_non_null(strstr(err.msg, "transactionID"));
	talloc_free(pem);

	m.txid = "1";
	m.msg_type = "nineteen";
	pem = pem_msg(&m);
	assert_int_equal(ns_pkimsg_parse(NULL, "X", (unsigned char *)pem, strlen(pem), true, &msg, &err), -1);
	assert_non_null(strstr(err.msg, "messageType"));
	talloc_free(pem);

	m.msg_type = "19";
	m.sender_nonce = NULL;
	pem = pem_msg(&m);
	assert_int_equal(ns_pkimsg_parse(NULL, "X", (unsigned char *)pem, strlen(pem), true, &msg, &err), -1);
	assert_non_null(strstr(err.msg, "senderNonce"));
	talloc_free(pem);
	(void)short_nonce;

	assert_int_equal(ns_pkimsg_small_int("19"), 19);
	assert_int_equal(ns_pkimsg_small_int("-1"), -1);
	assert_int_equal(ns_pkimsg_small_int(""), -1);
	assert_int_equal(ns_pkimsg_small_int("12345678"), -1);
	X509_free(mini);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkcsreq),
		cmocka_unit_test(test_bad_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
