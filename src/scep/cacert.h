/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GetCACert: fetch, parse (DER cert, PKCS#7 or PEM, whatever the content type
 * says) and assign roles. Shared by FETCH-SCEP-CA-CERTS, FETCH-ROOTS and the
 * cacert/check subcommands. Implemented in cacert.c. */
#ifndef NS_CACERT_H
#define NS_CACERT_H

#include <talloc.h>
#include <openssl/x509.h>

#include "err.h"
#include "http.h"
#include "roles.h"

struct ns_ctx;

struct ns_cacert {
	const char *url;		/* the GetCACert URL asked */
	struct ns_http_reply *reply;
	STACK_OF(X509) *certs;		/* as received; freed with the struct */
	struct ns_roles *roles;
};

/* Failures: http.c's causes (no reply), NS_CAUSE_HTTP_5XX, NS_CAUSE_SERVER_DATA
 * (another HTTP error, an unusable reply), NS_CAUSE_CONFIG (no url, bad
 * settings). */
int ns_cacert_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cacert **out,
		    struct ns_err *err);

/* The same from bytes already at hand (a saved reply: cacert --file).
 * label names the source in messages and becomes ->url. Errors:
 * NS_CAUSE_SERVER_DATA. */
int ns_cacert_from_data(TALLOC_CTX *mem, const char *label, const unsigned char *data,
			size_t len, struct ns_cacert **out, struct ns_err *err);

/* Logs (warning level) RA/CA certificates that are expired or not yet valid
 * at time now (0: the current time). Returns how many. */
int ns_cacert_warn_validity(const struct ns_ctx *ctx, const struct ns_roles *roles, time_t now);

#endif
