# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# End-to-end harness: the real certmonger daemon driving the real helper
# against real servers, each scenario in a private world of its own.
#
# A scenario script does:
#     . "$(dirname "$0")/lib.sh"
#     e2e_begin "what this scenario proves"
#     ndes_start [stand-in switches]
#     cm_add_ca ndes [extra helper options]
#     ...assertions...
#     e2e_pass
#
# Isolation (see ../../../shared/reference/testing-with-real-parts.md):
# - the script re-executes itself under `unshare -n -m -p -f`: a private
#   loopback (servers cannot clash with anything else on the machine), a
#   private mount table (certmonger's lock under /var/lib/certmonger is
#   bind-mounted to our own directory) and a private PID namespace (when the
#   script ends, the kernel ends every process it started, whatever happened);
# - all state lives in $T (mktemp -d), removed at the end unless KEEP=1;
# - every wait is bounded; the whole scenario is bounded by E2E_TIMEOUT.
#
# Exit status: 0 pass, 77 skip (a prerequisite is missing; the reason is
# printed), 1 fail (what was expected and what was seen is printed, followed
# by certmonger's log, the stand-in's request log and `getcert list`).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRCDIR=$(cd "$E2E_DIR/../.." && pwd)
E2E_NAME=$(basename "$0" .sh)
# Debian's python3 (the one on PATH may be a pyenv build without python3-*).
E2E_PY=${E2E_PY:-/usr/bin/python3}
[ -x "$E2E_PY" ] || E2E_PY=python3

e2e_skip() {
	echo "SKIP: $E2E_NAME: $*"
	exit 77
}

