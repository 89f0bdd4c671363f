/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error reporting: functions return 0 or -1 and fill a struct ns_err with the
 * certmonger status the failure maps to and a one-line reason an admin can act
 * on (certmonger shows it as ca-error). Details belong on stderr (log.h). */
#ifndef NS_ERR_H
#define NS_ERR_H

#include <stdbool.h>

#include "status.h"

struct ns_err {
	enum ns_status status;
	char msg[768];
	/* Worth asking again soon (no reply, a broken one, HTTP 5xx) rather
	 * than waiting for an admin. ns_err_set() resets it: whoever knows the
	 * failure is passing sets it after the message. */
	bool transient;
};

void ns_err_clear(struct ns_err *err);

/* Sets status and message; always returns -1 so callers can
 * `return ns_err_set(...)`. The message must never contain a secret. */
int ns_err_set(struct ns_err *err, enum ns_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends the first queued OpenSSL error (if any) as ": reason" and clears
 * OpenSSL's queue. Returns -1. */
int ns_err_set_ssl(struct ns_err *err, enum ns_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
