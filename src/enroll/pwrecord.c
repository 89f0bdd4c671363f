/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The automatic-password record's format (pwrecord.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "pwrecord.h"

char *ns_pwrecord_path(TALLOC_CTX *mem, const char *pw_file)
{
	return talloc_asprintf(mem, "%s.ndes-submit-state", pw_file);
}

/* Keeps the fetches of the last hour, oldest first, at most one more than
 * the limit (the oldest falls out). */
static void add_fetch(struct ns_pwrecord *rec, long long v, time_t now)
{
	if ((time_t)v <= now - 3600 || (time_t)v > now)
		return;
	if (rec->nfetches == NS_PWREC_MAX_FETCHES + 1) {
		memmove(rec->fetches, rec->fetches + 1, sizeof(time_t) * NS_PWREC_MAX_FETCHES);
		rec->nfetches--;
	}
	rec->fetches[rec->nfetches++] = (time_t)v;
}

static long long counter(long long v)
{
	return v > 0 ? v : 0;
}

void ns_pwrecord_parse(const char *text, time_t now, struct ns_pwrecord *rec)
{
	const char *line, *end;

	memset(rec, 0, sizeof(*rec));
	for (line = text; line != NULL && *line != '\0'; line = end != NULL ? end + 1 : NULL) {
		long long v;
		char hex[65];

		end = strchr(line, '\n');
		if (sscanf(line, "fetched=%lld", &v) == 1)
			add_fetch(rec, v, now);
		else if (sscanf(line, "written=%lld", &v) == 1)
			rec->written = (time_t)v;
		else if (sscanf(line, "sha256=%64[0-9a-f]", hex) == 1)
			memcpy(rec->sha256, hex, sizeof(hex));
		else if (sscanf(line, "nudges=%lld", &v) == 1)
			rec->nudges = (int)v;
		else if (sscanf(line, "refused_fresh=%lld", &v) == 1)
			rec->refused_fresh = (int)v;
		else if (sscanf(line, "server=%16[0-9a-f]", hex) == 1)
			memcpy(rec->server, hex, sizeof(rec->server));
		else if (sscanf(line, "cache_full=%lld", &v) == 1)
			rec->cache_full = v > 0 && v < 1000 ? (int)v : 0;
		else if (sscanf(line, "not_before=%lld", &v) == 1)
			rec->not_before = (time_t)v;
		else if (sscanf(line, "spread=%lld", &v) == 1)
			rec->spread = (time_t)v;
		else if (sscanf(line, "total_password=%lld", &v) == 1)
			rec->total_password = counter(v);
		else if (sscanf(line, "total_cache_full=%lld", &v) == 1)
			rec->total_cache_full = counter(v);
		else if (sscanf(line, "total_failed=%lld", &v) == 1)
			rec->total_failed = counter(v);
	}
}

char *ns_pwrecord_format(TALLOC_CTX *mem, const struct ns_pwrecord *rec)
{
	char *s = talloc_strdup(mem, "# ndes-submit automatic password record (no secrets)\n");
	int i;

	for (i = 0; s != NULL && i < rec->nfetches; i++)
		s = talloc_asprintf_append(s, "fetched=%lld\n", (long long)rec->fetches[i]);
	if (s != NULL)
		s = talloc_asprintf_append(s, "written=%lld\nsha256=%s\nnudges=%d\nrefused_fresh=%d\n"
					   "server=%s\ncache_full=%d\nnot_before=%lld\nspread=%lld\n"
					   "total_password=%lld\ntotal_cache_full=%lld\n"
					   "total_failed=%lld\n",
					   (long long)rec->written, rec->sha256, rec->nudges,
					   rec->refused_fresh, rec->server, rec->cache_full,
					   (long long)rec->not_before, (long long)rec->spread,
					   rec->total_password, rec->total_cache_full, rec->total_failed);
	return s;
}
