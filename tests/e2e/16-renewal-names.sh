#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A renewal that asks for other names than the certificate has. NDES renews
# without a password only a request with the certificate's own subject and
# SANs (the strict stand-in refuses otherwise, ndes.md "Renewal"), so:
# - without automatic passwords the helper sends nothing and ca-error says
#   which name differs and the getcert command that keeps the old names;
#   following that command renews;
# - with automatic passwords (getcert request -l FILE) the helper fetches a
#   one-time password by itself and the renamed certificate is issued.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "renewal with other names: explained, or recovered with an automatic password"
e2e_require_helper
ndes_start
umask 077
printf '%s\n' "$NDES_PASSWORD" >"$T/admin-pw"
helper_conf "url=$NDES_URL" "admin-url=$NDES_ADMIN_URL" "user=$NDES_USER" \
	"password-file=$T/admin-pw" "auth=ntlm" "auto-password=yes"
cm_add_ca ndes
cm_wait_ca ndes 30

# --- a fixed password (-L): explained, nothing sent -------------------------
enroll app app1.example.test
old_serial=$(cert_serial "$T/app.crt")
pkcsreqs=$(log_count 's("message_type") == "19"')
getcert resubmit -i app -N CN=app2.example.test -D app2.example.test >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
has_error() { [ -n "$(cm_field app ca-error)" ] && [ "$(cm_status app)" = MONITORING ]; }
wait_until 120 "the refused renewal shows in ca-error" has_error
err=$(cm_field app ca-error)
assert_match "ca-error names the subject that differs" \
	'subject "CN=app2.example.test" \(certificate: "CN=app1.example.test"\)' "$err"
assert_match "ca-error names the SAN that is new" 'DNS:app2.example.test not in the certificate' "$err"
assert_match "ca-error gives the command that keeps the names" \
	"getcert resubmit -i app -N 'CN=app1.example.test' -D 'app1.example.test'" "$err"
assert_match "ca-error names the other way out" 'one-time password' "$err"
assert_eq "certificate kept" "$old_serial" "$(cert_serial "$T/app.crt")"
assert_eq "PKCSReqs sent for the refused renewal" "$pkcsreqs" "$(log_count 's("message_type") == "19"')"

# The command from ca-error renews (with the new key certmonger already made).
getcert resubmit -i app -N CN=app1.example.test -D app1.example.test >"$T/resubmit2.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit2.out")"
wait_new_cert app "$old_serial" 150
check_cert "$T/app.crt" "$T/app.key" "CN=app1.example.test" DNS:app1.example.test
assert_eq "ca-error after the renewal" "" "$(cm_field app ca-error)"
assert_eq "password outcome of the renewal" not-needed-renewal \
	"$(log_last 's("message_type") == "19" and s("pki_status") == "success"' password)"

# --- automatic passwords (-l FILE): recovered without a manual step --------
echo >"$T/auto.otp"
cm_request auto -g 2048 -N CN=auto1.example.test -D auto1.example.test -l "$T/auto.otp"
wait_for_state auto MONITORING 150
old_serial=$(cert_serial "$T/auto.crt")
fetches=$(log_count 's("operation") == "admin" and s("admin_result") == "password"')
getcert resubmit -i auto -N CN=auto2.example.test -D auto2.example.test >"$T/resubmit3.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit3.out")"
wait_new_cert auto "$old_serial" 240
check_cert "$T/auto.crt" "$T/auto.key" "CN=auto2.example.test" DNS:auto2.example.test
assert_eq "ca-error" "" "$(cm_field auto ca-error)"
assert_eq "one password fetched for the renamed renewal" $((fetches + 1)) \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
ok='s("message_type") == "19" and s("pki_status") == "success"'
assert_eq "the renamed request was signed by the old certificate" issued-valid \
	"$(log_last "$ok" signer_kind)"
assert_eq "... and carried the fetched password" ok "$(log_last "$ok" password)"
assert_eq "refused requests on the way" 0 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "failure"')"
e2e_pass
