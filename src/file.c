/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

static int wipe(void *p)
{
	/* Secrets do not linger in freed memory. */
	explicit_bzero(p, talloc_get_size(p));
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
