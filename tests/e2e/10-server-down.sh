#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The NDES server is down when the request is made: the helper retries on
# its own within retry-interval (not certmonger's 7-day default), says why,
# and once the server is back the certificate arrives with no manual step.
# An outage longer than report-after is reported as an error on every
# attempt while the retries go on.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "server down, then back"
HELPER_CONF=(retry-interval=5 report-after=12 connect-timeout=3 timeout=15)
ndes_setup
PW=$(otp_fetch) || e2e_fail "no one-time password"
ndes_stop

cm_request lb -g 2048 -N CN=lb1.example.test -D lb1.example.test -L "$PW"
# The first attempt and at least one retry (retry-interval 5 s, not
# certmonger's 7 days): helper runs that ended "try again" (exit 3 or 5).
tries() { grep -Eac 'Child status = (3|5)\.' "$T/certmonger.log"; }
retried() { [ "$(tries)" -ge 2 ]; }
wait_until 30 "the helper tried twice while the server was down" retried
st=$(cm_status lb)
assert_match "state while the server is down (waiting, not final)" \
	'^(CA_UNREACHABLE|CA_WORKING|SUBMITTING|NEED_TO_SUBMIT|NEED_SCEP_DATA|GENERATING_SCEP_DATA|HAVE_SCEP_DATA)$' "$st"
[ -s "$T/lb.crt" ] && e2e_fail "a certificate appeared while the server was down"
# The reason is visible: in ca-error, or at least in the daemon's log
# (where the helper's stderr goes).
err=$(cm_field lb ca-error)
if [ -n "$err" ]; then
	assert_match "ca-error while down" 'connect|refused|unreachable|reach|down|retry' "$err"
fi
helper_messages | grep -Eqi 'connect|refused|unreachable' ||
	e2e_fail "the helper did not report the outage on stderr (daemon log)"
e2e_ok "the helper reported the outage (daemon log)"

# Past report-after (12 s) every attempt reports the outage as an error,
# with how long it has lasted, in certmonger's log (the journal): certmonger
# clears ca-error on exit 5 and has no answer that keeps it and retries
# soon (README, "When NDES is down"). The retries go on.
reported() { [ "$(grep -ac 'error: no certificate yet: the SCEP server has failed for' "$T/certmonger.log")" -ge 2 ]; }
wait_until 60 "the outage is reported as an error, twice" reported
assert_match "the report says for how long and why" \
	'failed for [0-9]+ seconds \(cannot connect .*refused.*\); still trying' \
	"$(grep -a 'error: no certificate yet' "$T/certmonger.log" | tail -n 1)"

ndes_start
wait_for_state lb MONITORING 60
check_cert "$T/lb.crt" "$T/lb.key" "CN=lb1.example.test" DNS:lb1.example.test
assert_eq "ca-error" "" "$(cm_field lb ca-error)"
assert_eq "outage records left in the state directory" 0 "$(find "$T/state" -name 'retry-*' | wc -l)"
assert_eq "PKCSReq answered SUCCESS" 1 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "success"')"
e2e_pass
