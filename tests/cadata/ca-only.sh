#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A plain RFC 8894 server sends only its CA (DER, or PKCS#7 with a chain):
# the CA plays every role and is printed first.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/root.key" -out "$T/root.pem" -days 30 \
	-subj "/CN=Plain Root CA" -config "$top_srcdir/tests/lib/ca.cnf" -extensions ca 2>/dev/null || fail "openssl req"
openssl x509 -in "$T/root.pem" -outform DER -out "$T/root.der"
openssl req -newkey rsa:2048 -nodes -keyout "$T/sub.key" -out "$T/sub.csr" \
	-subj "/CN=Plain Issuing CA" 2>/dev/null || fail "openssl req (sub)"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$T/ext"
openssl x509 -req -in "$T/sub.csr" -CA "$T/root.pem" -CAkey "$T/root.key" -CAcreateserial \
	-days 30 -extfile "$T/ext" -out "$T/sub.pem" 2>/dev/null || fail "openssl x509 (sub)"
openssl crl2pkcs7 -nocrl -certfile "$T/root.pem" -certfile "$T/sub.pem" -outform DER \
	-out "$T/chain.p7b" || fail "openssl crl2pkcs7"

start_server 18102 \
	--on GetCACert "file=$T/root.der,type=application/x-x509-ca-cert" \
	--on GetCACaps 'body=Renewal\nSHA-1\nSHA-256\nAES\nDES3\nSCEPStandard\nPOSTPKIOperation\n'
start_server 18103 --on GetCACert "file=$T/chain.p7b,type=application/x-x509-ca-ra-cert"
start_server 18104 --on GetCACert "file=$T/root.pem,type=application/x-pem-file"

run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18102/scep -v
expect_rc 0 "FETCH-SCEP-CA-CERTS (one DER CA)"
n=$(split_pem "$T/out" "$T/a")
[ "$n" = 1 ] || fail "expected the CA alone, got $n certificates"
cmp -s "$T/a1.pem" "$T/root.pem" || fail "the printed certificate is not the CA"
expect_err 'no RA certificates'

# CA with its root: the issuing CA first, and second (certmonger's "CA").
run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18103/scep
expect_rc 0 "FETCH-SCEP-CA-CERTS (CA and root)"
n=$(split_pem "$T/out" "$T/b")
[ "$n" = 3 ] || fail "expected 3 certificates, got $n"
cmp -s "$T/b1.pem" "$T/sub.pem" || fail "1st is not the issuing CA"
cmp -s "$T/b2.pem" "$T/sub.pem" || fail "2nd is not the issuing CA"
cmp -s "$T/b3.pem" "$T/root.pem" || fail "3rd is not the root"

# PEM works too.
run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18104/scep
expect_rc 0 "FETCH-SCEP-CA-CERTS (PEM)"
n=$(split_pem "$T/out" "$T/c")
[ "$n" = 1 ] && cmp -s "$T/c1.pem" "$T/root.pem" || fail "PEM reply: not the CA alone"

# Not a certificate at all: a clear error, retried later (3).
start_server 18105 --on GetCACert 'body=<html>oops</html>,type=text/html'
run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18105/scep
expect_rc 3 "FETCH-SCEP-CA-CERTS (HTML)"
expect_out 'GetCACert (http://127.0.0.1:18105/scep): .*neither a DER certificate, a PKCS#7 nor PEM'
exit 0
