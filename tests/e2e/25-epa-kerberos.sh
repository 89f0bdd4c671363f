#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Extended Protection set to Required on the admin page (https), automatic
# passwords with Kerberos, through certmonger. A libcurl that sends the TLS
# channel binding with Negotiate (8.10 or later, OpenSSL, not 8.17.0: Debian
# 13's 8.14 in the platform matrix) gets the password and the certificate,
# and the stand-in saw the binding match. An older libcurl (Debian 11/12) is
# refused with the same 401 IIS sends, and ca-error names Extended
# Protection and what works instead. Which of the two is expected is decided
# from the installed curl, not from what the helper claims.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "Extended Protection Required: automatic passwords over Kerberos with channel binding"
e2e_require_helper
e2e_require_ndes
KDC_LIB="$E2E_SRCDIR/tests/lib/kdc.sh"
[ -f "$KDC_LIB" ] || e2e_fail "tests/lib/kdc.sh not found (part of this repository)"
for p in krb5kdc kdb5_util kadmin.local kinit curl; do
	command -v "$p" >/dev/null 2>&1 || e2e_skip "$p not installed (krb5-kdc, krb5-admin-server, krb5-user, curl)"
done
"$E2E_PY" -c 'import gssapi' 2>/dev/null || e2e_skip "python3-gssapi not installed"
[ -f /etc/krb5.conf ] || e2e_skip "/etc/krb5.conf missing (cannot bind-mount over it)"

# shellcheck source=tests/lib/epa.sh
. "$E2E_SRCDIR/tests/lib/epa.sh"
epa_libcurl || e2e_skip "cannot read libcurl's version from curl --version"
ver=$EPA_CURL_VER binds=$EPA_BINDS
e2e_log "libcurl $ver: sends the channel binding with Negotiate: $binds"

. "$KDC_LIB"
kdc_start "$T/kdc" 18371 >"$T/kdc-start.log" 2>&1 ||
	e2e_fail "kdc_start failed: $(cat "$T/kdc-start.log")"
[ -f "$T/kdc/kdc.pid" ] && e2e_track "$(cat "$T/kdc/kdc.pid")"
mount --bind "$KRB5_CONFIG" /etc/krb5.conf || e2e_skip "cannot bind-mount over /etc/krb5.conf"

ndes_start --tls --epa required --keytab "$T/kdc/http.keytab"
# Negotiate needs the host name the service principal was made for; the
# stand-in's TLS certificate names localhost too.
admin_url="https://localhost:$NDES_PORT/certsrv/mscep_admin/"
helper_conf "url=https://localhost:$NDES_PORT/certsrv/mscep/mscep.dll" "admin-url=$admin_url" \
	"ca-bundle=$NDES_DIR/root-ca.pem" "user=alice@EXAMPLE.TEST" "auth=negotiate" \
	"keytab=$T/kdc/alice.keytab" "auto-password=yes" "retry-interval=10"
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates"

echo >"$T/epa.otp"
chmod 600 "$T/epa.otp"
cm_request epa -g 2048 -N CN=epa1.example.test -D epa1.example.test -l "$T/epa.otp"
wait_for_state epa 'MONITORING|CA_REJECTED|NEED_GUIDANCE|CA_UNCONFIGURED|CA_UNREACHABLE' 150
state=$(cm_status epa)
if [ "$binds" = yes ]; then
	assert_eq "state" MONITORING "$state"
	check_cert "$T/epa.crt" "$T/epa.key" "CN=epa1.example.test" DNS:epa1.example.test
	assert_ge "passwords fetched with a matching channel binding" 1 \
		"$(log_count 's("operation") == "admin" and s("admin_result") == "password" and s("channel_binding") == "match"')"
	e2e_ok "issued under EPA Required: the stand-in saw the channel binding match"
else
	assert_ne "state" MONITORING "$state"
	err=$(cm_field epa ca-error)
	assert_match "ca-error names Extended Protection" 'Extended Protection set to Required' "$err"
	assert_match "ca-error says what works instead" 'Works there instead' "$err"
	assert_eq "passwords handed out" 0 \
		"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
	assert_ge "Kerberos logons refused for a missing binding" 1 \
		"$(log_count 's("operation") == "admin" and s("channel_binding") in ("none", "unproven")')"
	e2e_ok "refused under EPA Required (libcurl $ver sends no binding), explained in ca-error"
fi
grep -q 'NTLM.*logon' "$NDES_DIR/server.log" && e2e_fail "an NTLM logon happened although auth = negotiate"
e2e_pass
