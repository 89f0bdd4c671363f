/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one file reader: regular files only, never blocking on a FIFO, size
 * limits, and the errno each refusal carries. The temp-file cleaner, the
 * creation probe, the lock file and the wiper. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "file.h"

static char dir[64];

static char *put(const char *name, const char *text)
{
	char *path = talloc_asprintf(NULL, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ns-test-file-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_regular(void **state)
{
	char *path = put("a", "hello\n"), *text = NULL;
	struct stat st;
	size_t len = 0;

	(void)state;
	assert_int_equal(ns_file_read(NULL, path, 6, NS_FILE_SECRET, &text, &len, &st), 0);
	assert_string_equal(text, "hello\n");
	assert_int_equal(len, 6);
	assert_true(S_ISREG(st.st_mode));
	talloc_free(text);
	/* One byte over the limit: refused, or cut with NS_FILE_PREFIX. */
	assert_int_equal(ns_file_read(NULL, path, 5, 0, &text, &len, &st), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(text);
	assert_int_equal(st.st_size, 6);	/* known even when refused */
	assert_int_equal(ns_file_read(NULL, path, 5, NS_FILE_PREFIX, &text, &len, NULL), 0);
	assert_string_equal(text, "hello");
	talloc_free(text);
	talloc_free(path);
}

static void test_refused(void **state)
{
	char *fifo = talloc_asprintf(NULL, "%s/fifo", dir), *link = NULL, *text = NULL;
	char *target = put("t", "x");

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Would block forever without O_NONBLOCK: nobody writes. */
	assert_int_equal(ns_file_read(NULL, fifo, 100, 0, &text, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(ns_file_strerror(EINVAL), "not a regular file");
	assert_int_equal(ns_file_read(NULL, dir, 100, 0, &text, NULL, NULL), -1);
	assert_int_equal(errno, EISDIR);
	link = talloc_asprintf(NULL, "%s/link", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(ns_file_read(NULL, link, 100, NS_FILE_NOFOLLOW, &text, NULL, NULL), -1);
	assert_int_equal(ns_file_read(NULL, link, 100, 0, &text, NULL, NULL), 0);
	talloc_free(text);
	assert_int_equal(ns_file_read(NULL, "/nonexistent/x", 100, 0, &text, NULL, NULL), -1);
	assert_int_equal(errno, ENOENT);
	talloc_free(fifo);
	talloc_free(link);
	talloc_free(target);
}

static void make_old(const char *path)
{
	struct timeval old[2] = { { .tv_sec = time(NULL) - 7200 }, { .tv_sec = time(NULL) - 7200 } };

	assert_int_equal(utimes(path, old), 0);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Stale temp files go; a fresh one (a live run's), other files' and a
 * file without the tag stay. */
static void test_clean_tmp(void **state)
{
	char *stale = put("c" NS_FILE_TMP_TAG "Ab12Cd", "x");
	char *fresh = put("c" NS_FILE_TMP_TAG "Xy34Zw", "x");
	char *other = put("d" NS_FILE_TMP_TAG "Qr56St", "x");
	char *plain = put("c.tmp", "x"), *file = put("c", "x");
	char *base = talloc_asprintf(NULL, "%s/c", dir), **removed = NULL;

	(void)state;
	make_old(stale);
	make_old(other);
	make_old(plain);
	make_old(file);
	/* Of path c only, older than an hour. */
	assert_int_equal(ns_file_clean_tmp(NULL, base, 3600, &removed), 0);
	assert_non_null(removed);
	assert_string_equal(removed[0], stale);
	assert_null(removed[1]);
	talloc_free(removed);
	assert_false(exists(stale));
	assert_true(exists(fresh) && exists(other) && exists(plain) && exists(file));
	/* Any age: the fresh one goes too, d's stays. */
	assert_int_equal(ns_file_clean_tmp(NULL, base, 0, NULL), 0);
	assert_false(exists(fresh));
	assert_true(exists(other));
	/* A directory: every stale temp file in it, nothing else. */
	talloc_free(fresh);
	fresh = put("e" NS_FILE_TMP_TAG "Uv78Wx", "x");
	assert_int_equal(ns_file_clean_tmp(NULL, dir, 3600, &removed), 0);
	assert_string_equal(removed[0], other);
	assert_null(removed[1]);
	talloc_free(removed);
	assert_false(exists(other));
	assert_true(exists(fresh) && exists(plain) && exists(file));
	assert_int_equal(ns_file_clean_tmp(NULL, "/nonexistent/x", 0, NULL), -1);
	assert_int_equal(errno, ENOENT);
	unlink(fresh);
	unlink(plain);
	unlink(file);
	talloc_free(stale);
	talloc_free(fresh);
	talloc_free(other);
	talloc_free(plain);
	talloc_free(file);
	talloc_free(base);
}

static void test_can_create_and_lock(void **state)
{
	char *path = talloc_asprintf(NULL, "%s/probe", dir), **removed = NULL;
	int fd = -1, fd2;

	(void)state;
	assert_int_equal(ns_file_can_create(NULL, path), 0);
	/* The probe leaves nothing behind. */
	assert_int_equal(ns_file_clean_tmp(NULL, path, 0, &removed), 0);
	assert_null(removed[0]);
	talloc_free(removed);
	assert_int_equal(ns_file_can_create(NULL, "/nonexistent/x"), -1);
	assert_int_equal(errno, ENOENT);
	/* The lock is held: another open file description cannot take it. */
	assert_int_equal(ns_file_lock(path, &fd), 0);
	assert_true(fd >= 0);
	fd2 = open(path, O_RDONLY);
	assert_true(fd2 >= 0);
	assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), -1);
	close(fd);
	assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), 0);
	close(fd2);
	unlink(path);
	talloc_free(path);
}

/* The memory file holds the text, readable by name through /proc. */
static void test_memfd(void **state)
{
	char path[64], *text = NULL;
	enum ns_file_step step;
	int fd = -1;

	(void)state;
	assert_int_equal(ns_file_memfd("ns-test", "D:u:p\n", &fd, &step), 0);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	assert_int_equal(ns_file_read(NULL, path, 100, 0, &text, NULL, NULL), 0);
	assert_string_equal(text, "D:u:p\n");
	talloc_free(text);
	close(fd);
}

/* talloc frees a buffer's children after its destructor and before its
 * memory: a child's destructor sees what ns_secret's destructor left. */
static bool parent_wiped;

static int look_at_parent(char **child)
{
	const char *parent = talloc_parent(child);
	size_t i, n = talloc_get_size(parent);

	parent_wiped = n > 0;
	for (i = 0; i < n; i++)
		if (parent[i] != '\0')
			parent_wiped = false;
	return 0;
}

/* The wiper zeroes the bytes, also those ns_secret's buffers free. */
static void test_wipe(void **state)
{
	char buf[8] = "secret!", *p, **child;

	(void)state;
	ns_wipe(buf, sizeof(buf));
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0", sizeof(buf));
	ns_wipe(NULL, 4);	/* no crash */
	p = ns_secret(talloc_strdup(NULL, "password"));
	assert_non_null(p);
	child = talloc(p, char *);
	assert_non_null(child);
	talloc_set_destructor(child, look_at_parent);
	talloc_free(p);
	assert_true(parent_wiped);
	/* Without ns_secret the bytes stay: the check above can fail. */
	p = talloc_strdup(NULL, "password");
	child = talloc(p, char *);
	talloc_set_destructor(child, look_at_parent);
	talloc_free(p);
	assert_false(parent_wiped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_clean_tmp),
		cmocka_unit_test(test_can_create_and_lock),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_memfd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
