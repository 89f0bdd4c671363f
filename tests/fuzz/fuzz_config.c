/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The configuration file (config.c), read through ns_config_load from a
 * file holding the input. */
#include <unistd.h>

#include "settings.h"
#include "fuzz_common.h"

static char path[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *work = getenv("FUZZ_WORK");

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/config.%ld.conf", work ? work : "/tmp", (long)getpid());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *argv[] = { (char *)"ndes-submit", (char *)"--config", path, (char *)"check", NULL };
	struct ns_config *cfg = NULL;
	struct ns_err err = { 0 };
	FILE *f = fopen(path, "w");
	int optind_out = 0, rc;

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size);
	fclose(f);
	rc = ns_config_load(tmp, 4, argv, &cfg, &optind_out, &err);
	fuzz_check_err(rc, &err);
	if (rc == 0) {
		FUZZ_CHECK(optind_out == 3 && strcmp(argv[3], "check") == 0);
		FUZZ_CHECK(cfg->connect_timeout <= cfg->timeout);
		FUZZ_CHECK(cfg->ca_fingerprint == NULL || strlen(cfg->ca_fingerprint) == 64);
	} else {
		FUZZ_CHECK(err.cause == NS_CAUSE_CONFIG);
	}
	talloc_free(tmp);
	return 0;
}
