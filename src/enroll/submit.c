/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SUBMIT and POLL: send certmonger's SCEP message to NDES, verify the
 * CertRep, and map every outcome to certmonger's exit codes.
 *
 * Outcomes:
 *   SUCCESS  -> the still-encrypted envelope as PEM PKCS7, exit 0 (certmonger
 *               decrypts it with the key it keeps).
 *   PENDING  -> exit 5 "poll-interval\nCOOKIE"; the cookie carries the
 *               CertPoll certmonger built with the PKCSReq (cookie.h).
 *   FAILURE  -> exit 2 with failInfo and NDES' HRESULT decoded (mserr.h),
 *               or exit 17 when automatic passwords can supply a new one.
 *   transient (no reply, HTTP 5xx, NDES cannot reach its CA) -> exit 5 after
 *               retry-interval: certmonger's exit 3 would wait up to 7 days
 *               (src/iterate.c cm_decide_ca_delay). A SUBMIT retries with a
 *               "R" cookie whose POLL exits 16 so certmonger builds fresh
 *               messages; a POLL keeps its pending cookie.
 * certmonger clears ca-error on exit 5, so the reason of a retry goes to
 * stderr (certmonger's log) and into the cookie (ca_cookie in the request
 * file). The answer layer (answer.h) prints every outcome and owns the
 * retry; this file fills the answer and gives the retry's cookie. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/x509.h>

#include "answer.h"
#include "autopw.h"
#include "cmversion.h"
#include "caps.h"
#include "certinfo.h"
#include "certrep.h"
#include "cmenv.h"
#include "cmreq.h"
#include "cookie.h"
#include "http.h"
#include "mserr.h"
#include "ns.h"
#include "ops.h"
#include "outage.h"
#include "csr.h"
#include "pkimsg.h"
#include "renew.h"
#include "roles.h"
#include "servers.h"
#include "usedpw.h"
#include "transport.h"
#include "x509util.h"

/* Everything one SUBMIT or POLL run works with; freed with its context. */
struct run {
	const struct ns_ctx *ctx;	/* names the server in use (servers.h) */
	const struct ns_ctx *all;	/* names every server */
	int server;			/* the index of the one in ctx */
	bool poll;
	struct ns_cmenv *env;		/* certmonger's request, read once */
	struct ns_roles *roles;
	bool issuer_ok;			/* certmonger's CertPoll names the issuing CA */
	struct ns_renewal *renewal;	/* the renewal next to that certificate */
	bool has_password;		/* the CSR carries a challenge password */
	bool password_used;		/* ... one that already got a certificate here */
	bool stale_password;		/* ... and this is a renewal */
	bool new_key_renewal;		/* certmonger 0.79.13: renew with the new key's request */
	long status_seen;		/* HTTP status of the last reply */
	const char *txid;		/* of the request sent (NULL before it is known) */
	bool answered;			/* NDES sent a verified CertRep */
	struct ns_outage outage;	/* transient trouble of that request so far */
	const struct ns_cookie *pending;	/* POLL: the pending request's cookie */
	struct ns_answer *a;		/* what certmonger is told */
};

static long interval(long configured, long fallback)
{
	return configured > 0 ? configured : fallback;
}

static int load_ca_certs(struct run *r, struct ns_err *err)
{
	char *want, *have;

	if (ns_cmenv_certs(r->env, err) != 0)
		return -1;
	if (sk_X509_num(r->env->certs) == 0)
		return ns_err_set(err, NS_CAUSE_CA_CERTS_STALE,
				  "certmonger passed no CA certificates (CERTMONGER_SCEP_*): run "
				  "getcert refresh-ca -c %s", r->env->ca_name);
	if (r->roles == NULL && ns_roles_assign(r, r->env->certs, &r->roles, err) != 0)
		return ns_err_set(err, NS_CAUSE_CA_CERTS_STALE,
				  "the CA certificates certmonger holds do not fit NDES (%s): run "
				  "getcert refresh-ca -c %s", ns_err_was(err), r->env->ca_name);

	/* certmonger names, as CertPoll's issuer, the issuer of the 2nd
	 * FETCH-SCEP-CA-CERTS certificate (src/pkcs7.c cm_pkcs7_generate_ias).
	 * Right only if that is the issuing CA's subject. */
	r->issuer_ok = r->env->second != NULL &&
		X509_NAME_cmp(X509_get_issuer_name(r->env->second),
			      X509_get_subject_name(r->roles->ca)) == 0;
	want = ns_name_str(r, X509_get_subject_name(r->roles->ca));
	have = r->env->second ? ns_name_str(r, X509_get_issuer_name(r->env->second)) : NULL;
	if (r->issuer_ok)
		ns_log(r->ctx, NS_LOG_INFO, "certmonger's CertPoll names the issuing CA \"%s\"",
		       want ? want : "?");
	else
		ns_log(r->ctx, NS_LOG_WARN,
		       "certmonger's CertPoll messages name the issuer \"%s\" but the issuing CA "
		       "is \"%s\": polling a pending request may fail; run getcert refresh-ca -c %s",
		       have ? have : "(none)", want ? want : "?", r->env->ca_name);
	return 0;
}

