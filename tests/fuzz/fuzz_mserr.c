/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NDES' HRESULT attribute text and the failure descriptions (mserr.c). */
#include "fuzz_common.h"
#include "mserr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *text = fuzz_text(tmp, data, size), *d;
	uint32_t hr = 0;
	bool have;
	int fi = size > 0 ? (int)(signed char)data[0] : -1;

	have = ns_mserr_parse_hresult(text, &hr) == 0;
	(void)ns_mserr_lookup(hr);
	(void)ns_mserr_is_password_refusal(fi, have, hr);
	(void)ns_mserr_is_transient(have, hr);
	(void)ns_failinfo_name(fi);
	FUZZ_CHECK(ns_failinfo_hint(fi) != NULL);
	d = ns_mserr_describe(tmp, fi, have, hr, text);
	FUZZ_CHECK(d != NULL && strpbrk(d, "\r\n") == NULL);
	talloc_free(tmp);
	return 0;
}
