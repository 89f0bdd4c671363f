/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Automatic passwords: finding certmonger's request by its CSR, and the
 * fetch / nudge / limit / erase decisions, against a real HTTP server on
 * loopback that counts the fetches (each costs an NDES cache slot). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <talloc.h>
#include <openssl/asn1.h>

#include "answer.h"
#include "autopw.h"
#include "backoff.h"
#include "cmreq.h"
#include "csr.h"
#include "ns.h"
#include "../lib/testcerts.h"
#include "../lib/testsrv.h"
#include "status.h"

struct fx {
	TALLOC_CTX *mem;
	char dir[64];
	char *reqdir, *pwfile, *state;
	struct ns_config *cfg;
	struct ns_ctx ctx;
	struct testsrv srv;
	EVP_PKEY *key;
};

/* certmonger's format: continuation lines start with a space. */
static char *folded(TALLOC_CTX *mem, const char *key, const char *value)
{
	char *s = talloc_asprintf(mem, "%s=", key);
	const char *p = value;

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		s = talloc_asprintf_append(s, "%s%.*s\n", p == value ? "" : " ", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
	return s;
}

static void write_request(struct fx *f, const char *name, const char *csr, const char *pwfile)
{
	char *path = talloc_asprintf(f->mem, "%s/%s", f->reqdir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "id=%s\nkey_type=RSA\nkey_storage_type=FILE\n", name);
	if (pwfile != NULL)
		fprintf(fp, "template_challenge_password_file=%s\n", pwfile);
	fputs(folded(f->mem, "csr", csr), fp);
	fputs("state=HAVE_CSR\nca_name=ndes\n", fp);
	fclose(fp);
}

static char *slurp(TALLOC_CTX *mem, const char *path)
{
	FILE *fp = fopen(path, "r");
	char buf[16384];
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return talloc_strdup(mem, buf);
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->mem = talloc_new(NULL);
	strcpy(f->dir, "/tmp/ns-test-autopw-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->reqdir = talloc_asprintf(f->mem, "%s/requests", f->dir);
	mkdir(f->reqdir, 0700);
	f->pwfile = talloc_asprintf(f->mem, "%s/pw", f->dir);
	f->state = talloc_asprintf(f->mem, "%s.ndes-submit-state", f->pwfile);
	put(f->pwfile, "");
	f->cfg = ns_config_defaults(f->mem);
	f->cfg->auto_otp = true;
	f->cfg->requests_dir = f->reqdir;
	f->cfg->timeout = 10;
	/* NTLM with a password: no Kerberos (see test_otp's fetch) */
	f->cfg->auth = NS_AUTH_NTLM;
	f->cfg->user = "EXAMPLE\\alice";
	f->cfg->password_file = talloc_asprintf(f->mem, "%s/login-pw", f->dir);
	put(f->cfg->password_file, "Secr3t!\n");
	chmod(f->cfg->password_file, 0600);
	f->ctx.cfg = f->cfg;
	if (ts_start(&f->srv, ts_admin_page, "password") != 0)
		return -1;
	f->cfg->admin_url = talloc_asprintf(f->mem, "http://127.0.0.1:%d/certsrv/mscep_admin/",
					    f->srv.port);
	f->key = tc_rsa_key(1024);
	unsetenv("CERTMONGER_CERTIFICATE");
	*state = f;
	return f->key != NULL ? 0 : -1;
}

/* certmonger's request as submit.c hands it to autopw.c: the environment
 * (CERTMONGER_CERTIFICATE as a test sets it) with this CSR. */
static struct ns_cmenv *cm(TALLOC_CTX *mem, const char *csr)
{
	struct ns_cmenv *e = ns_cmenv_read(mem);

	assert_non_null(e);
	e->csr = csr;
	return e;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ts_stop(&f->srv);
	EVP_PKEY_free(f->key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	talloc_free(f->mem);
	free(f);
	return 0;
}

static char *csr(struct fx *f, const char *pw)
{
	char *c = tc_csr_pem(f->mem, f->key, "host.example", pw, V_ASN1_PRINTABLESTRING,
			       "CERTIFICATE REQUEST");
	assert_non_null(c);
	return c;
}

/* ---- request files ---------------------------------------------------- */

static void test_real_request_file(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *text = slurp(mem, NS_TOP_SRCDIR "/tests/otp/data/certmonger-request");
	char *c, *pw = NULL;

	assert_non_null(text);
	assert_string_equal(ns_cmreq_value(mem, text, "id"), "20261125153040");
	assert_string_equal(ns_cmreq_value(mem, text, "template_challenge_password_file"),
			    "/var/lib/example/pw.txt");
	assert_string_equal(ns_cmreq_value(mem, text, "ca_name"), "ndes");
	assert_null(ns_cmreq_value(mem, text, "template_challenge_password"));
	c = ns_cmreq_value(mem, text, "csr");
	assert_non_null(c);
	assert_int_equal(strncmp(c, "-----BEGIN CERTIFICATE REQUEST-----\nMIIC8TCC", 44), 0);
	assert_int_equal(ns_csr_challenge(mem, c, &pw), 0);
	assert_string_equal(pw, "abc123");
	talloc_free(mem);
}

static void test_request_format(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	const char *text =
		"# comment\r\n"
		"ID=abc\r\n"
		"csr=-----BEGIN X-----\r\n"
		" QUJD\r\n"
		"; a comment inside does not end the value\n"
		" -----END X-----\n"
		"=template_challenge_password_file=/tmp/f\n"
		"template_challenge_password=\n"
		"empty=\n";

	assert_string_equal(ns_cmreq_value(mem, text, "id"), "abc");	/* keys ignore case */
	assert_string_equal(ns_cmreq_value(mem, text, "csr"),
			    "-----BEGIN X-----\nQUJD\n-----END X-----");
	assert_string_equal(ns_cmreq_value(mem, text, "template_challenge_password_file"), "/tmp/f");
	assert_null(ns_cmreq_value(mem, text, "template_challenge_password"));
	assert_null(ns_cmreq_value(mem, text, "empty"));
	assert_null(ns_cmreq_value(mem, text, "missing"));
	assert_null(ns_cmreq_value(mem, "", "id"));
	talloc_free(mem);
}

static void test_find_request(void **state)
{
	struct fx *f = *state;
	EVP_PKEY *other = tc_rsa_key(1024);
	char *mine = csr(f, NULL);
	char *theirs = tc_csr_pem(f->mem, other, "other", NULL, V_ASN1_PRINTABLESTRING,
				    "CERTIFICATE REQUEST");
	char *mine_rebuilt = tc_csr_pem(f->mem, f->key, "renamed", "x1", V_ASN1_PRINTABLESTRING,
					  "CERTIFICATE REQUEST");
	struct ns_cmreq *r = NULL;
	struct ns_err err;

	ns_err_clear(&err);
	write_request(f, "20260101000000", theirs, "/tmp/other-pw");
	write_request(f, "20260101000001", mine, f->pwfile);
	write_request(f, "20260101000001.tmp", mine, "/tmp/wrong");	/* ignored */
	assert_int_equal(ns_cmreq_find(f->mem, f->reqdir, mine, &r, &err), 0);
	assert_non_null(r);
	assert_string_equal(r->id, "20260101000001");
	assert_string_equal(r->pw_file, f->pwfile);

	/* certmonger has not saved the rebuilt CSR yet: the key tells */
	assert_int_equal(ns_cmreq_find(f->mem, f->reqdir, mine_rebuilt, &r, &err), 0);
	assert_non_null(r);
	assert_string_equal(r->id, "20260101000001");

	/* no request with this key */
	EVP_PKEY_free(other);
	other = tc_rsa_key(1024);
	assert_int_equal(ns_cmreq_find(f->mem, f->reqdir,
				       tc_csr_pem(f->mem, other, "x", NULL, V_ASN1_PRINTABLESTRING,
						    "CERTIFICATE REQUEST"), &r, &err), 0);
	assert_null(r);

	/* two requests with the same key and neither CSR exact: ambiguous */
	write_request(f, "20260101000002", mine, f->pwfile);
	assert_int_equal(ns_cmreq_find(f->mem, f->reqdir, mine_rebuilt, &r, &err), -1);
	assert_non_null(strstr(err.msg, "2 certmonger requests"));

	assert_int_equal(ns_cmreq_find(f->mem, "/nonexistent", mine, &r, &err), -1);
	assert_non_null(strstr(err.msg, "certmonger-requests-dir"));
	EVP_PKEY_free(other);
}

/* ---- decisions -------------------------------------------------------- */

static void test_first_enrollment(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL), *c1, *pw;
	struct ns_err err;
	struct stat st;
	int i;

	ns_err_clear(&err);
	write_request(f, "20260101000001", c0, f->pwfile);
	assert_int_equal(chown(f->pwfile, 1234, 1235), 0);

	/* off: nothing happens */
	f->cfg->auto_otp = false;
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), 0);
	assert_int_equal(ts_count(&f->srv), 0);
	f->cfg->auto_otp = true;

	/* no password in the CSR: fetch, write FILE, exit 17 */
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_null(strstr(err.msg, "0000000000000001"));
	assert_int_equal(ts_count(&f->srv), 1);
	pw = slurp(f->mem, f->pwfile);
	assert_string_equal(pw, "0000000000000001\n");
	assert_int_equal(stat(f->pwfile, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 1234);	/* owner kept */
	assert_int_equal(st.st_gid, 1235);
	assert_null(strstr(slurp(f->mem, f->state), "0000000000000001"));	/* no secret */

	/* certmonger comes back with the old CSR: exit 17 again, no fetch ... */
	for (i = 0; i < 3; i++) {
		assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
		assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	}
	/* ... but not forever */
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "without the password"));
	assert_int_equal(ts_count(&f->srv), 1);

	/* the rebuilt CSR carries it: go on */
	c1 = csr(f, "0000000000000001");
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c1), &err), 0);

	/* issued: the password is erased (a lone newline: certmonger reads a
	 * zero-byte file as an error), owner and mode kept */
	write_request(f, "20260101000001", c1, f->pwfile);
	ns_autopw_after_issue(f->mem, &f->ctx, cm(f->mem, c1));
	assert_string_equal(slurp(f->mem, f->pwfile), "\n");
	assert_int_equal(stat(f->pwfile, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(ts_count(&f->srv), 1);
}

static void test_renewal_and_refusals(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL), *c1, *c2;
	struct ns_err err;

	ns_err_clear(&err);
	write_request(f, "20260101000001", c0, f->pwfile);

	/* a renewal goes without a password first */
	setenv("CERTMONGER_CERTIFICATE", "-----BEGIN CERTIFICATE-----\n...", 1);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), 0);
	assert_int_equal(ts_count(&f->srv), 0);

	/* NDES refuses it: fetch one */
	assert_int_equal(ns_autopw_after_refusal(f->mem, &f->ctx, cm(f->mem, c0), false, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 1);
	assert_string_equal(slurp(f->mem, f->pwfile), "0000000000000001\n");

	/* NDES refuses the fresh password too: one more try ... */
	c1 = csr(f, "0000000000000001");
	write_request(f, "20260101000001", c1, f->pwfile);
	assert_int_equal(ns_autopw_after_refusal(f->mem, &f->ctx, cm(f->mem, c1), false, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 2);
	assert_string_equal(slurp(f->mem, f->pwfile), "0000000000000002\n");

	/* ... then a clear failure instead of a loop */
	c2 = csr(f, "0000000000000002");
	write_request(f, "20260101000001", c2, f->pwfile);
	assert_int_equal(ns_autopw_after_refusal(f->mem, &f->ctx, cm(f->mem, c2), false, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_REJECTED);
	assert_non_null(strstr(err.msg, "freshly fetched"));
	assert_int_equal(ts_count(&f->srv), 2);
	unsetenv("CERTMONGER_CERTIFICATE");

	/* off: the caller reports the refusal */
	f->cfg->auto_otp = false;
	assert_int_equal(ns_autopw_after_refusal(f->mem, &f->ctx, cm(f->mem, c2), false, &err), 0);
}

static void test_rate_limit(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL);
	char rec[256];
	struct ns_err err;
	long long now = (long long)time(NULL);

	ns_err_clear(&err);
	write_request(f, "20260101000001", c0, f->pwfile);
	/* three fetches in the last hour (one older, which no longer counts) */
	snprintf(rec, sizeof(rec), "fetched=%lld\nfetched=%lld\nfetched=%lld\nfetched=%lld\n"
		 "written=0\nsha256=\n", now - 4000, now - 3000, now - 2000, now - 1000);
	put(f->state, rec);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_non_null(strstr(err.msg, "3 passwords were fetched"));
	assert_int_equal(ts_count(&f->srv), 0);

	/* two in the last hour: one more is fine */
	snprintf(rec, sizeof(rec), "fetched=%lld\nfetched=%lld\n", now - 4000, now - 2000);
	put(f->state, rec);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 1);
}

