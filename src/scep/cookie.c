/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "x509util.h"

#define PREFIX "ndes1:"

static char *clean_reason(TALLOC_CTX *mem, const char *r)
{
	size_t i, n = r ? strlen(r) : 0;
	char *s;

	if (n > 300)
		n = 300;
	s = talloc_strndup(mem, r ? r : "", n);
	/* One line for certmonger's store; the reason is the last field, so
	 * ':' and spaces may stay. */
	for (i = 0; s != NULL && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = ' ';
	return s;
}

char *ns_cookie_encode(TALLOC_CTX *mem, const struct ns_cookie *c)
{
	char *b64, *s, *r;

	if (c->kind == NS_COOKIE_PENDING) {
		b64 = ns_base64(mem, c->certpoll, c->certpoll_len);
		if (b64 == NULL)
			return NULL;
		s = talloc_asprintf(mem, PREFIX "P:%c:%d:%lld:%s%s%s", (char)c->transport,
				    c->issuer_ok ? 1 : 0, (long long)c->since, c->server,
				    c->server[0] != '\0' ? ":" : "", b64);
		talloc_free(b64);
		return s;
	}
	r = clean_reason(mem, c->reason);
	if (r == NULL)
		return NULL;
	s = talloc_asprintf(mem, PREFIX "R:%lld:%s", (long long)c->since, r);
	talloc_free(r);
	return s;
}

/* Splits off the next ':'-separated field (in place). */
static char *field(char **p)
{
	char *f = *p, *c;

	if (f == NULL)
		return NULL;
	c = strchr(f, ':');
	if (c != NULL) {
		*c = '\0';
		*p = c + 1;
	} else {
		*p = NULL;
	}
	return f;
}

static int parse_time(const char *s, time_t *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	*out = (time_t)v;
	return 0;
}

/* 16 lower-case hex digits. */
static bool is_server_id(const char *f)
{
	size_t i;

	for (i = 0; f[i] != '\0'; i++)
		if (!isxdigit((unsigned char)f[i]) || isupper((unsigned char)f[i]))
			return false;
	return i == 16;
}

/* "P:TRANSPORT:ISSUER_OK:SINCE[:SERVER]:CERTPOLL" after the kind. */
static int decode_pending(struct ns_cookie *c, char *p)
{
	char *f = field(&p);

	c->kind = NS_COOKIE_PENDING;
	if (f == NULL || strlen(f) != 1 || (f[0] != NS_TRANSPORT_GET && f[0] != NS_TRANSPORT_POST))
		return -1;
	c->transport = (enum ns_transport)f[0];
	f = field(&p);
	if (f == NULL || (strcmp(f, "0") != 0 && strcmp(f, "1") != 0))
		return -1;
	c->issuer_ok = f[0] == '1';
	if (parse_time(field(&p), &c->since) != 0)
		return -1;
	f = field(&p);
	if (f != NULL && p != NULL) {
		if (!is_server_id(f))
			return -1;
		memcpy(c->server, f, sizeof(c->server));
		f = field(&p);
	}
	if (f == NULL || p != NULL)
		return -1;
	c->certpoll = ns_unbase64(c, f, &c->certpoll_len);
	return c->certpoll == NULL || c->certpoll_len == 0 ? -1 : 0;
}

/* "R:SINCE:REASON" after the kind. */
static int decode_retry(struct ns_cookie *c, char *p)
{
	c->kind = NS_COOKIE_RETRY;
	if (parse_time(field(&p), &c->since) != 0)
		return -1;
	/* The reason is the rest of the line (it may hold anything printable). */
	c->reason = talloc_strdup(c, p ? p : "");
	return c->reason == NULL ? -1 : 0;
}

/* A cookie that is not ours to read. */
static int foreign(const char *text, struct ns_err *err)
{
	if (text == NULL || text[0] == '\0')
		return ns_err_set(err, NS_CAUSE_INPUT, "there is no stored cookie to continue from; start over with getcert resubmit");
	if (strncmp(text, "ndes", 4) == 0)
		return ns_err_set(err, NS_CAUSE_INPUT,
				  "the stored cookie is from another version of ndes-submit; "
				  "start over with getcert resubmit");
	return ns_err_set(err, NS_CAUSE_INPUT,
			  "the stored cookie was not made by ndes-submit (maybe by another "
			  "helper used for this request before); start over with getcert resubmit");
}

int ns_cookie_decode(TALLOC_CTX *mem, const char *text, struct ns_cookie **out,
		     struct ns_err *err)
{
	TALLOC_CTX *tmp;
	struct ns_cookie *c;
	char *copy, *p, *kind;
	size_t n;
	int rc = -1;

	*out = NULL;
	if (text == NULL || strncmp(text, PREFIX, strlen(PREFIX)) != 0)
		return foreign(text, err);
	tmp = talloc_new(NULL);
	c = talloc_zero(tmp, struct ns_cookie);
	n = strcspn(text, "\r\n");
	copy = talloc_strndup(tmp, text + strlen(PREFIX), n - strlen(PREFIX));
	p = copy;
	kind = c != NULL && copy != NULL ? field(&p) : NULL;
	if (kind != NULL && strlen(kind) == 1 && kind[0] == NS_COOKIE_PENDING)
		rc = decode_pending(c, p);
	else if (kind != NULL && strlen(kind) == 1 && kind[0] == NS_COOKIE_RETRY)
		rc = decode_retry(c, p);
	if (rc == 0)
		*out = talloc_steal(mem, c);
	talloc_free(tmp);
	if (rc != 0)
		return ns_err_set(err, NS_CAUSE_INPUT,
				  "the stored cookie is damaged; start over with getcert resubmit");
	return 0;
}
