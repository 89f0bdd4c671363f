#!/bin/sh
# FETCH-SCEP-CA-CAPS: NDES' list as certmonger needs it; old NDES (no caps:
# empty reply, HTTP error, closed connection) -> what NDES can really do
# (DES3, SHA-1, GET) so certmonger does not fall back to AES-256; an
# unreachable server -> 3 with the reason on stdout.
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
for old in empty error closed; do
	run_helper FETCH-SCEP-CA-CAPS --url "http://127.0.0.1:18106/$old" -v
	expect_rc 0 "old NDES ($old)"
	cmp -s "$T/out" "$T/want" || { cat "$T/out"; fail "old NDES ($old): not DES3/SHA-1"; }
	grep -q AES "$T/out" && fail "AES offered for old NDES ($old)"
	expect_err 'assuming NDES defaults'
done
# The cache went to the test's own state dir, not the host's /var/lib.
[ "$(ls "$T/state"/caps-* 2>/dev/null | wc -l)" -ge 2 ] || fail "the caps cache is not in $T/state"

# Unreachable: exit 3, the reason on stdout (certmonger's ca-error).
run_helper FETCH-SCEP-CA-CAPS --url http://127.0.0.1:18149/certsrv/mscep/mscep.dll
expect_rc 3 "unreachable"
expect_out '^cannot connect to 127.0.0.1:18149 (connection refused)$'

# The admin view of the same.
run_admin caps --url http://127.0.0.1:18106/modern
expect_rc 0 "caps subcommand"
expect_out 'PKIOperation is sent by: POST'
expect_out 'certmonger will encrypt requests with: DES3'
run_admin caps --url http://127.0.0.1:18106/closed
expect_rc 0 "caps subcommand, old NDES"
expect_out 'none sent (old NDES)'
expect_out 'PKIOperation is sent by: GET'
exit 0
