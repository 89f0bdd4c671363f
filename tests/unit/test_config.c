/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config.c: defaults, options, the configuration file, precedence, argv
 * permutation around subcommands, and clear errors for bad values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ns.h"	/* settings.h (was src/config.h) and the rest */
#include "servers.h"
#include "status.h"

#define FP "2FCD0A56BA6C8F893383027BF0AFED2468EA4D57FE5E2650306D0B6DEED4391D"
#define FP_COLONS "2f:cd:0a:56:ba:6c:8f:89:33:83:02:7b:f0:af:ed:24:68:ea:4d:57:fe:5e:26:50:30:6d:0b:6d:ee:d4:39:1d"

struct run {
	struct ns_config *cfg;
	int first;
	int argc;
	char *argv[64];
	struct ns_err err;
	int rc;
};

/* Runs ns_config_load on a NULL-terminated list of arguments. */
static void load(TALLOC_CTX *mem, struct run *r, ...)
{
	va_list ap;
	const char *a;

	memset(r, 0, sizeof(*r));
	r->argv[r->argc++] = (char *)"ndes-submit";
	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) != NULL && r->argc < 63)
		r->argv[r->argc++] = (char *)a;
	va_end(ap);
	r->rc = ns_config_load(mem, r->argc, r->argv, &r->cfg, &r->first, &r->err);
}

static char *write_file(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/ns-test-config.%ld.conf", (long)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;

	load(mem, &r, NULL);
	assert_int_equal(r.rc, 0);
	assert_null(r.cfg->url);
	assert_int_equal(r.cfg->timeout, 60);
	assert_int_equal(r.cfg->connect_timeout, 10);
	assert_int_equal(r.cfg->method, NS_METHOD_AUTO);
	assert_int_equal(r.cfg->max_get_url, 2048);
	assert_int_equal(r.cfg->poll_interval, 600);
	assert_int_equal(r.cfg->retry_interval, 300);
	assert_int_equal(r.cfg->report_after, 3600);
	assert_true(r.cfg->renewal_new_key);		/* NDES replays a repeated transactionID */
	assert_true(r.cfg->renewal_subject_check);
	assert_int_equal(r.cfg->log_to, NS_LOG_TO_AUTO);
	assert_string_equal(r.cfg->log_socket, "/dev/log");
	assert_true(r.cfg->allow_sha1);
	assert_false(r.cfg->auto_otp);
	assert_int_equal(r.cfg->auth, NS_AUTH_ANY);
	assert_string_equal(r.cfg->state_dir, "/var/lib/ndes-submit");
	assert_string_equal(r.cfg->requests_dir, "/var/lib/certmonger/requests");
	assert_int_equal(r.cfg->verbose, 0);
	assert_int_equal(r.first, 1);
	assert_int_equal(ns_config_require_url(r.cfg, &r.err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &r.err), NS_UNCONFIGURED);
	assert_non_null(strstr(r.err.msg, "no SCEP URL configured"));
	talloc_free(mem);
}

