#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# "ndes-submit otp" over Negotiate (Kerberos) against the NDES stand-in: an
# MIT KDC on loopback (tests/lib/kdc.sh), a credential cache, a client
# keytab (an AD-joined host needs no password), and no credentials at all.
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
otp_netns "$@"
otp_require
# shellcheck source=../lib/kdc.sh
. "$srcdir/tests/lib/kdc.sh"
kdc_available || prereq_skip "MIT KDC tools missing (krb5-kdc, krb5-admin-server, krb5-user)"
curl --version | grep -q 'SPNEGO' || prereq_skip "libcurl without SPNEGO"
prereq_python gssapi

KDC_DIR=$T/kdc
kdc_start "$KDC_DIR" "${NS_OTP_KDC_PORT:-18210}" >"$T/kdc.log" 2>&1 ||
	{ echo "FAIL: kdc_start: $(cat "$T/kdc.log")"; exit 1; }
kdc_kinit "$KDC_DIR" alice 'Secr3t!' "FILE:$T/alice.cc" ||
	{ echo "FAIL: kinit alice"; exit 1; }

otp_start --keytab "$KDC_DIR/http.keytab"
# The service principal is HTTP/localhost: the URL must name localhost.
ADMIN="http://localhost:$PORT/certsrv/mscep_admin/"
unset KRB5CCNAME KRB5_CLIENT_KTNAME

# 1. a credential cache given in the configuration
run "Negotiate with ccache" 0 --admin-url "$ADMIN" --auth negotiate --ccache "FILE:$T/alice.cc" otp
[[ "$(cat "$T/out")" =~ ^[0-9A-F]{16}$ ]] && ok "password from a ccache" || bad "ccache: $(cat "$T/out")"
expect_not_in "$T/err" "plain http" "no NTLM warning for Kerberos"
grep -qF "\"$(cat "$T/out")\"" "$T/ndes/passwords.json" &&
	ok "the server handed out that password" || bad "not in passwords.json: $(cat "$T/out")"

grep -q 'Negotiate logon of alice@EXAMPLE.TEST' "$T/server.out" &&
	ok "the stand-in saw a Kerberos logon" || bad "no Negotiate logon: $(tail -n 3 "$T/server.out")"

# 2. KRB5CCNAME from the environment, auth any without user: Negotiate
KRB5CCNAME="FILE:$T/alice.cc" run "auth any, KRB5CCNAME" 0 --admin-url "$ADMIN" otp
[[ "$(cat "$T/out")" =~ ^[0-9A-F]{16}$ ]] && ok "password via KRB5CCNAME" || bad "env: $(cat "$T/out")"

# 3. a client keytab and no ticket at all: MIT krb5 gets one itself, into
#    a private MEMORY cache (nothing written to the default cache)
rm -f "$KDC_DIR/default.ccache"
run "Negotiate with a client keytab" 0 --admin-url "$ADMIN" --auth negotiate \
	--keytab "$KDC_DIR/alice.keytab" otp
[[ "$(cat "$T/out")" =~ ^[0-9A-F]{16}$ ]] && ok "password from a keytab" || bad "keytab: $(cat "$T/out")"
[ -e "$KDC_DIR/default.ccache" ] && bad "the default ccache was written" ||
	ok "no ticket left in the default ccache"

# 3b. auth any with a password and a ccache: Negotiate is preferred, no NTLM
umask 077
printf 'Secr3t!\n' >"$T/alice.pw"
n=$(grep -c 'Negotiate logon' "$T/server.out")
run "auth any with password and ccache" 0 --admin-url "$ADMIN" --user 'EXAMPLE\alice' \
	--password-file "$T/alice.pw" --ccache "FILE:$T/alice.cc" otp
[ "$(grep -c 'Negotiate logon' "$T/server.out")" -gt "$n" ] && ok "Negotiate chosen" ||
	bad "no new Negotiate logon"
grep -q 'NTLM.*logon' "$T/server.out" && bad "an NTLM logon happened" || ok "no NTLM logon"

# 4. no credentials: 401 with a Kerberos hint
run "Negotiate without a ticket" 10 --admin-url "$ADMIN" --auth negotiate \
	--ccache "FILE:$T/none.cc" otp
expect_in "$T/err" "wrong credentials (HTTP 401)" "401 explained"
expect_in "$T/err" "klist" "Kerberos hint"

# 5. 127.0.0.1 instead of the principal's name: fails clearly, not hangs
run "Negotiate to an IP address" 10 --admin-url "http://127.0.0.1:$PORT/certsrv/mscep_admin/" \
	--auth negotiate --ccache "FILE:$T/alice.cc" otp
expect_in "$T/err" "DNS name" "host name hint"

otp_finish
