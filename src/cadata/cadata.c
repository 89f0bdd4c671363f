/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger's CA-data operations (certmonger-helper-protocol.md): IDENTIFY,
 * FETCH-SCEP-CA-CAPS, FETCH-SCEP-CA-CERTS, FETCH-ROOTS and the GET-* ones.
 * Exit 6 on a CA-data operation makes certmonger wipe that data and stop
 * asking, which is what we want where NDES has nothing to say. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/x509.h>

#include "cacert.h"
#include "answer.h"
#include "caps.h"
#include "file.h"
#include "ns.h"
#include "ops.h"
#include "roles.h"
#include "servers.h"
#include "x509util.h"

static int op_identify(TALLOC_CTX *mem, struct ns_answer *a)
{
	return ns_answer_output(a, talloc_asprintf(mem, NS_PROGRAM " %s\n", NS_VERSION));
}

/* Only asked when AES is offered: one GetCACert more on a CA refresh. */
static bool is_ndes(TALLOC_CTX *mem, const struct ns_ctx *ctx)
{
	struct ns_cacert *ca = NULL;
	struct ns_err e;
	bool ndes;

	ns_err_clear(&e);
	if (ns_cacert_fetch(mem, ctx, &ca, &e) != 0) {
		ns_log(ctx, NS_LOG_DEBUG, "cannot tell whether the server is NDES: %s", e.msg);
		return false;
	}
	ndes = ns_roles_is_ndes(ca->roles);
	talloc_free(ca);
	return ndes;
}

static int try_caps(TALLOC_CTX *mem, const struct ns_ctx *sc, int i, void *arg,
		    struct ns_err *err)
{
	(void)i;
	return ns_caps_fetch(mem, sc, arg, err);
}

static int op_caps(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_answer *a)
{
	struct ns_caps *caps;
	int used;

	/* Always ask (and refresh the cache): certmonger runs this on start
	 * and on "getcert refresh-ca". With caps configured, no request. Each
	 * server's answer is cached under its own url for SUBMIT. */
	if (ns_servers_first(mem, ctx, NULL, 0, try_caps, &caps, &used, &a->err) != 0 ||
	    (ctx = ns_servers_ctx(mem, ctx, used)) == NULL)
		return ns_answer_failed(a) ? -1 : ns_err_set(&a->err, NS_CAUSE_NOMEM, "out of memory");
	if (caps->aes && is_ndes(mem, ctx) && ns_caps_without_aes(caps) == 1)
		ns_log(ctx, NS_LOG_WARN, "warning: the capabilities%s offer AES, but this server is "
		       "Microsoft NDES (its RA certificates carry EKU 1.3.6.1.4.1.311.20.2.1), which "
		       "answers AES requests with replies that cannot be decrypted (RFC 8894 3.5.2): "
		       "telling certmonger DES3 instead", ctx->cfg->caps_override != NULL
		       ? " configured with caps" : " the server sent");
	return ns_answer_output(a, caps->text);
}

/* The certificates in PEM, one after the other. */
static int pem_certs(TALLOC_CTX *mem, STACK_OF(X509) *certs, struct ns_answer *a)
{
	char *out = talloc_strdup(mem, "");
	int i;

	for (i = 0; out != NULL && i < sk_X509_num(certs); i++) {
		char *pem = ns_cert_pem(mem, sk_X509_value(certs, i));
		if (pem == NULL)
			return ns_err_set(&a->err, NS_CAUSE_NOMEM, "cannot encode a certificate as PEM");
		out = talloc_strdup_append(out, pem);
	}
	return ns_answer_output(a, out);
}

/* certmonger hands the 3rd and later certificates to SUBMIT in one
 * environment variable (CERTMONGER_SCEP_CERTIFICATES), and the kernel refuses
 * a variable over 128 KiB (E2BIG: SUBMIT could never run). Keep the first two
 * (encrypt to, CA), the RAs, the CA and its chain, then others while they fit;
 * the order of those kept stays certmonger's. */
