#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Several NDES servers in url: the CA-data operations take the first server
# that answers, skip one that is down, and refuse servers that send different
# CA certificates (certmonger keeps one set and encrypts to its RA), naming
# the server that differs. admin-url must pair with url.
. "$(dirname "$0")/lib.sh"

# mkpki NAME: $T/NAME.p7b holding an RA certificate and its CA.
mkpki() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1-ca.key" -out "$T/$1-ca.pem" \
		-days 30 -subj "/CN=$1 CA" -config "$top_srcdir/tests/lib/ca.cnf" -extensions ca \
		2>/dev/null || fail "openssl req $1 CA"
	openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$1-ra.key" -out "$T/$1-ra.csr" \
		-subj "/CN=$1-MSCEP-RA" 2>/dev/null || fail "openssl req $1 RA"
	printf 'keyUsage = critical,digitalSignature,keyEncipherment\n' >"$T/ra.ext"
	openssl x509 -req -in "$T/$1-ra.csr" -CA "$T/$1-ca.pem" -CAkey "$T/$1-ca.key" \
		-CAcreateserial -days 30 -extfile "$T/ra.ext" -out "$T/$1-ra.pem" 2>/dev/null ||
		fail "openssl x509 $1 RA"
	cat "$T/$1-ra.pem" "$T/$1-ca.pem" >"$T/$1-chain.pem"
	openssl crl2pkcs7 -nocrl -certfile "$T/$1-chain.pem" -outform DER -out "$T/$1.p7b" ||
		fail "openssl crl2pkcs7 $1"
}
mkpki one
mkpki two

CAPS='body=POSTPKIOperation\r\nRenewal\r\nSHA-256\r\nDES3\r\n,type=text/plain'
start_server 18160 \
	--on /a/ "file=$T/one.p7b,type=application/x-x509-ca-ra-cert" \
	--on /b/ "file=$T/one.p7b,type=application/x-x509-ca-ra-cert" \
	--on /c/ "file=$T/two.p7b,type=application/x-x509-ca-ra-cert" \
	--on /busy/ 'status=503,body=Service Unavailable,type=text/html' \
	--on '*' "$CAPS"
U=http://127.0.0.1:18160
DOWN=http://127.0.0.1:18161/certsrv/mscep/mscep.dll	# nothing listens there

# Two servers that agree: the same certificates as from one.
run_helper FETCH-SCEP-CA-CERTS --url "$U/a/ $U/b/"
expect_rc 0 "two servers that agree"
cp "$T/out" "$T/two-agree.out"
run_helper FETCH-SCEP-CA-CERTS --url "$U/a/"
expect_rc 0 "one server"
cmp -s "$T/out" "$T/two-agree.out" || fail "two agreeing servers gave other CA data than one"
[ "$(grep -c 'operation=GetCACert' "$T/requests.18160")" -ge 3 ] ||
	fail "GetCACert was not asked of both servers"

# The first server down: the second answers; the down one is named.
run_helper FETCH-SCEP-CA-CERTS --url "$DOWN $U/b/" --connect-timeout 2
expect_rc 0 "first server down"
cmp -s "$T/out" "$T/two-agree.out" || fail "the second server's CA data differs"
expect_err "NDES server $DOWN is skipped"
run_helper FETCH-SCEP-CA-CERTS --url "$U/busy/ $U/b/"
expect_rc 0 "first server HTTP 503"
expect_err "NDES server $U/busy/ is skipped"
run_helper FETCH-SCEP-CA-CAPS --url "$DOWN $U/caps/" --connect-timeout 2
expect_rc 0 "GetCACaps, first server down"
expect_out 'POSTPKIOperation'

# Every server down: retry later, as with one server.
run_helper FETCH-SCEP-CA-CERTS --url "$DOWN $U/busy/" --connect-timeout 2 --retry-interval 120
expect_rc 5 "every server down"
head -n 1 "$T/out" >"$T/delay"
jittered_delay "$T/delay" 120 || fail "every server down: stdout is not the delay"

# Servers that disagree: refused, naming the one that differs.
run_helper FETCH-SCEP-CA-CERTS --url "$U/a/ $U/c/"
expect_rc 2 "servers that disagree"
expect_out "different CA certificates"
expect_out "$U/c/ lacks \"CN=one-MSCEP-RA\", unlike $U/a/"
grep -q 'BEGIN CERTIFICATE' "$T/out" && fail "disagreeing servers: certificates were still passed on"
# The same RA and CA plus one more certificate at the second server.
cat "$T/one-chain.pem" "$T/two-ca.pem" >"$T/more.pem"
openssl crl2pkcs7 -nocrl -certfile "$T/more.pem" -outform DER -out "$T/more.p7b" || fail "crl2pkcs7 more"
start_server 18162 --on '*' "file=$T/more.p7b,type=application/x-x509-ca-ra-cert"
run_helper FETCH-SCEP-CA-CERTS --url "$U/a/ http://127.0.0.1:18162/x/"
expect_rc 2 "a server with one certificate more"
expect_out "http://127.0.0.1:18162/x/ sends \"CN=two CA\", unlike $U/a/"

# check looks at every server, then at their agreement.
for p in 18163 18164; do
	start_server $p --on GetCACaps "$CAPS" --on GetCACert "file=$T/one.p7b,type=application/x-x509-ca-ra-cert"
done
start_server 18165 --on GetCACaps "$CAPS" --on GetCACert "file=$T/two.p7b,type=application/x-x509-ca-ra-cert"
S1=http://127.0.0.1:18163/certsrv/mscep/mscep.dll
S2=http://127.0.0.1:18164/certsrv/mscep/mscep.dll
S3=http://127.0.0.1:18165/certsrv/mscep/mscep.dll
run_admin check --url "$S1 $S2"
expect_rc 0 "check, two servers that agree"
expect_out "NDES server 1 of 2: $S1"
expect_out "NDES server 2 of 2: $S2"
expect_out 'the NDES servers that answer send the same CA and RA certificates'
[ "$(grep -c 'is reachable' "$T/out")" = 2 ] || fail "check did not reach both servers"
run_admin check --url "$S1 $S3"
expect_rc 2 "check, two servers that disagree"
expect_out "\[FAIL\] the NDES servers send different CA certificates: $S3 lacks"
run_admin check --url "$S1 $DOWN" --connect-timeout 2
expect_rc 3 "check, one server down"
expect_out "NDES server 2 of 2: $DOWN"
expect_out '\[FAIL\] not reachable'
grep -q 'send the same CA' "$T/out" && fail "check compared servers although one was down"

# admin-url pairs with url.
run_helper FETCH-SCEP-CA-CERTS --url "$U/a/ $U/b/" \
	--admin-url "https://x/certsrv/mscep_admin/ https://y/certsrv/mscep_admin/ https://z/certsrv/mscep_admin/"
expect_rc 4 "three admin pages for two servers"
expect_out 'one admin-url per url'
echo "PASS: several servers in the CA-data operations"
exit 0
