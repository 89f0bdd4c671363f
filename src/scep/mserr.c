/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mserr.h"

/* RFC 8894 section 3.2.1.4.4. The hints say what NDES means by them (ndes.md). */
static const struct {
	const char *name;
	const char *hint;
} failinfos[] = {
	{ "badAlg", "NDES does not accept the algorithms of the request" },
	{ "badMessageCheck", "NDES did not accept the challenge password or the message signature" },
	{ "badRequest", "the CA or its policy refused the request" },
	{ "badTime", "the request's time was not accepted: check the clocks" },
	{ "badCertId", "NDES does not know the request or certificate it refers to" },
};

/* HRESULTs seen with NDES (ndes.md), plus a few close relatives that AD CS
 * is known to return. Order does not matter. */
static const struct ns_mserr table[] = {
	{ 0x80070057, "E_INVALIDARG",
	  "NDES refused the request as invalid (check the subject, key usage and template settings)",
	  NS_MSERR_FINAL },
	{ 0x80090005, "NTE_BAD_DATA",
	  "NDES cannot decrypt the request (encrypted to the wrong certificate or with an algorithm it does not accept); run getcert refresh-ca and make sure the CEP Encryption certificate comes first",
	  NS_MSERR_FINAL },
	{ 0x800B0110, "CERT_E_WRONG_USAGE",
	  "the challenge password was already used; fetch a new one-time password",
	  NS_MSERR_PASSWORD },
	{ 0x80096004, "TRUST_E_CERT_SIGNATURE",
	  "NDES requires a challenge password and the request has none; request with getcert -L PASSWORD or -l FILE",
	  NS_MSERR_PASSWORD },
	{ 0x80070490, "ERROR_NOT_FOUND",
	  "the challenge password is unknown or was already used; fetch a new one-time password",
	  NS_MSERR_PASSWORD },
	{ 0x80094001, "CERTSRV_E_BAD_REQUESTSUBJECT",
	  "the CA refused the subject name of the request",
	  NS_MSERR_FINAL },
	{ 0x800706BA, "RPC_S_SERVER_UNAVAILABLE",
	  "NDES cannot reach its CA (will retry)",
	  NS_MSERR_TRANSIENT },
	{ 0x800706D9, "EPT_S_NOT_REGISTERED",
	  "NDES cannot reach the CA's certificate service (will retry)",
	  NS_MSERR_TRANSIENT },
	{ 0x80070102, "WAIT_TIMEOUT",
	  "NDES timed out talking to its CA (will retry)",
	  NS_MSERR_TRANSIENT },
	{ 0x80094014, "CERTSRV_E_ADMIN_DENIED_REQUEST",
	  "a CA manager denied the request",
	  NS_MSERR_FINAL },
	{ 0x80094800, "CERTSRV_E_UNSUPPORTED_CERT_TYPE",
	  "the CA does not offer the certificate template NDES uses; publish the template on the CA",
	  NS_MSERR_FINAL },
	{ 0x80094801, "CERTSRV_E_NO_CERT_TYPE",
	  "the request names no certificate template the CA knows; check NDES' template registry settings",
	  NS_MSERR_FINAL },
	{ 0x80094811, "CERTSRV_E_KEY_LENGTH",
	  "the key is too short for the template; request a longer key (getcert -g 2048 or more)",
	  NS_MSERR_FINAL },
	{ 0x80094012, "CERTSRV_E_TEMPLATE_DENIED",
	  "the template's permissions do not let NDES' service account enroll",
	  NS_MSERR_FINAL },
	{ 0x80070005, "E_ACCESSDENIED",
	  "access denied on the NDES or CA side",
	  NS_MSERR_FINAL },
	{ 0x80004005, "E_FAIL",
	  "unspecified failure on the NDES or CA side; see the NDES server's event log",
	  NS_MSERR_FINAL },
};

const char *ns_failinfo_name(int failinfo)
{
	if (failinfo < 0 || (size_t)failinfo >= sizeof(failinfos) / sizeof(failinfos[0]))
		return NULL;
	return failinfos[failinfo].name;
}

const char *ns_failinfo_hint(int failinfo)
{
	if (failinfo < 0 || (size_t)failinfo >= sizeof(failinfos) / sizeof(failinfos[0]))
		return "unknown failure code";
	return failinfos[failinfo].hint;
}

const struct ns_mserr *ns_mserr_lookup(uint32_t code)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].code == code)
			return &table[i];
	return NULL;
}

int ns_mserr_parse_hresult(const char *text, uint32_t *out)
{
	const char *p = text;
	char *end = NULL;
	long long v;

	if (text == NULL)
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	errno = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		unsigned long long u = strtoull(p + 2, &end, 16);
		if (end == p + 2 || u > 0xffffffffULL)
			return -1;
		v = (long long)u;
	} else {
		if (!(isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1]))))
			return -1;
		v = strtoll(p, &end, 10);
		/* NDES writes the HRESULT as a signed 32-bit decimal. */
		if (v < -2147483648LL || v > 0xffffffffLL)
			return -1;
	}
	if (errno != 0 || end == NULL)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*out = (uint32_t)(v & 0xffffffffLL);
	return 0;
}

bool ns_mserr_is_password_refusal(int failinfo, bool have_hr, uint32_t hr)
{
	const struct ns_mserr *e = have_hr ? ns_mserr_lookup(hr) : NULL;

	if (e != NULL)
		return e->kind == NS_MSERR_PASSWORD;
	return failinfo == 1;	/* badMessageCheck: NDES event 29, wrong or used password */
}

bool ns_mserr_is_transient(bool have_hr, uint32_t hr)
{
	const struct ns_mserr *e = have_hr ? ns_mserr_lookup(hr) : NULL;

	return e != NULL && e->kind == NS_MSERR_TRANSIENT;
}

/* Keeps server text printable and short: it ends up in certmonger's ca-error. */
static char *clean_text(TALLOC_CTX *mem, const char *s)
{
	size_t i, n = strlen(s);
	char *out;

	if (n > 200)
		n = 200;
	out = talloc_strndup(mem, s, n);
	for (i = 0; out != NULL && out[i] != '\0'; i++)
		if (!isprint((unsigned char)out[i]))
			out[i] = ' ';
	return out;
}

char *ns_mserr_describe(TALLOC_CTX *mem, int failinfo, bool have_hr, uint32_t hr,
			const char *fail_text)
{
	const char *name = ns_failinfo_name(failinfo);
	const struct ns_mserr *e = have_hr ? ns_mserr_lookup(hr) : NULL;
	char *s;

	if (failinfo < 0)
		s = talloc_strdup(mem, "no failInfo");
	else if (name != NULL)
		s = talloc_strdup(mem, name);
	else
		s = talloc_asprintf(mem, "failInfo %d (unknown)", failinfo);
	if (s == NULL)
		return NULL;
	if (have_hr && e != NULL)
		s = talloc_asprintf_append(s, ", 0x%08X %s: %s", hr, e->symbol, e->hint);
	else if (have_hr)
		s = talloc_asprintf_append(s, ", 0x%08X%s: %s", hr,
					   ((hr >> 16) & 0x1fff) == 7 ? " (a Windows error)" : "",
					   failinfo >= 0 ? ns_failinfo_hint(failinfo)
					   : "see the NDES server's event log");
	else if (failinfo >= 0)
		s = talloc_asprintf_append(s, ": %s", ns_failinfo_hint(failinfo));
	if (s != NULL && fail_text != NULL && fail_text[0] != '\0') {
		char *t = clean_text(s, fail_text);
		s = talloc_asprintf_append(s, " (server says: %s)", t ? t : "");
	}
	return s;
}
