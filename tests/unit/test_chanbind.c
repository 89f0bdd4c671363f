/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chanbind.c: which libcurl can send IIS Extended Protection's channel
 * binding for which auth, from plain version/feature values; and the admin
 * page's 401 message that follows from it (otp.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>
#include <curl/curl.h>

#include "chanbind.h"
#include "otp.h"

static const struct ns_cb_curl curl_deb11 = { 0x074a00, "7.74.0", true, true, "OpenSSL/1.1.1w" };
static const struct ns_cb_curl curl_deb12 = { 0x075801, "7.88.1", true, true, "OpenSSL/3.0.19" };
static const struct ns_cb_curl curl_deb13 = { 0x080e01, "8.14.1", true, true, "OpenSSL/3.5.1" };
static const struct ns_cb_curl curl_8_10 = { 0x080a00, "8.10.0", true, true, "OpenSSL/3.3.2" };
static const struct ns_cb_curl curl_8_9 = { 0x080901, "8.9.1", true, true, "OpenSSL/3.3.1" };
static const struct ns_cb_curl curl_8_17 = { 0x081100, "8.17.0", true, true, "OpenSSL/3.5.4" };
static const struct ns_cb_curl curl_8_18 = { 0x081200, "8.18.0", true, true, "OpenSSL/3.5.4" };
static const struct ns_cb_curl curl_gnutls = { 0x080e01, "8.14.1", true, true, "GnuTLS/3.8.9" };
static const struct ns_cb_curl curl_nogss = { 0x080e01, "8.14.1", false, false, "OpenSSL/3.5.1" };
static const struct ns_cb_curl curl_nossl = { 0x080e01, "8.14.1", true, true, NULL };

static enum ns_cb_can judge(const struct ns_cb_curl *c, enum ns_auth a, bool https,
			    enum ns_cb_why want_why)
{
	enum ns_cb_why why = (enum ns_cb_why)-1;
	enum ns_cb_can can = ns_cb_judge(c, a, https, &why);

	assert_int_equal(why, want_why);
	return can;
}

static void test_matrix(void **state)
{
	(void)state;
	/* Negotiate: 8.10 and later over OpenSSL, except 8.17.0 */
	assert_int_equal(judge(&curl_deb13, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_SENT), NS_CB_YES);
	assert_int_equal(judge(&curl_8_10, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_SENT), NS_CB_YES);
	assert_int_equal(judge(&curl_8_18, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_SENT), NS_CB_YES);
	assert_int_equal(judge(&curl_8_9, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_OLD_CURL), NS_CB_NO);
	assert_int_equal(judge(&curl_deb12, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_OLD_CURL), NS_CB_NO);
	assert_int_equal(judge(&curl_deb11, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_OLD_CURL), NS_CB_NO);
	assert_int_equal(judge(&curl_8_17, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_CURL_8_17_0),
			 NS_CB_NO);
	assert_int_equal(judge(&curl_gnutls, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_TLS_BACKEND),
			 NS_CB_NO);
	assert_int_equal(judge(&curl_nossl, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_TLS_BACKEND),
			 NS_CB_NO);
	assert_int_equal(judge(&curl_nogss, NS_AUTH_NEGOTIATE, true, NS_CB_WHY_NO_SPNEGO), NS_CB_NO);
	/* "any" goes as libcurl's pick, Negotiate */
	assert_int_equal(judge(&curl_deb13, NS_AUTH_ANY, true, NS_CB_WHY_SENT), NS_CB_YES);
	assert_int_equal(judge(&curl_deb12, NS_AUTH_ANY, true, NS_CB_WHY_OLD_CURL), NS_CB_NO);
	/* libcurl's NTLM: never */
	assert_int_equal(judge(&curl_deb13, NS_AUTH_NTLM, true, NS_CB_WHY_NTLM), NS_CB_NO);
	assert_int_equal(judge(&curl_8_18, NS_AUTH_NTLM, true, NS_CB_WHY_NTLM), NS_CB_NO);
	/* no EPA over http, nor for Basic */
	assert_int_equal(judge(&curl_deb13, NS_AUTH_NTLM, false, NS_CB_WHY_PLAIN_HTTP),
			 NS_CB_NOT_APPLICABLE);
	assert_int_equal(judge(&curl_deb13, NS_AUTH_NEGOTIATE, false, NS_CB_WHY_PLAIN_HTTP),
			 NS_CB_NOT_APPLICABLE);
	assert_int_equal(judge(&curl_deb13, NS_AUTH_BASIC, true, NS_CB_WHY_BASIC),
			 NS_CB_NOT_APPLICABLE);
}

