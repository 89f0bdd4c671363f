#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Transient trouble never becomes a long wait or a wrong answer in the
# CA-data operations: server down, a broken GetCACaps reply (cut short, bad
# chunk) or HTTP 5xx -> exit 5 with retry-interval alone on stdout (certmonger
# asks again then; exit 3 meant "revisit in 604800 seconds" at first fetch),
# nothing cached. Needs an admin (HTTP 404, oversized reply) -> still 3.
# The caps setting answers without the server. A GetCACert reply with a
# hundred certificates is cut down to what certmonger can pass to SUBMIT.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
	-out "$T/ca.pem" -days 30 -subj "/CN=Test CA" -config "$top_srcdir/tests/lib/ca.cnf" -extensions ca 2>/dev/null || fail "openssl req CA"
FP=$(openssl x509 -in "$T/ca.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
openssl crl2pkcs7 -nocrl -certfile "$T/ca.pem" -outform DER -out "$T/one.p7b" ||
	fail "openssl crl2pkcs7"

start_server 18147 \
	--on /trunc/ 'body=POSTPKIOperation\r\nRenewal\r\n,type=text/plain,action=truncate' \
	--on /chunk/ 'body=POSTPKIOperation\r\nRenewal\r\n,type=text/plain,action=badchunk' \
	--on /big/ 'action=big,type=text/plain' \
	--on /busy/ 'status=503,body=Service Unavailable,type=text/html' \
	--on /gone/ 'status=404,body=not found,type=text/html'
U=http://127.0.0.1:18147
DOWN=http://127.0.0.1:18108/certsrv/mscep/mscep.dll

# expect_retry WHAT: exit 5, the delay alone on stdout (120, jittered).
expect_retry() {
	expect_rc 5 "$1"
	jittered_delay "$T/out" 120 || { cat "$T/out"; fail "$1: stdout is not a delay in [60, 120]"; }
}

for bad in trunc chunk; do
	run_helper FETCH-SCEP-CA-CAPS --url "$U/$bad/" --retry-interval 120
	expect_retry "GetCACaps $bad"
	expect_err 'GetCACaps failed'
	grep -q 'POST' "$T/err" && fail "GetCACaps $bad: the message blames POST"
	# Again: the hint for a server that never answers GetCACaps.
	run_helper FETCH-SCEP-CA-CAPS --url "$U/$bad/" --retry-interval 120
	expect_retry "GetCACaps $bad, again"
	expect_err 'needs caps in the configuration'
done
run_helper FETCH-SCEP-CA-CAPS --url "$U/busy/" --retry-interval 120
expect_retry "GetCACaps HTTP 503"
run_helper FETCH-SCEP-CA-CAPS --url "$DOWN" --retry-interval 120
expect_retry "GetCACaps, server down"
run_helper FETCH-SCEP-CA-CAPS --url "$U/big/"
expect_rc 3 "GetCACaps oversized"
expect_out 'GetCACaps failed'
ls "$STATE" 2>/dev/null | grep -q '^caps-[0-9a-f]*$' && fail "a failed GetCACaps was cached"

# The caps setting: no request, no failure.
run_helper FETCH-SCEP-CA-CAPS --url "$DOWN" --caps 'POSTPKIOperation, DES3'
expect_rc 0 "caps setting"
printf 'POSTPKIOperation\nDES3\n' | cmp -s - "$T/out" || { cat "$T/out"; fail "caps setting ignored"; }

# GetCACert for FETCH-SCEP-CA-CERTS and FETCH-ROOTS.
run_helper FETCH-SCEP-CA-CERTS --url "$DOWN" --retry-interval 120
expect_retry "GetCACert, server down"
expect_err 'cannot connect'
run_helper FETCH-SCEP-CA-CERTS --url "$U/busy/" --retry-interval 120
expect_retry "GetCACert HTTP 503"
run_helper FETCH-ROOTS --url "$DOWN" --ca-fingerprint "$FP" --retry-interval 120
expect_retry "FETCH-ROOTS, server down"
run_helper FETCH-SCEP-CA-CERTS --url "$U/gone/"
expect_rc 3 "GetCACert HTTP 404"
expect_out 'HTTP 404'

# 1 CA, 2 RAs and 100 other certificates (past ~98, certmonger's SUBMIT
# environment variable exceeds the kernel's 128 KiB and SUBMIT cannot start).
mkdir "$T/many"
for i in $(seq 100); do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/many/k.pem" -out "$T/many/$i.pem" -days 30 -subj "/CN=Other $i" \
		2>/dev/null || fail "openssl req other $i"
done
for role in enc:keyEncipherment sign:digitalSignature; do
	name=${role%%:*}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$name.key" \
		-out "$T/$name.csr" -subj "/CN=NDES RA" 2>/dev/null || fail "openssl req $name"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,%s\nextendedKeyUsage=1.3.6.1.4.1.311.20.2.1\n' \
		"${role#*:}" >"$T/$name.ext"
	openssl x509 -req -in "$T/$name.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-days 30 -extfile "$T/$name.ext" -out "$T/$name.pem" 2>/dev/null || fail "openssl x509 $name"
done
set --
for i in $(seq 100); do set -- "$@" -certfile "$T/many/$i.pem"; done
openssl crl2pkcs7 -nocrl "$@" -certfile "$T/sign.pem" -certfile "$T/ca.pem" \
	-certfile "$T/enc.pem" -outform DER -out "$T/many.p7b" || fail "openssl crl2pkcs7 many"
start_server 18107 --on GetCACert "file=$T/many.p7b,type=application/x-x509-ca-ra-cert"
run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18107/certsrv/mscep/mscep.dll
expect_rc 0 "103 certificates"
n=$(split_pem "$T/out" "$T/c")
[ "$n" -ge 3 ] && [ "$n" -le 32 ] || fail "103 certificates: $n passed to certmonger"
cmp -s "$T/c1.pem" "$T/enc.pem" || fail "103 certificates: 1st is not the encryption RA"
cmp -s "$T/c2.pem" "$T/ca.pem" || fail "103 certificates: 2nd is not the CA"
cmp -s "$T/c3.pem" "$T/sign.pem" || fail "103 certificates: 3rd is not the signing RA"
pool=$(tail -n +1 "$T/out" | awk '/BEGIN/{n++} n>2' | wc -c)
[ "$pool" -le 131072 ] || fail "103 certificates: the pool is $pool bytes"
expect_err 'GetCACert sent 103 certificates: passing'
exit 0
