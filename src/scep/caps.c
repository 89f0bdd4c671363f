/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GetCACaps (RFC 8894 3.5.2): parsing, what "no capabilities" means for NDES,
 * and a cache in state-dir so SUBMIT/POLL do not ask every time. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "caps.h"
#include "file.h"
#include "http.h"
#include "ns.h"
#include "x509util.h"

/* Capabilities change when an admin reconfigures NDES: a day is plenty, and
 * FETCH-SCEP-CA-CAPS (certmonger start, getcert refresh-ca) refreshes it. */
#define NS_CAPS_CACHE_TTL (24 * 3600)
#define NS_CAPS_CACHE_MAX 8192
/* v2: a size= line and an end marker (v1 files are refused, then replaced). */
#define NS_CAPS_MAGIC "ndes-submit caps cache v2"
#define NS_CAPS_END "end\n"

/* What Windows Server 2008 NDES without caps can do (ndes.md). */
#define NS_CAPS_NDES_DEFAULT "SHA-1\nDES3\n"

/* certmonger compares keywords case-sensitively: print the RFC spelling. */
static const char *const known[] = {
	"GetNextCACert", "POSTPKIOperation", "Renewal", "SHA-1", "SHA-224", "SHA-256",
	"SHA-384", "SHA-512", "DES3", "AES", "SCEPStandard", "Update", NULL,
};

static void apply_keyword(struct ns_caps *c, const char *kw)
{
	if (strcasecmp(kw, "POSTPKIOperation") == 0)
		c->post = true;
	else if (strcasecmp(kw, "Renewal") == 0)
		c->renewal = true;
	else if (strcasecmp(kw, "GetNextCACert") == 0)
		c->get_next_ca_cert = true;
	else if (strcasecmp(kw, "SHA-1") == 0)
		c->sha1 = true;
	else if (strcasecmp(kw, "SHA-256") == 0)
		c->sha256 = true;
	else if (strcasecmp(kw, "SHA-512") == 0)
		c->sha512 = true;
	else if (strcasecmp(kw, "DES3") == 0)
		c->des3 = true;
	else if (strcasecmp(kw, "AES") == 0)
		c->aes = true;
	else if (strcasecmp(kw, "SCEPStandard") == 0) {
		/* RFC 8894: implies AES, POSTPKIOperation and SHA-256. */
		c->scep_standard = c->aes = c->post = c->sha256 = true;
	}
}

#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* The next line of text from *i, trimmed: [*start, *end). false at the end. */
static bool next_line(const char *text, size_t len, size_t *i, size_t *start, size_t *end)
{
	if (*i >= len)
		return false;
	*start = *i;
	while (*i < len && text[*i] != '\n' && text[*i] != '\r')
		(*i)++;
	*end = *i;
	while (*i < len && (text[*i] == '\n' || text[*i] == '\r'))
		(*i)++;
	while (*start < *end && isspace((unsigned char)text[*start]))
		(*start)++;
	while (*end > *start && isspace((unsigned char)text[*end - 1]))
		(*end)--;
	return true;
}

/* A NUL, control or non-ASCII byte is no keyword: the line is dropped rather
 * than cut short or printed to certmonger (the cache and the caps setting
 * reach here without ns_caps_reply_ok()). */
static bool printable(const char *s, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		if ((unsigned char)s[j] < 0x20 || (unsigned char)s[j] >= 0x7f)
			return false;
	return true;
}

/* The capability list being built: each known keyword once, plus the
 * bounded unknown ones. */
struct caps_build {
	struct ns_caps *c;
	bool seen[NKNOWN];
	int unknown, n;
	size_t used;
};

static void add_keyword(struct caps_build *b, const char *kw)
{
	const char *print = kw;
	size_t j;
	int k;

	for (k = 0; known[k] != NULL; k++)
		if (strcasecmp(kw, known[k]) == 0)
			break;
	if (known[k] != NULL) {
		/* The first mention keeps its place: certmonger takes the first
		 * cipher in server order. */
		if (b->seen[k]) {
			b->c->dropped++;
			return;
		}
		b->seen[k] = true;
		print = known[k];
	} else if (b->unknown++ >= NS_CAPS_MAX_UNKNOWN) {
		b->c->dropped++;
		return;
	}
	apply_keyword(b->c, kw);
	j = strlen(print);
	memcpy(b->c->text + b->used, print, j);
	b->used += j;
	b->c->text[b->used++] = '\n';
	b->n++;
}

