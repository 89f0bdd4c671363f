/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Why an operation ended the way it did. Set where the failure happens
 * (http.c knows a timeout, certrep.c a bad signature, otp.c a full password
 * cache); what certmonger is told follows from the cause alone, in
 * outcome.c's table. Nothing below outcome.c names a certmonger status. */
#ifndef NS_CAUSE_H
#define NS_CAUSE_H

enum ns_cause {
	NS_CAUSE_NONE = 0,		/* success */
	NS_CAUSE_NOMEM,			/* an allocation failed */
	NS_CAUSE_CONFIG,		/* settings, command line, local files */
	NS_CAUSE_IO,			/* writing our answer failed, libcurl would not start */
	/* No HTTP reply (http.c). */
	NS_CAUSE_HTTP_CONNECT,		/* refused, unreachable, connect timeout */
	NS_CAUSE_HTTP_DNS,		/* host (or proxy) name not found */
	NS_CAUSE_HTTP_TIMEOUT,		/* connected, but the reply did not complete in time */
	NS_CAUSE_HTTP_CLOSED,		/* connection closed or reset without any reply */
	NS_CAUSE_HTTP_TRUNCATED,	/* the reply ended before its announced length */
	NS_CAUSE_HTTP_OTHER,		/* any other transfer failure */
	NS_CAUSE_TLS,			/* handshake, untrusted certificate, name mismatch */
	NS_CAUSE_TOO_LARGE,		/* the reply exceeded NS_HTTP_MAX_BODY */
	/* An HTTP reply that is not an answer. */
	NS_CAUSE_HTTP_5XX,		/* server trouble (HTTP 5xx) */
	NS_CAUSE_HTTP_STATUS,		/* a status that means a wrong url or method */
	NS_CAUSE_URL_TOO_LONG,		/* a GET over the server's query limit */
	NS_CAUSE_SERVER_DATA,		/* GetCACaps/GetCACert gave nothing usable */
	NS_CAUSE_RA_EXPIRED,		/* NDES' RA certificates expired: HTTP 500 for all */
	/* Data that does not fit. */
	NS_CAUSE_PARSE,			/* malformed certificate, CSR or name data */
	NS_CAUSE_CA_CERTS,		/* CA certificates without the roles NDES needs */
	NS_CAUSE_CA_CERTS_STALE,	/* certmonger's copies are missing or unusable */
	NS_CAUSE_INPUT,			/* certmonger's SCEP messages or cookie are unusable */
	NS_CAUSE_REPLY,			/* not a valid, verifiable SCEP reply */
	/* NDES' answers. */
	NS_CAUSE_REFUSED,		/* pkiStatus FAILURE (or a policy refusal before sending) */
	NS_CAUSE_NDES_BUSY,		/* NDES cannot complete the request now */
	/* The admin page (one-time passwords). */
	NS_CAUSE_OTP_CREDENTIALS,	/* HTTP 401 */
	NS_CAUSE_OTP_PERMISSION,	/* "no sufficient permission" page or 403 */
	NS_CAUSE_OTP_CACHE_FULL,	/* "password cache is full" page */
	NS_CAUSE_OTP_DISABLED,		/* HTTP 404 */
	NS_CAUSE_OTP_SERVER,		/* HTTP 5xx */
	NS_CAUSE_OTP_NO_PASSWORD,	/* a page without a password, other status */
	NS_CAUSE_OTP_BUDGET,		/* our own limit or pacing of fetches (per hour, password-spread) */
	/* Not failures: what certmonger is asked to do next. */
	NS_CAUSE_WAIT,			/* ask again after a delay (pending, retry) */
	NS_CAUSE_NEED_MESSAGES,		/* build the SCEP messages and SUBMIT again */
	NS_CAUSE_NEED_REKEY,		/* make a new key and CSR */
	NS_CAUSE_UNSUPPORTED,		/* an operation this helper does not do */
	NS_CAUSE__MAX
};

#endif
