/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Automatic one-time passwords (autopw.h). certmonger does not tell a helper
 * which request it runs for, nor where its "-l FILE" is: the request is
 * found by its CSR in certmonger's requests directory (cmreq.c). A fresh
 * password goes into FILE and exit 17 (NEED_REKEY) makes certmonger build a
 * new key and a CSR that carries it (it re-reads FILE then).
 *
 * Each fetch holds one of NDES' 5 cache slots for up to an hour, so a small
 * record next to FILE ("FILE.ndes-submit-state") remembers what was written
 * and when: a CSR that does not carry the password yet gets exit 17 again
 * without a new fetch, and fetches are limited per request and hour. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "autopw.h"
#include "backoff.h"
#include "cmreq.h"
#include "csr.h"
#include "file.h"
#include "ns.h"
#include "otp.h"
#include "pwrecord.h"
#include "servers.h"
#include "x509util.h"

/* A password we wrote is stale after this (NDES default validity 60 min). */
#define AUTOPW_MAX_AGE (57 * 60)
/* Exit 17 without a new fetch, at most this many times per password. */
#define AUTOPW_MAX_NUDGES 3
#define AUTOPW_MAX_REFUSED_FRESH 2

/* Everything one call needs: found once, used by the three entry points. */
struct job {
	const struct ns_ctx *ctx;
	struct ns_cmenv *env;	/* certmonger's request, as submit.c read it */
	struct ns_cmreq *req;
	char *state_path;
	char *file_pw;		/* FILE's current password, NULL if empty/absent */
	struct ns_pwrecord rec;
	time_t now;
	int skip;		/* a server not to fetch from (down), -1: none */
	bool ready;		/* the request has a FILE: automatic mode can work */
};

/* ---- files ------------------------------------------------------------- */

/* Reads FILE the way certmonger does: up to the first line end; empty ->
 * NULL. A missing file is empty. */
static int read_pw_file(TALLOC_CTX *mem, const char *path, char **out, struct ns_err *err)
{
	char *buf;

	*out = NULL;
	/* certmonger reads the first line of FILE; so do we. */
	if (ns_file_read(mem, path, 4096, NS_FILE_SECRET | NS_FILE_PREFIX, &buf, NULL, NULL) != 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOMEM)
			return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		return ns_err_set(err, NS_CAUSE_CONFIG, "automatic password: cannot read %s: %s",
				  path, ns_file_strerror(errno));
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] != '\0')
		*out = buf;
	else
		talloc_free(buf);
	return 0;
}

/* Removes temp files an earlier run of ours left next to path. certmonger
 * runs one helper at a time per request, and path belongs to one request:
 * any age is stale. */
static void remove_stale_tmp(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *path)
{
	char **removed = NULL;
	size_t i;

	if (ns_file_clean_tmp(mem, path, 0, &removed) != 0)
		return;
	for (i = 0; removed[i] != NULL; i++)
		ns_log(ctx, NS_LOG_WARN, "automatic password: removed %s, left by an earlier "
		       "run that was stopped while writing", removed[i]);
	talloc_free(removed);
}

/* Can we create a file next to path? Asked before a fetch: a password that
 * cannot be stored still takes one of NDES' cache slots for an hour. */
static int can_write_next_to(TALLOC_CTX *mem, const char *path, struct ns_err *err)
{
	if (ns_file_can_create(mem, path) == 0)
		return 0;
	if (errno == ENOMEM)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	return ns_err_set(err, NS_CAUSE_CONFIG, "automatic password: cannot create a file "
			  "next to %s: %s (no password fetched)", path, strerror(errno));
}

