/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cookie certmonger hands back to POLL (cookie.c), and the CertPoll
 * inside it parsed as submit.c does. Decoding what we encoded must give the
 * same cookie back. */
#include "cookie.h"
#include "fuzz_common.h"
#include "pkimsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_cookie *c = NULL, *back = NULL;
	struct ns_pkimsg *m = NULL;
	struct ns_err err = { 0 };
	char *text = fuzz_text(tmp, data, size), *enc;
	int rc;

	rc = ns_cookie_decode(tmp, text, &c, &err);
	fuzz_check_err(rc, &err);
	FUZZ_CHECK((rc == 0) == (c != NULL));
	if (rc != 0)
		goto out;
	if (c->kind == NS_COOKIE_PENDING) {
		rc = ns_pkimsg_parse(tmp, "the CertPoll in the stored cookie", c->certpoll,
				     c->certpoll_len, false, &m, &err);
		fuzz_check_err(rc, &err);
	}
	enc = ns_cookie_encode(tmp, c);
	FUZZ_CHECK(enc != NULL && strpbrk(enc, "\r\n") == NULL);
	FUZZ_CHECK(ns_cookie_decode(tmp, enc, &back, &err) == 0);
	FUZZ_CHECK(back->kind == c->kind && back->since == c->since);
	if (c->kind == NS_COOKIE_PENDING)
		FUZZ_CHECK(back->transport == c->transport && back->issuer_ok == c->issuer_ok &&
			   back->certpoll_len == c->certpoll_len &&
			   memcmp(back->certpoll, c->certpoll, c->certpoll_len) == 0);
out:
	talloc_free(tmp);
	fuzz_done();
	return 0;
}
