/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Configuration: defaults, then the --config file, then command-line options
 * (the command line wins). Every value is checked here so that operations can
 * trust the struct; a bad value is NS_CAUSE_CONFIG with a message naming the
 * option and where it came from. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"

#define NS_CONFIG_MAX_FILE (256 * 1024)

/* Keys understood in the file and as long options. */
enum key {
	K_URL = 1000, K_CONFIG, K_CA_BUNDLE, K_TRUSTED_CA, K_CA_FINGERPRINT, K_TIMEOUT,
	K_CONNECT_TIMEOUT, K_METHOD, K_MAX_GET_LENGTH, K_POLL_INTERVAL, K_RETRY_INTERVAL,
	K_ALLOW_SHA1, K_NO_ALLOW_SHA1, K_CAPS, K_STATE_DIR, K_ADMIN_URL, K_USER,
	K_PASSWORD_FILE, K_AUTH, K_KEYTAB, K_CCACHE, K_AUTO_PASSWORD, K_NO_AUTO_PASSWORD,
	K_REQUESTS_DIR, K_RENEWAL_KEY, K_RENEWAL_SUBJECT_CHECK, K_REPORT_AFTER, K_VERBOSE = 'v', K_HELP = 'h', K_VERSION = 'V',
};

static const struct option long_options[] = {
	{ "url", required_argument, NULL, K_URL },
	{ "config", required_argument, NULL, K_CONFIG },
	{ "ca-bundle", required_argument, NULL, K_CA_BUNDLE },
	{ "trusted-ca", required_argument, NULL, K_TRUSTED_CA },
	{ "ca-fingerprint", required_argument, NULL, K_CA_FINGERPRINT },
	{ "timeout", required_argument, NULL, K_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, K_CONNECT_TIMEOUT },
	{ "method", required_argument, NULL, K_METHOD },
	{ "max-get-length", required_argument, NULL, K_MAX_GET_LENGTH },
	{ "poll-interval", required_argument, NULL, K_POLL_INTERVAL },
	{ "retry-interval", required_argument, NULL, K_RETRY_INTERVAL },
	{ "allow-sha1", no_argument, NULL, K_ALLOW_SHA1 },
	{ "no-allow-sha1", no_argument, NULL, K_NO_ALLOW_SHA1 },
	{ "caps", required_argument, NULL, K_CAPS },
	{ "state-dir", required_argument, NULL, K_STATE_DIR },
	{ "admin-url", required_argument, NULL, K_ADMIN_URL },
	{ "user", required_argument, NULL, K_USER },
	{ "password-file", required_argument, NULL, K_PASSWORD_FILE },
	{ "auth", required_argument, NULL, K_AUTH },
	{ "keytab", required_argument, NULL, K_KEYTAB },
	{ "ccache", required_argument, NULL, K_CCACHE },
	{ "auto-password", no_argument, NULL, K_AUTO_PASSWORD },
	{ "no-auto-password", no_argument, NULL, K_NO_AUTO_PASSWORD },
	{ "certmonger-requests-dir", required_argument, NULL, K_REQUESTS_DIR },
	{ "renewal-key", required_argument, NULL, K_RENEWAL_KEY },
	{ "renewal-subject-check", required_argument, NULL, K_RENEWAL_SUBJECT_CHECK },
	{ "report-after", required_argument, NULL, K_REPORT_AFTER },
	{ "verbose", no_argument, NULL, K_VERBOSE },
	{ "help", no_argument, NULL, K_HELP },
	{ "version", no_argument, NULL, K_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Where a value came from, for messages: "--timeout" or "FILE line N". */
struct origin {
	const char *file;	/* NULL: command line */
	unsigned line;
	const char *name;	/* key / option name */
};

static int bad(struct ns_err *err, const struct origin *o, const char *value, const char *why)
{
	char where[512];

	if (o->file != NULL)
		snprintf(where, sizeof(where), "%s line %u: %s", o->file, o->line, o->name);
	else
		snprintf(where, sizeof(where), "--%s", o->name);
	return ns_err_set(err, NS_CAUSE_CONFIG, "invalid configuration: %s \"%s\": %s",
			  where, value, why);
}

static int parse_long(const struct origin *o, const char *value, long min, long max,
		      long *out, struct ns_err *err)
{
	char *end = NULL;
	long v;
	char why[128];

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max) {
		snprintf(why, sizeof(why), "expected a whole number from %ld to %ld", min, max);
		return bad(err, o, value, why);
	}
	*out = v;
	return 0;
}

static int parse_bool(const struct origin *o, const char *value, bool *out, struct ns_err *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return bad(err, o, value, "expected yes or no");
}

static bool is_http_url(const char *s)
{
	return (strncasecmp(s, "http://", 7) == 0 && s[7] != '\0' && s[7] != '/') ||
	       (strncasecmp(s, "https://", 8) == 0 && s[8] != '\0' && s[8] != '/');
}

static int set_url(TALLOC_CTX *mem, const struct origin *o, const char *value, const char **out,
		   struct ns_err *err)
{
	const char *p;

	if (!is_http_url(value))
		return bad(err, o, value, "expected an http:// or https:// URL with a host name");
	for (p = value; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return bad(err, o, value, "URLs cannot contain spaces or control characters");
	*out = talloc_strdup(mem, value);
	return 0;
}

/* Pinned SHA-256: 64 hex digits; ':' and spaces allowed between them; an
 * optional "sha256:" / "SHA256 Fingerprint=" prefix as tools print it. */
static int set_fingerprint(TALLOC_CTX *mem, const struct origin *o, const char *value,
			   const char **out, struct ns_err *err)
{
	char hex[65];
	const char *p = value, *eq;
	size_t n = 0;

	if ((eq = strchr(p, '=')) != NULL)
		p = eq + 1;
	else if (strncasecmp(p, "sha256:", 7) == 0)
		p += 7;
	for (; *p != '\0'; p++) {
		if (*p == ':' || *p == ' ' || *p == '-')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= 64)
			return bad(err, o, value,
				   "expected a SHA-256 fingerprint: 64 hex digits, ':' allowed");
		hex[n++] = (char)toupper((unsigned char)*p);
	}
	if (n != 64)
		return bad(err, o, value,
			   "expected a SHA-256 fingerprint: 64 hex digits, ':' allowed");
	hex[n] = '\0';
	*out = talloc_strdup(mem, hex);
	return 0;
}

static int set_readable_file(TALLOC_CTX *mem, const struct origin *o, const char *value,
			     const char **out, struct ns_err *err)
{
	char why[256];

	if (value[0] == '\0')
		return bad(err, o, value, "empty file name");
	if (access(value, R_OK) != 0) {
		snprintf(why, sizeof(why), "cannot read it (%s)", strerror(errno));
		return bad(err, o, value, why);
	}
	*out = talloc_strdup(mem, value);
	return 0;
}

static int set_string(TALLOC_CTX *mem, const struct origin *o, const char *value,
		      const char **out, struct ns_err *err)
{
	if (value[0] == '\0')
		return bad(err, o, value, "empty value");
	*out = talloc_strdup(mem, value);
	return 0;
}

/* Applies one setting; the only place that knows what each key means. */
static int apply(struct ns_config *cfg, int key, const struct origin *o, const char *value,
		 struct ns_err *err)
{
	long v;

	switch (key) {
	case K_URL:
		return set_url(cfg, o, value, &cfg->url, err);
	case K_CONFIG:
		return 0;	/* handled before anything else */
	case K_CA_BUNDLE:
		return set_readable_file(cfg, o, value, &cfg->ca_bundle, err);
	case K_TRUSTED_CA:
		return set_readable_file(cfg, o, value, &cfg->trusted_ca, err);
	case K_CA_FINGERPRINT:
		return set_fingerprint(cfg, o, value, &cfg->ca_fingerprint, err);
	case K_TIMEOUT:
		return parse_long(o, value, 1, 3600, &cfg->timeout, err);
	case K_CONNECT_TIMEOUT:
		return parse_long(o, value, 1, 600, &cfg->connect_timeout, err);
	case K_METHOD:
		if (strcasecmp(value, "auto") == 0)
			cfg->method = NS_METHOD_AUTO;
		else if (strcasecmp(value, "get") == 0)
			cfg->method = NS_METHOD_GET;
		else if (strcasecmp(value, "post") == 0)
			cfg->method = NS_METHOD_POST;
		else
			return bad(err, o, value, "expected auto, get or post");
		return 0;
	case K_MAX_GET_LENGTH:
		return parse_long(o, value, 256, 1L << 20, &cfg->max_get_url, err);
	case K_POLL_INTERVAL:
		return parse_long(o, value, 1, 365L * 86400, &cfg->poll_interval, err);
	case K_RETRY_INTERVAL:
		return parse_long(o, value, 1, 365L * 86400, &cfg->retry_interval, err);
	case K_ALLOW_SHA1:
		if (o->file == NULL)
			value = "yes";
		return parse_bool(o, value, &cfg->allow_sha1, err);
	case K_NO_ALLOW_SHA1:
		cfg->allow_sha1 = false;
		return 0;
	case K_CAPS:
		return set_string(cfg, o, value, &cfg->caps_override, err);
	case K_STATE_DIR:
		return set_string(cfg, o, value, &cfg->state_dir, err);
	case K_ADMIN_URL:
		return set_url(cfg, o, value, &cfg->admin_url, err);
	case K_USER:
		return set_string(cfg, o, value, &cfg->user, err);
	case K_PASSWORD_FILE:
		/* Its permissions are checked where it is read (otp.c). */
		return set_string(cfg, o, value, &cfg->password_file, err);
	case K_AUTH:
		if (strcasecmp(value, "any") == 0)
			cfg->auth = NS_AUTH_ANY;
		else if (strcasecmp(value, "ntlm") == 0)
			cfg->auth = NS_AUTH_NTLM;
		else if (strcasecmp(value, "negotiate") == 0 || strcasecmp(value, "kerberos") == 0)
			cfg->auth = NS_AUTH_NEGOTIATE;
		else if (strcasecmp(value, "basic") == 0)
			cfg->auth = NS_AUTH_BASIC;
		else
			return bad(err, o, value, "expected any, ntlm, negotiate or basic");
		return 0;
	case K_KEYTAB:
		/* Root-only (0600) as a rule: checked where it is used, so an
		 * admin can still run "check" as another user. */
		return set_string(cfg, o, value, &cfg->keytab, err);
	case K_CCACHE:
		return set_string(cfg, o, value, &cfg->ccache, err);
	case K_AUTO_PASSWORD:
		if (o->file == NULL)
			value = "yes";
		return parse_bool(o, value, &cfg->auto_otp, err);
	case K_NO_AUTO_PASSWORD:
		cfg->auto_otp = false;
		return 0;
	case K_REQUESTS_DIR:
		return set_string(cfg, o, value, &cfg->requests_dir, err);
	case K_RENEWAL_KEY:
		if (strcasecmp(value, "new") == 0)
			cfg->renewal_new_key = true;
		else if (strcasecmp(value, "same") == 0)
			cfg->renewal_new_key = false;
		else
			return bad(err, o, value, "expected new or same");
		return 0;
	case K_REPORT_AFTER:
		return parse_long(o, value, 1, 365L * 86400, &cfg->report_after, err);
	case K_RENEWAL_SUBJECT_CHECK:
		return parse_bool(o, value, &cfg->renewal_subject_check, err);
	case K_VERBOSE:
		if (o->file == NULL) {
			if (cfg->verbose < 2)
				cfg->verbose++;
			return 0;
		}
		if (parse_long(o, value, 0, 2, &v, err) != 0)
			return -1;
		cfg->verbose = (int)v;
		return 0;
	default:
		return ns_err_set(err, NS_CAUSE_CONFIG, "invalid configuration: unknown setting");
	}
}

struct ns_config *ns_config_defaults(TALLOC_CTX *mem)
{
	struct ns_config *cfg = talloc_zero(mem, struct ns_config);

	if (cfg == NULL)
		return NULL;
	cfg->connect_timeout = 10;
	cfg->timeout = 60;
	cfg->method = NS_METHOD_AUTO;
	cfg->max_get_url = 2048;	/* IIS' default maxQueryString */
	cfg->poll_interval = 600;
	cfg->retry_interval = 300;
	cfg->report_after = 3600;
	cfg->allow_sha1 = true;		/* NDES signs every CertRep with SHA-1 */
	cfg->state_dir = "/var/lib/ndes-submit";
	cfg->auth = NS_AUTH_ANY;
	cfg->requests_dir = "/var/lib/certmonger/requests";
	/* NDES returns the existing certificate for a repeated transactionID
	 * and certmonger derives it from the key (ndes.md "Renewal"). */
	cfg->renewal_new_key = true;
	cfg->renewal_subject_check = true;
	return cfg;
}

/* Keys of the file are the long option names; "_" is accepted for "-". The
 * switch-only options (--no-allow-sha1, --help...) have no file form. */
static int file_key(const char *name)
{
	char norm[64];
	size_t i;

	if (strlen(name) >= sizeof(norm))
		return -1;
	for (i = 0; name[i] != '\0'; i++)
		norm[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	norm[i] = '\0';
	for (i = 0; long_options[i].name != NULL; i++) {
		int val = long_options[i].val;
		if (strcmp(long_options[i].name, norm) != 0)
			continue;
		if (val == K_NO_ALLOW_SHA1 || val == K_NO_AUTO_PASSWORD || val == K_HELP ||
		    val == K_VERSION || val == K_CONFIG)
			return -1;
		return val;
	}
	return -1;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int load_file(struct ns_config *cfg, const char *path, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *text, *line, *save = NULL;
	size_t len = 0;
	unsigned lineno = 0;
	FILE *f;
	int rc = -1;

	f = fopen(path, "r");
	if (f == NULL) {
		ns_err_set(err, NS_CAUSE_CONFIG, "cannot read configuration file %s: %s", path,
			   strerror(errno));
		goto out;
	}
	text = talloc_size(tmp, NS_CONFIG_MAX_FILE + 1);
	if (text == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	len = fread(text, 1, NS_CONFIG_MAX_FILE + 1, f);
	if (ferror(f)) {
		ns_err_set(err, NS_CAUSE_CONFIG, "cannot read configuration file %s: %s", path,
			   strerror(errno));
		goto out;
	}
	if (len > NS_CONFIG_MAX_FILE) {
		ns_err_set(err, NS_CAUSE_CONFIG, "configuration file %s is too large", path);
		goto out;
	}
	text[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		ns_err_set(err, NS_CAUSE_CONFIG, "configuration file %s is not a text file", path);
		goto out;
	}

	/* strtok_r would merge empty lines and break the line numbers. */
	for (line = text; line != NULL; line = save) {
		char *nl = strchr(line, '\n'), *eq, *key, *value;
		struct origin o;
		int k;

		save = nl != NULL ? nl + 1 : NULL;
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		line = trim(line);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			ns_err_set(err, NS_CAUSE_CONFIG,
				   "invalid configuration: %s line %u: expected \"key = value\"",
				   path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		/* Optional double quotes around a value (paths with spaces);
		 * else " #" starts a comment after the value. */
		if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
			value[strlen(value) - 1] = '\0';
			value++;
		} else {
			char *h;
			for (h = value; (h = strchr(h, '#')) != NULL; h++) {
				if (h > value && isspace((unsigned char)h[-1])) {
					*h = '\0';
					value = trim(value);
					break;
				}
			}
		}
		k = file_key(key);
		if (k < 0) {
			ns_err_set(err, NS_CAUSE_CONFIG,
				   "invalid configuration: %s line %u: unknown setting \"%s\"",
				   path, lineno, key);
			goto out;
		}
		o.file = path;
		o.line = lineno;
		o.name = key;
		if (apply(cfg, k, &o, value, err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	talloc_free(tmp);
	return rc;
}

static const char *option_name(int key)
{
	size_t i;

	for (i = 0; long_options[i].name != NULL; i++)
		if (long_options[i].val == key)
			return long_options[i].name;
	return "?";
}

#ifndef NS_SYSCONFDIR
#define NS_SYSCONFDIR "/etc"
#endif
#define NS_DEFAULT_CONFIG NS_SYSCONFDIR "/ndes-submit/ndes-submit.conf"

struct pending {
	int key;
	const char *value;
};

int ns_config_load(TALLOC_CTX *mem, int argc, char **argv,
		   struct ns_config **cfg_out, int *optind_out, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_config *cfg = NULL;
	struct pending *opts;
	char **used, **rest;
	const char *config_file = NULL, *tok = NULL, *inside = NULL;
	size_t nopts = 0, nused = 0, nrest = 0, nmax = 1, i;
	bool seen_subcommand = false;
	int c, before, rc = -1;

	*cfg_out = NULL;
	*optind_out = argc;
	ns_err_clear(err);
	/* One element can hold several short options ("-vvv"): room for one
	 * per character, not one per element. */
	for (i = 0; i < (size_t)argc; i++)
		nmax += strlen(argv[i]) + 1;
	opts = talloc_zero_array(tmp, struct pending, nmax);
	used = talloc_zero_array(tmp, char *, argc + 1);
	rest = talloc_zero_array(tmp, char *, argc + 1);
	cfg = ns_config_defaults(tmp);
	if (opts == NULL || used == NULL || rest == NULL || cfg == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}

	/* Pass 1: sort argv into our options and the rest. "-" returns
	 * non-options in order (no permutation), ':' reports missing values. */
	optind = 0;		/* glibc: full reset, so the function can run twice */
	opterr = 0;
	if (argc > 0)
		used[nused++] = argv[0];
	for (;;) {
		before = optind == 0 ? 1 : optind;
		c = getopt_long(argc, argv, "-:vhV", long_options, NULL);
		if (c == -1)
			break;
		if (c == 1) {
			seen_subcommand = true;
			rest[nrest++] = optarg;
			continue;
		}
		if (c == '?' || c == ':') {
			tok = argv[optind > before ? optind - 1 : before];
			if (c == ':') {
				ns_err_set(err, NS_CAUSE_CONFIG, "option %s needs a value", tok);
				goto out;
			}
			if (!seen_subcommand) {
				ns_err_set(err, NS_CAUSE_CONFIG,
					   "unknown option %s (see ndes-submit --help)", tok);
				goto out;
			}
			/* The subcommand's own option: leave it to the subcommand.
			 * One element cannot be both ours and its ("-vX"). */
			if ((nused > 0 && used[nused - 1] == tok) || tok == inside)
				goto mixed;
			if (nrest == 0 || rest[nrest - 1] != tok)
				rest[nrest++] = (char *)tok;
			continue;
		}
		/* getopt is still inside this element ("-vX"): remember it. */
		if (optind == before && optind < argc)
			inside = argv[optind];
		for (i = (size_t)before; i < (size_t)optind && i < (size_t)argc; i++) {
			if (nrest > 0 && rest[nrest - 1] == argv[i]) {
				tok = argv[i];
				goto mixed;
			}
			if (nused == 0 || used[nused - 1] != argv[i])
				used[nused++] = argv[i];
		}
		if (c == K_CONFIG) {
			config_file = optarg;
			continue;
		}
		opts[nopts].key = c;
		opts[nopts].value = optarg;
		nopts++;
	}
	/* getopt stopped at "--" (which it consumed): the rest are arguments. */
	if (optind > 0 && (size_t)optind <= (size_t)argc &&
	    nused + nrest + 1 == (size_t)optind)
		used[nused++] = argv[optind - 1];
	for (i = (size_t)(optind == 0 ? 1 : optind); i < (size_t)argc; i++)
		rest[nrest++] = argv[i];

	/* Pass 2: the file, then the options in order. Without --config the
	 * installed file is read when it exists, so that a bare
	 * "getcert add-ca -e /path/ndes-submit" works as admins expect. */
	if (config_file == NULL && access(NS_DEFAULT_CONFIG, F_OK) == 0)
		config_file = NS_DEFAULT_CONFIG;
	if (config_file != NULL) {
		cfg->config_file = talloc_strdup(cfg, config_file);
		if (load_file(cfg, config_file, err) != 0)
			goto out;
	}
	for (i = 0; i < nopts; i++) {
		struct origin o = { NULL, 0, option_name(opts[i].key) };
		if (opts[i].key == K_HELP) {
			cfg->help = true;
			continue;
		}
		if (opts[i].key == K_VERSION) {
			cfg->version = true;
			continue;
		}
		if (apply(cfg, opts[i].key, &o, opts[i].value != NULL ? opts[i].value : "", err) != 0)
			goto out;
	}
	if (cfg->connect_timeout > cfg->timeout)
		cfg->connect_timeout = cfg->timeout;

	/* Permute argv like GNU getopt: our options first, the rest last. */
	if (nused + nrest == (size_t)argc) {
		for (i = 0; i < nused; i++)
			argv[i] = used[i];
		for (i = 0; i < nrest; i++)
			argv[nused + i] = rest[i];
		*optind_out = (int)nused;
	} else {
		ns_err_set(err, NS_CAUSE_CONFIG, "cannot make sense of the command line");
		goto out;
	}

	*cfg_out = talloc_steal(mem, cfg);
	rc = 0;
	goto out;
mixed:
	ns_err_set(err, NS_CAUSE_CONFIG, "option %s mixes ndes-submit options with the "
		   "subcommand's own: give them separately", tok);
out:
	optind = 0;
	talloc_free(tmp);
	return rc;
}

int ns_config_require_url(const struct ns_config *cfg, struct ns_err *err)
{
	if (cfg == NULL || cfg->url == NULL)
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "no SCEP URL configured: set url in the configuration file or use "
				  "--url http://HOST/certsrv/mscep/mscep.dll");
	return 0;
}
