/* SPDX-License-Identifier: GPL-3.0-or-later */
/* State files (statefile.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "ns.h"
#include "statefile.h"

static char *path_of(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name)
{
	return ctx->cfg->state_dir != NULL
		? talloc_asprintf(mem, "%s/%s", ctx->cfg->state_dir, name) : NULL;
}

char *ns_state_read(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name, size_t max)
{
	char *path = path_of(mem, ctx, name), *buf = NULL;
	size_t got = 0;
	int rc;

	rc = path != NULL ? ns_file_read(mem, path, max, NS_FILE_NOFOLLOW, &buf, &got, NULL) : -1;
	talloc_free(path);
	if (rc != 0)
		return NULL;
	if (got < 4 || strcmp(buf + got - 4, "end\n") != 0 || (got > 4 && buf[got - 5] != '\n')) {
		talloc_free(buf);
		return NULL;
	}
	buf[got - 4] = '\0';
	return buf;
}

int ns_state_write(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name,
		   const char *text)
{
	char *path = path_of(mem, ctx, name);
	char *data = talloc_asprintf(mem, "%s%send\n", text,
				     text[0] != '\0' && text[strlen(text) - 1] != '\n' ? "\n" : "");

	if (path == NULL || data == NULL) {
		errno = ENOMEM;
		return -1;
	}
	(void)mkdir(ctx->cfg->state_dir, 0700);
	return ns_file_replace(mem, path, data, 0644, NULL);
}

void ns_state_remove(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name)
{
	char *path = path_of(mem, ctx, name);

	if (path != NULL)
		(void)unlink(path);
	talloc_free(path);
}

int ns_state_lock(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name)
{
	char *path;
	int fd;

	if (ctx->cfg->state_dir == NULL)
		return -1;
	(void)mkdir(ctx->cfg->state_dir, 0700);
	path = talloc_asprintf(mem, "%s/%s.lock", ctx->cfg->state_dir, name);
	if (path == NULL || ns_file_lock(path, &fd) != 0)
		fd = -1;
	talloc_free(path);
	return fd;
}

void ns_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
