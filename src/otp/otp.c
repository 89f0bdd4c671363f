/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fetching a one-time password from mscep_admin (ndes.md "One-time
 * passwords"): IIS Windows authentication (NTLM or Negotiate) through
 * libcurl, then the page decides, since NDES reports its failures as
 * HTTP 200 pages. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <openssl/x509v3.h>

#include "adminpage.h"
#include "chanbind.h"
#include "ns.h"
#include "file.h"
#include "otp.h"
#include "url.h"
#include "x509util.h"

#define OTP_MAX_SECRET 4096
#define OTP_PAGE_TEXT_MAX 300

char *ns_otp_admin_url(TALLOC_CTX *mem, const struct ns_config *cfg, struct ns_err *err)
{
	TALLOC_CTX *tmp;
	struct ns_url u;
	const char *port;
	char *out = NULL;

	if (cfg->admin_url != NULL)
		return talloc_strdup(mem, cfg->admin_url);
	if (cfg->url == NULL) {
		ns_err_set(err, NS_CAUSE_CONFIG,
			   "no admin page URL: set admin-url (https://HOST/certsrv/mscep_admin/) "
			   "or url, from which it is derived");
		return NULL;
	}
	tmp = talloc_new(NULL);
	if (tmp == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		return NULL;
	}
	if (ns_url_split(tmp, cfg->url, &u) != 0) {
		ns_err_set(err, NS_CAUSE_CONFIG, "cannot derive the admin page URL from url %s: "
			   "set admin-url", cfg->url);
		goto out;
	}
	/* An explicit port only carries over when it already speaks TLS. */
	port = strcmp(u.scheme, "https") == 0 ? u.port : NULL;
	out = talloc_asprintf(mem, "https://%s%s%s/certsrv/mscep_admin/", u.host,
			      port != NULL ? ":" : "", port != NULL ? port : "");
	if (out == NULL)
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
out:
	talloc_free(tmp);
	return out;
}

/* Why ns_file_read refused a secret file (errno), or its mode. */
static int secret_refused(const char *path, const char *what, const struct stat *st,
			  struct ns_err *err)
{
	int e = errno;

	if (S_ISREG(st->st_mode) && (st->st_mode & 077) != 0)
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "%s %s has mode %04o: group or others may access it; refusing "
				  "to use it (fix: chmod 600 %s)", what, path,
				  (unsigned)(st->st_mode & 07777), path);
	if (e == EISDIR || e == EINVAL)
		return ns_err_set(err, NS_CAUSE_CONFIG, "%s %s is not a regular file", what, path);
	if (e == EFBIG)
		return ns_err_set(err, NS_CAUSE_CONFIG, "%s %s is larger than %d bytes: not a "
				  "password", what, path, OTP_MAX_SECRET);
	if (e == ENOMEM)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	return ns_err_set(err, NS_CAUSE_CONFIG, "cannot read %s %s: %s", what, path, strerror(e));
}

int ns_otp_read_secret(TALLOC_CTX *mem, const char *path, const char *what, char **out,
		       struct ns_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	if (ns_file_read(mem, path, OTP_MAX_SECRET, NS_FILE_SECRET, &buf, &n, &st) != 0 ||
	    (st.st_mode & 077) != 0) {
		secret_refused(path, what, &st, err);
		talloc_free(buf);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL || strpbrk(buf, "\r\n") != NULL) {
		talloc_free(buf);
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "%s %s must hold the password alone on one line", what, path);
	}
	if (n == 0) {
		talloc_free(buf);
		return ns_err_set(err, NS_CAUSE_CONFIG, "%s %s is empty", what, path);
	}
	*out = buf;
	return 0;
}

int ns_otp_auth(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *admin_url,
		struct ns_http_auth **out, struct ns_err *err)
{
	const struct ns_config *cfg = ctx->cfg;
	struct ns_http_auth *a = talloc_zero(mem, struct ns_http_auth);
	char *pw = NULL;
	bool kerberos_set = cfg->keytab != NULL || cfg->ccache != NULL;