#define NS_MAX_CA_CERTS 32
#define NS_MAX_POOL_PEM (64 * 1024)

static void mark_ancestors(const struct ns_roles *roles, STACK_OF(X509) *order, bool *keep)
{
	X509 *cur = roles->ca;
	int depth, i;

	for (depth = 0; cur != NULL && depth < 10; depth++) {
		X509 *parent = NULL;
		for (i = 0; i < sk_X509_num(order) && parent == NULL; i++) {
			X509 *p = sk_X509_value(order, i);
			if (X509_cmp(p, cur) != 0 && ns_cert_issued_by(cur, p)) {
				parent = p;
				keep[i] = true;
			}
		}
		cur = parent;
	}
}

static size_t pem_len(TALLOC_CTX *mem, X509 *c)
{
	char *pem = ns_cert_pem(mem, c);
	size_t len = pem != NULL ? strlen(pem) : 0;

	talloc_free(pem);
	return len;
}

/* Marks in keep[] the certificates of order to pass; returns how many. */
static int choose_kept(TALLOC_CTX *mem, const struct ns_roles *roles, STACK_OF(X509) *order,
		       bool *keep)
{
	int n = sk_X509_num(order), i, kept = 0;
	size_t pool = 0, len;

	for (i = 0; i < n; i++) {
		X509 *c = sk_X509_value(order, i);
		keep[i] = i < 2 || X509_cmp(c, roles->encrypt) == 0 ||
			X509_cmp(c, roles->sign) == 0 || X509_cmp(c, roles->ca) == 0;
	}
	mark_ancestors(roles, order, keep);
	/* Those that matter first, then the others in order, while they fit. */
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		kept++;
		if (i >= 2)
			pool += pem_len(mem, sk_X509_value(order, i));
	}
	for (i = 2; i < n; i++) {
		if (keep[i])
			continue;
		len = pem_len(mem, sk_X509_value(order, i));
		if (kept >= NS_MAX_CA_CERTS || pool + len > NS_MAX_POOL_PEM)
			continue;
		keep[i] = true;
		kept++;
		pool += len;
	}
	return kept;
}

