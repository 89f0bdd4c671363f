# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Shared part of the "ndes-submit otp" script tests: the helper, a private
# loopback (network namespace when root), the NDES stand-in on a free port.
# Source it. Exit 77 = skip.

srcdir=${abs_top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
builddir=${abs_top_builddir:-.}
HELPER=${NS_HELPER:-$builddir/src/ndes-submit}
SERVER=$srcdir/tests/ndes-server/ndes-server
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
# shellcheck source=../lib/prereq.sh
. "$srcdir/tests/lib/prereq.sh"

# shellcheck source=../lib/netns.sh
. "$srcdir/tests/lib/netns.sh"
otp_netns() {
	# A private loopback: no clash with other tests' ports.
	netns_private "$0" "$@"
}

# Checks what the tests need (else exit 77), then makes $T. Call it after
# otp_netns: that one re-executes the script.
otp_require() {
	[ -x "$HELPER" ] || prereq_skip "helper $HELPER not built"
	[ -x "$SERVER" ] || prereq_skip "$SERVER missing"
	prereq_python cryptography asn1crypto
	T=$(mktemp -d /tmp/ns-otp-test.XXXXXX)
	trap otp_cleanup EXIT
}

SRV_PID=
failures=0
otp_cleanup() {
	otp_stop
	[ -n "${KDC_DIR:-}" ] && kdc_stop "$KDC_DIR" 2>/dev/null
	rm -rf "$T"
}

# otp_start [server switches...]: state in $T/ndes (PKI kept across restarts)
otp_start() {
	otp_stop
	# each start with an empty password cache (NDES' clears on an IIS restart too)
	rm -f "$T/ndes/port" "$T/ndes/passwords.json"
	"$SERVER" --listen 127.0.0.1:0 --state "$T/ndes" --user 'EXAMPLE\alice:Secr3t!' \
		--user 'EXAMPLE\carol:Car0l-pw' --no-permission-user 'EXAMPLE\carol' "$@" \
		>"$T/server.out" 2>&1 &
	SRV_PID=$!
	local i=0
	while [ ! -s "$T/ndes/port" ]; do
		if ! kill -0 "$SRV_PID" 2>/dev/null; then
			echo "FAIL: ndes-server did not start:"; cat "$T/server.out"; exit 1
		fi
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "FAIL: ndes-server did not start in 60 s"; exit 1; }
		sleep 0.1
	done
	PORT=$(cat "$T/ndes/port")
	URL="http://127.0.0.1:$PORT/certsrv/mscep/mscep.dll"
	ADMIN="http://127.0.0.1:$PORT/certsrv/mscep_admin/"
}

otp_stop() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
}

ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; failures=$((failures + 1)); }

# run NAME EXPECTED_STATUS helper-args...: output in $T/out, $T/err
run() {
	local name=$1 want=$2 got
	shift 2
	"$HELPER" "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$name (exit $got)"
	else
		bad "$name: exit $got, expected $want; stdout: $(head -c 300 "$T/out"); stderr: $(head -c 600 "$T/err")"
	fi
}

# expect_in FILE TEXT DESC / expect_not_in FILE TEXT DESC
expect_in() { grep -qF -- "$2" "$1" && ok "$3" || bad "$3: \"$2\" not in $(head -c 600 "$1")"; }
expect_not_in() { grep -qF -- "$2" "$1" && bad "$3: \"$2\" found" || ok "$3"; }

otp_finish() {
	if [ "$failures" -gt 0 ]; then
		echo "FAIL: $failures check(s) failed"
		exit 1
	fi
	echo "PASS"
	exit 0
}
