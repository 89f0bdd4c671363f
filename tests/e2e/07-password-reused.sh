#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A one-time password is good once: a second request with the same one is
# rejected with a ca-error about the password, the first keeps its cert.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "one-time password used twice"
ndes_setup
enroll first one.example.test

cm_request second -g 2048 -N CN=two.example.test -L "$PW"
wait_for_state second CA_REJECTED 90

err=$(cm_field second ca-error)
assert_match "ca-error mentions the password" 'password' "$err"
assert_match "ca-error says it was used or is unknown" 'used|already|unknown|not found|expired' "$err"
assert_match "ca-error says this host used it already" 'already got a certificate on this host' "$err"
printf '%s' "$err" | grep -qF -- "$PW" && e2e_fail "ca-error echoes the password: '$err'"
e2e_ok "ca-error does not echo the password"
[ -s "$T/second.crt" ] && e2e_fail "a certificate was saved for the second request"
e2e_ok "no certificate for the second request"
assert_eq "first request still" MONITORING "$(cm_status first)"
assert_eq "PKCSReqs answered FAILURE badMessageCheck" 1 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "failure" and s("fail_info") == "badmessagecheck"')"
# NDES removes a password from its cache once used (KB 959193): a reused
# one answers as unknown.
assert_eq "HRESULT" 0x80070490 \
	"$(log_last 's("message_type") == "19"' hresult)"
assert_eq "password outcome at the stand-in" reused \
	"$(log_last 's("message_type") == "19"' password)"
e2e_pass
