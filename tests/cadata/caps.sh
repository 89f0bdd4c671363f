#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# FETCH-SCEP-CA-CAPS: NDES' list as certmonger needs it; an empty list (old
# NDES) -> what NDES can really do (DES3, SHA-1, GET) so certmonger does not
# fall back to AES-256. A failed GetCACaps (HTTP error, closed connection) or
# an unreachable server is no list: exit 5, certmonger asks again after
# retry-interval, and nothing is cached.
. "$(dirname "$0")/lib.sh"

start_server 18106 \
	--on /modern 'body=POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nsha-256\r\nSHA-1\r\nDES3\r\n,type=text/plain' \
	--on /empty 'body=,type=text/plain' \
	--on /error 'status=500,body=error' \
	--on /closed 'action=close'

run_helper FETCH-SCEP-CA-CAPS --url http://127.0.0.1:18106/modern --state-dir "$T/state"
expect_rc 0 "modern NDES"
printf 'POSTPKIOperation\nRenewal\nSHA-512\nSHA-256\nSHA-1\nDES3\n' >"$T/want"
cmp -s "$T/out" "$T/want" || { cat "$T/out"; fail "modern NDES caps differ"; }
ls "$T/state"/caps-* >/dev/null 2>&1 || fail "no cache written in the state dir"

printf 'SHA-1\nDES3\n' >"$T/want"
run_helper FETCH-SCEP-CA-CAPS --url "http://127.0.0.1:18106/empty" -v
expect_rc 0 "old NDES (empty)"
cmp -s "$T/out" "$T/want" || { cat "$T/out"; fail "old NDES (empty): not DES3/SHA-1"; }
expect_err 'assuming NDES defaults'
# The cache went to the test's own state dir, not the host's /var/lib.
[ "$(ls "$T/state"/caps-* 2>/dev/null | wc -l)" -ge 2 ] || fail "the caps cache is not in $T/state"

for bad in error closed; do
	run_helper FETCH-SCEP-CA-CAPS --url "http://127.0.0.1:18106/$bad" --retry-interval 240
	expect_rc 5 "failed GetCACaps ($bad)"
	jittered_delay "$T/out" 240 || { cat "$T/out"; fail "failed GetCACaps ($bad): not the delay alone"; }
	expect_err 'GetCACaps failed'
done
[ "$(ls "$T/state" | grep -c '^caps-[0-9a-f]*$')" = 2 ] || fail "a failed GetCACaps was cached"

# Unreachable: exit 5 after retry-interval (exit 3 is days for certmonger).
run_helper FETCH-SCEP-CA-CAPS --url http://127.0.0.1:18149/certsrv/mscep/mscep.dll
expect_rc 5 "unreachable"
jittered_delay "$T/out" 300 || { cat "$T/out"; fail "unreachable: not the default delay"; }
expect_err 'cannot connect to 127.0.0.1:18149 (connection refused)'

# The admin view of the same.
run_admin caps --url http://127.0.0.1:18106/modern
expect_rc 0 "caps subcommand"
expect_out 'PKIOperation is sent by: POST'
expect_out 'certmonger will encrypt requests with: DES3'
run_admin caps --url http://127.0.0.1:18106/empty
expect_rc 0 "caps subcommand, old NDES"
expect_out 'none sent (old NDES)'
expect_out 'PKIOperation is sent by: GET'
run_admin caps --url http://127.0.0.1:18106/closed
expect_rc 3 "caps subcommand, failed GetCACaps"
expect_err 'GetCACaps failed'
exit 0
