/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "ndes-submit check": one line per thing enrollment needs, [ OK ] / [WARN] /
 * [FAIL], stopping early only where later checks cannot run. Exit 0 when
 * nothing failed, else the certmonger status of the first failure. With
 * admin-page settings it also checks, without spending a password, what
 * one-time passwords need: credential file modes, the scheme over plain
 * http, which authentication schemes the admin page offers and, over
 * https, whether the configured scheme can send IIS Extended Protection's
 * channel binding (chanbind.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cacert.h"
#include "caps.h"
#include "certinfo.h"
#include "chanbind.h"
#include "http.h"
#include "file.h"
#include "ns.h"
#include "ops.h"
#include "servers.h"
#include "subcmd.h"
#include "otp.h"
#include "x509util.h"

#define NS_CHECK_EXPIRY_WARN_DAYS 30

struct report {
	int fails, warns;
	enum ns_cause first;	/* cause of the first failure */
};

/* A check line's verdict; FAIL carries the cause of the failure. */
enum verdict { V_OK, V_WARN, V_FAIL };

static void line(struct report *r, enum verdict v, enum ns_cause st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void line(struct report *r, enum verdict v, enum ns_cause st, const char *fmt, ...)
{
	static const char *const tags[] = { " OK ", "WARN", "FAIL" };
	va_list ap;

	if (v == V_FAIL && r->fails++ == 0)
		r->first = st;
	if (v == V_WARN)
		r->warns++;
	printf("[%s] ", tags[v]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define OK(...) line(r, V_OK, NS_CAUSE_NONE, __VA_ARGS__)
#define WARN(...) line(r, V_WARN, NS_CAUSE_NONE, __VA_ARGS__)
#define FAIL(st, ...) line(r, V_FAIL, st, __VA_ARGS__)

static bool sha1_signed(X509 *c)
{
	int md = NID_undef, pk = NID_undef;

	return OBJ_find_sigid_algs(X509_get_signature_nid(c), &md, &pk) && md == NID_sha1;
}

static void check_validity(TALLOC_CTX *mem, struct report *r, X509 *c, enum ns_role role)
{
	enum ns_role_validity state;
	struct ns_err e;
	char *msg;

	if (ns_role_validity(mem, c, role, 0, NS_CHECK_EXPIRY_WARN_DAYS, NS_ROLE_FORM_CHECK, &state,
			     &msg, &e) != 0) {
		FAIL(e.cause, "%s", e.msg);
		return;
	}
	if (state == NS_ROLE_EXPIRED || state == NS_ROLE_NOT_YET_VALID)
		FAIL(NS_CAUSE_CA_CERTS, "%s", msg);
	else if (state == NS_ROLE_EXPIRING)
		WARN("%s", msg);
	else
		OK("%s", msg);
}

static void check_signed_by(TALLOC_CTX *mem, struct report *r, X509 *c, X509 *ca, enum ns_role role)
{
	const char *ca_name = ns_name_str(mem, X509_get_subject_name(ca));

	if (ns_cert_issued_by(c, ca)) {
		OK("%s certificate is signed by %s", ns_role_label(role), ca_name);
		return;
	}
	FAIL(NS_CAUSE_CA_CERTS, "%s certificate is not signed by %s (names or signature do not match)%s",
	     ns_role_label(role), ca_name, sha1_signed(c) ?
	     "; it is SHA-1 signed: a crypto policy forbidding SHA-1 signatures also fails this" : "");
}

/* trusted-ca's certificates into store (file.h's reader, as FETCH-ROOTS). */
static bool load_trusted_ca(TALLOC_CTX *mem, X509_STORE *store, const char *path)
{
	STACK_OF(X509) *certs = NULL;
	struct ns_err e;
	char *data;
	size_t len;
	int i, added = 0;

	if (store == NULL || ns_file_read(mem, path, NS_FILE_MAX_CERTS, 0, &data, &len, NULL) != 0)
		return false;
	if (ns_certs_parse((const unsigned char *)data, len, &certs, &e) == 0)
		for (i = 0; i < sk_X509_num(certs); i++)
			added += X509_STORE_add_cert(store, sk_X509_value(certs, i)) == 1;
	sk_X509_pop_free(certs, X509_free);
	talloc_free(data);
	return added > 0;
}

/* The CA against trusted-ca, with the reply's certificates as intermediates. */
static void check_trusted_ca(TALLOC_CTX *mem, struct report *r, const struct ns_ctx *ctx,
			     struct ns_cacert *cc)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	int ok = 0;

	if (vctx == NULL || !load_trusted_ca(mem, store, ctx->cfg->trusted_ca)) {
		FAIL(NS_CAUSE_CONFIG, "cannot load trusted-ca %s", ctx->cfg->trusted_ca);
		goto out;
	}
	/* An admin may anchor trust at the issuing CA itself. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	if (X509_STORE_CTX_init(vctx, store, cc->roles->ca, cc->certs) == 1)
		ok = X509_verify_cert(vctx);
	if (ok == 1)
		OK("the CA chains to trusted-ca %s", ctx->cfg->trusted_ca);
	else
		FAIL(NS_CAUSE_CA_CERTS, "the CA does not chain to trusted-ca %s: %s", ctx->cfg->trusted_ca,
		     X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx)));
out:
	ERR_clear_error();
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
}

/* Reachability, TLS and GetCACaps. Returns false when nothing more can run. */
/* The capability list GetCACaps answered. */
static void check_caps(TALLOC_CTX *mem, struct report *r, const struct ns_ctx *ctx,
		       const struct ns_http_reply *reply)
{
	struct ns_caps *caps = NULL;

	if (ns_caps_parse(mem, (const char *)reply->body, reply->len, &caps) != 0 ||
	    !caps->from_server) {
		WARN("no capabilities (HTTP %ld, %zu bytes): assuming what old NDES does (DES3, SHA-1, GET)",
		     reply->status, reply->len);
		if (ctx->cfg->method != NS_METHOD_POST)
			WARN("requests go by GET: a 2048-bit request is ~3.5 KB of query string "
			     "(max-get-length %ld; IIS maxQueryString)", ctx->cfg->max_get_url);
		return;
	}
	{
		char *list = talloc_strdup(mem, caps->text), *p;
		for (p = list; p != NULL && *p != '\0'; p++)
			if (*p == '\n')
				*p = p[1] != '\0' ? ' ' : '\0';
		OK("capabilities: %s", list != NULL ? list : "?");
	}
	if (caps->post)
		OK("POSTPKIOperation offered: requests go by POST");
	else
		WARN("no POSTPKIOperation: requests go by GET, ~3.5 KB of query string for a 2048-bit "
		     "key (max-get-length %ld; IIS maxQueryString)", ctx->cfg->max_get_url);
}

static bool check_server(TALLOC_CTX *mem, struct report *r, const struct ns_ctx *ctx)
{
	struct ns_http_request req = { 0 };
	struct ns_http_reply *reply = NULL;
	struct ns_err err;
	bool https = ns_url_is_https(ctx->cfg->url);

	ns_err_clear(&err);
	req.url = ns_scep_url(mem, ctx->cfg->url, "GetCACaps", "0");
	if (ns_http_request(mem, ctx, &req, &reply, &err) != 0) {
		if (err.cause == NS_CAUSE_TLS) {
			OK("%s answers", ctx->cfg->url);
			FAIL(NS_CAUSE_TLS, "%s", err.msg);
			return false;
		}
		if (err.cause != NS_CAUSE_HTTP_CLOSED && err.cause != NS_CAUSE_HTTP_TRUNCATED) {
			FAIL(err.cause, "not reachable: %s", err.msg);
			return false;
		}
		OK("%s is reachable", ctx->cfg->url);
		/* Not "no capabilities": SUBMIT retries until GetCACaps answers. */
		WARN("GetCACaps failed: %s; enrollment waits for an answer. A server that never "
		     "answers GetCACaps (Windows Server 2008 NDES without its hotfix) needs caps in "
		     "the configuration, e.g. caps = SHA-1, DES3", err.msg);
		return true;
	}
	OK("%s is reachable (GetCACaps: HTTP %ld)", ctx->cfg->url, reply->status);
	if (https)
		OK("TLS certificate trusted (%s)", ctx->cfg->ca_bundle != NULL ?
		   ctx->cfg->ca_bundle : "system trust store");
	if (!ns_caps_reply_ok(reply)) {
		WARN("GetCACaps failed (HTTP %ld, %s, %zu bytes): enrollment waits for a capability "
		     "list, or set caps in the configuration", reply->status,
		     reply->content_type != NULL ? reply->content_type : "no content type", reply->len);
		return true;
	}
	check_caps(mem, r, ctx, reply);
	return true;
}

/* The RA certificates' key usages. */
static void check_ra_usage(TALLOC_CTX *mem, struct report *r, const struct ns_roles *ro)
{
	bool sign_is_ra = X509_cmp(ro->sign, ro->ca) != 0;

	if (ro->ca_only) {
		WARN("no RA certificates (a plain RFC 8894 server, not NDES-shaped): the CA encrypts and signs");
	} else {
		char *ku = ns_cert_ku_str(mem, ro->encrypt);
		if (X509_get_key_usage(ro->encrypt) & KU_KEY_ENCIPHERMENT &&
		    (X509_get_extension_flags(ro->encrypt) & EXFLAG_KUSAGE))
			OK("encryption RA: %s (%s)", ns_name_str(mem, X509_get_subject_name(ro->encrypt)), ku);
		else
			WARN("encryption RA chosen without keyUsage keyEncipherment: %s (%s)",
			     ns_name_str(mem, X509_get_subject_name(ro->encrypt)), ku);
		if (!sign_is_ra)
			FAIL(NS_CAUSE_CA_CERTS, "no signing RA (keyUsage digitalSignature): NDES' "
			     "\"Exchange Enrollment Agent (Offline request)\" certificate is missing");
		else if ((X509_get_extension_flags(ro->sign) & EXFLAG_KUSAGE) &&
			 (X509_get_key_usage(ro->sign) & KU_DIGITAL_SIGNATURE))
			OK("signing RA: %s (%s)", ns_name_str(mem, X509_get_subject_name(ro->sign)),
			   ns_cert_ku_str(mem, ro->sign));
		else
			WARN("signing RA chosen without keyUsage digitalSignature: %s",
			     ns_name_str(mem, X509_get_subject_name(ro->sign)));
	}
}

/* The CA's own signature, or its issuer's when that is in the reply. */
static void check_ca_signature(TALLOC_CTX *mem, struct report *r, const struct ns_cacert *cc)
{
	const struct ns_roles *ro = cc->roles;

	if (ns_roles_ca_is_self_signed(ro)) {
		if (ns_cert_issued_by(ro->ca, ro->ca))
			OK("the CA is self-signed (its signature verifies)");
		else
			FAIL(NS_CAUSE_CA_CERTS, "the CA's self-signature does not verify%s", sha1_signed(ro->ca) ?
			     " (SHA-1 signed: a crypto policy forbidding SHA-1 signatures also fails this)" : "");
	} else {
		X509 *parent = NULL;
		int i;
		for (i = 0; i < sk_X509_num(cc->certs) && parent == NULL; i++) {
			X509 *p = sk_X509_value(cc->certs, i);
			if (X509_cmp(p, ro->ca) != 0 &&
			    X509_check_issued(p, ro->ca) == X509_V_OK)
				parent = p;
		}
		if (parent != NULL)
			check_signed_by(mem, r, ro->ca, parent, NS_ROLE_CA);
		else
			OK("the CA's issuer %s is not in the reply (not needed for enrollment)",
			   ns_name_str(mem, X509_get_issuer_name(ro->ca)));
	}
}

/* ca-fingerprint against the reply, by roles.c's one pin rule. */
static void check_pin(TALLOC_CTX *mem, struct report *r, const struct ns_ctx *ctx,
		      const struct ns_roles *ro)
{
	X509 *pinned = NULL;
	struct ns_err e;

	if (ns_roles_pin_match(ro, ctx->cfg->ca_fingerprint, &pinned, &e) != 0)
		FAIL(e.cause, "%s", e.msg);
	else if (pinned == ro->ca)
		OK("the CA matches ca-fingerprint");
	else if (pinned != NULL)
		OK("the CA chains to %s, which matches ca-fingerprint",
		   ns_name_str(mem, X509_get_subject_name(pinned)));
	else
		FAIL(NS_CAUSE_CA_CERTS, "the CA's SHA-256 %s does not match ca-fingerprint %s",
		     ns_cert_fingerprint(mem, ro->ca, EVP_sha256(), ":"), ctx->cfg->ca_fingerprint);
}

static void check_roles(TALLOC_CTX *mem, struct report *r, const struct ns_ctx *ctx,
			struct ns_cacert *cc)
{
	struct ns_roles *ro = cc->roles;
	const char *ca_name = ns_name_str(mem, X509_get_subject_name(ro->ca));
	bool sign_is_ra = X509_cmp(ro->sign, ro->ca) != 0;
	bool split = sign_is_ra && X509_cmp(ro->sign, ro->encrypt) != 0;
	enum ns_role ra = split ? NS_ROLE_ENCRYPT_RA : NS_ROLE_RA;

	OK("GetCACert: %d certificate(s); issuing CA %s", sk_X509_num(cc->certs), ca_name);
	check_ra_usage(mem, r, ro);
	if (!ro->ca_only) {
		check_validity(mem, r, ro->encrypt, ra);
		if (split)
			check_validity(mem, r, ro->sign, NS_ROLE_SIGN_RA);
	}
	check_validity(mem, r, ro->ca, NS_ROLE_CA);

	if (!ro->ca_only) {
		check_signed_by(mem, r, ro->encrypt, ro->ca, ra);
		if (split)
			check_signed_by(mem, r, ro->sign, ro->ca, NS_ROLE_SIGN_RA);
	}
	check_ca_signature(mem, r, cc);

	if (ctx->cfg->ca_fingerprint != NULL)
		check_pin(mem, r, ctx, ro);
	if (ctx->cfg->trusted_ca != NULL)
		check_trusted_ca(mem, r, ctx, cc);
}

/* ---- the admin page (one-time passwords) ---------------------------------- */

static bool admin_configured(const struct ns_config *cfg)
{
	return cfg->admin_url != NULL || cfg->user != NULL || cfg->password_file != NULL ||
	       cfg->keytab != NULL || cfg->ccache != NULL || cfg->auto_otp;
}

/* A credential file: regular, readable, nothing for group or others (what
 * the helper itself demands of password-file; a keytab is as secret).
 * missing_ok: only a warning when absent (a ccache another service writes). */
static void check_secret_file(struct report *r, const char *key, const char *path, bool missing_ok)
{
	struct stat st;

	if (strncmp(path, "FILE:", 5) == 0)
		path += 5;
	else if (strncmp(path, "WRFILE:", 7) == 0)
		path += 7;
	else if (path[0] != '/')
		return;		/* MEMORY:, KEYRING:, KCM: ...: no file to look at */
	if (stat(path, &st) != 0) {
		if (missing_ok && errno == ENOENT)
			WARN("%s %s does not exist (yet)", key, path);
		else
			FAIL(NS_CAUSE_CONFIG, "%s %s: %s", key, path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		FAIL(NS_CAUSE_CONFIG, "%s %s is not a regular file", key, path);
		return;
	}
	if ((st.st_mode & 077) != 0) {
		FAIL(NS_CAUSE_CONFIG, "%s %s is mode %04o: group or others may read it; "
		     "chmod 600 %s", key, path, (unsigned)(st.st_mode & 07777), path);
		return;
	}
	if (access(path, R_OK) != 0) {
		FAIL(NS_CAUSE_CONFIG, "%s %s is not readable here (owner uid %u; certmonger runs "
		     "the helper as root)", key, path, (unsigned)st.st_uid);
		return;
	}
	OK("%s %s: mode %04o, owner uid %u", key, path, (unsigned)(st.st_mode & 07777),
	   (unsigned)st.st_uid);
}

/* auth = ntlm-gssapi: SPNEGO can carry NTLM only with gss-ntlmssp. */
static void check_ntlmssp(struct report *r)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_err e;
	char *so = NULL;

	ns_err_clear(&e);
	if (ns_otp_ntlmssp_require(tmp, &so, &e) != 0)
		FAIL(e.cause, "auth ntlm-gssapi " NS_OTP_NTLMSSP_MISSING);
	else if (so != NULL)
		OK("auth ntlm-gssapi: gss-ntlmssp is registered with GSS-API (%s)", so);
	else
		WARN("auth ntlm-gssapi: no gss-ntlmssp under %s; GSS_MECH_CONFIG is set, so "
		     "it may be registered there", NS_GSS_CONFIG_DIR);
	talloc_free(tmp);
}

/* The admin credentials at rest and in transit. */
static void check_admin_credentials(struct report *r, const struct ns_config *cfg,
				    const char *url)
{
	bool https = ns_url_is_https(url), password = cfg->password_file != NULL;
	bool kerberos = cfg->keytab != NULL || cfg->ccache != NULL;

	/* Credentials at rest. */
	if (cfg->password_file != NULL)
		check_secret_file(r, "password-file", cfg->password_file, false);
	if (cfg->keytab != NULL)
		check_secret_file(r, "keytab", cfg->keytab, false);
	if (cfg->ccache != NULL)
		check_secret_file(r, "ccache", cfg->ccache, true);
	if ((cfg->auth == NS_AUTH_NTLM || cfg->auth == NS_AUTH_BASIC ||
	     cfg->auth == NS_AUTH_NTLM_GSSAPI) &&
	    (cfg->user == NULL || cfg->password_file == NULL))
		FAIL(NS_CAUSE_CONFIG, "auth %s needs user and password-file",
		     ns_auth_name(cfg->auth));
	if (cfg->auth == NS_AUTH_NTLM_GSSAPI)
		check_ntlmssp(r);
	if (cfg->auth == NS_AUTH_NEGOTIATE && !kerberos)
		WARN("auth negotiate without keytab or ccache: works only where the caller's "
		     "KRB5CCNAME has tickets (certmonger clears the environment)");
	if (cfg->auth == NS_AUTH_ANY && !password && !kerberos)
		WARN("no admin credentials (password-file, keytab or ccache): only a caller's "
		     "KRB5CCNAME can fetch passwords");

	/* Credentials in transit. */
	if (!https && cfg->auth == NS_AUTH_BASIC)
		FAIL(NS_CAUSE_CONFIG, "auth basic to the plain http admin page %s: the password "
		     "would travel in clear (refused); use https", url);
	else if (!https && password && cfg->auth != NS_AUTH_NEGOTIATE)
		WARN("the admin page %s is plain http: the NTLM exchange can be captured and the "
		     "password attacked offline or relayed; use https", url);
	else if (https)
		OK("the admin page is https: %s", url);
}

/* The admin page's answer without credentials. Returns the schemes it
 * offers on a 401, NULL when nothing more can be checked. */
static const char *check_admin_reply(struct report *r, const char *url,
				     const struct ns_http_reply *reply)
{
	const char *schemes = reply->www_authenticate;

	switch (reply->status) {
	case 401:
		break;
	case 200:
		WARN("the admin page %s answers without authentication (HTTP 200): whoever reaches "
		     "it gets one-time passwords (and this check took one); in IIS disable "
		     "Anonymous Authentication on mscep_admin", url);
		return NULL;
	case 403:
		FAIL(NS_CAUSE_CONFIG, "the admin page %s answers HTTP 403 (forbidden) before any "
		     "authentication: IIS requires something else (SSL, client certificates, "
		     "IP restrictions)", url);
		return NULL;
	case 404:
		FAIL(NS_CAUSE_CONFIG, "the admin page %s answers HTTP 404: it is disabled "
		     "(hardened NDES or Intune mode): one-time passwords cannot be fetched", url);
		return NULL;
	default:
		WARN("the admin page %s answers HTTP %ld without credentials (expected 401)",
		     url, reply->status);
		return NULL;
	}
	if (schemes == NULL || schemes[0] == '\0') {
		FAIL(NS_CAUSE_CONFIG, "the admin page %s asks for authentication (HTTP 401) but "
		     "offers no scheme (no WWW-Authenticate)", url);
		return NULL;
	}
	OK("the admin page %s is reachable and asks for authentication (HTTP 401), "
	   "offering: %s", url, schemes);
	return schemes;
}

/* Does the admin page offer what auth needs? */
static void check_admin_schemes(struct report *r, const struct ns_config *cfg,
				const char *schemes)
{
	bool password = cfg->password_file != NULL;
	bool kerberos = cfg->keytab != NULL || cfg->ccache != NULL;

	switch (cfg->auth) {
	case NS_AUTH_NTLM:
		if (!ns_otp_offers(schemes, "NTLM"))
			FAIL(NS_CAUSE_CONFIG, "auth ntlm, but the admin page offers no NTLM (only %s)%s",
			     schemes, ns_otp_offers(schemes, "Negotiate") ?
			     ": use Kerberos (auth negotiate with keytab or ccache)" : "");
		else
			OK("auth ntlm: offered");
		break;
	case NS_AUTH_NEGOTIATE:
	case NS_AUTH_NTLM_GSSAPI:
		if (!ns_otp_offers(schemes, "Negotiate"))
			FAIL(NS_CAUSE_CONFIG, "auth %s, but the admin page offers no Negotiate "
			     "(only %s)", ns_auth_name(cfg->auth), schemes);
		else
			OK("auth %s: %soffered", ns_auth_name(cfg->auth),
			   cfg->auth == NS_AUTH_NTLM_GSSAPI ? "Negotiate " : "");
		break;
	case NS_AUTH_BASIC:
		if (!ns_otp_offers(schemes, "Basic"))
			FAIL(NS_CAUSE_CONFIG, "auth basic, but the admin page offers no Basic (only %s)",
			     schemes);
		else
			OK("auth basic: offered");
		break;
	case NS_AUTH_ANY:
	default:
		if (password && !kerberos) {
			if (ns_otp_offers(schemes, "NTLM"))
				OK("auth any with a password: NTLM offered");
			else
				FAIL(NS_CAUSE_CONFIG, "auth any with a password needs NTLM, but the admin "
				     "page offers only %s%s", schemes, ns_otp_offers(schemes, "Negotiate") ?
				     ": use Kerberos (keytab or ccache)" : "");
		} else if (kerberos && !password) {
			if (ns_otp_offers(schemes, "Negotiate"))
				OK("auth any with Kerberos: Negotiate offered");
			else
				FAIL(NS_CAUSE_CONFIG, "Kerberos credentials, but the admin page offers no "
				     "Negotiate (only %s)", schemes);
		} else if (ns_otp_offers(schemes, "Negotiate") || ns_otp_offers(schemes, "NTLM")) {
			OK("auth any: Negotiate or NTLM offered");
		} else {
			FAIL(NS_CAUSE_CONFIG, "the admin page offers neither Negotiate nor NTLM (only %s)",
			     schemes);
		}
		break;
	}
}

/* The scheme the helper will log on with, as ns_otp_auth and libcurl
 * choose it ("any" with a password only: NTLM; otherwise libcurl's pick,
 * which is Negotiate whenever offered). */
static enum ns_auth admin_scheme(const struct ns_config *cfg, const char *schemes)
{
	bool password = cfg->user != NULL && cfg->password_file != NULL;
	bool kerberos = cfg->keytab != NULL || cfg->ccache != NULL;

	if (cfg->auth != NS_AUTH_ANY)
		return cfg->auth;
	if (password && !kerberos)
		return NS_AUTH_NTLM;
	if (password && schemes != NULL && !ns_otp_offers(schemes, "Negotiate"))
		return NS_AUTH_NTLM;
	return NS_AUTH_NEGOTIATE;
}

/* IIS Extended Protection (channel binding) on an https admin page: what
 * this build can send for the configured auth, and what works instead. */
static void check_admin_epa(TALLOC_CTX *mem, struct report *r, const struct ns_config *cfg,
			    const char *schemes)
{
	struct ns_cb_curl cv;
	enum ns_auth used = admin_scheme(cfg, schemes);
	enum ns_cb_why why;

	ns_cb_curl_running(&cv);
	switch (ns_cb_judge(&cv, used, true, &why)) {
	case NS_CB_NOT_APPLICABLE:
		OK("Extended Protection: not applicable to auth %s: %s", ns_auth_name(used),
		   ns_cb_reason(mem, &cv, why));
		return;
	case NS_CB_YES:
		OK("Extended Protection: auth %s sends the TLS channel binding: %s. Works with "
		   "Extended Protection Off, Accept and Required", ns_auth_name(used),
		   ns_cb_reason(mem, &cv, why));
		break;
	case NS_CB_NO:
	default:
		WARN("Extended Protection: auth %s cannot send the TLS channel binding: %s. Fetches "
		     "fail with HTTP 401 where IIS has Extended Protection set to Required on "
		     "mscep_admin (Accept and Off work). Works there instead: %s", ns_auth_name(used),
		     ns_cb_reason(mem, &cv, why), ns_cb_instead(mem, &cv));
		break;
	}
	/* Only a logon would tell, and a successful one takes a password. */
	OK("Extended Protection on mscep_admin: not visible without logging on (IIS refuses a "
	   "missing binding with the same HTTP 401 as a wrong password); check does not log on, "
	   "to spend no password: \"ndes-submit otp\" would tell (exit 10, explained)");
}

static void check_admin(TALLOC_CTX *mem, struct report *r, const struct ns_ctx *ctx)
{
	struct ns_http_request req = { 0 };
	struct ns_http_reply *reply = NULL;
	struct ns_err e;
	const char *url, *schemes;

	ns_err_clear(&e);
	url = ns_otp_admin_url(mem, ctx->cfg, &e);
	if (url == NULL) {
		FAIL(NS_CAUSE_CONFIG, "admin page: %s", e.msg);
		return;
	}
	check_admin_credentials(r, ctx->cfg, url);
	/* Reachable, and what it offers, asked without credentials: a 401
	 * spends no password. */
	req.url = url;
	req.secret = true;	/* an admin page open to anyone answers with a password */
	if (ns_http_request(mem, ctx, &req, &reply, &e) != 0) {
		FAIL(e.cause, "admin page not reachable: %s", e.msg);
		return;
	}
	schemes = check_admin_reply(r, url, reply);
	if (schemes != NULL)
		check_admin_schemes(r, ctx->cfg, schemes);
	/* EPA exists only over TLS; a page open to anyone asks for no logon. */
	if (ns_url_is_https(url) && reply->status == 401)
		check_admin_epa(mem, r, ctx->cfg, schemes);
}

/* Several servers (servers.h): certmonger keeps one set of CA certificates
 * and encrypts to its RA, so every server must send the same. */
static void check_agreement(TALLOC_CTX *mem, struct report *r, const struct ns_ctx *ctx)
{
	struct ns_cacert *cc = NULL;
	struct ns_err e;

	ns_err_clear(&e);
	if (ns_servers_cacert(mem, ctx, &cc, &e) != 0)
		FAIL(e.cause, "%s", e.msg);
	else
		OK("the NDES servers that answer send the same CA and RA certificates; a "
		   "password goes only to the server that issued it");
}

static const struct ns_subopt no_options[] = { { NULL, 0, NULL } };

int ns_cmd_check(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv,
		 struct ns_err *err)
{
	struct report rep = { 0, 0, NS_CAUSE_NONE }, *r = &rep;
	struct ns_cacert *cc = NULL;
	struct ns_err e;
	int i, n, up = 0;

	if (ns_subcmd_options(argc, argv, no_options, "check takes only the global options",
			      NULL, NULL, err) != 0)
		return ns_outcome(NS_OPC_ADMIN, err);
	if (ns_config_require_url(ctx->cfg, err) != 0) {
		FAIL(err->cause, "%s", err->msg);
		return ns_outcome(NS_OPC_ADMIN, err);
	}
	n = ns_servers_count(ctx->cfg);
	for (i = 0; i < n; i++) {
		const struct ns_ctx *sc = ns_servers_ctx(mem, ctx, i);

		if (sc == NULL) {
			ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
			return ns_outcome(NS_OPC_ADMIN, err);
		}
		if (n > 1)
			printf("NDES server %d of %d: %s\n", i + 1, n, sc->cfg->url);
		if (check_server(mem, r, sc)) {
			up++;
			ns_err_clear(&e);
			if (ns_cacert_fetch(mem, sc, &cc, &e) != 0)
				FAIL(e.cause, "%s", e.msg);
			else
				check_roles(mem, r, sc, cc);
		}
		if (admin_configured(sc->cfg))
			check_admin(mem, r, sc);
	}
	if (up > 1)
		check_agreement(mem, r, ctx);
	printf("%d failure(s), %d warning(s)\n", rep.fails, rep.warns);
	if (rep.fails == 0)
		return 0;
	ns_err_set(err, rep.first, "check: %d failure(s)", rep.fails);
	return ns_outcome(NS_OPC_ADMIN, err);
}
