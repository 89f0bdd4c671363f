/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "ndes-submit otp [--count N] [--show-thumbprint]": prints fresh one-time
 * passwords, each alone on its line of stdout (and the CA thumbprint on a
 * last line when asked).
 * Settings (--admin-url, --user, --password-file, --auth, --keytab,
 * --ccache) come through config.c, before or after the subcommand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "cacert.h"
#include "ns.h"
#include "ops.h"
#include "otp.h"
#include "subcmd.h"
#include "x509util.h"

/* The page's thumbprint is the CA certificate's MD5: compare it with what
 * GetCACert (anonymous, cheap, no cache slot) says, so a wrong admin-url or
 * a man in the middle shows. Only warns: the password is already fetched. */
static void check_thumbprint(TALLOC_CTX *mem, const struct ns_ctx *ctx, const struct ns_otp *otp)
{
	struct ns_cacert *cc = NULL;
	struct ns_err err;
	char *desc = NULL;

	ns_err_clear(&err);
	if (otp->thumbprint == NULL) {
		ns_log(ctx, NS_LOG_INFO, "the admin page shows no CA thumbprint: not compared");
		return;
	}
	if (ctx->cfg->url == NULL) {
		ns_log(ctx, NS_LOG_INFO, "no SCEP url configured: the CA thumbprint was not compared "
		       "with GetCACert");
		return;
	}
	/* The same GetCACert as FETCH-SCEP-CA-CERTS (cacert.c). */
	if (ns_cacert_fetch(mem, ctx, &cc, &err) != 0) {
		ns_log(ctx, NS_LOG_WARN, "warning: could not compare the CA thumbprint with GetCACert: %s",
		       err.msg);
		return;
	}
	if (!ns_otp_thumbprint_matches(mem, otp->thumbprint, cc->certs, &desc))
		ns_log(ctx, NS_LOG_WARN,
		       "warning: the admin page's CA thumbprint %s matches no certificate from "
		       "GetCACert at %s (%s): admin-url and url may point at different NDES servers",
		       otp->thumbprint, ctx->cfg->url,
		       desc != NULL && desc[0] != '\0' ? desc : "no CA certificate in the reply");
	else
		ns_log(ctx, NS_LOG_INFO, "CA thumbprint %s matches GetCACert", otp->thumbprint);
	talloc_free(cc);
}

/* NDES keeps at most this many unused passwords for all clients together
 * (registry PasswordMax); more fetches within an hour get "cache is full". */
#define NS_OTP_NDES_CACHE 5
#define NS_OTP_MAX_COUNT 100

static int parse_count(const char *s, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 1 || n > NS_OTP_MAX_COUNT)
		return -1;
	*out = n;
	return 0;
}

struct otp_args {
	long count;
	bool show_thumbprint;
};

#define K_SHOW_THUMBPRINT 256
#define STR_(x) #x
#define STR(x) STR_(x)

static int set_otp_arg(void *arg, int key, const char *value, struct ns_err *err)
{
	struct otp_args *a = arg;

	if (key == K_SHOW_THUMBPRINT) {
		a->show_thumbprint = true;
		return 0;
	}
	if (parse_count(value, &a->count) != 0)
		return ns_err_set(err, NS_CAUSE_CONFIG, "otp: --count \"%s\" is not a number from "
				  "1 to %d", value, NS_OTP_MAX_COUNT);
	return 0;
}

/* otp's own options: --count N (-n N, --count=N), --show-thumbprint. */
static int otp_args(int argc, char **argv, struct otp_args *a, struct ns_err *err)
{
	static const struct ns_subopt opts[] = {
		{ "count", 'n', "a number (1-" STR(NS_OTP_MAX_COUNT) ")" },
		{ "show-thumbprint", K_SHOW_THUMBPRINT, NULL },
		{ NULL, 0, NULL },
	};

	return ns_subcmd_options(argc, argv, opts, "otp takes --count N, --show-thumbprint and "
				 "the --admin-url, --user, --password-file, --auth, --keytab, "
				 "--ccache options", set_otp_arg, a, err);
}

int ns_cmd_otp(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	struct ns_otp *otp = NULL;
	struct otp_args args = { 1, false };
	long got;
	int rc;

	if (otp_args(argc, argv, &args, err) != 0) {
		rc = ns_outcome(NS_OPC_OTP, err);
		goto out;
	}
	if (args.count > NS_OTP_NDES_CACHE)
		ns_log(ctx, NS_LOG_WARN,
		       "warning: --count %ld exceeds NDES' default cache of %d unused passwords "
		       "(PasswordMax, shared by all clients, each valid 60 minutes): expect "
		       "\"The password cache is full\" unless the NDES administrator raised it",
		       args.count, NS_OTP_NDES_CACHE);
	if (ctx->cfg->nurls > 1)
		ns_log(ctx, NS_LOG_INFO, "asking the first NDES server in url, %s: its passwords "
		       "are good only there, and ndes-submit sends a typed-in password (getcert -L) "
		       "there", ctx->cfg->url);
	/* Each password is printed as soon as it is fetched: it holds a cache
	 * slot on NDES, so a later failure must not lose the earlier ones. */
	for (got = 0; got < args.count; got++) {
		if (ns_otp_fetch(tmp, ctx, &otp, err) != 0) {
			rc = ns_outcome(NS_OPC_OTP, err);
			if (got > 0) {
				ns_log(ctx, NS_LOG_WARN, "otp: %ld of %ld password(s) fetched and printed "
				       "before the failure below", got, args.count);
			}
			goto out;
		}
		printf("%s\n", otp->password);
		fflush(stdout);
	}
	if (args.show_thumbprint)
		printf("%s\n", otp->thumbprint != NULL ? otp->thumbprint : "(no thumbprint on the page)");
	fflush(stdout);
	check_thumbprint(tmp, ctx, otp);
	rc = 0;
out:
	talloc_free(tmp);
	return rc;
}
