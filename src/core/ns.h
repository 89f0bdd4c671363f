/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The per-run context handed to every module: configuration and verbosity.
 * Built once in main() and never changed afterwards. */
#ifndef NS_NS_H
#define NS_NS_H

#ifdef HAVE_CONFIG_H
#include "config.h"	/* autoconf's: PACKAGE_VERSION */
#endif
#include <stdbool.h>

#include "settings.h"
#include "err.h"
#include "log.h"
#include "outcome.h"

#define NS_PROGRAM "ndes-submit"
/* For IDENTIFY, --version and the User-Agent; the fuzz harnesses, built
 * without configure, pass their own. */
#ifndef NS_VERSION
#define NS_VERSION PACKAGE_VERSION
#endif

struct ns_ctx {
	const struct ns_config *cfg;
	int verbose;		/* 0 errors/warnings, 1 info, 2 debug */
	bool helper_mode;	/* run by certmonger (CERTMONGER_OPERATION set) */
	const char *log_socket;	/* non-NULL: diagnostics go to this syslog socket (log.h) */
};

#endif
