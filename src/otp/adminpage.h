/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NDES' admin page (certsrv/mscep_admin/): decoding and classification.
 * Real servers send UTF-16LE (with or without BOM) although the page's meta
 * tag says UTF-8; proxies and test servers send UTF-8 (ndes.md). Failures
 * arrive as HTTP 200 pages, so the page text decides what happened.
 * Implemented in adminpage.c; no I/O here. */
#ifndef NS_ADMINPAGE_H
#define NS_ADMINPAGE_H

#include <stddef.h>
#include <talloc.h>

enum ns_adminpage_kind {
	NS_ADMINPAGE_PASSWORD = 0,	/* a challenge password was found */
	NS_ADMINPAGE_CACHE_FULL,	/* "The password cache is full." */
	NS_ADMINPAGE_NO_PERMISSION,	/* "You do not have sufficient permission ..." */
	NS_ADMINPAGE_OTHER,		/* anything else (localized failure, garbage) */
};

struct ns_adminpage {
	enum ns_adminpage_kind kind;
	char *password;		/* NS_ADMINPAGE_PASSWORD only, else NULL */
	char *thumbprint;	/* "A656FA66 AB12B433 ..." (upper case) or NULL */
	char *text;		/* the page's text without markup, whitespace collapsed */
};

/* Decodes a page body to NUL-terminated UTF-8: BOM FF FE -> UTF-16LE,
 * FE FF -> UTF-16BE, EF BB BF -> UTF-8; without BOM, NULs in most odd
 * (even) positions mean UTF-16LE (BE); else UTF-8. An odd trailing byte of
 * UTF-16 is dropped, bad surrogates become U+FFFD, NUL characters are dropped.
 * NULL only when out of memory. */
char *ns_adminpage_decode(TALLOC_CTX *mem, const unsigned char *body, size_t len);

/* Text of an HTML fragment: tags removed (script/style content too), common
 * entities decoded, whitespace collapsed, control characters dropped. */
char *ns_adminpage_strip(TALLOC_CTX *mem, const char *html);

/* Decodes and classifies a page. The password is the first bold (<B> or
 * <STRONG>) element after the thumbprint's (or the first, without thumbprint)
 * holding a single token of an even number (at least 4) of hex digits; the thumbprint is a bold
 * element of several whitespace-separated 8-hex-digit groups and is never
 * taken for the password. Localized pages are classified by that structure;
 * cache-full and no-permission pages by their English text.
 * Returns 0, or -1 when out of memory. */
int ns_adminpage_parse(TALLOC_CTX *mem, const unsigned char *body, size_t len,
		       struct ns_adminpage **out);

/* At most max bytes of text (cut at a UTF-8 boundary, "..." appended). */
char *ns_adminpage_truncate(TALLOC_CTX *mem, const char *text, size_t max);

#endif