/* ---- The answers to certmonger: issued, wait, retry soon, refused (the
 * answer layer prints them and takes the statuses from outcome.c). */

/* "for 42 seconds" / "for 17 minutes" / "for 3 hours" */
static void span_str(char *buf, size_t size, long d)
{
	if (d < 120)
		snprintf(buf, size, "%ld seconds", d);
	else if (d < 2 * 3600)
		snprintf(buf, size, "%ld minutes", d / 60);
	else
		snprintf(buf, size, "%ld hours", d / 3600);
}

/* certmonger 0.79 has no answer that keeps ca-error and retries soon:
 * exits 1 and 5 clear ca-error, exit 3 keeps it but waits up to 7 days,
 * and the text of an exit 16 is cleared once certmonger has built the SCEP
 * messages (seen in tests/e2e). The helper keeps retrying with exit 5 and
 * reports an outage that outlasts report-after as an error in certmonger's
 * log (the journal), with since when, on every attempt. */
static void report_outage(const struct run *r, const char *reason)
{
	char span[48];

	if (r->outage.last - r->outage.since < r->ctx->cfg->report_after)
		return;
	span_str(span, sizeof(span), (long)(r->outage.last - r->outage.since));
	ns_log(r->ctx, NS_LOG_ERROR, "error: no certificate yet: the SCEP server has failed for %s "
	       "(%s); still trying", span, reason);
}

/* The answer layer's retry hook (answer.h): the cookie a transient failure
 * leaves. A POLL keeps its pending request's cookie; a SUBMIT leaves a
 * RETRY cookie whose POLL asks certmonger for fresh messages, and counts
 * the outage of its transaction. */
static const char *retry_cookie(TALLOC_CTX *mem, void *arg, const struct ns_err *why, long delay)
{
	struct run *r = arg;
	struct ns_cookie c;

	(void)delay;
	if (r->pending != NULL)
		return ns_cookie_encode(mem, r->pending);
	if (r->txid != NULL) {
		ns_outage_note(mem, r->ctx, r->txid, &r->outage);
		report_outage(r, why->msg);
	}
	memset(&c, 0, sizeof(c));
	c.kind = NS_COOKIE_RETRY;
	c.since = time(NULL);
	c.reason = talloc_strdup(mem, why->msg);
	if (c.reason == NULL)
		return NULL;
	return ns_cookie_encode(mem, &c);
}

/* NDES consumed the CSR's password (if any) when it issued: remember it so
 * that a renewal still carrying it is explained (usedpw.h). */
static void record_password(TALLOC_CTX *mem, const struct run *r)
{
	const struct ns_csr *csr = ns_cmenv_csr(r->env);

	if (ns_csr_has_password(csr))
		ns_usedpw_record(mem, r->ctx, csr->password);
}

static int issued(TALLOC_CTX *mem, struct run *r, const struct ns_certrep *rep)
{
	if (ns_answer_output(r->a, ns_pkcs7_pem(mem, rep->content, rep->content_len)) != 0)
		return -1;
	ns_log(r->ctx, NS_LOG_INFO, "issued; certmonger decrypts the envelope");
	record_password(mem, r);
	ns_autopw_after_issue(mem, r->ctx, r->env);
	return 0;
}

/* NDES does not know a password this helper fetched moments ago: it went
 * to another server than the one that issued it (ndes.md "Several NDES
 * servers"). */
static bool unknown_fresh(TALLOC_CTX *mem, const struct run *r, const struct ns_certrep *rep)
{
	int server;
	long age;

	return rep->have_hresult && rep->hresult == NS_HR_ERROR_NOT_FOUND &&
	       ns_autopw_origin(mem, r->all, r->env, &server, &age) == 1 && age >= 0 &&
	       age < NS_AUTOPW_FRESH;
}

/* What the request itself did to earn a refusal, when we know: a consumed
 * password still in a renewal CSR, or names NDES does not renew. */
static const char *refusal_hint(TALLOC_CTX *mem, const struct run *r,
				const struct ns_certrep *rep)
{
	char *hint = NULL;

	if (r->stale_password && ns_mserr_is_password_refusal(rep->fail_info, rep->have_hresult,
							      rep->hresult))
		return "; the renewal carried the one-time password NDES consumed at an earlier "
		       "enrollment: set [scep] challenge_password_otp = yes in certmonger.conf and "
		       "run getcert resubmit, or use auto-password";
	if (r->password_used && r->env->cert == NULL &&
	    ns_mserr_is_password_refusal(rep->fail_info, rep->have_hresult, rep->hresult))
		return "; this password already got a certificate on this host (NDES takes each "
		       "one-time password once): fetch a new one";
	if (unknown_fresh(mem, r, rep))
		return "; " NS_AUTOPW_OTHER_SERVER;
	if (r->renewal != NULL && ns_renewal_names_differ(r->renewal) && !r->has_password)
		hint = talloc_asprintf(mem, "; the renewal's names differ from the certificate's "
				       "(%s)", ns_renewal_diff_str(mem, r->renewal));
	return hint != NULL ? hint : "";
}

