#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An NDES that does not accept renewals signed with the old certificate
# (--refuse-renewal: such requests need a password like any other). Without
# admin credentials the helper cannot fetch a password itself: the renewal
# is rejected with a message that says what to do (ca-error), the old
# certificate stays, and the admin's recovery (resubmit with a fresh
# password) works.
# The automatic recovery is scenario 14.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "NDES refusing renewal"
ndes_setup --refuse-renewal
enroll fw fw1.example.test
old_serial=$(cert_serial "$T/fw.crt")

getcert resubmit -i fw >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
# A refused renewal of a still-valid certificate: certmonger keeps the old
# one and goes back to MONITORING, with the refusal as ca-error.
# The helper first asks certmonger for a new key (exit 17, about 30 s).
has_error() { cm_field fw ca-error | grep -q 'password'; }
wait_until 150 "the refused renewal shows in ca-error" has_error
wait_for_state fw 'MONITORING|CA_REJECTED' 30
err=$(cm_field fw ca-error)
assert_match "ca-error says a password is needed" 'password' "$err"
assert_eq "certificate kept" "$old_serial" "$(cert_serial "$T/fw.crt")"
assert_eq "renewal PKCSReq refused (badMessageCheck)" 1 \
	"$(log_count 's("message_type") == "19" and s("signer_kind") == "issued-valid" and s("pki_status") == "failure" and s("fail_info") == "badmessagecheck"')"

# The admin's way out: a fresh one-time password with the resubmit.
PW2=$(otp_fetch) || e2e_fail "no second one-time password"
getcert resubmit -i fw -L "$PW2" >"$T/resubmit2.out" 2>&1 ||
	e2e_fail "getcert resubmit -L failed: $(cat "$T/resubmit2.out")"
wait_new_cert fw "$old_serial" 90
check_cert "$T/fw.crt" "$T/fw.key" "CN=fw1.example.test" DNS:fw1.example.test
assert_eq "ca-error" "" "$(cm_field fw ca-error)"
e2e_pass