int ns_caps_parse(TALLOC_CTX *mem, const char *text, size_t len, struct ns_caps **out)
{
	/* The text has a fixed maximum size: built in one buffer, in linear time. */
	const size_t max = (NKNOWN + NS_CAPS_MAX_UNKNOWN) * (NS_CAPS_MAX_KEYWORD + 1) + 1;
	struct caps_build b = { .c = talloc_zero(mem, struct ns_caps) };
	char kw[NS_CAPS_MAX_KEYWORD + 1];
	size_t i = 0, start, end;

	*out = NULL;
	if (b.c == NULL || (b.c->text = talloc_size(b.c, max)) == NULL) {
		talloc_free(b.c);
		return -1;
	}
	/* A UTF-8 byte order mark (some proxies and stand-ins add one). */
	if (text != NULL && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (text != NULL && next_line(text, len, &i, &start, &end)) {
		if (end == start || !printable(text + start, end - start))
			continue;
		if (end - start > NS_CAPS_MAX_KEYWORD) {
			b.c->dropped++;
			continue;
		}
		memcpy(kw, text + start, end - start);
		kw[end - start] = '\0';
		add_keyword(&b, kw);
	}
	b.c->text[b.used] = '\0';
	b.c->from_server = b.n > 0;
	if (b.n == 0) {
		/* No capabilities: NDES can still do DES3, SHA-1 and GET. */
		talloc_free(b.c->text);
		b.c->text = talloc_strdup(b.c, NS_CAPS_NDES_DEFAULT);
		if (b.c->text == NULL) {
			talloc_free(b.c);
			return -1;
		}
		b.c->des3 = b.c->sha1 = true;
	}
	*out = b.c;
	return 0;
}

/* "caps = POSTPKIOperation, SHA-256, DES3" from the configuration. */
static int parse_override(TALLOC_CTX *mem, const char *list, struct ns_caps **out)
{
	char *text = talloc_strdup(mem, list), *p;
	int rc;

	if (text == NULL)
		return -1;
	for (p = text; *p != '\0'; p++)
		if (*p == ',')
			*p = '\n';
	rc = ns_caps_parse(mem, text, strlen(text), out);
	talloc_free(text);
	return rc;
}

int ns_caps_without_aes(struct ns_caps *c)
{
	char *out, *save = NULL, *line, *copy;

	if (!c->aes)
		return 0;
	copy = talloc_strdup(c, c->text);
	out = talloc_strdup(c, "");
	if (copy == NULL || out == NULL)
		return -1;
	for (line = strtok_r(copy, "\n", &save); line != NULL && out != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strcasecmp(line, "AES") != 0 && strcasecmp(line, "SCEPStandard") != 0)
			out = talloc_asprintf_append(out, "%s\n", line);
	if (out != NULL && !c->des3)
		out = talloc_strdup_append(out, "DES3\n");
	talloc_free(copy);
	if (out == NULL)
		return -1;
	talloc_free(c->text);
	c->text = out;
	c->aes = c->scep_standard = false;
	c->des3 = true;
	return 1;
}

static char *cache_path(TALLOC_CTX *mem, const struct ns_config *cfg)
{
	char hex[33];

	ns_sha256_hex(NULL, cfg->url, 16, hex);
	if (cfg->state_dir == NULL || hex[0] == '\0')
		return NULL;
	return talloc_asprintf(mem, "%s/caps-%s", cfg->state_dir, hex);
}

/* Reads a fresh cache entry for cfg->url; NULL when there is none. */
static struct ns_caps *cache_read(TALLOC_CTX *mem, const struct ns_ctx *ctx)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_caps *caps = NULL;
	char *path = cache_path(tmp, ctx->cfg), *buf, *line, *body;
	long long when;
	int from_server;
	size_t n, size;

	if (path == NULL || ns_file_read(tmp, path, NS_CAPS_CACHE_MAX, 0, &buf, &n, NULL) != 0 ||
	    n == 0)
		goto out;
	/* magic, url=, time=, from_server=, size=, the caps text, the end marker */
	line = buf;
	if (strncmp(line, NS_CAPS_MAGIC "\n", strlen(NS_CAPS_MAGIC) + 1) != 0)
		goto out;
	line += strlen(NS_CAPS_MAGIC) + 1;
	if (strncmp(line, "url=", 4) != 0 || strncmp(line + 4, ctx->cfg->url, strlen(ctx->cfg->url)) != 0 ||
	    line[4 + strlen(ctx->cfg->url)] != '\n')
		goto out;
	line += 4 + strlen(ctx->cfg->url) + 1;
	if (sscanf(line, "time=%lld\nfrom_server=%d\nsize=%zu\n", &when, &from_server, &size) != 3)
		goto out;
	if ((body = strstr(line, "\nsize=")) == NULL || (body = strchr(body + 1, '\n')) == NULL)
		goto out;
	body++;
	/* The text must be followed by the marker and nothing else: a file cut
	 * short in place (full disk, a crash of the file system) is no answer. */
	if (size > n - (size_t)(body - buf) ||
	    strcmp(body + size, NS_CAPS_END) != 0)
		goto out;
	body[size] = '\0';
	if (when > (long long)time(NULL) + 300 || (long long)time(NULL) - when > NS_CAPS_CACHE_TTL)
		goto out;
	if (ns_caps_parse(mem, body, size, &caps) != 0)
		goto out;
	if (!from_server) {
		/* Keep "the server had none" as it was. */
		caps->from_server = false;
	}
	ns_log(ctx, NS_LOG_DEBUG, "GetCACaps from the cache %s", path);
out:
	talloc_free(tmp);
	return caps;
}

