#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Extended Protection set to Required on the admin page (https), automatic
# passwords with a user and password, through certmonger.
# 1. auth = ntlm (libcurl's own NTLM, which never binds): refused with IIS'
#    401, no password handed out, ca-error names Extended Protection.
# 2. The same request after switching to auth = ntlm-gssapi (NTLM inside
#    Negotiate through gss-ntlmssp): where libcurl sends the channel binding
#    (8.10 or later, OpenSSL, not 8.17.0: Debian 13 in the platform matrix)
#    and gss-ntlmssp is installed, `getcert resubmit` gets the password and
#    the certificate, and the stand-in saw an NTLM logon whose binding
#    matched. Elsewhere this part is skipped, with the reason in the log.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "Extended Protection Required: NTLM refused, NTLM through GSS-API issued"
e2e_require_helper
e2e_require_ndes
command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed (tells the libcurl version)"

# shellcheck source=tests/lib/epa.sh
. "$E2E_SRCDIR/tests/lib/epa.sh"
epa_libcurl || e2e_skip "cannot read libcurl's version from curl --version"
ver=$EPA_CURL_VER binds=$EPA_BINDS
ntlmssp=$(epa_ntlmssp_module)
e2e_log "libcurl $ver: sends the channel binding with Negotiate: $binds; gss-ntlmssp: ${ntlmssp:-not installed}"

ndes_start --tls --epa required
umask 077
printf '%s\n' "$NDES_PASSWORD" >"$T/admin-pw"
conf() {
	helper_conf "url=https://localhost:$NDES_PORT/certsrv/mscep/mscep.dll" \
		"admin-url=https://localhost:$NDES_PORT/certsrv/mscep_admin/" \
		"ca-bundle=$NDES_DIR/root-ca.pem" "user=$NDES_USER" "password-file=$T/admin-pw" \
		"auth=$1" "auto-password=yes" "retry-interval=10"
}
conf ntlm
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates"

echo >"$T/epa.otp"
chmod 600 "$T/epa.otp"
cm_request epa -g 2048 -N CN=epa2.example.test -D epa2.example.test -l "$T/epa.otp"
wait_for_state epa 'MONITORING|CA_REJECTED|NEED_GUIDANCE|CA_UNCONFIGURED|CA_UNREACHABLE' 150
assert_ne "state with auth = ntlm" MONITORING "$(cm_status epa)"
err=$(cm_field epa ca-error)
assert_match "ca-error: tried NTLM" 'tried NTLM' "$err"
assert_match "ca-error names Extended Protection" 'Extended Protection set to Required' "$err"
assert_match "ca-error: NTLM never binds" "libcurl's own NTLM never sends a channel binding" "$err"
assert_eq "passwords handed out" 0 \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
assert_ge "logons refused for a missing binding" 1 \
	"$(log_count 's("operation") == "admin" and s("channel_binding") == "none"')"
grep -q 'NTLM logon of .* refused by Extended Protection' "$NDES_DIR/server.log" ||
	e2e_fail "the stand-in's log shows no NTLM logon refused by Extended Protection"
case $err in *Secr3t*) e2e_fail "the admin password is in ca-error" ;; esac
e2e_ok "auth = ntlm refused under EPA Required, explained in ca-error"

if [ "$binds" != yes ] || [ -z "$ntlmssp" ]; then
	e2e_log "auth = ntlm-gssapi part skipped: needs libcurl >= 8.10 with GSS-API and OpenSSL (here $ver) and gss-ntlmssp (${ntlmssp:-not installed})"
	e2e_pass
fi
conf ntlm-gssapi
getcert resubmit -i epa >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_for_state epa 'MONITORING|CA_REJECTED|NEED_GUIDANCE|CA_UNCONFIGURED' 150
assert_eq "state with auth = ntlm-gssapi" MONITORING "$(cm_status epa)"
check_cert "$T/epa.crt" "$T/epa.key" "CN=epa2.example.test" DNS:epa2.example.test
bound_ntlm() {
	[ "$(log_count 's("operation") == "admin" and s("admin_result") == "password" and s("auth_method") == "ntlm" and s("channel_binding") == "match"')" -ge 1 ]
}
# the stand-in may write its record just after the reply went out
wait_until 20 "a password fetched by NTLM with a matching channel binding in the stand-in's log" bound_ntlm
e2e_ok "issued under EPA Required with auth = ntlm-gssapi: an NTLM logon with the binding"
e2e_pass
