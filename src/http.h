/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP(S) through libcurl. Every request goes through one function that
 * applies TLS trust (ca-bundle), timeouts, proxies from the environment and
 * authentication, so no request can miss one. Implemented in http.c. */
#ifndef NS_HTTP_H
#define NS_HTTP_H

#include <stddef.h>
#include <talloc.h>

#include "config.h"
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
};

/* GET url. auth may be NULL. Returns 0 when an HTTP reply arrived (any status:
 * callers judge it) and -1 when none did: connection refused, DNS, timeout,
 * TLS failure (err->status NS_UNREACHABLE, message names the cause). */
int ns_http_get(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *url,
		const struct ns_http_auth *auth, struct ns_http_reply **reply,
		struct ns_err *err);

/* POST body with the given Content-Type. Same contract as ns_http_get. */
int ns_http_post(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *url,
		 const char *content_type, const unsigned char *body, size_t len,
		 struct ns_http_reply **reply, struct ns_err *err);

/* Why no reply arrived (ns_http_request's fail_out), for callers that treat
 * some failures as an answer: e.g. old NDES closes the connection on
 * GetCACaps, which means "no capabilities". */
enum ns_http_fail {
	NS_HTTP_OK = 0,		/* a reply arrived */
	NS_HTTP_FAIL_CONNECT,	/* refused, unreachable, connect timeout */
	NS_HTTP_FAIL_DNS,	/* host (or proxy) name not found */
	NS_HTTP_FAIL_TIMEOUT,	/* connected, but the reply did not complete in time */
	NS_HTTP_FAIL_TLS,	/* handshake failed, certificate not trusted, name mismatch */
	NS_HTTP_FAIL_CLOSED,	/* connection closed or reset without any reply */
	NS_HTTP_FAIL_TRUNCATED,	/* the reply ended before its announced length */
	NS_HTTP_FAIL_TOO_LARGE,	/* the reply exceeded NS_HTTP_MAX_BODY */
	NS_HTTP_FAIL_CONFIG,	/* bad settings (unreadable ca-bundle, Basic over http...) */
	NS_HTTP_FAIL_OTHER,
};

#define NS_HTTP_MAX_BODY (1024 * 1024)

struct ns_http_request {
	const char *url;
	const struct ns_http_auth *auth;	/* NULL: anonymous */
	const char *content_type;		/* POST only */
	const unsigned char *body;		/* non-NULL: POST */
	size_t len;
};

/* What ns_http_get/post do, plus the failure kind. fail_out may be NULL.
 * GET follows up to 5 redirects (http/https only); POST follows none. */
int ns_http_request(TALLOC_CTX *mem, const struct ns_ctx *ctx, const struct ns_http_request *req,
		    struct ns_http_reply **reply, enum ns_http_fail *fail_out,
		    struct ns_err *err);

/* Percent-escapes everything outside [A-Za-z0-9-_.~] (RFC 3986 unreserved). */
char *ns_url_escape(TALLOC_CTX *mem, const char *s);

/* base URL + "?operation=OP" (+ "&message=MSG", MSG escaped). */
char *ns_scep_url(TALLOC_CTX *mem, const char *base, const char *op, const char *msg);

#endif
