#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# NDES' classic outage: its RA certificates expired. GetCACert still serves
# them, PKIOperation answers HTTP 500 (an IIS error page, no CertRep). The
# helper says exactly that, with the dates, instead of retrying blindly;
# once an NDES admin has renewed them, refresh-ca and resubmit enroll.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "expired NDES RA certificates: HTTP 500 explained"
ndes_setup --expired-ra
PW=$(otp_fetch) || e2e_fail "no one-time password"
cm_request ra -g 2048 -N CN=ra1.example.test -D ra1.example.test -L "$PW"
wait_for_state ra 'CA_UNREACHABLE|CA_REJECTED|MONITORING|NEED_GUIDANCE' 120
assert_eq "state" CA_UNREACHABLE "$(cm_status ra)"
err=$(cm_field ra ca-error)
assert_match "ca-error names HTTP 500 and the expired RA certificates" \
	'HTTP 500 and its RA certificates have expired' "$err"
assert_match "ca-error gives the signing RA's date" \
	'signing RA "CN=NDES-TEST-MSCEP-RA,C=US" expired [0-9]{4}-[0-9]{2}-[0-9]{2} ' "$err"
assert_match "ca-error says who must act" 'NDES admin' "$err"
assert_eq "PKIOperations answered 500" 1 \
	"$(log_count 's("operation") == "pkioperation" and s("http_status") == "500"')"
assert_eq "the password was not consumed" 0 "$(log_count 's("password") == "ok"')"

# The NDES admin renews the RA certificates (same keys); certmonger takes
# the new ones with refresh-ca, and the request goes through.
ndes_stop
ndes_start
getcert refresh-ca -c ndes >/dev/null 2>&1 || e2e_fail "getcert refresh-ca failed"
ra_valid() { getcert list-cas -c ndes 2>/dev/null | grep -q "ndes"; }
wait_until 30 "refresh-ca ran" ra_valid
sleep 2
getcert resubmit -i ra >"$T/resubmit.out" 2>&1 || e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_for_state ra MONITORING 120
check_cert "$T/ra.crt" "$T/ra.key" "CN=ra1.example.test" DNS:ra1.example.test
assert_eq "ca-error" "" "$(cm_field ra ca-error)"
e2e_pass
