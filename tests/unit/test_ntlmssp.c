/* SPDX-License-Identifier: GPL-3.0-or-later */
/* otp_ntlmssp.c: gss-ntlmssp's credential line for both user forms, the
 * refusals, the in-memory file NTLM_USER_FILE points at (and that it goes
 * with its owner), and finding the mechanism in a GSS-API configuration. */
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

#include "otp.h"

static void test_line(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_err err;
	char *line = NULL;

	(void)state;
	assert_int_equal(ns_otp_ntlmssp_line(mem, "EXAMPLE\\alice", "Secr3t!", &line, &err), 0);
	assert_string_equal(line, "EXAMPLE:alice:Secr3t!\n");
	assert_int_equal(ns_otp_ntlmssp_line(mem, "alice@example.test", "pw", &line, &err), 0);
	assert_string_equal(line, ":alice@example.test:pw\n");
	/* gss-ntlmssp cannot hold a ':' in the password: refused, not cut */
	ns_err_clear(&err);
	assert_int_equal(ns_otp_ntlmssp_line(mem, "EXAMPLE\\alice", "pa:ss", &line, &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_CONFIG);
	assert_non_null(strstr(err.msg, "contains ':'"));
	assert_null(strstr(err.msg, "pa:ss"));
	assert_null(line);
	assert_int_equal(ns_otp_ntlmssp_line(mem, "EXAMPLE\\", "pw", &line, &err), -1);
	assert_int_equal(ns_otp_ntlmssp_line(mem, "", "pw", &line, &err), -1);
	assert_int_equal(ns_otp_ntlmssp_line(mem, "a:b", "pw", &line, &err), -1);
	talloc_free(mem);
}

static void test_setup(void **state)
{
	TALLOC_CTX *owner = talloc_new(NULL);
	struct ns_err err;
	const char *path;
	char buf[128];
	FILE *fp;
	size_t n;

	(void)state;
	unsetenv("NTLM_USER_FILE");
	ns_err_clear(&err);
	assert_int_equal(ns_otp_ntlmssp_setup(owner, "EXAMPLE\\bob", "Bob-Pw1!", &err), 0);
	path = getenv("NTLM_USER_FILE");
	assert_non_null(path);
	assert_non_null(strstr(path, "/proc/self/fd/"));
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_string_equal(buf, "EXAMPLE:bob:Bob-Pw1!\n");
	/* Kerberos pointed at empty caches: SPNEGO must pick NTLM */
	assert_string_equal(getenv("KRB5CCNAME"), "MEMORY:ndes-submit-no-kerberos");
	talloc_free(owner);
	assert_null(getenv("NTLM_USER_FILE"));
	/* a refused password sets nothing */
	owner = talloc_new(NULL);
	assert_int_equal(ns_otp_ntlmssp_setup(owner, "EXAMPLE\\bob", "a:b", &err), -1);
	assert_null(getenv("NTLM_USER_FILE"));
	talloc_free(owner);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_module(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char dir[] = "/tmp/ns-gss-XXXXXX", *p, *so;

	(void)state;
	assert_non_null(mkdtemp(dir));
	p = talloc_asprintf(mem, "%s/mech.d", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_null(ns_otp_ntlmssp_module(mem, dir));
	so = talloc_asprintf(mem, "%s/gssntlmssp.so", dir);
	/* registered, but the module is not there: not usable */
	write_file(talloc_asprintf(mem, "%s/mech.d/ntlm.conf", dir),
		   talloc_asprintf(mem, "# comment\ngssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n", so));
	assert_null(ns_otp_ntlmssp_module(mem, dir));
	write_file(so, "");
	assert_string_equal(ns_otp_ntlmssp_module(mem, dir), so);
	/* only *.conf files count */
	unlink(talloc_asprintf(mem, "%s/mech.d/ntlm.conf", dir));
	write_file(talloc_asprintf(mem, "%s/mech.d/ntlm.conf.off", dir),
		   talloc_asprintf(mem, "gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n", so));
	assert_null(ns_otp_ntlmssp_module(mem, dir));
	/* the single-file form, DIR/mech; another mechanism does not count */
	write_file(talloc_asprintf(mem, "%s/mech", dir),
		   talloc_asprintf(mem, "other 1.2.3.4 %s\ngssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n",
				   so, so));
	assert_string_equal(ns_otp_ntlmssp_module(mem, dir), so);
	unlink(talloc_asprintf(mem, "%s/mech", dir));
	unlink(talloc_asprintf(mem, "%s/mech.d/ntlm.conf.off", dir));
	unlink(so);
	rmdir(p);
	rmdir(dir);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