static void test_file_contents(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL);
	char rec[256];
	struct ns_err err;
	long long now = (long long)time(NULL);

	ns_err_clear(&err);
	write_request(f, "20260101000001", c0, f->pwfile);

	/* a password the admin put there: not overwritten, certmonger is nudged */
	put(f->pwfile, "ADMINPW1\n");
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 0);
	assert_string_equal(slurp(f->mem, f->pwfile), "ADMINPW1\n");

	/* our own password, still young: nudge, no fetch */
	put(f->pwfile, "0000000000000009\n");
	snprintf(rec, sizeof(rec), "written=%lld\nsha256=%s\n", now - 60,
		 "adaec5f66a2396709d191cb19633e1048428fe330805f2137bc2ba62d191ad1f");
	put(f->state, rec);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 0);

	/* the same, older than NDES keeps passwords (57 min): replaced */
	snprintf(rec, sizeof(rec), "written=%lld\nsha256=%s\n", now - 3500,
		 "adaec5f66a2396709d191cb19633e1048428fe330805f2137bc2ba62d191ad1f");
	put(f->state, rec);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 1);
	assert_string_equal(slurp(f->mem, f->pwfile), "0000000000000001\n");
}

static void test_stale_own_password(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL);
	struct ns_err err;
	char *rec, *p;

	ns_err_clear(&err);
	write_request(f, "20260101000001", c0, f->pwfile);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ts_count(&f->srv), 1);
	/* age the record by an hour: the password in FILE is ours but stale */
	rec = slurp(f->mem, f->state);
	p = strstr(rec, "written=");
	assert_non_null(p);
	{
		long long w = atoll(p + 8);
		char *fixed = talloc_asprintf(f->mem, "%.*swritten=%lld%s", (int)(p - rec), rec,
					      w - 3500, strchr(p, '\n'));
		fixed = talloc_asprintf(f->mem, "%s", fixed);
		/* and drop the fetch times so the limit does not interfere */
		put(f->state, strstr(fixed, "written="));
	}
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 2);
	assert_string_equal(slurp(f->mem, f->pwfile), "0000000000000002\n");
}

