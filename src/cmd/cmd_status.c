/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "ndes-submit status": every certmonger request that uses this helper, its
 * certificate, outcome, outage and password fetches, and the RA
 * certificates of its CA, from files alone (fleetstate.h), as a table,
 * JSON (--json) and/or a node_exporter textfile (--prometheus FILE).
 * Exit 0 all fine, 1 a request failing or something unreadable, 3 the
 * metrics file could not be written (or out of memory), 4 a bad option. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "fleetstate.h"
#include "ns.h"
#include "ops.h"
#include "statusfmt.h"
#include "subcmd.h"

/* Something needs an admin's eye: certmonger's WAIT status, reused as the
 * admin subcommands reuse certmonger's statuses (outcome.h). */
#define STATUS_EXIT_ATTENTION 1

enum { OPT_JSON = 'j', OPT_QUIET = 'q', OPT_PROMETHEUS = 256, OPT_CAS_DIR, OPT_REQUESTS_DIR };

struct status_opts {
	bool json, quiet;
	const char *prometheus;
	struct ns_fleet_dirs dirs;
};

static const struct ns_subopt status_options[] = {
	{ "json", OPT_JSON, NULL },
	{ "quiet", OPT_QUIET, NULL },
	{ "prometheus", OPT_PROMETHEUS, "a file name" },
	{ "cas-dir", OPT_CAS_DIR, "a directory" },
	{ "requests-dir", OPT_REQUESTS_DIR, "a directory" },
	{ NULL, 0, NULL },
};

static int set_opt(void *arg, int key, const char *value, struct ns_err *err)
{
	struct status_opts *o = arg;

	switch (key) {
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case OPT_PROMETHEUS:
		o->prometheus = value;
		return 0;
	case OPT_CAS_DIR:
		o->dirs.cas_dir = value;
		return 0;
	case OPT_REQUESTS_DIR:
		o->dirs.requests_dir = value;
		return 0;
	default:
		return ns_err_set(err, NS_CAUSE_CONFIG, "status: unknown option");
	}
}

/* Mode 0644: node_exporter reads it as its own user. ns_file_replace's temp
 * name does not end in ".prom", so the collector never reads half a file. */
static int write_metrics(TALLOC_CTX *mem, const char *path, const char *text,
			 struct ns_err *err)
{
	struct stat st;

	/* The rename would replace a device or symbolic link (/dev/stdout). */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return ns_err_set(err, NS_CAUSE_IO, "status: cannot write %s: not a regular file",
				  path);
	if (ns_file_replace(mem, path, text, 0644, NULL) == 0)
		return 0;
	if (errno == ENOMEM)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	return ns_err_set(err, NS_CAUSE_IO, "status: cannot write %s: %s", path, strerror(errno));
}

int ns_cmd_status(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv,
		  struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	struct status_opts o;
	struct ns_fleet *f = NULL;
	char *out = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	o.dirs.requests_dir = ctx->cfg->requests_dir;
	o.dirs.state_dir = ctx->cfg->state_dir;
	if (tmp == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		return ns_outcome(NS_OPC_ADMIN, err);
	}
	if (ns_subcmd_options(argc, argv, status_options,
			      "--json, --quiet, --prometheus FILE, --cas-dir DIR, --requests-dir DIR",
			      set_opt, &o, err) != 0 ||
	    ns_fleet_gather(tmp, &o.dirs, 0, &f, err) != 0) {
		rc = ns_outcome(NS_OPC_ADMIN, err);
		goto done;
	}
	if (!o.quiet) {
		out = o.json ? ns_status_json(tmp, f) : ns_status_table(tmp, f);
		if (out == NULL) {
			ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
			rc = ns_outcome(NS_OPC_ADMIN, err);
			goto done;
		}
		fputs(out, stdout);
	}
	if (o.prometheus != NULL) {
		out = ns_status_prometheus(tmp, f);
		if (out == NULL)
			ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		if (out == NULL || write_metrics(tmp, o.prometheus, out, err) != 0) {
			rc = ns_outcome(NS_OPC_ADMIN, err);
			goto done;
		}
	}
	rc = ns_fleet_failing(f) > 0 || f->nunreadable > 0 ? STATUS_EXIT_ATTENTION : 0;
done:
	talloc_free(tmp);
	return rc;
}
