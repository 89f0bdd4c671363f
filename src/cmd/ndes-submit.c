/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main(): one talloc root, the configuration, then either certmonger's helper
 * protocol (CERTMONGER_OPERATION set) or an admin subcommand. The only place
 * that prints an operation's failure reason (ops.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <talloc.h>

#include "ns.h"
#include "ops.h"

/* A number in the help text, from the defaults in settings.h. */
#define STR_(x) #x
#define STR(x) STR_(x)

static void usage(FILE *f)
{
	fputs("Usage: ndes-submit [OPTIONS]                 (run by certmonger: CERTMONGER_OPERATION set)\n"
	      "       ndes-submit [OPTIONS] caps|cacert|check|otp|status [ARGS]\n"
	      "\n"
	      "certmonger CA helper for Microsoft NDES (SCEP, RFC 8894).\n"
	      "\n"
	      "Subcommands:\n"
	      "  caps      show the server's GetCACaps and what the helper makes of them\n"
	      "  cacert    show the GetCACert certificates with their roles and fingerprints\n"
	      "  check     check everything enrollment needs; exits non-zero on a failure\n"
	      "  otp       fetch a one-time challenge password from mscep_admin\n"
	      "  status    every request using ndes-submit, its CA's RA certificates, outages\n"
	      "            (--json, --prometheus FILE, --cas-dir DIR, --requests-dir DIR, -q)\n"
	      "\n"
	      "Options (a --config file takes the same keys without \"--\"):\n"
	      "  --url URL                 SCEP endpoint, e.g. http://HOST/certsrv/mscep/mscep.dll\n"
	      "  --config FILE             read settings from FILE (options override it);\n"
	      "                            default " NS_SYSCONFDIR "/ndes-submit/ndes-submit.conf if present\n"
	      "  --ca-bundle FILE          TLS trust anchors for every request\n"
	      "  --trusted-ca FILE         PEM trust anchors offered to certmonger (FETCH-ROOTS)\n"
	      "  --ca-fingerprint SHA256   pinned SHA-256 fingerprint of the CA certificate\n"
	      "  --timeout SECONDS         limit for a whole request (default " STR(NS_DEFAULT_TIMEOUT) ")\n"
	      "  --connect-timeout SECONDS limit for connecting (default " STR(NS_DEFAULT_CONNECT_TIMEOUT) ")\n"
	      "  --method auto|get|post    how PKIOperation is sent (default auto)\n"
	      "  --max-get-length N        longest GET query string (default " STR(NS_DEFAULT_MAX_GET_LENGTH) ")\n"
	      "  --poll-interval SECONDS   delay between polls while pending (default " STR(NS_DEFAULT_POLL_INTERVAL) ")\n"
	      "  --retry-interval SECONDS  delay before retrying transient failures (default " STR(NS_DEFAULT_RETRY_INTERVAL) ")\n"
	      "  --allow-sha1, --no-allow-sha1  accept SHA-1 signed replies (default yes)\n"
	      "  --caps LIST               comma-separated capabilities instead of GetCACaps\n"
	      "  --state-dir DIR           cache directory (default " NS_DEFAULT_STATE_DIR ")\n"
	      "  --admin-url URL           mscep_admin page (default from --url)\n"
	      "  --user USER               DOMAIN\\user or user@domain for mscep_admin\n"
	      "  --password-file FILE      that user's password (mode 0600)\n"
	      "  --auth any|ntlm|negotiate|basic|ntlm-gssapi\n"
	      "                    mscep_admin authentication (default any)\n"
	      "  --keytab FILE             client keytab for Negotiate\n"
	      "  --ccache CCACHE           Kerberos credential cache for Negotiate\n"
	      "  --auto-password, --no-auto-password  fetch passwords for getcert -l FILE requests\n"
	      "  --certmonger-requests-dir DIR  certmonger's requests (default " NS_DEFAULT_REQUESTS_DIR ")\n"
	      "  --password-spread SECONDS a request's first password fetch waits up to this\n"
	      "                    (default " STR(NS_DEFAULT_PASSWORD_SPREAD) ")\n"
	      "  --cache-full-backoff SECONDS, --cache-full-backoff-max SECONDS\n"
	      "                    wait after \"password cache full\": random, from the first\n"
	      "                    up to it doubled per refusal in a row, at most the second\n"
	      "                    (default " STR(NS_DEFAULT_CACHE_FULL_BACKOFF) ", " STR(NS_DEFAULT_CACHE_FULL_BACKOFF_MAX) ")\n"
	      "  --log auto|stderr|syslog  where diagnostics go (default auto: stderr, or\n"
	      "                    syslog when certmonger discards the helper's stderr)\n"
	      "  --log-socket PATH         syslog socket (default " NS_DEFAULT_LOG_SOCKET ")\n"
	      "  -v, --verbose             more detail in the diagnostics (twice: debug)\n"
	      "  -h, --help                this text\n"
	      "  -V, --version             print the version\n"
	      "\n"
	      "Exit status: certmonger's (0 issued, 1 wait, 2 rejected, 3 unreachable,\n"
	      "4 unconfigured, 5 wait with delay, 6 not supported, 16/17). See ndes-submit(8).\n",
	      f);
}

