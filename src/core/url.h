/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The parts of an http(s) URL that messages and the admin-page address need.
 * Our own small parser rather than libcurl's curl_url(), which RHEL 8's
 * libcurl 7.61 does not have (it came in 7.62). */
#ifndef NS_URL_H
#define NS_URL_H

#include <stdbool.h>
#include <talloc.h>

struct ns_url {
	char *scheme;		/* lower case: "http" or "https" */
	char *host;		/* as written; an IPv6 literal keeps its brackets */
	char *port;		/* as written, or NULL when the URL has none */
};

/* Splits scheme://[user[:pass]@]host[:port][/path][?query][#frag]. Only
 * http and https. Returns 0, or -1 when url is not such a URL. The strings
 * belong to mem. */
int ns_url_split(TALLOC_CTX *mem, const char *url, struct ns_url *out);

/* The port the URL names, or its scheme's default (80, 443). */
const char *ns_url_port_or_default(const struct ns_url *u);

#endif
