/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fleetstate.c and statusfmt.c: certmonger's CA and request records in
 * their real format (key=value, values continued on lines starting with a
 * space) written into a temp directory, with the helper's outage and
 * automatic-password records; malformed and unreadable files; the JSON and
 * Prometheus texts checked by parsing them. */
#define _GNU_SOURCE	/* nftw, setgroups */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/x509v3.h>

#include "../lib/testcerts.h"
#include "fleetstate.h"
#include "statusfmt.h"
#include "x509util.h"

#define NOW ((time_t)1800000000)

/* The unprivileged user test_unreadable becomes when run as root. */
#define NOBODY 65534

struct fx {
	TALLOC_CTX *mem;
	char dir[64];
	struct ns_fleet_dirs dirs;
	time_t ra_not_after;
	time_t cert_not_after;
};

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* PEM as certmonger stores a multi-line value: continuation lines start
 * with a space. */
static char *record_pem(TALLOC_CTX *mem, X509 *c)
{
	char *pem = ns_cert_pem(mem, c), *out = talloc_strdup(mem, ""), *line, *save = NULL;
	bool first = true;

	for (line = strtok_r(pem, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		out = talloc_asprintf_append(out, "%s%s\n", first ? "" : " ", line);
		first = false;
	}
	return out;
}

static time_t not_after(X509 *c)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm), 1);
	return timegm(&tm);
}

static char *path_in(struct fx *f, const char *sub)
{
	return talloc_asprintf(f->mem, "%s/%s", f->dir, sub);
}

/* One NDES CA (split RA certificates), one other CA, requests of both, a
 * malformed record, an outage and an automatic-password record. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	EVP_PKEY *cakey = tc_key(), *k1 = tc_key(), *k2 = tc_key(), *k3 = tc_key();
	X509 *ca, *sign, *enc, *leaf;
	char hex[33], *text;

	f->mem = talloc_new(NULL);
	strcpy(f->dir, "/tmp/ns-test-status-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	mkdir(path_in(f, "requests"), 0700);
	mkdir(path_in(f, "cas"), 0700);
	mkdir(path_in(f, "state"), 0700);
	f->dirs.requests_dir = path_in(f, "requests");
	f->dirs.cas_dir = path_in(f, "cas");
	f->dirs.state_dir = path_in(f, "state");

	ca = tc_cert("Test CA", cakey, NULL, NULL, true, KU_KEY_CERT_SIGN | KU_CRL_SIGN, NULL, -1, 3650);
	/* A quote and a backslash: label escaping must survive them. */
	sign = tc_cert("RA \"sign\\one\"", k1, ca, cakey, false, KU_DIGITAL_SIGNATURE, TC_RA_EKU, -1, 20);
	enc = tc_cert("RA enc", k2, ca, cakey, false, KU_KEY_ENCIPHERMENT, TC_RA_EKU, -1, 400);
	leaf = tc_cert("host.example", k3, ca, cakey, false, KU_DIGITAL_SIGNATURE, NULL, -1, 5);
	f->ra_not_after = not_after(sign);
	f->cert_not_after = not_after(leaf);

	text = talloc_asprintf(f->mem, "id=ndes\nca_type=EXTERNAL\nca_is_default=0\n"
			       "ca_external_helper=/usr/libexec/certmonger/ndes-submit --config /x\n"
			       "ca_encryption_cert=%sca_encryption_issuer_cert=%s"
			       "ca_encryption_cert_pool=%s", record_pem(f->mem, enc),
			       record_pem(f->mem, ca), record_pem(f->mem, sign));
	put(path_in(f, "cas/20260101000000"), text);
	put(path_in(f, "cas/20260101000001"), "id=IPA\nca_type=EXTERNAL\n"
	    "ca_external_helper=/usr/libexec/certmonger/ipa-submit\n");

	text = talloc_asprintf(f->mem, "id=alpha\nca_name=ndes\nstate=MONITORING\n"
			       "# a comment\ncert=%s", record_pem(f->mem, leaf));
	put(path_in(f, "requests/20260101000010"), text);
	text = talloc_asprintf(f->mem, "id=beta\nca_name=ndes\nstate=SUBMITTING\n"
			       "template_challenge_password=never-printed\n"
			       "template_challenge_password_file=%s/pw\n"
			       "scep_tx=12345678901234567890\n", f->dir);
	put(path_in(f, "requests/20260101000011"), text);
	put(path_in(f, "requests/20260101000012"), "id=gamma\nca_name=IPA\nstate=CA_UNREACHABLE\n");
	put(path_in(f, "requests/20260101000013"), "\x01\x02 not a record\n=\n");
	put(path_in(f, "requests/20260101000014.tmp"), "id=ignored\nca_name=ndes\n");

	/* autopw.c's record: one fetch within the hour, a backoff until NOW + 300,
	 * its visit counters */
	text = talloc_asprintf(f->mem, "# no secrets\nfetched=%lld\nfetched=%lld\nwritten=1\n"
			       "cache_full=2\nnot_before=%lld\ntotal_password=4\n"
			       "total_cache_full=2\ntotal_failed=1\n",
			       (long long)NOW - 7200, (long long)NOW - 60, (long long)NOW + 300);
	put(path_in(f, "pw.ndes-submit-state"), text);

	ns_sha256_hex(NULL, "12345678901234567890", 16, hex);
	text = talloc_asprintf(f->mem, "since=%lld\nlast=%lld\nend\n", (long long)NOW - 600,
			       (long long)NOW - 5);
	put(talloc_asprintf(f->mem, "%s/state/retry-%s", f->dir, hex), text);
	/* An outage no request names. */
	ns_sha256_hex(NULL, "999", 16, hex);
	put(talloc_asprintf(f->mem, "%s/state/retry-%s", f->dir, hex),
	    talloc_asprintf(f->mem, "since=%lld\nlast=%lld\nend\n", (long long)NOW - 30,
			    (long long)NOW - 30));
	/* Cut short: counted as unreadable, not as an outage. */
	put(path_in(f, "state/retry-00000000000000000000000000000000"), "since=5\n");

	X509_free(ca);
	X509_free(sign);
	X509_free(enc);
	X509_free(leaf);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = talloc_asprintf(f->mem, "chmod -R u+rwx '%s'; rm -rf '%s'", f->dir, f->dir);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	talloc_free(f->mem);
	free(f);
	return 0;
}