static void test_options(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;

	load(mem, &r, "--url", "https://ndes.example.com/certsrv/mscep/mscep.dll", "--timeout=30",
	     "--connect-timeout", "5", "--method", "POST", "--max-get-length", "4096",
	     "--poll-interval", "120", "--retry-interval", "60", "--no-allow-sha1",
	     "--caps", "POSTPKIOperation,SHA-256,DES3", "--state-dir", "/tmp/x",
	     "--admin-url", "https://ndes.example.com/certsrv/mscep_admin/",
	     "--user", "EXAMPLE\\alice", "--password-file", "/etc/ndes-submit/pw",
	     "--auth", "ntlm", "--ccache", "FILE:/tmp/cc", "--auto-password",
	     "--certmonger-requests-dir", "/tmp/req", "--ca-fingerprint", FP_COLONS,
	     "-vvv", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.cfg->url, "https://ndes.example.com/certsrv/mscep/mscep.dll");
	assert_int_equal(r.cfg->timeout, 30);
	assert_int_equal(r.cfg->connect_timeout, 5);
	assert_int_equal(r.cfg->method, NS_METHOD_POST);
	assert_int_equal(r.cfg->max_get_url, 4096);
	assert_int_equal(r.cfg->poll_interval, 120);
	assert_int_equal(r.cfg->retry_interval, 60);
	assert_false(r.cfg->allow_sha1);
	assert_string_equal(r.cfg->caps_override, "POSTPKIOperation,SHA-256,DES3");
	assert_string_equal(r.cfg->state_dir, "/tmp/x");
	assert_string_equal(r.cfg->admin_url, "https://ndes.example.com/certsrv/mscep_admin/");
	assert_string_equal(r.cfg->user, "EXAMPLE\\alice");
	assert_string_equal(r.cfg->password_file, "/etc/ndes-submit/pw");
	assert_int_equal(r.cfg->auth, NS_AUTH_NTLM);
	assert_string_equal(r.cfg->ccache, "FILE:/tmp/cc");
	assert_true(r.cfg->auto_otp);
	assert_string_equal(r.cfg->requests_dir, "/tmp/req");
	assert_string_equal(r.cfg->ca_fingerprint, FP);
	assert_int_equal(r.cfg->verbose, 2);	/* capped */
	assert_int_equal(r.first, r.argc);
	talloc_free(mem);
}

static void test_file_and_precedence(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;
	char *path = write_file(
		"# ndes-submit configuration\n"
		"\n"
		"url = http://ndes.example.com/certsrv/mscep/mscep.dll\n"
		"  timeout=20  \n"
		"; another comment\n"
		"allow_sha1 = no\n"
		"auto-password = yes\n"
		"auth = Negotiate     # any | ntlm | negotiate | basic\n"
		"admin-url = https://ndes.example.com/certsrv/mscep_admin/#frag\n"
		"verbose = 1\n"
		"state-dir = \"/var/tmp/ndes submit\"\n"
		"ca-fingerprint = SHA256 Fingerprint=" FP_COLONS "\n");

	load(mem, &r, "--config", path, "--timeout", "7", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.cfg->url, "http://ndes.example.com/certsrv/mscep/mscep.dll");
	assert_int_equal(r.cfg->timeout, 7);		/* the option wins */
	assert_false(r.cfg->allow_sha1);
	assert_true(r.cfg->auto_otp);
	assert_int_equal(r.cfg->auth, NS_AUTH_NEGOTIATE);
	assert_string_equal(r.cfg->admin_url, "https://ndes.example.com/certsrv/mscep_admin/#frag");
	assert_int_equal(r.cfg->verbose, 1);
	assert_string_equal(r.cfg->state_dir, "/var/tmp/ndes submit");
	assert_string_equal(r.cfg->ca_fingerprint, FP);
	assert_string_equal(r.cfg->config_file, path);

	/* Options win even when they come before --config. */
	load(mem, &r, "--allow-sha1", "--config", path, "-v", "-v", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.cfg->allow_sha1);
	assert_int_equal(r.cfg->verbose, 2);
	unlink(path);
	talloc_free(mem);
}

