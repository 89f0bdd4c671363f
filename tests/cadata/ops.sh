#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The operations that need no server, configuration errors and the command
# line: IDENTIFY works even with a broken configuration, unknown operations
# exit 6, a missing URL is UNCONFIGURED (4) with the reason on stdout.
. "$(dirname "$0")/lib.sh"

run_helper IDENTIFY
expect_rc 0 "IDENTIFY"
expect_out '^ndes-submit [0-9]'
run_helper IDENTIFY --config /nonexistent/ndes-submit.conf --bogus-option
expect_rc 0 "IDENTIFY with a broken configuration"
expect_out '^ndes-submit [0-9]'

run_helper NO-SUCH-OPERATION --url http://127.0.0.1:18149/x
expect_rc 6 "unknown operation"
expect_out 'unsupported operation NO-SUCH-OPERATION'

for op in FETCH-SCEP-CA-CERTS FETCH-SCEP-CA-CAPS; do
	run_helper $op
	expect_rc 4 "$op without url"
	expect_out '^no SCEP URL configured: set url'
done
run_helper FETCH-SCEP-CA-CERTS --url ftp://example.com/x
expect_rc 4 "bad url"
expect_out '^invalid configuration: --url "ftp://example.com/x"'
run_helper FETCH-SCEP-CA-CERTS --config /nonexistent/ndes-submit.conf
expect_rc 4 "missing config file"
expect_out '^cannot read configuration file /nonexistent/ndes-submit.conf'
printf 'url = http://127.0.0.1:18149/x\ntimeout = never\n' >"$T/bad.conf"
run_helper FETCH-SCEP-CA-CAPS --config "$T/bad.conf"
expect_rc 4 "bad config value"
expect_out "line 2: timeout \"never\""
run_helper FETCH-SCEP-CA-CAPS --url http://127.0.0.1:18149/x extra
expect_rc 4 "stray argument"

# No network for these (the URL points nowhere).
for op in GET-NEW-REQUEST-REQUIREMENTS GET-RENEW-REQUEST-REQUIREMENTS; do
	run_helper $op --url http://127.0.0.1:18149/x
	expect_rc 0 "$op"
	[ "$(cat "$T/out")" = CERTMONGER_REQ_SUBJECT ] || fail "$op: $(cat "$T/out")"
done
for op in GET-SUPPORTED-TEMPLATES GET-DEFAULT-TEMPLATE; do
	run_helper $op --url http://127.0.0.1:18149/x
	expect_rc 6 "$op"
	expect_out 'NDES chooses the template'
done
run_helper FETCH-ROOTS --url http://127.0.0.1:18149/x
expect_rc 6 "FETCH-ROOTS without trust"
expect_out 'needs trusted-ca or ca-fingerprint'

# Admin side.
run_admin --version
expect_rc 0 "--version"
expect_out '^ndes-submit [0-9]'
run_admin --help
expect_rc 0 "--help"
expect_out 'caps|cacert|check|otp'
run_admin
expect_rc 4 "no subcommand"
expect_err 'CERTMONGER_OPERATION is not set'
run_admin frobnicate
expect_rc 4 "unknown subcommand"
expect_err 'unknown subcommand "frobnicate"'
exit 0
