/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Configuration: defaults, then the --config file, then command-line options
 * (the command line wins). Every value is checked here so that operations can
 * trust the struct; a bad value is NS_CAUSE_CONFIG with a message naming the
 * option and where it came from. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmversion.h"
#include "settings.h"
#include "file.h"

#define NS_CONFIG_MAX_FILE (256 * 1024)

/* Keys understood in the file and as long options. */
enum key {
	K_URL = 1000, K_CONFIG, K_CA_BUNDLE, K_TRUSTED_CA, K_CA_FINGERPRINT, K_TIMEOUT,
	K_CONNECT_TIMEOUT, K_METHOD, K_MAX_GET_LENGTH, K_POLL_INTERVAL, K_RETRY_INTERVAL,
	K_ALLOW_SHA1, K_NO_ALLOW_SHA1, K_CAPS, K_STATE_DIR, K_ADMIN_URL, K_USER,
	K_PASSWORD_FILE, K_AUTH, K_KEYTAB, K_CCACHE, K_AUTO_PASSWORD, K_NO_AUTO_PASSWORD,
	K_REQUESTS_DIR, K_RENEWAL_KEY, K_CM_VERSION, K_RENEWAL_SUBJECT_CHECK, K_REPORT_AFTER, K_LOG, K_LOG_SOCKET,
	K_PASSWORD_SPREAD, K_CACHE_FULL_BACKOFF, K_CACHE_FULL_BACKOFF_MAX,
	K_VERBOSE = 'v', K_HELP = 'h', K_VERSION = 'V',
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
	{ "certmonger-version", required_argument, NULL, K_CM_VERSION },
	{ "renewal-subject-check", required_argument, NULL, K_RENEWAL_SUBJECT_CHECK },
	{ "report-after", required_argument, NULL, K_REPORT_AFTER },
	{ "password-spread", required_argument, NULL, K_PASSWORD_SPREAD },
	{ "cache-full-backoff", required_argument, NULL, K_CACHE_FULL_BACKOFF },
	{ "cache-full-backoff-max", required_argument, NULL, K_CACHE_FULL_BACKOFF_MAX },
	{ "log", required_argument, NULL, K_LOG },
	{ "log-socket", required_argument, NULL, K_LOG_SOCKET },
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

/* A list of URLs separated by spaces or commas; a later setting replaces
 * an earlier one (the command line wins over the file). */
static int set_urls(TALLOC_CTX *mem, const struct origin *o, const char *value,
		    const char **out, int *n, struct ns_err *err)
{
	char *copy = talloc_strdup(mem, value), *save = NULL, *tok;
	int count = 0;

	if (copy == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL; tok = strtok_r(NULL, " \t,", &save)) {
		if (count == NS_MAX_SERVERS) {
			char why[48];

			snprintf(why, sizeof(why), "more than %d URLs", NS_MAX_SERVERS);
			return bad(err, o, value, why);
		}
		if (set_url(mem, o, tok, &out[count], err) != 0)
			return -1;
		count++;
	}
	if (count == 0)
		return bad(err, o, value, "empty value");
	*n = count;
	return 0;
}

/* Applies one setting; the only place that knows what each key means. */
/* Settings of a plain type: where each goes and its bounds. */
enum kind { T_STRING, T_URL, T_URLS, T_FILE, T_FINGERPRINT, T_LONG, T_BOOL, T_YES_BOOL };

static const struct setting {
	int key;
	enum kind kind;
	size_t off;		/* offsetof(struct ns_config, ...) */
	long min, max;		/* T_LONG; T_URLS: min is the offset of the count */
} settings[] = {
	{ K_URL, T_URLS, offsetof(struct ns_config, urls), offsetof(struct ns_config, nurls), 0 },
	{ K_CA_BUNDLE, T_FILE, offsetof(struct ns_config, ca_bundle), 0, 0 },
	{ K_TRUSTED_CA, T_FILE, offsetof(struct ns_config, trusted_ca), 0, 0 },
	{ K_CA_FINGERPRINT, T_FINGERPRINT, offsetof(struct ns_config, ca_fingerprint), 0, 0 },
	{ K_TIMEOUT, T_LONG, offsetof(struct ns_config, timeout), 1, 3600 },
	{ K_CONNECT_TIMEOUT, T_LONG, offsetof(struct ns_config, connect_timeout), 1, 600 },
	{ K_MAX_GET_LENGTH, T_LONG, offsetof(struct ns_config, max_get_url), 256, 1L << 20 },
	{ K_POLL_INTERVAL, T_LONG, offsetof(struct ns_config, poll_interval), 1, 365L * 86400 },
	{ K_RETRY_INTERVAL, T_LONG, offsetof(struct ns_config, retry_interval), 1, 365L * 86400 },
	{ K_REPORT_AFTER, T_LONG, offsetof(struct ns_config, report_after), 1, 365L * 86400 },
	/* Up to a day: 10 s per host for thousands of hosts enrolled together. */
	{ K_PASSWORD_SPREAD, T_LONG, offsetof(struct ns_config, password_spread), 0, 86400 },
	{ K_CACHE_FULL_BACKOFF, T_LONG, offsetof(struct ns_config, cache_full_backoff), 1, 3600 },
	{ K_CACHE_FULL_BACKOFF_MAX, T_LONG, offsetof(struct ns_config, cache_full_backoff_max), 1, 86400 },
	/* On the command line --allow-sha1 takes no value: yes. */
	{ K_ALLOW_SHA1, T_YES_BOOL, offsetof(struct ns_config, allow_sha1), 0, 0 },
	{ K_AUTO_PASSWORD, T_YES_BOOL, offsetof(struct ns_config, auto_otp), 0, 0 },
	{ K_RENEWAL_SUBJECT_CHECK, T_BOOL, offsetof(struct ns_config, renewal_subject_check), 0, 0 },
	{ K_CAPS, T_STRING, offsetof(struct ns_config, caps_override), 0, 0 },
	{ K_STATE_DIR, T_STRING, offsetof(struct ns_config, state_dir), 0, 0 },
	{ K_ADMIN_URL, T_URLS, offsetof(struct ns_config, admin_urls), offsetof(struct ns_config, nadmin_urls), 0 },
	{ K_USER, T_STRING, offsetof(struct ns_config, user), 0, 0 },
	/* Its permissions are checked where it is read (otp.c). */
	{ K_PASSWORD_FILE, T_STRING, offsetof(struct ns_config, password_file), 0, 0 },
	/* Root-only (0600) as a rule: checked where it is used, so an admin
	 * can still run "check" as another user. */
	{ K_KEYTAB, T_STRING, offsetof(struct ns_config, keytab), 0, 0 },
	{ K_CCACHE, T_STRING, offsetof(struct ns_config, ccache), 0, 0 },
	{ K_REQUESTS_DIR, T_STRING, offsetof(struct ns_config, requests_dir), 0, 0 },
	{ K_LOG_SOCKET, T_STRING, offsetof(struct ns_config, log_socket), 0, 0 },
};

static int apply_plain(struct ns_config *cfg, const struct setting *st, const struct origin *o,
		       const char *value, struct ns_err *err)
{
	void *field = (char *)cfg + st->off;

	switch (st->kind) {
	case T_URL:
		return set_url(cfg, o, value, field, err);
	case T_URLS:
		return set_urls(cfg, o, value, field, (int *)((char *)cfg + st->min), err);
	case T_FILE:
		return set_readable_file(cfg, o, value, field, err);
	case T_FINGERPRINT:
		return set_fingerprint(cfg, o, value, field, err);
	case T_LONG:
		return parse_long(o, value, st->min, st->max, field, err);
	case T_YES_BOOL:
		return parse_bool(o, o->file == NULL ? "yes" : value, field, err);
	case T_BOOL:
		return parse_bool(o, value, field, err);
	default:
		return set_string(cfg, o, value, field, err);
	}
}

/* value, case-insensitive, among names ("a|b|c"): its index, or -1. */
static int choice(const char *value, const char *names)
{
	size_t n = strlen(value);
	const char *p;
	int i;

	for (p = names, i = 0; p != NULL; p = strchr(p, '|'), i++) {
		if (*p == '|')
			p++;
		if (strncasecmp(p, value, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return i;
	}
	return -1;
}

static int apply(struct ns_config *cfg, int key, const struct origin *o, const char *value,
		 struct ns_err *err)
{
	static const enum ns_auth auths[] = { NS_AUTH_ANY, NS_AUTH_NTLM, NS_AUTH_NEGOTIATE,
					      NS_AUTH_NEGOTIATE, NS_AUTH_BASIC,
					      NS_AUTH_NTLM_GSSAPI };
	size_t i;
	long v;
	int c;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (settings[i].key == key)
			return apply_plain(cfg, &settings[i], o, value, err);
	switch (key) {
	case K_CONFIG:
		return 0;	/* handled before anything else */
	case K_METHOD:
		if ((c = choice(value, "auto|get|post")) < 0)
			return bad(err, o, value, "expected auto, get or post");
		cfg->method = c == 0 ? NS_METHOD_AUTO : c == 1 ? NS_METHOD_GET : NS_METHOD_POST;
		return 0;
	case K_AUTH:
		if ((c = choice(value, "any|ntlm|negotiate|kerberos|basic|ntlm-gssapi")) < 0)
			return bad(err, o, value,
				   "expected any, ntlm, negotiate, basic or ntlm-gssapi");
		cfg->auth = auths[c];
		return 0;
	case K_RENEWAL_KEY:
		if ((c = choice(value, "new|same")) < 0)
			return bad(err, o, value, "expected new or same");
		cfg->renewal_new_key = c == 0;
		return 0;
	case K_CM_VERSION:
		if (ns_cm_version_parse(value) == 0)
			return bad(err, o, value, "expected a version such as 0.79.13");
		cfg->certmonger_version = talloc_strdup(cfg, value);
		return cfg->certmonger_version != NULL ? 0 :
			ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	case K_LOG:
		if ((c = choice(value, "auto|stderr|syslog")) < 0)
			return bad(err, o, value, "expected auto, stderr or syslog");
		cfg->log_to = c == 0 ? NS_LOG_TO_AUTO : c == 1 ? NS_LOG_TO_STDERR : NS_LOG_TO_SYSLOG;
		return 0;
	case K_NO_ALLOW_SHA1:
		cfg->allow_sha1 = false;
		return 0;
	case K_NO_AUTO_PASSWORD:
		cfg->auto_otp = false;
		return 0;
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
	cfg->connect_timeout = NS_DEFAULT_CONNECT_TIMEOUT;
	cfg->timeout = NS_DEFAULT_TIMEOUT;
	cfg->method = NS_METHOD_AUTO;
	cfg->max_get_url = NS_DEFAULT_MAX_GET_LENGTH;
	cfg->poll_interval = NS_DEFAULT_POLL_INTERVAL;
	cfg->retry_interval = NS_DEFAULT_RETRY_INTERVAL;
	cfg->report_after = NS_DEFAULT_REPORT_AFTER;
	cfg->password_spread = NS_DEFAULT_PASSWORD_SPREAD;
	cfg->cache_full_backoff = NS_DEFAULT_CACHE_FULL_BACKOFF;
	cfg->cache_full_backoff_max = NS_DEFAULT_CACHE_FULL_BACKOFF_MAX;
	cfg->allow_sha1 = true;		/* NDES signs every CertRep with SHA-1 */
	cfg->state_dir = NS_DEFAULT_STATE_DIR;
	cfg->auth = NS_AUTH_ANY;
	cfg->requests_dir = NS_DEFAULT_REQUESTS_DIR;
	cfg->log_to = NS_LOG_TO_AUTO;
	cfg->log_socket = NS_DEFAULT_LOG_SOCKET;
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

/* The configuration file's text: at most NS_CONFIG_MAX_FILE bytes, no NUL. */
static char *read_config_text(TALLOC_CTX *mem, const char *path, struct ns_err *err)
{
	char *text;
	size_t len;

	if (ns_file_read(mem, path, NS_CONFIG_MAX_FILE, 0, &text, &len, NULL) != 0) {
		if (errno == EFBIG)
			ns_err_set(err, NS_CAUSE_CONFIG, "configuration file %s is too large", path);
		else if (errno == ENOMEM)
			ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		else
			ns_err_set(err, NS_CAUSE_CONFIG, "cannot read configuration file %s: %s",
				   path, ns_file_strerror(errno));
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		ns_err_set(err, NS_CAUSE_CONFIG, "configuration file %s is not a text file", path);
		talloc_free(text);
		return NULL;
	}
	return text;
}

/* A value without its quotes, or without a " #" comment after it. */
static char *unquote(char *value)
{
	char *h;

	/* Optional double quotes around a value (paths with spaces). */
	if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
		value[strlen(value) - 1] = '\0';
		return value + 1;
	}
	for (h = value; (h = strchr(h, '#')) != NULL; h++) {
		if (h > value && isspace((unsigned char)h[-1])) {
			*h = '\0';
			return trim(value);
		}
	}
	return value;
}

/* One line "key = value" (blank and comment lines are skipped). */
static int load_line(struct ns_config *cfg, const char *path, unsigned lineno, char *line,
		     struct ns_err *err)
{
	char *eq, *key, *value;
	struct origin o;
	int k;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL)
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "invalid configuration: %s line %u: expected \"key = value\"",
				  path, lineno);
	*eq = '\0';
	key = trim(line);
	value = unquote(trim(eq + 1));
	k = file_key(key);
	if (k < 0)
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "invalid configuration: %s line %u: unknown setting \"%s\"",
				  path, lineno, key);
	o.file = path;
	o.line = lineno;
	o.name = key;
	return apply(cfg, k, &o, value, err);
}

static int load_file(struct ns_config *cfg, const char *path, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *line, *save = NULL;
	unsigned lineno = 0;
	int rc = -1;

	line = read_config_text(tmp, path, err);
	/* strtok_r would merge empty lines and break the line numbers. */
	for (; line != NULL; line = save) {
		char *nl = strchr(line, '\n');

		save = nl != NULL ? nl + 1 : NULL;
		if (nl != NULL)
			*nl = '\0';
		if (load_line(cfg, path, ++lineno, line, err) != 0)
			goto out;
		if (save == NULL)
			rc = 0;
	}
out:
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

/* argv sorted into our options (in order), the elements they came from,
 * and the rest (the subcommand and its arguments). */
struct sorted {
	struct pending *opts;
	size_t nopts;
	char **used, **rest;
	size_t nused, nrest;
	const char *config_file;
	const char *inside;	/* the element getopt is still inside ("-vX") */
	bool seen_subcommand;
};

static int mixed(const char *tok, struct ns_err *err)
{
	return ns_err_set(err, NS_CAUSE_CONFIG, "option %s mixes ndes-submit options with the "
			  "subcommand's own: give them separately", tok);
}

/* An option that is not ours ('?') or lacks its value (':'). Past the
 * subcommand it is the subcommand's own: left to it. */
static int foreign_option(struct sorted *s, int c, const char *tok, struct ns_err *err)
{
	if (c == ':')
		return ns_err_set(err, NS_CAUSE_CONFIG, "option %s needs a value", tok);
	if (!s->seen_subcommand)
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "unknown option %s (see ndes-submit --help)", tok);
	/* One element cannot be both ours and its ("-vX"). */
	if ((s->nused > 0 && s->used[s->nused - 1] == tok) || tok == s->inside)
		return mixed(tok, err);
	if (s->nrest == 0 || s->rest[s->nrest - 1] != tok)
		s->rest[s->nrest++] = (char *)tok;
	return 0;
}

/* One of our options, from argv[before] up to argv[optind - 1]. */
static int own_option(struct sorted *s, int c, int argc, char **argv, int before,
		      struct ns_err *err)
{
	size_t i;

