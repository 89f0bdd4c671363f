#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Renewal the way NDES takes it (ndes.md "Renewal"): after the first
# certificate, `getcert resubmit` gets a new one for a NEW key (the helper
# asks certmonger to rekey: NDES answers a repeated transactionID with the
# existing certificate, and certmonger derives the transactionID from the
# key), with a request signed by the old certificate, carrying the old
# certificate's subject and SANs and no password. The stand-in is strict
# (transactionID replay, same names for a renewal).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "renewal: new key, new transactionID, signed with the old certificate, no password"
ndes_setup
enroll app app1.example.test -A 192.0.2.10

old_serial=$(cert_serial "$T/app.crt")
old_key=$(key_pubkey "$T/app.key")
cp "$T/app.crt" "$T/app-old.crt"
first_txid=$(log_last 's("message_type") == "19" and s("pki_status") == "success"' transaction_id)
[ -n "$first_txid" ] || e2e_fail "no transactionID logged for the first enrollment"
if cm_legacy; then
	# certmonger 0.79.13 keeps the password and reads only the reply to the
	# new key's request: the helper asks for a fresh password (lib.sh).
	getcert resubmit -i app >"$T/resubmit.out" 2>&1 ||
		e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
	legacy_renewal app "$old_serial" app1.example.test
	e2e_pass
fi
# The used one-time password must be gone from the request: NDES refuses a
# renewal that carries a used password.
assert_eq "stored challenge password after issue" "" \
	"$(cm_req_value app template_challenge_password)"

getcert resubmit -i app >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_new_cert app "$old_serial" 150

assert_ne "serial" "$old_serial" "$(cert_serial "$T/app.crt")"
assert_ne "key replaced on renewal" "$old_key" "$(key_pubkey "$T/app.key")"
check_cert "$T/app.crt" "$T/app.key" "CN=app1.example.test" DNS:app1.example.test \
	IPAddress:192.0.2.10
assert_eq "ca-error" "" "$(cm_field app ca-error)"
assert_ge "helper runs that asked certmonger for a new key" 1 \
	"$(grep -c 'renewing certificate .* with a new key' "$T/certmonger.log")"

# On the wire: exactly one renewal PKCSReq, answered SUCCESS with a new
# certificate (not the replayed one), under a new transactionID, signed by
# the first certificate (a valid certificate of this CA, same subject) and
# its CSR carried no challenge password at all.
r='s("message_type") == "19" and s("renewal") == "true"'
assert_eq "renewal PKCSReqs answered SUCCESS" 1 \
	"$(log_count "$r"' and s("pki_status") == "success"')"
assert_ne "renewal transactionID" "$first_txid" "$(log_last "$r" transaction_id)"
assert_eq "requests that replayed a transactionID" 0 "$(log_count 's("replayed") == "true"')"
assert_eq "renewal signer" issued-valid "$(log_last "$r" signer_kind)"
assert_eq "renewal signer subject" "$(cert_subject "$T/app-old.crt")" \
	"$(log_last "$r" signer_subject)"
assert_eq "challenge password in the renewal CSR" "" "$(log_last "$r" password_type)"
assert_eq "serial issued on renewal" "$(cert_serial "$T/app.crt" | tr 'A-F' 'a-f' | sed 's/^0*//')" \
	"$(log_last "$r" issued_serial | sed 's/^0*//')"
e2e_pass
