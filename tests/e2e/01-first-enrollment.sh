#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# First enrollment with a one-time password fetched from the admin page
# over NTLM, as an admin does by hand: getcert request -c ndes -L PW.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "first enrollment with a one-time password"
ndes_setup

PW=$(otp_fetch) || e2e_fail "no one-time password from the admin page"
# Checked without printing it: a password does not belong in a log.
printf '%s' "$PW" | grep -Eqx '[0-9A-F]{16,64}' ||
	e2e_fail "the admin page's password is not 16-64 hex characters (${#PW} characters)"
e2e_ok "one-time password from the admin page (${#PW} hex characters)"

cm_request web -g 2048 -N "CN=web1.example.test,O=Example" \
	-D web1.example.test -D www.example.test -A 192.0.2.10 \
	-E hostmaster@example.test -L "$PW"
wait_for_state web MONITORING 90

assert_eq "ca-error" "" "$(cm_field web ca-error)"
assert_eq "stuck" "no" "$(cm_field web stuck)"
check_cert "$T/web.crt" "$T/web.key" "O=Example,CN=web1.example.test" \
	DNS:web1.example.test DNS:www.example.test IPAddress:192.0.2.10 \
	email:hostmaster@example.test
assert_eq "key size" 2048 "$(key_bits "$T/web.key")"
# certmonger tracks what it got: the issuer is the stand-in's issuing CA,
# the subject and DNS names are the requested ones.
ca_subject=$(openssl x509 -in "$NDES_DIR/issuing-ca.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
assert_eq "certificate issuer" "$ca_subject" \
	"$(openssl x509 -in "$T/web.crt" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')"
assert_eq "issuer shown by getcert list" "$ca_subject" "$(cm_field web issuer)"
assert_eq "subject shown by getcert list" "O=Example,CN=web1.example.test" "$(cm_field web subject)"
assert_eq "DNS names shown by getcert list" "web1.example.test,www.example.test" "$(cm_field web dns)"

# On the wire: one PKCSReq (19) answered SUCCESS, signed by the
# self-signed request key (not a renewal).
assert_eq "PKCSReq answered SUCCESS" 1 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "success"')"
assert_eq "renewal PKCSReqs" 0 \
	"$(log_count 's("message_type") == "19" and s("renewal") == "true"')"

# The helper's messages reach the admin whatever certmonger does with its
# stderr: certmonger 0.79.13 sends it to /dev/null, so the helper (log =
# auto) writes to syslog there, and to stderr (certmonger's log) elsewhere.
if grep -aq 'Redirecting stdin and stderr to /dev/null' "$T/certmonger.log"; then
	e2e_log "certmonger discards the helper's stderr: its messages must be in syslog"
	grep -aq "^<[0-9]*>.* ndes-submit\[[0-9]*\]: " "$T/syslog.log" ||
		e2e_fail "certmonger discards the helper's stderr and nothing reached syslog"
else
	assert_eq "helper messages sent to syslog while certmonger keeps stderr" 0 \
		"$(cat "$T/syslog.log" 2>/dev/null | grep -c .)"
fi
helper_messages | grep -aq "^ndes-submit: " ||
	e2e_fail "no message of the helper reached certmonger's log or syslog"
e2e_ok "the helper's messages reached the admin ($(helper_messages | wc -l) lines)"
e2e_pass
