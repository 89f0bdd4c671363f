/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small files of the helper's own in state-dir (caches, records): read only
 * when regular and complete, written whole or not at all. Each file ends
 * with the line "end", so that one cut short (a full disk, a crash while
 * writing in place by hand) is taken as absent. Implemented in statefile.c. */
#ifndef NS_STATEFILE_H
#define NS_STATEFILE_H

#include <stddef.h>
#include <talloc.h>

struct ns_ctx;

/* The text of state-dir/name without its "end" line, or NULL (absent, not a
 * regular file, larger than max, incomplete, no state-dir). Never blocks on
 * a FIFO. */
char *ns_state_read(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name, size_t max);

/* Replaces state-dir/name with text + "end\n": temp file, fsync, rename,
 * fsync of the directory (created 0755 when missing). -1 with errno set. */
int ns_state_write(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name,
		   const char *text);

/* An exclusive lock on state-dir/name.lock for a read-modify-write that
 * helpers running in parallel must not interleave (flock: released when
 * the returned descriptor is closed or the process ends). -1 when it cannot
 * be taken: go on without it. */
int ns_state_lock(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name);
void ns_state_unlock(int fd);

/* Removes state-dir/name (absent is fine). */
void ns_state_remove(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *name);

#endif