# ---- step 1: outside the namespaces -------------------------------------
if [ -z "${E2E_INSIDE:-}" ]; then
	[ "$(id -u)" = 0 ] || e2e_skip "needs root (private network and mount namespaces)"
	for p in unshare certmonger getcert openssl curl ip timeout; do
		command -v "$p" >/dev/null 2>&1 || e2e_skip "program '$p' not found"
	done
	unshare -n -m -p -f --mount-proc true 2>/dev/null ||
		e2e_skip "cannot create network/mount/PID namespaces here (unshare -n -m -p -f failed)"
	E2E_HELPER=${NS_HELPER:-${abs_top_builddir:-.}/src/ndes-submit}
	case $E2E_HELPER in /*) ;; *) E2E_HELPER=$(pwd)/$E2E_HELPER ;; esac
	export E2E_HELPER
	export E2E_INSIDE=1
	# The scenario's own watchdog (below) ends it after E2E_TIMEOUT with
	# diagnostics. This outer timeout is the last resort should the script
	# itself hang: SIGKILL to unshare, whose --kill-child then sends SIGTERM
	# to the script (PID 1 inside), whose trap stops everything.
	# (--foreground: timeout must not signal our whole process group, or
	# certmonger would die before the diagnostics could ask it anything.)
	case $0 in /*) self=$0 ;; *) self=$(pwd)/$0 ;; esac
	exec timeout --foreground -s KILL $((${E2E_TIMEOUT:-300} + 60)) \
		unshare -n -m -p -f --kill-child=SIGTERM --mount-proc \
		bash "$self" "$@"
fi

# ---- step 2: inside ------------------------------------------------------
set -u
E2E_RESULT=fail
E2E_PIDS=()		# processes to stop at the end, newest last

T=$(mktemp -d "${E2E_TMPROOT:-${TMPDIR:-/tmp}}/e2e-$E2E_NAME.XXXXXX")
chmod 700 "$T"
export T

e2e_log() { echo "[$(date +%H:%M:%S)] $*"; }

# Everything certmonger, the stand-in and the helper wrote, for a human
# reading a failed run.
e2e_dump() {
	echo "======== diagnostics for $E2E_NAME (T=$T) ========"
	if [ -n "${CERTMONGER_PVT_ADDRESS:-}" ]; then
		echo "---- getcert list ----"
		timeout 10 getcert list 2>&1
		echo "---- getcert list-cas ----"
		timeout 10 getcert list-cas 2>&1
	fi
	local f
	# The daemon's log without the noise of our own polling, and without
	# the environment dumps (they carry CSRs and certificates).
	if [ -s "$T"/certmonger.log ]; then
		echo "---- $T/certmonger.log (last 250 lines, filtered) ----"
		grep -av -e 'Accepted private connection' -e '^[A-Za-z0-9+/=]*$' \
			-e '^-----' "$T"/certmonger.log | tail -n 250
	fi
	for f in "$T"/ndes/log.jsonl "$T"/ndes/server.log "$T"/syslog.log \
		 "$T"/micromdm.log "$T"/kdc/kdc.log "$T"/extra.log; do
		[ -s "$f" ] || continue
		echo "---- $f (last 100 lines) ----"
		tail -n 100 "$f"
	done
	# certmonger's record of each request, less keys, CSRs, certificates
	# and passwords.
	for f in "$T"/requests/*; do
		[ -f "$f" ] || continue
		echo "---- request file $f ----"
		grep -av -e '^ ' -e '^key_pubkey' -e '^csr=' -e '^cert=' -e '^spkac=' \
			-e '^minicert=' -e '^scep_' -e 'challenge_password=' "$f"
	done
	echo "======== end of diagnostics ========"
}

e2e_cleanup() {
	local rc=$?
	trap - EXIT TERM INT
	if [ "$E2E_RESULT" = fail ] && [ "$rc" != 77 ]; then
		[ "$rc" = 0 ] && rc=1
		echo "FAIL: $E2E_NAME"
		e2e_dump
	fi
	# Stop what we started, newest first; the PID namespace ends the rest.
	local i pid
	kill "$E2E_WATCHDOG" 2>/dev/null
	for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${E2E_PIDS[$i]}
		kill -TERM "$pid" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		local alive=0
		for pid in "${E2E_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "${E2E_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	umount /var/lib/certmonger 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then
		echo "KEEP=1: files kept in $T"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap e2e_cleanup EXIT
trap 'echo "interrupted (timeout?)"; exit 1' TERM INT
# Watchdog: SIGTERM to ourselves (PID 1 here, which gets only signals it has
# a handler for: the trap above) after E2E_TIMEOUT seconds.
(
	sleep "${E2E_TIMEOUT:-300}"
	echo "TIMEOUT: $E2E_NAME took more than ${E2E_TIMEOUT:-300}s"
	kill -TERM $$
) &
E2E_WATCHDOG=$!

# Remember a background process so that the cleanup stops it.
e2e_track() { E2E_PIDS+=("$1"); }
e2e_untrack() {
	local keep=() p
	for p in "${E2E_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	E2E_PIDS=("${keep[@]}")
}

# ---- results and assertions --------------------------------------------
e2e_pass() {
	E2E_RESULT=pass
	echo "PASS: $E2E_NAME"
	exit 0
}

# e2e_fail MESSAGE: stop here, with diagnostics.
e2e_fail() {
	echo "FAILED CHECK: $*"
	exit 1
}

# A check that passed, said aloud so that the log shows what was proven.
e2e_ok() { echo "ok: $*"; }

assert_eq() {	# WHAT EXPECTED GOT
	[ "$2" = "$3" ] || e2e_fail "$1: expected '$2', got '$3'"
	e2e_ok "$1 = '$3'"
}

assert_ne() {	# WHAT UNEXPECTED GOT
	[ "$2" != "$3" ] || e2e_fail "$1: expected anything but '$2', got it"
	e2e_ok "$1 != '$2' (got '$3')"
}

# Case-insensitive extended regular expression.
assert_match() {	# WHAT REGEX GOT
	printf '%s' "$3" | grep -Eqi -- "$2" ||
		e2e_fail "$1: expected to match /$2/, got '$3'"
	e2e_ok "$1: '$3' matches /$2/"
}

assert_no_match() {	# WHAT REGEX GOT
	if printf '%s' "$3" | grep -Eqi -- "$2"; then
		e2e_fail "$1: expected NOT to match /$2/, got '$3'"
	fi
	e2e_ok "$1 does not match /$2/"
}

assert_file() {	# WHAT FILE
	[ -s "$2" ] || e2e_fail "$1: expected a non-empty file $2"
	e2e_ok "$1 exists"
}

assert_ge() {	# WHAT MIN GOT
	[ "$3" -ge "$2" ] 2>/dev/null || e2e_fail "$1: expected >= $2, got '$3'"
	e2e_ok "$1 = $3 (>= $2)"
}

# ---- the world: loopback, certmonger's own directories ------------------
ip link set lo up || e2e_skip "cannot bring up loopback in the network namespace"
mkdir -p "$T"/varlib "$T"/requests "$T"/cas "$T"/cmtmp "$T"/cmconf "$T"/local \
	"$T"/home "$T"/state
mkdir -p /var/lib/certmonger 2>/dev/null
# Even a session certmonger takes /var/lib/certmonger/lock: use our own.
mount --bind "$T"/varlib /var/lib/certmonger ||
	e2e_skip "cannot bind-mount over /var/lib/certmonger"

# ---- the helper ----------------------------------------------------------
# e2e_require_helper: skip when the helper is not built; fail when it is
# there but does not even answer IDENTIFY (a broken helper must not pass
# for a missing one).
e2e_require_helper() {
	[ -x "$E2E_HELPER" ] || e2e_skip "helper not built: $E2E_HELPER (set NS_HELPER)"
	CERTMONGER_OPERATION=IDENTIFY "$E2E_HELPER" --url http://127.0.0.1:1/ \
		>"$T"/identify.out 2>&1 </dev/null || true
	[ -s "$T"/identify.out ] ||
		e2e_fail "helper $E2E_HELPER does not answer IDENTIFY"
}

# helper_conf [key=value]...: (re)write $T/ndes-submit.conf; every scenario
# keeps its helper state in $T.
helper_conf() {
	{
		echo "# written by tests/e2e/lib.sh"
		echo "state-dir = $T/state"
		echo "certmonger-requests-dir = $T/requests"
		echo "verbose = 2"
		# Where certmonger discards the helper's stderr (0.79.13), the
		# helper's messages go to syslog: this socket (cm_start).
		echo "log-socket = $T/devlog"
		local kv
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
	} >"$T"/ndes-submit.conf
}

# ---- certmonger ----------------------------------------------------------
export HOME="$T"/home
export CERTMONGER_REQUESTS_DIR="$T"/requests CERTMONGER_CAS_DIR="$T"/cas \
	CERTMONGER_TMPDIR="$T"/cmtmp CERTMONGER_CONFIG_DIR="$T"/cmconf \
	CERTMONGER_LOCAL_CA_DIR="$T"/local
CM_PID=
# NDES consumes a one-time password when it checks it and refuses a renewal
# that carries a used one: like a real NDES client set-up, certmonger drops
# the stored password once a certificate is issued. CM_OTP=no keeps it
# (micromdm wants its static challenge on renewals too).
CM_OTP=${CM_OTP:-yes}

# syslog_start: tests/lib/syslog-sink.py on $T/devlog, collecting into
# $T/syslog.log what the helper sends to syslog.
SYSLOG_PID=
syslog_start() {
	[ -z "$SYSLOG_PID" ] || return 0
	"$E2E_PY" "$E2E_SRCDIR"/tests/lib/syslog-sink.py "$T"/devlog "$T"/syslog.log \
		>>"$T"/syslog-sink.err 2>&1 &
	SYSLOG_PID=$!
	e2e_track "$SYSLOG_PID"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$T"/devlog ] && return 0
		sleep 0.1
	done
	e2e_fail "syslog-sink.py did not come up within 10 s"
}

# helper_messages: every message the helper logged, as "ndes-submit: TEXT"
# lines, from certmonger's log (certmonger >= 0.79.14 keeps a helper's
# stderr) and from syslog (0.79.13 sends it to /dev/null).
helper_messages() {
	grep -a '^ndes-submit: ' "$T"/certmonger.log 2>/dev/null
	[ -s "$T"/syslog.log ] &&
		sed -n 's/^<[0-9]*>.* ndes-submit\[[0-9]*\]: /ndes-submit: /p' "$T"/syslog.log
	return 0
}

# cm_start: a private certmonger on a private socket, no bus, debug log in
# $T/certmonger.log (helper stderr lands there too, or in $T/syslog.log).
cm_start() {
	syslog_start
	{
		printf '[scep]\nchallenge_password_otp = %s\n' "$CM_OTP"
		# A scenario may define cm_extra_conf to add settings.
		if declare -F cm_extra_conf >/dev/null; then cm_extra_conf; fi
	} >"$T"/cmconf/certmonger.conf
	certmonger -s -n -L -P "$T"/cm.sock -p "$T"/cm.pid -d "${CM_DEBUG:-3}" \
		>>"$T"/certmonger.log 2>&1 &
	CM_PID=$!
	e2e_track "$CM_PID"
	export CERTMONGER_PVT_ADDRESS="unix:path=$T/cm.sock"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$T"/cm.sock ] && getcert list-cas >/dev/null 2>&1 && return 0
		kill -0 "$CM_PID" 2>/dev/null || break
		sleep 0.1
	done
	e2e_fail "certmonger did not come up within 10 s"
}

# stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL; reaped and untracked.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	e2e_untrack "$pid"
}

cm_stop() {
	[ -n "$CM_PID" ] || return 0
	stop_pid "$CM_PID"
	CM_PID=
	rm -f "$T"/cm.sock
}

# cm_add_ca NAME [helper options...]: register the helper as CA NAME with
# the scenario's config file. Options are passed to the helper unquoted by
# any shell: certmonger splits the command line itself (quotes honoured).
cm_add_ca() {
	local name=$1
	shift
	local cmd="$E2E_HELPER --config $T/ndes-submit.conf $*"
	getcert add-ca -c "$name" -e "$cmd" >"$T"/add-ca.out 2>&1 ||
		e2e_fail "getcert add-ca -c $name failed: $(cat "$T"/add-ca.out)"
	e2e_log "CA '$name': $cmd"
}

# cm_wait_ca NAME TIMEOUT: wait until certmonger has the CA's SCEP
# encryption certificate (the FETCH-SCEP-CA-CERTS answer; `getcert list-cas`
# then shows its thumbprint), without which requests stall in
# NEED_SCEP_ENCRYPTION_CERT. Returns 1 (no failure) after TIMEOUT seconds.
cm_wait_ca() {
	local name=$1 timeout=${2:-30} i
	for ((i = 0; i < timeout * 2; i++)); do
		getcert list-cas -c "$name" 2>/dev/null |
			grep -q 'SCEP CA certificate thumbprint' && return 0
		sleep 0.5
	done
	e2e_log "CA '$name': no SCEP encryption certificate after ${timeout}s"
	return 1
}

# cm_field REQ FIELD: a field of `getcert list -i REQ` (first line only),
# e.g. status, ca-error, stuck, issuer, subject.
cm_field() {
	getcert list -i "$1" 2>/dev/null |
		sed -n "s/^[[:space:]]*$2: //p" | head -n 1
}

cm_status() { cm_field "$1" status; }

# cm_request_file REQ: certmonger's own record of the request.
cm_request_file() {
	grep -ls "^id=$1\$" "$T"/requests/* | head -n 1
}

# cm_req_value REQ KEY: a key of that record, e.g. ca_error, state, cert_serial.
cm_req_value() {
	local f
	f=$(cm_request_file "$1")
	[ -n "$f" ] || return 0
	sed -n "s/^$2=//p" "$f" | head -n 1
}

# wait_for_state REQ "STATE[|STATE...]" TIMEOUT: poll `getcert list -i REQ`
# until its status is one of the states; fail (with the last status and
# ca-error) after TIMEOUT seconds, or as soon as the request has sat for 5 s
# in a state certmonger does not leave by itself (CA_REJECTED,
# CA_UNCONFIGURED, NEED_GUIDANCE) that was not asked for.
wait_for_state() {
	local req=$1 want=$2 timeout=${3:-60} st="" start now final_since=
	start=$(date +%s)
	while :; do
		st=$(cm_status "$req")
		now=$(date +%s)
		if printf '%s\n' "$st" | grep -Eqx -- "$want"; then
			e2e_log "request $req: $st after $((now - start))s"
			return 0
		fi
		case $st in
		CA_REJECTED | CA_UNCONFIGURED | NEED_GUIDANCE | NEED_*_PIN | NEED_*_TOKEN)
			[ -n "$final_since" ] || final_since=$now
			[ $((now - final_since)) -ge 5 ] &&
				e2e_fail "request $req: expected state $want, but it stopped in '$st' (ca-error: '$(cm_field "$req" ca-error)')"
			;;
		*) final_since= ;;
		esac
		if [ $((now - start)) -ge "$timeout" ]; then
			e2e_fail "request $req: expected state $want within ${timeout}s, still '$st' (ca-error: '$(cm_field "$req" ca-error)')"
		fi
		sleep 0.5
	done
}

# wait_new_cert REQ OLD_SERIAL TIMEOUT: wait until the certificate file of
# REQ ($T/REQ.crt) holds a certificate with another serial, then until the
# request is MONITORING again. Fails early when the request stops in a state
# certmonger does not leave by itself.
wait_new_cert() {
	local req=$1 old=$2 timeout=${3:-90} start st final_since="" now
	start=$(date +%s)
	while [ "$(cert_serial "$T/$req.crt")" = "$old" ]; do
		now=$(date +%s)
		st=$(cm_status "$req")
		case $st in
		CA_REJECTED | CA_UNCONFIGURED | NEED_GUIDANCE | NEED_*_PIN | NEED_*_TOKEN)
			[ -n "$final_since" ] || final_since=$now
			[ $((now - final_since)) -ge 5 ] &&
				e2e_fail "request $req: expected a new certificate, but it stopped in '$st' (ca-error: '$(cm_field "$req" ca-error)')"
			;;
		*) final_since= ;;
		esac
		[ $((now - start)) -ge "$timeout" ] &&
			e2e_fail "request $req: no new certificate within ${timeout}s (state '$st', ca-error: '$(cm_field "$req" ca-error)')"
		sleep 0.5
	done
	e2e_log "request $req: new certificate after $(($(date +%s) - start))s"
	wait_for_state "$req" MONITORING 30
}

# certmonger's version as a number (0.79.13 -> 79013), and whether it is
# one from before 0.79.14: no [scep] challenge_password_otp, and it reads
# only the reply to the request signed with the new key, so a renewal
# through NDES is a new enrollment with a fresh password (README,
# "certmonger versions"; src/core/cmversion.h).
cm_version_num() {
	certmonger -v 2>/dev/null | awk '{ split($2, v, "."); print v[1] * 1000000 + v[2] * 1000 + v[3] }'
}
cm_legacy() { [ "$(cm_version_num)" -lt 79014 ] 2>/dev/null; }

# legacy_renewal REQ OLD_SERIAL CN: on such a certmonger, the renewal that
# was just started stops before anything is sent, with a ca-error that asks
# for a new one-time password; with one it is issued for a new key as a new
# enrollment (signed by the new key, password in the CSR).
legacy_renewal() {
	local req=$1 old=$2 cn=$3 old_key pw r
	old_key=$(key_pubkey "$T/$req.key")
	e2e_log "certmonger $(certmonger -v | awk '{print $2}'): renewal needs a new password"
	# A refused renewal leaves the request MONITORING (the certificate
	# still works) with the reason in ca-error.
	wait_until 150 "ca-error of $req asks for a new password" \
		sh -c 'getcert list -i "$1" | grep -q "ca-error: .*new one-time password"' sh "$req"
	assert_match "ca-error asks for a new password" \
		'cannot take NDES. answer to a renewal signed with the current certificate.*new one-time password: getcert resubmit -i '"$req"' -L PASSWORD' \
		"$(cm_field "$req" ca-error)"
	assert_eq "renewals sent without a fresh password" 0 \
		"$(log_count 's("message_type") == "19" and s("renewal") == "true"')"
	pw=$(otp_fetch) || e2e_fail "no one-time password from the admin page"
	getcert resubmit -i "$req" -L "$pw" >"$T/resubmit2.out" 2>&1 ||
		e2e_fail "getcert resubmit -L failed: $(cat "$T/resubmit2.out")"
	wait_new_cert "$req" "$old" 150
	assert_ne "key replaced on renewal" "$old_key" "$(key_pubkey "$T/$req.key")"
	check_cert "$T/$req.crt" "$T/$req.key" "CN=$cn" "DNS:$cn"
	assert_eq "ca-error" "" "$(cm_field "$req" ca-error)"
	r='s("message_type") == "19" and s("pki_status") == "success" and s("renewal") != "true"'
	assert_eq "renewal issued as a new enrollment with a password" PrintableString \
		"$(log_last "$r" password_type)"
	assert_eq "serial issued" "$(cert_serial "$T/$req.crt" | tr 'A-F' 'a-f' | sed 's/^0*//')" \
		"$(log_last "$r" issued_serial | sed 's/^0*//')"
}

