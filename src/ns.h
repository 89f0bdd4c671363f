/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The per-run context handed to every module: configuration and verbosity.
 * Built once in main() and never changed afterwards. */
#ifndef NS_NS_H
#define NS_NS_H

#include <stdbool.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "outcome.h"

#define NS_PROGRAM "ndes-submit"

struct ns_ctx {
	const struct ns_config *cfg;
	int verbose;		/* 0 errors/warnings, 1 info, 2 debug */
	bool helper_mode;	/* run by certmonger (CERTMONGER_OPERATION set) */
};

#endif