static int bound_certs(TALLOC_CTX *mem, const struct ns_ctx *ctx, const struct ns_roles *roles,
		       STACK_OF(X509) **order, struct ns_err *err)
{
	int n = sk_X509_num(*order), i, kept;
	bool *keep;
	STACK_OF(X509) *out;

	if (n <= 2)
		return 0;
	keep = talloc_zero_array(mem, bool, n);
	out = sk_X509_new_null();
	if (keep == NULL || out == NULL) {
		sk_X509_free(out);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	kept = choose_kept(mem, roles, *order, keep);
	if (kept == n) {
		sk_X509_free(out);
		talloc_free(keep);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (keep[i] && !sk_X509_push(out, sk_X509_value(*order, i))) {
			sk_X509_free(out);	/* *order still holds every reference */
			return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		}
	for (i = 0; i < n; i++)
		if (!keep[i])
			X509_free(sk_X509_value(*order, i));
	ns_log(ctx, NS_LOG_WARN,
	       "GetCACert sent %d certificates: passing %d to certmonger (the RAs, the CA and its "
	       "chain first); its SUBMIT environment cannot hold more than %d KiB of them",
	       n, kept, NS_MAX_POOL_PEM / 1024);
	sk_X509_free(*order);	/* the references moved to out or were dropped */
	*order = out;
	talloc_free(keep);
	return 0;
}

static int op_ca_certs(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_answer *a)
{
	struct ns_err *err = &a->err;
	struct ns_cacert *cc;
	STACK_OF(X509) *order = NULL;
	const char *note = NULL;
	int rc;

	if (ns_servers_cacert(mem, ctx, &cc, err) != 0)
		return -1;
	/* Expired RA certificates are still returned: certmonger keeps
	 * working data, and the admin learns why NDES fails. */
	ns_cacert_warn_validity(ctx, cc->roles, 0);
	if (ns_roles_certmonger_order(mem, cc->roles, &order, &note, err) != 0)
		return -1;
	if (note != NULL)
		ns_log(ctx, NS_LOG_INFO, "%s", note);
	if (cc->roles->ca_only)
		ns_log(ctx, NS_LOG_INFO, "no RA certificates: the CA encrypts, signs and issues");
	if (cc->roles->ca_only && !ns_roles_ca_is_self_signed(cc->roles))
		ns_log(ctx, NS_LOG_WARN,
		       "the CA is not self-signed and the server sends no RA certificate: "
		       "certmonger's GetCertInitial (polling) will name the CA's issuer");
	if (bound_certs(mem, ctx, cc->roles, &order, err) != 0) {
		sk_X509_pop_free(order, X509_free);
		return -1;
	}
	rc = pem_certs(mem, order, a);
	sk_X509_pop_free(order, X509_free);
	return rc;
}

/* JSON string body (RFC 8259): quotes, backslashes and control characters. */
static char *json_str(TALLOC_CTX *mem, const char *s)
{
	char *out = talloc_strdup(mem, "\"");

	for (; out != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '"':
			out = talloc_strdup_append(out, "\\\"");
			break;
		case '\\':
			out = talloc_strdup_append(out, "\\\\");
			break;
		case '\n':
			out = talloc_strdup_append(out, "\\n");
			break;
		case '\r':
			out = talloc_strdup_append(out, "\\r");
			break;
		case '\t':
			out = talloc_strdup_append(out, "\\t");
			break;
		default:
			if (ch < 0x20)
				out = talloc_asprintf_append(out, "\\u%04x", ch);
			else
				out = talloc_asprintf_append(out, "%c", ch);
		}
	}
	return out != NULL ? talloc_strdup_append(out, "\"") : NULL;
}

static char *nickname(TALLOC_CTX *mem, X509 *cert)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	const ASN1_STRING *cn;
	unsigned char *utf8 = NULL;
	char *s;
	int n;

	if (i >= 0 && (cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))) != NULL &&
	    (n = ASN1_STRING_to_UTF8(&utf8, cn)) > 0) {
		s = talloc_strndup(mem, (char *)utf8, (size_t)n);
		OPENSSL_free(utf8);
		return s;
	}
	return ns_name_str(mem, name);
}

/* {"nickname":"..","certificate":"PEM"},... for one JSON array. certmonger
 * may store them in an NSS database by nickname: keep nicknames unique. */
static char *json_list(TALLOC_CTX *mem, STACK_OF(X509) *certs)
{
	char *out = talloc_strdup(mem, "");
	int i, j;

	for (i = 0; out != NULL && i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		char *nick = nickname(mem, c), *pem = ns_cert_pem(mem, c);
		int same = 0;
		for (j = 0; nick != NULL && j < i; j++) {
			char *other = nickname(mem, sk_X509_value(certs, j));
			if (other != NULL && strcmp(other, nick) == 0)
				same++;
		}
		if (nick != NULL && same > 0)
			nick = talloc_asprintf(mem, "%s #%d", nick, same + 1);
		char *jn = nick != NULL ? json_str(mem, nick) : NULL;
		char *jp = pem != NULL ? json_str(mem, pem) : NULL;
		if (jn == NULL || jp == NULL)
			return NULL;
		out = talloc_asprintf_append(out, "%s{\"nickname\":%s,\"certificate\":%s}",
					     i > 0 ? "," : "", jn, jp);
	}
	return out;
}

/* certmonger's JSON form; empty lists are left out (certmonger ignores them). */
static int json_roots(TALLOC_CTX *mem, STACK_OF(X509) *roots, STACK_OF(X509) *other,
		      struct ns_answer *a)
{
	char *r = json_list(mem, roots), *o = json_list(mem, other);
	bool nr = sk_X509_num(roots) > 0, no = sk_X509_num(other) > 0;

