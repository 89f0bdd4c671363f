/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Diagnostics go to stderr (certmonger copies a helper's stderr to its log);
 * stdout belongs to the certmonger protocol. No global state: the verbosity
 * travels in struct ns_ctx. */
#ifndef NS_LOG_H
#define NS_LOG_H

struct ns_ctx;

enum ns_log_level {
	NS_LOG_ERROR = 0,	/* always shown */
	NS_LOG_WARN = 0,	/* always shown */
	NS_LOG_INFO = 1,	/* --verbose */
	NS_LOG_DEBUG = 2,	/* --verbose --verbose */
};

void ns_log(const struct ns_ctx *ctx, enum ns_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
