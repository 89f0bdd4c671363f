#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Adopting a certificate requested by hand (web enrollment at the CA, not
# through NDES): getcert start-tracking -c ndes -f CERT -k KEY, then it
# renews through NDES, signed by that certificate, with its subject and
# SANs, a new key and no password.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "adopting a hand-issued certificate and renewing it through NDES"
ndes_setup
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/web.key" -subj /CN=web1.example.test \
	-addext subjectAltName=DNS:web1.example.test,DNS:www.example.test \
	-out "$T/web.csr" >/dev/null 2>&1 || e2e_fail "openssl req failed"
ndes_ctl issue --csr "$T/web.csr" --out "$T/web.crt" >"$T/issue.out" 2>&1 ||
	e2e_fail "ndes-server issue failed: $(cat "$T/issue.out")"
old_serial=$(cert_serial "$T/web.crt")
old_key=$(key_pubkey "$T/web.key")
assert_eq "hand-issued certificates seen by NDES' SCEP side" 0 "$(log_count 's("operation") == "pkioperation"')"
getcert start-tracking -c ndes -I web -f "$T/web.crt" -k "$T/web.key" >"$T/track.out" 2>&1 ||
	e2e_fail "getcert start-tracking failed: $(cat "$T/track.out")"
wait_for_state web MONITORING 30
getcert resubmit -i web >"$T/resubmit.out" 2>&1 || e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_new_cert web "$old_serial" 150
assert_ne "key replaced" "$old_key" "$(key_pubkey "$T/web.key")"
check_cert "$T/web.crt" "$T/web.key" "CN=web1.example.test" DNS:web1.example.test DNS:www.example.test
assert_eq "ca-error" "" "$(cm_field web ca-error)"
r='s("message_type") == "19" and s("pki_status") == "success"'
assert_eq "renewal signer kind" issued-valid "$(log_last "$r" signer_kind)"
assert_eq "renewal counted as a renewal" true "$(log_last "$r" renewal | tr 'A-Z' 'a-z')"
assert_eq "challenge password in the renewal CSR" "" "$(log_last "$r" password_type)"
e2e_pass
