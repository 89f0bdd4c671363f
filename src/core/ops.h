/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The operations main() dispatches to. Each returns the process exit status
 * (ns_outcome() of the operation's class, outcome.h). When it returns non-zero with a
 * non-empty err->msg, main() prints that one line: on stdout in helper mode
 * (certmonger shows it as ca-error), on stderr for the admin subcommands.
 * The helper operations print through the answer layer (answer.h); the
 * admin subcommands print their own reports. */
#ifndef NS_OPS_H
#define NS_OPS_H

#include <stdbool.h>
#include <talloc.h>

#include "ns.h"

/* cadata.c: IDENTIFY, FETCH-*, GET-*; unknown operation -> NS_CAUSE_UNSUPPORTED. */
int ns_op_cadata(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *operation,
		 struct ns_err *err);

/* submit.c: SUBMIT (poll=false) and POLL (poll=true). */
int ns_op_submit(TALLOC_CTX *mem, const struct ns_ctx *ctx, bool poll, struct ns_err *err);

/* Admin subcommands; argv[0] is the subcommand name. */
int ns_cmd_caps(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv, struct ns_err *err);
int ns_cmd_cacert(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv, struct ns_err *err);
int ns_cmd_check(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv, struct ns_err *err);
int ns_cmd_otp(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv, struct ns_err *err);
/* cmd_status.c: files only, no network. */
int ns_cmd_status(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv, struct ns_err *err);

#endif