	/* getopt is still inside this element ("-vX"): remember it. */
	if (optind == before && optind < argc)
		s->inside = argv[optind];
	for (i = (size_t)before; i < (size_t)optind && i < (size_t)argc; i++) {
		if (s->nrest > 0 && s->rest[s->nrest - 1] == argv[i])
			return mixed(argv[i], err);
		if (s->nused == 0 || s->used[s->nused - 1] != argv[i])
			s->used[s->nused++] = argv[i];
	}
	if (c == K_CONFIG) {
		s->config_file = optarg;
		return 0;
	}
	s->opts[s->nopts].key = c;
	s->opts[s->nopts].value = optarg;
	s->nopts++;
	return 0;
}

/* Pass 1: sort argv into our options and the rest. "-" returns non-options
 * in order (no permutation), ':' reports missing values. */
static int sort_argv(int argc, char **argv, struct sorted *s, struct ns_err *err)
{
	size_t i;
	int c, before;

	optind = 0;		/* glibc: full reset, so the function can run twice */
	opterr = 0;
	if (argc > 0)
		s->used[s->nused++] = argv[0];
	for (;;) {
		before = optind == 0 ? 1 : optind;
		c = getopt_long(argc, argv, "-:vhV", long_options, NULL);
		if (c == -1)
			break;
		if (c == 1) {
			s->seen_subcommand = true;
			s->rest[s->nrest++] = optarg;
		} else if (c == '?' || c == ':') {
			if (foreign_option(s, c, argv[optind > before ? optind - 1 : before], err) != 0)
				return -1;
		} else if (own_option(s, c, argc, argv, before, err) != 0) {
			return -1;
		}
	}
	/* getopt stopped at "--" (which it consumed): the rest are arguments. */
	if (optind > 0 && (size_t)optind <= (size_t)argc &&
	    s->nused + s->nrest + 1 == (size_t)optind)
		s->used[s->nused++] = argv[optind - 1];
	for (i = (size_t)(optind == 0 ? 1 : optind); i < (size_t)argc; i++)
		s->rest[s->nrest++] = argv[i];
	return 0;
}

/* url and admin-url as lists: admin-url names one page per server, in
 * the same order, or is left to be derived from each url. */
static int servers_settle(struct ns_config *cfg, struct ns_err *err)
{
	if (cfg->nadmin_urls > 0 && cfg->nurls > 1 && cfg->nadmin_urls != cfg->nurls)
		return ns_err_set(err, NS_CAUSE_CONFIG, "invalid configuration: url names %d "
				  "servers and admin-url %d pages; give one admin-url per url, in "
				  "the same order, or none (each is then derived from its url)",
				  cfg->nurls, cfg->nadmin_urls);
	if (cfg->nadmin_urls > 1 && cfg->nurls <= 1)
		return ns_err_set(err, NS_CAUSE_CONFIG, "invalid configuration: admin-url names "
				  "%d pages but url one server; a password must go to the server "
				  "that issued it", cfg->nadmin_urls);
	cfg->url = cfg->nurls > 0 ? cfg->urls[0] : NULL;
	cfg->admin_url = cfg->nadmin_urls > 0 ? cfg->admin_urls[0] : NULL;
	return 0;
}

/* Pass 2: the file, then the options in order. Without --config the
 * installed file is read when it exists, so that a bare
 * "getcert add-ca -e /path/ndes-submit" works as admins expect. */
static int apply_all(struct ns_config *cfg, const struct sorted *s, struct ns_err *err)
{
	const char *config_file = s->config_file;
	size_t i;

	if (config_file == NULL && access(NS_DEFAULT_CONFIG, F_OK) == 0)
		config_file = NS_DEFAULT_CONFIG;
	if (config_file != NULL) {
		cfg->config_file = talloc_strdup(cfg, config_file);
		if (load_file(cfg, config_file, err) != 0)
			return -1;
	}
	for (i = 0; i < s->nopts; i++) {
		struct origin o = { NULL, 0, option_name(s->opts[i].key) };
		if (s->opts[i].key == K_HELP)
			cfg->help = true;
		else if (s->opts[i].key == K_VERSION)
			cfg->version = true;
		else if (apply(cfg, s->opts[i].key, &o, s->opts[i].value != NULL ?
			       s->opts[i].value : "", err) != 0)
			return -1;
	}
	if (cfg->connect_timeout > cfg->timeout)
		cfg->connect_timeout = cfg->timeout;
	return servers_settle(cfg, err);
}

int ns_config_load(TALLOC_CTX *mem, int argc, char **argv,
		   struct ns_config **cfg_out, int *optind_out, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_config *cfg = NULL;
	struct sorted s;
	size_t nmax = 1, i;
	int rc = -1;

	*cfg_out = NULL;
	*optind_out = argc;
	ns_err_clear(err);
	memset(&s, 0, sizeof(s));
	/* One element can hold several short options ("-vvv"): room for one
	 * per character, not one per element. */
	for (i = 0; i < (size_t)argc; i++)
		nmax += strlen(argv[i]) + 1;
	s.opts = talloc_zero_array(tmp, struct pending, nmax);
	s.used = talloc_zero_array(tmp, char *, argc + 1);
	s.rest = talloc_zero_array(tmp, char *, argc + 1);
	cfg = ns_config_defaults(tmp);
	if (s.opts == NULL || s.used == NULL || s.rest == NULL || cfg == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	if (sort_argv(argc, argv, &s, err) != 0 || apply_all(cfg, &s, err) != 0)
		goto out;
	/* Permute argv like GNU getopt: our options first, the rest last. */
	if (s.nused + s.nrest != (size_t)argc) {
		ns_err_set(err, NS_CAUSE_CONFIG, "cannot make sense of the command line");
		goto out;
	}
	for (i = 0; i < s.nused; i++)
		argv[i] = s.used[i];
	for (i = 0; i < s.nrest; i++)
		argv[s.nused + i] = s.rest[i];
	*optind_out = (int)s.nused;
	*cfg_out = talloc_steal(mem, cfg);
	rc = 0;
out:
	optind = 0;
	talloc_free(tmp);
	return rc;
}

const char *ns_auth_name(enum ns_auth auth)
{
	switch (auth) {
	case NS_AUTH_NTLM:
		return "ntlm";
	case NS_AUTH_NEGOTIATE:
		return "negotiate";
	case NS_AUTH_BASIC:
		return "basic";
	case NS_AUTH_NTLM_GSSAPI:
		return "ntlm-gssapi";
	case NS_AUTH_ANY:
	default:
		return "any";
	}
}

int ns_config_require_url(const struct ns_config *cfg, struct ns_err *err)
{
	if (cfg == NULL || cfg->url == NULL)
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "no SCEP URL configured: set url in the configuration file or use "
				  "--url http://HOST/certsrv/mscep/mscep.dll");
	return 0;
}
