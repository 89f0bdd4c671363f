#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Speed and memory figures for the helper, measured against the bundled NDES
# stand-in on a private loopback with the real certmonger daemon. Prints the
# figures; asserts nothing about them (targets are judged by people, not by a
# timed unit test). Run after building (./scripts/test.sh or demo.sh builds
# into ./build), as root:  ./scripts/bench.sh [ROUNDS]
top=$(cd "$(dirname "$0")/.." && pwd)
export NS_HELPER=${NS_HELPER:-$top/build/src/ndes-submit}
BENCH_ROUNDS=${1:-${BENCH_ROUNDS:-30}}
export BENCH_ROUNDS
. "$top/tests/e2e/lib.sh"

e2e_begin "benchmark: $BENCH_ROUNDS rounds per operation"
ndes_setup --password-max 1000
printf '%s' "$NDES_PASSWORD" >"$T"/admin.pw
chmod 600 "$T"/admin.pw
helper_conf "url=$NDES_URL" "user=$NDES_USER" "password-file=$T/admin.pw" "auth=ntlm" "verbose=0"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# measure LABEL ROUNDS CMD...: mean wall time and peak resident memory.
measure() {
	local label=$1 rounds=$2 i t0 t1 rss max=0
	shift 2
	t0=$(now_ms)
	for ((i = 0; i < rounds; i++)); do
		/usr/bin/time -f '%M' -o "$T"/rss "$@" >/dev/null 2>&1
		rss=$(tail -n 1 "$T"/rss)
		[ "${rss:-0}" -gt "$max" ] 2>/dev/null && max=$rss
	done
	t1=$(now_ms)
	awk -v l="$label" -v n="$rounds" -v ms=$((t1 - t0)) -v rss="$max" \
		'BEGIN { printf "%-28s %6d runs  %8.1f ms/run  peak RSS %6d KiB\n", l, n, ms / n, rss }'
}

echo "==== helper operations (wall time includes process start) ===="
measure IDENTIFY "$BENCH_ROUNDS" env CERTMONGER_OPERATION=IDENTIFY "$E2E_HELPER" --config "$T"/ndes-submit.conf
measure FETCH-SCEP-CA-CAPS "$BENCH_ROUNDS" env CERTMONGER_OPERATION=FETCH-SCEP-CA-CAPS "$E2E_HELPER" --config "$T"/ndes-submit.conf
measure FETCH-SCEP-CA-CERTS "$BENCH_ROUNDS" env CERTMONGER_OPERATION=FETCH-SCEP-CA-CERTS "$E2E_HELPER" --config "$T"/ndes-submit.conf
measure "otp (NTLM handshake)" 10 "$E2E_HELPER" --config "$T"/ndes-submit.conf otp

echo "==== through certmonger ===="
PW=$(otp_fetch)
t0=$(now_ms)
cm_request bench -g 2048 -N CN=bench.example.test -L "$PW"
wait_for_state bench MONITORING 120
t1=$(now_ms)
printf '%-28s %8d ms (getcert request -> MONITORING, incl. key generation)\n' "first enrollment" $((t1 - t0))
before=$(wc -l <"$NDES_DIR"/log.jsonl)
serial=$(cert_serial "$T"/bench.crt)
t0=$(now_ms)
getcert resubmit -i bench >/dev/null
wait_new_cert bench "$serial" 120
t1=$(now_ms)
after=$(wc -l <"$NDES_DIR"/log.jsonl)
printf '%-28s %8d ms (getcert resubmit -> new certificate)\n' "renewal" $((t1 - t0))
printf '%-28s %8d (HTTP requests the stand-in saw during the renewal)\n' "requests per renewal" $((after - before))
e2e_pass