static const struct ns_fleet_req *req_named(const struct ns_fleet *fl, const char *name)
{
	size_t i;

	for (i = 0; i < fl->nreqs; i++)
		if (strcmp(fl->reqs[i].nickname, name) == 0)
			return &fl->reqs[i];
	return NULL;
}

static bool listed(const struct ns_fleet *fl, const char *suffix, const char *reason)
{
	size_t i, n = strlen(suffix);

	for (i = 0; i < fl->nunreadable; i++) {
		size_t m = strlen(fl->unreadable[i].path);

		if (m >= n && strcmp(fl->unreadable[i].path + m - n, suffix) == 0 &&
		    (reason == NULL || strstr(fl->unreadable[i].reason, reason) != NULL))
			return true;
	}
	return false;
}

static void test_gather(void **state)
{
	struct fx *f = *state;
	struct ns_fleet *fl = NULL;
	const struct ns_fleet_req *a, *b, *o = NULL;
	struct ns_err err;
	size_t i;

	assert_int_equal(ns_fleet_gather(f->mem, &f->dirs, NOW, &fl, &err), 0);
	assert_int_equal(fl->ncas, 1);
	assert_string_equal(fl->cas[0].name, "ndes");
	assert_int_equal(fl->cas[0].ncerts, 3);
	assert_string_equal(fl->cas[0].certs[0].role, "signing");
	assert_int_equal(fl->cas[0].certs[0].not_after, f->ra_not_after);
	assert_string_equal(fl->cas[0].certs[1].role, "encryption");
	assert_string_equal(fl->cas[0].certs[1].subject, "CN=RA enc");
	assert_string_equal(fl->cas[0].certs[2].role, "ca");
	assert_int_equal(fl->cas[0].outage_since, NOW - 600);

	/* alpha, beta and the orphan outage; gamma is another CA's. */
	assert_int_equal(fl->nreqs, 3);
	assert_null(req_named(fl, "gamma"));
	assert_null(req_named(fl, "ignored"));
	a = req_named(fl, "alpha");
	assert_non_null(a);
	assert_int_equal(a->outcome, NS_FLEET_ISSUED);
	assert_int_equal(a->cert_not_after, f->cert_not_after);
	assert_null(a->cause);
	assert_int_equal(a->pw_fetches, -1);
	b = req_named(fl, "beta");
	assert_non_null(b);
	assert_int_equal(b->outcome, NS_FLEET_FAILING);
	assert_string_equal(b->state, "SUBMITTING");
	assert_int_equal(b->failing_since, NOW - 600);
	assert_int_equal(b->last_failure, NOW - 5);
	assert_int_equal(b->next_attempt, NOW + 300);	/* the backoff's end */
	assert_int_equal(b->pw_fetches, 1);	/* the one of the last hour */
	assert_int_equal(b->pw_total_password, 4);
	assert_int_equal(b->pw_total_cache_full, 2);
	assert_int_equal(b->pw_total_failed, 1);
	assert_non_null(b->cause);
	for (i = 0; i < fl->nreqs; i++)
		if (strncmp(fl->reqs[i].nickname, "retry-", 6) == 0)
			o = &fl->reqs[i];
	assert_non_null(o);
	assert_int_equal(o->outcome, NS_FLEET_FAILING);
	assert_int_equal(o->failing_since, NOW - 30);
	assert_int_equal(ns_fleet_failing(fl), 2);

	assert_true(listed(fl, "requests/20260101000013", "no id"));
	assert_true(listed(fl, "state/retry-00000000000000000000000000000000", NULL));
	assert_int_equal(fl->nunreadable, 2);
}

