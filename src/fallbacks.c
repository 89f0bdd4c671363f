/* TEMPORARY: weak stand-ins for operations other files will provide, so the
 * program links while they are written. Lives in its own archive linked
 * after libndes.a, so a real definition there always wins. Remove (with its
 * lines in core.am) once submit.c, cmd_otp.c, cadata.c and cmd_*.c exist. */
#include <stdio.h>

#include "ops.h"

static int not_implemented(struct ns_err *err, const char *what)
{
	err->status = NS_NOT_SUPPORTED;
	snprintf(err->msg, sizeof(err->msg), "%s: not implemented", what);
	return NS_NOT_SUPPORTED;
}

__attribute__((weak)) int ns_op_submit(TALLOC_CTX *mem, const struct ns_ctx *ctx, bool poll,
				       struct ns_err *err)
{
	return not_implemented(err, poll ? "POLL" : "SUBMIT");
}

__attribute__((weak)) int ns_op_cadata(TALLOC_CTX *mem, const struct ns_ctx *ctx,
				       const char *operation, struct ns_err *err)
{
	return not_implemented(err, operation);
}

__attribute__((weak)) int ns_cmd_caps(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc,
				      char **argv, struct ns_err *err)
{
	return not_implemented(err, "caps");
}

__attribute__((weak)) int ns_cmd_cacert(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc,
					char **argv, struct ns_err *err)
{
	return not_implemented(err, "cacert");
}

__attribute__((weak)) int ns_cmd_check(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc,
				       char **argv, struct ns_err *err)
{
	return not_implemented(err, "check");
}

__attribute__((weak)) int ns_cmd_otp(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc,
				     char **argv, struct ns_err *err)
{
	return not_implemented(err, "otp");
}
