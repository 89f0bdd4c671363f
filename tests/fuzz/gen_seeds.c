/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes seed corpora for the fuzz targets into DIR/seeds/<target>/ and the
 * trust files the harnesses read (DIR/certrep-trust.pem: signing RA, CA;
 * DIR/cmreq-csr.pem). Everything is made here with OpenSSL at run time, so
 * the repository holds no canned data. Usage: gen_seeds DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cookie.h"
#include "csr.h"
#include "../lib/scepbuild.h"
#include "../lib/testcerts.h"
#include "x509util.h"

static const char *top;

static void put(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seeds/%s", top, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/seeds/%s/%s", top, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static void puts_(const char *target, const char *name, const char *s)
{
	put(target, name, s, strlen(s));
}

static char *pem_of(X509 *c)
{
	return ns_cert_pem(NULL, c);
}

static void certs_seeds(void)
{
	EVP_PKEY *k = tc_key();
	X509 *root = tc_cert("Root CA", k, NULL, NULL, true, KU_KEY_CERT_SIGN, NULL, -1, 3650);
	X509 *ca = tc_cert("Issuing CA", k, root, k, true, KU_KEY_CERT_SIGN | KU_CRL_SIGN, NULL, -1, 3650);
	X509 *enc = tc_cert("MSCEP-RA", k, ca, k, false, KU_KEY_ENCIPHERMENT, TC_RA_EKU, -1, 700);
	X509 *sig = tc_cert("MSCEP-RA", k, ca, k, false, KU_DIGITAL_SIGNATURE, TC_RA_EKU, -1, 700);
	X509 *noku = tc_cert("RA no KU", k, ca, k, false, TC_NO_KU, TC_RA_EKU, -1, 700);
	STACK_OF(X509) *ndes = tc_stack(sig, enc, ca, root, NULL);
	STACK_OF(X509) *sub = tc_stack(enc, sig, ca, NULL);
	STACK_OF(X509) *odd = tc_stack(noku, root, NULL);
	STACK_OF(X509) *caonly = tc_stack(root, NULL);
	unsigned char *der = NULL;
	size_t len = 0;
	int n;
	char *pem;
	const char *t[] = { "certs", "roles" };
	int i;

	for (i = 0; i < 2; i++) {
		der = tc_p7_der(ndes, &len);
		put(t[i], "ndes.p7", der, len);
		OPENSSL_free(der);
		der = tc_p7_der(sub, &len);
		put(t[i], "sub.p7", der, len);
		OPENSSL_free(der);
		der = tc_p7_der(odd, &len);
		put(t[i], "odd.p7", der, len);
		OPENSSL_free(der);
		der = tc_p7_der(caonly, &len);
		put(t[i], "caonly.p7", der, len);
		OPENSSL_free(der);
		der = NULL;
		n = i2d_X509(root, &der);
		put(t[i], "root.der", der, (size_t)n);
		OPENSSL_free(der);
		der = NULL;
		pem = talloc_asprintf(NULL, "%s%s%s", pem_of(enc), pem_of(sig), pem_of(ca));
		puts_(t[i], "ra.pem", pem);
		der = tc_p7_der(ndes, &len);
		pem = talloc_asprintf(NULL, "junk\n%s", ns_pkcs7_pem(NULL, der, len));
		puts_(t[i], "ndes.p7.pem", pem);
		OPENSSL_free(der);
	}
}

static const unsigned char NONCE[16] = "0123456789abcdef";
static const unsigned char OTHER[16] = "fedcba9876543210";

static void write_der(const char *target, const char *name, struct sb_msg *m)
{
	size_t len = 0;
	unsigned char *der = sb_build(m, &len);

	if (der == NULL) {
		fprintf(stderr, "gen_seeds: sb_build failed for %s\n", name);
		exit(1);
	}
	put(target, name, der, len);
	OPENSSL_free(der);
}

static void scep_seeds(void)
{
	EVP_PKEY *ca_key = tc_rsa_key_shared(2048), *ra_key = tc_rsa_key_shared(1024);
	X509 *ca = tc_cert("Fuzz Issuing CA", ca_key, NULL, NULL, true, KU_KEY_CERT_SIGN | KU_CRL_SIGN,
			  NULL, -1, 3651);
	X509 *ra = tc_cert("Fuzz MSCEP-RA", ra_key, ca, ca_key, false, KU_DIGITAL_SIGNATURE, NULL,
			  -1, 3651);
	X509 *mini = tc_cert("host.example.test", ra_key, NULL, NULL, false, TC_NO_KU, NULL,
			    -1, 3651);
	struct sb_msg m;
	size_t elen = 0, plen = 0;
	unsigned char *env = sb_envelope(ra, (const unsigned char *)"certificate", 11, &elen);
	unsigned char *poll;
	struct ns_cookie c;
	char *s, path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/certrep-trust.pem", top);
	f = fopen(path, "w");
	fputs(pem_of(ra), f);
	fputs(pem_of(ca), f);
	fclose(f);

	memset(&m, 0, sizeof(m));
	m.signer = ra;
	m.key = ra_key;
	m.md = EVP_sha1();
	m.msg_type = "3";
	m.txid = "FUZZTXID0001";
	m.sender_nonce = OTHER;
	m.recipient_nonce = NONCE;
	m.pki_status = "0";
	m.content = env;
	m.content_len = elen;
	write_der("certrep", "success-sha1", &m);
	m.md = EVP_sha256();
	write_der("certrep", "success-sha256", &m);
	m.content = NULL;
	m.content_len = 0;
	m.pki_status = "3";
	write_der("certrep", "pending-sha256", &m);
	m.md = EVP_sha1();
	m.pki_status = "2";
	m.fail_info = "2";
	m.hresult = "-2146893819";
	write_der("certrep", "failure-sha1", &m);
	m.no_certs = true;
	m.hresult = "0x800706BA";
	write_der("certrep", "failure-nocerts", &m);

	/* certmonger's outgoing messages */
	memset(&m, 0, sizeof(m));
	m.signer = mini;
	m.key = ra_key;
	m.msg_type = "19";
	m.txid = "12345678901234567890";
	m.sender_nonce = NONCE;
	write_der("pkimsg", "pkcsreq", &m);
	m.msg_type = "20";
	write_der("pkimsg", "certpoll", &m);
	poll = sb_build(&m, &plen);
	s = ns_pkcs7_pem(NULL, poll, plen);
	puts_("pkimsg", "certpoll.pem", s);

	memset(&c, 0, sizeof(c));
	c.kind = NS_COOKIE_PENDING;
	c.transport = NS_TRANSPORT_POST;
	c.issuer_ok = true;
	c.since = 1764000000;
	c.certpoll = poll;
	c.certpoll_len = plen;
	puts_("cookie", "pending", ns_cookie_encode(NULL, &c));
	memset(&c, 0, sizeof(c));
	c.kind = NS_COOKIE_RETRY;
	c.since = 1764000000;
	c.reason = (char *)"NDES cannot reach its CA: 0x800706BA";
	puts_("cookie", "retry", ns_cookie_encode(NULL, &c));
	puts_("cookie", "short", "ndes1:P:g:0:1:AAAA");
	OPENSSL_free(poll);
	OPENSSL_free(env);
}

static void csr_seeds(void)
{
	EVP_PKEY *key = tc_rsa_key(1024);
	char *a = tc_csr_pem(NULL, key, "host.example.test", "8CE317021F690069",
			       V_ASN1_PRINTABLESTRING, "CERTIFICATE REQUEST");
	char *b = tc_csr_pem(NULL, key, "host.example.test", "pässword", V_ASN1_UTF8STRING,
			       "NEW CERTIFICATE REQUEST");
	char *c = tc_csr_pem(NULL, key, "host.example.test", NULL, 0, "CERTIFICATE REQUEST");
	unsigned char *spki = NULL, *der;
	char *hex, *req, *cont, path[4096];
	size_t len = 0;
	int n, i;
	FILE *f;

	puts_("csr", "printable.pem", a);
	puts_("csr", "utf8.pem", b);
	puts_("csr", "none.pem", c);
	der = ns_csr_der(NULL, a, &len);
	if (der != NULL)
		put("csr", "printable.der", der, len);

	snprintf(path, sizeof(path), "%s/cmreq-csr.pem", top);
	f = fopen(path, "w");
	fputs(c, f);
	fclose(f);
	n = i2d_PUBKEY(key, &spki);
	hex = talloc_strdup(NULL, "");
	for (i = 0; i < n; i++)
		hex = talloc_asprintf_append(hex, "%02x", spki[i]);
	/* certmonger's store: continuation lines start with one space. */
	cont = talloc_strdup(NULL, "");
	for (i = 0; c[i] != '\0'; i++) {
		if (c[i] == '\n' && c[i + 1] != '\0')
			cont = talloc_asprintf_append(cont, "\n ");
		else
			cont = talloc_asprintf_append(cont, "%c", c[i]);
	}
	req = talloc_asprintf(NULL, "id=fuzz\nkey_type=RSA\nkey_pubkey_info=%s\n"
			      "template_challenge_password_file=/etc/pki/pw.txt\n"
			      "# comment\ncsr=%s\nca_name=ndes\n", hex, cont);
	puts_("cmreq", "request", req);
	req = talloc_asprintf(NULL, "id=fuzz2\r\nkey_next_pubkey_info=%s\r\n"
			      "template_challenge_password=x\r\n", hex);
	puts_("cmreq", "next-key", req);
	OPENSSL_free(spki);
}

static void text_seeds(void)
{
	puts_("caps", "ndes2016", "POSTPKIOperation\r\nRenewal\r\nSHA-256\r\nSHA-1\r\nDES3\r\n");
	puts_("caps", "std", "\xef\xbb\xbfSCEPStandard\nAES\nGetNextCACert\nUpdate\n");
	puts_("caps", "empty", "");
	puts_("mserr", "signed", "-2146893819");
	puts_("mserr", "hex", " 0x800706BA ");
	puts_("mserr", "unsigned", "2147942487");
	puts_("config", "full",
	      "# ndes-submit\nurl = https://ndes.example.com/certsrv/mscep/mscep.dll\n"
	      "ca_bundle = /etc/ssl/certs/ca-certificates.crt\n"
	      "ca-fingerprint = SHA256 Fingerprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\n"
	      "timeout = 30\nconnect-timeout = 40\nmethod = post\nmax-get-length = 4096\n"
	      "poll-interval = 600 # ten minutes\nretry-interval=300\nallow-sha1 = yes\n"
	      "caps = POSTPKIOperation, SHA-256\nstate-dir = \"/var/lib/ndes submit\"\n"
	      "user = DOM\\admin\npassword-file = /etc/ndes-submit/pw\nauth = ntlm\n"
	      "auto-password = no\ncertmonger-requests-dir = /var/lib/certmonger/requests\n"
	      "verbose = 2\n");
	put("argv", "basic", "--url\0https://h/certsrv/mscep/mscep.dll\0-v\0check\0--x\0--\0-y",
	    sizeof("--url\0https://h/certsrv/mscep/mscep.dll\0-v\0check\0--x\0--\0-y") - 1);
	put("argv", "opts", "otp\0--timeout=5\0--method\0get\0--no-allow-sha1\0-vV",
	    sizeof("otp\0--timeout=5\0--method\0get\0--no-allow-sha1\0-vV") - 1);
	puts_("adminpage", "small",
	      "<HTML><Body><P> The thumbprint (hash value) for the CA certificate is: "
	      "<B> A656FA66 AB12B433 A2DA5CF7 CC153D9A </B><P> The enrollment challenge "
	      "password is: <B> 8CE317021F690069 </B><script>x<b>0000</b></script>&amp;&#x41;");
	put("reply", "pki", "\x01\x00\x01" "0\x82", 5);
	puts_("reply", "title", "\x05\x00\x02<html><title>IIS 10.0 Detailed Error - 404.15</title>");
	puts_("reply", "admin", "\x00\x00\x02<B> A656FA66 AB12B433 </B> <B> 8CE317021F690069 </B>");
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	top = argv[1];
	snprintf(path, sizeof(path), "%s/seeds", top);
	mkdir(top, 0755);
	mkdir(path, 0755);
	certs_seeds();
	scep_seeds();
	csr_seeds();
	text_seeds();
	return 0;
}
