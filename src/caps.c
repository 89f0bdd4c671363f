/* GetCACaps (RFC 8894 3.5.2): parsing, what "no capabilities" means for NDES,
 * and a cache in state-dir so SUBMIT/POLL do not ask every time. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "caps.h"
#include "http.h"
#include "ns.h"

/* Capabilities change when an admin reconfigures NDES: a day is plenty, and
 * FETCH-SCEP-CA-CAPS (certmonger start, getcert refresh-ca) refreshes it. */
#define NS_CAPS_CACHE_TTL (24 * 3600)
#define NS_CAPS_CACHE_MAX 8192
#define NS_CAPS_MAGIC "ndes-submit caps cache v1"

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

int ns_caps_parse(TALLOC_CTX *mem, const char *text, size_t len, struct ns_caps **out)
{
	struct ns_caps *c = talloc_zero(mem, struct ns_caps);
	size_t i = 0, start, end, j;
	int n = 0, k;

	*out = NULL;
	if (c == NULL)
		return -1;
	c->text = talloc_strdup(c, "");
	if (c->text == NULL) {
		talloc_free(c);
		return -1;
	}
	/* A UTF-8 byte order mark (some proxies and stand-ins add one). */
	if (text != NULL && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (text != NULL && i < len) {
		start = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		end = i;
		while (i < len && (text[i] == '\n' || text[i] == '\r'))
			i++;
		while (start < end && isspace((unsigned char)text[start]))
			start++;
		while (end > start && isspace((unsigned char)text[end - 1]))
			end--;
		if (end == start)
			continue;
		/* A NUL, control or non-ASCII byte is no keyword: drop the line rather
		 * than cut it short or print it to certmonger (the cache and the
		 * caps setting reach here without looks_like_caps()). */
		for (j = start; j < end; j++)
			if ((unsigned char)text[j] < 0x20 || (unsigned char)text[j] >= 0x7f)
				break;
		if (j < end)
			continue;
		{
			char *kw = talloc_strndup(c, text + start, end - start);
			const char *print = kw;
			if (kw == NULL) {
				talloc_free(c);
				return -1;
			}
			for (k = 0; known[k] != NULL; k++)
				if (strcasecmp(kw, known[k]) == 0)
					print = known[k];
			apply_keyword(c, kw);
			c->text = talloc_asprintf_append(c->text, "%s\n", print);
			talloc_free(kw);
			if (c->text == NULL) {
				talloc_free(c);
				return -1;
			}
			n++;
		}
	}
	if (n == 0) {
		/* No capabilities: NDES can still do DES3, SHA-1 and GET. */
		talloc_free(c->text);
		c->text = talloc_strdup(c, NS_CAPS_NDES_DEFAULT);
		c->from_server = false;
		c->des3 = c->sha1 = true;
	} else {
		c->from_server = true;
	}
	*out = c;
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

static char *cache_path(TALLOC_CTX *mem, const struct ns_config *cfg)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *path;

	if (cfg->state_dir == NULL || cfg->url == NULL ||
	    !EVP_Digest(cfg->url, strlen(cfg->url), md, &n, EVP_sha256(), NULL))
		return NULL;
	path = talloc_asprintf(mem, "%s/caps-", cfg->state_dir);
	for (i = 0; path != NULL && i < 16; i++)
		path = talloc_asprintf_append(path, "%02x", md[i]);
	return path;
}

/* Reads a fresh cache entry for cfg->url; NULL when there is none. */
static struct ns_caps *cache_read(TALLOC_CTX *mem, const struct ns_ctx *ctx)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_caps *caps = NULL;
	char *path = cache_path(tmp, ctx->cfg), *buf, *line, *body;
	long long when;
	int from_server;
	size_t n;
	FILE *f = NULL;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		goto out;
	buf = talloc_size(tmp, NS_CAPS_CACHE_MAX + 1);
	if (buf == NULL)
		goto out;
	n = fread(buf, 1, NS_CAPS_CACHE_MAX + 1, f);
	if (n == 0 || n > NS_CAPS_CACHE_MAX)
		goto out;
	buf[n] = '\0';
	/* magic, url=, time=, from_server=, then the caps text */
	line = buf;
	if (strncmp(line, NS_CAPS_MAGIC "\n", strlen(NS_CAPS_MAGIC) + 1) != 0)
		goto out;
	line += strlen(NS_CAPS_MAGIC) + 1;
	if (strncmp(line, "url=", 4) != 0 || strncmp(line + 4, ctx->cfg->url, strlen(ctx->cfg->url)) != 0 ||
	    line[4 + strlen(ctx->cfg->url)] != '\n')
		goto out;
	line += 4 + strlen(ctx->cfg->url) + 1;
	if (sscanf(line, "time=%lld\nfrom_server=%d\n", &when, &from_server) != 2)
		goto out;
	if ((body = strstr(line, "\nfrom_server=")) == NULL || (body = strchr(body + 1, '\n')) == NULL)
		goto out;
	body++;
	if (when > (long long)time(NULL) + 300 || (long long)time(NULL) - when > NS_CAPS_CACHE_TTL)
		goto out;
	if (ns_caps_parse(mem, body, strlen(body), &caps) != 0)
		goto out;
	if (!from_server) {
		/* Keep "the server had none" as it was. */
		caps->from_server = false;
	}
	ns_log(ctx, NS_LOG_DEBUG, "GetCACaps from the cache %s", path);
out:
	if (f != NULL)
		fclose(f);
	talloc_free(tmp);
	return caps;
}