static void test_failures(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL);
	struct ns_err err;

	ns_err_clear(&err);
	/* request made without -l FILE: go on without */
	write_request(f, "20260101000001", c0, NULL);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), 0);
	assert_int_equal(ns_autopw_after_refusal(f->mem, &f->ctx, cm(f->mem, c0), false, &err), 0);
	assert_int_equal(ts_count(&f->srv), 0);

	/* the request is not there at all */
	unlink(talloc_asprintf(f->mem, "%s/20260101000001", f->reqdir));
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "no certmonger request"));

	/* the admin page answers "cache full": that message, FILE untouched */
	write_request(f, "20260101000001", c0, f->pwfile);
	ts_stop(&f->srv);
	assert_int_equal(ts_start(&f->srv, ts_admin_page, "cache-full"), 0);
	f->cfg->admin_url = talloc_asprintf(f->mem, "http://127.0.0.1:%d/certsrv/mscep_admin/",
					    f->srv.port);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_non_null(strstr(err.msg, "automatic password: admin page: the password cache is full"));
	assert_string_equal(slurp(f->mem, f->pwfile), "");
}

/* ---- fleet pacing (backoff.h) ------------------------------------------ */

static void test_backoff_window(void **state)
{
	struct ns_config *cfg = ns_config_defaults(NULL);
	long lo, hi;

	(void)state;
	cfg->cache_full_backoff = 60;
	cfg->cache_full_backoff_max = 600;
	ns_backoff_window(cfg, 1, &lo, &hi);
	assert_int_equal(lo, 60);
	assert_int_equal(hi, 120);
	ns_backoff_window(cfg, 3, &lo, &hi);
	assert_int_equal(hi, 480);
	/* capped, and no overflow however many refusals */
	ns_backoff_window(cfg, 4, &lo, &hi);
	assert_int_equal(hi, 600);
	ns_backoff_window(cfg, 100000, &lo, &hi);
	assert_int_equal(lo, 60);
	assert_int_equal(hi, 600);
	/* a cap below the floor: the floor */
	cfg->cache_full_backoff_max = 10;
	ns_backoff_window(cfg, 2, &lo, &hi);
	assert_int_equal(hi, 60);
	/* the pick covers the window, both ends included */
	assert_int_equal(ns_backoff_pick(60, 120, 0), 60);
	assert_int_equal(ns_backoff_pick(60, 120, 60), 120);
	assert_int_equal(ns_backoff_pick(60, 120, 61), 60);
	assert_int_equal(ns_backoff_pick(60, 60, 12345), 60);
	cfg->password_spread = 0;
	assert_int_equal(ns_backoff_first(cfg), 0);
	cfg->password_spread = 30;
	for (int i = 0; i < 50; i++) {
		long d = ns_backoff_first(cfg);
		assert_true(d >= 0 && d <= 30);
	}
	talloc_free(cfg);
}

