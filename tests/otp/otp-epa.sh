#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# IIS Extended Protection (EPA, channel binding) on the admin page, against
# the NDES stand-in over https with --epa off|accept|required:
#   NTLM (libcurl's own, never bound): off and accept give a password,
#     required a 401 explained as possibly EPA, with what works instead;
#   Negotiate (Kerberos, tests/lib/kdc.sh): off and accept give a password;
#     required too when the running libcurl binds (8.10 or later with
#     GSS-API over OpenSSL, not 8.17.0), else a 401 saying this libcurl
#     cannot send the binding.
# Whether libcurl binds is decided here from curl's own version output, not
# from the helper's claim, and the stand-in's log (channel_binding) is
# compared too. Also "ndes-submit check" over https: what it says about EPA,
# without spending a password. The Kerberos part is skipped (the NTLM part
# still runs) when the KDC tools, SPNEGO or python3-gssapi are missing.
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
otp_netns "$@"
otp_require

# ---- the running libcurl, by its own account --------------------------------
# shellcheck source=../lib/epa.sh
. "$srcdir/tests/lib/epa.sh"
epa_libcurl || prereq_skip "cannot tell the libcurl version (neither curl nor curl-config)"
cv_ver=$EPA_CURL_VER cv_tls=$EPA_CURL_TLS cv_features=$EPA_CURL_FEATURES binds=$EPA_BINDS
echo "# libcurl $cv_ver ($cv_tls): sends a channel binding with Negotiate: $binds"

umask 077
printf 'Secr3t!\n' >"$T/alice.pw"
chmod 600 "$T/alice.pw"

# FIELD (default channel_binding) of the stand-in's last admin-page record
# ("null" if none)
last_cb() {
	"$PY" - "$T/ndes/log.jsonl" "${1:-channel_binding}" <<'EOF'
import json, sys
cb = "null"
try:
    for line in open(sys.argv[1]):
        rec = json.loads(line)
        if rec.get("operation") == "admin":
            cb = rec.get(sys.argv[2]) or "null"
except FileNotFoundError:
    pass
print(cb)
EOF
}
expect_cb() {	# expect_cb WANT... DESC: the last admin record's channel_binding
	local got want desc=${*: -1}
	got=$(last_cb)
	for want in "${@:1:$#-1}"; do
		[ "$got" = "$want" ] && { ok "$desc: channel_binding $got"; return; }
	done
	bad "$desc: channel_binding $got, expected ${*:1:$#-1}"
}
passwords() {
	"$PY" -c 'import json,sys
try: print(len(json.load(open(sys.argv[1]))))
except FileNotFoundError: print(0)' "$T/ndes/passwords.json"
}
is_password() { [[ "$(cat "$T/out")" =~ ^[0-9A-F]{16}$ ]]; }

# ---- NTLM --------------------------------------------------------------------
for mode in off accept required; do
	otp_start --tls --epa "$mode"
	A=(--ca-bundle "$T/ndes/root-ca.pem" --admin-url "https://127.0.0.1:$PORT/certsrv/mscep_admin/"
		--auth ntlm --user 'EXAMPLE\alice' --password-file "$T/alice.pw")
	if [ "$mode" != required ]; then
		run "NTLM, EPA $mode" 0 "${A[@]}" otp
		is_password && ok "NTLM, EPA $mode: a password" || bad "NTLM, EPA $mode: $(cat "$T/out")"
		if [ "$mode" = off ]; then
			expect_cb not-checked "NTLM, EPA off"
		else
			expect_cb none "NTLM, EPA accept: libcurl's NTLM sent no binding"
		fi
		continue
	fi
	run "NTLM, EPA required: refused" 10 "${A[@]}" otp
	expect_in "$T/err" "wrong credentials (HTTP 401)" "401 reported"
	expect_in "$T/err" "tried NTLM" "NTLM named"
	expect_in "$T/err" "Either user or password-file is wrong, or IIS has Extended Protection set to Required on mscep_admin" \
		"EPA Required named as a cause"
	expect_in "$T/err" "libcurl's own NTLM never sends a channel binding" "NTLM's missing binding explained"
	if [ "$binds" = yes ]; then
		expect_in "$T/err" "Works there instead: auth = negotiate with Kerberos (keytab or ccache), or auth = ntlm-gssapi with gss-ntlmssp installed: libcurl $cv_ver sends the binding with both" \
			"Kerberos and ntlm-gssapi offered instead (this libcurl binds)"
	else
		expect_in "$T/err" "Works there instead: ask the NDES admin for Extended Protection Accept or Off on mscep_admin" \
			"EPA Accept/Off asked for (this libcurl cannot bind)"
	fi
	expect_not_in "$T/err" "Secr3t!" "no admin password in the message"
	expect_cb none "NTLM, EPA required: refused for a missing binding"
	[ "$(passwords)" = 0 ] && ok "no password handed out" || bad "$(passwords) password(s) handed out"

	# check: what this build can send, said without logging on
	run "check, NTLM, EPA required" 0 --url "https://127.0.0.1:$PORT/certsrv/mscep/mscep.dll" "${A[@]}" check
	expect_in "$T/out" "[WARN] Extended Protection: auth ntlm cannot send the TLS channel binding: libcurl's own NTLM never sends a channel binding" \
		"check: NTLM cannot bind"
	expect_in "$T/out" "[ OK ] Extended Protection on mscep_admin: not visible without logging on" \
		"check: EPA not visible without logging on"
	[ "$(passwords)" = 0 ] && ok "check spent no password" || bad "check spent $(passwords) password(s)"
	# plain http: nothing about EPA
	otp_start --epa required
	run "check over http" 0 --url "$URL" --admin-url "$ADMIN" --auth ntlm --user 'EXAMPLE\alice' \
		--password-file "$T/alice.pw" check
	expect_not_in "$T/out" "Extended Protection" "no EPA lines over http"
	run "NTLM over http, --epa required has no effect" 0 --admin-url "$ADMIN" --auth ntlm \
		--user 'EXAMPLE\alice' --password-file "$T/alice.pw" otp
	expect_cb not-checked "plain http: nothing checked"
