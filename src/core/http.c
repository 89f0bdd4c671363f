/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTP(S) through libcurl. The one place that applies TLS trust, timeouts,
 * proxies (libcurl reads http_proxy/https_proxy/no_proxy itself: nothing here
 * may disable that) and authentication, and that turns libcurl's failures
 * into messages an admin can act on. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/x509_vfy.h>

#include "file.h"
#include "http.h"
#include "url.h"
#include "ns.h"

struct sink {
	TALLOC_CTX *mem;
	unsigned char *buf;
	size_t len, cap;
	bool too_large;
	bool secret;		/* wipe the body when freed (ns_secret), also on growth */
	char *www_auth;		/* schemes of the current response's WWW-Authenticate */
};

/* A secret body is never realloc()ed: the old block would be freed unwiped. */
static int grow(struct sink *s, size_t want)
{
	unsigned char *nb;

	if (!s->secret) {
		nb = talloc_realloc_size(s->mem, s->buf, want);
	} else if ((nb = ns_secret(talloc_size(s->mem, want))) != NULL && s->buf != NULL) {
		memcpy(nb, s->buf, s->len);
		talloc_free(s->buf);
	}
	if (nb == NULL)
		return -1;
	s->buf = nb;
	s->cap = want;
	return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb, want;

	if (n == 0)
		return 0;
	if (s->len + n > NS_HTTP_MAX_BODY) {
		s->too_large = true;
		return 0;	/* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		want = s->cap == 0 ? 16384 : s->cap;
		while (want < s->len + n + 1)
			want *= 2;
		if (grow(s, want) != 0)
			return 0;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* Keeps only the final response's WWW-Authenticate schemes and body: auth
 * handshakes and redirects go through several responses. */
static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nitems, i, start;
	const char *name = "www-authenticate:";
	size_t nlen = strlen(name);

	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		TALLOC_FREE(s->www_auth);
		s->len = 0;
		return n;
	}
	if (n > nlen && strncasecmp(buf, name, nlen) == 0) {
		for (i = nlen; i < n && (buf[i] == ' ' || buf[i] == '\t'); i++)
			;
		start = i;
		while (i < n && !isspace((unsigned char)buf[i]) && buf[i] != ',')
			i++;
		if (i > start) {
			if (s->www_auth == NULL)
				s->www_auth = talloc_strndup(s->mem, buf + start, i - start);
			else
				s->www_auth = talloc_asprintf_append(s->www_auth, ", %.*s",
								     (int)(i - start), buf + start);
		}
	}
	return n;
}

/* "host:port" of url for messages ("?" when it cannot be parsed). */
static char *host_port(TALLOC_CTX *mem, const char *url)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_url u;
	char *out = NULL;

	if (tmp != NULL && ns_url_split(tmp, url, &u) == 0)
		out = talloc_asprintf(mem, "%s:%s", u.host, ns_url_port_or_default(&u));
	talloc_free(tmp);
	return out != NULL ? out : talloc_strdup(mem, "?");
}

static char *clean_content_type(TALLOC_CTX *mem, const char *ct)
{
	char *s, *p;

	if (ct == NULL)
		return NULL;
	s = talloc_strdup(mem, ct);
	if (s == NULL)
		return NULL;
	if ((p = strchr(s, ';')) != NULL)
		*p = '\0';
	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	while (p > s && isspace((unsigned char)p[-1]))
		*--p = '\0';
	for (p = s; isspace((unsigned char)*p); p++)
		;
	return p[0] != '\0' ? talloc_strdup(mem, p) : NULL;
}

