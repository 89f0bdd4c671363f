#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Against a real, independent SCEP server (micromdm's scepserver, Debian
# package "scep"): CA-only, so the CA is printed alone; its caps pass through.
# scepserver binds every interface, so it runs in a private network
# namespace (unshare -n) with its own loopback.
. "$(dirname "$0")/lib.sh"

command -v scepserver >/dev/null 2>&1 || prereq_skip "scepserver not installed (Debian package scep)"
command -v unshare >/dev/null 2>&1 || prereq_skip "unshare not available"
unshare -n true 2>/dev/null || prereq_skip "cannot create a network namespace (needs root)"

scepserver ca -init -depot "$T/depot" -keySize 2048 -years 1 >"$T/ca-init.log" 2>&1 ||
	fail "scepserver ca -init: $(cat "$T/ca-init.log")"

cat >"$T/inner.sh" <<INNER
set -u
ip link set lo up
scepserver -depot "$T/depot" -port 18145 -challenge s3cret -allowrenew 0 >"$T/scepserver.log" 2>&1 &
pid=\$!
for _ in \$(seq 100); do
	"$HELPER" --state-dir "$T/state" caps --url http://127.0.0.1:18145/scep --timeout 2 >/dev/null 2>&1 && break
	sleep 0.1
done
env -i PATH="\$PATH" CERTMONGER_OPERATION=FETCH-SCEP-CA-CERTS "$HELPER" --state-dir "$T/state" --url http://127.0.0.1:18145/scep -v >"$T/certs.out" 2>"$T/certs.err"
echo \$? >"$T/certs.rc"
env -i PATH="\$PATH" CERTMONGER_OPERATION=FETCH-SCEP-CA-CAPS "$HELPER" --state-dir "$T/state" --url http://127.0.0.1:18145/scep >"$T/caps.out" 2>"$T/caps.err"
echo \$? >"$T/caps.rc"
"$HELPER" --state-dir "$T/state" check --url http://127.0.0.1:18145/scep >"$T/check.out" 2>&1
echo \$? >"$T/check.rc"
kill \$pid
wait \$pid 2>/dev/null
exit 0
INNER
timeout 60 unshare -n sh "$T/inner.sh" || fail "the namespace script failed"

[ "$(cat "$T/certs.rc")" = 0 ] || fail "FETCH-SCEP-CA-CERTS exit $(cat "$T/certs.rc"): $(cat "$T/certs.out" "$T/certs.err")"
n=$(split_pem "$T/certs.out" "$T/c")
[ "$n" = 1 ] || fail "expected the CA alone from scepserver, got $n certificates"
openssl x509 -in "$T/c1.pem" -outform DER -out "$T/printed.der"
openssl x509 -in "$T/depot/ca.pem" -outform DER -out "$T/depot-ca.der" 2>/dev/null ||
	openssl x509 -in "$T/depot/ca.crt" -outform DER -out "$T/depot-ca.der" ||
	fail "cannot read scepserver's CA from its depot"
cmp -s "$T/printed.der" "$T/depot-ca.der" || fail "the printed certificate is not scepserver's CA"
grep -q 'no RA certificates' "$T/certs.err" || fail "no note that the CA plays every role"

[ "$(cat "$T/caps.rc")" = 0 ] || fail "FETCH-SCEP-CA-CAPS exit $(cat "$T/caps.rc")"
grep -qx POSTPKIOperation "$T/caps.out" || fail "scepserver caps lack POSTPKIOperation: $(cat "$T/caps.out")"
grep -qx SCEPStandard "$T/caps.out" || fail "scepserver caps lack SCEPStandard"

grep -q '^\[WARN\] no RA certificates' "$T/check.out" || fail "check: $(cat "$T/check.out")"
grep -q '^\[ OK \] the CA is self-signed' "$T/check.out" || fail "check: $(cat "$T/check.out")"
[ "$(cat "$T/check.rc")" = 0 ] || fail "check exit $(cat "$T/check.rc"): $(cat "$T/check.out")"
exit 0