	*out = NULL;
	if (a == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	a->auth = cfg->auth;

	if (ns_http_auth_allowed(cfg->auth, admin_url, err) != 0)
		return -1;
	if ((cfg->auth == NS_AUTH_NTLM || cfg->auth == NS_AUTH_BASIC ||
	     cfg->auth == NS_AUTH_NTLM_GSSAPI) &&
	    (cfg->user == NULL || cfg->password_file == NULL))
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "auth = %s needs user (DOMAIN\\name or name@domain) and password-file",
				  ns_auth_name(cfg->auth));
	if (cfg->auth == NS_AUTH_NEGOTIATE || cfg->auth == NS_AUTH_ANY) {
		if (ns_otp_krb_setup(cfg, err) != 0)
			return -1;
	}
	if (cfg->auth == NS_AUTH_NEGOTIATE) {
		/* libcurl's Negotiate uses the Kerberos credentials, not a password. */
		if (cfg->password_file != NULL)
			ns_log(ctx, NS_LOG_INFO, "auth = negotiate: password-file is not used "
			       "(Kerberos credentials come from the ccache or keytab)");
		*out = a;
		return 0;
	}
	if (cfg->auth == NS_AUTH_NTLM_GSSAPI) {
		char *so;

		/* The password goes to gss-ntlmssp, not to libcurl. */
		if (ns_otp_ntlmssp_require(a, &so, err) != 0 ||
		    ns_otp_read_secret(a, cfg->password_file, "password file", &pw, err) != 0 ||
		    ns_otp_ntlmssp_setup(a, cfg->user, pw, err) != 0)
			return -1;
		talloc_free(pw);
		a->gss_user = talloc_strdup(a, cfg->user);
		if (!ns_url_is_https(admin_url))
			ns_log(ctx, NS_LOG_WARN, "warning: the admin page URL %s is plain http: "
			       "the NTLM exchange can be captured and the password attacked "
			       "offline or relayed; use https", admin_url);
		*out = a;
		return 0;
	}
	if (cfg->user != NULL && cfg->password_file != NULL) {
		if (ns_otp_read_secret(a, cfg->password_file, "password file", &pw, err) != 0)
			return -1;
		a->user = talloc_strdup(a, cfg->user);
		a->password = pw;
		/* "any" with a password and no Kerberos settings: NTLM. libcurl
		 * prefers Negotiate when offered and does not fall back to NTLM
		 * when no ticket can be had, so do not offer it without one. */
		if (cfg->auth == NS_AUTH_ANY && !kerberos_set)
			a->auth = NS_AUTH_NTLM;
	} else if (cfg->auth == NS_AUTH_ANY) {
		if (cfg->user != NULL)
			ns_log(ctx, NS_LOG_WARN, "user is set but password-file is not: "
			       "trying Kerberos (Negotiate) only");
		a->auth = NS_AUTH_NEGOTIATE;
	}
	if (!ns_url_is_https(admin_url) && a->password != NULL)
		ns_log(ctx, NS_LOG_WARN,
		       "warning: the admin page URL %s is plain http: the NTLM exchange can be "
		       "captured and the password attacked offline or relayed; use https", admin_url);
	*out = a;
	return 0;
}

/* Runs of 8 or more hex digits become "[hex]": a page we could not read may
 * still hold a password, and this text ends up in certmonger's log. */
static char *mask_hex(TALLOC_CTX *mem, const char *text)
{
	char *s = talloc_strdup(mem, "");
	size_t i = 0, j;

	while (s != NULL && text[i] != '\0') {
		for (j = i; isxdigit((unsigned char)text[j]); j++)
			;
		if (j - i >= 8) {
			s = talloc_strdup_append(s, "[hex]");
			i = j;
		} else if (j > i) {
			s = talloc_strndup_append(s, text + i, j - i);
			i = j;
		} else {
			s = talloc_strndup_append(s, text + i, 1);
			i++;
		}
	}
	return s;
}

static char *page_text(TALLOC_CTX *mem, const struct ns_http_reply *reply)
{
	struct ns_adminpage *page = NULL;
	char *t;

	if (reply->len == 0 || ns_adminpage_parse(mem, reply->body, reply->len, &page) != 0)
		return talloc_strdup(mem, "(empty page)");
	t = mask_hex(mem, page->text);
	if (t == NULL || t[0] == '\0')
		return talloc_strdup(mem, "(no text)");
	return ns_adminpage_truncate(mem, t, OTP_PAGE_TEXT_MAX);
}

