#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Automatic passwords through the built helper as certmonger runs it
# (CERTMONGER_OPERATION=SUBMIT, CERTMONGER_CSR), against the NDES stand-in
# over NTLM, with a certmonger-style request file: one fetch, FILE written
# 0600, exit 17; the same CSR again costs no second fetch; a CSR that
# carries the password goes on. (The whole loop through the real certmonger
# daemon is tests/e2e/14-auto-password.sh.)
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
otp_netns "$@"
otp_require
prereq_cmd openssl

umask 077
otp_start
printf 'Secr3t!\n' >"$T/alice.pw"
mkdir -p "$T/requests" "$T/state"
cat >"$T/helper.conf" <<CONF
url = $URL
admin-url = $ADMIN
user = EXAMPLE\\alice
password-file = $T/alice.pw
auth = ntlm
auto-password = yes
certmonger-requests-dir = $T/requests
state-dir = $T/state
CONF

openssl genrsa -out "$T/key.pem" 2048 2>/dev/null
openssl req -new -key "$T/key.pem" -subj /CN=auto.example.test -out "$T/csr0.pem"
echo >"$T/req.otp"

# certmonger's request file: continuation lines start with a space
{
	echo "id=20260101000001"
	echo "key_type=RSA"
	echo "template_challenge_password_file=$T/req.otp"
	sed '1s/^/csr=/; 2,$s/^/ /' "$T/csr0.pem"
	echo "state=HAVE_CSR"
	echo "ca_name=ndes"
} >"$T/requests/20260101000001"

# submit CSR [CA certificates as certmonger passes them]
submit() {
	env -i PATH="$PATH" CERTMONGER_OPERATION=SUBMIT CERTMONGER_CA_NICKNAME=ndes \
		CERTMONGER_CSR="$(cat "$1")" CERTMONGER_SCEP_CERTIFICATES="$(cat "${2:-/dev/null}")" \
		"$HELPER" --config "$T/helper.conf" >"$T/out" 2>"$T/err"
}
fetches() { grep -c '"password":' "$T/ndes/passwords.json" 2>/dev/null || echo 0; }

# new_request N CN FILE: key N, CSR $T/csrN.pem for CN, and certmonger's
# request file for it made with "getcert request -l FILE" (FILE: one newline)
new_request() {
	openssl genrsa -out "$T/key$1.pem" 2048 2>/dev/null
	openssl req -new -key "$T/key$1.pem" -subj "/CN=$2" -out "$T/csr$1.pem"
	mkdir -p "$(dirname "$3")"
	echo >"$3"
	{
		echo "id=2026010100000$1"
		echo "template_challenge_password_file=$3"
		sed '1s/^/csr=/; 2,$s/^/ /' "$T/csr$1.pem"
	} >"$T/requests/2026010100000$1"
}

submit "$T/csr0.pem" "$T/ndes/issuing-ca.pem"; rc=$?
[ "$rc" = 17 ] && ok "no password in the CSR: exit 17" || bad "exit $rc: $(cat "$T/out" "$T/err")"
expect_not_in "$T/err" "thumbprint" "the page's CA thumbprint matches certmonger's CA"
pw=$(tr -d '\n' <"$T/req.otp")
[[ "$pw" =~ ^[0-9A-F]{16}$ ]] && ok "FILE holds a fresh password" || bad "FILE: $(cat "$T/req.otp")"
[ "$(stat -c %a "$T/req.otp")" = 600 ] && ok "FILE mode 0600" || bad "FILE mode $(stat -c %a "$T/req.otp")"
[ "$(fetches)" = 1 ] && ok "one fetch" || bad "$(fetches) fetches"
grep -qF "\"$pw\"" "$T/ndes/passwords.json" && ok "the stand-in's password" || bad "unknown password"
expect_in "$T/out" "wrote a fresh one-time password" "ca-error line says what happened"
expect_not_in "$T/out" "$pw" "password not on stdout"
expect_not_in "$T/err" "$pw" "password not on stderr"
expect_not_in "$T/err" "Secr3t!" "admin password not on stderr"