done

# ---- NTLM through GSS-API (auth = ntlm-gssapi, gss-ntlmssp) ----------------
ntlmssp=$(epa_ntlmssp_module)
G=(--auth ntlm-gssapi --user 'EXAMPLE\alice' --password-file "$T/alice.pw")
if [ -z "$ntlmssp" ]; then
	otp_start --tls --epa required
	run "ntlm-gssapi without gss-ntlmssp: refused before any request" 4 --ca-bundle \
		"$T/ndes/root-ca.pem" --admin-url "https://127.0.0.1:$PORT/certsrv/mscep_admin/" "${G[@]}" otp
	expect_in "$T/err" "auth = ntlm-gssapi needs gss-ntlmssp" "the missing mechanism named"
	expect_in "$T/err" "install the gss-ntlmssp package" "the package named"
	[ "$(passwords)" = 0 ] && ok "no password handed out" || bad "$(passwords) password(s) handed out"
	run "check: ntlm-gssapi without gss-ntlmssp" 4 --url "https://127.0.0.1:$PORT/certsrv/mscep/mscep.dll" \
		--ca-bundle "$T/ndes/root-ca.pem" "${G[@]}" check
	expect_in "$T/out" "[FAIL] auth ntlm-gssapi needs gss-ntlmssp" "check: gss-ntlmssp missing"
	echo "# ntlm-gssapi logons skipped: gss-ntlmssp is not installed"
else
	echo "# gss-ntlmssp: $ntlmssp"
	for mode in off accept required; do
		otp_start --tls --epa "$mode"
		# NTLM only: Kerberos must not be what logs on
		A=(--ca-bundle "$T/ndes/root-ca.pem"
			--admin-url "https://localhost:$PORT/certsrv/mscep_admin/" "${G[@]}")
		if [ "$binds" = yes ] || [ "$mode" != required ]; then
			run "ntlm-gssapi, EPA $mode" 0 "${A[@]}" otp
			is_password && ok "ntlm-gssapi, EPA $mode: a password" ||
				bad "ntlm-gssapi, EPA $mode: $(cat "$T/out")"
			case $mode/$binds in
			off/*) expect_cb not-checked "ntlm-gssapi, EPA off" ;;
			*/yes) expect_cb match "ntlm-gssapi, EPA $mode: the binding sent and right" ;;
			*) expect_cb none "ntlm-gssapi, EPA $mode: no binding from this libcurl" ;;
			esac
			am=$(last_cb auth_method)
			[ "$am" = NTLM ] && ok "ntlm-gssapi, EPA $mode: the stand-in saw an NTLM logon" ||
				bad "ntlm-gssapi, EPA $mode: the stand-in saw auth_method $am, not NTLM"
		else
			run "ntlm-gssapi, EPA required, libcurl without binding" 10 "${A[@]}" otp
			expect_in "$T/err" "tried NTLM through GSS-API" "ntlm-gssapi named"
			expect_in "$T/err" "IIS has Extended Protection set to Required" "EPA named"
		fi
		expect_not_in "$T/err" "Secr3t!" "ntlm-gssapi, EPA $mode: no admin password in the message"
	done
	run "check: ntlm-gssapi" 0 --url "https://localhost:$PORT/certsrv/mscep/mscep.dll" "${A[@]}" check
	expect_in "$T/out" "[ OK ] auth ntlm-gssapi: gss-ntlmssp is registered with GSS-API ($ntlmssp)" \
		"check: gss-ntlmssp found"
	if [ "$binds" = yes ]; then
		expect_in "$T/out" "[ OK ] Extended Protection: auth ntlm-gssapi sends the TLS channel binding" \
			"check: ntlm-gssapi binds"
	fi
	printf 'pa:ss\n' >"$T/colon.pw"
	run "ntlm-gssapi: a password with ':'" 4 --ca-bundle "$T/ndes/root-ca.pem" \
		--admin-url "https://localhost:$PORT/certsrv/mscep_admin/" --auth ntlm-gssapi \
		--user 'EXAMPLE\alice' --password-file "$T/colon.pw" otp
	expect_in "$T/err" "cannot use a password that contains ':'" "':' refused with the reason"
	expect_not_in "$T/err" "pa:ss" "the password not shown"
