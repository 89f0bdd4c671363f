/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From a cause (cause.h) to what the process answers: certmonger's exit
 * status for the helper operations, the documented exit codes of the admin
 * subcommands, and whether the cause may pass by itself (worth asking again
 * soon rather than waiting for an admin). One table, in outcome.c. */
#ifndef NS_OUTCOME_H
#define NS_OUTCOME_H

#include <stdbool.h>

#include "err.h"

enum ns_opclass {
	NS_OPC_HELPER,		/* run by certmonger: SUBMIT, POLL, CA data */
	NS_OPC_ADMIN,		/* caps, cacert, check */
	NS_OPC_OTP,		/* otp: its own codes for the admin page's answers */
	NS_OPC__MAX
};

/* Exit status for cause in operation class op. */
int ns_outcome_status(enum ns_opclass op, enum ns_cause cause);

/* ns_outcome_status(op, err->cause): what an operation returns. */
int ns_outcome(enum ns_opclass op, const struct ns_err *err);

/* No reply, a broken one, HTTP 5xx, NDES or its admin page busy: a bounded
 * retry soon rather than certmonger's long delays or an admin's attention. */
bool ns_cause_transient(enum ns_cause cause);

/* The cause's name in the table ("NOMEM"), for logs and tests. */
const char *ns_cause_name(enum ns_cause cause);

#endif