static const char *lower_first(char *buf, size_t size, const char *s)
{
	snprintf(buf, size, "%s", s);
	if (buf[0] != '\0')
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

/* Where a failed request went: "host:port" of the last URL tried. */
struct failure {
	const char *hp;		/* host:port */
	const char *detail;	/* libcurl's words */
	const struct ns_config *cfg;
};

/* No connection: name resolution, connect, timeouts. */
static int explain_connect(CURL *h, CURLcode rc, const struct failure *f, struct ns_err *err)
{
	const char *hp = f->hp, *detail = f->detail;
	long os_errno = 0, tmo = f->cfg != NULL ? f->cfg->timeout : NS_DEFAULT_TIMEOUT;
	long ctmo = f->cfg != NULL ? f->cfg->connect_timeout : NS_DEFAULT_CONNECT_TIMEOUT;
	curl_off_t connect_us = 0;
	char buf[256];

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return ns_err_set(err, NS_CAUSE_HTTP_DNS, "cannot resolve the host name of %s (%s)",
				  hp, detail);
	case CURLE_COULDNT_RESOLVE_PROXY:
		return ns_err_set(err, NS_CAUSE_HTTP_DNS,
				  "cannot resolve the proxy's host name (from the *_proxy environment variables): %s",
				  detail);
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno != 0)
			return ns_err_set(err, NS_CAUSE_HTTP_CONNECT, "cannot connect to %s (%s)", hp,
					  lower_first(buf, sizeof(buf), strerror((int)os_errno)));
		return ns_err_set(err, NS_CAUSE_HTTP_CONNECT, "cannot connect to %s (%s)", hp, detail);
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
		if (connect_us == 0) {
			return ns_err_set(err, NS_CAUSE_HTTP_CONNECT,
					  "cannot connect to %s: timed out after %ld s (connect-timeout)",
					  hp, ctmo);
		}
		return ns_err_set(err, NS_CAUSE_HTTP_TIMEOUT,
				  "no complete reply from %s: timed out after %ld s (timeout)", hp, tmo);
	default:
		return ns_err_set(err, NS_CAUSE_HTTP_CONNECT, "cannot connect to %s (%s)", hp, detail);
	}
}

/* The peer failed verification, but not its chain: the host name did not
 * match. Decided on the verification result, not on libcurl's wording: a
 * chain error is an X509_V_ERR_* about trust (18 self-signed, 20 unknown
 * issuer...); a name refused by libcurl's own check leaves 0 or 1
 * (unspecified; libcurl 7.88 with OpenSSL 3), by OpenSSL's, 62 or 64. */
static bool host_mismatch(CURL *h)
{
	long vr = -1;

	if (curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &vr) != CURLE_OK)
		return false;
	return vr == X509_V_OK || vr == X509_V_ERR_UNSPECIFIED ||
		vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH;
}

static int explain_tls(CURL *h, CURLcode rc, const struct failure *f, struct ns_err *err)
{
	const char *hp = f->hp, *detail = f->detail;
	const struct ns_config *cfg = f->cfg;

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		if (host_mismatch(h))
			return ns_err_set(err, NS_CAUSE_TLS,
					  "TLS: the certificate of %s does not match its host name (%s)",
					  hp, detail);
		if (cfg != NULL && cfg->ca_bundle != NULL)
			return ns_err_set(err, NS_CAUSE_TLS,
					  "TLS: certificate of %s not trusted by ca-bundle %s (%s)",
					  hp, cfg->ca_bundle, detail);
		return ns_err_set(err, NS_CAUSE_TLS,
				  "TLS: certificate of %s not trusted (set ca-bundle to its CA): %s",
				  hp, detail);
	case CURLE_SSL_CACERT_BADFILE:
		return ns_err_set(err, NS_CAUSE_CONFIG, "TLS: cannot use ca-bundle %s: %s",
				  cfg != NULL && cfg->ca_bundle != NULL ? cfg->ca_bundle : "(system)",
				  detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_USE_SSL_FAILED:
		return ns_err_set(err, NS_CAUSE_TLS, "TLS handshake with %s failed: %s", hp, detail);
	default:
		return ns_err_set(err, NS_CAUSE_TLS, "TLS handshake with %s failed: %s", hp, detail);
	}
}

/* Connected, but the reply did not arrive whole. */
static int explain_transfer(CURL *h, CURLcode rc, const struct failure *f, const struct sink *s,
			    struct ns_err *err)
{
	const char *hp = f->hp, *detail = f->detail;
	enum ns_cause cause;
	curl_off_t announced = -1;

