/* SPDX-License-Identifier: GPL-3.0-or-later */
/* otp.c: password file checks, admin URL, credentials, the meaning of each
 * admin page answer, and a real fetch over loopback HTTP. */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <talloc.h>
#include <openssl/x509v3.h>

#include "ns.h"
#include "otp.h"
#include "x509util.h"
#include "../lib/testsrv.h"
#include "status.h"

static char tmpdir[] = "/tmp/ns-test-otp-XXXXXX";

static char *write_file(TALLOC_CTX *mem, const char *name, const char *text, mode_t mode)
{
	char *path = talloc_asprintf(mem, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_read_secret(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_err err;
	char *pw, *p;

	ns_err_clear(&err);
	p = write_file(mem, "pw644", "Secr3t!\n", 0644);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "mode 0644"));
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_null(strstr(err.msg, "Secr3t"));
	assert_null(pw);

	p = write_file(mem, "pw640", "Secr3t!\n", 0640);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), -1);
	assert_non_null(strstr(err.msg, "mode 0640"));
	p = write_file(mem, "pw604", "Secr3t!\n", 0604);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), -1);

	p = write_file(mem, "pw600", "Secr3t!\n", 0600);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), 0);
	assert_string_equal(pw, "Secr3t!");
	p = write_file(mem, "pw400", "Secr3t!", 0400);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), 0);
	assert_string_equal(pw, "Secr3t!");
	p = write_file(mem, "pwcrlf", "a b c\r\n", 0600);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), 0);
	assert_string_equal(pw, "a b c");

	/* only one newline is stripped; two lines, empty, NUL: refused */
	p = write_file(mem, "pw2nl", "Secr3t!\n\n", 0600);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), -1);
	assert_non_null(strstr(err.msg, "one line"));
	p = write_file(mem, "pwempty", "\n", 0600);
	assert_int_equal(ns_otp_read_secret(mem, p, "password file", &pw, &err), -1);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(ns_otp_read_secret(mem, tmpdir, "password file", &pw, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(ns_otp_read_secret(mem, "/nonexistent/pw", "password file", &pw, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	talloc_free(mem);
}

static void test_admin_url(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_config *cfg = ns_config_defaults(mem);
	struct ns_err err;

	ns_err_clear(&err);
	assert_null(ns_otp_admin_url(mem, cfg, &err));
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	cfg->url = "http://ndes.example.com/certsrv/mscep/mscep.dll";
	assert_string_equal(ns_otp_admin_url(mem, cfg, &err),
			    "https://ndes.example.com/certsrv/mscep_admin/");
	cfg->url = "http://ndes.example.com:8080/certsrv/mscep/mscep.dll/pkiclient.exe";
	assert_string_equal(ns_otp_admin_url(mem, cfg, &err),
			    "https://ndes.example.com/certsrv/mscep_admin/");
	cfg->url = "https://ndes.example.com:8443/certsrv/mscep/mscep.dll";
	assert_string_equal(ns_otp_admin_url(mem, cfg, &err),
			    "https://ndes.example.com:8443/certsrv/mscep_admin/");
	cfg->admin_url = "http://other/certsrv/mscep_admin/";
	assert_string_equal(ns_otp_admin_url(mem, cfg, &err), "http://other/certsrv/mscep_admin/");
	talloc_free(mem);
}

static void test_auth(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_config *cfg = ns_config_defaults(mem);
	struct ns_ctx ctx = { .cfg = cfg };
	struct ns_http_auth *a;
	struct ns_err err;

	ns_err_clear(&err);
	/* any, nobody configured: Kerberos */
	assert_int_equal(ns_otp_auth(mem, &ctx, "https://h/", &a, &err), 0);
	assert_int_equal(a->auth, NS_AUTH_NEGOTIATE);
	assert_null(a->user);

	cfg->user = "EXAMPLE\\alice";
	cfg->password_file = write_file(mem, "apw", "Secr3t!\n", 0600);
	assert_int_equal(ns_otp_auth(mem, &ctx, "https://h/", &a, &err), 0);
	assert_int_equal(a->auth, NS_AUTH_NTLM);
	assert_string_equal(a->user, "EXAMPLE\\alice");
	assert_string_equal(a->password, "Secr3t!");

	cfg->auth = NS_AUTH_BASIC;
	assert_int_equal(ns_otp_auth(mem, &ctx, "http://h/", &a, &err), -1);
	assert_non_null(strstr(err.msg, "https"));
	assert_int_equal(ns_otp_auth(mem, &ctx, "https://h/", &a, &err), 0);
	assert_int_equal(a->auth, NS_AUTH_BASIC);

	cfg->auth = NS_AUTH_NTLM;
	cfg->password_file = NULL;
	assert_int_equal(ns_otp_auth(mem, &ctx, "https://h/", &a, &err), -1);
	assert_non_null(strstr(err.msg, "password-file"));

	/* negotiate with a keytab: the environment MIT krb5 reads */
	cfg->auth = NS_AUTH_NEGOTIATE;
	cfg->keytab = "/etc/krb5.keytab";
	unsetenv("KRB5CCNAME");
	assert_int_equal(ns_otp_auth(mem, &ctx, "https://h/", &a, &err), 0);
	assert_int_equal(a->auth, NS_AUTH_NEGOTIATE);
	assert_null(a->user);
	assert_string_equal(getenv("KRB5_CLIENT_KTNAME"), "/etc/krb5.keytab");
	assert_string_equal(getenv("KRB5CCNAME"), "MEMORY:ndes-submit");
	cfg->ccache = "FILE:/tmp/cc";
	assert_int_equal(ns_otp_auth(mem, &ctx, "https://h/", &a, &err), 0);
	assert_string_equal(getenv("KRB5CCNAME"), "FILE:/tmp/cc");
	talloc_free(mem);
}

static struct ns_http_reply *reply_of(TALLOC_CTX *mem, long status, const char *body,
				      const char *www_auth)
{
	struct ns_http_reply *r = talloc_zero(mem, struct ns_http_reply);

	r->status = status;
	r->body = (unsigned char *)talloc_strdup(r, body);
	r->len = strlen(body);
	r->www_authenticate = www_auth != NULL ? talloc_strdup(r, www_auth) : NULL;
	return r;
}

static void judge(TALLOC_CTX *mem, long status, const char *body, const char *www,
		  enum ns_cause want, const char *want_text)
{
	struct ns_http_auth auth = { .auth = NS_AUTH_NTLM, .user = "EXAMPLE\\alice",
				     .password = "Secr3t!" };
	struct ns_otp *otp = NULL;
	struct ns_err err;

	ns_err_clear(&err);
	assert_int_equal(ns_otp_judge(mem, reply_of(mem, status, body, www), &auth, &otp, &err),
			 want == NS_CAUSE_NONE ? 0 : -1);
	assert_int_equal(err.cause, want);
	if (want_text != NULL && want != NS_CAUSE_NONE) {
		if (strstr(err.msg, want_text) == NULL)
			fail_msg("\"%s\" lacks \"%s\"", err.msg, want_text);
	}
	assert_null(strstr(err.msg, "Secr3t"));
}

static void test_judge(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_otp *otp = NULL;
	struct ns_err err;

	judge(mem, 401, "", "Negotiate, NTLM", NS_CAUSE_OTP_CREDENTIALS, "offers: Negotiate, NTLM");
	judge(mem, 401, "", NULL, NS_CAUSE_OTP_CREDENTIALS, "EXAMPLE\\alice");
	judge(mem, 403, "<h1>Forbidden</h1>", NULL, NS_CAUSE_OTP_PERMISSION, "Forbidden");
	judge(mem, 404, "", NULL, NS_CAUSE_OTP_DISABLED, "Intune");
	judge(mem, 500, "", NULL, NS_CAUSE_OTP_SERVER, "events 2 and 49");
	judge(mem, 503, "<p>busy</p>", NULL, NS_CAUSE_OTP_SERVER, "HTTP 503");
	judge(mem, 302, "", NULL, NS_CAUSE_OTP_NO_PASSWORD, "HTTP status 302");
	judge(mem, 200, "<HTML><P> The password cache is full. </HTML>", NULL,
	      NS_CAUSE_OTP_CACHE_FULL, "at most 5 unused passwords");
	judge(mem, 200, "<HTML><P> The password cache is full. </HTML>", NULL,
	      NS_CAUSE_OTP_CACHE_FULL, "60 minutes");
	judge(mem, 200, "<P> You do not have sufficient permission to enroll with SCEP.", NULL,
	      NS_CAUSE_OTP_PERMISSION, "no permission");
	judge(mem, 200, "<html><body><h1>Welcome to the <i>proxy</i></h1></body></html>", NULL,
	      NS_CAUSE_OTP_NO_PASSWORD, "no password found on the page: Welcome to the proxy");
	/* a password we cannot recognise (odd length) is not shown */
	judge(mem, 200, "<p>Password: 8CE317021F69006</p>", NULL, NS_CAUSE_OTP_NO_PASSWORD,
	      "Password: [hex]");
	judge(mem, 200, "", NULL, NS_CAUSE_OTP_NO_PASSWORD, "(empty page)");

	ns_err_clear(&err);
	assert_int_equal(ns_otp_judge(mem, reply_of(mem, 200, "<B>A656FA66 AB12B433 A2DA5CF7 CC153D9A"
						    "</B><B>8CE317021F690069</B>", NULL),
				      NULL, &otp, &err), 0);
	assert_int_equal(err.cause, NS_CAUSE_NONE);
	assert_string_equal(otp->password, "8CE317021F690069");
	assert_string_equal(otp->thumbprint, "A656FA66 AB12B433 A2DA5CF7 CC153D9A");
	talloc_free(mem);
}

static void test_exit_codes(void **state)
{
	/* "ndes-submit otp": success, no reply, settings, then the admin page's answers. */
	static const enum ns_cause otp_causes[] = {
		NS_CAUSE_NONE, NS_CAUSE_HTTP_CONNECT, NS_CAUSE_CONFIG, NS_CAUSE_OTP_CREDENTIALS,
		NS_CAUSE_OTP_PERMISSION, NS_CAUSE_OTP_CACHE_FULL, NS_CAUSE_OTP_DISABLED,
		NS_CAUSE_OTP_SERVER, NS_CAUSE_OTP_NO_PASSWORD,
	};
	int seen[64] = { 0 };
	size_t f;

	assert_int_equal(ns_outcome_status(NS_OPC_OTP, NS_CAUSE_NONE), 0);
	assert_int_equal(ns_outcome_status(NS_OPC_OTP, NS_CAUSE_HTTP_CONNECT), 3);
	assert_int_equal(ns_outcome_status(NS_OPC_OTP, NS_CAUSE_CONFIG), 4);
	assert_int_equal(ns_outcome_status(NS_OPC_OTP, NS_CAUSE_OTP_CREDENTIALS), 10);
	for (f = 0; f < sizeof(otp_causes) / sizeof(otp_causes[0]); f++) {
		int c = ns_outcome_status(NS_OPC_OTP, otp_causes[f]);
		assert_true(c >= 0 && c < 64);
		assert_int_equal(seen[c], 0);	/* each failure has its own status */
		seen[c] = 1;
	}
}

static void test_thumbprint(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	const char *path = NS_FIXTURES_DIR "/getcacert-cats-ca.der";
	unsigned char buf[8192];
	STACK_OF(X509) *certs = NULL;
	struct ns_err err;
	char *desc = NULL, *tp = NULL;
	size_t n;
	int i;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		print_message("SKIP: fixture %s absent\n", path);
		talloc_free(mem);
		skip();
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(ns_certs_parse(buf, n, &certs, &err), 0);
	for (i = 0; i < sk_X509_num(certs); i++)
		if (X509_check_ca(sk_X509_value(certs, i)) > 0)
			tp = ns_cert_ndes_thumbprint(mem, sk_X509_value(certs, i));
	assert_non_null(tp);
	assert_true(ns_otp_thumbprint_matches(mem, tp, certs, &desc));
	/* lower case and other spacing still match */
	for (i = 0; tp[i] != '\0'; i++)
		tp[i] = (char)tolower((unsigned char)tp[i]);
	assert_true(ns_otp_thumbprint_matches(mem, tp, certs, &desc));
	assert_false(ns_otp_thumbprint_matches(mem, "A656FA66 AB12B433 A2DA5CF7 CC153D9A", certs, &desc));
	assert_non_null(strstr(desc, "cats-ca"));
	sk_X509_pop_free(certs, X509_free);
	talloc_free(mem);
}

/* The whole fetch over real HTTP on loopback. */
static void test_fetch_loopback(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_config *cfg = ns_config_defaults(mem);
	struct ns_ctx ctx = { .cfg = cfg };
	struct testsrv srv;
	struct ns_otp *otp = NULL;
	struct ns_err err;
	static const struct { const char *mode; enum ns_cause fail; } cases[] = {
		{ "cache-full", NS_CAUSE_OTP_CACHE_FULL }, { "401", NS_CAUSE_OTP_CREDENTIALS },
		{ "404", NS_CAUSE_OTP_DISABLED }, { "500", NS_CAUSE_OTP_SERVER },
	};
	size_t i;

	ns_err_clear(&err);
	cfg->timeout = 10;
	assert_int_equal(ts_start(&srv, ts_admin_page, "password"), 0);
	cfg->admin_url = talloc_asprintf(mem, "http://127.0.0.1:%d/certsrv/mscep_admin/", srv.port);
	assert_int_equal(ns_otp_fetch(mem, &ctx, &otp, &err), 0);
	assert_string_equal(otp->password, "0000000000000001");
	assert_string_equal(otp->thumbprint, "A656FA66 AB12B433 A2DA5CF7 CC153D9A");
	assert_int_equal(ts_count(&srv), 1);
	ts_stop(&srv);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ts_start(&srv, ts_admin_page, (void *)cases[i].mode), 0);
		cfg->admin_url = talloc_asprintf(mem, "http://127.0.0.1:%d/certsrv/mscep_admin/",
						 srv.port);
		assert_int_equal(ns_otp_fetch(mem, &ctx, &otp, &err), -1);
		assert_int_equal(err.cause, cases[i].fail);
		ts_stop(&srv);
	}
	/* nobody listening: unreachable */
	assert_int_equal(ns_otp_fetch(mem, &ctx, &otp, &err), -1);
	assert_int_equal(ns_outcome_status(NS_OPC_OTP, err.cause), 3);	/* unreachable */
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	talloc_free(mem);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_secret),
		cmocka_unit_test(test_admin_url),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_thumbprint),
		cmocka_unit_test(test_fetch_loopback),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
