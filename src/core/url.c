/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "url.h"

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 5)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* host[:port] of an authority without its userinfo; [v6] keeps brackets. */
static int split_hostport(TALLOC_CTX *mem, const char *a, size_t n, struct ns_url *out)
{
	size_t hlen;
	const char *colon;

	if (n > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', n);

		if (close == NULL || close == a + 1)
			return -1;
		hlen = (size_t)(close - a) + 1;
		if (hlen < n && a[hlen] != ':')
			return -1;
	} else {
		colon = memchr(a, ':', n);
		hlen = colon != NULL ? (size_t)(colon - a) : n;
	}
	if (hlen == 0)
		return -1;
	out->host = talloc_strndup(mem, a, hlen);
	if (hlen < n) {
		if (!all_digits(a + hlen + 1, n - hlen - 1))
			return -1;
		out->port = talloc_strndup(mem, a + hlen + 1, n - hlen - 1);
		if (out->port == NULL)
			return -1;
	}
	return out->host != NULL ? 0 : -1;
}

int ns_url_split(TALLOC_CTX *mem, const char *url, struct ns_url *out)
{
	const char *sep, *auth, *end, *at;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	if (url == NULL || (sep = strstr(url, "://")) == NULL)
		return -1;
	n = (size_t)(sep - url);
	if (!((n == 4 && strncasecmp(url, "http", 4) == 0) ||
	      (n == 5 && strncasecmp(url, "https", 5) == 0)))
		return -1;
	out->scheme = talloc_strndup(mem, url, n);
	if (out->scheme == NULL)
		return -1;
	for (i = 0; i < n; i++)
		out->scheme[i] = (char)tolower((unsigned char)out->scheme[i]);
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	for (i = 0; auth + i < end; i++)
		if (isspace((unsigned char)auth[i]) || iscntrl((unsigned char)auth[i]))
			return -1;
	/* The last '@' ends the userinfo (a password may hold one). */
	for (at = end; at > auth && at[-1] != '@'; at--)
		;
	return split_hostport(mem, at, (size_t)(end - at), out);
}

const char *ns_url_port_or_default(const struct ns_url *u)
{
	if (u->port != NULL)
		return u->port;
	return strcmp(u->scheme, "https") == 0 ? "443" : "80";
}
