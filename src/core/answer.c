/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The answer layer (answer.h): the only place that prints a helper
 * operation's answer and the only place that decides "transient trouble ->
 * retry soon". Why retry soon: certmonger's exit 3 waits up to 7 days
 * (src/iterate.c cm_decide_ca_delay), and for a first CA-data fetch it is
 * "revisit in 604800 seconds"; exit 5 with a delay makes it ask again then.
 * certmonger clears ca-error on exit 5, so the reason of a retry goes to the
 * log (and, for SUBMIT, into the cookie through the retry hook). */
#include <stdio.h>
#include <openssl/rand.h>

#include "answer.h"
#include "ns.h"

struct ns_answer *ns_answer_new(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *op)
{
	struct ns_answer *a = talloc_zero(mem, struct ns_answer);

	if (a == NULL)
		return NULL;
	a->ctx = ctx;
	a->op = op;
	ns_err_clear(&a->err);
	return a;
}

int ns_answer_output(struct ns_answer *a, const char *text)
{
	if (text == NULL)
		return ns_err_set(&a->err, NS_CAUSE_NOMEM, "out of memory");
	a->kind = NS_ANSWER_OUTPUT;
	a->text = text;
	return 0;
}

int ns_answer_wait(struct ns_answer *a, long delay, const char *cookie)
{
	if (cookie == NULL)
		return ns_err_set(&a->err, NS_CAUSE_NOMEM, "out of memory");
	a->kind = NS_ANSWER_WAIT;
	a->delay = delay;
	a->cookie = cookie;
	return 0;
}

bool ns_answer_retries(enum ns_cause cause)
{
	return ns_cause_transient(cause);
}

long ns_answer_jitter(long secs)
{
	unsigned int rnd = 0;

	if (secs < 2 || RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		return secs;
	return secs - (long)(rnd % (unsigned int)(secs / 2 + 1));
}

/* Transient trouble: exit 5 after a jittered retry-interval, or after the
 * wait the failure asked for (a fleet backoff, backoff.h: already random). */
static int retry(TALLOC_CTX *mem, struct ns_answer *a)
{
	long secs = a->ctx->cfg->retry_interval > 0 ? a->ctx->cfg->retry_interval
		: NS_DEFAULT_RETRY_INTERVAL;
	const char *cookie = NULL;

	secs = a->err.retry_after > 0 ? a->err.retry_after : ns_answer_jitter(secs);
	ns_log(a->ctx, NS_LOG_WARN, "%s: %s; trying again in %ld seconds", a->op, a->err.msg,
	       secs);
	if (a->retry_cookie != NULL) {
		cookie = a->retry_cookie(mem, a->retry_arg, &a->err, secs);
		if (cookie == NULL) {
			ns_err_set(&a->err, NS_CAUSE_NOMEM, "out of memory");
			return -1;
		}
	}
	if (cookie != NULL)
		printf("%ld\n%s\n", secs, cookie);
	else
		printf("%ld\n", secs);
	return ns_outcome_status(NS_OPC_HELPER, NS_CAUSE_WAIT);
}

int ns_answer_emit(TALLOC_CTX *mem, struct ns_answer *a, struct ns_err *err)
{
	int rc;

	ns_err_clear(err);
	if (!ns_answer_failed(a) && a->kind == NS_ANSWER_OUTPUT) {
		fputs(a->text, stdout);
		return ns_outcome_status(NS_OPC_HELPER, NS_CAUSE_NONE);
	}
	if (!ns_answer_failed(a) && a->kind == NS_ANSWER_WAIT) {
		printf("%ld\n%s\n", a->delay, a->cookie);
		return ns_outcome_status(NS_OPC_HELPER, NS_CAUSE_WAIT);
	}
	if (!ns_answer_failed(a))	/* a bug: nothing decided; retried, not final */
		ns_err_set(&a->err, NS_CAUSE_NOMEM, "%s: no answer", a->op);
	if (ns_answer_retries(a->err.cause) && (rc = retry(mem, a)) >= 0)
		return rc;
	*err = a->err;
	return ns_outcome(NS_OPC_HELPER, err);
}
