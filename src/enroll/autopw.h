/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Automatic one-time passwords for requests made with "getcert request -l FILE"
 * (auto-password = yes and admin credentials configured). certmonger re-reads
 * FILE whenever it rebuilds the CSR; exit 17 (NS_CAUSE_NEED_REKEY) makes it do so.
 * Implemented in autopw.c; called from submit.c with certmonger's request
 * as it read it (cmenv.h). */
#ifndef NS_AUTOPW_H
#define NS_AUTOPW_H

#include <stdbool.h>
#include <talloc.h>

#include "cmenv.h"
#include "err.h"

struct ns_ctx;

/* Before a SUBMIT is sent. Returns 0 to go on; -1 when the run ends with
 * err->cause (NS_CAUSE_NEED_REKEY after writing a fresh password to the
 * request's FILE, or another cause when that failed). Does nothing (0)
 * when automatic mode is off or the CSR already carries a password. */
int ns_autopw_before_submit(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			    struct ns_cmenv *env, struct ns_err *err);

/* After NDES refused the request because of its password (failInfo
 * badMessageCheck, or a renewal refused without one). Returns -1 with err
 * (NS_CAUSE_NEED_REKEY when a fresh password was supplied, another cause
 * when that failed), 0 when automatic mode cannot help (the caller then
 * reports the refusal). */
int ns_autopw_after_refusal(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			    struct ns_cmenv *env, bool unknown, struct ns_err *err);
/* unknown: NDES did not know the password (0x80070490); refused twice
 * right after the fetch, that is a password that went to another server. */

/* A refusal of a password fetched less than this many seconds ago is not
 * an expired password. */
#define NS_AUTOPW_FRESH 120

/* What an admin is told when NDES does not know a password it issued
 * moments before. */
#define NS_AUTOPW_OTHER_SERVER \
	"the password was fetched from one NDES server and the request reached another " \
	"(each NDES server knows only the passwords it issued): a load balancer in front " \
	"of several NDES servers must keep a client on one server (session stickiness, " \
	"source-IP affinity for /certsrv/), or list the servers themselves in url " \
	"(url = https://ndes1/certsrv/mscep/mscep.dll https://ndes2/...) so that " \
	"ndes-submit sends each request to the server that issued its password"

/* The CSR's password came from this automatic mode: returns 1 with *server
 * the index of the server that issued it (-1: not known or no longer in
 * url) and *age the seconds since; 0 when it did not (or no password). */
int ns_autopw_origin(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env,
		     int *server, long *age);

/* The server that issued the CSR's password is down: fetch one from
 * another server (never server down). Same returns as after_refusal. */
int ns_autopw_server_down(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env,
			  int down, struct ns_err *err);

/* Before a renewal whose CSR asks for other names than the certificate
 * has: NDES takes it only with a password. Same returns as after_refusal. */
int ns_autopw_for_new_names(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			    struct ns_cmenv *env, struct ns_err *err);

/* Before a renewal that certmonger 0.79.13 can only take as the new key's
 * request (a new enrollment to NDES): the same, for a password. */
int ns_autopw_for_renewal(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			  struct ns_cmenv *env, struct ns_err *err);

/* After the certificate was issued: erase the used password from FILE. */
void ns_autopw_after_issue(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env);

#endif
