#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A password NDES never issued: rejected, and the ca-error tells the admin
# it is about the password (NDES: failInfo badMessageCheck, 0x80070490).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "wrong one-time password"
ndes_setup

cm_request ftp -g 2048 -N CN=ftp1.example.test -L 0123456789ABCDEF
wait_for_state ftp CA_REJECTED 90

err=$(cm_field ftp ca-error)
assert_match "ca-error mentions the password" 'password' "$err"
assert_no_match "ca-error does not echo the password" '0123456789ABCDEF' "$err"
[ -s "$T/ftp.crt" ] && e2e_fail "a certificate was saved"
e2e_ok "no certificate"
assert_eq "PKCSReq answered FAILURE badMessageCheck" 1 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "failure" and s("fail_info") == "badmessagecheck"')"
assert_eq "HRESULT" 0x80070490 \
	"$(log_last 's("message_type") == "19"' hresult)"
assert_eq "password outcome at the stand-in" unknown \
	"$(log_last 's("message_type") == "19"' password)"
e2e_pass
