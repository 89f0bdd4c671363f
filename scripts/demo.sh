#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# README command 1: see ndes-submit work, from a fresh Debian 12 machine (root).
#
# Installs what is missing, builds into ./build, starts the NDES stand-in on a
# private loopback and a private certmonger (own namespaces, as the e2e suite
# does: tests/e2e/lib.sh), fetches a one-time password from the admin page
# over NTLM, enrolls a certificate through `getcert request`, renews it with
# `getcert resubmit`, shows the results, stops everything and says where the
# files are. Exits non-zero when a step fails.
#
# Environment: BUILD_DIR (default ./build), NS_SKIP_DEPS=1 (skip the package
# check), NS_SKIP_BUILD=1 (use an existing build).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$top/build}

step() {
	echo
	echo "=== $* ==="
}

# ---- outside the namespaces: packages and build --------------------------
if [ -z "${E2E_INSIDE:-}" ]; then
	set -e
	if [ "$(id -u)" != 0 ]; then
		echo "demo: run as root (it uses private network and mount namespaces)" >&2
		exit 1
	fi
	step "1. Install what is missing (scripts/install-deps.sh)"
	if [ "${NS_SKIP_DEPS:-0}" = 1 ]; then
		echo "skipped (NS_SKIP_DEPS=1)"
	elif [ -x "$top/scripts/install-deps.sh" ] || [ -f "$top/scripts/install-deps.sh" ]; then
		sh "$top/scripts/install-deps.sh"
	else
		echo "scripts/install-deps.sh not found: assuming the packages are there"
	fi

	step "2. Build (out of tree, in $build)"
	if [ "${NS_SKIP_BUILD:-0}" = 1 ] && [ -x "$build/src/ndes-submit" ]; then
		echo "skipped (NS_SKIP_BUILD=1)"
	else
		(cd "$top" && autoreconf -fi >/dev/null 2>&1) ||
			{ echo "autoreconf failed" >&2; exit 1; }
		mkdir -p "$build"
		(cd "$build" &&
			{ "$top/configure" >configure.out 2>&1 || { tail -n 30 configure.out; exit 1; }; } &&
			{ make -j"$(nproc)" >make.out 2>&1 || { tail -n 40 make.out; exit 1; }; })
		echo "built $build/src/ndes-submit"
	fi
	[ -x "$build/src/ndes-submit" ] || { echo "demo: no helper at $build/src/ndes-submit" >&2; exit 1; }
	set +e
	export NS_HELPER="$build/src/ndes-submit"
	# Keep the files for the reader, under the build directory.
	export KEEP=1 E2E_TMPROOT="$build/demo"
	export E2E_TIMEOUT=${E2E_TIMEOUT:-600}
	mkdir -p "$E2E_TMPROOT"
	step "3. Private world: own network (loopback only), own /var/lib/certmonger"
	echo "unshare -n -m -p -f: nothing here touches the machine's certmonger or network"
fi

# From here on the script runs again inside the namespaces (lib.sh does it).
. "$top/tests/e2e/lib.sh"

# The demo has no "expected/got" assertions of the suite: any failure stops it.
demo_fail() {
	echo
	echo "DEMO FAILED: $*"
	exit 1
}

show() {	# print a command, then run it
	echo "\$ $*"
	"$@"
}

step "4. Start the NDES stand-in (tests/ndes-server/ndes-server)"
printf '$ ndes-server --listen 127.0.0.1:%s --state %s --user %s\n' "$NDES_PORT" "$NDES_DIR" "'EXAMPLE\\alice:********'"
ndes_start
echo "SCEP endpoint:  $NDES_URL"
echo "admin page:     $NDES_ADMIN_URL (Windows authentication: NTLM or Negotiate)"
echo "its PKI:        root $NDES_DIR/root-ca.pem, issuing CA $NDES_DIR/issuing-ca.pem"

step "5. Start a private certmonger"
e2e_log "certmonger -s -n -L -P $T/cm.sock -d 3 (log: $T/certmonger.log)"
echo "certmonger.conf: [scep] challenge_password_otp = yes  (drop the one-time password once used)"
cm_start
echo "getcert talks to it through CERTMONGER_PVT_ADDRESS=$CERTMONGER_PVT_ADDRESS"

step "6. Register the helper as CA 'ndes'"
helper_conf "url=$NDES_URL"
echo "helper configuration $T/ndes-submit.conf:"
sed 's/^/    /' "$T/ndes-submit.conf"
echo "\$ getcert add-ca -c ndes -e '$E2E_HELPER --config $T/ndes-submit.conf'"
cm_add_ca ndes >/dev/null
cm_wait_ca ndes 30 || demo_fail "certmonger did not get the NDES certificates (see $T/certmonger.log)"
show getcert list-cas -c ndes

step "7. Fetch a one-time password from the admin page (NTLM)"
printf '$ curl --ntlm -u %s %s\n' "'EXAMPLE\\alice:********'" "$NDES_ADMIN_URL"
PW=$(otp_fetch) || demo_fail "no one-time password from the admin page"
echo "The enrollment challenge password is: ${PW:0:4}$(printf '%*s' $((${#PW} - 4)) '' | tr ' ' '*') (${#PW} characters, good once, for 60 minutes)"

