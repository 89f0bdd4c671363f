/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one way this program reads a file (configuration, passwords, trust
 * anchors, certmonger's request files, -l FILE, state files): regular files
 * only, opened so that a FIFO or device planted in their place never blocks
 * (O_NONBLOCK, then fstat), close-on-exec, with a size limit. And the one
 * way it writes one (ns_file_replace, and the temp files, probes and lock
 * files around it). And the one way a secret in memory is wiped.
 * Implemented in file.c. */
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

/* Removes the temp files of ns_file_replace that a run killed before its
 * rename left behind: those of path (PATH NS_FILE_TMP_TAG "XXXXXX"), or,
 * when path is a directory, every one in it. Only regular files last
 * modified more than max_age seconds ago (0: any age): a live run's temp
 * file exists for the moment of its write. *removed (may be NULL) gets a
 * NULL-terminated array on mem of the paths removed, for the caller's
 * messages. Returns 0, or -1 with errno (the directory cannot be read,
 * ENOMEM). */
int ns_file_clean_tmp(TALLOC_CTX *mem, const char *path, long max_age, char ***removed);

/* Can a file be created next to path (in its directory)? Creates and
 * removes a temp file of ns_file_replace's kind. Returns 0, or -1 with
 * errno. */
int ns_file_can_create(TALLOC_CTX *mem, const char *path);

/* Opens (creating it, mode 0600, never through a symbolic link) and locks
 * (flock, exclusive, waiting) the lock file path. *fd gets the descriptor;
 * closing it unlocks. Returns 0, or -1 with errno. */
int ns_file_lock(const char *path, int *fd);

/* An anonymous memory file (memfd_create, close-on-exec) named name, holding
 * text: for data another library reads by file name (/proc/self/fd/N) that
 * must never reach a disk. Returns 0 with *fd, or -1 with errno and *step
 * (NS_FILE_CREATE or NS_FILE_WRITE; may be NULL). */
int ns_file_memfd(const char *name, const char *text, int *fd, enum ns_file_step *step);

/* Marks a talloc buffer as a secret: its bytes are wiped (ns_wipe) when it
 * is freed. Returns p (NULL stays NULL). */
void *ns_secret(void *p);

/* Wipes n bytes at p so that the compiler cannot drop it: the one way a
 * secret is wiped (ns_secret's buffers, and any other memory). */
void ns_wipe(void *p, size_t n);

#endif