/* FAILURE: transient, a password refusal automatic mode can fix, or final. */
static int refused(TALLOC_CTX *mem, struct run *r, const struct ns_certrep *rep,
		   struct ns_err *err)
{
	const struct ns_cookie *pending = r->pending;
	char *why = ns_mserr_describe(mem, rep->fail_info, rep->have_hresult, rep->hresult,
				      rep->fail_text);

	if (rep->hresult_text != NULL && !rep->have_hresult)
		ns_log(r->ctx, NS_LOG_WARN, "unreadable NDES error attribute \"%.40s\"",
		       rep->hresult_text);
	if (ns_mserr_is_transient(rep->have_hresult, rep->hresult))
		return ns_err_set(err, NS_CAUSE_NDES_BUSY, "NDES cannot complete the request now: %s",
				  why);
	if (!r->poll && ns_mserr_is_password_refusal(rep->fail_info, rep->have_hresult,
						     rep->hresult)) {
		ns_log(r->ctx, NS_LOG_WARN, "NDES refused the challenge password: %s", why);
		if (ns_autopw_after_refusal(mem, r->all, r->env, unknown_fresh(mem, r, rep), err) != 0)
			return -1;
	}
	if (r->poll)
		return ns_err_set(err, NS_CAUSE_REFUSED, "NDES denied the pending request: %s%s%s%s", why,
			   pending->issuer_ok ? "" : " (certmonger's CertPoll names the wrong "
			   "issuer CA; run getcert refresh-ca -c ", pending->issuer_ok ? "" : r->env->ca_name,
			   pending->issuer_ok ? "" : " and request again)");
	return ns_err_set(err, NS_CAUSE_REFUSED, "NDES rejected the request: %s%s", why,
			  refusal_hint(mem, r, rep));
}

/* PENDING to a PKCSReq: keep certmonger's CertPoll in the cookie and poll. */
static int held(TALLOC_CTX *mem, struct run *r, const struct ns_pkimsg *gci,
		enum ns_transport t, struct ns_err *err)
{
	long secs = interval(r->ctx->cfg->poll_interval, NS_DEFAULT_POLL_INTERVAL);
	struct ns_cookie c;

	if (gci == NULL)
		return ns_err_set(err, NS_CAUSE_INPUT,
				  "NDES holds the request for a CA manager's approval, but "
				  "certmonger gave no GetCertInitial message to poll with");
	memset(&c, 0, sizeof(c));
	c.kind = NS_COOKIE_PENDING;
	c.transport = t;
	c.issuer_ok = r->issuer_ok;
	c.since = time(NULL);
	c.certpoll = gci->der;
	c.certpoll_len = gci->len;
	/* NDES keeps a pending request in its own memory: poll the same server. */
	if (ns_servers_count(r->all->cfg) > 1)
		ns_servers_id(r->ctx->cfg->url, c.server);
	ns_log(r->ctx, NS_LOG_WARN, "the request waits for a CA manager's approval; polling "
	       "every %ld seconds", secs);
	return ns_answer_wait(r->a, secs, ns_cookie_encode(mem, &c));
}

/* The answer to certmonger for a verified CertRep. gci: the CertPoll to keep
 * when a PKCSReq is held (a POLL has r->pending instead). */
static int answer(TALLOC_CTX *mem, struct run *r, const struct ns_certrep *rep,
		  const struct ns_pkimsg *gci, enum ns_transport t, struct ns_err *err)
{
	r->answered = true;
	switch (rep->pki_status) {
	case NS_PKI_SUCCESS:
		return issued(mem, r, rep);
	case NS_PKI_PENDING:
		if (r->pending == NULL)
			return held(mem, r, gci, t, err);
		ns_log(r->ctx, NS_LOG_INFO, "still waiting for a CA manager's approval");
		return ns_answer_wait(r->a, interval(r->ctx->cfg->poll_interval,
						     NS_DEFAULT_POLL_INTERVAL), r->env->cookie);
	default:
		return refused(mem, r, rep, err);
	}
}

/* ---- The exchange SUBMIT and POLL share: send, verify, answer. */

/* "signing RA \"CN=..\" expired 2026-01-01 00:00:00 UTC" or NULL. */
static char *expired_str(TALLOC_CTX *mem, const char *role, X509 *cert)
{
	if (cert == NULL || ns_cert_validity(cert, 0) != 1)
		return NULL;
	return talloc_asprintf(mem, "%s \"%s\" expired %s", role,
			       ns_name_str(mem, X509_get_subject_name(cert)),
			       ns_asn1_time_str(mem, X509_get0_notAfter(cert)));
}

