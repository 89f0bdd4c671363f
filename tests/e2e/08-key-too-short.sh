#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The template wants 4096-bit keys, the request has 2048: rejected, and the
# ca-error says the key is too short (NDES: 0x80094811 CERTSRV_E_KEY_LENGTH).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "key too short for the template"
ndes_setup --min-key-bits 4096

PW=$(otp_fetch) || e2e_fail "no one-time password"
cm_request small -g 2048 -N CN=small.example.test -L "$PW"
wait_for_state small CA_REJECTED 90

err=$(cm_field small ca-error)
assert_match "ca-error mentions the key" 'key' "$err"
assert_match "ca-error says it is too short" 'short|length|size|bits' "$err"
[ -s "$T/small.crt" ] && e2e_fail "a certificate was saved"
e2e_ok "no certificate"
assert_eq "PKCSReq answered FAILURE badRequest" 1 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "failure" and s("fail_info") == "badrequest"')"
assert_eq "HRESULT" 0x80094811 \
	"$(log_last 's("message_type") == "19"' hresult)"
assert_eq "key size seen by the stand-in" 2048 \
	"$(log_last 's("message_type") == "19"' key_bits)"
e2e_pass
