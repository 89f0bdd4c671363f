/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GetCACert through http.c, x509util.c and roles.c. */
#include <string.h>
#include <time.h>
#include <openssl/x509.h>

#include "cacert.h"
#include "ns.h"
#include "x509util.h"

static int cacert_destructor(struct ns_cacert *c)
{
	sk_X509_pop_free(c->certs, X509_free);
	return 0;
}

/* What an HTTP error on GetCACert usually means with NDES behind IIS. */
static const char *status_hint(long status)
{
	if (status == 404)
		return ": is the URL right? NDES answers at /certsrv/mscep/mscep.dll";
	if (status == 401 || status == 403 || status == 407)
		return ": NDES' SCEP endpoint is anonymous, so IIS authentication or a proxy is in the way";
	if (status >= 500)
		return ": NDES or IIS is failing (see the NDES server's Application event log)";
	return "";
}

/* Content types lie (ndes.md): ns_certs_parse tries every shape. */
static int parse(struct ns_cacert *c, const unsigned char *data, size_t len, struct ns_err *err)
{
	if (ns_certs_parse(data, len, &c->certs, err) != 0)
		return -1;
	return ns_roles_assign(c, c->certs, &c->roles, err);
}

int ns_cacert_fetch(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cacert **out,
		    struct ns_err *err)
{
	struct ns_http_request req = { 0 };
	struct ns_cacert *c;

	*out = NULL;
	if (ns_config_require_url(ctx->cfg, err) != 0)
		return -1;
	c = talloc_zero(mem, struct ns_cacert);
	if (c == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	talloc_set_destructor(c, cacert_destructor);
	/* "message" is the CA identifier; NDES ignores it but logs its absence. */
	c->url = ns_scep_url(c, ctx->cfg->url, "GetCACert", "0");
	if (c->url == NULL) {
		talloc_free(c);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	req.url = c->url;
	if (ns_http_request(c, ctx, &req, &c->reply, err) != 0) {
		talloc_free(c);
		return -1;
	}
	if (c->reply->status != 200) {
		ns_err_set(err, c->reply->status >= 500 ? NS_CAUSE_HTTP_5XX : NS_CAUSE_SERVER_DATA,
			   "GetCACert: the server answered HTTP %ld (%s)%s",
			   c->reply->status, ctx->cfg->url, status_hint(c->reply->status));
		talloc_free(c);
		return -1;
	}
	ns_log(ctx, NS_LOG_DEBUG, "GetCACert: %zu bytes of %s", c->reply->len,
	       c->reply->content_type != NULL ? c->reply->content_type : "no content type");
	if (parse(c, c->reply->body, c->reply->len, err) != 0) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		ns_err_set(err, NS_CAUSE_SERVER_DATA, "GetCACert (%s): %s", ctx->cfg->url, msg);
		talloc_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int ns_cacert_from_data(TALLOC_CTX *mem, const char *label, const unsigned char *data,
			size_t len, struct ns_cacert **out, struct ns_err *err)
{
	struct ns_cacert *c = talloc_zero(mem, struct ns_cacert);

	*out = NULL;
	if (c == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	talloc_set_destructor(c, cacert_destructor);
	c->url = talloc_strdup(c, label);
	if (parse(c, data, len, err) != 0) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		ns_err_set(err, NS_CAUSE_SERVER_DATA, "%s: %s", label, msg);
		talloc_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int warn_one(const struct ns_ctx *ctx, X509 *cert, enum ns_role role, time_t now)
{
	enum ns_role_validity state;
	struct ns_err e;
	char *msg = NULL;
	int n = 0;

	if (ns_role_validity(NULL, cert, role, now, 0, NS_ROLE_FORM_LOG, &state, &msg, &e) == 0 &&
	    (state == NS_ROLE_EXPIRED || state == NS_ROLE_NOT_YET_VALID)) {
		ns_log(ctx, NS_LOG_WARN, "%s", msg);
		n = 1;
	}
	talloc_free(msg);
	return n;
}

int ns_cacert_warn_validity(const struct ns_ctx *ctx, const struct ns_roles *roles, time_t now)
{
	int n = 0;

	if (roles == NULL)
		return 0;
	if (!roles->ca_only) {
		n += warn_one(ctx, roles->encrypt, NS_ROLE_ENCRYPT_RA, now);
		if (X509_cmp(roles->sign, roles->encrypt) != 0 && X509_cmp(roles->sign, roles->ca) != 0)
			n += warn_one(ctx, roles->sign, NS_ROLE_SIGN_RA, now);
	}
	n += warn_one(ctx, roles->ca, NS_ROLE_CA, now);
	return n;
}
