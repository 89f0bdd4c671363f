/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adminpage.h"
#include "file.h"

/* ---- decoding ---------------------------------------------------------- */

static char *put_utf8(char *s, size_t *n, uint32_t cp)
{
	char b[4];
	size_t k;

	if (cp == 0)
		return s;	/* NUL characters would cut the string short */
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		k = 4;
	}
	memcpy(s + *n, b, k);
	*n += k;
	return s;
}

static char *decode_utf16(TALLOC_CTX *mem, const unsigned char *p, size_t len, bool be)
{
	/* Each 2-byte unit becomes at most 3 bytes; a pair at most 4. */
	char *s = talloc_array(mem, char, (len / 2) * 3 + 1);
	size_t i, n = 0;

	if (s == NULL)
		return NULL;
	/* len & ~1: an odd trailing byte is dropped. */
	for (i = 0; i + 1 < len; i += 2) {
		uint32_t u = be ? ((uint32_t)p[i] << 8 | p[i + 1]) : ((uint32_t)p[i + 1] << 8 | p[i]);

		if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
			uint32_t l = be ? ((uint32_t)p[i + 2] << 8 | p[i + 3])
					: ((uint32_t)p[i + 3] << 8 | p[i + 2]);
			if (l >= 0xDC00 && l <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
				i += 2;
			}
		}
		put_utf8(s, &n, u);	/* a lone surrogate becomes U+FFFD */
	}
	s[n] = '\0';
	return s;
}

/* Length of a valid UTF-8 sequence at p (of at most left bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t k, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		k = 2, cp = p[0] & 0x1F;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		k = 3, cp = p[0] & 0x0F;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		k = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (k > left)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return k;
}

static char *decode_utf8(TALLOC_CTX *mem, const unsigned char *p, size_t len)
{
	/* An invalid byte becomes U+FFFD (3 bytes). */
	char *s = talloc_array(mem, char, len * 3 + 1);
	size_t i = 0, n = 0, k;

	if (s == NULL)
		return NULL;
	while (i < len) {
		k = utf8_seq(p + i, len - i);
		if (k == 0) {
			put_utf8(s, &n, 0xFFFD);
			i++;
		} else {
			if (!(k == 1 && p[i] == 0)) {
				memcpy(s + n, p + i, k);
				n += k;
			}
			i += k;
		}
	}
	s[n] = '\0';
	return s;
}

char *ns_adminpage_decode(TALLOC_CTX *mem, const unsigned char *body, size_t len)
{
	size_t i, pairs, odd_nul = 0, even_nul = 0;

	if (body == NULL)
		len = 0;
	if (len >= 2 && body[0] == 0xFF && body[1] == 0xFE)
		return decode_utf16(mem, body + 2, len - 2, false);
	if (len >= 2 && body[0] == 0xFE && body[1] == 0xFF)
		return decode_utf16(mem, body + 2, len - 2, true);
	if (len >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF)
		return decode_utf8(mem, body + 3, len - 3);
	/* No BOM: markup is mostly ASCII, so UTF-16 shows NUL in every other byte. */
	pairs = len / 2;
	for (i = 0; i + 1 < len && i < 4096; i += 2) {
		if (body[i] == 0)
			even_nul++;
		if (body[i + 1] == 0)
			odd_nul++;
	}
	if (pairs > 4096 / 2)
		pairs = 4096 / 2;
	if (pairs > 0 && odd_nul * 2 > pairs && odd_nul > even_nul)
		return decode_utf16(mem, body, len, false);
	if (pairs > 0 && even_nul * 2 > pairs && even_nul > odd_nul)
		return decode_utf16(mem, body, len, true);
	return decode_utf8(mem, body != NULL ? body : (const unsigned char *)"", len);
}

/* ---- markup ------------------------------------------------------------ */

static bool ci_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static const char *ci_strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* Is s at the start tag <name> or </name> (name followed by '>', '/' or space)? */
static bool at_tag(const char *s, const char *name, bool closing)
{
	size_t n = strlen(name);

	if (*s++ != '<')
		return false;
	if (closing && *s++ != '/')
		return false;
	if (strncasecmp(s, name, n) != 0)
		return false;
	return s[n] == '>' || s[n] == '/' || isspace((unsigned char)s[n]);
}

static size_t entity(const char *s, uint32_t *cp)
{
	static const struct { const char *name; uint32_t cp; } named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
		{ "&apos;", '\'' }, { "&nbsp;", ' ' },
	};
	size_t i;
	char *end;
	unsigned long v;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (ci_prefix(s, named[i].name)) {
			*cp = named[i].cp;
			return strlen(named[i].name);
		}
	if (s[1] == '#') {
		if (s[2] == 'x' || s[2] == 'X')
			v = strtoul(s + 3, &end, 16);
		else
			v = strtoul(s + 2, &end, 10);
		if (*end == ';' && end > s + 2 && v > 0 && v <= 0x10FFFF) {
			*cp = (uint32_t)v;
			return (size_t)(end - s) + 1;
		}
	}
	return 0;
}