static void test_tls_backends(void **state)
{
	static const struct {
		const char *ssl;
		enum ns_cb_can want;
	} cases[] = {
		{ "OpenSSL/1.1.1k", NS_CB_YES },
		{ "LibreSSL/3.9.2", NS_CB_YES },
		{ "BoringSSL", NS_CB_YES },
		{ "AWS-LC/1.34.2", NS_CB_YES },
		{ "quictls/3.1.4", NS_CB_YES },
		{ "NSS/3.90", NS_CB_NO },
		{ "mbedTLS/3.6.0", NS_CB_NO },
		{ "wolfSSL/5.7.0", NS_CB_NO },
		{ "rustls-ffi/0.14.0/rustls/0.23", NS_CB_NO },
		/* MultiSSL: the selected backend is the one not in parentheses */
		{ "OpenSSL/3.0.13 (GnuTLS/3.8.3)", NS_CB_YES },
		{ "(OpenSSL/3.0.13) GnuTLS/3.8.3", NS_CB_NO },
		/* none selected yet: the first is the default */
		{ "(OpenSSL/3.0.13) (GnuTLS/3.8.3)", NS_CB_YES },
		{ "(GnuTLS/3.8.3) (OpenSSL/3.0.13)", NS_CB_NO },
		{ "", NS_CB_NO },
		{ "()", NS_CB_NO },
		{ "OpenSSL", NS_CB_NO },
	};
	struct ns_cb_curl c = curl_deb13;
	enum ns_cb_why why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.ssl_version = cases[i].ssl;
		if (ns_cb_judge(&c, NS_AUTH_NEGOTIATE, true, &why) != cases[i].want)
			fail_msg("ssl_version \"%s\": expected %d", cases[i].ssl, cases[i].want);
	}
}

