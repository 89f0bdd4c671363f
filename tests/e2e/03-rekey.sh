#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Rekey: `getcert rekey` makes a new key pair and gets a certificate for it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "rekey: new key, new certificate"
ndes_setup
enroll vpn vpn1.example.test

old_serial=$(cert_serial "$T/vpn.crt")
old_key=$(key_pubkey "$T/vpn.key")

getcert rekey -i vpn >"$T/rekey.out" 2>&1 ||
	e2e_fail "getcert rekey failed: $(cat "$T/rekey.out")"
wait_new_cert vpn "$old_serial" 120

assert_ne "public key after rekey" "$old_key" "$(key_pubkey "$T/vpn.key")"
assert_ne "serial" "$old_serial" "$(cert_serial "$T/vpn.crt")"
check_cert "$T/vpn.crt" "$T/vpn.key" "CN=vpn1.example.test" DNS:vpn1.example.test
assert_eq "ca-error" "" "$(cm_field vpn ca-error)"
assert_eq "PKCSReqs answered SUCCESS" 2 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "success"')"
e2e_pass
