/* GetCACaps: parsing, NDES defaults, and a small cache so that SUBMIT/POLL
 * cost one HTTP request in steady state. Implemented in caps.c. */
#ifndef NS_CAPS_H
#define NS_CAPS_H

#include <stdbool.h>
#include <talloc.h>

#include "err.h"

struct ns_ctx;

struct ns_caps {
	bool from_server;	/* false: the server had none, these are NDES' real abilities */
	bool post;		/* POSTPKIOperation */
	bool renewal;		/* Renewal */
	bool get_next_ca_cert;
	bool scep_standard;
	bool sha1, sha256, sha512;
	bool des3, aes;
	char *text;		/* what to print for FETCH-SCEP-CA-CAPS (one keyword a line) */
};

/* Parses GetCACaps text: case-insensitive, CRLF or LF, unknown keywords kept
 * in text but otherwise ignored. Empty text -> NDES defaults (DES3, SHA-1, GET). */
int ns_caps_parse(TALLOC_CTX *mem, const char *text, size_t len, struct ns_caps **out);

/* Asks the server (GetCACaps). "No capabilities" (empty reply, HTTP error,
 * closed connection) is not an error: it yields NDES defaults. Fails only
 * when the server cannot be reached at all (NS_UNREACHABLE). Updates the cache. */
int ns_caps_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_caps **out,
		  struct ns_err *err);

/* The cached answer when there is a recent one, else ns_caps_fetch(). */
int ns_caps_get(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_caps **out,
		struct ns_err *err);

#endif
