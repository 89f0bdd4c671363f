/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whether libcurl can send IIS Extended Protection's channel binding (see
 * chanbind.h for what curl's source says and where). */
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "chanbind.h"

#define CB_FIRST 0x080a00	/* 8.10.0: SPNEGO gets the binding */
#define CB_LOST 0x081100	/* 8.17.0: sends none with MIT krb5 */

void ns_cb_curl_running(struct ns_cb_curl *out)
{
	/* No variable of libcurl's struct type: the lint's version tables
	 * (tests/lint/curl-symbols.sh) know functions and constants only. */
#define CB_INFO (curl_version_info(CURLVERSION_NOW))
	memset(out, 0, sizeof(*out));
	if (CB_INFO == NULL)
		return;
	out->version_num = CB_INFO->version_num;
	out->version = CB_INFO->version;
	out->gssapi = (CB_INFO->features & CURL_VERSION_GSSAPI) != 0;
	out->spnego = (CB_INFO->features & CURL_VERSION_SPNEGO) != 0;
	out->ssl_version = CB_INFO->ssl_version;
#undef CB_INFO
}

/* The TLS library libcurl uses: a MultiSSL build lists every backend and
 * puts the ones not selected in parentheses; before one is selected all
 * are, and the first is the default. Returns its length in *len. */
static const char *tls_backend(const char *ssl_version, size_t *len)
{
	const char *p = ssl_version, *first = NULL;
	size_t n;

	*len = 0;
	while (p != NULL && *p != '\0') {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (p[0] != '(') {
			*len = n;
			return p;
		}
		if (first == NULL && n > 2) {
			first = p + 1;
			*len = n - 2;	/* "(name/1.2)" */
		}
		p += n;
	}
	return first;
}

/* libcurl's OpenSSL backend, the one that computes the binding, also
 * serves OpenSSL's forks and names them so (vtls/openssl.c). */
static bool openssl_backend(const char *ssl_version)
{
	static const char *const names[] = { "OpenSSL/", "LibreSSL/", "BoringSSL", "AWS-LC",
					     "quictls/" };
	size_t len, i;
	const char *b = tls_backend(ssl_version, &len);

	for (i = 0; b != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (len >= strlen(names[i]) && strncasecmp(b, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

enum ns_cb_can ns_cb_judge(const struct ns_cb_curl *c, enum ns_auth auth, bool https,
			   enum ns_cb_why *why)
{
	enum ns_cb_why w;

	if (!https)
		w = NS_CB_WHY_PLAIN_HTTP;
	else if (auth == NS_AUTH_BASIC)
		w = NS_CB_WHY_BASIC;
	else if (auth == NS_AUTH_NTLM)
		w = NS_CB_WHY_NTLM;
	else if (!c->gssapi || !c->spnego)
		w = NS_CB_WHY_NO_SPNEGO;
	else if (c->version_num < CB_FIRST)
		w = NS_CB_WHY_OLD_CURL;
	else if (c->version_num == CB_LOST)
		w = NS_CB_WHY_CURL_8_17_0;
	else if (!openssl_backend(c->ssl_version))
		w = NS_CB_WHY_TLS_BACKEND;
	else
		w = NS_CB_WHY_SENT;
	*why = w;
	if (w == NS_CB_WHY_SENT)
		return NS_CB_YES;
	if (w == NS_CB_WHY_PLAIN_HTTP || w == NS_CB_WHY_BASIC)
		return NS_CB_NOT_APPLICABLE;
	return NS_CB_NO;
}

char *ns_cb_reason(TALLOC_CTX *mem, const struct ns_cb_curl *c, enum ns_cb_why why)
{
	const char *v = c->version != NULL ? c->version : "?";
	const char *tls = c->ssl_version != NULL ? c->ssl_version : "no TLS library";

	switch (why) {
	case NS_CB_WHY_SENT:
		return talloc_asprintf(mem, "libcurl %s sends it with Negotiate (GSS-API, %s)", v,
				       tls);
	case NS_CB_WHY_PLAIN_HTTP:
		return talloc_strdup(mem, "Extended Protection exists only over https");
	case NS_CB_WHY_BASIC:
		return talloc_strdup(mem, "Extended Protection covers Windows authentication, "
				     "Negotiate and NTLM, not Basic");
	case NS_CB_WHY_NTLM:
		return talloc_strdup(mem, "libcurl's own NTLM never sends a channel binding");
	case NS_CB_WHY_NO_SPNEGO:
		return talloc_asprintf(mem, "libcurl %s is built without GSS-API/SPNEGO", v);
	case NS_CB_WHY_OLD_CURL:
		return talloc_asprintf(mem, "libcurl %s sends no channel binding (8.10 or later "
				       "does with Negotiate)", v);
	case NS_CB_WHY_CURL_8_17_0:
		return talloc_asprintf(mem, "libcurl %s sends no channel binding with MIT Kerberos "
				       "(lost in 8.17.0, back in 8.18.0)", v);
	case NS_CB_WHY_TLS_BACKEND:
	default:
		return talloc_asprintf(mem, "libcurl %s uses %s: only its OpenSSL backend computes "
				       "the channel binding", v, tls);
	}
}

char *ns_cb_instead(TALLOC_CTX *mem, const struct ns_cb_curl *c)
{
	enum ns_cb_why why;

	if (ns_cb_judge(c, NS_AUTH_NEGOTIATE, true, &why) == NS_CB_YES)
		return talloc_asprintf(mem, "auth = negotiate with Kerberos (keytab or ccache), "
				       "or auth = ntlm-gssapi with gss-ntlmssp installed: "
				       "libcurl %s sends the binding with both",
				       c->version != NULL ? c->version : "?");
	return talloc_strdup(mem, "ask the NDES admin for Extended Protection Accept or Off on "
			     "mscep_admin, or use auth = negotiate with Kerberos (or auth = "
			     "ntlm-gssapi with gss-ntlmssp) and libcurl 8.10 or later (GSS-API, "
			     "OpenSSL; not 8.17.0)");
}
