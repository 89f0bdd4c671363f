/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

#include "err.h"

void ns_err_clear(struct ns_err *err)
{
	err->cause = NS_CAUSE_NONE;
	err->msg[0] = '\0';
	err->retry_after = 0;
}

const char *ns_err_was(struct ns_err *err)
{
	memcpy(err->was, err->msg, sizeof(err->was));
	return err->was;
}

/* The attribute lets clang (-Wformat=2) check callers instead of warning here. */
static __attribute__((format(printf, 3, 0)))
void vset(struct ns_err *err, enum ns_cause cause, const char *fmt, va_list ap)
{
	char *p;

	err->cause = cause;
	err->retry_after = 0;	/* a new failure brings its own wait, if any */
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	/* certmonger keeps only the first line as ca-error: keep it one line,
	 * and free of control characters (server text such as a reply's
	 * transactionID ends up here and in "getcert list" output). */
	for (p = err->msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

int ns_err_set(struct ns_err *err, enum ns_cause cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, cause, fmt, ap);
	va_end(ap);
	return -1;
}

int ns_err_set_ssl(struct ns_err *err, enum ns_cause cause, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	size_t used;

	va_start(ap, fmt);
	vset(err, cause, fmt, ap);
	va_end(ap);
	e = ERR_peek_last_error();
	if (e != 0) {
		used = strlen(err->msg);
		snprintf(err->msg + used, sizeof(err->msg) - used, ": %s",
			 ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "OpenSSL error");
	}
	ERR_clear_error();
	return -1;
}
