/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one table from causes to exit statuses (outcome.h). Why the helper
 * statuses are what they are:
 * - UNREACHABLE (3) makes certmonger ask again later (up to days): for a
 *   server that is away or misbehaving, and for out of memory (nothing about
 *   the request is wrong, so it must not end it for good).
 * - UNCONFIGURED (4) waits for an admin to fix settings or certmonger's CA
 *   data; REJECTED (2) ends the request: NDES or the data said no.
 * - Transient causes are not reported with 3 by the helper operations: the
 *   answer layer (answer.c) turns them into a bounded retry with
 *   WAIT_WITH_DELAY (5).
 * "ndes-submit otp" gives the admin page's answers codes of their own
 * (10-15, documented in ndes-submit(8)). */
#include <stddef.h>

#include "outcome.h"
#include "status.h"

struct row {
	const char *name;
	enum ns_status helper;	/* certmonger's status; the admin subcommands reuse it */
	int otp;		/* "ndes-submit otp" exit code; 0: as helper */
	bool transient;
};

#define ROW(c, h, o, t) [NS_CAUSE_##c] = { #c, h, o, t }

static const struct row table[NS_CAUSE__MAX] = {
	ROW(NONE, NS_ISSUED, 0, false),
	ROW(NOMEM, NS_UNREACHABLE, 0, false),
	ROW(CONFIG, NS_UNCONFIGURED, 0, false),
	ROW(IO, NS_UNREACHABLE, 0, false),
	ROW(HTTP_CONNECT, NS_UNREACHABLE, 0, true),
	ROW(HTTP_DNS, NS_UNREACHABLE, 0, true),
	ROW(HTTP_TIMEOUT, NS_UNREACHABLE, 0, true),
	ROW(HTTP_CLOSED, NS_UNREACHABLE, 0, true),
	ROW(HTTP_TRUNCATED, NS_UNREACHABLE, 0, true),
	ROW(HTTP_OTHER, NS_UNREACHABLE, 0, true),
	ROW(TLS, NS_UNREACHABLE, 0, false),
	ROW(TOO_LARGE, NS_UNREACHABLE, 0, false),
	ROW(HTTP_5XX, NS_UNREACHABLE, 0, true),
	ROW(HTTP_STATUS, NS_UNCONFIGURED, 0, false),
	ROW(URL_TOO_LONG, NS_UNCONFIGURED, 0, false),
	ROW(SERVER_DATA, NS_UNREACHABLE, 0, false),
	ROW(RA_EXPIRED, NS_UNREACHABLE, 0, false),
	ROW(PARSE, NS_REJECTED, 0, false),
	ROW(CA_CERTS, NS_REJECTED, 0, false),
	ROW(CA_CERTS_STALE, NS_UNCONFIGURED, 0, false),
	ROW(INPUT, NS_REJECTED, 0, false),
	ROW(REPLY, NS_REJECTED, 0, false),
	ROW(REFUSED, NS_REJECTED, 0, false),
	ROW(NDES_BUSY, NS_UNREACHABLE, 0, true),
	ROW(OTP_CREDENTIALS, NS_UNCONFIGURED, 10, false),
	ROW(OTP_PERMISSION, NS_UNCONFIGURED, 11, false),
	ROW(OTP_CACHE_FULL, NS_UNREACHABLE, 12, true),
	ROW(OTP_DISABLED, NS_UNCONFIGURED, 13, false),
	ROW(OTP_SERVER, NS_UNREACHABLE, 14, true),
	ROW(OTP_NO_PASSWORD, NS_UNREACHABLE, 15, true),
	ROW(OTP_BUDGET, NS_UNREACHABLE, 0, true),
	ROW(WAIT, NS_WAIT_WITH_DELAY, 0, false),
	ROW(NEED_MESSAGES, NS_NEED_SCEP_MESSAGES, 0, false),
	ROW(NEED_REKEY, NS_NEED_REKEY, 0, false),
	ROW(UNSUPPORTED, NS_NOT_SUPPORTED, 0, false),
};

static const struct row *row_of(enum ns_cause cause)
{
	/* An unknown cause is a bug; treat it as out of memory: retried, not final. */
	if ((unsigned)cause >= NS_CAUSE__MAX || table[cause].name == NULL)
		return &table[NS_CAUSE_NOMEM];
	return &table[cause];
}

int ns_outcome_status(enum ns_opclass op, enum ns_cause cause)
{
	const struct row *r = row_of(cause);

	if (op == NS_OPC_OTP && r->otp != 0)
		return r->otp;
	return (int)r->helper;
}

int ns_outcome(enum ns_opclass op, const struct ns_err *err)
{
	return ns_outcome_status(op, err->cause);
}

bool ns_cause_transient(enum ns_cause cause)
{
	return row_of(cause)->transient;
}

const char *ns_cause_name(enum ns_cause cause)
{
	return row_of(cause)->name;
}
