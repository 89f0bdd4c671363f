/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one file reader: regular files only, never blocking on a FIFO, size
 * limits, and the errno each refusal carries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
