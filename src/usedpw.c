/* Digests of consumed one-time passwords (usedpw.h). One small file in the
 * state directory: "TIME HEX" lines, newest last, then "end" so that a file
 * cut short is recognised and ignored. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "ns.h"
#include "usedpw.h"

#define USEDPW_FILE "used-passwords"
#define USEDPW_MAX 256			/* entries kept */
#define USEDPW_MAX_AGE (800L * 86400)	/* longer than any certificate we renew */
#define USEDPW_MAX_BYTES (USEDPW_MAX * 96 + 4096)

/* Domain-separated SHA-256: the file never holds a password. */
static void digest(const char *pw, char out[65])
{
	static const char prefix[] = "ndes-submit consumed one-time password\n";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	out[0] = '\0';
	if (c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(c, prefix, sizeof(prefix) - 1) &&
	    EVP_DigestUpdate(c, pw, strlen(pw)) && EVP_DigestFinal_ex(c, md, &n))
		for (i = 0; i < n && i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(c);
}

static char *path_of(TALLOC_CTX *mem, const struct ns_ctx *ctx)
{
	return ctx->cfg->state_dir != NULL
		? talloc_asprintf(mem, "%s/" USEDPW_FILE, ctx->cfg->state_dir) : NULL;
}

/* The file's text, or NULL (absent, not a regular file, too big, cut short). */
static char *load(TALLOC_CTX *mem, const char *path)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t got = 0;
	int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) : -1;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > USEDPW_MAX_BYTES ||
	    (buf = talloc_size(mem, (size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size && (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	close(fd);
	buf[got] = '\0';
	if (got < 4 || strcmp(buf + got - 4, "end\n") != 0)
		return NULL;
	return buf;
}

bool ns_usedpw_seen(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *password)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	char *text = load(tmp, path_of(tmp, ctx)), *line, *save = NULL, want[65];
	bool seen = false;

	digest(password, want);
	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL; line != NULL && !seen;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *sp = strchr(line, ' ');
		seen = want[0] != '\0' && sp != NULL && strcmp(sp + 1, want) == 0;
	}
	talloc_free(tmp);
	return seen;
}

/* Temp file in the same directory, fsync, rename, fsync the directory: the
 * record survives a crash whole or not at all. */
static int write_file(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *path,
		      const char *text)
{
	char *tmp = talloc_asprintf(mem, "%s.XXXXXX", path);
	size_t len = strlen(text);
	int fd, dfd;

	(void)mkdir(ctx->cfg->state_dir, 0755);
	if (tmp == NULL || (fd = mkstemp(tmp)) < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	dfd = open(ctx->cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

void ns_usedpw_record(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *password)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	char *path = path_of(tmp, ctx), *old = load(tmp, path), *out, *line, *save = NULL;
	char *lines[USEDPW_MAX];
	char h[65];
	size_t n = 0, i;
	time_t now = time(NULL);

	digest(password, h);
	if (path == NULL || h[0] == '\0')
		goto done;
	for (line = old != NULL ? strtok_r(old, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		long long t;
		char hx[65];
		if (sscanf(line, "%lld %64[0-9a-f]", &t, hx) != 2 || strcmp(hx, h) == 0 ||
		    now - (time_t)t > USEDPW_MAX_AGE)
			continue;
		if (n == USEDPW_MAX - 1) {	/* keep the newest */
			memmove(lines, lines + 1, sizeof(char *) * (USEDPW_MAX - 2));
			n--;
		}
		lines[n++] = line;
	}
	out = talloc_strdup(tmp, "# ndes-submit: digests of one-time passwords NDES consumed "
			    "(no secrets)\n");
	for (i = 0; out != NULL && i < n; i++)
		out = talloc_asprintf_append(out, "%s\n", lines[i]);
	if (out != NULL)
		out = talloc_asprintf_append(out, "%lld %s\nend\n", (long long)now, h);
	if (out == NULL || write_file(tmp, ctx, path, out) != 0)
		ns_log(ctx, NS_LOG_DEBUG, "cannot record the consumed password in %s: %s", path,
		       strerror(errno));
done:
	talloc_free(tmp);
}
