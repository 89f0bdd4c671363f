/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error reporting: functions return 0 or -1 and fill a struct ns_err with the
 * cause of the failure (cause.h) and a one-line reason an admin can act on
 * (certmonger shows it as ca-error). What the cause means to certmonger is
 * decided in one place, outcome.c. Details belong on stderr (log.h). */
#ifndef NS_ERR_H
#define NS_ERR_H

#include <stdbool.h>

#include "cause.h"

struct ns_err {
	enum ns_cause cause;
	char msg[768];
	char was[768];		/* ns_err_was's copy of msg */
	/* For a transient cause: seconds the run that set it asks certmonger to
	 * wait before the next attempt (a backoff that already has its jitter);
	 * 0: the answer layer's jittered retry-interval. */
	long retry_after;
};

void ns_err_clear(struct ns_err *err);

/* Has a failure (or a decided answer such as NEED_REKEY) been set? */
static inline bool ns_err_failed(const struct ns_err *err)
{
	return err->cause != NS_CAUSE_NONE;
}

/* Sets cause and message; always returns -1 so callers can
 * `return ns_err_set(...)`. The message must never contain a secret. To
 * reword a failure and keep its cause, pass err->cause. */
int ns_err_set(struct ns_err *err, enum ns_cause cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Asks for a wait of secs before the next attempt (see retry_after); set
 * after the cause, which ns_err_set resets it with. */
static inline void ns_err_retry_after(struct ns_err *err, long secs)
{
	err->retry_after = secs;
}

/* The message so far, copied aside, for rewording a failure in one call:
 * ns_err_set(err, err->cause, "cannot use X (%s)", ns_err_was(err)). */
const char *ns_err_was(struct ns_err *err);

/* Appends the first queued OpenSSL error (if any) as ": reason" and clears
 * OpenSSL's queue. Returns -1. */
int ns_err_set_ssl(struct ns_err *err, enum ns_cause cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
