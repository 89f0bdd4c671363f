/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Admin page parsing: the real pages NDES serves (fixtures) and synthetic
 * ones for what the fixtures do not cover. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>

#include "adminpage.h"

static unsigned char *read_fixture(TALLOC_CTX *mem, const char *name, size_t *len)
{
	char *path = talloc_asprintf(mem, "%s/%s", NS_FIXTURES_DIR, name);
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (fp == NULL) {
		print_message("SKIP: fixture %s absent (real NDES pages live in ../shared/fixtures/ndes)\n",
			      path);
		return NULL;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = talloc_array(mem, unsigned char, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* UTF-8 text -> UTF-16 (BMP and surrogate pairs), optional BOM. */
static unsigned char *to_utf16(TALLOC_CTX *mem, const char *s, int be, int bom, size_t *len)
{
	size_t n = strlen(s), o = 0, i = 0;
	unsigned char *out = talloc_array(mem, unsigned char, n * 4 + 4);

	assert_non_null(out);
#define PUT16(u) do { uint32_t _u = (u); \
	out[o++] = be ? (unsigned char)(_u >> 8) : (unsigned char)(_u & 0xFF); \
	out[o++] = be ? (unsigned char)(_u & 0xFF) : (unsigned char)(_u >> 8); } while (0)
	if (bom)
		PUT16(0xFEFF);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		if (c < 0x80) {
			cp = c;
			i += 1;
		} else if ((c & 0xE0) == 0xC0) {
			cp = (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 0x3F);
			i += 2;
		} else if ((c & 0xF0) == 0xE0) {
			cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
			i += 3;
		} else {
			cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3F) << 12 |
			     (uint32_t)(s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
			i += 4;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			PUT16(0xD800 + (cp >> 10));
			PUT16(0xDC00 + (cp & 0x3FF));
		} else {
			PUT16(cp);
		}
	}
#undef PUT16
	*len = o;
	return out;
}

static struct ns_adminpage *parse_bytes(TALLOC_CTX *mem, const unsigned char *b, size_t len)
{
	struct ns_adminpage *page = NULL;

	assert_int_equal(ns_adminpage_parse(mem, b, len, &page), 0);
	assert_non_null(page);
	assert_non_null(page->text);
	return page;
}

static struct ns_adminpage *parse_str(TALLOC_CTX *mem, const char *s)
{
	return parse_bytes(mem, (const unsigned char *)s, strlen(s));
}

static void check_success_fixture(const char *name)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	size_t len = 0;
	unsigned char *b = read_fixture(mem, name, &len);
	struct ns_adminpage *page;

	if (b == NULL) {
		talloc_free(mem);
		skip();
	}
	page = parse_bytes(mem, b, len);
	assert_int_equal(page->kind, NS_ADMINPAGE_PASSWORD);
	assert_string_equal(page->password, "8CE317021F690069");
	assert_string_equal(page->thumbprint, "A656FA66 AB12B433 A2DA5CF7 CC153D9A");
	assert_non_null(strstr(page->text, "The enrollment challenge password is: 8CE317021F690069"));
	assert_null(strchr(page->text, '<'));
	talloc_free(mem);
}

static void test_fixture_utf16le_bom(void **state)
{
	check_success_fixture("mscep_admin-password-utf16le-bom.html");
}

static void test_fixture_utf16le_nobom(void **state)
{
	check_success_fixture("mscep_admin-password-utf16le-nobom.html");
}

static void test_fixture_utf8(void **state)
{
	check_success_fixture("mscep_admin-password-utf8.html");
}

static void check_failure_fixture(const char *name, enum ns_adminpage_kind kind, const char *text)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	size_t len = 0;
	unsigned char *b = read_fixture(mem, name, &len);
	struct ns_adminpage *page;

	if (b == NULL) {
		talloc_free(mem);
		skip();
	}
	page = parse_bytes(mem, b, len);
	assert_int_equal(page->kind, kind);
	assert_null(page->password);
	assert_non_null(strstr(page->text, text));
	talloc_free(mem);
}

static void test_fixture_cache_full(void **state)
{
	check_failure_fixture("mscep_admin-cache-full-utf16le.html", NS_ADMINPAGE_CACHE_FULL,
			      "The password cache is full.");
}

static void test_fixture_no_permission(void **state)
{
	check_failure_fixture("mscep_admin-no-permission-utf16le.html", NS_ADMINPAGE_NO_PERMISSION,
			      "You do not have sufficient permission to enroll with SCEP.");
}

