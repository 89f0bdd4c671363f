/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one way this program reads a file (configuration, passwords, trust
 * anchors, certmonger's request files, -l FILE, state files): regular files
 * only, opened so that a FIFO or device planted in their place never blocks
 * (O_NONBLOCK, then fstat), close-on-exec, with a size limit. And the one
 * way a secret in memory is wiped when freed. Implemented in file.c. */
#ifndef NS_FILE_H
#define NS_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <talloc.h>

/* Certificate files (trusted-ca, a saved GetCACert reply): a bound, not a norm. */
#define NS_FILE_MAX_CERTS	(1024 * 1024)

#define NS_FILE_SECRET		0x1	/* the buffer is wiped when freed (ns_secret) */
#define NS_FILE_NOFOLLOW	0x2	/* refuse a symbolic link (O_NOFOLLOW) */
#define NS_FILE_PREFIX		0x4	/* larger than max: the first max bytes, no error */

/* Reads path whole, at most max bytes; *out is NUL-terminated (*len, which
 * may be NULL, without the NUL). st (may be NULL) gets the file's fstat as
 * soon as it is known to be a regular file, also when it is then refused as
 * too large. Returns 0, or -1 with errno: open()'s, EISDIR or EINVAL when
 * not a regular file, EFBIG when larger than max, ENOMEM. */
int ns_file_read(TALLOC_CTX *mem, const char *path, size_t max, unsigned flags,
		 char **out, size_t *len, struct stat *st);

/* Temp files of ns_file_replace are PATH NS_FILE_TMP_TAG "XXXXXX": a name
 * no one else uses, so that those of a run killed before its rename (one
 * may hold a live password) can be recognised and removed. */
#define NS_FILE_TMP_TAG ".ndes-submit-tmp."

/* The step of ns_file_replace that failed, for messages. */
enum ns_file_step { NS_FILE_CREATE, NS_FILE_WRITE, NS_FILE_RENAME };

/* The one way this program writes a file: replaces path with text through a
 * temp file in the same directory (written, mode set, the owner and group
 * of an existing path kept where allowed, fsynced), renamed over path, then
 * the directory fsynced, so that after a crash path is whole, old or new.
 * Returns 0, or -1 with errno and *step (may be NULL). */
int ns_file_replace(TALLOC_CTX *mem, const char *path, const char *text, mode_t mode,
		    enum ns_file_step *step);

/* strerror(e), but "not a regular file" for ns_file_read's EINVAL. */
const char *ns_file_strerror(int e);

/* Marks a talloc buffer as a secret: its bytes are wiped (explicit_bzero)
 * when it is freed. Returns p (NULL stays NULL). */
void *ns_secret(void *p);

#endif
