/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the libFuzzer harnesses (run-fuzz.sh builds them; not part of
 * the default build). Every harness checks the project rule "bad input gets
 * a clear error, never a crash": a failure must carry a one-line message. */
#ifndef NS_FUZZ_COMMON_H
#define NS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <openssl/err.h>

#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

/* rc -1 must come with a status and a non-empty, single-line message
 * without control characters (it becomes certmonger's ca-error). */
static inline void fuzz_check_err(int rc, const struct ns_err *err)
{
	size_t i;

	if (rc == 0)
		return;
	FUZZ_CHECK(rc == -1);
	FUZZ_CHECK(err->cause != NS_CAUSE_NONE);
	FUZZ_CHECK(err->msg[0] != '\0');
	FUZZ_CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
	for (i = 0; err->msg[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)err->msg[i] >= 0x20 && err->msg[i] != 0x7f);
}

/* A NUL-terminated copy of the input (the parsers taking C strings). */
static inline char *fuzz_text(TALLOC_CTX *mem, const uint8_t *data, size_t size)
{
	return talloc_strndup(mem, (const char *)data, size);
}

/* No OpenSSL error may leak from one input to the next. */
static inline void fuzz_done(void)
{
	ERR_clear_error();
}

#endif
