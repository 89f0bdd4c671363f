#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fleet benchmark: HOSTS hosts against one NDES. Each host is a real
# certmonger daemon in its own mount namespace (its own /var/lib/certmonger,
# requests, CAs and configuration), all sharing one private loopback network
# with one NDES stand-in (defaults: 5 cached passwords, 60 minutes each).
# Every host requests a certificate in automatic password mode at the same
# moment (getcert request -l FILE), then every host renews at once
# (getcert resubmit). It prints figures and asserts nothing about speed:
#
#   fleet enroll: H hosts, I issued, F password fetches, C cache-full answers, R NDES requests, T s to the last certificate
#   fleet enroll figures: Q requests per host (A admin page, S SCEP), median password hold M s, bound B s (hosts / 5 x median hold), time/bound X
#   fleet renew: (the same two lines)
#   fleet: stand-in peak concurrent requests P, hosts in NEED_GUIDANCE or CA_REJECTED N, retry-interval S s
#
# A password is "held" from its fetch to its use (it takes one of NDES' 5
# cache slots meanwhile): with 5 slots no fleet can enroll faster than the
# bound, hosts / 5 x the median hold. Every admin-page visit is an NTLM
# exchange, 2 HTTP requests; a SCEP request is 1: a host costs at least 3.
# Each host logs on to the admin page as its own user (EXAMPLE\hostN), so
# that the stand-in's log tells the hosts apart.
#
# Usage: scripts/fleet-bench.sh [HOSTS]   (default 20; root; builds the
# helper into ./build unless NS_HELPER names one). Environment:
# FLEET_RETRY (the helper's retry-interval, default 20 s: shortened from 300
# for the benchmark), FLEET_SPREAD (password-spread, default 10 s per host:
# what the README advises for hosts enrolled together), FLEET_BACKOFF and
# FLEET_BACKOFF_MAX (cache-full-backoff, -max; default: the helper's),
# FLEET_TIMEOUT (seconds per phase, default 300 + 20 per host, plus the
# spread), FLEET_OUT=DIR (write the figures, the policy and the measured
# times as DIR/fleet-HOSTS.json, for tests/bench/fleet-model.py), KEEP=1
# (keep the work directory). Exit 0 when every host got and
# renewed its certificate and none is stuck, 1 otherwise, 77 when it cannot
# run here (not root, no namespaces, certmonger missing).
set -u
HOSTS=${1:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
RETRY=${FLEET_RETRY:-20}
SPREAD=${FLEET_SPREAD:-$((10 * HOSTS))}
BACKOFF=${FLEET_BACKOFF:-}
BACKOFF_MAX=${FLEET_BACKOFF_MAX:-}
TIMEOUT=${FLEET_TIMEOUT:-$((300 + 20 * HOSTS + SPREAD))}
PORT=18450
PY=/usr/bin/python3

case $HOSTS in '' | *[!0-9]* | 0) echo "usage: $0 [HOSTS]" >&2; exit 2 ;; esac
case $SPREAD in '' | *[!0-9]*) echo "fleet-bench: FLEET_SPREAD must be seconds" >&2; exit 2 ;; esac
[ -z "${FLEET_OUT:-}" ] || FLEET_OUT=$(mkdir -p "$FLEET_OUT" && cd "$FLEET_OUT" && pwd) ||
	{ echo "fleet-bench: cannot use FLEET_OUT" >&2; exit 2; }
export FLEET_OUT
[ "$(id -u)" = 0 ] || { echo "SKIP: fleet-bench needs root (namespaces)"; exit 77; }
command -v certmonger >/dev/null || { echo "SKIP: certmonger is not installed"; exit 77; }

if [ -z "${FLEET_INNER:-}" ]; then
	if [ -z "${NS_HELPER:-}" ]; then
		if [ ! -x "$top/build/src/ndes-submit" ]; then
			(cd "$top" && autoreconf -fi >/dev/null && mkdir -p build && cd build &&
				"$top/configure" >/dev/null && make -j"$(nproc)" >/dev/null) ||
				{ echo "fleet-bench: build failed" >&2; exit 1; }
		fi
		NS_HELPER=$top/build/src/ndes-submit
	fi
	export NS_HELPER
	unshare -n -m -p -f --mount-proc true 2>/dev/null ||
		{ echo "SKIP: cannot create namespaces"; exit 77; }
	exec unshare -n -m -p -f --mount-proc env FLEET_INNER=1 "$0" "$@"
fi

# ---- inside: private network, mounts and PIDs --------------------------
ip link set lo up
mount --make-rprivate / 2>/dev/null
W=$(mktemp -d /tmp/fleet.XXXXXX)
finish() {
	local rc=$?
	pkill -TERM certmonger 2>/dev/null
	[ -n "${NDES_PID:-}" ] && kill "$NDES_PID" 2>/dev/null
	sleep 1
	if [ "${KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
		echo "fleet-bench: files kept in $W"
	else
		rm -rf "$W"
	fi
}
trap finish EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }

