/* SPDX-License-Identifier: GPL-3.0-or-later */
/* caps.c: parsing (CRLF/LF, case, unknown keywords, empty), what "none"
 * means for NDES, and fetching + caching against a real loopback server. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "caps.h"
#include "file.h"
#include "../lib/testsrv.h"
#include "ns.h"
#include "status.h"

static struct ns_caps *parse(TALLOC_CTX *mem, const char *text)
{
	struct ns_caps *c = NULL;

	assert_int_equal(ns_caps_parse(mem, text, strlen(text), &c), 0);
	return c;
}

static void test_parse_ndes(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_caps *c;

	c = parse(mem, "POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n");
	assert_true(c->from_server);
	assert_true(c->post);
	assert_true(c->renewal);
	assert_true(c->sha512 && c->sha256 && c->sha1 && c->des3);
	assert_false(c->aes);
	assert_false(c->scep_standard);
	assert_false(c->get_next_ca_cert);
	/* One per line, LF, server order kept (certmonger picks the first cipher). */
	assert_string_equal(c->text, "POSTPKIOperation\nRenewal\nSHA-512\nSHA-256\nSHA-1\nDES3\n");
	talloc_free(mem);
}

static void test_parse_case_lf_unknown(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_caps *c;

	c = parse(mem, "  postpkioperation \nsha-256\n\n\nX-Vendor-Thing\naes\ngetnextcacert");
	assert_true(c->from_server);
	assert_true(c->post && c->sha256 && c->aes && c->get_next_ca_cert);
	assert_false(c->sha1);
	assert_false(c->des3);
	/* Known keywords in the RFC's spelling (certmonger compares exactly),
	 * unknown ones kept as sent. */
	assert_string_equal(c->text, "POSTPKIOperation\nSHA-256\nX-Vendor-Thing\nAES\nGetNextCACert\n");

	/* SCEPStandard implies AES, POSTPKIOperation and SHA-256 (RFC 8894). */
	c = parse(mem, "SCEPStandard\r\n");
	assert_true(c->scep_standard && c->aes && c->post && c->sha256);
	assert_string_equal(c->text, "SCEPStandard\n");

	/* A UTF-8 byte order mark is not part of the first keyword. */
	c = parse(mem, "\xef\xbb\xbfPOSTPKIOperation\r\nDES3\r\n");
	assert_true(c->post && c->des3);
	assert_string_equal(c->text, "POSTPKIOperation\nDES3\n");

	/* A lone CR separates too (old servers). */
	c = parse(mem, "Renewal\rDES3");
	assert_true(c->renewal && c->des3);
	talloc_free(mem);
}

/* Regression (found by tests/fuzz/fuzz_caps): a NUL inside a line cut the
 * keyword short after trimming ("SHA-1\v\0..." used as "SHA-1\v" but
 * printed as garbage), and control or non-ASCII bytes went into the text
 * printed to certmonger. Such lines are not keywords and are dropped. */
static void test_parse_binary_lines(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	static const char bin[] = "Renewal\r\nSHA-1\v\0\0\0S3\r\nDES\x01\r\n\xef\xbb\xbf\nAES\n";
	struct ns_caps *c;

	assert_int_equal(ns_caps_parse(mem, bin, sizeof(bin) - 1, &c), 0);
	assert_true(c->from_server);
	assert_true(c->renewal && c->aes);
	assert_false(c->sha1 || c->des3);
	assert_string_equal(c->text, "Renewal\nAES\n");
	/* Nothing usable at all: NDES defaults, as for an empty reply. */
	assert_int_equal(ns_caps_parse(mem, "\0-1\r\xef\xbb\xbf\n", 8, &c), 0);
	assert_false(c->from_server);
	assert_string_equal(c->text, "SHA-1\nDES3\n");
	talloc_free(mem);
}