# wait_until TIMEOUT WHAT COMMAND...: poll a command until it succeeds.
wait_until() {
	local timeout=$1 what=$2 start
	shift 2
	start=$(date +%s)
	until "$@" >/dev/null 2>&1; do
		[ $(($(date +%s) - start)) -ge "$timeout" ] &&
			e2e_fail "timed out after ${timeout}s waiting for: $what"
		sleep 0.5
	done
	e2e_log "$what (after $(($(date +%s) - start))s)"
}

# ---- the NDES stand-in ---------------------------------------------------
NDES_SERVER="$E2E_SRCDIR/tests/ndes-server/ndes-server"
NDES_DIR="$T/ndes"
NDES_PID=
NDES_PORT=${NDES_PORT:-18350}
NDES_USER='EXAMPLE\alice'
NDES_PASSWORD='Secr3t!'

e2e_require_ndes() {
	# Part of this repository: missing means a broken tree, not a skip.
	[ -f "$NDES_SERVER" ] || e2e_fail "NDES stand-in not found: $NDES_SERVER"
}

# ndes_start [switches...]: start the stand-in on 127.0.0.1:$NDES_PORT with
# state in $NDES_DIR (kept across restarts: same PKI, same passwords) and
# wait until it listens. Sets NDES_URL, NDES_ADMIN_URL, NDES_SCHEME.
ndes_start() {
	e2e_require_ndes
	mkdir -p "$NDES_DIR"
	local scheme=http a
	for a in "$@"; do [ "$a" = --tls ] && scheme=https; done
	rm -f "$NDES_DIR"/port
	"$E2E_PY" "$NDES_SERVER" --listen "127.0.0.1:$NDES_PORT" --state "$NDES_DIR" \
		--user "$NDES_USER:$NDES_PASSWORD" "$@" >>"$NDES_DIR"/server.log 2>&1 &
	NDES_PID=$!
	e2e_track "$NDES_PID"
	local i
	for ((i = 0; i < 300; i++)); do
		[ -s "$NDES_DIR"/port ] && break
		kill -0 "$NDES_PID" 2>/dev/null ||
			e2e_fail "NDES stand-in exited at start: $(tail -n 20 "$NDES_DIR"/server.log)"
		sleep 0.1
	done
	[ -s "$NDES_DIR"/port ] || e2e_fail "NDES stand-in did not listen within 30 s"
	NDES_SCHEME=$scheme
	NDES_URL="$scheme://127.0.0.1:$NDES_PORT/certsrv/mscep/mscep.dll"
	NDES_ADMIN_URL="$scheme://127.0.0.1:$NDES_PORT/certsrv/mscep_admin/"
	export NDES_URL NDES_ADMIN_URL
	e2e_log "NDES stand-in at $NDES_URL (pid $NDES_PID) $*"
}