/* Temp files that a run killed before its rename left in state-dir (caps
 * cache, failure counts, state files): older than this, no run is writing
 * them any more. Runs for other URLs share the directory. */
#define NS_CAPS_TMP_MAX_AGE 3600

static void cache_clean_tmp(const struct ns_ctx *ctx)
{
	char **removed = NULL;
	size_t i;

	if (ns_file_clean_tmp(NULL, ctx->cfg->state_dir, NS_CAPS_TMP_MAX_AGE, &removed) != 0)
		return;
	for (i = 0; removed[i] != NULL; i++)
		ns_log(ctx, NS_LOG_DEBUG, "removed %s, left by an interrupted run", removed[i]);
	talloc_free(removed);
}

/* Best effort: a missing or read-only state dir only means no cache. */
static void cache_write(const struct ns_ctx *ctx, const struct ns_caps *caps)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *path = cache_path(tmp, ctx->cfg), *data;
	const char *text = caps->from_server ? caps->text : "";

	if (path == NULL)
		goto out;
	(void)mkdir(ctx->cfg->state_dir, 0700);
	cache_clean_tmp(ctx);
	data = talloc_asprintf(tmp, NS_CAPS_MAGIC "\nurl=%s\ntime=%lld\nfrom_server=%d\nsize=%zu\n%s"
			       NS_CAPS_END, ctx->cfg->url, (long long)time(NULL),
			       caps->from_server ? 1 : 0, strlen(text), text);
	/* Replaced whole: a reader never sees half a file, even after a crash. */
	if (data != NULL && ns_file_replace(tmp, path, data, 0644, NULL) != 0)
		ns_log(ctx, NS_LOG_DEBUG, "no GetCACaps cache: cannot write %s: %s", path,
		       strerror(errno));
out:
	talloc_free(tmp);
}

/* How many GetCACaps failures in a row, this one included (1 when the state
 * dir cannot tell). Kept next to the cache; a real answer removes it. */
static long failures_count(const struct ns_ctx *ctx)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *path = cache_path(tmp, ctx->cfg), *text, *count;
	long n = 0;

	if (path == NULL || (path = talloc_strdup_append(path, ".failed")) == NULL)
		goto out;
	if (ns_file_read(tmp, path, 32, NS_FILE_PREFIX, &text, NULL, NULL) == 0 &&
	    (sscanf(text, "%ld", &n) != 1 || n < 0))
		n = 0;
	(void)mkdir(ctx->cfg->state_dir, 0700);
	count = talloc_asprintf(tmp, "%ld\n", n + 1);
	if (count != NULL)
		(void)ns_file_replace(tmp, path, count, 0644, NULL);
out:
	talloc_free(tmp);
	return n + 1;
}

static void failures_clear(const struct ns_ctx *ctx)
{
	char *path = cache_path(NULL, ctx->cfg);

	if (path != NULL && (path = talloc_strdup_append(path, ".failed")) != NULL)
		(void)unlink(path);
	talloc_free(path);
}

