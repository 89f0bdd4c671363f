#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Automatic passwords with Kerberos (Negotiate) instead of NTLM: the helper
# authenticates to the admin page with a client keytab, as an AD-joined
# host would, and the request is issued without a manual step.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "automatic one-time passwords over Negotiate (Kerberos)"
e2e_require_helper
e2e_require_ndes
KDC_LIB="$E2E_SRCDIR/tests/lib/kdc.sh"
[ -f "$KDC_LIB" ] || e2e_fail "tests/lib/kdc.sh not found (part of this repository)"
for p in krb5kdc kdb5_util kadmin.local kinit; do
	command -v "$p" >/dev/null 2>&1 || e2e_skip "$p not installed (krb5-kdc, krb5-admin-server, krb5-user)"
done
"$E2E_PY" -c 'import gssapi' 2>/dev/null || e2e_skip "python3-gssapi not installed"
# certmonger hands its helpers a cleaned environment (no KRB5_CONFIG): the
# helper's Kerberos library reads /etc/krb5.conf, so the test's krb5.conf is
# bind-mounted over it in this mount namespace only.
[ -f /etc/krb5.conf ] || e2e_skip "/etc/krb5.conf missing (cannot bind-mount over it)"
. "$KDC_LIB"
kdc_start "$T/kdc" 18370 >"$T/kdc-start.log" 2>&1 ||
	e2e_fail "kdc_start failed: $(cat "$T/kdc-start.log")"
[ -f "$T/kdc/kdc.pid" ] && e2e_track "$(cat "$T/kdc/kdc.pid")"
mount --bind "$KRB5_CONFIG" /etc/krb5.conf || e2e_skip "cannot bind-mount over /etc/krb5.conf"

ndes_start --keytab "$T/kdc/http.keytab"
# Negotiate needs the host name the service principal was made for.
admin_url="http://localhost:$NDES_PORT/certsrv/mscep_admin/"
helper_conf "url=$NDES_URL" "admin-url=$admin_url" "user=alice@EXAMPLE.TEST" \
	"auth=negotiate" "keytab=$T/kdc/alice.keytab" "auto-password=yes"
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates"

# "Empty" = one newline: certmonger 0.79.17 treats a zero-byte file as a
# read error (stale errno, "Error determining size of ...") and stops in
# NEED_CSR_GEN_PIN; a lone newline reads as "no password".
echo >"$T/krb.otp"
chmod 600 "$T/krb.otp"
cm_request krb -g 2048 -N CN=krb1.example.test -D krb1.example.test -l "$T/krb.otp"
wait_for_state krb 'MONITORING|CA_REJECTED|NEED_GUIDANCE|CA_UNCONFIGURED' 150
assert_eq "state" MONITORING "$(cm_status krb)"
check_cert "$T/krb.crt" "$T/krb.key" "CN=krb1.example.test" DNS:krb1.example.test
assert_ge "admin page fetches" 1 \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
assert_eq "admin page user" 'EXAMPLE\alice' \
	"$(log_last 's("operation") == "admin" and s("admin_result") == "password"' admin_user)"
grep -q 'Negotiate logon of alice@EXAMPLE.TEST' "$NDES_DIR/server.log" ||
	e2e_fail "the stand-in saw no Kerberos (Negotiate) logon: $(grep winauth "$NDES_DIR/server.log" | tail -n 3)"
e2e_ok "the admin page was reached with Kerberos (Negotiate)"
grep -q 'NTLM.*logon' "$NDES_DIR/server.log" && e2e_fail "an NTLM logon happened although auth = negotiate"
e2e_ok "no NTLM logon"
e2e_pass
