/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE	/* memfd_create */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

void ns_wipe(void *p, size_t n)
{
	/* A plain memset before free() may be optimised away. */
	if (p != NULL)
		explicit_bzero(p, n);
}

static int wipe(void *p)
{
	/* Secrets do not linger in freed memory. */
	ns_wipe(p, talloc_get_size(p));
	return 0;
}

void *ns_secret(void *p)
{
	if (p != NULL)
		talloc_set_destructor(p, wipe);
	return p;
}

const char *ns_file_strerror(int e)
{
	return e == EINVAL ? "not a regular file" : strerror(e);
}

/* Reads up to max + 1 bytes: a file that grew since fstat is still caught. */
static ssize_t read_all(int fd, char *buf, size_t max)
{
	size_t got = 0;
	ssize_t r;

	while (got <= max && (r = read(fd, buf + got, max + 1 - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int ns_file_read(TALLOC_CTX *mem, const char *path, size_t max, unsigned flags,
		 char **out, size_t *len, struct stat *st_out)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
	struct stat st;
	char *buf = NULL;
	ssize_t got = 0;
	int fd, e = 0;

	*out = NULL;
	if (flags & NS_FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if ((fd = open(path, oflags)) < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		e = errno;
	} else if (!S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	} else {
		if (st_out != NULL)
			*st_out = st;
		if ((size_t)st.st_size > max && !(flags & NS_FILE_PREFIX))
			e = EFBIG;
	}
	if (e == 0 && (buf = talloc_size(mem, max + 2)) == NULL)
		e = ENOMEM;
	if (e == 0 && (flags & NS_FILE_SECRET))
		ns_secret(buf);
	if (e == 0 && (got = read_all(fd, buf, max)) < 0)
		e = errno;
	else if (e == 0 && (size_t)got > max && !(flags & NS_FILE_PREFIX))
		e = EFBIG;
	close(fd);
	if (e != 0) {
		talloc_free(buf);
		errno = e;
		return -1;
	}
	got = (size_t)got > max ? (ssize_t)max : got;
	buf[got] = '\0';
	if (len != NULL)
		*len = (size_t)got;
	*out = buf;
	return 0;
}

/* Fsyncs the directory holding path: a rename must survive a crash too. */
static void sync_dir(TALLOC_CTX *mem, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? talloc_strdup(mem, ".")
		    : talloc_strndup(mem, path, slash == path ? 1 : (size_t)(slash - path));
	int fd = dir != NULL ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	talloc_free(dir);
}

int ns_file_replace(TALLOC_CTX *mem, const char *path, const char *text, mode_t mode,
		    enum ns_file_step *step)
{
	char *tmp = talloc_asprintf(mem, "%s" NS_FILE_TMP_TAG "XXXXXX", path);
	size_t len = strlen(text), done = 0;
	struct stat st;
	bool exists = stat(path, &st) == 0;
	ssize_t w;
	int fd, e;

	if (step != NULL)
		*step = NS_FILE_CREATE;
	if (tmp == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0)	/* created 0600 */
		return -1;
	if (step != NULL)
		*step = NS_FILE_WRITE;
	while (done < len && (w = write(fd, text + done, len - done)) > 0)
		done += (size_t)w;
	if (done != len || fchmod(fd, mode) != 0 ||
	    (exists && fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) ||
	    fsync(fd) != 0) {
		e = done != len && errno == 0 ? EIO : errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (step != NULL)
		*step = NS_FILE_RENAME;
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	sync_dir(mem, path);
	talloc_free(tmp);
	return 0;
}

/* Is name a temp file of ns_file_replace, of base when base is not NULL?
 * mkstemp's suffix is 6 characters. */
static bool is_tmp_of(const char *name, const char *base)
{
	size_t n = strlen(name), t = strlen(NS_FILE_TMP_TAG);
	const char *tag;

	if (base != NULL)
		return strncmp(name, base, strlen(base)) == 0 &&
		       strncmp(name + strlen(base), NS_FILE_TMP_TAG, t) == 0 &&
		       n == strlen(base) + t + 6;
	return n >= t + 6 && (tag = name + n - t - 6) > name &&
	       strncmp(tag, NS_FILE_TMP_TAG, t) == 0;
}

int ns_file_clean_tmp(TALLOC_CTX *mem, const char *path, long max_age, char ***removed)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	const char *slash = strrchr(path, '/'), *base = NULL;
	char *dir, **list = NULL;
	size_t nlist = 0;
	struct dirent *e;
	struct stat st;
	DIR *d = NULL;
	int rc = -1, err = ENOMEM;

	if (removed != NULL)
		*removed = NULL;
	if (tmp == NULL)
		goto out;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		dir = talloc_strdup(tmp, path);
	} else {
		/* Only path's own: another file's temp may be in use right now. */
		dir = slash == NULL ? talloc_strdup(tmp, ".")
		      : talloc_strndup(tmp, path, slash == path ? 1 : (size_t)(slash - path));
		base = slash != NULL ? slash + 1 : path;
	}
	list = talloc_zero_array(tmp, char *, 1);
	if (dir == NULL || list == NULL)
		goto out;
	if ((d = opendir(dir)) == NULL) {
		err = errno;
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		char *old, **grown;

		if (!is_tmp_of(e->d_name, base))
			continue;
		old = talloc_asprintf(list, "%s/%s", dir, e->d_name);
		if (old == NULL)
			goto out;
		/* lstat: a link planted with the tag is not ours to follow. */
		if (lstat(old, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (max_age > 0 && time(NULL) - st.st_mtime <= max_age) || unlink(old) != 0) {
			talloc_free(old);
			continue;
		}
		grown = talloc_realloc(tmp, list, char *, nlist + 2);
		if (grown == NULL)
			goto out;
		list = grown;
		list[nlist++] = old;
		list[nlist] = NULL;
	}
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	if (rc == 0 && removed != NULL)
		*removed = talloc_steal(mem, list);
	talloc_free(tmp);
	if (rc != 0)
		errno = err;
	return rc;
}

int ns_file_can_create(TALLOC_CTX *mem, const char *path)
{
	char *tmp = talloc_asprintf(mem, "%s" NS_FILE_TMP_TAG "XXXXXX", path);
	int fd;

	if (tmp == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		int e = errno;

		talloc_free(tmp);
		errno = e;
		return -1;
	}
	close(fd);
	unlink(tmp);
	talloc_free(tmp);
	return 0;
}

int ns_file_lock(const char *path, int *fd)
{
	/* O_NONBLOCK: a FIFO planted as the lock file never blocks the open. */
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (*fd < 0)
		return -1;
	if (flock(*fd, LOCK_EX) != 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

int ns_file_memfd(const char *name, const char *text, int *fd, enum ns_file_step *step)
{
	size_t len = strlen(text), off = 0;
	int e;

	if (step != NULL)
		*step = NS_FILE_CREATE;
	if ((*fd = memfd_create(name, MFD_CLOEXEC)) < 0)
		return -1;
	if (step != NULL)
		*step = NS_FILE_WRITE;
	while (off < len) {
		ssize_t n = write(*fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			close(*fd);
			*fd = -1;
			errno = e;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}
