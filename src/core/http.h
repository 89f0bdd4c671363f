/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP(S) through libcurl. Every request goes through one function that
 * applies TLS trust (ca-bundle), timeouts, proxies from the environment and
 * authentication, so no request can miss one. Implemented in http.c. */
#ifndef NS_HTTP_H
#define NS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>

#include "settings.h"
#include "err.h"

struct ns_ctx;

struct ns_http_reply {
	long status;			/* HTTP status code */
	char *content_type;		/* NULL when absent; lower-cased, parameters stripped */
	unsigned char *body;		/* NUL-terminated for convenience (not counted in len) */
	size_t len;
	char *www_authenticate;		/* the schemes offered on a 401, or NULL */
};

struct ns_http_auth {
	enum ns_auth auth;
	const char *user;		/* NULL with Negotiate from a ccache/keytab */
	const char *password;		/* never logged */
	const char *gss_user;		/* ntlm-gssapi: who gss-ntlmssp logs on as (messages only) */
};

/* GET url. auth may be NULL. Returns 0 when an HTTP reply arrived (any status:
 * callers judge it) and -1 when none did: connection refused, DNS, timeout,
 * TLS failure (err->cause says which: NS_CAUSE_HTTP_*, NS_CAUSE_TLS,
 * NS_CAUSE_TOO_LARGE, NS_CAUSE_CONFIG; the message names it). Some callers
 * treat a cause as an answer: e.g. old NDES closes the connection on
 * GetCACaps, which means "no capabilities". */
int ns_http_get(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *url,
		const struct ns_http_auth *auth, struct ns_http_reply **reply,
		struct ns_err *err);

/* POST body with the given Content-Type. Same contract as ns_http_get. */
int ns_http_post(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *url,
		 const char *content_type, const unsigned char *body, size_t len,
		 struct ns_http_reply **reply, struct ns_err *err);

#define NS_HTTP_MAX_BODY (1024 * 1024)

struct ns_http_request {
	const char *url;
	const struct ns_http_auth *auth;	/* NULL: anonymous */
	const char *content_type;		/* POST only */
	const unsigned char *body;		/* non-NULL: POST */
	size_t len;
	bool secret;		/* the reply carries a secret (the admin page's password):
				 * its body is wiped when freed */
};

/* What ns_http_get/post do. GET follows up to 5 redirects (http/https
 * only); POST follows none. */
int ns_http_request(TALLOC_CTX *mem, const struct ns_ctx *ctx, const struct ns_http_request *req,
		    struct ns_http_reply **reply, struct ns_err *err);

/* Does url start with https:// (any case)? */
bool ns_url_is_https(const char *url);

/* The one "no Basic over http" rule, for the request and for settings checked
 * before it: -1 (NS_CAUSE_CONFIG) for Basic to a non-https url. */
int ns_http_auth_allowed(enum ns_auth auth, const char *url, struct ns_err *err);

/* Percent-escapes everything outside [A-Za-z0-9-_.~] (RFC 3986 unreserved). */
char *ns_url_escape(TALLOC_CTX *mem, const char *s);

/* base URL + "?operation=OP" (+ "&message=MSG", MSG escaped). */
char *ns_scep_url(TALLOC_CTX *mem, const char *base, const char *op, const char *msg);

#endif