/* ops.h: the one line goes to stdout for certmonger, stderr for people. */
static void report(const struct ns_err *err, bool helper_mode)
{
	if (err->msg[0] == '\0')
		return;
	if (helper_mode)
		printf("%s\n", err->msg);
	else
		fprintf(stderr, NS_PROGRAM ": %s\n", err->msg);
}

static int run_helper(TALLOC_CTX *root, struct ns_ctx *ctx, const char *op, struct ns_err *err)
{
	if (strcmp(op, "SUBMIT") == 0)
		return ns_op_submit(root, ctx, false, err);
	if (strcmp(op, "POLL") == 0)
		return ns_op_submit(root, ctx, true, err);
	return ns_op_cadata(root, ctx, op, err);
}

static int run_subcommand(TALLOC_CTX *root, struct ns_ctx *ctx, int argc, char **argv,
			  struct ns_err *err)
{
	const char *name = argv[0];

	if (strcmp(name, "caps") == 0)
		return ns_cmd_caps(root, ctx, argc, argv, err);
	if (strcmp(name, "cacert") == 0)
		return ns_cmd_cacert(root, ctx, argc, argv, err);
	if (strcmp(name, "check") == 0)
		return ns_cmd_check(root, ctx, argc, argv, err);
	if (strcmp(name, "otp") == 0)
		return ns_cmd_otp(root, ctx, argc, argv, err);
	if (strcmp(name, "status") == 0)
		return ns_cmd_status(root, ctx, argc, argv, err);
	ns_err_set(err, NS_CAUSE_CONFIG,
		   "unknown subcommand \"%s\" (caps, cacert, check, otp, status; see --help)", name);
	return ns_outcome(NS_OPC_ADMIN, err);
}

/* After the configuration: --help, --version, the helper operation or the
 * subcommand argv[first]. */
static int dispatch(TALLOC_CTX *root, struct ns_ctx *ctx, const char *op, int argc, char **argv,
		    int first, struct ns_err *err)
{
	if (ctx->cfg->help) {
		usage(stdout);
		return 0;
	}
	if (ctx->cfg->version) {
		printf(NS_PROGRAM " %s\n", NS_VERSION);
		return 0;
	}
	if (ctx->helper_mode) {
		if (first < argc && strcmp(op, "IDENTIFY") != 0) {
			ns_err_set(err, NS_CAUSE_CONFIG,
				   "unexpected argument \"%s\" in the helper's command line", argv[first]);
			return ns_outcome(NS_OPC_HELPER, err);
		}
		return run_helper(root, ctx, op, err);
	}
	if (first < argc)
		return run_subcommand(root, ctx, argc - first, argv + first, err);
	usage(stderr);
	ns_err_set(err, NS_CAUSE_CONFIG, "no subcommand given and CERTMONGER_OPERATION is not set");
	return ns_outcome(NS_OPC_ADMIN, err);
}

int main(int argc, char **argv)
{
	TALLOC_CTX *root = talloc_new(NULL);
	const char *op = getenv("CERTMONGER_OPERATION");
	struct ns_config *cfg = NULL;
	struct ns_ctx ctx;
	struct ns_err err;
	int first = argc, rc;

	memset(&ctx, 0, sizeof(ctx));
	ns_err_clear(&err);
	ctx.helper_mode = op != NULL && op[0] != '\0';
	if (root == NULL) {
		fputs(NS_PROGRAM ": out of memory\n", ctx.helper_mode ? stdout : stderr);
		return ctx.helper_mode ? ns_outcome_status(NS_OPC_HELPER, NS_CAUSE_NOMEM) : 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fputs(NS_PROGRAM ": cannot initialise libcurl\n", ctx.helper_mode ? stdout : stderr);
		talloc_free(root);
		return ns_outcome_status(NS_OPC_HELPER, NS_CAUSE_IO);
	}
	if (ns_config_load(root, argc, argv, &cfg, &first, &err) != 0 &&
	    !(ctx.helper_mode && strcmp(op, "IDENTIFY") == 0)) {
		report(&err, ctx.helper_mode);
		rc = ns_outcome(ctx.helper_mode ? NS_OPC_HELPER : NS_OPC_ADMIN, &err);
		goto out;
	}
	if (cfg == NULL) {
		/* IDENTIFY must answer even with a broken configuration. */
		cfg = ns_config_defaults(root);
		first = argc;
	}
	ctx.cfg = cfg;
	ctx.verbose = cfg->verbose;
	if (cfg->log_to == NS_LOG_TO_SYSLOG ||
	    (cfg->log_to == NS_LOG_TO_AUTO && ctx.helper_mode && ns_log_fd_discarded(STDERR_FILENO)))
		ctx.log_socket = cfg->log_socket;
	rc = dispatch(root, &ctx, op, argc, argv, first, &err);
	if (rc != 0)
		report(&err, ctx.helper_mode);
out:
	/* A lost answer must not look like success to certmonger. */
	if (fflush(stdout) != 0 && rc == 0)
		rc = ns_outcome_status(NS_OPC_HELPER, NS_CAUSE_IO);
	talloc_free(root);
	curl_global_cleanup();
	return rc < 0 || rc > 255 ? ns_outcome_status(NS_OPC_HELPER, NS_CAUSE_IO) : rc;
}
