/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cookie SUBMIT hands certmonger with exit 5 ("SECONDS\nCOOKIE"), given
 * back to POLL in CERTMONGER_CA_COOKIE. certmonger never gives a POLL SCEP
 * messages, so a pending cookie carries the CertPoll (GetCertInitial)
 * message certmonger built alongside the PKCSReq we sent: POLL re-sends it
 * as is (same transactionID and senderNonce, no new password).
 *
 * One line of printable ASCII, colon-separated:
 *   ndes1:P:<g|p>:<issuer ok 0|1>:<since>[:<server>]:<base64 CertPoll DER>
 *   ndes1:R:<since>:<reason>
 * P = pending at the CA; R = a transient failure before the server took
 * the request: POLL then asks certmonger for fresh messages (exit 16).
 * <server> (16 hex digits, servers.h ns_servers_id) names the NDES server
 * that holds the pending request when url names several; absent with one
 * server, and in cookies of earlier versions.
 * A 2048-bit CertPoll makes a cookie of about 3 KB; certmonger 0.79 reads
 * stored lines of up to 1 MiB (src/store-files.c, my_getline). */
#ifndef NS_COOKIE_H
#define NS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <talloc.h>

#include "err.h"
#include "transport.h"

enum ns_cookie_kind {
	NS_COOKIE_PENDING = 'P',
	NS_COOKIE_RETRY = 'R',
};

struct ns_cookie {
	enum ns_cookie_kind kind;
	time_t since;			/* when the request was first answered / failed */
	/* PENDING */
	enum ns_transport transport;
	bool issuer_ok;			/* certmonger's CertPoll names the issuing CA */
	unsigned char *certpoll;	/* the GetCertInitial pkiMessage (DER) */
	char server[17];		/* ns_servers_id of its server, "" none */
	size_t certpoll_len;
	/* RETRY */
	char *reason;			/* why (shown to admins reading the cookie) */
};

/* NULL only when out of memory. Control and non-ASCII characters in reason
 * become spaces. */
char *ns_cookie_encode(TALLOC_CTX *mem, const struct ns_cookie *c);

/* Errors (NS_CAUSE_INPUT): not one of ours (e.g. left by certmonger's own
 * scep-submit), unknown version, malformed fields. */
int ns_cookie_decode(TALLOC_CTX *mem, const char *text, struct ns_cookie **out,
		     struct ns_err *err);

#endif