/* NDES answers HTTP 500 to every PKIOperation while its RA certificates are
 * expired, and GetCACert keeps serving them (ndes.md "When NDES sends no
 * CertRep"): if the ones certmonger holds are expired, say so; retrying
 * does not help until an NDES admin renews them. */
static bool ra_expired(TALLOC_CTX *mem, const struct run *r, struct ns_err *err)
{
	const struct ns_roles *ro = r->roles;
	char *sign, *enc;

	if (ro == NULL || ro->ca_only)
		return false;
	sign = expired_str(mem, "signing RA", ro->sign);
	enc = ro->encrypt != ro->sign ? expired_str(mem, "encryption RA", ro->encrypt) : NULL;
	if (sign == NULL && enc == NULL)
		return false;
	ns_err_set(err, NS_CAUSE_RA_EXPIRED, "NDES answered HTTP %ld and its RA certificates have "
		   "expired (%s%s%s): NDES refuses every request until an NDES admin renews them "
		   "(retrying does not help); then run getcert refresh-ca -c %s and getcert "
		   "resubmit", r->status_seen, sign ? sign : "", sign && enc ? "; " : "",
		   enc ? enc : "", r->env->ca_name);
	return true;
}

/* Sends der and returns the reply body (application/x-pki-message). On
 * failure ns_cause_transient(err->cause) says whether retrying later makes
 * sense. */
static int send_message(TALLOC_CTX *mem, struct run *r, enum ns_transport t,
			const unsigned char *der, size_t len, struct ns_http_reply **reply,
			struct ns_err *err)
{
	const struct ns_config *cfg = r->ctx->cfg;
	struct ns_http_request req;
	char *url;

	memset(&req, 0, sizeof(req));
	if (t == NS_TRANSPORT_POST) {
		url = ns_scep_url(mem, cfg->url, "PKIOperation", NULL);
		if (url == NULL)
			return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		ns_log(r->ctx, NS_LOG_INFO, "POST %s (%zu bytes)", url, len);
		req.content_type = "application/x-pki-message";
		req.body = der;
		req.len = len;
	} else {
		if (ns_transport_get_url(mem, cfg->url, der, len, cfg->max_get_url, &url, err) != 0)
			return -1;
		ns_log(r->ctx, NS_LOG_INFO, "GET %s?operation=PKIOperation&message=... (%zu bytes)",
		       cfg->url, strlen(url));
	}
	req.url = url;
	if (ns_http_request(mem, r->ctx, &req, reply, err) != 0)
		return -1;
	r->status_seen = (*reply)->status;
	ns_log(r->ctx, NS_LOG_INFO, "HTTP %ld, %s, %zu bytes", (*reply)->status,
	       (*reply)->content_type ? (*reply)->content_type : "no content type", (*reply)->len);
	if (ns_transport_check_reply(*reply, t, err) != 0) {
		if ((*reply)->status >= 500)
			ra_expired(mem, r, err);
		return -1;
	}
	return 0;
}

/* NDES signs CertReps with its signing RA (keyUsage digitalSignature); the
 * encryption RA and the CA may not stand in for it, only a server without
 * RA certificates signs with its CA (ndes.md "GetCACert"). */
static int signer_role(const struct run *r, X509 *signer, struct ns_err *err)
{
	uint32_t ku = X509_get_key_usage(signer);
	bool is_ca = ns_cert_is_ca(signer);
	char *name;

	if (r->roles->ca_only ? is_ca || (ku & KU_DIGITAL_SIGNATURE) : !is_ca &&
	    (ku & KU_DIGITAL_SIGNATURE))
		return 0;
	name = ns_name_str(NULL, X509_get_subject_name(signer));
	ns_err_set(err, NS_CAUSE_REPLY, "the reply is signed by \"%s\" (%s), not NDES' signing "
		   "RA: refused; run getcert refresh-ca -c %s if NDES' RA certificates were "
		   "replaced", name != NULL ? name : "?", ns_roles_name(r->roles, signer),
		   r->env->ca_name);
	talloc_free(name);
	return -1;
}

/* Parses and verifies a reply to msg. */
static int read_reply(TALLOC_CTX *mem, struct run *r, const struct ns_http_reply *reply,
		      const struct ns_pkimsg *msg, struct ns_certrep **out, struct ns_err *err)
{
	struct ns_certrep *rep;
	unsigned flags = r->ctx->cfg->allow_sha1 ? NS_CERTREP_ALLOW_SHA1 : 0;

	if (ns_certrep_parse(mem, reply->body, reply->len, &rep, err) != 0)
		return -1;
	rep->ca_name = r->env->ca_name;
	if (ns_certrep_verify(rep, r->env->certs, r->roles->ca, r->env->certs, flags, 0, err) != 0 ||
	    signer_role(r, rep->signer, err) != 0 ||
	    ns_certrep_check(rep, msg->txid, msg->nonce, msg->nonce_len, err) != 0) {
		talloc_free(rep);
		return -1;
	}
	if (rep->verified_explicitly)
		ns_log(r->ctx, NS_LOG_INFO, "the reply's SHA-1 signature was verified explicitly "
		       "(this system's crypto policy refuses SHA-1 signatures)");
	ns_log(r->ctx, NS_LOG_INFO, "CertRep: pkiStatus %d, signed with %s by \"%s\"",
	       rep->pki_status, rep->digest,
	       ns_name_str(rep, X509_get_subject_name(rep->signer)));
	*out = rep;
	return 0;
}