/* Writes text to path atomically (ns_file_replace), mode 0600. */
static int write_atomic(TALLOC_CTX *mem, const char *path, const char *text, struct ns_err *err)
{
	static const char *const what[] = {
		[NS_FILE_CREATE] = "cannot create a file next to",
		[NS_FILE_WRITE] = "cannot write",
		[NS_FILE_RENAME] = "cannot replace",
	};
	enum ns_file_step step;

	if (ns_file_replace(mem, path, text, 0600, &step) == 0)
		return 0;
	if (errno == ENOMEM)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	return ns_err_set(err, NS_CAUSE_CONFIG, "automatic password: %s %s: %s", what[step],
			  path, strerror(errno));
}

static void load_record(struct job *j)
{
	char *text = NULL;

	memset(&j->rec, 0, sizeof(j->rec));
	if (ns_file_read(NULL, j->state_path, NS_PWREC_MAX_BYTES, 0, &text, NULL, NULL) != 0)
		return;
	ns_pwrecord_parse(text, j->now, &j->rec);
	talloc_free(text);
}

static int save_record(TALLOC_CTX *mem, struct job *j, struct ns_err *err)
{
	char *s = ns_pwrecord_format(mem, &j->rec);

	if (s == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	return write_atomic(mem, j->state_path, s, err);
}

/* ---- the job ----------------------------------------------------------- */

/* Finds the request: 0 with j->ready when it has a FILE (j->ready false:
 * automatic mode cannot help, logged), -1 on an error (err set). */
static int job_start(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env,
		     struct job *j, struct ns_err *err)
{
	const char *dir = ctx->cfg->requests_dir != NULL ? ctx->cfg->requests_dir
							 : NS_DEFAULT_REQUESTS_DIR;

	memset(j, 0, sizeof(*j));
	j->skip = -1;
	j->ctx = ctx;
	j->env = env;
	j->now = time(NULL);
	if (ns_cmenv_request(env, dir, &j->req, err) != 0)
		return -1;
	if (j->req == NULL) {
		ns_err_set(err, NS_CAUSE_CONFIG,
			   "automatic password: no certmonger request in %s has this CSR "
			   "(is certmonger-requests-dir right?)", dir);
		return -1;
	}
	if (j->req->pw_file == NULL) {
		ns_log(ctx, NS_LOG_WARN,
		       "automatic password: request %s was not made with \"getcert request -l FILE\"%s; "
		       "automatic passwords need it (FILE holding one newline will do; certmonger refuses a zero-byte FILE)",
		       j->req->id != NULL ? j->req->id : j->req->path,
		       j->req->has_inline_pw ? " (it has a fixed -L password)" : "");
		return 0;	/* not ready */
	}
	j->state_path = ns_pwrecord_path(mem, j->req->pw_file);
	if (j->state_path == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	if (read_pw_file(mem, j->req->pw_file, &j->file_pw, err) != 0)
		return -1;
	load_record(j);
	j->ready = true;
	return 0;
}

static bool file_pw_is_ours(const struct job *j)
{
	char h[65];

	if (j->file_pw == NULL || j->rec.sha256[0] == '\0')
		return false;
	ns_sha256_hex(NULL, j->file_pw, 32, h);
	return strcmp(h, j->rec.sha256) == 0;
}

static bool same_pw(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The password in FILE has not reached a CSR yet: exit 17 again, no fetch. */
static int nudge(TALLOC_CTX *mem, struct job *j, struct ns_err *err)
{
	if (j->rec.nudges >= AUTOPW_MAX_NUDGES) {
		ns_err_set(err, NS_CAUSE_CONFIG,
			   "automatic password: certmonger sent %d CSRs without the password waiting "
			   "in %s; not asking again (check the request's -l file with getcert list)",
			   j->rec.nudges + 1, j->req->pw_file);
		return -1;
	}
	j->rec.nudges++;
	if (save_record(mem, j, err) != 0)
		return -1;
	ns_log(j->ctx, NS_LOG_INFO, "automatic password: %s holds a password the CSR lacks; "
	       "asking certmonger to rebuild the CSR", j->req->pw_file);
	ns_err_set(err, NS_CAUSE_NEED_REKEY,
		   "a one-time password is waiting in %s: certmonger rebuilds the key and CSR",
		   j->req->pw_file);
	return -1;
}

/* Compares the page's thumbprint with the CA certmonger got from
 * FETCH-SCEP-CA-CERTS (in the environment: no extra request). */
static void check_thumbprint(TALLOC_CTX *mem, struct job *j, const char *thumbprint)
{
	struct ns_err e;
	char *desc = NULL;

	if (thumbprint == NULL || ns_cmenv_certs(j->env, &e) != 0)
		return;
	if (sk_X509_num(j->env->certs) > 0 &&
	    !ns_otp_thumbprint_matches(mem, thumbprint, j->env->certs, &desc))
		ns_log(j->ctx, NS_LOG_WARN,
		       "warning: the admin page's CA thumbprint %s matches none of the SCEP CA "
		       "certificates (%s): admin-url and url may point at different NDES servers",
		       thumbprint, desc != NULL && desc[0] != '\0' ? desc : "no CA certificate");
}

/* ---- fleet pacing (backoff.h) ------------------------------------------ */

/* Ends the run with "wait secs" (exit 5 through the answer layer): the
 * admin page is not visited now. Returns -1. */
static int hold_off(enum ns_cause cause, long secs, const char *why, struct ns_err *err)
{
	ns_err_set(err, cause, "automatic password: %s; next visit to the admin page in %ld "
		   "seconds", why, secs);
	ns_err_retry_after(err, secs);
	return -1;
}

/* Before an admin-page visit: 0 to visit now, -1 (err: wait) when this
 * request is still backing off or draws its first-fetch spread. A wait
 * already decided is kept even if certmonger comes back early (getcert
 * resubmit, a restart): an early visit would find the same full cache. A
 * wait over a day away is a clock that jumped: ignored. */
static int pace(TALLOC_CTX *mem, struct job *j, struct ns_err *err)
{
	struct ns_err e;
	long d;

	if (j->rec.not_before > j->now && j->rec.not_before - j->now <= 86400) {
		if (j->rec.cache_full > 0)
			return hold_off(NS_CAUSE_OTP_CACHE_FULL, (long)(j->rec.not_before - j->now),
					"NDES' password cache was full (backing off)", err);
		return hold_off(NS_CAUSE_OTP_BUDGET, (long)(j->rec.not_before - j->now),
				"spreading the first fetch (password-spread)", err);
	}
	if (j->rec.spread != 0 || j->ctx->cfg->password_spread <= 0)
		return 0;
	/* Hosts enrolled together would all find the cache full but 5: each
	 * waits its own random share of password-spread first, once. */
	j->rec.spread = j->now;
	d = ns_backoff_first(j->ctx->cfg);
	j->rec.not_before = d > 0 ? j->now + d : 0;
	ns_err_clear(&e);
	if (save_record(mem, j, &e) != 0) {
		ns_log(j->ctx, NS_LOG_WARN, "automatic password: %s", e.msg);
		return 0;	/* unrecorded, a wait would be drawn again: fetch */
	}
	if (d <= 0)
		return 0;
	return hold_off(NS_CAUSE_OTP_BUDGET, d, "spreading the first fetch (password-spread)", err);
}

/* The admin page said "cache full": count it and back off (capped
 * exponential, random). Returns -1 with the wait set on err. */
static int cache_full(TALLOC_CTX *mem, struct job *j, struct ns_err *err)
{
	struct ns_err e;
	long d;

	if (j->rec.cache_full < 1000)
		j->rec.cache_full++;
	j->rec.total_cache_full++;
	d = ns_backoff_cache_full(j->ctx->cfg, j->rec.cache_full);
	j->rec.not_before = j->now + d;
	ns_err_clear(&e);
	if (save_record(mem, j, &e) != 0)
		ns_log(j->ctx, NS_LOG_WARN, "automatic password: %s", e.msg);
	ns_err_retry_after(err, d);
	ns_log(j->ctx, NS_LOG_INFO, "automatic password: cache full %d time%s in a row; backing "
	       "off %ld seconds", j->rec.cache_full, j->rec.cache_full == 1 ? "" : "s", d);
	return -1;
}

/* Fetches a password (rate limited), writes FILE, exits 17. Returns -1 (err set). */
static int supply(TALLOC_CTX *mem, struct job *j, const char *why, struct ns_err *err)
{
	struct ns_otp *otp = NULL;
	char *text;
	struct ns_err e;
	int server = -1;
	const struct ns_ctx *sc;

	if (pace(mem, j, err) != 0)
		return -1;
	if (j->rec.nfetches >= NS_PWREC_MAX_FETCHES) {
		time_t next = j->rec.fetches[j->rec.nfetches - NS_PWREC_MAX_FETCHES] + 3600;
		struct tm tm;
		char when[32] = "";

		gmtime_r(&next, &tm);
		strftime(when, sizeof(when), "%H:%M UTC", &tm);
		ns_err_set(err, NS_CAUSE_OTP_BUDGET,
			   "automatic password: %d passwords were fetched for this request within the "
			   "last hour (each holds one of NDES' cache slots for up to 60 minutes); "
			   "not fetching another before %s", j->rec.nfetches, when);
		return -1;
	}
	remove_stale_tmp(mem, j->ctx, j->req->pw_file);
	remove_stale_tmp(mem, j->ctx, j->state_path);
	if (can_write_next_to(mem, j->req->pw_file, err) != 0)
		return -1;
	ns_log(j->ctx, NS_LOG_INFO, "automatic password: %s; fetching one for %s", why,
	       j->req->pw_file);
	ns_err_clear(&e);
	if (ns_servers_otp(mem, j->ctx, j->skip, &otp, &server, &e) != 0) {
		ns_err_set(err, e.cause, "automatic password: %s", e.msg);
		if (e.cause == NS_CAUSE_OTP_CACHE_FULL)
			return cache_full(mem, j, err);
		j->rec.total_failed++;
		ns_err_clear(&e);
		if (save_record(mem, j, &e) != 0)
			ns_log(j->ctx, NS_LOG_WARN, "automatic password: %s", e.msg);
		return -1;
	}
	j->rec.cache_full = 0;
	j->rec.not_before = 0;
	/* Counted before the password is stored: a crash in between must not
	 * let the hourly limit be passed. */
	j->rec.fetches[j->rec.nfetches++] = j->now;
	j->rec.total_password++;
	if (save_record(mem, j, &e) != 0)
		ns_log(j->ctx, NS_LOG_WARN, "automatic password: %s", e.msg);
	check_thumbprint(mem, j, otp->thumbprint);
	text = talloc_asprintf(mem, "%s\n", otp->password);
	if (text == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		return -1;
	}
	ns_secret(text);
	if (write_atomic(mem, j->req->pw_file, text, err) != 0)
		return -1;
	j->rec.written = j->now;
	ns_sha256_hex(NULL, otp->password, 32, j->rec.sha256);
	/* The request carrying it must go to this server (servers.h). */
	sc = ns_servers_ctx(mem, j->ctx, server);
	if (sc != NULL && sc->cfg->url != NULL)
		ns_servers_id(sc->cfg->url, j->rec.server);
	if (ns_servers_count(j->ctx->cfg) > 1)
		ns_log(j->ctx, NS_LOG_INFO, "automatic password: issued by %s; the request goes there",
		       otp->admin_url);
	j->rec.nudges = 0;
	if (save_record(mem, j, &e) != 0)
		ns_log(j->ctx, NS_LOG_WARN, "automatic password: %s", e.msg);
	ns_err_set(err, NS_CAUSE_NEED_REKEY,
		   "wrote a fresh one-time password to %s: certmonger builds a new key and CSR with it",
		   j->req->pw_file);
	return -1;
}

/* ---- entry points (autopw.h) ------------------------------------------ */

/* The CSR's password (parsed once per run, cmenv.h); NULL: none or unreadable. */
static const char *csr_password(struct ns_cmenv *env)
{
	const struct ns_csr *csr = ns_cmenv_csr(env);

	return csr != NULL && !csr->password_bad ? csr->password : NULL;
}

int ns_autopw_before_submit(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			    struct ns_cmenv *env, struct ns_err *err)
{
	const struct ns_csr *csr = ns_cmenv_csr(env);
	TALLOC_CTX *tmp;
	struct job j;
	int rc;

	/* An unreadable CSR is certmonger's to report when it builds messages. */
	if (!ctx->cfg->auto_otp || csr == NULL || csr->password_bad || ns_csr_has_password(csr))
		return 0;
	/* A renewal is signed with the old certificate; NDES (Renewal) may
	 * take it without a password. A refusal brings us back. */
	if (env->cert != NULL) {
		ns_log(ctx, NS_LOG_INFO, "automatic password: renewal without a password first");
		return 0;
	}
	tmp = talloc_new(mem);
	if (job_start(tmp, ctx, env, &j, err) != 0 || !j.ready) {
		talloc_free(tmp);
		return ns_err_failed(err) ? -1 : 0;
	}
	if (j.file_pw != NULL && (!file_pw_is_ours(&j) || j.now - j.rec.written < AUTOPW_MAX_AGE))
		rc = nudge(tmp, &j, err);	/* certmonger has not re-read FILE yet */
	else
		rc = supply(tmp, &j, "the CSR has no challenge password", err);
	talloc_free(tmp);
	return rc;
}

static int supply_for(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env,
		      const char *why, bool unknown, int skip, struct ns_err *err);

int ns_autopw_after_refusal(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			    struct ns_cmenv *env, bool unknown, struct ns_err *err)
{
	return supply_for(mem, ctx, env, NULL, unknown, -1, err);
}

int ns_autopw_server_down(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env,
			  int down, struct ns_err *err)
{
	return supply_for(mem, ctx, env, "the NDES server that issued the request's password "
			  "is down, and a password is good only on its own server", false, down, err);
}

int ns_autopw_for_new_names(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			    struct ns_cmenv *env, struct ns_err *err)
{
	return supply_for(mem, ctx, env,
			  "the renewal asks for other names than the certificate has", false, -1, err);
}

int ns_autopw_for_renewal(TALLOC_CTX *mem, const struct ns_ctx *ctx,
			  struct ns_cmenv *env, struct ns_err *err)
{
	return supply_for(mem, ctx, env, "this certmonger renews as a new enrollment, which "
			  "needs a one-time password", false, -1, err);
}

/* why: the reason a password is needed (NULL: NDES refused the request;
 * unknown: as a password it does not know); skip: a server that is down. */
static int supply_for(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env,
		      const char *why, bool unknown, int skip, struct ns_err *err)
{
	TALLOC_CTX *tmp;
	const char *csr_pw = csr_password(env);
	char h[65];
	struct ns_err e;
	struct job j;
	int rc;

	if (!ctx->cfg->auto_otp)
		return 0;
	tmp = talloc_new(mem);
	ns_err_clear(&e);
	rc = job_start(tmp, ctx, env, &j, &e);
	j.skip = skip;
	if (rc != 0 || !j.ready) {
		if (rc != 0)
			ns_log(ctx, NS_LOG_WARN, "%s", e.msg);
		talloc_free(tmp);
		return 0;	/* the caller reports the refusal */
	}
	ns_sha256_hex(NULL, csr_pw, 32, h);
	/* skip >= 0: not a refusal, the password's server is down */
	if (skip < 0 && csr_pw != NULL && strcmp(h, j.rec.sha256) == 0 &&
	    j.now - j.rec.written < NS_AUTOPW_FRESH) {
		/* Refused within minutes of the fetch: not an expired password. */
		if (++j.rec.refused_fresh >= AUTOPW_MAX_REFUSED_FRESH) {
			save_record(tmp, &j, &e);
			if (unknown)
				ns_err_set(err, NS_CAUSE_REFUSED, "NDES did not know %d one-time "
					   "passwords it had issued moments before; not fetching more: %s",
					   j.rec.refused_fresh, NS_AUTOPW_OTHER_SERVER);
			else
				ns_err_set(err, NS_CAUSE_REFUSED,
					   "NDES refused %d freshly fetched one-time passwords in a row; not "
					   "fetching more (do admin-url and url name the same NDES server? does "
					   "the account have Enroll permission on the template?)",
					   j.rec.refused_fresh);
			talloc_free(tmp);
			return -1;
		}
	} else if (skip < 0) {
		j.rec.refused_fresh = 0;
	}
	if (j.file_pw != NULL && !same_pw(j.file_pw, csr_pw) &&
	    (!file_pw_is_ours(&j) || j.now - j.rec.written < AUTOPW_MAX_AGE))
		rc = nudge(tmp, &j, err);	/* a newer password waits in FILE */
	else
		rc = supply(tmp, &j, why != NULL ? why : csr_pw != NULL
			    ? "NDES refused the request's password" : "NDES wants a password", err);
	talloc_free(tmp);
	return rc;
}

void ns_autopw_after_issue(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env)
{
	TALLOC_CTX *tmp;
	const char *csr_pw = csr_password(env);
	struct ns_err e;
	struct job j;

	if (!ctx->cfg->auto_otp)
		return;
	tmp = talloc_new(mem);
	ns_err_clear(&e);
	if (job_start(tmp, ctx, env, &j, &e) != 0 || !j.ready) {
		if (e.msg[0] != '\0')
			ns_log(ctx, NS_LOG_WARN, "%s", e.msg);
		talloc_free(tmp);
		return;
	}
	/* NDES consumed the password: erase it. Not to zero bytes: certmonger
	 * 0.79.17 takes an empty file for a read error (it checks st_size > 0,
	 * then reports a stale errno) and stops in NEED_CSR_GEN_PIN; a lone
	 * newline reads as "no password" (seen in the e2e suite). */
	if (j.file_pw != NULL && same_pw(j.file_pw, csr_pw) &&
	    write_atomic(tmp, j.req->pw_file, "\n", &e) != 0)
		ns_log(ctx, NS_LOG_WARN, "automatic password: cannot erase the used password: %s",
		       e.msg);
	j.rec.written = 0;
	j.rec.sha256[0] = '\0';
	j.rec.nudges = 0;
	j.rec.refused_fresh = 0;
	j.rec.server[0] = '\0';
	/* The next password this request needs (a renewal as a new
	 * enrollment) is spread again: the fleet renews together too. */
	j.rec.spread = 0;
	j.rec.cache_full = 0;
	j.rec.not_before = 0;
	if (save_record(tmp, &j, &e) != 0)
		ns_log(ctx, NS_LOG_WARN, "%s", e.msg);
	talloc_free(tmp);
}

int ns_autopw_origin(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cmenv *env,
		     int *server, long *age)
{
	TALLOC_CTX *tmp;
	const char *csr_pw = csr_password(env);
	char h[65];
	struct ns_err e;
	struct job j;
	int rc = 0;

	*server = -1;
	*age = -1;
	if (!ctx->cfg->auto_otp || csr_pw == NULL || csr_pw[0] == '\0')
		return 0;
	tmp = talloc_new(mem);
	ns_err_clear(&e);
	if (job_start(tmp, ctx, env, &j, &e) == 0 && j.ready) {
		ns_sha256_hex(NULL, csr_pw, 32, h);
		if (j.rec.sha256[0] != '\0' && strcmp(h, j.rec.sha256) == 0) {
			rc = 1;
			*age = (long)(j.now - j.rec.written);
			*server = ns_servers_find(ctx->cfg, j.rec.server);
		}
	}
	talloc_free(tmp);
	return rc;
}
