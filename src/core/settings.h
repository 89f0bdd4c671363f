/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Settings from the configuration file and the command line (the command
 * line wins). File syntax: "key = value" lines, '#' comments; keys are the
 * long option names without "--". Implemented in config.c. */
#ifndef NS_SETTINGS_H
#define NS_SETTINGS_H

#include <stdbool.h>
#include <talloc.h>

#include "err.h"

/* The defaults, in one place (ns_config_defaults, --help, the fallbacks of
 * code that may run without a configuration). */
#define NS_DEFAULT_CONNECT_TIMEOUT	10
#define NS_DEFAULT_TIMEOUT		60
#define NS_DEFAULT_MAX_GET_LENGTH	2048	/* IIS' default maxQueryString */
#define NS_DEFAULT_POLL_INTERVAL	600
#define NS_DEFAULT_RETRY_INTERVAL	300
#define NS_DEFAULT_REPORT_AFTER		3600
/* Automatic passwords in a fleet (backoff.h): a first fetch waits up to
 * PASSWORD_SPREAD (0: a lone host is not slowed down; fleets set it); after
 * "cache full" n times in a row the next visit waits between BACKOFF and
 * min(BACKOFF_MAX, BACKOFF * 2^n). certmonger holds a password about 30 s
 * (it waits that long after exit 17 before it submits again), so 60 s
 * lets the whole cache turn over before a refused host comes back. */
#define NS_DEFAULT_PASSWORD_SPREAD	0
#define NS_DEFAULT_CACHE_FULL_BACKOFF	60
#define NS_DEFAULT_CACHE_FULL_BACKOFF_MAX 600
#define NS_DEFAULT_STATE_DIR		"/var/lib/ndes-submit"
#define NS_DEFAULT_REQUESTS_DIR		"/var/lib/certmonger/requests"
#define NS_DEFAULT_LOG_SOCKET		"/dev/log"
/* NDES servers in one configuration (url = A B ...): a site has two or
 * three; the bound keeps the lists fixed-size. */
#define NS_MAX_SERVERS			8

enum ns_method {
	NS_METHOD_AUTO = 0,	/* POST when GetCACaps says POSTPKIOperation */
	NS_METHOD_GET,
	NS_METHOD_POST,
};

/* Where diagnostics go (log.h). */
enum ns_log_to {
	NS_LOG_TO_AUTO = 0,	/* stderr, or syslog where certmonger discards stderr (0.79.13) */
	NS_LOG_TO_STDERR,
	NS_LOG_TO_SYSLOG,
};

enum ns_auth {
	NS_AUTH_ANY = 0,	/* Negotiate or NTLM, whatever the server offers */
	NS_AUTH_NTLM,
	NS_AUTH_NEGOTIATE,
	NS_AUTH_BASIC,		/* only over TLS, only when asked for */
	NS_AUTH_NTLM_GSSAPI,	/* NTLM inside Negotiate through gss-ntlmssp: binds the
				 * TLS channel (Extended Protection) with libcurl >= 8.10 */
};

struct ns_config {
	/* SCEP side */
	const char *url;		/* the server an operation talks to: urls[0] unless servers.c chose another */
	const char *urls[NS_MAX_SERVERS];	/* url: one or more SCEP endpoints .../certsrv/mscep/mscep.dll, space separated */
	int nurls;
	const char *ca_bundle;		/* ca-bundle: TLS trust for every request */
	const char *trusted_ca;		/* trusted-ca: PEM file of trust anchors for FETCH-ROOTS */
	const char *ca_fingerprint;	/* ca-fingerprint: pinned SHA-256 of the CA cert (hex, ':' allowed) */
	long connect_timeout;		/* connect-timeout: seconds (default 10) */
	long timeout;			/* timeout: seconds for a whole request (default 60) */
	enum ns_method method;		/* method: auto|get|post */
	long max_get_url;		/* max-get-length: longest query string we send with GET (default 2048, IIS maxQueryString) */
	long poll_interval;		/* poll-interval: seconds between POLLs while PENDING (default 600) */
	long retry_interval;		/* retry-interval: seconds before retrying transient failures (default 300) */
	long report_after;		/* report-after: seconds of one transient failure before it shows in ca-error (default 3600) */
	bool allow_sha1;		/* allow-sha1: accept SHA-1 signed CertReps (NDES sends them; default yes) */
	const char *caps_override;	/* caps: use these capabilities instead of asking (comma separated) */
	const char *state_dir;		/* state-dir: cache of GetCACaps etc. (default /var/lib/ndes-submit; unusable = no cache) */