users=()
for i in $(seq "$HOSTS"); do users+=(--user "EXAMPLE\\host$i:Secr3t!"); done
"$PY" "$top/tests/ndes-server/ndes-server" --listen "127.0.0.1:$PORT" --state "$W/ndes" \
	"${users[@]}" >"$W/ndes.out" 2>&1 &
NDES_PID=$!
for _ in $(seq 300); do [ -s "$W/ndes/port" ] && break; sleep 0.1; done
[ -s "$W/ndes/port" ] || { cat "$W/ndes.out"; echo "fleet-bench: the stand-in did not start" >&2; exit 1; }
URL="http://127.0.0.1:$PORT/certsrv/mscep/mscep.dll"
umask 077
printf 'Secr3t!\n' >"$W/admin-pw"

# One host: directories, the helper's configuration, certmonger.
host_start() {
	local H=$W/h$1
	mkdir -p "$H"/varlib "$H"/requests "$H"/cas "$H"/tmp "$H"/conf "$H"/local "$H"/home "$H"/state
	cat >"$H/ndes-submit.conf" <<EOF
url = $URL
admin-url = http://127.0.0.1:$PORT/certsrv/mscep_admin/
user = EXAMPLE\\host$1
password-file = $W/admin-pw
auth = ntlm
auto-password = yes
state-dir = $H/state
certmonger-requests-dir = $H/requests
retry-interval = $RETRY
password-spread = $SPREAD
EOF
	[ -z "$BACKOFF" ] || echo "cache-full-backoff = $BACKOFF" >>"$H/ndes-submit.conf"
	[ -z "$BACKOFF_MAX" ] || echo "cache-full-backoff-max = $BACKOFF_MAX" >>"$H/ndes-submit.conf"
	printf '[scep]\nchallenge_password_otp = yes\n' >"$H/conf/certmonger.conf"
	echo >"$H/otp"
	HOME=$H/home CERTMONGER_REQUESTS_DIR=$H/requests CERTMONGER_CAS_DIR=$H/cas \
		CERTMONGER_TMPDIR=$H/tmp CERTMONGER_CONFIG_DIR=$H/conf CERTMONGER_LOCAL_CA_DIR=$H/local \
		unshare -m sh -c 'mount --bind "$1/varlib" /var/lib/certmonger &&
			exec certmonger -s -n -L -P "$1/cm.sock" -p "$1/cm.pid" -d 1' sh "$H" \
		>>"$H/cm.log" 2>&1 &
}
cm() {	# cm HOST getcert-args...
	local i=$1
	shift
	CERTMONGER_PVT_ADDRESS="unix:path=$W/h$i/cm.sock" timeout 60 getcert "$@"
}
status_of() { cm "$1" list -i h 2>/dev/null | sed -n 's/^[[:space:]]*status: //p' | head -n 1; }

echo "fleet-bench: $HOSTS hosts, helper $NS_HELPER, retry-interval $RETRY s (shortened for the benchmark), password-spread $SPREAD s, cache-full-backoff ${BACKOFF:-default} s, cache-full-backoff-max ${BACKOFF_MAX:-default} s"
for i in $(seq "$HOSTS"); do host_start "$i"; done
for i in $(seq "$HOSTS"); do
	for _ in $(seq 200); do
		[ -S "$W/h$i/cm.sock" ] && cm "$i" list-cas >/dev/null 2>&1 && break
		sleep 0.1
	done
	cm "$i" add-ca -c ndes -e "$NS_HELPER --config $W/h$i/ndes-submit.conf" >/dev/null 2>&1 ||
		{ echo "fleet-bench: host $i: certmonger or add-ca failed" >&2; exit 1; }
done
for i in $(seq "$HOSTS"); do
	for _ in $(seq 120); do
		cm "$i" list-cas -c ndes 2>/dev/null | grep -q 'SCEP CA certificate thumbprint' && break
		sleep 0.5
	done
done