	if (r == NULL || o == NULL)
		return ns_err_set(&a->err, NS_CAUSE_NOMEM, "out of memory");
	return ns_answer_output(a, talloc_asprintf(mem, "{%s%s%s%s%s%s}\n",
						   nr ? "\"roots\":[" : "", nr ? r : "", nr ? "]" : "",
						   nr && no ? "," : "",
						   no ? "\"other\":[" : "", no ? talloc_asprintf(mem, "%s]", o) : ""));
}

static bool self_signed(X509 *c)
{
	return X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(c)) == 0;
}

static int roots_from_file(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_answer *a)
{
	struct ns_err *err = &a->err;
	const char *path = ctx->cfg->trusted_ca;
	STACK_OF(X509) *certs = NULL, *roots = sk_X509_new_null(), *other = sk_X509_new_null();
	char *data = NULL;
	size_t len = 0;
	int i, rc = -1;

	if (roots == NULL || other == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	if (ns_file_read(mem, path, NS_FILE_MAX_CERTS, 0, &data, &len, NULL) != 0) {
		ns_err_set(err, errno == ENOMEM ? NS_CAUSE_NOMEM : NS_CAUSE_CONFIG,
			   "cannot read trusted-ca %s: %s", path,
			   errno == EFBIG ? "larger than 1 MiB" : ns_file_strerror(errno));
		goto out;
	}
	if (ns_certs_parse((const unsigned char *)data, len, &certs, err) != 0) {
		ns_err_set(err, NS_CAUSE_CONFIG, "trusted-ca %s: no usable certificate (%s)", path,
			   ns_err_was(err));
		goto out;
	}
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);
		if (!sk_X509_push(self_signed(c) ? roots : other, c)) {
			ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
			goto out;
		}
	}
	ns_log(ctx, NS_LOG_INFO, "FETCH-ROOTS: %d root(s) and %d other certificate(s) from %s",
	       sk_X509_num(roots), sk_X509_num(other), path);
	rc = json_roots(mem, roots, other, a);
out:
	talloc_free(data);
	sk_X509_free(roots);	/* references belong to certs */
	sk_X509_free(other);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* The pinned CA from GetCACert, and its parents in the same reply whose
 * signatures verify: the pin authenticates them all. */
/* From the pinned certificate up while a parent in the reply verifiably
 * signed the current one: the top goes to roots, the rest to other. */
static bool walk_up(STACK_OF(X509) *certs, X509 *pinned, STACK_OF(X509) *roots,
		    STACK_OF(X509) *other)
{
	X509 *cur;
	int i, depth;

	for (cur = pinned, depth = 0; cur != NULL && depth < 10; depth++) {
		X509 *parent = NULL;
		if (self_signed(cur))
			return sk_X509_push(roots, cur) > 0;
		for (i = 0; i < sk_X509_num(certs) && parent == NULL; i++) {
			X509 *p = sk_X509_value(certs, i);
			if (p != cur && ns_cert_issued_by(cur, p))
				parent = p;
		}
		/* The top we can vouch for: the admin pinned it. */
		if (parent == NULL)
			return sk_X509_push(roots, cur) > 0;
		if (!sk_X509_push(other, cur))
			return false;
		cur = parent;
	}
	return true;
}

