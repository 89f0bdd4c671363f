/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger request files (cmreq.c): the key=value reader, and the search
 * of a requests directory holding the input as its only file, for the CSR
 * the file itself names and for a generated one ($FUZZ_WORK/cmreq-csr.pem). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmreq.h"
#include "fuzz_common.h"

static char dir[4096], file[4200];
static char *csr;	/* harness state: the generated CSR, or NULL */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *work = getenv("FUZZ_WORK");
	char path[4096];
	static char buf[65536];
	size_t n;
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/cmreq-dir.%ld", work ? work : "/tmp", (long)getpid());
	FUZZ_CHECK(mkdir(dir, 0700) == 0 || errno == EEXIST);
	snprintf(file, sizeof(file), "%s/20260101000000", dir);
	snprintf(path, sizeof(path), "%s/cmreq-csr.pem", work ? work : "/nonexistent");
	f = fopen(path, "r");
	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		csr = buf;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "id", "csr", "template_challenge_password_file",
		"template_challenge_password", "key_pubkey_info", "key_next_pubkey_info", "x" };
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *text = fuzz_text(tmp, data, size), *own;
	struct ns_cmreq *req = NULL;
	struct ns_err err = { 0 };
	size_t i;
	FILE *f;
	int rc;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *v = ns_cmreq_value(tmp, text, keys[i]);
		FUZZ_CHECK(v == NULL || v[0] != '\0');
	}
	f = fopen(file, "w");
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size);
	fclose(f);
	own = ns_cmreq_value(tmp, text, "csr");
	if (own != NULL) {
		rc = ns_cmreq_find(tmp, dir, own, &req, &err);
		fuzz_check_err(rc, &err);
	}
	if (csr != NULL) {
		rc = ns_cmreq_find(tmp, dir, csr, &req, &err);
		fuzz_check_err(rc, &err);
	}
	talloc_free(tmp);
	fuzz_done();
	return 0;
}