ndes_stop() {
	[ -n "$NDES_PID" ] || return 0
	stop_pid "$NDES_PID"
	NDES_PID=
	e2e_log "NDES stand-in stopped"
}

ndes_ctl() {	# approve|deny ARGS...
	"$E2E_PY" "$NDES_SERVER" "$@" --state "$NDES_DIR"
}

# otp_fetch: one password from the admin page, over NTLM like an admin
# would, printed on stdout. The page is UTF-16LE (with or without BOM) or
# UTF-8; the password is the <B> element after the CA thumbprint's.
otp_fetch() {
	local tls=()
	[ "${NDES_SCHEME:-http}" = https ] && tls=(--cacert "$NDES_DIR"/root-ca.pem)
	# The password travels in a file (curl -K), never on a command line.
	printf 'user = "%s:%s"\n' "${NDES_USER//\\/\\\\}" "$NDES_PASSWORD" >"$T"/curl-admin.cfg
	chmod 600 "$T"/curl-admin.cfg
	local code
	code=$(curl -sS --max-time 20 --ntlm -K "$T"/curl-admin.cfg "${tls[@]}" \
		-o "$T"/admin-page.html -w '%{http_code}' "$NDES_ADMIN_URL") ||
		e2e_fail "curl --ntlm $NDES_ADMIN_URL failed"
	[ "$code" = 200 ] || e2e_fail "admin page: expected HTTP 200, got $code"
	"$E2E_PY" - "$T"/admin-page.html <<'EOF'
import re, sys
b = open(sys.argv[1], "rb").read()
if b[:2] == b"\xff\xfe":
    t = b[2:].decode("utf-16-le", "replace")
elif b[:2] == b"\xfe\xff":
    t = b[2:].decode("utf-16-be", "replace")
elif len(b) > 3 and b[1:20:2].count(0) > 5:
    t = b[:len(b) & ~1].decode("utf-16-le", "replace")
else:
    t = b.decode("utf-8", "replace")
bold = [x.strip() for x in re.findall(r"<B>(.*?)</B>", t, re.I | re.S)]
# The thumbprint is four 8-hex groups; the password is the bold text after it.
cand = [x for x in bold if not re.fullmatch(r"[0-9A-Fa-f]{8}( [0-9A-Fa-f]{8}){3}", x)]
if not cand:
    sys.exit("no password on the admin page: " + t[:300])
print(cand[-1])
EOF
}

