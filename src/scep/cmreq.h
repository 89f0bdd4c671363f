/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger's request files (one per tracked request, in
 * /var/lib/certmonger/requests): certmonger does not tell a helper which
 * request it is running for, so automatic passwords find it by its CSR.
 * Format (certmonger src/store-files.c): "key=value" lines; a value that
 * spans lines continues on lines starting with one space; '#' and ';' lines
 * are comments. Keys used here: id, csr, template_challenge_password_file
 * ("getcert request -l FILE"), template_challenge_password (-L),
 * key_pubkey_info / key_next_pubkey_info (hex DER SubjectPublicKeyInfo).
 * Implemented in cmreq.c. */
#ifndef NS_CMREQ_H
#define NS_CMREQ_H

#include <stdbool.h>
#include <talloc.h>

#include "csr.h"
#include "err.h"

struct ns_cmreq {
	char *path;		/* the request file */
	char *id;		/* certmonger's request id (nickname) */
	char *pw_file;		/* template_challenge_password_file, or NULL */
	bool has_inline_pw;	/* template_challenge_password set (-L) */
};

/* Finds the request whose stored CSR is csr_pem (same DER), or failing that
 * the only one whose CSR or current/next key has the same public key.
 * *out is NULL when none matches. Errors (unreadable directory, ambiguous
 * key match): -1 with err NS_CAUSE_CONFIG. */
int ns_cmreq_find_csr(TALLOC_CTX *mem, const char *dir, const struct ns_csr *csr,
		      struct ns_cmreq **out, struct ns_err *err);

/* The same for a PEM CSR (tests, fuzzers); the run uses ns_cmenv_request. */
int ns_cmreq_find(TALLOC_CTX *mem, const char *dir, const char *csr_pem,
		  struct ns_cmreq **out, struct ns_err *err);

/* Parses one request file's text; exposed for tests. Returns the value of
 * key (continuation lines joined with '\n'), or NULL when absent/empty. */
char *ns_cmreq_value(TALLOC_CTX *mem, const char *text, const char *key);

/* Names certmonger ignores in its directories (store-files.c): dot files,
 * editors' and package managers' leftovers. */
bool ns_cmreq_ignored_name(const char *name);

#endif