/* Missing directories are listed, not fatal; a missing state-dir is fine
 * (no outage ever recorded). */
static void test_missing_dirs(void **state)
{
	struct fx *f = *state;
	struct ns_fleet_dirs d = { "/nonexistent/requests", "/nonexistent/cas",
				   "/nonexistent/state" };
	struct ns_fleet *fl = NULL;
	struct ns_err err;

	assert_int_equal(ns_fleet_gather(f->mem, &d, NOW, &fl, &err), 0);
	assert_int_equal(fl->nreqs, 0);
	assert_int_equal(fl->nunreadable, 2);
	assert_true(listed(fl, "/nonexistent/cas", "No such file"));
	assert_true(listed(fl, "/nonexistent/requests", NULL));
}

/* The checks of test_unreadable; 0, or the line that failed (they also run
 * in a child that cannot use cmocka's asserts). */
#define CHECK(c) do { if (!(c)) return __LINE__; } while (0)
static int unreadable_checks(struct fx *f)
{
	struct ns_fleet *fl = NULL;
	struct ns_err err;
	char *req = path_in(f, "requests/20260101000010");

	CHECK(chmod(req, 0) == 0);
	CHECK(chmod(f->dirs.state_dir, 0) == 0);
	CHECK(ns_fleet_gather(f->mem, &f->dirs, NOW, &fl, &err) == 0);
	CHECK(chmod(req, 0600) == 0);
	CHECK(chmod(f->dirs.state_dir, 0700) == 0);
	CHECK(listed(fl, "requests/20260101000010", "Permission denied"));
	CHECK(listed(fl, "/state", "Permission denied"));
	CHECK(req_named(fl, "alpha") == NULL);
	/* beta is still there, without the outage nobody could read. */
	CHECK(req_named(fl, "beta") != NULL);
	CHECK(req_named(fl, "beta")->failing_since == 0);
	return 0;
}

static int give_to_nobody(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return lchown(path, NOBODY, NOBODY);
}

/* Mode 000 files and directories are listed as unreadable, the rest is
 * read. Root reads mode 000 files, so as root the checks run in a child
 * that has become nobody (owning the fixture, as certmonger's files are
 * owned by root for a non-root admin). */