# ---- the stand-in's request log -----------------------------------------
# log_query count|last PYEXPR [KEY]: over the records of $NDES_DIR/log.jsonl
# that satisfy PYEXPR, a Python expression over the record `r` (a dict) in
# which `s(key)` is r.get(key) as a lower-case string (keys compared
# case-insensitively), print how many there are (count) or KEY of the last
# one (last).
log_query() {
	"$E2E_PY" - "$NDES_DIR"/log.jsonl "$@" <<'EOF'
import json, sys
mode, expr = sys.argv[2], sys.argv[3]
n, out = 0, ""
try:
    lines = open(sys.argv[1]).read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    try:
        r = json.loads(line)
    except ValueError:
        continue
    r2 = {k.lower(): v for k, v in r.items()}
    def s(k, r2=r2):
        v = r2.get(k.lower())
        return "" if v is None else str(v).lower()
    if eval(expr, {"r": r, "r2": r2, "s": s}):
        n += 1
        if mode == "last":
            v = r2.get(sys.argv[4].lower())
            out = "" if v is None else str(v)
print(n if mode == "count" else out)
EOF
}

# log_count PYEXPR: how many records satisfy PYEXPR,
# e.g. log_count 's("message_type") == "20"'.
log_count() { log_query count "$1"; }

# log_last PYEXPR KEY: KEY of the last record that satisfies PYEXPR.
log_last() { log_query last "$1" "$2"; }

