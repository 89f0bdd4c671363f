/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core_testsrv.h"

void core_srv_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void core_srv_puts(int fd, const char *s)
{
	core_srv_write(fd, s, strlen(s));
}

static size_t read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0, want = 0;
	char *end;

	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end == NULL)
			continue;
		if (want == 0) {
			char *cl = strcasestr(buf, "\r\nContent-Length:");
			want = (size_t)(end + 4 - buf);
			if (cl != NULL && cl < end)
				want += (size_t)strtoul(cl + 17, NULL, 10);
		}
		if (len >= want)
			break;
	}
	buf[len] = '\0';
	return len;
}

static void serve(int lfd, core_srv_fn fn, void *arg, const char *log)
{
	static char buf[1 << 20];

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		size_t len;
		FILE *f;

		if (fd < 0)
			continue;
		len = read_request(fd, buf, sizeof(buf));
		f = fopen(log, "a");
		if (f != NULL) {
			fwrite(buf, 1, len, f);
			fputs("\n--\n", f);
			fclose(f);
		}
		fn(fd, buf, len, arg);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
}

int core_srv_start(struct core_srv *s, core_srv_fn fn, void *arg)
{
	struct sockaddr_in sa;
	int lfd = -1, port, one = 1;

	memset(s, 0, sizeof(*s));
	for (port = 18110; port < 18140; port++) {
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd < 0)
			return -1;
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((unsigned short)port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 16) == 0)
			break;
		close(lfd);
		lfd = -1;
	}
	if (lfd < 0)
		return -1;
	s->port = port;
	snprintf(s->log, sizeof(s->log), "/tmp/ns-core-testsrv.%ld.%d.log", (long)getpid(), port);
	unlink(s->log);
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		close(lfd);
		return -1;
	}
	if (s->pid == 0) {
		/* Never outlive the test by much. */
		alarm(120);
		serve(lfd, fn, arg, s->log);
		_exit(0);
	}
	close(lfd);
	return 0;
}

void core_srv_stop(struct core_srv *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	unlink(s->log);
}

char *core_srv_log(const struct core_srv *s)
{
	FILE *f = fopen(s->log, "r");
	char *buf;
	size_t n;

	buf = calloc(1, 1 << 21);
	if (buf == NULL)
		return NULL;
	if (f != NULL) {
		n = fread(buf, 1, (1 << 21) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}
