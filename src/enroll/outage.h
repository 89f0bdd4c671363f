/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How long one request has met transient trouble (no answer, HTTP 5xx,
 * NDES cannot reach its CA). certmonger clears ca-error on every exit 5, so
 * a helper that retries with exit 5 hides an outage from getcert list;
 * submit.c switches to a visible retry once the trouble has lasted
 * report-after seconds, and needs to know since when. One state file per
 * transactionID (statefile.h). Implemented in outage.c. */
#ifndef NS_OUTAGE_H
#define NS_OUTAGE_H

#include <time.h>
#include <talloc.h>

struct ns_ctx;

struct ns_outage {
	time_t since;	/* first failure (0: none recorded) */
	time_t last;	/* latest failure */
};

/* Zeroes *o when nothing is recorded for txid. */
void ns_outage_load(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid,
		    struct ns_outage *o);

/* Records a failure now (keeps since). Best effort. */
void ns_outage_note(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid,
		    struct ns_outage *o);

/* The server answered: forget the outage. */
void ns_outage_clear(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid);

#endif
