/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fleet's pacing of admin-page visits (backoff.h). */
#include <openssl/rand.h>

#include "backoff.h"

static uint32_t random32(void)
{
	uint32_t rnd = 0;

	/* Without randomness every host would pick the same delay: the
	 * middle of the window is the least bad fixed choice. */
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = UINT32_MAX / 2;
	return rnd;
}

void ns_backoff_window(const struct ns_config *cfg, int n, long *lo, long *hi)
{
	long base = cfg->cache_full_backoff > 0 ? cfg->cache_full_backoff
		: NS_DEFAULT_CACHE_FULL_BACKOFF;
	long cap = cfg->cache_full_backoff_max > 0 ? cfg->cache_full_backoff_max
		: NS_DEFAULT_CACHE_FULL_BACKOFF_MAX;
	long w = base;
	int i;

	if (cap < base)
		cap = base;
	/* Doubling stops at the cap, so no overflow for any n. */
	for (i = 0; i < n && w < cap; i++)
		w *= 2;
	*lo = base;
	*hi = w < cap ? w : cap;
}

long ns_backoff_pick(long lo, long hi, uint32_t rnd)
{
	if (hi <= lo)
		return lo;
	return lo + (long)(rnd % (uint32_t)(hi - lo + 1));
}

long ns_backoff_cache_full(const struct ns_config *cfg, int n)
{
	long lo, hi;

	ns_backoff_window(cfg, n < 1 ? 1 : n, &lo, &hi);
	return ns_backoff_pick(lo, hi, random32());
}

long ns_backoff_first(const struct ns_config *cfg)
{
	return cfg->password_spread > 0 ? ns_backoff_pick(0, cfg->password_spread, random32()) : 0;
}
