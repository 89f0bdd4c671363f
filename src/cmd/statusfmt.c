/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Table, JSON and Prometheus text of the fleet state (statusfmt.h). Every
 * function appends to one talloc string; a failed append leaves NULL,
 * which each later append passes on, so one check at the end suffices. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "statusfmt.h"

#define APPEND(s, ...) ((s) = (s) != NULL ? talloc_asprintf_append_buffer((s), __VA_ARGS__) : NULL)

/* "2026-12-05T23:55:04Z" (JSON) or "2026-12-05 23:55 UTC" (table); "-" for 0. */
static const char *when(TALLOC_CTX *mem, time_t t, bool iso)
{
	char buf[32];
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		return "-";
	strftime(buf, sizeof(buf), iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M UTC", &tm);
	return talloc_strdup(mem, buf);
}

/* The length of the valid UTF-8 sequence at p (1-4), or 0. Records hold
 * whatever was written into them; JSON and Prometheus need valid UTF-8. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* s with control characters and invalid UTF-8 replaced by '?': a record's
 * text must not drive the terminal. */
static const char *printable(TALLOC_CTX *mem, const char *s)
{
	char *out;
	size_t i, n;

	if (s == NULL || (out = talloc_strdup(mem, s)) == NULL)
		return s;
	for (i = 0; out[i] != '\0'; i += n) {
		n = utf8_len((const unsigned char *)out + i);
		if (n == 0 || (unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
			out[i] = '?';
			n = 1;
		}
	}
	return out;
}

/* ---- table -------------------------------------------------------------- */

#define NCOLS 9

static const char *const heads[NCOLS] = {
	"NICKNAME", "CA", "STATE", "EXPIRES", "OUTCOME", "FAILING SINCE", "NEXT", "PW/H", "CAUSE",
};

static const char *or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

static void row_cells(TALLOC_CTX *mem, const struct ns_fleet_req *r, const char **c)
{
	c[0] = or_dash(printable(mem, r->nickname));
	c[1] = or_dash(printable(mem, r->ca));
	c[2] = or_dash(printable(mem, r->state));
	c[3] = when(mem, r->cert_not_after, false);
	c[4] = ns_fleet_outcome_name(r->outcome);
	c[5] = when(mem, r->failing_since, false);
	c[6] = when(mem, r->next_attempt, false);
	c[7] = r->pw_fetches >= 0 ? talloc_asprintf(mem, "%d", r->pw_fetches) : "-";
	c[8] = or_dash(printable(mem, r->cause));
}

static char *add_row(char *s, const char *const *c, const size_t *w)
{
	int i;

	for (i = 0; i < NCOLS - 1; i++)
		APPEND(s, "%-*s  ", (int)w[i], c[i] != NULL ? c[i] : "?");
	APPEND(s, "%s\n", c[NCOLS - 1] != NULL ? c[NCOLS - 1] : "?");
	return s;
}

static char *ca_lines(TALLOC_CTX *tmp, char *s, const struct ns_fleet *f)
{
	size_t i, k;

	for (i = 0; i < f->ncas; i++) {
		const struct ns_fleet_ca *ca = &f->cas[i];

		APPEND(s, "\nCA %s (%s): ", printable(tmp, ca->name), printable(tmp, ca->path));
		if (ca->outage_since != 0)
			APPEND(s, "outage since %s (%lld s)\n", when(tmp, ca->outage_since, false),
			       (long long)(f->now - ca->outage_since));
		else
			APPEND(s, "no outage recorded\n");
		if (ca->ncerts == 0)
			APPEND(s, "  no CA certificates recorded by certmonger yet\n");
		for (k = 0; k < ca->ncerts; k++)
			APPEND(s, "  %-10s  expires %s  %s\n", ca->certs[k].role,
			       when(tmp, ca->certs[k].not_after, false),
			       printable(tmp, ca->certs[k].subject));
	}
	return s;
}

char *ns_status_table(TALLOC_CTX *mem, const struct ns_fleet *f)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	const char *c[NCOLS];
	size_t w[NCOLS], i;
	int k;
	char *s = talloc_strdup(mem, "");

	for (k = 0; k < NCOLS; k++)
		w[k] = strlen(heads[k]);
	for (i = 0; i < f->nreqs; i++) {
		row_cells(tmp, &f->reqs[i], c);
		for (k = 0; k < NCOLS; k++)
			if (c[k] != NULL && strlen(c[k]) > w[k])
				w[k] = strlen(c[k]);
	}
	if (f->nreqs == 0)
		APPEND(s, "No certmonger request uses ndes-submit.\n");
	else
		s = add_row(s, heads, w);
	for (i = 0; i < f->nreqs; i++) {
		row_cells(tmp, &f->reqs[i], c);
		s = add_row(s, c, w);
	}
	s = ca_lines(tmp, s, f);
	if (f->nunreadable > 0)
		APPEND(s, "\nCould not read (%zu):\n", f->nunreadable);
	for (i = 0; i < f->nunreadable; i++)
		APPEND(s, "  %s: %s\n", printable(tmp, f->unreadable[i].path),
		       printable(tmp, f->unreadable[i].reason));
	APPEND(s, "\n%zu request(s), %zu failing, %zu unreadable\n", f->nreqs,
	       ns_fleet_failing(f), f->nunreadable);
	talloc_free(tmp);
	return s;
}

/* ---- JSON ----------------------------------------------------------------- */

static char *json_str(char *s, const char *v)
{
	const unsigned char *p;
	size_t n;

	if (v == NULL)
		return APPEND(s, "null");
	APPEND(s, "\"");
	for (p = (const unsigned char *)v; s != NULL && *p != '\0'; p += n) {
		n = utf8_len(p);
		if (n == 0) {
			APPEND(s, "\\ufffd");
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			APPEND(s, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			APPEND(s, "\\u%04x", *p);
		} else {
			APPEND(s, "%.*s", (int)n, (const char *)p);
		}
	}
	return APPEND(s, "\"");
}

static char *json_time(TALLOC_CTX *tmp, char *s, time_t t)
{
	return json_str(s, t != 0 ? when(tmp, t, true) : NULL);
}

static char *json_req(TALLOC_CTX *tmp, char *s, const struct ns_fleet_req *r)
{
	APPEND(s, "{\"nickname\":");
	s = json_str(s, r->nickname);
	APPEND(s, ",\"record\":");
	s = json_str(s, r->path);
	APPEND(s, ",\"ca\":");
	s = json_str(s, r->ca);
	APPEND(s, ",\"state\":");
	s = json_str(s, r->state);
	APPEND(s, ",\"cert_not_after\":");
	s = json_time(tmp, s, r->cert_not_after);
	APPEND(s, ",\"outcome\":\"%s\",\"cause\":", ns_fleet_outcome_name(r->outcome));
	s = json_str(s, r->cause);
	APPEND(s, ",\"failing_since\":");
	s = json_time(tmp, s, r->failing_since);
	APPEND(s, ",\"last_failure\":");
	s = json_time(tmp, s, r->last_failure);
	APPEND(s, ",\"next_attempt\":");
	s = json_time(tmp, s, r->next_attempt);
	if (r->pw_fetches >= 0)
		APPEND(s, ",\"password_fetches_last_hour\":%d,\"password_fetch_total\":"
		       "{\"password\":%lld,\"cache_full\":%lld,\"failed\":%lld}}", r->pw_fetches,
		       r->pw_total_password, r->pw_total_cache_full, r->pw_total_failed);
	else
		APPEND(s, ",\"password_fetches_last_hour\":null,\"password_fetch_total\":null}");
	return s;
}

static char *json_ca(TALLOC_CTX *tmp, char *s, const struct ns_fleet *f,
		     const struct ns_fleet_ca *ca)
{
	size_t k;

	APPEND(s, "{\"name\":");
	s = json_str(s, ca->name);
	APPEND(s, ",\"record\":");
	s = json_str(s, ca->path);
	APPEND(s, ",\"outage_since\":");
	s = json_time(tmp, s, ca->outage_since);
	APPEND(s, ",\"outage_seconds\":%lld,\"certs\":[",
	       ca->outage_since != 0 ? (long long)(f->now - ca->outage_since) : 0LL);
	for (k = 0; k < ca->ncerts; k++) {
		APPEND(s, "%s{\"role\":\"%s\",\"subject\":", k > 0 ? "," : "", ca->certs[k].role);
		s = json_str(s, ca->certs[k].subject);
		APPEND(s, ",\"not_after\":");
		s = json_time(tmp, s, ca->certs[k].not_after);
		APPEND(s, "}");
	}
	return APPEND(s, "]}");
}

char *ns_status_json(TALLOC_CTX *mem, const struct ns_fleet *f)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	char *s = talloc_asprintf(mem, "{\"version\":%d,\"now\":", NS_STATUS_JSON_VERSION);
	size_t i;

	s = json_time(tmp, s, f->now);
	APPEND(s, ",\"requests\":[");
	for (i = 0; i < f->nreqs; i++) {
		APPEND(s, "%s\n", i > 0 ? "," : "");
		s = json_req(tmp, s, &f->reqs[i]);
	}
	APPEND(s, "],\"cas\":[");
	for (i = 0; i < f->ncas; i++) {
		APPEND(s, "%s\n", i > 0 ? "," : "");
		s = json_ca(tmp, s, f, &f->cas[i]);
	}
	APPEND(s, "],\"unreadable\":[");
	for (i = 0; i < f->nunreadable; i++) {
		APPEND(s, "%s\n{\"path\":", i > 0 ? "," : "");
		s = json_str(s, f->unreadable[i].path);
		APPEND(s, ",\"reason\":");
		s = json_str(s, f->unreadable[i].reason);
		APPEND(s, "}");
	}
	APPEND(s, "],\"summary\":{\"requests\":%zu,\"failing\":%zu,\"unreadable\":%zu}}\n",
	       f->nreqs, ns_fleet_failing(f), f->nunreadable);
	talloc_free(tmp);
	return s;
}

/* ---- Prometheus ------------------------------------------------------------ */

/* A label value: backslash, double quote and line feed escaped (the text
 * exposition format). */
static char *label(char *s, const char *v)
{
	const unsigned char *p;
	size_t n;

	APPEND(s, "\"");
	for (p = (const unsigned char *)(v != NULL ? v : ""); s != NULL && *p != '\0'; p += n) {
		n = utf8_len(p);
		if (n == 0) {
			APPEND(s, "\xef\xbf\xbd");	/* U+FFFD */
			n = 1;
		} else if (*p == '\\') {
			APPEND(s, "\\\\");
		} else if (*p == '"') {
			APPEND(s, "\\\"");
		} else if (*p == '\n') {
			APPEND(s, "\\n");
		} else {
			APPEND(s, "%.*s", (int)n, (const char *)p);
		}
	}
	return APPEND(s, "\"");
}

static char *head(char *s, const char *name, const char *type, const char *help)
{
	return APPEND(s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A request's labels: nickname="...",ca="..." */
static char *req_labels(char *s, const struct ns_fleet_req *r)
{
	APPEND(s, "nickname=");
	s = label(s, r->nickname);
	APPEND(s, ",ca=");
	return label(s, r->ca);
}

static char *req_metric(char *s, const char *name, const struct ns_fleet_req *r,
			long long value)
{
	APPEND(s, "%s{", name);
	s = req_labels(s, r);
	return APPEND(s, "} %lld\n", value);
}

/* The admin-page visit counters of one request, one sample per result. */
static char *fetch_totals(char *s, const struct ns_fleet_req *r)
{
	const struct { const char *result; long long n; } by[] = {
		{ "password", r->pw_total_password }, { "cache_full", r->pw_total_cache_full },
		{ "failed", r->pw_total_failed },
	};
	size_t k;

	for (k = 0; k < sizeof(by) / sizeof(by[0]); k++) {
		APPEND(s, "ndes_submit_password_fetch_total{");
		s = req_labels(s, r);
		APPEND(s, ",result=\"%s\"} %lld\n", by[k].result, by[k].n);
	}
	return s;
}

static char *prom_requests(char *s, const struct ns_fleet *f)
{
	static const enum ns_fleet_outcome all[] = {
		NS_FLEET_ISSUED, NS_FLEET_PENDING, NS_FLEET_FAILING, NS_FLEET_UNKNOWN,
	};
	size_t i, k, n;

	s = head(s, "ndes_submit_requests", "gauge",
		 "certmonger requests using ndes-submit, by outcome.");
	for (k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		for (i = 0, n = 0; i < f->nreqs; i++)
			n += f->reqs[i].outcome == all[k];
		APPEND(s, "ndes_submit_requests{outcome=\"%s\"} %zu\n", ns_fleet_outcome_name(all[k]), n);
	}
	s = head(s, "ndes_submit_cert_expiry_timestamp_seconds", "gauge",
		 "notAfter of the request's certificate (Unix time).");
	for (i = 0; i < f->nreqs; i++)
		if (f->reqs[i].cert_not_after != 0)
			s = req_metric(s, "ndes_submit_cert_expiry_timestamp_seconds", &f->reqs[i],
				       (long long)f->reqs[i].cert_not_after);
	s = head(s, "ndes_submit_request_failing", "gauge",
		 "1 when the request is failing (outage, ca-error or a failure state).");
	for (i = 0; i < f->nreqs; i++)
		s = req_metric(s, "ndes_submit_request_failing", &f->reqs[i],
			       f->reqs[i].outcome == NS_FLEET_FAILING);
	s = head(s, "ndes_submit_request_failing_since_timestamp_seconds", "gauge",
		 "Start of the request's current outage (Unix time).");
	for (i = 0; i < f->nreqs; i++)
		if (f->reqs[i].failing_since != 0)
			s = req_metric(s, "ndes_submit_request_failing_since_timestamp_seconds",
				       &f->reqs[i], (long long)f->reqs[i].failing_since);
	s = head(s, "ndes_submit_password_fetches_last_hour", "gauge",
		 "One-time passwords fetched for the request in the last hour.");
	for (i = 0; i < f->nreqs; i++)
		if (f->reqs[i].pw_fetches >= 0)
			s = req_metric(s, "ndes_submit_password_fetches_last_hour", &f->reqs[i],
				       f->reqs[i].pw_fetches);
	s = head(s, "ndes_submit_password_fetch_total", "counter",
		 "Admin-page visits for the request's automatic passwords, by result "
		 "(password, cache_full, failed).");
	for (i = 0; i < f->nreqs; i++)
		if (f->reqs[i].pw_fetches >= 0)
			s = fetch_totals(s, &f->reqs[i]);
	return s;
}

static char *prom_cas(char *s, const struct ns_fleet *f)
{
	size_t i, k;

	s = head(s, "ndes_submit_outage_seconds", "gauge",
		 "How long the CA's oldest current outage has lasted (0: none).");
	for (i = 0; i < f->ncas; i++) {
		APPEND(s, "ndes_submit_outage_seconds{ca=");
		s = label(s, f->cas[i].name);
		APPEND(s, "} %lld\n", f->cas[i].outage_since != 0
		       ? (long long)(f->now - f->cas[i].outage_since) : 0LL);
	}
	s = head(s, "ndes_submit_ra_cert_expiry_timestamp_seconds", "gauge",
		 "notAfter of the CA's RA and CA certificates certmonger holds (Unix time).");
	for (i = 0; i < f->ncas; i++)
		for (k = 0; k < f->cas[i].ncerts; k++) {
			APPEND(s, "ndes_submit_ra_cert_expiry_timestamp_seconds{ca=");
			s = label(s, f->cas[i].name);
			APPEND(s, ",role=\"%s\",subject=", f->cas[i].certs[k].role);
			s = label(s, f->cas[i].certs[k].subject);
			APPEND(s, "} %lld\n", (long long)f->cas[i].certs[k].not_after);
		}
	return s;
}

char *ns_status_prometheus(TALLOC_CTX *mem, const struct ns_fleet *f)
{
	char *s = talloc_strdup(mem, "");

	s = prom_requests(s, f);
	s = prom_cas(s, f);
	s = head(s, "ndes_submit_status_unreadable", "gauge",
		 "Files or directories ndes-submit status could not read.");
	APPEND(s, "ndes_submit_status_unreadable %zu\n", f->nunreadable);
	s = head(s, "ndes_submit_status_timestamp_seconds", "gauge",
		 "When ndes-submit status wrote this (Unix time).");
	return APPEND(s, "ndes_submit_status_timestamp_seconds %lld\n", (long long)f->now);
}
