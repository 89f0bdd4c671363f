/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmversion.h"

/* The oldest certmonger that reads replies to old-certificate renewals:
 * 0.79.13 does not, 0.79.15 (the protocol reference) and later do; 0.79.14
 * is untested and taken as new (certmonger-version overrides). */
#define CM_OLD_CERT_RENEWAL 79014L

long ns_cm_version_parse(const char *text)
{
	long part[3] = { 0, 0, 0 };
	const char *p = text;
	char *end;
	int i;

	if (p == NULL)
		return 0;
	while (*p != '\0' && !isdigit((unsigned char)*p))
		p++;
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		part[i] = strtol(p, &end, 10);
		if (part[i] > 999)
			return 0;
		p = end;
		if (i < 2 && *p++ != '.')
			return 0;
	}
	return part[0] * 1000000L + part[1] * 1000L + part[2];
}

/* "certmonger -v" of the first certmonger found; no shell. */
static long ask_certmonger(void)
{
	static const char *const paths[] = { "certmonger", "/usr/sbin/certmonger", NULL };
	char buf[128];
	int fd[2], st, i;
	ssize_t n = 0, got;
	pid_t pid;

	for (i = 0; paths[i] != NULL; i++) {
		if (pipe(fd) != 0)
			return 0;
		pid = fork();
		if (pid < 0) {
			close(fd[0]);
			close(fd[1]);
			return 0;
		}
		if (pid == 0) {
			dup2(fd[1], STDOUT_FILENO);
			close(fd[0]);
			close(fd[1]);
			execvp(paths[i], (char *const[]){ (char *)paths[i], (char *)"-v", NULL });
			_exit(127);
		}
		close(fd[1]);
		n = 0;
		while (n < (ssize_t)sizeof(buf) - 1 &&
		       (got = read(fd[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
			n += got;
		close(fd[0]);
		buf[n] = '\0';
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return 0;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && strncmp(buf, "certmonger ", 11) == 0)
			return ns_cm_version_parse(buf + 11);
	}
	return 0;
}

long ns_cm_version(const struct ns_config *cfg)
{
	if (cfg != NULL && cfg->certmonger_version != NULL)
		return ns_cm_version_parse(cfg->certmonger_version);
	return ask_certmonger();
}

bool ns_cm_renews_with_old_cert(long version)
{
	return version == 0 || version >= CM_OLD_CERT_RENEWAL;
}
