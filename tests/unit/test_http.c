/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
/* http.c against a real loopback server: replies, content types, failures
 * (refused, closed, hang, truncated, too large), POST, redirects, proxies
 * from the environment, URL building. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "../lib/testsrv.h"
#include "http.h"
#include "ns.h"
#include "status.h"

struct fixture {
	TALLOC_CTX *mem;
	struct ns_config *cfg;
	struct ns_ctx ctx;
	struct testsrv srv;
	char url[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->mem = talloc_new(NULL);
	f->cfg = ns_config_defaults(f->mem);
	f->cfg->timeout = 5;
	f->cfg->connect_timeout = 2;
	f->ctx.cfg = f->cfg;
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ts_stop(&f->srv);
	assert_int_equal(talloc_total_blocks(f->mem), talloc_total_blocks(f->cfg) + 1);
	talloc_free(f->mem);
	free(f);
	return 0;
}

static void start(struct fixture *f, ts_fn fn, const char *path)
{
	assert_int_equal(ts_start(&f->srv, fn, NULL), 0);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d%s", f->srv.port, path);
}

static void reply_text(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Type: Text/Plain; charset=UTF-8\r\n"
		      "Content-Length: 11\r\nConnection: close\r\n\r\nhello\r\nworld");
}

static void test_get_ok(void **state)
{
	struct fixture *f = *state;
	struct ns_http_reply *r = NULL;
	struct ns_err err;
	char *log;

	start(f, reply_text, "/certsrv/mscep/mscep.dll?operation=GetCACaps&message=0");
	assert_int_equal(ns_http_get(f->mem, &f->ctx, f->url, NULL, &r, &err), 0);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->content_type, "text/plain");
	assert_int_equal(r->len, 11);
	assert_memory_equal(r->body, "hello\r\nworld", 11);
	assert_int_equal(r->body[11], '\0');
	assert_null(r->www_authenticate);
	log = ts_log(&f->srv);
	assert_non_null(strstr(log, "GET /certsrv/mscep/mscep.dll?operation=GetCACaps&message=0 HTTP/1.1"));
	assert_non_null(strstr(log, "User-Agent: ndes-submit/"));
	free(log);
	talloc_free(r);
}

static void reply_binary_404(int fd, const char *req, size_t len, void *arg)
{
	static const char head[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\n";
	ts_write(fd, head, sizeof(head) - 1);
	ts_write(fd, "a\0b\0c", 5);
}

static void test_status_and_binary(void **state)
{
	struct fixture *f = *state;
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	start(f, reply_binary_404, "/");
	assert_int_equal(ns_http_get(f->mem, &f->ctx, f->url, NULL, &r, &err), 0);
	assert_int_equal(r->status, 404);
	assert_null(r->content_type);
	assert_int_equal(r->len, 5);
	assert_memory_equal(r->body, "a\0b\0c", 5);
	talloc_free(r);
}

static void reply_401(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\n"
		      "WWW-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n");
}

static void test_401_schemes(void **state)
{
	struct fixture *f = *state;
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	start(f, reply_401, "/certsrv/mscep_admin/");
	assert_int_equal(ns_http_get(f->mem, &f->ctx, f->url, NULL, &r, &err), 0);
	assert_int_equal(r->status, 401);
	assert_string_equal(r->www_authenticate, "Negotiate, NTLM");
	talloc_free(r);
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct ns_http_request req = { .url = "http://127.0.0.1:18149/x" };
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	assert_int_equal(ns_http_request(f->mem, &f->ctx, &req, &r, &err), -1);
	assert_null(r);
	assert_int_equal(err.cause, NS_CAUSE_HTTP_CONNECT);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_string_equal(err.msg, "cannot connect to 127.0.0.1:18149 (connection refused)");
}

static void reply_nothing(int fd, const char *req, size_t len, void *arg)
{
}

static void test_closed(void **state)
{
	struct fixture *f = *state;
	struct ns_http_request req = { 0 };
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	start(f, reply_nothing, "/");
	req.url = f->url;
	assert_int_equal(ns_http_request(f->mem, &f->ctx, &req, &r, &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_HTTP_CLOSED);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_non_null(strstr(err.msg, "closed the connection without answering"));
}

static void reply_hang(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart");
	sleep(30);
}

static void test_timeout(void **state)
{
	struct fixture *f = *state;
	struct ns_http_request req = { 0 };
	struct ns_http_reply *r = NULL;
	struct ns_err err;
	time_t t0;

	f->cfg->timeout = 1;
	f->cfg->connect_timeout = 1;
	start(f, reply_hang, "/");
	req.url = f->url;
	t0 = time(NULL);
	assert_int_equal(ns_http_request(f->mem, &f->ctx, &req, &r, &err), -1);
	assert_true(time(NULL) - t0 <= 3);
	assert_int_equal(err.cause, NS_CAUSE_HTTP_TIMEOUT);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_non_null(strstr(err.msg, "timed out after 1 s"));
}

static void reply_truncated(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	struct ns_http_request req = { 0 };
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	start(f, reply_truncated, "/");
	req.url = f->url;
	assert_int_equal(ns_http_request(f->mem, &f->ctx, &req, &r, &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_HTTP_TRUNCATED);
	assert_non_null(strstr(err.msg, "cut short (10 of 100 bytes)"));
}

static void reply_huge(int fd, const char *req, size_t len, void *arg)
{
	static char chunk[65536];
	int i;

	memset(chunk, 'x', sizeof(chunk));
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n");
	for (i = 0; i < 32; i++)
		ts_write(fd, chunk, sizeof(chunk));
}

static void test_too_large(void **state)
{
	struct fixture *f = *state;
	struct ns_http_request req = { 0 };
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	start(f, reply_huge, "/");
	req.url = f->url;
	assert_int_equal(ns_http_request(f->mem, &f->ctx, &req, &r, &err), -1);
	assert_int_equal(err.cause, NS_CAUSE_TOO_LARGE);
	assert_non_null(strstr(err.msg, "larger than 1048576 bytes"));
}

static void reply_redirect(int fd, const char *req, size_t len, void *arg)
{
	if (strncmp(req, "GET /final", 10) == 0)
		ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
	else
		ts_puts(fd, "HTTP/1.1 301 Moved\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n");
}

static void test_post_and_redirects(void **state)
{
	struct fixture *f = *state;
	struct ns_http_reply *r = NULL;
	struct ns_err err;
	static const unsigned char body[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	char *log;

	start(f, reply_redirect, "/certsrv/mscep/mscep.dll?operation=PKIOperation");
	/* POST: the body and its type arrive; a redirect is not followed. */
	assert_int_equal(ns_http_post(f->mem, &f->ctx, f->url, "application/x-pki-message",
				      body, sizeof(body), &r, &err), 0);
	assert_int_equal(r->status, 301);
	log = ts_log(&f->srv);
	assert_non_null(strstr(log, "POST /certsrv/mscep/mscep.dll?operation=PKIOperation HTTP/1.1"));
	assert_non_null(strstr(log, "Content-Type: application/x-pki-message\r\n"));
	assert_non_null(strstr(log, "Content-Length: 5\r\n"));
	assert_null(strstr(log, "Expect:"));
	assert_non_null(memmem(log, strlen(log) + 8, "\r\n\r\n\x30\x03\x02\x01", 8));
	assert_null(strstr(log, "GET /final"));
	free(log);
	talloc_free(r);
	/* GET follows it (mscep_admin without its slash answers 301). */
	assert_int_equal(ns_http_get(f->mem, &f->ctx, f->url, NULL, &r, &err), 0);
	assert_int_equal(r->status, 200);
	assert_string_equal((char *)r->body, "done");
	talloc_free(r);
}