	switch (rc) {
	case CURLE_GOT_NOTHING:
		return ns_err_set(err, NS_CAUSE_HTTP_CLOSED,
				  "%s closed the connection without answering", hp);
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		cause = s->len == 0 ? NS_CAUSE_HTTP_CLOSED : NS_CAUSE_HTTP_TRUNCATED;
		return ns_err_set(err, cause, "the connection to %s broke: %s", hp, detail);
	case CURLE_PARTIAL_FILE:
		curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
		if (announced >= 0)
			return ns_err_set(err, NS_CAUSE_HTTP_TRUNCATED,
					  "the reply from %s was cut short (%zu of %lld bytes)",
					  hp, s->len, (long long)announced);
		return ns_err_set(err, NS_CAUSE_HTTP_TRUNCATED, "the reply from %s was cut short (%s)",
				  hp, detail);
	case CURLE_WRITE_ERROR:
		if (s->too_large) {
			return ns_err_set(err, NS_CAUSE_TOO_LARGE,
					  "the reply from %s is larger than %d bytes: not a SCEP server?",
					  hp, NS_HTTP_MAX_BODY);
		}
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory reading the reply from %s", hp);
	default:
		return ns_err_set(err, NS_CAUSE_HTTP_OTHER, "request to %s failed: %s", hp, detail);
	}
}

/* Turns a libcurl failure into a message and its cause. */
/* A bad URL is ours, unless the server redirected us to one (e.g. ftp://:
 * the protocols are limited to http and https): then name the redirect. */
static int explain_url(CURL *h, const char *url, const char *eff, const char *detail,
		       struct ns_err *err)
{
	long code = 0;
	char *to = NULL;

	/* After a followed redirect the effective URL is the target. */
	if (eff != NULL && strcmp(eff, url) != 0)
		to = (char *)eff;
	else if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK ||
		 code < 300 || code >= 400 ||
		 curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &to) != CURLE_OK)
		to = NULL;
	if (to != NULL)
		return ns_err_set(err, NS_CAUSE_CONFIG, "the server redirected %.200s to %.200s, "
				  "which is not an http:// or https:// URL: check url and the "
				  "server's redirects", url, to);
	return ns_err_set(err, NS_CAUSE_CONFIG, "bad URL %s: %s", url, detail);
}

static int big_header(const char *hp, long code, struct ns_err *err)
{
	if (code > 0)
		return ns_err_set(err, NS_CAUSE_TOO_LARGE, "%s answered HTTP %ld with a header line "
				  "over libcurl's limit of 100 KiB: not an NDES reply", hp, code);
	return ns_err_set(err, NS_CAUSE_TOO_LARGE, "%s answered with a header line over "
			  "libcurl's limit of 100 KiB: not an NDES reply", hp);
}

static int explain(TALLOC_CTX *mem, const struct ns_config *cfg, CURL *h, CURLcode rc,
		   const char *url, const char *errbuf, const struct sink *s,
		   struct ns_err *err)
{
	struct failure f = { NULL, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), cfg };
	const char *hp, *detail = f.detail;
	char *eff = NULL;
	long code = 0;

	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK || eff == NULL)
		eff = (char *)url;
	f.hp = hp = host_port(mem, eff);
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		return explain_connect(h, rc, &f, err);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_USE_SSL_FAILED:
		return explain_tls(h, rc, &f, err);
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_WRITE_ERROR:
		return explain_transfer(h, rc, &f, s, err);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return explain_url(h, url, eff, detail, err);
	case CURLE_TOO_MANY_REDIRECTS:
		return ns_err_set(err, NS_CAUSE_HTTP_OTHER, "%s redirects in a loop", hp);
	case CURLE_OUT_OF_MEMORY:
		/* libcurl 7.x says "out of memory" for a header line over its
		 * 100 KiB limit: with a status line already read, that is it. */
		if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code > 0)
			return big_header(hp, code, err);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
#if LIBCURL_VERSION_NUM >= 0x080600
	case CURLE_TOO_LARGE:
		/* libcurl 8.6 and later name the oversized header line so. */
		if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
			code = 0;
		return big_header(hp, code, err);
#endif
	default:
		return ns_err_set(err, NS_CAUSE_HTTP_OTHER, "request to %s failed: %s", hp, detail);
	}
}

bool ns_url_is_https(const char *url)
{
	return url != NULL && strncasecmp(url, "https://", 8) == 0;
}

int ns_http_auth_allowed(enum ns_auth auth, const char *url, struct ns_err *err)
{
	/* A password in clear text: refuse outside TLS. */
	if (auth == NS_AUTH_BASIC && !ns_url_is_https(url))
		return ns_err_set(err, NS_CAUSE_CONFIG, "auth = basic needs an https:// URL: it "
				  "sends the password in clear text (got %s)", url);
	return 0;
}

/* Sets every option that must hold for every request. */
#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(h, opt, val); } while (0)