/* url and admin-url as lists of servers (servers.h). */
static void test_servers(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	const struct ns_ctx *sc;
	struct ns_ctx ctx = { 0 };
	struct ns_err e;
	struct run r;
	char id[17];
	char *path = write_file(
		"url = http://a.example/certsrv/mscep/mscep.dll  https://b.example:8443/certsrv/mscep/mscep.dll\n");

	(void)state;
	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->nurls, 2);
	assert_int_equal(ns_servers_count(r.cfg), 2);
	assert_string_equal(r.cfg->url, "http://a.example/certsrv/mscep/mscep.dll");
	assert_string_equal(r.cfg->urls[1], "https://b.example:8443/certsrv/mscep/mscep.dll");
	assert_null(r.cfg->admin_url);
	ctx.cfg = r.cfg;
	assert_ptr_equal(ns_servers_ctx(mem, &ctx, 0), &ctx);
	sc = ns_servers_ctx(mem, &ctx, 1);
	assert_non_null(sc);
	assert_string_equal(sc->cfg->url, "https://b.example:8443/certsrv/mscep/mscep.dll");
	assert_int_equal(sc->cfg->nurls, 2);		/* the list stays whole */
	assert_string_equal(r.cfg->url, "http://a.example/certsrv/mscep/mscep.dll");	/* untouched */
	assert_null(ns_servers_ctx(mem, &ctx, 2));
	assert_int_equal(ns_servers_find(r.cfg, "https://b.example:8443/certsrv/mscep/mscep.dll"), 1);
	ns_servers_id(r.cfg->urls[1], id);
	assert_int_equal(strlen(id), 16);
	assert_int_equal(ns_servers_find(r.cfg, id), 1);
	ns_servers_id(r.cfg->urls[0], id);
	assert_int_equal(ns_servers_find(r.cfg, id), 0);
	assert_int_equal(ns_servers_find(r.cfg, "0123456789abcdef"), -1);

	/* The command line replaces the whole list; commas separate too. */
	load(mem, &r, "--config", path, "--url", "http://c.example/x,http://d.example/y",
	     "--admin-url", "https://c.example/certsrv/mscep_admin/ https://d.example/certsrv/mscep_admin/",
	     NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->nurls, 2);
	assert_string_equal(r.cfg->urls[1], "http://d.example/y");
	assert_string_equal(r.cfg->admin_url, "https://c.example/certsrv/mscep_admin/");
	ctx.cfg = r.cfg;
	sc = ns_servers_ctx(mem, &ctx, 1);
	assert_string_equal(sc->cfg->admin_url, "https://d.example/certsrv/mscep_admin/");

	/* admin-url must pair with url. */
	load(mem, &r, "--config", path, "--admin-url", "https://x/a/ https://y/a/ https://z/a/", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "one admin-url per url"));
	load(mem, &r, "--url", "http://one/x", "--admin-url", "https://x/a/ https://y/a/", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "admin-url names 2 pages"));
	load(mem, &r, "--url", "http://1/ http://2/ http://3/ http://4/ http://5/ http://6/ "
	     "http://7/ http://8/ http://9/", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "more than 8 URLs"));
	load(mem, &r, "--url", "http://a/ ftp://b/", NULL);
	assert_int_equal(r.rc, -1);
	/* One server: server 0 is the context itself. */
	load(mem, &r, "--url", "http://only/x", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(ns_servers_count(r.cfg), 1);
	ctx.cfg = r.cfg;
	assert_ptr_equal(ns_servers_ctx(mem, &ctx, 0), &ctx);

	/* Which failures send us to the next server. */
	ns_err_clear(&e);
	e.cause = NS_CAUSE_HTTP_CONNECT;
	assert_true(ns_servers_down(&e));
	e.cause = NS_CAUSE_HTTP_5XX;
	assert_true(ns_servers_down(&e));
	e.cause = NS_CAUSE_RA_EXPIRED;
	assert_false(ns_servers_down(&e));
	e.cause = NS_CAUSE_REFUSED;
	assert_false(ns_servers_down(&e));
	e.cause = NS_CAUSE_TLS;
	assert_false(ns_servers_down(&e));
	unlink(path);
	talloc_free(mem);
}

