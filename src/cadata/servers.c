/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Several NDES servers (servers.h). */
#include <string.h>
#include <openssl/x509.h>

#include "ns.h"
#include "servers.h"
#include "x509util.h"

int ns_servers_count(const struct ns_config *cfg)
{
	if (cfg->nurls > 0)
		return cfg->nurls;
	return cfg->url != NULL ? 1 : 0;
}

const struct ns_ctx *ns_servers_ctx(TALLOC_CTX *mem, const struct ns_ctx *ctx, int i)
{
	const struct ns_config *cfg = ctx->cfg;
	struct ns_config *c;
	struct ns_ctx *out;

	if (cfg->nurls <= 1 || i <= 0 || i >= cfg->nurls)
		return i == 0 || cfg->nurls <= 1 ? ctx : NULL;
	/* A shallow copy: the strings belong to the configuration, which
	 * outlives every operation. */
	out = talloc_memdup(mem, ctx, sizeof(*ctx));
	c = talloc_memdup(out, cfg, sizeof(*cfg));
	if (out == NULL || c == NULL) {
		talloc_free(out);
		return NULL;
	}
	c->url = cfg->urls[i];
	c->admin_url = cfg->nadmin_urls > i ? cfg->admin_urls[i] : NULL;
	out->cfg = c;
	return out;
}

void ns_servers_id(const char *url, char out[17])
{
	ns_sha256_hex("ndes-submit server", url, 8, out);
}

int ns_servers_find(const struct ns_config *cfg, const char *url)
{
	int i, n = ns_servers_count(cfg);
	char id[17];

	if (url == NULL || url[0] == '\0')
		return -1;
	for (i = 0; i < n; i++) {
		const char *u = cfg->nurls > 0 ? cfg->urls[i] : cfg->url;

		ns_servers_id(u, id);
		if (strcmp(u, url) == 0 || strcmp(id, url) == 0)
			return i;
	}
	return -1;
}

bool ns_servers_down(const struct ns_err *err)
{
	switch (err->cause) {
	case NS_CAUSE_HTTP_CONNECT:
	case NS_CAUSE_HTTP_DNS:
	case NS_CAUSE_HTTP_TIMEOUT:
	case NS_CAUSE_HTTP_CLOSED:
	case NS_CAUSE_HTTP_TRUNCATED:
	case NS_CAUSE_HTTP_5XX:
	case NS_CAUSE_OTP_SERVER:
		return true;
	default:		/* NS_CAUSE_RA_EXPIRED: every server shares them */
		return false;
	}
}

/* Is every certificate of a among b's? (DER equality) */
static bool subset(STACK_OF(X509) *a, STACK_OF(X509) *b, X509 **missing)
{
	int i, j;

	for (i = 0; i < sk_X509_num(a); i++) {
		X509 *c = sk_X509_value(a, i);
		bool found = false;

		for (j = 0; j < sk_X509_num(b) && !found; j++)
			found = X509_cmp(c, sk_X509_value(b, j)) == 0;
		if (!found) {
			*missing = c;
			return false;
		}
	}
	return true;
}

/* The first server that answered is the reference; other is the one that
 * differs from it. */
static int disagree(TALLOC_CTX *mem, const struct ns_cacert *first, const struct ns_cacert *other,
		    const char *first_url, const char *other_url, struct ns_err *err)
{
	X509 *m = NULL;
	bool lacks = !subset(first->certs, other->certs, &m);

	if (!lacks)
		subset(other->certs, first->certs, &m);
	return ns_err_set(err, NS_CAUSE_CA_CERTS, "the NDES servers send different CA "
			  "certificates: %s %s \"%s\", unlike %s; certmonger keeps one set per CA "
			  "and encrypts each request to its RA certificate, so every server in url "
			  "needs the same RA certificates (export them with their keys from one NDES "
			  "server to the others) and the same CA, or a CA of its own in certmonger",
			  other_url, lacks ? "lacks" : "sends",
			  m != NULL ? ns_name_str(mem, X509_get_subject_name(m)) : "?", first_url);
}

int ns_servers_cacert(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_cacert **out,
		      struct ns_err *err)
{
	int i, n = ns_servers_count(ctx->cfg), got = -1;
	struct ns_cacert *first = NULL, *cc;
	struct ns_err e, down;

	if (n == 0)
		return ns_config_require_url(ctx->cfg, err);
	ns_err_clear(&down);
	for (i = 0; i < n; i++) {
		const struct ns_ctx *sc = ns_servers_ctx(mem, ctx, i);

		if (sc == NULL)
			return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		ns_err_clear(&e);
		if (ns_cacert_fetch(mem, sc, &cc, &e) != 0) {
			if (n > 1 && ns_servers_down(&e)) {
				ns_log(ctx, NS_LOG_WARN, "NDES server %s is skipped: %s", sc->cfg->url,
				       e.msg);
				if (down.cause == NS_CAUSE_NONE)
					down = e;
				continue;
			}
			*err = e;
			return -1;
		}
		if (first == NULL) {
			first = cc;
			got = i;
			continue;
		}
		if (!subset(first->certs, cc->certs, &(X509 *){ NULL }) ||
		    !subset(cc->certs, first->certs, &(X509 *){ NULL }))
			return disagree(mem, first, cc, ns_servers_ctx(mem, ctx, got)->cfg->url,
					sc->cfg->url, err);
		talloc_free(cc);
	}
	if (first == NULL) {
		*err = down;
		return -1;
	}
	if (n > 1)
		ns_log(ctx, NS_LOG_INFO, "GetCACert: the answering NDES servers agree (from %s)",
		       first->url);
	*out = first;
	return 0;
}

int ns_servers_first(TALLOC_CTX *mem, const struct ns_ctx *ctx, const int *list, int n,
		     ns_servers_try_fn *try, void *arg, int *used, struct ns_err *err)
{
	int k, i = 0;
	const struct ns_ctx *sc;

	if (list == NULL)
		n = ns_servers_count(ctx->cfg);
	for (k = 0; k < n; k++) {
		i = list != NULL ? list[k] : k;
		if ((sc = ns_servers_ctx(mem, ctx, i)) == NULL)
			return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		ns_err_clear(err);
		if (try(mem, sc, i, arg, err) == 0) {
			if (used != NULL)
				*used = i;
			return 0;
		}
		if (k + 1 == n || !ns_servers_down(err))
			return -1;
		ns_log(ctx, NS_LOG_WARN, "NDES server %s is skipped: %s; trying %s", sc->cfg->url,
		       err->msg, ctx->cfg->urls[list != NULL ? list[k + 1] : k + 1]);
	}
	return ns_config_require_url(ctx->cfg, err);	/* no server at all */
}

static int try_otp(TALLOC_CTX *mem, const struct ns_ctx *sc, int i, void *arg,
		   struct ns_err *err)
{
	(void)i;
	return ns_otp_fetch(mem, sc, arg, err);
}

int ns_servers_otp(TALLOC_CTX *mem, const struct ns_ctx *ctx, int skip, struct ns_otp **out,
		   int *server, struct ns_err *err)
{
	/* admin-url alone (no url) is one server too */
	int list[NS_MAX_SERVERS], i, n = 0, all = ns_servers_count(ctx->cfg) > 1 ? ctx->cfg->nurls : 1;

	for (i = 0; i < all; i++)
		if (i != skip || all == 1)
			list[n++] = i;
	return ns_servers_first(mem, ctx, list, n, try_otp, out, server, err);
}