static void test_parse_empty(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_caps *c;

	/* No capabilities: what old NDES can really do, not nothing (which
	 * would make certmonger pick AES-256). */
	c = parse(mem, "");
	assert_false(c->from_server);
	assert_true(c->des3 && c->sha1);
	assert_false(c->post || c->aes || c->sha256 || c->renewal);
	assert_string_equal(c->text, "SHA-1\nDES3\n");
	c = parse(mem, " \r\n\r\n\t\n");
	assert_false(c->from_server);
	assert_string_equal(c->text, "SHA-1\nDES3\n");
	assert_int_equal(ns_caps_parse(mem, NULL, 0, &c), 0);
	assert_false(c->from_server);
	talloc_free(mem);
}

/* ---- fetching against a loopback server ---- */

struct fixture {
	TALLOC_CTX *mem;
	struct ns_config *cfg;
	struct ns_ctx ctx;
	struct testsrv srv;
	char url[128], dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->mem = talloc_new(NULL);
	f->cfg = ns_config_defaults(f->mem);
	f->cfg->timeout = 5;
	f->cfg->connect_timeout = 2;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ns-test-caps.%ld", (long)getpid());
	f->cfg->state_dir = f->dir;
	f->ctx.cfg = f->cfg;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	ts_stop(&f->srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	talloc_free(f->mem);
	free(f);
	return 0;
}

static void start(struct fixture *f, ts_fn fn)
{
	assert_int_equal(ts_start(&f->srv, fn, NULL), 0);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d/certsrv/mscep/mscep.dll", f->srv.port);
	f->cfg->url = f->url;
}

static int requests(struct fixture *f)
{
	char *log = ts_log(&f->srv), *p = log;
	int n = 0;

	while ((p = strstr(p, "operation=GetCACaps")) != NULL) {
		n++;
		p++;
	}
	free(log);
	return n;
}

static void reply_caps(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n"
		      "POSTPKIOperation\r\nRenewal\r\nSHA-1\r\nDES3\r\n");
}

static void test_fetch_and_cache(void **state)
{
	struct fixture *f = *state;
	struct ns_caps *c = NULL;
	struct ns_err err;
	char *log;

	start(f, reply_caps);
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_true(c->from_server && c->post && c->renewal);
	assert_int_equal(requests(f), 1);
	log = ts_log(&f->srv);
	/* Old NDES logs a GET without "message": always send one. */
	assert_non_null(strstr(log, "?operation=GetCACaps&message=0 HTTP/1.1"));
	free(log);

	/* Served from the cache now: no second request. */
	talloc_free(c);
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_true(c->from_server && c->post);
	assert_string_equal(c->text, "POSTPKIOperation\nRenewal\nSHA-1\nDES3\n");
	assert_int_equal(requests(f), 1);

	/* FETCH-SCEP-CA-CAPS always asks. */
	assert_int_equal(ns_caps_fetch(f->mem, &f->ctx, &c, &err), 0);
	assert_int_equal(requests(f), 2);

	/* Another URL has its own entry. */
	{
		char other[160];
		snprintf(other, sizeof(other), "%s?x=1", f->url);
		f->cfg->url = other;
		assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
		assert_int_equal(requests(f), 3);
		f->cfg->url = f->url;
	}
}

static void test_unusable_state_dir(void **state)
{
	struct fixture *f = *state;
	struct ns_caps *c = NULL;
	struct ns_err err;

	start(f, reply_caps);
	f->cfg->state_dir = "/nonexistent/ndes-submit/state";
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_true(c->post);
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_int_equal(requests(f), 2);	/* no cache, no error */
}

static void reply_500(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 500 Server Error\r\nContent-Length: 5\r\n\r\nerror");
}

static void reply_close(int fd, const char *req, size_t len, void *arg)
{
}

static void reply_html(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 26\r\n\r\n"
		      "<html>Server Error</html>\n");
}

static void reply_empty(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
}

static void reply_truncated(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 400\r\n\r\n"
		      "POSTPKIOperation\r\nRen");
}