static void test_unreadable(void **state)
{
	struct fx *f = *state;
	pid_t pid;
	int status = -1;

	if (geteuid() != 0) {
		assert_int_equal(unreadable_checks(f), 0);
		return;
	}
	assert_int_equal(nftw(f->dir, give_to_nobody, 16, FTW_PHYS), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(254);
		status = unreadable_checks(f);
		_exit(status == 0 ? 0 : (status & 0xff) != 0 ? status & 0xff : 253);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	/* non-zero: the low byte of the failing CHECK's line; 254: no setuid */
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- a small JSON parser: enough to check the syntax and find values ---- */

struct jp {
	const char *p;
	bool ok;
};

static void ws(struct jp *j)
{
	while (isspace((unsigned char)*j->p))
		j->p++;
}

static void value(struct jp *j);

static void jstring(struct jp *j)
{
	if (*j->p != '"') {
		j->ok = false;
		return;
	}
	for (j->p++; *j->p != '"'; j->p++) {
		if (*j->p == '\0' || (unsigned char)*j->p < 0x20) {
			j->ok = false;
			return;
		}
		if (*j->p == '\\') {
			j->p++;
			if (*j->p == 'u') {
				int k;

				for (k = 1; k <= 4; k++)
					if (!isxdigit((unsigned char)j->p[k]))
						j->ok = false;
				j->p += 4;
			} else if (strchr("\"\\/bfnrt", *j->p) == NULL || *j->p == '\0') {
				j->ok = false;
				return;
			}
		}
	}
	j->p++;
}

static void seq(struct jp *j, char close, bool members)
{
	j->p++;
	ws(j);
	if (*j->p == close) {
		j->p++;
		return;
	}
	while (j->ok) {
		ws(j);
		if (members) {
			jstring(j);
			ws(j);
			if (*j->p++ != ':')
				j->ok = false;
		}
		value(j);
		ws(j);
		if (*j->p == ',') {
			j->p++;
		} else if (*j->p == close) {
			j->p++;
			return;
		} else {
			j->ok = false;
		}
	}
}

static void value(struct jp *j)
{
	ws(j);
	if (*j->p == '{')
		seq(j, '}', true);
	else if (*j->p == '[')
		seq(j, ']', false);
	else if (*j->p == '"')
		jstring(j);
	else if (strncmp(j->p, "null", 4) == 0 || strncmp(j->p, "true", 4) == 0)
		j->p += 4;
	else if (strncmp(j->p, "false", 5) == 0)
		j->p += 5;
	else if (*j->p == '-' || isdigit((unsigned char)*j->p))
		(void)strtod(j->p, (char **)&j->p);
	else
		j->ok = false;
}

static bool json_valid(const char *text)
{
	struct jp j = { text, true };

	value(&j);
	ws(&j);
	return j.ok && *j.p == '\0';
}

static void test_json(void **state)
{
	struct fx *f = *state;
	struct ns_fleet *fl = NULL;
	struct ns_err err;
	char *s;

	assert_int_equal(ns_fleet_gather(f->mem, &f->dirs, NOW, &fl, &err), 0);
	s = ns_status_json(f->mem, fl);
	assert_non_null(s);
	assert_true(json_valid(s));
	assert_false(json_valid("{\"a\":1,}"));	/* the checker checks */
	assert_non_null(strstr(s, "\"version\":1"));
	assert_non_null(strstr(s, "\"now\":\"2027-01-15T08:00:00Z\""));
	assert_non_null(strstr(s, "\"nickname\":\"beta\""));
	assert_non_null(strstr(s, "\"outcome\":\"failing\""));
	assert_non_null(strstr(s, "\"failing_since\":\"2027-01-15T07:50:00Z\""));
	assert_non_null(strstr(s, "\"password_fetches_last_hour\":1"));
	assert_non_null(strstr(s, "\"next_attempt\":\"2027-01-15T08:05:00Z\""));
	assert_non_null(strstr(s, "\"password_fetch_total\":{\"password\":4,\"cache_full\":2,"
			       "\"failed\":1}"));
	assert_non_null(strstr(s, "\"next_attempt\":null"));	/* alpha: not known */
	assert_non_null(strstr(s, "\"outage_seconds\":600"));
	assert_non_null(strstr(s, "\"role\":\"signing\""));
	assert_non_null(strstr(s, "\"summary\":{\"requests\":3,\"failing\":2,\"unreadable\":2}"));
	/* A -L password in a record never reaches the output. */
	assert_null(strstr(s, "never-printed"));
	s = ns_status_table(f->mem, fl);
	assert_non_null(s);
	assert_null(strstr(s, "never-printed"));
	assert_non_null(strstr(s, "3 request(s), 2 failing, 2 unreadable"));
	/* beta: failing, backing off until 08:05 (next attempt), 1 fetch this hour */
	assert_non_null(strstr(s, "2027-01-15 08:05 UTC"));
}

/* ---- the Prometheus text format: each sample's name has a TYPE line, label
 * values are quoted and escaped, values are numbers ---- */

struct sample {
	char name[128];
	char labels[8][2][256];
	int nlabels;
	double value;
};

static bool parse_sample(const char *line, struct sample *s)
{
	const char *p = line;
	size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:");
	char *end;

	memset(s, 0, sizeof(*s));
	if (n == 0 || n >= sizeof(s->name))
		return false;
	memcpy(s->name, p, n);
	p += n;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
			char *v;
			size_t vi = 0;

			if (k == 0 || s->nlabels == 8 || p[k] != '=' || p[k + 1] != '"')
				return false;
			memcpy(s->labels[s->nlabels][0], p, k);
			v = s->labels[s->nlabels][1];
			for (p += k + 2; *p != '"'; p++) {
				if (*p == '\0' || *p == '\n' || vi + 1 >= 256)
					return false;
				if (*p == '\\') {
					p++;
					if (*p == 'n')
						v[vi++] = '\n';
					else if (*p == '\\' || *p == '"')
						v[vi++] = *p;
					else
						return false;
				} else {
					v[vi++] = *p;
				}
			}
			p++;
			s->nlabels++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return false;
		}
		p++;
	}
	if (*p++ != ' ')
		return false;
	s->value = strtod(p, &end);
	return end != p && *end == '\0';
}

