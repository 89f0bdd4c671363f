/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Command lines (config.c): the input split at NUL bytes into arguments.
 * argv must come back a permutation of what went in. */
#include "settings.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *copy = talloc_size(tmp, size + 1), **argv, **orig;
	struct ns_config *cfg = NULL;
	struct ns_err err = { 0 };
	int argc = 1, optind_out = 0, rc, i, j;
	size_t k;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (k = 0; k < size; k++)
		if (copy[k] == '\0')
			argc++;
	argc++;
	if (argc > 64)
		goto out;
	argv = talloc_zero_array(tmp, char *, argc + 1);
	orig = talloc_zero_array(tmp, char *, argc + 1);
	argv[0] = (char *)"ndes-submit";
	for (i = 1, k = 0; i < argc; i++) {
		argv[i] = copy + k;
		k += strlen(copy + k) + 1;
	}
	memcpy(orig, argv, sizeof(char *) * (size_t)argc);
	rc = ns_config_load(tmp, argc, argv, &cfg, &optind_out, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_CHECK(optind_out >= 1 && optind_out <= argc);
		for (i = 0; i < argc; i++) {
			bool found = false;
			for (j = 0; j < argc && !found; j++)
				found = argv[j] == orig[i];
			FUZZ_CHECK(found);
		}
	}
out:
	talloc_free(tmp);
	return 0;
}