static int roots_from_pin(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_answer *a)
{
	struct ns_err *err = &a->err;
	struct ns_cacert *cc;
	STACK_OF(X509) *roots = NULL, *other = NULL;
	X509 *pinned = NULL;
	int rc = -1;

	/* roles.c's one pin rule: the issuing CA or one of its parents. */
	if (ns_servers_cacert(mem, ctx, &cc, err) != 0 ||
	    ns_roles_pin_match(cc->roles, ctx->cfg->ca_fingerprint, &pinned, err) != 0)
		return -1;
	if (pinned == NULL) {
		char *have = ns_cert_fingerprint(mem, cc->roles->ca, EVP_sha256(), ":");
		ns_err_set(err, NS_CAUSE_CONFIG,
			   "FETCH-ROOTS: no certificate from %s matches ca-fingerprint "
			   "(the CA it sends has SHA-256 %s): not trusting it",
			   ctx->cfg->url, have != NULL ? have : "?");
		return -1;
	}
	if (!ns_cert_is_ca(pinned))
		ns_log(ctx, NS_LOG_WARN, "the pinned certificate is not a CA certificate");
	roots = sk_X509_new_null();
	other = sk_X509_new_null();
	if (roots == NULL || other == NULL) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	if (!walk_up(cc->certs, pinned, roots, other)) {
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		goto out;
	}
	rc = json_roots(mem, roots, other, a);
out:
	sk_X509_free(roots);
	sk_X509_free(other);
	return rc;
}

static int op_roots(TALLOC_CTX *mem, const struct ns_ctx *ctx, struct ns_answer *a)
{
	if (ctx->cfg->trusted_ca != NULL)
		return roots_from_file(mem, ctx, a);
	if (ctx->cfg->ca_fingerprint != NULL)
		return roots_from_pin(mem, ctx, a);
	/* GetCACert is unauthenticated: storing its CA as trusted would let
	 * anyone on the path choose certmonger's roots. */
	return ns_err_set(&a->err, NS_CAUSE_UNSUPPORTED, "FETCH-ROOTS needs trusted-ca or "
			  "ca-fingerprint (GetCACert alone is not authenticated)");
}

static int op_run(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *operation,
		  struct ns_answer *a)
{
	if (strcmp(operation, "IDENTIFY") == 0)
		return op_identify(mem, a);
	if (strcmp(operation, "FETCH-SCEP-CA-CAPS") == 0)
		return op_caps(mem, ctx, a);
	if (strcmp(operation, "FETCH-SCEP-CA-CERTS") == 0)
		return op_ca_certs(mem, ctx, a);
	if (strcmp(operation, "FETCH-ROOTS") == 0)
		return op_roots(mem, ctx, a);
	if (strcmp(operation, "GET-NEW-REQUEST-REQUIREMENTS") == 0 ||
	    strcmp(operation, "GET-RENEW-REQUEST-REQUIREMENTS") == 0)
		/* NDES needs a subject; the template comes from keyUsage and the
		 * password travels in the CSR, so nothing else is required. */
		return ns_answer_output(a, "CERTMONGER_REQ_SUBJECT\n");
	if (strcmp(operation, "GET-SUPPORTED-TEMPLATES") == 0 ||
	    strcmp(operation, "GET-DEFAULT-TEMPLATE") == 0)
		/* NDES picks the template itself from the CSR's keyUsage
		 * (SignatureTemplate / EncryptionTemplate / GeneralPurposeTemplate):
		 * a client has none to choose. */
		return ns_err_set(&a->err, NS_CAUSE_UNSUPPORTED,
				  "%s: NDES chooses the template from the request's keyUsage", operation);
	return ns_err_set(&a->err, NS_CAUSE_UNSUPPORTED, "unsupported operation %s", operation);
}

/* Transient trouble (server down, a broken reply, HTTP 5xx) ends in the
 * answer layer's retry: the delay alone on stdout (answer.h). */
int ns_op_cadata(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *operation,
		 struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	struct ns_answer *a = tmp != NULL ? ns_answer_new(tmp, ctx, operation) : NULL;
	int rc;

	if (a == NULL) {
		talloc_free(tmp);
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
		return ns_outcome(NS_OPC_HELPER, err);
	}
	op_run(tmp, ctx, operation, a);
	rc = ns_answer_emit(tmp, a, err);
	fflush(stdout);
	talloc_free(tmp);
	return rc;
}
