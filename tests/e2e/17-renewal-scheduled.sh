#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# certmonger renews on its own schedule, with nobody typing getcert: the
# first certificate is short-lived and backdated (certmonger renews only a
# certificate whose notBefore is over an hour old, once its remaining
# lifetime crosses one of enroll_ttls), so certmonger starts the renewal by
# itself right after issuing it. The renewal is NDES-shaped: new key, new
# transactionID, signed by the previous certificate, no password.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# Any certificate with less than a day left is due.
cm_extra_conf() { printf '[defaults]\nenroll_ttls = 86400\nnotify_ttls = 86400\n'; }
e2e_begin "renewal started by certmonger's own schedule"
HELPER_CONF=("retry-interval=5")
ndes_setup --cert-minutes 150 --backdate-minutes 90
enroll sched sched1.example.test
old_serial=$(cert_serial "$T/sched.crt")
old_key=$(key_pubkey "$T/sched.key")
cp "$T/sched.crt" "$T/sched-old.crt"
first_txid=$(log_last 's("message_type") == "19" and s("pki_status") == "success"' transaction_id)
nb=$(date -d "$(openssl x509 -in "$T/sched.crt" -noout -startdate | cut -d= -f2)" +%s)
assert_ge "age of the first certificate's notBefore in seconds" 3700 $(($(date +%s) - nb))
# From now on the stand-in issues ordinary certificates, so that the
# renewed one is not due again. A renewal that reaches the stand-in while it
# restarts is retried by the helper (retry-interval 5 s).
ndes_stop
ndes_start
if cm_legacy; then
	legacy_renewal sched "$old_serial" sched1.example.test
	e2e_pass
fi
wait_new_cert sched "$old_serial" 180
assert_ne "key replaced" "$old_key" "$(key_pubkey "$T/sched.key")"
check_cert "$T/sched.crt" "$T/sched.key" "CN=sched1.example.test" DNS:sched1.example.test
assert_eq "ca-error" "" "$(cm_field sched ca-error)"
r='s("message_type") == "19" and s("renewal") == "true" and s("pki_status") == "success"'
assert_eq "renewals issued" 1 "$(log_count "$r")"
assert_ne "renewal transactionID" "$first_txid" "$(log_last "$r" transaction_id)"
assert_eq "renewal signer" "$(cert_subject "$T/sched-old.crt")" "$(log_last "$r" signer_subject)"
assert_eq "challenge password in the renewal CSR" "" "$(log_last "$r" password_type)"
e2e_pass
