/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A loopback TCP server in a child process for the core unit tests: real
 * HTTP over 127.0.0.1, each connection answered by a test-supplied function
 * (so a test can send anything: odd headers, truncated bodies, nothing). */
#ifndef NS_CORE_TESTSRV_H
#define NS_CORE_TESTSRV_H

#include <stddef.h>
#include <sys/types.h>

/* Called in the child for each connection with the request read so far
 * (headers and, when Content-Length says so, the body). Write the reply to
 * fd; the connection is closed afterwards. */
typedef void (*core_srv_fn)(int fd, const char *req, size_t len, void *arg);

struct core_srv {
	pid_t pid;
	int port;
	char log[256];		/* every request is appended here, raw */
};

/* Listens on the first free port of 18110..18139 (this engineer's range). */
int core_srv_start(struct core_srv *s, core_srv_fn fn, void *arg);
void core_srv_stop(struct core_srv *s);
/* The request log as a NUL-terminated malloc'ed string (free it). */
char *core_srv_log(const struct core_srv *s);

/* Helpers for fn: write all of a string / buffer. */
void core_srv_write(int fd, const void *buf, size_t len);
void core_srv_puts(int fd, const char *s);

#endif