	/* one-time passwords (mscep_admin) */
	const char *admin_url;		/* admin-url of the server in url; NULL: derived from url */
	const char *admin_urls[NS_MAX_SERVERS];	/* admin-url: one per url, same order (default https://HOST/certsrv/mscep_admin/ from each url) */
	int nadmin_urls;
	const char *user;		/* user: DOMAIN\name or name@domain */
	const char *password_file;	/* password-file: the user's password, mode 0600/0400 */
	enum ns_auth auth;		/* auth: any|ntlm|negotiate|basic|ntlm-gssapi */
	const char *keytab;		/* keytab: client keytab for Negotiate (host joined to AD) */
	const char *ccache;		/* ccache: Kerberos credential cache for Negotiate */
	bool auto_otp;			/* auto-password: fetch passwords for requests made with getcert -l FILE */
	const char *requests_dir;	/* certmonger-requests-dir: default /var/lib/certmonger/requests */
	long password_spread;		/* password-spread: a request's first fetch waits 0..this many seconds (default 0) */
	long cache_full_backoff;	/* cache-full-backoff: least wait after "cache full" (default 60) */
	long cache_full_backoff_max;	/* cache-full-backoff-max: longest wait after "cache full" (default 600) */

	/* renewal */
	bool renewal_new_key;		/* renewal-key: new (default) | same */
	const char *certmonger_version;	/* certmonger-version: the daemon's version when "certmonger -v" cannot tell (see cmversion.h) */
	bool renewal_subject_check;	/* renewal-subject-check: refuse a renewal whose names differ from the certificate's before sending it (default yes) */

	const char *config_file;	/* the file these came from, if any */
	int verbose;			/* verbose: 0..2 */
	enum ns_log_to log_to;		/* log: auto|stderr|syslog */
	const char *log_socket;		/* log-socket: the syslog socket (default /dev/log) */
	bool help;			/* --help was given */
	bool version;			/* --version was given */
};

/* Fills defaults, reads the config file (--config, else none), then applies
 * options from argv. On return *optind_out is the index of the first
 * non-option argument (the subcommand, if any). Errors are NS_CAUSE_CONFIG. */
int ns_config_load(TALLOC_CTX *mem, int argc, char **argv,
		   struct ns_config **cfg_out, int *optind_out, struct ns_err *err);

/* Checks that the settings an operation needs are there (e.g. url). */
int ns_config_require_url(const struct ns_config *cfg, struct ns_err *err);

/* The auth setting's name for messages: "any", "ntlm", "negotiate",
 * "basic" or "ntlm-gssapi". */
const char *ns_auth_name(enum ns_auth auth);

/* A configuration holding only the defaults (for operations such as
 * IDENTIFY that must work even when the configuration is broken). */
struct ns_config *ns_config_defaults(TALLOC_CTX *mem);

/* Notes on ns_config_load:
 * - Options may come before or after the subcommand. Options after the
 *   subcommand that are not ndes-submit options (the subcommand's own) are
 *   left in place: argv is permuted so that argv[*optind_out .. argc) is the
 *   subcommand followed by its remaining arguments, in their order.
 * - ca_fingerprint is stored normalized: 64 upper-case hex digits, no ':'. */

#endif
