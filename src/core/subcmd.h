/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A subcommand's own options, parsed one way for all of them (caps, cacert,
 * check, otp) and as ns_config_load parses the global ones: getopt_long,
 * in order, "--" ends them. The global options were taken out of argv
 * before (settings.h). Implemented in subcmd.c. */
#ifndef NS_SUBCMD_H
#define NS_SUBCMD_H

#include "err.h"

struct ns_subopt {
	const char *name;	/* long name, without "--" */
	int key;		/* its short letter, or a value >= 256 for none */
	const char *value;	/* what its value is ("a number (1-100)"); NULL: none */
};

typedef int ns_subopt_fn(void *arg, int key, const char *value, struct ns_err *err);

/* Parses argv[1..argc-1] (argv[0] is the subcommand's name) with opts (ended
 * by a NULL name); each option goes to set(arg, key, value) in order. Other
 * arguments are refused. hint lists the options for "unknown option".
 * Errors (NS_CAUSE_CONFIG): "NAME: unknown option X (HINT)", "NAME: X needs
 * VALUE", "NAME: unexpected argument \"X\"", or set's own. */
int ns_subcmd_options(int argc, char **argv, const struct ns_subopt *opts, const char *hint,
		      ns_subopt_fn *set, void *arg, struct ns_err *err);

#endif
