/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Several NDES servers (url = A B ...). Each NDES server keeps its own
 * password cache and its own pending requests in memory (ndes.md "Several
 * NDES servers"), so a password is sent only to the server that issued it
 * and a pending request is polled where it waits; anything else may go to
 * whichever server answers. An operation works on a copy of the context
 * whose cfg->url (and cfg->admin_url) name one server. Implemented in
 * servers.c. */
#ifndef NS_SERVERS_H
#define NS_SERVERS_H

#include <stdbool.h>
#include <talloc.h>

#include "cacert.h"
#include "err.h"
#include "otp.h"

struct ns_ctx;

/* How many servers the configuration names (at least 1 once url is set). */
int ns_servers_count(const struct ns_config *cfg);

/* A context for server i (0-based), allocated on mem; NULL when out of
 * memory. Server 0 of a one-server configuration is ctx itself. */
const struct ns_ctx *ns_servers_ctx(TALLOC_CTX *mem, const struct ns_ctx *ctx, int i);

/* The index of the server whose url is url, or whose short id (ns_servers_id)
 * is url; -1 when none is. */
int ns_servers_find(const struct ns_config *cfg, const char *url);

/* A short, stable name of a server for cookies and records: 16 hex digits
 * of the SHA-256 of its url. */
void ns_servers_id(const char *url, char out[17]);

/* The server did not answer, or answered that it is in trouble (no reply,
 * HTTP 5xx other than expired RA certificates): another may do. */
bool ns_servers_down(const struct ns_err *err);

/* The one failover rule: try(mem, server's context, its index, arg, err) on
 * the servers of list (n of them; list NULL: every server, in url order)
 * until one succeeds; go on to the next only when the failure says the
 * server is down (ns_servers_down), and log it. Returns 0 with *used the
 * index that succeeded (may be NULL), or -1 with err (the last server's). */
typedef int ns_servers_try_fn(TALLOC_CTX *mem, const struct ns_ctx *sc, int i, void *arg,
			      struct ns_err *err);
int ns_servers_first(TALLOC_CTX *mem, const struct ns_ctx *ctx, const int *list, int n,
		     ns_servers_try_fn *try, void *arg, int *used, struct ns_err *err);

/* GetCACert from every server that answers; they must send the same CA and
 * RA certificates, because certmonger keeps one set per CA and encrypts each
 * request to the RA certificate in it. A server that is down is skipped
 * (logged). Errors: the first server's when none answers;
 * NS_CAUSE_CA_CERTS naming the server that differs. */
int ns_servers_cacert(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cacert **out,
		      struct ns_err *err);

/* A one-time password from the first server that answers, skipping server
 * skip (-1: none). *server gets the index of the server that issued it.
 * Errors: ns_otp_fetch's; when every server is down, the last one's. */
int ns_servers_otp(TALLOC_CTX *mem, const struct ns_ctx *ctx, int skip, struct ns_otp **out,
		   int *server, struct ns_err *err);

#endif