/* "Cache full" backs the request off: the wait goes to the answer layer
 * (retry_after), grows with refusals in a row, and an early SUBMIT (getcert
 * resubmit) does not visit the admin page before it is over. */
static void test_cache_full_backoff(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL);
	struct ns_err err;
	char *rec;

	ns_err_clear(&err);
	write_request(f, "20260101000001", c0, f->pwfile);
	ts_stop(&f->srv);
	assert_int_equal(ts_start(&f->srv, ts_admin_page, "cache-full"), 0);
	f->cfg->admin_url = talloc_asprintf(f->mem, "http://127.0.0.1:%d/certsrv/mscep_admin/",
					    f->srv.port);
	f->cfg->cache_full_backoff = 60;
	f->cfg->cache_full_backoff_max = 600;
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_OTP_CACHE_FULL);
	assert_true(err.retry_after >= 60 && err.retry_after <= 120);
	assert_int_equal(ts_count(&f->srv), 1);
	rec = slurp(f->mem, f->state);
	assert_non_null(strstr(rec, "cache_full=1\n"));
	assert_non_null(strstr(rec, "total_cache_full=1\ntotal_failed=0\n"));
	/* back before the wait is over: no visit, the rest of the wait */
	ns_err_clear(&err);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_OTP_CACHE_FULL);
	assert_true(err.retry_after > 0 && err.retry_after <= 120);
	assert_non_null(strstr(err.msg, "backing off"));
	assert_int_equal(ts_count(&f->srv), 1);
	/* the wait is over (moved into the past): the next refusal doubles the window */
	put(f->state, talloc_asprintf(f->mem, "cache_full=1\nnot_before=%lld\nspread=1\n",
				      (long long)time(NULL) - 1));
	ns_err_clear(&err);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(ts_count(&f->srv), 2);
	assert_true(err.retry_after >= 60 && err.retry_after <= 240);
	assert_non_null(strstr(slurp(f->mem, f->state), "cache_full=2\n"));
	/* the answer layer turns it into exit 5 (transient) */
	assert_true(ns_answer_retries(err.cause));
	/* a password at last: the count starts over */
	ts_stop(&f->srv);
	assert_int_equal(ts_start(&f->srv, ts_admin_page, "password"), 0);
	f->cfg->admin_url = talloc_asprintf(f->mem, "http://127.0.0.1:%d/certsrv/mscep_admin/",
					    f->srv.port);
	put(f->state, talloc_asprintf(f->mem, "cache_full=2\nnot_before=%lld\nspread=1\n"
				      "total_cache_full=5\n", (long long)time(NULL) - 1));
	ns_err_clear(&err);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_NEED_REKEY);
	rec = slurp(f->mem, f->state);
	assert_non_null(strstr(rec, "cache_full=0\n"));
	assert_non_null(strstr(rec, "not_before=0\n"));
	/* the counters "ndes-submit status" exports: they only grow */
	assert_non_null(strstr(rec, "total_password=1\ntotal_cache_full=5\n"));
}

