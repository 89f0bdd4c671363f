/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gathering the fleet state (fleetstate.h). Reads only; every file through
 * file.c's reader (regular files, no FIFO can block us). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "cmreq.h"
#include "file.h"
#include "fleetstate.h"
#include "ns.h"
#include "roles.h"
#include "outage.h"
#include "pwrecord.h"
#include "statefile.h"
#include "x509util.h"

/* certmonger's records are small; a megabyte is not one of them. */
#define FLEET_MAX_RECORD (1024 * 1024)
/* Anything more in one directory is not a certmonger host we understand. */
#define FLEET_MAX_ENTRIES 100000

/* Everything one gathering needs; freed with tmp. */
struct job {
	TALLOC_CTX *tmp;
	struct ns_fleet *f;
	const struct ns_fleet_dirs *dirs;
	struct ns_config cfg;	/* state_dir only, for statefile.c's reader */
	struct ns_ctx ctx;
	char **outages;		/* retry-* names in state-dir (NULL-terminated) */
	bool *outage_used;
	size_t noutages;
	int nomem;
};

static void unreadable(struct job *j, const char *path, const char *reason)
{
	struct ns_fleet *f = j->f;
	struct ns_fleet_unreadable *u;

	u = talloc_realloc(f, f->unreadable, struct ns_fleet_unreadable, f->nunreadable + 1);
	if (u == NULL) {
		j->nomem = 1;
		return;
	}
	f->unreadable = u;
	u[f->nunreadable].path = talloc_strdup(u, path);
	u[f->nunreadable].reason = talloc_strdup(u, reason != NULL ? reason : "out of memory");
	if (u[f->nunreadable].path == NULL || u[f->nunreadable].reason == NULL)
		j->nomem = 1;
	f->nunreadable++;
}

