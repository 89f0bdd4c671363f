/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What "ndes-submit status" reports, gathered from files only (no network):
 * certmonger's CA records (the CAs whose helper is ndes-submit, with the CA
 * and RA certificates certmonger keeps for them), certmonger's request
 * records for those CAs, and the helper's own state: outage records
 * (outage.h, state-dir/retry-HEX, keyed by the request's scep_tx) and the
 * automatic-password records next to a "getcert request -l FILE"
 * (FILE.ndes-submit-state, autopw.c: fetch times, no secrets).
 * Whatever cannot be read or parsed is listed, never fatal: the command
 * must work for a non-root user who can read only part of it.
 * Implemented in fleetstate.c. */
#ifndef NS_FLEETSTATE_H
#define NS_FLEETSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <talloc.h>

#include "err.h"

#define NS_FLEET_DEFAULT_CAS_DIR "/var/lib/certmonger/cas"

/* Where to look; NULL fields take the defaults (state_dir NULL: none). */
struct ns_fleet_dirs {
	const char *requests_dir;	/* certmonger's request records */
	const char *cas_dir;		/* certmonger's CA records */
	const char *state_dir;		/* the helper's state-dir */
};

/* One CA or RA certificate of a CA, in one role. */
struct ns_fleet_cert {
	const char *role;	/* "signing", "encryption", "ca" */
	char *subject;		/* RFC 2253 */
	time_t not_after;
};

struct ns_fleet_ca {
	char *name;		/* certmonger's CA nickname (id=) */
	char *path;		/* its record */
	struct ns_fleet_cert *certs;
	size_t ncerts;
	time_t outage_since;	/* earliest outage of its requests (0: none) */
};

/* The outcome of a request as far as the files tell. */
enum ns_fleet_outcome {
	NS_FLEET_UNKNOWN,	/* nothing recorded yet */
	NS_FLEET_ISSUED,	/* monitoring a certificate */
	NS_FLEET_PENDING,	/* certmonger is working on it, nothing failed */
	NS_FLEET_FAILING,	/* an outage record, a ca-error or a failure state */
};

struct ns_fleet_req {
	char *nickname;		/* certmonger's request id; "retry-HEX" for an outage
				 * record no request names */
	char *path;		/* the record (or the outage file) */
	char *ca;		/* ca_name, NULL when unknown */
	char *state;		/* certmonger's state, NULL when unknown */
	time_t cert_not_after;	/* 0: no certificate known */
	enum ns_fleet_outcome outcome;
	char *cause;		/* why it is failing (ca_error, the outage), or NULL */
	time_t failing_since;	/* outage start (0: not known) */
	time_t last_failure;	/* latest failure of the outage (0: not known) */
	time_t next_attempt;	/* the next admin-page visit an automatic password
				 * waits for (0: not known: certmonger 0.79 does
				 * not record its own schedule) */
	int pw_fetches;		/* automatic passwords fetched in the last hour; -1 unknown */
	/* admin-page visits for it by result, since its record began (counters;
	 * meaningful only when pw_fetches >= 0) */
	long long pw_total_password, pw_total_cache_full, pw_total_failed;
};

/* A file or directory that could not be read or made sense of. */
struct ns_fleet_unreadable {
	char *path;
	char *reason;
};

struct ns_fleet {
	time_t now;
	struct ns_fleet_ca *cas;
	size_t ncas;
	struct ns_fleet_req *reqs;
	size_t nreqs;
	struct ns_fleet_unreadable *unreadable;
	size_t nunreadable;
};

/* Gathers the state at time now (0: the current time). *out on mem.
 * Returns 0 (unreadable files are listed in *out), or -1 with err
 * (NS_CAUSE_NOMEM). */
int ns_fleet_gather(TALLOC_CTX *mem, const struct ns_fleet_dirs *dirs, time_t now,
		    struct ns_fleet **out, struct ns_err *err);

/* Failing requests (outcome NS_FLEET_FAILING). */
size_t ns_fleet_failing(const struct ns_fleet *f);

/* "issued", "pending", "failing", "unknown". */
const char *ns_fleet_outcome_name(enum ns_fleet_outcome o);

#endif
