#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# TLS: an untrusted server certificate fails with a message naming the fix
# (ca-bundle); with ca-bundle the same server works; a name mismatch says so.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null ||
	fail "openssl req"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/wrong.key" -out "$T/wrong.pem" -days 2 \
	-subj /CN=wrong.example -addext subjectAltName=DNS:wrong.example 2>/dev/null ||
	fail "openssl req (wrong)"
start_server 18143 --tls "$T/tls.pem" "$T/tls.key" --on GetCACaps 'body=POSTPKIOperation\nSHA-256\nDES3\n'
start_server 18144 --tls "$T/wrong.pem" "$T/wrong.key" --on GetCACaps 'body=SHA-256\n'

run_helper FETCH-SCEP-CA-CAPS --url https://127.0.0.1:18143/certsrv/mscep/mscep.dll
expect_rc 3 "untrusted TLS"
expect_out '^TLS: certificate of 127.0.0.1:18143 not trusted (set ca-bundle to its CA)'

run_helper FETCH-SCEP-CA-CAPS --url https://127.0.0.1:18143/certsrv/mscep/mscep.dll --ca-bundle "$T/tls.pem"
expect_rc 0 "trusted TLS"
expect_out '^POSTPKIOperation$'

run_helper FETCH-SCEP-CA-CAPS --url https://127.0.0.1:18144/x --ca-bundle "$T/wrong.pem"
expect_rc 3 "name mismatch"
expect_out 'does not match its host name'

run_admin check --url https://127.0.0.1:18143/certsrv/mscep/mscep.dll --timeout 5
expect_out '^\[FAIL\] TLS: certificate of 127.0.0.1:18143 not trusted'
exit 0
