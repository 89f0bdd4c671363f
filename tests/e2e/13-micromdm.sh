#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Debian's micromdm scepserver: an independent SCEP server of another shape
# (CA-only: no RA certificates, the CA signs and decrypts; a static
# challenge; replies always enveloped with single DES, which certmonger's
# OpenSSL 3 decrypts only with the legacy provider). Enrollment, a wrong
# challenge, and renewal (-allowrenew 0: renew any time; the static
# challenge is needed on renewals too, so certmonger keeps it: CM_OTP=no).
CM_OTP=no
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "micromdm scepserver, CA-only"
e2e_require_helper
command -v scepserver >/dev/null || e2e_skip "scepserver not installed (Debian package scep)"
MDM_PORT=18360
D=$T/depot
mkdir -p "$D"
scepserver ca -init -depot "$D" -keySize 2048 -years 1 >>"$T/micromdm.log" 2>&1 ||
	e2e_fail "scepserver ca -init failed: $(cat "$T/micromdm.log")"
scepserver -depot "$D" -port "$MDM_PORT" -challenge s3cret -allowrenew 0 \
	>>"$T/micromdm.log" 2>&1 &
e2e_track $!
MDM_URL="http://127.0.0.1:$MDM_PORT/scep"
wait_until 20 "scepserver listens" curl -sf "$MDM_URL?operation=GetCACaps"

# certmonger decrypts the DES reply in a child with OPENSSL_CONF cleared:
# only the system openssl.cnf can enable the legacy provider for it, so
# bind-mount one (this mount namespace only).
[ -f /etc/ssl/openssl.cnf ] || e2e_skip "/etc/ssl/openssl.cnf missing (cannot bind-mount over it)"
cat >"$T/openssl-legacy.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
CNF
mount --bind "$T/openssl-legacy.cnf" /etc/ssl/openssl.cnf ||
	e2e_skip "cannot bind-mount over /etc/ssl/openssl.cnf"

helper_conf "url=$MDM_URL"
cm_add_ca mdm
cm_wait_ca mdm 30 || e2e_fail "certmonger got no SCEP CA certificate from scepserver"

CM_CA=mdm cm_request dev -g 2048 -N CN=device1.example.test -L s3cret
wait_for_state dev MONITORING 90
assert_file "certificate" "$T/dev.crt"
out=$(openssl verify -CAfile "$D/ca.pem" "$T/dev.crt" 2>&1) ||
	e2e_fail "certificate does not chain to scepserver's CA: $out"
e2e_ok "certificate chains to scepserver's CA"
assert_eq "subject" "CN=device1.example.test" "$(cert_subject "$T/dev.crt")"
assert_eq "certified key is the tracked key" "$(key_pubkey "$T/dev.key")" "$(cert_pubkey "$T/dev.crt")"
assert_eq "ca-error" "" "$(cm_field dev ca-error)"

# A wrong static challenge is refused, with a reason.
CM_CA=mdm cm_request bad -g 2048 -N CN=device2.example.test -L wrong-challenge
wait_for_state bad 'CA_REJECTED|NEED_GUIDANCE|CA_UNCONFIGURED' 90
assert_eq "wrong challenge" CA_REJECTED "$(cm_status bad)"
assert_match "ca-error for the wrong challenge" 'reject|fail|bad' "$(cm_field bad ca-error)"

# Renewal, signed with the first certificate, with a new key (the default,
# renewal-key = new, works with a plain RFC 8894 server too).
old_serial=$(cert_serial "$T/dev.crt")
old_key=$(key_pubkey "$T/dev.key")
getcert resubmit -i dev >"$T/resubmit.out" 2>&1 ||
	e2e_fail "getcert resubmit failed: $(cat "$T/resubmit.out")"
wait_new_cert dev "$old_serial" 150
assert_ne "key replaced on renewal" "$old_key" "$(key_pubkey "$T/dev.key")"
assert_eq "renewed certificate certifies the new key" "$(key_pubkey "$T/dev.key")" "$(cert_pubkey "$T/dev.crt")"
assert_eq "no consumed-password warning for a server that is not NDES" 0 \
	"$(grep -c 'one-time password of an earlier enrollment' "$T/certmonger.log")"
openssl verify -CAfile "$D/ca.pem" "$T/dev.crt" >/dev/null 2>&1 ||
	e2e_fail "renewed certificate does not chain to scepserver's CA"
e2e_ok "renewed certificate chains to scepserver's CA"
e2e_pass