bool ns_caps_reply_ok(const struct ns_http_reply *r)
{
	size_t i;

	if (r->status != 200 ||
	    (r->content_type != NULL && strcmp(r->content_type, "text/html") == 0))
		return false;
	i = r->len >= 3 && memcmp(r->body, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (; i < r->len; i++) {
		unsigned char ch = r->body[i];
		if (ch == '<' || (ch < 0x20 && ch != '\r' && ch != '\n' && ch != '\t') || ch >= 0x7f)
			return false;
	}
	return true;
}

/* A failed GetCACaps from a server that did answer something. Not "no
 * capabilities": taking it as such would cache, for a day, defaults without
 * POSTPKIOperation, and send requests by GET past IIS' query limit. */
static int caps_failed(const struct ns_ctx *ctx, enum ns_cause cause, struct ns_err *err,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int caps_failed(const struct ns_ctx *ctx, enum ns_cause cause, struct ns_err *err,
		       const char *fmt, ...)
{
	char what[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* Windows Server 2008 NDES without its hotfix never answers GetCACaps:
	 * once it failed twice in a row, say how to get past it. */
	if (failures_count(ctx) >= 2)
		ns_err_set(err, cause,
			   "GetCACaps failed again: %.500s; a server that never answers GetCACaps "
			   "(Windows Server 2008 NDES without its hotfix) needs caps in the "
			   "configuration, e.g. caps = SHA-1, DES3", what);
	else
		ns_err_set(err, cause, "GetCACaps failed: %s", what);
	return -1;
}

/* GetCACaps from the server: a reply that is a capability list, or -1. */
static int ask_server(TALLOC_CTX *tmp, const struct ns_ctx *ctx, struct ns_http_reply **reply,
		      struct ns_err *err)
{
	struct ns_http_request req = { 0 };

	/* "message" is sent because old NDES logs its absence (ndes.md). */
	req.url = ns_scep_url(tmp, ctx->cfg->url, "GetCACaps", "0");
	if (req.url == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	if (ns_http_request(tmp, ctx, &req, reply, err) != 0) {
		char msg[sizeof(err->msg)];

		/* The server is away (connect, DNS, timeout), or TLS and settings
		 * need an admin: http.c's message says it all. Else it answered
		 * something broken. */
		if (err->cause != NS_CAUSE_HTTP_CLOSED && err->cause != NS_CAUSE_HTTP_TRUNCATED &&
		    err->cause != NS_CAUSE_HTTP_OTHER && err->cause != NS_CAUSE_TOO_LARGE)
			return -1;
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return caps_failed(ctx, err->cause, err, "%s", msg);
	}
	if ((*reply)->status != 200) {
		return caps_failed(ctx, (*reply)->status >= 500 ? NS_CAUSE_HTTP_5XX
				   : NS_CAUSE_SERVER_DATA, err, "HTTP %ld from %s", (*reply)->status,
				   ctx->cfg->url);
	}
	if (!ns_caps_reply_ok(*reply)) {
		return caps_failed(ctx, NS_CAUSE_SERVER_DATA, err, "the reply from %s (%s, %zu "
				   "bytes) is not a capability list", ctx->cfg->url,
				   (*reply)->content_type != NULL ? (*reply)->content_type
				   : "no content type", (*reply)->len);
	}
	return 0;
}

int ns_caps_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_caps **out,
		  struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_http_reply *reply = NULL;
	struct ns_caps *caps = NULL;
	int rc = -1;

	*out = NULL;
	if (tmp == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	if (ctx->cfg->caps_override != NULL) {
		if (parse_override(mem, ctx->cfg->caps_override, out) != 0) {
			ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
			goto done;
		}
		ns_log(ctx, NS_LOG_INFO, "capabilities from the configuration (caps), not asking the server");
		rc = 0;
		goto done;
	}
	if (ns_config_require_url(ctx->cfg, err) != 0 || ask_server(tmp, ctx, &reply, err) != 0)
		goto done;
	if (ns_caps_parse(tmp, (const char *)reply->body, reply->len, &caps) != 0) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto done;
	}
	if (!caps->from_server)
		ns_log(ctx, NS_LOG_INFO,
		       "GetCACaps: empty reply (no capabilities); assuming NDES defaults (DES3, SHA-1, GET)");
	if (caps->dropped > 0)
		ns_log(ctx, NS_LOG_WARN,
		       "GetCACaps: %u keyword(s) left out (repeated, longer than %d bytes, or more "
		       "than %d unknown ones)", caps->dropped, NS_CAPS_MAX_KEYWORD, NS_CAPS_MAX_UNKNOWN);
	failures_clear(ctx);
	cache_write(ctx, caps);
	*out = talloc_steal(mem, caps);
	rc = 0;
done:
	talloc_free(tmp);
	return rc;
}

int ns_caps_get(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_caps **out,
		struct ns_err *err)
{
	if (ctx->cfg->caps_override == NULL && ctx->cfg->url != NULL) {
		*out = cache_read(mem, ctx);
		if (*out != NULL)
			return 0;
	}
	return ns_caps_fetch(mem, ctx, out, err);
}