/* POLL's exchange: send the CertPoll, verify the reply, answer certmonger. */
static int exchange(TALLOC_CTX *mem, struct run *r, enum ns_transport t,
		    const struct ns_pkimsg *msg, struct ns_err *err)
{
	struct ns_http_reply *reply = NULL;
	struct ns_certrep *rep;

	if (send_message(mem, r, t, msg->der, msg->len, &reply, err) != 0 ||
	    read_reply(mem, r, reply, msg, &rep, err) != 0)
		return -1;
	return answer(mem, r, rep, NULL, t, err);
}

/* ---- Several NDES servers (servers.h). */

/* Makes server i the one r talks to. */
static int use_server(TALLOC_CTX *mem, struct run *r, int i, struct ns_err *err)
{
	const struct ns_ctx *sc = ns_servers_ctx(mem, r->all, i);

	if (sc == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	r->ctx = sc;
	r->server = i;
	return 0;
}

/* The servers a new request may go to, in order: with a password only the
 * server that issued it (each NDES server knows only its own), else every
 * server. *bound tells which. */
static int route(TALLOC_CTX *mem, struct run *r, int *list, bool *bound)
{
	int n = ns_servers_count(r->all->cfg), server, i;
	long age;

	*bound = n > 1 && r->has_password;
	if (!*bound) {
		for (i = 0; i < n; i++)
			list[i] = i;
		return n;
	}
	if (ns_autopw_origin(mem, r->all, r->env, &server, &age) == 1 && server >= 0) {
		list[0] = server;
		return 1;
	}
	ns_log(r->ctx, NS_LOG_INFO, "the request's password was not fetched by ndes-submit: "
	       "sending it only to the first server, %s (a password is good only on the NDES "
	       "server that issued it)", r->all->cfg->url);
	list[0] = 0;
	return 1;
}

/* A new request and what sending it gave (try_send). */
struct sending {
	struct run *r;
	const struct ns_pkimsg *req;
	enum ns_transport t;
	struct ns_http_reply *reply;
};

/* Sends the request to server i (servers.h ns_servers_first). */
static int try_send(TALLOC_CTX *mem, const struct ns_ctx *sc, int i, void *arg,
		    struct ns_err *err)
{
	struct sending *s = arg;
	struct ns_caps *caps;

	(void)sc;
	if (use_server(mem, s->r, i, err) != 0 ||
	    /* Cached by the CA-data operations: normally no HTTP request here. */
	    ns_caps_get(mem, s->r->ctx, &caps, err) != 0)
		return -1;
	s->t = ns_transport_choose(s->r->ctx->cfg->method, caps);
	return send_message(mem, s->r, s->t, s->req->der, s->req->len, &s->reply, err);
}

/* Sends a new request to the first of its servers that answers. Returns 0
 * with *reply, or -1 (err set; *t the transport of the last try). */
static int send_new(TALLOC_CTX *mem, struct run *r, const struct ns_pkimsg *req,
		    enum ns_transport *t, struct ns_http_reply **reply, bool *bound,
		    struct ns_err *err)
{
	int list[NS_MAX_SERVERS], n = route(mem, r, list, bound), rc;
	struct sending s = { r, req, NS_TRANSPORT_POST, NULL };

	rc = ns_servers_first(mem, r->all, list, n, try_send, &s, NULL, err);
	*t = s.t;
	*reply = s.reply;
	return rc;
}

/* SUBMIT's exchange: the request goes to a server that may take it; when
 * the server that issued its password is down, automatic mode gets a
 * password from another. */
static int submit_new(TALLOC_CTX *mem, struct run *r, const struct ns_pkimsg *req,
		      const struct ns_pkimsg *gci, struct ns_err *err)
{
	struct ns_http_reply *reply = NULL;
	enum ns_transport t = NS_TRANSPORT_POST;
	struct ns_certrep *rep;
	bool bound = false;
	struct ns_err e;

	if (send_new(mem, r, req, &t, &reply, &bound, err) != 0) {
		if (bound && ns_servers_down(err)) {
			ns_err_clear(&e);
			ns_log(r->ctx, NS_LOG_WARN, "the NDES server that issued the request's "
			       "password cannot take it now: %s", err->msg);
			if (ns_autopw_server_down(mem, r->all, r->env, r->server, &e) != 0)
				*err = e;
		}
		return -1;
	}
	if (read_reply(mem, r, reply, req, &rep, err) != 0)
		return -1;
	return answer(mem, r, rep, gci, t, err);
}

/* ---- Policy before anything is sent: renewals, passwords, certmonger's messages. */

/* certmonger's id of the request this CSR belongs to, for commands in
 * messages; "REQUEST" when its requests directory cannot be read. */
static const char *request_id(TALLOC_CTX *mem, const struct run *r)
{
	struct ns_cmreq *req = NULL;
	struct ns_err e;

	(void)mem;
	ns_err_clear(&e);
	if (ns_cmenv_request(r->env, r->ctx->cfg->requests_dir, &req, &e) == 0 &&
	    req != NULL && req->id != NULL)
		return req->id;
	return "REQUEST";
}

/* Notes the CSR's password: a renewal that carries one NDES consumed at the
 * first enrollment is refused by a strict NDES (KB 959193). */
static void note_password(TALLOC_CTX *mem, struct run *r)
{
	const struct ns_csr *csr = ns_cmenv_csr(r->env);

	if (!ns_csr_has_password(csr))
		return;
	r->has_password = true;
	r->password_used = ns_usedpw_seen(mem, r->ctx, csr->password);
	r->stale_password = r->env->cert != NULL && r->password_used;
}

/* Said once the CA certificates are known: only NDES consumes passwords
 * (a plain SCEP server such as micromdm's takes a static challenge again). */
static void warn_stale_password(struct run *r)
{
	if (!r->stale_password)
		return;
	if (!ns_roles_is_ndes(r->roles)) {
		r->stale_password = false;
		return;
	}
	ns_log(r->ctx, NS_LOG_WARN, "the renewal CSR carries the one-time password of an earlier "
	       "enrollment, which NDES consumed when it issued that certificate: set [scep] "
	       "challenge_password_otp = yes in certmonger.conf (certmonger then drops a password "
	       "once used) or use auto-password with getcert request -l FILE");
}

/* A renewal whose names differ from the certificate's: NDES takes it only
 * with a one-time password (PSCertificateEnrollment copies the names for
 * that reason). Returns 0 to send it anyway, -1 to stop (err set). */
static int names_differ(TALLOC_CTX *mem, struct run *r, struct ns_err *err)
{
	const struct ns_renewal *rn = r->renewal;
	char *diff = ns_renewal_diff_str(mem, rn);
	const char *id;

	if (!r->ctx->cfg->renewal_subject_check) {
		ns_log(r->ctx, NS_LOG_WARN, "the renewal asks for other names than the certificate "
		       "has (%s); sending it anyway (renewal-subject-check = no)", diff ? diff : "?");
		return 0;
	}
	if (ns_autopw_for_new_names(mem, r->ctx, r->env, err) != 0)
		return -1;
	id = request_id(mem, r);
	return ns_err_set(err, NS_CAUSE_REFUSED, "NDES renews without a password only a request with the "
		   "certificate's own names, and this one differs: %s. Keep the names: getcert "
		   "resubmit -i %s %s; or change them with a one-time password: getcert resubmit "
		   "-i %s -L PASSWORD (auto-password fetches one by itself)", diff ? diff : "?", id,
		   rn->resubmit_args, id);
}

/* certmonger 0.79.13 reads only the reply to the request signed with the
 * new key (cmversion.h). NDES takes that one as a new enrollment, so it
 * needs a one-time password NDES has not consumed yet. Returns 0 to go on,
 * -1 to stop (err set). */
static int legacy_renewal(TALLOC_CTX *mem, struct run *r, struct ns_err *err)
{
	struct ns_err e;
	bool ndes = true;	/* unknown roles: assume NDES, the strict case */
	const char *id;

	r->new_key_renewal = true;
	ns_log(r->ctx, NS_LOG_INFO, "this certmonger reads only the reply to the request signed "
	       "with the new key: renewing as a new enrollment with a one-time password");
	ns_err_clear(&e);
	/* The roles are kept for load_ca_certs, which would work them out again. */
	if (ns_cmenv_certs(r->env, &e) == 0 && sk_X509_num(r->env->certs) > 0 &&
	    ns_roles_assign(r, r->env->certs, &r->roles, &e) == 0)
		ndes = ns_roles_is_ndes(r->roles);
	/* Only NDES consumes passwords: a plain SCEP server's static
	 * challenge works again. */
	if (r->has_password && (!r->password_used || !ndes))
		return 0;
	if (ns_autopw_for_renewal(mem, r->ctx, r->env, err) != 0)
		return -1;
	id = request_id(mem, r);
	return ns_err_set(err, NS_CAUSE_REFUSED, "this certmonger (before 0.79.14) cannot take NDES' "
		   "answer to a renewal signed with the current certificate, so the renewal goes as "
		   "a new enrollment, which needs a new one-time password: getcert resubmit -i %s "
		   "-L PASSWORD, or use auto-password with getcert request -l FILE; certmonger "
		   "0.79.14 or later renews without a password", id);
}

/* Renewal policy (ndes.md "Renewal"), before anything is sent. Returns 0 to
 * go on, -1 to stop (err set). */
static int check_renewal(TALLOC_CTX *mem, struct run *r, struct ns_err *err)
{
	if (r->env->csr == NULL)
		return 0;
	note_password(mem, r);
	if (r->env->cert == NULL)
		return 0;
	if (ns_renewal_inspect_csr(r, r->env->cert, ns_cmenv_csr(r->env), &r->renewal, err) != 0) {
		ns_log(r->ctx, NS_LOG_WARN, "cannot compare the renewal with the current "
		       "certificate: %s", err->msg);
		ns_err_clear(err);
		return 0;
	}
	if (r->renewal->same_key && r->ctx->cfg->renewal_new_key) {
		/* certmonger's transactionID is a digest of the CSR's key: with the
		 * same key NDES would hand back the certificate being renewed. */
		ns_log(r->ctx, NS_LOG_INFO, "renewing certificate %s (valid until %s) with a new key, "
		       "as Windows does: NDES answers a repeated transactionID with the existing "
		       "certificate", r->renewal->cert_serial, r->renewal->not_after);
		return ns_err_set(err, NS_CAUSE_NEED_REKEY, "renewal with a new key: certmonger makes "
				  "a new key and CSR (renewal-key = new)");
	}
	if (r->renewal->same_key)
		ns_log(r->ctx, NS_LOG_WARN, "renewing with the same key (renewal-key = same): NDES "
		       "may answer with the existing certificate instead of a new one");
	else if (!ns_cm_renews_with_old_cert(ns_cm_version(r->ctx->cfg)))
		return legacy_renewal(mem, r, err);
	if (ns_renewal_names_differ(r->renewal) && !r->has_password)
		return names_differ(mem, r, err);
	return 0;
}

/* certmonger keeps the keys: it builds and signs the messages (exit 16).
 * It can only do so with the CA certificates from FETCH-SCEP-CA-CERTS; when
 * it has none, find out why, so that ca-error says it. Returns -1. */
static int need_messages(TALLOC_CTX *mem, struct run *r, struct ns_err *err)
{
	struct ns_caps *caps = NULL;

	if (r->env->has_ca_data)
		return ns_err_set(err, NS_CAUSE_NEED_MESSAGES,
				  "asking certmonger to build the SCEP messages");
	if (ns_caps_fetch(mem, r->ctx, &caps, err) != 0) {
		if (ns_answer_retries(err->cause))	/* certmonger asks again when it is back */
			return -1;
		return ns_err_set(err, err->cause, "certmonger has no CA certificates for this CA "
				  "because the SCEP server cannot be used: %s; fix that, then run "
				  "getcert refresh-ca -c %s", ns_err_was(err), r->env->ca_name);
	}
	return ns_err_set(err, NS_CAUSE_NEED_MESSAGES, "certmonger has no CA certificates for "
			  "this CA yet: run getcert refresh-ca -c %s", r->env->ca_name);
}

/* certmonger's PKCSReq and the matching CertPoll (*gci NULL when there is
 * none or it does not match). Returns 0, or -1 (err set) when certmonger
 * gave none (it must build them: need_messages) or an unusable one.
 *
 * With a certificate (renewal, rekey) CERTMONGER_PKCSREQ is the one signed
 * by it: certmonger can decrypt the reply to that one, not to the _REKEY one
 * (protocol reference, rekey pitfall). Without a certificate but with a new
 * key pending (e.g. after exit 17 on a first enrollment) certmonger builds
 * only the _REKEY pair; it then decrypts with the new key, which works
 * because there is no old certificate to match (src/submit-o.c
 * cm_submit_o_decrypt_envelope). */
static int read_messages(TALLOC_CTX *mem, struct run *r, struct ns_pkimsg **req,
			 struct ns_pkimsg **gci, struct ns_err *err)
{
	const struct ns_cmenv *e = r->env;
	bool rekey = e->pkcsreq_rekey != NULL && (e->pkcsreq == NULL || r->new_key_renewal);
	const char *req_pem = rekey ? e->pkcsreq_rekey : e->pkcsreq;
	const char *gci_pem = rekey ? e->gci_rekey : e->gci;
	const char *req_name = rekey ? "CERTMONGER_PKCSREQ_REKEY" : "CERTMONGER_PKCSREQ";
	const char *gci_name = rekey ? "CERTMONGER_GETCERTINITIAL_REKEY" : "CERTMONGER_GETCERTINITIAL";

	*gci = NULL;
	if (rekey && !r->new_key_renewal)
		ns_log(r->ctx, e->cert ? NS_LOG_WARN : NS_LOG_INFO,
		       "certmonger gave only the messages signed with the new key%s",
		       e->cert ? " although a certificate exists: it may fail to decrypt the reply" : "");
	if (req_pem == NULL)
		return need_messages(mem, r, err);
	if (ns_pkimsg_parse(mem, req_name, (const unsigned char *)req_pem,
			    strlen(req_pem), true, req, err) != 0)
		return -1;
	if ((*req)->msg_type != NS_SCEP_PKCSREQ && (*req)->msg_type != NS_SCEP_RENEWALREQ)
		return ns_err_set(err, NS_CAUSE_INPUT, "%s has messageType %d, not a certificate "
				  "request", req_name, (*req)->msg_type);
	if (gci_pem != NULL &&
	    (ns_pkimsg_parse(mem, gci_name, (const unsigned char *)gci_pem,
			     strlen(gci_pem), true, gci, err) != 0 ||
	     (*gci)->msg_type != NS_SCEP_CERTPOLL || strcmp((*gci)->txid, (*req)->txid) != 0)) {
		ns_log(r->ctx, NS_LOG_WARN, "ignoring certmonger's GetCertInitial: %s",
		       *gci ? "it does not match the PKCSReq" : err->msg);
		*gci = NULL;
	}
	ns_log(r->ctx, NS_LOG_INFO, "%s: transactionID %s, senderNonce %s",
	       e->cert ? "renewal signed with the current certificate" : "first enrollment",
	       (*req)->txid, ns_pkimsg_hex(mem, (*req)->nonce, (*req)->nonce_len));
	return 0;
}

/* ---- SUBMIT and POLL. */

static int do_submit(TALLOC_CTX *mem, struct run *r, struct ns_err *err)
{
	struct ns_pkimsg *req = NULL, *gci = NULL;
	int rc;

	if (ns_autopw_before_submit(mem, r->ctx, r->env, err) != 0 ||
	    check_renewal(mem, r, err) != 0 || read_messages(mem, r, &req, &gci, err) != 0 ||
	    load_ca_certs(r, err) != 0)
		return -1;
	warn_stale_password(r);
	r->txid = req->txid;
	ns_outage_load(mem, r->ctx, r->txid, &r->outage);

	rc = submit_new(mem, r, req, gci, err);
	/* The outage is over once NDES answered with anything but "busy". */
	if (r->outage.since != 0 && r->answered && !(rc != 0 && ns_answer_retries(err->cause)))
		ns_outage_clear(mem, r->ctx, r->txid);
	return rc;
}

static int do_poll(TALLOC_CTX *mem, struct run *r, struct ns_err *err)
{
	struct ns_cookie *c;
	struct ns_pkimsg *poll;

	if (ns_cookie_decode(mem, r->env->cookie, &c, err) != 0)
		return -1;
	if (c->kind == NS_COOKIE_RETRY) {
		/* certmonger gives POLL no messages; exit 16 clears the cookie and
		 * it builds fresh ones for a new SUBMIT (same CSR and password). */
		ns_log(r->ctx, NS_LOG_WARN, "retrying after: %s", c->reason);
		return ns_err_set(err, NS_CAUSE_NEED_MESSAGES, "retrying the request (last attempt "
				  "failed: %.400s): asking certmonger for fresh SCEP messages",
				  c->reason);
	}
	if (ns_pkimsg_parse(mem, "the CertPoll in the stored cookie", c->certpoll,
			    c->certpoll_len, false, &poll, err) != 0)
		return ns_err_set(err, NS_CAUSE_INPUT, "%s; start over with getcert resubmit",
				  ns_err_was(err));
	if (c->server[0] != '\0' && ns_servers_count(r->all->cfg) > 1) {
		int i = ns_servers_find(r->all->cfg, c->server);

		if (i < 0)
			ns_log(r->ctx, NS_LOG_WARN, "the NDES server that holds this pending request "
			       "is no longer in url; polling %s", r->all->cfg->url);
		if (use_server(mem, r, i < 0 ? 0 : i, err) != 0)
			return -1;
	}
	ns_log(r->ctx, NS_LOG_INFO, "polling transaction %s (pending since %lld) at %s", poll->txid,
	       (long long)c->since, r->ctx->cfg->url);
	if (load_ca_certs(r, err) != 0)
		return -1;
	r->pending = c;		/* a retry keeps this cookie */
	return exchange(mem, r, c->transport, poll, err);
}

int ns_op_submit(TALLOC_CTX *mem, const struct ns_ctx *ctx, bool poll, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	struct run *r = tmp != NULL ? talloc_zero(tmp, struct run) : NULL;
	int rc;

	ns_err_clear(err);
	if (r == NULL || (r->env = ns_cmenv_read(r)) == NULL ||
	    (r->a = ns_answer_new(r, ctx, poll ? "POLL" : "SUBMIT")) == NULL) {
		talloc_free(tmp);
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		return ns_outcome(NS_OPC_HELPER, err);
	}
	r->ctx = ctx;
	r->all = ctx;
	r->poll = poll;
	r->a->retry_cookie = retry_cookie;
	r->a->retry_arg = r;
	if (ns_config_require_url(ctx->cfg, &r->a->err) == 0) {
		if (poll)
			do_poll(tmp, r, &r->a->err);
		else
			do_submit(tmp, r, &r->a->err);
	}
	rc = ns_answer_emit(tmp, r->a, err);
	fflush(stdout);
	talloc_free(tmp);
	return rc;
}