/* password-spread: the first fetch waits its random share, once. */
static void test_first_fetch_spread(void **state)
{
	struct fx *f = *state;
	char *c0 = csr(f, NULL);
	struct ns_err err;
	int tries;

	ns_err_clear(&err);
	write_request(f, "20260101000001", c0, f->pwfile);
	f->cfg->password_spread = 3600;
	/* a draw of 0 fetches at once; else a wait without any visit */
	for (tries = 0; tries < 5; tries++) {
		unlink(f->state);
		ns_err_clear(&err);
		if (ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err) == -1 &&
		    err.cause == NS_CAUSE_OTP_BUDGET)
			break;
	}
	assert_int_equal(err.cause, NS_CAUSE_OTP_BUDGET);
	assert_non_null(strstr(err.msg, "password-spread"));
	assert_true(err.retry_after > 0 && err.retry_after <= 3600);
	assert_int_equal(ts_count(&f->srv), 0);
	/* once the wait is over, the fetch; no second spread */
	put(f->state, talloc_asprintf(f->mem, "not_before=%lld\nspread=%lld\n",
				      (long long)time(NULL) - 1, (long long)time(NULL) - 10));
	ns_err_clear(&err);
	assert_int_equal(ns_autopw_before_submit(f->mem, &f->ctx, cm(f->mem, c0), &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_NEED_REKEY);
	assert_int_equal(ts_count(&f->srv), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_request_file),
		cmocka_unit_test(test_request_format),
		cmocka_unit_test_setup_teardown(test_find_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_enrollment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_own_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test(test_backoff_window),
		cmocka_unit_test_setup_teardown(test_cache_full_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_fetch_spread, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
