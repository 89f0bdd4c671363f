/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The automatic-password record next to a request's "-l FILE"
 * ("FILE.ndes-submit-state", mode 0600, no secrets): what autopw.c wrote
 * into FILE and when, the fetches of the last hour, the fleet pacing
 * (backoff.h) and counters for "ndes-submit status". autopw.c keeps it;
 * fleetstate.c only reads it. One "key=value" per line; unknown keys are
 * ignored, so older and newer helpers can share a record. */
#ifndef NS_PWRECORD_H
#define NS_PWRECORD_H

#include <time.h>
#include <talloc.h>

/* Fetches per request within one hour (NDES caches 5 for everybody). */
#define NS_PWREC_MAX_FETCHES 3
/* The record is a few lines: anything larger is not ours. */
#define NS_PWREC_MAX_BYTES 4096

struct ns_pwrecord {
	time_t fetches[NS_PWREC_MAX_FETCHES + 1];	/* within the last hour, oldest first */
	int nfetches;
	time_t written;		/* when our password went into FILE (0: none pending) */
	char sha256[65];	/* SHA-256 hex of that password ("" none) */
	int nudges;		/* exit 17 since then without a fetch */
	int refused_fresh;	/* fresh passwords refused in a row */
	char server[17];	/* ns_servers_id of the server that issued it ("" unknown) */
	/* Fleet pacing (backoff.h): kept here, per request, because certmonger
	 * starts a new helper for every attempt. */
	int cache_full;		/* "cache full" answers in a row */
	time_t not_before;	/* no admin-page visit before this (0: none) */
	time_t spread;		/* when the first-fetch spread was drawn (0: not yet) */
	/* Admin-page visits since the record began, by result (counters for
	 * metrics: they only grow). */
	long long total_password, total_cache_full, total_failed;
};

/* FILE's record path. NULL: out of memory. */
char *ns_pwrecord_path(TALLOC_CTX *mem, const char *pw_file);

/* Reads a record's text; fetches older than an hour before now (or in the
 * future) are dropped. A missing or malformed line leaves its field 0. */
void ns_pwrecord_parse(const char *text, time_t now, struct ns_pwrecord *rec);

/* The record's text. NULL: out of memory. */
char *ns_pwrecord_format(TALLOC_CTX *mem, const struct ns_pwrecord *rec);

#endif
