#!/bin/bash
# Renewal: after the first certificate, `getcert resubmit` gets a new one
# (new serial) for the same key, with a request signed by the old
# certificate and carrying no password (certmonger dropped the used one).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "renewal signed with the old certificate, no password"
ndes_setup
enroll app app1.example.test

old_serial=$(cert_serial "$T/app.crt")
old_key=$(key_pubkey "$T/app.key")
cp "$T/app.crt" "$T/app-old.crt"
# The used one-time password must be gone from the request: NDES refuses a
# renewal that carries a used password.
assert_eq "stored challenge password after issue" "" \
	"$(cm_req_value app challenge_password)"

getcert resubmit -i app >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_new_cert app "$old_serial" 90

assert_ne "serial" "$old_serial" "$(cert_serial "$T/app.crt")"
assert_eq "key kept on renewal" "$old_key" "$(key_pubkey "$T/app.key")"
check_cert "$T/app.crt" "$T/app.key" "CN=app1.example.test" DNS:app1.example.test
assert_eq "ca-error" "" "$(cm_field app ca-error)"

# On the wire: the second PKCSReq was signed by the first certificate (a
# valid certificate of this CA, subject and issuer as in it) and its CSR
# carried no challenge password at all.
r='s("message_type") == "19" and s("renewal") == "true"'
assert_eq "renewal PKCSReqs answered SUCCESS" 1 \
	"$(log_count "$r"' and s("pki_status") == "success"')"
assert_eq "renewal signer" issued-valid "$(log_last "$r" signer_kind)"
assert_eq "renewal signer subject" "$(openssl x509 -in "$T/app-old.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
	"$(log_last "$r" signer_subject)"
assert_eq "challenge password in the renewal CSR" "" "$(log_last "$r" password_type)"
assert_eq "serial issued on renewal" "$(cert_serial "$T/app.crt" | tr 'A-F' 'a-f' | sed 's/^0*//')" \
	"$(log_last "$r" issued_serial)"
e2e_pass
