#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# certmonger without [scep] challenge_password_otp keeps a -L password and
# puts it into the renewal CSR. NDES consumed it at the first enrollment
# (KB 959193), and the strict stand-in checks a password a renewal carries:
# the helper says in the log that the password is a consumed one, and
# ca-error points to challenge_password_otp. A fresh password recovers.
CM_OTP=no
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "renewal carrying an already consumed one-time password"
ndes_setup
enroll app app1.example.test
old_serial=$(cert_serial "$T/app.crt")
# Checked without printing it: a password does not belong in a log.
[ -n "$(cm_req_value app template_challenge_password)" ] ||
	e2e_fail "certmonger did not keep the password although challenge_password_otp = no"
e2e_ok "certmonger kept the password (challenge_password_otp = no)"
getcert resubmit -i app >"$T/resubmit.out" 2>&1 || e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
has_error() { [ -n "$(cm_field app ca-error)" ] && [ "$(cm_status app)" = MONITORING ]; }
wait_until 150 "the refused renewal shows in ca-error" has_error
err=$(cm_field app ca-error)
assert_match "ca-error: NDES refused the password" 'password' "$err"
assert_match "ca-error points to challenge_password_otp" 'challenge_password_otp = yes' "$err"
assert_ge "the log says the password was consumed before it was sent" 1 \
	"$(grep -c 'carries the one-time password of an earlier enrollment' "$T/certmonger.log")"
assert_eq "certificate kept" "$old_serial" "$(cert_serial "$T/app.crt")"
assert_eq "renewal refused as a reused password" reused \
	"$(log_last 's("message_type") == "19" and s("pki_status") == "failure"' password)"

PW2=$(otp_fetch) || e2e_fail "no second one-time password"
getcert resubmit -i app -L "$PW2" >"$T/resubmit2.out" 2>&1 || e2e_fail "getcert resubmit -L failed"
wait_new_cert app "$old_serial" 150
check_cert "$T/app.crt" "$T/app.key" "CN=app1.example.test" DNS:app1.example.test
assert_eq "ca-error" "" "$(cm_field app ca-error)"
e2e_pass
