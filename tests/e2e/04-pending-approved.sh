#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A template that needs a CA manager's approval: the request waits
# (PENDING), certmonger polls with CertPoll every poll-interval seconds,
# and once approved the certificate arrives with no manual step on the
# client.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "pending, then approved"
HELPER_CONF=(poll-interval=5)
ndes_setup --pending

PW=$(otp_fetch) || e2e_fail "no one-time password"
cm_request mail -g 2048 -N CN=mail1.example.test -D mail1.example.test -L "$PW"

pending_seen() { [ "$(log_count 's("message_type") == "19" and s("pki_status") == "pending"')" -ge 1 ]; }
wait_until 60 "the stand-in answered PENDING" pending_seen
# Waiting, not rejected, and no certificate yet.
sleep 2
st=$(cm_status mail)
assert_match "state while pending" '^(CA_WORKING|SUBMITTING|NEED_TO_SUBMIT)$' "$st"
[ -s "$T/mail.crt" ] && e2e_fail "a certificate was saved while the request was pending"
e2e_ok "no certificate while pending"

# At least one CertPoll (20) while pending, within a few poll intervals.
polled() { [ "$(log_count 's("message_type") == "20"')" -ge 1 ]; }
wait_until 30 "certmonger polled with CertPoll" polled
assert_eq "PKCSReqs sent (polling must not resend the request)" 1 \
	"$(log_count 's("message_type") == "19"')"

ndes_ctl approve --all >"$T/approve.out" 2>&1 ||
	e2e_fail "ndes-server approve failed: $(cat "$T/approve.out")"
e2e_log "approved"
wait_for_state mail MONITORING 60

check_cert "$T/mail.crt" "$T/mail.key" "CN=mail1.example.test" DNS:mail1.example.test
assert_eq "ca-error" "" "$(cm_field mail ca-error)"
assert_eq "CertPoll answered SUCCESS" 1 \
	"$(log_count 's("message_type") == "20" and s("pki_status") == "success"')"
tx19=$(log_last 's("message_type") == "19"' transaction_id)
tx20=$(log_last 's("message_type") == "20"' transaction_id)
assert_eq "CertPoll transactionID = PKCSReq transactionID" "$tx19" "$tx20"
e2e_pass