static int cache_files(struct fixture *f)
{
	char cmd[160];
	int n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s 2>/dev/null | grep -c '^caps-[0-9a-f]*$'", f->dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* A failed GetCACaps is no answer: an error (SUBMIT retries within its
 * bound), nothing cached, and the next call asks again. It used to become
 * the old-NDES defaults (no POSTPKIOperation), cached for a day. */
static void check_failure(struct fixture *f, ts_fn fn, bool transient)
{
	struct ns_caps *c = NULL;
	struct ns_err err;

	start(f, fn);
	assert_int_equal(ns_caps_fetch(f->mem, &f->ctx, &c, &err), -1);
	assert_null(c);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_int_equal(ns_cause_transient(err.cause), transient);
	assert_non_null(strstr(err.msg, "GetCACaps failed"));
	/* Not the old message blaming POST. */
	assert_null(strstr(err.msg, "POST"));
	assert_null(strstr(err.msg, "needs caps"));
	assert_int_equal(cache_files(f), 0);
	/* Asked again, failing again: now with the way out for a server that
	 * never answers GetCACaps. */
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), -1);
	assert_int_equal(requests(f), 2);
	assert_non_null(strstr(err.msg, "needs caps in the configuration"));
	assert_int_equal(cache_files(f), 0);
}

static void test_http_error_is_failure(void **state)
{
	check_failure(*state, reply_500, true);
}

static void test_closed_is_failure(void **state)
{
	check_failure(*state, reply_close, true);
}

static void test_truncated_is_failure(void **state)
{
	check_failure(*state, reply_truncated, true);
}

static void test_html_is_failure(void **state)
{
	check_failure(*state, reply_html, false);
}

/* An empty 200 is a real answer, "no capabilities": NDES defaults, cached. */
static void test_empty_means_none(void **state)
{
	struct fixture *f = *state;
	struct ns_caps *c = NULL;
	struct ns_err err;

	start(f, reply_empty);
	assert_int_equal(ns_caps_fetch(f->mem, &f->ctx, &c, &err), 0);
	assert_false(c->from_server);
	assert_string_equal(c->text, "SHA-1\nDES3\n");
	talloc_free(c);
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_false(c->from_server);
	assert_int_equal(requests(f), 1);
}

/* The cache file's path (the only caps-HASH file in the state dir). */
static void cache_file(struct fixture *f, char *path, size_t size)
{
	char cmd[160], name[128];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s | grep '^caps-[0-9a-f]*$' | head -n 1", f->dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(name, (int)sizeof(name), p));
	pclose(p);
	name[strcspn(name, "\n")] = '\0';
	snprintf(path, size, "%s/%s", f->dir, name);
}

/* A cache file cut short in place (full disk, crash) is refused: without an
 * end marker, "POSTPKIOperation\nRen" read as a whole answer. */