#define PAGE_FMT "<HTML><Head><Title>Network Device Enrollment Service</Title></Head><Body>" \
	"<P> The thumbprint (hash value) for the CA certificate is: <B> %s </B> " \
	"<P> The enrollment challenge password is: <B> %s </B> <P> Valid 60 minutes.</Body></HTML>"

static void test_utf16be_bom_and_nobom(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *html = talloc_asprintf(mem, PAGE_FMT, "01234567 89ABCDEF 01234567 89ABCDEF", "00FF00FF11EE11EE");
	size_t len;
	unsigned char *b;
	struct ns_adminpage *page;
	int bom;

	for (bom = 0; bom <= 1; bom++) {
		b = to_utf16(mem, html, 1, bom, &len);
		page = parse_bytes(mem, b, len);
		assert_int_equal(page->kind, NS_ADMINPAGE_PASSWORD);
		assert_string_equal(page->password, "00FF00FF11EE11EE");
		assert_string_equal(page->thumbprint, "01234567 89ABCDEF 01234567 89ABCDEF");
	}
	talloc_free(mem);
}

static void test_odd_trailing_byte(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *html = talloc_asprintf(mem, PAGE_FMT, "A656FA66 AB12B433 A2DA5CF7 CC153D9A", "8CE317021F690069");
	size_t len;
	unsigned char *b = to_utf16(mem, html, 0, 0, &len), *b2;
	struct ns_adminpage *page;

	b2 = talloc_realloc(mem, b, unsigned char, len + 1);
	b2[len] = 0x0A;		/* a stray byte after the last UTF-16 unit */
	page = parse_bytes(mem, b2, len + 1);
	assert_int_equal(page->kind, NS_ADMINPAGE_PASSWORD);
	assert_string_equal(page->password, "8CE317021F690069");
	talloc_free(mem);
}

static void test_password_lengths(void **state)
{
	static const char *pw[] = {
		"8CE31702",					/* PasswordLength 4 */
		"8CE317021F690069",				/* default 8 bytes */
		"0123456789ABCDEF0123456789ABCDEF",		/* single-password mode: 32 */
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	};
	TALLOC_CTX *mem = talloc_new(NULL);
	size_t i, len;

	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		char *html = talloc_asprintf(mem, PAGE_FMT, "A656FA66 AB12B433 A2DA5CF7 CC153D9A", pw[i]);
		unsigned char *b = to_utf16(mem, html, 0, 1, &len);
		struct ns_adminpage *page = parse_bytes(mem, b, len);

		assert_int_equal(page->kind, NS_ADMINPAGE_PASSWORD);
		assert_string_equal(page->password, pw[i]);
		assert_string_equal(page->thumbprint, "A656FA66 AB12B433 A2DA5CF7 CC153D9A");
	}
	talloc_free(mem);
}

static void test_localized(void **state)
{
	/* German page text, lower-case tags, an extra bold word, UTF-16LE. */
	const char *html = "<html><body><p>Dienst f\xc3\xbcr die Registrierung von Netzwerkger\xc3\xa4ten</p>"
		"<p><b>Hinweis</b>: Der Fingerabdruck (Hashwert) f\xc3\xbcr das Zertifikat der "
		"Zertifizierungsstelle lautet: <b>a656fa66 ab12b433 a2da5cf7 cc153d9a</b>"
		"<p>Das Kennwort f\xc3\xbcr die Registrierungsaufforderung lautet: <b>\n 5F3A9C01D2E4B6A8 </b>"
		"<p>G\xc3\xbcltig 60 Minuten &amp; nur einmal.</body></html>";
	TALLOC_CTX *mem = talloc_new(NULL);
	size_t len;
	unsigned char *b = to_utf16(mem, html, 0, 0, &len);
	struct ns_adminpage *page = parse_bytes(mem, b, len);

	assert_int_equal(page->kind, NS_ADMINPAGE_PASSWORD);
	assert_string_equal(page->password, "5F3A9C01D2E4B6A8");
	assert_string_equal(page->thumbprint, "A656FA66 AB12B433 A2DA5CF7 CC153D9A");
	assert_non_null(strstr(page->text, "Netzwerkger\xc3\xa4ten"));
	assert_non_null(strstr(page->text, "60 Minuten & nur einmal."));
	talloc_free(mem);
}

