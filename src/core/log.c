/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ns.h"

/* RFC 3164 facility daemon (3). */
#define LOG_PRI_DAEMON (3 << 3)

bool ns_log_fd_discarded(int fd)
{
	struct stat st, null;

	if (fstat(fd, &st) != 0)
		return errno == EBADF;
	return S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	       st.st_rdev == null.st_rdev;
}

int ns_log_syslog(const char *path, enum ns_log_level level, const char *msg)
{
	/* warning (4), info (6), debug (7) */
	int sev = level == NS_LOG_INFO ? 6 : level == NS_LOG_DEBUG ? 7 : 4;
	struct sockaddr_un sa;
	char line[2048], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int fd, n, rc;

	if (path == NULL || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* rsyslog wants the RFC 3164 timestamp; journald skips it. */
	if (localtime_r(&now, &tm) == NULL || strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(line, sizeof(line), "<%d>%s " NS_PROGRAM "[%ld]: %s", LOG_PRI_DAEMON | sev, stamp,
		     (long)getpid(), msg);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = sendto(fd, line, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) == n ? 0 : -1;
	close(fd);
	return rc;
}

void ns_log(const struct ns_ctx *ctx, enum ns_log_level level, const char *fmt, ...)
{
	char msg[1800];
	va_list ap;

	if (ctx != NULL && (int)level > ctx->verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Where syslog cannot take it, stderr is still better than nothing. */
	if (ctx != NULL && ctx->log_socket != NULL && ns_log_syslog(ctx->log_socket, level, msg) == 0)
		return;
	fprintf(stderr, NS_PROGRAM ": %s\n", msg);
}