static void test_truncated_cache_refused(void **state)
{
	struct fixture *f = *state;
	struct ns_caps *c = NULL;
	struct ns_err err;
	char path[256];
	struct stat st;

	start(f, reply_caps);
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	cache_file(f, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	/* Cut inside the keyword list: "...Renewal\nSHA-1\n" minus its tail. */
	assert_int_equal(truncate(path, st.st_size - 12), 0);
	talloc_free(c);
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_string_equal(c->text, "POSTPKIOperation\nRenewal\nSHA-1\nDES3\n");
	assert_int_equal(requests(f), 2);	/* refused, asked again */
	/* And the rewritten cache is whole again. */
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_int_equal(requests(f), 2);
}

/* A run killed between writing its temp file and renaming it left
 * ns_file_replace's temp file behind for good; the next cache write removes
 * it once it is old enough that no run can still be writing it. */
static void test_orphan_tmp_removed(void **state)
{
	struct fixture *f = *state;
	struct ns_caps *c = NULL;
	struct ns_err err;
	char orphan[160], fresh[160];
	struct timeval old[2] = { { .tv_sec = time(NULL) - 2 * 3600 }, { .tv_sec = time(NULL) - 2 * 3600 } };
	FILE *fp;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	snprintf(orphan, sizeof(orphan), "%s/caps-0123456789abcdef0123456789abcdef"
		 NS_FILE_TMP_TAG "Ab12Cd", f->dir);
	/* A fresh one stays (another run may be renaming it right now). */
	snprintf(fresh, sizeof(fresh), "%s/caps-0123456789abcdef0123456789abcdef"
		 NS_FILE_TMP_TAG "Xy34Zw", f->dir);
	fp = fopen(orphan, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(utimes(orphan, old), 0);
	fp = fopen(fresh, "w");
	assert_non_null(fp);
	fclose(fp);
	start(f, reply_caps);
	assert_int_equal(ns_caps_fetch(f->mem, &f->ctx, &c, &err), 0);
	assert_int_equal(access(orphan, F_OK), -1);
	assert_int_equal(access(fresh, F_OK), 0);
}

/* Unknown keywords reach certmonger bounded (they were all echoed, up to
 * 1 MiB, built in quadratic time); known ones once, in server order. */
static void test_parse_bounded(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	size_t cap = 1024 * 1024, len = 0;
	char *big = malloc(cap + 64);
	struct ns_caps *c;
	int i;

	assert_non_null(big);
	len += (size_t)sprintf(big, "DES3\nPOSTPKIOperation\n");
	for (i = 0; len < cap; i++)
		len += (size_t)sprintf(big + len, "X-Vendor-%d\nDES3\n", i);
	assert_int_equal(ns_caps_parse(mem, big, len, &c), 0);
	assert_true(c->des3 && c->post);
	assert_true(strlen(c->text) <= (NS_CAPS_MAX_UNKNOWN + 12) * (NS_CAPS_MAX_KEYWORD + 1));
	assert_int_equal(strncmp(c->text, "DES3\nPOSTPKIOperation\nX-Vendor-0\nX-Vendor-1\n", 44), 0);
	assert_true(c->dropped > 0);
	/* An over-long line is no keyword. */
	memset(big, 'A', 200);
	memcpy(big + 200, "\nAES\n", 5);
	assert_int_equal(ns_caps_parse(mem, big, 205, &c), 0);
	assert_string_equal(c->text, "AES\n");
	free(big);
	talloc_free(mem);
}

static void test_unreachable_is_error(void **state)
{
	struct fixture *f = *state;
	struct ns_caps *c = NULL;
	struct ns_err err;

	f->cfg->url = "http://127.0.0.1:18149/certsrv/mscep/mscep.dll";
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), -1);
	assert_null(c);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_non_null(strstr(err.msg, "connection refused"));

	f->cfg->url = NULL;
	assert_int_equal(ns_caps_fetch(f->mem, &f->ctx, &c, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
}

static void test_override(void **state)
{
	struct fixture *f = *state;
	struct ns_caps *c = NULL;
	struct ns_err err;

	start(f, reply_caps);
	f->cfg->caps_override = "POSTPKIOperation, sha-256,DES3";
	assert_int_equal(ns_caps_get(f->mem, &f->ctx, &c, &err), 0);
	assert_true(c->post && c->sha256 && c->des3);
	assert_string_equal(c->text, "POSTPKIOperation\nSHA-256\nDES3\n");
	assert_int_equal(ns_caps_fetch(f->mem, &f->ctx, &c, &err), 0);
	assert_int_equal(requests(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ndes),
		cmocka_unit_test(test_parse_case_lf_unknown),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_binary_lines),
		cmocka_unit_test_setup_teardown(test_fetch_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_state_dir, setup, teardown),
		cmocka_unit_test(test_parse_bounded),
		cmocka_unit_test_setup_teardown(test_http_error_is_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_is_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_is_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_is_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_means_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_cache_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_tmp_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_is_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
