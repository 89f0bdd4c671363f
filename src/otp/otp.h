/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One-time challenge passwords from NDES' admin page (mscep_admin): where
 * the page is, how we authenticate, reading the admin's password file, and
 * what each answer means. Used by "ndes-submit otp" (cmd_otp.c) and the
 * automatic mode (autopw.c). Implemented in otp.c and otp_krb.c. */
#ifndef NS_OTP_H
#define NS_OTP_H

#include <stdbool.h>
#include <talloc.h>
#include <openssl/x509.h>

#include "settings.h"
#include "err.h"
#include "http.h"

struct ns_ctx;
struct ns_cb_curl;

struct ns_otp {
	char *password;		/* secret: never log it */
	char *thumbprint;	/* the CA's MD5 as the page shows it, or NULL */
	char *admin_url;	/* where it came from */
};

/* The admin page URL: admin-url, else derived from url: https, the same
 * host (and port when url is https), path /certsrv/mscep_admin/ (the
 * trailing slash matters: IIS answers 301 without it). */
char *ns_otp_admin_url(TALLOC_CTX *mem, const struct ns_config *cfg, struct ns_err *err);

/* Reads a secret from path: refused unless a regular file with no group or
 * other permissions (the message says which mode and "chmod 600"); one
 * trailing newline (LF or CRLF) is stripped; empty, NUL bytes or more than
 * one line are refused. The buffer is wiped when freed. */
int ns_otp_read_secret(TALLOC_CTX *mem, const char *path, const char *what, char **out,
		       struct ns_err *err);

/* Builds the credentials for the admin page from the configuration (auth,
 * user, password-file) and prepares Kerberos (ns_otp_krb_setup). Refuses
 * Basic without TLS and NTLM/Basic without user and password file; warns
 * on stderr when NTLM may be sent over plain http. */
int ns_otp_auth(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *admin_url,
		struct ns_http_auth **out, struct ns_err *err);

/* Kerberos for libcurl's Negotiate (otp_krb.c): ccache -> KRB5CCNAME;
 * keytab -> KRB5_CLIENT_KTNAME (MIT krb5 then gets initial credentials by
 * itself), with a private MEMORY: ccache unless one is configured. Changes
 * this process' environment only. */
int ns_otp_krb_setup(const struct ns_config *cfg, struct ns_err *err);

/* NTLM through GSS-API for libcurl's Negotiate (otp_ntlmssp.c, auth =
 * ntlm-gssapi): writes gss-ntlmssp's credential line for user and password
 * to an in-memory file of this process, points NTLM_USER_FILE at it and
 * Kerberos at empty caches (so SPNEGO picks NTLM). The file lives as long as
 * owner (a talloc child with a destructor). A password with ':' is refused:
 * gss-ntlmssp's format cannot hold it. */
int ns_otp_ntlmssp_setup(TALLOC_CTX *owner, const char *user, const char *password,
			 struct ns_err *err);

/* The credential line, "DOMAIN:name:password\n" for DOMAIN\name and
 * ":name@domain:password\n" for a UPN (exposed for tests). */
int ns_otp_ntlmssp_line(TALLOC_CTX *mem, const char *user, const char *password, char **out,
			struct ns_err *err);

/* The gss-ntlmssp module MIT's mechglue would load from the configuration
 * under gss_dir (normally /etc/gss), NULL when none is registered. */
char *ns_otp_ntlmssp_module(TALLOC_CTX *mem, const char *gss_dir);
#define NS_GSS_CONFIG_DIR "/etc/gss"
/* Why ntlm-gssapi cannot work here, after "auth[ =] ntlm-gssapi ". */
#define NS_OTP_NTLMSSP_MISSING "needs gss-ntlmssp, the NTLM mechanism for GSS-API: none is " \
	"registered under " NS_GSS_CONFIG_DIR "/mech.d (install the gss-ntlmssp package)"

/* auth = ntlm-gssapi's prerequisite: 0 with *module the registered
 * gss-ntlmssp (NULL when GSS_MECH_CONFIG points MIT elsewhere, which is
 * trusted), -1 with a CONFIG error naming the package when none is. */
int ns_otp_ntlmssp_require(TALLOC_CTX *mem, char **module, struct ns_err *err);

/* Judges an admin page reply (exposed for tests). Failures: the admin
 * page's answers are NS_CAUSE_OTP_*; "ndes-submit otp" gives each its own
 * exit code (outcome.c). */
int ns_otp_judge(TALLOC_CTX *mem, const struct ns_http_reply *reply, const struct ns_http_auth *auth,
		 struct ns_otp **out, struct ns_err *err);

/* ns_otp_judge for a page asked over https or not: over https a 401 also
 * says whether IIS Extended Protection "Required" may be the cause (when
 * the scheme libcurl used sends no channel binding) and what works there
 * instead (chanbind.h), for the libcurl curl describes (NULL: this one). */
int ns_otp_judge_at(TALLOC_CTX *mem, const struct ns_http_reply *reply,
		    const struct ns_http_auth *auth, bool https, const struct ns_cb_curl *curl,
		    struct ns_otp **out, struct ns_err *err);

/* Is scheme ("NTLM") in a 401's scheme list ("Negotiate, NTLM"), any case? */
bool ns_otp_offers(const char *schemes, const char *scheme);

/* Fetches one password: one GET of the admin page (each takes one of NDES'
 * cache slots for up to an hour: never call it speculatively). */
int ns_otp_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_otp **out,
		 struct ns_err *err);

/* Does thumbprint ("A656FA66 AB12...", any case/spacing) equal the MD5 of
 * one of certs? *desc gets "CN=...: MD5 ..." of the CA certificates among
 * them, for a warning. */
bool ns_otp_thumbprint_matches(TALLOC_CTX *mem, const char *thumbprint, STACK_OF(X509) *certs,
			       char **desc);

#endif