static void test_renewal_settings(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;
	char *path = write_file("renewal-key = same\nrenewal_subject_check = no\n"
				"report-after = 120\n");

	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_false(r.cfg->renewal_new_key);
	assert_false(r.cfg->renewal_subject_check);
	assert_int_equal(r.cfg->report_after, 120);
	load(mem, &r, "--config", path, "--renewal-key", "NEW", "--renewal-subject-check", "yes", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.cfg->renewal_new_key);
	assert_true(r.cfg->renewal_subject_check);
	load(mem, &r, "--renewal-key", "old", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "--renewal-key \"old\": expected new or same"));
	/* Where diagnostics go: file, then the command line. */
	path = write_file("log = syslog\nlog-socket = /run/other.sock\n");
	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->log_to, NS_LOG_TO_SYSLOG);
	assert_string_equal(r.cfg->log_socket, "/run/other.sock");
	load(mem, &r, "--config", path, "--log", "STDERR", NULL);
	assert_int_equal(r.cfg->log_to, NS_LOG_TO_STDERR);
	load(mem, &r, "--log", "journal", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "expected auto, stderr or syslog"));
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &r.err), NS_UNCONFIGURED);
	load(mem, &r, "--report-after", "0", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &r.err), NS_UNCONFIGURED);
	unlink(path);
	talloc_free(mem);
	(void)state;
}

/* The fleet's pacing of admin-page visits (backoff.h). */
static void test_fleet_settings(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;
	char *path = write_file("password-spread = 1000\ncache_full_backoff = 30\n"
				"cache-full-backoff-max = 900\n");

	load(mem, &r, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->password_spread, 0);
	assert_int_equal(r.cfg->cache_full_backoff, 60);
	assert_int_equal(r.cfg->cache_full_backoff_max, 600);
	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->password_spread, 1000);
	assert_int_equal(r.cfg->cache_full_backoff, 30);
	assert_int_equal(r.cfg->cache_full_backoff_max, 900);
	load(mem, &r, "--config", path, "--password-spread", "0", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->password_spread, 0);
	load(mem, &r, "--cache-full-backoff", "0", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &r.err), NS_UNCONFIGURED);
	load(mem, &r, "--password-spread", "86401", NULL);
	assert_int_equal(r.rc, -1);
	unlink(path);
	talloc_free(mem);
	(void)state;
}

static void test_file_errors(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;
	char *path;

	load(mem, &r, "--config", "/nonexistent/ndes-submit.conf", NULL);
	assert_int_equal(r.rc, -1);
	assert_null(r.cfg);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &r.err), NS_UNCONFIGURED);
	assert_string_equal(r.err.msg, "cannot read configuration file /nonexistent/ndes-submit.conf: "
			    "No such file or directory");

	path = write_file("url = http://h/x\n\nbogus-key = 1\n");
	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "line 3: unknown setting \"bogus-key\""));

	path = write_file("url http://h/x\n");
	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "line 1: expected \"key = value\""));

	path = write_file("timeout = soon\n");
	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "line 1: timeout \"soon\": expected a whole number"));

	/* Switch-only options have no file form. */
	path = write_file("no-allow-sha1 = yes\n");
	load(mem, &r, "--config", path, NULL);
	assert_int_equal(r.rc, -1);
	unlink(path);
	talloc_free(mem);
}

static void test_bad_values(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;

	load(mem, &r, "--url", "ndes.example.com/certsrv/mscep/mscep.dll", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &r.err), NS_UNCONFIGURED);
	assert_non_null(strstr(r.err.msg, "--url \"ndes.example.com/certsrv/mscep/mscep.dll\": "
				       "expected an http:// or https:// URL"));
	load(mem, &r, "--url", "http://h/a b", NULL);
	assert_int_equal(r.rc, -1);
	load(mem, &r, "--timeout", "0", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "--timeout \"0\""));
	load(mem, &r, "--timeout", "12x", NULL);
	assert_int_equal(r.rc, -1);
	load(mem, &r, "--method", "put", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "expected auto, get or post"));
	load(mem, &r, "--auth", "digest", NULL);
	assert_int_equal(r.rc, -1);
	load(mem, &r, "--ca-fingerprint", "ABCD", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "64 hex digits"));
	load(mem, &r, "--ca-fingerprint", FP "00", NULL);
	assert_int_equal(r.rc, -1);
	load(mem, &r, "--ca-bundle", "/nonexistent/ca.pem", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "cannot read it"));
	load(mem, &r, "--url", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "option --url needs a value");
	load(mem, &r, "--frobnicate", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "unknown option --frobnicate"));
	/* connect-timeout never exceeds the whole-request timeout */
	load(mem, &r, "--timeout", "3", "--connect-timeout", "9", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->connect_timeout, 3);
	talloc_free(mem);
}

