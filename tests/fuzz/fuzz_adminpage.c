/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NDES' admin page (adminpage.c): decoding, markup stripping, classification. */
#include "adminpage.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_adminpage *page = NULL;
	char *s, *t;
	size_t max;

	FUZZ_CHECK(ns_adminpage_parse(tmp, data, size, &page) == 0);
	FUZZ_CHECK(page->text != NULL);
	FUZZ_CHECK((page->kind == NS_ADMINPAGE_PASSWORD) == (page->password != NULL));
	if (page->password != NULL)
		FUZZ_CHECK(strlen(page->password) >= 4 && strlen(page->password) % 2 == 0);
	s = ns_adminpage_decode(tmp, data, size);
	FUZZ_CHECK(s != NULL);
	t = ns_adminpage_strip(tmp, s);
	FUZZ_CHECK(t != NULL);
	/* The text is one line: no control characters survive. */
	for (max = 0; t[max] != '\0'; max++)
		FUZZ_CHECK((unsigned char)t[max] >= 0x20 && t[max] != 0x7f);
	for (max = 0; max < 8; max++)
		FUZZ_CHECK(ns_adminpage_truncate(tmp, page->text, max * 7) != NULL);
	talloc_free(tmp);
	return 0;
}
