/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How a pkiMessage travels (RFC 8894 4.1, ndes.md "PKIOperation"): POST when
 * the server advertises POSTPKIOperation (or method = post), else GET with
 * the base64 message percent-escaped in the query. IIS refuses long query
 * strings (maxQueryString, default 2048; answers 414, 404.14 or 404.15): we
 * check the length before sending and recognise those answers. */
#ifndef NS_TRANSPORT_H
#define NS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <talloc.h>

#include "settings.h"
#include "err.h"

struct ns_caps;
struct ns_http_reply;

enum ns_transport {
	NS_TRANSPORT_GET = 'g',
	NS_TRANSPORT_POST = 'p',
};


/* method = post/get wins; auto: POST iff caps say POSTPKIOperation. */
enum ns_transport ns_transport_choose(enum ns_method method, const struct ns_caps *caps);

const char *ns_transport_name(enum ns_transport t);

/* The GET URL for a PKIOperation carrying der. Fails (NS_CAUSE_URL_TOO_LONG, with
 * the fix in the message) when its query string would be longer than
 * max_query (<= 0: the IIS default). */
int ns_transport_get_url(TALLOC_CTX *mem, const char *base, const unsigned char *der,
			 size_t len, long max_query, char **url, struct ns_err *err);

/* Judges an HTTP reply to a PKIOperation. 0: status 200 and content type
 * application/x-pki-message. Otherwise -1 with:
 *   NS_CAUSE_URL_TOO_LONG for 414 / 404.14 / 404.15 (with the fix);
 *   NS_CAUSE_HTTP_STATUS for other statuses (wrong url, forbidden);
 *   NS_CAUSE_HTTP_5XX for 5xx (transient: the caller retries);
 *   NS_CAUSE_REPLY for a 200 with another content type (naming it, and an
 *     HTML page's title). */
int ns_transport_check_reply(const struct ns_http_reply *reply, enum ns_transport t,
			     struct ns_err *err);

/* The text of an HTML page's <title>, whitespace collapsed, printable ASCII,
 * at most 100 characters; NULL when there is none. */
char *ns_html_title(TALLOC_CTX *mem, const unsigned char *body, size_t len);

#endif
