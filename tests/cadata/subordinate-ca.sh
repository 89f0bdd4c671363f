#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# AD CS as usually deployed: NDES' RA certificates issued by a subordinate
# CA. certmonger names the issuer of its polling message (GetCertInitial)
# after the issuer of the 2nd certificate, so the 2nd must be one the
# issuing CA issued: encryption RA, signing RA, issuing CA, root.
. "$(dirname "$0")/lib.sh"

mk() { # mk NAME SUBJECT ISSUER EXTENSIONS
	openssl req -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" -subj "$2" \
		2>/dev/null || fail "openssl req $1"
	printf '%b' "$4" >"$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.pem" -CAkey "$T/$3.key" -CAcreateserial \
		-days 30 -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null || fail "openssl x509 $1"
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/root.key" -out "$T/root.pem" -days 30 \
	-subj "/CN=Corp Root CA" -config "$top_srcdir/tests/lib/ca.cnf" -extensions ca 2>/dev/null || fail "openssl req root"
mk sub "/DC=test/DC=corp/CN=Corp Issuing CA" root \
	'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'
mk enc "/C=US/CN=NDES-RA" sub \
	'basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\nextendedKeyUsage=1.3.6.1.4.1.311.20.2.1\n'
mk sign "/C=US/CN=NDES-RA" sub \
	'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=1.3.6.1.4.1.311.20.2.1\n'
# NDES sends them in no fixed order.
openssl crl2pkcs7 -nocrl -certfile "$T/sign.pem" -certfile "$T/root.pem" -certfile "$T/enc.pem" \
	-certfile "$T/sub.pem" -outform DER -out "$T/reply.p7b" || fail "openssl crl2pkcs7"

start_server 18146 --on GetCACert "file=$T/reply.p7b,type=application/x-x509-ca-ra-cert"
run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18146/certsrv/mscep/mscep.dll -v
expect_rc 0 "FETCH-SCEP-CA-CERTS"
n=$(split_pem "$T/out" "$T/c")
[ "$n" = 4 ] || fail "expected 4 certificates, got $n"
cmp -s "$T/c1.pem" "$T/enc.pem" || fail "1st is not the encryption RA"
cmp -s "$T/c2.pem" "$T/sign.pem" || fail "2nd is not the signing RA"
cmp -s "$T/c3.pem" "$T/sub.pem" || fail "3rd is not the issuing CA"
cmp -s "$T/c4.pem" "$T/root.pem" || fail "4th is not the root"
# What certmonger will put in GetCertInitial: the issuer of the 2nd = the CA.
[ "$(openssl x509 -in "$T/c2.pem" -noout -issuer -nameopt RFC2253)" = \
  "issuer=CN=Corp Issuing CA,DC=corp,DC=test" ] || fail "2nd certificate's issuer is not the CA"
expect_err 'the issuing CA is not self-signed: printing the signing RA 2nd'

# check verifies the chain up to the root in the reply.
run_admin check --url http://127.0.0.1:18146/certsrv/mscep/mscep.dll
expect_rc 0 "check"
expect_out '^\[ OK \] encryption RA certificate is signed by CN=Corp Issuing CA'
expect_out '^\[ OK \] CA certificate is signed by CN=Corp Root CA'
exit 0
