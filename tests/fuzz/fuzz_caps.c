/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GetCACaps text (caps.c). */
#include <strings.h>

#include "caps.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_caps *caps = NULL, *again = NULL;

	FUZZ_CHECK(ns_caps_parse(tmp, (const char *)data, size, &caps) == 0);
	FUZZ_CHECK(caps != NULL && caps->text != NULL);
	if (caps->scep_standard)
		FUZZ_CHECK(caps->aes && caps->post && caps->sha256);
	if (!caps->from_server)
		FUZZ_CHECK(caps->des3 && caps->sha1);
	/* What we print for certmonger parses to the same abilities. */
	FUZZ_CHECK(ns_caps_parse(tmp, caps->text, strlen(caps->text), &again) == 0);
	FUZZ_CHECK(again->post == caps->post && again->renewal == caps->renewal &&
		   again->sha256 == caps->sha256 && again->aes == caps->aes &&
		   again->des3 == caps->des3 && again->sha1 == caps->sha1);
	talloc_free(tmp);
	return 0;
}
