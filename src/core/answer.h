/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one answer layer between the helper operations and certmonger. An
 * operation (SUBMIT, POLL, the CA-data ones) fills a struct ns_answer: text
 * to print (issued, CA data), a wait with its delay and cookie (pending), or
 * nothing but the cause in its err (refused, need messages, unreachable...).
 * ns_answer_emit() alone prints it, takes the exit status from outcome.c's
 * table, and turns a transient cause into "retry soon": exit 5 after a
 * jittered retry-interval instead of certmonger's long delays for exit 3.
 *
 * Convention below the operations: a function returns 0 to go on (or when it
 * has set the final OUTPUT/WAIT), -1 when the run ends with err's cause. They
 * do not print and do not name statuses. Implemented in answer.c. */
#ifndef NS_ANSWER_H
#define NS_ANSWER_H

#include <stdbool.h>
#include <talloc.h>

#include "err.h"

struct ns_ctx;

enum ns_answer_kind {
	NS_ANSWER_FAILED = 0,	/* the cause in err decides (also NEED_*, UNSUPPORTED) */
	NS_ANSWER_OUTPUT,	/* exit 0, text on stdout */
	NS_ANSWER_WAIT,		/* exit 5, "SECONDS\nCOOKIE" (no cookie: "SECONDS") */
};

struct ns_answer;

/* Gives the cookie a transient retry leaves certmonger (NULL: delay only).
 * Called by ns_answer_emit with the cause and the chosen delay. */
typedef const char *ns_answer_retry_fn(TALLOC_CTX *mem, void *arg, const struct ns_err *why,
				       long delay);

struct ns_answer {
	const struct ns_ctx *ctx;
	const char *op;			/* names the operation in the log */
	enum ns_answer_kind kind;
	const char *text;		/* OUTPUT */
	long delay;			/* WAIT */
	const char *cookie;		/* WAIT */
	struct ns_err err;		/* FAILED */
	ns_answer_retry_fn *retry_cookie;	/* may be NULL */
	void *retry_arg;
};

/* Starts an answer for operation op; the run's talloc context is mem. */
struct ns_answer *ns_answer_new(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *op);

/* Sets the final answer; 0, or -1 (NOMEM in err) when text or cookie is NULL. */
int ns_answer_output(struct ns_answer *a, const char *text);
int ns_answer_wait(struct ns_answer *a, long delay, const char *cookie);

/* a->err without the cause "decided": NONE while nothing failed. */
static inline bool ns_answer_failed(const struct ns_answer *a)
{
	return a->err.cause != NS_CAUSE_NONE;
}

/* Would a failure with cause end in a retry soon (and not in its status)? */
bool ns_answer_retries(enum ns_cause cause);

/* The retry delay: secs minus up to half of it, at random, so that many
 * hosts refused at once (NDES restarting, its password cache full) come
 * back spread out rather than in lockstep. */
long ns_answer_jitter(long secs);

/* Prints the answer (stdout for certmonger; the retry reason goes to the
 * log) and returns the exit status. For a final failure, *err gets the
 * cause and the one line main() prints (ops.h). */
int ns_answer_emit(TALLOC_CTX *mem, struct ns_answer *a, struct ns_err *err);

#endif
