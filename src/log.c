/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "ns.h"

void ns_log(const struct ns_ctx *ctx, enum ns_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (ctx != NULL && (int)level > ctx->verbose)
		return;
	fputs("ndes-submit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
