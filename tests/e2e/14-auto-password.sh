#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Automatic passwords (issue 6): with admin credentials configured, a
# request made with an empty challenge-password file gets its one-time
# password from the admin page without a manual step; and when NDES
# refuses a renewal, a resubmit recovers on its own with a fresh password.
# shellcheck source=tests/e2e/lib.sh
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
# One password, one fetch: each fetch takes one of NDES' 5 cache slots.
assert_eq "admin page fetches by the helper" 1 \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
assert_eq "admin page user" 'EXAMPLE\alice' \
	"$(log_last 's("operation") == "admin" and s("admin_result") == "password"' admin_user)"
assert_eq "password outcome of the enrollment" ok \
	"$(log_last 's("message_type") == "19" and s("pki_status") == "success"' password)"
# The used password is erased from the file (a newline is left: see the
# note above), and the file stays private.
assert_eq "password left in $T/auto.otp" "" "$(tr -d '\r\n' <"$T/auto.otp")"
assert_eq "mode of $T/auto.otp" 600 "$(stat -c %a "$T/auto.otp")"
# Neither the fetched password nor the admin's password may end up in the
# daemon's log (the helper's stderr goes there). The stand-in knows which
# passwords it handed out: its state directory has them.
no_secret_in_log() {
	local pw
	helper_messages >"$T/helper-stderr.txt"
	grep -qF -- "$NDES_PASSWORD" "$T/helper-stderr.txt" &&
		e2e_fail "the admin password appears in the helper's messages"
	for pw in $("$E2E_PY" -c 'import json,sys; [print(e["password"]) for e in json.load(open(sys.argv[1]))]' "$NDES_DIR/passwords.json"); do
		grep -qF -- "$pw" "$T/helper-stderr.txt" &&
			e2e_fail "a one-time password appears in the helper's messages"
	done
	e2e_ok "no password in the helper's messages ($(wc -l <"$T/helper-stderr.txt") lines)"
}
no_secret_in_log

# NDES stops accepting renewals signed by the old certificate.
ndes_stop
ndes_start --refuse-renewal
old_serial=$(cert_serial "$T/auto.crt")
fetches=$(log_count 's("operation") == "admin" and s("admin_result") == "password"')
getcert resubmit -i auto >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_new_cert auto "$old_serial" 180
check_cert "$T/auto.crt" "$T/auto.key" "CN=auto1.example.test" DNS:auto1.example.test
if cm_legacy; then
	# certmonger 0.79.13: the helper fetches the password before sending
	# anything, and the renewal goes as the new key's request (lib.sh).
	assert_eq "renewals signed by the old certificate" 0 \
		"$(log_count 's("message_type") == "19" and s("signer_kind") == "issued-valid"')"
else
	assert_ge "renewals refused on the way" 1 \
		"$(log_count 's("message_type") == "19" and s("signer_kind") == "issued-valid" and s("pki_status") == "failure"')"
fi
assert_eq "admin page fetches (one fresh password for the recovery)" $((fetches + 1)) \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
assert_eq "password outcome of the recovered renewal" ok \
	"$(log_last 's("message_type") == "19" and s("pki_status") == "success"' password)"
assert_eq "password left in $T/auto.otp" "" "$(tr -d '\r\n' <"$T/auto.otp")"
no_secret_in_log
e2e_pass
