#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# NDES over HTTPS with a certificate from a private CA. Without the bundle:
# a clear TLS trust error in ca-error; with ca-bundle: issued.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "HTTPS with a private CA bundle"
e2e_require_helper
ndes_start --tls
assert_file "the stand-in's TLS root" "$NDES_DIR/root-ca.pem"

# Without the bundle (the system trust store does not know the private CA).
helper_conf "url=$NDES_URL"
cp "$T/ndes-submit.conf" "$T/nobundle.conf"
getcert add-ca -c nobundle -e "$E2E_HELPER --config $T/nobundle.conf" >/dev/null ||
	e2e_fail "add-ca nobundle"
PW=$(otp_fetch) || e2e_fail "no one-time password"
CM_CA=nobundle cm_request untrusted -g 2048 -N CN=tls0.example.test -L "$PW"
# The admin must see why in `getcert list`, not only in the daemon's log.
tls_error() { cm_field untrusted ca-error | grep -Eqi 'certificate|TLS|SSL|trust|verify|issuer'; }
for ((i = 0; i < 60; i++)); do tls_error && break; sleep 1; done
err=$(cm_field untrusted ca-error)
assert_match "ca-error without the bundle" 'certificate|TLS|SSL|trust|verify|issuer' "$err"
assert_no_match "state without the bundle" '^MONITORING$' "$(cm_status untrusted)"
[ -s "$T/untrusted.crt" ] && e2e_fail "a certificate was saved without TLS trust"
e2e_ok "no certificate without the bundle"
assert_eq "PKIOperations that reached the stand-in" 0 \
	"$(log_count 's("operation") == "pkioperation"')"

# With the bundle.
helper_conf "url=$NDES_URL" "ca-bundle=$NDES_DIR/root-ca.pem"
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates over HTTPS with the bundle"
PW=$(otp_fetch) || e2e_fail "no one-time password"
cm_request tls -g 2048 -N CN=tls1.example.test -D tls1.example.test -L "$PW"
wait_for_state tls MONITORING 90
check_cert "$T/tls.crt" "$T/tls.key" "CN=tls1.example.test" DNS:tls1.example.test
assert_eq "ca-error" "" "$(cm_field tls ca-error)"
e2e_pass
