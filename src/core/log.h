/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Diagnostics go to stderr, which certmonger from 0.79.14 on copies to its
 * log; stdout belongs to the certmonger protocol. certmonger 0.79.13 sends
 * a helper's stderr to /dev/null, so there (or with "log = syslog") they go
 * to the syslog socket instead. No global state: verbosity and destination
 * travel in struct ns_ctx. */
#ifndef NS_LOG_H
#define NS_LOG_H

#include <stdbool.h>

struct ns_ctx;

enum ns_log_level {
	NS_LOG_ERROR = 0,	/* always shown */
	NS_LOG_WARN = 0,	/* always shown */
	NS_LOG_INFO = 1,	/* --verbose */
	NS_LOG_DEBUG = 2,	/* --verbose --verbose */
};

void ns_log(const struct ns_ctx *ctx, enum ns_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when nobody can read what is written to fd: closed, or /dev/null. */
bool ns_log_fd_discarded(int fd);

/* One datagram to the syslog socket at path (facility daemon, tag
 * ndes-submit[pid]); 0, or -1 when it could not be sent. */
int ns_log_syslog(const char *path, enum ns_log_level level, const char *msg);

#endif
