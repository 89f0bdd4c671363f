# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the tests/cadata/*.sh script tests (sourced). Exit codes follow
# automake: 0 pass, 77 skip, anything else fail.
set -u

top_srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
HELPER=${NS_HELPER:-${abs_top_builddir:-.}/src/ndes-submit}
FIXTURES=${NS_FIXTURES:-$top_srcdir/../shared/fixtures/ndes}
PYTHON=${PYTHON:-python3}
SERVER="$top_srcdir/tests/lib/static-server.py"
T=$(mktemp -d /tmp/ns-cadata.XXXXXX)
SERVER_PIDS=""

cleanup() {
	for pid in $SERVER_PIDS; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# shellcheck source=../lib/prereq.sh
. "$top_srcdir/tests/lib/prereq.sh"

need_fixture() {
	[ -r "$FIXTURES/$1" ] || prereq_skip "fixture $FIXTURES/$1 absent (../shared/fixtures/ndes next to the project)"
}

[ -x "$HELPER" ] || fail "helper $HELPER not built"

# jittered_delay FILE MAX: FILE holds only a retry delay the answer layer
# may choose, MAX minus up to half of it (src/core/answer.h ns_answer_jitter).
jittered_delay() {
	d=$(cat "$1")
	case $d in '' | *[!0-9]*) return 1 ;; esac
	[ "$d" -ge $(( $2 - $2 / 2 )) ] && [ "$d" -le "$2" ]
}

# start_server PORT ARGS...: static-server.py on 127.0.0.1:PORT, waits until
# it listens. Requests are logged to $T/requests.PORT.
start_server() {
	port=$1
	shift
	rm -f "$T/port.$port"
	"$PYTHON" "$SERVER" --port "$port" --port-file "$T/port.$port" \
		--log "$T/requests.$port" --lifetime 120 "$@" 2>"$T/server.$port.err" &
	SERVER_PIDS="$SERVER_PIDS $!"
	for _ in $(seq 100); do
		[ -f "$T/port.$port" ] && return 0
		sleep 0.1
	done
	cat "$T/server.$port.err" >&2
	fail "static-server.py did not start on port $port"
}

# The helper's state (caps cache) goes to $STATE, never to the host's
# /var/lib/ndes-submit. A test's own --state-dir comes later and still wins;
# a state-dir in a --config file does not (the command line overrides it).
STATE="$T/state"

# run_helper OPERATION ARGS...: the helper as certmonger runs it, with
# certmonger's environment (only these variables). Sets $rc; stdout in
# $T/out, stderr in $T/err.
run_helper() {
	op=$1
	shift
	env -i PATH="$PATH" CERTMONGER_OPERATION="$op" CERTMONGER_CA_NICKNAME=ndes \
		"$HELPER" --state-dir "$STATE" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# run_admin ARGS...: the helper as an admin runs it. Sets $rc, $T/out, $T/err.
run_admin() {
	env -u CERTMONGER_OPERATION "$HELPER" --state-dir "$STATE" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

expect_rc() {
	[ "$rc" = "$1" ] || { echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"; } >&2
	[ "$rc" = "$1" ] || fail "$2: exit $rc, expected $1"
}

expect_out() {
	grep -q -e "$1" "$T/out" || { echo "--- stdout"; cat "$T/out"; } >&2
	grep -q -e "$1" "$T/out" || fail "stdout lacks: $1"
}

expect_err() {
	grep -q -e "$1" "$T/err" || { echo "--- stderr"; cat "$T/err"; } >&2
	grep -q -e "$1" "$T/err" || fail "stderr lacks: $1"
}

# split_pem FILE PREFIX: PREFIX1.pem, PREFIX2.pem... ; prints the count.
split_pem() {
	awk -v p="$2" '/-----BEGIN CERTIFICATE-----/{n++} n{print > (p n ".pem")} END{print n+0}' "$1"
}
