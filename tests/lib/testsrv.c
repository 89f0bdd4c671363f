/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testsrv.h"

#define LOG_CAP (1 << 21)

/* Shared between the test and the server child (MAP_SHARED). */
struct ts_shared {
	int count;
	size_t len;
	char log[LOG_CAP];
};

void ts_write(int fd, const void *buf, size_t len)
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

void ts_puts(int fd, const char *str)
{
	ts_write(fd, str, strlen(str));
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

static void keep(struct ts_shared *sh, const char *req, size_t len)
{
	static const char sep[] = "\n--\n";

	if (sh->len + len + sizeof(sep) <= LOG_CAP) {
		memcpy(sh->log + sh->len, req, len);
		memcpy(sh->log + sh->len + len, sep, sizeof(sep) - 1);
		sh->len += len + sizeof(sep) - 1;
	}
	sh->count++;
}

static void serve(int lfd, ts_fn fn, void *arg, struct ts_shared *sh)
{
	static char buf[1 << 20];

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		size_t len;

		if (fd < 0)
			continue;
		len = read_request(fd, buf, sizeof(buf));
		keep(sh, buf, len);
		fn(fd, buf, len, arg);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
}

static int listen_loopback(int *port)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (lfd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;	/* the kernel picks a free port */
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 16) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0) {
		close(lfd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return lfd;
}

int ts_start(struct testsrv *s, ts_fn fn, void *arg)
{
	int lfd;

	memset(s, 0, sizeof(*s));
	lfd = listen_loopback(&s->port);
	if (lfd < 0)
		return -1;
	s->shared = mmap(NULL, sizeof(*s->shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->shared == MAP_FAILED) {
		s->shared = NULL;
		close(lfd);
		return -1;
	}
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		close(lfd);
		ts_stop(s);
		return -1;
	}
	if (s->pid == 0) {
		alarm(120);	/* never outlive the test by much */
		serve(lfd, fn, arg, s->shared);
		_exit(0);
	}
	close(lfd);
	return 0;
}

void ts_stop(struct testsrv *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	if (s->shared != NULL)
		munmap(s->shared, sizeof(*s->shared));
	s->shared = NULL;
}

char *ts_log(const struct testsrv *s)
{
	char *buf = calloc(1, LOG_CAP + 1);

	if (buf != NULL && s->shared != NULL)
		memcpy(buf, s->shared->log, s->shared->len);
	return buf;
}

int ts_count(const struct testsrv *s)
{
	return s->shared != NULL ? s->shared->count : 0;
}

#define THUMB "A656FA66 AB12B433 A2DA5CF7 CC153D9A"

void ts_admin_page(int fd, const char *req, size_t len, void *arg)
{
	static int n;		/* requests so far: this runs in the server child */
	const char *mode = arg, *status = "200 OK", *extra = "";
	char body[1024], head[512];

	(void)req;
	(void)len;
	n++;
	if (strcmp(mode, "password") == 0) {
		snprintf(body, sizeof(body),
			 "<HTML><Body><P> The thumbprint (hash value) for the CA certificate is: "
			 "<B> " THUMB " </B> <P> The enrollment challenge password is: "
			 "<B> %016X </B></Body></HTML>", n);
	} else if (strcmp(mode, "cache-full") == 0) {
		snprintf(body, sizeof(body), "<HTML><Body><P> The password cache is full. "
			 "</P></Body></HTML>");
	} else if (strcmp(mode, "401") == 0) {
		status = "401 Unauthorized";
		extra = "WWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\n";
		snprintf(body, sizeof(body), "denied");
	} else if (strcmp(mode, "404") == 0) {
		status = "404 Not Found";
		snprintf(body, sizeof(body), "not here");
	} else {
		status = "500 Internal Server Error";
		snprintf(body, sizeof(body), "oops");
	}
	snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Type: text/html\r\n%s"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, extra, strlen(body));
	ts_puts(fd, head);
	ts_puts(fd, body);
}