# figures FROM-LINE START: the phase's figures as JSON (fleet-figures.py).
figures() { "$PY" "$top/scripts/fleet-figures.py" "$W/ndes" "$1" "$2"; }
# jget JSON KEY: one value of a JSON object.
jget() { "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
log_lines() { wc -l <"$W/ndes/log.jsonl"; }
serial() { openssl x509 -in "$1" -noout -serial 2>/dev/null; }

# phase NAME: waits until every host has a certificate different from the
# one in $W/h*/before, prints the phase's line.
phase() {
	local name=$1 start=$2 from=$3 done_n last end
	end=$(($(date +%s) + TIMEOUT))
	last=$start
	while :; do
		done_n=0
		for i in $(seq "$HOSTS"); do
			s=$(serial "$W/h$i/h.crt")
			b=$(cat "$W/h$i/before" 2>/dev/null)
			# A host without a first certificate has nothing to renew.
			[ -n "$s" ] && [ "$s" != "$b" ] && [ "$b" != none ] && done_n=$((done_n + 1))
		done
		[ "$done_n" -gt "${prev_n:-0}" ] && last=$(now)
		prev_n=$done_n
		[ "$done_n" -ge "$HOSTS" ] && break
		[ "$(date +%s)" -ge "$end" ] && break
		sleep 2
	done
	local js t p
	js=$(figures "$from" "$start")
	t=$(secs "$start" "$last")
	p=$(jget "$js" peak_concurrent)
	PEAK=$(( p > ${PEAK:-0} ? p : ${PEAK:-0} ))
	echo "fleet $name: $HOSTS hosts, $done_n issued, $(jget "$js" fetches) password fetches, $(jget "$js" cache_full) cache-full answers, $(jget "$js" requests) NDES requests, $t s to the last certificate"
	"$PY" - "$js" "$HOSTS" "$t" "$name" <<'EOF'
import json, sys
f, n, t, name = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
hold = f["median_hold_s"]
bound = n / 5 * hold
print("fleet %s figures: %.2f requests per host (%d admin page, %d SCEP), median password hold "
      "%.1f s, bound %.0f s (hosts / 5 x median hold), time/bound %s" % (
          name, f["requests"] / n, f["admin_requests"], f["scep_requests"], hold, bound,
          "%.2f" % (t / bound) if bound > 0 else "- (no password held)"))
EOF
	eval "ISSUED_$name=$done_n TIME_$name=$t"
	printf -v "JSON_$name" '%s' "$js"
	prev_n=0
}

# ---- enroll: every host at the same moment ----------------------------
from=$(log_lines)
start=$(now)
pids=()
for i in $(seq "$HOSTS"); do
	cm "$i" request -c ndes -I h -k "$W/h$i/h.key" -f "$W/h$i/h.crt" -g 2048 \
		-N "CN=host$i.example.test" -D "host$i.example.test" -l "$W/h$i/otp" >/dev/null 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
LAUNCH=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
phase enroll "$start" "$from"

# ---- renew: every host at once ------------------------------------------
for i in $(seq "$HOSTS"); do
	b=$(serial "$W/h$i/h.crt")
	echo "${b:-none}" >"$W/h$i/before"
done
from=$(log_lines)
start=$(now)
pids=()
for i in $(seq "$HOSTS"); do cm "$i" resubmit -i h >/dev/null 2>&1 & pids+=($!); done
wait "${pids[@]}"
phase renew "$start" "$from"

stuck=0
for i in $(seq "$HOSTS"); do
	case $(status_of "$i") in NEED_GUIDANCE | CA_REJECTED) stuck=$((stuck + 1)) ;; esac
done
echo "fleet: stand-in peak concurrent requests $PEAK, hosts in NEED_GUIDANCE or CA_REJECTED $stuck, retry-interval $RETRY s"
# The run for tests/bench/fleet-model.py: policy, figures, measured times.
"$PY" - "$W/fleet.json" "$HOSTS" "$RETRY" "$SPREAD" "${BACKOFF:-0}" "${BACKOFF_MAX:-0}" \
	"$LAUNCH" "$JSON_enroll" "$TIME_enroll" "$ISSUED_enroll" "$JSON_renew" "$TIME_renew" \
	"$ISSUED_renew" "$stuck" <<'EOF'
import json, sys
(out, hosts, retry, spread, backoff, backoff_max, launch, enroll, t_enroll, i_enroll, renew,
 t_renew, i_renew, stuck) = sys.argv[1:]
e, r = json.loads(enroll), json.loads(renew)
e.update(time_s=float(t_enroll), issued=int(i_enroll))
r.update(time_s=float(t_renew), issued=int(i_renew))
n = int(hosts)
hold = e["median_hold_s"]
run = {
    "hosts": n,
    # the helper's defaults where the bench sets nothing (settings.h)
    "policy": {"retry_interval": int(retry), "password_spread": int(spread),
               "cache_full_backoff": int(backoff) or 60,
               "cache_full_backoff_max": int(backoff_max) or 600},
    "enroll": e, "renew": r, "stuck": int(stuck),
    "holds": e["holds"], "median_hold_s": hold,
    "bound_s": n / 5 * hold, "ratio": e["time_s"] / (n / 5 * hold) if hold else None,
    "launch_s": float(launch),
    "tail_s": max(0.0, e["time_s"] - e["last_scep_s"]),
    # from exit 5 to certmonger's next SUBMIT (certmonger's logs: under a second)
    "overhead_s": 0.5,
}
with open(out, "w") as f:
    json.dump(run, f, indent=1, sort_keys=True)
EOF
[ -z "${FLEET_OUT:-}" ] || cp "$W/fleet.json" "$FLEET_OUT/fleet-$HOSTS.json"
[ "$ISSUED_enroll" -eq "$HOSTS" ] && [ "$ISSUED_renew" -eq "$HOSTS" ] && [ "$stuck" -eq 0 ]
