/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "subcmd.h"

#define NS_SUBCMD_MAX_OPTS 16

int ns_subcmd_options(int argc, char **argv, const struct ns_subopt *opts, const char *hint,
		      ns_subopt_fn *set, void *arg, struct ns_err *err)
{
	struct option lopts[NS_SUBCMD_MAX_OPTS + 1];
	char shortopts[2 * NS_SUBCMD_MAX_OPTS + 3] = "+:";	/* in order; report missing values */
	const char *name = argc > 0 ? argv[0] : "?";
	size_t n, s = 2;
	int c, rc = 0;

	memset(lopts, 0, sizeof(lopts));
	for (n = 0; opts[n].name != NULL && n < NS_SUBCMD_MAX_OPTS; n++) {
		lopts[n].name = opts[n].name;
		lopts[n].has_arg = opts[n].value != NULL ? required_argument : no_argument;
		lopts[n].val = opts[n].key;
		if (opts[n].key < 256) {
			shortopts[s++] = (char)opts[n].key;
			if (opts[n].value != NULL)
				shortopts[s++] = ':';
		}
	}
	optind = 0;		/* glibc: full reset (ns_config_load ran getopt before) */
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, shortopts, lopts, NULL)) != -1) {
		const char *tok = argv[optind - 1];
		size_t i;

		if (c == '?') {
			rc = ns_err_set(err, NS_CAUSE_CONFIG, "%s: unknown option %s (%s)", name, tok, hint);
		} else if (c == ':') {
			for (i = 0; i < n && (optopt != opts[i].key); i++)
				;
			rc = ns_err_set(err, NS_CAUSE_CONFIG, "%s: %s needs %s", name, tok,
					i < n && opts[i].value != NULL ? opts[i].value : "a value");
		} else {
			rc = set(arg, c, optarg, err);
		}
	}
	if (rc == 0 && optind < argc)
		rc = ns_err_set(err, NS_CAUSE_CONFIG, "%s: unexpected argument \"%s\"", name,
				argv[optind]);
	optind = 0;
	return rc;
}
