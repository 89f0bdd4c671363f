/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otp_testsrv.h"

#define THUMB "A656FA66 AB12B433 A2DA5CF7 CC153D9A"

static void serve(int ls, const char *mode, const char *count_path)
{
	int n = 0;

	for (;;) {
		char req[8192], body[1024], head[512];
		size_t got = 0;
		ssize_t r;
		const char *status = "200 OK", *extra = "";
		int c = accept(ls, NULL, NULL);
		FILE *f;

		if (c < 0)
			continue;
		while (got < sizeof(req) - 1 && (r = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
			got += (size_t)r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		n++;
		f = fopen(count_path, "w");
		if (f != NULL) {
			fprintf(f, "%d\n", n);
			fclose(f);
		}
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
		if (write(c, head, strlen(head)) < 0 || write(c, body, strlen(body)) < 0)
			perror("write");
		close(c);
	}
}

int testsrv_start(struct testsrv *s, const char *mode)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;		/* the kernel picks a free port */
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	snprintf(s->count_path, sizeof(s->count_path), "/tmp/ns-otp-testsrv-%d-%d", (int)getpid(),
		 s->port);
	unlink(s->count_path);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		serve(ls, mode, s->count_path);
		_exit(0);
	}
	close(ls);
	return 0;
}

int testsrv_count(const struct testsrv *s)
{
	FILE *f = fopen(s->count_path, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%d", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

void testsrv_stop(struct testsrv *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	unlink(s->count_path);
}