# ---- certificates ----------------------------------------------------------
cert_serial() { openssl x509 -in "$1" -noout -serial 2>/dev/null | sed 's/^serial=//'; }
cert_subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 2>/dev/null | sed 's/^subject=//'; }
cert_san() { openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | sed -n '2,$p' | tr -d ' '; }
cert_pubkey() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1; }
key_pubkey() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1; }
key_bits() { openssl pkey -in "$1" -noout -text 2>/dev/null | sed -n 's/.*Private-Key: (\([0-9]*\) bit.*/\1/p'; }

# check_cert CERT KEY SUBJECT [SAN-entry...]: the issued certificate chains
# to the stand-in's root through its issuing CA, names the right subject and
# SANs (openssl's spelling, e.g. DNS:a.example, IPAddress:192.0.2.1,
# email:a@example), and certifies the tracked key.
check_cert() {
	local cert=$1 key=$2 subject=$3
	shift 3
	assert_file "certificate $cert" "$cert"
	local out
	out=$(openssl verify -CAfile "$NDES_DIR"/root-ca.pem \
		-untrusted "$NDES_DIR"/issuing-ca.pem "$cert" 2>&1) ||
		e2e_fail "certificate does not chain to the stand-in's root: $out"
	e2e_ok "certificate chains to the stand-in's root ($out)"
	assert_eq "subject" "$subject" "$(cert_subject "$cert")"
	local san e
	san=$(cert_san "$cert")
	for e in "$@"; do
		case ",$san," in
		*",$e,"*) e2e_ok "SAN has $e" ;;
		*) e2e_fail "SAN: expected $e in '$san'" ;;
		esac
	done
	assert_eq "certified public key (SHA-256 of SPKI) matches $key" \
		"$(key_pubkey "$key")" "$(cert_pubkey "$cert")"
}

# ---- common scenario steps -----------------------------------------------
# e2e_begin DESCRIPTION: print what the scenario proves, start certmonger.
e2e_begin() {
	e2e_log "$E2E_NAME: $*"
	e2e_log "T=$T helper=$E2E_HELPER"
	cm_start
}