static void reply_proxy(int fd, const char *req, size_t len, void *arg)
{
	ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nproxy");
}

static void test_proxy_from_env(void **state)
{
	struct fixture *f = *state;
	struct ns_http_reply *r = NULL;
	struct ns_err err;
	char proxy[64], *log;

	start(f, reply_proxy, "/");
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", f->srv.port);
	setenv("http_proxy", proxy, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	assert_int_equal(ns_http_get(f->mem, &f->ctx,
				     "http://ndes.example.invalid/certsrv/mscep/mscep.dll?operation=GetCACaps",
				     NULL, &r, &err), 0);
	unsetenv("http_proxy");
	assert_string_equal((char *)r->body, "proxy");
	log = ts_log(&f->srv);
	/* A proxy gets the absolute URL in the request line. */
	assert_non_null(strstr(log, "GET http://ndes.example.invalid/certsrv/mscep/mscep.dll?operation=GetCACaps HTTP/1.1"));
	free(log);
	talloc_free(r);
}

static void test_basic_needs_tls(void **state)
{
	struct fixture *f = *state;
	struct ns_http_auth auth = { .auth = NS_AUTH_BASIC, .user = "EXAMPLE\\alice",
				     .password = "s3cret-pw" };
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	assert_int_equal(ns_http_get(f->mem, &f->ctx, "http://127.0.0.1:18149/certsrv/mscep_admin/",
				     &auth, &r, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "basic needs an https:// URL"));
	assert_null(strstr(err.msg, "s3cret-pw"));
}

static void reply_auth_echo(int fd, const char *req, size_t len, void *arg)
{
	if (strcasestr(req, "\r\nAuthorization: Basic ") != NULL)
		ts_puts(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	else
		ts_puts(fd, "HTTP/1.1 401 No\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
			      "Content-Length: 0\r\n\r\n");
}

static void test_ntlm_not_basic(void **state)
{
	struct fixture *f = *state;
	struct ns_http_auth auth = { .auth = NS_AUTH_ANY, .user = "EXAMPLE\\alice",
				     .password = "s3cret-pw" };
	struct ns_http_reply *r = NULL;
	struct ns_err err;
	char *log;

	/* auth = any means Negotiate or NTLM: never the password in clear. */
	start(f, reply_auth_echo, "/certsrv/mscep_admin/");
	assert_int_equal(ns_http_get(f->mem, &f->ctx, f->url, &auth, &r, &err), 0);
	assert_int_equal(r->status, 401);
	assert_string_equal(r->www_authenticate, "Basic");
	log = ts_log(&f->srv);
	assert_null(strstr(log, "Authorization: Basic"));
	free(log);
	talloc_free(r);
}

static void test_bad_url(void **state)
{
	struct fixture *f = *state;
	struct ns_http_reply *r = NULL;
	struct ns_err err;

	assert_int_equal(ns_http_get(f->mem, &f->ctx, "ftp://127.0.0.1/x", NULL, &r, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
}

static void test_url_building(void **state)
{
	struct fixture *f = *state;
	char *s;

	s = ns_url_escape(f->mem, "a+b/c=d e~_.-\xc3\xa9");
	assert_string_equal(s, "a%2Bb%2Fc%3Dd%20e~_.-%C3%A9");
	talloc_free(s);
	s = ns_scep_url(f->mem, "http://h/certsrv/mscep/mscep.dll", "GetCACert", "0");
	assert_string_equal(s, "http://h/certsrv/mscep/mscep.dll?operation=GetCACert&message=0");
	talloc_free(s);
	s = ns_scep_url(f->mem, "http://h/cgi?x=1", "PKIOperation", "MIIB+/w==");
	assert_string_equal(s, "http://h/cgi?x=1&operation=PKIOperation&message=MIIB%2B%2Fw%3D%3D");
	talloc_free(s);
	s = ns_scep_url(f->mem, "http://h/x", "GetCACaps", NULL);
	assert_string_equal(s, "http://h/x?operation=GetCACaps");
	talloc_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_401_schemes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_and_redirects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_from_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic_needs_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntlm_not_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_building, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
