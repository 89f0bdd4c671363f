/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
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