step "8. Enroll: getcert request ... -w"
echo "\$ getcert request -c ndes -I demo -k $T/demo.key -f $T/demo.crt -g 2048 \\"
echo "      -N CN=demo.example.test -D demo.example.test -A 127.0.0.1 -L '<password>' -w"
timeout 180 getcert request -c ndes -I demo -k "$T/demo.key" -f "$T/demo.crt" -g 2048 \
	-N CN=demo.example.test -D demo.example.test -A 127.0.0.1 -L "$PW" -w ||
	demo_fail "getcert request failed: $(cm_field demo status) $(cm_field demo ca-error)"
[ "$(cm_status demo)" = MONITORING ] ||
	demo_fail "the request is in state $(cm_status demo): $(cm_field demo ca-error)"
show getcert list -i demo

step "9. The certificate"
show openssl x509 -in "$T/demo.crt" -noout -subject -issuer -serial -dates -ext subjectAltName
echo "\$ openssl verify -CAfile root-ca.pem -untrusted issuing-ca.pem demo.crt"
openssl verify -CAfile "$NDES_DIR/root-ca.pem" -untrusted "$NDES_DIR/issuing-ca.pem" "$T/demo.crt" ||
	demo_fail "the certificate does not chain to the stand-in's root"
[ "$(key_pubkey "$T/demo.key")" = "$(cert_pubkey "$T/demo.crt")" ] ||
	demo_fail "the certificate does not certify the key in $T/demo.key"
echo "the certificate certifies the key in $T/demo.key"
cp "$T/demo.crt" "$T/demo-first.crt"
first_txid=$(log_last 's("message_type") == "19" and s("pki_status") == "success"' transaction_id)

step "10. Renew: getcert resubmit (a new key, as Windows renews with NDES; signed with the current certificate, no password)"
old_serial=$(cert_serial "$T/demo.crt")
sleep 1	# a second apart, so that the new validity visibly starts later
show timeout 180 getcert resubmit -i demo -w ||
	demo_fail "getcert resubmit failed: $(cm_field demo ca-error)"
# The helper asks certmonger for a new key (exit 17): certmonger waits about
# 30 seconds before it makes one.
for ((i = 0; i < 240; i++)); do
	[ "$(cert_serial "$T/demo.crt")" != "$old_serial" ] && [ "$(cm_status demo)" = MONITORING ] && break
	sleep 0.5
done
[ "$(cert_serial "$T/demo.crt")" != "$old_serial" ] ||
	demo_fail "no renewed certificate (state $(cm_status demo): $(cm_field demo ca-error))"
show getcert list -i demo
dates() { openssl x509 -in "$1" -noout -"$2" | sed 's/^[^=]*=//'; }
printf '\n%-12s %-36s %s\n' "" "first certificate" "renewed certificate"
printf '%-12s %-36s %s\n' serial "$(cert_serial "$T/demo-first.crt")" "$(cert_serial "$T/demo.crt")"
printf '%-12s %-36s %s\n' notBefore "$(dates "$T/demo-first.crt" startdate)" "$(dates "$T/demo.crt" startdate)"
printf '%-12s %-36s %s\n' notAfter "$(dates "$T/demo-first.crt" enddate)" "$(dates "$T/demo.crt" enddate)"
printf '%-12s %-36s %s\n' key "$(cert_pubkey "$T/demo-first.crt" | cut -c1-16)..." "$(cert_pubkey "$T/demo.crt" | cut -c1-16)..."
printf '%-12s %-36s %s\n' transaction "${first_txid:0:20}..." "$(log_last 's("message_type") == "19" and s("renewal") == "true"' transaction_id | cut -c1-20)..."
ren='s("message_type") == "19" and s("renewal") == "true"'
if [ "$(log_last "$ren" signer_kind)" != issued-valid ] || [ -n "$(log_last "$ren" password_type)" ]; then
	demo_fail "the stand-in did not see a renewal signed by the old certificate without a password"
fi
[ "$(cert_pubkey "$T/demo-first.crt")" != "$(cert_pubkey "$T/demo.crt")" ] ||
	demo_fail "the renewed certificate has the old key: NDES would have returned the old certificate"
[ "$(log_last "$ren" transaction_id)" != "$first_txid" ] ||
	demo_fail "the renewal repeated the first transactionID"
echo
echo "the stand-in's log (ndes/log.jsonl): the renewal was signed by the old certificate"
echo "($(log_last "$ren" signer_subject), issued by $(log_last "$ren" signer_issuer)) and carried no password;"
echo "the new key gave it a new transactionID (NDES answers a repeated one with the old certificate)"

step "11. Stop everything"
echo "certmonger, the stand-in: stopped when this script leaves its namespaces"
echo
echo "Files kept in $T:"
echo "  demo.key, demo.crt        the key and the renewed certificate"
echo "  demo-first.crt            the first certificate"
echo "  ndes-submit.conf          the helper's configuration"
echo "  certmonger.log            the daemon's log (the helper's messages included)"
echo "  requests/                 certmonger's record of the request"
echo "  ndes/log.jsonl            every request the stand-in answered"
echo "  ndes/root-ca.pem          the stand-in's root CA"
echo
echo "DEMO OK: a certificate was issued through getcert and renewed."
E2E_RESULT=pass
exit 0
