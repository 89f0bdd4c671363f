#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Several NDES servers and a request that waits for a CA manager: with A
# (first in the list) down, the request goes to B with a password from B
# and is PENDING there; A comes back; the CertPolls keep going to B, the
# server that holds the request (kept in the cookie), not to the first
# server that answers; approved on B, the certificate arrives.
# admin-url is given as a list, one per url, in the same order.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "two NDES servers: a pending request is polled on the server that took it"
ndes_multi_diagnostics
e2e_require_helper
ndes_multi_start a 18386
ndes_multi_start b 18387 --pending
umask 077
printf '%s\n' "$NDES_PASSWORD" >"$T/admin-pw"
helper_conf "url=$(ndes_url a) $(ndes_url b)" \
	"admin-url=$(ndes_admin_url a) $(ndes_admin_url b)" "user=$NDES_USER" \
	"password-file=$T/admin-pw" "auth=ntlm" "auto-password=yes" \
	"poll-interval=5" "retry-interval=5" "connect-timeout=3" "timeout=15"
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates"

ndes_multi_stop a
echo >"$T/mail.otp"
cm_request mail -g 2048 -N CN=mail1.example.test -D mail1.example.test -l "$T/mail.otp"

pending_at_b() { [ "$(ndes_log_count b 's("message_type") == "19" and s("pki_status") == "pending"')" -ge 1 ]; }
wait_until 120 "B answered PENDING" pending_at_b
admin_ok='s("operation") == "admin" and s("admin_result") == "password"'
assert_eq "password fetched from B (A down)" 1 "$(ndes_log_count b "$admin_ok")"
assert_eq "password outcome of the request at B" ok \
	"$(NDES_DIR="$T/ndes-b" log_last 's("message_type") == "19"' password)"
st=$(cm_status mail)
assert_match "state while pending" '^(CA_WORKING|SUBMITTING|NEED_TO_SUBMIT)$' "$st"

# A is back: first in the list and answering, but the request is B's.
ndes_multi_start a 18386
polls_b() { ndes_log_count b 's("message_type") == "20"'; }
polls_then=$(polls_b)
polled_again() { [ "$(polls_b)" -ge $((polls_then + 2)) ]; }
wait_until 40 "two CertPolls to B after A came back" polled_again
assert_eq "PKIOperations sent to A (down, then back)" 0 \
	"$(ndes_log_count a 's("operation") == "pkioperation"')"
assert_eq "passwords fetched from A" 0 "$(ndes_log_count a "$admin_ok")"
assert_eq "PKCSReqs to B (polling must not resend the request)" 1 \
	"$(ndes_log_count b 's("message_type") == "19"')"
[ -s "$T/mail.crt" ] && e2e_fail "a certificate was saved while the request was pending"

ndes_use b
ndes_ctl approve --all >"$T/approve.out" 2>&1 ||
	e2e_fail "ndes-server approve on B failed: $(cat "$T/approve.out")"
e2e_log "approved on B"
wait_for_state mail MONITORING 60
check_cert "$T/mail.crt" "$T/mail.key" "CN=mail1.example.test" DNS:mail1.example.test
assert_eq "ca-error" "" "$(cm_field mail ca-error)"
assert_eq "CertPoll answered SUCCESS by B" 1 \
	"$(ndes_log_count b 's("message_type") == "20" and s("pki_status") == "success"')"
assert_eq "CertPoll transactionID = PKCSReq transactionID" \
	"$(log_last 's("message_type") == "19"' transaction_id)" \
	"$(log_last 's("message_type") == "20"' transaction_id)"
assert_eq "PKIOperations sent to A" 0 "$(ndes_log_count a 's("operation") == "pkioperation"')"
assert_eq "issued serial (B's record)" \
	"$(cert_serial "$T/mail.crt" | tr 'A-F' 'a-f' | sed 's/^0*//')" \
	"$(log_last 's("message_type") == "20" and s("pki_status") == "success"' issued_serial | sed 's/^0*//')"
e2e_pass
