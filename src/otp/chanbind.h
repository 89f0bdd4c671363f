/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Can this process' libcurl send the TLS channel binding (RFC 5929
 * tls-server-end-point) that IIS Extended Protection for Authentication
 * (EPA) asks for on the admin page? Decided from curl_version_info() at run
 * time, for one auth scheme and URL scheme. Implemented in chanbind.c.
 *
 * What libcurl does (read in curl's source): its own NTLM never sends a
 * binding. SPNEGO over GSS-API sends one from 8.10.0 (commit 0a5ea09a91,
 * PR 13098) on any TLS connection, with no option to ask for it, but only
 * the OpenSSL backend computes it (the others return none). 8.17.0 made it
 * depend on GSS_C_CHANNEL_BOUND_FLAG without including the MIT header that
 * defines it, so 8.17.0 sends none (fixed in 8.18.0, commit 4aed2dcc89).
 * MIT krb5 1.19 or later must carry it through SPNEGO: not visible here. */
#ifndef NS_CHANBIND_H
#define NS_CHANBIND_H

#include <stdbool.h>
#include <talloc.h>

#include "settings.h"

/* The facts about a libcurl that matter, as plain values for tests. */
struct ns_cb_curl {
	unsigned int version_num;	/* 0xXXYYZZ, as LIBCURL_VERSION_NUM */
	const char *version;		/* "8.14.1" */
	bool gssapi;			/* CURL_VERSION_GSSAPI */
	bool spnego;			/* CURL_VERSION_SPNEGO */
	const char *ssl_version;	/* "OpenSSL/3.0.19", NULL without TLS */
};

enum ns_cb_can {
	NS_CB_NOT_APPLICABLE,	/* no EPA here: plain http, or Basic */
	NS_CB_YES,
	NS_CB_NO,
};

/* Why, for messages (ns_cb_reason). */
enum ns_cb_why {
	NS_CB_WHY_SENT,		/* Negotiate, new enough libcurl, OpenSSL */
	NS_CB_WHY_PLAIN_HTTP,	/* EPA exists only over TLS */
	NS_CB_WHY_BASIC,	/* EPA covers Windows authentication only */
	NS_CB_WHY_NTLM,		/* libcurl's own NTLM */
	NS_CB_WHY_NO_SPNEGO,	/* built without GSS-API/SPNEGO */
	NS_CB_WHY_OLD_CURL,	/* before 8.10.0 */
	NS_CB_WHY_CURL_8_17_0,	/* the one release that lost it */
	NS_CB_WHY_TLS_BACKEND,	/* not libcurl's OpenSSL backend */
};

/* This process' libcurl (strings point into libcurl's static data). */
void ns_cb_curl_running(struct ns_cb_curl *out);

/* For auth as it goes out: NS_AUTH_ANY means libcurl's own choice, which
 * is Negotiate whenever the server offers it (IIS always does). */
enum ns_cb_can ns_cb_judge(const struct ns_cb_curl *c, enum ns_auth auth, bool https,
			   enum ns_cb_why *why);

/* One clause saying why, naming the libcurl version and TLS library. */
char *ns_cb_reason(TALLOC_CTX *mem, const struct ns_cb_curl *c, enum ns_cb_why why);

/* What works where EPA is Required: Kerberos when this libcurl can bind,
 * else EPA Accept/Off on mscep_admin or a newer libcurl. */
char *ns_cb_instead(TALLOC_CTX *mem, const struct ns_cb_curl *c);

#endif