/* What every request gets: limits, protocols, TLS trust, our callbacks. */
static CURLcode setup_common(CURL *h, const struct ns_config *cfg, const char *url,
			     struct sink *s, char *errbuf)
{
	CURLcode c = CURLE_OK;
	long ctmo = cfg != NULL ? cfg->connect_timeout : NS_DEFAULT_CONNECT_TIMEOUT;
	long tmo = cfg != NULL ? cfg->timeout : NS_DEFAULT_TIMEOUT;

	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_NOPROGRESS, 1L);
	/* certmonger applies no timeout to helpers: both limits, always. */
	SET(CURLOPT_CONNECTTIMEOUT, ctmo);
	SET(CURLOPT_TIMEOUT, tmo);
	/* Only http(s), redirects included. The _STR options came in 7.85 and
	 * deprecate the bitmask ones, which older libcurl (RHEL 8's 7.61) needs. */
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_USERAGENT, NS_PROGRAM "/" NS_VERSION);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, s);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, s);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg != NULL && cfg->ca_bundle != NULL)
		SET(CURLOPT_CAINFO, cfg->ca_bundle);
	/* Keep-alive is libcurl's default; NTLM's handshake relies on it. */
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	return c;
}

/* POST with a body (no redirects), or GET (a few redirects). */
static CURLcode setup_method(CURL *h, const struct ns_http_request *req,
			     struct curl_slist **headers)
{
	CURLcode c = CURLE_OK;

	if (req->body != NULL) {
		*headers = curl_slist_append(*headers, "Expect:");
		if (req->content_type != NULL) {
			char line[256];
			snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
			*headers = curl_slist_append(*headers, line);
		}
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, (const char *)req->body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
		SET(CURLOPT_FOLLOWLOCATION, 0L);
		SET(CURLOPT_HTTPHEADER, *headers);
	} else {
		SET(CURLOPT_HTTPGET, 1L);
		/* e.g. mscep_admin without its trailing slash answers 301. */
		SET(CURLOPT_FOLLOWLOCATION, 1L);
		SET(CURLOPT_MAXREDIRS, 5L);
	}
	return c;
}

static CURLcode setup_auth(CURL *h, const struct ns_http_auth *auth)
{
	CURLcode c = CURLE_OK;
	unsigned long mask = auth->auth == NS_AUTH_NTLM ? CURLAUTH_NTLM
		: auth->auth == NS_AUTH_NEGOTIATE ? CURLAUTH_NEGOTIATE
		: auth->auth == NS_AUTH_NTLM_GSSAPI ? CURLAUTH_NEGOTIATE
		: auth->auth == NS_AUTH_BASIC ? CURLAUTH_BASIC
		: CURLAUTH_NEGOTIATE | CURLAUTH_NTLM;

	SET(CURLOPT_HTTPAUTH, mask);
	if (auth->user != NULL) {
		SET(CURLOPT_USERNAME, auth->user);
		SET(CURLOPT_PASSWORD, auth->password != NULL ? auth->password : "");
	} else {
		/* Negotiate from a ccache/keytab (or gss-ntlmssp's file): libcurl
		 * wants an empty user. */
		SET(CURLOPT_USERPWD, ":");
	}
	/* Credentials stay with the host they were meant for. */
	SET(CURLOPT_UNRESTRICTED_AUTH, 0L);
	return c;
}
#undef SET

static int setup(CURL *h, const struct ns_config *cfg, const struct ns_http_request *req,
		 struct sink *s, char *errbuf, struct curl_slist **headers, struct ns_err *err)
{
	CURLcode c;

	if (req->auth != NULL && ns_http_auth_allowed(req->auth->auth, req->url, err) != 0)
		return -1;
	c = setup_common(h, cfg, req->url, s, errbuf);
	if (c == CURLE_OK)
		c = setup_method(h, req, headers);
	if (c == CURLE_OK && req->auth != NULL)
		c = setup_auth(h, req->auth);
	if (c != CURLE_OK)
		return ns_err_set(err, NS_CAUSE_CONFIG, "cannot set up the HTTP request: %s",
				  curl_easy_strerror(c));
	return 0;
}

/* The reply of a completed transfer; the body moves from the sink. */
static struct ns_http_reply *make_reply(TALLOC_CTX *mem, CURL *h, struct sink *s)
{
	struct ns_http_reply *r = talloc_zero(mem, struct ns_http_reply);
	char *ct = NULL;

