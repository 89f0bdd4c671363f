/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/x509.h>

#include "cmreq.h"
#include "file.h"
#include "csr.h"

#define CMREQ_MAX_FILE (1024 * 1024)

char *ns_cmreq_value(TALLOC_CTX *mem, const char *text, const char *key)
{
	size_t klen = strlen(key), n;
	const char *line = text, *next;
	char *val = NULL;
	bool in_item = false;

	for (; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		n = next != NULL ? (size_t)(next - line) : strlen(line);
		if (next != NULL)
			next++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (line[0] == ' ') {
			/* continuation of the item before */
			if (in_item)
				val = talloc_asprintf_append(val, "\n%.*s", (int)(n - 1), line + 1);
			continue;
		}
		if (line[0] == '#' || line[0] == ';')
			continue;
		if (val != NULL && in_item)
			break;		/* the item we wanted is complete */
		in_item = false;
		if (line[0] == '=') {	/* certmonger skips a leading '=' */
			line++;
			n = n > 0 ? n - 1 : 0;
		}
		if (n > klen && strncasecmp(line, key, klen) == 0 && line[klen] == '=') {
			val = talloc_strndup(mem, line + klen + 1, n - klen - 1);
			in_item = val != NULL;
		}
	}
	if (val != NULL) {
		n = strlen(val);
		while (n > 0 && isspace((unsigned char)val[n - 1]))
			val[--n] = '\0';
		if (n == 0) {
			talloc_free(val);
			val = NULL;
		}
	}
	return val;
}

static bool hex_equals(const char *hex, const unsigned char *der, size_t len)
{
	size_t i;
	unsigned int b;

	if (hex == NULL || strlen(hex) != len * 2)
		return false;
	for (i = 0; i < len; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1 || b != der[i])
			return false;
	}
	return true;
}

/* A request file; it may hold a -L password: wiped when freed. */
static char *read_small(TALLOC_CTX *mem, const char *path)
{
	char *buf = NULL;

	if (ns_file_read(mem, path, CMREQ_MAX_FILE, NS_FILE_NOFOLLOW | NS_FILE_SECRET, &buf,
			 NULL, NULL) != 0)
		return NULL;
	return buf;
}

bool ns_cmreq_ignored_name(const char *name)
{
	static const char *const suffix[] = { ".tmp", ".rpmsave", ".rpmorig", ".rpmnew", "~", "#" };
	size_t i, n = strlen(name), k;

	if (name[0] == '.')
		return true;
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		k = strlen(suffix[i]);
		if (n > k && strcmp(name + n - k, suffix[i]) == 0)
			return true;
	}
	return false;
}

static struct ns_cmreq *make_req(TALLOC_CTX *mem, const char *path, const char *text)
{
	struct ns_cmreq *r = talloc_zero(mem, struct ns_cmreq);

	if (r == NULL)
		return NULL;
	r->path = talloc_strdup(r, path);
	r->id = ns_cmreq_value(r, text, "id");
	r->pw_file = ns_cmreq_value(r, text, "template_challenge_password_file");
	r->has_inline_pw = ns_cmreq_value(r, text, "template_challenge_password") != NULL;
	return r;
}

enum match { NO_MATCH, SAME_KEY, SAME_CSR };

/* Does the request file text hold the CSR, or one with its key? Cheapest
 * test first: the same DER needs no decoding, nor does certmonger's record
 * of the key; the saved CSR is decoded only when neither decides. */
static enum match match_text(TALLOC_CTX *tmp, const char *text, const struct ns_csr *w)
{
	char *pem = ns_cmreq_value(tmp, text, "csr");
	struct ns_csr *f = NULL;
	unsigned char *der = NULL;
	size_t len = 0;

	if (pem != NULL)
		der = ns_csr_der(tmp, pem, &len);
	if (der != NULL && len == w->len && memcmp(der, w->der, w->len) == 0)
		return SAME_CSR;
	if (w->spki == NULL)
		return NO_MATCH;
	if (hex_equals(ns_cmreq_value(tmp, text, "key_pubkey_info"), w->spki, w->spki_len) ||
	    hex_equals(ns_cmreq_value(tmp, text, "key_next_pubkey_info"), w->spki, w->spki_len))
		return SAME_KEY;
	/* certmonger may not have saved a rebuilt CSR yet: match the key. */
	if (der != NULL)
		ns_csr_parse(tmp, pem, &f);
	if (f != NULL && f->spki != NULL && f->spki_len == w->spki_len &&
	    memcmp(f->spki, w->spki, w->spki_len) == 0)
		return SAME_KEY;
	return NO_MATCH;
}

int ns_cmreq_find(TALLOC_CTX *mem, const char *dir, const char *csr_pem,
		  struct ns_cmreq **out, struct ns_err *err)
{
	struct ns_csr *csr = NULL;
	int rc;

	*out = NULL;
	if (ns_csr_parse(mem, csr_pem, &csr) != 0)
		return ns_err_set(err, NS_CAUSE_CONFIG, "automatic password: cannot read the CSR "
				  "certmonger passed");
	rc = ns_cmreq_find_csr(mem, dir, csr, out, err);
	talloc_free(csr);
	return rc;
}

int ns_cmreq_find_csr(TALLOC_CTX *mem, const char *dir, const struct ns_csr *w,
		      struct ns_cmreq **out, struct ns_err *err)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	DIR *d = NULL;
	struct dirent *de;
	struct ns_cmreq *exact = NULL, *by_key = NULL;
	int key_matches = 0, rc = -1;

	*out = NULL;
	d = opendir(dir);
	if (d == NULL) {
		ns_err_set(err, NS_CAUSE_CONFIG,
			   "automatic password: cannot read certmonger's requests directory %s: %s "
			   "(set certmonger-requests-dir)", dir, strerror(errno));
		goto done;
	}
	while ((de = readdir(d)) != NULL && exact == NULL) {
		char *path = ns_cmreq_ignored_name(de->d_name) ? NULL
			: talloc_asprintf(tmp, "%s/%s", dir, de->d_name);
		char *text = path != NULL ? read_small(tmp, path) : NULL;
		enum match m = text != NULL ? match_text(tmp, text, w) : NO_MATCH;

		if (m == SAME_CSR) {
			exact = make_req(tmp, path, text);
		} else if (m == SAME_KEY) {
			key_matches++;
			by_key = make_req(tmp, path, text);
		}
	}
	if (exact == NULL && key_matches > 1) {
		ns_err_set(err, NS_CAUSE_CONFIG,
			   "automatic password: %d certmonger requests in %s use this key; "
			   "cannot tell which one this is", key_matches, dir);
		goto done;
	}
	*out = talloc_steal(mem, exact != NULL ? exact : key_matches == 1 ? by_key : NULL);
	rc = 0;
done:
	if (d != NULL)
		closedir(d);
	talloc_free(tmp);
	return rc;
}
