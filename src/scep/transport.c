/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "caps.h"
#include "http.h"
#include "transport.h"
#include "x509util.h"

enum ns_transport ns_transport_choose(enum ns_method method, const struct ns_caps *caps)
{
	switch (method) {
	case NS_METHOD_POST:
		return NS_TRANSPORT_POST;
	case NS_METHOD_GET:
		return NS_TRANSPORT_GET;
	case NS_METHOD_AUTO:
	default:
		/* RFC 8894 4.1: a client MUST use POST when it is advertised. */
		return (caps != NULL && caps->post) ? NS_TRANSPORT_POST : NS_TRANSPORT_GET;
	}
}

const char *ns_transport_name(enum ns_transport t)
{
	return t == NS_TRANSPORT_POST ? "POST" : "GET";
}

static const char fix_long[] =
	"raise maxQueryString (and maxUrl) in IIS request filtering on the NDES server, "
	"or use a server that advertises POSTPKIOperation, or set method = post if the "
	"server accepts POST";

int ns_transport_get_url(TALLOC_CTX *mem, const char *base, const unsigned char *der,
			 size_t len, long max_query, char **url, struct ns_err *err)
{
	char *b64 = ns_base64(mem, der, len), *u;
	size_t qlen;

	*url = NULL;
	if (max_query <= 0)
		max_query = NS_DEFAULT_MAX_GET_LENGTH;
	/* Base64's '+', '/' and '=' must be escaped in a query (ndes.md):
	 * ns_scep_url escapes them. */
	u = b64 != NULL ? ns_scep_url(mem, base, "PKIOperation", b64) : NULL;
	talloc_free(b64);
	if (u == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	qlen = strlen(u) - strlen(base) - 1;	/* after base's '?' or '&' */
	if ((long)qlen > max_query) {
		ns_err_set(err, NS_CAUSE_URL_TOO_LONG,
			   "the SCEP request needs a GET query string of %zu characters, over "
			   "max-get-length %ld (IIS' default maxQueryString is 2048) and the server "
			   "does not take POST: %s, and raise max-get-length here",
			   qlen, max_query, fix_long);
		talloc_free(u);
		return -1;
	}
	*url = u;
	return 0;
}

static bool body_has(const unsigned char *body, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; body != NULL && i + n <= len; i++)
		if (strncasecmp((const char *)body + i, needle, n) == 0)
			return true;
	return false;
}

char *ns_html_title(TALLOC_CTX *mem, const unsigned char *body, size_t len)
{
	size_t i, start = 0, end = 0;
	char *t;
	size_t j = 0;
	bool space = false;

	for (i = 0; body != NULL && i + 6 < len; i++) {
		if (strncasecmp((const char *)body + i, "<title", 6) == 0) {
			while (i < len && body[i] != '>')
				i++;
			start = i + 1;
			break;
		}
	}
	if (start == 0 || start >= len)
		return NULL;
	for (end = start; end < len; end++)
		if (end + 7 <= len && strncasecmp((const char *)body + end, "</title", 7) == 0)
			break;
	t = talloc_size(mem, 101);
	if (t == NULL)
		return NULL;
	for (i = start; i < end && j < 100; i++) {
		unsigned char c = body[i];
		if (isspace(c)) {
			space = j > 0;
			continue;
		}
		if (space && j < 99)
			t[j++] = ' ';
		space = false;
		t[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	t[j] = '\0';
	if (j == 0) {
		talloc_free(t);
		return NULL;
	}
	return t;
}

static bool too_long_page(const struct ns_http_reply *r)
{
	return body_has(r->body, r->len, "404.14") || body_has(r->body, r->len, "404.15") ||
	       body_has(r->body, r->len, "query string too long") ||
	       body_has(r->body, r->len, "url too long") ||
	       body_has(r->body, r->len, "request too long");
}

int ns_transport_check_reply(const struct ns_http_reply *r, enum ns_transport t,
			     struct ns_err *err)
{
	char title[128] = "";
	char *tt = ns_html_title(NULL, r->body, r->len);

	if (tt != NULL) {
		snprintf(title, sizeof(title), " (page title \"%s\")", tt);
		talloc_free(tt);
	}
	if (r->status == 414 ||
	    ((r->status == 404 || r->status == 400) && t == NS_TRANSPORT_GET && too_long_page(r)))
		return ns_err_set(err, NS_CAUSE_URL_TOO_LONG,
				  "the server refused the GET request as too long (HTTP %ld%s): %s",
				  r->status, r->status == 414 ? " URI Too Long"
				  : body_has(r->body, r->len, "404.14") ? ", IIS 404.14 URL too long"
				  : body_has(r->body, r->len, "404.15") ? ", IIS 404.15 query string too long"
				  : "", fix_long);
	if (r->status >= 500)
		return ns_err_set(err, NS_CAUSE_HTTP_5XX,
				  "the SCEP server answered HTTP %ld%s", r->status, title);
	if (r->status == 404)
		return ns_err_set(err, NS_CAUSE_HTTP_STATUS,
				  "the SCEP server answered HTTP 404 Not Found%s: check url (NDES: "
				  "https://HOST/certsrv/mscep/mscep.dll)", title);
	if (r->status == 405 && t == NS_TRANSPORT_POST)
		return ns_err_set(err, NS_CAUSE_HTTP_STATUS,
				  "the SCEP server does not accept POST (HTTP 405)%s: set method = get "
				  "or auto", title);
	if (r->status != 200)
		return ns_err_set(err, NS_CAUSE_HTTP_STATUS,
				  "the SCEP server answered HTTP %ld%s to the %s request: check url and "
				  "the server", r->status, title, ns_transport_name(t));
	if (r->content_type == NULL || strcmp(r->content_type, "application/x-pki-message") != 0)
		return ns_err_set(err, NS_CAUSE_REPLY,
				  "the SCEP server answered with %s%s instead of a SCEP reply "
				  "(application/x-pki-message)",
				  r->content_type ? r->content_type : "no content type", title);
	return 0;
}
