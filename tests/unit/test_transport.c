/* SPDX-License-Identifier: GPL-3.0-or-later */
/* POST/GET choice, the GET length check, and judging HTTP replies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "caps.h"
#include "http.h"
#include "transport.h"
#include "outcome.h"
#include "status.h"

static void test_choose(void **state)
{
	struct ns_caps caps = { 0 };

	assert_int_equal(ns_transport_choose(NS_METHOD_AUTO, &caps), NS_TRANSPORT_GET);
	assert_int_equal(ns_transport_choose(NS_METHOD_AUTO, NULL), NS_TRANSPORT_GET);
	caps.post = true;
	assert_int_equal(ns_transport_choose(NS_METHOD_AUTO, &caps), NS_TRANSPORT_POST);
	assert_int_equal(ns_transport_choose(NS_METHOD_GET, &caps), NS_TRANSPORT_GET);
	caps.post = false;
	assert_int_equal(ns_transport_choose(NS_METHOD_POST, &caps), NS_TRANSPORT_POST);
	assert_string_equal(ns_transport_name(NS_TRANSPORT_POST), "POST");
}

static void test_get_url(void **state)
{
	/* bytes whose base64 holds '+', '/' and '=' */
	static const unsigned char der[] = { 0xfb, 0xff, 0xbf, 0x01 };
	unsigned char big[3000];
	struct ns_err err;
	char *url = NULL;

	assert_int_equal(ns_transport_get_url(NULL, "http://h/certsrv/mscep/mscep.dll", der,
					      sizeof(der), 0, &url, &err), 0);
	assert_string_equal(url, "http://h/certsrv/mscep/mscep.dll?operation=PKIOperation"
			    "&message=%2B%2F%2B%2FAQ%3D%3D");
	talloc_free(url);
	/* a 2048-bit PKCSReq is about 3 KB: too long for IIS' default */
	memset(big, 0xfb, sizeof(big));
	assert_int_equal(ns_transport_get_url(NULL, "http://h/x", big, sizeof(big), 2048, &url, &err), -1);
	assert_null(url);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "maxQueryString"));
	assert_non_null(strstr(err.msg, "POSTPKIOperation"));
	assert_non_null(strstr(err.msg, "method = post"));
	/* raised limit: fine */
	assert_int_equal(ns_transport_get_url(NULL, "http://h/x", big, sizeof(big), 65536, &url, &err), 0);
	assert_true(strlen(url) > 4000);
	talloc_free(url);
	/* the boundary is the query string, exactly */
	assert_int_equal(ns_transport_get_url(NULL, "http://h/x", der, sizeof(der),
					      (long)strlen("operation=PKIOperation&message=%2B%2F%2B%2FAQ%3D%3D"),
					      &url, &err), 0);
	talloc_free(url);
	assert_int_equal(ns_transport_get_url(NULL, "http://h/x", der, sizeof(der),
					      (long)strlen("operation=PKIOperation&message=%2B%2F%2B%2FAQ%3D%3D") - 1,
					      &url, &err), -1);
}

static int check(long status, const char *ctype, const char *body, enum ns_transport t,
		 struct ns_err *err)
{
	struct ns_http_reply r = { 0 };

	r.status = status;
	r.content_type = (char *)ctype;
	r.body = (unsigned char *)body;
	r.len = body ? strlen(body) : 0;
	ns_err_clear(err);
	return ns_transport_check_reply(&r, t, err);
}

static void test_check_reply(void **state)
{
	struct ns_err err;

	assert_int_equal(check(200, "application/x-pki-message", "x", NS_TRANSPORT_POST, &err), 0);
	assert_int_equal(check(414, NULL, "", NS_TRANSPORT_GET, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "too long"));
	assert_non_null(strstr(err.msg, "maxQueryString"));
	assert_int_equal(check(404, "text/html", "<html><title>404 - File or directory not found.</title>"
			       "HTTP Error 404.15 - Not Found The request filtering module is configured to "
			       "deny a request where the query string is too long.</html>",
			       NS_TRANSPORT_GET, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "404.15"));
	assert_int_equal(check(404, "text/html", "Error 404.14 - URL too long", NS_TRANSPORT_GET, &err), -1);
	assert_non_null(strstr(err.msg, "404.14"));
	/* a plain 404 is a wrong URL */
	assert_int_equal(check(404, "text/html", "<title>Not here</title>", NS_TRANSPORT_GET, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_non_null(strstr(err.msg, "check url"));
	assert_null(strstr(err.msg, "maxQueryString"));
	/* 5xx: transient */
	assert_int_equal(check(503, "text/html", "<title>Service Unavailable</title>", NS_TRANSPORT_POST, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNREACHABLE);
	assert_non_null(strstr(err.msg, "503"));
	assert_non_null(strstr(err.msg, "Service Unavailable"));
	/* wrong content type: say what came */
	assert_int_equal(check(200, "text/html", "<html><head><title>\n  Sign in  to\tproxy </title>",
			       NS_TRANSPORT_POST, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_REJECTED);
	assert_non_null(strstr(err.msg, "text/html"));
	assert_non_null(strstr(err.msg, "\"Sign in to proxy\""));
	assert_int_equal(check(200, NULL, "x", NS_TRANSPORT_POST, &err), -1);
	assert_non_null(strstr(err.msg, "no content type"));
	assert_int_equal(check(403, NULL, NULL, NS_TRANSPORT_POST, &err), -1);
	assert_int_equal(ns_outcome(NS_OPC_HELPER, &err), NS_UNCONFIGURED);
	assert_int_equal(check(405, NULL, NULL, NS_TRANSPORT_POST, &err), -1);
	assert_non_null(strstr(err.msg, "method = get"));
}

static void test_title(void **state)
{
	const char *b = "<TITLE>a\x01</title>";
	char *t = ns_html_title(NULL, (const unsigned char *)b, strlen(b));

	assert_string_equal(t, "a?");
	talloc_free(t);
	assert_null(ns_html_title(NULL, (const unsigned char *)"<title>", 7));
	assert_null(ns_html_title(NULL, (const unsigned char *)"no title", 8));
	t = ns_html_title(NULL, (const unsigned char *)"<title>unterminated", 19);
	assert_string_equal(t, "unterminated");
	talloc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_get_url),
		cmocka_unit_test(test_check_reply),
		cmocka_unit_test(test_title),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
