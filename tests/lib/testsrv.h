/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loopback HTTP server of the C unit tests: a child process listening on
 * 127.0.0.1 (a port the kernel picks), each connection answered by a
 * test-supplied function, so a test can send anything (odd headers,
 * truncated bodies, nothing). Every request is kept, raw, in memory shared
 * with the test (ts_log) and counted (ts_count); no files are written.
 * ts_admin_page is a ready-made answer: the NDES admin page (mscep_admin). */
#ifndef NS_TEST_TESTSRV_H
#define NS_TEST_TESTSRV_H

#include <stddef.h>
#include <sys/types.h>

/* Called in the child for each connection with the request read so far
 * (headers and, when Content-Length says so, the body). Write the reply to
 * fd; the connection is closed afterwards. */
typedef void (*ts_fn)(int fd, const char *req, size_t len, void *arg);

struct ts_shared;

struct testsrv {
	pid_t pid;
	int port;
	struct ts_shared *shared;	/* the request log and count */
};

int ts_start(struct testsrv *s, ts_fn fn, void *arg);
void ts_stop(struct testsrv *s);
/* Every request so far, each followed by "\n--\n", as a malloc'ed
 * NUL-terminated string (free it). */
char *ts_log(const struct testsrv *s);
/* How many requests the server has read. */
int ts_count(const struct testsrv *s);

/* Helpers for fn: write all of a buffer / string. */
void ts_write(int fd, const void *buf, size_t len);
void ts_puts(int fd, const char *str);

/* An fn answering like NDES's mscep_admin; arg is the mode (a string):
 * "password" (a new 16-hex password per request: 00000000000000NN, NN the
 * request number), "cache-full", "401", "404", anything else a 500. */
void ts_admin_page(int fd, const char *req, size_t len, void *arg);

#endif
