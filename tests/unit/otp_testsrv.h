/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A tiny HTTP/1.1 server on 127.0.0.1 in a child process, for the otp and
 * autopw tests: real HTTP over loopback, one canned reply per request. */
#ifndef NS_OTP_TESTSRV_H
#define NS_OTP_TESTSRV_H

#include <sys/types.h>

struct testsrv {
	pid_t pid;
	int port;
	char count_path[256];	/* the child writes its request count here */
};

/* mode: "password" (a new 16-hex password per request: 00000000000000NN),
 * "cache-full", "401", "404", "500". */
int testsrv_start(struct testsrv *s, const char *mode);
int testsrv_count(const struct testsrv *s);
void testsrv_stop(struct testsrv *s);

#endif