static void expect(const char *text, const char *part)
{
	if (text == NULL || strstr(text, part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", text != NULL ? text : "(null)", part);
}

static void reject(const char *text, const char *part)
{
	if (text != NULL && strstr(text, part) != NULL)
		fail_msg("\"%s\" has \"%s\"", text, part);
}

static void test_texts(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);

	(void)state;
	expect(ns_cb_reason(mem, &curl_deb12, NS_CB_WHY_OLD_CURL), "libcurl 7.88.1");
	expect(ns_cb_reason(mem, &curl_deb12, NS_CB_WHY_OLD_CURL), "8.10 or later");
	expect(ns_cb_reason(mem, &curl_gnutls, NS_CB_WHY_TLS_BACKEND), "GnuTLS/3.8.9");
	expect(ns_cb_reason(mem, &curl_8_17, NS_CB_WHY_CURL_8_17_0), "8.18.0");
	expect(ns_cb_reason(mem, &curl_deb13, NS_CB_WHY_NTLM), "NTLM never");
	expect(ns_cb_instead(mem, &curl_deb13), "auth = negotiate with Kerberos");
	expect(ns_cb_instead(mem, &curl_deb13), "libcurl 8.14.1 sends");
	expect(ns_cb_instead(mem, &curl_deb12), "Accept or Off on mscep_admin");
	reject(ns_cb_instead(mem, &curl_deb12), "7.88.1 sends");
	talloc_free(mem);
}

static void test_running(void **state)
{
	struct ns_cb_curl c;

	(void)state;
	ns_cb_curl_running(&c);
	assert_int_equal(c.version_num, curl_version_info(CURLVERSION_NOW)->version_num);
	assert_non_null(c.version);
}

static const char *msg_401(TALLOC_CTX *mem, const struct ns_cb_curl *c, enum ns_auth a,
			   const char *user, bool https, const char *offered)
{
	/* ntlm-gssapi hands libcurl no user: gss-ntlmssp has it */
	bool gss = a == NS_AUTH_NTLM_GSSAPI;
	struct ns_http_auth auth = { .auth = a, .user = gss ? NULL : user,
				     .password = user != NULL && !gss ? "Secr3t!" : NULL,
				     .gss_user = gss ? user : NULL };
	struct ns_http_reply reply = { .status = 401, .body = (unsigned char *)"",
				       .www_authenticate = (char *)offered };
	struct ns_otp *otp = NULL;
	struct ns_err err;

	ns_err_clear(&err);
	assert_int_equal(ns_otp_judge_at(mem, &reply, &auth, https, c, &otp, &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_OTP_CREDENTIALS);
	reject(err.msg, "Secr3t");
	return talloc_strdup(mem, err.msg);
}

static void test_401(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	const char *m;

	(void)state;
	/* NTLM over https, a libcurl whose Kerberos can bind: say so */
	m = msg_401(mem, &curl_deb13, NS_AUTH_NTLM, "EXAMPLE\\alice", true, "Negotiate, NTLM");
	expect(m, "wrong credentials (HTTP 401) for user \"EXAMPLE\\alice\", tried NTLM");
	expect(m, "Either user or password-file is wrong, or IIS has Extended Protection set to "
	       "Required on mscep_admin, which refuses with this same 401");
	expect(m, "libcurl's own NTLM never sends a channel binding");
	expect(m, "Works there instead: auth = negotiate with Kerberos (keytab or ccache), "
	       "or auth = ntlm-gssapi with gss-ntlmssp installed: libcurl 8.14.1 sends the "
	       "binding with both");
	/* NTLM through GSS-API: no EPA clause where this libcurl binds ... */
	m = msg_401(mem, &curl_deb13, NS_AUTH_NTLM_GSSAPI, "EXAMPLE\\alice", true,
		    "Negotiate, NTLM");
	expect(m, "for user \"EXAMPLE\\alice\", tried NTLM through GSS-API (gss-ntlmssp inside "
	       "Negotiate)");
	expect(m, "Check user and password-file.");
	reject(m, "Extended Protection");
	/* ... and the reason where it does not */
	m = msg_401(mem, &curl_deb12, NS_AUTH_NTLM_GSSAPI, "EXAMPLE\\alice", true,
		    "Negotiate, NTLM");
	expect(m, "Either user or password-file is wrong, or IIS has Extended Protection set to "
	       "Required");
	expect(m, "libcurl 7.88.1 sends no channel binding");
	/* ... and one that cannot */
	m = msg_401(mem, &curl_deb12, NS_AUTH_NTLM, "EXAMPLE\\alice", true, "Negotiate, NTLM");
	expect(m, "Extended Protection set to Required");
	expect(m, "Accept or Off on mscep_admin");
	/* "any" with a password where only NTLM is offered went as NTLM */
	m = msg_401(mem, &curl_deb13, NS_AUTH_ANY, "EXAMPLE\\alice", true, "NTLM");
	expect(m, "tried NTLM");
	expect(m, "Extended Protection");
	/* NTLM not offered: no handshake happened, EPA is not the cause */
	m = msg_401(mem, &curl_deb13, NS_AUTH_NTLM, "EXAMPLE\\alice", true, "Negotiate");
	reject(m, "Extended Protection");
	/* plain http: no EPA */
	m = msg_401(mem, &curl_deb13, NS_AUTH_NTLM, "EXAMPLE\\alice", false, "Negotiate, NTLM");
	reject(m, "Extended Protection");
	expect(m, "Check user and password-file.");
	/* Kerberos with a libcurl that cannot bind */
	m = msg_401(mem, &curl_deb12, NS_AUTH_NEGOTIATE, NULL, true, "Negotiate, NTLM");
	expect(m, "for the current Kerberos identity, tried Kerberos (Negotiate): check the ticket");
	expect(m, "Or IIS has Extended Protection set to Required on mscep_admin, which refuses "
	       "with this same 401: libcurl 7.88.1 sends no channel binding");
	expect(m, "Works there instead: ask the NDES admin for Extended Protection Accept or Off");
	reject(m, "password-file");
	m = msg_401(mem, &curl_8_17, NS_AUTH_NEGOTIATE, NULL, true, "Negotiate");
	expect(m, "lost in 8.17.0");
	/* Kerberos with one that can: EPA is not the explanation */
	m = msg_401(mem, &curl_deb13, NS_AUTH_NEGOTIATE, NULL, true, "Negotiate, NTLM");
	reject(m, "Extended Protection");
	expect(m, "klist");
	/* "any" with a password and Kerberos where Negotiate is offered: Kerberos */
	m = msg_401(mem, &curl_deb12, NS_AUTH_ANY, "EXAMPLE\\alice", true, "Negotiate, NTLM");
	expect(m, "tried Kerberos (Negotiate)");
	expect(m, "7.88.1 sends no channel binding");
	/* Basic: no EPA */
	m = msg_401(mem, &curl_deb13, NS_AUTH_BASIC, "alice", true, "Basic");
	reject(m, "Extended Protection");
	/* every variant fits the message buffer */
	m = msg_401(mem, &curl_gnutls, NS_AUTH_ANY, "EXAMPLE\\a-rather-long-service-account-name",
		    true, "Negotiate, NTLM");
	expect(m, "Works there instead: ask the NDES admin");
	talloc_free(mem);
}

static void test_offers(void **state)
{
	(void)state;
	assert_true(ns_otp_offers("Negotiate, NTLM", "NTLM"));
	assert_true(ns_otp_offers("Negotiate, NTLM", "negotiate"));
	assert_false(ns_otp_offers("Negotiate", "NTLM"));
	assert_false(ns_otp_offers("NTLMv2", "NTLM"));
	assert_false(ns_otp_offers(NULL, "NTLM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_tls_backends),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_401),
		cmocka_unit_test(test_offers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
