/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where diagnostics go: stderr, or the syslog socket when stderr is
 * discarded (certmonger 0.79.13 points a helper's stderr at /dev/null). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "ns.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ns-test-log-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A syslog socket in our directory, as /dev/log is. */
static int listener(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static ssize_t take(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static void test_discarded(void **state)
{
	int null = open("/dev/null", O_WRONLY), p[2], closed;

	(void)state;
	assert_true(null >= 0);
	assert_true(ns_log_fd_discarded(null));
	assert_int_equal(pipe(p), 0);
	assert_false(ns_log_fd_discarded(p[1]));
	closed = dup(p[0]);
	close(closed);
	assert_true(ns_log_fd_discarded(closed));
	close(null);
	close(p[0]);
	close(p[1]);
}

static void test_syslog_datagram(void **state)
{
	char path[128], buf[4096], want[64], *big;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/log", dir);
	fd = listener(path);
	assert_int_equal(ns_log_syslog(path, NS_LOG_WARN, "the server is down"), 0);
	assert_true(take(fd, buf, sizeof(buf)) > 0);
	/* daemon.warning, the tag with our pid, the text. */
	assert_int_equal(strncmp(buf, "<28>", 4), 0);
	snprintf(want, sizeof(want), " ndes-submit[%ld]: the server is down", (long)getpid());
	assert_non_null(strstr(buf, want));
	assert_int_equal(strcmp(buf + strlen(buf) - strlen(want), want), 0);
	assert_int_equal(ns_log_syslog(path, NS_LOG_INFO, "x"), 0);
	assert_true(take(fd, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<30>", 4), 0);
	assert_int_equal(ns_log_syslog(path, NS_LOG_DEBUG, "x"), 0);
	assert_true(take(fd, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<31>", 4), 0);
	/* A long message is cut, not refused. */
	big = calloc(1, 10000);
	assert_non_null(big);
	memset(big, 'a', 9999);
	assert_int_equal(ns_log_syslog(path, NS_LOG_WARN, big), 0);
	assert_true(take(fd, buf, sizeof(buf)) > 1000);
	free(big);
	/* Nobody listening, or no such socket: -1, no crash. */
	close(fd);
	assert_int_equal(ns_log_syslog(path, NS_LOG_WARN, "gone"), -1);
	unlink(path);
	assert_int_equal(ns_log_syslog(path, NS_LOG_WARN, "gone"), -1);
	assert_int_equal(ns_log_syslog(NULL, NS_LOG_WARN, "gone"), -1);
	memset(buf, 'p', 200);
	buf[200] = '\0';
	assert_int_equal(ns_log_syslog(buf, NS_LOG_WARN, "too long a path"), -1);
}

/* ns_log: verbosity filters, the socket when set, stderr when it fails. */
static void test_ns_log(void **state)
{
	char path[128], buf[4096], errpath[160];
	struct ns_ctx ctx;
	int fd, saved, out;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/log2", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	fd = listener(path);
	memset(&ctx, 0, sizeof(ctx));
	ctx.log_socket = path;
	ns_log(&ctx, NS_LOG_INFO, "hidden %d", 1);
	assert_true(take(fd, buf, sizeof(buf)) < 0);
	ns_log(&ctx, NS_LOG_WARN, "shown %d", 2);
	assert_true(take(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "ndes-submit["));
	assert_non_null(strstr(buf, "]: shown 2"));
	close(fd);
	unlink(path);

	/* The socket is gone: the line still reaches stderr. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	out = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && out >= 0);
	dup2(out, STDERR_FILENO);
	ns_log(&ctx, NS_LOG_WARN, "fallback %s", "line");
	ctx.log_socket = NULL;
	ns_log(&ctx, NS_LOG_WARN, "plain");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(out);
	f = fopen(errpath, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f) > 0, 1);
	fclose(f);
	assert_non_null(strstr(buf, "ndes-submit: fallback line\nndes-submit: plain\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discarded),
		cmocka_unit_test(test_syslog_datagram),
		cmocka_unit_test(test_ns_log),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
