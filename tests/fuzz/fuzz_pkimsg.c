/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger's outgoing pkiMessages (pkimsg.c), as DER and as PEM text. */
#include "fuzz_common.h"
#include "pkimsg.h"

static void one(const uint8_t *data, size_t size, bool pem)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_pkimsg *m = NULL;
	struct ns_err err = { 0 };
	int rc;

	rc = ns_pkimsg_parse(tmp, "CERTMONGER_PKCSREQ", data, size, pem, &m, &err);
	fuzz_check_err(rc, &err);
	FUZZ_CHECK((rc == 0) == (m != NULL));
	if (m != NULL) {
		FUZZ_CHECK(m->nonce_len == 16 && m->txid != NULL && m->txid[0] != '\0');
		FUZZ_CHECK(m->msg_type >= 0 && m->der != NULL && m->len > 0);
		(void)ns_pkimsg_hex(tmp, m->nonce, m->nonce_len);
	}
	talloc_free(tmp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, false);
	one(data, size, true);
	(void)ns_pkimsg_small_int(NULL);
	fuzz_done();
	return 0;
}