	if (r == NULL)
		return NULL;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	r->content_type = clean_content_type(r, ct);
	if (s->buf == NULL)
		s->buf = talloc_zero_size(mem, 1);	/* nothing secret in no bytes */
	r->body = talloc_steal(r, s->buf);
	r->len = s->len;
	r->www_authenticate = talloc_steal(r, s->www_auth);
	if (r->body == NULL) {
		talloc_free(r);
		return NULL;
	}
	return r;
}

int ns_http_request(TALLOC_CTX *mem, const struct ns_ctx *ctx, const struct ns_http_request *req,
		    struct ns_http_reply **reply, struct ns_err *err)
{
	const struct ns_config *cfg = ctx != NULL ? ctx->cfg : NULL;
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct ns_http_reply *r;
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE];
	struct sink s;
	CURL *h = NULL;
	CURLcode rc;
	int ret = -1;

	*reply = NULL;
	memset(&s, 0, sizeof(s));
	errbuf[0] = '\0';
	s.mem = tmp;
	s.secret = req != NULL && req->secret;
	if (tmp == NULL || req == NULL || req->url == NULL) {
		ns_err_set(err, NS_CAUSE_CONFIG, "no URL to request");
		goto out;
	}
	h = curl_easy_init();
	if (h == NULL) {
		ns_err_set(err, NS_CAUSE_HTTP_OTHER, "cannot initialise libcurl");
		goto out;
	}
	if (setup(h, cfg, req, &s, errbuf, &headers, err) != 0)
		goto out;
	ns_log(ctx, NS_LOG_DEBUG, "%s %.300s%s", req->body != NULL ? "POST" : "GET", req->url,
	       strlen(req->url) > 300 ? "..." : "");

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		explain(tmp, cfg, h, rc, req->url, errbuf, &s, err);
		ns_log(ctx, NS_LOG_DEBUG, "HTTP request failed: %s", err->msg);
		goto out;
	}

	if ((r = make_reply(tmp, h, &s)) == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	ns_log(ctx, NS_LOG_DEBUG, "HTTP %ld, %zu bytes, %s", r->status, r->len,
	       r->content_type != NULL ? r->content_type : "no content type");
	*reply = talloc_steal(mem, r);
	ret = 0;
out:
	curl_slist_free_all(headers);
	if (h != NULL)
		curl_easy_cleanup(h);
	talloc_free(tmp);
	return ret;
}

int ns_http_get(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *url,
		const struct ns_http_auth *auth, struct ns_http_reply **reply,
		struct ns_err *err)
{
	struct ns_http_request req = { .url = url, .auth = auth };

	return ns_http_request(mem, ctx, &req, reply, err);
}

int ns_http_post(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *url,
		 const char *content_type, const unsigned char *body, size_t len,
		 struct ns_http_reply **reply, struct ns_err *err)
{
	static const unsigned char empty[1] = { 0 };
	struct ns_http_request req = {
		.url = url, .content_type = content_type,
		.body = body != NULL ? body : empty, .len = body != NULL ? len : 0,
	};

	return ns_http_request(mem, ctx, &req, reply, err);
}

char *ns_url_escape(TALLOC_CTX *mem, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, j = 0;
	char *out = talloc_size(mem, 3 * n + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (isalnum(ch) && ch < 0x80) {
			out[j++] = (char)ch;
		} else if (ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			out[j++] = (char)ch;
		} else {
			out[j++] = '%';
			out[j++] = hex[ch >> 4];
			out[j++] = hex[ch & 15];
		}
	}
	out[j] = '\0';
	return out;
}

char *ns_scep_url(TALLOC_CTX *mem, const char *base, const char *op, const char *msg)
{
	const char *sep = strchr(base, '?') != NULL ? "&" : "?";
	char *url, *esc_op, *esc_msg;

	esc_op = ns_url_escape(mem, op);
	if (esc_op == NULL)
		return NULL;
	if (msg == NULL) {
		url = talloc_asprintf(mem, "%s%soperation=%s", base, sep, esc_op);
	} else {
		esc_msg = ns_url_escape(mem, msg);
		url = esc_msg == NULL ? NULL :
			talloc_asprintf(mem, "%s%soperation=%s&message=%s", base, sep, esc_op, esc_msg);
		talloc_free(esc_msg);
	}
	talloc_free(esc_op);
	return url;
}