# ndes_setup [stand-in switches...]: stand-in + helper registered as CA
# "ndes" with a config in $T (url plus the key=value entries of the array
# HELPER_CONF); waits until certmonger knows the CA's certificates.
HELPER_CONF=()
ndes_setup() {
	e2e_require_helper
	ndes_start "$@"
	helper_conf "url=$NDES_URL" "${HELPER_CONF[@]}"
	cm_add_ca ndes
	cm_wait_ca ndes 30
}

# cm_request REQ [getcert request options...]: a request for CA "ndes" with
# key and certificate in PEM files $T/REQ.key / $T/REQ.crt.
cm_request() {
	local req=$1
	shift
	getcert request -c "${CM_CA:-ndes}" -I "$req" -k "$T/$req.key" -f "$T/$req.crt" \
		"$@" >"$T/request-$req.out" 2>&1 ||
		e2e_fail "getcert request -I $req failed: $(cat "$T/request-$req.out")"
	e2e_log "getcert request -I $req $(echo "$*" | sed 's/-L [^ ]*/-L ***/')"
}

# enroll REQ CN [extra getcert request options...]: the common first
# enrollment: a one-time password from the admin page, `getcert request`
# with it, MONITORING within 90 s, and the certificate checked. Sets PW.
enroll() {
	local req=$1 cn=$2
	shift 2
	PW=$(otp_fetch) || e2e_fail "no one-time password from the admin page"
	# Checked without printing it: a password does not belong in a log.
	printf '%s' "$PW" | grep -Eqx '[0-9A-F]{16,64}' ||
		e2e_fail "the admin page's password is not 16-64 hex characters (${#PW} characters)"
	e2e_ok "one-time password from the admin page (${#PW} hex characters)"
	cm_request "$req" -g 2048 -N "CN=$cn" -D "$cn" -L "$PW" "$@"
	wait_for_state "$req" MONITORING 90
	check_cert "$T/$req.crt" "$T/$req.key" "CN=$cn" "DNS:$cn"
}

# ---- several NDES stand-ins (22-24) --------------------------------------
# Stand-ins named a, b, ... with their own state (passwords, pending
# requests, log.jsonl) in $T/ndes-NAME and one shared PKI (CA and RA
# certificates) in $T/pki, as several NDES servers of one CA behind one
# DNS name or load balancer (the stand-in's --pki DIR).
declare -A NDES_M_PID=() NDES_M_PORT=() NDES_M_SCHEME=()
NDES_PKI="$T/pki"

ndes_has_pki_switch() {
	"$E2E_PY" "$NDES_SERVER" --help 2>/dev/null | grep -q -- '--pki'
}

# ndes_multi_start NAME PORT [switches...]: start stand-in NAME on
# 127.0.0.1:PORT (state $T/ndes-NAME, kept across restarts) and wait until
# it listens. With --tls its URLs are https (trust $NDES_PKI/root-ca.pem).
# The first start creates the shared PKI (the stand-in locks it while it
# does; this function waits for each start anyway).
ndes_multi_start() {
	local name=$1 port=$2
	shift 2
	e2e_require_ndes
	local dir="$T/ndes-$name"
	mkdir -p "$dir" "$NDES_PKI"
	# Part of this repository: a stand-in without --pki is a broken tree.
	ndes_has_pki_switch || e2e_fail "the NDES stand-in has no --pki switch: $NDES_SERVER"
	rm -f "$dir"/port
	"$E2E_PY" "$NDES_SERVER" --listen "127.0.0.1:$port" --state "$dir" --pki "$NDES_PKI" \
		--user "$NDES_USER:$NDES_PASSWORD" "$@" >>"$dir"/server.log 2>&1 &
	local pid=$! i
	e2e_track "$pid"
	for ((i = 0; i < 300; i++)); do
		[ -s "$dir"/port ] && break
		kill -0 "$pid" 2>/dev/null ||
			e2e_fail "NDES stand-in $name exited at start: $(tail -n 20 "$dir"/server.log)"
		sleep 0.1
	done
	[ -s "$dir"/port ] || e2e_fail "NDES stand-in $name did not listen within 30 s"
	NDES_M_PID[$name]=$pid
	NDES_M_PORT[$name]=$port
	NDES_M_SCHEME[$name]=http
	for i in "$@"; do [ "$i" = --tls ] && NDES_M_SCHEME[$name]=https; done
	e2e_log "NDES stand-in $name at $(ndes_url "$name") (pid $pid, state $dir, --pki $NDES_PKI) $*"
}

# ndes_multi_stop NAME: SIGTERM (the port closes: connection refused).
ndes_multi_stop() {
	local name=$1
	[ -n "${NDES_M_PID[$name]:-}" ] || return 0
	stop_pid "${NDES_M_PID[$name]}"
	NDES_M_PID[$name]=
	e2e_log "NDES stand-in $name stopped"
}

ndes_url() { echo "${NDES_M_SCHEME[$1]}://127.0.0.1:${NDES_M_PORT[$1]}/certsrv/mscep/mscep.dll"; }
ndes_admin_url() { echo "${NDES_M_SCHEME[$1]}://127.0.0.1:${NDES_M_PORT[$1]}/certsrv/mscep_admin/"; }

