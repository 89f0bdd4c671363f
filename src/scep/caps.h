/* SPDX-License-Identifier: GPL-3.0-or-later */
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
	unsigned dropped;	/* keywords left out of text (repeated, too long, too many unknown) */
};

/* Bounds on what reaches certmonger from a server's list: each known keyword
 * once, at most NS_CAPS_MAX_UNKNOWN unknown ones of NS_CAPS_MAX_KEYWORD bytes. */
#define NS_CAPS_MAX_UNKNOWN 16
#define NS_CAPS_MAX_KEYWORD 64

/* Parses GetCACaps text: case-insensitive, CRLF or LF, unknown keywords kept
 * in text (within the bounds above) but otherwise ignored. Empty text ->
 * NDES defaults (DES3, SHA-1, GET). */
int ns_caps_parse(TALLOC_CTX *mem, const char *text, size_t len, struct ns_caps **out);

/* RFC 8894 3.5.2: NDES answers AES-encrypted requests with a reply that
 * cannot be decrypted, whatever it advertises. Drops AES and SCEPStandard
 * (which implies AES) from c and makes sure DES3 is offered, so that
 * certmonger (the first cipher it knows, in server order) encrypts with
 * DES3. Returns whether anything changed; -1 when out of memory. */
int ns_caps_without_aes(struct ns_caps *c);

/* Is this GetCACaps reply a capability list (HTTP 200, not an HTML page,
 * printable text)? Shared by ns_caps_fetch and "ndes-submit check". */
struct ns_http_reply;
bool ns_caps_reply_ok(const struct ns_http_reply *reply);

/* Asks the server (GetCACaps) unless caps is configured. Only a real answer
 * (HTTP 200 with a capability list, or empty: "none", which yields NDES
 * defaults) is returned and cached. Anything else fails without touching the
 * cache: no reply, a broken or oversized one, an HTTP error, a page that is
 * no capability list (NS_CAUSE_SERVER_DATA, NS_CAUSE_HTTP_5XX or http.c's cause;
 * ns_cause_transient() says whether asking again soon may help), or bad
 * settings (NS_CAUSE_CONFIG). */
int ns_caps_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_caps **out,
		  struct ns_err *err);

/* The cached answer when there is a recent one, else ns_caps_fetch(). */
int ns_caps_get(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_caps **out,
		struct ns_err *err);

#endif