static const char *label_of(const struct sample *s, const char *name)
{
	int i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i][0], name) == 0)
			return s->labels[i][1];
	return NULL;
}

static void test_prometheus(void **state)
{
	struct fx *f = *state;
	struct ns_fleet *fl = NULL;
	struct ns_err err;
	char *s, *line, *save = NULL, typed[64][128];
	int ntyped = 0, i, samples = 0;
	bool outage = false, ra = false, expiry = false, unread = false, escaped = false;
	int totals = 0;

	assert_int_equal(ns_fleet_gather(f->mem, &f->dirs, NOW, &fl, &err), 0);
	s = ns_status_prometheus(f->mem, fl);
	assert_non_null(s);
	assert_null(strstr(s, "never-printed"));
	for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct sample smp;
		bool known = false;

		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char type[16];

			assert_true(ntyped < 64);
			assert_int_equal(sscanf(line + 7, "%127s %15s", typed[ntyped], type), 2);
			assert_true(strcmp(type, "gauge") == 0 || strcmp(type, "counter") == 0);
			ntyped++;
			continue;
		}
		assert_true(parse_sample(line, &smp));
		samples++;
		for (i = 0; i < ntyped; i++)
			known |= strcmp(typed[i], smp.name) == 0;
		assert_true(known);
		if (strcmp(smp.name, "ndes_submit_outage_seconds") == 0) {
			assert_string_equal(label_of(&smp, "ca"), "ndes");
			assert_true(smp.value == 600);
			outage = true;
		} else if (strcmp(smp.name, "ndes_submit_ra_cert_expiry_timestamp_seconds") == 0 &&
			   strcmp(label_of(&smp, "role"), "signing") == 0) {
			/* ns_name_str escapes the quote and backslash (RFC 2253);
			 * the label carries that text unchanged. */
			escaped = strcmp(label_of(&smp, "subject"),
					 "CN=RA \\\"sign\\\\one\\\"") == 0;
			assert_true(smp.value == (double)f->ra_not_after);
			ra = true;
		} else if (strcmp(smp.name, "ndes_submit_cert_expiry_timestamp_seconds") == 0) {
			assert_string_equal(label_of(&smp, "nickname"), "alpha");
			assert_true(smp.value == (double)f->cert_not_after);
			expiry = true;
		} else if (strcmp(smp.name, "ndes_submit_status_unreadable") == 0) {
			assert_true(smp.value == 2);
			unread = true;
		} else if (strcmp(smp.name, "ndes_submit_password_fetch_total") == 0) {
			const char *res = label_of(&smp, "result");

			assert_string_equal(label_of(&smp, "nickname"), "beta");
			assert_true(smp.value == (strcmp(res, "password") == 0 ? 4
						  : strcmp(res, "cache_full") == 0 ? 2 : 1));
			totals++;
		} else if (strcmp(smp.name, "ndes_submit_request_failing") == 0 &&
			   strcmp(label_of(&smp, "nickname"), "beta") == 0) {
			assert_true(smp.value == 1);
		}
	}
	assert_true(samples > 8);
	assert_true(outage && ra && expiry && unread && escaped);
	assert_int_equal(totals, 3);
}

/* A record's bytes are not trusted to be text: JSON and Prometheus get
 * valid UTF-8, the table no control characters. */
static void test_bad_bytes(void **state)
{
	struct fx *f = *state;
	struct ns_fleet *fl = NULL;
	struct ns_err err;
	char *s;

	put(path_in(f, "requests/20260101000015"),
	    "id=d\xe9lta\nca_name=ndes\nstate=CA_REJECTED\nca_error=x\xff\x1b[31my \xc3\xa9\n");
	assert_int_equal(ns_fleet_gather(f->mem, &f->dirs, NOW, &fl, &err), 0);
	s = ns_status_json(f->mem, fl);
	assert_true(json_valid(s));
	assert_non_null(strstr(s, "\"nickname\":\"d\\ufffdlta\""));
	assert_non_null(strstr(s, "\"cause\":\"x\\ufffd\\u001b[31my \xc3\xa9\""));
	s = ns_status_table(f->mem, fl);
	assert_non_null(strstr(s, "x??[31my \xc3\xa9"));
	assert_null(strchr(s, '\x1b'));
	s = ns_status_prometheus(f->mem, fl);
	assert_non_null(strstr(s, "nickname=\"d\xef\xbf\xbdlta\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gather, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prometheus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_bytes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
