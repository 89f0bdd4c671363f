/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP replies as the helper judges them: PKIOperation replies
 * (transport.c), admin page replies (otp.c), and the HTML title helper.
 * Input: 2 bytes status selector, 1 byte content type selector, body. */
#include "fuzz_common.h"
#include "http.h"
#include "otp.h"
#include "transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 401, 403, 404, 405, 414, 400, 500, 503, 302, 0 };
	static const char *const types[] = { NULL, "application/x-pki-message", "text/html",
		"text/plain", "application/x-x509-ca-ra-cert", "" };
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_http_reply r = { 0 };
	/* A password no message can hold: messages are printable. */
	struct ns_http_auth auth = { .auth = NS_AUTH_NTLM, .user = "DOM\\user", .password = "\x01pw\x02" };
	struct ns_otp *otp = NULL;
	struct ns_err err = { 0 };
	int rc;

	if (size < 3)
		goto out;
	r.status = data[0] < 200 ? statuses[data[0] % 11] : (long)data[0] * 4 + data[1] % 4;
	r.content_type = (char *)types[data[2] % 6];
	r.body = talloc_size(tmp, size - 3 + 1);
	memcpy(r.body, data + 3, size - 3);
	r.body[size - 3] = '\0';
	r.len = size - 3;
	r.www_authenticate = data[1] & 1 ? (char *)"NTLM, Negotiate" : NULL;
	rc = ns_transport_check_reply(&r, (data[1] & 2) ? NS_TRANSPORT_POST : NS_TRANSPORT_GET, &err);
	fuzz_check_err(rc, &err);
	(void)ns_html_title(tmp, r.body, r.len);
	ns_err_clear(&err);	/* the cause is ns_otp_judge's own (was its fail kind) */
	rc = ns_otp_judge(tmp, &r, (data[1] & 4) ? &auth : NULL, &otp, &err);
	fuzz_check_err(rc, &err);
	FUZZ_CHECK((rc == 0) == (otp != NULL && err.cause == NS_CAUSE_NONE));
	/* The admin's password never shows up in a message, nor do control
	 * characters from the page (certmonger's ca-error is one line). */
	FUZZ_CHECK(strstr(err.msg, auth.password) == NULL);
	if (rc != 0) {
		size_t i;
		for (i = 0; err.msg[i] != '\0'; i++)
			FUZZ_CHECK((unsigned char)err.msg[i] >= 0x20 && err.msg[i] != 0x7f);
	}
out:
	talloc_free(tmp);
	return 0;
}
