#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# "ndes-submit check": an unreachable URL and a server that accepts but never
# answers fail within the timeout with a clear message; against the real NDES
# reply the expired RA certificates FAIL with their dates while the roles and
# the chain are OK.
. "$(dirname "$0")/lib.sh"

now() { date +%s; }

t0=$(now)
run_admin check --url http://127.0.0.1:18149/certsrv/mscep/mscep.dll --timeout 3
t1=$(now)
expect_rc 3 "check, nobody listening"
expect_out '^\[FAIL\] not reachable: cannot connect to 127.0.0.1:18149 (connection refused)'
[ $((t1 - t0)) -le 3 ] || fail "check took $((t1 - t0)) s against a refused port"

start_server 18140 --on '*' action=hang
t0=$(now)
run_admin check --url http://127.0.0.1:18140/certsrv/mscep/mscep.dll --timeout 2
t1=$(now)
expect_rc 3 "check, server never answers"
expect_out '^\[FAIL\] not reachable: no complete reply from 127.0.0.1:18140: timed out after 2 s'
[ $((t1 - t0)) -le 5 ] || fail "check took $((t1 - t0)) s with --timeout 2"

need_fixture getcacert-cats-ca.der
start_server 18141 \
	--on GetCACert "file=$FIXTURES/getcacert-cats-ca.der,type=application/x-x509-ca-ra-cert" \
	--on GetCACaps 'body=POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n'
run_admin check --url http://127.0.0.1:18141/certsrv/mscep/mscep.dll \
	--ca-fingerprint 2F:CD:0A:56:BA:6C:8F:89:33:83:02:7B:F0:AF:ED:24:68:EA:4D:57:FE:5E:26:50:30:6D:0B:6D:EE:D4:39:1D
expect_rc 2 "check against expired NDES certificates"
expect_out '^\[ OK \] .* is reachable'
expect_out '^\[ OK \] POSTPKIOperation offered'
expect_out '^\[ OK \] encryption RA: CN=CATS-MSCEP-RA,C=US (keyEncipherment)'
expect_out '^\[ OK \] signing RA: CN=CATS-MSCEP-RA,C=US (digitalSignature)'
expect_out '^\[FAIL\] encryption RA certificate EXPIRED on 2017-01-19 17:00:50 UTC (valid 2015-01-20 17:00:50 UTC to 2017-01-19 17:00:50 UTC)'
expect_out '^\[FAIL\] signing RA certificate EXPIRED'
expect_out '^\[ OK \] encryption RA certificate is signed by CN=cats-ca'
expect_out '^\[ OK \] the CA matches ca-fingerprint'
expect_out '^3 failure(s)'
expect_err 'check: 3 failure(s)'

# A wrong pin fails.
run_admin check --url http://127.0.0.1:18141/certsrv/mscep/mscep.dll \
	--ca-fingerprint 0000000000000000000000000000000000000000000000000000000000000000
expect_out "^\[FAIL\] the CA's SHA-256 2F:CD.* does not match ca-fingerprint"

# cacert: roles, fingerprints and NDES' MD5 thumbprint of the CA.
run_admin cacert --url http://127.0.0.1:18141/certsrv/mscep/mscep.dll
expect_rc 0 "cacert"
expect_out '^Certificate [123]: encryption RA'
expect_out '^Certificate [123]: signing RA'
expect_out '^Certificate [123]: issuing CA'
expect_out 'NDES thumbprint:    F2B8D722 938BE971 E17BB908 CF6E7414'
expect_out 'SHA-256:            2F:CD:0A:56'
expect_out 'Extended key usage: 1.3.6.1.4.1.311.20.2.1 (Certificate Request Agent)'
expect_out 'EXPIRED'
run_admin cacert --file "$FIXTURES/getcacert-cats-ca.der" --pem
expect_rc 0 "cacert --file"
[ "$(grep -c 'BEGIN CERTIFICATE' "$T/out")" = 3 ] || fail "cacert --pem: not 3 PEM blocks"
exit 0