/* certmonger's rule, and our own temp files in state-dir. */
static bool ignored_name(const char *name)
{
	return ns_cmreq_ignored_name(name) || strstr(name, NS_FILE_TMP_TAG) != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir (sorted: stable output), NULL-terminated on tmp. A
 * directory that cannot be read is listed unless missing_ok and absent. */
static char **list_dir(struct job *j, const char *dir, bool missing_ok)
{
	char **names = talloc_zero_array(j->tmp, char *, 1);
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (names == NULL) {
		j->nomem = 1;
		return NULL;
	}
	d = opendir(dir);
	if (d == NULL) {
		int e = errno;

		if (!(missing_ok && e == ENOENT))
			unreadable(j, dir, talloc_asprintf(j->tmp, "cannot list the directory: %s",
							   strerror(e)));
		return names;
	}
	while ((de = readdir(d)) != NULL && n < FLEET_MAX_ENTRIES) {
		char **more;

		if (ignored_name(de->d_name))
			continue;
		more = talloc_realloc(j->tmp, names, char *, n + 2);
		if (more == NULL) {
			j->nomem = 1;
			break;
		}
		names = more;
		names[n] = talloc_strdup(names, de->d_name);
		names[++n] = NULL;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	return names;
}

/* A record's text, or NULL (listed as unreadable). It may hold a
 * "getcert request -L" password: wiped when freed, never printed. */
static char *read_record(struct job *j, const char *path)
{
	char *buf = NULL;

	if (ns_file_read(j->tmp, path, FLEET_MAX_RECORD, NS_FILE_NOFOLLOW | NS_FILE_SECRET, &buf,
			 NULL, NULL) != 0) {
		if (errno == ENOMEM)
			j->nomem = 1;
		else
			unreadable(j, path, ns_file_strerror(errno));
		return NULL;
	}
	return buf;
}

static time_t asn1_time_t(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* ---- CAs ------------------------------------------------------------------ */

/* Is the CA's helper command ndes-submit (any directory, any options)? */
static bool runs_us(const char *helper)
{
	size_t n;
	const char *base;
	char *first;
	bool yes;

	if (helper == NULL)
		return false;
	n = strcspn(helper, " \t");
	first = talloc_strndup(NULL, helper, n);	/* freed below */
	if (first == NULL)
		return false;
	base = strrchr(first, '/') != NULL ? strrchr(first, '/') + 1 : first;
	yes = strcmp(base, NS_PROGRAM) == 0;
	talloc_free(first);
	return yes;
}

static void add_cert(struct job *j, struct ns_fleet_ca *ca, const char *role, X509 *c)
{
	struct ns_fleet_cert *certs;

	if (c == NULL)
		return;
	certs = talloc_realloc(j->f, ca->certs, struct ns_fleet_cert, ca->ncerts + 1);
	if (certs == NULL) {
		j->nomem = 1;
		return;
	}
	ca->certs = certs;
	certs[ca->ncerts].role = role;
	certs[ca->ncerts].subject = ns_name_str(certs, X509_get_subject_name(c));
	certs[ca->ncerts].not_after = asn1_time_t(X509_get0_notAfter(c));
	if (certs[ca->ncerts].subject == NULL)
		j->nomem = 1;
	ca->ncerts++;
}

/* The CA and RA certificates certmonger keeps for the CA (its
 * FETCH-SCEP-CA-CERTS answer), each in its role (roles.c). */
static void ca_certs(struct job *j, struct ns_fleet_ca *ca, const char *text)
{
	static const char *const keys[] = {
		"ca_encryption_cert", "ca_encryption_issuer_cert", "ca_encryption_cert_pool",
	};
	STACK_OF(X509) *all = sk_X509_new_null();
	struct ns_roles *roles = NULL;
	struct ns_err e;
	size_t k;
	bool bad = false;

	for (k = 0; all != NULL && k < sizeof(keys) / sizeof(keys[0]); k++) {
		char *pem = ns_cmreq_value(j->tmp, text, keys[k]);
		STACK_OF(X509) *sk = NULL;

		if (pem == NULL)
			continue;
		if (ns_certs_parse((const unsigned char *)pem, strlen(pem), &sk, &e) != 0) {
			bad = true;
			continue;
		}
		while (sk_X509_num(sk) > 0) {
			X509 *c = sk_X509_shift(sk);

			if (ns_certs_contains(all, c) || sk_X509_push(all, c) == 0)
				X509_free(c);
		}
		sk_X509_free(sk);
	}
	if (bad)
		unreadable(j, ca->path, "a certificate in the CA record cannot be parsed");
	if (all != NULL && sk_X509_num(all) > 0 && ns_roles_assign(j->tmp, all, &roles, &e) == 0) {
		if (roles->ca_only) {
			add_cert(j, ca, "ca", roles->ca);
		} else {
			add_cert(j, ca, "signing", roles->sign);
			add_cert(j, ca, "encryption", roles->encrypt);
			add_cert(j, ca, "ca", roles->ca);
		}
	} else if (all != NULL && sk_X509_num(all) > 0) {
		unreadable(j, ca->path, talloc_asprintf(j->tmp, "the CA record's certificates: %s",
							       e.msg));
	}
	talloc_free(roles);
	sk_X509_pop_free(all, X509_free);
}

static void gather_cas(struct job *j)
{
	const char *dir = j->dirs->cas_dir != NULL ? j->dirs->cas_dir : NS_FLEET_DEFAULT_CAS_DIR;
	char **names = list_dir(j, dir, false);
	size_t i;

	for (i = 0; names != NULL && names[i] != NULL && !j->nomem; i++) {
		char *path = talloc_asprintf(j->tmp, "%s/%s", dir, names[i]);
		char *text = path != NULL ? read_record(j, path) : NULL;
		struct ns_fleet_ca *cas, *ca;
		char *id;

		if (text == NULL)
			continue;
		if (!runs_us(ns_cmreq_value(j->tmp, text, "ca_external_helper")))
			continue;
		id = ns_cmreq_value(j->f, text, "id");
		if (id == NULL) {
			unreadable(j, path, "malformed CA record: no id");
			continue;
		}
		cas = talloc_realloc(j->f, j->f->cas, struct ns_fleet_ca, j->f->ncas + 1);
		if (cas == NULL) {
			j->nomem = 1;
			break;
		}
		j->f->cas = cas;
		ca = &cas[j->f->ncas++];
		memset(ca, 0, sizeof(*ca));
		ca->name = talloc_steal(cas, id);
		ca->path = talloc_strdup(cas, path);
		ca_certs(j, ca, text);
	}
}

static struct ns_fleet_ca *find_ca(struct ns_fleet *f, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < f->ncas; i++)
		if (strcmp(f->cas[i].name, name) == 0)
			return &f->cas[i];
	return NULL;
}

/* ---- requests ------------------------------------------------------------- */

/* certmonger states that wait for an admin or the CA (certmonger
 * src/store-int.h); the others are steps of its own work. */
static bool failure_state(const char *state)
{
	static const char *const failing[] = {
		"CA_REJECTED", "CA_UNREACHABLE", "CA_UNCONFIGURED", "NEED_GUIDANCE", "NEED_CA",
		"NEED_SCEP_ENCRYPTION_CERT", "NEED_SCEP_RSA_CLIENT_KEY",
		"NEED_KEY_GEN_PERMS", "NEED_KEY_GEN_PIN", "NEED_KEY_GEN_TOKEN",
		"NEED_KEYINFO_READ_PIN", "NEED_KEYINFO_READ_TOKEN", "NEED_CSR_GEN_PIN",
		"NEED_CSR_GEN_TOKEN", "NEED_CERTSAVE_PERMS", "NEED_CERTSAVE_TOKEN",
		"NEED_CERTSAVE_PIN",
	};
	size_t i;

	for (i = 0; state != NULL && i < sizeof(failing) / sizeof(failing[0]); i++)
		if (strcmp(state, failing[i]) == 0)
			return true;
	return false;
}

/* notAfter of the issued certificate: the record's copy, else the file
 * certmonger saves it to. */
static time_t cert_expiry(struct job *j, const char *text)
{
	char *pem = ns_cmreq_value(j->tmp, text, "cert");
	char *type = ns_cmreq_value(j->tmp, text, "cert_storage_type");
	char *loc = ns_cmreq_value(j->tmp, text, "cert_storage_location");
	STACK_OF(X509) *sk = NULL;
	struct ns_err e;
	size_t len = 0;
	time_t t = 0;

	if (pem == NULL && type != NULL && strcmp(type, "FILE") == 0 && loc != NULL) {
		if (ns_file_read(j->tmp, loc, NS_FILE_MAX_CERTS, 0, &pem, &len, NULL) != 0) {
			if (errno != ENOENT)
				unreadable(j, loc, ns_file_strerror(errno));
			pem = NULL;
		}
	}
	if (pem == NULL)
		return 0;
	if (ns_certs_parse((const unsigned char *)pem, strlen(pem), &sk, &e) == 0 &&
	    sk_X509_num(sk) > 0)
		t = asn1_time_t(X509_get0_notAfter(sk_X509_value(sk, 0)));
	sk_X509_pop_free(sk, X509_free);
	return t;
}

/* The automatic-password record next to the request's -l FILE
 * (pwrecord.h): fetches of the last hour, counters, and the backoff's next
 * admin-page visit. Leaves pw_fetches at -1 when the request is not in
 * automatic mode or its record is unreadable. FILE itself is never read. */
static void pw_record(struct job *j, const char *text, struct ns_fleet_req *r)
{
	char *pw_file = ns_cmreq_value(j->tmp, text, "template_challenge_password_file");
	char *path, *rec = NULL;
	struct ns_pwrecord pr;

	if (pw_file == NULL)
		return;
	path = ns_pwrecord_path(j->tmp, pw_file);
	if (path == NULL) {
		j->nomem = 1;
		return;
	}
	if (ns_file_read(j->tmp, path, NS_PWREC_MAX_BYTES, NS_FILE_NOFOLLOW, &rec, NULL,
			 NULL) != 0) {
		if (errno == ENOENT)
			r->pw_fetches = 0;	/* no fetch recorded yet */
		else
			unreadable(j, path, ns_file_strerror(errno));
		return;
	}
	ns_pwrecord_parse(rec, j->f->now, &pr);
	r->pw_fetches = pr.nfetches;
	r->pw_total_password = pr.total_password;
	r->pw_total_cache_full = pr.total_cache_full;
	r->pw_total_failed = pr.total_failed;
	if (pr.not_before > j->f->now)
		r->next_attempt = pr.not_before;
}

/* statefile.c's reader does not say why it found nothing. */
static void outage_unreadable(struct job *j, const char *name)
{
	char *path = talloc_asprintf(j->tmp, "%s/%s", j->dirs->state_dir, name);

	if (path == NULL)
		j->nomem = 1;
	else if (access(path, R_OK) != 0)
		unreadable(j, path, strerror(errno));
	else
		unreadable(j, path, "malformed or incomplete outage record");
}

/* Reads state-dir/name into r's failing_since and last_failure (outage.c's
 * format; a record cut short counts as unreadable, not as an outage). */
static bool read_outage(struct job *j, const char *name, struct ns_fleet_req *r)
{
	char *text = ns_state_read(j->tmp, &j->ctx, name, NS_OUTAGE_MAX_BYTES);
	struct ns_outage o;

	if (ns_outage_parse(text, &o) != 0) {
		outage_unreadable(j, name);
		return false;
	}
	r->failing_since = o.since;
	r->last_failure = o.last;
	return true;
}

/* The outage record of transaction txid, if state-dir has one. */
static void outage_of(struct job *j, const char *txid, struct ns_fleet_req *r)
{
	char *name = ns_outage_name(j->tmp, txid);
	size_t i;

	if (name == NULL)
		return;
	for (i = 0; i < j->noutages; i++) {
		if (j->outage_used[i] || strcmp(j->outages[i], name) != 0)
			continue;
		j->outage_used[i] = true;
		(void)read_outage(j, name, r);
		return;
	}
}

static struct ns_fleet_req *new_req(struct job *j)
{
	struct ns_fleet_req *reqs;

	reqs = talloc_realloc(j->f, j->f->reqs, struct ns_fleet_req, j->f->nreqs + 1);
	if (reqs == NULL) {
		j->nomem = 1;
		return NULL;
	}
	j->f->reqs = reqs;
	memset(&reqs[j->f->nreqs], 0, sizeof(reqs[0]));
	reqs[j->f->nreqs].pw_fetches = -1;
	return &reqs[j->f->nreqs++];
}

/* Outcome and cause from certmonger's state and ca-error and our outage
 * record. certmonger 0.79 clears ca-error on every exit 5, so during an
 * outage only our record tells (outage.h). */
static void judge(struct job *j, struct ns_fleet_req *r, const char *ca_error)
{
	bool failing = r->failing_since != 0 || failure_state(r->state) ||
		       (ca_error != NULL && (r->state == NULL || strcmp(r->state, "MONITORING") != 0));

	if (failing)
		r->outcome = NS_FLEET_FAILING;
	else if (r->state == NULL)
		r->outcome = NS_FLEET_UNKNOWN;
	else if (strcmp(r->state, "MONITORING") == 0)
		r->outcome = NS_FLEET_ISSUED;
	else
		r->outcome = NS_FLEET_PENDING;
	if (ca_error != NULL)
		r->cause = talloc_strndup(j->f, ca_error, strcspn(ca_error, "\n"));
	else if (r->failing_since != 0)
		r->cause = talloc_strdup(j->f, "NDES did not answer (transient trouble, retrying)");
	else if (failing)
		r->cause = talloc_asprintf(j->f, "certmonger state %s", r->state);
	if (r->cause == NULL && (ca_error != NULL || failing))
		j->nomem = 1;
}

static void gather_requests(struct job *j)
{
	const char *dir = j->dirs->requests_dir != NULL ? j->dirs->requests_dir
							: NS_DEFAULT_REQUESTS_DIR;
	char **names = list_dir(j, dir, false);
	size_t i;

	for (i = 0; names != NULL && names[i] != NULL && !j->nomem; i++) {
		char *path = talloc_asprintf(j->tmp, "%s/%s", dir, names[i]);
		char *text = path != NULL ? read_record(j, path) : NULL;
		char *ca_name, *id, *txid;
		struct ns_fleet_req *r;

		if (text == NULL)
			continue;
		ca_name = ns_cmreq_value(j->tmp, text, "ca_name");
		id = ns_cmreq_value(j->tmp, text, "id");
		if (id == NULL || ca_name == NULL) {
			/* Whose it is cannot be told: say so rather than skip it. */
			unreadable(j, path, id == NULL ? "malformed request record: no id"
				   : "malformed request record: no ca_name");
			continue;
		}
		if (find_ca(j->f, ca_name) == NULL)
			continue;	/* another CA's request */
		if ((r = new_req(j)) == NULL)
			break;
		r->nickname = talloc_strdup(j->f, id);
		r->path = talloc_strdup(j->f, path);
		r->ca = talloc_strdup(j->f, ca_name);
		r->state = ns_cmreq_value(j->f, text, "state");
		r->cert_not_after = cert_expiry(j, text);
		pw_record(j, text, r);
		txid = ns_cmreq_value(j->tmp, text, "scep_tx");
		if (txid != NULL)
			outage_of(j, txid, r);
		judge(j, r, ns_cmreq_value(j->tmp, text, "ca_error"));
		if (r->nickname == NULL || r->path == NULL || r->ca == NULL)
			j->nomem = 1;
	}
}

/* The helper's outage records (state-dir/retry-*). */
static void list_outages(struct job *j)
{
	char **names;
	size_t i, n = 0;

	if (j->dirs->state_dir == NULL)
		return;
	names = list_dir(j, j->dirs->state_dir, true);
	for (i = 0; names != NULL && names[i] != NULL; i++)
		if (strncmp(names[i], "retry-", 6) == 0)
			names[n++] = names[i];
	if (names != NULL)
		names[n] = NULL;
	j->outages = names;
	j->noutages = n;
	j->outage_used = talloc_zero_array(j->tmp, bool, n + 1);
	if (j->outage_used == NULL)
		j->nomem = 1;
}

/* Outage records no request names (its record gone, or unreadable, or
 * scep_tx not saved yet) still say NDES is failing someone. */
static void orphan_outages(struct job *j)
{
	size_t i;

	for (i = 0; i < j->noutages && !j->nomem; i++) {
		struct ns_fleet_req one, *r;

		memset(&one, 0, sizeof(one));
		if (j->outage_used[i] || !read_outage(j, j->outages[i], &one))
			continue;
		if ((r = new_req(j)) == NULL)
			break;
		r->nickname = talloc_strdup(j->f, j->outages[i]);
		r->path = talloc_asprintf(j->f, "%s/%s", j->dirs->state_dir, j->outages[i]);
		r->failing_since = one.failing_since;
		r->last_failure = one.last_failure;
		judge(j, r, NULL);
		if (r->nickname == NULL || r->path == NULL)
			j->nomem = 1;
	}
}

/* A CA's outage: the oldest of its requests'. */
static void ca_outages(struct ns_fleet *f)
{
	size_t i;

	for (i = 0; i < f->nreqs; i++) {
		struct ns_fleet_ca *ca = find_ca(f, f->reqs[i].ca);
		time_t s = f->reqs[i].failing_since;

		if (ca != NULL && s != 0 && (ca->outage_since == 0 || s < ca->outage_since))
			ca->outage_since = s;
	}
}

int ns_fleet_gather(TALLOC_CTX *mem, const struct ns_fleet_dirs *dirs, time_t now,
		    struct ns_fleet **out, struct ns_err *err)
{
	struct job j;
	int rc = -1;

	memset(&j, 0, sizeof(j));
	*out = NULL;
	j.tmp = talloc_new(mem);
	j.f = talloc_zero(mem, struct ns_fleet);
	j.dirs = dirs;
	j.cfg.state_dir = dirs->state_dir;
	j.ctx.cfg = &j.cfg;
	if (j.tmp == NULL || j.f == NULL)
		goto done;
	j.f->now = now != 0 ? now : time(NULL);
	list_outages(&j);
	gather_cas(&j);
	gather_requests(&j);
	orphan_outages(&j);
	ca_outages(j.f);
	if (j.nomem)
		goto done;
	*out = j.f;
	j.f = NULL;
	rc = 0;
done:
	if (rc != 0)
		ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	talloc_free(j.f);
	talloc_free(j.tmp);
	return rc;
}

size_t ns_fleet_failing(const struct ns_fleet *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->nreqs; i++)
		n += f->reqs[i].outcome == NS_FLEET_FAILING;
	return n;
}

const char *ns_fleet_outcome_name(enum ns_fleet_outcome o)
{
	switch (o) {
	case NS_FLEET_ISSUED:
		return "issued";
	case NS_FLEET_PENDING:
		return "pending";
	case NS_FLEET_FAILING:
		return "failing";
	case NS_FLEET_UNKNOWN:
	default:
		return "unknown";
	}
}
