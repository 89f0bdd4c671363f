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

/* Enough for a record; a bigger file is not one. */
#define NS_OUTAGE_MAX_BYTES 512

/* The state file of txid's outage: "retry-" and the first 128 bits of
 * SHA-256 of the transactionID (from a message: never a file name as it
 * is). NULL when out of memory. */
char *ns_outage_name(TALLOC_CTX *mem, const char *txid);

/* A record's text into *o; -1 (and *o zeroed) when it is none (NULL,
 * cut short, malformed). Shared with "ndes-submit status" (fleetstate.c). */
int ns_outage_parse(const char *text, struct ns_outage *o);

/* Zeroes *o when nothing is recorded for txid. */
void ns_outage_load(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid,
		    struct ns_outage *o);

/* Records a failure now (keeps since). Best effort. */
void ns_outage_note(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid,
		    struct ns_outage *o);

/* The server answered: forget the outage. */
void ns_outage_clear(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid);

#endif