char *ns_adminpage_strip(TALLOC_CTX *mem, const char *html)
{
	size_t len = strlen(html), n = 0, k;
	char *s = talloc_array(mem, char, len * 4 + 1);
	const char *p = html, *q;
	bool space = true;	/* true: the last output was a space (or nothing) */
	bool from_entity;
	uint32_t cp;

	if (s == NULL)
		return NULL;
	while (*p != '\0') {
		if (*p == '<') {
			const char *skip_to = NULL;

			/* Script and style bodies are not text. */
			if (at_tag(p, "script", false))
				skip_to = "</script";
			else if (at_tag(p, "style", false))
				skip_to = "</style";
			if (skip_to != NULL) {
				q = ci_strstr(p, skip_to);
				p = q != NULL ? q : p + strlen(p);
			}
			q = strchr(p, '>');
			p = q != NULL ? q + 1 : p + strlen(p);
			/* A tag separates words ("<P>a<P>b" reads "a b"). */
			if (!space) {
				s[n++] = ' ';
				space = true;
			}
			continue;
		}
		from_entity = false;
		if (*p == '&' && (k = entity(p, &cp)) > 0) {
			p += k;
			from_entity = true;
		} else {
			cp = (unsigned char)*p++;
		}
		if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xA0) {
			if (!space) {
				s[n++] = ' ';
				space = true;
			}
			continue;
		}
		if (cp < 0x20 || cp == 0x7F)
			continue;
		if (from_entity)
			put_utf8(s, &n, cp);
		else
			s[n++] = (char)cp;	/* ASCII, or a byte of UTF-8 text: as is */
		space = false;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	s[n] = '\0';
	return s;
}

char *ns_adminpage_truncate(TALLOC_CTX *mem, const char *text, size_t max)
{
	size_t n = strlen(text);

	if (n <= max)
		return talloc_strdup(mem, text);
	n = max;
	/* Do not cut a UTF-8 sequence in half. */
	while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;
	return talloc_asprintf(mem, "%.*s...", (int)n, text);
}

/* ---- classification ---------------------------------------------------- */

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "A656FA66 AB12B433 A2DA5CF7 CC153D9A": two or more groups of 8 hex digits. */
static char *as_thumbprint(TALLOC_CTX *mem, const char *t)
{
	char *out = talloc_strdup(mem, "");
	int groups = 0;
	size_t n, i;

	while (out != NULL && *t != '\0') {
		n = strcspn(t, " ");
		if (n != 8 || !all_hex(t, n)) {
			talloc_free(out);
			return NULL;
		}
		out = talloc_asprintf_append(out, "%s%.8s", groups > 0 ? " " : "", t);
		groups++;
		t += n;
		t += strspn(t, " ");
	}
	if (out == NULL || groups < 2) {
		talloc_free(out);
		return NULL;
	}
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
	return out;
}

/* NDES passwords are PasswordLength random bytes in hex: one token. */
static bool is_password(const char *t)
{
	size_t n = strlen(t);

	return n >= 4 && n % 2 == 0 && all_hex(t, n);
}

/* Next bold element at or after *pos; returns its text (stripped) or NULL. */
static char *next_bold(TALLOC_CTX *mem, const char **pos)
{
	const char *p = *pos, *start, *end;
	const char *close;
	char *inner;

	for (; (p = strchr(p, '<')) != NULL; p++) {
		if (at_tag(p, "b", false))
			close = "</b";
		else if (at_tag(p, "strong", false))
			close = "</strong";
		else
			continue;
		start = strchr(p, '>');
		if (start == NULL)
			return NULL;
		start++;
		end = ci_strstr(start, close);
		if (end == NULL)
			end = start + strlen(start);
		*pos = end;
		/* Bold text may be the password: every copy is wiped when freed. */
		inner = ns_secret(talloc_strndup(mem, start, (size_t)(end - start)));
		return inner != NULL ? ns_secret(ns_adminpage_strip(mem, inner)) : NULL;
	}
	return NULL;
}

int ns_adminpage_parse(TALLOC_CTX *mem, const unsigned char *body, size_t len,
		       struct ns_adminpage **out)
{
	TALLOC_CTX *tmp = talloc_new(mem);
	struct ns_adminpage *page = talloc_zero(tmp, struct ns_adminpage);
	char *html, *b, *first_candidate = NULL, *after_thumb = NULL;
	const char *pos;

	if (page == NULL)
		goto oom;
	/* The page holds the password: so do its decoded copies. */
	html = ns_secret(ns_adminpage_decode(tmp, body, len));
	if (html == NULL)
		goto oom;
	page->text = ns_secret(ns_adminpage_strip(page, html));
	if (page->text == NULL)
		goto oom;
	pos = html;
	while ((b = next_bold(tmp, &pos)) != NULL) {
		char *tp;

		if (page->thumbprint == NULL && (tp = as_thumbprint(page, b)) != NULL) {
			page->thumbprint = tp;
			continue;
		}
		if (!is_password(b))
			continue;
		if (first_candidate == NULL)
			first_candidate = b;
		if (page->thumbprint != NULL && after_thumb == NULL)
			after_thumb = b;
	}
	/* ndes.md: localized pages keep the order thumbprint, then password. */
	b = after_thumb != NULL ? after_thumb : first_candidate;
	if (b != NULL) {
		page->kind = NS_ADMINPAGE_PASSWORD;
		page->password = ns_secret(talloc_strdup(page, b));
		if (page->password == NULL)
			goto oom;
	} else if (ci_strstr(page->text, "password cache is full") != NULL) {
		page->kind = NS_ADMINPAGE_CACHE_FULL;
	} else if (ci_strstr(page->text, "sufficient permission") != NULL) {
		page->kind = NS_ADMINPAGE_NO_PERMISSION;
	} else {
		page->kind = NS_ADMINPAGE_OTHER;
	}
	*out = talloc_steal(mem, page);
	talloc_free(tmp);
	return 0;
oom:
	talloc_free(tmp);
	return -1;
}
