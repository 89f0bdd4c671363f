#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Pending, then the CA manager denies the request: certmonger stops with a
# ca-error that says so.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "pending, then denied"
HELPER_CONF=(poll-interval=5)
ndes_setup --pending

PW=$(otp_fetch) || e2e_fail "no one-time password"
cm_request db -g 2048 -N CN=db1.example.test -L "$PW"
pending_seen() { [ "$(log_count 's("message_type") == "19" and s("pki_status") == "pending"')" -ge 1 ]; }
wait_until 60 "the stand-in answered PENDING" pending_seen

ndes_ctl deny --all >"$T/deny.out" 2>&1 ||
	e2e_fail "ndes-server deny failed: $(cat "$T/deny.out")"
e2e_log "denied"
wait_for_state db CA_REJECTED 60

assert_match "ca-error" 'den(y|ied)' "$(cm_field db ca-error)"
[ -s "$T/db.crt" ] && e2e_fail "a certificate was saved for a denied request"
e2e_ok "no certificate"
assert_ge "CertPolls" 1 "$(log_count 's("message_type") == "20"')"
assert_eq "CertPoll answered FAILURE" 1 \
	"$(log_count 's("message_type") == "20" and s("pki_status") == "failure"')"
e2e_pass