bool ns_otp_offers(const char *schemes, const char *scheme)
{
	size_t n = strlen(scheme);
	const char *p = schemes;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, scheme, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/* The scheme libcurl answered the server's offer with: "any" is libcurl's
 * choice, Negotiate above NTLM when offered and built in, no fallback. */
static enum ns_auth tried_scheme(const struct ns_http_auth *auth, const struct ns_cb_curl *cv,
				 const char *offered)
{
	if (auth->auth != NS_AUTH_ANY)
		return auth->auth;
	if (cv->spnego && ns_otp_offers(offered, "Negotiate"))
		return NS_AUTH_NEGOTIATE;
	return NS_AUTH_NTLM;
}

/* HTTP 401. IIS refuses a missing channel binding under Extended
 * Protection "Required" with the same 401 as a wrong password, so over
 * https say when EPA may be the cause and what works instead. */
static void explain_401(TALLOC_CTX *tmp, const struct ns_http_reply *reply,
			const struct ns_http_auth *auth, bool https, const struct ns_cb_curl *cv,
			struct ns_err *err)
{
	const char *offered = reply->www_authenticate;
	enum ns_auth used = auth != NULL ? tried_scheme(auth, cv, offered) : NS_AUTH_ANY;
	const char *who = auth == NULL ? NULL : auth->user != NULL ? auth->user : auth->gss_user;
	bool user = who != NULL;
	const char *how, *epa = "";
	enum ns_cb_why why;

	how = auth == NULL ? "no credentials" :
		used == NS_AUTH_NEGOTIATE ? "Kerberos (Negotiate): check the ticket with klist, "
					    "the ccache or keytab setting, and that the URL uses the "
					    "server's DNS name (HTTP/NAME principal)" :
		used == NS_AUTH_BASIC ? "Basic" :
		used == NS_AUTH_NTLM_GSSAPI ? "NTLM through GSS-API (gss-ntlmssp inside Negotiate)" :
		"NTLM";
	/* NTLM only counts once the server offered it: then libcurl went
	 * through the whole handshake and IIS still said no. */
	if (auth != NULL && https && ns_cb_judge(cv, used, https, &why) == NS_CB_NO &&
	    (used != NS_AUTH_NTLM || ns_otp_offers(offered, "NTLM")))
		epa = talloc_asprintf(tmp, " %s IIS has Extended Protection set to Required on "
				      "mscep_admin, which refuses with this same 401: %s. Works "
				      "there instead: %s",
				      used == NS_AUTH_NTLM || used == NS_AUTH_NTLM_GSSAPI ?
				      "Either user or password-file is wrong, or" :
				      "Or", ns_cb_reason(tmp, cv, why), ns_cb_instead(tmp, cv));
	ns_err_set(err, NS_CAUSE_OTP_CREDENTIALS,
		   "admin page: wrong credentials (HTTP 401) for %s%s%s, tried %s; the server "
		   "offers: %s.%s", user ? "user \"" : "the current Kerberos identity",
		   user ? who : "", user ? "\"" : "", how,
		   offered != NULL ? offered : "no WWW-Authenticate scheme",
		   epa != NULL && epa[0] != '\0' ? epa :
		   user && used != NS_AUTH_NEGOTIATE ? " Check user and password-file." : "");
}

/* A reply other than HTTP 200: what it means (-1, err set); 0 for 200. */
static int judge_status(TALLOC_CTX *tmp, const struct ns_http_reply *reply,
			const struct ns_http_auth *auth, bool https, const struct ns_cb_curl *cv,
			struct ns_err *err)
{
	if (reply->status == 401) {
		explain_401(tmp, reply, auth, https, cv, err);
		return -1;
	}
	if (reply->status == 403) {
		ns_err_set(err, NS_CAUSE_OTP_PERMISSION,
			   "admin page: access forbidden (HTTP 403): the account may lack Enroll "
			   "permission on the NDES templates, or IIS requires TLS/client "
			   "certificates: %s", page_text(tmp, reply));
		return -1;
	}
	if (reply->status == 404) {
		ns_err_set(err, NS_CAUSE_OTP_DISABLED,
			   "admin page not found (HTTP 404): mscep_admin is disabled on this server "
			   "(hardened NDES, or Intune mode where challenges come from Intune); "
			   "check admin-url");
		return -1;
	}
	if (reply->status == 500) {
		ns_err_set(err, NS_CAUSE_OTP_SERVER,
			   "admin page: server error (HTTP 500): NDES cannot decrypt its stored "
			   "password (see NDES events 2 and 49 in the server's Application log; "
			   "re-run the NDES configuration or fix the service account's rights)");
		return -1;
	}
	if (reply->status >= 500 && reply->status <= 599) {
		ns_err_set(err, NS_CAUSE_OTP_SERVER, "admin page: server error (HTTP %ld): %s",
			   reply->status, page_text(tmp, reply));
		return -1;
	}
	if (reply->status != 200) {
		ns_err_set(err, NS_CAUSE_OTP_NO_PASSWORD, "admin page: unexpected HTTP status %ld: %s",
			   reply->status, page_text(tmp, reply));
		return -1;
	}
	return 0;
}

/* An HTTP 200 page: 0 when it holds a password, else -1 with what it says. */
static int judge_page(TALLOC_CTX *tmp, const struct ns_http_reply *reply,
		      const struct ns_adminpage *page, const struct ns_http_auth *auth,
		      struct ns_err *err)
{
	switch (page->kind) {
	case NS_ADMINPAGE_PASSWORD:
		return 0;
	case NS_ADMINPAGE_CACHE_FULL:
		ns_err_set(err, NS_CAUSE_OTP_CACHE_FULL,
			   "admin page: the password cache is full: NDES keeps at most 5 unused "
			   "passwords (PasswordMax), each valid 60 minutes by default "
			   "(PasswordValidity); use one of them or wait until one expires");
		return -1;
	case NS_ADMINPAGE_NO_PERMISSION:
		ns_err_set(err, NS_CAUSE_OTP_PERMISSION,
			   "admin page: no permission: the account%s%s has no Enroll permission on "
			   "the NDES certificate templates (or is not in the CA's enroll rights)",
			   auth != NULL && auth->user != NULL ? " " : "",
			   auth != NULL && auth->user != NULL ? auth->user : "");
		return -1;
	default:
		ns_err_set(err, NS_CAUSE_OTP_NO_PASSWORD, "admin page: no password found on the page: %s",
			   page_text(tmp, reply));
		return -1;
	}
}

int ns_otp_judge(TALLOC_CTX *mem, const struct ns_http_reply *reply, const struct ns_http_auth *auth,
		 struct ns_otp **out, struct ns_err *err)
{
	return ns_otp_judge_at(mem, reply, auth, false, NULL, out, err);
}

int ns_otp_judge_at(TALLOC_CTX *mem, const struct ns_http_reply *reply,
		    const struct ns_http_auth *auth, bool https, const struct ns_cb_curl *curl,
		    struct ns_otp **out, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	struct ns_adminpage *page = NULL;
	struct ns_cb_curl running;
	struct ns_otp *otp;
	int rc = -1;

	*out = NULL;
	if (curl == NULL) {
		ns_cb_curl_running(&running);
		curl = &running;
	}
	if (judge_status(tmp, reply, auth, https, curl, err) != 0)
		goto out;
	if (ns_adminpage_parse(tmp, reply->body, reply->len, &page) != 0) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	if (judge_page(tmp, reply, page, auth, err) != 0)
		goto out;
	otp = talloc_zero(mem, struct ns_otp);
	if (otp == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	otp->password = talloc_steal(otp, page->password);
	ns_secret(otp->password);
	otp->thumbprint = talloc_steal(otp, page->thumbprint);
	*out = otp;
	rc = 0;
out:
	talloc_free(tmp);
	return rc;
}

int ns_otp_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_otp **out,
		 struct ns_err *err)
{
	struct ns_http_request req = { 0 };
	TALLOC_CTX *tmp = talloc_new(mem);
	struct ns_http_auth *auth = NULL;
	struct ns_http_reply *reply = NULL;
	char *url;
	int rc = -1;

	*out = NULL;
	url = ns_otp_admin_url(tmp, ctx->cfg, err);
	if (url == NULL)
		goto out;
	if (ns_otp_auth(tmp, ctx, url, &auth, err) != 0)
		goto out;
	ns_log(ctx, NS_LOG_INFO, "fetching a one-time password from %s (auth %s%s%s)", url,
	       ns_auth_name(auth->auth), auth->user != NULL ? ", user " : "",
	       auth->user != NULL ? auth->user : "");
	req.url = url;
	req.auth = auth;
	req.secret = true;	/* the page holds the password */
	if (ns_http_request(tmp, ctx, &req, &reply, err) != 0)
		goto out;
	if (ns_otp_judge_at(tmp, reply, auth, ns_url_is_https(url), NULL, out, err) != 0)
		goto out;
	(*out)->admin_url = talloc_steal(*out, url);
	talloc_steal(mem, *out);
	rc = 0;
out:
	talloc_free(tmp);
	return rc;
}

/* "a656fa66 AB12B433..." -> "A656FA66AB12B433..." */
static void hex_only(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < size; s++)
		if (isxdigit((unsigned char)*s))
			dst[n++] = (char)toupper((unsigned char)*s);
	dst[n] = '\0';
}

bool ns_otp_thumbprint_matches(TALLOC_CTX *mem, const char *thumbprint, STACK_OF(X509) *certs,
			       char **desc)
{
	char want[64], have[64];
	bool match = false;
	int i;

	*desc = talloc_strdup(mem, "");
	hex_only(want, sizeof(want), thumbprint);
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		char *tp = ns_cert_ndes_thumbprint(mem, c);

		if (tp == NULL)
			continue;
		hex_only(have, sizeof(have), tp);
		if (strcmp(want, have) == 0)
			match = true;
		if (X509_check_ca(c) != 0 && *desc != NULL)
			*desc = talloc_asprintf_append(*desc, "%s%s: MD5 %s", (*desc)[0] ? "; " : "",
						       ns_name_str(mem, X509_get_subject_name(c)), tp);
	}
	return match;
}
