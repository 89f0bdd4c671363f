/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Outage records (outage.h): state file "retry-HEX", HEX = the first 128
 * bits of SHA-256 of the transactionID (it comes from a message: never a
 * file name as it is). */
#include <stdio.h>
#include <string.h>

#include "ns.h"
#include "outage.h"
#include "statefile.h"
#include "x509util.h"

char *ns_outage_name(TALLOC_CTX *mem, const char *txid)
{
	char hex[33];

	ns_sha256_hex(NULL, txid, 16, hex);
	return hex[0] != '\0' ? talloc_asprintf(mem, "retry-%s", hex) : NULL;
}

void ns_outage_load(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid,
		    struct ns_outage *o)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	char *name = ns_outage_name(tmp, txid);
	char *text = name != NULL ? ns_state_read(tmp, ctx, name, NS_OUTAGE_MAX_BYTES) : NULL;

	/* A record from the future (clock stepped back) starts over. */
	if (ns_outage_parse(text, o) != 0 || o->last > time(NULL) + 300)
		o->since = o->last = 0;
	talloc_free(tmp);
}

int ns_outage_parse(const char *text, struct ns_outage *o)
{
	long long since, last;

	o->since = o->last = 0;
	if (text == NULL || sscanf(text, "since=%lld\nlast=%lld", &since, &last) != 2 ||
	    since <= 0 || since > last)
		return -1;
	o->since = (time_t)since;
	o->last = (time_t)last;
	return 0;
}

void ns_outage_note(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid,
		    struct ns_outage *o)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	char *name = ns_outage_name(tmp, txid), *text;

	o->last = time(NULL);
	if (o->since == 0 || o->since > o->last)
		o->since = o->last;
	text = talloc_asprintf(tmp, "since=%lld\nlast=%lld\n", (long long)o->since,
			       (long long)o->last);
	if (name == NULL || text == NULL || ns_state_write(tmp, ctx, name, text) != 0)
		ns_log(ctx, NS_LOG_DEBUG, "cannot record the outage in the state directory");
	talloc_free(tmp);
}

void ns_outage_clear(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *txid)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	char *name = ns_outage_name(tmp, txid);

	if (name != NULL)
		ns_state_remove(tmp, ctx, name);
	talloc_free(tmp);
}
