#!/bin/bash
# Automatic passwords (issue 6): with admin credentials configured, a
# request made with an empty challenge-password file gets its one-time
# password from the admin page without a manual step; and when NDES
# refuses a renewal, a resubmit recovers on its own with a fresh password.
. "$(dirname "$0")/lib.sh"
e2e_begin "automatic one-time passwords"
e2e_require_helper
ndes_start
umask 077
printf '%s\n' "$NDES_PASSWORD" >"$T/admin-pw"
chmod 600 "$T/admin-pw"
helper_conf "url=$NDES_URL" "admin-url=$NDES_ADMIN_URL" "user=$NDES_USER" \
	"password-file=$T/admin-pw" "auth=ntlm" "auto-password=yes"
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates"

# "Empty" = one newline: certmonger 0.79.17 treats a zero-byte file as a
# read error (stale errno, "Error determining size of ...") and stops in
# NEED_CSR_GEN_PIN; a lone newline reads as "no password".
echo >"$T/auto.otp"
chmod 600 "$T/auto.otp"
cm_request auto -g 2048 -N CN=auto1.example.test -D auto1.example.test -l "$T/auto.otp"
wait_for_state auto 'MONITORING|CA_REJECTED|NEED_GUIDANCE|CA_UNCONFIGURED' 150
assert_eq "state" MONITORING "$(cm_status auto)"
check_cert "$T/auto.crt" "$T/auto.key" "CN=auto1.example.test" DNS:auto1.example.test
assert_eq "ca-error" "" "$(cm_field auto ca-error)"
assert_ge "admin page fetches by the helper" 1 \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
# The fetched password must not end up in the daemon's log.
if [ -s "$T/auto.otp" ]; then
	otp=$(tr -d '\r\n' <"$T/auto.otp")
	[ -n "$otp" ] && grep -qF -- "$otp" "$T/certmonger.log" &&
		e2e_fail "the one-time password appears in certmonger's log"
	e2e_ok "the one-time password is not in certmonger's log"
fi
grep -qF -- "$NDES_PASSWORD" "$T/certmonger.log" &&
	e2e_fail "the admin password appears in certmonger's log"
e2e_ok "the admin password is not in certmonger's log"

# NDES stops accepting renewals signed by the old certificate.
ndes_stop
ndes_start --refuse-renewal
old_serial=$(cert_serial "$T/auto.crt")
fetches=$(log_count 's("operation") == "admin" and s("admin_result") == "password"')
getcert resubmit -i auto >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_new_cert auto "$old_serial" 180
check_cert "$T/auto.crt" "$T/auto.key" "CN=auto1.example.test" DNS:auto1.example.test
assert_ge "renewals refused on the way" 1 \
	"$(log_count 's("message_type") == "19" and s("signer_kind") == "issued-valid" and s("pki_status") == "failure"')"
assert_ge "admin page fetches (a fresh password for the recovery)" $((fetches + 1)) \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
e2e_pass
