/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Digests of consumed one-time passwords (usedpw.h). One small state file
 * (statefile.h): "TIME HEX" lines, newest last. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ns.h"
#include "statefile.h"
#include "usedpw.h"
#include "x509util.h"

#define USEDPW_FILE "used-passwords"
#define USEDPW_MAX 256			/* entries kept */
#define USEDPW_MAX_AGE (800L * 86400)	/* longer than any certificate we renew */
#define USEDPW_MAX_BYTES (USEDPW_MAX * 96 + 4096)

/* Domain-separated SHA-256: the file never holds a password. */
static void digest(const char *pw, char out[65])
{
	ns_sha256_hex("ndes-submit consumed one-time password\n", pw, 32, out);
}

bool ns_usedpw_seen(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *password)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	char *text = ns_state_read(tmp, ctx, USEDPW_FILE, USEDPW_MAX_BYTES), *line, *save = NULL;
	char want[65];
	bool seen = false;

	digest(password, want);
	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL; line != NULL && !seen;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *sp = strchr(line, ' ');
		seen = want[0] != '\0' && sp != NULL && strcmp(sp + 1, want) == 0;
	}
	talloc_free(tmp);
	return seen;
}

void ns_usedpw_record(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *password)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	/* Parallel helpers (certmonger runs one per request) must not lose
	 * each other's records. */
	int lock = ns_state_lock(tmp, ctx, USEDPW_FILE);
	char *old = ns_state_read(tmp, ctx, USEDPW_FILE, USEDPW_MAX_BYTES), *out, *line, *save = NULL;
	char *lines[USEDPW_MAX];
	char h[65];
	size_t n = 0, i;
	time_t now = time(NULL);

	digest(password, h);
	if (h[0] == '\0')
		goto done;
	for (line = old != NULL ? strtok_r(old, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		long long t;
		char hx[65];
		if (sscanf(line, "%lld %64[0-9a-f]", &t, hx) != 2 || strcmp(hx, h) == 0 ||
		    now - (time_t)t > USEDPW_MAX_AGE)
			continue;
		if (n == USEDPW_MAX - 1) {	/* keep the newest */
			memmove(lines, lines + 1, sizeof(char *) * (USEDPW_MAX - 2));
			n--;
		}
		lines[n++] = line;
	}
	out = talloc_strdup(tmp, "# ndes-submit: digests of one-time passwords NDES consumed "
			    "(no secrets)\n");
	for (i = 0; out != NULL && i < n; i++)
		out = talloc_asprintf_append(out, "%s\n", lines[i]);
	if (out != NULL)
		out = talloc_asprintf_append(out, "%lld %s\n", (long long)now, h);
	if (out == NULL || ns_state_write(tmp, ctx, USEDPW_FILE, out) != 0)
		ns_log(ctx, NS_LOG_DEBUG, "cannot record the consumed password in %s/%s: %s",
		       ctx->cfg->state_dir, USEDPW_FILE, strerror(errno));
done:
	ns_state_unlock(lock);
	talloc_free(tmp);
}