# ndes_use NAME: point NDES_DIR, NDES_PORT, NDES_PID, NDES_URL and
# NDES_ADMIN_URL at stand-in NAME, so that log_count, log_last, otp_fetch,
# ndes_ctl and check_cert work on it (the stand-in writes root-ca.pem and
# issuing-ca.pem into its state directory as well as into the --pki one).
ndes_use() {
	local name=$1
	NDES_DIR="$T/ndes-$name"
	NDES_PORT=${NDES_M_PORT[$name]}
	NDES_PID=${NDES_M_PID[$name]:-}
	NDES_SCHEME=${NDES_M_SCHEME[$name]}
	NDES_URL=$(ndes_url "$name")
	NDES_ADMIN_URL=$(ndes_admin_url "$name")
}

# ndes_log_count NAME PYEXPR: log_count over stand-in NAME's log.jsonl.
ndes_log_count() {
	local NDES_DIR="$T/ndes-$1"
	log_count "$2"
}

# ndes_passwords NAME [all|used|unused]: the passwords stand-in NAME handed
# out, one a line (for comparisons in the script; never print them).
ndes_passwords() {
	"$E2E_PY" - "$T/ndes-$1/passwords.json" "${2:-all}" <<'PY'
import json, sys
try:
    entries = json.load(open(sys.argv[1]))
except FileNotFoundError:
    entries = []
for e in entries:
    if sys.argv[2] == "all" or (sys.argv[2] == "used") == bool(e.get("used")):
        print(e["password"])
PY
}

# rr_proxy_start PORT [--admin-to I] BACKEND_PORT...: the round-robin TCP
# proxy tests/lib/rr-proxy.py on 127.0.0.1:PORT in front of the stand-ins
# on 127.0.0.1:BACKEND_PORT..., its connection log in $T/rr-proxy.log. Sets
# RR_PROXY_PID, RR_PROXY_URL and RR_PROXY_ADMIN_URL.
RR_PROXY="$E2E_SRCDIR/tests/lib/rr-proxy.py"
RR_PROXY_PID=
rr_proxy_start() {
	local port=$1 args=() p
	shift
	[ -f "$RR_PROXY" ] || e2e_fail "proxy not found: $RR_PROXY"
	if [ "${1:-}" = --admin-to ]; then
		args=(--admin-to "$2")
		shift 2
	fi
	for p in "$@"; do args+=(--backend "127.0.0.1:$p"); done
	rm -f "$T"/rr-proxy.port
	"$E2E_PY" "$RR_PROXY" --listen "127.0.0.1:$port" --log "$T"/rr-proxy.log \
		--port-file "$T"/rr-proxy.port "${args[@]}" 2>>"$T"/rr-proxy.log &
	RR_PROXY_PID=$!
	e2e_track "$RR_PROXY_PID"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$T"/rr-proxy.port ] && break
		kill -0 "$RR_PROXY_PID" 2>/dev/null ||
			e2e_fail "rr-proxy.py exited at start: $(tail -n 5 "$T"/rr-proxy.log)"
		sleep 0.1
	done
	[ -s "$T"/rr-proxy.port ] || e2e_fail "rr-proxy.py did not listen within 10 s"
	RR_PROXY_URL="http://127.0.0.1:$port/certsrv/mscep/mscep.dll"
	RR_PROXY_ADMIN_URL="http://127.0.0.1:$port/certsrv/mscep_admin/"
	export RR_PROXY_URL RR_PROXY_ADMIN_URL
	e2e_log "round-robin proxy on 127.0.0.1:$port -> ${args[*]} (pid $RR_PROXY_PID)"
}

# ndes_multi_diagnostics: on failure, before the usual diagnostics, also
# show every stand-in's log.jsonl and server log, a summary of its
# passwords (counts, not the passwords) and the proxy's connection log.
ndes_multi_dump() {
	local d f
	echo "======== several stand-ins (T=$T) ========"
	for d in "$T"/ndes-*; do
		[ -d "$d" ] || continue
		echo "---- $d: passwords issued $(ndes_passwords "${d##*/ndes-}" all | wc -l)," \
			"used $(ndes_passwords "${d##*/ndes-}" used | wc -l) ----"
		for f in "$d"/log.jsonl "$d"/server.log; do
			[ -s "$f" ] || continue
			echo "---- $f (last 100 lines) ----"
			tail -n 100 "$f"
		done
	done
	if [ -s "$T"/rr-proxy.log ]; then
		echo "---- $T/rr-proxy.log (last 100 lines) ----"
		tail -n 100 "$T"/rr-proxy.log
	fi
}
ndes_multi_exit() {
	local rc=$?
	if [ "$E2E_RESULT" = fail ] && [ "$rc" != 77 ]; then
		ndes_multi_dump
	fi
	(exit "$rc")
	e2e_cleanup
}
ndes_multi_diagnostics() { trap ndes_multi_exit EXIT; }
