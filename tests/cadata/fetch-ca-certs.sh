#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# FETCH-SCEP-CA-CERTS against the real NDES GetCACert bytes: the
# keyEncipherment RA first (certmonger encrypts to it), the CA second, the
# signing RA third, whatever content type the server claims; expired RA
# certificates are still returned and reported on stderr with their dates.
. "$(dirname "$0")/lib.sh"
need_fixture getcacert-cats-ca.der

start_server 18100 \
	--on GetCACert "file=$FIXTURES/getcacert-cats-ca.der,type=application/x-x509-ca-ra-cert" \
	--on GetCACaps 'body=POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n,type=text/plain'
start_server 18101 \
	--on GetCACert "file=$FIXTURES/getcacert-cats-ca.der,type=text/plain"
URL=http://127.0.0.1:18100/certsrv/mscep/mscep.dll

check_order() {
	n=$(split_pem "$T/out" "$T/c")
	[ "$n" = 3 ] || fail "expected 3 certificates, got $n"
	ku1=$(openssl x509 -in "$T/c1.pem" -noout -ext keyUsage | tail -n +2 | tr -d ' ')
	ku3=$(openssl x509 -in "$T/c3.pem" -noout -ext keyUsage | tail -n +2 | tr -d ' ')
	[ "$ku1" = KeyEncipherment ] || fail "1st certificate has keyUsage '$ku1', not Key Encipherment"
	[ "$ku3" = DigitalSignature ] || fail "3rd certificate has keyUsage '$ku3', not Digital Signature"
	openssl x509 -in "$T/c2.pem" -noout -ext basicConstraints | grep -q 'CA:TRUE' ||
		fail "2nd certificate is not a CA"
	openssl x509 -in "$T/c2.pem" -noout -subject | grep -q 'CN *= *cats-ca' ||
		fail "2nd certificate is not cats-ca"
	openssl x509 -in "$T/c1.pem" -noout -subject | grep -q 'CATS-MSCEP-RA' ||
		fail "1st certificate is not the RA"
}

run_helper FETCH-SCEP-CA-CERTS --url "$URL"
expect_rc 0 "FETCH-SCEP-CA-CERTS"
check_order
# The RA certificates expired in 2017: still printed, but said so.
expect_err 'encryption RA certificate CN=CATS-MSCEP-RA,C=US EXPIRED on 2017-01-19 17:00:50 UTC'
expect_err 'signing RA certificate .* EXPIRED'
grep -q 'operation=GetCACert&message=' "$T/requests.18100" || fail "GetCACert sent without message="

# A mislabelled reply (text/plain) is parsed all the same.
run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18101/certsrv/mscep/mscep.dll
expect_rc 0 "FETCH-SCEP-CA-CERTS, text/plain"
check_order

# Through a configuration file.
printf 'url = %s\ntimeout = 5\n' "$URL" >"$T/ndes.conf"
run_helper FETCH-SCEP-CA-CERTS --config "$T/ndes.conf"
expect_rc 0 "FETCH-SCEP-CA-CERTS with --config"
check_order

# An HTTP error: retried later (3), with a hint for the admin.
start_server 18109 --on '*' 'status=404,body=Not Found'
run_helper FETCH-SCEP-CA-CERTS --url http://127.0.0.1:18109/certsrv/mscep/mscep.dl
expect_rc 3 "FETCH-SCEP-CA-CERTS, HTTP 404"
expect_out '^GetCACert: the server answered HTTP 404 (http://127.0.0.1:18109/certsrv/mscep/mscep.dl): is the URL right?'
exit 0