static void test_password_before_thumbprint(void **state)
{
	/* A translation that names the password first: the thumbprint is still not it. */
	const char *html = "<p>Kennwort: <b>ABCDEF0123456789</b><p>Fingerabdruck: "
		"<b>A656FA66 AB12B433 A2DA5CF7 CC153D9A</b>";
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_adminpage *page = parse_str(mem, html);

	assert_int_equal(page->kind, NS_ADMINPAGE_PASSWORD);
	assert_string_equal(page->password, "ABCDEF0123456789");
	talloc_free(mem);
}

static void test_thumbprint_only(void **state)
{
	const char *html = "<HTML><Body><P> The thumbprint (hash value) for the CA certificate is: "
		"<B> A656FA66 AB12B433 A2DA5CF7 CC153D9A </B> <P> Something went wrong.</Body></HTML>";
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ns_adminpage *page = parse_str(mem, html);

	assert_int_equal(page->kind, NS_ADMINPAGE_OTHER);
	assert_null(page->password);
	assert_string_equal(page->thumbprint, "A656FA66 AB12B433 A2DA5CF7 CC153D9A");
	assert_string_equal(page->text, "The thumbprint (hash value) for the CA certificate is: "
			    "A656FA66 AB12B433 A2DA5CF7 CC153D9A Something went wrong.");
	talloc_free(mem);
}

static void test_garbage(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	unsigned char junk[600];
	size_t i;
	struct ns_adminpage *page;

	srand(42);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	page = parse_bytes(mem, junk, sizeof(junk));
	assert_int_equal(page->kind, NS_ADMINPAGE_OTHER);
	assert_null(page->password);

	/* empty body, NULL body, unterminated tags and entities */
	page = parse_bytes(mem, (const unsigned char *)"", 0);
	assert_int_equal(page->kind, NS_ADMINPAGE_OTHER);
	assert_string_equal(page->text, "");
	page = parse_bytes(mem, NULL, 0);
	assert_int_equal(page->kind, NS_ADMINPAGE_OTHER);
	page = parse_str(mem, "<B>8CE317021F690069");
	assert_int_equal(page->kind, NS_ADMINPAGE_PASSWORD);	/* cut short but usable */
	page = parse_str(mem, "<B");
	assert_int_equal(page->kind, NS_ADMINPAGE_OTHER);
	page = parse_str(mem, "a &#xZZ; &bogus; <script>alert('<B>DEADBEEF</B>')</script> b");
	assert_string_equal(page->text, "a &#xZZ; &bogus; b");
	page = parse_str(mem, "<p>Not a password: <B>hello</B>, <b>1234567</b>x<br><B>12</B>");
	assert_int_equal(page->kind, NS_ADMINPAGE_OTHER);
	talloc_free(mem);
}

static void test_decode(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	/* U+1F600 as a surrogate pair, a lone low surrogate, NUL */
	const unsigned char le[] = { 0xFF, 0xFE, 'a', 0, 0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xDC, 0, 0, 'b', 0 };
	const unsigned char bad8[] = { 'x', 0xC3, 'y', 0xFF, 0 , 'z' };
	const unsigned char bom8[] = { 0xEF, 0xBB, 0xBF, 'o', 'k' };
	char *s;

	s = ns_adminpage_decode(mem, le, sizeof(le));
	assert_string_equal(s, "a\xF0\x9F\x98\x80\xEF\xBF\xBD" "b");
	s = ns_adminpage_decode(mem, bad8, sizeof(bad8));
	assert_string_equal(s, "x\xEF\xBF\xBDy\xEF\xBF\xBDz");
	s = ns_adminpage_decode(mem, bom8, sizeof(bom8));
	assert_string_equal(s, "ok");
	s = ns_adminpage_truncate(mem, "abcdef", 10);
	assert_string_equal(s, "abcdef");
	s = ns_adminpage_truncate(mem, "ab\xc3\xa4" "def", 3);
	assert_string_equal(s, "ab...");
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_utf16le_bom),
		cmocka_unit_test(test_fixture_utf16le_nobom),
		cmocka_unit_test(test_fixture_utf8),
		cmocka_unit_test(test_fixture_cache_full),
		cmocka_unit_test(test_fixture_no_permission),
		cmocka_unit_test(test_utf16be_bom_and_nobom),
		cmocka_unit_test(test_odd_trailing_byte),
		cmocka_unit_test(test_password_lengths),
		cmocka_unit_test(test_localized),
		cmocka_unit_test(test_password_before_thumbprint),
		cmocka_unit_test(test_thumbprint_only),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
