/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How a fleet of hosts in automatic password mode shares NDES' password
 * cache (5 unused passwords by default, ndes.md). Every admin-page visit is
 * an NTLM exchange (two HTTP requests) whether it gets a password or "the
 * password cache is full", so the cheap way through is to come back when a
 * slot is likely free, not soon:
 * - a request's first fetch waits a random time in [0, password-spread]
 *   (hosts enrolled together by one deployment spread out before anyone is
 *   refused);
 * - after the n-th "cache full" in a row the next visit waits a random time
 *   in [base, min(cap, base * 2^n)] (capped exponential backoff with full
 *   jitter above a floor of base: a retry sooner than base finds the same
 *   passwords still outstanding).
 * The delays reach certmonger through the answer layer (exit 5, answer.h).
 * Implemented in backoff.c. */
#ifndef NS_BACKOFF_H
#define NS_BACKOFF_H

#include <stdint.h>

#include "settings.h"

/* The window [lo, hi] of the delay after the n-th consecutive "cache full"
 * (n >= 1). */
void ns_backoff_window(const struct ns_config *cfg, int n, long *lo, long *hi);

/* A delay in [lo, hi], uniform, from rnd (tests pass their own). */
long ns_backoff_pick(long lo, long hi, uint32_t rnd);

/* The delay after the n-th consecutive "cache full", random. */
long ns_backoff_cache_full(const struct ns_config *cfg, int n);

/* The delay before a request's first fetch: random in [0, password-spread]. */
long ns_backoff_first(const struct ns_config *cfg);

#endif