# certmonger comes back before rebuilding the CSR: exit 17, no new fetch
submit "$T/csr0.pem"; rc=$?
[ "$rc" = 17 ] && ok "same CSR again: exit 17" || bad "exit $rc: $(cat "$T/out")"
[ "$(fetches)" = 1 ] && ok "still one fetch" || bad "$(fetches) fetches"

# the rebuilt CSR carries the password: no fetch, enrollment goes on
printf '[req]\ndistinguished_name=dn\nattributes=attrs\nprompt=no\n[dn]\nCN=auto.example.test\n[attrs]\nchallengePassword=%s\n' \
	"$pw" >"$T/req.cnf"
openssl req -new -key "$T/key.pem" -config "$T/req.cnf" -out "$T/csr1.pem"
submit "$T/csr1.pem"; rc=$?
[ "$rc" != 17 ] && ok "CSR with the password: goes on (exit $rc)" || bad "exit 17 again"
[ "$(fetches)" = 1 ] && ok "no fetch for a CSR with a password" || bad "$(fetches) fetches"

# another request whose CA certificates (as certmonger has them) do not
# include the admin page's CA: a warning, no extra request
new_request 2 other.example.test "$T/req2.otp"
submit "$T/csr2.pem" "$T/ndes/root-ca.pem"; rc=$?
[ "$rc" = 17 ] && ok "second request: exit 17" || bad "exit $rc: $(cat "$T/out")"
expect_in "$T/err" "matches none of the SCEP CA certificates" "thumbprint mismatch warned"
[ "$(fetches)" = 2 ] && ok "one fetch for the second request" || bad "$(fetches) fetches"

# What a helper killed in the middle of a write leaves behind (a temp file
# of FILE holding a live password, and of the record) is removed by the next
# run; a FILE that cannot be written costs no fetch.
new_request 3 crash.example.test "$T/crash/req3.otp"
printf '0123456789ABCDEF\n' >"$T/crash/req3.otp.ndes-submit-tmp.Ab12Cd"
printf 'fetched=1\n' >"$T/crash/req3.otp.ndes-submit-state.ndes-submit-tmp.Xy34Zw"
submit "$T/csr3.pem"; rc=$?
[ "$rc" = 17 ] && ok "after a crash: fetched and written (exit 17)" || bad "exit $rc: $(cat "$T/out")"
[ -z "$(ls "$T/crash" | grep ndes-submit-tmp)" ] && ok "temp files of the killed run removed" ||
	bad "left: $(ls "$T/crash")"
[ "$(fetches)" = 3 ] && ok "one fetch for the third request" || bad "$(fetches) fetches"

# FILE's directory not writable (root ignores modes: drop that right)
if command -v setpriv >/dev/null; then
	new_request 4 ro.example.test "$T/ro/req4.otp"
	chmod 0500 "$T/ro"
	env -i PATH="$PATH" CERTMONGER_OPERATION=SUBMIT CERTMONGER_CA_NICKNAME=ndes \
		CERTMONGER_CSR="$(cat "$T/csr4.pem")" \
		setpriv --inh-caps=-dac_override --bounding-set=-dac_override \
		"$HELPER" --config "$T/helper.conf" >"$T/out" 2>"$T/err"; rc=$?
	chmod 0700 "$T/ro"
	[ "$rc" = 4 ] && ok "unwritable FILE: exit 4" || bad "exit $rc: $(cat "$T/out" "$T/err")"
	expect_in "$T/out" "no password fetched" "the message says nothing was fetched"
	[ "$(fetches)" = 3 ] && ok "unwritable FILE: no fetch" || bad "$(fetches) fetches"

else
	echo "note: setpriv missing: the unwritable-FILE checks were not run"
fi

# automatic mode off: nothing is fetched
before_off=$(fetches)
sed -i 's/^auto-password = yes/auto-password = no/' "$T/helper.conf"
submit "$T/csr0.pem"; rc=$?
[ "$rc" != 17 ] && ok "automatic mode off: no exit 17 (exit $rc)" || bad "exit 17 with auto-password = no"
[ "$(fetches)" = "$before_off" ] && ok "no fetch when off" || bad "$(fetches) fetches"

otp_finish