fi

# ---- Negotiate (Kerberos) --------------------------------------------------
# shellcheck source=../lib/kdc.sh
. "$srcdir/tests/lib/kdc.sh"
why_no_krb=
kdc_available || why_no_krb="MIT KDC tools missing (krb5-kdc, krb5-admin-server, krb5-user)"
[[ " $cv_features " == *" SPNEGO "* ]] || why_no_krb="libcurl without SPNEGO"
"$PY" -c 'import gssapi' 2>/dev/null || why_no_krb="python3-gssapi missing"
if [ -n "$why_no_krb" ]; then
	echo "# SKIP Kerberos part: $why_no_krb"
	otp_finish
fi

KDC_DIR=$T/kdc
kdc_start "$KDC_DIR" "${NS_OTP_EPA_KDC_PORT:-18211}" >"$T/kdc.log" 2>&1 ||
	{ echo "FAIL: kdc_start: $(cat "$T/kdc.log")"; exit 1; }
kdc_kinit "$KDC_DIR" alice 'Secr3t!' "FILE:$T/alice.cc" || { echo "FAIL: kinit alice"; exit 1; }
unset KRB5CCNAME KRB5_CLIENT_KTNAME

for mode in off accept required; do
	otp_start --tls --epa "$mode" --keytab "$KDC_DIR/http.keytab"
	# The service principal is HTTP/localhost: the URL must name localhost.
	K=(--ca-bundle "$T/ndes/root-ca.pem" --admin-url "https://localhost:$PORT/certsrv/mscep_admin/"
		--auth negotiate --ccache "FILE:$T/alice.cc")
	if [ "$mode" = off ]; then
		run "Kerberos, EPA off" 0 "${K[@]}" otp
		is_password && ok "Kerberos, EPA off: a password" || bad "Kerberos, EPA off: $(cat "$T/out")"
		expect_cb not-checked "Kerberos, EPA off"
	elif [ "$mode" = accept ]; then
		run "Kerberos, EPA accept" 0 "${K[@]}" otp
		is_password && ok "Kerberos, EPA accept: a password" || bad "Kerberos, EPA accept: $(cat "$T/out")"
		# "unproven": the stand-in's krb5/python-gssapi cannot tell (krb5 < 1.19)
		if [ "$binds" = yes ]; then
			expect_cb match unproven "Kerberos, EPA accept: libcurl $cv_ver bound the channel"
		else
			expect_cb none unproven "Kerberos, EPA accept: libcurl $cv_ver sent no binding"
		fi
	elif [ "$binds" = yes ]; then
		"$HELPER" "${K[@]}" otp >"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" = 10 ] && [ "$(last_cb)" = unproven ]; then
			echo "# SKIP Kerberos, EPA required: the stand-in cannot prove a Kerberos binding here (krb5 < 1.19 or old python3-gssapi)"
		else
			[ "$rc" = 0 ] && ok "Kerberos, EPA required, libcurl $cv_ver: exit 0" ||
				bad "Kerberos, EPA required, libcurl $cv_ver: exit $rc: $(head -c 600 "$T/err")"
			is_password && ok "Kerberos, EPA required: a password" || bad "Kerberos, EPA required: $(cat "$T/out")"
			expect_cb match "Kerberos, EPA required: the binding matched"
		fi
	else
		run "Kerberos, EPA required, libcurl $cv_ver: refused" 10 "${K[@]}" otp
		expect_in "$T/err" "tried Kerberos (Negotiate)" "Kerberos named"
		expect_in "$T/err" "Or IIS has Extended Protection set to Required on mscep_admin" "EPA Required named as a cause"
		expect_in "$T/err" "sends no channel binding" "this libcurl's missing binding said"
		expect_in "$T/err" "Accept or Off on mscep_admin" "EPA Accept/Off asked for"
		expect_cb none unproven "Kerberos, EPA required: refused, no binding"
		[ "$(passwords)" = 0 ] && ok "no password handed out" || bad "$(passwords) password(s) handed out"
	fi
done

# check with Kerberos settings says what this libcurl can do
run "check, Kerberos" 0 --url "https://localhost:$PORT/certsrv/mscep/mscep.dll" "${K[@]}" check
if [ "$binds" = yes ]; then
	expect_in "$T/out" "[ OK ] Extended Protection: auth negotiate sends the TLS channel binding: libcurl $cv_ver sends it" \
		"check: Kerberos binds"
else
	expect_in "$T/out" "[WARN] Extended Protection: auth negotiate cannot send the TLS channel binding: libcurl $cv_ver" \
		"check: Kerberos cannot bind here"
fi

otp_finish
