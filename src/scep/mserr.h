/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What NDES says when it refuses: SCEP failInfo codes (RFC 8894) and the
 * Microsoft HRESULT NDES adds in attribute 1.3.6.1.4.1.311.21.33, turned
 * into names and a hint an admin can act on (table in ndes.md). */
#ifndef NS_MSERR_H
#define NS_MSERR_H

#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>

/* The OID of NDES' error attribute (a signed decimal PrintableString). */
#define NS_OID_MS_SCEP_ERROR "1.3.6.1.4.1.311.21.33"

enum ns_mserr_kind {
	NS_MSERR_FINAL = 0,	/* the request is refused: tell the admin */
	NS_MSERR_PASSWORD,	/* the challenge password was refused */
	NS_MSERR_TRANSIENT,	/* worth retrying later (NDES cannot reach its CA) */
};

struct ns_mserr {
	uint32_t code;
	const char *symbol;
	const char *hint;	/* what it means and what to do, lower case */
	enum ns_mserr_kind kind;
};

/* "badAlg".."badCertId"; NULL for an unknown value. */
const char *ns_failinfo_name(int failinfo);
/* A short explanation of a failInfo value (never NULL). */
const char *ns_failinfo_hint(int failinfo);

/* The table entry for an HRESULT, or NULL when it is not known. */
const struct ns_mserr *ns_mserr_lookup(uint32_t code);

/* Parses NDES' attribute text: signed decimal ("-2147024809"), also
 * unsigned decimal or 0x-hex. Returns 0 or -1 on anything else. */
int ns_mserr_parse_hresult(const char *text, uint32_t *out);

/* Is this refusal about the challenge password (failInfo badMessageCheck, or
 * one of the password HRESULTs)? have_hr tells whether hr is meaningful. */
/* NDES does not know the password (or it expired). */
#define NS_HR_ERROR_NOT_FOUND 0x80070490u

bool ns_mserr_is_password_refusal(int failinfo, bool have_hr, uint32_t hr);
/* Is it a transient server-side problem worth retrying? */
bool ns_mserr_is_transient(bool have_hr, uint32_t hr);

/* One line: "badMessageCheck, 0x80070490 ERROR_NOT_FOUND: the challenge
 * password is unknown or was already used; fetch a new one-time password".
 * failinfo < 0: none; fail_text: the optional failInfoText (may be NULL). */
char *ns_mserr_describe(TALLOC_CTX *mem, int failinfo, bool have_hr, uint32_t hr,
			const char *fail_text);

#endif