static void test_subcommand_args(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;

	/* Global options before and after the subcommand; the subcommand's
	 * own options and arguments stay, in order, after it. */
	load(mem, &r, "-v", "otp", "--url", "http://h/x", "--show-thumbprint", "extra",
	     "--user=alice", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.cfg->url, "http://h/x");
	assert_string_equal(r.cfg->user, "alice");
	assert_int_equal(r.cfg->verbose, 1);
	assert_int_equal(r.argc - r.first, 3);
	assert_string_equal(r.argv[r.first], "otp");
	assert_string_equal(r.argv[r.first + 1], "--show-thumbprint");
	assert_string_equal(r.argv[r.first + 2], "extra");
	assert_string_equal(r.argv[0], "ndes-submit");

	/* After "--" nothing is an option. */
	load(mem, &r, "cacert", "--", "--url", "x", NULL);
	assert_int_equal(r.rc, 0);
	assert_null(r.cfg->url);
	assert_int_equal(r.argc - r.first, 3);
	assert_string_equal(r.argv[r.first], "cacert");
	assert_string_equal(r.argv[r.first + 1], "--url");
	assert_string_equal(r.argv[r.first + 2], "x");

	/* --help / --version are reported, not acted on. */
	load(mem, &r, "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.cfg->help);
	load(mem, &r, "-V", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.cfg->version);
	talloc_free(mem);
}

/* Regression (found by tests/fuzz/fuzz_argv): one element holding both our
 * short options and others ("-vX" after the subcommand) was put both among
 * our options and the subcommand's arguments; with "--" later on, the
 * counts still matched and argv came back with an element twice and "--"
 * lost. Now it is a clear error. */
static void test_mixed_short_options(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;

	load(mem, &r, "\r-url", "h", "x.dll", "-v\x04-v", "check", "--x", "--", "lk-v", "",
	     "--x", "-xA-y", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &r.err), NS_UNCONFIGURED);
	assert_non_null(strstr(r.err.msg, "mixes ndes-submit options"));
	load(mem, &r, "check", "-Vx", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "-Vx"));
	load(mem, &r, "check", "-xV", NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "-xV"));
	/* Regression (fuzz_argv, ASan heap-buffer-overflow): the options were
	 * stored one per element, so "-vvvv" wrote past the array. */
	load(mem, &r, "-vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", "check", "-VVVVVVVVVVVVVVVV", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->verbose, 2);
	assert_true(r.cfg->version);
	/* Our own options grouped stay fine. */
	load(mem, &r, "check", "-vv", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->verbose, 2);
	assert_int_equal(r.argc - r.first, 1);
	assert_string_equal(r.argv[r.first], "check");
	talloc_free(mem);
}

static void test_no_leak(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct run r;

	load(mem, &r, "--url", "http://h/x", "--user", "u", NULL);
	assert_int_equal(r.rc, 0);
	talloc_free(r.cfg);
	assert_int_equal(talloc_total_blocks(mem), 1);
	load(mem, &r, "--url", "bad", NULL);
	assert_int_equal(talloc_total_blocks(mem), 1);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_file_and_precedence),
		cmocka_unit_test(test_servers),
		cmocka_unit_test(test_renewal_settings),
		cmocka_unit_test(test_fleet_settings),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_subcommand_args),
		cmocka_unit_test(test_mixed_short_options),
		cmocka_unit_test(test_no_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