/* Best effort: a missing or read-only state dir only means no cache. */
static void cache_write(const struct ns_ctx *ctx, const struct ns_caps *caps)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	char *path = cache_path(tmp, ctx->cfg), *tmpname, *data;
	size_t len;
	int fd;

	if (path == NULL)
		goto out;
	(void)mkdir(ctx->cfg->state_dir, 0755);
	tmpname = talloc_asprintf(tmp, "%s.%ld.tmp", path, (long)getpid());
	data = talloc_asprintf(tmp, NS_CAPS_MAGIC "\nurl=%s\ntime=%lld\nfrom_server=%d\n%s",
			       ctx->cfg->url, (long long)time(NULL), caps->from_server ? 1 : 0,
			       caps->from_server ? caps->text : "");
	if (tmpname == NULL || data == NULL)
		goto out;
	fd = open(tmpname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ns_log(ctx, NS_LOG_DEBUG, "no GetCACaps cache: cannot write %s: %s", tmpname,
		       strerror(errno));
		goto out;
	}
	len = strlen(data);
	if (write(fd, data, len) != (ssize_t)len || close(fd) != 0) {
		unlink(tmpname);
		goto out;
	}
	/* rename() so that a reader never sees half a file. */
	if (rename(tmpname, path) != 0)
		unlink(tmpname);
out:
	talloc_free(tmp);
}

static bool looks_like_caps(const struct ns_http_reply *r)
{
	size_t i;

	if (r->content_type != NULL && strcmp(r->content_type, "text/html") == 0)
		return false;
	i = r->len >= 3 && memcmp(r->body, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (; i < r->len; i++) {
		unsigned char ch = r->body[i];
		if (ch == '<' || (ch < 0x20 && ch != '\r' && ch != '\n' && ch != '\t') || ch >= 0x7f)
			return false;
	}
	return true;
}

int ns_caps_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_caps **out,
		  struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_http_request req = { 0 };
	struct ns_http_reply *reply = NULL;
	enum ns_http_fail fail;
	struct ns_caps *caps = NULL;
	int rc = -1;

	*out = NULL;
	if (tmp == NULL)
		return ns_err_set(err, NS_UNREACHABLE, "out of memory");
	if (ctx->cfg->caps_override != NULL) {
		if (parse_override(mem, ctx->cfg->caps_override, out) != 0) {
			ns_err_set(err, NS_UNCONFIGURED, "out of memory");
			goto done;
		}
		ns_log(ctx, NS_LOG_INFO, "capabilities from the configuration (caps), not asking the server");
		rc = 0;
		goto done;
	}
	if (ns_config_require_url(ctx->cfg, err) != 0)
		goto done;
	/* "message" is sent because old NDES logs its absence (ndes.md). */
	req.url = ns_scep_url(tmp, ctx->cfg->url, "GetCACaps", "0");
	if (req.url == NULL) {
		ns_err_set(err, NS_UNREACHABLE, "out of memory");
		goto done;
	}
	if (ns_http_request(tmp, ctx, &req, &reply, &fail, err) != 0) {
		/* Windows 2008 NDES closes the connection: that means "none". */
		if (fail != NS_HTTP_FAIL_CLOSED && fail != NS_HTTP_FAIL_TRUNCATED &&
		    fail != NS_HTTP_FAIL_TOO_LARGE)
			goto done;
		ns_log(ctx, NS_LOG_INFO, "GetCACaps: %s; assuming NDES defaults (DES3, SHA-1, GET)",
		       err->msg);
		ns_err_clear(err);
		rc = ns_caps_parse(tmp, "", 0, &caps);
	} else if (reply->status != 200) {
		ns_log(ctx, NS_LOG_INFO, "GetCACaps: HTTP %ld; assuming NDES defaults (DES3, SHA-1, GET)",
		       reply->status);
		rc = ns_caps_parse(tmp, "", 0, &caps);
	} else if (!looks_like_caps(reply)) {
		ns_log(ctx, NS_LOG_WARN,
		       "GetCACaps: the reply (%s, %zu bytes) is not a capability list; assuming NDES defaults",
		       reply->content_type != NULL ? reply->content_type : "no content type", reply->len);
		rc = ns_caps_parse(tmp, "", 0, &caps);
	} else {
		rc = ns_caps_parse(tmp, (const char *)reply->body, reply->len, &caps);
		if (rc == 0 && !caps->from_server)
			ns_log(ctx, NS_LOG_INFO,
			       "GetCACaps: empty reply; assuming NDES defaults (DES3, SHA-1, GET)");
	}
	if (rc != 0) {
		ns_err_set(err, NS_UNREACHABLE, "out of memory");
		goto done;
	}
	cache_write(ctx, caps);
	*out = talloc_steal(mem, caps);
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
